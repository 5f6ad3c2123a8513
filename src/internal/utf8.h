// Internal: strictly valid UTF-8 (RFC 3629), one code point at a time, for
// the stages that must agree on what a valid byte sequence is: the parser
// refuses a policy source with any other (SPEC §1), a `matches`
// automaton reads a valid code point as one symbol and leaves anything
// else to RE2, and the JSON writer copies a valid sequence and writes
// anything else as U+FFFD.
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

}  // namespace writ::internal

#endif  // WRIT_SRC_INTERNAL_UTF8_H_
