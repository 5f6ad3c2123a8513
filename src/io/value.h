// Internal: the typed values of a request's attributes.
//
// io/ owns what crosses from the outside world into the engine: reading
// policy files and turning request JSON (or setter calls) into typed slots.
//
// Layout. A decision reads a few slots, and of each only its state and one
// scalar or its text. So a slot is split in two: a 32-byte hot Value (two
// to a cache line, all of a request's slots in a few lines; an IP address
// in its 16 text bytes) and a cold ValueDetail with what only some
// predicates, the explanation and the log read (a set's members, a
// wrong-typed value's message). Most requests have neither a non-empty
// set nor a wrong-typed value, and then they have no details at all: a
// request is its slots and its texts, which is what copying one or reading
// it into a reused one touches (benchmarks/RESULTS.md, "Requests without
// details").
// A string of up to 16 bytes (a tool name, say) is kept in the Value
// itself, so reading it costs no other line; longer ones live end to end in
// one per-request text arena, addressed by offset, so a copied or moved
// request needs no fix-up and a warm request stores the next document's
// strings without allocating.
#ifndef WRIT_SRC_IO_VALUE_H_
#define WRIT_SRC_IO_VALUE_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "src/internal/ip_address.h"
#include "writ/request.h"

namespace writ::internal {

enum class ValueState : uint8_t { kAbsent, kPresent, kWrongType };

// Where a string slot's text is in its request's text arena, when it is
// longer than Value::kInlineText: text_size bytes at `offset`, in a region
// of `capacity` bytes the slot owns, so a text that fits is rewritten in
// place. A slot keeps its region while it holds inline texts.
struct TextPlace {
  uint32_t offset;
  uint32_t capacity;
};

// The hot part of one request slot. Each attribute has one declared type,
// and everything that reads a slot reads the member of that type only:
// boolean (bool), integer (int, duration in seconds, enum member index),
// number (number), the text (string: TextOf) or the address (ip: ip()).
// set<string> values are in the slot's ValueDetail.
struct Value {
  static constexpr uint32_t kInlineText = 16;

  ValueState state = ValueState::kAbsent;
  bool boolean = false;
  uint32_t text_size = 0;
  union {
    int64_t integer = 0;
    double number;
    TextPlace text;
  };
  char inline_text[kInlineText] = {};  // a text of up to kInlineText bytes, or an ip

  // An ip slot's address: its bytes are the inline text's, which an ip
  // slot has no other use for.
  IpAddress ip() const {
    IpAddress address;
    std::memcpy(address.bytes.data(), inline_text, sizeof(address.bytes));
    return address;
  }
  void set_ip(const IpAddress& address) {
    std::memcpy(inline_text, address.bytes.data(), sizeof(address.bytes));
  }
};
static_assert(sizeof(Value) == 32, "two slots to a cache line");
static_assert(sizeof(IpAddress::bytes) == Value::kInlineText, "an address fills the text bytes");

// A string slot's text; `texts` is its request's text arena.
inline absl::string_view TextOf(const Value& value, const char* texts) {
  return absl::string_view(
      value.text_size <= Value::kInlineText ? value.inline_text : texts + value.text.offset,
      value.text_size);
}

// The cold part of one request slot.
struct ValueDetail {
  std::vector<std::string> set;
  // Members a shorter set dropped, parked with their buffers: a reused
  // request's next longer set takes them back instead of allocating (a
  // member past std::string's 15 inline bytes, "prompt_injection", cost
  // a warm JSON read an allocation whenever it followed a shorter set).
  // Never read as the value.
  std::vector<std::string> spare_members;
  // Why the value is wrong-typed; empty unless the state is kWrongType.
  std::string error;
};

// One slot as a predicate reads it.
struct SlotView {
  const Value* value;
  const char* texts;  // the request's text arena
  const ValueDetail* detail;

  // Only for a string attribute.
  absl::string_view text() const { return TextOf(*value, texts); }
};

// The detail of a slot in a request that has none: no set members, no
// error.
const ValueDetail& NoDetail();

// A request's values as the evaluators read them, slot by slot.
// `details` is the request's vector, not its data, so that taking the view
// reads nothing (a decision takes one and rarely reads a detail: checking
// for details there cost each decision ~5 instructions).
struct ValuesView {
  const Value* values;
  const std::vector<ValueDetail>* details;  // empty or null: no details
  const char* texts;

  // Always inline: a decision reads slots in its hottest loops, and when
  // the evaluator around them grew (the `matches` automaton's prefix
  // compare), g++ made this a call: +51 instructions a decision on the
  // bundled agent-gateway policy.
  [[gnu::always_inline]] SlotView slot(uint32_t slot) const {
    const bool none = details == nullptr || details->empty();
    return {&values[slot], texts, none ? &NoDetail() : &(*details)[slot]};
  }
  // Only for a string attribute.
  absl::string_view text(uint32_t slot) const { return TextOf(values[slot], texts); }
};

}  // namespace writ::internal

namespace writ {

// Defined here, where ValuesView is, and inline: a decision reads it once,
// and as a call into request.cc, its struct returned through the stack and
// read back at once, it cost a 1,000-rule decision 4 more instructions and
// ~6% of its time (benchmarks/RESULTS.md, "The screen scan as a leaf, one
// flattened decision, the request view inline").
inline internal::ValuesView Request::values() const {
  return {values_.data(), &details_, texts_.data()};
}

}  // namespace writ

namespace writ::internal {

// A request's values as typed assignment writes them: per slot a Value and
// a ValueDetail, and the text arena. It does not own them (they are
// writ::Request's members, or a test's), so that Request's public header
// need not see these types; it is made on the spot and copied freely.
class ValueStore {
 public:
  ValueStore(std::vector<Value>* values, std::vector<ValueDetail>* details,
             std::string* texts)
      : values_(values), details_(details), texts_(texts) {}

  // `slot_count` slots, every one absent, and an empty arena, keeping the
  // buffers (details too, if it has them): a warm store is refilled
  // without allocating.
  void Reset(size_t slot_count) const;

  size_t size() const { return values_->size(); }
  Value& value(uint32_t slot) const { return (*values_)[slot]; }
  // The slot's detail, to write: the first one a request needs gives it a
  // detail for every slot.
  ValueDetail& detail(uint32_t slot) const {
    if (details_->empty()) details_->resize(values_->size());
    return (*details_)[slot];
  }
  // Whether the request has details (detail() was called since it was
  // made): without, every slot's is NoDetail().
  bool has_details() const { return !details_->empty(); }
  // The members of set slot `slot`, made `count` long for the caller to
  // overwrite each in place (keeping its buffer), or null when `count` is
  // 0 and the store has no details: the slot's set is then NoDetail's,
  // empty already, and the request stays without details (most requests'
  // risk signals are `[]`). Members beyond `count` are parked in the
  // detail's spare_members, and a longer set takes them back first.
  std::vector<std::string>* MembersToWrite(uint32_t slot, size_t count) const;
  absl::string_view text(uint32_t slot) const {
    return ValuesView{values_->data(), nullptr, texts_->data()}.text(slot);
  }

  // Makes `text` the text of string slot `slot` (its state is the
  // caller's): inline when it is short, in place when it fits the slot's
  // region, else in a new region at the arena's end. False, storing nothing, when the arena would
  // pass 4 GiB, which offsets cannot address.
  bool SetText(uint32_t slot, absl::string_view text) const;

 private:
  // Grows the arena's buffer to hold at least `bytes`.
  void ReserveArena(size_t bytes) const;

  std::vector<Value>* values_;
  std::vector<ValueDetail>* details_;
  std::string* texts_;
};

}  // namespace writ::internal

#endif  // WRIT_SRC_IO_VALUE_H_
