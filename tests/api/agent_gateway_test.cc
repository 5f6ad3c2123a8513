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

TEST_P(AgentGateway, EveryCaseDecidesAsExpected) {
  auto policy = Policy::CompileFiles(PolicyFiles());
  ASSERT_TRUE(policy.ok()) << policy.status().message();
  simdjson::dom::parser parser;
  simdjson::dom::element cases;
  ASSERT_EQ(parser.load(kDirectory + "cases.json").get(cases), simdjson::SUCCESS);
  int count = 0;
  for (simdjson::dom::element test_case : cases["cases"].get_array()) {
    const std::string name{std::string_view(test_case["name"])};
    auto request = Request::FromJson(**policy, simdjson::minify(test_case["request"]));
    ASSERT_TRUE(request.ok()) << name << ": " << request.status().message();
    Explanation explanation;
    (*policy)->Evaluate(*request, &explanation, GetParam());
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
    ++count;
  }
  EXPECT_GE(count, 20);
}

INSTANTIATE_TEST_SUITE_P(BothEvaluators, AgentGateway,
                         ::testing::Values(Evaluator::kReference, Evaluator::kDag));

}  // namespace
}  // namespace writ
