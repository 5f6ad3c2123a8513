// Internal: a token-level view of a policy file, comments included.
//
// The PEGTL parser (parser.cc) is the authority on what a file means and
// drops comments; this lexer only cuts text into tokens, keeping comments
// and where lines break, for the tools that work on the text as written:
// the formatter (which must keep comments in place) and diagnostics (which
// underline a whole token or condition, `^~~~`). It never fails: bytes
// that start no token become one-byte kOther tokens.
#ifndef WRIT_SRC_PARSE_TOKENS_H_
#define WRIT_SRC_PARSE_TOKENS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace writ::internal {

struct Token {
  enum class Kind : uint8_t {
    kWord,     // identifier, keyword or dotted path: `destination.host`
    kLiteral,  // number, int or duration: `-1.5e3`, `5m`
    kString,   // a string literal, quotes included
    kPunct,    // == != <= >= < > = ( ) [ ] { } , ; :
    kComment,  // `# ...` to the end of the line, without the newline
    kOther,
  };
  Kind kind = Kind::kOther;
  absl::string_view text;
  uint32_t line = 0;    // 1-based
  uint32_t column = 0;  // 1-based byte column
  uint32_t end_line = 0;
  uint32_t end_column = 0;  // just past the last byte
  bool starts_line = false;   // only blanks before it on its line
  int blank_lines_before = 0; // empty lines between it and the previous token

  bool Is(absl::string_view spelling) const {
    return kind != Kind::kString && kind != Kind::kComment && text == spelling;
  }
};

std::vector<Token> Tokenize(absl::string_view text);

// Index of the first non-comment token at or after (line, column), or
// tokens.size().
size_t TokenAt(const std::vector<Token>& tokens, uint32_t line, uint32_t column);

// One past the last token of the condition atom that starts at `begin`:
// a parenthesised group, `not` and its operand, `has p`, a comparison
// `p op operand` (a list operand up to its `]`), a bare name or constant.
// Comments inside are skipped over.
size_t AtomEnd(const std::vector<Token>& tokens, size_t begin);

// One past the last token of the whole condition starting at `begin`: up to
// `unless`, `with`, `because` or `;` outside parentheses.
size_t ConditionEnd(const std::vector<Token>& tokens, size_t begin);

// The tokens [begin, end) as one line of canonical text: single spaces,
// none inside brackets or before ',' and ';'; comments are left out.
std::string JoinTokens(const std::vector<Token>& tokens, size_t begin, size_t end);

// The column just past the span [begin, end) on the line of `begin`: the
// end of its last token if that is on the same line, else the end of the
// line's last token before the break.
uint32_t SpanEndColumn(const std::vector<Token>& tokens, size_t begin, size_t end);

}  // namespace writ::internal

#endif  // WRIT_SRC_PARSE_TOKENS_H_
