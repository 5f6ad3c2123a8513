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
  const auto word = [](const char* at) {
    uint64_t value;
    std::memcpy(&value, at, sizeof(value));
    return value;
  };
  if (size < sizeof(uint64_t) || size > 4 * sizeof(uint64_t)) {
    return std::memcmp(left, right, size) == 0;
  }
  uint64_t difference = word(left + size - 8) ^ word(right + size - 8);
  for (size_t at = 0; at + sizeof(uint64_t) < size; at += sizeof(uint64_t)) {
    difference |= word(left + at) ^ word(right + at);
  }
  return difference == 0;
}

}  // namespace writ::internal

#endif  // WRIT_SRC_INTERNAL_BYTES_EQUAL_H_
