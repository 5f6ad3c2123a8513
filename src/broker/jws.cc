#include "src/broker/jws.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "src/broker/base64url.h"
#include "src/broker/crypto.h"
#include "src/broker/json_util.h"
#include "src/broker/signing_key_impl.h"
#include "src/internal/json_writer.h"

namespace writ::broker_internal {
namespace {

Check Malformed(absl::string_view reason) {
  return Check::Fail(RefusalCode::kMalformed, absl::StrCat(reason));
}

Check DecodePart(absl::string_view part, absl::string_view name,
                 std::string* out) {
  if (part.empty()) return Malformed(absl::StrCat("JWS ", name, " is empty"));
  absl::StatusOr<std::string> decoded = Base64UrlDecode(part);
  if (!decoded.ok()) {
    return Malformed(
        absl::StrCat("JWS ", name, ": ", decoded.status().message()));
  }
  *out = *std::move(decoded);
  return Check::Pass();
}

// Header members we refuse to see: each asks the verifier to do something
// this one does not ("b64" changes what is signed, RFC 7797; the URL
// members invite fetching keys from wherever the token says).
constexpr absl::string_view kRefusedHeaderMembers[] = {"b64", "jku", "x5u",
                                                       "x5c"};

Check UnsupportedExtension(absl::string_view what) {
  return Check::Fail(RefusalCode::kBadAlgorithm,
                     absl::StrCat(what, " is not supported"));
}

// "crit" (RFC 7515 §4.1.11) lists the header members a verifier must
// understand or refuse the token. The one this verifier understands is
// kNestedUseLimitsMember, which must then be present and true.
Check ParseCritical(const JsonObject& header, JoseHeader* out) {
  const JsonValue* critical = FindMember(header, "crit");
  if (critical == nullptr) return Check::Pass();
  const auto* names = std::get_if<JsonArray>(&critical->value);
  if (names == nullptr || names->empty()) {
    return Malformed("\"crit\" must be a non-empty array of names");
  }
  for (const JsonValue& name : *names) {
    const auto* text = std::get_if<std::string>(&name.value);
    if (text == nullptr) return Malformed("\"crit\" must hold names");
    if (*text != kNestedUseLimitsMember) {
      return UnsupportedExtension(absl::StrCat(
          "JOSE header member \"crit\" naming \"", *text, "\""));
    }
    if (out->nested_use_limits) return Malformed("\"crit\" names a member twice");
    const JsonValue* member = FindMember(header, *text);
    const auto* flag = member == nullptr ? nullptr : std::get_if<bool>(&member->value);
    if (flag == nullptr || !*flag) {
      return Malformed(absl::StrCat("\"crit\" names \"", *text,
                                    "\", which the header must hold as true"));
    }
    out->nested_use_limits = true;
  }
  return Check::Pass();
}

Check ParseHeader(absl::string_view json, JoseHeader* out) {
  absl::StatusOr<JsonObject> object = ParseJsonObject(json, "JOSE header");
  if (!object.ok()) return Malformed(object.status().message());
  if (Check critical = ParseCritical(*object, out); !critical.ok()) {
    return critical;
  }
  for (absl::string_view refused : kRefusedHeaderMembers) {
    if (FindMember(*object, refused) != nullptr) {
      return UnsupportedExtension(
          absl::StrCat("JOSE header member \"", refused, "\""));
    }
  }
  absl::StatusOr<std::optional<std::string>> alg =
      OptionalString(*object, "alg");
  if (!alg.ok()) return Malformed(alg.status().message());
  if (!alg->has_value()) {
    return Check::Fail(RefusalCode::kBadAlgorithm,
                       "JOSE header has no \"alg\"");
  }
  out->alg = **alg;
  absl::StatusOr<std::optional<std::string>> kid =
      OptionalString(*object, "kid");
  if (!kid.ok()) return Malformed(kid.status().message());
  out->kid = *kid;
  absl::StatusOr<std::optional<std::string>> typ =
      OptionalString(*object, "typ");
  if (!typ.ok()) return Malformed(typ.status().message());
  out->typ = *typ;
  if (const JsonValue* jwk = FindMember(*object, "jwk")) {
    const auto* jwk_object = std::get_if<JsonObject>(&jwk->value);
    if (jwk_object == nullptr) return Malformed("\"jwk\" must be an object");
    absl::StatusOr<PublicJwk> parsed = PublicJwkFromObject(*jwk_object);
    if (!parsed.ok()) return Malformed(parsed.status().message());
    out->jwk = *std::move(parsed);
  }
  return Check::Pass();
}

}  // namespace

Check ParseCompactJws(absl::string_view text, CompactJws* out) {
  // Members the header leaves out must not keep a previous parse's values
  // (a "jwk", a critical extension) when `out` is reused.
  *out = CompactJws{};
  if (text.size() > kMaxCompactJwsBytes) {
    return Malformed(
        absl::StrCat("JWS is longer than ", kMaxCompactJwsBytes, " bytes"));
  }
  const std::vector<absl::string_view> parts = absl::StrSplit(text, '.');
  if (parts.size() != 3) {
    return Malformed(
        absl::StrCat("a compact JWS has 3 parts, not ", parts.size()));
  }
  std::string header_json;
  Check check = DecodePart(parts[0], "header", &header_json);
  if (!check.ok()) return check;
  check = DecodePart(parts[1], "payload", &out->payload);
  if (!check.ok()) return check;
  check = DecodePart(parts[2], "signature", &out->signature);
  if (!check.ok()) return check;
  check = ParseHeader(header_json, &out->header);
  if (!check.ok()) return check;
  out->signing_input =
      std::string(text.substr(0, parts[0].size() + 1 + parts[1].size()));
  return Check::Pass();
}

Check AlgorithmFromName(absl::string_view alg, SigningAlgorithm* out) {
  if (alg == "Ed25519") {
    *out = SigningAlgorithm::kEd25519;
    return Check::Pass();
  }
  if (alg == "ES256") {
    *out = SigningAlgorithm::kEs256;
    return Check::Pass();
  }
  std::string reason;
  if (alg == "none") {
    reason = "alg \"none\" (an unsigned token) is refused";
  } else if (alg.size() == 5 && alg.substr(0, 2) == "HS") {
    reason = "HMAC algorithms are refused: a public key is not a shared secret";
  } else if (alg == "EdDSA") {
    reason =
        "alg \"EdDSA\" is refused; use the fully-specified \"Ed25519\" "
        "(RFC 9864)";
  } else {
    reason = "alg is not one of \"Ed25519\", \"ES256\"";
  }
  return Check::Fail(RefusalCode::kBadAlgorithm, std::move(reason));
}

std::string JoseHeaderJson(SigningAlgorithm algorithm, absl::string_view kid,
                           absl::string_view typ, const PublicJwk* jwk,
                           bool nested_use_limits) {
  std::string out;
  internal::JsonWriter json(&out);
  json.BeginObject();
  StringMember(json, "alg", SigningAlgorithmName(algorithm));
  if (!kid.empty()) {
    StringMember(json, "kid", kid);
  }
  StringMember(json, "typ", typ);
  if (nested_use_limits) {
    json.Key("crit");
    json.BeginArray();
    json.String(kNestedUseLimitsMember);
    json.EndArray();
    json.Key(kNestedUseLimitsMember);
    json.Bool(true);
  }
  json.EndObject();
  if (jwk != nullptr) {
    // Splice the JWK in before the closing brace; its JSON is canonical.
    out.pop_back();
    absl::StrAppend(&out, ",\"jwk\":", PublicJwkToJson(*jwk, ""), "}");
  }
  return out;
}

absl::StatusOr<std::string> SignCompactJws(const SigningKey& key,
                                           absl::string_view header_json,
                                           absl::string_view payload) {
  std::string signing_input =
      absl::StrCat(Base64UrlEncode(header_json), ".", Base64UrlEncode(payload));
  absl::StatusOr<std::string> signature = Sign(
      *SigningKeyAccess::Get(key).private_key, key.algorithm(), signing_input);
  if (!signature.ok()) return signature.status();
  return absl::StrCat(signing_input, ".", Base64UrlEncode(*signature));
}

Check VerifyCompactJws(const CompactJws& jws, SigningAlgorithm key_algorithm,
                       const EVP_PKEY& public_key, SignatureForms forms) {
  SigningAlgorithm algorithm;
  Check check = AlgorithmFromName(jws.header.alg, &algorithm);
  if (!check.ok()) return check;
  if (algorithm != key_algorithm) {
    return Check::Fail(RefusalCode::kBadAlgorithm,
                       absl::StrCat("alg \"", jws.header.alg,
                                    "\" is not the key's algorithm \"",
                                    SigningAlgorithmName(key_algorithm), "\""));
  }
  if (!VerifySignature(public_key, algorithm, jws.signing_input,
                       jws.signature, forms)) {
    return Check::Fail(RefusalCode::kBadSignature, "signature does not verify");
  }
  return Check::Pass();
}

absl::Status KeyRing::Add(SigningKey key) {
  if (key.key_id().empty()) {
    return absl::InvalidArgumentError("a signing key needs a key id");
  }
  if (Find(key.key_id()) != nullptr) {
    return absl::AlreadyExistsError(
        absl::StrCat("key id \"", key.key_id(), "\" is already in the ring"));
  }
  keys_.push_back(std::move(key));
  return absl::OkStatus();
}

absl::Status KeyRing::Retire(absl::string_view key_id) {
  for (auto it = keys_.begin(); it != keys_.end(); ++it) {
    if (it->key_id() != key_id) continue;
    if (std::next(it) == keys_.end()) {
      return absl::FailedPreconditionError(
          "the active key cannot be retired; add its successor first");
    }
    keys_.erase(it);
    return absl::OkStatus();
  }
  return absl::NotFoundError(
      absl::StrCat("key id \"", key_id, "\" is not in the ring"));
}

const SigningKey* KeyRing::Find(absl::string_view key_id) const {
  for (const SigningKey& key : keys_) {
    if (key.key_id() == key_id) return &key;
  }
  return nullptr;
}

Check KeyRing::Verify(absl::string_view token, absl::string_view expected_typ,
                      CompactJws* out) const {
  Check check = ParseCompactJws(token, out);
  if (!check.ok()) return check;
  // The algorithm verdict comes before the key lookup so that "none" and
  // HMAC are reported as what they are, whatever kid they carry.
  SigningAlgorithm claimed;
  check = AlgorithmFromName(out->header.alg, &claimed);
  if (!check.ok()) return check;
  if (out->header.jwk.has_value()) {
    return Check::Fail(RefusalCode::kBadAlgorithm,
                       "a token must not carry its own key (\"jwk\")");
  }
  if (!out->header.kid.has_value()) {
    return Check::Fail(RefusalCode::kUnknownKey, "token has no \"kid\"");
  }
  const SigningKey* key = Find(*out->header.kid);
  if (key == nullptr) {
    return Check::Fail(RefusalCode::kUnknownKey,
                       "token's \"kid\" names no key of this broker");
  }
  // Only the spelling Sign makes: one token, one audit fingerprint.
  check = VerifyCompactJws(*out, key->algorithm(),
                           *SigningKeyAccess::Get(*key).private_key,
                           SignatureForms::kCanonicalOnly);
  if (!check.ok()) return check;
  // typ is checked after the signature, so that what it says is known to
  // come from us: a signed token of another type (a proof) is not a token.
  if (out->header.typ != expected_typ) {
    return Check::Fail(RefusalCode::kBadType,
                       absl::StrCat("typ must be \"", expected_typ, "\""));
  }
  return Check::Pass();
}

std::string KeyRing::Jwks() const {
  std::string out = "{\"keys\":[";
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (i > 0) out += ",";
    out += keys_[i].PublicJwk();
  }
  out += "]}";
  return out;
}

}  // namespace writ::broker_internal
