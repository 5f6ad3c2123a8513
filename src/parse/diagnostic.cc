// Formatting of diagnostics, clang-style: location, severity, message, then
// the source line and a caret under the offending token.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "writ/diagnostic.h"

namespace writ {

namespace {

const char* SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kError: return "error";
    case Severity::kWarning: return "warning";
    case Severity::kNote: return "note";
  }
  return "error";
}

// Tabs in the source line are kept under the caret so it lines up.
std::string CaretLine(const std::string& source_line, int column) {
  std::string caret;
  for (int i = 0; i + 1 < column && i < static_cast<int>(source_line.size()); ++i) {
    caret.push_back(source_line[i] == '\t' ? '\t' : ' ');
  }
  caret.push_back('^');
  return caret;
}

}  // namespace

std::string Diagnostic::Format() const {
  std::string out;
  if (line > 0) {
    absl::StrAppend(&out, file, ":", line, ":", column, ": ");
  } else if (!file.empty()) {
    absl::StrAppend(&out, file, ": ");
  }
  absl::StrAppend(&out, SeverityName(severity), ": ", message, "\n");
  if (line > 0) {
    absl::StrAppend(&out, source_line, "\n", CaretLine(source_line, column), "\n");
  }
  return out;
}

std::string FormatDiagnostics(const std::vector<Diagnostic>& diagnostics) {
  std::string out;
  for (const Diagnostic& diagnostic : diagnostics) out += diagnostic.Format();
  return out;
}

}  // namespace writ
