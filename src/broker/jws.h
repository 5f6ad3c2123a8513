// Internal to the broker: compact JWS (RFC 7515 §7.1) with an algorithm
// allow-list and a key ring.
//
// A token is BASE64URL(header) "." BASE64URL(payload) "." BASE64URL(sig).
// Parsing is strict: exactly three parts, canonical base64url, a header
// that is a JSON object without duplicate members and without extensions we
// do not implement ("b64", remote key URLs, a "crit" naming anything but
// kNestedUseLimitsMember). Verification then takes
// the algorithm from the *key*, not from the token: the header's "alg"
// must equal the algorithm of the key named by "kid", so "none", HMAC with
// a public key as the secret, and any other algorithm confusion fail
// before a signature is even checked.
#ifndef WRIT_SRC_BROKER_JWS_H_
#define WRIT_SRC_BROKER_JWS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "src/broker/jwk.h"
#include "writ/broker.h"

namespace writ::broker_internal {

// Anything longer is refused unparsed.
inline constexpr size_t kMaxCompactJwsBytes = 16 * 1024;

// The outcome of a check that can refuse: kNone and no reason when it
// passed.
struct Check {
  RefusalCode code = RefusalCode::kNone;
  std::string reason;

  bool ok() const { return code == RefusalCode::kNone; }
  static Check Pass() { return Check{}; }
  static Check Fail(RefusalCode code, std::string reason) {
    return Check{code, std::move(reason)};
  }
};

// The header member a token carrying "use_limits_above" lists in "crit"
// (RFC 7515 §4.1.11). A verifier that does not count uses toward the
// limits above must refuse such a token, as writ 0.3.0 and older refuse
// any "crit"; without it, during a rolling upgrade an older broker would
// count only the token's own uses and let its delegates pass their
// ancestors' limits.
inline constexpr absl::string_view kNestedUseLimitsMember = "writ_nested_use_limits";

struct JoseHeader {
  std::string alg;
  std::optional<std::string> kid;
  std::optional<std::string> typ;
  std::optional<PublicJwk> jwk;  // proofs carry their public key
  bool nested_use_limits = false;  // "crit" lists kNestedUseLimitsMember
};

struct CompactJws {
  JoseHeader header;
  std::string payload;        // the decoded payload (JSON for us)
  std::string signing_input;  // the first two parts with their dot
  std::string signature;      // decoded
};

// Structural parse into `out` (all of it overwritten); no signature check.
// kMalformed or kBadAlgorithm (a header that names no algorithm, or an
// extension) on failure.
Check ParseCompactJws(absl::string_view text, CompactJws* out);

// Maps a JOSE "alg" to one of ours; kBadAlgorithm with the reason for
// "none", HMAC, "EdDSA" and anything else.
Check AlgorithmFromName(absl::string_view alg, SigningAlgorithm* out);

// {"alg":...,"kid":...,"typ":...} or, with a JWK, {"alg":...,"jwk":...,
// "typ":...}; empty `kid` is left out. With `nested_use_limits`, the
// header also marks kNestedUseLimitsMember critical.
std::string JoseHeaderJson(SigningAlgorithm algorithm, absl::string_view kid,
                           absl::string_view typ, const PublicJwk* jwk,
                           bool nested_use_limits = false);

// Signs `payload` under `header_json` with `key`.
absl::StatusOr<std::string> SignCompactJws(const SigningKey& key,
                                           absl::string_view header_json,
                                           absl::string_view payload);

// Checks `jws`'s alg against the allow-list and `key`'s algorithm, then
// its signature with `public_key` (in one of `forms`: crypto.h).
Check VerifyCompactJws(const CompactJws& jws, SigningAlgorithm key_algorithm,
                       const EVP_PKEY& public_key, SignatureForms forms);

// The broker's signing keys. The newest is active (signs); all keys still
// in the ring verify. Not thread-safe: the broker guards it.
class KeyRing {
 public:
  // `key` becomes the active key. AlreadyExists for a reused key id,
  // InvalidArgument for an empty one.
  absl::Status Add(SigningKey key);
  // FailedPrecondition for the active key, NotFound for an unknown id.
  absl::Status Retire(absl::string_view key_id);

  const SigningKey& active() const { return keys_.back(); }
  bool empty() const { return keys_.empty(); }

  // Full check of a token: parse, typ, kid, alg, signature.
  Check Verify(absl::string_view token, absl::string_view expected_typ,
               CompactJws* out) const;

  // {"keys":[...]} with every verifying key.
  std::string Jwks() const;

 private:
  const SigningKey* Find(absl::string_view key_id) const;

  std::vector<SigningKey> keys_;  // in order of addition: last is active
};

}  // namespace writ::broker_internal

#endif  // WRIT_SRC_BROKER_JWS_H_
