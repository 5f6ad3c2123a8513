// Internal: an immutable map from string keys to rule ranges, built by the
// DAG compiler for the guard indexes and probed by the evaluator once or a
// few times per decision.
//
// Why not absl::flat_hash_map<std::string, RuleRange>: a probe there hashes
// with a general-purpose hash and, for keys over 15 bytes (most host names
// and suffixes), reads the key from its own heap block to compare. At
// 10,000 rules those blocks are scattered over megabytes, so each probe
// missed the cache twice or three times. Here the keys sit one after another
// in one arena and each slot keeps its key's full hash, so a probe reads
// one slot and, only when the hashes agree, the key's bytes.
#ifndef WRIT_SRC_COMPILE_TEXT_TABLE_H_
#define WRIT_SRC_COMPILE_TEXT_TABLE_H_

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "src/internal/bytes_equal.h"

namespace writ::internal {

// A half-open range [begin, end) of DagProgram::rule_lists() or, as a
// rule body, of DagProgram::body_tests().
struct RuleRange {
  uint32_t begin = 0;
  uint32_t end = 0;
  bool empty() const { return begin == end; }
  uint32_t size() const { return end - begin; }
};

// A 64-bit hash of `text` that reads it a word at a time: the keys are
// short (tool names, host names), so a few multiplies beat a general hash.
// Each 8-byte word (the last one overlapping the one before) is multiplied
// by its own odd constant, the products side by side, and their xor mixed
// once: a mix chained per word cost a decision 4 more instructions for a
// tool name and 10 for a 10,000-rule policy's host names, and made the
// probe wait on dependent multiplies (which measured as little time).
// Not for untrusted keys in a mutable table: the table is built once from
// the policy, and a request's text only chooses where to probe.
inline uint64_t HashText(absl::string_view text) {
  constexpr uint64_t kMultiplier = 0x9e3779b97f4a7c15ULL;
  constexpr uint64_t kStep = 0x5851f42d4c957f2eULL;  // even: each multiplier stays odd
  const auto word_at = [](const char* at) {
    uint64_t word;
    std::memcpy(&word, at, sizeof(word));
    return word;
  };
  const auto mix = [](uint64_t value) {
    value *= kMultiplier;
    return value ^ (value >> 29);
  };
  const char* bytes = text.data();
  const size_t size = text.size();
  if (size > 8 && size <= 16) {  // most tool and host names: the loop below, unrolled
    return mix(size ^ word_at(bytes) * kMultiplier ^
               word_at(bytes + size - 8) * (kMultiplier + kStep));
  }
  // Most host names and their dotted suffixes: four words, overlapping,
  // rather than the loop below, whose exit on the length a request's host
  // left to the branch predictor's chance (benchmarks/RESULTS.md,
  // "Branch-free probes").
  if (size > 16 && size <= 32) {
    return mix(size ^ word_at(bytes) * kMultiplier ^ word_at(bytes + 8) * (kMultiplier + kStep) ^
               word_at(bytes + size - 16) * (kMultiplier + 2 * kStep) ^
               word_at(bytes + size - 8) * (kMultiplier + 3 * kStep));
  }
  if (size >= 8) {
    uint64_t products = size;
    uint64_t multiplier = kMultiplier;
    for (size_t at = 0; at + 8 < size; at += 8, multiplier += kStep) {
      products ^= word_at(bytes + at) * multiplier;
    }
    return mix(products ^ word_at(bytes + size - 8) * multiplier);
  }
  uint64_t word = 0;
  if (size >= 4) {
    uint32_t first, last;
    std::memcpy(&first, bytes, 4);
    std::memcpy(&last, bytes + size - 4, 4);
    word = (static_cast<uint64_t>(last) << 32) | first;
  } else if (size > 0) {
    word = static_cast<uint64_t>(static_cast<unsigned char>(bytes[0])) |
           static_cast<uint64_t>(static_cast<unsigned char>(bytes[size / 2])) << 8 |
           static_cast<uint64_t>(static_cast<unsigned char>(bytes[size - 1])) << 16;
  }
  return mix(size ^ word * kMultiplier);
}

// The key an int or duration value is filed under in a TextTable: its 8
// bytes as the machine stores them. Equal integers have equal keys and
// unequal ones unequal keys, so a lookup decides `==` and `in` exactly.
class IntegerKey {
 public:
  explicit IntegerKey(int64_t value) { std::memcpy(bytes_, &value, sizeof(bytes_)); }
  absl::string_view view() const { return absl::string_view(bytes_, sizeof(bytes_)); }
  // The integer a key of 8 bytes holds.
  static int64_t Decode(absl::string_view key) {
    int64_t value = 0;
    std::memcpy(&value, key.data(), std::min(key.size(), sizeof(value)));
    return value;
  }

 private:
  char bytes_[sizeof(int64_t)];
};

class TextTable {
 public:
  // Empty, as built from no entries: two empty slots, so that a probe
  // needs no check for an empty table (and the mask no division by the
  // slot size): ~11 of the ~484 instructions of a 1,000-rule decision,
  // which probes two tables.
  TextTable() : TextTable(std::vector<std::pair<std::string, RuleRange>>{}) {}
  // Distinct keys; a key given twice keeps its first range.
  explicit TextTable(const std::vector<std::pair<std::string, RuleRange>>& entries)
      : TextTable(entries, {}) {}
  // As above, each key also with a *payload*, `payloads[i]` for
  // `entries[i]` (empty: none for any key): words stored right after the
  // key's bytes, so that a probe that finds the key has, in the lines it
  // just read to compare it, what its caller needs next (a key's rule list
  // and the rules' bodies: InlineEntries in dag_program.h). In a large table
  // the slot, the key and what the key leads to are each a cache miss, one
  // waiting on the other. Such a table also keeps a presence bitmap
  // (MayHoldKey), so that most texts that are no key are turned away by one
  // bit, without reading a slot.
  TextTable(const std::vector<std::pair<std::string, RuleRange>>& entries,
            const std::vector<std::vector<uint64_t>>& payloads);

  struct Slot {
    uint64_t hash = 0;
    uint32_t key_offset = 0;  // in bytes, into arena_
    uint32_t key_size = kEmpty;
    RuleRange range;
  };
  static_assert(sizeof(Slot) == 24, "a slot is three words");

  // The range filed under `key`, or nullptr.
  const RuleRange* Find(absl::string_view key) const { return Find(key, HashText(key)); }

  // As Find, `hash` being HashText(key): a caller probing two tables with
  // one text hashes it once.
  const RuleRange* Find(absl::string_view key, uint64_t hash) const {
    const Slot* slot = FindSlot(key, hash);
    return slot == nullptr ? nullptr : &slot->range;
  }

  // The slot of `key`, or nullptr; with its range and, through Payload,
  // its payload.
  const Slot* FindSlot(absl::string_view key, uint64_t hash) const {
    for (size_t at = hash >> shift_;; at = (at + 1) & mask_) {
      const Slot& slot = slots_[at];
      if (slot.key_size == kEmpty) return nullptr;
      if (slot.hash == hash && slot.key_size == key.size() &&
          BytesEqual(KeyBytes(slot), key.data(), key.size())) {
        return &slot;
      }
    }
  }

  // As FindSlot, in a table with payloads (has_payloads()): such a table
  // is large, and most texts a decision looks up there are no key of it
  // (a host's dotted suffixes, one after another), so a bit per hash says
  // first, from a bitmap small enough to stay in cache, whether the slot
  // is worth reading: a slot of a table of thousands of keys is a cache
  // miss.
  const Slot* FindSlotWithPayload(absl::string_view key, uint64_t hash) const {
    return MayHoldKey(hash) ? FindSlot(key, hash) : nullptr;
  }
  // False when no key of a table with payloads has the hash `hash`; true
  // for every key's, and for ~1 in 16 of the rest. Always true in a table
  // without payloads.
  bool MayHoldKey(uint64_t hash) const {
    const uint64_t bit = hash & filter_mask_;
    return (filter_[bit / 64] & (uint64_t{1} << (bit % 64))) != 0;
  }

  // Whether the keys have payloads.
  bool has_payloads() const { return has_payloads_; }
  // The payload of a slot FindSlot returned, when has_payloads(): the
  // words after its key's bytes (padded to a word).
  const uint64_t* Payload(const Slot& slot) const {
    return arena_.data() + (slot.key_offset + slot.key_size + sizeof(uint64_t) - 1) /
                               sizeof(uint64_t);
  }

  size_t size() const { return size_; }

  // Calls `visit(key, range)` for every entry, in no particular order.
  template <typename Visit>
  void ForEach(Visit visit) const {
    for (const Slot& slot : slots_) {
      if (slot.key_size == kEmpty) continue;
      visit(absl::string_view(KeyBytes(slot), slot.key_size), slot.range);
    }
  }

 private:
  static constexpr uint32_t kEmpty = 0xffffffffu;

  const char* KeyBytes(const Slot& slot) const {
    return reinterpret_cast<const char*>(arena_.data()) + slot.key_offset;
  }

  std::vector<Slot> slots_;  // a power of two (at least 2), at most half full
  // Every key, one after another, each followed by its payload from the
  // next word boundary on (keys without payloads are not padded).
  std::vector<uint64_t> arena_;
  bool has_payloads_ = false;
  // With payloads: bit `hash & filter_mask_` is set for each key's hash, in
  // 16 bits or more a key (4 KB for 2,000 keys), so that a text that is no
  // key finds its bit clear ~15 times in 16 (MayHoldKey). The slots use the
  // hash's top bits, the bitmap its bottom ones. Without payloads: one word
  // of ones, mask 0.
  std::vector<uint64_t> filter_;
  uint64_t filter_mask_ = 0;
  int shift_ = 63;           // slot of a hash: its top bits
  size_t mask_ = 1;          // slots_.size() - 1, for the probe
  size_t size_ = 0;
};

}  // namespace writ::internal

#endif  // WRIT_SRC_COMPILE_TEXT_TABLE_H_
