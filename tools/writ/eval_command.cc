// writ eval FILE... [-i REQ.json] [--jsonl]: decide requests, print one
// explanation record (SPEC §5) per request.
#include <cstdio>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

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

int EvaluateLines(const Engine& engine, const std::string& input) {
  std::istringstream lines(input);
  std::string line;
  bool any_bad = false;
  for (size_t number = 1; std::getline(lines, line); ++number) {
    absl::StatusOr<std::string> record = Decide(engine, line);
    if (record.ok()) {
      std::printf("%s\n", record->c_str());
    } else {
      any_bad = true;
      std::printf("%s\n", ErrorRecord(record.status().message(), number).c_str());
      std::fprintf(stderr, "writ: line %zu: %s\n", number,
                   std::string(record.status().message()).c_str());
    }
  }
  return any_bad ? kExitFailure : kExitOk;
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
  const std::optional<std::string> input = ReadInput(arguments.Get("-i"));
  if (!input.has_value()) return kExitFailure;
  const std::unique_ptr<Engine> engine =
      MakeEngine(std::move(policy), *evaluator, arguments);
  if (engine == nullptr) return kExitFailure;
  if (arguments.Has("--jsonl")) return EvaluateLines(*engine, *input);
  absl::StatusOr<std::string> record = Decide(*engine, *input);
  if (!record.ok()) {
    std::fprintf(stderr, "writ: invalid request: %s\n",
                 std::string(record.status().message()).c_str());
    return kExitFailure;
  }
  std::printf("%s\n", record->c_str());
  return kExitOk;
}

}  // namespace writ::cli
