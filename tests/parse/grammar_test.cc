// Grammar and parser: what parses, and the exact positioned message for
// what does not, and how a diagnostic shows its source line and caret.
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <tao/pegtl.hpp>
#include <tao/pegtl/contrib/analyze.hpp>

#include "gmock/gmock.h"
#include "grammar/writ_grammar.h"
#include "gtest/gtest.h"
#include "src/internal/utf8.h"
#include "src/parse/ast.h"
#include "src/parse/parser.h"
#include "src/parse/printer.h"

namespace writ::internal {
namespace {

struct ParseResult {
  bool ok = false;
  FileAst ast;
  std::vector<Diagnostic> diagnostics;
  std::string FirstError() const {
    return diagnostics.empty() ? "" : diagnostics.front().Format();
  }
};

ParseResult Parse(const std::string& text, int max_depth = 64) {
  ParseResult result;
  ParseOptions options;
  options.max_expression_depth = max_depth;
  result.ok = ParseFile(0, "p.writ", text, options, &result.ast, &result.diagnostics);
  return result;
}

// The first line of the first diagnostic: "p.writ:L:C: error: message".
std::string ErrorLine(const std::string& text) {
  ParseResult result = Parse(text);
  EXPECT_FALSE(result.ok) << text;
  const std::string formatted = result.FirstError();
  return formatted.substr(0, formatted.find('\n'));
}

TEST(Grammar, HasNoRulesThatLoopWithoutConsumingInput) {
  EXPECT_EQ(tao::pegtl::analyze<grammar::policy_file>(), 0u);
}

// not_reserved_word is the one-pass form of not_at<reserved_word>: both
// must accept and refuse the same places, on every keyword, on words that
// extend or cut one, and on random runs of identifier characters.
TEST(Grammar, NotReservedWordAgreesWithTheKeywordRules) {
  namespace pegtl = tao::pegtl;
  auto agree = [](const std::string& text) {
    pegtl::memory_input<> fast(text, "");
    pegtl::memory_input<> slow(text, "");
    const bool fast_result = pegtl::parse<grammar::not_reserved_word>(fast);
    const bool slow_result = pegtl::parse<pegtl::not_at<grammar::reserved_word>>(slow);
    EXPECT_EQ(fast_result, slow_result) << "'" << text << "'";
    EXPECT_EQ(fast.current(), text.data()) << "consumed input: '" << text << "'";
  };
  const std::vector<std::string> keywords = {
      "policy", "version", "schema", "let", "allow", "deny", "when", "unless", "with",
      "because", "default", "and", "or", "not", "in", "has", "true", "false", "matches",
      "like", "starts_with", "ends_with", "contains", "contains_any", "contains_all", "within"};
  for (const std::string& keyword : keywords) {
    for (const std::string& text :
         {keyword, keyword + " x", keyword + ".x", keyword + "(", keyword + "_", keyword + "1",
          keyword.substr(0, keyword.size() - 1), "x" + keyword, keyword + "s"}) {
      agree(text);
    }
    pegtl::memory_input<> in(keyword, "");
    EXPECT_FALSE(pegtl::parse<grammar::not_reserved_word>(in)) << keyword;
  }
  std::mt19937 random(20261202);
  const std::string characters = "acdehilnorstw_1A .";
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    for (size_t length = random() % 15; length > 0; --length) {
      text.push_back(characters[random() % characters.size()]);
    }
    agree(text);
  }
  agree("");
  agree(std::string(40, 'a'));
}

TEST(Grammar, ParsesTheSpecExampleItems) {
  ParseResult result = Parse(R"(
policy "agent-gateway" version "2026.11";
schema {
  tool: string;
  destination.ip: ip;
  data_class: enum(public, internal, confidential, restricted);
  risk.signals: set<string>;
  token.id: string redact;
}
let corp_net = destination.ip within ["10.0.0.0/8", "192.168.0.0/16"];
allow read_docs
  when tool in ["search", "http.get"] and data_class <= internal
  with max_ttl = 5m, max_uses = 1
  because "read-only research tools may read internal docs";
deny too_risky when risk.score >= 0.8 or risk.signals contains "prompt_injection";
default deny;
)");
  ASSERT_TRUE(result.ok) << result.FirstError();
  EXPECT_EQ(result.ast.headers.size(), 1u);
  EXPECT_EQ(result.ast.headers[0].version, "2026.11");
  ASSERT_EQ(result.ast.schemas.size(), 1u);
  EXPECT_EQ(result.ast.schemas[0].entries.size(), 5u);
  EXPECT_TRUE(result.ast.schemas[0].entries[4].redact);
  EXPECT_EQ(result.ast.schemas[0].entries[2].type.members.size(), 4u);
  ASSERT_EQ(result.ast.rules.size(), 2u);
  EXPECT_TRUE(result.ast.rules[0].allow);
  EXPECT_EQ(result.ast.rules[0].obligations.size(), 2u);
  EXPECT_EQ(result.ast.rules[0].obligations[0].value.int_value, 300);
  EXPECT_EQ(result.ast.rules[0].location.line, 11u);
  EXPECT_EQ(result.ast.defaults.size(), 1u);
}

TEST(Grammar, CommentsAndNewlinesAreInsignificant) {
  ParseResult result = Parse("# top\nschema{a:bool;}# trailing\nallow\n  r # mid\n when a;");
  ASSERT_TRUE(result.ok) << result.FirstError();
  EXPECT_EQ(result.ast.rules[0].name, "r");
}

TEST(Grammar, StringEscapesAreDecoded) {
  ParseResult result = Parse(R"(allow r because "q\" b\\ n\n t\t r\r u\u{e9}\u{1F600}";)");
  ASSERT_TRUE(result.ok) << result.FirstError();
  EXPECT_EQ(*result.ast.rules[0].reason, "q\" b\\ n\n t\t r\r u\xC3\xA9\xF0\x9F\x98\x80");
}

TEST(Grammar, NumbersDurationsAndNegativesAreLiterals) {
  ParseResult result = Parse(
      "allow r with a = -7, b = -1.5e3, c = 2E+2, d = 0.25, e = 90s, f = 5m, "
      "g = 2h, h = 1d, i = true;");
  ASSERT_TRUE(result.ok) << result.FirstError();
  const auto& o = result.ast.rules[0].obligations;
  EXPECT_EQ(o[0].value.kind, LiteralNode::Kind::kInt);
  EXPECT_EQ(o[0].value.int_value, -7);
  EXPECT_EQ(o[1].value.kind, LiteralNode::Kind::kNumber);
  EXPECT_DOUBLE_EQ(o[1].value.number_value, -1500.0);
  EXPECT_EQ(o[2].value.kind, LiteralNode::Kind::kNumber);
  EXPECT_DOUBLE_EQ(o[2].value.number_value, 200.0);
  EXPECT_DOUBLE_EQ(o[3].value.number_value, 0.25);
  EXPECT_EQ(o[4].value.int_value, 90);
  EXPECT_EQ(o[5].value.int_value, 300);
  EXPECT_EQ(o[6].value.int_value, 7200);
  EXPECT_EQ(o[7].value.int_value, 86400);
  EXPECT_TRUE(o[8].value.bool_value);
}

TEST(Grammar, PrecedenceIsNotThenAndThenOr) {
  ParseResult result = Parse("allow r when not a or b and c and d;");
  ASSERT_TRUE(result.ok) << result.FirstError();
  const ExprNode& when = *result.ast.rules[0].when;
  ASSERT_EQ(when.kind, ExprNode::Kind::kOr);
  ASSERT_EQ(when.children.size(), 2u);
  EXPECT_EQ(when.children[0].kind, ExprNode::Kind::kNot);
  EXPECT_EQ(when.children[1].kind, ExprNode::Kind::kAnd);
  EXPECT_EQ(when.children[1].children.size(), 3u);  // one `and`, three operands
}

TEST(Grammar, NotInIsOneOperator) {
  ParseResult result = Parse("allow r when tool not in [\"a\"];");
  ASSERT_TRUE(result.ok) << result.FirstError();
  EXPECT_EQ(result.ast.rules[0].when->op, OperatorNode::kNotIn);
}

// The parser builds the AST as rules match; an alternative that matches a
// prefix and then fails (a number that turns out to be a duration, a name
// that starts like a keyword) must leave nothing of itself behind.
TEST(Grammar, BacktrackedAlternativeLeavesNoPartialAst) {
  ParseResult result = Parse(
      "allow r when notable and hasty or trueish and x in [5m, 1.5, -2, true, low, \"s\"] "
      "and y contains_any [] and z contains \"a\" and not has w\n"
      "  with a = 5m, b = 2, c = 1.5e3;");
  ASSERT_TRUE(result.ok) << result.FirstError();
  const RuleNode& rule = result.ast.rules.at(0);
  EXPECT_EQ(PrintExpr(*rule.when),
            "notable and hasty or trueish and x in [5m, 1.5, -2, true, low, \"s\"] and "
            "y contains_any [] and z contains \"a\" and not has w");
  const ExprNode& membership = rule.when->children.at(1).children.at(1);
  ASSERT_TRUE(membership.operand.has_value());
  std::vector<LiteralNode::Kind> kinds;
  for (const LiteralNode& element : membership.operand->list) kinds.push_back(element.kind);
  using Kind = LiteralNode::Kind;
  EXPECT_THAT(kinds, ::testing::ElementsAre(Kind::kDuration, Kind::kNumber, Kind::kInt,
                                            Kind::kBool, Kind::kName, Kind::kString));
  ASSERT_EQ(rule.obligations.size(), 3u);
  EXPECT_EQ(rule.obligations[0].value.kind, Kind::kDuration);
  EXPECT_EQ(rule.obligations[1].value.kind, Kind::kInt);
  EXPECT_EQ(rule.obligations[2].value.kind, Kind::kNumber);
}

// A syntax error leaves the AST it was given as it was: the items before
// the error are not added.
TEST(Grammar, SyntaxErrorAddsNoItems) {
  ParseResult result = Parse("allow a when x;\nlet b = y;\ndeny c when (z;");
  ASSERT_FALSE(result.ok);
  EXPECT_TRUE(result.ast.rules.empty());
  EXPECT_TRUE(result.ast.lets.empty());
  ASSERT_EQ(result.diagnostics.size(), 1u);
}

// The canonical text of the `when` of the one rule in `text`.
std::string PrintedWhen(const std::string& text) {
  ParseResult result = Parse(text);
  EXPECT_TRUE(result.ok) << result.FirstError();
  return result.ok ? PrintExpr(*result.ast.rules[0].when) : "";
}

TEST(Printer, PrintsCanonicallyWithMinimalParentheses) {
  EXPECT_EQ(PrintedWhen("allow r when ((a))  and (b or  not (c and d)) and x   in [ 1,2 ] and "
                        "s == \"q\\\"\" and (e and f);"),
            "a and (b or not (c and d)) and x in [1, 2] and s == \"q\\\"\" and e and f");
}

// why_not's `condition` is the conjunct re-printed canonically (SPEC §5):
// a literal by its value, so two spellings of one condition print alike,
// and a number stays a NUMBER (`1e3` is not printed as the INT `1000`).
TEST(Printer, PrintsNumberIntAndDurationLiteralsByValueNotAsWritten) {
  EXPECT_EQ(PrintedWhen("allow r when a >= 0.80 and b < 1e3 and c > -1.50E+2 and d == 007 and "
                        "e == -0 and f in [2.50, 0010] and g < 090s and h < 05m and i > 0.0;"),
            "a >= 0.8 and b < 1000.0 and c > -150.0 and d == 7 and e == 0 and "
            "f in [2.5, 10] and g < 90s and h < 5m and i > 0.0");
}

struct BadInput {
  const char* text;
  const char* error;  // first line of the diagnostic
};

class SyntaxErrors : public ::testing::TestWithParam<BadInput> {};

TEST_P(SyntaxErrors, ReportPositionedHumanMessages) {
  EXPECT_EQ(ErrorLine(GetParam().text), GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Grammar, SyntaxErrors,
    ::testing::Values(
        // A missing ';' points just after the token it should follow.
        BadInput{"allow read_docs when a\n\ndeny x;",
                 "p.writ:1:23: error: expected ';' after rule 'read_docs'"},
        BadInput{"let corp = a  # comment\n",
                 "p.writ:1:13: error: expected ';' after let 'corp'"},
        BadInput{"policy \"p\"\nschema {}", "p.writ:1:11: error: expected ';' after the policy header"},
        BadInput{"allow when a;",
                 "p.writ:1:7: error: expected a rule name ('when' is a reserved keyword "
                 "and cannot be used as a name)"},
        BadInput{"allow r when;", "p.writ:1:13: error: expected a condition after 'when'"},
        BadInput{"allow r when a ==;", "p.writ:1:18: error: expected a value after the operator"},
        BadInput{"allow r when a = 1;",
                 "p.writ:1:16: error: '=' is not a comparison; write '==' to compare"},
        BadInput{"allow r when a not b;", "p.writ:1:20: error: expected 'in' after 'not'"},
        BadInput{"allow r when (a and b;", "p.writ:1:22: error: expected ')'"},
        BadInput{"allow r when a in [1, 2;", "p.writ:1:24: error: expected ',' or ']' in list"},
        BadInput{"allow r when a in [1,];", "p.writ:1:22: error: expected a value after ',' in list"},
        BadInput{"allow r because \"abc\n\";",
                 "p.writ:1:17: error: unterminated string (a string must end with '\"' on "
                 "the same line)"},
        BadInput{"allow r because \"a\\qb\";",
                 "p.writ:1:19: error: unknown escape sequence (valid: \\\" \\\\ \\n \\t \\r "
                 "\\u{...})"},
        BadInput{"allow r because \"\\u{110000}\";",
                 "p.writ:1:18: error: '\\u{110000}' is not a Unicode scalar value"},
        BadInput{"allow r with a = 99999999999999999999;",
                 "p.writ:1:18: error: integer '99999999999999999999' is out of the 64-bit range"},
        BadInput{"allow r with a = 1e;", "p.writ:1:20: error: expected digits after the exponent"},
        BadInput{"schema { a: float; }",
                 "p.writ:1:13: error: expected a type: bool, int, number, string, duration, "
                 "ip, set<string> or enum(...)"},
        BadInput{"schema { a: set<int>; }",
                 "p.writ:1:17: error: expected 'string' (sets hold strings only)"},
        BadInput{"schema { a.: bool; }", "p.writ:1:12: error: expected a name after '.'"},
        BadInput{"schema { a bool; }", "p.writ:1:12: error: expected ':' after the attribute name"},
        BadInput{"schema { a: enum(x, in); }",
                 "p.writ:1:21: error: expected an enum member name after ',' ('in' is a "
                 "reserved keyword and cannot be used as a name)"},
        BadInput{"default maybe;", "p.writ:1:9: error: expected 'allow' or 'deny' after 'default'"},
        BadInput{"allow r with ttl 5m;", "p.writ:1:18: error: expected '=' after the obligation key"},
        BadInput{"allow r because reason;",
                 "p.writ:1:17: error: expected the reason as a string after 'because'"},
        BadInput{"permit r;",
                 "p.writ:1:1: error: expected 'policy', 'schema', 'let', 'allow', 'deny' or "
                 "'default'"},
        BadInput{"allow r when has;", "p.writ:1:17: error: expected an attribute path after 'has'"},
        // A keyword that matched a prefix of the word leaves the caret
        // after itself.
        BadInput{"schema { a: ipx; }",
                 "p.writ:1:15: error: expected a type: bool, int, number, string, duration, "
                 "ip, set<string> or enum(...)"},
        BadInput{"allow r with a = falsex;",
                 "p.writ:1:23: error: expected a literal (string, number, duration or "
                 "true/false)"},
        BadInput{"allow r\xff;", "p.writ:1:8: error: invalid UTF-8 byte in policy source"}));

TEST(Grammar, DiagnosticShowsSourceLineAndCaret) {
  ParseResult result = Parse("allow r when a\n  and b = 2;");
  ASSERT_FALSE(result.ok);
  EXPECT_EQ(result.FirstError(),
            "p.writ:2:9: error: '=' is not a comparison; write '==' to compare\n"
            "  and b = 2;\n"
            "        ^\n");
}

TEST(Grammar, NestingBeyondTheLimitIsAnErrorNotACrash) {
  const std::string deep = "allow r when " + std::string(100000, '(') + "a" +
                           std::string(100000, ')') + ";";
  ParseResult result = Parse(deep, 64);
  ASSERT_FALSE(result.ok);
  EXPECT_THAT(result.FirstError(), ::testing::HasSubstr("nested deeper than 64 levels"));
  std::string nots = "allow r when ";
  for (int i = 0; i < 100000; ++i) nots += "not ";
  ParseResult negations = Parse(nots + "a;", 64);
  ASSERT_FALSE(negations.ok);
  EXPECT_THAT(negations.FirstError(), ::testing::HasSubstr("nested deeper than 64 levels"));
}

TEST(Grammar, NestingWithinTheLimitParses) {
  const std::string nested = "allow r when " + std::string(60, '(') + "a" + std::string(60, ')') + ";";
  EXPECT_TRUE(Parse(nested, 64).ok);
}

// QuoteString copies runs of plain characters whole and escapes the rest:
// each escape in place, the runs around it intact, and the lexer reads
// every quoted value back as it was.
TEST(Printer, QuoteStringEscapesBetweenPlainRunsAndReadsBack) {
  EXPECT_EQ(QuoteString(""), "\"\"");
  EXPECT_EQ(QuoteString("api.example.com"), "\"api.example.com\"");
  EXPECT_EQ(QuoteString("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(QuoteString("\n\t\r"), "\"\\n\\t\\r\"");
  EXPECT_EQ(QuoteString(std::string("x\x01y\x1fz", 5)), "\"x\\u{1}y\\u{1f}z\"");
  EXPECT_EQ(QuoteString("caf\xc3\xa9 \x7f"), "\"caf\xc3\xa9 \x7f\"");  // UTF-8, DEL as they are
  for (const std::string& value :
       {std::string("\"starts"), std::string("ends\\"), std::string("mid\ndle and \"more\""),
        std::string("\x02\x03"), std::string(40, 'a') + "\t" + std::string(40, 'b')}) {
    std::string read_back, error;
    ASSERT_TRUE(UnescapeStringLiteral(QuoteString(value), &read_back, &error)) << error;
    EXPECT_EQ(read_back, value);
  }
}

// The caret line of the first diagnostic (its third line).
std::string CaretLine(const std::string& formatted) {
  const size_t first = formatted.find('\n');
  const size_t second = formatted.find('\n', first + 1);
  return formatted.substr(second + 1, formatted.find('\n', second + 1) - second - 1);
}

// A diagnostic in p.writ with an empty message, to format.
Diagnostic DiagnosticAt(int line, int column, std::string source_line) {
  Diagnostic diagnostic;
  diagnostic.file = "p.writ";
  diagnostic.line = line;
  diagnostic.column = column;
  diagnostic.source_line = std::move(source_line);
  return diagnostic;
}

// Columns are byte columns, but the caret is padded per code point: "ééé"
// is six bytes and three columns on a terminal, and the caret must sit
// under the '=' it points at, not three columns to its right.
TEST(Diagnostics, CaretCountsCodePointsNotBytes) {
  ParseResult result =
      Parse("schema { s: string; }\nallow r when s == \"\xc3\xa9\xc3\xa9\xc3\xa9\" and s = 1;");
  ASSERT_FALSE(result.ok);
  EXPECT_EQ(result.FirstError(),
            "p.writ:2:34: error: '=' is not a comparison; write '==' to compare\n"
            "allow r when s == \"\xc3\xa9\xc3\xa9\xc3\xa9\" and s = 1;\n" +
                std::string(30, ' ') + "^\n");

  // The audit's case, a checker error: byte column 37, code point column 34.
  Diagnostic diagnostic =
      DiagnosticAt(2, 37, "allow a when s == \"\xc3\xa9\xc3\xa9\xc3\xa9\" and s == 1;");
  EXPECT_EQ(CaretLine(diagnostic.Format()), std::string(33, ' ') + "^");

  // The `~` underline counts code points too: the string token is five
  // code points (eight bytes), so a caret and four `~`.
  diagnostic.column = 19;
  diagnostic.end_column = 27;
  EXPECT_EQ(CaretLine(diagnostic.Format()), std::string(18, ' ') + "^~~~~");

  // Tabs stay tabs; an invalid byte (the line of an "invalid UTF-8"
  // error) is one column.
  diagnostic.source_line = "\t\xff\xc3\xa9x";
  diagnostic.column = 5;
  diagnostic.end_column = 0;
  EXPECT_EQ(CaretLine(diagnostic.Format()), "\t  ^");
}

// Text copied through a word processor or a chat tool brings characters
// that look like writ's own: the error at one names it and says what to
// write, at its column.
TEST(Diagnostics, LookAlikeCharactersAreNamedWithWhatToWrite) {
  struct Case {
    std::string source;
    std::string column_and_hint;
  };
  const std::string schema = "schema { s: string; n: int; }\n";
  const Case cases[] = {
      {"allow r when s == \u201Cx\u201D;", ":2:19: error: "},
      {"allow r when s == \u2018x\u2019;", ":2:19: error: "},
      // A missing ';' is reported just after the token before the blank.
      {"allow r when n \u2260 1;", ":2:15: error: "},
      {"allow r when n \u2264 1;", ":2:15: error: "},
      {"allow r when n == \u22121;", ":2:19: error: "},
      {"allow r when\u00A0n == 1;", ":2:13: error: "},
  };
  const std::string hints[] = {"(this is a typographic quote: write '\"')",
                               "(this is a typographic quote: write '\"')",
                               "(this is the sign \u2260: write '!=')",
                               "(this is the sign \u2264: write '<=')",
                               "(this is a minus sign: write '-')",
                               "(this is a no-break space: write a plain space)"};
  for (size_t i = 0; i < std::size(cases); ++i) {
    const std::string line = ErrorLine(schema + cases[i].source);
    EXPECT_THAT(line, ::testing::StartsWith("p.writ" + cases[i].column_and_hint)) << i;
    EXPECT_THAT(line, ::testing::EndsWith(hints[i])) << i;
  }
  // A plain error gets no hint.
  EXPECT_THAT(ErrorLine(schema + "allow r when n == ;"), ::testing::Not(::testing::HasSubstr("this is")));
}

// A wide (CJK) character takes two terminal columns, and two under the
// caret.
TEST(Diagnostics, CaretGivesWideCharactersTwoColumns) {
  ParseResult result = Parse(
      "schema { s: string; }\n"
      "allow r when s == \"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\" and s = 1;");
  ASSERT_FALSE(result.ok);
  EXPECT_THAT(result.FirstError(), ::testing::StartsWith("p.writ:2:37: error: '='"));
  EXPECT_EQ(CaretLine(result.FirstError()), std::string(33, ' ') + "^");
}

// A megabyte on one line is not echoed whole: a window of 100 bytes each
// side of the column, with "..." where text was cut, and the caret still
// under the offending token.
TEST(Diagnostics, LongSourceLineIsClippedAroundTheColumn) {
  const std::string padding(1 << 20, 'x');
  const std::string line =
      "allow r when s == \"" + padding + "\" and s = 1 and t == \"" + padding + "\";";
  ParseResult result = Parse(line);
  ASSERT_FALSE(result.ok);
  const size_t equals = line.find(" = ") + 1;
  EXPECT_EQ(result.diagnostics.front().column, static_cast<int>(equals) + 1);
  EXPECT_EQ(result.FirstError(),
            "p.writ:1:" + std::to_string(equals + 1) +
                ": error: '=' is not a comparison; write '==' to compare\n"
                "..." + line.substr(equals - 100, 200) + "...\n" +
                std::string(103, ' ') + "^\n");

  // A line of up to 200 bytes is shown whole; a longer one is cut only
  // where there is more than 100 bytes on that side.
  Diagnostic diagnostic = DiagnosticAt(1, 5, std::string(300, 'a'));
  EXPECT_EQ(diagnostic.Format(),
            "p.writ:1:5: error: \n" + std::string(104, 'a') + "...\n    ^\n");
  diagnostic.source_line = std::string(150, 'a');
  diagnostic.column = 150;
  EXPECT_EQ(diagnostic.Format(), "p.writ:1:150: error: \n" + std::string(150, 'a') + "\n" +
                                     std::string(149, ' ') + "^\n");
}

// A diagnostic keeps only the part of a long line around its column (each
// diagnostic holds its own copy: 20,000 errors on one 740 KB line took 23
// GB), and that part formats exactly as the whole line does: random lines
// of 1,000 to 3,000 bytes with multi-byte and wide characters and tabs,
// every kind of column (start, middle, end, past the end) and span.
TEST(Diagnostics, ThePartOfALongLineKeptFormatsAsTheWholeLine) {
  const std::vector<std::string> pieces = {"a", "=", " ", "\t", "\xc3\xa9", "\xe6\x97\xa5",
                                           "\xf0\x9f\x98\x80", "\xff", "\"", "when"};
  std::mt19937 random(20261203);
  for (int round = 0; round < 3000; ++round) {
    const size_t size = 1000 + random() % 2000;
    std::string line;
    while (line.size() < size) line += pieces[random() % pieces.size()];
    Diagnostic whole = DiagnosticAt(1, 1 + static_cast<int>(random() % (line.size() + 2)), line);
    if (random() % 2 == 0) whole.end_column = whole.column + 1 + static_cast<int>(random() % 300);
    if (round % 10 == 0) whole.column = static_cast<int>(line.size()) - static_cast<int>(random() % 5);

    Diagnostic kept = whole;
    internal::KeepSourceLine(line, &kept);
    SCOPED_TRACE(testing::Message() << "round " << round << ", column " << whole.column);
    EXPECT_EQ(kept.Format(), whole.Format());
    if (line.size() > 2 * internal::kKeptSourceContext) {
      EXPECT_LE(kept.source_line.size(), 2 * internal::kKeptSourceContext);
      // An editor may show the part itself: it starts on a character.
      EXPECT_FALSE(internal::IsUtf8ContinuationByte(kept.source_line[0]));
    } else {
      EXPECT_EQ(kept.source_line, line);
      EXPECT_EQ(kept.source_line_column, 1);
    }
  }
}

// The window's ends fall on code point boundaries: a cut never splits a
// character, and the caret still counts what is shown.
TEST(Diagnostics, ClippedLineIsCutOnCodePointBoundaries) {
  std::string line;
  for (int i = 0; i < 100; ++i) line += "\xe6\x97\xa5";  // 300 bytes, each wide
  line += "!";                                         // byte 300, column 301
  for (int i = 0; i < 100; ++i) line += "\xc3\xa9";    // 200 bytes
  const Diagnostic diagnostic = DiagnosticAt(1, 301, line);
  // 100 bytes back is byte 200, inside a character: the window starts at
  // 201 (33 characters before the '!'); 100 bytes on is byte 400, inside an
  // 'é': it ends at 401 (50 of them).
  std::string shown = "...";
  for (int i = 0; i < 33; ++i) shown += "\xe6\x97\xa5";
  shown += "!";
  for (int i = 0; i < 50; ++i) shown += "\xc3\xa9";
  shown += "...";
  EXPECT_EQ(diagnostic.Format(),
            "p.writ:1:301: error: \n" + shown + "\n" + std::string(3 + 66, ' ') + "^\n");
}

// A bad escape is reported at its backslash, whatever is wrong with it,
// and the backslash of the bad one when a string has several escapes.
TEST(Lexer, BadEscapePointsAtItsBackslash) {
  const std::string kUnknown =
      "unknown escape sequence (valid: \\\" \\\\ \\n \\t \\r \\u{...})";
  struct Case {
    std::string body;  // of the string, on line 2 from column 19
    std::string error;
  };
  const std::vector<Case> cases = {
      {"abc\\x", "p.writ:2:23: error: " + kUnknown},
      {"abc\\q", "p.writ:2:23: error: " + kUnknown},
      {"abc\\.", "p.writ:2:23: error: " + kUnknown},
      {"abc\\u1234", "p.writ:2:23: error: expected '{' after '\\u'"},
      {"abc\\u{}", "p.writ:2:23: error: expected 1 to 6 hex digits in '\\u{...}'"},
      {"abc\\u{1234567}", "p.writ:2:23: error: expected 1 to 6 hex digits in '\\u{...}'"},
      {"abc\\u{12", "p.writ:2:23: error: expected '}' to close '\\u{'"},
      {"abc\\u{110000}", "p.writ:2:23: error: '\\u{110000}' is not a Unicode scalar value"},
      {"abc\\u{D800}", "p.writ:2:23: error: '\\u{D800}' is not a Unicode scalar value"},
      {"\\n\\tc\\x", "p.writ:2:25: error: " + kUnknown},
      {"\\u{41}\\n\\u{110000}", "p.writ:2:28: error: '\\u{110000}' is not a Unicode scalar value"},
  };
  for (const Case& c : cases) {
    const std::string text = "schema { s: string; }\nallow r when s == \"" + c.body + "\";";
    EXPECT_EQ(ErrorLine(text), c.error) << c.body;
  }
  ParseResult result = Parse("schema { s: string; }\nallow r when s == \"abc\\x\";");
  ASSERT_FALSE(result.ok);
  EXPECT_EQ(CaretLine(result.FirstError()), std::string(22, ' ') + "^");
}

// An unterminated string is reported at its opening quote, not at the end
// of the line, wherever strings appear.
TEST(Lexer, UnterminatedStringPointsAtItsOpeningQuote) {
  const std::string kUnterminated =
      "unterminated string (a string must end with '\"' on the same line)";
  EXPECT_EQ(ErrorLine("schema { s: string; }\nallow r when s == \"abc"),
            "p.writ:2:19: error: " + kUnterminated);
  EXPECT_EQ(ErrorLine("allow r when s == \"a\\\"bc\n;"), "p.writ:1:19: error: " + kUnterminated);
  EXPECT_EQ(ErrorLine("allow r when s in [\"a\", \"b];"), "p.writ:1:25: error: " + kUnterminated);
  EXPECT_EQ(ErrorLine("policy \"p;"), "p.writ:1:8: error: " + kUnterminated);
  EXPECT_EQ(ErrorLine("policy \"p\" version \"1;"), "p.writ:1:20: error: " + kUnterminated);
  EXPECT_EQ(ErrorLine("allow r because \"why;"), "p.writ:1:17: error: " + kUnterminated);
  EXPECT_EQ(ErrorLine("allow r with k = \"v;"), "p.writ:1:18: error: " + kUnterminated);
  ParseResult result = Parse("schema { s: string; }\nallow r when s == \"abc");
  EXPECT_EQ(CaretLine(result.FirstError()), std::string(18, ' ') + "^");
}

// `1.5h` and `1h30m` are not durations; say what one is, at the start of
// the would-be duration, rather than "expected ';'" after its `1`.
TEST(Grammar, FractionalOrCompoundDurationIsNamedAtItsStart) {
  const std::string kDuration =
      "a duration has an integer count and one unit (s, m, h, d), like 90m or 36h";
  const std::string schema = "schema { d: duration; }\n";
  EXPECT_EQ(ErrorLine(schema + "allow r when d > 1.5h;"), "p.writ:2:18: error: " + kDuration);
  EXPECT_EQ(ErrorLine(schema + "allow r when d > 1h30m;"), "p.writ:2:18: error: " + kDuration);
  EXPECT_EQ(ErrorLine(schema + "allow r when d > -2.25d;"), "p.writ:2:18: error: " + kDuration);
  EXPECT_EQ(ErrorLine(schema + "allow r when d > 5ms;"), "p.writ:2:18: error: " + kDuration);
  EXPECT_EQ(ErrorLine(schema + "allow r when d in [1h, 1.5h];"),
            "p.writ:2:24: error: " + kDuration);
  EXPECT_EQ(ErrorLine(schema + "allow r with ttl = 0.5m;"), "p.writ:2:20: error: " + kDuration);
  ParseResult result = Parse(schema + "allow r when d > 1.5h;");
  EXPECT_EQ(CaretLine(result.FirstError()), std::string(17, ' ') + "^");
  // What is a literal still is one, and what is no duration keeps its
  // message.
  EXPECT_TRUE(Parse(schema + "allow r when d > 1h and d < -5m and d != 1.5 and d != 2;").ok);
  EXPECT_EQ(ErrorLine(schema + "allow r when d > 1x;"),
            "p.writ:2:18: error: expected a value after the operator");
}

// A byte-order mark is refused with a message that says so, at 1:1,
// rather than "expected 'policy', 'schema', ...".
TEST(Grammar, ByteOrderMarkIsRefusedWithAClearMessage) {
  ParseResult result = Parse("\xef\xbb\xbfschema { s: string; }\n");
  ASSERT_FALSE(result.ok);
  EXPECT_EQ(result.FirstError(),
            "p.writ:1:1: error: a UTF-8 byte-order mark is not allowed; save the file "
            "without it\n"
            "\xef\xbb\xbfschema { s: string; }\n"
            "^\n");
  EXPECT_TRUE(Parse("schema { s: string; }\n").ok);
}

// A lone CR ends a line in an editor but not a writ comment: the rule after
// it was silently commented out. It is refused where it stands; CRLF is
// still a line end.
TEST(Grammar, LoneCarriageReturnIsRefusedRatherThanHidingCodeInAComment) {
  EXPECT_EQ(ErrorLine("schema { s: string; }  # note\rdeny r;\n"),
            "p.writ:1:30: error: a carriage return not followed by a line feed is not "
            "allowed (end lines with \"\\n\" or \"\\r\\n\")");
  EXPECT_FALSE(Parse("schema { s: string; }\r").ok);
  ParseResult crlf = Parse("schema { s: string; }  # note\r\ndeny r;\r\n");
  ASSERT_TRUE(crlf.ok) << crlf.FirstError();
  EXPECT_EQ(crlf.ast.rules.size(), 1u);
}

// The limit and its message agree: max_depth levels of parentheses or
// `not` parse, one more is "nested deeper than max_depth levels", at the
// '(' or `not` that goes past it.
TEST(Grammar, NestingLimitAllowsExactlyMaxDepthLevels) {
  auto parens = [](int n) {
    return "allow r when " + std::string(n, '(') + "a" + std::string(n, ')') + ";";
  };
  auto nots = [](int n) {
    std::string text = "allow r when ";
    for (int i = 0; i < n; ++i) text += "not ";
    return text + "a;";
  };
  EXPECT_TRUE(Parse(parens(64), 64).ok) << Parse(parens(64), 64).FirstError();
  EXPECT_EQ(ErrorLine(parens(65)), "p.writ:1:78: error: condition nested deeper than 64 levels");
  EXPECT_TRUE(Parse(nots(64), 64).ok) << Parse(nots(64), 64).FirstError();
  EXPECT_EQ(ErrorLine(nots(65)), "p.writ:1:270: error: condition nested deeper than 64 levels");
  std::string mixed = "allow r when ";
  for (int i = 0; i < 32; ++i) mixed += "not (";
  EXPECT_TRUE(Parse(mixed + "a" + std::string(32, ')') + ";", 64).ok);
  EXPECT_FALSE(Parse(mixed + "not a" + std::string(32, ')') + ";", 64).ok);
  EXPECT_TRUE(Parse(parens(8), 8).ok);
  EXPECT_FALSE(Parse(parens(9), 8).ok);
}

}  // namespace
}  // namespace writ::internal
