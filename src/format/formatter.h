// Internal: `writ fmt` — the canonical layout of a policy file.
//
// format/ works on the text as written, token by token (src/parse/tokens.h),
// because the parser drops comments and the formatter must keep every one
// in place. The parser still has the last word: a file is formatted only
// if it parses, and the result is parsed again and its syntax tree compared
// with the original's (locations aside, parentheses included), so a
// formatting bug can make `writ fmt` fail but never change a policy's
// meaning or its explanations.
//
// The layout (width 80, indent 2):
//   * items one per line group, at most one blank line kept between them;
//     own-line comments stay where they are, trailing comments stay on the
//     line of the token they follow;
//   * one space around operators and after commas, none inside brackets;
//   * `schema` entries one per line, types aligned within a run of entries
//     (a run ends at a blank line or an own-line comment), trailing
//     comments aligned within the run; `enum(a, b)`, `set<string>`;
//   * consecutive `let`s align their `=`;
//   * a rule that fits in 80 columns is one line; otherwise `allow name`
//     and then one clause per line, indented 2 (`when`, `unless`, `with`,
//     `because`); a condition that does not fit puts each top-level
//     `and`/`or` operand on its own line, connectives right-aligned so the
//     operands line up; a parenthesised group that does not fit does the
//     same inside, its connectives under its first operand; a list that
//     does not fit wraps, continuation lines aligned after its `[`;
//   * a let or rule with a comment inside it is kept as written (only its
//     position changes), so no comment is ever moved away from its code.
#ifndef WRIT_SRC_FORMAT_FORMATTER_H_
#define WRIT_SRC_FORMAT_FORMATTER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "writ/diagnostic.h"

namespace writ::internal {

inline constexpr int kFormatWidth = 80;

// The canonical text of one policy file. InvalidArgument when the file does
// not parse (the syntax errors are in `diagnostics`); Internal should the
// layout ever change the syntax tree (then nothing must be written).
absl::StatusOr<std::string> FormatPolicyFile(absl::string_view file_name,
                                             absl::string_view text,
                                             std::vector<Diagnostic>* diagnostics);

// The syntax tree of `text` as text without source locations, for the
// meaning-preservation check; empty when the text does not parse.
std::string SyntaxFingerprint(absl::string_view text);

}  // namespace writ::internal

#endif  // WRIT_SRC_FORMAT_FORMATTER_H_
