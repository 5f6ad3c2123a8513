// The C API (include/writ/writ.h): a thin layer over writ::Policy and
// writ::Engine. Its one job beyond forwarding is the boundary itself: no
// exception escapes (std::bad_alloc becomes WRIT_INTERNAL_ERROR), statuses
// become error codes, and strings cross as malloc'd NUL-terminated copies.
#include "writ/writ.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "src/engine/decision_record.h"
#include "writ/engine.h"
#include "writ/policy.h"
#include "writ/request.h"

struct writ_policy {
  std::shared_ptr<const writ::Policy> policy;
};

struct writ_engine {
  std::unique_ptr<writ::Engine> engine;
};

namespace {

// A malloc'd copy, so C callers free it without knowing about C++.
char* CopyString(absl::string_view text) {
  char* copy = static_cast<char*>(std::malloc(text.size() + 1));
  if (copy == nullptr) return nullptr;
  std::memcpy(copy, text.data(), text.size());
  copy[text.size()] = '\0';
  return copy;
}

void SetString(char** out, absl::string_view text) {
  if (out != nullptr) *out = CopyString(text);
}

void ClearString(char** out) {
  if (out != nullptr) *out = nullptr;
}

// Runs `body`, turning any exception into WRIT_INTERNAL_ERROR.
template <typename Body>
writ_status Guarded(Body body) noexcept {
  try {
    return body();
  } catch (...) {
    return WRIT_INTERNAL_ERROR;
  }
}

// The status for a failed compile or reload; the diagnostics go to `out`.
writ_status CompileFailure(const absl::Status& status, char** diagnostics) {
  SetString(diagnostics, status.message());
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument: return WRIT_COMPILE_ERROR;
    case absl::StatusCode::kNotFound: return WRIT_NOT_FOUND;
    case absl::StatusCode::kResourceExhausted: return WRIT_INTERNAL_ERROR;
    default: return WRIT_IO_ERROR;
  }
}

bool ValidSources(const writ_source* sources, size_t count) {
  if (count > 0 && sources == nullptr) return false;
  for (size_t i = 0; i < count; ++i) {
    if (sources[i].name == nullptr ||
        (sources[i].text == nullptr && sources[i].text_length > 0)) {
      return false;
    }
  }
  return true;
}

std::vector<writ::SourceFile> ToSources(const writ_source* sources, size_t count) {
  std::vector<writ::SourceFile> files;
  for (size_t i = 0; i < count; ++i) {
    files.push_back({sources[i].name,
                     std::string(sources[i].text == nullptr ? "" : sources[i].text,
                                 sources[i].text_length)});
  }
  return files;
}

bool ValidPaths(const char* const* paths, size_t count) {
  if (count == 0 || paths == nullptr) return false;
  for (size_t i = 0; i < count; ++i) {
    if (paths[i] == nullptr) return false;
  }
  return true;
}

std::vector<std::string> ToPaths(const char* const* paths, size_t count) {
  return std::vector<std::string>(paths, paths + count);
}

// What `*out` says until a decision fills it: a refused or invalid call
// is not a decision, but a caller that reads the effect without checking
// the status must find a deny, not the allow an earlier call left there.
void PresetDeny(writ_decision* out) {
  if (out != nullptr) *out = writ_decision{};
}

void FillDecision(writ::Decision decision, absl::string_view digest,
                  writ_decision* out) {
  out->effect = decision.effect == writ::Effect::kAllow ? WRIT_ALLOW : WRIT_DENY;
  out->default_applied = decision.default_applied ? 1 : 0;
  const size_t length = std::min(digest.size(), sizeof(out->policy_digest) - 1);
  std::memcpy(out->policy_digest, digest.data(), length);
  out->policy_digest[length] = '\0';
}

writ::EngineOptions ToEngineOptions(const writ_engine_options* options) {
  writ::EngineOptions engine_options;
  if (options == nullptr) return engine_options;
  writ::RequestOptions& request = engine_options.request;
  if (options->max_request_bytes > 0) request.max_json_bytes = options->max_request_bytes;
  if (options->max_request_depth > 0) request.max_depth = options->max_request_depth;
  if (options->max_request_members > 0) request.max_members = options->max_request_members;
  return engine_options;
}

// Opens the log `options` asks for into `engine_options`.
writ_status OpenLog(const writ_engine_options* options,
                    writ::EngineOptions* engine_options, char** diagnostics) {
  if (options == nullptr || options->log_path == nullptr) return WRIT_OK;
  writ::FileSinkOptions sink_options;
  sink_options.path = options->log_path;
  if (options->log_max_bytes > 0) sink_options.max_bytes = options->log_max_bytes;
  switch (options->log_sync) {
    case WRIT_LOG_SYNC_NONE: sink_options.sync = writ::FileSync::kNone; break;
    case WRIT_LOG_SYNC_FLUSH: sink_options.sync = writ::FileSync::kFlush; break;
    case WRIT_LOG_SYNC_FSYNC: sink_options.sync = writ::FileSync::kFsync; break;
    default: return WRIT_INVALID_ARGUMENT;
  }
  absl::StatusOr<std::unique_ptr<writ::LogSink>> sink = writ::OpenFileSink(sink_options);
  if (!sink.ok()) {
    SetString(diagnostics, sink.status().message());
    return WRIT_IO_ERROR;
  }
  writ::DecisionLogOptions log_options;
  if (options->log_queue_capacity > 0) log_options.queue_capacity = options->log_queue_capacity;
  engine_options->log = std::make_shared<writ::DecisionLog>(*std::move(sink), log_options);
  return WRIT_OK;
}

// The calling thread's explanation record for writ_policy_evaluate_json,
// reused across calls as its request is (internal::ThreadRequestFor, the
// Engine's), so that a warm decision from JSON allocates nothing unless the
// caller asks for the explanation's string.
writ::Explanation& ThreadExplanation() {
  thread_local writ::Explanation record;
  return record;
}

void SetExplanation(const writ::Explanation& explanation, char** out) {
  if (out != nullptr) *out = CopyString(explanation.ToJson());
}

writ_status MakeEngine(absl::StatusOr<std::shared_ptr<const writ::Policy>> policy,
                       const writ_engine_options* options, writ_engine** engine,
                       char** diagnostics) {
  if (!policy.ok()) return CompileFailure(policy.status(), diagnostics);
  writ::EngineOptions engine_options = ToEngineOptions(options);
  if (writ_status opened = OpenLog(options, &engine_options, diagnostics);
      opened != WRIT_OK) {
    return opened;
  }
  *engine = new writ_engine{
      writ::Engine::Create(*std::move(policy), std::move(engine_options))};
  return WRIT_OK;
}

}  // namespace

extern "C" {

const char* writ_status_name(writ_status status) {
  switch (status) {
    case WRIT_OK: return "WRIT_OK";
    case WRIT_INVALID_ARGUMENT: return "WRIT_INVALID_ARGUMENT";
    case WRIT_COMPILE_ERROR: return "WRIT_COMPILE_ERROR";
    case WRIT_NOT_FOUND: return "WRIT_NOT_FOUND";
    case WRIT_INPUT_ERROR: return "WRIT_INPUT_ERROR";
    case WRIT_IO_ERROR: return "WRIT_IO_ERROR";
    case WRIT_INTERNAL_ERROR: return "WRIT_INTERNAL_ERROR";
  }
  return "WRIT_UNKNOWN_STATUS";
}

void writ_string_free(char* text) { std::free(text); }

writ_status writ_policy_compile(const writ_source* sources, size_t count,
                                writ_policy** policy, char** diagnostics) {
  ClearString(diagnostics);
  if (policy == nullptr || count == 0 || !ValidSources(sources, count)) {
    return WRIT_INVALID_ARGUMENT;
  }
  *policy = nullptr;
  return Guarded([&] {
    absl::StatusOr<std::shared_ptr<const writ::Policy>> compiled =
        writ::Policy::Compile(ToSources(sources, count));
    if (!compiled.ok()) return CompileFailure(compiled.status(), diagnostics);
    *policy = new writ_policy{*std::move(compiled)};
    return WRIT_OK;
  });
}

writ_status writ_policy_compile_files(const char* const* paths, size_t count,
                                      writ_policy** policy, char** diagnostics) {
  ClearString(diagnostics);
  if (policy == nullptr || !ValidPaths(paths, count)) return WRIT_INVALID_ARGUMENT;
  *policy = nullptr;
  return Guarded([&] {
    absl::StatusOr<std::shared_ptr<const writ::Policy>> compiled =
        writ::Policy::CompileFiles(ToPaths(paths, count));
    if (!compiled.ok()) return CompileFailure(compiled.status(), diagnostics);
    *policy = new writ_policy{*std::move(compiled)};
    return WRIT_OK;
  });
}

void writ_policy_free(writ_policy* policy) { delete policy; }

const char* writ_policy_digest(const writ_policy* policy) {
  return policy == nullptr ? "" : policy->policy->info().digest.c_str();
}

writ_status writ_policy_evaluate_json(const writ_policy* policy, const char* json,
                                      size_t json_length, writ_decision* decision,
                                      char** explanation, char** error) {
  PresetDeny(decision);
  ClearString(explanation);
  ClearString(error);
  if (policy == nullptr || decision == nullptr || (json == nullptr && json_length > 0)) {
    return WRIT_INVALID_ARGUMENT;
  }
  return Guarded([&] {
    const writ::Policy& compiled = *policy->policy;
    writ::Request& request = writ::internal::ThreadRequestFor(compiled);
    if (absl::Status read = request.ReadJson(absl::string_view(json, json_length));
        !read.ok()) {
      SetString(error, read.message());
      return WRIT_INPUT_ERROR;
    }
    writ::Explanation* record = explanation != nullptr ? &ThreadExplanation() : nullptr;
    const writ::Decision decided = compiled.Evaluate(request, record);
    if (record != nullptr) SetExplanation(*record, explanation);
    // Last: if the explanation's string throws, the preset deny stays.
    FillDecision(decided, compiled.info().digest, decision);
    return WRIT_OK;
  });
}

writ_status writ_engine_create(const writ_source* sources, size_t count,
                               const writ_engine_options* options,
                               writ_engine** engine, char** diagnostics) {
  ClearString(diagnostics);
  if (engine == nullptr || count == 0 || !ValidSources(sources, count)) {
    return WRIT_INVALID_ARGUMENT;
  }
  *engine = nullptr;
  return Guarded([&] {
    return MakeEngine(writ::Policy::Compile(ToSources(sources, count)), options,
                      engine, diagnostics);
  });
}

writ_status writ_engine_create_from_files(const char* const* paths, size_t count,
                                          const writ_engine_options* options,
                                          writ_engine** engine, char** diagnostics) {
  ClearString(diagnostics);
  if (engine == nullptr || !ValidPaths(paths, count)) return WRIT_INVALID_ARGUMENT;
  *engine = nullptr;
  return Guarded([&] {
    return MakeEngine(writ::Policy::CompileFiles(ToPaths(paths, count)), options,
                      engine, diagnostics);
  });
}

void writ_engine_free(writ_engine* engine) { delete engine; }

writ_status writ_engine_evaluate_json(const writ_engine* engine, const char* json,
                                      size_t json_length, writ_decision* decision,
                                      char** explanation, char** error) {
  PresetDeny(decision);
  ClearString(explanation);
  ClearString(error);
  if (engine == nullptr || decision == nullptr || (json == nullptr && json_length > 0)) {
    return WRIT_INVALID_ARGUMENT;
  }
  return Guarded([&] {
    writ::Explanation record;
    absl::StatusOr<writ::EngineDecision> result = engine->engine->EvaluateJson(
        absl::string_view(json, json_length), explanation != nullptr ? &record : nullptr);
    if (!result.ok()) {
      SetString(error, result.status().message());
      return WRIT_INPUT_ERROR;
    }
    SetExplanation(record, explanation);
    FillDecision(result->decision, result->policy_digest.view(), decision);
    return WRIT_OK;
  });
}

writ_status writ_engine_reload(writ_engine* engine, const writ_source* sources,
                               size_t count, char** diagnostics) {
  ClearString(diagnostics);
  if (engine == nullptr || count == 0 || !ValidSources(sources, count)) {
    return WRIT_INVALID_ARGUMENT;
  }
  return Guarded([&] {
    absl::Status status = engine->engine->Reload(ToSources(sources, count));
    return status.ok() ? WRIT_OK : CompileFailure(status, diagnostics);
  });
}

writ_status writ_engine_reload_files(writ_engine* engine, const char* const* paths,
                                     size_t count, char** diagnostics) {
  ClearString(diagnostics);
  if (engine == nullptr || !ValidPaths(paths, count)) return WRIT_INVALID_ARGUMENT;
  return Guarded([&] {
    absl::Status status = engine->engine->ReloadFiles(ToPaths(paths, count));
    return status.ok() ? WRIT_OK : CompileFailure(status, diagnostics);
  });
}

writ_status writ_engine_set_shadow(writ_engine* engine, const writ_source* sources,
                                   size_t count, char** diagnostics) {
  ClearString(diagnostics);
  if (engine == nullptr || !ValidSources(sources, count)) return WRIT_INVALID_ARGUMENT;
  return Guarded([&] {
    if (count == 0) {
      engine->engine->ClearShadow();
      return WRIT_OK;
    }
    absl::Status status = engine->engine->SetShadow(ToSources(sources, count));
    return status.ok() ? WRIT_OK : CompileFailure(status, diagnostics);
  });
}

writ_status writ_engine_stats_get(const writ_engine* engine, writ_engine_stats* stats) {
  if (engine == nullptr || stats == nullptr) return WRIT_INVALID_ARGUMENT;
  const writ::EngineStats current = engine->engine->stats();
  stats->decisions = current.decisions;
  stats->input_errors = current.input_errors;
  stats->reloads_ok = current.reloads_ok;
  stats->reloads_failed = current.reloads_failed;
  stats->shadow_decisions = current.shadow_decisions;
  stats->shadow_disagreements = current.shadow_disagreements;
  stats->log_records = current.log_records;
  stats->log_drops = current.log_drops;
  stats->log_written = current.log_written;
  stats->log_write_errors = current.log_write_errors;
  return WRIT_OK;
}

}  // extern "C"
