// `writ check`: warnings, --Werror, --notes, clang-style text diagnostics
// (golden file), JSON diagnostics, colour only on a terminal.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/cli_runner.h"
#include "writ/diagnostic.h"

namespace writ::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kWarnings[] = "tests/authoring/testdata/warnings.writ";

std::vector<std::string> CheckArgs(std::vector<std::string> files,
                                   std::vector<std::string> options = {}) {
  std::vector<std::string> args = {"check"};
  args.insert(args.end(), files.begin(), files.end());
  args.insert(args.end(), options.begin(), options.end());
  return args;
}

TEST(WritCheck, AgentGatewayHasNoWarningsEvenUnderWerror) {
  const CliResult result = RunWrit(CheckArgs(AgentGatewayFiles(), {"--Werror"}));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.err, "");
  EXPECT_THAT(result.out, HasSubstr("0 warning(s)"));
}

TEST(WritCheck, EveryPolicySetUnderPoliciesHasNoWarnings) {
  const std::vector<PolicySet> sets = PolicySetsUnderPolicies();
  ASSERT_FALSE(sets.empty());
  for (const PolicySet& set : sets) {
    const CliResult result = RunWrit(CheckArgs(set.files, {"--Werror"}));
    EXPECT_EQ(result.exit_code, 0) << set.directory << "\n" << result.err;
  }
}

TEST(WritCheck, AgentGatewayNotesNameUnguardedDenyReads) {
  const CliResult result = RunWrit(CheckArgs(AgentGatewayFiles(), {"--notes", "--Werror"}));
  EXPECT_EQ(result.exit_code, 0) << "notes never fail a check";
  EXPECT_THAT(result.err, HasSubstr("note: deny rule 'unknown_tool' reads 'tool' without a "
                                    "'has' guard"));
  EXPECT_THAT(result.err, Not(HasSubstr("'too_risky'"))) << "too_risky is guarded";
}

TEST(WritCheck, WarningsPrintClangStyleAsTheGoldenFile) {
  const CliResult result = RunWrit(CheckArgs({kWarnings}));
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.err, ReadWholeFile(std::string(WRIT_SOURCE_DIR) +
                                      "/tests/authoring/testdata/warnings.golden"));
  EXPECT_THAT(result.out, HasSubstr("ok: 1 file(s), 6 warning(s)"));
}

TEST(WritCheck, WerrorFailsOnWarnings) {
  EXPECT_EQ(RunWrit(CheckArgs({kWarnings}, {"--Werror"})).exit_code, 1);
}

TEST(WritCheck, NeverColoursOutputIntoAPipe) {
  const CliResult result = RunWrit(CheckArgs({kWarnings}));
  EXPECT_THAT(result.err, Not(HasSubstr("\033[")));
}

TEST(WritCheck, UnknownFormatIsAUsageError) {
  EXPECT_EQ(RunWrit(CheckArgs({kWarnings}, {"--format", "xml"})).exit_code, 2);
}

TEST(WritCheck, JsonFormatPrintsOneObjectPerDiagnostic) {
  const CliResult result = RunWrit(CheckArgs({kWarnings}, {"--format", "json"}));
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.err, "");
  const std::string path = kWarnings;
  EXPECT_EQ(result.out,
            "{\"file\":\"" + path + "\",\"line\":8,\"column\":5,\"end\":{\"line\":8,\"column\":11},"
            "\"severity\":\"warning\",\"code\":\"W005\",\"message\":\"let 'unused' is not used "
            "by any rule\",\"related\":[]}\n"
            "{\"file\":\"" + path + "\",\"line\":10,\"column\":26,\"end\":{\"line\":10,\"column\":51},"
            "\"severity\":\"warning\",\"code\":\"W001\",\"message\":\"allow rule 'contradiction' "
            "never applies: its condition is never true ('risk > 0.9' contradicts 'risk < 0.1')\","
            "\"related\":[]}\n"
            "{\"file\":\"" + path + "\",\"line\":12,\"column\":1,\"end\":{\"line\":12,\"column\":12},"
            "\"severity\":\"warning\",\"code\":\"W002\",\"message\":\"allow rule 'shell' can never "
            "be determining: deny rule 'no_shell' applies whenever it does\",\"related\":[{\"file\":"
            "\"" + path + "\",\"line\":13,\"column\":1,\"end\":{\"line\":13,\"column\":14},"
            "\"message\":\"deny rule 'no_shell' is here\"}]}\n"
            "{\"file\":\"" + path + "\",\"line\":15,\"column\":1,\"end\":{\"line\":15,\"column\":12},"
            "\"severity\":\"warning\",\"code\":\"W002\",\"message\":\"allow rule 'again' can never "
            "be determining: deny rule 'no_shell' applies whenever it does\",\"related\":[{\"file\":"
            "\"" + path + "\",\"line\":13,\"column\":1,\"end\":{\"line\":13,\"column\":14},"
            "\"message\":\"deny rule 'no_shell' is here\"}]}\n"
            "{\"file\":\"" + path + "\",\"line\":15,\"column\":1,\"end\":{\"line\":15,\"column\":12},"
            "\"severity\":\"warning\",\"code\":\"W004\",\"message\":\"allow rule 'again' duplicates "
            "rule 'shell': same effect and the same condition\",\"related\":[{\"file\":\"" + path +
            "\",\"line\":12,\"column\":1,\"end\":{\"line\":12,\"column\":12},\"message\":\"rule "
            "'shell' is here\"}]}\n"
            "{\"file\":\"" + path + "\",\"line\":17,\"column\":1,\"end\":{\"line\":17,\"column\":16},"
            "\"severity\":\"warning\",\"code\":\"W003\",\"message\":\"deny rule 'everything' "
            "applies to every request (its condition is never false): the policy denies "
            "everything\",\"related\":[]}\n");
}

TEST(WritCheck, CompileErrorsHaveCodeE001AndUnderlineTheToken) {
  const std::filesystem::path dir = MakeTempDir();
  const std::string file = (dir / "bad.writ").string();
  WriteWholeFile(file, "schema { tool: string; }\nallow a when tool == 12;\n");
  const CliResult text = RunWrit(CheckArgs({file}));
  EXPECT_EQ(text.exit_code, 1);
  EXPECT_THAT(text.err, HasSubstr("allow a when tool == 12;\n                     ^~\n"));
  const CliResult json = RunWrit(CheckArgs({file}, {"--format", "json"}));
  EXPECT_EQ(json.exit_code, 1);
  EXPECT_THAT(json.out, HasSubstr("\"line\":2,\"column\":22,\"end\":{\"line\":2,\"column\":24},"
                                  "\"severity\":\"error\",\"code\":\"E001\""));
  std::filesystem::remove_all(dir);
}

// Of a line over a kilobyte a diagnostic keeps only a part (docs/design.md),
// and a part can start inside a string or a comment, where tokens cannot be
// told from the part alone: the error is not underlined, its JSON `end` is
// one past its column. Here the error's `12` is at column 700, and a
// tokenizer run on the part would find the 10-byte `abcdefghij` at the
// part's column 700.
TEST(WritCheck, AnErrorFarIntoALongLineIsNotUnderlined) {
  std::string line = "schema { tool: string; } allow a when tool == ";
  line.resize(699, ' ');
  line += "12; allow b when tool == \"x\" and";
  line.resize(699 + 187, ' ');
  line += "abcdefghij == \"y\";";
  line.resize(5000, ' ');
  const std::filesystem::path dir = MakeTempDir();
  const std::string file = (dir / "long.writ").string();
  WriteWholeFile(file, line + "\n");
  const CliResult json = RunWrit(CheckArgs({file}, {"--format", "json"}));
  EXPECT_EQ(json.exit_code, 1);
  EXPECT_THAT(json.out, HasSubstr("\"line\":1,\"column\":700,\"end\":{\"line\":1,\"column\":701},"
                                  "\"severity\":\"error\",\"code\":\"E001\""));
  std::filesystem::remove_all(dir);
}

TEST(DiagnosticFormat, ErrorWithoutSpanKeepsTheCaretOnlyFormat) {
  Diagnostic diagnostic;
  diagnostic.file = "a.writ";
  diagnostic.line = 2;
  diagnostic.column = 3;
  diagnostic.message = "expected ';'";
  diagnostic.source_line = "\tab";
  EXPECT_EQ(diagnostic.Format(), "a.writ:2:3: error: expected ';'\n\tab\n\t ^\n");
}

TEST(DiagnosticFormat, ColourWrapsSeverityAndCaretInAnsiCodes) {
  Diagnostic diagnostic;
  diagnostic.severity = Severity::kWarning;
  diagnostic.code = "W005";
  diagnostic.file = "a.writ";
  diagnostic.line = 1;
  diagnostic.column = 1;
  diagnostic.end_column = 4;
  diagnostic.message = "m";
  diagnostic.source_line = "let";
  EXPECT_EQ(diagnostic.Format(/*color=*/true),
            "\033[1ma.writ:1:1: \033[1;35mwarning:\033[0m\033[1m m [W005]\033[0m\n"
            "let\n\033[1;32m^~~\033[0m\n");
  EXPECT_EQ(diagnostic.Format(), "a.writ:1:1: warning: m [W005]\nlet\n^~~\n");
}

}  // namespace
}  // namespace writ::testing
