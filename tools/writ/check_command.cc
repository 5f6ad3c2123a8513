// writ check FILE... [--Werror] [--notes] [--format text|json]: compile,
// run the static analysis (src/analyze/), and report diagnostics.
//
// Text diagnostics go to stderr, clang-style, in colour only when stderr is
// a terminal (and NO_COLOR is unset). `--format json` prints one JSON
// object per diagnostic on stdout instead, for editors and CI annotations:
//   {"file", "line", "column", "end": {"line", "column"} (column exclusive),
//    "severity", "code", "message", "related": [{"file", "line", "column",
//    "end", "message"}]}
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "src/analyze/analyzer.h"
#include "src/internal/json_writer.h"
#include "src/io/files.h"
#include "src/parse/tokens.h"
#include "tools/writ/cli.h"

namespace writ::cli {
namespace {

// Compile errors share one code; the message says what is wrong.
constexpr char kCompileErrorCode[] = "E001";

// Compile errors point at a token's first character; underline the token.
// Only where the whole line was kept (up to 1 KB): a part of a longer line
// can start inside a string or a comment and tokenize wrongly there.
void AddCodeAndSpan(Diagnostic* diagnostic) {
  if (diagnostic->code.empty()) diagnostic->code = kCompileErrorCode;
  if (diagnostic->line <= 0 || diagnostic->end_column > 0) return;
  if (diagnostic->source_line_column != 1) return;
  for (const internal::Token& token : internal::Tokenize(diagnostic->source_line)) {
    if (static_cast<int>(token.column) == diagnostic->column &&
        token.kind != internal::Token::Kind::kComment) {
      diagnostic->end_column = static_cast<int>(token.end_column);
    }
  }
}

void WriteLocation(const Diagnostic& diagnostic, internal::JsonWriter* json) {
  json->Key("file");
  json->String(diagnostic.file);
  json->Key("line");
  json->Int(diagnostic.line);
  json->Key("column");
  json->Int(diagnostic.column);
  json->Key("end");
  if (diagnostic.line <= 0) {
    json->Null();
    return;
  }
  json->BeginObject();
  json->Key("line");
  json->Int(diagnostic.line);
  json->Key("column");
  json->Int(diagnostic.end_column > diagnostic.column ? diagnostic.end_column
                                                      : diagnostic.column + 1);
  json->EndObject();
}

std::string DiagnosticJson(const Diagnostic& diagnostic) {
  std::string out;
  internal::JsonWriter json(&out);
  json.BeginObject();
  WriteLocation(diagnostic, &json);
  json.Key("severity");
  json.String(SeverityName(diagnostic.severity));
  json.Key("code");
  json.String(diagnostic.code);
  json.Key("message");
  json.String(diagnostic.message);
  json.Key("related");
  json.BeginArray();
  for (const Diagnostic& note : diagnostic.related) {
    json.BeginObject();
    WriteLocation(note, &json);
    json.Key("message");
    json.String(note.message);
    json.EndObject();
  }
  json.EndArray();
  json.EndObject();
  return out;
}

bool StderrWantsColor() {
  return isatty(STDERR_FILENO) == 1 && std::getenv("NO_COLOR") == nullptr;
}

void Print(const std::vector<Diagnostic>& diagnostics, bool json) {
  if (!json) {
    std::fputs(FormatDiagnostics(diagnostics, StderrWantsColor()).c_str(), stderr);
    return;
  }
  for (const Diagnostic& diagnostic : diagnostics) {
    std::printf("%s\n", DiagnosticJson(diagnostic).c_str());
  }
}

size_t CountOf(const std::vector<Diagnostic>& diagnostics, Severity severity) {
  size_t count = 0;
  for (const Diagnostic& diagnostic : diagnostics) count += diagnostic.severity == severity;
  return count;
}

}  // namespace

int RunCheck(const Arguments& arguments) {
  const std::string format = arguments.Get("--format").value_or("text");
  if (format != "text" && format != "json") {
    std::fprintf(stderr, "writ check: unknown --format '%s' (text or json)\n", format.c_str());
    return kExitUsage;
  }
  std::vector<SourceFile> sources;
  std::vector<std::string> texts;
  for (const std::string& path : arguments.files) {
    absl::StatusOr<std::string> text = internal::ReadFileToString(path);
    if (!text.ok()) {
      std::fprintf(stderr, "writ: %s\n", std::string(text.status().message()).c_str());
      return kExitFailure;
    }
    texts.push_back(*text);
    sources.push_back({path, *std::move(text)});
  }
  std::vector<Diagnostic> diagnostics;
  absl::StatusOr<std::shared_ptr<const Policy>> policy =
      Policy::Compile(std::move(sources), CompileOptions{}, &diagnostics);
  for (Diagnostic& diagnostic : diagnostics) AddCodeAndSpan(&diagnostic);
  if (policy.ok()) {
    internal::AnalyzeOptions options;
    options.notes = arguments.Has("--notes");
    std::vector<Diagnostic> found = internal::AnalyzePolicy((*policy)->checked(), texts, options);
    diagnostics.insert(diagnostics.end(), found.begin(), found.end());
  } else if (diagnostics.empty()) {
    std::fprintf(stderr, "writ: %s\n", std::string(policy.status().message()).c_str());
  }
  Print(diagnostics, format == "json");
  const size_t warnings = CountOf(diagnostics, Severity::kWarning);
  if (!policy.ok() || (arguments.Has("--Werror") && warnings > 0)) return kExitFailure;
  if (format == "text") {
    std::printf("ok: %zu file(s), %zu warning(s), policy digest %s\n", arguments.files.size(),
                warnings, (*policy)->info().digest.c_str());
  }
  return kExitOk;
}

}  // namespace writ::cli
