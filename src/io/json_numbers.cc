#include "src/io/json_numbers.h"

#include <charconv>
#include <cstdint>
#include <optional>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "src/io/json_syntax.h"

namespace writ::internal {
namespace {

// How many bytes from the start of `text` look like part of a number: a
// malformed token is skipped whole, so that no piece of it is read as a
// number of its own.
size_t NumberLikeRun(absl::string_view text) {
  size_t at = 0;
  while (at < text.size() && (absl::ascii_isdigit(text[at]) || text[at] == '-' || text[at] == '+' ||
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

// What `token` (at byte `offset` of `json`) is to be written as:
// empty when simdjson reads it as it is.
absl::Status Replacement(absl::string_view json, const NumberToken& token, size_t offset,
                         std::string* replacement) {
  replacement->clear();
  if (!token.has_fraction_or_exponent && FitsSixtyFourBits(token.text)) {
    return absl::OkStatus();
  }
  double value = 0;
  const auto [end, error] =
      std::from_chars(token.text.data(), token.text.data() + token.text.size(), value);
  (void)end;
  if (error == std::errc::result_out_of_range && LeadingDigitExponent(token) >= 0) {
    const LineAndColumn place = LineAndColumnOf(json, offset);
    return absl::InvalidArgumentError(absl::StrCat("the number at line ", place.line, ", column ",
                                                   place.column,
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
    if (c != '-' && !absl::ascii_isdigit(c)) {
      ++at;
      continue;
    }
    const absl::string_view rest = json.substr(at);
    const std::optional<NumberToken> token = ReadNumberToken(rest);
    if (!token.has_value()) {
      at += NumberLikeRun(rest);
      continue;
    }
    if (absl::Status status = Replacement(json, *token, at, &replacement); !status.ok()) {
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
