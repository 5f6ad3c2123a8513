// Request input: typed assignment and the JSON reader (SPEC §6).
//
// The JSON reader is on the gateway's hot path. It parses with simdjson's
// DOM parser, one per thread and reused, so a warm parse allocates nothing;
// walks the document once, building dotted paths in a reused buffer; and
// descends into a nested object only while its path is a prefix of some
// schema attribute, so the work is bounded by the schema and the document's
// size, not by how deep a client nests things the policy never reads.
#include "src/io/request_json.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "simdjson.h"

namespace writ::internal {
namespace {

constexpr absl::string_view kWithheld = "value withheld (redacted attribute)";
constexpr absl::string_view kNotADuration =
    "not a duration (one unit: s, m, h or d)";
// Longer values are cut in messages, so a hostile request cannot make every
// log line megabytes long.
constexpr size_t kMaxQuotedBytes = 64;

void MarkPresent(Value* value) {
  value->state = ValueState::kPresent;
  value->error.clear();
}

void MarkWrongTypeWithMessage(std::string message, Value* value) {
  value->state = ValueState::kWrongType;
  value->error = std::move(message);
}

// "expected int, got string". `given` names what was given, never its value.
void MarkWrongType(const AttributeInfo& attribute, absl::string_view given,
                   Value* value) {
  MarkWrongTypeWithMessage(
      absl::StrCat("expected ", TypeName(attribute.type), ", got ", given),
      value);
}

// Whether `attribute` is declared `kind`; if not, marks the value
// wrong-typed, `given` naming what was given instead.
bool HasKind(const AttributeInfo& attribute, TypeKind kind,
             absl::string_view given, Value* value) {
  if (attribute.type.kind == kind) return true;
  MarkWrongType(attribute, given, value);
  return false;
}

// 'text', cut to a bounded length on a code point boundary.
std::string QuoteForMessage(absl::string_view text) {
  if (text.size() <= kMaxQuotedBytes) return absl::StrCat("'", text, "'");
  size_t cut = kMaxQuotedBytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  return absl::StrCat("'", text.substr(0, cut), "...'");
}

// "'5x' is not a duration (...)", or for a redacted attribute
// "value withheld (redacted attribute): not a duration (...)".
void MarkBadText(const AttributeInfo& attribute, absl::string_view input,
                 absl::string_view problem, Value* value) {
  if (attribute.redact) {
    MarkWrongTypeWithMessage(absl::StrCat(kWithheld, ": ", problem), value);
  } else {
    MarkWrongTypeWithMessage(
        absl::StrCat(QuoteForMessage(input), " is ", problem), value);
  }
}

void StoreDurationText(const AttributeInfo& attribute, absl::string_view input,
                       Value* value) {
  std::optional<int64_t> seconds = ParseDurationString(input);
  if (!seconds.has_value()) {
    MarkBadText(attribute, input, kNotADuration, value);
    return;
  }
  value->integer = *seconds;
  MarkPresent(value);
}

void StoreIpText(const AttributeInfo& attribute, absl::string_view input,
                 Value* value) {
  std::optional<IpAddress> address = ParseIpAddress(input);
  if (!address.has_value()) {
    MarkBadText(attribute, input, "not an IP address", value);
    return;
  }
  value->ip = *address;
  MarkPresent(value);
}

void StoreEnumText(const Schema& schema, uint32_t slot,
                   absl::string_view member, Value* value) {
  int index = schema.EnumIndex(slot, member);
  if (index >= 0) {
    value->integer = index;
    MarkPresent(value);
    return;
  }
  const AttributeInfo& attribute = schema.attributes[slot];
  std::string type_name = TypeName(attribute.type);
  if (attribute.redact) {
    MarkWrongTypeWithMessage(
        absl::StrCat(kWithheld, ": not a member of ", type_name), value);
  } else {
    MarkWrongTypeWithMessage(absl::StrCat("unknown member ",
                                          QuoteForMessage(member), " of ",
                                          type_name),
                             value);
  }
}

int64_t UnitSeconds(char unit) {
  switch (unit) {
    case 's': return 1;
    case 'm': return 60;
    case 'h': return 60 * 60;
    case 'd': return 24 * 60 * 60;
    default: return 0;
  }
}

// ---------------------------------------------------------------------------
// The JSON reader.

// What a JSON value is, in the words of the "got ..." part of a message.
absl::string_view JsonKindName(simdjson::dom::element_type type) {
  using simdjson::dom::element_type;
  switch (type) {
    case element_type::ARRAY: return "array";
    case element_type::OBJECT: return "object";
    case element_type::INT64:
    case element_type::UINT64: return "int";
    case element_type::DOUBLE: return "number";
    case element_type::STRING: return "string";
    case element_type::BOOL: return "bool";
    case element_type::NULL_VALUE: return "null";
  }
  return "value";
}

absl::string_view ToAbsl(std::string_view text) {
  return absl::string_view(text.data(), text.size());
}

// Per-thread state reused across documents, so a warm parse allocates only
// for the values it stores.
struct ParseScratch {
  simdjson::dom::parser parser;
  std::string path;            // the dotted path of the current member
  std::vector<uint8_t> given;  // per slot: given earlier in this document
  // Per member, in document order: the slot the member at that position
  // named in the previous document, or kNoSlot. See SlotOf.
  std::vector<uint32_t> slot_at_member;
};

constexpr uint32_t kNoSlot = std::numeric_limits<uint32_t>::max();

ParseScratch& ThreadScratch() {
  thread_local ParseScratch scratch;
  return scratch;
}

class RequestReader {
 public:
  RequestReader(const Schema& schema, size_t max_members,
                std::vector<Value>* values, ParseScratch* scratch)
      : schema_(schema),
        max_members_(max_members),
        values_(*values),
        scratch_(*scratch) {}

  // Reads the members of `object`, whose dotted path (with a trailing '.',
  // or empty at the top) is in scratch_.path.
  absl::Status ReadObject(simdjson::dom::object object) {
    std::string& path = scratch_.path;
    const size_t prefix_length = path.size();
    for (simdjson::dom::key_value_pair member : object) {
      if (++members_read_ > max_members_) {
        return absl::InvalidArgumentError(absl::StrCat(
            "request has more than ", max_members_,
            " object members (RequestOptions::max_members)"));
      }
      path.resize(prefix_length);
      path.append(member.key.data(), member.key.size());
      // The checker guarantees no attribute is a prefix of another, so a
      // path is a prefix or an attribute, never both; asking the cheaper
      // question first saves a hash lookup per nested object.
      simdjson::dom::object nested;
      if (member.value.get_object().get(nested) == simdjson::SUCCESS &&
          schema_.path_prefixes.contains(path)) {
        path.push_back('.');
        absl::Status status = ReadObject(nested);
        if (!status.ok()) return status;
      } else if (std::optional<uint32_t> slot = SlotOf(path, members_read_ - 1)) {
        absl::Status status = ReadAttribute(*slot, member.value);
        if (!status.ok()) return status;
      }
      // Anything else is not in the schema: ignored.
    }
    return absl::OkStatus();
  }

 private:
  // The slot of the attribute at `path`, the `member_index`th member of the
  // document. A gateway's clients send the same members in the same order,
  // so the slot found at this position last time is usually right, and
  // comparing its path is cheaper than hashing this one (a hash lookup was
  // 15% of JSON to decision). The guess is always checked against this
  // schema's own path, so a guess from another policy's document only
  // misses; what is not an attribute is never guessed.
  std::optional<uint32_t> SlotOf(absl::string_view path, size_t member_index) {
    std::vector<uint32_t>& guesses = scratch_.slot_at_member;
    if (member_index >= guesses.size()) guesses.resize(member_index + 1, kNoSlot);
    const uint32_t guess = guesses[member_index];
    if (guess < schema_.attributes.size() &&
        schema_.attributes[guess].path == path) {
      return guess;
    }
    std::optional<uint32_t> slot = schema_.Find(path);
    guesses[member_index] = slot.value_or(kNoSlot);
    return slot;
  }

  absl::Status ReadAttribute(uint32_t slot, simdjson::dom::element element) {
    if (scratch_.given[slot]) {
      return absl::InvalidArgumentError(absl::StrCat(
          "attribute '", schema_.attributes[slot].path, "' is given twice"));
    }
    scratch_.given[slot] = 1;
    Value* value = &values_[slot];
    using simdjson::dom::element_type;
    switch (element.type()) {
      case element_type::NULL_VALUE:
        break;  // null means absent
      case element_type::BOOL:
        AssignBool(schema_, slot, element.get_bool().value_unsafe(), value);
        break;
      case element_type::INT64:
        AssignInt(schema_, slot, element.get_int64().value_unsafe(), value);
        break;
      case element_type::UINT64:
        ReadIntegerBeyondInt64(slot, element.get_uint64().value_unsafe(),
                               value);
        break;
      case element_type::DOUBLE:
        AssignNumber(schema_, slot, element.get_double().value_unsafe(),
                     value);
        break;
      case element_type::STRING:
        AssignString(schema_, slot, ToAbsl(element.get_string().value_unsafe()),
                     value);
        break;
      case element_type::ARRAY:
        ReadStringArray(slot, element.get_array().value_unsafe(), value);
        break;
      case element_type::OBJECT:
        MarkWrongType(schema_.attributes[slot], "object", value);
        break;
    }
    return absl::OkStatus();
  }

  // An integer above INT64_MAX is still a fine number, but not an int or a
  // duration.
  void ReadIntegerBeyondInt64(uint32_t slot, uint64_t input, Value* value) {
    const AttributeInfo& attribute = schema_.attributes[slot];
    switch (attribute.type.kind) {
      case TypeKind::kNumber:
        AssignNumber(schema_, slot, static_cast<double>(input), value);
        return;
      case TypeKind::kInt:
      case TypeKind::kDuration:
        MarkWrongType(attribute, "an integer outside the int64 range", value);
        return;
      default:
        MarkWrongType(attribute, "int", value);
    }
  }

  void ReadStringArray(uint32_t slot, simdjson::dom::array array,
                       Value* value) {
    const AttributeInfo& attribute = schema_.attributes[slot];
    if (!HasKind(attribute, TypeKind::kStringSet, "array", value)) return;
    // Overwrite the strings already there, so their buffers are reused.
    std::vector<std::string>& set = value->set;
    size_t count = 0;
    for (simdjson::dom::element element : array) {
      std::string_view member;
      if (element.get_string().get(member) != simdjson::SUCCESS) {
        MarkWrongType(attribute,
                      absl::StrCat("an array containing a non-string (",
                                   JsonKindName(element.type()), ")"),
                      value);
        return;
      }
      if (count < set.size()) {
        set[count].assign(member.data(), member.size());
      } else {
        set.emplace_back(member);
      }
      ++count;
    }
    set.resize(count);
    MarkPresent(value);
  }

  const Schema& schema_;
  const size_t max_members_;
  size_t members_read_ = 0;
  std::vector<Value>& values_;
  ParseScratch& scratch_;
};

// Makes the per-thread parser refuse documents nested deeper than
// `max_depth`; simdjson keeps the depth when it grows its buffers. Its own
// count refuses a document whose depth reaches its limit, hence the + 1.
absl::Status LimitParserDepth(size_t max_depth, simdjson::dom::parser* parser) {
  max_depth += 1;
  if (parser->max_depth() == max_depth) return absl::OkStatus();
  constexpr size_t kInitialCapacity = 4096;
  const size_t capacity = std::max(parser->capacity(), kInitialCapacity);
  if (parser->allocate(capacity, max_depth) != simdjson::SUCCESS) {
    return absl::ResourceExhaustedError("cannot allocate the JSON parser");
  }
  return absl::OkStatus();
}

}  // namespace

// ---------------------------------------------------------------------------
// Typed assignment.

void AssignBool(const Schema& schema, uint32_t slot, bool input, Value* value) {
  const AttributeInfo& attribute = schema.attributes[slot];
  if (!HasKind(attribute, TypeKind::kBool, "bool", value)) return;
  value->boolean = input;
  MarkPresent(value);
}

void AssignInt(const Schema& schema, uint32_t slot, int64_t input,
               Value* value) {
  const AttributeInfo& attribute = schema.attributes[slot];
  switch (attribute.type.kind) {
    case TypeKind::kInt:
    case TypeKind::kDuration:  // an integer duration is in seconds
      value->integer = input;
      MarkPresent(value);
      return;
    case TypeKind::kNumber:  // every integer is a valid number
      value->number = static_cast<double>(input);
      MarkPresent(value);
      return;
    default:
      MarkWrongType(attribute, "int", value);
  }
}

void AssignNumber(const Schema& schema, uint32_t slot, double input,
                  Value* value) {
  const AttributeInfo& attribute = schema.attributes[slot];
  // Not even 5.0 for an int: whether a number has a fraction is a property
  // of the sender's encoder, and accepting some would make typing flaky.
  if (!HasKind(attribute, TypeKind::kNumber, "number", value)) return;
  value->number = input;
  MarkPresent(value);
}

void AssignString(const Schema& schema, uint32_t slot, absl::string_view input,
                  Value* value) {
  const AttributeInfo& attribute = schema.attributes[slot];
  switch (attribute.type.kind) {
    case TypeKind::kString:
      value->text.assign(input.data(), input.size());
      MarkPresent(value);
      return;
    case TypeKind::kDuration:
      StoreDurationText(attribute, input, value);
      return;
    case TypeKind::kIp:
      StoreIpText(attribute, input, value);
      return;
    case TypeKind::kEnum:
      StoreEnumText(schema, slot, input, value);
      return;
    default:
      MarkWrongType(attribute, "string", value);
  }
}

void AssignDurationSeconds(const Schema& schema, uint32_t slot,
                           int64_t seconds, Value* value) {
  const AttributeInfo& attribute = schema.attributes[slot];
  if (!HasKind(attribute, TypeKind::kDuration, "duration", value)) return;
  value->integer = seconds;
  MarkPresent(value);
}

void AssignIp(const Schema& schema, uint32_t slot, absl::string_view input,
              Value* value) {
  const AttributeInfo& attribute = schema.attributes[slot];
  if (!HasKind(attribute, TypeKind::kIp, "ip", value)) return;
  StoreIpText(attribute, input, value);
}

void AssignEnumMember(const Schema& schema, uint32_t slot,
                      absl::string_view member, Value* value) {
  const AttributeInfo& attribute = schema.attributes[slot];
  if (!HasKind(attribute, TypeKind::kEnum, "enum member", value)) return;
  StoreEnumText(schema, slot, member, value);
}

void AssignStringSet(const Schema& schema, uint32_t slot,
                     const std::vector<std::string>& members, Value* value) {
  const AttributeInfo& attribute = schema.attributes[slot];
  if (!HasKind(attribute, TypeKind::kStringSet, "set<string>", value)) return;
  value->set.assign(members.begin(), members.end());
  MarkPresent(value);
}

void ClearValue(Value* value) {
  value->state = ValueState::kAbsent;
  value->error.clear();
}

std::optional<int64_t> ParseDurationString(absl::string_view text) {
  bool negative = !text.empty() && text.front() == '-';
  if (negative) text.remove_prefix(1);
  if (text.size() < 2) return std::nullopt;  // at least a digit and a unit
  const int64_t unit_seconds = UnitSeconds(text.back());
  if (unit_seconds == 0) return std::nullopt;
  text.remove_suffix(1);
  // The magnitude of INT64_MIN is one more than INT64_MAX.
  const uint64_t max_seconds =
      static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + negative;
  uint64_t magnitude = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    uint64_t digit = static_cast<uint64_t>(c - '0');
    if (magnitude > (max_seconds - digit) / 10) return std::nullopt;
    magnitude = magnitude * 10 + digit;
  }
  if (magnitude > max_seconds / unit_seconds) return std::nullopt;
  uint64_t seconds = magnitude * unit_seconds;
  return static_cast<int64_t>(negative ? 0 - seconds : seconds);
}

absl::Status FillRequestFromJson(const Schema& schema, absl::string_view json,
                                 std::vector<Value>* values) {
  return FillRequestFromJson(schema, json, RequestOptions{}, values);
}

absl::Status FillRequestFromJson(const Schema& schema, absl::string_view json,
                                 const RequestOptions& options,
                                 std::vector<Value>* values) {
  values->resize(schema.attributes.size());
  for (Value& value : *values) ClearValue(&value);
  if (json.size() > options.max_json_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "request is ", json.size(), " bytes, over the limit of ",
        options.max_json_bytes, " (RequestOptions::max_json_bytes)"));
  }

  ParseScratch& scratch = ThreadScratch();
  if (absl::Status status = LimitParserDepth(options.max_depth, &scratch.parser);
      !status.ok()) {
    return status;
  }
  simdjson::dom::element root;
  simdjson::error_code error =
      scratch.parser.parse(json.data(), json.size()).get(root);
  if (error == simdjson::DEPTH_ERROR) {
    return absl::InvalidArgumentError(absl::StrCat(
        "request nests objects and arrays deeper than ", options.max_depth,
        " levels (RequestOptions::max_depth)"));
  }
  if (error != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid JSON: ", simdjson::error_message(error)));
  }
  simdjson::dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a request must be a JSON object, not ", JsonKindName(root.type())));
  }
  scratch.path.clear();
  scratch.given.assign(schema.attributes.size(), 0);
  return RequestReader(schema, options.max_members, values, &scratch)
      .ReadObject(object);
}

}  // namespace writ::internal
