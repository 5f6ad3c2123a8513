// writ::SigningKey: an OpenSSL private key with its id and algorithm.
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "src/broker/signing_key_impl.h"
#include "src/internal/status_macros.h"

namespace writ {

absl::string_view SigningAlgorithmName(SigningAlgorithm algorithm) {
  return algorithm == SigningAlgorithm::kEd25519 ? "Ed25519" : "ES256";
}

namespace broker_internal {

absl::StatusOr<SigningKey> SigningKeyFromEvp(EvpPkeyPtr key,
                                             std::string key_id) {
  auto impl = std::make_shared<SigningKey::Impl>();
  WRIT_ASSIGN_OR_RETURN(impl->public_jwk, PublicJwkFromKey(*key));
  impl->thumbprint = JwkThumbprint(impl->public_jwk);
  impl->private_key = std::move(key);
  const SigningAlgorithm algorithm = impl->public_jwk.algorithm;
  return SigningKeyAccess::Make(std::move(impl), std::move(key_id), algorithm);
}

}  // namespace broker_internal

absl::StatusOr<SigningKey> SigningKey::Generate(SigningAlgorithm algorithm,
                                                std::string key_id) {
  WRIT_ASSIGN_OR_RETURN(broker_internal::EvpPkeyPtr key,
                        broker_internal::GenerateKeyPair(algorithm));
  return broker_internal::SigningKeyFromEvp(std::move(key), std::move(key_id));
}

absl::StatusOr<SigningKey> SigningKey::FromPrivateKeyPem(absl::string_view pem,
                                                         std::string key_id) {
  WRIT_ASSIGN_OR_RETURN(broker_internal::EvpPkeyPtr key,
                        broker_internal::PrivateKeyFromPem(pem));
  return broker_internal::SigningKeyFromEvp(std::move(key), std::move(key_id));
}

std::string SigningKey::PublicJwk() const {
  return broker_internal::PublicJwkToJson(impl_->public_jwk, key_id_);
}

std::string SigningKey::Thumbprint() const { return impl_->thumbprint; }

absl::StatusOr<std::string> SigningKey::PrivateKeyPem() const {
  return broker_internal::PrivateKeyToPem(*impl_->private_key);
}

}  // namespace writ
