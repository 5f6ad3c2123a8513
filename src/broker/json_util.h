// Internal to the broker: strict JSON reading for JOSE headers, JWKs and
// claims.
//
// simdjson parses (and validates UTF-8); the result is copied into a small
// owned tree so callers need not keep a parser alive. Duplicate member
// names are refused (RFC 7515 §4 and RFC 7519 §4 allow either refusing or
// taking the last one; refusing means two verifiers can never read one
// token differently), and nesting is capped.
#ifndef WRIT_SRC_BROKER_JSON_UTIL_H_
#define WRIT_SRC_BROKER_JSON_UTIL_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "src/internal/json_writer.h"

namespace writ::broker_internal {

struct JsonValue;
struct JsonMember;
using JsonArray = std::vector<JsonValue>;
// Members in document order; names are unique.
using JsonObject = std::vector<JsonMember>;

struct JsonValue {
  std::variant<std::nullptr_t, bool, int64_t, double, std::string, JsonArray,
               JsonObject>
      value;
};

// A struct rather than a std::pair: the variant above names a vector of
// members while JsonValue is still incomplete, which a vector of a struct
// declared later allows and one of std::pair<std::string, JsonValue> does
// not (clang with libstdc++ refuses to compile it, gcc lets it pass).
struct JsonMember {
  std::string name;
  JsonValue value;
};

inline constexpr int kMaxJsonDepth = 16;

// Parses text whose top level must be an object. `what` names it in errors
// ("JOSE header", "claims", ...).
absl::StatusOr<JsonObject> ParseJsonObject(absl::string_view json,
                                           absl::string_view what);

// The member named `name`, or null.
const JsonValue* FindMember(const JsonObject& object, absl::string_view name);

// Typed access. Missing members are NotFound-free: the optional forms
// return nullopt, the required forms an InvalidArgument naming the member.
absl::StatusOr<std::optional<std::string>> OptionalString(
    const JsonObject& object, absl::string_view name);
absl::StatusOr<std::string> RequiredString(const JsonObject& object,
                                           absl::string_view name);
absl::StatusOr<int64_t> RequiredInt(const JsonObject& object,
                                    absl::string_view name);
absl::StatusOr<std::optional<int64_t>> OptionalInt(const JsonObject& object,
                                                   absl::string_view name);

// Writing: one object member per call, to keep the claim lists readable.
inline void StringMember(internal::JsonWriter& json, absl::string_view key,
                         absl::string_view value) {
  json.Key(key);
  json.String(value);
}
inline void IntMember(internal::JsonWriter& json, absl::string_view key,
                      int64_t value) {
  json.Key(key);
  json.Int(value);
}

}  // namespace writ::broker_internal

#endif  // WRIT_SRC_BROKER_JSON_UTIL_H_
