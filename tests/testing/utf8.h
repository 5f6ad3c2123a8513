// Strictly valid UTF-8 (RFC 3629), decoded the textbook way: the oracle
// for tests of code that reads UTF-8 its own way (RegexDfa, Glob).
#ifndef WRIT_TESTS_TESTING_UTF8_H_
#define WRIT_TESTS_TESTING_UTF8_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace writ::test_support {

// Whether `text` is strictly valid UTF-8: no overlong form, no surrogate,
// nothing past U+10FFFF, no stray or missing continuation byte.
inline bool IsStrictUtf8(const std::string& text) {
  for (size_t at = 0; at < text.size();) {
    const uint8_t lead = static_cast<uint8_t>(text[at]);
    const size_t length = lead < 0x80         ? 1
                          : lead >> 5 == 6    ? 2
                          : lead >> 4 == 14   ? 3
                          : lead >> 3 == 30   ? 4
                                              : 0;
    if (length == 0 || at + length > text.size()) return false;
    uint32_t code_point = length == 1 ? lead : lead & (0x7F >> length);
    for (size_t i = 1; i < length; ++i) {
      const uint8_t next = static_cast<uint8_t>(text[at + i]);
      if (next >> 6 != 2) return false;
      code_point = code_point << 6 | (next & 0x3F);
    }
    const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code_point < least[length] || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      return false;
    }
    at += length;
  }
  return true;
}

}  // namespace writ::test_support

#endif  // WRIT_TESTS_TESTING_UTF8_H_
