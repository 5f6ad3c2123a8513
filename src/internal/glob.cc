// Glob patterns for `like`: compiled once into a token list, matched with
// the two-cursor algorithm.
//
// The matcher walks pattern and text together. On a `*` it records where
// the star was and where the text stood, and carries on as if the star
// matched nothing; on a mismatch it returns to the last star and lets it
// swallow one more code point. Only the last star needs remembering: once a
// later star is reached, any way the earlier one could have matched more is
// covered by the later one matching more. That bounds the work by
// pattern × text with no recursion and no allocation.
#include "src/internal/glob.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace writ::internal {
namespace {

bool IsUtf8Continuation(char byte) {
  return (static_cast<unsigned char>(byte) & 0xC0) == 0x80;
}

// The index just past the code point that starts at `index`. A stray
// continuation byte (not valid UTF-8) counts as a code point of its own, so
// matching always makes progress.
size_t NextCodePoint(absl::string_view text, size_t index) {
  ++index;
  while (index < text.size() && IsUtf8Continuation(text[index])) ++index;
  return index;
}

// `byte` as an RE2 literal, quoted as RE2::QuoteMeta does: letters, digits,
// '_' and the bytes of multi-byte code points as they are, NUL as \x00,
// anything else behind a backslash.
void AppendRegexLiteral(char byte, std::string* regex) {
  const unsigned char value = static_cast<unsigned char>(byte);
  if (value == 0) {
    *regex += "\\x00";
    return;
  }
  if (!absl::ascii_isalnum(value) && byte != '_' && value < 0x80) *regex += '\\';
  *regex += byte;
}

}  // namespace

std::optional<Glob> Glob::Compile(absl::string_view pattern,
                                  std::string* error) {
  Glob glob;
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '*') {
      glob.has_wildcard_ = true;
      // "**" means the same as "*"; one token keeps matching linear.
      if (glob.tokens_.empty() || glob.tokens_.back().kind != TokenKind::kAnyRun) {
        glob.tokens_.push_back({TokenKind::kAnyRun, 0});
      }
    } else if (c == '?') {
      glob.has_wildcard_ = true;
      glob.tokens_.push_back({TokenKind::kAnyOne, 0});
    } else if (c != '\\') {
      glob.tokens_.push_back({TokenKind::kLiteral, c});
    } else if (i + 1 == pattern.size()) {
      *error = "trailing backslash";
      return std::nullopt;
    } else if (char escaped = pattern[i + 1];
               escaped == '*' || escaped == '?' || escaped == '\\') {
      glob.tokens_.push_back({TokenKind::kLiteral, escaped});
      ++i;
    } else {
      // Strict, like the language's string escapes: a pattern that says
      // "\d" was probably meant as a regex, and guessing would hide that.
      absl::string_view sequence = pattern.substr(i, NextCodePoint(pattern, i + 1) - i);
      *error = absl::StrCat("unknown escape '", sequence,
                            "' (only \\*, \\? and \\\\ are escapes)");
      return std::nullopt;
    }
  }

  size_t prefix_end = 0;
  while (prefix_end < glob.tokens_.size() &&
         glob.tokens_[prefix_end].kind == TokenKind::kLiteral) {
    glob.literal_prefix_ += glob.tokens_[prefix_end++].byte;
  }
  size_t suffix_begin = glob.tokens_.size();
  while (suffix_begin > 0 &&
         glob.tokens_[suffix_begin - 1].kind == TokenKind::kLiteral) {
    --suffix_begin;
  }
  for (size_t i = suffix_begin; i < glob.tokens_.size(); ++i) {
    glob.literal_suffix_ += glob.tokens_[i].byte;
  }
  // Every literal byte and the one `*` came from one pattern byte each. A
  // suffix must start a code point, where the star can stop (a policy's
  // patterns are valid UTF-8, so theirs always does).
  const std::string& suffix = glob.literal_suffix_;
  glob.single_star_ = glob.has_wildcard_ &&
                      pattern.size() == glob.literal_prefix_.size() + 1 + suffix.size() &&
                      pattern[glob.literal_prefix_.size()] == '*' &&
                      pattern.find('\\') == absl::string_view::npos &&
                      (suffix.empty() || !IsUtf8Continuation(suffix[0]));
  return glob;
}

bool Glob::Matches(absl::string_view text) const {
  if (!has_wildcard_) return text == literal_prefix_;
  // Necessary conditions, and they reject most texts at once.
  if (!absl::StartsWith(text, literal_prefix_) ||
      !absl::EndsWith(text, literal_suffix_)) {
    return false;
  }
  constexpr size_t kNoStar = static_cast<size_t>(-1);
  size_t token = 0;
  size_t position = 0;
  size_t star_token = kNoStar;
  size_t star_position = 0;
  while (position < text.size()) {
    if (token < tokens_.size()) {
      const Token& current = tokens_[token];
      if (current.kind == TokenKind::kAnyRun) {
        star_token = token++;
        star_position = position;
        continue;
      }
      if (current.kind == TokenKind::kAnyOne) {
        position = NextCodePoint(text, position);
        ++token;
        continue;
      }
      if (current.byte == text[position]) {
        ++position;
        ++token;
        continue;
      }
    }
    if (star_token == kNoStar) return false;
    // Let the last star swallow one more code point and retry after it.
    token = star_token + 1;
    star_position = NextCodePoint(text, star_position);
    position = star_position;
  }
  // The text is used up: what is left of the pattern must match nothing.
  while (token < tokens_.size() && tokens_[token].kind == TokenKind::kAnyRun) {
    ++token;
  }
  return token == tokens_.size();
}

std::string Glob::RegexSuperset() const { return RegexOf("\\C*", "\\C+"); }

std::string Glob::CodePointRegex() const { return RegexOf("(?s:.*)", "(?s:.)"); }

std::string Glob::RegexOf(absl::string_view any_run, absl::string_view any_one) const {
  std::string regex;
  for (const Token& token : tokens_) {
    if (token.kind == TokenKind::kAnyRun) {
      absl::StrAppend(&regex, any_run);
    } else if (token.kind == TokenKind::kAnyOne) {
      absl::StrAppend(&regex, any_one);
    } else {
      AppendRegexLiteral(token.byte, &regex);
    }
  }
  return regex;
}

}  // namespace writ::internal
