// End-to-end runs of the `writ` binary: exit statuses (SPEC §7), what goes
// to stdout and stderr, and the shape of the records.
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace writ {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream stream(path, std::ios::binary);
  std::stringstream buffer;
  buffer << stream.rdbuf();
  return buffer.str();
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() /
                 ("writ_cli_" + std::to_string(::getpid()) + "_" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(directory_);
    Write("schema.writ",
          "policy \"t\" version \"1\";\n"
          "schema { tool: string; risk: number; }\n"
          "allow read when tool == \"search\" with max_ttl = 5m because \"reads are fine\";\n"
          "deny risky when risk >= 0.8;\n");
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  std::string Write(const std::string& name, const std::string& text) {
    std::ofstream(directory_ / name, std::ios::binary) << text;
    return (directory_ / name).string();
  }

  // Runs `writ ARGS` with stdin from `input`.
  RunResult Run(const std::string& arguments, const std::string& input = "") {
    const std::string in = Write("stdin.txt", input);
    const std::string out = (directory_ / "stdout.txt").string();
    const std::string err = (directory_ / "stderr.txt").string();
    const std::string command = std::string(WRIT_CLI_PATH) + " " + arguments + " <" + in +
                                " >" + out + " 2>" + err;
    const int status = std::system(command.c_str());
    RunResult result;
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result.out = ReadAll(out);
    result.err = ReadAll(err);
    return result;
  }

  std::string Policy() const { return (directory_ / "schema.writ").string(); }

  std::filesystem::path directory_;
};

TEST_F(Cli, CheckOfAValidPolicyExitsZero) {
  RunResult result = Run("check " + Policy());
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.err, "");
}

TEST_F(Cli, CheckPrintsCompilerStyleDiagnosticsAndExitsOne) {
  const std::string bad = Write("bad.writ", "allow r when tool == 1;\ndeny q when nope;\n");
  RunResult result = Run("check " + Policy() + " " + bad);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err,
            bad + ":1:22: error: type mismatch: 'tool' is string but 1 is an int\n"
                  "allow r when tool == 1;\n"
                  "                     ^\n" +
                bad + ":2:13: error: unknown attribute or let 'nope'\n"
                      "deny q when nope;\n"
                      "            ^~~~\n");
}

TEST_F(Cli, MissingPolicyFileExitsOne) {
  RunResult result = Run("check " + (directory_ / "absent.writ").string());
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("absent.writ"));
}

TEST_F(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(Run("").exit_code, 2);
  EXPECT_EQ(Run("check").exit_code, 2);
  EXPECT_EQ(Run("eval").exit_code, 2);
  EXPECT_EQ(Run("frobnicate " + Policy()).exit_code, 2);
  RunResult unknown_option = Run("eval " + Policy() + " --fast");
  EXPECT_EQ(unknown_option.exit_code, 2);
  EXPECT_THAT(unknown_option.err, HasSubstr("unknown option '--fast'"));
  EXPECT_EQ(Run("eval " + Policy() + " -i").exit_code, 2);
  EXPECT_EQ(Run("eval " + Policy() + " --engine=fast", "{}").exit_code, 2);
}

TEST_F(Cli, EverySubcommandHasHelp) {
  for (const char* command : {"check", "eval"}) {
    RunResult result = Run(std::string(command) + " --help");
    EXPECT_EQ(result.exit_code, 0) << command;
    EXPECT_THAT(result.out, StartsWith(std::string("usage: writ ") + command));
  }
  EXPECT_EQ(Run("--help").exit_code, 0);
}

TEST_F(Cli, EvalPrintsOneRecordForARequestFile) {
  const std::string request = Write("r.json", R"({"tool": "search", "risk": 0.1})");
  RunResult result = Run("eval " + Policy() + " -i " + request);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, StartsWith(R"({"decision":"allow","policy":{"name":"t","version":"1",)"
                                     R"("digest":"sha256:)"));
  EXPECT_THAT(result.out,
              HasSubstr(R"("determining":[{"rule":"read","effect":"allow","reason":"reads are )"
                        R"(fine","indeterminate":false,"location":")" +
                        Policy() + R"(:3:1"}],"default_applied":false,"obligations":{"max_ttl":300},)"
                                   R"("missing":[],"errors":[],"why_not":[]})"));
  EXPECT_EQ(std::count(result.out.begin(), result.out.end(), '\n'), 1);
}

TEST_F(Cli, EvalReadsStdinAndADenyIsStillExitZero) {
  RunResult result = Run("eval " + Policy(), R"({"tool": "search"})");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr(R"("decision":"deny")"));
  EXPECT_THAT(result.out, HasSubstr(R"("indeterminate":true)"));
  EXPECT_THAT(result.out, HasSubstr(R"("missing":["risk"])"));
}

TEST_F(Cli, InvalidRequestExitsOneWithNothingOnStdout) {
  for (const char* input : {"{\"tool\": ", "[1, 2]", "", "{\"tool\": \"a\", \"tool\": \"b\"}"}) {
    RunResult result = Run("eval " + Policy(), input);
    EXPECT_EQ(result.exit_code, 1) << input;
    EXPECT_EQ(result.out, "") << input;
    EXPECT_THAT(result.err, StartsWith("writ: invalid request: ")) << input;
  }
}

TEST_F(Cli, JsonlAnswersLineByLineAndReportsBadLines) {
  RunResult result = Run("eval " + Policy() + " --jsonl",
                         "{\"tool\": \"search\", \"risk\": 0}\nnot json\n"
                         "{\"tool\": \"x\", \"risk\": 0.9}\n[]\n");
  EXPECT_EQ(result.exit_code, 1);
  std::vector<std::string> lines;
  std::istringstream stream(result.out);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 4u) << result.out;
  EXPECT_THAT(lines[0], StartsWith(R"({"decision":"allow")"));
  EXPECT_THAT(lines[1], StartsWith(R"({"error":"invalid JSON)"));
  EXPECT_THAT(lines[1], ::testing::EndsWith(R"(,"line":2})"));
  EXPECT_THAT(lines[2], StartsWith(R"({"decision":"deny")"));
  EXPECT_THAT(lines[3], ::testing::EndsWith(R"(,"line":4})"));
  EXPECT_THAT(result.err, HasSubstr("line 2: invalid JSON"));
}

TEST_F(Cli, JsonlWithOnlyGoodLinesExitsZero) {
  RunResult result = Run("eval " + Policy() + " --jsonl", "{}\n{\"risk\": 0.1}\n");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(std::count(result.out.begin(), result.out.end(), '\n'), 2);
}

TEST_F(Cli, ReferenceEngineGivesTheSameRecords) {
  const std::string input = "{\"tool\": \"search\", \"risk\": 0.1}\n{}\n{\"risk\": \"high\"}\n";
  RunResult dag = Run("eval " + Policy() + " --jsonl", input);
  RunResult reference = Run("eval " + Policy() + " --jsonl --engine=reference", input);
  EXPECT_EQ(dag.exit_code, 0);
  EXPECT_EQ(dag.out, reference.out);
}

}  // namespace
}  // namespace writ
