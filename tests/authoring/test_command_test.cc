// `writ test`: SPEC §7 semantics, exit statuses and --coverage.
#include <filesystem>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/cli_runner.h"

namespace writ::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kMiniPolicy[] = "tests/authoring/testdata/mini.writ";

// Writes `json` to a temporary cases file and runs `writ test` on the
// mini policy with it.
class WritTestCommand : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = MakeTempDir(); }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string CasesFile(const std::string& json) {
    const std::string path = (dir_ / "cases.json").string();
    WriteWholeFile(path, json);
    return path;
  }

  CliResult RunCases(const std::string& json, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"test", kMiniPolicy, "--cases", CasesFile(json)};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunWrit(args);
  }

  std::filesystem::path dir_;
};

constexpr char kPassingCases[] = R"({"cases": [
  {"name": "search allowed", "request": {"tool": "search", "risk": 0.1},
   "expect": "allow", "rules": ["search"]},
  {"name": "missing risk denies", "request": {"tool": "search"},
   "expect": "deny", "rules": ["risky"]},
  {"name": "no rules given checks the decision only", "request": {"tool": "x", "risk": 0},
   "expect": "deny"}
]})";

// The reference evaluator is SPEC §4 read literally: the cases' oracle.
TEST(WritTestOnExamplePolicy, AgentGatewayCasesAllPassWithEveryRuleDetermining) {
  std::vector<std::string> args = {"test"};
  for (const std::string& file : AgentGatewayFiles()) args.push_back(file);
  args.insert(args.end(), {"--cases", "policies/agent-gateway/cases.json", "--coverage",
                           "--engine=reference"});
  const CliResult result = RunWrit(args);
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_EQ(LastLine(result.out), "80 passed, 0 failed");
  EXPECT_THAT(result.out, HasSubstr("coverage: 44/44 rules determining"));
  EXPECT_THAT(result.out, HasSubstr("never determining: none\n"));
}

// Every set under policies/ that has a cases.json passes it with every
// rule determining in some case, on both evaluators.
TEST(WritTestOnExamplePolicy, EveryPolicySetWithCasesPassesWithFullCoverage) {
  size_t sets_with_cases = 0;
  for (const PolicySet& set : PolicySetsUnderPolicies()) {
    const std::filesystem::path cases = set.directory / "cases.json";
    if (!std::filesystem::exists(cases)) continue;
    ++sets_with_cases;
    for (const char* engine : {"--engine=reference", "--engine=dag"}) {
      std::vector<std::string> args = {"test"};
      args.insert(args.end(), set.files.begin(), set.files.end());
      args.insert(args.end(), {"--cases", cases.string(), "--coverage", engine});
      const CliResult result = RunWrit(args);
      EXPECT_EQ(result.exit_code, 0) << set.directory << " " << engine << "\n" << result.out;
      EXPECT_THAT(LastLine(result.out), ::testing::EndsWith(" passed, 0 failed"));
      EXPECT_THAT(result.out, HasSubstr("  never determining: none\n")) << set.directory;
    }
  }
  EXPECT_GE(sets_with_cases, 1u);
}

TEST_F(WritTestCommand, PassingCasesExitZeroWithSummaryLast) {
  const CliResult result = RunCases(kPassingCases);
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_EQ(result.out, "3 passed, 0 failed\n");
}

TEST_F(WritTestCommand, WrongDecisionFailsWithNameExpectedActualAndExplanation) {
  const CliResult result = RunCases(R"({"cases": [
    {"name": "should allow", "request": {"tool": "other", "risk": 0.1}, "expect": "allow"}]})");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.out, HasSubstr("FAIL should allow\n"));
  EXPECT_THAT(result.out, HasSubstr("  expected: allow\n"));
  EXPECT_THAT(result.out, HasSubstr("  actual:   deny []\n"));
  EXPECT_THAT(result.out, HasSubstr("  explanation: {\"decision\":\"deny\""));
  EXPECT_EQ(LastLine(result.out), "0 passed, 1 failed");
}

TEST_F(WritTestCommand, DeterminingRulesAreComparedAsAnExactSet) {
  const CliResult result = RunCases(R"({"cases": [
    {"name": "superset", "request": {"tool": "search"}, "expect": "deny",
     "rules": ["risky", "never_hit"]},
    {"name": "empty set", "request": {"tool": "search"}, "expect": "deny", "rules": []},
    {"name": "duplicates collapse", "request": {"tool": "search"}, "expect": "deny",
     "rules": ["risky", "risky"]}]})");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.out, HasSubstr("FAIL superset\n  expected: deny [never_hit, risky]\n"
                                    "  actual:   deny [risky]\n"));
  EXPECT_THAT(result.out, HasSubstr("FAIL empty set\n"));
  EXPECT_THAT(result.out, Not(HasSubstr("FAIL duplicates collapse")));
  EXPECT_EQ(LastLine(result.out), "1 passed, 2 failed");
}

TEST_F(WritTestCommand, InvalidRequestFailsOnlyThatCase) {
  const CliResult result = RunCases(R"({"cases": [
    {"name": "not an object", "request": [1, 2], "expect": "deny"},
    {"name": "fine", "request": {"tool": "search", "risk": 0.1}, "expect": "allow"}]})");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.out, HasSubstr("FAIL not an object\n  invalid request: "));
  EXPECT_EQ(LastLine(result.out), "1 passed, 1 failed");
}

// A case's request means what the same request means to `writ eval`: an
// integer wider than 64 bits is read as the nearest double there, so it
// must not make the whole cases file "not valid JSON" here.
TEST_F(WritTestCommand, IntegersWiderThan64BitsReadAsInEval) {
  const CliResult result = RunCases(R"({"cases": [
    {"name": "wide risk", "request": {"tool": "search", "risk": 100000000000000000000000},
     "expect": "deny", "rules": ["risky"]},
    {"name": "wide ignored key",
     "request": {"tool": "search", "risk": 0.1, "trace": 123456789012345678901234567890},
     "expect": "allow", "rules": ["search"]}]})");
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_EQ(LastLine(result.out), "2 passed, 0 failed");
}

TEST_F(WritTestCommand, CoverageListsRulesNeverDeterminingAndNeverTrue) {
  const CliResult result = RunCases(kPassingCases, {"--coverage"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_THAT(result.out,
              HasSubstr("coverage: 2/3 rules determining, 1/3 rules with a true condition\n"
                        "  never determining: never_hit\n"
                        "  condition never true: never_hit, risky\n"));
  EXPECT_EQ(LastLine(result.out), "3 passed, 0 failed");
}

TEST_F(WritTestCommand, MissingCasesOptionIsAUsageError) {
  const CliResult result = RunWrit({"test", kMiniPolicy});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("--cases"));
}

TEST_F(WritTestCommand, NoPolicyFilesIsAUsageError) {
  EXPECT_EQ(RunWrit({"test", "--cases", CasesFile(kPassingCases)}).exit_code, 2);
}

TEST_F(WritTestCommand, UnknownEngineIsAUsageError) {
  EXPECT_EQ(RunCases(kPassingCases, {"--engine=fast"}).exit_code, 2);
}

TEST_F(WritTestCommand, BothEnginesPassTheMiniCases) {
  EXPECT_EQ(RunCases(kPassingCases, {"--engine=reference"}).exit_code, 0);
  EXPECT_EQ(RunCases(kPassingCases, {"--engine=dag"}).exit_code, 0);
}

TEST_F(WritTestCommand, UnknownOptionIsAUsageError) {
  EXPECT_EQ(RunCases(kPassingCases, {"--frobnicate"}).exit_code, 2);
}

TEST_F(WritTestCommand, UnreadableCasesFileExitsOneWithItsName) {
  const CliResult result =
      RunWrit({"test", kMiniPolicy, "--cases", (dir_ / "absent.json").string()});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("absent.json"));
}

TEST_F(WritTestCommand, InvalidJsonCasesFileExitsOne) {
  const CliResult result = RunCases("{\"cases\": [");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("not valid JSON"));
}

TEST_F(WritTestCommand, MalformedCaseExitsOneNamingTheCase) {
  const CliResult result = RunCases(R"({"cases": [
    {"name": "ok", "request": {}, "expect": "deny"},
    {"name": "bad", "request": {}, "expect": "maybe"}]})");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("case 2: \"expect\" must be \"allow\" or \"deny\""));
}

// "rule" for "rules" must not make the case pass without comparing the
// determining rules: the actual set here is [search], not [never_hit].
TEST_F(WritTestCommand, MisspeltCaseKeyExitsOneInsteadOfBeingIgnored) {
  const CliResult result = RunCases(R"({"cases": [
    {"name": "typo", "request": {"tool": "search", "risk": 0.1}, "expect": "allow",
     "rule": ["never_hit"]}]})");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("case 1: unknown key \"rule\""));
  EXPECT_THAT(result.out, Not(HasSubstr("1 passed")));
}

TEST_F(WritTestCommand, CasesFileWithoutCasesArrayExitsOne) {
  const CliResult result = RunCases(R"({"tests": []})");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("{\"cases\": [...]}"));
}

TEST_F(WritTestCommand, PolicyThatDoesNotCompileExitsOne) {
  const std::string broken = (dir_ / "broken.writ").string();
  WriteWholeFile(broken, "schema { tool: string; }\nallow a when tool == 1;\n");
  const CliResult result = RunWrit({"test", broken, "--cases", CasesFile(kPassingCases)});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("error:"));
}

}  // namespace
}  // namespace writ::testing
