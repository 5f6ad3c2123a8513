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
