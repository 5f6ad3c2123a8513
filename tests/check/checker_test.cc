// The checker: every compile error class of SPEC §3, positioned, and all of
// them reported in one run.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/check/checker.h"
#include "src/parse/parser.h"

namespace writ::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kSchema[] = R"(schema {
  tool: string;
  host: string;
  other_host: string;
  ip: ip;
  port: int;
  score: number;
  age: duration;
  approved: bool;
  bound: bool;
  signals: set<string>;
  level: enum(low, mid, high);
  grade: enum(low, mid, high);
  color: enum(red, green);
}
)";

struct CheckResult {
  std::shared_ptr<CheckedPolicy> policy;
  std::vector<Diagnostic> diagnostics;
  // First lines only: "file:line:col: error: message".
  std::vector<std::string> Errors() const {
    std::vector<std::string> lines;
    for (const Diagnostic& diagnostic : diagnostics) {
      const std::string formatted = diagnostic.Format();
      lines.push_back(formatted.substr(0, formatted.find('\n')));
    }
    return lines;
  }
};

CheckResult Check(const std::vector<std::pair<std::string, std::string>>& sources) {
  CheckResult result;
  std::vector<ParsedFile> files;
  for (uint32_t i = 0; i < sources.size(); ++i) {
    ParsedFile file{sources[i].first, sources[i].second, {}};
    EXPECT_TRUE(ParseFile(i, file.name, file.text, {}, &file.ast, &result.diagnostics))
        << result.diagnostics.front().Format();
    files.push_back(std::move(file));
  }
  result.policy = CheckPolicySet(files, CompileOptions{}, &result.diagnostics);
  return result;
}

// Rules on line 1 of r.writ, with the shared schema in s.writ.
CheckResult CheckRules(const std::string& rules) {
  return Check({{"s.writ", kSchema}, {"r.writ", rules}});
}

std::string OnlyError(const std::string& rules) {
  CheckResult result = CheckRules(rules);
  EXPECT_EQ(result.policy, nullptr) << rules;
  EXPECT_EQ(result.diagnostics.size(), 1u) << rules;
  return result.Errors().empty() ? "" : result.Errors().front();
}

struct BadPolicy {
  const char* rules;
  const char* error;
};

class CompileErrors : public ::testing::TestWithParam<BadPolicy> {};

TEST_P(CompileErrors, AreReportedAtTheOffendingToken) {
  EXPECT_EQ(OnlyError(GetParam().rules), GetParam().error);
}

// SPEC §7: a diagnostic points at the offending token. After `has` that
// is the path, not the keyword (it was the keyword, underlined as `has`).
TEST(Diagnostics, UnknownAttributeAfterHasIsReportedAtThePathNotTheKeyword) {
  EXPECT_EQ(OnlyError("deny r when not  has   host.nme;"),
            "r.writ:1:24: error: unknown attribute 'host.nme'");
}

INSTANTIATE_TEST_SUITE_P(
    Checker, CompileErrors,
    ::testing::Values(
        BadPolicy{"allow r when nope == 1;", "r.writ:1:14: error: unknown attribute 'nope'"},
        BadPolicy{"allow r when has nope;", "r.writ:1:18: error: unknown attribute 'nope'"},
        BadPolicy{"allow r when nope;", "r.writ:1:14: error: unknown attribute or let 'nope'"},
        BadPolicy{"allow r when port == \"80\";",
                  "r.writ:1:22: error: type mismatch: 'port' is int but \"80\" is a string"},
        BadPolicy{"allow r when port == 1.5;",
                  "r.writ:1:22: error: type mismatch: 'port' is int but 1.5 is a number"},
        BadPolicy{"allow r when age > 300;",
                  "r.writ:1:20: error: type mismatch: 'age' is duration but 300 is an int (a "
                  "duration compares only with duration literals such as 30s or 5m)"},
        BadPolicy{"allow r when tool matches 1;",
                  "r.writ:1:27: error: 'matches' takes a regular expression as a string"},
        BadPolicy{"allow r when port matches \"8.*\";",
                  "r.writ:1:19: error: operator 'matches' does not apply to 'port' of type int"},
        BadPolicy{"allow r when approved < true;",
                  "r.writ:1:23: error: operator '<' does not apply to 'approved' of type bool"},
        BadPolicy{"allow r when signals == \"x\";",
                  "r.writ:1:22: error: operator '==' does not apply to 'signals' of type "
                  "set<string>"},
        BadPolicy{"allow r when tool;",
                  "r.writ:1:14: error: 'tool' is string, not bool: only a bool attribute can "
                  "stand alone as a condition"},
        BadPolicy{"allow r when level == extreme;",
                  "r.writ:1:23: error: unknown member 'extreme' of enum(low, mid, high) "
                  "(attribute 'level')"},
        BadPolicy{"allow r when level in [low, top];",
                  "r.writ:1:29: error: unknown member 'top' of enum(low, mid, high) (attribute "
                  "'level')"},
        BadPolicy{"allow r when level == \"low\";",
                  "r.writ:1:23: error: type mismatch: 'level' is enum(low, mid, high) but "
                  "\"low\" is a string (enum members are written bare, without quotes)"},
        BadPolicy{"allow r when level == color;",
                  "r.writ:1:23: error: cannot compare 'level' (enum(low, mid, high)) with "
                  "'color' (enum(red, green))"},
        BadPolicy{"allow r when host == port;",
                  "r.writ:1:22: error: cannot compare 'host' (string) with 'port' (int)"},
        BadPolicy{"allow r when level < grade;",
                  "r.writ:1:20: error: two attributes can only be compared with == and !="},
        BadPolicy{"allow r when tool matches \"(a\";",
                  "r.writ:1:27: error: bad regex \"(a\": missing ): (a"},
        BadPolicy{"allow r when tool like \"a\\\\\";",
                  "r.writ:1:24: error: bad glob \"a\\\\\": trailing backslash"},
        BadPolicy{"allow r when ip within [\"10.1.2.3/8\"];",
                  "r.writ:1:25: error: host bits set in CIDR '10.1.2.3/8' (did you mean "
                  "10.0.0.0/8?)"},
        BadPolicy{"allow r when ip within [\"10.0.0.0/33\"];",
                  "r.writ:1:25: error: bad CIDR '10.0.0.0/33': prefix length '33' is not a "
                  "number from 0 to 32"},
        BadPolicy{"allow r when ip within \"10.0.0.0/8\";",
                  "r.writ:1:24: error: 'within' takes a list such as [\"a\", \"b\"] (a single "
                  "CIDR is written [\"10.0.0.0/8\"])"},
        BadPolicy{"allow r when ip == \"10.0.0.300\";",
                  "r.writ:1:20: error: \"10.0.0.300\" is not an IP address"},
        BadPolicy{"allow r when tool in \"a\";",
                  "r.writ:1:22: error: 'in' takes a list such as [\"a\", \"b\"]"},
        BadPolicy{"allow r when port in [1, \"2\"];",
                  "r.writ:1:26: error: type mismatch: 'port' is int but \"2\" is a string"},
        BadPolicy{"allow r; deny r;",
                  "r.writ:1:15: error: rule 'r' is defined twice (first at r.writ:1:7)"},
        BadPolicy{"let a = true; let a = false;",
                  "r.writ:1:19: error: let 'a' is defined twice (first at r.writ:1:5)"},
        BadPolicy{"let tool = true;",
                  "r.writ:1:5: error: let 'tool' has the name of a schema attribute"},
        BadPolicy{"let a = b; let b = a;",
                  "r.writ:1:5: error: let 'a' is defined in terms of itself: a -> b -> a"},
        BadPolicy{"let a = a;", "r.writ:1:5: error: let 'a' is defined in terms of itself: a -> a"},
        BadPolicy{"let a = true; allow r when a == 1;",
                  "r.writ:1:28: error: 'a' is a let (a condition), not an attribute"},
        BadPolicy{"allow r with ttl = 5m; allow q with ttl = 300;",
                  "r.writ:1:43: error: obligation 'ttl' is an int here but a duration at "
                  "r.writ:1:14"},
        BadPolicy{"allow r with a = 1, a = 2;",
                  "r.writ:1:21: error: obligation 'a' is repeated in this 'with'"},
        BadPolicy{"policy \"x\"; policy \"y\";",
                  "r.writ:1:13: error: second policy header (the first is at r.writ:1:1)"},
        BadPolicy{"default deny; default allow;",
                  "r.writ:1:15: error: second 'default' (the first is at r.writ:1:1)"},
        BadPolicy{"schema { x: bool; }",
                  "r.writ:1:1: error: second schema block (the first is at s.writ:1:1)"}));

TEST(Checker, ReportsEveryErrorInOneRun) {
  CheckResult result = CheckRules(
      "allow a when nope;\n"
      "allow b when port == \"x\";\n"
      "deny c when level == top;\n");
  EXPECT_EQ(result.policy, nullptr);
  EXPECT_THAT(result.Errors(),
              ElementsAre(HasSubstr("r.writ:1:14"), HasSubstr("r.writ:2:22"),
                          HasSubstr("r.writ:3:22")));
}

TEST(Checker, AttributeDeclaredTwiceOrAsAPrefixIsAnError) {
  CheckResult result = Check({{"s.writ",
                               "schema {\n  a: bool;\n  a: int;\n  destination: string;\n"
                               "  destination.host: string;\n  e: enum(x, x);\n}"}});
  EXPECT_THAT(result.Errors(),
              ElementsAre("s.writ:3:3: error: attribute 'a' is declared twice (first at "
                          "s.writ:2:3)",
                          "s.writ:6:14: error: enum member 'x' is listed twice",
                          "s.writ:4:3: error: attribute 'destination' is a prefix of "
                          "'destination.host' (declared at s.writ:5:3)"));
}

// Every dotted prefix of every path was hashed to find the attributes that
// are another's prefix: a path of n segments cost n hashes of up to its
// length, 400,000 segments (800 KB) 11.6 s. Sorted paths find them with a
// binary search each, including past paths that sort between (`a0`, `a_b`
// between `a` and `a.b`).
TEST(Checker, AnAttributeOfManySegmentsIsCheckedInLinearTime) {
  std::string path = "a";
  for (int i = 1; i < 400000; ++i) path += ".a";
  CheckResult result = Check({{"s.writ", absl::StrCat("schema {\n  ", path,
                                                       ": int;\n}\nallow r when ", path,
                                                       " > 1;\n")}});
  EXPECT_THAT(result.Errors(), ::testing::IsEmpty());
  const std::string schema = "schema {\n  a: int;\n  a0: int;\n  a_b: int;\n  a.b.c: int;\n"
                             "  a.b: int;\n}";
  EXPECT_THAT(Check({{"s.writ", schema}}).Errors(),
              ElementsAre("s.writ:2:3: error: attribute 'a' is a prefix of 'a.b' (declared at "
                          "s.writ:6:3)",
                          "s.writ:6:3: error: attribute 'a.b' is a prefix of 'a.b.c' (declared "
                          "at s.writ:5:3)"));
}

// Each enum member was compared with every one before it: 40,000 members
// took 1.07 s, and the time grew with the square.
TEST(Checker, AnEnumOfManyMembersIsCheckedInLinearTime) {
  std::string members = "m0";
  for (int i = 1; i < 200000; ++i) absl::StrAppend(&members, ", m", i);
  const std::string schema = absl::StrCat("schema {\n  e: enum(", members, ", m7);\n}");
  const std::vector<std::string> errors = Check({{"s.writ", schema}}).Errors();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0], HasSubstr("error: enum member 'm7' is listed twice"));
}

// Positioned like every other diagnostic: at the start of the first file,
// where a schema block would go, with its line and caret.
TEST(Checker, MissingSchemaIsAnErrorAtTheStartOfTheFirstFile) {
  CheckResult result = Check({{"r.writ", "allow r;"}, {"q.writ", "deny q;"}});
  EXPECT_THAT(result.Errors(),
              ElementsAre("r.writ:1:1: error: the policy set has no schema block"));
  ASSERT_EQ(result.diagnostics.size(), 1u);
  EXPECT_EQ(result.diagnostics[0].Format(),
            "r.writ:1:1: error: the policy set has no schema block\nallow r;\n^\n");
}

TEST(Checker, EnumMemberThatIsAlsoAnAttributeIsAmbiguous) {
  CheckResult result = Check({{"s.writ", "schema { low: bool; level: enum(low, high); }"},
                              {"r.writ", "allow r when level == low;"}});
  EXPECT_THAT(result.Errors(),
              ElementsAre("r.writ:1:23: error: 'low' is both a member of 'level' and an "
                          "attribute; rename one of them"));
}

TEST(Checker, AcceptsAMultiFileSetWithLetsDefinedAfterUse) {
  CheckResult result = Check({{"s.writ", kSchema},
                              {"a.writ", "allow r when fast and level <= mid;"},
                              {"l.writ", "let fast = quick; let quick = score < 0.5;"}});
  ASSERT_NE(result.policy, nullptr) << result.Errors().front();
  EXPECT_EQ(result.policy->rules.size(), 1u);
  EXPECT_EQ(result.policy->lets.size(), 2u);
}

TEST(Checker, NumberAttributesAcceptIntLiterals) {
  CheckResult result = CheckRules("allow r when score >= 1 and score in [0, 0.5];");
  ASSERT_NE(result.policy, nullptr) << result.Errors().front();
  EXPECT_DOUBLE_EQ(result.policy->predicates[0].operand.number, 1.0);
}

TEST(Checker, ReferencedSlotsFollowLetsUsedByRulesOnly) {
  CheckResult result = CheckRules(
      "let used = has score and approved;\nlet unused = port > 1;\n"
      "allow r when used and host == other_host;");
  ASSERT_NE(result.policy, nullptr) << result.Errors().front();
  std::vector<std::string> paths;
  for (uint32_t slot : result.policy->referenced_slots) {
    paths.push_back(result.policy->schema->attributes[slot].path);
  }
  EXPECT_THAT(paths, ElementsAre("approved", "host", "other_host", "score"));
}

// Slots are the request's layout: what rules and lets read comes first, so
// a decision's reads share as few cache lines as they can.
TEST(Checker, AttributesRulesReadTakeTheFirstSlotsInDeclarationOrder) {
  CheckResult result = CheckRules(
      "let unused = port > 1;\n"
      "allow r when has score and bound and host == other_host and level <= mid\n"
      "  unless signals contains \"x\";");
  ASSERT_NE(result.policy, nullptr) << result.Errors().front();
  const Schema& schema = *result.policy->schema;
  std::vector<std::string> by_slot;
  for (const AttributeInfo& attribute : schema.attributes) by_slot.push_back(attribute.path);
  // Read (declaration order): host, other_host (the right side of ==),
  // port (a let, even one no rule uses), score (has), bound (a bare bool),
  // signals (unless), level. Then the rest, in declaration order.
  EXPECT_THAT(by_slot, ElementsAre("host", "other_host", "port", "score", "bound", "signals",
                                   "level", "tool", "ip", "age", "approved", "grade", "color"));
  for (uint32_t slot = 0; slot < schema.attributes.size(); ++slot) {
    EXPECT_EQ(schema.Find(schema.attributes[slot].path), slot);
  }
  std::vector<std::string> declared;
  for (uint32_t slot : schema.declaration_order) declared.push_back(schema.attributes[slot].path);
  EXPECT_THAT(declared, ElementsAre("tool", "host", "other_host", "ip", "port", "score", "age",
                                    "approved", "bound", "signals", "level", "grade", "color"));
}

TEST(Checker, RuleObligationsAreKeptByKey) {
  CheckResult result = CheckRules("allow r when bound with uses = 1, cap = 2.5, level = \"x\";");
  ASSERT_NE(result.policy, nullptr) << result.Errors().front();
  std::vector<std::string> keys;
  for (const Obligation& obligation : result.policy->rules[0].obligations) {
    keys.push_back(obligation.key);
  }
  EXPECT_THAT(keys, ElementsAre("cap", "level", "uses"));
}

TEST(Checker, LocationsRenderEveryLineAndColumnNumber) {
  CheckResult result = CheckRules("allow q when bound;");  // file 0 the schema, 1 the rules
  ASSERT_NE(result.policy, nullptr) << result.Errors().front();
  EXPECT_EQ(result.policy->FormatLocation({1, 0, 0}), "r.writ:0:0");
  EXPECT_EQ(result.policy->FormatLocation({1, 10, 9}), "r.writ:10:9");
  EXPECT_EQ(result.policy->FormatLocation({1, 4294967295u, 1000000}), "r.writ:4294967295:1000000");
  EXPECT_EQ(result.policy->FormatLocation({7, 1, 2}), ":1:2");  // no such file
  std::string reused = "a much longer text than any location here";
  result.policy->AssignLocation({1, 3, 4}, &reused);
  EXPECT_EQ(reused, "r.writ:3:4");
}

TEST(Checker, ConjunctsAreTheTopLevelAndOperandsPlusNegatedUnless) {
  CheckResult result = CheckRules(
      "allow r when (tool == \"a\" and (port > 1 or bound)) unless approved;\n"
      "allow q when bound;");
  ASSERT_NE(result.policy, nullptr) << result.Errors().front();
  const auto& conjuncts = result.policy->rules[0].conjuncts;
  ASSERT_EQ(conjuncts.size(), 3u);
  EXPECT_EQ(conjuncts[0].condition, "tool == \"a\"");
  EXPECT_EQ(result.policy->FormatLocation(conjuncts[0].location), "r.writ:1:15");
  EXPECT_EQ(conjuncts[1].condition, "port > 1 or bound");
  EXPECT_EQ(result.policy->FormatLocation(conjuncts[1].location), "r.writ:1:31");
  EXPECT_EQ(conjuncts[2].condition, "not (approved)");
  EXPECT_EQ(result.policy->FormatLocation(conjuncts[2].location), "r.writ:1:59");
  ASSERT_EQ(result.policy->rules[1].conjuncts.size(), 1u);
  EXPECT_EQ(result.policy->rules[1].conjuncts[0].condition, "bound");
}

TEST(Checker, DigestCoversEveryByteButNotFileNames) {
  auto digest = [](const std::string& name, const std::string& rules) {
    CheckResult result = Check({{"s.writ", kSchema}, {name, rules}});
    EXPECT_NE(result.policy, nullptr);
    return result.policy == nullptr ? "" : result.policy->info.digest;
  };
  const std::string base = digest("r.writ", "allow r;");
  EXPECT_THAT(base, ::testing::MatchesRegex("sha256:[0-9a-f]{64}"));
  EXPECT_EQ(digest("other.writ", "allow r;"), base);
  EXPECT_NE(digest("r.writ", "allow r; "), base);
}

}  // namespace
}  // namespace writ::internal
