#include "tools/writ/cli.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace writ::cli {

bool Arguments::Has(absl::string_view name) const { return Get(name).has_value(); }

std::optional<std::string> Arguments::Get(absl::string_view name) const {
  for (const auto& [option, value] : options) {
    if (option == name) return value;
  }
  return std::nullopt;
}

void PrintCommandHelp(const Command& command, std::FILE* out) {
  std::fprintf(out, "usage: %s\n\n%s\n", command.synopsis.c_str(), command.summary.c_str());
  if (!command.options.empty()) std::fprintf(out, "\noptions:\n");
  for (const OptionSpec& option : command.options) {
    const std::string spelled =
        option.takes_value ? absl::StrCat(option.name, " VALUE") : option.name;
    std::fprintf(out, "  %-22s %s\n", spelled.c_str(), option.help.c_str());
  }
  std::fprintf(out, "  %-22s %s\n", "--help", "show this help");
}

namespace {

const OptionSpec* FindOption(const Command& command, absl::string_view name) {
  for (const OptionSpec& option : command.options) {
    if (option.name == name) return &option;
  }
  return nullptr;
}

std::nullopt_t UsageError(const Command& command, const std::string& message) {
  std::fprintf(stderr, "writ %s: %s\n", command.name.c_str(), message.c_str());
  PrintCommandHelp(command, stderr);
  return std::nullopt;
}

}  // namespace

std::optional<Arguments> ParseArguments(const Command& command,
                                        const std::vector<std::string>& argv) {
  Arguments arguments;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& word = argv[i];
    if (word.size() < 2 || word[0] != '-') {
      arguments.files.push_back(word);
      continue;
    }
    // Both "--name=value" and "--name value" are accepted.
    std::string name = word;
    std::optional<std::string> value;
    if (const size_t equals = word.find('='); equals != std::string::npos) {
      name = word.substr(0, equals);
      value = word.substr(equals + 1);
    }
    const OptionSpec* option = FindOption(command, name);
    if (option == nullptr) return UsageError(command, absl::StrCat("unknown option '", name, "'"));
    if (option->takes_value && !value.has_value()) {
      if (i + 1 >= argv.size()) {
        return UsageError(command, absl::StrCat("option '", name, "' needs a value"));
      }
      value = argv[++i];
    }
    if (!option->takes_value && value.has_value()) {
      return UsageError(command, absl::StrCat("option '", name, "' takes no value"));
    }
    arguments.options.emplace_back(name, value.value_or(""));
  }
  if (arguments.files.empty()) return UsageError(command, "no policy files given");
  return arguments;
}

std::shared_ptr<const Policy> LoadPolicy(const std::vector<std::string>& files) {
  std::vector<Diagnostic> diagnostics;
  absl::StatusOr<std::shared_ptr<const Policy>> policy =
      Policy::CompileFiles(files, CompileOptions{}, &diagnostics);
  std::fputs(FormatDiagnostics(diagnostics).c_str(), stderr);
  if (!policy.ok()) {
    if (diagnostics.empty()) {
      std::fprintf(stderr, "writ: %s\n", std::string(policy.status().message()).c_str());
    }
    return nullptr;
  }
  return *std::move(policy);
}

namespace {

bool IsStandardInput(const std::optional<std::string>& path) {
  return !path.has_value() || *path == "-";
}

}  // namespace

void PrintCannotRead(const std::optional<std::string>& path, const absl::Status& why) {
  const std::string name =
      IsStandardInput(path) ? std::string("standard input") : absl::StrCat("'", *path, "'");
  std::fprintf(stderr, "writ: cannot read %s: %s\n", name.c_str(),
               std::string(why.message()).c_str());
}

std::optional<internal::InputFile> OpenInput(const std::optional<std::string>& path) {
  absl::StatusOr<internal::InputFile> file = IsStandardInput(path)
                                                 ? internal::InputFile::StandardInput()
                                                 : internal::InputFile::Open(*path);
  if (!file.ok()) {
    PrintCannotRead(path, file.status());
    return std::nullopt;
  }
  return *std::move(file);
}

std::optional<std::string> ReadInput(const std::optional<std::string>& path, size_t limit) {
  std::optional<internal::InputFile> file = OpenInput(path);
  if (!file.has_value()) return std::nullopt;
  absl::StatusOr<std::string> contents = file->ReadAll(limit);
  if (!contents.ok()) {
    PrintCannotRead(path, contents.status());
    return std::nullopt;
  }
  return *std::move(contents);
}

std::optional<Evaluator> ParseEvaluator(const Arguments& arguments) {
  const std::string engine = arguments.Get("--engine").value_or("dag");
  if (engine == "dag") return Evaluator::kDag;
  if (engine == "reference") return Evaluator::kReference;
  std::fprintf(stderr, "writ: unknown --engine '%s' (dag or reference)\n", engine.c_str());
  return std::nullopt;
}

}  // namespace writ::cli
