#include "src/broker/json_util.h"

#include <string>
#include <string_view>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "simdjson.h"

namespace writ::broker_internal {
namespace {

absl::Status Invalid(absl::string_view what, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(what, ": ", problem));
}

absl::StatusOr<JsonValue> Convert(simdjson::dom::element element,
                                  absl::string_view what, int depth);

absl::StatusOr<JsonValue> ConvertObject(simdjson::dom::object object,
                                        absl::string_view what, int depth) {
  JsonObject members;
  absl::flat_hash_set<std::string_view> seen;
  for (simdjson::dom::key_value_pair field : object) {
    if (!seen.insert(field.key).second) {
      return Invalid(what, "duplicate member name");
    }
    absl::StatusOr<JsonValue> value = Convert(field.value, what, depth + 1);
    if (!value.ok()) return value.status();
    members.push_back(JsonMember{std::string(field.key), *std::move(value)});
  }
  return JsonValue{std::move(members)};
}

absl::StatusOr<JsonValue> Convert(simdjson::dom::element element,
                                  absl::string_view what, int depth) {
  if (depth > kMaxJsonDepth) return Invalid(what, "nested too deeply");
  switch (element.type()) {
    case simdjson::dom::element_type::OBJECT: {
      simdjson::dom::object object;
      if (element.get(object) != simdjson::SUCCESS) break;
      return ConvertObject(object, what, depth);
    }
    case simdjson::dom::element_type::ARRAY: {
      // Copied out first: iterating a simdjson_result temporary dangles.
      simdjson::dom::array array;
      if (element.get(array) != simdjson::SUCCESS) break;
      JsonArray items;
      for (simdjson::dom::element item : array) {
        absl::StatusOr<JsonValue> value = Convert(item, what, depth + 1);
        if (!value.ok()) return value.status();
        items.push_back(*std::move(value));
      }
      return JsonValue{std::move(items)};
    }
    case simdjson::dom::element_type::INT64:
      return JsonValue{element.get_int64().value_unsafe()};
    case simdjson::dom::element_type::UINT64:
      return Invalid(what, "integer out of range");
    case simdjson::dom::element_type::DOUBLE:
      return JsonValue{element.get_double().value_unsafe()};
    case simdjson::dom::element_type::STRING:
      return JsonValue{std::string(element.get_string().value_unsafe())};
    case simdjson::dom::element_type::BOOL:
      return JsonValue{element.get_bool().value_unsafe()};
    case simdjson::dom::element_type::NULL_VALUE:
      return JsonValue{nullptr};
  }
  return Invalid(what, "unknown JSON value type");
}

}  // namespace

absl::StatusOr<JsonObject> ParseJsonObject(absl::string_view json,
                                           absl::string_view what) {
  // One parser per thread: it keeps its buffers between calls.
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) {
    return Invalid(what, "not valid JSON");
  }
  simdjson::dom::object object;
  if (root.get(object) != simdjson::SUCCESS) {
    return Invalid(what, "not a JSON object");
  }
  absl::StatusOr<JsonValue> value = ConvertObject(object, what, 1);
  if (!value.ok()) return value.status();
  return std::get<JsonObject>(std::move(value->value));
}

const JsonValue* FindMember(const JsonObject& object, absl::string_view name) {
  for (const JsonMember& member : object) {
    if (member.name == name) return &member.value;
  }
  return nullptr;
}

absl::StatusOr<std::optional<std::string>> OptionalString(
    const JsonObject& object, absl::string_view name) {
  const JsonValue* value = FindMember(object, name);
  if (value == nullptr) return std::nullopt;
  if (const auto* text = std::get_if<std::string>(&value->value)) return *text;
  return absl::InvalidArgumentError(
      absl::StrCat("\"", name, "\" must be a string"));
}

absl::StatusOr<std::string> RequiredString(const JsonObject& object,
                                           absl::string_view name) {
  absl::StatusOr<std::optional<std::string>> text =
      OptionalString(object, name);
  if (!text.ok()) return text.status();
  if (!text->has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", name, "\" is missing"));
  }
  return **std::move(text);
}

absl::StatusOr<std::optional<int64_t>> OptionalInt(const JsonObject& object,
                                                   absl::string_view name) {
  const JsonValue* value = FindMember(object, name);
  if (value == nullptr) return std::nullopt;
  if (const auto* number = std::get_if<int64_t>(&value->value)) return *number;
  return absl::InvalidArgumentError(
      absl::StrCat("\"", name, "\" must be an integer"));
}

absl::StatusOr<int64_t> RequiredInt(const JsonObject& object,
                                    absl::string_view name) {
  absl::StatusOr<std::optional<int64_t>> number = OptionalInt(object, name);
  if (!number.ok()) return number.status();
  if (!number->has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", name, "\" is missing"));
  }
  return **number;
}

}  // namespace writ::broker_internal
