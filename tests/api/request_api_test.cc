// Building requests through resolved attribute handles instead of JSON.
#include <limits>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "writ/policy.h"
#include "writ/request.h"

namespace writ {
namespace {

using ::testing::ElementsAre;

std::shared_ptr<const Policy> Compile() {
  auto policy = Policy::Compile({{"p.writ", R"(
schema {
  tool: string;
  depth: int;
  risk: number;
  age: duration;
  ip: ip;
  level: enum(low, high);
  tags: set<string>;
  approved: bool;
}
allow ok when tool == "search" and depth <= 2 and risk < 0.5 and age < 5m
  and ip within ["10.0.0.0/8"] and level == low and tags contains "a" and approved;
)"}});
  EXPECT_TRUE(policy.ok()) << policy.status().message();
  return *policy;
}

TEST(RequestApi, HandlesResolveOnceAndSettersFillTypedSlots) {
  std::shared_ptr<const Policy> policy = Compile();
  auto handle = [&](const char* path) {
    std::optional<AttributeHandle> found = policy->FindAttribute(path);
    EXPECT_TRUE(found.has_value()) << path;
    return found.value_or(AttributeHandle{});
  };
  EXPECT_FALSE(policy->FindAttribute("nope").has_value());
  Request request(*policy);
  request.SetString(handle("tool"), "search");
  request.SetInt(handle("depth"), 1);
  request.SetNumber(handle("risk"), 0.25);
  request.SetDurationSeconds(handle("age"), 60);
  request.SetIp(handle("ip"), "10.1.1.1");
  request.SetEnum(handle("level"), "low");
  request.SetStringSet(handle("tags"), {"a", "b"});
  request.SetBool(handle("approved"), true);
  EXPECT_EQ(policy->Evaluate(request).effect, Effect::kAllow);

  // Reuse: clearing one attribute makes the allow's condition unknown.
  request.Clear(handle("approved"));
  Explanation explanation;
  EXPECT_EQ(policy->Evaluate(request, &explanation).effect, Effect::kDeny);
  EXPECT_THAT(explanation.missing, ElementsAre("approved"));

  request.ClearAll();
  policy->Evaluate(request, &explanation);
  EXPECT_EQ(explanation.missing.size(), 8u);
}

// A default handle is what `FindAttribute(misspelt).value_or({})` gives. It
// must set nothing: as slot 0 it set the schema's first attribute, here the
// one the allow reads, and a typo in an attribute name became an allow.
TEST(RequestApi, ADefaultHandleSetsNothing) {
  auto policy = Policy::Compile({{"p.writ", R"(
schema { user.role: string; tool: string; }
allow search when tool == "search";
)"}});
  ASSERT_TRUE(policy.ok()) << policy.status().message();
  Request request(**policy);
  request.SetString(AttributeHandle{}, "search");
  request.SetInt(AttributeHandle{}, 1);
  Explanation explanation;
  EXPECT_EQ((*policy)->Evaluate(request, &explanation).effect, Effect::kDeny);
  EXPECT_THAT(explanation.missing, ElementsAre("tool"));
  EXPECT_TRUE(explanation.errors.empty());
}

TEST(RequestApi, SetterWithAValueOfTheWrongTypeRecordsAnError) {
  std::shared_ptr<const Policy> policy = Compile();
  Request request(*policy);
  request.SetEnum(*policy->FindAttribute("level"), "medium");
  request.SetIp(*policy->FindAttribute("ip"), "10.0.0.1%eth0");
  Explanation explanation;
  policy->Evaluate(request, &explanation);
  ASSERT_EQ(explanation.errors.size(), 2u);
  EXPECT_EQ(explanation.errors[0].attribute, "ip");
  EXPECT_EQ(explanation.errors[1].attribute, "level");
}

// JSON cannot give a number NaN or an infinity (a number beyond a double's
// range is an input error), so a setter must not either: NaN satisfies no
// compare, so a NaN risk score from a broken model would slip past every
// `deny ... when risk >= ...` guardrail and let an allow decide.
TEST(RequestApi, ANonFiniteNumberIsUnknownNotPresent) {
  auto policy = Policy::Compile({{"p.writ", R"(
schema { tool: string; risk: number; }
deny risky when risk >= 0.9;
allow search when tool == "search";
)"}});
  ASSERT_TRUE(policy.ok()) << policy.status().message();
  const AttributeHandle tool = *(*policy)->FindAttribute("tool");
  const AttributeHandle risk = *(*policy)->FindAttribute("risk");
  for (const double value : {std::numeric_limits<double>::quiet_NaN(),
                             std::numeric_limits<double>::infinity(),
                             -std::numeric_limits<double>::infinity()}) {
    Request request(**policy);
    request.SetString(tool, "search");
    request.SetNumber(risk, value);
    Explanation explanation;
    EXPECT_EQ((*policy)->Evaluate(request, &explanation).effect, Effect::kDeny) << value;
    EXPECT_EQ((*policy)->Evaluate(request, nullptr, Evaluator::kReference).effect, Effect::kDeny)
        << value;
    ASSERT_EQ(explanation.errors.size(), 1u) << value;
    EXPECT_EQ(explanation.errors[0].attribute, "risk");
    EXPECT_EQ(explanation.errors[0].message, "expected number, got a non-finite number");
  }
}

// SPEC §6: `{"destination": 5}` under a schema with destination.* gives
// those attributes a value of the wrong type. Each is listed in `errors`
// (sorted, read by a rule or not) and not in `missing`, `has` is false for
// it, and both evaluators say so alike.
TEST(RequestApi, AScalarWhereAnObjectIsExpectedListsEveryAttributeUnderItInErrors) {
  auto policy = Policy::Compile({{"p.writ", R"(
schema { tool: string; destination.port: int; destination.host: string; session.id: string; }
allow read when tool == "search" and not has destination.host;
deny far when destination.port != 443;
)"}});
  ASSERT_TRUE(policy.ok()) << policy.status().message();
  absl::StatusOr<Request> request =
      Request::FromJson(**policy, R"({"tool": "search", "destination": "a.example.com"})");
  ASSERT_TRUE(request.ok()) << request.status();
  for (const Evaluator evaluator : {Evaluator::kDag, Evaluator::kReference}) {
    Explanation explanation;
    const Decision decision = (*policy)->Evaluate(*request, &explanation, evaluator);
    EXPECT_EQ(decision.effect, Effect::kDeny);  // `far` cannot be decided
    ASSERT_EQ(explanation.determining.size(), 1u);
    EXPECT_TRUE(explanation.determining[0].indeterminate);
    ASSERT_EQ(explanation.errors.size(), 2u);
    EXPECT_EQ(explanation.errors[0].attribute, "destination.host");
    EXPECT_EQ(explanation.errors[1].attribute, "destination.port");
    EXPECT_EQ(explanation.errors[0].message, "expected an object for 'destination', got string");
    EXPECT_TRUE(explanation.missing.empty());
  }
}

TEST(RequestApi, RequestForAnotherPolicyFailsClosed) {
  std::shared_ptr<const Policy> first = Compile();
  std::shared_ptr<const Policy> second = Compile();
  // A request its own policy allows: the other one must deny it, with or
  // without an explanation, and not as its default.
  auto request = Request::FromJson(*first, R"({"tool": "search", "depth": 1, "risk": 0.25,
      "age": "1m", "ip": "10.1.1.1", "level": "low", "tags": ["a"], "approved": true})");
  ASSERT_TRUE(request.ok()) << request.status().message();
  ASSERT_EQ(first->Evaluate(*request).effect, Effect::kAllow);
  const Decision decision = second->Evaluate(*request);
  EXPECT_EQ(decision.effect, Effect::kDeny);
  EXPECT_FALSE(decision.default_applied);
  Explanation explanation;
  explanation.determining.emplace_back();  // a reused record is reset
  EXPECT_EQ(second->Evaluate(*request, &explanation).effect, Effect::kDeny);
  EXPECT_TRUE(explanation.determining.empty());
  ASSERT_EQ(explanation.errors.size(), 1u);
  EXPECT_THAT(explanation.errors[0].message, ::testing::HasSubstr("different policy's schema"));
  std::vector<uint32_t> rule_ids = {3};
  EXPECT_EQ(second->EvaluateRuleIds(*request, &rule_ids).effect, Effect::kDeny);
  EXPECT_TRUE(rule_ids.empty());
}

// A moved-from Request holds no schema. Every call must still be safe:
// reading JSON into it is refused (not a null dereference), setters do
// nothing, and a policy denies it as a request of no schema of its own.
TEST(RequestApi, AMovedFromRequestIsRefusedNotDereferenced) {
  std::shared_ptr<const Policy> policy = Compile();
  Request request(*policy);
  Request taken(std::move(request));
  const absl::Status read = request.ReadJson(R"({"tool": "search"})");
  EXPECT_EQ(read.code(), absl::StatusCode::kFailedPrecondition) << read;
  request.SetString(*policy->FindAttribute("tool"), "search");
  request.ClearAll();
  EXPECT_EQ(policy->Evaluate(request).effect, Effect::kDeny);
  // Assigning to it makes it usable again.
  request = Request(*policy);
  EXPECT_TRUE(request.ReadJson(R"({"tool": "search"})").ok());
}

TEST(RequestApi, CompileErrorsComeBackAsStatusAndDiagnostics) {
  std::vector<Diagnostic> diagnostics;
  auto policy = Policy::Compile({{"a.writ", "schema { x: int; }"}, {"b.writ", "allow r when y;"}},
                                {}, &diagnostics);
  ASSERT_FALSE(policy.ok());
  EXPECT_EQ(policy.status().code(), absl::StatusCode::kInvalidArgument);
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_EQ(diagnostics[0].file, "b.writ");
  EXPECT_EQ(diagnostics[0].line, 1);
  EXPECT_EQ(diagnostics[0].column, 14);
  EXPECT_EQ(std::string(policy.status().message()), diagnostics[0].Format());
}

TEST(RequestApi, MissingFileIsNotFound) {
  auto policy = Policy::CompileFiles({"/nonexistent/writ/policy.writ"});
  ASSERT_FALSE(policy.ok());
  EXPECT_EQ(policy.status().code(), absl::StatusCode::kNotFound);
}

TEST(RequestApi, OversizedSourcesAreRejectedUpFront) {
  CompileOptions options;
  options.max_source_bytes = 10;
  auto policy = Policy::Compile({{"a.writ", "schema { x: int; }"}}, options);
  ASSERT_FALSE(policy.ok());
  EXPECT_THAT(std::string(policy.status().message()), ::testing::HasSubstr("over the limit"));
}

}  // namespace
}  // namespace writ
