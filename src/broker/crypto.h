// Internal to the broker: the OpenSSL 3 calls it needs, wrapped so that the
// rest of the broker never touches raw OpenSSL objects or error queues.
//
// Signatures are in JOSE form (RFC 7518 §3.4, RFC 8037 §3.1): Ed25519's 64
// bytes as OpenSSL makes them; ES256 as the fixed-width concatenation r||s
// (32 + 32 bytes), converted from and to the DER SEQUENCE that OpenSSL
// uses. A DER-encoded ES256 signature is rejected: JOSE has one spelling.
#ifndef WRIT_SRC_BROKER_CRYPTO_H_
#define WRIT_SRC_BROKER_CRYPTO_H_

#include <openssl/types.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "writ/broker.h"

namespace writ::broker_internal {

struct EvpPkeyFree {
  void operator()(EVP_PKEY* key) const;
};
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;

inline constexpr size_t kEd25519KeyBytes = 32;
inline constexpr size_t kP256CoordinateBytes = 32;

absl::StatusOr<EvpPkeyPtr> GenerateKeyPair(SigningAlgorithm algorithm);

// Which of the two algorithms `key` serves; InvalidArgument for any other
// key type or curve.
absl::StatusOr<SigningAlgorithm> AlgorithmOfKey(const EVP_PKEY& key);

// Signs `data` and returns the signature in JOSE form (ES256: low s).
absl::StatusOr<std::string> Sign(const EVP_PKEY& key,
                                 SigningAlgorithm algorithm,
                                 absl::string_view data);

// Which spellings of a valid signature VerifySignature accepts. ECDSA
// signatures come in pairs, (r, s) and (r, n - s), both valid; Sign makes
// the low-s one. The broker's own tokens must be that one, so that a token
// has one spelling (one audit fingerprint); a workload's proof, signed by
// whatever library the workload uses, may be either (its replay check is
// keyed by its jti, not its bytes). Ed25519 has one spelling already
// (OpenSSL refuses s >= L).
enum class SignatureForms { kCanonicalOnly, kAny };

// True iff `signature` (JOSE form) is `key`'s signature of `data` under
// `algorithm`, in one of `forms`. The key must be of that algorithm.
bool VerifySignature(const EVP_PKEY& key, SigningAlgorithm algorithm,
                     absl::string_view data, absl::string_view signature,
                     SignatureForms forms);

// Public key from JWK coordinates: Ed25519 x (32 bytes), or P-256 x and y
// (32 bytes each, a point on the curve).
absl::StatusOr<EvpPkeyPtr> PublicKeyFromCoordinates(SigningAlgorithm algorithm,
                                                    absl::string_view x,
                                                    absl::string_view y);

struct PublicCoordinates {
  std::string x;
  std::string y;  // empty for Ed25519
};
absl::StatusOr<PublicCoordinates> PublicKeyCoordinates(
    const EVP_PKEY& key, SigningAlgorithm algorithm);

// An Ed25519 private key from its 32-byte seed (JWK "d"); for test vectors.
absl::StatusOr<EvpPkeyPtr> Ed25519PrivateKeyFromSeed(absl::string_view seed);

absl::StatusOr<EvpPkeyPtr> PrivateKeyFromPem(absl::string_view pem);
absl::StatusOr<std::string> PrivateKeyToPem(const EVP_PKEY& key);

// Raw 32-byte digests.
std::string Sha256(absl::string_view data);
std::string HmacSha256(absl::string_view key, absl::string_view data);

// Cryptographically random bytes.
absl::StatusOr<std::string> RandomBytes(size_t count);

// Constant-time equality for secrets and digests.
bool ConstantTimeEquals(absl::string_view a, absl::string_view b);

}  // namespace writ::broker_internal

#endif  // WRIT_SRC_BROKER_CRYPTO_H_
