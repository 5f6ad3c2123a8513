#include "src/broker/base64url.h"

#include <array>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"

namespace writ::broker_internal {
namespace {

constexpr char kAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr int kInvalid = -1;

// Maps a byte to its 6-bit value, or kInvalid.
constexpr std::array<int, 256> MakeDecodeTable() {
  std::array<int, 256> table{};
  for (int& entry : table) entry = kInvalid;
  for (int i = 0; i < 64; ++i) {
    table[static_cast<unsigned char>(kAlphabet[i])] = i;
  }
  return table;
}

constexpr std::array<int, 256> kDecodeTable = MakeDecodeTable();

// Says why `c` is not in the alphabet, so a caller sees what went wrong
// without the input being echoed.
std::string DescribeBadCharacter(unsigned char c) {
  if (c == '=') return "'=' padding is not allowed";
  if (c == '+' || c == '/') {
    return absl::StrFormat("'%c' belongs to standard base64, not base64url", c);
  }
  if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
    return "whitespace is not allowed";
  }
  return absl::StrFormat("byte 0x%02x is not a base64url character", c);
}

}  // namespace

std::string Base64UrlEncode(absl::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t group = (static_cast<uint8_t>(bytes[i]) << 16) |
                           (static_cast<uint8_t>(bytes[i + 1]) << 8) |
                           static_cast<uint8_t>(bytes[i + 2]);
    out.push_back(kAlphabet[(group >> 18) & 63]);
    out.push_back(kAlphabet[(group >> 12) & 63]);
    out.push_back(kAlphabet[(group >> 6) & 63]);
    out.push_back(kAlphabet[group & 63]);
  }
  const size_t rest = bytes.size() - i;
  if (rest == 1) {
    const uint32_t group = static_cast<uint8_t>(bytes[i]) << 16;
    out.push_back(kAlphabet[(group >> 18) & 63]);
    out.push_back(kAlphabet[(group >> 12) & 63]);
  } else if (rest == 2) {
    const uint32_t group = (static_cast<uint8_t>(bytes[i]) << 16) |
                           (static_cast<uint8_t>(bytes[i + 1]) << 8);
    out.push_back(kAlphabet[(group >> 18) & 63]);
    out.push_back(kAlphabet[(group >> 12) & 63]);
    out.push_back(kAlphabet[(group >> 6) & 63]);
  }
  return out;
}

absl::StatusOr<std::string> Base64UrlDecode(absl::string_view text) {
  // A single leftover character carries only 6 bits: not a whole byte.
  if (text.size() % 4 == 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "base64url: length %d cannot be produced by any encoding",
        text.size()));
  }
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t bits = 0;
  int bit_count = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    const int value = kDecodeTable[c];
    if (value == kInvalid) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "base64url: %s (at offset %d)", DescribeBadCharacter(c), i));
    }
    bits = (bits << 6) | static_cast<uint32_t>(value);
    bit_count += 6;
    if (bit_count >= 8) {
      bit_count -= 8;
      out.push_back(static_cast<char>((bits >> bit_count) & 0xff));
    }
  }
  // What is left over (2 or 4 bits) must be zero, or another spelling of
  // the same bytes would exist.
  if ((bits & ((1u << bit_count) - 1)) != 0) {
    return absl::InvalidArgumentError(
        "base64url: the last character has non-zero unused bits "
        "(a non-canonical spelling)");
  }
  return out;
}

}  // namespace writ::broker_internal
