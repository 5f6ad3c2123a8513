// The bundled agent-gateway policy set against its own cases.json, through
// the public API and both evaluators.
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <simdjson.h>

#include "gtest/gtest.h"
#include "writ/policy.h"
#include "writ/request.h"

namespace writ {
namespace {

const std::string kDirectory = std::string(WRIT_SOURCE_DIR) + "/policies/agent-gateway/";

std::vector<std::string> PolicyFiles() {
  std::vector<std::string> files;
  for (const char* name : {"schema", "lets", "allow", "deny", "default"}) {
    files.push_back(kDirectory + name + ".writ");
  }
  return files;
}

class AgentGateway : public ::testing::TestWithParam<Evaluator> {};

// Calls `check(name, request, test_case)` for every case of cases.json;
// returns how many there were.
template <typename Check>
int ForEachCase(const Policy& policy, Check check) {
  simdjson::dom::parser parser;
  simdjson::dom::element cases;
  EXPECT_EQ(parser.load(kDirectory + "cases.json").get(cases), simdjson::SUCCESS);
  int count = 0;
  for (simdjson::dom::element test_case : cases["cases"].get_array()) {
    const std::string name{std::string_view(test_case["name"])};
    auto request = Request::FromJson(policy, simdjson::minify(test_case["request"]));
    EXPECT_TRUE(request.ok()) << name << ": " << request.status().message();
    if (!request.ok()) continue;
    check(name, *request, test_case);
    ++count;
  }
  return count;
}

TEST_P(AgentGateway, EveryCaseDecidesAsExpected) {
  auto policy = Policy::CompileFiles(PolicyFiles());
  ASSERT_TRUE(policy.ok()) << policy.status().message();
  const int count = ForEachCase(**policy, [&](const std::string& name, const Request& request,
                                              simdjson::dom::element test_case) {
    Explanation explanation;
    (*policy)->Evaluate(request, &explanation, GetParam());
    EXPECT_EQ(EffectName(explanation.decision), std::string_view(test_case["expect"])) << name;
    simdjson::dom::array expected_rules;
    if (test_case["rules"].get(expected_rules) == simdjson::SUCCESS) {
      std::set<std::string> expected;
      for (simdjson::dom::element rule : expected_rules) {
        expected.insert(std::string(std::string_view(rule)));
      }
      std::set<std::string> actual;
      for (const DeterminingRule& rule : explanation.determining) actual.insert(rule.rule);
      EXPECT_EQ(actual, expected) << name;
    }
  });
  EXPECT_GE(count, 20);
}

// ExplanationDetail::kWithoutWhyNot is the full record minus why_not, for
// every case (default denies included, where why_not is not empty).
TEST_P(AgentGateway, ExplanationWithoutWhyNotIsTheFullRecordMinusWhyNot) {
  auto policy = Policy::CompileFiles(PolicyFiles());
  ASSERT_TRUE(policy.ok()) << policy.status().message();
  int default_denies_with_why_not = 0;
  ForEachCase(**policy, [&](const std::string& name, const Request& request,
                            simdjson::dom::element) {
    Explanation full;
    Explanation lean;
    const Decision full_decision = (*policy)->Evaluate(request, &full, GetParam());
    const Decision lean_decision = (*policy)->Evaluate(request, &lean, GetParam(),
                                                       ExplanationDetail::kWithoutWhyNot);
    EXPECT_EQ(lean_decision.effect, full_decision.effect) << name;
    EXPECT_EQ(lean_decision.default_applied, full_decision.default_applied) << name;
    EXPECT_TRUE(lean.why_not.empty()) << name;
    if (!full.why_not.empty()) ++default_denies_with_why_not;
    full.why_not.clear();
    EXPECT_EQ(lean.ToJson(), full.ToJson()) << name;
  });
  EXPECT_GT(default_denies_with_why_not, 0);
}

INSTANTIATE_TEST_SUITE_P(BothEvaluators, AgentGateway,
                         ::testing::Values(Evaluator::kReference, Evaluator::kDag));

}  // namespace
}  // namespace writ
