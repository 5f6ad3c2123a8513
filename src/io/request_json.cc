// Request input: typed assignment and the JSON reader (SPEC §6).
//
// The JSON reader is on the gateway's hot path. It parses with simdjson's
// DOM parser, one per thread and reused, so a warm parse allocates nothing;
// walks the document once alongside the schema's tree of member keys
// (Schema::objects), never building a dotted path; and descends into a
// nested object only where the tree has one, so the work is bounded by the
// schema and the document's size, not by how deep a client nests things
// the policy never reads.
#include "src/io/request_json.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "simdjson.h"
#include "src/internal/bytes_equal.h"
#include "src/io/json_numbers.h"
#include "src/io/json_syntax.h"

namespace writ::internal {
namespace {

constexpr absl::string_view kWithheld = "value withheld (redacted attribute)";
constexpr absl::string_view kNotADuration =
    "not a duration (one unit: s, m, h or d)";
constexpr absl::string_view kDurationOutOfRange =
    "out of range for a duration (its seconds must fit in an int64)";
// Longer values are cut in messages, so a hostile request cannot make every
// log line megabytes long.
constexpr size_t kMaxQuotedBytes = 64;

// One slot being written: `slot` of `store`.
struct Target {
  const ValueStore& store;
  uint32_t slot;

  Value& value() const { return store.value(slot); }
  ValueDetail& detail() const { return store.detail(slot); }
};

// Only a wrong-typed slot has an error (ValueDetail::error), so a slot
// that was not wrong-typed is marked without touching its detail. Inlined
// by force, as MarkPresent is: every attribute a request gives ends here,
// and as the calls GCC chose to keep they cost ~20 instructions an
// attribute.
[[gnu::always_inline]] inline void SetState(ValueState state, const Target& target) {
  Value& value = target.value();
  if (value.state == ValueState::kWrongType) target.detail().error.clear();
  value.state = state;
}

[[gnu::always_inline]] inline void MarkPresent(const Target& target) {
  SetState(ValueState::kPresent, target);
}

// A piece of a wrong-typed value's message: text, the attribute's type
// (its name), or a value quoted and cut to a bounded length on a code
// point boundary ('text' or 'text...').
struct Quoted {
  absl::string_view text;
};

void AppendPiece(absl::string_view text, std::string* message) {
  message->append(text.data(), text.size());
}
void AppendPiece(const Type& type, std::string* message) { AppendTypeName(type, message); }
void AppendPiece(Quoted quoted, std::string* message) {
  absl::string_view text = quoted.text;
  size_t cut = text.size();
  if (text.size() > kMaxQuotedBytes) {
    cut = kMaxQuotedBytes;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  }
  absl::StrAppend(message, "'", text.substr(0, cut), cut < text.size() ? "...'" : "'");
}

// Marks the value wrong-typed, its message `pieces` end to end, written
// into the slot's error string in place: a reused request keeps that
// string's buffer, where a message built apart and moved in freed it and
// allocated another for every wrong-typed value.
template <typename... Pieces>
void MarkWrongTypeWithMessage(const Target& target, const Pieces&... pieces) {
  target.value().state = ValueState::kWrongType;
  std::string& message = target.detail().error;
  message.clear();
  (AppendPiece(pieces, &message), ...);
}

// "expected int, got string". `given` names what was given, never its value.
template <typename... Given>
void MarkWrongType(const AttributeInfo& attribute, const Target& target, const Given&... given) {
  MarkWrongTypeWithMessage(target, "expected ", attribute.type, ", got ", given...);
}

// Whether `attribute` is declared `kind`; if not, marks the value
// wrong-typed, `given` naming what was given instead.
bool HasKind(const AttributeInfo& attribute, TypeKind kind,
             absl::string_view given, const Target& target) {
  if (attribute.type.kind == kind) return true;
  MarkWrongType(attribute, target, given);
  return false;
}

// "'5x' is not a duration (...)", or for a redacted attribute
// "value withheld (redacted attribute): not a duration (...)".
void MarkBadText(const AttributeInfo& attribute, absl::string_view input,
                 absl::string_view problem, const Target& target) {
  if (attribute.redact) {
    MarkWrongTypeWithMessage(target, kWithheld, ": ", problem);
  } else {
    MarkWrongTypeWithMessage(target, Quoted{input}, " is ", problem);
  }
}

void StoreText(const AttributeInfo& attribute, absl::string_view input,
               const Target& target) {
  if (!target.store.SetText(target.slot, input)) {
    MarkBadText(attribute, input, "too long (the request's strings pass 4 GiB)", target);
    return;
  }
  MarkPresent(target);
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

// Whether `text` is written as a duration (an optional '-', digits, one
// unit), whatever its size: one ParseDurationString refuses is then out of
// range rather than not a duration.
bool HasDurationForm(absl::string_view text) {
  absl::ConsumePrefix(&text, "-");
  if (text.size() < 2 || UnitSeconds(text.back()) == 0) return false;
  text.remove_suffix(1);
  return std::all_of(text.begin(), text.end(), [](char c) { return absl::ascii_isdigit(c); });
}

void StoreDurationText(const AttributeInfo& attribute, absl::string_view input,
                       const Target& target) {
  std::optional<int64_t> seconds = ParseDurationString(input);
  if (!seconds.has_value()) {
    MarkBadText(attribute, input, HasDurationForm(input) ? kDurationOutOfRange : kNotADuration,
                target);
    return;
  }
  target.value().integer = *seconds;
  MarkPresent(target);
}

void StoreIpText(const AttributeInfo& attribute, absl::string_view input,
                 const Target& target) {
  std::optional<IpAddress> address = ParseIpAddress(input);
  if (!address.has_value()) {
    MarkBadText(attribute, input, "not an IP address", target);
    return;
  }
  target.value().set_ip(*address);
  MarkPresent(target);
}

void StoreEnumText(const Schema& schema, absl::string_view member, const Target& target) {
  int index = schema.EnumIndex(target.slot, member);
  if (index >= 0) {
    target.value().integer = index;
    MarkPresent(target);
    return;
  }
  const AttributeInfo& attribute = schema.attributes[target.slot];
  if (attribute.redact) {
    MarkWrongTypeWithMessage(target, kWithheld, ": not a member of ", attribute.type);
  } else {
    MarkWrongTypeWithMessage(target, "unknown member ", Quoted{member}, " of ", attribute.type);
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
  std::vector<uint8_t> given;  // per slot: given earlier in this document
  // Per member, in document order: where the member at that position was
  // found in the previous document (MemberPlace), or kNoPlace. See Find.
  std::vector<uint64_t> place_at_member;
  // A document whose wide integers were rewritten (json_numbers.h).
  std::string rewritten;
  // Per object of the schema's tree: the JSON object (numbered by
  // objects_read, never reset, so no document's numbers match another's)
  // that last held a key leading to it. See ReadObject.
  std::vector<uint64_t> object_reached_from;
  uint64_t objects_read = 0;
};

constexpr uint64_t kNoPlace = std::numeric_limits<uint64_t>::max();

// A member's place in the schema's tree: its object and index there.
uint64_t MemberPlace(uint32_t object, uint32_t index) {
  return uint64_t{object} << 32 | index;
}

ParseScratch& ThreadScratch() {
  thread_local ParseScratch scratch;
  return scratch;
}

class RequestReader {
 public:
  RequestReader(const Schema& schema, size_t max_members,
                const ValueStore& store, ParseScratch* scratch)
      : schema_(schema),
        max_members_(max_members),
        store_(store),
        scratch_(*scratch) {}

  // Reads the members of `object`, which the schema's tree holds as
  // schema_.objects[schema_object].
  absl::Status ReadObject(simdjson::dom::object object, uint32_t schema_object) {
    const uint64_t this_object = ++scratch_.objects_read;
    for (simdjson::dom::key_value_pair member : object) {
      if (++members_read_ > max_members_) {
        return absl::InvalidArgumentError(absl::StrCat(
            "request has more than ", max_members_,
            " object members (RequestOptions::max_members)"));
      }
      const Schema::Member* found =
          Find(schema_object, ToAbsl(member.key), members_read_ - 1);
      if (found == nullptr) continue;  // not in the schema: ignored
      const absl::Status status =
          found->slot != Schema::kNoIndex
              ? ReadAttribute(found->slot, member.value)  // twice: given twice
              : ReadObjectMember(found->object, member, this_object);
      if (!status.ok()) return status;
    }
    return absl::OkStatus();
  }

 private:
  // The member `key` names in object `schema_object` (a key with dots
  // walks down through them, as SPEC §6 allows), or null. `member_index`
  // is the member's position in the document: a gateway's clients send the
  // same members in the same order, so the place found at that position
  // last time is usually right, and comparing one key is cheaper than
  // scanning or hashing (a hash lookup of the dotted path was 15% of JSON
  // to decision). A guess is always checked against this schema's own
  // tree, so one left by another policy's document only misses.
  const Schema::Member* Find(uint32_t schema_object, absl::string_view key,
                             size_t member_index) {
    std::vector<uint64_t>& guesses = scratch_.place_at_member;
    if (member_index >= guesses.size()) guesses.resize(member_index + 1, kNoPlace);
    const uint64_t guess = guesses[member_index];
    if (guess >> 32 == schema_object) {
      const Schema::Member* member = MemberAt(schema_object, guess & 0xffffffffu);
      if (member != nullptr && member->key.size() == key.size() &&
          BytesEqual(member->key.data(), key.data(), key.size())) {
        return member;
      }
    }
    for (;;) {
      const size_t dot = key.find('.');
      const uint32_t index = schema_.FindMember(schema_object, key.substr(0, dot));
      if (index == Schema::kNoIndex) return nullptr;
      const Schema::Member& member = schema_.objects[schema_object].members[index];
      if (dot == absl::string_view::npos) {
        guesses[member_index] = MemberPlace(schema_object, index);
        return &member;
      }
      if (member.object == Schema::kNoIndex) return nullptr;
      schema_object = member.object;
      key.remove_prefix(dot + 1);
    }
  }

  // A member of JSON object `containing_object` whose key leads to object
  // `schema_object` of the schema's tree.
  absl::Status ReadObjectMember(uint32_t schema_object, simdjson::dom::key_value_pair member,
                                uint64_t containing_object) {
    // The tree has one path from here to an object, so only the same key
    // (after unescaping) leads to it twice from one JSON object:
    // {"destination": {...}, "destination": {...}}. JSON parsers differ on
    // that (last wins, first wins, merged), so a gateway acting on the
    // request could read other values than the ones decided on.
    uint64_t& reached_from = scratch_.object_reached_from[schema_object];
    if (reached_from == containing_object) {
      return absl::InvalidArgumentError(
          absl::StrCat("the key '", ToAbsl(member.key), "' is given twice in one object"));
    }
    reached_from = containing_object;
    if (simdjson::dom::object nested; member.value.get_object().get(nested) == simdjson::SUCCESS) {
      return ReadObject(nested, schema_object);
    }
    if (member.value.is_null()) return absl::OkStatus();  // absent, as for a leaf
    return MarkObjectWrongType(schema_object, member.value.type());
  }

  // A path's prefix given a scalar or an array (`{"destination": 5}` when
  // the schema has destination.host): the request gives every attribute
  // under it, each with a value of the wrong type (SPEC §6), so each is
  // unknown with an `errors` entry rather than silently missing. Each counts
  // as given, so the same attribute given again elsewhere in the document
  // is given twice. Off the common path: only a malformed request gets here.
  absl::Status MarkObjectWrongType(uint32_t schema_object,
                                   simdjson::dom::element_type given) {
    // (object, segments between it and the prefix given), walked without
    // recursion: a schema path may have any number of segments.
    std::vector<std::pair<uint32_t, size_t>> pending = {{schema_object, 1}};
    while (!pending.empty()) {
      const auto [object, depth] = pending.back();
      pending.pop_back();
      for (const Schema::Member& member : schema_.objects[object].members) {
        if (member.object != Schema::kNoIndex) pending.emplace_back(member.object, depth + 1);
        if (member.slot == Schema::kNoIndex) continue;
        if (scratch_.given[member.slot]) return GivenTwice(member.slot);
        scratch_.given[member.slot] = 1;
        const AttributeInfo& attribute = schema_.attributes[member.slot];
        MarkWrongTypeWithMessage(Target{store_, member.slot}, "expected an object for '",
                                 PathPrefix(attribute.path, depth), "', got ",
                                 JsonKindName(given));
      }
    }
    return absl::OkStatus();
  }

  // `path` without its last `segments` dot-separated segments.
  static absl::string_view PathPrefix(absl::string_view path, size_t segments) {
    for (size_t i = 0; i < segments; ++i) path = path.substr(0, path.rfind('.'));
    return path;
  }

  absl::Status GivenTwice(uint32_t slot) const {
    return absl::InvalidArgumentError(absl::StrCat(
        "attribute '", schema_.attributes[slot].path, "' is given twice"));
  }

  const Schema::Member* MemberAt(uint32_t schema_object, uint32_t index) const {
    if (schema_object >= schema_.objects.size()) return nullptr;
    const std::vector<Schema::Member>& members = schema_.objects[schema_object].members;
    return index < members.size() ? &members[index] : nullptr;
  }

  absl::Status ReadAttribute(uint32_t slot, simdjson::dom::element element) {
    if (scratch_.given[slot]) return GivenTwice(slot);
    scratch_.given[slot] = 1;
    const Target target{store_, slot};
    using simdjson::dom::element_type;
    switch (element.type()) {
      case element_type::NULL_VALUE:
        break;  // null means absent
      case element_type::BOOL:
        AssignBool(schema_, slot, element.get_bool().value_unsafe(), store_);
        break;
      case element_type::INT64:
        AssignInt(schema_, slot, element.get_int64().value_unsafe(), store_);
        break;
      case element_type::UINT64:
        ReadIntegerBeyondInt64(element.get_uint64().value_unsafe(), target);
        break;
      case element_type::DOUBLE:
        ReadDouble(element.get_double().value_unsafe(), target);
        break;
      case element_type::STRING:
        AssignString(schema_, slot, ToAbsl(element.get_string().value_unsafe()), store_);
        break;
      case element_type::ARRAY:
        ReadStringArray(element.get_array().value_unsafe(), target);
        break;
      case element_type::OBJECT:
        MarkWrongType(schema_.attributes[slot], target, "object");
        break;
    }
    return absl::OkStatus();
  }

  // An integer above INT64_MAX is still a fine number, but not an int or a
  // duration.
  void ReadIntegerBeyondInt64(uint64_t input, const Target& target) {
    const AttributeInfo& attribute = schema_.attributes[target.slot];
    switch (attribute.type.kind) {
      case TypeKind::kNumber:
      case TypeKind::kInt:
      case TypeKind::kDuration:
        ReadDouble(static_cast<double>(input), target);
        return;
      default:
        MarkWrongType(attribute, target, "int");
    }
  }

  // A double with no fraction beyond the int64 range (1e20, an integer
  // past UINT64_MAX, which the reader parses as a double: json_numbers.h,
  // or one up to UINT64_MAX) is, for an int or a duration, out of range
  // rather than "a number": the sender wrote an integer.
  void ReadDouble(double input, const Target& target) {
    const TypeKind kind = schema_.attributes[target.slot].type.kind;
    // -2^63 included: an integer just below INT64_MIN is read as the
    // nearest double, which is -2^63 (simdjson reads INT64_MIN itself as
    // an int, so no int in range comes here).
    constexpr double kTwoToThe63 = 9223372036854775808.0;
    const bool integer_beyond_int64 = std::trunc(input) == input && std::abs(input) >= kTwoToThe63;
    if (integer_beyond_int64 && (kind == TypeKind::kInt || kind == TypeKind::kDuration)) {
      MarkWrongType(schema_.attributes[target.slot], target, "an integer outside the int64 range");
      return;
    }
    AssignNumber(schema_, target.slot, input, store_);
  }

  void ReadStringArray(simdjson::dom::array array, const Target& target) {
    const AttributeInfo& attribute = schema_.attributes[target.slot];
    if (!HasKind(attribute, TypeKind::kStringSet, "array", target)) return;
    std::vector<std::string>* set = target.store.MembersToWrite(target.slot, ElementCount(array));
    if (set == nullptr) {
      MarkPresent(target);
      return;
    }
    // Overwrite the strings already there, so their buffers are reused.
    size_t count = 0;
    for (simdjson::dom::element element : array) {
      std::string_view member;
      if (element.get_string().get(member) != simdjson::SUCCESS) {
        target.store.MembersToWrite(target.slot, 0);  // no stale members kept as the value
        MarkWrongType(attribute, target, "an array containing a non-string (",
                      JsonKindName(element.type()), ")");
        return;
      }
      (*set)[count++].assign(member.data(), member.size());
    }
    MarkPresent(target);
  }

  // simdjson keeps an array's size on the tape, saturated at 0xFFFFFF
  // (a larger array, only possible under a raised max_json_bytes, is
  // counted).
  static size_t ElementCount(simdjson::dom::array array) {
    constexpr size_t kSaturated = 0xFFFFFF;
    const size_t size = array.size();
    if (size < kSaturated) return size;
    size_t counted = 0;
    for ([[maybe_unused]] simdjson::dom::element element : array) ++counted;
    return counted;
  }

  const Schema& schema_;
  const size_t max_members_;
  size_t members_read_ = 0;
  const ValueStore& store_;
  ParseScratch& scratch_;
};

// The nesting the parser is set to refuse beyond: RequestOptions::max_depth,
// but no more than a document under max_json_bytes can reach (a level takes
// a byte at least) nor kMostParserDepth. simdjson allocates its depth stack
// up front, 9 bytes a level on each thread: max_depth = SIZE_MAX, meant as
// "no limit", overflowed the parser's + 1 and refused every request, one
// just below it threw std::bad_array_new_length out of Request::FromJson,
// and 2^28 took 2.4 GB a thread.
constexpr size_t kMostParserDepth = size_t{1} << 20;
size_t ParserMaxDepth(const RequestOptions& options) {
  return std::min({options.max_depth, options.max_json_bytes, kMostParserDepth});
}

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

// simdjson's refusal of `json`, with the place of the first fault where
// FindJsonSyntaxError finds one (simdjson does not say where).
absl::Status InvalidJson(absl::string_view json, simdjson::error_code error) {
  if (const std::optional<JsonSyntaxError> fault = FindJsonSyntaxError(json)) {
    return absl::InvalidArgumentError(absl::StrCat("invalid JSON at line ", fault->line,
                                                   ", column ", fault->column, ": ",
                                                   fault->problem));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("invalid JSON: ", simdjson::error_message(error)));
}

}  // namespace

// ---------------------------------------------------------------------------
// Typed assignment.

void AssignBool(const Schema& schema, uint32_t slot, bool input, const ValueStore& store) {
  const Target target{store, slot};
  const AttributeInfo& attribute = schema.attributes[slot];
  if (!HasKind(attribute, TypeKind::kBool, "bool", target)) return;
  target.value().boolean = input;
  MarkPresent(target);
}

void AssignInt(const Schema& schema, uint32_t slot, int64_t input, const ValueStore& store) {
  const Target target{store, slot};
  const AttributeInfo& attribute = schema.attributes[slot];
  switch (attribute.type.kind) {
    case TypeKind::kInt:
    case TypeKind::kDuration:  // an integer duration is in seconds
      target.value().integer = input;
      MarkPresent(target);
      return;
    case TypeKind::kNumber:  // every integer is a valid number
      target.value().number = static_cast<double>(input);
      MarkPresent(target);
      return;
    default:
      MarkWrongType(attribute, target, "int");
  }
}

void AssignNumber(const Schema& schema, uint32_t slot, double input, const ValueStore& store) {
  const Target target{store, slot};
  const AttributeInfo& attribute = schema.attributes[slot];
  // Not even 5.0 for an int: whether a number has a fraction is a property
  // of the sender's encoder, and accepting some would make typing flaky.
  if (!HasKind(attribute, TypeKind::kNumber, "number", target)) return;
  // JSON has no NaN or infinity, so only a setter can give one. NaN
  // satisfies no compare: present, it would slip past every `deny ... when
  // x >= c` guardrail; unknown, such a deny applies as indeterminate.
  if (!std::isfinite(input)) {
    MarkWrongType(attribute, target, "a non-finite number");
    return;
  }
  target.value().number = input;
  MarkPresent(target);
}

void AssignString(const Schema& schema, uint32_t slot, absl::string_view input,
                  const ValueStore& store) {
  const Target target{store, slot};
  const AttributeInfo& attribute = schema.attributes[slot];
  switch (attribute.type.kind) {
    case TypeKind::kString:
      StoreText(attribute, input, target);
      return;
    case TypeKind::kDuration:
      StoreDurationText(attribute, input, target);
      return;
    case TypeKind::kIp:
      StoreIpText(attribute, input, target);
      return;
    case TypeKind::kEnum:
      StoreEnumText(schema, input, target);
      return;
    default:
      MarkWrongType(attribute, target, "string");
  }
}

void AssignDurationSeconds(const Schema& schema, uint32_t slot, int64_t seconds,
                           const ValueStore& store) {
  const Target target{store, slot};
  const AttributeInfo& attribute = schema.attributes[slot];
  if (!HasKind(attribute, TypeKind::kDuration, "duration", target)) return;
  target.value().integer = seconds;
  MarkPresent(target);
}

void AssignIp(const Schema& schema, uint32_t slot, absl::string_view input,
              const ValueStore& store) {
  const Target target{store, slot};
  const AttributeInfo& attribute = schema.attributes[slot];
  if (!HasKind(attribute, TypeKind::kIp, "ip", target)) return;
  StoreIpText(attribute, input, target);
}

void AssignEnumMember(const Schema& schema, uint32_t slot, absl::string_view member,
                      const ValueStore& store) {
  const Target target{store, slot};
  const AttributeInfo& attribute = schema.attributes[slot];
  if (!HasKind(attribute, TypeKind::kEnum, "enum member", target)) return;
  StoreEnumText(schema, member, target);
}

void AssignStringSet(const Schema& schema, uint32_t slot,
                     const std::vector<std::string>& members, const ValueStore& store) {
  const Target target{store, slot};
  const AttributeInfo& attribute = schema.attributes[slot];
  if (!HasKind(attribute, TypeKind::kStringSet, "set<string>", target)) return;
  if (std::vector<std::string>* set = store.MembersToWrite(slot, members.size())) {
    for (size_t i = 0; i < members.size(); ++i) (*set)[i].assign(members[i]);
  }
  MarkPresent(target);
}

void ClearValue(uint32_t slot, const ValueStore& store) {
  SetState(ValueState::kAbsent, Target{store, slot});
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
                                 const ValueStore& store) {
  return FillRequestFromJson(schema, json, RequestOptions{}, store);
}

absl::Status FillRequestFromJson(const Schema& schema, absl::string_view json,
                                 const RequestOptions& options, const ValueStore& store) {
  store.Reset(schema.attributes.size());
  if (json.size() > options.max_json_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "request is ", json.size(), " bytes, over the limit of ",
        options.max_json_bytes, " (RequestOptions::max_json_bytes)"));
  }

  ParseScratch& scratch = ThreadScratch();
  const size_t max_depth = ParserMaxDepth(options);
  if (absl::Status status = LimitParserDepth(max_depth, &scratch.parser);
      !status.ok()) {
    return status;
  }
  simdjson::dom::element root;
  simdjson::error_code error =
      scratch.parser.parse(json.data(), json.size()).get(root);
  if (error == simdjson::NUMBER_ERROR) {
    // Rare (a number simdjson cannot hold), so the copy is no concern.
    if (absl::Status status = RewriteWideIntegers(json, &scratch.rewritten); !status.ok()) {
      return status;
    }
    error = scratch.parser.parse(scratch.rewritten).get(root);
  }
  if (error == simdjson::DEPTH_ERROR) {
    return absl::InvalidArgumentError(absl::StrCat(
        "request nests objects and arrays deeper than ", max_depth,
        " levels (RequestOptions::max_depth)"));
  }
  if (error != simdjson::SUCCESS) return InvalidJson(json, error);
  simdjson::dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a request must be a JSON object, not ", JsonKindName(root.type())));
  }
  scratch.given.assign(schema.attributes.size(), 0);
  if (scratch.object_reached_from.size() < schema.objects.size()) {
    scratch.object_reached_from.resize(schema.objects.size(), 0);
  }
  return RequestReader(schema, options.max_members, store, &scratch)
      .ReadObject(object, /*schema_object=*/0);
}

}  // namespace writ::internal
