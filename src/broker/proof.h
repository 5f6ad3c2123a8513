// Internal to the broker: checking proof-of-possession JWTs.
//
// A proof has the shape of a DPoP proof (RFC 9449 §4.2):
//
//   header  {"alg":"Ed25519"|"ES256","typ":"dpop+jwt","jwk":{public key}}
//   claims  {"jti":..,"htm":"POST","htu":"https://..","iat":..,"ath":..}
//
// and is accepted (RFC 9449 §4.3) when it parses, its typ is dpop+jwt, its
// alg is on the allow-list and matches its key, the signature verifies
// with the header's key, that key's RFC 7638 thumbprint is the token's
// cnf.jkt, htm and htu are the request's (htu without query or fragment),
// iat is recent, ath is the SHA-256 of the token presented with it, and
// its jti has not been seen in its window (the caller's replay cache).
#ifndef WRIT_SRC_BROKER_PROOF_H_
#define WRIT_SRC_BROKER_PROOF_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "src/broker/jws.h"
#include "src/broker/public_key_cache.h"

namespace writ::broker_internal {

inline constexpr absl::string_view kProofType = "dpop+jwt";

struct ProofExpectations {
  absl::string_view token;           // the token presented with the proof
  absl::string_view key_thumbprint;  // the token's cnf.jkt
  absl::string_view method;
  absl::string_view url;
  absl::Time now;
  absl::Duration max_age;
  absl::Duration clock_skew;
};

struct ProofFacts {
  std::string proof_id;  // jti
  absl::Time issued_at;
};

// Everything but the replay check, which needs the state store. The
// proof's key comes from `keys`, imported only on its first use.
Check VerifyProof(absl::string_view proof, const ProofExpectations& expected,
                  PublicKeyCache& keys, ProofFacts* facts);

// The URL without its query and fragment.
absl::string_view UrlWithoutQuery(absl::string_view url);

}  // namespace writ::broker_internal

#endif  // WRIT_SRC_BROKER_PROOF_H_
