// `writ fmt` (src/format/): layout, comments kept in place, idempotence and
// preserved meaning on every policy in the repository and on generated ones.
#include "src/format/formatter.h"

#include <algorithm>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/parse/parser.h"
#include "src/parse/printer.h"
#include "src/parse/tokens.h"
#include "tests/testing/cli_runner.h"
#include "writ/policy.h"
#include "writ/request.h"

namespace writ::testing {
namespace {

using ::testing::HasSubstr;
using internal::FormatPolicyFile;
using internal::SyntaxFingerprint;

std::string Format(const std::string& text) {
  std::vector<Diagnostic> diagnostics;
  absl::StatusOr<std::string> formatted = FormatPolicyFile("test.writ", text, &diagnostics);
  EXPECT_TRUE(formatted.ok()) << formatted.status().message() << "\n"
                              << FormatDiagnostics(diagnostics) << text;
  return formatted.ok() ? *formatted : "";
}

std::vector<std::string> Comments(const std::string& text) {
  std::vector<std::string> comments;
  for (const internal::Token& token : internal::Tokenize(text)) {
    if (token.kind == internal::Token::Kind::kComment) comments.emplace_back(token.text);
  }
  return comments;
}

// Formatting is idempotent, keeps the syntax tree and every comment.
void ExpectFormatLaws(const std::string& text, const std::string& label) {
  const std::string once = Format(text);
  EXPECT_EQ(Format(once), once) << label << " is not idempotent:\n" << once;
  EXPECT_EQ(SyntaxFingerprint(once), SyntaxFingerprint(text)) << label;
  EXPECT_EQ(Comments(once), Comments(text)) << label;
}

TEST(FormatLayout, SpacesOperatorsBreaksLongRulesAndWrapsLists) {
  const std::string input =
      "schema{tool:string;n:int;e:enum(a,b);s:set<string>;}\n"
      "let   short=tool==\"x\";\n"
      "let longer_name =n>1;\n"
      "allow r when tool in[\"a\",\"b\"]and n>=2 with max_uses=1;\n"
      "deny long_one when tool in [\"alpha-alpha-alpha\", \"beta-beta-beta\", "
      "\"gamma-gamma-gamma\", \"delta-delta\"] and (n > 100 or n < -100 or e == a) "
      "and not (s contains \"x\") unless n == 5 because \"why\";\n";
  EXPECT_EQ(Format(input),
            "schema {\n"
            "  tool: string;\n"
            "  n:    int;\n"
            "  e:    enum(a, b);\n"
            "  s:    set<string>;\n"
            "}\n"
            "let short       = tool == \"x\";\n"
            "let longer_name = n > 1;\n"
            "allow r when tool in [\"a\", \"b\"] and n >= 2 with max_uses = 1;\n"
            "deny long_one\n"
            "  when tool in [\"alpha-alpha-alpha\", \"beta-beta-beta\", \"gamma-gamma-gamma\",\n"
            "                \"delta-delta\"]\n"
            "   and (n > 100 or n < -100 or e == a)\n"
            "   and not (s contains \"x\")\n"
            "  unless n == 5\n"
            "  because \"why\";\n");
}

// Form feeds and vertical tabs are blanks to the parser, so the layout
// drops them like any other blank instead of printing them as tokens.
TEST(FormatLayout, FormFeedAndVerticalTabAreBlanksNotTokens) {
  EXPECT_EQ(Format("schema { a: int; }\f\nallow r when\va == 1;\v\n"),
            "schema {\n  a: int;\n}\nallow r when a == 1;\n");
}

// A trailing comment carried on below, in its own column, stays under it
// when the trailing comments move; a comment line elsewhere is indented
// as the declarations are.
TEST(FormatLayout, SchemaCommentContinuingATrailingCommentStaysInItsColumn) {
  const std::string input =
      "schema {\n"
      "  hints: set<string>;  # annotations: \"read_only\",\n"
      "                       # \"destructive\"\n"
      "                       # and more\n"
      "  # about the next one\n"
      "  delegation.depth: int;\n"
      "}\n";
  const std::string formatted =
      "schema {\n"
      "  hints:            set<string>;  # annotations: \"read_only\",\n"
      "                                  # \"destructive\"\n"
      "                                  # and more\n"
      "  # about the next one\n"
      "  delegation.depth: int;\n"
      "}\n";
  EXPECT_EQ(Format(input), formatted);
  EXPECT_EQ(Format(formatted), formatted);
  // Not in the trailing comment's column, or after a blank line: its own line.
  EXPECT_EQ(Format("schema {\n  a: int;  # trailing\n    # own\n  b: int;\n}\n"),
            "schema {\n  a: int;  # trailing\n  # own\n  b: int;\n}\n");
  EXPECT_EQ(Format("schema {\n  a: int;  # trailing\n\n          # own\n}\n"),
            "schema {\n  a: int;  # trailing\n\n  # own\n}\n");
}

TEST(FormatLayout, KeepsCommentsInPlaceAndOneBlankLine) {
  const std::string input =
      "# header comment\n\n\n\n"
      "schema {\n  # own line\n  tool: string; # trailing\n\n  n: int;\n}\n"
      "allow a when tool == \"x\";   # after a rule\n"
      "# before b\n"
      "allow b when n > 1;\n";
  EXPECT_EQ(Format(input),
            "# header comment\n\n"
            "schema {\n  # own line\n  tool: string;  # trailing\n\n  n:    int;\n}\n"
            "allow a when tool == \"x\";  # after a rule\n"
            "# before b\n"
            "allow b when n > 1;\n");
}

TEST(FormatLayout, CommentsBetweenOperandsAndClausesStayThere) {
  const std::string input =
      "schema { tool: string; n: int; }\n"
      "allow a  # head\n   when tool == \"x\"   # why x\n  # about n\n      and n>1\n"
      "because \"r\"  # last\n;\n"
      "let l = n > 2  # trailing\n;\n";
  EXPECT_EQ(Format(input),
            "schema {\n  tool: string;\n  n:    int;\n}\n"
            "allow a  # head\n"
            "  when tool == \"x\"  # why x\n"
            "   # about n\n"
            "   and n > 1\n"
            "  because \"r\";  # last\n"
            "let l = n > 2;  # trailing\n");
}

TEST(FormatLayout, RuleWithACommentInsideAListIsKeptAsWritten) {
  const std::string rule = "allow a when tool in [\"x\",  # why x\n    \"y\"];\n";
  const std::string input = "schema { tool: string; }\n" + rule;
  EXPECT_EQ(Format(input), "schema {\n  tool: string;\n}\n" + rule);
}

TEST(FormatLayout, NestedGroupsPutTheirConnectivesUnderTheFirstOperand) {
  const std::string input =
      "schema { command: string; tool: string; }\n"
      "deny dangerous_shell when tool == \"shell.exec\" and (command matches "
      "\"(?s).*(curl|wget|nc|ssh|scp).*\" or command contains \"rm -rf\") because \"no\";\n";
  EXPECT_THAT(Format(input),
              HasSubstr("   and (command matches \"(?s).*(curl|wget|nc|ssh|scp).*\"\n"
                        "        or command contains \"rm -rf\")\n"));
}

TEST(FormatLayout, SyntaxErrorsAreReportedAndNothingIsFormatted) {
  std::vector<Diagnostic> diagnostics;
  const absl::StatusOr<std::string> formatted =
      FormatPolicyFile("bad.writ", "allow a when", &diagnostics);
  EXPECT_FALSE(formatted.ok());
  ASSERT_FALSE(diagnostics.empty());
  EXPECT_EQ(diagnostics[0].file, "bad.writ");
}

std::vector<std::filesystem::path> RepositoryPolicies() {
  std::vector<std::filesystem::path> files;
  for (const char* root : {"policies", "tests"}) {
    const std::filesystem::path dir = std::filesystem::path(WRIT_SOURCE_DIR) / root;
    if (!std::filesystem::exists(dir)) continue;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
      if (entry.path().extension() == ".writ") files.push_back(entry.path());
    }
  }
  return files;
}

TEST(FormatLaws, HoldForEveryPolicyInTheRepository) {
  size_t formatted = 0;
  for (const std::filesystem::path& path : RepositoryPolicies()) {
    const std::string text = ReadWholeFile(path);
    if (SyntaxFingerprint(text).empty()) continue;  // deliberately broken test inputs
    ExpectFormatLaws(text, path.string());
    ++formatted;
  }
  EXPECT_GE(formatted, 5u);
}

// Random policies with random spacing, line breaks and comments.
class PolicyGenerator {
 public:
  explicit PolicyGenerator(uint32_t seed) : random_(seed) {}

  std::string Generate() {
    std::string out = Sep() + "schema {" + Sep() +
                      "s: string; t: string; n: int; x: number; d: duration;" + Sep() +
                      "e: enum(p, q, r); ip: ip; tags: set<string>; b: bool; }" + Sep();
    const int lets = Pick(3);
    for (int i = 0; i < lets; ++i) {
      absl::StrAppend(&out, "let", Sep(), "l", i, Sep(), "=", Sep(), Expr(2), ";", Sep());
    }
    const int rules = 1 + Pick(5);
    for (int i = 0; i < rules; ++i) absl::StrAppend(&out, Rule(i, lets), Sep());
    if (Pick(2) == 0) absl::StrAppend(&out, "default", Sep(), "deny;", Sep());
    return out;
  }

 private:
  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(random_); }

  // Blanks between tokens, sometimes a comment (which needs its newline).
  std::string Sep() {
    switch (Pick(8)) {
      case 0: return "\n";
      case 1: return "\n\n\n  ";
      case 2: return absl::StrCat("  # note ", Pick(100), "\n");
      case 3: return "\t";
      default: return " ";
    }
  }

  std::string List(int size, bool strings) {
    std::string out = "[";
    for (int i = 0; i < size; ++i) {
      if (i > 0) out += "," + Sep();
      out += strings ? absl::StrCat("\"value-number-", Pick(1000), "\"") : absl::StrCat(Pick(50));
    }
    return out + "]";
  }

  std::string Atom() {
    switch (Pick(10)) {
      case 0: return absl::StrCat("s in", Sep(), List(Pick(12), true));
      case 1: return absl::StrCat("n not in ", List(Pick(6), false));
      case 2: return absl::StrCat("x", Sep(), ">=", Sep(), "-1.5e3");
      case 3: return "d < 5m";
      case 4: return "e <= q";
      case 5: return absl::StrCat("ip within [\"10.0.0.0/8\"", Sep(), "]");
      case 6: return "tags contains_any [\"a\", \"b\"]";
      case 7: return "has t";
      case 8: return "s == t";
      default: return "b";
    }
  }

  std::string Expr(int depth) {
    if (depth == 0 || Pick(3) == 0) return Atom();
    switch (Pick(4)) {
      case 0: return absl::StrCat("not", Sep(), "(", Expr(depth - 1), ")");
      case 1: return absl::StrCat("(", Expr(depth - 1), Sep(), "or", Sep(), Expr(depth - 1), ")");
      default: {
        std::string out = Expr(depth - 1);
        const int more = 1 + Pick(4);
        for (int i = 0; i < more; ++i) {
          absl::StrAppend(&out, Sep(), Pick(3) == 0 ? "or" : "and", Sep(), Expr(depth - 1));
        }
        return out;
      }
    }
  }

  std::string Rule(int index, int lets) {
    std::string out = absl::StrCat(Pick(2) == 0 ? "allow" : "deny", Sep(), "r", index);
    if (Pick(4) != 0) {
      absl::StrAppend(&out, Sep(), "when", Sep(), Expr(3));
      if (lets > 0 && Pick(3) == 0) absl::StrAppend(&out, " and l", Pick(lets));
    }
    if (Pick(3) == 0) absl::StrAppend(&out, Sep(), "unless", Sep(), Expr(2));
    if (Pick(3) == 0) {
      absl::StrAppend(&out, Sep(), "with max_uses", Sep(), "=", Sep(), Pick(9),
                      ", log_level = \"audit\"");
    }
    if (Pick(2) == 0) absl::StrAppend(&out, Sep(), "because \"reason ", index, "\"");
    return out + Sep() + ";";
  }

  std::mt19937 random_;
};

TEST(FormatLaws, HoldForGeneratedPolicies) {
  for (uint32_t seed = 1; seed <= 500; ++seed) {
    const std::string text = PolicyGenerator(seed).Generate();
    ASSERT_FALSE(SyntaxFingerprint(text).empty()) << "generator bug, seed " << seed << ":\n"
                                                  << text;
    ExpectFormatLaws(text, absl::StrCat("generated policy ", seed));
  }
}

// The structure of a condition without what its canonical text drops:
// parentheses, and the nesting of an `and` (`or`) directly in another.
std::string ConditionStructure(const internal::ExprNode& expr) {
  using Kind = internal::ExprNode::Kind;
  if (expr.kind == Kind::kGroup) return ConditionStructure(expr.children[0]);
  std::string out = absl::StrCat("(", static_cast<int>(expr.kind), " ", expr.path);
  if (expr.kind == Kind::kComparison) {
    absl::StrAppend(&out, " ", internal::OperatorSpelling(expr.op), " ",
                    internal::PrintOperand(*expr.operand));
  }
  std::vector<const internal::ExprNode*> pending;
  for (auto it = expr.children.rbegin(); it != expr.children.rend(); ++it) pending.push_back(&*it);
  while (!pending.empty()) {
    const internal::ExprNode* child = pending.back();
    pending.pop_back();
    while (child->kind == Kind::kGroup) child = &child->children[0];
    if ((expr.kind == Kind::kAnd || expr.kind == Kind::kOr) && child->kind == expr.kind) {
      for (auto it = child->children.rbegin(); it != child->children.rend(); ++it) {
        pending.push_back(&*it);
      }
      continue;
    }
    out += ConditionStructure(*child);
  }
  return out + ")";
}

// why_not's conditions are PrintExpr's text (SPEC §5: single spaces,
// minimal parentheses). For every condition of generated policies that
// text must read back as the same condition, and print as itself.
TEST(CanonicalConditions, ReadBackAsTheSameConditionForGeneratedPolicies) {
  for (uint32_t seed = 1; seed <= 500; ++seed) {
    internal::FileAst ast;
    std::vector<Diagnostic> diagnostics;
    ASSERT_TRUE(internal::ParseFile(0, "g.writ", PolicyGenerator(seed).Generate(), {}, &ast,
                                    &diagnostics));
    std::vector<const internal::ExprNode*> conditions;
    for (const internal::LetNode& let : ast.lets) conditions.push_back(&let.expr);
    for (const internal::RuleNode& rule : ast.rules) {
      if (rule.when) conditions.push_back(&*rule.when);
      if (rule.unless) conditions.push_back(&*rule.unless);
    }
    for (const internal::ExprNode* condition : conditions) {
      const std::string printed = internal::PrintExpr(*condition);
      internal::FileAst reread;
      ASSERT_TRUE(internal::ParseFile(0, "c.writ", absl::StrCat("allow r when ", printed, ";"),
                                      {}, &reread, &diagnostics))
          << "seed " << seed << ": " << printed;
      const internal::ExprNode& again = *reread.rules[0].when;
      EXPECT_EQ(internal::PrintExpr(again), printed) << "seed " << seed;
      EXPECT_EQ(ConditionStructure(again), ConditionStructure(*condition))
          << "seed " << seed << ": " << printed;
    }
  }
}

TEST(FormatSemantics, AgentGatewayDecidesAndExplainsAlikeAfterFormatting) {
  const std::vector<std::string> names = {"schema", "lets", "allow", "deny", "default"};
  std::vector<SourceFile> original;
  std::vector<SourceFile> formatted;
  for (const std::string& name : names) {
    const std::string path = absl::StrCat(WRIT_SOURCE_DIR, "/policies/agent-gateway/", name, ".writ");
    const std::string text = ReadWholeFile(path);
    original.push_back({name, text});
    formatted.push_back({name, Format(text)});
  }
  absl::StatusOr<std::shared_ptr<const Policy>> before = Policy::Compile(original);
  absl::StatusOr<std::shared_ptr<const Policy>> after = Policy::Compile(formatted);
  ASSERT_TRUE(before.ok() && after.ok());
  const std::filesystem::path requests =
      std::filesystem::path(WRIT_SOURCE_DIR) / "policies/agent-gateway/requests";
  size_t compared = 0;
  for (const auto& entry : std::filesystem::directory_iterator(requests)) {
    const std::string json = ReadWholeFile(entry.path());
    Explanation left;
    Explanation right;
    (*before)->Evaluate(*Request::FromJson(**before, json), &left, Evaluator::kReference);
    (*after)->Evaluate(*Request::FromJson(**after, json), &right, Evaluator::kReference);
    EXPECT_EQ(left.decision, right.decision) << entry.path();
    ASSERT_EQ(left.determining.size(), right.determining.size()) << entry.path();
    for (size_t i = 0; i < left.determining.size(); ++i) {
      EXPECT_EQ(left.determining[i].rule, right.determining[i].rule);
      EXPECT_EQ(left.determining[i].indeterminate, right.determining[i].indeterminate);
    }
    ASSERT_EQ(left.why_not.size(), right.why_not.size());
    for (size_t i = 0; i < left.why_not.size(); ++i) {
      ASSERT_EQ(left.why_not[i].failed.size(), right.why_not[i].failed.size());
      for (size_t k = 0; k < left.why_not[i].failed.size(); ++k) {
        EXPECT_EQ(left.why_not[i].failed[k].condition, right.why_not[i].failed[k].condition);
      }
    }
    EXPECT_EQ(left.missing, right.missing);
    ++compared;
  }
  EXPECT_EQ(compared, 42u);
}

// --------------------------------------------------------------- the CLI --

TEST(WritFmt, EveryPolicyUnderPoliciesIsFormatted) {
  std::vector<std::string> args = {"fmt", "--check"};
  for (const auto& entry : std::filesystem::recursive_directory_iterator(
           std::filesystem::path(WRIT_SOURCE_DIR) / "policies")) {
    if (entry.path().extension() == ".writ") args.push_back(entry.path().string());
  }
  ASSERT_GT(args.size(), 2u);
  const CliResult result = RunWrit(args);
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_EQ(result.out, "");
}

class WritFmtCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    file_ = (dir_ / "p.writ").string();
    WriteWholeFile(file_, "schema { n: int; }\nallow a when n>1;\n");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  std::string file_;
};

TEST_F(WritFmtCommand, PrintsTheFormattedFile) {
  const CliResult result = RunWrit({"fmt", file_});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.out, "schema {\n  n: int;\n}\nallow a when n > 1;\n");
}

TEST_F(WritFmtCommand, CheckPrintsAUnifiedDiffAndExitsOne) {
  const CliResult result = RunWrit({"fmt", "--check", file_});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "--- " + file_ + "\n+++ " + file_ +
                            " (formatted)\n@@ -1,2 +1,4 @@\n-schema { n: int; }\n-allow a when "
                            "n>1;\n+schema {\n+  n: int;\n+}\n+allow a when n > 1;\n");
}

// The diff's table was (lines + 1)^2 ints: 30,000 unformatted lines needed
// 3.6 GB and aborted with bad_alloc. Past a bound the changed middle is
// shown removed then added, and the common first and last lines as kept.
TEST_F(WritFmtCommand, CheckOnALargeUnformattedFileStaysWithinAGigabyte) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer reserves more virtual memory than the limit";
#endif
  std::string text = "# kept\nschema { n: int; }\n";
  for (int i = 0; i < 30000; ++i) text += "allow a" + std::to_string(i) + " when n>1;\n";
  text += "# also kept\n";
  WriteWholeFile(file_, text);
  const CliResult result = RunWrit({"fmt", "--check", file_}, /*memory_limit_mb=*/1024);
  EXPECT_EQ(result.exit_code, 1) << result.err;
  // Small excerpts only: a failure prints them, not 1.5 MB of diff.
  const std::string hunk = "@@ -1,30003 +1,30005 @@\n # kept\n-schema { n: int; }\n";
  const size_t at = result.out.find("@@");
  EXPECT_EQ(result.out.substr(at == std::string::npos ? 0 : at, hunk.size()), hunk);
  const std::string tail = "+allow a29999 when n > 1;\n # also kept\n";
  EXPECT_EQ(result.out.substr(result.out.size() - std::min(result.out.size(), tail.size())), tail);
}

TEST_F(WritFmtCommand, WriteRewritesInPlaceThenCheckPasses) {
  EXPECT_EQ(RunWrit({"fmt", "-w", file_}).exit_code, 0);
  EXPECT_EQ(ReadWholeFile(file_), "schema {\n  n: int;\n}\nallow a when n > 1;\n");
  EXPECT_EQ(RunWrit({"fmt", "--check", file_}).exit_code, 0);
}

TEST_F(WritFmtCommand, UnparsableFileExitsOneAndIsLeftAlone) {
  WriteWholeFile(file_, "allow a when\n");
  const CliResult result = RunWrit({"fmt", "-w", file_});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("error:"));
  EXPECT_EQ(ReadWholeFile(file_), "allow a when\n");
}

TEST_F(WritFmtCommand, CheckAndWriteTogetherIsAUsageError) {
  EXPECT_EQ(RunWrit({"fmt", "--check", "-w", file_}).exit_code, 2);
}

}  // namespace
}  // namespace writ::testing
