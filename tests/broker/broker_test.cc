// Broker behaviour on the happy paths: minting, delegation, verification,
// obligations, revocation, key rotation and the audit log.
#include "writ/broker.h"

#include <atomic>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/broker/base64url.h"
#include "src/broker/json_util.h"
#include "tests/broker/broker_test_util.h"
#include "tests/broker/ecdsa_spelling.h"

namespace writ::broker_testing {
namespace {

using broker_internal::Base64UrlDecode;
using broker_internal::Base64UrlEncode;
using broker_internal::FindMember;
using broker_internal::JsonObject;
using broker_internal::ParseJsonObject;
using broker_internal::RequiredInt;
using broker_internal::RequiredString;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Decodes part `index` (0 header, 1 claims) of a token as JSON.
JsonObject Part(const std::string& token, int index) {
  const std::vector<std::string> parts = absl::StrSplit(token, '.');
  return *ParseJsonObject(*Base64UrlDecode(parts[index]), "part");
}

std::string ActorOf(const JsonObject& claims) {
  const auto* act = std::get_if<JsonObject>(&FindMember(claims, "act")->value);
  return *RequiredString(*act, "sub");
}

TEST_F(BrokerTest, MintIssuesAScopedShortLivedKeyBoundToken) {
  const IssuedToken issued = MintPlanner();
  const JsonObject header = Part(issued.token, 0);
  EXPECT_EQ(*RequiredString(header, "alg"), "Ed25519");
  EXPECT_EQ(*RequiredString(header, "typ"), "writ-task+jwt");
  EXPECT_EQ(*RequiredString(header, "kid"), "broker-1");

  const JsonObject claims = Part(issued.token, 1);
  EXPECT_EQ(*RequiredString(claims, "iss"), "writ-broker");
  EXPECT_EQ(*RequiredString(claims, "sub"), kPlanner);
  EXPECT_EQ(*RequiredString(claims, "aud"), kDestination);
  EXPECT_EQ(*RequiredString(claims, "scope"), "search fetch");
  EXPECT_EQ(*RequiredString(claims, "task_id"), kTask);
  EXPECT_EQ(*RequiredString(claims, "data_class"), "internal");
  EXPECT_EQ(*RequiredString(claims, "jti"), issued.token_id);
  EXPECT_EQ(*RequiredInt(claims, "exp") - *RequiredInt(claims, "iat"), 600);
  EXPECT_EQ(*RequiredInt(claims, "nbf"), *RequiredInt(claims, "iat"));
  const auto* cnf = std::get_if<JsonObject>(&FindMember(claims, "cnf")->value);
  EXPECT_EQ(*RequiredString(*cnf, "jkt"), planner_key_.Thumbprint());
  EXPECT_EQ(FindMember(claims, "act"), nullptr);
  EXPECT_EQ(issued.depth, 0);
  EXPECT_EQ(issued.expires_at, clock_.Now() + absl::Minutes(10));
}

TEST_F(BrokerTest, Es256BrokerKeysWorkToo) {
  Recreate([](BrokerOptions&) {}, SigningAlgorithm::kEs256);
  const IssuedToken issued = MintPlanner();
  EXPECT_EQ(*RequiredString(Part(issued.token, 0), "alg"), "ES256");
  EXPECT_TRUE(MustVerify(Use(issued.token, planner_key_, kPlanner)).allowed);
}

// A workload signs its proofs with whatever library it has, and ECDSA
// libraries make either spelling of a signature, (r, s) or (r, n - s): the
// broker accepts both in a proof (its replay check is keyed by the proof's
// jti), while a token must be in the one spelling the broker makes
// (KeyRingTest.RefusesTheOtherSpellingOfAnEs256Token).
TEST_F(BrokerTest, AWorkloadsEs256ProofIsAcceptedInEitherSpelling) {
  const SigningKey workload_key = *SigningKey::Generate(SigningAlgorithm::kEs256, "planner-ec");
  absl::StatusOr<IssuedToken> issued = broker_->Mint(PlannerMintRequest(workload_key));
  ASSERT_TRUE(issued.ok()) << issued.status();
  VerifyRequest request = Use(issued->token, workload_key, kPlanner);
  std::vector<std::string> parts = absl::StrSplit(request.presentation.proof, '.');
  ASSERT_EQ(parts.size(), 3u);
  parts[2] = Base64UrlEncode(broker_testing::OtherSpelling(*Base64UrlDecode(parts[2])));
  request.presentation.proof = absl::StrJoin(parts, ".");
  EXPECT_TRUE(MustVerify(request).allowed);
}

TEST_F(BrokerTest, VerifyAllowsTheHolderAndAsksThePolicyWithLiveContext) {
  const IssuedToken issued = MintPlanner();
  VerifyRequest request = Use(issued.token, planner_key_, kPlanner);
  request.risk_score = 0.4;
  const VerifyResult result = MustVerify(request);
  EXPECT_TRUE(result.allowed) << result.reason;
  EXPECT_EQ(result.code, RefusalCode::kNone);
  EXPECT_EQ(result.token_id, issued.token_id);
  EXPECT_EQ(result.task_id, kTask);
  EXPECT_EQ(result.holder, kPlanner);
  ASSERT_TRUE(result.decision.has_value());
  EXPECT_EQ(result.decision->policy_digest, "sha256:test-policy");
  const TaskContext live = gate_->seen().back();
  EXPECT_EQ(live.stage, GateStage::kVerify);
  EXPECT_EQ(live.risk_score, 0.4);
  EXPECT_THAT(live.tools, ElementsAre("search"));
  EXPECT_EQ(live.depth, 0);
  EXPECT_EQ(live.now, clock_.Now());
}

TEST_F(BrokerTest, PolicyIsReevaluatedWithRiskNowNotAtMintTime) {
  gate_->decide =
      [](const TaskContext& context) -> absl::StatusOr<GateDecision> {
    if (context.risk_score > 0.5) return FakeGate::Deny("risk is too high");
    return FakeGate::Allow();
  };
  const IssuedToken issued = MintPlanner();  // risk 0.1 at mint
  VerifyRequest request = Use(issued.token, planner_key_, kPlanner);
  request.risk_score = 0.7;
  const VerifyResult result = MustVerify(request);
  EXPECT_FALSE(result.allowed);
  EXPECT_EQ(result.code, RefusalCode::kPolicyDenied);
  EXPECT_THAT(result.reason, HasSubstr("risk is too high"));
  EXPECT_EQ(result.decision->determining_rules,
            std::vector<std::string>{"deny-risky"});
}

TEST_F(BrokerTest, MintHonoursTtlAndUseObligations) {
  gate_->decide = [](const TaskContext&) -> absl::StatusOr<GateDecision> {
    GateDecision decision = FakeGate::Allow();
    decision.obligations.max_ttl = absl::Minutes(2);
    decision.obligations.max_uses = 2;
    return decision;
  };
  const IssuedToken issued = MintPlanner();
  EXPECT_EQ(issued.expires_at, clock_.Now() + absl::Minutes(2));
  EXPECT_EQ(issued.max_uses, 2);
  EXPECT_EQ(MustVerify(Use(issued.token, planner_key_, kPlanner)).use_count, 1);
  EXPECT_EQ(MustVerify(Use(issued.token, planner_key_, kPlanner)).use_count, 2);
}

// A revocation lasts as long as any token can. A broker restarted with a
// lower cap over the same store once kept a revocation only for its own cap
// (5 minutes here), and a token minted for an hour under the old cap was
// accepted again once that revocation had expired.
TEST_F(BrokerTest, ARevocationOutlivesAnyTokenWhateverTheCurrentCap) {
  const std::shared_ptr<StateStore> store = NewInMemoryStateStore(&clock_);
  const SigningKey key = *SigningKey::Generate(SigningAlgorithm::kEd25519, "broker-2");
  auto broker_with_cap = [&](absl::Duration cap) {
    BrokerOptions options;
    options.trusted_domains = {"example.org"};
    options.clock = &clock_;
    options.state_store = store;
    options.max_token_lifetime = cap;
    return *Broker::Create(options, key, gate_);
  };
  MintRequest request = PlannerMint();
  request.lifetime = absl::Hours(1);
  const absl::StatusOr<IssuedToken> issued = broker_with_cap(absl::Hours(1))->Mint(request);
  ASSERT_TRUE(issued.ok()) << issued.status();
  Remember(issued->token);
  broker_ = broker_with_cap(absl::Minutes(5));
  ASSERT_TRUE(broker_->RevokeToken(issued->token_id, "compromised").ok());
  clock_.Advance(absl::Minutes(20));
  // More revocations grow the table, and a rebuild forgets what expired.
  for (int i = 0; i < 5000; ++i) {
    ASSERT_TRUE(broker_->RevokeToken(absl::StrCat("other-", i), "test").ok());
  }
  EXPECT_EQ(MustVerify(Use(issued->token, planner_key_, kPlanner)).code, RefusalCode::kRevoked);
}

TEST_F(BrokerTest, MintLifetimeIsTheShortestOfCapRequestAndObligation) {
  MintRequest request = PlannerMint();
  request.lifetime = absl::Hours(5);  // asks for hours, gets the cap
  absl::StatusOr<IssuedToken> issued = broker_->Mint(request);
  ASSERT_TRUE(issued.ok());
  EXPECT_EQ(issued->expires_at, clock_.Now() + absl::Minutes(10));
  request.lifetime = absl::Minutes(3);
  issued = broker_->Mint(request);
  ASSERT_TRUE(issued.ok());
  EXPECT_EQ(issued->expires_at, clock_.Now() + absl::Minutes(3));
}

TEST_F(BrokerTest, MintRefusesWhatIsNotAllowedOrMalformed) {
  gate_->decide =
      [](const TaskContext& context) -> absl::StatusOr<GateDecision> {
    if (context.destination == "https://evil.example") {
      return FakeGate::Deny("destination not allowed");
    }
    return FakeGate::Allow();
  };
  MintRequest request = PlannerMint();
  request.destination = "https://evil.example";
  absl::Status status = broker_->Mint(request).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(status.message(), HasSubstr("destination not allowed"));

  request = PlannerMint();
  request.workload = "spiffe://other.org/agent";
  EXPECT_EQ(broker_->Mint(request).status().code(),
            absl::StatusCode::kPermissionDenied);
  request.workload = "spiffe://example.org/agent/../admin";
  EXPECT_EQ(broker_->Mint(request).status().code(),
            absl::StatusCode::kInvalidArgument);

  request = PlannerMint();
  request.data_class = "top-secret";
  EXPECT_THAT(broker_->Mint(request).status().message(),
              HasSubstr("unknown data class"));
  request = PlannerMint();
  request.tools = {};
  EXPECT_EQ(broker_->Mint(request).status().code(),
            absl::StatusCode::kInvalidArgument);
  request.tools = {"search", "search"};
  EXPECT_THAT(broker_->Mint(request).status().message(), HasSubstr("twice"));
  request.tools = {"two words"};
  EXPECT_EQ(broker_->Mint(request).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(BrokerTest, MintFailsClosedWhenThePolicyCannotBeEvaluated) {
  gate_->decide = [](const TaskContext&) -> absl::StatusOr<GateDecision> {
    return absl::InternalError("engine exploded");
  };
  absl::Status status = broker_->Mint(PlannerMint()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(status.message(), HasSubstr("engine exploded"));
}

TEST_F(BrokerTest, VerifyFailsClosedWhenThePolicyCannotBeEvaluated) {
  const IssuedToken issued = MintPlanner();
  gate_->decide = [](const TaskContext&) -> absl::StatusOr<GateDecision> {
    return absl::InternalError("engine exploded");
  };
  EXPECT_FALSE(broker_->Verify(Use(issued.token, planner_key_, kPlanner)).ok());
}

TEST_F(BrokerTest, DelegationNarrowsAndRecordsTheChain) {
  const IssuedToken root = MintPlanner();
  DelegateRequest request = ToResearcher(root.token, {"search"});
  request.data_class = "public";
  absl::StatusOr<IssuedToken> child = broker_->Delegate(request);
  ASSERT_TRUE(child.ok()) << child.status();
  Remember(child->token);
  EXPECT_EQ(child->depth, 1);
  EXPECT_LE(child->expires_at, root.expires_at);

  const JsonObject claims = Part(child->token, 1);
  EXPECT_EQ(*RequiredString(claims, "sub"), kPlanner);  // RFC 8693: principal
  EXPECT_EQ(ActorOf(claims), kResearcher);              // current actor
  EXPECT_EQ(*RequiredString(claims, "scope"), "search");
  EXPECT_EQ(*RequiredString(claims, "data_class"), "public");
  EXPECT_EQ(*RequiredString(claims, "aud"), kDestination);
  EXPECT_EQ(*RequiredString(claims, "task_id"), kTask);
  const auto* cnf = std::get_if<JsonObject>(&FindMember(claims, "cnf")->value);
  EXPECT_EQ(*RequiredString(*cnf, "jkt"), researcher_key_.Thumbprint());

  const TaskContext asked = gate_->seen().back();
  EXPECT_EQ(asked.stage, GateStage::kDelegate);
  EXPECT_EQ(asked.depth, 1);  // session.depth, filled in automatically
  EXPECT_EQ(asked.workload, kResearcher);

  // The researcher can use it for search, and only for search.
  EXPECT_TRUE(
      MustVerify(Use(child->token, researcher_key_, kResearcher)).allowed);
  const VerifyResult fetch =
      MustVerify(Use(child->token, researcher_key_, kResearcher, "fetch"));
  EXPECT_EQ(fetch.code, RefusalCode::kOutOfScope);
}

TEST_F(BrokerTest, HoldersKeepVerifyingWhenTheProofKeyCacheIsFullOrOff) {
  for (size_t capacity : {0, 1}) {
    Recreate([capacity](BrokerOptions& options) {
      options.proof_key_cache_capacity = capacity;
    });
    const IssuedToken root = MintPlanner();
    const IssuedToken child = DelegateToResearcher(root.token);
    // Two holders' keys (Ed25519 and P-256) taking turns: with room for
    // one key or none, each use imports its key again, and still passes.
    for (int round = 0; round < 2; ++round) {
      EXPECT_TRUE(MustVerify(Use(root.token, planner_key_, kPlanner)).allowed)
          << capacity;
      EXPECT_TRUE(
          MustVerify(Use(child.token, researcher_key_, kResearcher)).allowed)
          << capacity;
    }
  }
}

TEST_F(BrokerTest, DelegationNestsActorsAtEachHop) {
  const IssuedToken root = MintPlanner();
  const IssuedToken child = DelegateToResearcher(root.token);
  // The researcher delegates on to a summariser.
  const SigningKey summariser_key =
      *SigningKey::Generate(SigningAlgorithm::kEd25519, "summariser");
  DelegateRequest request;
  request.parent =
      Present(child.token, researcher_key_, kResearcher, kBrokerUrl);
  request.child_workload = "spiffe://example.org/agent/summariser";
  request.child_workload_key = summariser_key.PublicJwk();
  absl::StatusOr<IssuedToken> grandchild = broker_->Delegate(request);
  ASSERT_TRUE(grandchild.ok()) << grandchild.status();
  Remember(grandchild->token);
  EXPECT_EQ(grandchild->depth, 2);
  const JsonObject claims = Part(grandchild->token, 1);
  EXPECT_EQ(ActorOf(claims), "spiffe://example.org/agent/summariser");
  const auto* outer =
      std::get_if<JsonObject>(&FindMember(claims, "act")->value);
  EXPECT_EQ(ActorOf(*outer), kResearcher);
  const auto* ancestors = std::get_if<broker_internal::JsonArray>(
      &FindMember(claims, "ancestors")->value);
  ASSERT_EQ(ancestors->size(), 2u);
  EXPECT_EQ(std::get<std::string>((*ancestors)[0].value), root.token_id);
  EXPECT_EQ(std::get<std::string>((*ancestors)[1].value), child.token_id);
  VerifyRequest use;
  use.presentation = Present(grandchild->token, summariser_key,
                             "spiffe://example.org/agent/summariser");
  use.destination = kDestination;
  use.tool = "search";
  EXPECT_TRUE(MustVerify(use).allowed);
}

TEST_F(BrokerTest, CompletingTheTaskRevokesEveryTokenOfItAtAnyDepth) {
  const IssuedToken root = MintPlanner();
  const IssuedToken child = DelegateToResearcher(root.token);
  ASSERT_TRUE(broker_->CompleteTask(kTask).ok());
  EXPECT_EQ(MustVerify(Use(root.token, planner_key_, kPlanner)).code,
            RefusalCode::kRevoked);
  const VerifyResult result =
      MustVerify(Use(child.token, researcher_key_, kResearcher));
  EXPECT_EQ(result.code, RefusalCode::kRevoked);
  EXPECT_THAT(result.reason, HasSubstr("task is completed"));
  // And no new token for it.
  EXPECT_EQ(broker_->Mint(PlannerMint()).status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(BrokerTest, RevokingATokenRevokesItsDescendantsButNotItsParent) {
  const IssuedToken root = MintPlanner();
  const IssuedToken child = DelegateToResearcher(root.token);
  ASSERT_TRUE(broker_->RevokeToken(root.token_id, "operator").ok());
  EXPECT_EQ(MustVerify(Use(child.token, researcher_key_, kResearcher)).code,
            RefusalCode::kRevoked);

  const IssuedToken root2 = MintPlanner();
  const IssuedToken child2 = DelegateToResearcher(root2.token);
  ASSERT_TRUE(broker_->RevokeToken(child2.token_id, "operator").ok());
  EXPECT_TRUE(MustVerify(Use(root2.token, planner_key_, kPlanner)).allowed);
}

TEST_F(BrokerTest, RevokingAWorkloadRevokesWhatItHoldsAndDelegated) {
  const IssuedToken root = MintPlanner();
  const IssuedToken child = DelegateToResearcher(root.token);
  ASSERT_TRUE(broker_->RevokeWorkload(kPlanner, "compromised").ok());
  EXPECT_EQ(MustVerify(Use(root.token, planner_key_, kPlanner)).code,
            RefusalCode::kRevoked);
  EXPECT_EQ(MustVerify(Use(child.token, researcher_key_, kResearcher)).code,
            RefusalCode::kRevoked);
  EXPECT_EQ(broker_->RevokeWorkload("not an id", "x").code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(BrokerTest, RetryExhaustionRevokesTheTask) {
  Recreate([](BrokerOptions& options) { options.max_failures_per_task = 3; });
  const IssuedToken issued = MintPlanner();
  for (int i = 0; i < 2; ++i) {
    const VerifyResult refused =
        MustVerify(Use(issued.token, planner_key_, kPlanner, "delete"));
    EXPECT_EQ(refused.code, RefusalCode::kOutOfScope);
    EXPECT_FALSE(refused.triggered_revocation);
  }
  const VerifyResult third =
      MustVerify(Use(issued.token, planner_key_, kPlanner, "delete"));
  EXPECT_TRUE(third.triggered_revocation);
  const VerifyResult after =
      MustVerify(Use(issued.token, planner_key_, kPlanner));
  EXPECT_EQ(after.code, RefusalCode::kRevoked);
}

TEST_F(BrokerTest, RetryBudgetCanComeFromAnObligation) {
  gate_->decide =
      [](const TaskContext& context) -> absl::StatusOr<GateDecision> {
    GateDecision decision =
        context.risk_score > 0.5 ? FakeGate::Deny("risky") : FakeGate::Allow();
    decision.obligations.max_failures = 1;
    return decision;
  };
  const IssuedToken issued = MintPlanner();
  VerifyRequest risky = Use(issued.token, planner_key_, kPlanner);
  risky.risk_score = 0.6;
  EXPECT_TRUE(MustVerify(risky).triggered_revocation);
  EXPECT_EQ(MustVerify(Use(issued.token, planner_key_, kPlanner)).code,
            RefusalCode::kRevoked);
}

// An obligation of no failures revokes at the first refused use, even when
// the operator has switched the budget off: read as "no limit" it would
// switch retry revocation off for the task.
TEST_F(BrokerTest, AnObligationOfNoFailuresRevokesAtTheFirstRefusedUse) {
  for (const int64_t failures : {0, -1}) {
    // A new broker each time: the first round revokes the planner's task.
    Recreate([](BrokerOptions& options) { options.max_failures_per_task = 0; });
    gate_->decide =
        [failures](const TaskContext& context) -> absl::StatusOr<GateDecision> {
      GateDecision decision =
          context.risk_score > 0.5 ? FakeGate::Deny("risky") : FakeGate::Allow();
      decision.obligations.max_failures = failures;
      return decision;
    };
    const IssuedToken issued = MintPlanner();
    VerifyRequest risky = Use(issued.token, planner_key_, kPlanner);
    risky.risk_score = 0.6;
    EXPECT_TRUE(MustVerify(risky).triggered_revocation) << failures;
    EXPECT_EQ(MustVerify(Use(issued.token, planner_key_, kPlanner)).code,
              RefusalCode::kRevoked)
        << failures;
  }
}

TEST_F(BrokerTest, AnomalousRiskRevokesTheToken) {
  const IssuedToken issued = MintPlanner();
  const IssuedToken child = DelegateToResearcher(issued.token);
  VerifyRequest request = Use(issued.token, planner_key_, kPlanner);
  request.risk_score = 0.95;
  const VerifyResult result = MustVerify(request);
  EXPECT_FALSE(result.allowed);
  EXPECT_EQ(result.code, RefusalCode::kRevoked);
  EXPECT_TRUE(result.triggered_revocation);
  EXPECT_EQ(MustVerify(Use(issued.token, planner_key_, kPlanner)).code,
            RefusalCode::kRevoked);
  EXPECT_EQ(MustVerify(Use(child.token, researcher_key_, kResearcher)).code,
            RefusalCode::kRevoked);
}

// NaN fails every comparison: as a live risk score it would pass both the
// anomaly threshold and any policy rule denying high risk. It, and an
// infinite score, are refused as malformed at every step instead.
TEST_F(BrokerTest, ANonFiniteRiskScoreIsRefusedNotWaivedThrough) {
  const IssuedToken issued = MintPlanner();
  for (const double risk : {std::numeric_limits<double>::quiet_NaN(),
                            std::numeric_limits<double>::infinity(),
                            -std::numeric_limits<double>::infinity()}) {
    VerifyRequest use = Use(issued.token, planner_key_, kPlanner);
    use.risk_score = risk;
    absl::StatusOr<VerifyResult> verified = broker_->Verify(use);
    EXPECT_EQ(verified.status().code(), absl::StatusCode::kInvalidArgument)
        << risk;
    MintRequest mint = PlannerMint();
    mint.risk_score = risk;
    EXPECT_EQ(broker_->Mint(mint).status().code(),
              absl::StatusCode::kInvalidArgument)
        << risk;
    DelegateRequest delegate = ToResearcher(issued.token);
    delegate.risk_score = risk;
    EXPECT_EQ(broker_->Delegate(delegate).status().code(),
              absl::StatusCode::kInvalidArgument)
        << risk;
  }
  BrokerOptions options;
  options.revoke_risk_threshold = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(Broker::Create(options, *broker_key_, gate_).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(BrokerTest, PolicyDenyWithRevokeObligationRevokesTheToken) {
  const IssuedToken issued = MintPlanner();
  gate_->decide = [](const TaskContext&) -> absl::StatusOr<GateDecision> {
    GateDecision decision = FakeGate::Deny("exfiltration pattern");
    decision.obligations.revoke = true;
    return decision;
  };
  EXPECT_TRUE(MustVerify(Use(issued.token, planner_key_, kPlanner))
                  .triggered_revocation);
  gate_->decide = nullptr;
  EXPECT_EQ(MustVerify(Use(issued.token, planner_key_, kPlanner)).code,
            RefusalCode::kRevoked);
}

TEST_F(BrokerTest, ConcurrentReplaysAndUsesAreCountedExactly) {
  // Refusals would otherwise exhaust the task's retry budget mid-test.
  Recreate([](BrokerOptions& options) { options.max_failures_per_task = 0; });
  gate_->decide = [](const TaskContext&) -> absl::StatusOr<GateDecision> {
    GateDecision decision = FakeGate::Allow();
    decision.obligations.max_uses = 5;
    return decision;
  };
  const IssuedToken issued = MintPlanner();
  // The same proof from eight threads: exactly one gets through.
  const VerifyRequest replayed = Use(issued.token, planner_key_, kPlanner);
  // Sixteen distinct proofs: exactly max_uses get through.
  std::vector<VerifyRequest> distinct;
  for (int i = 0; i < 16; ++i) {
    distinct.push_back(Use(issued.token, planner_key_, kPlanner));
  }
  std::atomic<int> replay_allowed = 0;
  std::atomic<int> distinct_allowed = 0;
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      absl::StatusOr<VerifyResult> result = broker_->Verify(replayed);
      if (result.ok() && result->allowed) ++replay_allowed;
    });
  }
  for (const VerifyRequest& request : distinct) {
    threads.emplace_back([&, request] {
      absl::StatusOr<VerifyResult> result = broker_->Verify(request);
      if (result.ok() && result->allowed) ++distinct_allowed;
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(replay_allowed + distinct_allowed, 5);
  EXPECT_LE(replay_allowed, 1);
  EXPECT_TRUE(VerifyAuditLog(sink_.Text(), "audit-key").ok());
}

TEST_F(BrokerTest, RotationKeepsOldTokensValidUntilTheKeyIsRetired) {
  const IssuedToken before = MintPlanner();
  ASSERT_TRUE(broker_
                  ->AddSigningKey(*SigningKey::Generate(
                      SigningAlgorithm::kEs256, "broker-2"))
                  .ok());
  const IssuedToken after = MintPlanner();
  EXPECT_EQ(*RequiredString(Part(after.token, 0), "kid"), "broker-2");
  EXPECT_TRUE(MustVerify(Use(before.token, planner_key_, kPlanner)).allowed);
  EXPECT_THAT(broker_->PublicJwks(), HasSubstr("\"broker-1\""));
  ASSERT_TRUE(broker_->RetireSigningKey("broker-1").ok());
  EXPECT_EQ(MustVerify(Use(before.token, planner_key_, kPlanner)).code,
            RefusalCode::kUnknownKey);
  EXPECT_TRUE(MustVerify(Use(after.token, planner_key_, kPlanner)).allowed);
  EXPECT_THAT(broker_->PublicJwks(), ::testing::Not(HasSubstr("\"broker-1\"")));
  EXPECT_EQ(broker_->RetireSigningKey("broker-2").code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(BrokerTest, CreateRefusesUnsafeOptions) {
  BrokerOptions options;
  options.max_token_lifetime = absl::Hours(2);
  EXPECT_EQ(Broker::Create(options, *broker_key_, gate_).status().code(),
            absl::StatusCode::kInvalidArgument);
  options = BrokerOptions();
  options.data_classes = {"a", "a"};
  EXPECT_FALSE(Broker::Create(options, *broker_key_, gate_).ok());
  options = BrokerOptions();
  options.trusted_domains = {"Bad Domain"};
  EXPECT_FALSE(Broker::Create(options, *broker_key_, gate_).ok());
  EXPECT_FALSE(Broker::Create(BrokerOptions(), *broker_key_, nullptr).ok());
}

TEST_F(BrokerTest, AuditLogRecordsEveryEventAndVerifies) {
  const IssuedToken root = MintPlanner();
  const IssuedToken child = DelegateToResearcher(root.token);
  MustVerify(Use(child.token, researcher_key_, kResearcher));
  MustVerify(Use(child.token, researcher_key_, kResearcher, "fetch"));
  ASSERT_TRUE(broker_->CompleteTask(kTask).ok());

  std::vector<std::string> events;
  for (const std::string& line : sink_.lines) {
    events.push_back(*RequiredString(*ParseJsonObject(line, "line"), "event"));
  }
  EXPECT_THAT(events,
              ElementsAre("mint", "delegate", "verify", "verify", "complete"));
  const JsonObject denied = *ParseJsonObject(sink_.lines[3], "line");
  EXPECT_EQ(*RequiredString(denied, "outcome"), "deny");
  EXPECT_EQ(*RequiredString(denied, "code"), "out_of_scope");
  EXPECT_EQ(*RequiredString(denied, "token"), child.token_id);
  EXPECT_EQ(*RequiredString(denied, "task"), kTask);
  EXPECT_EQ(*RequiredString(denied, "policy"), "");  // not consulted
  const JsonObject allowed = *ParseJsonObject(sink_.lines[2], "line");
  EXPECT_EQ(*RequiredString(allowed, "policy"), "sha256:test-policy");
  EXPECT_THAT(sink_.lines[1], HasSubstr(root.token_id));  // parent chain

  EXPECT_TRUE(VerifyAuditLog(sink_.Text(), "audit-key").ok());
  EXPECT_FALSE(VerifyAuditLog(sink_.Text(), "wrong-key").ok());
}

}  // namespace
}  // namespace writ::broker_testing
