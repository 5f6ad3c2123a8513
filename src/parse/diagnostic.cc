// Formatting of diagnostics, clang-style: location, severity, message, then
// the source line, a caret under the offending token and `~` under the rest
// of its span, then any related notes formatted the same way.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "writ/diagnostic.h"

namespace writ {

const char* SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kError: return "error";
    case Severity::kWarning: return "warning";
    case Severity::kNote: return "note";
  }
  return "error";
}

namespace {

// clang's palette: bold location and message, red errors, magenta
// warnings, cyan notes, green caret line.
struct Palette {
  const char* bold = "";
  const char* severity = "";
  const char* caret = "";
  const char* reset = "";
};

Palette PaletteFor(Severity severity, bool color) {
  if (!color) return {};
  const char* severity_color = severity == Severity::kError     ? "\033[1;31m"
                               : severity == Severity::kWarning ? "\033[1;35m"
                                                                : "\033[1;36m";
  return {"\033[1m", severity_color, "\033[1;32m", "\033[0m"};
}

// Tabs in the source line are kept under the caret so it lines up; the
// underline stops at the end of the line.
std::string CaretLine(const std::string& source_line, int column, int end_column) {
  std::string caret;
  for (int i = 0; i + 1 < column && i < static_cast<int>(source_line.size()); ++i) {
    caret.push_back(source_line[i] == '\t' ? '\t' : ' ');
  }
  caret.push_back('^');
  const int line_end = static_cast<int>(source_line.size()) + 1;
  for (int i = column + 1; i < end_column && i < line_end; ++i) caret.push_back('~');
  return caret;
}

}  // namespace

std::string Diagnostic::Format(bool color) const {
  const Palette palette = PaletteFor(severity, color);
  std::string out = palette.bold;
  if (line > 0) {
    absl::StrAppend(&out, file, ":", line, ":", column, ": ");
  } else if (!file.empty()) {
    absl::StrAppend(&out, file, ": ");
  }
  absl::StrAppend(&out, palette.severity, SeverityName(severity), ":", palette.reset,
                  palette.bold, " ", message);
  // Errors keep their historical one-line form; warnings and notes name
  // their code the way clang names a -W flag.
  if (!code.empty() && severity != Severity::kError) absl::StrAppend(&out, " [", code, "]");
  absl::StrAppend(&out, palette.reset, "\n");
  if (line > 0) {
    absl::StrAppend(&out, source_line, "\n", palette.caret,
                    CaretLine(source_line, column, end_column), palette.reset, "\n");
  }
  for (const Diagnostic& note : related) out += note.Format(color);
  return out;
}

std::string FormatDiagnostics(const std::vector<Diagnostic>& diagnostics, bool color) {
  std::string out;
  for (const Diagnostic& diagnostic : diagnostics) out += diagnostic.Format(color);
  return out;
}

}  // namespace writ
