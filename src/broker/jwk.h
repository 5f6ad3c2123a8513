// Internal to the broker: JSON Web Keys (RFC 7517) for the two key types
// the broker uses, and RFC 7638 thumbprints.
//
//   OKP / Ed25519 (RFC 8037):  {"kty":"OKP","crv":"Ed25519","x":...}
//   EC / P-256 (RFC 7518 §6.2): {"kty":"EC","crv":"P-256","x":...,"y":...}
//
// Only public keys are accepted: a JWK carrying "d" is refused, because a
// workload that sends its private key to the broker has already lost it.
// The thumbprint hashes the required members in lexicographic order with no
// whitespace (RFC 7638 §3.2); it is what a token's cnf.jkt holds.
#ifndef WRIT_SRC_BROKER_JWK_H_
#define WRIT_SRC_BROKER_JWK_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "src/broker/crypto.h"
#include "src/broker/json_util.h"
#include "writ/broker.h"

namespace writ::broker_internal {

struct PublicJwk {
  SigningAlgorithm algorithm = SigningAlgorithm::kEd25519;
  std::string x;  // raw bytes
  std::string y;  // raw bytes; empty for Ed25519
};

// Parses a public JWK from JSON text and checks that the key is usable
// (right lengths, on the curve) by loading it; for keys a token is about to
// be bound to.
absl::StatusOr<PublicJwk> ParsePublicJwk(absl::string_view json);
// Reads an already parsed JWK object: members, key type, base64url, "alg"
// and "use". It does not load the key, which for P-256 costs more than a
// signature check: a proof's key is loaded (through the PublicKeyCache)
// only once its thumbprint has matched the token's cnf.jkt.
absl::StatusOr<PublicJwk> PublicJwkFromObject(const JsonObject& object);

// The JWK as compact JSON: the required members in RFC 7638 order, then
// "kid", "alg" and "use" when `key_id` is non-empty (for a JWKS).
std::string PublicJwkToJson(const PublicJwk& jwk, absl::string_view key_id);

// The RFC 7638 JWK thumbprint: base64url(SHA-256(canonical members)).
std::string JwkThumbprint(const PublicJwk& jwk);

absl::StatusOr<EvpPkeyPtr> PublicJwkToKey(const PublicJwk& jwk);
absl::StatusOr<PublicJwk> PublicJwkFromKey(const EVP_PKEY& key);

}  // namespace writ::broker_internal

#endif  // WRIT_SRC_BROKER_JWK_H_
