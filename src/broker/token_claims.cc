#include "src/broker/token_claims.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "src/broker/json_util.h"
#include "src/internal/json_writer.h"
#include "src/internal/status_macros.h"

namespace writ::broker_internal {
namespace {

constexpr size_t kMaxScopeTokenBytes = 128;

void WriteActChain(const std::vector<std::string>& actors, size_t index,
                   internal::JsonWriter& json) {
  json.BeginObject();
  StringMember(json, "sub", actors[index]);
  if (index + 1 < actors.size()) {
    json.Key("act");
    WriteActChain(actors, index + 1, json);
  }
  json.EndObject();
}

absl::Status InvalidClaims(absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat("claims: ", problem));
}

absl::StatusOr<std::vector<std::string>> ReadActChain(
    const JsonObject& claims) {
  std::vector<std::string> actors;
  const JsonObject* level = &claims;
  while (const JsonValue* act = FindMember(*level, "act")) {
    level = std::get_if<JsonObject>(&act->value);
    if (level == nullptr) return InvalidClaims("\"act\" must be an object");
    absl::StatusOr<std::string> sub = RequiredString(*level, "sub");
    if (!sub.ok())
      return InvalidClaims(absl::StrCat("act: ", sub.status().message()));
    actors.push_back(*std::move(sub));
  }
  return actors;
}

absl::StatusOr<std::vector<std::string>> ReadAncestors(
    const JsonObject& claims) {
  std::vector<std::string> ancestors;
  const JsonValue* value = FindMember(claims, "ancestors");
  if (value == nullptr) return ancestors;
  const auto* items = std::get_if<JsonArray>(&value->value);
  if (items == nullptr) return InvalidClaims("\"ancestors\" must be an array");
  for (const JsonValue& item : *items) {
    const auto* id = std::get_if<std::string>(&item.value);
    if (id == nullptr) return InvalidClaims("\"ancestors\" must hold strings");
    ancestors.push_back(*id);
  }
  return ancestors;
}

absl::StatusOr<AncestorUseLimit> ReadAncestorUseLimit(const JsonValue& item) {
  const auto* object = std::get_if<JsonObject>(&item.value);
  if (object == nullptr) return InvalidClaims("\"use_limits_above\" must hold objects");
  AncestorUseLimit limit;
  absl::StatusOr<std::string> id = RequiredString(*object, "jti");
  absl::StatusOr<int64_t> max_uses = RequiredInt(*object, "max_uses");
  absl::StatusOr<int64_t> expires_at = RequiredInt(*object, "exp");
  for (const absl::Status& status : {id.status(), max_uses.status(), expires_at.status()}) {
    if (!status.ok()) return InvalidClaims(absl::StrCat("use_limits_above: ", status.message()));
  }
  if (*max_uses <= 0) return InvalidClaims("use_limits_above: \"max_uses\" must be positive");
  return AncestorUseLimit{*std::move(id), *max_uses, *expires_at};
}

// Each limit names one of the token's ancestors, in their order. A token
// from a broker before use_limits_above (writ 0.3.0 and older) names, in
// "uses_of", the ancestor whose count it shared under its own max_uses.
absl::StatusOr<std::vector<AncestorUseLimit>> ReadUseLimitsAbove(const JsonObject& object,
                                                                 const TokenClaims& claims) {
  std::vector<AncestorUseLimit> limits;
  absl::StatusOr<std::optional<std::string>> shared = OptionalString(object, "uses_of");
  if (!shared.ok()) return InvalidClaims(shared.status().message());
  if (shared->has_value()) {
    if (claims.max_uses <= 0) return InvalidClaims("\"uses_of\" without \"max_uses\"");
    limits.push_back({**shared, claims.max_uses, claims.expires_at});
  }
  if (const JsonValue* value = FindMember(object, "use_limits_above")) {
    const auto* items = std::get_if<JsonArray>(&value->value);
    if (items == nullptr) return InvalidClaims("\"use_limits_above\" must be an array");
    for (const JsonValue& item : *items) {
      WRIT_ASSIGN_OR_RETURN(AncestorUseLimit limit, ReadAncestorUseLimit(item));
      limits.push_back(std::move(limit));
    }
  }
  auto ancestor = claims.ancestors.begin();
  for (const AncestorUseLimit& limit : limits) {
    ancestor = std::find(ancestor, claims.ancestors.end(), limit.token_id);
    if (ancestor == claims.ancestors.end()) {
      return InvalidClaims("a use limit names no ancestor, or is out of order");
    }
    ++ancestor;
  }
  return limits;
}

absl::StatusOr<std::string> ReadKeyThumbprint(const JsonObject& claims) {
  const JsonValue* cnf = FindMember(claims, "cnf");
  const auto* cnf_object =
      cnf == nullptr ? nullptr : std::get_if<JsonObject>(&cnf->value);
  if (cnf_object == nullptr) {
    return InvalidClaims("\"cnf\" must be an object with \"jkt\"");
  }
  absl::StatusOr<std::string> jkt = RequiredString(*cnf_object, "jkt");
  if (!jkt.ok())
    return InvalidClaims(absl::StrCat("cnf: ", jkt.status().message()));
  return jkt;
}

// Each claim read with the matching Required* call, its error prefixed.
template <typename T>
absl::Status Read(absl::StatusOr<T> value, T* out) {
  if (!value.ok()) return InvalidClaims(value.status().message());
  *out = *std::move(value);
  return absl::OkStatus();
}

}  // namespace

bool IsValidScopeToken(absl::string_view tool) {
  if (tool.empty() || tool.size() > kMaxScopeTokenBytes) return false;
  for (char c : tool) {
    if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\\') return false;
  }
  return true;
}

std::string TokenClaimsToJson(const TokenClaims& claims) {
  std::string out;
  internal::JsonWriter json(&out);
  json.BeginObject();
  StringMember(json, "iss", claims.issuer);
  StringMember(json, "sub", claims.subject);
  StringMember(json, "aud", claims.audience);
  IntMember(json, "iat", claims.issued_at);
  IntMember(json, "nbf", claims.not_before);
  IntMember(json, "exp", claims.expires_at);
  StringMember(json, "jti", claims.token_id);
  StringMember(json, "scope", absl::StrJoin(claims.tools, " "));
  StringMember(json, "task_id", claims.task_id);
  StringMember(json, "data_class", claims.data_class);
  json.Key("cnf");
  json.BeginObject();
  StringMember(json, "jkt", claims.key_thumbprint);
  json.EndObject();
  if (claims.max_uses > 0) {
    IntMember(json, "max_uses", claims.max_uses);
  }
  if (!claims.use_limits_above.empty()) {
    json.Key("use_limits_above");
    json.BeginArray();
    for (const AncestorUseLimit& limit : claims.use_limits_above) {
      json.BeginObject();
      StringMember(json, "jti", limit.token_id);
      IntMember(json, "max_uses", limit.max_uses);
      IntMember(json, "exp", limit.expires_at);
      json.EndObject();
    }
    json.EndArray();
  }
  if (!claims.actors.empty()) {
    json.Key("act");
    WriteActChain(claims.actors, 0, json);
    json.Key("ancestors");
    json.BeginArray();
    for (const std::string& id : claims.ancestors) json.String(id);
    json.EndArray();
  }
  json.EndObject();
  return out;
}

absl::StatusOr<TokenClaims> ParseTokenClaims(absl::string_view json) {
  WRIT_ASSIGN_OR_RETURN(JsonObject object, ParseJsonObject(json, "claims"));
  TokenClaims claims;
  WRIT_RETURN_IF_ERROR(Read(RequiredString(object, "iss"), &claims.issuer));
  WRIT_RETURN_IF_ERROR(Read(RequiredString(object, "sub"), &claims.subject));
  // A single audience only: a token for two destinations is two tokens.
  WRIT_RETURN_IF_ERROR(Read(RequiredString(object, "aud"), &claims.audience));
  WRIT_RETURN_IF_ERROR(Read(RequiredInt(object, "iat"), &claims.issued_at));
  WRIT_RETURN_IF_ERROR(Read(RequiredInt(object, "nbf"), &claims.not_before));
  WRIT_RETURN_IF_ERROR(Read(RequiredInt(object, "exp"), &claims.expires_at));
  WRIT_RETURN_IF_ERROR(Read(RequiredString(object, "jti"), &claims.token_id));
  std::string scope;
  WRIT_RETURN_IF_ERROR(Read(RequiredString(object, "scope"), &scope));
  claims.tools = absl::StrSplit(scope, ' ');
  for (const std::string& tool : claims.tools) {
    if (!IsValidScopeToken(tool))
      return InvalidClaims("\"scope\" is malformed");
  }
  WRIT_RETURN_IF_ERROR(
      Read(RequiredString(object, "task_id"), &claims.task_id));
  WRIT_RETURN_IF_ERROR(
      Read(RequiredString(object, "data_class"), &claims.data_class));
  WRIT_ASSIGN_OR_RETURN(claims.key_thumbprint, ReadKeyThumbprint(object));
  absl::StatusOr<std::optional<int64_t>> max_uses =
      OptionalInt(object, "max_uses");
  if (!max_uses.ok()) return InvalidClaims(max_uses.status().message());
  claims.max_uses = max_uses->value_or(0);
  if (claims.max_uses < 0) return InvalidClaims("\"max_uses\" is negative");
  WRIT_ASSIGN_OR_RETURN(claims.actors, ReadActChain(object));
  WRIT_ASSIGN_OR_RETURN(claims.ancestors, ReadAncestors(object));
  if (claims.actors.size() != claims.ancestors.size()) {
    return InvalidClaims("\"act\" chain and \"ancestors\" differ in length");
  }
  WRIT_ASSIGN_OR_RETURN(claims.use_limits_above, ReadUseLimitsAbove(object, claims));
  if (claims.token_id.empty() || claims.task_id.empty() ||
      claims.key_thumbprint.empty()) {
    return InvalidClaims("\"jti\", \"task_id\" and \"cnf.jkt\" must be set");
  }
  return claims;
}

}  // namespace writ::broker_internal
