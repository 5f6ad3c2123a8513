#include "writ/engine.h"

#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/engine/test_support.h"

namespace writ {
namespace {

using testing::HasSubstr;
using engine_testing::AllButSearch;
using engine_testing::Broken;
using engine_testing::SearchOnly;

std::unique_ptr<Engine> MakeEngine(std::vector<SourceFile> sources,
                                   EngineOptions options = {}) {
  absl::StatusOr<std::unique_ptr<Engine>> engine =
      Engine::Create(std::move(sources), std::move(options));
  EXPECT_TRUE(engine.ok()) << engine.status();
  return *std::move(engine);
}

TEST(EngineTest, DecidesJsonRequestsWithTheLivePolicy) {
  std::unique_ptr<Engine> engine = MakeEngine(SearchOnly());
  absl::StatusOr<EngineDecision> allowed = engine->EvaluateJson(R"({"tool": "search"})");
  absl::StatusOr<EngineDecision> denied = engine->EvaluateJson(R"({"tool": "shell"})");
  ASSERT_TRUE(allowed.ok() && denied.ok());
  EXPECT_EQ(allowed->decision.effect, Effect::kAllow);
  EXPECT_EQ(denied->decision.effect, Effect::kDeny);
  EXPECT_TRUE(denied->decision.default_applied);
  EXPECT_EQ(engine->stats().decisions, 2u);
}

TEST(EngineTest, EveryDecisionCarriesTheDigestOfItsPolicy) {
  std::unique_ptr<Engine> engine = MakeEngine(SearchOnly("1"));
  const std::string first_digest = engine->policy()->info().digest;
  absl::StatusOr<EngineDecision> before = engine->EvaluateJson(R"({"tool": "x"})");
  ASSERT_TRUE(engine->Reload(SearchOnly("2")).ok());
  const std::string second_digest = engine->policy()->info().digest;
  absl::StatusOr<EngineDecision> after = engine->EvaluateJson(R"({"tool": "x"})");
  ASSERT_TRUE(before.ok() && after.ok());
  EXPECT_NE(first_digest, second_digest);
  EXPECT_EQ(before->policy_digest.view(), first_digest);
  EXPECT_EQ(after->policy_digest.view(), second_digest);
}

TEST(EngineTest, ReloadSwapsTheDecidingPolicy) {
  std::unique_ptr<Engine> engine = MakeEngine(SearchOnly());
  ASSERT_TRUE(engine->Reload(AllButSearch()).ok());
  absl::StatusOr<EngineDecision> search = engine->EvaluateJson(R"({"tool": "search"})");
  absl::StatusOr<EngineDecision> other = engine->EvaluateJson(R"({"tool": "mail"})");
  ASSERT_TRUE(search.ok() && other.ok());
  EXPECT_EQ(search->decision.effect, Effect::kDeny);
  EXPECT_EQ(other->decision.effect, Effect::kAllow);
  EXPECT_EQ(engine->stats().reloads_ok, 1u);
}

TEST(EngineTest, FailedReloadKeepsTheLastGoodPolicyAndReportsDiagnostics) {
  std::unique_ptr<Engine> engine = MakeEngine(SearchOnly());
  const std::shared_ptr<const Policy> good = engine->policy();
  std::vector<Diagnostic> diagnostics;
  absl::Status reloaded = engine->Reload(Broken(), &diagnostics);
  EXPECT_EQ(reloaded.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(reloaded.message()), HasSubstr("broken.writ:2:"));
  ASSERT_FALSE(diagnostics.empty());
  EXPECT_EQ(diagnostics[0].file, "broken.writ");
  EXPECT_EQ(engine->policy(), good);
  absl::StatusOr<EngineDecision> decision = engine->EvaluateJson(R"({"tool": "search"})");
  ASSERT_TRUE(decision.ok());
  EXPECT_EQ(decision->decision.effect, Effect::kAllow);
  EXPECT_EQ(engine->stats().reloads_failed, 1u);
  EXPECT_EQ(engine->stats().reloads_ok, 0u);
}

// Install(nullptr) (a compile result used unchecked, say) is a reload
// that failed: the last good policy keeps deciding. It used to publish a
// null live policy, and the next decision dereferenced it.
TEST(EngineTest, InstallingNoPolicyKeepsTheLastGoodOne) {
  std::unique_ptr<Engine> engine = MakeEngine(SearchOnly());
  const std::shared_ptr<const Policy> good = engine->policy();
  engine->Install(nullptr);
  EXPECT_EQ(engine->policy(), good);
  absl::StatusOr<EngineDecision> decision = engine->EvaluateJson(R"({"tool": "search"})");
  ASSERT_TRUE(decision.ok()) << decision.status();
  EXPECT_EQ(decision->decision.effect, Effect::kAllow);
  EXPECT_EQ(engine->stats().reloads_failed, 1u);
  EXPECT_EQ(engine->stats().reloads_ok, 0u);
}

// Engine::Create(policy) with no policy (a compile result not checked)
// gives no engine, rather than one that dereferences null when made.
TEST(EngineTest, CreatingWithNoPolicyGivesNoEngine) {
  EXPECT_EQ(Engine::Create(std::shared_ptr<const Policy>()), nullptr);
}

TEST(EngineTest, ReloadOfMissingFileFailsAndIsCounted) {
  std::unique_ptr<Engine> engine = MakeEngine(SearchOnly());
  absl::Status reloaded = engine->ReloadFiles({"/nonexistent/policy.writ"});
  EXPECT_EQ(reloaded.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(engine->stats().reloads_failed, 1u);
}

TEST(EngineTest, CreateFromFilesCompilesTheBundledPolicySet) {
  const std::string dir = std::string(WRIT_SOURCE_DIR) + "/policies/agent-gateway/";
  absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::CreateFromFiles(
      {dir + "schema.writ", dir + "lets.writ", dir + "allow.writ", dir + "deny.writ",
       dir + "default.writ"});
  ASSERT_TRUE(engine.ok()) << engine.status();
  EXPECT_EQ((*engine)->policy()->info().name, "agent-gateway");
}

TEST(EngineTest, InvalidJsonIsAnInputErrorNotADecision) {
  std::unique_ptr<Engine> engine = MakeEngine(SearchOnly());
  absl::StatusOr<EngineDecision> decision = engine->EvaluateJson("[1, 2]");
  EXPECT_EQ(decision.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(engine->stats().input_errors, 1u);
  EXPECT_EQ(engine->stats().decisions, 0u);
}

TEST(EngineTest, ExplanationIsFilledWhenAsked) {
  std::unique_ptr<Engine> engine = MakeEngine(SearchOnly());
  Explanation explanation;
  ASSERT_TRUE(engine->EvaluateJson(R"({"tool": "search"})", &explanation).ok());
  ASSERT_EQ(explanation.determining.size(), 1u);
  EXPECT_EQ(explanation.determining[0].rule, "search");
  EXPECT_EQ(explanation.policy.digest, engine->policy()->info().digest);
}

TEST(EngineTest, HandleRequestsAreDecidedByTheirSnapshot) {
  std::unique_ptr<Engine> engine = MakeEngine(SearchOnly("1"));
  std::shared_ptr<const Policy> snapshot = engine->policy();
  Request request(*snapshot);
  request.SetString(*snapshot->FindAttribute("tool"), "search");
  ASSERT_TRUE(engine->Reload(AllButSearch()).ok());
  // The snapshot still decides the request it was made for.
  EngineDecision decision = engine->Evaluate(*snapshot, request);
  EXPECT_EQ(decision.decision.effect, Effect::kAllow);
  EXPECT_EQ(decision.policy_digest.view(), snapshot->info().digest);
}

TEST(EngineTest, ReusedRequestReadJsonReplacesEveryValue) {
  // EvaluateJson reuses one Request per thread through Request::ReadJson:
  // nothing of one request may leak into the next.
  std::unique_ptr<Engine> engine = MakeEngine(SearchOnly());
  const std::shared_ptr<const Policy> policy = engine->policy();
  Request request(*policy);
  ASSERT_TRUE(request.ReadJson(R"({"tool": "search", "token": {"id": "t"}})").ok());
  ASSERT_TRUE(request.ReadJson(R"({"tool": "mail"})").ok());
  Explanation explanation;
  EXPECT_EQ(policy->Evaluate(request, &explanation).effect, Effect::kDeny);
  absl::StatusOr<EngineDecision> first = engine->EvaluateJson(R"({"tool": "search"})");
  absl::StatusOr<EngineDecision> second = engine->EvaluateJson(R"({})");
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->decision.effect, Effect::kAllow);
  EXPECT_EQ(second->decision.effect, Effect::kDeny);
}

TEST(EngineTest, ShadowDisagreementsAreCounted) {
  std::unique_ptr<Engine> engine = MakeEngine(SearchOnly());
  ASSERT_TRUE(engine->SetShadow(AllButSearch()).ok());
  ASSERT_NE(engine->shadow(), nullptr);
  // Live allows search, shadow denies it: disagree. "mail": live denies by
  // default, shadow allows by default: disagree. Both differ everywhere.
  ASSERT_TRUE(engine->EvaluateJson(R"({"tool": "search"})").ok());
  ASSERT_TRUE(engine->EvaluateJson(R"({"tool": "mail"})").ok());
  EXPECT_EQ(engine->stats().shadow_decisions, 2u);
  EXPECT_EQ(engine->stats().shadow_disagreements, 2u);
}

TEST(EngineTest, AgreeingShadowCountsNoDisagreement) {
  std::unique_ptr<Engine> engine = MakeEngine(SearchOnly("1"));
  ASSERT_TRUE(engine->SetShadow(SearchOnly("2")).ok());
  ASSERT_TRUE(engine->EvaluateJson(R"({"tool": "search"})").ok());
  ASSERT_TRUE(engine->EvaluateJson(R"({"tool": "mail"})").ok());
  EXPECT_EQ(engine->stats().shadow_decisions, 2u);
  EXPECT_EQ(engine->stats().shadow_disagreements, 0u);
}

TEST(EngineTest, ShadowSeesHandleRequestsThroughItsOwnSchema) {
  std::unique_ptr<Engine> engine = MakeEngine(SearchOnly());
  // The shadow declares its attributes in another order: slots differ.
  ASSERT_TRUE(engine
                  ->SetShadow({{"shadow.writ",
                                "schema { token.id: string; tool: string; }\n"
                                "allow search when tool == \"search\";\n"}})
                  .ok());
  std::shared_ptr<const Policy> snapshot = engine->policy();
  Request request(*snapshot);
  request.SetString(*snapshot->FindAttribute("tool"), "search");
  engine->Evaluate(*snapshot, request);
  EXPECT_EQ(engine->stats().shadow_decisions, 1u);
  EXPECT_EQ(engine->stats().shadow_disagreements, 0u);
}

TEST(EngineTest, ClearShadowStopsShadowEvaluation) {
  std::unique_ptr<Engine> engine = MakeEngine(SearchOnly());
  ASSERT_TRUE(engine->SetShadow(AllButSearch()).ok());
  engine->ClearShadow();
  ASSERT_TRUE(engine->EvaluateJson(R"({"tool": "search"})").ok());
  EXPECT_EQ(engine->shadow(), nullptr);
  EXPECT_EQ(engine->stats().shadow_decisions, 0u);
}

TEST(EngineTest, FailedShadowCompileKeepsNoShadow) {
  std::unique_ptr<Engine> engine = MakeEngine(SearchOnly());
  EXPECT_FALSE(engine->SetShadow(Broken()).ok());
  EXPECT_EQ(engine->shadow(), nullptr);
}

TEST(EngineTest, ReloadKeepsTheShadow) {
  std::unique_ptr<Engine> engine = MakeEngine(SearchOnly("1"));
  ASSERT_TRUE(engine->SetShadow(AllButSearch()).ok());
  ASSERT_TRUE(engine->Reload(SearchOnly("2")).ok());
  EXPECT_NE(engine->shadow(), nullptr);
}

// A request the deciding policy refuses unread (built for another schema,
// or moved from and so of none) is refused by the shadow and the log too:
// neither may read it by a schema (a moved-from one was dereferenced).
TEST(EngineTest, ARequestOfNoSchemaIsDeniedByTheShadowAndTheLogToo) {
  engine_testing::MemoryLog recording;
  EngineOptions options;
  options.log = std::make_shared<DecisionLog>(
      std::make_unique<engine_testing::MemorySink>(&recording));
  std::unique_ptr<Engine> engine = MakeEngine(SearchOnly(), std::move(options));
  ASSERT_TRUE(engine->SetShadow(AllButSearch()).ok());  // `default allow`
  std::shared_ptr<const Policy> snapshot = engine->policy();
  Request request(*snapshot);
  request.SetString(*snapshot->FindAttribute("tool"), "mail");
  const Request taken(std::move(request));
  EXPECT_EQ(engine->Evaluate(*snapshot, request).decision.effect, Effect::kDeny);
  std::shared_ptr<const Policy> other = *Policy::Compile(AllButSearch());
  EXPECT_EQ(engine->Evaluate(*snapshot, Request(*other)).decision.effect, Effect::kDeny);
  EXPECT_EQ(engine->stats().shadow_decisions, 2u);
  EXPECT_EQ(engine->stats().shadow_disagreements, 0u);
  engine->FlushLog();
  const std::vector<std::string> lines = recording.Lines();
  ASSERT_EQ(lines.size(), 2u);
  for (const std::string& line : lines) {
    EXPECT_THAT(line, HasSubstr(R"("decision":"deny")"));
    EXPECT_THAT(line, HasSubstr(R"("input":{})"));
    EXPECT_THAT(line, HasSubstr(R"("shadow":{"decision":"deny")"));
  }
}

TEST(EngineTest, TwoEnginesOnOneThreadKeepTheirOwnPolicies) {
  // The per-thread snapshot cache is keyed per engine.
  std::vector<std::unique_ptr<Engine>> engines;
  for (int i = 0; i < 6; ++i) {
    engines.push_back(MakeEngine(i % 2 == 0 ? SearchOnly() : AllButSearch()));
  }
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 6; ++i) {
      absl::StatusOr<EngineDecision> decision =
          engines[i]->EvaluateJson(R"({"tool": "search"})");
      ASSERT_TRUE(decision.ok());
      EXPECT_EQ(decision->decision.effect, i % 2 == 0 ? Effect::kAllow : Effect::kDeny);
      EXPECT_EQ(decision->policy_digest.view(), engines[i]->policy()->info().digest);
    }
  }
}

}  // namespace
}  // namespace writ
