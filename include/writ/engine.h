// writ — the gateway-facing Engine: the current policy, hot reload, shadow
// policies, decision logs and counters.
//
//   writ::EngineOptions options;
//   absl::StatusOr<std::unique_ptr<writ::Engine>> engine =
//       writ::Engine::CreateFromFiles({"agent.writ"}, options);
//   // On any number of threads:
//   absl::StatusOr<writ::EngineDecision> decision =
//       (*engine)->EvaluateJson(R"({"tool": "search"})");
//   // On a control thread, while those threads keep deciding:
//   absl::Status reloaded = (*engine)->ReloadFiles({"agent.writ"});
//
// Reload compiles on the calling thread, off the decision path, and then
// publishes the new policy in one step: a decision is made entirely by the
// old policy or entirely by the new one, and says which by its digest. A
// reload that fails to compile changes nothing — the last good policy keeps
// deciding — and is counted.
//
// Thread-safety: every method may be called from any thread at any time.
// Evaluation never waits for a compile. How (src/engine/policy_slot.h): the
// current policy sits behind a generation number; each thread caches the
// snapshot it last used and checks the generation with one atomic load, so
// in the steady state evaluating threads share no written memory at all.
// A thread takes a short lock only on its first decision after a reload, to
// pick up the new snapshot; that lock is never held across a compile.
#ifndef WRIT_ENGINE_H_
#define WRIT_ENGINE_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "writ/decision.h"
#include "writ/decision_log.h"
#include "writ/diagnostic.h"
#include "writ/policy.h"
#include "writ/request.h"

namespace writ {

struct EngineOptions {
  // Limits applied to every compile: the first policy, reloads and shadows.
  CompileOptions compile;
  // Limits applied to every JSON request given to EvaluateJson.
  RequestOptions request;
  // Which evaluator decides (the reference one is for diagnosis).
  Evaluator evaluator = Evaluator::kDag;
  // Where decision records go; nullptr logs nothing. Shared so several
  // engines (or a tool and an engine) may log into one file.
  std::shared_ptr<DecisionLog> log;
};

// The digest of a policy, held inline so a decision can carry it without
// allocating or sharing a reference count with other threads.
struct PolicyDigest {
  std::array<char, 71> text{};  // "sha256:" + 64 lowercase hex digits

  absl::string_view view() const { return {text.data(), text.size()}; }
  friend bool operator==(const PolicyDigest&, const PolicyDigest&) = default;
};

// What the Engine answers: the decision and which policy made it.
struct EngineDecision {
  Decision decision;
  PolicyDigest policy_digest;  // the policy that decided
};

// Counters since the Engine was made; each is monotonic. Read without
// stopping the engine, so counters read together may be a few decisions
// apart.
struct EngineStats {
  uint64_t decisions = 0;        // requests decided (JSON or Request)
  uint64_t input_errors = 0;     // JSON requests refused before deciding
  uint64_t reloads_ok = 0;       // successful Reload*/Install calls
  uint64_t reloads_failed = 0;   // failed ones; the last good policy stayed
  uint64_t shadow_decisions = 0;       // decisions also made by the shadow
  uint64_t shadow_disagreements = 0;   // ... where the shadow's effect differed
  uint64_t log_records = 0;      // decision records handed to the log
  uint64_t log_drops = 0;        // records the log's full queue refused
  // From the log itself (DecisionLog::stats), so that an embedder who
  // handed the log over (the C API) still sees it fail: records the sink
  // accepted, and its failed writes or flushes (records in them are lost).
  uint64_t log_written = 0;
  uint64_t log_write_errors = 0;
};

class Engine {
 public:
  // An engine deciding with `policy` (the first generation); null when
  // `policy` is null.
  static std::unique_ptr<Engine> Create(std::shared_ptr<const Policy> policy,
                                        EngineOptions options = {});
  // Compiles `sources` with options.compile; the status and `diagnostics`
  // are Policy::Compile's on failure.
  static absl::StatusOr<std::unique_ptr<Engine>> Create(
      std::vector<SourceFile> sources, EngineOptions options = {},
      std::vector<Diagnostic>* diagnostics = nullptr);
  static absl::StatusOr<std::unique_ptr<Engine>> CreateFromFiles(
      const std::vector<std::string>& paths, EngineOptions options = {},
      std::vector<Diagnostic>* diagnostics = nullptr);

  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;
  ~Engine();

  // Decides one JSON request (SPEC §6). The request is read against the
  // same policy snapshot that decides it (requests are schema-bound), so a
  // concurrent reload can never mix two schemas. An input error (not JSON,
  // not an object, an attribute given twice, over a RequestOptions limit)
  // is InvalidArgument and counted; it is not a decision — a gateway that
  // must answer should deny. Out of memory while reading, the request is
  // refused the same way (ResourceExhausted), never thrown. `explanation`,
  // when given, gets the record.
  absl::StatusOr<EngineDecision> EvaluateJson(
      absl::string_view json, Explanation* explanation = nullptr) const noexcept;

  // Decides a Request the caller filled with handles. The request must have
  // been made for `policy`, a snapshot from policy(): holding the snapshot
  // keeps handles, request and policy consistent across reloads.
  EngineDecision Evaluate(const Policy& policy, const Request& request,
                          Explanation* explanation = nullptr) const noexcept;

  // Compiles and, on success, publishes a new live policy. On failure the
  // live policy is unchanged, reloads_failed counts it, the status is
  // Policy::Compile's (every diagnostic in its message) and `diagnostics`
  // gets them as structs. Reloads are serialized with each other.
  absl::Status Reload(std::vector<SourceFile> sources,
                      std::vector<Diagnostic>* diagnostics = nullptr);
  absl::Status ReloadFiles(const std::vector<std::string>& paths,
                           std::vector<Diagnostic>* diagnostics = nullptr);
  // Publishes an already compiled policy (counted as a successful reload).
  // Null changes nothing and is counted as a failed reload.
  void Install(std::shared_ptr<const Policy> policy);

  // A shadow policy decides every request too, without being enforced;
  // decisions where it disagrees with the live policy are counted and, with
  // a log, recorded ("shadow" in the record). Compiles like Reload.
  absl::Status SetShadow(std::vector<SourceFile> sources,
                         std::vector<Diagnostic>* diagnostics = nullptr);
  void InstallShadow(std::shared_ptr<const Policy> policy);
  void ClearShadow();

  // The live policy now; never null.
  std::shared_ptr<const Policy> policy() const;
  // The shadow policy, or null.
  std::shared_ptr<const Policy> shadow() const;

  EngineStats stats() const;

  // Writes every decision record made so far (waits for the log's writer).
  void FlushLog() const;

 private:
  class Impl;
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace writ

#endif  // WRIT_ENGINE_H_
