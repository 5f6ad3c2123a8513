// writ::Engine: the live policy behind a SnapshotSlot, reloads, the shadow
// policy, decision logging and counters.
//
// Every decision reads one EngineState (live and shadow policy, published
// together) once, at its start, and uses only that: the JSON request is
// read against the same schema that then decides it, and the digest it
// reports is that policy's.
#include "writ/engine.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "src/check/checked_policy.h"
#include "src/engine/decision_record.h"
#include "src/engine/request_rebinding.h"
#include "src/engine/sharded_counters.h"
#include "src/engine/snapshot_slot.h"

namespace writ {
namespace {

PolicyDigest DigestOf(const Policy& policy) {
  PolicyDigest digest;
  const std::string& text = policy.info().digest;
  std::copy_n(text.data(), std::min(text.size(), digest.text.size()),
              digest.text.data());
  return digest;
}

// What one decision reads: published as a unit, never modified.
struct EngineState {
  std::shared_ptr<const Policy> live;
  PolicyDigest live_digest;
  std::shared_ptr<const Policy> shadow;  // may be null
  PolicyDigest shadow_digest;
};

enum Counter : size_t {
  kDecisions,
  kInputErrors,
  kShadowDecisions,
  kShadowDisagreements,
  kLogDrops,
  kCounterCount
};

// Per-thread buffers reused across decisions, so logging a decision does
// not allocate a fresh explanation or line each time.
Explanation& ThreadExplanation() {
  thread_local Explanation explanation;
  return explanation;
}

std::string& ThreadLogLine() {
  thread_local std::string line;
  return line;
}

}  // namespace

class Engine::Impl {
 public:
  Impl(std::shared_ptr<const Policy> policy, EngineOptions options)
      : options_(std::move(options)), slot_(MakeInitialState(std::move(policy))) {}

  // Reading the JSON may allocate (the thread's request for a new policy, a
  // string longer than any before it, the error's message). Out of memory,
  // the request is refused as unread input rather than ending the process;
  // the status returned then is out_of_memory_, made when the engine was,
  // since making one with a message would allocate again.
  absl::StatusOr<EngineDecision> EvaluateJson(absl::string_view json,
                                              Explanation* explanation) const noexcept {
    const EngineState& state = slot_.Acquire();
    try {
      Request& request = internal::ThreadRequestFor(*state.live);
      if (absl::Status read = request.ReadJson(json, options_.request); !read.ok()) {
        counters_.Add(kInputErrors);
        return read;
      }
      return Decide(state, *state.live, request, &json, explanation);
    } catch (const std::bad_alloc&) {
      counters_.Add(kInputErrors);
      return out_of_memory_;
    }
  }

  EngineDecision Evaluate(const Policy& policy, const Request& request,
                          Explanation* explanation) const noexcept {
    return Decide(slot_.Acquire(), policy, request, nullptr, explanation);
  }

  absl::Status Reload(absl::StatusOr<std::shared_ptr<const Policy>> compiled) {
    if (!compiled.ok()) {
      reloads_failed_.fetch_add(1, std::memory_order_relaxed);
      return compiled.status();
    }
    Install(*std::move(compiled));
    return absl::OkStatus();
  }

  void Install(std::shared_ptr<const Policy> policy) {
    // Null is no policy (a compile's result not checked, say): the last
    // good one keeps deciding, as for a failed reload, rather than every
    // later decision dereferencing it.
    if (policy == nullptr) {
      reloads_failed_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    Update([&policy](EngineState* state) {
      state->live_digest = DigestOf(*policy);
      state->live = std::move(policy);
    });
    reloads_ok_.fetch_add(1, std::memory_order_relaxed);
  }

  void InstallShadow(std::shared_ptr<const Policy> policy) {
    Update([&policy](EngineState* state) {
      state->shadow_digest = policy != nullptr ? DigestOf(*policy) : PolicyDigest{};
      state->shadow = std::move(policy);
    });
  }

  std::shared_ptr<const Policy> live() const { return slot_.Load()->live; }
  std::shared_ptr<const Policy> shadow() const { return slot_.Load()->shadow; }

  EngineStats stats() const {
    EngineStats stats;
    stats.decisions = counters_.Total(kDecisions);
    stats.input_errors = counters_.Total(kInputErrors);
    stats.reloads_ok = reloads_ok_.load(std::memory_order_relaxed);
    stats.reloads_failed = reloads_failed_.load(std::memory_order_relaxed);
    stats.shadow_decisions = counters_.Total(kShadowDecisions);
    stats.shadow_disagreements = counters_.Total(kShadowDisagreements);
    stats.log_drops = counters_.Total(kLogDrops);
    // With a log, every decision is a record queued or a drop: counting
    // the records too was one more locked add per decision.
    if (options_.log != nullptr) {
      stats.log_records = std::max(stats.decisions, stats.log_drops) - stats.log_drops;
      const DecisionLogStats log = options_.log->stats();
      stats.log_written = log.written;
      stats.log_write_errors = log.sink_errors;
    }
    return stats;
  }

  const EngineOptions& options() const { return options_; }

 private:
  static std::shared_ptr<const EngineState> MakeInitialState(
      std::shared_ptr<const Policy> policy) {
    auto state = std::make_shared<EngineState>();
    state->live_digest = DigestOf(*policy);
    state->live = std::move(policy);
    return state;
  }

  // Publishes a copy of the current state changed by `change`. Updates are
  // serialized so two reloads cannot lose each other's change.
  template <typename Change>
  void Update(Change change) {
    std::lock_guard<std::mutex> lock(update_mutex_);
    auto next = std::make_shared<EngineState>(*slot_.Load());
    change(next.get());
    slot_.Publish(std::move(next));
  }

  // `json` is the text `request` was read from, when it was.
  EngineDecision Decide(const EngineState& state, const Policy& policy,
                        const Request& request, const absl::string_view* json,
                        Explanation* explanation) const noexcept {
    const auto start = std::chrono::steady_clock::now();
    const Decision decision = policy.Evaluate(request, explanation, options_.evaluator);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    counters_.Add(kDecisions);
    // A request made for another schema (a caller's mistake; a moved-from
    // one has none) was denied unread. The shadow must not read it either,
    // nor the writer, which would unpack its values as the live schema's:
    // it is recorded here, without its values.
    const bool read = request.IsFor(*policy.checked().schema);
    std::optional<internal::ShadowOutcome> shadow =
        EvaluateShadow(state, read ? &request : nullptr, json, decision);
    if (options_.log != nullptr) {
      internal::RecordContext context{
          internal::NextDecisionId(internal::WallTimeAt(start)), decision,
          std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count(),
          std::move(shadow)};
      // Packing or formatting the record may allocate; out of memory, the
      // record is what gives way (counted as dropped), not the process.
      try {
        if (&policy == state.live.get() && read) {
          LogPending(state.live, request, json, std::move(context));
        } else {
          LogNow(policy, request, context);
        }
      } catch (const std::bad_alloc&) {
        counters_.Add(kLogDrops);
      }
    }
    return {decision,
            &policy == state.live.get() ? state.live_digest : DigestOf(policy)};
  }

  // `request` is null when the deciding policy refused it unread.
  std::optional<internal::ShadowOutcome> EvaluateShadow(
      const EngineState& state, const Request* request,
      const absl::string_view* json, Decision live) const {
    if (state.shadow == nullptr) return std::nullopt;
    const Policy& shadow = *state.shadow;
    // The shadow has its own schema: read the JSON again against it (it may
    // use attributes the live policy does not), or carry the values over.
    // Out of memory for that copy, the shadow counts a deny as for input it
    // refuses: Decide is noexcept, and the shadow is not enforced.
    std::optional<absl::StatusOr<Request>> shadow_request;
    try {
      if (json != nullptr) {
        shadow_request = Request::FromJson(shadow, *json, options_.request);
      } else if (request != nullptr) {
        shadow_request = internal::RebindRequest(*request, shadow);
      }
    } catch (const std::bad_alloc&) {
      shadow_request.reset();
    }
    // Input the shadow's schema refuses would be refused, i.e. not allowed.
    const Effect effect = shadow_request.has_value() && shadow_request->ok()
                              ? shadow.Evaluate(**shadow_request, nullptr,
                                                options_.evaluator).effect
                              : Effect::kDeny;
    counters_.Add(kShadowDecisions);
    if (effect != live.effect) counters_.Add(kShadowDisagreements);
    return internal::ShadowOutcome{effect, state.shadow_digest};
  }

  // Hands the decision to the log's writer thread, which explains and
  // formats it: the deciding thread only copies the JSON text it decided
  // into a reused record, or packs the caller's request's given values.
  // When the writer is behind, this thread formats the record from its
  // request itself.
  void LogPending(const std::shared_ptr<const Policy>& policy, const Request& request,
                  const absl::string_view* json, internal::RecordContext context) const {
    const bool queued = options_.log->SubmitPending(
        policy,
        [&](internal::PendingRecord* record) {
          record->evaluator = options_.evaluator;
          record->context = std::move(context);
          record->from_json = json != nullptr;
          if (json != nullptr) {
            record->SetJsonText(*json);
            record->json_options = options_.request;
          } else {
            record->values.Pack(request);
          }
        },
        [&](std::string* line) { AppendRecordHere(*policy, request, context, line); });
    if (!queued) counters_.Add(kLogDrops);
  }

  // A decision by a policy the caller holds (an older snapshot than the
  // live one): nothing here owns that policy past this call, so its record
  // is formatted on this thread.
  void LogNow(const Policy& policy, const Request& request,
              const internal::RecordContext& context) const {
    std::string& line = ThreadLogLine();
    line.clear();
    AppendRecordHere(policy, request, context, &line);
    if (!options_.log->Submit(&line)) counters_.Add(kLogDrops);
  }

  // Explains `request`'s decision again and appends its record to `*line`,
  // on the deciding thread.
  void AppendRecordHere(const Policy& policy, const Request& request,
                        const internal::RecordContext& context, std::string* line) const {
    thread_local internal::RecordFragments fragments;
    fragments.Use(policy);
    internal::AppendExplainedRecord(policy, request, options_.evaluator, context,
                                    options_.log->fingerprint_key(), &ThreadExplanation(),
                                    &fragments, line);
  }

  const EngineOptions options_;
  const absl::Status out_of_memory_ = absl::ResourceExhaustedError(
      "out of memory while reading the request; it was not decided");
  internal::SnapshotSlot<EngineState> slot_;
  std::mutex update_mutex_;
  mutable internal::ShardedCounters<kCounterCount> counters_;
  std::atomic<uint64_t> reloads_ok_{0};
  std::atomic<uint64_t> reloads_failed_{0};
};

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() = default;

std::unique_ptr<Engine> Engine::Create(std::shared_ptr<const Policy> policy,
                                       EngineOptions options) {
  // No policy to decide with (an unchecked compile result, say): no engine,
  // rather than one whose first decision dereferences null.
  if (policy == nullptr) return nullptr;
  return std::unique_ptr<Engine>(
      new Engine(std::make_unique<Impl>(std::move(policy), std::move(options))));
}

absl::StatusOr<std::unique_ptr<Engine>> Engine::Create(
    std::vector<SourceFile> sources, EngineOptions options,
    std::vector<Diagnostic>* diagnostics) {
  absl::StatusOr<std::shared_ptr<const Policy>> policy =
      Policy::Compile(std::move(sources), options.compile, diagnostics);
  if (!policy.ok()) return policy.status();
  return Create(*std::move(policy), std::move(options));
}

absl::StatusOr<std::unique_ptr<Engine>> Engine::CreateFromFiles(
    const std::vector<std::string>& paths, EngineOptions options,
    std::vector<Diagnostic>* diagnostics) {
  absl::StatusOr<std::shared_ptr<const Policy>> policy =
      Policy::CompileFiles(paths, options.compile, diagnostics);
  if (!policy.ok()) return policy.status();
  return Create(*std::move(policy), std::move(options));
}

absl::StatusOr<EngineDecision> Engine::EvaluateJson(
    absl::string_view json, Explanation* explanation) const noexcept {
  return impl_->EvaluateJson(json, explanation);
}

EngineDecision Engine::Evaluate(const Policy& policy, const Request& request,
                                Explanation* explanation) const noexcept {
  return impl_->Evaluate(policy, request, explanation);
}

absl::Status Engine::Reload(std::vector<SourceFile> sources,
                            std::vector<Diagnostic>* diagnostics) {
  return impl_->Reload(Policy::Compile(std::move(sources),
                                       impl_->options().compile, diagnostics));
}

absl::Status Engine::ReloadFiles(const std::vector<std::string>& paths,
                                 std::vector<Diagnostic>* diagnostics) {
  return impl_->Reload(
      Policy::CompileFiles(paths, impl_->options().compile, diagnostics));
}

void Engine::Install(std::shared_ptr<const Policy> policy) {
  impl_->Install(std::move(policy));
}

absl::Status Engine::SetShadow(std::vector<SourceFile> sources,
                               std::vector<Diagnostic>* diagnostics) {
  absl::StatusOr<std::shared_ptr<const Policy>> policy = Policy::Compile(
      std::move(sources), impl_->options().compile, diagnostics);
  if (!policy.ok()) return policy.status();
  impl_->InstallShadow(*std::move(policy));
  return absl::OkStatus();
}

void Engine::InstallShadow(std::shared_ptr<const Policy> policy) {
  impl_->InstallShadow(std::move(policy));
}

void Engine::ClearShadow() { impl_->InstallShadow(nullptr); }

std::shared_ptr<const Policy> Engine::policy() const { return impl_->live(); }

std::shared_ptr<const Policy> Engine::shadow() const { return impl_->shadow(); }

EngineStats Engine::stats() const { return impl_->stats(); }

void Engine::FlushLog() const {
  if (impl_->options().log != nullptr) impl_->options().log->Flush();
}

}  // namespace writ
