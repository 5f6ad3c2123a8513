// Formatting of diagnostics, clang-style: location, severity, message, then
// the source line (a window of it when it is long), a caret under the
// offending token and `~` under the rest of its span, then any related notes
// formatted the same way.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "src/internal/utf8.h"
#include "src/parse/parser.h"
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

// How much of a long source line is shown on each side of the column, in
// bytes: a minified policy can put megabytes on one line, and echoing it
// whole under every error buries the message.
constexpr size_t kExcerptContext = 100;
constexpr char kEllipsis[] = "...";

// The columns a terminal gives a code point: 0 for a combining diacritic
// (U+0300..U+036F), 2 for the East Asian wide and fullwidth blocks (CJK,
// Hangul, fullwidth forms, the common emoji blocks; Markus Kuhn's wcwidth
// ranges), 1 otherwise. An approximation, and documented as one in
// docs/design.md: a caret is for the eye, and wcwidth itself depends on the
// locale.
int DisplayWidth(uint32_t code_point) {
  if (code_point >= 0x0300 && code_point <= 0x036F) return 0;
  struct Range {
    uint32_t first, last;
  };
  static constexpr Range kWide[] = {
      {0x1100, 0x115F},   {0x2329, 0x232A},   {0x2E80, 0x303E},   {0x3040, 0xA4CF},
      {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},   {0xFE10, 0xFE19},   {0xFE30, 0xFE6F},
      {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x1F300, 0x1F64F}, {0x1F900, 0x1F9FF},
      {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
  };
  for (const Range& range : kWide) {
    if (code_point >= range.first && code_point <= range.last) return 2;
  }
  return 1;
}

// Appends `fill` once per display column of the code points in
// [begin, end) of `line`; a tab is copied as a tab when `fill` is a space,
// so the caret lines up whatever the tab width. A byte that does not start
// valid UTF-8 (the source line of an "invalid UTF-8" error) is one column.
void AppendColumns(absl::string_view line, size_t begin, size_t end, char fill,
                   std::string* out) {
  const char* const line_end = line.data() + line.size();
  for (size_t i = begin; i < end;) {
    const size_t length = internal::StrictUtf8Length(line.data() + i, line_end);
    if (length == 0) {
      out->push_back(fill);
      ++i;
      continue;
    }
    if (line[i] == '\t' && fill == ' ') {
      out->push_back('\t');
    } else {
      out->append(static_cast<size_t>(DisplayWidth(internal::Utf8CodePoint(line.data() + i, length))),
                  fill);
    }
    i += length;
  }
}

// The 0-based byte of a 1-based column, in a line of `size` bytes (a
// column past its end is the end).
size_t ByteOffset(int column, size_t size) {
  return std::min(static_cast<size_t>(std::max(column, 1) - 1), size);
}

// `position` moved past the continuation bytes there (at most three: more
// are invalid UTF-8, cut anywhere), not beyond `limit`: where a cut of
// `text` may start or end without splitting a code point.
size_t PastContinuationBytes(absl::string_view text, size_t position, size_t limit) {
  for (int i = 0; i < 3 && position < limit && internal::IsUtf8ContinuationByte(text[position]);
       ++i) {
    ++position;
  }
  return position;
}

// The source line as shown, and the caret line under it. Columns are byte
// columns (docs/design.md), but the caret is padded by what the terminal
// shows: one space per code point (two for a wide one), tabs as tabs. A
// line longer than 2 * kExcerptContext bytes is cut to kExcerptContext
// bytes each side of the column, on code point boundaries, with "..."
// where text was left out. The `~` underline stops at the end of what is
// shown.
struct Excerpt {
  std::string line;
  std::string caret;
};

Excerpt MakeExcerpt(absl::string_view source_line, int column, int end_column) {
  const size_t size = source_line.size();
  const size_t offset = ByteOffset(column, size);
  const bool whole = size <= 2 * kExcerptContext;
  size_t begin = !whole && offset > kExcerptContext ? offset - kExcerptContext : 0;
  begin = PastContinuationBytes(source_line, begin, offset);
  size_t end = whole ? size : std::min(offset + kExcerptContext, size);
  end = PastContinuationBytes(source_line, end, size);

  Excerpt excerpt;
  if (begin > 0) {
    excerpt.line = kEllipsis;
    excerpt.caret.append(sizeof(kEllipsis) - 1, ' ');
  }
  excerpt.line.append(source_line.data() + begin, end - begin);
  if (end < size) excerpt.line.append(kEllipsis);

  AppendColumns(source_line, begin, offset, ' ', &excerpt.caret);
  excerpt.caret.push_back('^');
  if (end_column > column && offset < end) {
    // The caret stands for the code point at `offset`; `~` for the rest.
    const size_t first = internal::StrictUtf8Length(source_line.data() + offset,
                                                    source_line.data() + size);
    const size_t span_end = std::min(static_cast<size_t>(end_column - 1), end);
    AppendColumns(source_line, offset + std::max<size_t>(first, 1), span_end, '~',
                  &excerpt.caret);
  }
  return excerpt;
}

}  // namespace

namespace internal {

void KeepSourceLine(absl::string_view line_text, Diagnostic* diagnostic) {
  diagnostic->source_line_column = 1;
  if (line_text.size() <= 2 * kKeptSourceContext) {
    diagnostic->source_line = std::string(line_text);
    return;
  }
  static_assert(kKeptSourceContext > kExcerptContext + 4,
                "the part kept reaches past what is shown, so the display still ends in '...' "
                "exactly when the line goes on");
  const size_t offset = ByteOffset(diagnostic->column, line_text.size());
  size_t begin = offset > kKeptSourceContext ? offset - kKeptSourceContext : 0;
  begin = PastContinuationBytes(line_text, begin, offset);
  const size_t end = std::min(offset + kKeptSourceContext, line_text.size());
  diagnostic->source_line = std::string(line_text.substr(begin, end - begin));
  diagnostic->source_line_column = static_cast<int>(begin) + 1;
}

}  // namespace internal

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
    // Columns are the line's; source_line may start further right.
    const int shift = std::max(source_line_column, 1) - 1;
    const Excerpt excerpt =
        MakeExcerpt(source_line, column - shift, end_column > 0 ? end_column - shift : 0);
    absl::StrAppend(&out, excerpt.line, "\n", palette.caret, excerpt.caret, palette.reset,
                    "\n");
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
