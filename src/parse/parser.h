// Internal: source text -> FileAst.
#ifndef WRIT_SRC_PARSE_PARSER_H_
#define WRIT_SRC_PARSE_PARSER_H_

#include <cstdint>
#include <vector>

#include "absl/strings/string_view.h"
#include "src/parse/ast.h"
#include "writ/diagnostic.h"

namespace writ::internal {

struct ParseOptions {
  // Nesting of parentheses and `not` in one condition; deeper input is a
  // diagnostic, never a stack overflow.
  int max_expression_depth = 64;
};

// Parses one file of a policy set into `ast` (appending to it). A syntax
// error stops this file and adds one diagnostic; literal errors (an int out
// of range, a bad \u{...}) are reported and parsing goes on. Returns false
// when any error was reported. Never throws.
bool ParseFile(uint32_t file_index, absl::string_view file_name,
               absl::string_view text, const ParseOptions& options,
               FileAst* ast, std::vector<Diagnostic>* diagnostics);

// The text of line `line` (1-based) of `text`, without its newline.
absl::string_view SourceLine(absl::string_view text, uint32_t line);

// SourceLine for many lines of one text: SourceLine scans from the top, and
// a large policy can draw a diagnostic from each of tens of thousands of
// lines. `text` must outlive the index.
class LineIndex {
 public:
  explicit LineIndex(absl::string_view text);
  absl::string_view Line(uint32_t line) const;

 private:
  absl::string_view text_;
  std::vector<size_t> starts_;  // where each line starts
};

// Sets `diagnostic`'s source_line to `line_text`, the text of its line, or
// to the part of it around the diagnostic's column when the line is longer
// than 2 * kKeptSourceContext bytes (source_line_column says where that part
// starts). Each diagnostic holds its own copy: kept whole, 20,000 errors on
// one 740 KB line took 23 GB. The part kept is more than Diagnostic::Format
// shows, so the display is the same as from the whole line.
inline constexpr size_t kKeptSourceContext = 512;
void KeepSourceLine(absl::string_view line_text, Diagnostic* diagnostic);

// Seconds in one DURATION unit: 's', 'm', 'h' or 'd'.
int64_t DurationUnitSeconds(char unit);

// Decodes a string literal token (with its quotes) into its value; false
// with `error` set on an invalid \u{...} (surrogate or above U+10FFFF), and
// `error_offset`, if given, set to the byte offset in `token` of that
// escape's backslash.
bool UnescapeStringLiteral(absl::string_view token, std::string* value,
                           std::string* error, size_t* error_offset = nullptr);

}  // namespace writ::internal

#endif  // WRIT_SRC_PARSE_PARSER_H_
