// Evaluation semantics (SPEC §4, §5) through the public API, for both
// evaluators: every operator of every type, Kleene logic, fail-closed
// denies, deny-overrides, defaults, obligations, missing/errors, why_not.
#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "writ/policy.h"
#include "writ/request.h"

namespace writ {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kSchema[] = R"(schema {
  b: bool;
  i: int;
  n: number;
  s: string;
  s2: string;
  d: duration;
  ip: ip;
  e: enum(low, mid, high);
  e2: enum(low, mid, high);
  tags: set<string>;
}
)";

std::shared_ptr<const Policy> MustCompile(const std::string& rules) {
  auto policy = Policy::Compile({{"schema.writ", kSchema}, {"rules.writ", rules}});
  EXPECT_TRUE(policy.ok()) << policy.status().message();
  return policy.ok() ? *policy : nullptr;
}

Explanation Explain(const Policy& policy, const std::string& json, Evaluator evaluator) {
  auto request = Request::FromJson(policy, json);
  EXPECT_TRUE(request.ok()) << request.status().message();
  Explanation explanation;
  if (!request.ok()) return explanation;
  const Decision decision = policy.Evaluate(*request, &explanation, evaluator);
  // The decision-only answer must agree with the explained one.
  EXPECT_EQ(decision.effect, explanation.decision);
  EXPECT_EQ(decision.default_applied, explanation.default_applied);
  EXPECT_EQ(policy.Evaluate(*request, nullptr, evaluator).effect, explanation.decision);
  return explanation;
}

std::vector<std::string> RuleNames(const Explanation& explanation) {
  std::vector<std::string> names;
  for (const DeterminingRule& rule : explanation.determining) names.push_back(rule.rule);
  return names;
}

class Semantics : public ::testing::TestWithParam<Evaluator> {
 protected:
  Explanation Eval(const std::string& rules, const std::string& json) {
    std::shared_ptr<const Policy> policy = MustCompile(rules);
    if (policy == nullptr) return {};
    return Explain(*policy, json, GetParam());
  }
};

// The truth of a condition, observed through a lone deny rule: it applies
// on true (determinate) and on unknown (indeterminate), not on false.
struct Truth {
  const char* condition;
  const char* request;
  char expected;  // 'T', 'F' or 'U'
};

class Operators : public ::testing::TestWithParam<std::tuple<Evaluator, Truth>> {};

TEST_P(Operators, HaveTheirSpecifiedTruthValue) {
  const auto& [evaluator, truth] = GetParam();
  std::shared_ptr<const Policy> policy =
      MustCompile(std::string("deny probe when ") + truth.condition + ";\ndefault allow;");
  ASSERT_NE(policy, nullptr);
  const Explanation explanation = Explain(*policy, truth.request, evaluator);
  char observed = 'F';
  if (explanation.decision == Effect::kDeny) {
    observed = explanation.determining.at(0).indeterminate ? 'U' : 'T';
  }
  EXPECT_EQ(observed, truth.expected) << truth.condition << " on " << truth.request;
}

const Truth kTruths[] = {
    // bool
    {"b == true", R"({"b": true})", 'T'},
    {"b == true", R"({"b": false})", 'F'},
    {"b == true", R"({})", 'U'},
    {"b == true", R"({"b": "yes"})", 'U'},
    {"b != true", R"({"b": false})", 'T'},
    {"b", R"({"b": true})", 'T'},
    {"b", R"({"b": null})", 'U'},
    // int
    {"i == 3", R"({"i": 3})", 'T'},
    {"i != 3", R"({"i": 4})", 'T'},
    {"i < 3", R"({"i": 2})", 'T'},
    {"i <= 3", R"({"i": 3})", 'T'},
    {"i > 3", R"({"i": 3})", 'F'},
    {"i >= -7", R"({"i": -7})", 'T'},
    {"i in [1, 2]", R"({"i": 2})", 'T'},
    {"i in []", R"({"i": 2})", 'F'},
    {"i not in [1]", R"({"i": 2})", 'T'},
    {"i not in []", R"({"i": 1})", 'T'},
    {"i not in [1]", R"({})", 'U'},
    {"i == 3", R"({"i": 3.0})", 'U'},
    {"i > 0", R"({"i": 9223372036854775807})", 'T'},
    // number (an int literal and a JSON integer are numbers)
    {"n >= 0.8", R"({"n": 0.8})", 'T'},
    {"n >= 0.8", R"({"n": 1})", 'T'},
    {"n < 1", R"({"n": 0.5})", 'T'},
    {"n == 1", R"({"n": 1.0})", 'T'},
    {"n in [0.5, 1]", R"({"n": 1})", 'T'},
    {"n >= -1.5e3", R"({"n": -1500})", 'T'},
    {"n > 0", R"({"n": "1"})", 'U'},
    // string
    {"s == \"a\"", R"({"s": "a"})", 'T'},
    {"s == \"a\"", R"({"s": "A"})", 'F'},
    {"s in [\"a\", \"b\"]", R"({"s": "b"})", 'T'},
    {"s not in [\"a\"]", R"({"s": "b"})", 'T'},
    {"s matches \"a.*z\"", R"({"s": "abcz"})", 'T'},
    {"s matches \"a.*z\"", R"({"s": "xabcz"})", 'F'},  // whole string
    {"s matches \"a\\\\.b\"", R"({"s": "a.b"})", 'T'},
    {"s matches \"a\\\\.b\"", R"({"s": "axb"})", 'F'},
    {"s like \"*.docs.example.com\"", R"({"s": "api.docs.example.com"})", 'T'},
    {"s like \"*.docs.example.com\"", R"({"s": "docs.example.com"})", 'F'},
    {"s like \"a?c\"", R"({"s": "a\u00e9c"})", 'T'},  // ? is one code point
    {"s like \"a?c\"", R"({"s": "ac"})", 'F'},
    {"s like \"a\\\\*\"", R"({"s": "a*"})", 'T'},
    {"s like \"a\\\\*\"", R"({"s": "ab"})", 'F'},
    {"s like \"*\"", R"({"s": ""})", 'T'},
    {"s starts_with \"ab\"", R"({"s": "abc"})", 'T'},
    {"s ends_with \"yz\"", R"({"s": "xyz"})", 'T'},
    {"s ends_with \"yz\"", R"({"s": "yzx"})", 'F'},
    {"s contains \"mid\"", R"({"s": "amidst"})", 'T'},
    {"s contains \"mid\"", R"({"s": 7})", 'U'},
    // duration
    {"d > 5m", R"({"d": 301})", 'T'},
    {"d > 5m", R"({"d": "5m"})", 'F'},
    {"d > 5m", R"({"d": "1h"})", 'T'},
    {"d > 5m", R"({"d": "1h30m"})", 'U'},
    {"d in [30s, 1m]", R"({"d": "60s"})", 'T'},
    {"d <= 1d", R"({"d": "24h"})", 'T'},
    // ip
    {"ip within [\"10.0.0.0/8\"]", R"({"ip": "10.1.2.3"})", 'T'},
    {"ip within [\"10.0.0.0/8\"]", R"({"ip": "::ffff:10.0.0.1"})", 'T'},
    {"ip within [\"10.0.0.0/8\"]", R"({"ip": "11.0.0.1"})", 'F'},
    {"ip within [\"10.0.0.0/8\"]", R"({"ip": "fe80::1%eth0"})", 'U'},
    {"ip within [\"2001:db8::/32\"]", R"({"ip": "2001:db8::1"})", 'T'},
    {"ip within [\"2001:db8::/32\"]", R"({"ip": "2001:db9::1"})", 'F'},
    {"ip within []", R"({"ip": "10.0.0.1"})", 'F'},
    {"ip == \"10.0.0.1\"", R"({"ip": "::ffff:10.0.0.1"})", 'T'},
    {"ip != \"10.0.0.1\"", R"({"ip": "10.0.0.2"})", 'T'},
    // enum: declaration order, case-sensitive members
    {"e == mid", R"({"e": "mid"})", 'T'},
    {"e <= mid", R"({"e": "low"})", 'T'},
    {"e <= mid", R"({"e": "high"})", 'F'},
    {"e > low", R"({"e": "mid"})", 'T'},
    {"e in [low, high]", R"({"e": "high"})", 'T'},
    {"e not in [low]", R"({"e": "low"})", 'F'},
    {"e == mid", R"({"e": "MID"})", 'U'},
    // set<string>
    {"tags contains \"x\"", R"({"tags": ["x", "y"]})", 'T'},
    {"tags contains \"z\"", R"({"tags": ["x", "y"]})", 'F'},
    {"tags contains_any [\"a\", \"y\"]", R"({"tags": ["x", "y"]})", 'T'},
    {"tags contains_any []", R"({"tags": ["x"]})", 'F'},
    {"tags contains_all [\"x\", \"y\"]", R"({"tags": ["y", "x"]})", 'T'},
    {"tags contains_all [\"x\", \"z\"]", R"({"tags": ["x"]})", 'F'},
    {"tags contains_all []", R"({"tags": []})", 'T'},
    {"tags contains \"x\"", R"({"tags": ["x", 1]})", 'U'},
    {"tags contains \"x\"", R"({"tags": "x"})", 'U'},
    // path == path
    {"s == s2", R"({"s": "a", "s2": "a"})", 'T'},
    {"s != s2", R"({"s": "a", "s2": "b"})", 'T'},
    {"s == s2", R"({"s": "a"})", 'U'},
    {"e == e2", R"({"e": "low", "e2": "low"})", 'T'},
    // has: never unknown; false for absent, null and wrong-typed values
    {"has s", R"({})", 'F'},
    {"has s", R"({"s": "a"})", 'T'},
    {"has s", R"({"s": null})", 'F'},
    {"has s", R"({"s": 1})", 'F'},
    // Kleene's strong logic
    {"not i == 1", R"({})", 'U'},
    {"i == 1 or true", R"({})", 'T'},
    {"true or i == 1", R"({})", 'T'},
    {"i == 1 and false", R"({})", 'F'},
    {"i == 1 or false", R"({})", 'U'},
    {"i == 1 and true", R"({})", 'U'},
    {"has i and i > 1", R"({})", 'F'},
    {"not (i == 1 and false)", R"({})", 'T'},
    {"not not b", R"({"b": true})", 'T'},
};

INSTANTIATE_TEST_SUITE_P(Semantics, Operators,
                         ::testing::Combine(::testing::Values(Evaluator::kReference,
                                                              Evaluator::kDag),
                                            ::testing::ValuesIn(kTruths)));

TEST_P(Semantics, DenyWithUnknownConditionFailsClosed) {
  const Explanation explanation =
      Eval("deny risky when n >= 0.8 because \"too risky\";\ndefault allow;", "{}");
  EXPECT_EQ(explanation.decision, Effect::kDeny);
  ASSERT_EQ(explanation.determining.size(), 1u);
  EXPECT_TRUE(explanation.determining[0].indeterminate);
  EXPECT_EQ(explanation.determining[0].reason, "too risky");
  EXPECT_EQ(explanation.determining[0].location, "rules.writ:1:1");
  EXPECT_THAT(explanation.missing, ElementsAre("n"));
}

TEST_P(Semantics, HasGuardOptsOutOfFailClosed) {
  const Explanation explanation =
      Eval("deny risky when has n and n >= 0.8;\ndefault allow;", "{}");
  EXPECT_EQ(explanation.decision, Effect::kAllow);
  EXPECT_TRUE(explanation.default_applied);
}

TEST_P(Semantics, AllowWithUnknownConditionDoesNotApply) {
  const Explanation explanation = Eval("allow r when i > 1;", "{}");
  EXPECT_EQ(explanation.decision, Effect::kDeny);
  EXPECT_TRUE(explanation.default_applied);
  EXPECT_THAT(explanation.determining, IsEmpty());
}

TEST_P(Semantics, UnknownUnlessBlocksAnAllowButTriggersADeny) {
  EXPECT_EQ(Eval("allow r when true unless b;", "{}").decision, Effect::kDeny);
  const Explanation deny = Eval("deny r when true unless b;\ndefault allow;", "{}");
  EXPECT_EQ(deny.decision, Effect::kDeny);
  EXPECT_TRUE(deny.determining.at(0).indeterminate);
  EXPECT_EQ(Eval("deny r when true unless b;\ndefault allow;", R"({"b": true})").decision,
            Effect::kAllow);
}

TEST_P(Semantics, DenyOverridesAllowAndListsOnlyDenies) {
  const Explanation explanation =
      Eval("allow a when true;\ndeny d1 when i > 1;\nallow b when true;\ndeny d2 when true;",
           R"({"i": 5})");
  EXPECT_EQ(explanation.decision, Effect::kDeny);
  EXPECT_THAT(RuleNames(explanation), ElementsAre("d1", "d2"));
  EXPECT_FALSE(explanation.determining[0].indeterminate);
  EXPECT_THAT(explanation.obligations, IsEmpty());
}

TEST_P(Semantics, AllowListsEveryApplyingAllowInSourceOrder) {
  const Explanation explanation =
      Eval("allow a when true;\ndeny d when i > 9;\nallow b when i == 1;\nallow c when false;",
           R"({"i": 1})");
  EXPECT_EQ(explanation.decision, Effect::kAllow);
  EXPECT_FALSE(explanation.default_applied);
  EXPECT_THAT(RuleNames(explanation), ElementsAre("a", "b"));
  EXPECT_EQ(explanation.determining[1].reason, std::nullopt);
}

TEST_P(Semantics, AbsentDefaultIsDeny) {
  const Explanation explanation = Eval("allow a when false;", "{}");
  EXPECT_EQ(explanation.decision, Effect::kDeny);
  EXPECT_TRUE(explanation.default_applied);
}

TEST_P(Semantics, DefaultAllowAppliesWhenNothingMatchesAndGivesNoWhyNot) {
  const Explanation explanation = Eval("allow a when false;\ndefault allow;", "{}");
  EXPECT_EQ(explanation.decision, Effect::kAllow);
  EXPECT_TRUE(explanation.default_applied);
  EXPECT_THAT(explanation.why_not, IsEmpty());
  EXPECT_THAT(explanation.obligations, IsEmpty());
}

TEST_P(Semantics, ObligationsMergeAcrossDeterminingAllows) {
  const Explanation explanation = Eval(
      "allow a when true with ttl = 5m, uses = 3, mfa = false, tier = \"gold\", cap = 2.5;\n"
      "allow b when true with ttl = 2m, uses = 7, mfa = true, tier = \"bronze\", cap = 0.5;\n"
      "allow c when true with tier = \"gold\";\n"
      "allow z when false with ttl = 1s;",
      "{}");
  ASSERT_EQ(explanation.decision, Effect::kAllow);
  ASSERT_EQ(explanation.obligations.size(), 5u);
  EXPECT_EQ(explanation.obligations[0].first, "cap");
  EXPECT_EQ(std::get<double>(explanation.obligations[0].second), 0.5);
  EXPECT_EQ(explanation.obligations[1].first, "mfa");
  EXPECT_EQ(std::get<bool>(explanation.obligations[1].second), true);
  EXPECT_EQ(explanation.obligations[2].first, "tier");
  EXPECT_THAT(std::get<std::vector<std::string>>(explanation.obligations[2].second),
              ElementsAre("bronze", "gold"));
  EXPECT_EQ(explanation.obligations[3].first, "ttl");
  EXPECT_EQ(std::get<DurationSeconds>(explanation.obligations[3].second).seconds, 120);
  EXPECT_EQ(explanation.obligations[4].first, "uses");
  EXPECT_EQ(std::get<int64_t>(explanation.obligations[4].second), 3);
  EXPECT_NE(explanation.ToJson().find(R"("obligations":{"cap":0.5,"mfa":true,)"
                                      R"("tier":["bronze","gold"],"ttl":120,"uses":3})"),
            std::string::npos)
      << explanation.ToJson();
}

// Each rule's obligations come sorted by key, but two rules' keys
// interleave: the merged record must still come out sorted.
TEST_P(Semantics, LaterRulesObligationsSortAmongEarlierOnes) {
  const Explanation explanation = Eval(
      "allow a when true with uses = 1, ttl = 1m, level = \"b\";\n"
      "allow b when true with zone = 1, cap = 2, mfa = true, level = \"a\";",
      "{}");
  ASSERT_EQ(explanation.decision, Effect::kAllow);
  std::vector<std::string> keys;
  for (const auto& [key, value] : explanation.obligations) keys.push_back(key);
  EXPECT_THAT(keys, ElementsAre("cap", "level", "mfa", "ttl", "uses", "zone"));
  EXPECT_THAT(std::get<std::vector<std::string>>(explanation.obligations[1].second),
              ElementsAre("a", "b"));
}

TEST_P(Semantics, SingleStringObligationIsStillAnArray) {
  const Explanation explanation = Eval("allow a with level = \"info\";", "{}");
  EXPECT_NE(explanation.ToJson().find(R"("obligations":{"level":["info"]})"), std::string::npos);
}

TEST_P(Semantics, MissingListsReferencedAbsentAttributesAndErrorsListWrongTyped) {
  const Explanation explanation = Eval(
      "let unused = d > 1s;\nlet via_let = has ip;\n"
      "allow a when via_let and s == \"x\" and e == low;",
      R"({"e": "top", "i": "one", "s": "x"})");
  // ip (through a let) and e? no: e is wrong-typed, so it is an error.
  EXPECT_THAT(explanation.missing, ElementsAre("ip"));
  ASSERT_EQ(explanation.errors.size(), 2u);
  EXPECT_EQ(explanation.errors[0].attribute, "e");
  EXPECT_EQ(explanation.errors[1].attribute, "i");  // listed though no rule reads it
}

TEST_P(Semantics, WhyNotRanksTheThreeClosestAllowRules) {
  const Explanation explanation = Eval(
      "allow two when i == 1 and s == \"a\" and b;\n"
      "allow one_first when i == 2 and not b;\n"
      "allow three when i == 1 and s == \"a\" and n > 1;\n"
      "deny never when false;\n"
      "allow one_second when b unless e == low;\n",
      R"({"i": 2, "s": "b", "b": true, "e": "low"})");
  ASSERT_TRUE(explanation.default_applied);
  ASSERT_EQ(explanation.why_not.size(), 3u);
  auto failed = [&](size_t index) {
    std::vector<std::string> conditions;
    for (const FailedCondition& condition : explanation.why_not[index].failed) {
      conditions.push_back(condition.condition + " @" + condition.location);
    }
    return conditions;
  };
  EXPECT_EQ(explanation.why_not[0].rule, "one_first");
  EXPECT_THAT(failed(0), ElementsAre("not b @rules.writ:2:33"));
  EXPECT_EQ(explanation.why_not[1].rule, "one_second");
  EXPECT_THAT(failed(1), ElementsAre("not (e == low) @rules.writ:5:32"));
  EXPECT_EQ(explanation.why_not[2].rule, "two");
  EXPECT_THAT(failed(2), ElementsAre("i == 1 @rules.writ:1:16", "s == \"a\" @rules.writ:1:27"));
}

// Ranking keeps the closest three as it goes and stops counting a rule's
// failures at the third's count: a later rule must have strictly fewer
// failures to displace one, and once three rules fail one conjunct each no
// later rule is a candidate.
TEST_P(Semantics, WhyNotLaterRuleDisplacesOnlyWithFewerFailures) {
  const std::string closer_later =
      "allow two_a when i == 1 and s == \"a\";\n"
      "allow two_b when i == 1 and s == \"a\" and b;\n"
      "allow three when i == 1 and s == \"a\" and not b;\n"
      "allow one_a when i == 1 and b;\n"
      "allow two_c when i == 1 and s == \"a\";\n";
  const std::string json = R"({"i": 2, "s": "b", "b": true})";
  auto names = [](const Explanation& explanation) {
    std::vector<std::string> rules;
    for (const WhyNot& why_not : explanation.why_not) rules.push_back(why_not.rule);
    return rules;
  };
  EXPECT_THAT(names(Eval(closer_later, json)), ElementsAre("one_a", "two_a", "two_b"));
  const std::string three_ones = closer_later +
                                 "allow one_b when s == \"a\";\n"
                                 "allow one_c when i == 1;\n"
                                 "allow one_d when s == \"a\" and b;\n";
  const Explanation explanation = Eval(three_ones, json);
  EXPECT_THAT(names(explanation), ElementsAre("one_a", "one_b", "one_c"));
  ASSERT_EQ(explanation.why_not.size(), 3u);
  EXPECT_EQ(explanation.why_not[2].failed.size(), 1u);
}

TEST_P(Semantics, WhyNotIsEmptyUnlessTheDefaultDenied) {
  EXPECT_THAT(Eval("allow a when i == 1;\ndeny d when true;", R"({"i": 2})").why_not, IsEmpty());
  EXPECT_THAT(Eval("allow a when i == 1;", R"({"i": 2})").why_not, ::testing::SizeIs(1));
}

TEST_P(Semantics, WhyNotKeepsALetAsOneConjunctAtItsReference) {
  const Explanation explanation =
      Eval("let big = i > 10 and i < 20;\nallow a when big and b;", R"({"i": 2, "b": true})");
  ASSERT_EQ(explanation.why_not.size(), 1u);
  ASSERT_EQ(explanation.why_not[0].failed.size(), 1u);
  EXPECT_EQ(explanation.why_not[0].failed[0].condition, "big");
  EXPECT_EQ(explanation.why_not[0].failed[0].location, "rules.writ:2:14");
}

TEST_P(Semantics, RecordCarriesThePolicyIdentity) {
  auto policy = Policy::Compile({{"p.writ", std::string("policy \"gw\" version \"7\";") + kSchema}});
  ASSERT_TRUE(policy.ok()) << policy.status().message();
  const Explanation explanation = Explain(**policy, "{}", GetParam());
  EXPECT_EQ(explanation.policy.name, "gw");
  EXPECT_EQ(explanation.policy.version, "7");
  EXPECT_EQ(explanation.policy.digest, (*policy)->info().digest);
  const Explanation anonymous = Eval("allow a;", "{}");
  EXPECT_EQ(anonymous.policy.name, std::nullopt);
  EXPECT_NE(anonymous.ToJson().find(R"("policy":{"name":null,"version":null,"digest":"sha256:)"),
            std::string::npos);
}

// `let l0 = b;` and `let lK = (lK-1 and i > K) or (lK-1 and i < K);` up to
// l(lets-1), then `allow a when` the last: each let names the one before
// twice, so evaluating lets as trees costs 2^lets. The last let is true
// when b is and i is none of 1 ... lets-1.
std::string LetChain(int lets) {
  std::string rules = "let l0 = b;\n";
  for (int k = 1; k < lets; ++k) {
    rules += "let l" + std::to_string(k) + " = (l" + std::to_string(k - 1) + " and i > " +
             std::to_string(k) + ") or (l" + std::to_string(k - 1) + " and i < " +
             std::to_string(k) + ");\n";
  }
  return rules + "allow a when l" + std::to_string(lets - 1) + ";\n";
}

TEST_P(Semantics, ALetChainReusedTwiceAtEachStepIsEvaluatedOncePerLet) {
  const std::string rules = LetChain(60);
  EXPECT_THAT(RuleNames(Eval(rules, R"({"b": true, "i": 0})")), ElementsAre("a"));
  EXPECT_THAT(RuleNames(Eval(rules, R"({"b": true, "i": 60})")), ElementsAre("a"));
  EXPECT_TRUE(Eval(rules, R"({"b": true, "i": 30})").default_applied);
  EXPECT_TRUE(Eval(rules, R"({"b": false, "i": 0})").default_applied);
  // Attributes read only through lets are missing all the same (SPEC §5).
  EXPECT_THAT(Eval(rules, R"({"b": true})").missing, ElementsAre("i"));
  EXPECT_THAT(Eval(rules, "{}").missing, ElementsAre("b", "i"));
}

TEST(ReferenceAndDag, AgreeOnALetChainOverRandomRequests) {
  std::shared_ptr<const Policy> policy = MustCompile(LetChain(60) + "deny d when l30 and i > 61;\n");
  ASSERT_NE(policy, nullptr);
  std::mt19937 random(20261203);
  const std::vector<std::string> bs = {"", R"("b": true, )", R"("b": false, )", R"("b": "x", )"};
  for (int n = 0; n < 300; ++n) {
    const int i = static_cast<int>(random() % 70) - 3;
    std::string json = "{" + bs[random() % bs.size()];
    json += random() % 8 == 0 ? R"("s": "")" : R"("i": )" + std::to_string(i);
    json += "}";
    EXPECT_EQ(Explain(*policy, json, Evaluator::kReference).ToJson(),
              Explain(*policy, json, Evaluator::kDag).ToJson())
        << json;
  }
}

INSTANTIATE_TEST_SUITE_P(BothEvaluators, Semantics,
                         ::testing::Values(Evaluator::kReference, Evaluator::kDag),
                         [](const auto& test_info) {
                           return test_info.param == Evaluator::kDag ? "Dag" : "Reference";
                         });

}  // namespace
}  // namespace writ
