// `writ dag` renders, and `writ eval` gives the same records with the DAG
// (default) and the reference engine on every agent-gateway request.
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace writ {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

struct Output {
  int exit_code = -1;
  std::string out;
};

// Runs `writ ARGUMENTS` and captures stdout.
Output RunWrit(const std::string& arguments) {
  const std::string command = std::string(WRIT_CLI_PATH) + " " + arguments + " 2>/dev/null";
  Output output;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return output;
  char buffer[4096];
  size_t read;
  while ((read = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) output.out.append(buffer, read);
  const int status = ::pclose(pipe);
  output.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return output;
}

std::string AgentGatewayFiles() {
  std::string files;
  for (const char* name : {"schema.writ", "lets.writ", "allow.writ", "deny.writ", "default.writ"}) {
    files += std::string(" policies/agent-gateway/") + name;
  }
  return files;
}

TEST(DagCommand, TextListsAtomsRulesAndIndexesOfAgentGateway) {
  const Output output = RunWrit("dag" + AgentGatewayFiles());
  EXPECT_EQ(output.exit_code, 0);
  EXPECT_THAT(output.out, StartsWith("dag \"agent-gateway\": 44 rules, "));
  EXPECT_THAT(output.out, HasSubstr("\natoms\n"));
  EXPECT_THAT(output.out, HasSubstr("  allow by tool ("));
  EXPECT_THAT(output.out, HasSubstr("    \"http.get\" -> read_docs public_web_get internal_api_read\n"));
}

TEST(DagCommand, DotIsAGraphvizDigraph) {
  const Output output = RunWrit("dag --format dot" + AgentGatewayFiles());
  EXPECT_EQ(output.exit_code, 0);
  EXPECT_THAT(output.out, StartsWith("digraph writ_dag {\n"));
  EXPECT_THAT(output.out, HasSubstr("label=\"deny unknown_tool\""));
}

TEST(DagCommand, UnknownFormatIsAUsageError) {
  EXPECT_EQ(RunWrit("dag --format svg" + AgentGatewayFiles()).exit_code, 2);
  EXPECT_EQ(RunWrit("dag").exit_code, 2);
}

TEST(EvalEngines, DagAndReferenceGiveIdenticalRecordsOnEveryAgentGatewayRequest) {
  std::vector<std::filesystem::path> requests;
  for (const auto& entry : std::filesystem::directory_iterator("policies/agent-gateway/requests")) {
    requests.push_back(entry.path());
  }
  ASSERT_GT(requests.size(), 10u);
  for (const std::filesystem::path& request : requests) {
    const std::string arguments = AgentGatewayFiles() + " -i " + request.string();
    const Output dag = RunWrit("eval" + arguments);
    const Output reference = RunWrit("eval --engine=reference" + arguments);
    EXPECT_EQ(dag.exit_code, reference.exit_code) << request;
    EXPECT_EQ(dag.out, reference.out) << request;
    EXPECT_THAT(dag.out, StartsWith("{\"decision\":")) << request;
  }
}

}  // namespace
}  // namespace writ
