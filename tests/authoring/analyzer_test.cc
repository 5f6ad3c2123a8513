// Static analysis (src/analyze/): each check with cases that must warn and
// cases that must not, Kleene semantics included.
#include "src/analyze/analyzer.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "src/analyze/satisfiability.h"
#include "writ/policy.h"

namespace writ::internal {
namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

constexpr char kSchema[] = R"(
schema {
  tool: string;
  host: string;
  risk: number;
  n: int;
  age: duration;
  class: enum(public, internal, secret);
  ip: ip;
  signals: set<string>;
  approved: bool;
  audience: string;
}
)";

// The codes of the diagnostics the analysis reports on kSchema + `body`.
std::vector<std::string> CodesFor(const std::string& body, bool notes = false) {
  std::vector<Diagnostic> diagnostics;
  const std::string text = kSchema + body;
  absl::StatusOr<std::shared_ptr<const Policy>> policy =
      Policy::Compile({{"test.writ", text}}, {}, &diagnostics);
  EXPECT_TRUE(policy.ok()) << policy.status().message();
  if (!policy.ok()) return {"compile error"};
  AnalyzeOptions options;
  options.notes = notes;
  std::vector<std::string> codes;
  for (const Diagnostic& diagnostic : AnalyzePolicy((*policy)->checked(), {text}, options)) {
    codes.push_back(diagnostic.code);
  }
  return codes;
}

struct AnalysisCase {
  const char* name;
  const char* body;
  std::vector<std::string> codes;
};

class Analysis : public ::testing::TestWithParam<AnalysisCase> {};

TEST_P(Analysis, ReportsExactlyTheExpectedCodes) {
  EXPECT_THAT(CodesFor(GetParam().body), ElementsAreArray(GetParam().codes))
      << GetParam().body;
}

const AnalysisCase kCases[] = {
    // W001: contradictions over one attribute.
    {"TwoStringEqualities", R"(allow a when tool == "a" and tool == "b";)", {"W001"}},
    {"NumberRangeEmpty", "allow a when risk > 0.9 and risk < 0.1;", {"W001"}},
    {"NumberRangeTinyButNotEmpty", "allow a when risk > 0.3 and risk < 0.30000001;", {}},
    {"StrictNumberBoundsMeet", "allow a when risk > 0.5 and risk <= 0.5;", {"W001"}},
    {"IntGapWithoutIntegers", "allow a when n > 3 and n < 4;", {"W001"}},
    {"IntGapWithOneInteger", "allow a when n > 3 and n < 5;", {}},
    {"EnumBelowFirstMember", "allow a when class < public;", {"W001"}},
    {"EnumAtOrBelowFirstMember", "allow a when class <= public;", {}},
    {"DurationRange", "allow a when age >= 1h and age < 60m;", {"W001"}},
    {"InAndNotInCovering", R"(allow a when tool in ["a", "b"] and tool not in ["b", "a"];)",
     {"W001"}},
    {"InAndNotInPartly", R"(allow a when tool in ["a", "b"] and tool not in ["a"];)", {}},
    {"EnumInCoveredByOrder", "allow a when class in [public] and class > internal;", {"W001"}},
    {"CidrOutsideContainingCidr",
     R"(allow a when ip within ["10.1.0.0/16"] and not (ip within ["10.0.0.0/8"]);)",
     {"W001"}},
    {"CidrPartlyOutside",
     R"(allow a when ip within ["10.0.0.0/8"] and not (ip within ["10.1.0.0/16"]);)", {}},
    {"Ipv4AddressNotInIpv6Cidr", R"(allow a when ip == "10.0.0.1" and ip within ["fd00::/8"];)",
     {"W001"}},
    {"GlobCannotMatchPinnedValue", R"(allow a when host like "*.example.com" and host == "x.org";)",
     {"W001"}},
    {"RegexCannotMatchPinnedValues",
     R"(allow a when tool in ["a", "b"] and tool matches "[c-z]+";)", {"W001"}},
    {"RegexMatchesOnePinnedValue", R"(allow a when tool in ["a", "x"] and tool matches "[c-z]+";)",
     {}},
    {"IncompatiblePrefixes", R"(allow a when host starts_with "api." and host starts_with "www.";)",
     {"W001"}},
    {"CompatibleGlobs", R"(allow a when host like "b.*" and host like "*.a";)", {}},
    {"NegatedSubstringOfPrefix",
     R"(allow a when host starts_with "api.corp" and not (host contains "corp");)", {"W001"}},
    {"SetContainsButNoneOf",
     R"(allow a when signals contains "x" and not (signals contains_any ["x", "y"]);)", {"W001"}},
    {"SetContainsAnyEmpty", "allow a when signals contains_any [];", {"W001"}},
    {"HasAndNotHas", "allow a when has risk and not has risk;", {"W001"}},
    {"ValueNeedsPresence", "allow a when not has risk and risk > 0.5;", {"W001"}},
    {"PathEqualAndNotEqual", "allow a when tool == host and host != tool;", {"W001"}},
    {"WhenContradictsUnless", "allow a when n > 3 unless n > 2;", {"W001"}},
    {"OnlyOneBranchOfOrFails", "allow a when (n > 3 or n < 0) and n < 2;", {}},
    {"EveryBranchOfOrFails", "allow a when (n > 3 or n == 2) and n < 2;", {"W001"}},
    {"UnsatisfiableLetAndItsUser", "let never = n > 5 and n < 3;\nallow a when never;",
     {"W001", "W001"}},
    {"UnsatisfiableDenyStillWarns", "deny d when n > 5 and n < 3;", {"W001"}},
    // W002: shadowing must hold for every request, unknowns included.
    {"DenyImpliedByAllow", R"(allow a when tool == "shell" and n > 3; deny d when tool == "shell";)",
     {"W002"}},
    {"DenyCoveringRangeShadows", "allow a when n > 3 and n < 5; deny d when n != 1;", {"W002"}},
    {"DenyNeedingMoreDoesNotShadow",
     R"(allow a when tool == "shell"; deny d when tool == "shell" and n > 3;)", {}},
    {"GuardedDenyDoesNotShadow", "allow a when approved; deny d when has risk and risk > 0.5;",
     {}},
    {"UnguardedDenyOnUnreadAttributeDoesNotShadow",
     // With `risk` present and low the deny is false: the allow decides.
     "allow a when approved; deny d when risk > 0.5;", {}},
    {"DenyUnlessShadows", "allow a when n > 3 and approved; deny d when n > 0 unless not approved;",
     {"W002"}},
    // W003: a deny that no request escapes.
    {"DenyOnHasOrNotHas", "deny d when has risk or not has risk;", {"W003"}},
    {"DenyWithoutCondition", "deny d;", {"W003"}},
    // Unknown when `n` is missing, true otherwise: a deny applies either way.
    {"DenyOnTautologyOverValues", "deny d when n > 1 or n <= 1;", {"W003"}},
    {"GuardedTautologyIsFalseWithoutTheAttribute", "deny d when has n and (n > 1 or n <= 1);",
     {}},
    // W004: duplicates, spacing and conjunct order aside.
    {"DuplicateRule", R"(allow a when tool == "x" and n > 1; allow b when n>1 and tool=="x";)",
     {"W004"}},
    {"SameConditionOtherEffect", R"(allow a when tool == "x"; deny b when tool == "x";)",
     {"W002"}},
    {"DifferentUnlessIsNoDuplicate",
     R"(allow a when tool == "x"; allow b when tool == "x" unless approved;)", {}},
    // W005: unused lets, also when only an unused let uses them.
    {"UnusedLet", R"(let x = tool == "a"; allow a when n > 1;)", {"W005"}},
    {"LetUsedOnlyByUnusedLet", R"(let x = tool == "a"; let y = x; allow a when n > 1;)",
     {"W005", "W005"}},
    {"LetUsedThroughLet", R"(let x = tool == "a"; let y = x; allow a when y;)", {}},
    // W006: obligations only come with allow decisions.
    {"DenyWithObligations", "deny d when has n and n > 1 with max_uses = 1;", {"W006"}},
    {"AllowWithObligations", "allow a when n > 1 with max_uses = 1;", {}},
};

INSTANTIATE_TEST_SUITE_P(Checks, Analysis, ::testing::ValuesIn(kCases),
                         [](const auto& test_info) { return std::string(test_info.param.name); });

// `let l0 = approved;` and `let lI = (lI-1 and n > I) or (lI-1 and n < I);`
// up to l(k-1): each let names the one before twice, so expanding lets as
// trees costs 2^k.
std::string LetChain(int k) {
  std::string body = "let l0 = approved;\n";
  for (int i = 1; i < k; ++i) {
    body += absl::StrCat("let l", i, " = (l", i - 1, " and n > ", i, ") or (l", i - 1,
                         " and n < ", i, ");\n");
  }
  return body;
}

std::shared_ptr<const Policy> MustCompile(const std::string& text) {
  absl::StatusOr<std::shared_ptr<const Policy>> policy = Policy::Compile({{"test.writ", text}});
  EXPECT_TRUE(policy.ok()) << policy.status().message();
  return policy.ok() ? *policy : nullptr;
}

TEST(Analyzer, ALetChainReusedTwiceAtEachStepIsAnalysedInPolynomialTime) {
  constexpr int kLets = 60;
  const std::string body = LetChain(kLets) + "allow a when l59;\ndeny d when l59 and n > 100;\n";
  // No warning is invented by sharing: the deny reads n without a guard
  // (N001), and every ninth let, past the term cap, is noted as not checked.
  const std::vector<std::string> codes = CodesFor(body, /*notes=*/true);
  EXPECT_EQ(std::count(codes.begin(), codes.end(), "N001"), 1);
  EXPECT_THAT(codes, ::testing::Each(::testing::AnyOf("N001", "N002")));
  const std::shared_ptr<const Policy> policy = MustCompile(kSchema + body);
  ASSERT_NE(policy, nullptr);
  NormalForms forms(policy->checked());
  for (const CheckedRule& rule : policy->checked().rules) {
    forms.OfRule(rule, false);
    forms.OfRule(rule, true);
  }
  // Each let's body once per polarity, where trees would take 2^60.
  EXPECT_EQ(forms.let_expansions(), 2u * kLets);
}

TEST(Analyzer, ALetChainDoublingItsConjunctionStaysWithinTheLiteralCap) {
  // l59's one term would have 2^59 literals: the form is capped instead.
  std::string body = "let l0 = approved and n > 1;\n";
  for (int i = 1; i < 60; ++i) body += absl::StrCat("let l", i, " = l", i - 1, " and l", i - 1, ";\n");
  // Past the cap, the lets and the rule are not checked, and the notes say so.
  const std::vector<std::string> codes = CodesFor(body + "allow a when l59;");
  EXPECT_THAT(codes, ::testing::Each("N002"));
  EXPECT_FALSE(codes.empty());
}

// Two conditions of half a million operands: past the literal cap one is
// not checked (N002); the other's contradiction, within the cap, is found.
TEST(Analyzer, AConjunctionOfHalfAMillionOperandsIsAnalysedInLinearTime) {
  std::string condition = "approved";
  for (int i = 1; i < 500000; ++i) condition += " and approved";
  const std::string body = absl::StrCat("allow a when ", condition,
                                        ";\nallow b when n > 1 and n < 0 and ", condition, ";\n");
  EXPECT_THAT(CodesFor(body), ElementsAreArray({"N002", "W001"}));
}

// A contradiction that needs every test on an attribute names the first
// eight and counts the rest, rather than quoting thousands.
TEST(Analyzer, AContradictionOfManyAtomsNamesEightAndCountsTheRest) {
  std::string condition = "n > 0 and n < 21";
  for (int i = 1; i <= 20; ++i) absl::StrAppend(&condition, " and n != ", i);
  const std::string text = absl::StrCat(kSchema, "allow a when ", condition, ";\n");
  const std::shared_ptr<const Policy> policy = MustCompile(text);
  const std::vector<Diagnostic> diagnostics = AnalyzePolicy(policy->checked(), {text}, {});
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_EQ(diagnostics[0].code, "W001");
  EXPECT_THAT(diagnostics[0].message,
              HasSubstr("('n > 0', 'n < 21', 'n != 1', 'n != 2', 'n != 3', 'n != 4', 'n != 5', "
                        "'n != 6', and 14 more cannot all be true)"));
}

// Nine two-way choices make 512 terms, past the term cap: the form is
// weakened (dropping `n > 1`), so the contradiction with `n < 0` is not
// found. That is a skipped check and a note must say so; with eight
// choices (256 terms) it is found.
TEST(Analyzer, AFormWeakenedAtTheTermCapIsNotedAsSkipped) {
  auto never_true = [](int choices) {
    std::string condition = "n > 1";
    for (int i = 0; i < choices; ++i) {
      absl::StrAppend(&condition, " and (tool == \"t", i, "\" or host == \"h", i, "\")");
    }
    return absl::StrCat("allow a when ", condition, " and n < 0;\n");
  };
  EXPECT_THAT(CodesFor(never_true(8)), ElementsAreArray({"W001"}));
  EXPECT_THAT(CodesFor(never_true(9)), ElementsAreArray({"N002"}));
}

// A let past the budget is noted once: the lets built on it, whose own
// connectives stay within it, are not noted again (they were, once each).
// The rule naming them is: its own check was skipped.
TEST(Analyzer, ALetOverBudgetIsNotedOnceNotAgainForEachLetBuiltOnIt) {
  std::string big = "approved";
  for (int i = 0; i < 9; ++i) {
    absl::StrAppend(&big, " and (tool == \"t", i, "\" or host == \"h", i, "\")");
  }
  const std::string text = absl::StrCat(kSchema, "let big = ", big,
                                        ";\nlet l1 = big and n > 1;\nlet l2 = l1 or n < 0;\n"
                                        "let l3 = l2 and l1;\nallow a when l3;\n");
  const std::shared_ptr<const Policy> policy = MustCompile(text);
  ASSERT_NE(policy, nullptr);
  std::vector<std::string> noted;
  for (const Diagnostic& diagnostic : AnalyzePolicy(policy->checked(), {text}, {})) {
    EXPECT_EQ(diagnostic.code, "N002") << diagnostic.message;
    noted.push_back(diagnostic.message.substr(0, diagnostic.message.find(':')));
  }
  EXPECT_THAT(noted, ElementsAreArray({"W001 (never true) was not checked for let 'big'",
                                       "W001 (never true) was not checked for allow rule 'a'"}));
}

// A let's form is copied into every condition that names it: a let of
// 4,000 tests named by 1,100 rules copies 4.4 million literals (4,000 by
// 8,000 lets: 412 MB). Past the budget the lets are not expanded and one
// note counts the checks that skipped; a rule's own contradiction is still
// found, with the let taken as possibly true.
TEST(Analyzer, LetsNamedByThousandsOfConditionsAreExpandedWithinABudget) {
  std::string wide = "approved";
  for (int i = 1; i < 4000; ++i) wide += " and approved";
  std::string body = absl::StrCat("let wide = ", wide, ";\n");
  for (int i = 0; i < 1100; ++i) absl::StrAppend(&body, "allow a", i, " when wide and n == ", i, ";\n");
  body += "allow never when wide and n > 1 and n < 0;\n";
  const std::string text = kSchema + body;
  const std::shared_ptr<const Policy> policy = MustCompile(text);
  ASSERT_NE(policy, nullptr);
  const std::vector<Diagnostic> found = AnalyzePolicy(policy->checked(), {text}, {});
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].code, "N002");
  EXPECT_THAT(found[0].message,
              ::testing::StartsWith("W001 (never true) was not checked for allow rule 'a1048' "
                                    "and 1151 later checks: the lets named by conditions"));
  EXPECT_EQ(found[1].code, "W001");
  EXPECT_THAT(found[1].message, HasSubstr("allow rule 'never' never applies"));
}

TEST(Analyzer, NinetyThousandDuplicateRulesEachGetTheirWarningInLinearTime) {
  std::string body;
  for (int i = 0; i < 90000; ++i) body += absl::StrCat("allow a", i, " when approved;\n");
  const std::vector<std::string> codes = CodesFor(body);
  EXPECT_EQ(codes.size(), 89999u);
  EXPECT_THAT(codes, ::testing::Each("W004"));
}

TEST(Analyzer, ShadowingPastItsWorkBudgetIsSkippedWithANote) {
  // Every allow against every deny (they all read n), none shadowed: past
  // the budget the check stops and says for which allow rules.
  std::string body;
  for (int i = 0; i < 3000; ++i) {
    body += absl::StrCat("allow a", i, " when n == ", i, ";\ndeny d", i, " when n == ", -1 - i,
                         ";\n");
  }
  const std::string text = kSchema + body;
  const std::shared_ptr<const Policy> policy = MustCompile(text);
  ASSERT_NE(policy, nullptr);
  const std::vector<Diagnostic> found = AnalyzePolicy(policy->checked(), {text}, {});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].code, "N002");
  EXPECT_THAT(found[0].message, ::testing::HasSubstr("later ones"));
  EXPECT_EQ(found[0].severity, Severity::kNote);
}

TEST(Analyzer, ShadowingIsFoundAmongDeniesOnOtherAttributes) {
  // The deny that shadows reads n among many that read other attributes.
  std::string body = "allow a when n > 3 and tool == \"x\";\n";
  for (int i = 0; i < 50; ++i) body += absl::StrCat("deny d", i, " when host == \"h", i, "\";\n");
  body += "deny last when n > 1;\n";
  EXPECT_THAT(CodesFor(body), ElementsAreArray({"W002"}));
}

TEST(UnguardedDenyNotes, AreReportedOnlyWhenAskedFor) {
  const std::string body = "deny d when risk > 0.5;\ndeny e when has n and n > 1;";
  EXPECT_THAT(CodesFor(body, /*notes=*/false), ::testing::IsEmpty());
  EXPECT_THAT(CodesFor(body, /*notes=*/true), ElementsAreArray({"N001"}));
}

TEST(ShadowingDiagnostic, CarriesANotePointingAtTheDeny) {
  const std::string text = std::string(kSchema) +
                           "allow a when tool == \"shell\";\ndeny d when has tool;\n";
  absl::StatusOr<std::shared_ptr<const Policy>> policy =
      Policy::Compile({{"test.writ", text}});
  ASSERT_TRUE(policy.ok());
  const std::vector<Diagnostic> found = AnalyzePolicy((*policy)->checked(), {text}, {});
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].Format(),
            "test.writ:14:1: warning: allow rule 'a' can never be determining: deny rule 'd' "
            "applies whenever it does [W002]\n"
            "allow a when tool == \"shell\";\n"
            "^~~~~~~\n"
            "test.writ:15:1: note: deny rule 'd' is here\n"
            "deny d when has tool;\n"
            "^~~~~~\n");
}

}  // namespace
}  // namespace writ::internal
