// `writ dag` renders, and `writ eval` gives the same records with the DAG
// (default) and the reference engine on every agent-gateway request.
#include <filesystem>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/cli_runner.h"

namespace writ {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

using ::writ::testing::AgentGatewayFiles;
using ::writ::testing::CliResult;
using ::writ::testing::RunWrit;

// `writ WORDS... <agent-gateway files> TRAILING...`.
CliResult RunOnAgentGateway(std::vector<std::string> words,
                            const std::vector<std::string>& trailing = {}) {
  for (const std::string& file : AgentGatewayFiles()) words.push_back(file);
  words.insert(words.end(), trailing.begin(), trailing.end());
  return RunWrit(words);
}

TEST(DagCommand, TextListsAtomsRulesAndIndexesOfAgentGateway) {
  const CliResult output = RunOnAgentGateway({"dag"});
  EXPECT_EQ(output.exit_code, 0);
  EXPECT_THAT(output.out, StartsWith("dag \"agent-gateway\": 44 rules, "));
  EXPECT_THAT(output.out, HasSubstr("\natoms\n"));
  EXPECT_THAT(output.out, HasSubstr("  allow by tool ("));
  // Each rule found under "http.get" is listed with the node of what
  // remains of its condition once the tool is known to match.
  EXPECT_THAT(output.out, ::testing::ContainsRegex(
                              "\n    \"http.get\" -> read_docs\\(n[0-9]+\\) "
                              "public_web_get\\(n[0-9]+\\) internal_api_read\\(n[0-9]+\\)\n"));
}

TEST(DagCommand, DotIsAGraphvizDigraph) {
  const CliResult output = RunOnAgentGateway({"dag", "--format", "dot"});
  EXPECT_EQ(output.exit_code, 0);
  EXPECT_THAT(output.out, StartsWith("digraph writ_dag {\n"));
  EXPECT_THAT(output.out, HasSubstr("label=\"deny unknown_tool\""));
}

TEST(DagCommand, UnknownFormatIsAUsageError) {
  EXPECT_EQ(RunOnAgentGateway({"dag", "--format", "svg"}).exit_code, 2);
  EXPECT_EQ(RunWrit({"dag"}).exit_code, 2);
}

TEST(EvalEngines, DagAndReferenceGiveIdenticalRecordsOnEveryAgentGatewayRequest) {
  std::vector<std::filesystem::path> requests;
  for (const auto& entry : std::filesystem::directory_iterator("policies/agent-gateway/requests")) {
    requests.push_back(entry.path());
  }
  ASSERT_GT(requests.size(), 10u);
  for (const std::filesystem::path& request : requests) {
    const std::vector<std::string> input = {"-i", request.string()};
    const CliResult dag = RunOnAgentGateway({"eval"}, input);
    const CliResult reference = RunOnAgentGateway({"eval", "--engine=reference"}, input);
    EXPECT_EQ(dag.exit_code, reference.exit_code) << request;
    EXPECT_EQ(dag.out, reference.out) << request;
    EXPECT_THAT(dag.out, StartsWith("{\"decision\":")) << request;
  }
}

}  // namespace
}  // namespace writ
