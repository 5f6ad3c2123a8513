// writ — the task credential broker.
//
// Agents should never hold a standing bearer token. The broker mints one
// credential per task instead: it lives minutes, names exactly the tools,
// destination and data class of that task, is bound to the key of the
// workload that asked for it (so a stolen copy is useless), narrows at each
// delegation hop, is re-checked against live policy on every use, and dies
// when the task ends.
//
//   writ::BrokerOptions options;
//   options.trusted_domains = {"example.org"};
//   auto key = writ::SigningKey::Generate(writ::SigningAlgorithm::kEd25519,
//                                         "2026-11-a");
//   auto broker = writ::Broker::Create(options, *std::move(key), gate);
//   auto issued = (*broker)->Mint(mint_request);        // planner's token
//   auto child = (*broker)->Delegate(delegate_request);  // narrower, for a
//   sub-agent auto result = (*broker)->Verify(verify_request);    // at the
//   gateway, per call
//   (*broker)->CompleteTask("task-42");                  // all of them die
//
// Tokens are compact JWS (RFC 7515) JWTs signed with Ed25519 (JOSE alg
// "Ed25519", RFC 9864) or ES256, carrying iss sub aud iat nbf exp jti, the
// scope, the task id, the key binding cnf.jkt (RFC 7638 thumbprint, as DPoP
// RFC 9449) and the delegation chain as nested `act` (RFC 8693). Each use
// is accompanied by a proof: a small JWS the workload signs with its bound
// key over the request's method and URL, a time, a unique id and the token's
// hash (RFC 9449's DPoP proof shape). docs/broker.md describes the format
// and the threats it covers.
//
// Error channels, kept apart: a malformed request or a broken dependency is
// an absl::Status; a refusal (policy deny, widening, an attack) is a Status
// from Mint/Delegate, but a value (VerifyResult) from Verify, because a
// refused use is the normal outcome of an attack, not a failure. No message
// and no audit line ever contains a token or a proof.
#ifndef WRIT_BROKER_H_
#define WRIT_BROKER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace writ {

namespace broker_internal {
struct SigningKeyAccess;
}  // namespace broker_internal

class Engine;

// ---------------------------------------------------------------------------
// Keys

// The two signature algorithms a key may have; one per key, never mixed.
enum class SigningAlgorithm {
  kEd25519,  // JOSE "Ed25519" (RFC 9864); OKP key on curve Ed25519
  kEs256,    // JOSE "ES256": ECDSA P-256 with SHA-256, raw r||s signatures
};

// The JOSE name: "Ed25519" or "ES256".
absl::string_view SigningAlgorithmName(SigningAlgorithm algorithm);

// An asymmetric private key with its key id and its one algorithm. Used by
// the broker to sign tokens and by a workload to sign proofs. Immutable and
// thread-safe; copies share the key.
class SigningKey {
 public:
  // A fresh key from OpenSSL's random generator.
  static absl::StatusOr<SigningKey> Generate(SigningAlgorithm algorithm,
                                             std::string key_id);
  // A PKCS#8 PEM private key ("-----BEGIN PRIVATE KEY-----"); the algorithm
  // is that of the key (Ed25519, or EC on P-256 as ES256).
  static absl::StatusOr<SigningKey> FromPrivateKeyPem(absl::string_view pem,
                                                      std::string key_id);

  const std::string& key_id() const { return key_id_; }
  SigningAlgorithm algorithm() const { return algorithm_; }

  // The public half as a JWK (RFC 7517) JSON object with "kid", "alg" and
  // "use":"sig".
  std::string PublicJwk() const;
  // RFC 7638 thumbprint of the public key (base64url SHA-256): what a
  // token's cnf.jkt holds when this is a workload key.
  std::string Thumbprint() const;
  // PKCS#8 PEM; handle with care.
  absl::StatusOr<std::string> PrivateKeyPem() const;

  struct Impl;  // defined by the broker's internals

 private:
  friend struct broker_internal::SigningKeyAccess;

  SigningKey(std::shared_ptr<const Impl> impl, std::string key_id,
             SigningAlgorithm algorithm)
      : impl_(std::move(impl)),
        key_id_(std::move(key_id)),
        algorithm_(algorithm) {}

  std::shared_ptr<const Impl> impl_;
  std::string key_id_;
  SigningAlgorithm algorithm_;
};

// ---------------------------------------------------------------------------
// Proof of possession (client side)

// What a workload signs for one request.
struct ProofInput {
  std::string method;  // HTTP method of the request, e.g. "POST"
  std::string url;     // the request URL; query and fragment are ignored
  std::string token;   // the token presented with it (its hash is signed)
  absl::Time issued_at = absl::UnixEpoch();
  // Unique per proof; a random 128-bit id when empty.
  std::string proof_id;
};

// Makes a proof JWS (typ "dpop+jwt", the public JWK in the header) signed
// with `workload_key`, the key the token is bound to.
absl::StatusOr<std::string> CreateProof(const SigningKey& workload_key,
                                        const ProofInput& input);

// ---------------------------------------------------------------------------
// Policy

// Where in a credential's life the policy is being asked.
enum class GateStage { kMint, kDelegate, kVerify };

// What the policy sees. At kVerify the values are the live request's (risk
// now, not at mint time).
struct TaskContext {
  GateStage stage = GateStage::kMint;
  std::string workload;  // SPIFFE ID of the requester or presenter
  std::string task_id;
  // The tools requested (mint, delegate) or the one being called (verify).
  std::vector<std::string> tools;
  std::string destination;
  std::string data_class;
  int depth = 0;  // session.depth: 0 for a root token
  std::string session_id;
  double risk_score = 0;
  absl::Time now = absl::UnixEpoch();
};

// Obligations the broker enforces when the policy allows.
struct GateObligations {
  std::optional<absl::Duration> max_ttl;  // caps the token's lifetime
  std::optional<int64_t> max_uses;        // caps the token's uses; 0 or less: none, no token
  // Refused uses per task before the task is revoked; 0 or less: revoked
  // at the first.
  std::optional<int64_t> max_failures;
  bool revoke = false;  // on a deny: revoke the token (and its descendants)
};

struct GateDecision {
  bool allow = false;
  std::string reason;         // the `because`, if any
  std::string policy_digest;  // "sha256:..." of the policy
  std::vector<std::string> determining_rules;
  GateObligations obligations;
  // The policy's explanation records (SPEC §5 JSON), one per tool asked
  // about, in the order of TaskContext::tools; empty from gates that have
  // none.
  std::vector<std::string> explanations;
};

// The policy the broker consults at mint, delegation and every verify.
// Implementations must be thread-safe. A Status error means the policy
// could not be evaluated; the broker then refuses (fails closed).
class PolicyGate {
 public:
  virtual ~PolicyGate() = default;
  virtual absl::StatusOr<GateDecision> Decide(const TaskContext& context) = 0;
};

// The gate backed by a writ policy: each Decide asks the Engine's live
// policy (so a reload applies from the next mint or verify), once per tool,
// and allows only if every tool is allowed. The request holds those of
// these attributes the policy's schema declares:
//
//   tool               one of TaskContext::tools
//   destination.host   the destination's host (the destination itself
//                      unless it is a URL)
//   data_class         session.id   session.depth   risk.score
//   workload.id
//   token.bound        true: every broker token is bound to a key
//   token.audience     the destination's host, as the token's aud
//
// Obligations read: max_ttl (duration) and max_uses (int) of the allow
// rules, merged as SPEC §5 merges them, max_failures (int), and revoke
// (bool) of the deny rules that decided. Denies carry the first `because`;
// a default deny says so.
std::shared_ptr<PolicyGate> NewEnginePolicyGate(
    std::shared_ptr<const Engine> engine);

// ---------------------------------------------------------------------------
// State and time

// The broker's mutable state, behind an interface so that several gateways
// can share one store (e.g. a key-value server). Every method is atomic
// with respect to the others and thread-safe. `expires_at` says when an
// entry may be forgotten because the token or proof it concerns is dead.
class StateStore {
 public:
  enum class RevocationKind { kToken, kTask, kWorkload };

  virtual ~StateStore() = default;

  virtual absl::Status Revoke(RevocationKind kind, absl::string_view id,
                              absl::Time expires_at) = 0;
  virtual absl::StatusOr<bool> IsRevoked(RevocationKind kind,
                                         absl::string_view id) = 0;
  // Adds one to the token's use count and returns the new count.
  virtual absl::StatusOr<int64_t> IncrementUses(absl::string_view token_id,
                                                absl::Time expires_at) = 0;
  // Records a proof id; false if it was already recorded (a replay).
  virtual absl::StatusOr<bool> RememberProof(absl::string_view proof_key,
                                             absl::Time expires_at) = 0;
  // Adds one to the task's count of refused uses and returns it.
  virtual absl::StatusOr<int64_t> IncrementFailures(absl::string_view task_id,
                                                    absl::Time expires_at) = 0;
};

// Time source, injectable for tests.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
  // The system clock.
  static const Clock& Real();
};

// The default store: hash tables in this process, forgetting entries whose
// expires_at has passed by `clock` (Clock::Real() when null; it must
// outlive the store). Thread-safe.
std::unique_ptr<StateStore> NewInMemoryStateStore(const Clock* clock = nullptr);

// ---------------------------------------------------------------------------
// Audit log

// Receives the audit log one line at a time, in order (no newline). Each
// line is a JSON object carrying the SHA-256 of the previous line, so
// editing, dropping, inserting or reordering lines is detectable.
class AuditSink {
 public:
  virtual ~AuditSink() = default;
  virtual absl::Status Append(absl::string_view line) = 0;
};

// Checks a whole log (lines separated by '\n'). OK if intact; otherwise
// DataLoss naming the first bad line (1-based) and whether it looks edited,
// dropped, inserted or reordered. `hmac_key` must be the key the log was
// written with, or empty if none.
absl::Status VerifyAuditLog(absl::string_view log_text,
                            absl::string_view hmac_key = "");

// ---------------------------------------------------------------------------
// The broker

struct BrokerOptions {
  // `iss` of every token, checked on verify.
  std::string issuer = "writ-broker";
  // `typ` header of every token; the only typ Verify accepts.
  std::string token_type = "writ-task+jwt";
  // Trust domains whose workloads may obtain or present tokens. Empty
  // refuses everyone.
  std::vector<std::string> trusted_domains;
  // Data classes from least to most sensitive; a token's class may only
  // narrow (move left) on delegation.
  std::vector<std::string> data_classes = {"public", "internal", "confidential",
                                           "restricted"};
  // The broker's cap on any token's lifetime: minutes, never hours.
  absl::Duration max_token_lifetime = absl::Minutes(10);
  // Tolerated disagreement between clocks for exp, nbf and proof iat.
  absl::Duration clock_skew = absl::Seconds(30);
  // How old a proof may be; its id is remembered this long (plus skew).
  absl::Duration proof_max_age = absl::Seconds(60);
  // Delegation hops allowed below a root token (root = depth 0).
  int max_delegation_depth = 3;
  // Refused uses per task before the whole task is revoked (retry
  // exhaustion); a gate obligation max_failures overrides. 0 disables
  // (here only: an obligation of 0 revokes at the first refused use).
  int64_t max_failures_per_task = 5;
  // A verify whose risk score is at least this revokes the token (anomaly).
  double revoke_risk_threshold = 0.9;
  // Holders' public keys kept imported, so that a token's uses after the
  // first skip turning its proof key from JWK into a key object (which for
  // P-256 costs more than the signature check). Each entry is one key (a
  // few hundred bytes to a few KiB); the least recently used is dropped
  // past the cap. 0 imports the key on every verify.
  size_t proof_key_cache_capacity = 4096;
  // Where state lives; an in-memory store when null.
  std::shared_ptr<StateStore> state_store;
  // Where audit lines go; none are written when null. Must outlive the
  // broker.
  AuditSink* audit_sink = nullptr;
  // When non-empty, each audit line also carries an HMAC-SHA256 under this
  // key, so a log editor without the key cannot re-chain the hashes.
  std::string audit_hmac_key;
  // To continue an existing log: its last line, whose seq and hash the next
  // line follows. Empty starts a new chain.
  std::string audit_continue_after;
  // Clock::Real() when null. Must outlive the broker.
  const Clock* clock = nullptr;
};

struct MintRequest {
  std::string workload;      // SPIFFE ID, already authenticated (mTLS/SVID)
  std::string workload_key;  // its public key as JWK JSON: the token's binding
  std::string task_id;
  std::vector<std::string> tools;  // the task's tool(s): the scope
  // Becomes `aud`. Printable ASCII without spaces or backslashes, where
  // URL parsers disagree on the host; at most 2048 bytes.
  std::string destination;
  std::string data_class;          // one of BrokerOptions::data_classes
  std::string session_id;
  double risk_score = 0;
  // Shorter than the broker's cap if wanted; never longer.
  std::optional<absl::Duration> lifetime;
};

// A token being presented, with its proof and the request it came with.
struct Presentation {
  std::string token;
  std::string proof;
  std::string presenter;  // SPIFFE ID of the caller, authenticated upstream
  std::string method;     // of the actual request
  std::string url;        // of the actual request
};

struct DelegateRequest {
  // The parent token, presented by its holder with a proof for the request
  // to the broker.
  Presentation parent;
  std::string child_workload;      // the sub-agent's SPIFFE ID
  std::string child_workload_key;  // its public key as JWK JSON
  // Must be a subset of the parent's tools; empty means all of them.
  std::vector<std::string> tools;
  // Must equal the parent's destination; empty means the same.
  std::string destination;
  // At most the parent's class; empty means the same.
  std::string data_class;
  std::string session_id;
  double risk_score = 0;
  // Must not outlast the parent; the parent's remaining time when unset.
  std::optional<absl::Duration> lifetime;
};

struct IssuedToken {
  std::string token;     // compact JWS: a credential, never log it
  std::string token_id;  // jti: what logs and revocations name
  absl::Time expires_at = absl::UnixEpoch();
  // 0 = no limit beyond the lifetime. A token delegated from a use-limited
  // one counts its uses together with its parent's (docs/broker.md).
  int64_t max_uses = 0;
  int depth = 0;
  GateDecision decision;  // the policy decision that allowed it
};

struct VerifyRequest {
  Presentation presentation;
  std::string destination;  // where the call is going: must equal `aud`
  std::string tool;         // the tool being called: must be in scope
  std::string data_class;   // of this call; empty means the token's
  std::string session_id;
  // Live, re-evaluated by the policy. Must be finite, here and in Mint and
  // Delegate requests: NaN would compare false with every threshold, so a
  // non-finite score is InvalidArgument.
  double risk_score = 0;
};

// Why a verify refused, one value per check (the first failing is reported).
enum class RefusalCode {
  kNone = 0,
  kMalformed,     // not a compact JWS, non-canonical base64url, bad JSON
  kBadAlgorithm,  // alg none, HMAC, unknown, or not the key's alg
  kUnknownKey,    // kid not in the key ring (or retired)
  kBadSignature,  // signature does not verify (tampered or wrong key)
  kBadType,       // typ is not the broker's token type
  kBadClaims,     // missing or mistyped claims, wrong issuer
  kNotYetValid,
  kExpired,
  kWrongAudience,
  kWrongHolder,  // presented by a workload other than the holder
  kBadProof,     // missing, malformed, wrong key, method, URL, time
  kReplayedProof,
  kRevoked,     // the token, an ancestor, its task or a workload
  kOutOfScope,  // tool not in scope or data class above the token's
  kPolicyDenied,
  kUseLimitExceeded,
  kUntrustedWorkload,  // trust domain not allowed
};

// "malformed", "expired", ... for logs.
absl::string_view RefusalCodeName(RefusalCode code);

struct VerifyResult {
  bool allowed = false;
  RefusalCode code = RefusalCode::kNone;
  std::string reason;  // human-readable; never contains the token or proof
  // Known once the token's signature checked out, empty before.
  std::string token_id;
  std::string task_id;
  std::string holder;
  // For a use-limited token: its uses and its delegates' so far, this one
  // included (each use also counts toward every limited ancestor's own).
  int64_t use_count = 0;
  // The live policy decision, when the policy was consulted.
  std::optional<GateDecision> decision;
  // This verify revoked something (anomaly or retry exhaustion).
  bool triggered_revocation = false;
};

// Mints, delegates, verifies and revokes task credentials. Thread-safe. Not
// copyable or movable: hold it by the unique_ptr Create returns.
class Broker {
 public:
  // `signing_key` becomes the active key. `gate` is consulted at every
  // mint, delegation and verify.
  static absl::StatusOr<std::unique_ptr<Broker>> Create(
      BrokerOptions options, SigningKey signing_key,
      std::shared_ptr<PolicyGate> gate);

  virtual ~Broker() = default;
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  // A root token for a task. PermissionDenied if the policy denies or the
  // workload is not trusted; InvalidArgument for a malformed request.
  virtual absl::StatusOr<IssuedToken> Mint(const MintRequest& request) = 0;

  // A narrower token for a sub-agent, from a parent token its holder
  // presents. Any widening (tools, destination, data class, lifetime,
  // depth) is PermissionDenied with the reason.
  virtual absl::StatusOr<IssuedToken> Delegate(
      const DelegateRequest& request) = 0;

  // Checks one use of a token. A refusal is a VerifyResult with allowed ==
  // false; a Status error means the broker could not decide (e.g. the state
  // store is down) and the caller must refuse too.
  virtual absl::StatusOr<VerifyResult> Verify(const VerifyRequest& request) = 0;

  // Revocation. A revoked token's descendants are refused too.
  virtual absl::Status RevokeToken(absl::string_view token_id,
                                   absl::string_view reason) = 0;
  virtual absl::Status RevokeTask(absl::string_view task_id,
                                  absl::string_view reason) = 0;
  virtual absl::Status RevokeWorkload(absl::string_view workload,
                                      absl::string_view reason) = 0;
  // The task is over: every token of it, at any depth, is refused from now.
  virtual absl::Status CompleteTask(absl::string_view task_id) = 0;

  // Key rotation: `key` signs from now on; earlier keys keep verifying
  // until retired. The key id must be new.
  virtual absl::Status AddSigningKey(SigningKey key) = 0;
  // Tokens signed by a retired key are refused. The active key cannot be
  // retired (add its successor first).
  virtual absl::Status RetireSigningKey(absl::string_view key_id) = 0;
  // {"keys":[...]}: the public keys that verify, for other verifiers.
  virtual std::string PublicJwks() const = 0;

 protected:
  Broker() = default;
};

}  // namespace writ

#endif  // WRIT_BROKER_H_
