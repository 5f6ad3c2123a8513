// writ eval FILE... [-i REQ.json] [--jsonl]: decide requests, print one
// explanation record (SPEC §5) per request.
#include <cstdio>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "src/internal/json_writer.h"
#include "tools/writ/cli.h"
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
absl::StatusOr<std::string> Decide(const Policy& policy, absl::string_view json,
                                   Evaluator evaluator) {
  absl::StatusOr<Request> request = Request::FromJson(policy, json);
  if (!request.ok()) return request.status();
  Explanation explanation;
  policy.Evaluate(*request, &explanation, evaluator);
  return explanation.ToJson();
}

int EvaluateLines(const Policy& policy, const std::string& input, Evaluator evaluator) {
  std::istringstream lines(input);
  std::string line;
  bool any_bad = false;
  for (size_t number = 1; std::getline(lines, line); ++number) {
    absl::StatusOr<std::string> record = Decide(policy, line, evaluator);
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
  std::shared_ptr<const Policy> policy = LoadPolicy(arguments.files);
  if (policy == nullptr) return kExitFailure;
  const std::optional<std::string> input = ReadInput(arguments.Get("-i"));
  if (!input.has_value()) return kExitFailure;
  if (arguments.Has("--jsonl")) return EvaluateLines(*policy, *input, *evaluator);
  absl::StatusOr<std::string> record = Decide(*policy, *input, *evaluator);
  if (!record.ok()) {
    std::fprintf(stderr, "writ: invalid request: %s\n",
                 std::string(record.status().message()).c_str());
    return kExitFailure;
  }
  std::printf("%s\n", record->c_str());
  return kExitOk;
}

}  // namespace writ::cli
