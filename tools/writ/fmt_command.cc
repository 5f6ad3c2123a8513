// writ fmt FILE... [--check] [-w]: the canonical layout (src/format/).
//
// Without options the formatted files are printed to stdout. `--check`
// prints a unified diff for every file that is not formatted and exits 1
// (for CI); `-w` rewrites such files in place. A file that does not parse
// is reported and left alone (exit 1).
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "src/format/formatter.h"
#include "src/io/files.h"
#include "tools/writ/cli.h"

namespace writ::cli {
namespace {

constexpr size_t kDiffContext = 3;

// One line of an edit script: ' ' kept, '-' removed, '+' added.
struct Edit {
  char kind;
  std::string line;
};

// The longest-common-subsequence table is (lines + 1)^2 cells: past this
// many, the changed middle is shown as removed then added instead. A
// 20,000-line unformatted file took 1.6 GB here, and 40,000 lines over 6 GB.
constexpr size_t kMaxDiffCells = size_t{1} << 22;  // 16 MB of int

// A line diff: the common first and last lines kept, and the middle by
// longest common subsequence when it is small enough (see kMaxDiffCells).
std::vector<Edit> LineEdits(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  size_t prefix = 0;
  while (prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix]) ++prefix;
  size_t suffix = 0;
  while (suffix < a.size() - prefix && suffix < b.size() - prefix &&
         a[a.size() - 1 - suffix] == b[b.size() - 1 - suffix]) {
    ++suffix;
  }
  const size_t a_end = a.size() - suffix;
  const size_t b_end = b.size() - suffix;
  std::vector<Edit> edits;
  for (size_t k = 0; k < prefix; ++k) edits.push_back({' ', a[k]});
  const size_t rows = a_end - prefix + 1;
  const size_t columns = b_end - prefix + 1;
  if (rows * columns > kMaxDiffCells) {
    for (size_t i = prefix; i < a_end; ++i) edits.push_back({'-', a[i]});
    for (size_t j = prefix; j < b_end; ++j) edits.push_back({'+', b[j]});
  } else {
    // common[(i - prefix) * columns + (j - prefix)]: the LCS of a[i..a_end)
    // and b[j..b_end).
    std::vector<int> common(rows * columns, 0);
    auto at = [&](size_t i, size_t j) -> int& {
      return common[(i - prefix) * columns + (j - prefix)];
    };
    for (size_t i = a_end; i-- > prefix;) {
      for (size_t j = b_end; j-- > prefix;) {
        at(i, j) = a[i] == b[j] ? at(i + 1, j + 1) + 1 : std::max(at(i + 1, j), at(i, j + 1));
      }
    }
    size_t i = prefix;
    size_t j = prefix;
    while (i < a_end || j < b_end) {
      if (i < a_end && j < b_end && a[i] == b[j]) {
        edits.push_back({' ', a[i++]});
        ++j;
      } else if (i < a_end && (j == b_end || at(i + 1, j) >= at(i, j + 1))) {
        edits.push_back({'-', a[i++]});
      } else {
        edits.push_back({'+', b[j++]});
      }
    }
  }
  for (size_t k = a_end; k < a.size(); ++k) edits.push_back({' ', a[k]});
  return edits;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

// `diff -u` style hunks: every change with three lines of context,
// overlapping ranges merged.
std::string UnifiedDiff(const std::string& path, const std::string& before,
                        const std::string& after) {
  const std::vector<Edit> edits = LineEdits(Lines(before), Lines(after));
  std::vector<std::pair<size_t, size_t>> hunks;  // [begin, end) in edits
  for (size_t e = 0; e < edits.size(); ++e) {
    if (edits[e].kind == ' ') continue;
    const size_t begin = e > kDiffContext ? e - kDiffContext : 0;
    const size_t end = std::min(edits.size(), e + kDiffContext + 1);
    if (!hunks.empty() && begin <= hunks.back().second) {
      hunks.back().second = end;
    } else {
      hunks.emplace_back(begin, end);
    }
  }
  std::string out = absl::StrCat("--- ", path, "\n+++ ", path, " (formatted)\n");
  size_t e = 0;
  size_t old_line = 1;
  size_t new_line = 1;
  for (const auto& [begin, end] : hunks) {
    for (; e < begin; ++e) {
      old_line += edits[e].kind != '+';
      new_line += edits[e].kind != '-';
    }
    size_t old_count = 0;
    size_t new_count = 0;
    std::string body;
    for (size_t k = begin; k < end; ++k) {
      old_count += edits[k].kind != '+';
      new_count += edits[k].kind != '-';
      absl::StrAppend(&body, std::string(1, edits[k].kind), edits[k].line, "\n");
    }
    absl::StrAppend(&out, "@@ -", old_line, ",", old_count, " +", new_line, ",", new_count,
                    " @@\n", body);
  }
  return out;
}

bool WriteFile(const std::string& path, const std::string& text) {
  std::ofstream stream(path, std::ios::binary | std::ios::trunc);
  stream << text;
  return static_cast<bool>(stream);
}

}  // namespace

int RunFmt(const Arguments& arguments) {
  const bool check = arguments.Has("--check");
  const bool write = arguments.Has("-w");
  if (check && write) {
    std::fprintf(stderr, "writ fmt: --check and -w cannot be combined\n");
    return kExitUsage;
  }
  int status = kExitOk;
  for (const std::string& path : arguments.files) {
    absl::StatusOr<std::string> text = internal::ReadFileToString(path);
    if (!text.ok()) {
      std::fprintf(stderr, "writ: %s\n", std::string(text.status().message()).c_str());
      status = kExitFailure;
      continue;
    }
    std::vector<Diagnostic> diagnostics;
    absl::StatusOr<std::string> formatted = internal::FormatPolicyFile(path, *text, &diagnostics);
    std::fputs(FormatDiagnostics(diagnostics).c_str(), stderr);
    if (!formatted.ok()) {
      std::fprintf(stderr, "writ fmt: %s\n", std::string(formatted.status().message()).c_str());
      status = kExitFailure;
      continue;
    }
    if (check) {
      if (*formatted != *text) {
        std::fputs(UnifiedDiff(path, *text, *formatted).c_str(), stdout);
        status = kExitFailure;
      }
    } else if (write) {
      if (*formatted != *text && !WriteFile(path, *formatted)) {
        std::fprintf(stderr, "writ fmt: cannot write '%s'\n", path.c_str());
        status = kExitFailure;
      }
    } else {
      std::fputs(formatted->c_str(), stdout);
    }
  }
  return status;
}

}  // namespace writ::cli
