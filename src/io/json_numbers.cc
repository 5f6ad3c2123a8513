#include "src/io/json_numbers.h"

#include <charconv>
#include <cstdint>
#include <optional>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace writ::internal {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

size_t DigitsAt(absl::string_view text, size_t at) {
  size_t end = at;
  while (end < text.size() && IsDigit(text[end])) ++end;
  return end - at;
}

// A number token as RFC 8259 writes one:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
struct NumberToken {
  absl::string_view text;
  size_t integer_digits = 0;  // of the integer part, sign not counted
  bool has_fraction_or_exponent = false;
};

// The number token that `text` starts with, or nullopt when it starts with
// no well-formed one.
std::optional<NumberToken> ReadNumberToken(absl::string_view text) {
  NumberToken token;
  size_t at = text.substr(0, 1) == "-" ? 1 : 0;
  const size_t integer_at = at;
  token.integer_digits = DigitsAt(text, at);
  if (token.integer_digits == 0) return std::nullopt;
  if (token.integer_digits > 1 && text[integer_at] == '0') return std::nullopt;
  at += token.integer_digits;
  if (at < text.size() && text[at] == '.') {
    const size_t fraction_digits = DigitsAt(text, at + 1);
    if (fraction_digits == 0) return std::nullopt;
    at += 1 + fraction_digits;
    token.has_fraction_or_exponent = true;
  }
  if (at < text.size() && (text[at] == 'e' || text[at] == 'E')) {
    size_t digits_at = at + 1;
    if (digits_at < text.size() && (text[digits_at] == '+' || text[digits_at] == '-')) {
      ++digits_at;
    }
    const size_t exponent_digits = DigitsAt(text, digits_at);
    if (exponent_digits == 0) return std::nullopt;
    at = digits_at + exponent_digits;
    token.has_fraction_or_exponent = true;
  }
  token.text = text.substr(0, at);
  return token;
}

// How many bytes from the start of `text` look like part of a number: a
// malformed token is skipped whole, so that no piece of it is read as a
// number of its own.
size_t NumberLikeRun(absl::string_view text) {
  size_t at = 0;
  while (at < text.size() && (IsDigit(text[at]) || text[at] == '-' || text[at] == '+' ||
                              text[at] == '.' || text[at] == 'e' || text[at] == 'E')) {
    ++at;
  }
  return at;
}

// Whether an integer token is within [INT64_MIN, UINT64_MAX], which
// simdjson reads as an int64 or a uint64.
bool FitsSixtyFourBits(absl::string_view integer) {
  const char* end = integer.data() + integer.size();
  if (integer[0] == '-') {
    int64_t value;
    return std::from_chars(integer.data(), end, value).ec == std::errc();
  }
  uint64_t value;
  return std::from_chars(integer.data(), end, value).ec == std::errc();
}

// The decimal exponent of a non-zero number's leading digit (1e400: 400;
// 0.05: -2), saturated far beyond any double's; used only to tell a
// number too large for a double from one too small.
int64_t LeadingDigitExponent(const NumberToken& token) {
  absl::string_view text = token.text;
  if (text[0] == '-') text.remove_prefix(1);
  const size_t exponent_at = text.find_first_of("eE");
  int64_t exponent = 0;
  if (exponent_at != absl::string_view::npos) {
    absl::string_view digits = text.substr(exponent_at + 1);
    const bool negative = digits[0] == '-';
    if (digits[0] == '-' || digits[0] == '+') digits.remove_prefix(1);
    constexpr int64_t kSaturated = int64_t{1} << 40;
    for (const char digit : digits) exponent = std::min(kSaturated, exponent * 10 + (digit - '0'));
    if (negative) exponent = -exponent;
    text = text.substr(0, exponent_at);
  }
  // The mantissa's digits with the point taken out; the point sat after
  // integer_digits of them.
  int64_t position = static_cast<int64_t>(token.integer_digits) - 1;
  for (const char c : text) {
    if (c == '.') continue;
    if (c != '0') break;
    --position;
  }
  return position + exponent;
}

// What `token` (at byte `offset` of the document) is to be written as:
// empty when simdjson reads it as it is.
absl::Status Replacement(const NumberToken& token, size_t offset, std::string* replacement) {
  replacement->clear();
  if (!token.has_fraction_or_exponent && FitsSixtyFourBits(token.text)) {
    return absl::OkStatus();
  }
  double value = 0;
  const auto [end, error] =
      std::from_chars(token.text.data(), token.text.data() + token.text.size(), value);
  (void)end;
  if (error == std::errc::result_out_of_range && LeadingDigitExponent(token) >= 0) {
    constexpr size_t kShown = 32;
    const bool cut = token.text.size() > kShown;
    return absl::InvalidArgumentError(absl::StrCat(
        "the number ", token.text.substr(0, kShown), cut ? "..." : "", " at byte ", offset,
        " is beyond the range of a double"));
  }
  // A number with a fraction or an exponent that is in range, or so small
  // that it reads as 0 or a subnormal, simdjson reads itself.
  if (token.has_fraction_or_exponent) return absl::OkStatus();
  // 17 significant digits: the same double when read back.
  *replacement = absl::StrFormat("%.16e", value);
  return absl::OkStatus();
}

}  // namespace

absl::Status RewriteWideIntegers(absl::string_view json, std::string* rewritten) {
  rewritten->clear();
  rewritten->reserve(json.size() + 64);
  std::string replacement;
  size_t copied = 0;  // json[0, copied) is in *rewritten
  bool in_string = false;
  size_t at = 0;
  while (at < json.size()) {
    const char c = json[at];
    if (in_string) {
      if (c == '"') in_string = false;
      at += c == '\\' ? 2 : 1;  // an escaped quote does not end the string
      continue;
    }
    if (c == '"') in_string = true;
    if (c != '-' && !IsDigit(c)) {
      ++at;
      continue;
    }
    const absl::string_view rest = json.substr(at);
    const std::optional<NumberToken> token = ReadNumberToken(rest);
    if (!token.has_value()) {
      at += NumberLikeRun(rest);
      continue;
    }
    if (absl::Status status = Replacement(*token, at, &replacement); !status.ok()) {
      return status;
    }
    if (!replacement.empty()) {
      rewritten->append(json.data() + copied, at - copied);
      rewritten->append(replacement);
      copied = at + token->text.size();
    }
    at += token->text.size();
  }
  rewritten->append(json.data() + copied, json.size() - copied);
  return absl::OkStatus();
}

}  // namespace writ::internal
