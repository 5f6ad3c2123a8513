#include "src/broker/proof.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "src/broker/base64url.h"
#include "src/broker/crypto.h"
#include "src/broker/json_util.h"
#include "src/broker/jwk.h"
#include "src/broker/signing_key_impl.h"
#include "src/internal/json_writer.h"
#include "writ/broker.h"

namespace writ {
namespace broker_internal {
namespace {

Check BadProof(absl::string_view reason) {
  return Check::Fail(RefusalCode::kBadProof, absl::StrCat("proof: ", reason));
}

// Reads the claims and compares each with what the request says.
Check CheckProofClaims(const JsonObject& claims,
                       const ProofExpectations& expected, ProofFacts* facts) {
  absl::StatusOr<std::string> jti = RequiredString(claims, "jti");
  absl::StatusOr<std::string> htm = RequiredString(claims, "htm");
  absl::StatusOr<std::string> htu = RequiredString(claims, "htu");
  absl::StatusOr<std::string> ath = RequiredString(claims, "ath");
  absl::StatusOr<int64_t> iat = RequiredInt(claims, "iat");
  for (const absl::Status& status :
       {jti.status(), htm.status(), htu.status(), ath.status(), iat.status()}) {
    if (!status.ok()) return BadProof(status.message());
  }
  if (jti->empty() || jti->size() > 256)
    return BadProof("\"jti\" is empty or too long");
  if (*htm != expected.method) {
    return BadProof("\"htm\" is not the request's method");
  }
  if (UrlWithoutQuery(*htu) != UrlWithoutQuery(expected.url)) {
    return BadProof("\"htu\" is not the request's URL");
  }
  if (!ConstantTimeEquals(*ath, Base64UrlEncode(Sha256(expected.token)))) {
    return BadProof("\"ath\" is not the hash of the presented token");
  }
  const absl::Time issued_at = absl::FromUnixSeconds(*iat);
  if (issued_at > expected.now + expected.clock_skew) {
    return BadProof("issued in the future");
  }
  if (issued_at < expected.now - expected.max_age - expected.clock_skew) {
    return BadProof("too old");
  }
  facts->proof_id = *std::move(jti);
  facts->issued_at = issued_at;
  return Check::Pass();
}

}  // namespace

absl::string_view UrlWithoutQuery(absl::string_view url) {
  return url.substr(0, url.find_first_of("?#"));
}

Check VerifyProof(absl::string_view proof, const ProofExpectations& expected,
                  PublicKeyCache& keys, ProofFacts* facts) {
  if (proof.empty()) return BadProof("missing");
  CompactJws jws;
  Check check = ParseCompactJws(proof, &jws);
  if (!check.ok()) return BadProof(check.reason);
  if (jws.header.typ != kProofType) return BadProof("typ must be \"dpop+jwt\"");
  if (!jws.header.jwk.has_value()) return BadProof("header has no \"jwk\"");
  // The key must be the one the token is bound to; compare before spending
  // a signature check on a stranger's key.
  if (!ConstantTimeEquals(JwkThumbprint(*jws.header.jwk),
                          expected.key_thumbprint)) {
    return BadProof("signed by a key other than the one the token is bound to");
  }
  absl::StatusOr<PublicKeyCache::Key> key = keys.Get(*jws.header.jwk);
  if (!key.ok()) return BadProof(key.status().message());
  check = VerifyCompactJws(jws, jws.header.jwk->algorithm, **key, SignatureForms::kAny);
  if (!check.ok()) return BadProof(check.reason);
  absl::StatusOr<JsonObject> claims = ParseJsonObject(jws.payload, "claims");
  if (!claims.ok()) return BadProof(claims.status().message());
  return CheckProofClaims(*claims, expected, facts);
}

}  // namespace broker_internal

absl::StatusOr<std::string> CreateProof(const SigningKey& workload_key,
                                        const ProofInput& input) {
  std::string proof_id = input.proof_id;
  if (proof_id.empty()) {
    absl::StatusOr<std::string> random = broker_internal::RandomBytes(16);
    if (!random.ok()) return random.status();
    proof_id = broker_internal::Base64UrlEncode(*random);
  }
  std::string claims;
  internal::JsonWriter json(&claims);
  json.BeginObject();
  broker_internal::StringMember(json, "jti", proof_id);
  broker_internal::StringMember(json, "htm", input.method);
  broker_internal::StringMember(json, "htu", input.url);
  broker_internal::IntMember(json, "iat", absl::ToUnixSeconds(input.issued_at));
  broker_internal::StringMember(
      json, "ath",
      broker_internal::Base64UrlEncode(broker_internal::Sha256(input.token)));
  json.EndObject();
  const broker_internal::PublicJwk& jwk =
      broker_internal::SigningKeyAccess::Get(workload_key).public_jwk;
  return broker_internal::SignCompactJws(
      workload_key,
      broker_internal::JoseHeaderJson(workload_key.algorithm(), "",
                                      broker_internal::kProofType, &jwk),
      claims);
}

}  // namespace writ
