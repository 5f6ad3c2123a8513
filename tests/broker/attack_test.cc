// Every attack of issue 6, each refused with its own reason.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/broker/base64url.h"
#include "src/broker/crypto.h"
#include "src/broker/jws.h"
#include "src/broker/signing_key_impl.h"
#include "tests/broker/broker_test_util.h"
#include "writ/broker.h"

namespace writ::broker_testing {
namespace {

using broker_internal::Base64UrlDecode;
using broker_internal::Base64UrlEncode;
using ::testing::HasSubstr;
using ::testing::Not;

class AttackTest : public BrokerTest {
 protected:
  void SetUp() override {
    BrokerTest::SetUp();
    issued_ = MintPlanner();
  }

  // Verifies `token` presented by the planner with a fresh, valid proof.
  VerifyResult PresentAsPlanner(const std::string& token) {
    Remember(token);
    return MustVerify(Use(token, planner_key_, kPlanner));
  }

  std::vector<std::string> Parts() const {
    return absl::StrSplit(issued_.token, '.');
  }

  // The decoded JOSE header of `token`, or of the planner's token.
  static std::string HeaderOf(const std::string& token) {
    return *Base64UrlDecode(token.substr(0, token.find('.')));
  }
  std::string Header() const { return HeaderOf(issued_.token); }
  std::string Claims() const { return *Base64UrlDecode(Parts()[1]); }

  // A token with the given header and claims, signed by `key`.
  std::string SignedBy(const SigningKey& key, const std::string& header,
                       const std::string& claims) {
    std::string input =
        absl::StrCat(Base64UrlEncode(header), ".", Base64UrlEncode(claims));
    return absl::StrCat(
        input, ".",
        Base64UrlEncode(*broker_internal::Sign(
            *broker_internal::SigningKeyAccess::Get(key).private_key,
            key.algorithm(), input)));
  }

  // The planner's use of its token, with a proof made by an attacker's own
  // key whose header `edit_header` rewrote, then signed by that key.
  VerifyRequest WithAttackerSignedProof(
      const std::function<std::string(std::string)>& edit_header) {
    const SigningKey attacker =
        *SigningKey::Generate(SigningAlgorithm::kEd25519, "attacker");
    const std::vector<std::string> parts =
        absl::StrSplit(Proof(issued_.token, attacker), '.');
    VerifyRequest request = Use(issued_.token, planner_key_, kPlanner);
    request.presentation.proof =
        SignedBy(attacker, edit_header(*Base64UrlDecode(parts[0])),
                 *Base64UrlDecode(parts[1]));
    Remember(request.presentation.proof);
    return request;
  }

  // The policy allows everything, with the obligation max_uses = `uses`.
  void AllowUses(int64_t uses) {
    gate_->decide = [uses](const TaskContext&) -> absl::StatusOr<GateDecision> {
      GateDecision decision = FakeGate::Allow();
      decision.obligations.max_uses = uses;
      return decision;
    };
  }

  IssuedToken issued_;
};

TEST_F(AttackTest, ExpiredTokenIsRefused) {
  clock_.Advance(absl::Minutes(10) + absl::Seconds(30));  // exp + skew
  const VerifyResult result = PresentAsPlanner(issued_.token);
  EXPECT_EQ(result.code, RefusalCode::kExpired);
  EXPECT_THAT(result.reason, HasSubstr("expired"));
}

TEST_F(AttackTest, ClockSkewIsBounded) {
  clock_.Advance(absl::Minutes(10) + absl::Seconds(29));
  EXPECT_TRUE(PresentAsPlanner(issued_.token).allowed);
}

TEST_F(AttackTest, NotYetValidTokenIsRefused) {
  clock_.Advance(-absl::Seconds(31));  // beyond the 30 s skew before nbf
  const VerifyResult result = PresentAsPlanner(issued_.token);
  EXPECT_EQ(result.code, RefusalCode::kNotYetValid);
}

TEST_F(AttackTest, WrongAudienceIsRefused) {
  VerifyRequest request = Use(issued_.token, planner_key_, kPlanner);
  request.destination = "https://payments.example.com";
  const VerifyResult result = MustVerify(request);
  EXPECT_EQ(result.code, RefusalCode::kWrongAudience);
}

TEST_F(AttackTest, TokenFromAnotherSigningKeyIsRefused) {
  // Another broker's key that even claims our kid.
  const SigningKey rogue =
      *SigningKey::Generate(SigningAlgorithm::kEd25519, "broker-1");
  const VerifyResult result =
      PresentAsPlanner(SignedBy(rogue, Header(), Claims()));
  EXPECT_EQ(result.code, RefusalCode::kBadSignature);
}

TEST_F(AttackTest, AlgNoneIsRefused) {
  const std::string header = absl::StrReplaceAll(
      Header(), {{"\"alg\":\"Ed25519\"", "\"alg\":\"none\""}});
  const std::string unsigned_token =
      absl::StrCat(Base64UrlEncode(header), ".", Parts()[1], ".", Parts()[2]);
  const VerifyResult result = PresentAsPlanner(unsigned_token);
  EXPECT_EQ(result.code, RefusalCode::kBadAlgorithm);
  EXPECT_THAT(result.reason, HasSubstr("\"none\""));
  // With the signature dropped altogether it is not even a JWS.
  EXPECT_EQ(PresentAsPlanner(
                absl::StrCat(Base64UrlEncode(header), ".", Parts()[1], "."))
                .code,
            RefusalCode::kMalformed);
}

TEST_F(AttackTest, HmacKeyedWithThePublicKeyIsRefused) {
  const std::string header = absl::StrReplaceAll(
      Header(), {{"\"alg\":\"Ed25519\"", "\"alg\":\"HS256\""}});
  const std::string input =
      absl::StrCat(Base64UrlEncode(header), ".", Parts()[1]);
  for (const std::string& secret :
       {broker_->PublicJwks(), broker_key_->PublicJwk()}) {
    const std::string forged = absl::StrCat(
        input, ".",
        Base64UrlEncode(broker_internal::HmacSha256(secret, input)));
    const VerifyResult result = PresentAsPlanner(forged);
    EXPECT_EQ(result.code, RefusalCode::kBadAlgorithm);
    EXPECT_THAT(result.reason, HasSubstr("HMAC"));
  }
}

TEST_F(AttackTest, AlgOtherThanTheKeysIsRefused) {
  const SigningKey ec = *SigningKey::Generate(SigningAlgorithm::kEs256, "x");
  const std::string header = absl::StrReplaceAll(
      Header(), {{"\"alg\":\"Ed25519\"", "\"alg\":\"ES256\""}});
  const VerifyResult result = PresentAsPlanner(SignedBy(ec, header, Claims()));
  EXPECT_EQ(result.code, RefusalCode::kBadAlgorithm);
}

TEST_F(AttackTest, TamperedHeaderIsRefused) {
  const std::string header = absl::StrReplaceAll(
      Header(), {{"\"typ\":\"writ-task+jwt\"", "\"typ\":\"writ-task+jwt\" "}});
  const VerifyResult result = PresentAsPlanner(
      absl::StrCat(Base64UrlEncode(header), ".", Parts()[1], ".", Parts()[2]));
  EXPECT_EQ(result.code, RefusalCode::kBadSignature);
}

TEST_F(AttackTest, TamperedPayloadIsRefused) {
  for (const auto& [from, to] :
       std::vector<std::pair<std::string, std::string>>{
           {"\"scope\":\"search fetch\"", "\"scope\":\"search fetch delete\""},
           {"\"data_class\":\"internal\"", "\"data_class\":\"restricted\""},
           {"\"aud\":\"https://api.example.com\"",
            "\"aud\":\"https://payments.example.com\""}}) {
    const std::string claims = absl::StrReplaceAll(Claims(), {{from, to}});
    ASSERT_NE(claims, Claims());
    const VerifyResult result = PresentAsPlanner(absl::StrCat(
        Parts()[0], ".", Base64UrlEncode(claims), ".", Parts()[2]));
    EXPECT_EQ(result.code, RefusalCode::kBadSignature) << to;
  }
}

TEST_F(AttackTest, TamperedSignatureIsRefused) {
  std::string signature = *Base64UrlDecode(Parts()[2]);
  signature[0] ^= 0x80;
  const VerifyResult result = PresentAsPlanner(absl::StrCat(
      Parts()[0], ".", Parts()[1], ".", Base64UrlEncode(signature)));
  EXPECT_EQ(result.code, RefusalCode::kBadSignature);
}

TEST_F(AttackTest, NonCanonicalBase64UrlIsRefused) {
  // Each is the same token re-spelled; each must be refused unparsed, or a
  // revocation or replay keyed on the spelling could be dodged.
  const std::string alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string stray_bits = issued_.token;
  stray_bits.back() = alphabet[alphabet.find(stray_bits.back()) | 1];
  for (const std::string& respelled :
       {issued_.token + "==", stray_bits,
        absl::StrReplaceAll(issued_.token, {{"-", "+"}, {"_", "/"}}),
        absl::StrCat(Parts()[0], "=.", Parts()[1], ".", Parts()[2]),
        absl::StrCat(Parts()[0], ".", Parts()[1], " .", Parts()[2])}) {
    if (respelled == issued_.token) continue;  // no '-' or '_' to swap
    const VerifyResult result = PresentAsPlanner(respelled);
    EXPECT_EQ(result.code, RefusalCode::kMalformed) << result.reason;
  }
}

TEST_F(AttackTest, ReplayedProofIsRefused) {
  const VerifyRequest request = Use(issued_.token, planner_key_, kPlanner);
  EXPECT_TRUE(MustVerify(request).allowed);
  const VerifyResult replay = MustVerify(request);
  EXPECT_EQ(replay.code, RefusalCode::kReplayedProof);
}

TEST_F(AttackTest, ProofByAnotherKeyIsRefused) {
  VerifyRequest request = Use(issued_.token, planner_key_, kPlanner);
  request.presentation.proof = Proof(issued_.token, researcher_key_);
  const VerifyResult result = MustVerify(request);
  EXPECT_EQ(result.code, RefusalCode::kBadProof);
  EXPECT_THAT(result.reason, HasSubstr("bound to"));
}

// The broker keeps the bound key imported after its first use; the cached
// key must still be the one that checks every later proof's signature, and
// only the presented key's own thumbprint may select it.
TEST_F(AttackTest, ProofCarryingTheCachedKeyButSignedByAnotherIsRefused) {
  EXPECT_TRUE(PresentAsPlanner(issued_.token).allowed);  // caches the key
  // The planner's key in the header, so the thumbprint matches cnf.jkt.
  const VerifyResult result = MustVerify(WithAttackerSignedProof(
      [&](const std::string&) {
        return broker_internal::JoseHeaderJson(
            SigningAlgorithm::kEd25519, "", "dpop+jwt",
            &broker_internal::SigningKeyAccess::Get(planner_key_).public_jwk);
      }));
  EXPECT_EQ(result.code, RefusalCode::kBadProof);
  EXPECT_THAT(result.reason, HasSubstr("signature does not verify"));
}

TEST_F(AttackTest, ProofClaimingTheBoundThumbprintAsItsKidIsRefused) {
  EXPECT_TRUE(PresentAsPlanner(issued_.token).allowed);  // caches the key
  // The attacker's own key, with the planner's thumbprint as a claimed id.
  const VerifyResult result =
      MustVerify(WithAttackerSignedProof([&](std::string header) {
        header.insert(1, absl::StrCat("\"kid\":\"", planner_key_.Thumbprint(),
                                      "\","));
        return header;
      }));
  EXPECT_EQ(result.code, RefusalCode::kBadProof);
  EXPECT_THAT(result.reason, HasSubstr("bound to"));
}

TEST_F(AttackTest, ProofForAnotherRequestOrTokenIsRefused) {
  VerifyRequest request = Use(issued_.token, planner_key_, kPlanner);
  request.presentation.proof = Proof(issued_.token, planner_key_, "GET");
  EXPECT_THAT(MustVerify(request).reason, HasSubstr("\"htm\""));
  request.presentation.proof = Proof(issued_.token, planner_key_, "POST",
                                     "https://api.example.com/v1/pay");
  EXPECT_THAT(MustVerify(request).reason, HasSubstr("\"htu\""));
  const IssuedToken other = MintPlanner();
  request.presentation.proof = Proof(other.token, planner_key_);
  EXPECT_THAT(MustVerify(request).reason, HasSubstr("\"ath\""));
  request.presentation.proof = "";
  EXPECT_THAT(MustVerify(request).reason, HasSubstr("proof: missing"));
}

TEST_F(AttackTest, QueryAndFragmentDoNotMatterToTheProofUrl) {
  VerifyRequest request = Use(issued_.token, planner_key_, kPlanner);
  request.presentation.url = std::string(kUrl) + "?q=writ#top";
  EXPECT_TRUE(MustVerify(request).allowed);
}

TEST_F(AttackTest, StaleOrFutureProofIsRefused) {
  const std::string stale = Proof(issued_.token, planner_key_);
  clock_.Advance(absl::Seconds(91));  // max age 60 s + skew 30 s
  VerifyRequest request = Use(issued_.token, planner_key_, kPlanner);
  request.presentation.proof = stale;
  EXPECT_THAT(MustVerify(request).reason, HasSubstr("too old"));
  clock_.Advance(absl::Seconds(31));
  request.presentation.proof = Proof(issued_.token, planner_key_);
  clock_.Advance(-absl::Seconds(31));
  EXPECT_THAT(MustVerify(request).reason, HasSubstr("future"));
}

TEST_F(AttackTest, TokenOfACompletedTaskIsRefused) {
  ASSERT_TRUE(broker_->CompleteTask(kTask).ok());
  EXPECT_EQ(PresentAsPlanner(issued_.token).code, RefusalCode::kRevoked);
}

TEST_F(AttackTest, RevokedAncestorIsRefused) {
  const IssuedToken child = DelegateToResearcher(issued_.token);
  ASSERT_TRUE(broker_->RevokeToken(issued_.token_id, "compromised").ok());
  const VerifyResult result =
      MustVerify(Use(child.token, researcher_key_, kResearcher));
  EXPECT_EQ(result.code, RefusalCode::kRevoked);
  EXPECT_THAT(result.reason, HasSubstr("ancestor"));
  // Nor can a revoked token delegate.
  absl::Status status = broker_->Delegate(ToResearcher(issued_.token)).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated);
  RememberMessage(status);
}

TEST_F(AttackTest, UseCountExceededIsRefused) {
  AllowUses(1);
  const IssuedToken once = MintPlanner();
  EXPECT_TRUE(MustVerify(Use(once.token, planner_key_, kPlanner)).allowed);
  const VerifyResult second =
      MustVerify(Use(once.token, planner_key_, kPlanner));
  EXPECT_EQ(second.code, RefusalCode::kUseLimitExceeded);
}

// A holder of a one-use token must not turn it into many uses by
// delegating it again and again (to itself under another key, or to
// helpers): every token below it draws on the same budget.
TEST_F(AttackTest, DelegationDoesNotMultiplyAUseLimit) {
  AllowUses(1);
  const IssuedToken once = MintPlanner();
  const IssuedToken first_child = DelegateToResearcher(once.token);
  const IssuedToken second_child = DelegateToResearcher(once.token);
  EXPECT_EQ(first_child.max_uses, 1);
  EXPECT_TRUE(
      MustVerify(Use(first_child.token, researcher_key_, kResearcher)).allowed);
  EXPECT_EQ(
      MustVerify(Use(second_child.token, researcher_key_, kResearcher)).code,
      RefusalCode::kUseLimitExceeded);
  EXPECT_EQ(MustVerify(Use(once.token, planner_key_, kPlanner)).code,
            RefusalCode::kUseLimitExceeded);
}

// A child's own limit, tighter than its parent's, is its own: its uses are
// counted toward both, but the parent's earlier uses do not eat into the
// child's. (With one shared count, a 2-use child of a 10-use token used 5
// times had no use at all.)
TEST_F(AttackTest, AChildWithATighterLimitGetsItsOwnUsesWithinItsParents) {
  AllowUses(10);
  const IssuedToken parent = MintPlanner();
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(MustVerify(Use(parent.token, planner_key_, kPlanner)).allowed) << i;
  }
  AllowUses(2);
  const IssuedToken child = DelegateToResearcher(parent.token);
  ASSERT_EQ(child.max_uses, 2);
  EXPECT_TRUE(MustVerify(Use(child.token, researcher_key_, kResearcher)).allowed);
  EXPECT_TRUE(MustVerify(Use(child.token, researcher_key_, kResearcher)).allowed);
  EXPECT_EQ(MustVerify(Use(child.token, researcher_key_, kResearcher)).code,
            RefusalCode::kUseLimitExceeded);
  // 10 - 5 - 2: the child's two uses counted toward the parent's limit,
  // its refused third did not.
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(MustVerify(Use(parent.token, planner_key_, kPlanner)).allowed) << i;
  }
  EXPECT_EQ(MustVerify(Use(parent.token, planner_key_, kPlanner)).code,
            RefusalCode::kUseLimitExceeded);
}

// Every use below a limited token counts toward its limit, however deep:
// a grandchild's uses count toward the root's limit, not only toward its
// own parent's, so siblings at every level share what the root allows.
TEST_F(AttackTest, UsesBelowAChildCountTowardEveryLimitAbove) {
  AllowUses(3);
  const IssuedToken root = MintPlanner();
  const IssuedToken first = DelegateToResearcher(root.token);
  const IssuedToken second = DelegateToResearcher(root.token);
  DelegateRequest request;
  request.parent = Present(first.token, researcher_key_, kResearcher, kBrokerUrl);
  request.child_workload = kPlanner;
  request.child_workload_key = planner_key_.PublicJwk();
  request.tools = {"search"};
  request.session_id = "session-1";
  absl::StatusOr<IssuedToken> grandchild = broker_->Delegate(request);
  ASSERT_TRUE(grandchild.ok()) << grandchild.status();
  Remember(grandchild->token);
  EXPECT_TRUE(MustVerify(Use(grandchild->token, planner_key_, kPlanner)).allowed);
  EXPECT_TRUE(MustVerify(Use(grandchild->token, planner_key_, kPlanner)).allowed);
  EXPECT_TRUE(MustVerify(Use(second.token, researcher_key_, kResearcher)).allowed);
  const VerifyResult over = MustVerify(Use(second.token, researcher_key_, kResearcher));
  EXPECT_EQ(over.code, RefusalCode::kUseLimitExceeded);
  EXPECT_THAT(over.reason, HasSubstr(root.token_id));
  EXPECT_EQ(MustVerify(Use(root.token, planner_key_, kPlanner)).code,
            RefusalCode::kUseLimitExceeded);
  EXPECT_EQ(MustVerify(Use(first.token, researcher_key_, kResearcher)).code,
            RefusalCode::kUseLimitExceeded);
}

// The in-memory store, recording until when each use count is to be kept.
class UseKeepingRecorder final : public StateStore {
 public:
  explicit UseKeepingRecorder(const Clock* clock) : store_(NewInMemoryStateStore(clock)) {}
  absl::Status Revoke(RevocationKind kind, absl::string_view id, absl::Time expires_at) override {
    return store_->Revoke(kind, id, expires_at);
  }
  absl::StatusOr<bool> IsRevoked(RevocationKind kind, absl::string_view id) override {
    return store_->IsRevoked(kind, id);
  }
  absl::StatusOr<int64_t> IncrementUses(absl::string_view token_id,
                                        absl::Time expires_at) override {
    kept_until[std::string(token_id)] = expires_at;
    return store_->IncrementUses(token_id, expires_at);
  }
  absl::StatusOr<bool> RememberProof(absl::string_view proof_key, absl::Time expires_at) override {
    return store_->RememberProof(proof_key, expires_at);
  }
  absl::StatusOr<int64_t> IncrementFailures(absl::string_view task_id,
                                            absl::Time expires_at) override {
    return store_->IncrementFailures(task_id, expires_at);
  }

  std::map<std::string, absl::Time> kept_until;

 private:
  std::unique_ptr<StateStore> store_;
};

// A short-lived child's use counts toward its parent's limit, and that
// count must outlive the child: kept only as long as the child, it could
// be forgotten while the parent still lives, and the parent's uses would
// start again from zero.
// A token delegated below a use-limited one marks its nested limits
// critical (RFC 7515 "crit"): a verifier that does not count them, as writ
// 0.3.0 and older, which refuse any "crit", refuses the token instead of
// counting only its own uses while a fleet is upgraded. Tokens with no
// limit above them are as they were, so older verifiers still take them.
TEST_F(AttackTest, NestedUseLimitsAreMarkedCriticalForVerifiersThatIgnoreThem) {
  constexpr absl::string_view kCritical =
      R"("crit":["writ_nested_use_limits"],"writ_nested_use_limits":true)";
  EXPECT_THAT(HeaderOf(DelegateToResearcher(issued_.token).token), Not(HasSubstr("crit")));
  AllowUses(3);
  const IssuedToken limited = MintPlanner();
  EXPECT_THAT(HeaderOf(limited.token), Not(HasSubstr("crit")));
  const IssuedToken child = DelegateToResearcher(limited.token);
  EXPECT_THAT(HeaderOf(child.token), HasSubstr(kCritical));
  EXPECT_TRUE(MustVerify(Use(child.token, researcher_key_, kResearcher)).allowed);
}

TEST_F(AttackTest, AnAncestorsUseCountIsKeptAsLongAsTheAncestor) {
  auto recorder = std::make_shared<UseKeepingRecorder>(&clock_);
  Recreate([&](BrokerOptions& options) { options.state_store = recorder; });
  AllowUses(3);
  const IssuedToken parent = MintPlanner();
  DelegateRequest request = ToResearcher(parent.token);
  request.lifetime = absl::Minutes(1);
  absl::StatusOr<IssuedToken> child = broker_->Delegate(request);
  ASSERT_TRUE(child.ok()) << child.status();
  Remember(child->token);
  ASSERT_LT(child->expires_at, parent.expires_at);
  EXPECT_TRUE(MustVerify(Use(child->token, researcher_key_, kResearcher)).allowed);
  EXPECT_EQ(recorder->kept_until[child->token_id], child->expires_at + absl::Seconds(30));
  EXPECT_EQ(recorder->kept_until[parent.token_id], parent.expires_at + absl::Seconds(30));
}

// max_uses = 0 grants no use. 0 is also how a token says "no limit", and
// the obligation was once read that way: a policy meaning "not one use"
// minted and delegated unlimited tokens.
TEST_F(AttackTest, AnObligationOfNoUsesMintsNothing) {
  for (const int64_t uses : {0, -1}) {
    AllowUses(uses);
    absl::Status status = broker_->Mint(PlannerMint()).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied) << uses;
    EXPECT_THAT(status.message(), HasSubstr("the allowed uses are zero"));
    status = broker_->Delegate(ToResearcher(issued_.token)).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied) << uses;
    EXPECT_THAT(status.message(), HasSubstr("the allowed uses are zero"));
  }
  AllowUses(1);
  EXPECT_EQ(MintPlanner().max_uses, 1);
}

TEST_F(AttackTest, ScopeWideningIsRefused) {
  absl::Status status =
      broker_->Delegate(ToResearcher(issued_.token, {"search", "delete"}))
          .status();
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(status.message(), HasSubstr("scope widening"));
  EXPECT_THAT(status.message(), HasSubstr("\"delete\""));
  DelegateRequest request = ToResearcher(issued_.token);
  request.destination = "https://payments.example.com";
  status = broker_->Delegate(request).status();
  EXPECT_THAT(status.message(), HasSubstr("destination change"));
  RememberMessage(status);
}

TEST_F(AttackTest, DataClassWideningIsRefused) {
  DelegateRequest request = ToResearcher(issued_.token);
  request.data_class = "restricted";
  absl::Status status = broker_->Delegate(request).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(status.message(), HasSubstr("data-class widening"));
  // And a call above the token's class is out of scope.
  VerifyRequest use = Use(issued_.token, planner_key_, kPlanner);
  use.data_class = "confidential";
  EXPECT_EQ(MustVerify(use).code, RefusalCode::kOutOfScope);
}

TEST_F(AttackTest, LifetimeExtensionIsRefused) {
  clock_.Advance(absl::Minutes(5));
  DelegateRequest request = ToResearcher(issued_.token);
  request.lifetime = absl::Minutes(8);  // the parent has 5 left
  absl::Status status = broker_->Delegate(request).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(status.message(), HasSubstr("lifetime extension"));
  // Without a request the child simply ends with its parent.
  absl::StatusOr<IssuedToken> child =
      broker_->Delegate(ToResearcher(issued_.token));
  ASSERT_TRUE(child.ok());
  Remember(child->token);
  EXPECT_EQ(child->expires_at, issued_.expires_at);
}

TEST_F(AttackTest, DepthOverTheMaximumIsRefused) {
  Recreate([](BrokerOptions& options) { options.max_delegation_depth = 1; });
  const IssuedToken root = MintPlanner();
  const IssuedToken child = DelegateToResearcher(root.token);
  DelegateRequest request;
  request.parent =
      Present(child.token, researcher_key_, kResearcher, kBrokerUrl);
  request.child_workload = "spiffe://example.org/agent/summariser";
  request.child_workload_key = planner_key_.PublicJwk();
  absl::Status status = broker_->Delegate(request).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(status.message(), HasSubstr("depth 2 exceeds the maximum 1"));
}

TEST_F(AttackTest, StolenTokenUsedByAnotherWorkloadIsRefused) {
  // The researcher got hold of the planner's token. Presenting it as itself
  // fails the holder check; claiming to be the planner fails the proof,
  // because it does not have the planner's key.
  const VerifyResult as_itself =
      MustVerify(Use(issued_.token, researcher_key_, kResearcher));
  EXPECT_EQ(as_itself.code, RefusalCode::kWrongHolder);
  const VerifyResult as_planner =
      MustVerify(Use(issued_.token, researcher_key_, kPlanner));
  EXPECT_EQ(as_planner.code, RefusalCode::kBadProof);
  // Nor can it delegate the stolen token to itself.
  DelegateRequest request = ToResearcher(issued_.token);
  request.parent =
      Present(issued_.token, researcher_key_, kResearcher, kBrokerUrl);
  absl::Status status = broker_->Delegate(request).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated);
  RememberMessage(status);
}

// A key of small order has no secret: for the identity point, the
// signature R = identity, s = 0 verifies every message, so a token bound to
// it would be a bearer token for whoever copied it. Each of the 14
// encodings (7 points, canonical or not, either sign bit) is refused as a
// binding, at mint and at delegation.
TEST_F(AttackTest, SmallOrderEd25519KeysCannotBeBound) {
  const std::vector<std::string> small_order_points = {
      "0000000000000000000000000000000000000000000000000000000000000000",
      "0100000000000000000000000000000000000000000000000000000000000000",
      "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
      "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"};
  for (const std::string& hex : small_order_points) {
    for (const char sign_bit : {'\x00', '\x80'}) {
      std::string x = absl::HexStringToBytes(hex);
      x.back() = static_cast<char>(x.back() | sign_bit);
      const std::string jwk = absl::StrCat(
          R"({"kty":"OKP","crv":"Ed25519","x":")", Base64UrlEncode(x), "\"}");
      MintRequest mint = PlannerMint();
      mint.workload_key = jwk;
      const absl::Status minted = broker_->Mint(mint).status();
      EXPECT_EQ(minted.code(), absl::StatusCode::kInvalidArgument)
          << hex << " sign " << int{sign_bit != 0};
      EXPECT_THAT(minted.message(), HasSubstr("small order"));
      DelegateRequest delegate = ToResearcher(issued_.token);
      delegate.child_workload_key = jwk;
      EXPECT_EQ(broker_->Delegate(delegate).status().code(),
                absl::StatusCode::kInvalidArgument)
          << hex << " sign " << int{sign_bit != 0};
    }
  }
}

TEST_F(AttackTest, DelegationToARevokedWorkloadIsRefused) {
  ASSERT_TRUE(broker_->RevokeWorkload(kResearcher, "compromised").ok());
  absl::Status status = broker_->Delegate(ToResearcher(issued_.token)).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(status.message(), HasSubstr("workload is revoked"));
}

TEST_F(AttackTest, UntrustedPresenterIsRefused) {
  const VerifyResult result =
      MustVerify(Use(issued_.token, planner_key_, "spiffe://evil.org/agent"));
  EXPECT_EQ(result.code, RefusalCode::kUntrustedWorkload);
}

TEST_F(AttackTest, ProofIsNotAToken) {
  // A proof is signed by the workload, not the broker, and typed dpop+jwt.
  const std::string proof = Proof(issued_.token, planner_key_);
  EXPECT_FALSE(PresentAsPlanner(proof).allowed);
}

TEST_F(AttackTest, OversizedTokenIsRefusedUnparsed) {
  const VerifyResult result = PresentAsPlanner(std::string(20000, 'A'));
  EXPECT_EQ(result.code, RefusalCode::kMalformed);
  EXPECT_THAT(result.reason, HasSubstr("longer than"));
}

}  // namespace
}  // namespace writ::broker_testing
