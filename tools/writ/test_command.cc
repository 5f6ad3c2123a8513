// writ test FILE... --cases CASES.json [--coverage]: policy unit tests
// (SPEC §7).
//
// Each case gives a request and the expected decision, and optionally the
// exact set of determining rules. A failing case prints its name, expected
// against actual, and the explanation record; the last line of stdout is
// always "N passed, N failed". With --coverage, the rules no case made
// determining, and the rules whose condition no case made true, are listed
// before it, so an author sees what the cases leave untested.
#include <cstdio>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "simdjson.h"
#include "src/check/checked_policy.h"
#include "src/eval/reference_evaluator.h"
#include "src/io/json_numbers.h"
#include "tools/writ/cli.h"
#include "writ/request.h"

namespace writ::cli {
namespace {

struct TestCase {
  std::string name;
  std::string request_json;  // the case's request, re-serialised
  Effect expect = Effect::kDeny;
  std::optional<std::set<std::string>> rules;  // compared as a set, exactly
};

// Why a cases file cannot be used; printed as "writ test: FILE: reason".
struct CasesError {
  std::string message;
};

std::string CaseLabel(size_t index) { return absl::StrCat("case ", index + 1); }

std::optional<std::string> ReadCaseField(simdjson::dom::object object,
                                         const char* key, std::string* out) {
  simdjson::dom::element element;
  if (object[key].get(element) != simdjson::SUCCESS) {
    return absl::StrCat("missing \"", key, "\"");
  }
  std::string_view text;
  if (element.get_string().get(text) != simdjson::SUCCESS) {
    return absl::StrCat("\"", key, "\" must be a string");
  }
  out->assign(text.data(), text.size());
  return std::nullopt;
}

std::optional<std::string> ReadExpectedRules(simdjson::dom::object object,
                                             TestCase* test_case) {
  simdjson::dom::element element;
  if (object["rules"].get(element) != simdjson::SUCCESS) return std::nullopt;
  simdjson::dom::array rules;
  if (element.get_array().get(rules) != simdjson::SUCCESS) {
    return "\"rules\" must be an array of rule names";
  }
  test_case->rules.emplace();
  for (simdjson::dom::element rule : rules) {
    std::string_view name;
    if (rule.get_string().get(name) != simdjson::SUCCESS) {
      return "\"rules\" must be an array of rule names";
    }
    test_case->rules->emplace(name.data(), name.size());
  }
  return std::nullopt;
}

// A key a case does not have, or nullopt. A misspelt optional key would
// otherwise be ignored and weaken the case unseen: with "rule": ["a"] the
// determining rules were never compared and the case passed.
std::optional<std::string> FindUnknownCaseKey(simdjson::dom::object object) {
  for (simdjson::dom::key_value_pair field : object) {
    if (field.key != "name" && field.key != "request" && field.key != "expect" &&
        field.key != "rules") {
      return absl::StrCat("unknown key \"", std::string(field.key),
                          "\" (a case has \"name\", \"request\", \"expect\" and \"rules\")");
    }
  }
  return std::nullopt;
}

// One element of "cases"; nullopt and `error` set when it is malformed.
std::optional<TestCase> ReadCase(simdjson::dom::element element, std::string* error) {
  simdjson::dom::object object;
  if (element.get_object().get(object) != simdjson::SUCCESS) {
    *error = "is not an object";
    return std::nullopt;
  }
  if (std::optional<std::string> problem = FindUnknownCaseKey(object)) {
    *error = *problem;
    return std::nullopt;
  }
  TestCase test_case;
  std::string expect;
  for (auto [key, out] : {std::pair{"name", &test_case.name}, std::pair{"expect", &expect}}) {
    if (std::optional<std::string> problem = ReadCaseField(object, key, out)) {
      *error = *problem;
      return std::nullopt;
    }
  }
  if (expect != "allow" && expect != "deny") {
    *error = "\"expect\" must be \"allow\" or \"deny\"";
    return std::nullopt;
  }
  test_case.expect = expect == "allow" ? Effect::kAllow : Effect::kDeny;
  simdjson::dom::element request;
  if (object["request"].get(request) != simdjson::SUCCESS) {
    *error = "missing \"request\"";
    return std::nullopt;
  }
  // Request::FromJson decides what a valid request is; the case only
  // carries it, so a bad request fails that case rather than the file.
  test_case.request_json = simdjson::to_string(request);
  if (std::optional<std::string> problem = ReadExpectedRules(object, &test_case)) {
    *error = *problem;
    return std::nullopt;
  }
  return test_case;
}

// The first key given twice in one object anywhere under `element`, for
// the same reason a request may not give an attribute twice (SPEC §6):
// simdjson keeps both and a lookup silently takes the first, so
// {"expect": "allow", "expect": "deny"} would test what the author did not
// mean. Recursion is bounded by simdjson's depth limit.
std::optional<std::string> FindDuplicateKey(simdjson::dom::element element) {
  simdjson::dom::array array;
  if (element.get_array().get(array) == simdjson::SUCCESS) {
    for (simdjson::dom::element item : array) {
      if (std::optional<std::string> key = FindDuplicateKey(item)) return key;
    }
    return std::nullopt;
  }
  simdjson::dom::object object;
  if (element.get_object().get(object) != simdjson::SUCCESS) return std::nullopt;
  std::set<std::string_view> seen;
  for (simdjson::dom::key_value_pair field : object) {
    if (!seen.insert(field.key).second) return std::string(field.key);
    if (std::optional<std::string> key = FindDuplicateKey(field.value)) return key;
  }
  return std::nullopt;
}

absl::StatusOr<std::vector<TestCase>> ReadCases(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  simdjson::error_code code = parser.parse(json).get(root);
  // A number simdjson cannot hold (a 30-digit trace id in a request) is
  // rewritten as `writ eval` rewrites it (src/io/json_numbers.h), so that
  // a case's request means what the same request means to eval, rather
  // than failing the whole file.
  std::string rewritten;
  if (code == simdjson::NUMBER_ERROR) {
    if (absl::Status status = internal::RewriteWideIntegers(json, &rewritten); !status.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("not valid JSON (", status.message(), ")"));
    }
    code = parser.parse(rewritten).get(root);
  }
  if (code != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        absl::StrCat("not valid JSON (", simdjson::error_message(code), ")"));
  }
  if (std::optional<std::string> key = FindDuplicateKey(root)) {
    return absl::InvalidArgumentError(
        absl::StrCat("the key \"", *key, "\" is given twice in one object"));
  }
  simdjson::dom::array cases;
  if (root["cases"].get_array().get(cases) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        "expected an object {\"cases\": [...]} (SPEC §7)");
  }
  std::vector<TestCase> out;
  for (simdjson::dom::element element : cases) {
    std::string error;
    std::optional<TestCase> test_case = ReadCase(element, &error);
    if (!test_case.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(CaseLabel(out.size()), ": ", error));
    }
    out.push_back(std::move(*test_case));
  }
  return out;
}

// ------------------------------------------------------------- running --

// What the cases showed about each rule, for --coverage.
struct RuleCoverage {
  bool determining = false;     // determining in some case
  bool condition_true = false;  // its condition was true in some case
};

std::string RuleList(const std::set<std::string>& rules) {
  return absl::StrCat("[", absl::StrJoin(rules, ", "), "]");
}

std::set<std::string> DeterminingNames(const Explanation& explanation) {
  std::set<std::string> names;
  for (const DeterminingRule& rule : explanation.determining) names.insert(rule.rule);
  return names;
}

void PrintFailure(const TestCase& test_case, const Explanation& explanation) {
  const std::set<std::string> actual = DeterminingNames(explanation);
  std::printf("FAIL %s\n", test_case.name.c_str());
  std::printf("  expected: %s%s\n", EffectName(test_case.expect),
              test_case.rules ? absl::StrCat(" ", RuleList(*test_case.rules)).c_str() : "");
  std::printf("  actual:   %s %s\n", EffectName(explanation.decision),
              RuleList(actual).c_str());
  std::printf("  explanation: %s\n", explanation.ToJson().c_str());
}

void RecordCoverage(const Policy& policy, const Request& request,
                    const Explanation& explanation, std::vector<RuleCoverage>* coverage) {
  const internal::CheckedPolicy& checked = policy.checked();
  const std::set<std::string> determining = DeterminingNames(explanation);
  for (size_t index = 0; index < checked.rules.size(); ++index) {
    const internal::CheckedRule& rule = checked.rules[index];
    RuleCoverage& entry = (*coverage)[index];
    entry.determining = entry.determining || determining.contains(rule.name);
    entry.condition_true =
        entry.condition_true || internal::ReferenceEvaluateRule(checked, rule, request) ==
                                    internal::Tristate::kTrue;
  }
}

// Runs one case; true when it passed.
bool RunCase(const Policy& policy, Evaluator evaluator, const TestCase& test_case,
             std::vector<RuleCoverage>* coverage) {
  absl::StatusOr<Request> request = Request::FromJson(policy, test_case.request_json);
  if (!request.ok()) {
    std::printf("FAIL %s\n  invalid request: %s\n", test_case.name.c_str(),
                std::string(request.status().message()).c_str());
    return false;
  }
  Explanation explanation;
  policy.Evaluate(*request, &explanation, evaluator);
  RecordCoverage(policy, *request, explanation, coverage);
  const bool passed = explanation.decision == test_case.expect &&
                      (!test_case.rules || *test_case.rules == DeterminingNames(explanation));
  if (!passed) PrintFailure(test_case, explanation);
  return passed;
}

void PrintCoverage(const internal::CheckedPolicy& checked,
                   const std::vector<RuleCoverage>& coverage) {
  std::vector<std::string> never_determining;
  std::vector<std::string> never_true;
  for (size_t index = 0; index < coverage.size(); ++index) {
    if (!coverage[index].determining) never_determining.push_back(checked.rules[index].name);
    if (!coverage[index].condition_true) never_true.push_back(checked.rules[index].name);
  }
  const size_t total = coverage.size();
  std::printf("coverage: %zu/%zu rules determining, %zu/%zu rules with a true condition\n",
              total - never_determining.size(), total, total - never_true.size(), total);
  auto list = [](const std::vector<std::string>& names) {
    return names.empty() ? std::string("none") : absl::StrJoin(names, ", ");
  };
  std::printf("  never determining: %s\n", list(never_determining).c_str());
  std::printf("  condition never true: %s\n", list(never_true).c_str());
}

}  // namespace

int RunTest(const Arguments& arguments) {
  const std::optional<Evaluator> evaluator = ParseEvaluator(arguments);
  if (!evaluator.has_value()) return kExitUsage;
  const std::optional<std::string> cases_path = arguments.Get("--cases");
  if (!cases_path.has_value() || cases_path->empty()) {
    std::fprintf(stderr, "writ test: --cases CASES.json is required\n");
    return kExitUsage;
  }
  std::shared_ptr<const Policy> policy = LoadPolicy(arguments.files);
  if (policy == nullptr) return kExitFailure;
  const std::optional<std::string> json = ReadInput(*cases_path);
  if (!json.has_value()) return kExitFailure;
  absl::StatusOr<std::vector<TestCase>> cases = ReadCases(*json);
  if (!cases.ok()) {
    std::fprintf(stderr, "writ test: %s: %s\n", cases_path->c_str(),
                 std::string(cases.status().message()).c_str());
    return kExitFailure;
  }
  std::vector<RuleCoverage> coverage(policy->checked().rules.size());
  size_t passed = 0;
  for (const TestCase& test_case : *cases) {
    if (RunCase(*policy, *evaluator, test_case, &coverage)) ++passed;
  }
  if (arguments.Has("--coverage")) PrintCoverage(policy->checked(), coverage);
  const size_t failed = cases->size() - passed;
  std::printf("%zu passed, %zu failed\n", passed, failed);
  return failed == 0 ? kExitOk : kExitFailure;
}

}  // namespace writ::cli
