// Internal: strictly valid UTF-8 (RFC 3629), one code point at a time, for
// the stages that must agree on what a valid byte sequence is: the parser
// refuses a policy source with any other (SPEC §1), a `matches`
// automaton reads a valid code point as one symbol and leaves anything
// else to RE2, and the JSON writer copies a valid sequence and writes
// anything else as U+FFFD; diagnostics count a caret's columns by code
// point.
#ifndef WRIT_SRC_INTERNAL_UTF8_H_
#define WRIT_SRC_INTERNAL_UTF8_H_

#include <cstddef>
#include <cstdint>

namespace writ::internal {

// The length of the code point that starts at `at` (1 for an ASCII byte),
// or 0 when [at, end) does not start with one in strictly valid UTF-8: no
// stray or missing continuation byte, no overlong form, no surrogate,
// nothing past U+10FFFF. `at` must be before `end`.
inline size_t StrictUtf8Length(const char* at, const char* end) noexcept {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(at[i]); };
  const uint8_t lead = byte(0);
  if (lead < 0x80) return 1;
  size_t length = 0;
  // The second byte's range depends on the lead (RFC 3629's table); the
  // others are 80..BF.
  uint8_t low = 0x80, high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // no overlong form
    if (lead == 0xED) high = 0x9F;  // no surrogate
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;   // no overlong form
    if (lead == 0xF4) high = 0x8F;  // nothing past U+10FFFF
  } else {
    return 0;  // a continuation byte, C0, C1, F5..FF
  }
  if (static_cast<size_t>(end - at) < length || byte(1) < low || byte(1) > high) return 0;
  for (size_t i = 2; i < length; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xBF) return 0;
  }
  return length;
}

// Whether `byte` continues a code point (10xxxxxx) rather than starting one.
inline bool IsUtf8ContinuationByte(char byte) noexcept {
  return (static_cast<uint8_t>(byte) & 0xC0) == 0x80;
}

// The code point of the sequence at `at`, whose length StrictUtf8Length
// gave (1 to 4).
inline uint32_t Utf8CodePoint(const char* at, size_t length) noexcept {
  static constexpr uint8_t kLeadBits[] = {0, 0x7F, 0x1F, 0x0F, 0x07};
  uint32_t code_point = static_cast<uint8_t>(at[0]) & kLeadBits[length];
  for (size_t i = 1; i < length; ++i) {
    code_point = (code_point << 6) | (static_cast<uint8_t>(at[i]) & 0x3F);
  }
  return code_point;
}

}  // namespace writ::internal

#endif  // WRIT_SRC_INTERNAL_UTF8_H_
