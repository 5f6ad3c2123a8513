// The broker: Mint, Delegate, Verify, revocation and key rotation.
//
// Every path that accepts a presented token goes through Authenticate(),
// which establishes, in order: the signature (key ring, alg allow-list,
// typ), the claims, the time window, the presenter is the holder, the
// proof of possession (and its freshness in the replay cache), and that no
// revocation covers the token, an ancestor, its task or any workload in its
// chain. Verify then checks the request against the token (audience, tool,
// data class), asks the policy with the live context and counts the use.
// Delegate checks the narrowing instead.
//
// Refusals of a verify are values; once a token has been authenticated its
// refusals count toward the task's failure budget (retry exhaustion), and
// an anomaly (risk over the threshold, or a policy deny carrying
// `revoke = true`) revokes the token, which refuses its descendants too.
#include "writ/broker.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "src/broker/audit_log.h"
#include "src/broker/base64url.h"
#include "src/broker/crypto.h"
#include "src/broker/jwk.h"
#include "src/broker/jws.h"
#include "src/broker/proof.h"
#include "src/broker/public_key_cache.h"
#include "src/broker/spiffe_id.h"
#include "src/broker/token_claims.h"
#include "src/internal/status_macros.h"

namespace writ {

absl::string_view RefusalCodeName(RefusalCode code) {
  switch (code) {
    case RefusalCode::kNone:
      return "none";
    case RefusalCode::kMalformed:
      return "malformed";
    case RefusalCode::kBadAlgorithm:
      return "bad_algorithm";
    case RefusalCode::kUnknownKey:
      return "unknown_key";
    case RefusalCode::kBadSignature:
      return "bad_signature";
    case RefusalCode::kBadType:
      return "bad_type";
    case RefusalCode::kBadClaims:
      return "bad_claims";
    case RefusalCode::kNotYetValid:
      return "not_yet_valid";
    case RefusalCode::kExpired:
      return "expired";
    case RefusalCode::kWrongAudience:
      return "wrong_audience";
    case RefusalCode::kWrongHolder:
      return "wrong_holder";
    case RefusalCode::kBadProof:
      return "bad_proof";
    case RefusalCode::kReplayedProof:
      return "replayed_proof";
    case RefusalCode::kRevoked:
      return "revoked";
    case RefusalCode::kOutOfScope:
      return "out_of_scope";
    case RefusalCode::kPolicyDenied:
      return "policy_denied";
    case RefusalCode::kUseLimitExceeded:
      return "use_limit_exceeded";
    case RefusalCode::kUntrustedWorkload:
      return "untrusted_workload";
  }
  return "unknown";
}

namespace {

using broker_internal::AuditEvent;
using broker_internal::AuditLog;
using broker_internal::Check;
using broker_internal::CompactJws;
using broker_internal::KeyRing;
using broker_internal::PublicJwk;
using broker_internal::SpiffeId;
using broker_internal::TokenClaims;
using broker_internal::TrustDomainAllowList;
using RevocationKind = StateStore::RevocationKind;

constexpr size_t kMaxIdentifierBytes = 256;
constexpr size_t kMaxDestinationBytes = 2048;
// "Minutes, never hours": the cap itself is capped.
constexpr absl::Duration kLongestAllowedCap = absl::Hours(1);
constexpr absl::Duration kLongestClockSkew = absl::Minutes(5);

// A token whose signature, claims, time, holder, proof and revocation
// status all checked out.
struct Authenticated {
  TokenClaims claims;
};

// 1 to `max_bytes` printable ASCII characters, no space.
bool IsPrintableAscii(absl::string_view text, size_t max_bytes) {
  if (text.empty() || text.size() > max_bytes) return false;
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return c > 0x20 && c < 0x7f; });
}

bool IsValidIdentifier(absl::string_view id) {
  return IsPrintableAscii(id, kMaxIdentifierBytes);
}

// The policy decides on the host HostOfDestination reads from the
// destination. A backslash, a space or a control character is where URL
// parsers part ways ("https://evil.example\\@api.example.com" is
// api.example.com to RFC 3986 readers and evil.example to WHATWG ones), so
// a destination holding one could be allowed for one host and used for
// another: refused.
bool IsValidDestination(absl::string_view destination) {
  return IsPrintableAscii(destination, kMaxDestinationBytes) &&
         !absl::StrContains(destination, '\\');
}

absl::Status ValidateTools(const std::vector<std::string>& tools) {
  if (tools.empty()) {
    return absl::InvalidArgumentError("at least one tool is required");
  }
  absl::flat_hash_set<absl::string_view> seen;
  for (const std::string& tool : tools) {
    if (!broker_internal::IsValidScopeToken(tool)) {
      return absl::InvalidArgumentError(
          "a tool name must be 1-128 printable ASCII characters without "
          "spaces, quotes or backslashes");
    }
    if (!seen.insert(tool).second) {
      return absl::InvalidArgumentError("a tool is listed twice");
    }
  }
  return absl::OkStatus();
}

// NaN compares false with every threshold and every bound a policy sets,
// so a NaN risk score would pass both the anomaly revocation and any rule
// denying high risk; an infinite one is no score either. Refused as a
// malformed request instead.
absl::Status ValidateRiskScore(double risk_score) {
  if (std::isfinite(risk_score)) return absl::OkStatus();
  return absl::InvalidArgumentError("risk_score must be a finite number");
}

absl::Duration Shortest(absl::Duration a, std::optional<absl::Duration> b) {
  return b.has_value() ? std::min(a, *b) : a;
}

// An obligation of max_uses = 0 (or less) grants no use. Read as "no
// limit" (0 is how a token without a limit says so), a policy meaning "not
// one use" would have minted an unlimited token; it is refused instead, as
// a max_ttl that leaves no lifetime is.
absl::Status CheckUsesGranted(const GateObligations& obligations) {
  if (!obligations.max_uses.has_value() || *obligations.max_uses > 0) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(absl::StrCat(
      "the allowed uses are zero (obligation max_uses = ", *obligations.max_uses, ")"));
}

// The tighter of a token's limit (0: none) and a positive obligation.
int64_t FewestUses(int64_t a, std::optional<int64_t> b) {
  if (!b.has_value()) return a;
  return a == 0 ? *b : std::min(a, *b);
}

absl::Status ValidateOptions(const BrokerOptions& options) {
  if (options.issuer.empty() || options.token_type.empty()) {
    return absl::InvalidArgumentError("issuer and token_type must be set");
  }
  if (options.max_token_lifetime <= absl::ZeroDuration() ||
      options.max_token_lifetime > kLongestAllowedCap) {
    return absl::InvalidArgumentError(
        "max_token_lifetime must be positive and at most one hour");
  }
  if (options.clock_skew < absl::ZeroDuration() ||
      options.clock_skew > kLongestClockSkew ||
      options.proof_max_age <= absl::ZeroDuration() ||
      options.proof_max_age > absl::Minutes(10)) {
    return absl::InvalidArgumentError(
        "clock_skew must be 0-5 minutes and proof_max_age 0-10 minutes");
  }
  if (std::isnan(options.revoke_risk_threshold)) {
    return absl::InvalidArgumentError(
        "revoke_risk_threshold must be a number (NaN would never revoke)");
  }
  if (options.max_delegation_depth < 0 || options.max_failures_per_task < 0) {
    return absl::InvalidArgumentError(
        "max_delegation_depth and max_failures_per_task must not be negative");
  }
  absl::flat_hash_set<absl::string_view> classes;
  for (const std::string& data_class : options.data_classes) {
    if (!IsValidIdentifier(data_class) || !classes.insert(data_class).second) {
      return absl::InvalidArgumentError(
          "data_classes must be distinct, non-empty identifiers");
    }
  }
  if (classes.empty()) {
    return absl::InvalidArgumentError("data_classes must not be empty");
  }
  return absl::OkStatus();
}

class BrokerImpl final : public Broker {
 public:
  BrokerImpl(BrokerOptions options, TrustDomainAllowList trusted,
             std::shared_ptr<PolicyGate> gate,
             std::shared_ptr<StateStore> state, const Clock& clock,
             KeyRing keys)
      : options_(std::move(options)),
        trusted_(std::move(trusted)),
        gate_(std::move(gate)),
        state_(std::move(state)),
        clock_(clock),
        audit_(options_.audit_sink, options_.audit_hmac_key),
        proof_keys_(options_.proof_key_cache_capacity),
        keys_(std::move(keys)) {}

  absl::StatusOr<IssuedToken> Mint(const MintRequest& request) override;
  absl::StatusOr<IssuedToken> Delegate(const DelegateRequest& request) override;
  absl::StatusOr<VerifyResult> Verify(const VerifyRequest& request) override;

  absl::Status RevokeToken(absl::string_view token_id,
                           absl::string_view reason) override;
  absl::Status RevokeTask(absl::string_view task_id,
                          absl::string_view reason) override;
  absl::Status RevokeWorkload(absl::string_view workload,
                              absl::string_view reason) override;
  absl::Status CompleteTask(absl::string_view task_id) override;

  absl::Status AddSigningKey(SigningKey key) override {
    std::unique_lock<std::shared_mutex> lock(keys_mutex_);
    return keys_.Add(std::move(key));
  }
  absl::Status RetireSigningKey(absl::string_view key_id) override {
    std::unique_lock<std::shared_mutex> lock(keys_mutex_);
    return keys_.Retire(key_id);
  }
  absl::Status ContinueAuditLog(absl::string_view last_line) {
    return audit_.ContinueAfter(last_line);
  }

  std::string PublicJwks() const override {
    std::shared_lock<std::shared_mutex> lock(keys_mutex_);
    return keys_.Jwks();
  }

 private:
  // -- identities and inputs
  absl::StatusOr<SpiffeId> TrustedWorkload(absl::string_view id) const;
  int DataClassLevel(absl::string_view data_class) const;
  absl::Status CheckNotRevoked(absl::string_view task_id,
                               absl::string_view workload);

  // -- presented tokens
  absl::StatusOr<Check> Authenticate(const Presentation& presentation,
                                     absl::Time now, Authenticated* out);
  Check CheckSignatureAndClaims(absl::string_view token,
                                TokenClaims* claims) const;
  absl::StatusOr<Check> CheckProof(const Presentation& presentation,
                                   const TokenClaims& claims, absl::Time now);
  absl::StatusOr<Check> CheckRevocations(const TokenClaims& claims);

  // -- verify
  absl::StatusOr<Check> CheckUse(const VerifyRequest& request,
                                 const TokenClaims& claims, absl::Time now,
                                 VerifyResult* result);
  absl::StatusOr<Check> CountUse(const TokenClaims& claims, VerifyResult* result);
  absl::Status AfterRefusal(const TokenClaims& claims,
                            const VerifyResult& result, bool* revoked);
  // How long state about a token that expires at `expires_at` (a claim's
  // seconds) must be kept: until no verifier can accept it any more.
  absl::Time KeptUntil(int64_t expires_at) const {
    return absl::FromUnixSeconds(expires_at) + options_.clock_skew;
  }

  // -- issuing
  absl::StatusOr<GateDecision> AskGate(const TaskContext& context);
  absl::StatusOr<IssuedToken> Issue(TokenClaims claims, GateDecision decision,
                                    absl::string_view event);
  absl::Status Refuse(absl::string_view event, absl::string_view workload,
                      absl::string_view task_id, absl::Status refusal);
  absl::Status Revoke(RevocationKind kind, absl::string_view id,
                      absl::Time expires_at, absl::string_view event,
                      absl::string_view reason);
  void Audit(const AuditEvent& event, absl::Time time);

  const BrokerOptions options_;
  const TrustDomainAllowList trusted_;
  const std::shared_ptr<PolicyGate> gate_;
  const std::shared_ptr<StateStore> state_;
  const Clock& clock_;
  AuditLog audit_;
  broker_internal::PublicKeyCache proof_keys_;
  // std:: rather than absl:: locks: Debian's abseil is not built for
  // ThreadSanitizer, which then cannot see absl::Mutex at all.
  mutable std::shared_mutex keys_mutex_;
  KeyRing keys_ ABSL_GUARDED_BY(keys_mutex_);
};

// ---------------------------------------------------------------------------
// Identities and inputs

absl::StatusOr<SpiffeId> BrokerImpl::TrustedWorkload(
    absl::string_view id) const {
  WRIT_ASSIGN_OR_RETURN(SpiffeId workload, SpiffeId::Parse(id));
  WRIT_RETURN_IF_ERROR(trusted_.Check(workload));
  return workload;
}

int BrokerImpl::DataClassLevel(absl::string_view data_class) const {
  const auto& classes = options_.data_classes;
  auto it = std::find(classes.begin(), classes.end(), data_class);
  return it == classes.end() ? -1 : static_cast<int>(it - classes.begin());
}

absl::Status BrokerImpl::CheckNotRevoked(absl::string_view task_id,
                                         absl::string_view workload) {
  WRIT_ASSIGN_OR_RETURN(bool task_revoked,
                        state_->IsRevoked(RevocationKind::kTask, task_id));
  if (task_revoked) {
    return absl::PermissionDeniedError("the task is completed or revoked");
  }
  WRIT_ASSIGN_OR_RETURN(bool workload_revoked,
                        state_->IsRevoked(RevocationKind::kWorkload, workload));
  if (workload_revoked) {
    return absl::PermissionDeniedError("the workload is revoked");
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// Presented tokens

Check BrokerImpl::CheckSignatureAndClaims(absl::string_view token,
                                          TokenClaims* claims) const {
  CompactJws jws;
  Check check;
  {
    std::shared_lock<std::shared_mutex> lock(keys_mutex_);
    check = keys_.Verify(token, options_.token_type, &jws);
  }
  if (!check.ok()) return check;
  absl::StatusOr<TokenClaims> parsed =
      broker_internal::ParseTokenClaims(jws.payload);
  if (!parsed.ok()) {
    return Check::Fail(RefusalCode::kBadClaims,
                       std::string(parsed.status().message()));
  }
  if (parsed->issuer != options_.issuer) {
    return Check::Fail(RefusalCode::kBadClaims, "issued by another issuer");
  }
  *claims = *std::move(parsed);
  return Check::Pass();
}

absl::StatusOr<Check> BrokerImpl::CheckProof(const Presentation& presentation,
                                             const TokenClaims& claims,
                                             absl::Time now) {
  broker_internal::ProofExpectations expected{presentation.token,
                                              claims.key_thumbprint,
                                              presentation.method,
                                              presentation.url,
                                              now,
                                              options_.proof_max_age,
                                              options_.clock_skew};
  broker_internal::ProofFacts facts;
  Check check =
      broker_internal::VerifyProof(presentation.proof, expected, proof_keys_,
                                   &facts);
  if (!check.ok()) return check;
  // Keyed by the bound key too: proof ids need only be unique per key.
  WRIT_ASSIGN_OR_RETURN(
      bool first_use,
      state_->RememberProof(
          absl::StrCat(claims.key_thumbprint, ":", facts.proof_id),
          facts.issued_at + options_.proof_max_age + options_.clock_skew));
  if (!first_use) {
    return Check::Fail(RefusalCode::kReplayedProof,
                       "proof: already used (replay)");
  }
  return Check::Pass();
}

absl::StatusOr<Check> BrokerImpl::CheckRevocations(const TokenClaims& claims) {
  WRIT_ASSIGN_OR_RETURN(
      bool revoked, state_->IsRevoked(RevocationKind::kToken, claims.token_id));
  if (revoked) return Check::Fail(RefusalCode::kRevoked, "token is revoked");
  for (const std::string& ancestor : claims.ancestors) {
    WRIT_ASSIGN_OR_RETURN(revoked,
                          state_->IsRevoked(RevocationKind::kToken, ancestor));
    if (revoked) {
      return Check::Fail(
          RefusalCode::kRevoked,
          "an ancestor token in the delegation chain is revoked");
    }
  }
  WRIT_ASSIGN_OR_RETURN(
      revoked, state_->IsRevoked(RevocationKind::kTask, claims.task_id));
  if (revoked) {
    return Check::Fail(RefusalCode::kRevoked,
                       "the task is completed or revoked");
  }
  std::vector<absl::string_view> workloads = {claims.subject};
  workloads.insert(workloads.end(), claims.actors.begin(), claims.actors.end());
  for (absl::string_view workload : workloads) {
    WRIT_ASSIGN_OR_RETURN(
        revoked, state_->IsRevoked(RevocationKind::kWorkload, workload));
    if (revoked) {
      return Check::Fail(RefusalCode::kRevoked,
                         absl::StrCat("workload ", workload, " is revoked"));
    }
  }
  return Check::Pass();
}

absl::StatusOr<Check> BrokerImpl::Authenticate(const Presentation& presentation,
                                               absl::Time now,
                                               Authenticated* out) {
  Check check = CheckSignatureAndClaims(presentation.token, &out->claims);
  if (!check.ok()) return check;
  const TokenClaims& claims = out->claims;
  if (now + options_.clock_skew < absl::FromUnixSeconds(claims.not_before)) {
    return Check::Fail(RefusalCode::kNotYetValid, "token is not yet valid");
  }
  if (now - options_.clock_skew >= absl::FromUnixSeconds(claims.expires_at)) {
    return Check::Fail(RefusalCode::kExpired, "token has expired");
  }
  absl::StatusOr<SpiffeId> presenter = TrustedWorkload(presentation.presenter);
  if (!presenter.ok()) {
    return Check::Fail(
        RefusalCode::kUntrustedWorkload,
        absl::StrCat("presenter: ", presenter.status().message()));
  }
  if (presenter->str() != claims.holder()) {
    return Check::Fail(RefusalCode::kWrongHolder,
                       "presented by a workload other than the token's holder");
  }
  WRIT_ASSIGN_OR_RETURN(check, CheckProof(presentation, claims, now));
  if (!check.ok()) return check;
  return CheckRevocations(claims);
}

// ---------------------------------------------------------------------------
// Verify

absl::StatusOr<Check> BrokerImpl::CheckUse(const VerifyRequest& request,
                                           const TokenClaims& claims,
                                           absl::Time now,
                                           VerifyResult* result) {
  if (request.destination != claims.audience) {
    return Check::Fail(RefusalCode::kWrongAudience,
                       "the token is for another destination");
  }
  if (std::find(claims.tools.begin(), claims.tools.end(), request.tool) ==
      claims.tools.end()) {
    return Check::Fail(RefusalCode::kOutOfScope,
                       "the tool is not in the token's scope");
  }
  const std::string& data_class =
      request.data_class.empty() ? claims.data_class : request.data_class;
  const int level = DataClassLevel(data_class);
  if (level < 0 || level > DataClassLevel(claims.data_class)) {
    return Check::Fail(RefusalCode::kOutOfScope,
                       "the data class is above the token's");
  }
  TaskContext context{GateStage::kVerify,  claims.holder(),
                      claims.task_id,      {request.tool},
                      request.destination, data_class,
                      claims.depth(),      request.session_id,
                      request.risk_score,  now};
  WRIT_ASSIGN_OR_RETURN(GateDecision decision, AskGate(context));
  result->decision = decision;
  if (!decision.allow) {
    return Check::Fail(
        RefusalCode::kPolicyDenied,
        absl::StrCat("policy denied", decision.reason.empty() ? "" : ": ",
                     decision.reason));
  }
  return CountUse(claims, result);
}

// Counts a use toward the token's own limit, then toward each limited
// ancestor's, nearest first, and refuses at the first limit passed. A
// refused use stays counted in the counts before it; those belong to the
// token and to ancestors below the spent one, and every token under a
// spent limit is refused from then on anyway, so no token outside it
// loses a use.
absl::StatusOr<Check> BrokerImpl::CountUse(const TokenClaims& claims, VerifyResult* result) {
  if (claims.max_uses > 0) {
    WRIT_ASSIGN_OR_RETURN(result->use_count,
                          state_->IncrementUses(claims.token_id, KeptUntil(claims.expires_at)));
    if (result->use_count > claims.max_uses) {
      return Check::Fail(RefusalCode::kUseLimitExceeded,
                         absl::StrCat("the token's ", claims.max_uses, " use(s) are spent"));
    }
  }
  for (auto limit = claims.use_limits_above.rbegin(); limit != claims.use_limits_above.rend();
       ++limit) {
    WRIT_ASSIGN_OR_RETURN(const int64_t count,
                          state_->IncrementUses(limit->token_id, KeptUntil(limit->expires_at)));
    if (count > limit->max_uses) {
      return Check::Fail(
          RefusalCode::kUseLimitExceeded,
          absl::StrCat("the ", limit->max_uses,
                       " use(s) of a token it descends from (jti ", limit->token_id,
                       ") are spent"));
    }
  }
  return Check::Pass();
}

// Anomaly and retry-exhaustion handling for a refused, authenticated use.
absl::Status BrokerImpl::AfterRefusal(const TokenClaims& claims,
                                      const VerifyResult& result,
                                      bool* revoked) {
  const absl::Time token_dies = KeptUntil(claims.expires_at);
  if (result.decision.has_value() && result.decision->obligations.revoke) {
    WRIT_RETURN_IF_ERROR(Revoke(RevocationKind::kToken, claims.token_id,
                                token_dies, "revoke",
                                "policy deny with obligation revoke"));
    *revoked = true;
  }
  int64_t budget = options_.max_failures_per_task;
  if (result.decision.has_value() &&
      result.decision->obligations.max_failures.has_value()) {
    // A policy's max_failures = 0 allows no failure: the first refused use
    // revokes, as max_uses = 0 grants no use. Read as "no limit", a policy
    // would switch off the operator's retry revocation; only the
    // operator's own max_failures_per_task = 0 does that.
    budget = std::max<int64_t>(1, *result.decision->obligations.max_failures);
  }
  if (budget <= 0) return absl::OkStatus();
  WRIT_ASSIGN_OR_RETURN(int64_t failures,
                        state_->IncrementFailures(claims.task_id, token_dies));
  if (failures >= budget) {
    WRIT_RETURN_IF_ERROR(Revoke(
        RevocationKind::kTask, claims.task_id, absl::InfiniteFuture(), "revoke",
        absl::StrCat("retry exhaustion: ", failures, " refused uses")));
    *revoked = true;
  }
  return absl::OkStatus();
}

absl::StatusOr<VerifyResult> BrokerImpl::Verify(const VerifyRequest& request) {
  const absl::Time now = clock_.Now();
  WRIT_RETURN_IF_ERROR(ValidateRiskScore(request.risk_score));
  VerifyResult result;
  Authenticated token;
  WRIT_ASSIGN_OR_RETURN(Check check,
                        Authenticate(request.presentation, now, &token));
  const TokenClaims& claims = token.claims;
  // Past the signature, the claims are ours: name the token in the result.
  if (!claims.token_id.empty()) {
    result.token_id = claims.token_id;
    result.task_id = claims.task_id;
    result.holder = claims.holder();
  }
  if (check.ok() && request.risk_score >= options_.revoke_risk_threshold) {
    WRIT_RETURN_IF_ERROR(Revoke(
        RevocationKind::kToken, claims.token_id, KeptUntil(claims.expires_at),
        "revoke", "anomaly: risk score reached the revocation threshold"));
    result.triggered_revocation = true;
    check = Check::Fail(RefusalCode::kRevoked,
                        absl::StrFormat("risk score %.2f reached the "
                                        "revocation threshold; token revoked",
                                        request.risk_score));
  }
  if (check.ok()) {
    WRIT_ASSIGN_OR_RETURN(check, CheckUse(request, claims, now, &result));
  }
  result.allowed = check.ok();
  result.code = check.code;
  result.reason = check.ok() ? "allowed" : check.reason;
  // A refusal counts against the task only if the token was genuinely ours.
  if (!check.ok() && !result.token_id.empty() &&
      check.code != RefusalCode::kBadClaims) {
    bool revoked = false;
    WRIT_RETURN_IF_ERROR(AfterRefusal(claims, result, &revoked));
    result.triggered_revocation |= revoked;
  }
  AuditEvent event{
      "verify",
      result.allowed ? "allow" : "deny",
      result.allowed ? "" : std::string(RefusalCodeName(check.code)),
      request.presentation.presenter,
      result.task_id,
      result.token_id,
      claims.ancestors,
      result.decision ? result.decision->policy_digest : "",
      result.decision ? result.decision->determining_rules
                      : std::vector<std::string>{},
      result.reason,
      broker_internal::Fingerprint(request.presentation.token)};
  Audit(event, now);
  return result;
}

// ---------------------------------------------------------------------------
// Mint and Delegate

absl::StatusOr<GateDecision> BrokerImpl::AskGate(const TaskContext& context) {
  absl::StatusOr<GateDecision> decision = gate_->Decide(context);
  if (!decision.ok()) {
    // Fail closed, and say why without passing the gate's code through as
    // if it were ours.
    return absl::UnavailableError(absl::StrCat(
        "policy could not be evaluated: ", decision.status().message()));
  }
  return decision;
}

absl::StatusOr<IssuedToken> BrokerImpl::Issue(TokenClaims claims,
                                              GateDecision decision,
                                              absl::string_view event) {
  WRIT_ASSIGN_OR_RETURN(std::string random, broker_internal::RandomBytes(16));
  claims.token_id = broker_internal::Base64UrlEncode(random);
  claims.issuer = options_.issuer;
  absl::StatusOr<std::string> token;
  {
    std::shared_lock<std::shared_mutex> lock(keys_mutex_);
    const SigningKey& key = keys_.active();
    token = broker_internal::SignCompactJws(
        key,
        broker_internal::JoseHeaderJson(key.algorithm(), key.key_id(),
                                        options_.token_type, nullptr,
                                        !claims.use_limits_above.empty()),
        broker_internal::TokenClaimsToJson(claims));
  }
  if (!token.ok()) return token.status();
  AuditEvent record{std::string(event),
                    "allow",
                    "",
                    claims.holder(),
                    claims.task_id,
                    claims.token_id,
                    claims.ancestors,
                    decision.policy_digest,
                    decision.determining_rules,
                    decision.reason,
                    broker_internal::Fingerprint(*token)};
  Audit(record, absl::FromUnixSeconds(claims.issued_at));
  IssuedToken issued;
  issued.token = *std::move(token);
  issued.token_id = claims.token_id;
  issued.expires_at = absl::FromUnixSeconds(claims.expires_at);
  issued.max_uses = claims.max_uses;
  issued.depth = claims.depth();
  issued.decision = std::move(decision);
  return issued;
}

absl::Status BrokerImpl::Refuse(absl::string_view event,
                                absl::string_view workload,
                                absl::string_view task_id,
                                absl::Status refusal) {
  AuditEvent record;
  record.event = std::string(event);
  record.outcome = "deny";
  record.workload = std::string(workload);
  record.task_id = std::string(task_id);
  record.reason = std::string(refusal.message());
  Audit(record, clock_.Now());
  return refusal;
}

absl::StatusOr<IssuedToken> BrokerImpl::Mint(const MintRequest& request) {
  const absl::Time now = clock_.Now();
  auto refuse = [&](absl::Status status) {
    return Refuse("mint", request.workload, request.task_id, std::move(status));
  };
  absl::StatusOr<SpiffeId> workload = TrustedWorkload(request.workload);
  if (!workload.ok()) return refuse(workload.status());
  if (absl::Status status = ValidateRiskScore(request.risk_score);
      !status.ok()) {
    return refuse(status);
  }
  absl::StatusOr<PublicJwk> key =
      broker_internal::ParsePublicJwk(request.workload_key);
  if (!key.ok()) return refuse(key.status());
  if (!IsValidIdentifier(request.task_id)) {
    return refuse(absl::InvalidArgumentError(
        "task_id must be 1-256 printable ASCII characters without spaces"));
  }
  if (absl::Status status = ValidateTools(request.tools); !status.ok()) {
    return refuse(status);
  }
  if (!IsValidDestination(request.destination)) {
    return refuse(absl::InvalidArgumentError(
        "destination must be set: 1-2048 printable ASCII characters without "
        "spaces or backslashes"));
  }
  if (DataClassLevel(request.data_class) < 0) {
    return refuse(absl::InvalidArgumentError("unknown data class"));
  }
  if (request.lifetime.has_value() &&
      *request.lifetime <= absl::ZeroDuration()) {
    return refuse(absl::InvalidArgumentError("lifetime must be positive"));
  }
  if (absl::Status status = CheckNotRevoked(request.task_id, workload->str());
      !status.ok()) {
    return refuse(status);
  }
  TaskContext context{GateStage::kMint,
                      workload->str(),
                      request.task_id,
                      request.tools,
                      request.destination,
                      request.data_class,
                      0,
                      request.session_id,
                      request.risk_score,
                      now};
  absl::StatusOr<GateDecision> decision = AskGate(context);
  if (!decision.ok()) return refuse(decision.status());
  if (!decision->allow) {
    return refuse(absl::PermissionDeniedError(
        absl::StrCat("policy denied", decision->reason.empty() ? "" : ": ",
                     decision->reason)));
  }
  const absl::Duration lifetime =
      Shortest(Shortest(options_.max_token_lifetime, request.lifetime),
               decision->obligations.max_ttl);
  if (lifetime < absl::Seconds(1)) {
    return refuse(absl::PermissionDeniedError("the allowed lifetime is zero"));
  }
  if (absl::Status status = CheckUsesGranted(decision->obligations); !status.ok()) {
    return refuse(status);
  }
  TokenClaims claims;
  claims.subject = workload->str();
  claims.audience = request.destination;
  claims.issued_at = claims.not_before = absl::ToUnixSeconds(now);
  claims.expires_at = claims.issued_at + absl::ToInt64Seconds(lifetime);
  claims.tools = request.tools;
  claims.task_id = request.task_id;
  claims.data_class = request.data_class;
  claims.key_thumbprint = broker_internal::JwkThumbprint(*key);
  claims.max_uses = FewestUses(0, decision->obligations.max_uses);
  return Issue(std::move(claims), *std::move(decision), "mint");
}

absl::StatusOr<IssuedToken> BrokerImpl::Delegate(
    const DelegateRequest& request) {
  const absl::Time now = clock_.Now();
  auto refuse = [&](absl::string_view task_id, absl::Status status) {
    return Refuse("delegate", request.child_workload, task_id,
                  std::move(status));
  };
  Authenticated parent_token;
  WRIT_ASSIGN_OR_RETURN(Check check,
                        Authenticate(request.parent, now, &parent_token));
  const TokenClaims& parent = parent_token.claims;
  if (!check.ok()) {
    return refuse(parent.task_id, absl::UnauthenticatedError(absl::StrCat(
                                      "parent token refused: ", check.reason)));
  }
  absl::StatusOr<SpiffeId> child = TrustedWorkload(request.child_workload);
  if (!child.ok()) return refuse(parent.task_id, child.status());
  if (absl::Status status = ValidateRiskScore(request.risk_score);
      !status.ok()) {
    return refuse(parent.task_id, status);
  }
  // The task was checked with the parent; the child may be revoked itself.
  if (absl::Status status = CheckNotRevoked(parent.task_id, child->str());
      !status.ok()) {
    return refuse(parent.task_id, status);
  }
  absl::StatusOr<PublicJwk> key =
      broker_internal::ParsePublicJwk(request.child_workload_key);
  if (!key.ok()) return refuse(parent.task_id, key.status());

  const std::vector<std::string> tools =
      request.tools.empty() ? parent.tools : request.tools;
  if (absl::Status status = ValidateTools(tools); !status.ok()) {
    return refuse(parent.task_id, status);
  }
  for (const std::string& tool : tools) {
    if (std::find(parent.tools.begin(), parent.tools.end(), tool) ==
        parent.tools.end()) {
      return refuse(parent.task_id,
                    absl::PermissionDeniedError(
                        absl::StrCat("scope widening: tool \"", tool,
                                     "\" is not in the parent token's scope")));
    }
  }
  if (!request.destination.empty() && request.destination != parent.audience) {
    return refuse(parent.task_id,
                  absl::PermissionDeniedError(
                      "destination change: a delegated token keeps its "
                      "parent's destination"));
  }
  const std::string& data_class =
      request.data_class.empty() ? parent.data_class : request.data_class;
  const int level = DataClassLevel(data_class);
  if (level < 0) {
    return refuse(parent.task_id,
                  absl::InvalidArgumentError("unknown data class"));
  }
  if (level > DataClassLevel(parent.data_class)) {
    return refuse(parent.task_id,
                  absl::PermissionDeniedError(absl::StrCat(
                      "data-class widening: \"", data_class,
                      "\" is above the parent's \"", parent.data_class, "\"")));
  }
  const int depth = parent.depth() + 1;
  if (depth > options_.max_delegation_depth) {
    return refuse(parent.task_id,
                  absl::PermissionDeniedError(absl::StrCat(
                      "delegation depth ", depth, " exceeds the maximum ",
                      options_.max_delegation_depth)));
  }
  const absl::Duration remaining =
      absl::FromUnixSeconds(parent.expires_at) - now;
  if (request.lifetime.has_value() &&
      (*request.lifetime <= absl::ZeroDuration() ||
       *request.lifetime > remaining)) {
    return refuse(parent.task_id,
                  absl::PermissionDeniedError(
                      "lifetime extension: a delegated token cannot outlive "
                      "its parent"));
  }
  TaskContext context{
      GateStage::kDelegate, child->str(), parent.task_id, tools,
      parent.audience,      data_class,   depth,          request.session_id,
      request.risk_score,   now};
  absl::StatusOr<GateDecision> decision = AskGate(context);
  if (!decision.ok()) return refuse(parent.task_id, decision.status());
  if (!decision->allow) {
    return refuse(parent.task_id,
                  absl::PermissionDeniedError(absl::StrCat(
                      "policy denied", decision->reason.empty() ? "" : ": ",
                      decision->reason)));
  }
  const absl::Duration lifetime =
      Shortest(Shortest(std::min(options_.max_token_lifetime, remaining),
                        request.lifetime),
               decision->obligations.max_ttl);
  if (lifetime < absl::Seconds(1)) {
    return refuse(parent.task_id,
                  absl::PermissionDeniedError("the allowed lifetime is zero"));
  }
  if (absl::Status status = CheckUsesGranted(decision->obligations); !status.ok()) {
    return refuse(parent.task_id, status);
  }
  TokenClaims claims;
  claims.subject = parent.subject;
  claims.audience = parent.audience;
  claims.issued_at = claims.not_before = absl::ToUnixSeconds(now);
  claims.expires_at = std::min(
      parent.expires_at, claims.issued_at + absl::ToInt64Seconds(lifetime));
  claims.tools = tools;
  claims.task_id = parent.task_id;
  claims.data_class = data_class;
  claims.key_thumbprint = broker_internal::JwkThumbprint(*key);
  claims.max_uses = FewestUses(parent.max_uses, decision->obligations.max_uses);
  // A use-limited parent's limit holds for its children's uses too, not a
  // copy of it for each: otherwise each of any number of children would
  // get the whole limit.
  claims.use_limits_above = parent.use_limits_above;
  if (parent.max_uses > 0) {
    claims.use_limits_above.push_back({parent.token_id, parent.max_uses, parent.expires_at});
  }
  claims.actors.push_back(child->str());
  claims.actors.insert(claims.actors.end(), parent.actors.begin(),
                       parent.actors.end());
  claims.ancestors = parent.ancestors;
  claims.ancestors.push_back(parent.token_id);
  return Issue(std::move(claims), *std::move(decision), "delegate");
}

// ---------------------------------------------------------------------------
// Revocation

void BrokerImpl::Audit(const AuditEvent& event, absl::Time time) {
  // An audit sink that fails must not turn a refusal into an acceptance or
  // vice versa; the sink reports its own failures.
  (void)audit_.Record(event, time);
}

absl::Status BrokerImpl::Revoke(RevocationKind kind, absl::string_view id,
                                absl::Time expires_at, absl::string_view event,
                                absl::string_view reason) {
  WRIT_RETURN_IF_ERROR(state_->Revoke(kind, id, expires_at));
  AuditEvent record;
  record.event = std::string(event);
  record.outcome = "ok";
  switch (kind) {
    case RevocationKind::kToken:
      record.token_id = std::string(id);
      break;
    case RevocationKind::kTask:
      record.task_id = std::string(id);
      break;
    case RevocationKind::kWorkload:
      record.workload = std::string(id);
      break;
  }
  record.reason = std::string(reason);
  Audit(record, clock_.Now());
  return absl::OkStatus();
}

absl::Status BrokerImpl::RevokeToken(absl::string_view token_id,
                                     absl::string_view reason) {
  if (!IsValidIdentifier(token_id)) {
    return absl::InvalidArgumentError("malformed token id");
  }
  // No token outlives the longest cap any broker accepts, so neither need
  // its revocation. Not this broker's cap: the token may have been minted
  // under a longer one (before a restart with new options over the same
  // store), and a revocation forgotten before the token expires revives it.
  return Revoke(RevocationKind::kToken, token_id,
                clock_.Now() + kLongestAllowedCap + kLongestClockSkew, "revoke", reason);
}

absl::Status BrokerImpl::RevokeTask(absl::string_view task_id,
                                    absl::string_view reason) {
  if (!IsValidIdentifier(task_id)) {
    return absl::InvalidArgumentError("malformed task id");
  }
  return Revoke(RevocationKind::kTask, task_id, absl::InfiniteFuture(),
                "revoke", reason);
}

absl::Status BrokerImpl::RevokeWorkload(absl::string_view workload,
                                        absl::string_view reason) {
  WRIT_ASSIGN_OR_RETURN(SpiffeId id, SpiffeId::Parse(workload));
  return Revoke(RevocationKind::kWorkload, id.str(), absl::InfiniteFuture(),
                "revoke", reason);
}

absl::Status BrokerImpl::CompleteTask(absl::string_view task_id) {
  if (!IsValidIdentifier(task_id)) {
    return absl::InvalidArgumentError("malformed task id");
  }
  return Revoke(RevocationKind::kTask, task_id, absl::InfiniteFuture(),
                "complete", "task completed");
}

}  // namespace

absl::StatusOr<std::unique_ptr<Broker>> Broker::Create(
    BrokerOptions options, SigningKey signing_key,
    std::shared_ptr<PolicyGate> gate) {
  WRIT_RETURN_IF_ERROR(ValidateOptions(options));
  if (gate == nullptr) {
    return absl::InvalidArgumentError("a policy gate is required");
  }
  WRIT_ASSIGN_OR_RETURN(TrustDomainAllowList trusted,
                        TrustDomainAllowList::Create(options.trusted_domains));
  KeyRing keys;
  WRIT_RETURN_IF_ERROR(keys.Add(std::move(signing_key)));
  const Clock& clock =
      options.clock != nullptr ? *options.clock : Clock::Real();
  std::shared_ptr<StateStore> state = options.state_store;
  if (state == nullptr) state = NewInMemoryStateStore(&clock);
  const std::string continue_after = options.audit_continue_after;
  auto broker = std::make_unique<BrokerImpl>(
      std::move(options), std::move(trusted), std::move(gate),
      std::move(state), clock, std::move(keys));
  if (!continue_after.empty()) {
    WRIT_RETURN_IF_ERROR(broker->ContinueAuditLog(continue_after));
  }
  return std::unique_ptr<Broker>(std::move(broker));
}

}  // namespace writ
