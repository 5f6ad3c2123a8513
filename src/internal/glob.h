// Internal: glob patterns for `like` (SPEC §3).
//
// `*` matches any run of characters (including none and including '.'),
// `?` exactly one code point, `\*` `\?` `\\` the literal characters, and
// everything else itself, case-sensitively. Matching is the classic
// two-cursor algorithm that remembers only the last `*`: O(pattern × text)
// in the worst case, no recursion, no allocation.
#ifndef WRIT_SRC_INTERNAL_GLOB_H_
#define WRIT_SRC_INTERNAL_GLOB_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace writ::internal {

class Glob {
 public:
  // nullopt with `error` set ("bad glob: ...") for a bad glob: a trailing
  // lone backslash, or a backslash before anything but `*`, `?` or `\`.
  static std::optional<Glob> Compile(absl::string_view pattern,
                                     std::string* error);

  bool Matches(absl::string_view text) const;

  // The literal prefix and suffix every match must have, and whether the
  // pattern is a plain literal / prefix* / *suffix, for cheap indexing.
  const std::string& literal_prefix() const { return literal_prefix_; }
  const std::string& literal_suffix() const { return literal_suffix_; }
  bool has_wildcard() const { return has_wildcard_; }
  // Whether the pattern is a prefix, one `*` and a suffix, with no `?` and
  // no escape ("api-*.example.com", "*.example.com"): then a text matches
  // when it starts with the prefix and ends with the suffix, the two not
  // overlapping, which the DAG evaluator decides without the token loop.
  // The star can stop at any code point boundary, and a single-star
  // pattern's suffix starts a code point, so that is Matches's answer.
  bool single_star() const { return single_star_; }

  // An RE2 pattern (UTF-8 mode, to be anchored at both ends) that matches
  // every text this glob matches, and possibly more: `*` is any run of
  // bytes and `?` one or more bytes (RE2's `\C`, a byte even in UTF-8
  // mode), where Matches steps over code points, stray bytes included. It
  // lets a `like` join an RE2::Set with the `matches` patterns of its
  // attribute: a pass that matches nothing rules the glob out too, and a
  // text the set does match is still decided by Matches.
  std::string RegexSuperset() const;

  // An RE2 pattern that matches exactly the strictly valid UTF-8 texts
  // this glob matches: `*` any run of code points, `?` one (`(?s:.)`), for
  // a matcher that decides only such texts and reads a code point whole,
  // where RegexSuperset's `\C` (a byte) reads bytes; a text that is not
  // UTF-8 is then left to RegexSuperset's RE2::Set.
  std::string CodePointRegex() const;

 private:
  // The glob as a regex, its wildcards spelled `any_run` and `any_one`.
  std::string RegexOf(absl::string_view any_run, absl::string_view any_one) const;

  enum class TokenKind : unsigned char { kLiteral, kAnyOne, kAnyRun };
  struct Token {
    TokenKind kind;
    char byte;  // kLiteral
  };
  std::vector<Token> tokens_;
  std::string literal_prefix_;
  std::string literal_suffix_;
  bool has_wildcard_ = false;
  bool single_star_ = false;
};

}  // namespace writ::internal

#endif  // WRIT_SRC_INTERNAL_GLOB_H_
