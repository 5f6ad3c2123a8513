// writ — diagnostics produced when a policy set is compiled.
//
// An author's mistakes are not exceptions: the compiler collects every one it
// finds (not just the first) as a Diagnostic with an exact position, and the
// Status returned by Policy::Compile carries all of them rendered as text.
#ifndef WRIT_DIAGNOSTIC_H_
#define WRIT_DIAGNOSTIC_H_

#include <string>
#include <vector>

namespace writ {

enum class Severity { kError, kWarning, kNote };

const char* SeverityName(Severity severity);  // "error", "warning" or "note"

struct Diagnostic {
  Severity severity = Severity::kError;
  std::string file;         // the file name as given to the compiler
  int line = 0;             // 1-based; 0 when the diagnostic has no position
  int column = 0;           // 1-based byte column of the offending token
  std::string message;      // one line, no trailing period
  std::string source_line;  // the text of `line`, for the caret display
  // The column of `line` at which source_line starts: 1, unless the line
  // is over 1 KB, when the compiler keeps only the part around `column`
  // (the part the caret display shows, and more). A minified policy can
  // put megabytes on one line and draw thousands of diagnostics from it.
  int source_line_column = 1;

  // Optional parts, for editors and CI annotations; empty by default.
  // The 1-based column just past the offending span on `line` (0 when only
  // its first character is known): the caret is followed by `~` under the
  // rest of the span.
  int end_column = 0;
  // A stable code such as "W001" (docs/language.md lists them all).
  std::string code;
  // Notes pointing at related places, e.g. the deny rule that shadows an
  // allow. Each is itself a Diagnostic of severity kNote.
  std::vector<Diagnostic> related;

  // "file:line:col: error: message\n<source line>\n   ^~~~\n", as compilers
  // do, followed by the related notes. A warning or note with a code ends
  // its message with " [W001]". With `color`, ANSI colours as clang uses
  // them (only for a terminal).
  std::string Format(bool color = false) const;
};

// Formats every diagnostic in order, concatenated.
std::string FormatDiagnostics(const std::vector<Diagnostic>& diagnostics,
                              bool color = false);

}  // namespace writ

#endif  // WRIT_DIAGNOSTIC_H_
