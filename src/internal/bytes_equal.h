// Internal: equality of two short byte ranges without a call.
#ifndef WRIT_SRC_INTERNAL_BYTES_EQUAL_H_
#define WRIT_SRC_INTERNAL_BYTES_EQUAL_H_

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace writ::internal {

// Whether the `size` bytes at `left` and at `right` are equal: memcmp's
// answer. A decision compares a few short texts (a tool name against its
// table key, a host against a rule's suffix), nearly all of which are
// equal by then (their hashes, lengths and first 8 bytes already agree),
// so the cost is memcmp's call and size dispatch, ~20 instructions each,
// not the bytes. Up to 32 bytes the words are compared inline instead;
// the last word overlaps the one before it rather than reading past the
// end.
inline bool BytesEqual(const char* left, const char* right, size_t size) {
  const auto differs_at = [&](size_t at) {
    uint64_t left_word, right_word;
    std::memcpy(&left_word, left + at, sizeof(left_word));
    std::memcpy(&right_word, right + at, sizeof(right_word));
    return left_word ^ right_word;
  };
  if (size < sizeof(uint64_t) || size > 4 * sizeof(uint64_t)) {
    // 4 to 7 bytes (a request's JSON keys: "host", "port"): two 4-byte
    // words, overlapping. Tested after the common sizes' range check, so
    // theirs costs what it did.
    if (size >= sizeof(uint32_t) && size < sizeof(uint64_t)) {
      uint32_t words[4];
      std::memcpy(&words[0], left, sizeof(uint32_t));
      std::memcpy(&words[1], left + size - 4, sizeof(uint32_t));
      std::memcpy(&words[2], right, sizeof(uint32_t));
      std::memcpy(&words[3], right + size - 4, sizeof(uint32_t));
      return ((words[0] ^ words[2]) | (words[1] ^ words[3])) == 0;
    }
    return std::memcmp(left, right, size) == 0;
  }
  // Two words, or four, the later ones overlapping the earlier: a fixed
  // count per size class, where a loop over the words ended at a branch
  // that a host name's length left to chance (~0.5 mispredicted branches
  // per 10,000-rule decision, benchmarks/RESULTS.md, "Branch-free probes").
  if (size <= 2 * sizeof(uint64_t)) return (differs_at(0) | differs_at(size - 8)) == 0;
  return (differs_at(0) | differs_at(8) | differs_at(size - 16) | differs_at(size - 8)) == 0;
}

}  // namespace writ::internal

#endif  // WRIT_SRC_INTERNAL_BYTES_EQUAL_H_
