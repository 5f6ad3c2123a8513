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

// A longest-common-subsequence line diff; policy files are small.
std::vector<Edit> LineEdits(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::vector<std::vector<int>> common(a.size() + 1, std::vector<int>(b.size() + 1, 0));
  for (size_t i = a.size(); i-- > 0;) {
    for (size_t j = b.size(); j-- > 0;) {
      common[i][j] = a[i] == b[j] ? common[i + 1][j + 1] + 1
                                  : std::max(common[i + 1][j], common[i][j + 1]);
    }
  }
  std::vector<Edit> edits;
  size_t i = 0;
  size_t j = 0;
  while (i < a.size() || j < b.size()) {
    if (i < a.size() && j < b.size() && a[i] == b[j]) {
      edits.push_back({' ', a[i++]});
      ++j;
    } else if (i < a.size() && (j == b.size() || common[i + 1][j] >= common[i][j + 1])) {
      edits.push_back({'-', a[i++]});
    } else {
      edits.push_back({'+', b[j++]});
    }
  }
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
