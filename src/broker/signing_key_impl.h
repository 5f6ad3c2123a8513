// Internal to the broker: what a writ::SigningKey holds.
#ifndef WRIT_SRC_BROKER_SIGNING_KEY_IMPL_H_
#define WRIT_SRC_BROKER_SIGNING_KEY_IMPL_H_

#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "src/broker/crypto.h"
#include "src/broker/jwk.h"
#include "writ/broker.h"

namespace writ {

struct SigningKey::Impl {
  broker_internal::EvpPkeyPtr private_key;
  broker_internal::PublicJwk public_jwk;
  std::string thumbprint;
};

namespace broker_internal {

// The broker's way into SigningKey's private parts.
struct SigningKeyAccess {
  static SigningKey Make(std::shared_ptr<const SigningKey::Impl> impl,
                         std::string key_id, SigningAlgorithm algorithm) {
    return SigningKey(std::move(impl), std::move(key_id), algorithm);
  }
  static const SigningKey::Impl& Get(const SigningKey& key) {
    return *key.impl_;
  }
};

// Wraps an OpenSSL private key (Ed25519 or P-256) as a SigningKey; used by
// tests to load RFC test-vector keys.
absl::StatusOr<SigningKey> SigningKeyFromEvp(EvpPkeyPtr key,
                                             std::string key_id);

}  // namespace broker_internal
}  // namespace writ

#endif  // WRIT_SRC_BROKER_SIGNING_KEY_IMPL_H_
