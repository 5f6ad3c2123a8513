// writ eval FILE... [-i REQ.json] [--jsonl]: decide requests, print one
// explanation record (SPEC §5) per request.
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "src/internal/json_writer.h"
#include "tools/writ/cli.h"
#include "writ/engine.h"
#include "writ/request.h"

namespace writ::cli {
namespace {

std::string ErrorRecord(absl::string_view message, size_t line) {
  std::string out;
  internal::JsonWriter json(&out);
  json.BeginObject();
  json.Key("error");
  json.String(message);
  json.Key("line");
  json.Int(static_cast<int64_t>(line));
  json.EndObject();
  return out;
}

// Decides one request; the record, or the input error's message.
absl::StatusOr<std::string> Decide(const Engine& engine, absl::string_view json) {
  Explanation explanation;
  absl::StatusOr<EngineDecision> decision = engine.EvaluateJson(json, &explanation);
  if (!decision.ok()) return decision.status();
  return explanation.ToJson();
}

// An Engine over `policy`; with --log FILE, every decision is also written
// to FILE as a decision record (JSON lines, appended), redacted values
// fingerprinted under the --log-key file's key when given. nullptr (after
// printing why) when the log or the key cannot be opened.
std::unique_ptr<Engine> MakeEngine(std::shared_ptr<const Policy> policy,
                                   Evaluator evaluator, const Arguments& arguments) {
  EngineOptions options;
  options.evaluator = evaluator;
  if (const std::optional<std::string> log_path = arguments.Get("--log")) {
    DecisionLogOptions log_options;
    if (const std::optional<std::string> key_path = arguments.Get("--log-key")) {
      std::optional<std::string> key = ReadInput(key_path);
      if (!key.has_value()) return nullptr;
      if (!key->empty() && key->back() == '\n') key->pop_back();
      if (key->empty()) {
        std::fprintf(stderr, "writ: the --log-key file '%s' is empty\n", key_path->c_str());
        return nullptr;
      }
      log_options.fingerprint_key = *std::move(key);
    }
    absl::StatusOr<std::unique_ptr<LogSink>> sink = OpenFileSink({.path = *log_path});
    if (!sink.ok()) {
      std::fprintf(stderr, "writ: %s\n", std::string(sink.status().message()).c_str());
      return nullptr;
    }
    options.log = std::make_shared<DecisionLog>(*std::move(sink), log_options);
  }
  return Engine::Create(std::move(policy), std::move(options));
}

// The byte limit on one request: the engine's, which MakeEngine leaves at
// the RequestOptions default. Input is read only up to it and one byte
// more, which marks a request as over it.
size_t RequestByteLimit() { return RequestOptions{}.max_json_bytes; }

// Decide, for a request read under RequestByteLimit(). One over the limit
// was cut short, so its error does not give a length (the request parser's
// would count only the bytes read).
absl::StatusOr<std::string> DecideRead(const Engine& engine, absl::string_view json) {
  if (json.size() > RequestByteLimit()) {
    return absl::InvalidArgumentError(
        absl::StrCat("request is over the limit of ", RequestByteLimit(),
                     " bytes (RequestOptions::max_json_bytes); the rest was not read"));
  }
  return Decide(engine, json);
}

// Answers each line as soon as it has been read, and flushes the answer
// before reading on: a gateway writing one request into a pipe gets its
// record without closing the pipe. A line over the request limit is read
// only that far (the rest skipped, not kept) and answered with an error.
int EvaluateLines(const Engine& engine, internal::InputFile& input,
                  const std::optional<std::string>& path) {
  std::string line;
  bool any_bad = false;
  for (size_t number = 1;; ++number) {
    absl::StatusOr<bool> read = input.ReadLine(RequestByteLimit(), &line);
    if (!read.ok()) {
      PrintCannotRead(path, read.status());
      return kExitFailure;
    }
    if (!*read) break;
    absl::StatusOr<std::string> record = DecideRead(engine, line);
    if (record.ok()) {
      std::printf("%s\n", record->c_str());
    } else {
      any_bad = true;
      std::printf("%s\n", ErrorRecord(record.status().message(), number).c_str());
      std::fprintf(stderr, "writ: line %zu: %s\n", number,
                   std::string(record.status().message()).c_str());
    }
    std::fflush(stdout);
  }
  return any_bad ? kExitFailure : kExitOk;
}

// eval --jsonl. The input is opened before the engine is made, so an
// unreadable input leaves no --log file behind.
int RunLines(std::shared_ptr<const Policy> policy, Evaluator evaluator,
             const Arguments& arguments) {
  const std::optional<std::string> path = arguments.Get("-i");
  std::optional<internal::InputFile> lines = OpenInput(path);
  if (!lines.has_value()) return kExitFailure;
  const std::unique_ptr<Engine> engine = MakeEngine(std::move(policy), evaluator, arguments);
  if (engine == nullptr) return kExitFailure;
  return EvaluateLines(*engine, *lines, path);
}

// eval of one request, read (no further than the limit) before the engine
// is made, as in RunLines.
int RunOneRequest(std::shared_ptr<const Policy> policy, Evaluator evaluator,
                  const Arguments& arguments) {
  const std::optional<std::string> input = ReadInput(arguments.Get("-i"), RequestByteLimit());
  if (!input.has_value()) return kExitFailure;
  const std::unique_ptr<Engine> engine = MakeEngine(std::move(policy), evaluator, arguments);
  if (engine == nullptr) return kExitFailure;
  absl::StatusOr<std::string> record = DecideRead(*engine, *input);
  if (!record.ok()) {
    std::fprintf(stderr, "writ: invalid request: %s\n",
                 std::string(record.status().message()).c_str());
    return kExitFailure;
  }
  std::printf("%s\n", record->c_str());
  return kExitOk;
}

}  // namespace

int RunEval(const Arguments& arguments) {
  const std::optional<Evaluator> evaluator = ParseEvaluator(arguments);
  if (!evaluator.has_value()) return kExitUsage;
  if (arguments.Has("--log-key") && !arguments.Has("--log")) {
    std::fprintf(stderr, "writ: --log-key needs --log FILE\n");
    return kExitUsage;
  }
  std::shared_ptr<const Policy> policy = LoadPolicy(arguments.files);
  if (policy == nullptr) return kExitFailure;
  if (arguments.Has("--jsonl")) return RunLines(std::move(policy), *evaluator, arguments);
  return RunOneRequest(std::move(policy), *evaluator, arguments);
}

}  // namespace writ::cli
