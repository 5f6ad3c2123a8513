#include "src/broker/jwk.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "src/broker/base64url.h"
#include "src/internal/json_writer.h"
#include "src/internal/status_macros.h"

namespace writ::broker_internal {
namespace {

absl::Status InvalidJwk(absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat("JWK: ", problem));
}

absl::StatusOr<std::string> DecodeCoordinate(const JsonObject& object,
                                             absl::string_view name) {
  absl::StatusOr<std::string> text = RequiredString(object, name);
  if (!text.ok()) return InvalidJwk(text.status().message());
  absl::StatusOr<std::string> bytes = Base64UrlDecode(*text);
  if (!bytes.ok()) {
    return InvalidJwk(
        absl::StrCat("\"", name, "\": ", bytes.status().message()));
  }
  return bytes;
}

// "alg" and "use" are optional, but when present they must agree: a key
// declared for another algorithm or for encryption is not ours to use.
absl::Status CheckOptionalMembers(const JsonObject& object,
                                  SigningAlgorithm algorithm) {
  absl::StatusOr<std::optional<std::string>> alg =
      OptionalString(object, "alg");
  if (!alg.ok()) return InvalidJwk(alg.status().message());
  if (alg->has_value() && **alg != SigningAlgorithmName(algorithm)) {
    return InvalidJwk(absl::StrCat("\"alg\" must be \"",
                                   SigningAlgorithmName(algorithm),
                                   "\" for this key type"));
  }
  absl::StatusOr<std::optional<std::string>> use =
      OptionalString(object, "use");
  if (!use.ok()) return InvalidJwk(use.status().message());
  if (use->has_value() && **use != "sig") {
    return InvalidJwk("\"use\" must be \"sig\"");
  }
  return absl::OkStatus();
}

// The members RFC 7638 §3.2 hashes, in lexicographic order.
std::string CanonicalMembers(const PublicJwk& jwk, absl::string_view key_id) {
  std::string out;
  internal::JsonWriter json(&out);
  json.BeginObject();
  StringMember(
      json, "crv",
      jwk.algorithm == SigningAlgorithm::kEd25519 ? "Ed25519" : "P-256");
  StringMember(json, "kty",
               jwk.algorithm == SigningAlgorithm::kEd25519 ? "OKP" : "EC");
  StringMember(json, "x", Base64UrlEncode(jwk.x));
  if (jwk.algorithm == SigningAlgorithm::kEs256) {
    StringMember(json, "y", Base64UrlEncode(jwk.y));
  }
  if (!key_id.empty()) {
    StringMember(json, "kid", key_id);
    StringMember(json, "alg", SigningAlgorithmName(jwk.algorithm));
    StringMember(json, "use", "sig");
  }
  json.EndObject();
  return out;
}

}  // namespace

absl::StatusOr<PublicJwk> PublicJwkFromObject(const JsonObject& object) {
  if (FindMember(object, "d") != nullptr) {
    return InvalidJwk(
        "contains private key material (\"d\"); send only the "
        "public key");
  }
  absl::StatusOr<std::string> kty = RequiredString(object, "kty");
  if (!kty.ok()) return InvalidJwk(kty.status().message());
  absl::StatusOr<std::string> crv = RequiredString(object, "crv");
  if (!crv.ok()) return InvalidJwk(crv.status().message());

  PublicJwk jwk;
  if (*kty == "OKP" && *crv == "Ed25519") {
    jwk.algorithm = SigningAlgorithm::kEd25519;
    WRIT_ASSIGN_OR_RETURN(jwk.x, DecodeCoordinate(object, "x"));
    if (FindMember(object, "y") != nullptr) {
      return InvalidJwk("an OKP key has no \"y\"");
    }
  } else if (*kty == "EC" && *crv == "P-256") {
    jwk.algorithm = SigningAlgorithm::kEs256;
    WRIT_ASSIGN_OR_RETURN(jwk.x, DecodeCoordinate(object, "x"));
    WRIT_ASSIGN_OR_RETURN(jwk.y, DecodeCoordinate(object, "y"));
  } else {
    return InvalidJwk(
        "only OKP/Ed25519 and EC/P-256 public keys are supported");
  }
  WRIT_RETURN_IF_ERROR(CheckOptionalMembers(object, jwk.algorithm));
  return jwk;
}

absl::StatusOr<PublicJwk> ParsePublicJwk(absl::string_view json) {
  WRIT_ASSIGN_OR_RETURN(JsonObject object, ParseJsonObject(json, "JWK"));
  WRIT_ASSIGN_OR_RETURN(PublicJwk jwk, PublicJwkFromObject(object));
  // Loading the key checks lengths and, for P-256, that the point is on the
  // curve; a key that cannot verify anything is refused now, not later.
  absl::StatusOr<EvpPkeyPtr> key = PublicJwkToKey(jwk);
  if (!key.ok()) return InvalidJwk(key.status().message());
  return jwk;
}

std::string PublicJwkToJson(const PublicJwk& jwk, absl::string_view key_id) {
  return CanonicalMembers(jwk, key_id);
}

std::string JwkThumbprint(const PublicJwk& jwk) {
  return Base64UrlEncode(Sha256(CanonicalMembers(jwk, "")));
}

absl::StatusOr<EvpPkeyPtr> PublicJwkToKey(const PublicJwk& jwk) {
  return PublicKeyFromCoordinates(jwk.algorithm, jwk.x, jwk.y);
}

absl::StatusOr<PublicJwk> PublicJwkFromKey(const EVP_PKEY& key) {
  PublicJwk jwk;
  WRIT_ASSIGN_OR_RETURN(jwk.algorithm, AlgorithmOfKey(key));
  WRIT_ASSIGN_OR_RETURN(PublicCoordinates coordinates,
                        PublicKeyCoordinates(key, jwk.algorithm));
  jwk.x = std::move(coordinates.x);
  jwk.y = std::move(coordinates.y);
  return jwk;
}

}  // namespace writ::broker_internal
