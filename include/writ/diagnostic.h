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

struct Diagnostic {
  Severity severity = Severity::kError;
  std::string file;         // the file name as given to the compiler
  int line = 0;             // 1-based; 0 when the diagnostic has no position
  int column = 0;           // 1-based byte column of the offending token
  std::string message;      // one line, no trailing period
  std::string source_line;  // the text of `line`, for the caret display

  // "file:line:col: error: message\n<source line>\n   ^\n", as compilers do.
  std::string Format() const;
};

// Formats every diagnostic in order, concatenated.
std::string FormatDiagnostics(const std::vector<Diagnostic>& diagnostics);

}  // namespace writ

#endif  // WRIT_DIAGNOSTIC_H_
