#include "src/io/json_syntax.h"

#include <charconv>
#include <system_error>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "src/internal/utf8.h"

namespace writ::internal {
namespace {

size_t DigitsAt(absl::string_view text, size_t at) {
  size_t end = at;
  while (end < text.size() && absl::ascii_isdigit(text[end])) ++end;
  return end - at;
}

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The code unit of the `\uXXXX` escape at `at` (the backslash), or -1 when
// there is none there.
int EscapedCodeUnit(absl::string_view json, size_t at) {
  if (json.substr(at, 2) != "\\u" || json.size() - at < 6) return -1;
  const char* const digits = json.data() + at + 2;
  unsigned unit = 0;
  const auto [end, error] = std::from_chars(digits, digits + 4, unit, 16);
  return error == std::errc() && end == digits + 4 ? static_cast<int>(unit) : -1;
}

// What the scanner expects next.
enum class Expect {
  kValue,
  kValueOrEnd,       // just after '['
  kMember,           // just after ',' in an object
  kMemberOrEnd,      // just after '{'
  kColon,
  kCommaOrEnd,       // after a value
};

class Scanner {
 public:
  explicit Scanner(absl::string_view json) : json_(json) {}

  std::optional<JsonSyntaxError> Scan() {
    // A file saved by some Windows editors starts with one. RFC 8259 §8.1
    // lets a reader refuse it, as simdjson does; "expected a value" at 1:1
    // would not say what to remove.
    if (absl::StartsWith(json_, "\xef\xbb\xbf")) {
      return Fault("a UTF-8 byte-order mark (JSON text must not start with one)");
    }
    while (true) {
      while (at_ < json_.size() && IsJsonSpace(json_[at_])) ++at_;
      if (at_ == json_.size()) {
        if (open_.empty() && expect_ == Expect::kCommaOrEnd) return std::nullopt;
        // Nothing but whitespace (a blank line of --jsonl input, CRLF's
        // "\r" included) is empty, not cut short.
        const bool nothing_read = open_.empty() && expect_ == Expect::kValue;
        return Fault(nothing_read ? "an empty document" : "the document ends early");
      }
      if (!Step()) return error_;
    }
  }

 private:
  // Reads the token at at_; false with error_ set at a fault.
  bool Step() {
    const char c = json_[at_];
    switch (expect_) {
      case Expect::kValueOrEnd:
        if (c == ']') return Close();
        [[fallthrough]];
      case Expect::kValue: return Value();
      case Expect::kMemberOrEnd:
        if (c == '}') return Close();
        [[fallthrough]];
      case Expect::kMember:
        if (c != '"') return Failed("expected a member name in double quotes");
        expect_ = Expect::kColon;
        return String();
      case Expect::kColon:
        if (c != ':') return Failed("expected ':' after the member name");
        ++at_;
        expect_ = Expect::kValue;
        return true;
      case Expect::kCommaOrEnd: return CommaOrEnd(c);
    }
    return Failed("unreadable");
  }

  bool Value() {
    const char c = json_[at_];
    expect_ = Expect::kCommaOrEnd;
    if (c == '{' || c == '[') {
      open_.push_back(c);
      expect_ = c == '{' ? Expect::kMemberOrEnd : Expect::kValueOrEnd;
      ++at_;
      return true;
    }
    if (c == '"') return String();
    if (c == '-' || absl::ascii_isdigit(c)) {
      const std::optional<NumberToken> number = ReadNumberToken(json_.substr(at_));
      if (!number.has_value()) return Failed("a malformed number");
      at_ += number->text.size();
      return true;
    }
    for (const absl::string_view literal : {"true", "false", "null"}) {
      if (json_.substr(at_, literal.size()) == literal) {
        at_ += literal.size();
        return true;
      }
    }
    return Failed("expected a value");
  }

  bool CommaOrEnd(char c) {
    if (open_.empty()) return Failed("text after the document's value");
    const bool object = open_.back() == '{';
    if (c == (object ? '}' : ']')) return Close();
    if (c != ',') return Failed(object ? "expected ',' or '}'" : "expected ',' or ']'");
    ++at_;
    expect_ = object ? Expect::kMember : Expect::kValue;
    return true;
  }

  bool Close() {
    open_.pop_back();
    ++at_;
    expect_ = Expect::kCommaOrEnd;
    return true;
  }

  // The string that starts at at_ (its quote), read to its end.
  bool String() {
    const size_t start = at_++;
    while (at_ < json_.size()) {
      const unsigned char byte = static_cast<unsigned char>(json_[at_]);
      if (byte == '"') {
        ++at_;
        return true;
      }
      if (byte < 0x20) return Failed("a control character in a string (escape it)");
      if (byte == '\\') {
        if (!Escape()) return false;
        continue;
      }
      const size_t length = StrictUtf8Length(json_.data() + at_, json_.data() + json_.size());
      if (length == 0) return Failed("a string that is not UTF-8");
      at_ += length;
    }
    at_ = start;
    return Failed("a string without its closing quote");
  }

  // The escape at at_ (its backslash).
  bool Escape() {
    if (at_ + 1 < json_.size() && absl::string_view("\"\\/bfnrt").find(json_[at_ + 1]) !=
                                      absl::string_view::npos) {
      at_ += 2;
      return true;
    }
    const int unit = EscapedCodeUnit(json_, at_);
    if (unit < 0) return Failed("an unknown escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
    if (unit >= 0xDC00 && unit <= 0xDFFF) return Failed("a low surrogate without its high one");
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      const int low = EscapedCodeUnit(json_, at_ + 6);
      if (low < 0xDC00 || low > 0xDFFF) return Failed("a high surrogate without its low one");
      at_ += 6;
    }
    at_ += 6;
    return true;
  }

  bool Failed(absl::string_view problem) {
    error_ = Fault(problem);
    return false;
  }

  JsonSyntaxError Fault(absl::string_view problem) const {
    JsonSyntaxError error;
    error.offset = at_;
    const LineAndColumn place = LineAndColumnOf(json_, at_);
    error.line = place.line;
    error.column = place.column;
    error.problem = std::string(problem);
    return error;
  }

  absl::string_view json_;
  size_t at_ = 0;
  Expect expect_ = Expect::kValue;
  std::vector<char> open_;  // the '{' and '[' not yet closed
  JsonSyntaxError error_;
};

}  // namespace

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

std::optional<JsonSyntaxError> FindJsonSyntaxError(absl::string_view json) {
  return Scanner(json).Scan();
}

}  // namespace writ::internal
