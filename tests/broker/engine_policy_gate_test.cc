// The broker with a real policy behind it (NewEnginePolicyGate): mint
// honours the policy's obligations, delegation fills session.depth, and
// every verify re-asks the live policy with the live risk.
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/broker/broker_test_util.h"
#include "writ/broker.h"
#include "writ/engine.h"

namespace writ::broker_testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr char kPolicy[] = R"(
policy "broker-test" version "1";
schema {
  tool:             string;
  destination.host: string;
  data_class:       enum(public, internal, confidential, restricted);
  session.depth:    int;
  risk.score:       number;
  workload.id:      string;
}
allow research
  when tool in ["search", "fetch"]
   and destination.host == "api.example.com"
   and data_class <= internal
   and workload.id starts_with "spiffe://example.org/"
  with max_ttl = 2m, max_uses = 1
  because "research tools may read internal data";
deny too_risky when risk.score >= 0.8 with revoke = true
  because "risk is too high";
deny too_deep when session.depth >= 2
  because "sub-agents may not delegate further";
default deny;
)";

class EnginePolicyGateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<Engine>> engine =
        Engine::Create({{"broker.writ", kPolicy}});
    ASSERT_TRUE(engine.ok()) << engine.status();
    engine_ = std::move(*engine);
    BrokerOptions options;
    options.trusted_domains = {"example.org"};
    options.clock = &clock_;
    options.audit_sink = &sink_;
    // Above any score, so a deny here is the policy's, not the anomaly
    // threshold's.
    options.revoke_risk_threshold = 2;
    absl::StatusOr<std::unique_ptr<Broker>> broker = Broker::Create(
        options, *SigningKey::Generate(SigningAlgorithm::kEd25519, "b-1"),
        NewEnginePolicyGate(engine_));
    ASSERT_TRUE(broker.ok()) << broker.status();
    broker_ = *std::move(broker);
  }

  // kDestination is a URL: the policy checks its host.
  MintRequest PlannerMint() const { return PlannerMintRequest(planner_key_); }

  IssuedToken MintPlanner() {
    absl::StatusOr<IssuedToken> issued = broker_->Mint(PlannerMint());
    EXPECT_TRUE(issued.ok()) << issued.status();
    return issued.ok() ? *issued : IssuedToken{};
  }

  Presentation Present(const std::string& token, const SigningKey& key,
                       const std::string& presenter, const std::string& url) {
    ProofInput input{"POST", url, token, clock_.Now(), ""};
    absl::StatusOr<std::string> proof = CreateProof(key, input);
    EXPECT_TRUE(proof.ok()) << proof.status();
    return Presentation{token, proof.value_or(""), presenter, "POST", url};
  }

  // `holder` (with `holder_key`) hands `token`'s scope on to `child`.
  DelegateRequest Delegation(const std::string& token,
                             const SigningKey& holder_key,
                             const std::string& holder,
                             const std::string& child,
                             const SigningKey& child_key) {
    DelegateRequest request;
    request.parent = Present(token, holder_key, holder, kBrokerUrl);
    request.child_workload = child;
    request.child_workload_key = child_key.PublicJwk();
    return request;
  }

  VerifyResult Use(const IssuedToken& token, double risk) {
    VerifyRequest request;
    request.presentation = Present(token.token, planner_key_, kPlanner, kUrl);
    request.destination = kDestination;
    request.tool = "search";
    request.risk_score = risk;
    absl::StatusOr<VerifyResult> result = broker_->Verify(request);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *result : VerifyResult{};
  }

  FakeClock clock_{absl::FromUnixSeconds(1'800'000'000)};
  MemorySink sink_;
  std::shared_ptr<Engine> engine_;
  std::unique_ptr<Broker> broker_;
  SigningKey planner_key_ =
      *SigningKey::Generate(SigningAlgorithm::kEd25519, "planner");
  SigningKey researcher_key_ =
      *SigningKey::Generate(SigningAlgorithm::kEs256, "researcher");
};

TEST_F(EnginePolicyGateTest, MintHonoursMaxTtlAndMaxUsesObligations) {
  IssuedToken token = MintPlanner();
  EXPECT_EQ(token.expires_at - clock_.Now(), absl::Minutes(2));
  EXPECT_EQ(token.max_uses, 1);
  EXPECT_TRUE(token.decision.allow);
  EXPECT_THAT(token.decision.determining_rules, ElementsAre("research"));
  EXPECT_EQ(token.decision.reason, "research tools may read internal data");
  EXPECT_EQ(token.decision.policy_digest,
            engine_->policy()->info().digest);
  // One record per tool in the scope.
  EXPECT_THAT(token.decision.explanations, SizeIs(2));
}

TEST_F(EnginePolicyGateTest, SecondUseIsRefusedByTheMaxUsesObligation) {
  IssuedToken token = MintPlanner();
  EXPECT_TRUE(Use(token, 0.1).allowed);
  VerifyResult second = Use(token, 0.1);
  EXPECT_FALSE(second.allowed);
  EXPECT_EQ(second.code, RefusalCode::kUseLimitExceeded);
}

TEST_F(EnginePolicyGateTest, TokenIsDeadAfterMaxTtlEvenWithinTheBrokerCap) {
  IssuedToken token = MintPlanner();
  clock_.Advance(absl::Minutes(3));
  VerifyResult result = Use(token, 0.1);
  EXPECT_EQ(result.code, RefusalCode::kExpired);
}

TEST_F(EnginePolicyGateTest, VerifyReEvaluatesWithLiveRisk) {
  IssuedToken token = MintPlanner();  // minted at risk 0.1
  VerifyResult result = Use(token, 0.95);
  EXPECT_FALSE(result.allowed);
  EXPECT_EQ(result.code, RefusalCode::kPolicyDenied);
  EXPECT_THAT(result.reason, HasSubstr("risk is too high"));
  ASSERT_TRUE(result.decision.has_value());
  EXPECT_THAT(result.decision->determining_rules, ElementsAre("too_risky"));
  ASSERT_THAT(result.decision->explanations, SizeIs(1));
  EXPECT_THAT(result.decision->explanations[0],
              HasSubstr(R"("decision":"deny")"));
  EXPECT_THAT(result.decision->explanations[0], HasSubstr("too_risky"));
}

TEST_F(EnginePolicyGateTest, DenyRuleWithRevokeObligationRevokesTheToken) {
  IssuedToken token = MintPlanner();
  VerifyResult risky = Use(token, 0.95);
  EXPECT_TRUE(risky.decision->obligations.revoke);
  EXPECT_TRUE(risky.triggered_revocation);
  // Risk is back to normal, but the token stays dead.
  VerifyResult later = Use(token, 0.1);
  EXPECT_EQ(later.code, RefusalCode::kRevoked);
}

TEST_F(EnginePolicyGateTest, MintIsDeniedWhenAnyToolInTheScopeIsDenied) {
  MintRequest request = PlannerMint();
  request.tools = {"search", "shell.exec"};
  absl::StatusOr<IssuedToken> issued = broker_->Mint(request);
  EXPECT_EQ(issued.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(issued.status().message(),
              HasSubstr("no rule allows tool \"shell.exec\" (default deny)"));
}

TEST_F(EnginePolicyGateTest, MintIsDeniedForAnotherDestinationHost) {
  MintRequest request = PlannerMint();
  request.destination = "https://evil.example.net/api";
  EXPECT_EQ(broker_->Mint(request).status().code(),
            absl::StatusCode::kPermissionDenied);
}

// The policy allows api.example.com only. To RFC 3986 readers (ours, and
// Python's urlsplit) this destination's host is api.example.com; to WHATWG
// readers (browsers, Node) the backslash ends the authority and the host is
// evil.example. A token must not be allowed for one and used for the other.
TEST_F(EnginePolicyGateTest, ADestinationUrlParsersReadDifferentlyIsRefused) {
  for (const char* destination :
       {"https://evil.example\\@api.example.com/v1",
        "https://evil.example @api.example.com", "https://api.example.com\t"}) {
    MintRequest request = PlannerMint();
    request.destination = destination;
    absl::Status status = broker_->Mint(request).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument)
        << destination;
    EXPECT_THAT(status.message(), HasSubstr("backslashes")) << destination;
  }
}

TEST_F(EnginePolicyGateTest, DelegationFillsSessionDepth) {
  IssuedToken root = MintPlanner();
  absl::StatusOr<IssuedToken> child = broker_->Delegate(
      Delegation(root.token, planner_key_, kPlanner, kResearcher,
                 researcher_key_));
  ASSERT_TRUE(child.ok()) << child.status();  // depth 1: allowed
  EXPECT_EQ(child->depth, 1);
  absl::StatusOr<IssuedToken> grandchild = broker_->Delegate(
      Delegation(child->token, researcher_key_, kResearcher,
                 "spiffe://example.org/agent/helper", planner_key_));
  EXPECT_EQ(grandchild.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(grandchild.status().message(),
              HasSubstr("sub-agents may not delegate further"));
}

TEST_F(EnginePolicyGateTest, ReloadedPolicyDecidesTheNextVerify) {
  IssuedToken token = MintPlanner();
  const std::string old_digest = token.decision.policy_digest;
  ASSERT_TRUE(engine_
                  ->Reload({{"broker.writ",
                             "schema { tool: string; }\n"
                             "deny frozen because \"all tokens frozen\";\n"}})
                  .ok());
  VerifyResult result = Use(token, 0.1);
  EXPECT_EQ(result.code, RefusalCode::kPolicyDenied);
  EXPECT_THAT(result.reason, HasSubstr("all tokens frozen"));
  EXPECT_NE(result.decision->policy_digest, old_digest);
}

TEST(HostOfDestinationTest, PolicySeesTheHostOfAUrlDestination) {
  absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::Create(
      {{"h.writ",
        "schema { tool: string; destination.host: string; "
        "token.audience: string; token.bound: bool; }\n"
        "allow ok when destination.host == \"api.example.com\" "
        "and token.audience == destination.host and token.bound;\n"}});
  ASSERT_TRUE(engine.ok()) << engine.status();
  std::shared_ptr<PolicyGate> gate =
      NewEnginePolicyGate(std::shared_ptr<Engine>(std::move(*engine)));
  for (const char* destination :
       {"api.example.com", "https://api.example.com",
        "https://agent@api.example.com:8443/v1/search?q=1",
        "http://api.example.com#top"}) {
    TaskContext context;
    context.tools = {"search"};
    context.destination = destination;
    absl::StatusOr<GateDecision> decision = gate->Decide(context);
    ASSERT_TRUE(decision.ok());
    EXPECT_TRUE(decision->allow) << destination;
  }
}

}  // namespace
}  // namespace writ::broker_testing
