// The `writ` command line (SPEC §7): shared plumbing for the subcommands.
//
// Each subcommand lives in its own file and registers a Command; main()
// dispatches on the first argument. Exit statuses: 0 success (whatever the
// decision), 1 policy or input errors, 2 usage errors.
#ifndef WRIT_TOOLS_WRIT_CLI_H_
#define WRIT_TOOLS_WRIT_CLI_H_

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "src/io/files.h"
#include "writ/policy.h"

namespace writ::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// A parsed command line: positional FILE arguments and options. Options
// are declared by each command so an unknown one is a usage error.
struct Arguments {
  std::vector<std::string> files;
  std::vector<std::pair<std::string, std::string>> options;  // name, value

  bool Has(absl::string_view name) const;
  std::optional<std::string> Get(absl::string_view name) const;
};

struct OptionSpec {
  std::string name;        // "--jsonl", "-i"
  bool takes_value = false;
  std::string help;        // one line
};

struct Command {
  std::string name;
  std::string synopsis;  // "writ eval FILE... [-i REQ.json] [--jsonl]"
  std::string summary;   // one line
  std::vector<OptionSpec> options;
  int (*run)(const Arguments& arguments);
};

// Every subcommand; defined in commands.cc so the list is in one place.
const std::vector<Command>& AllCommands();

// Parses argv after the subcommand name. On a usage error prints it with
// the command's help to stderr and returns nullopt.
std::optional<Arguments> ParseArguments(const Command& command,
                                        const std::vector<std::string>& argv);

void PrintCommandHelp(const Command& command, std::FILE* out);

// Compiles the FILE arguments, printing diagnostics (errors and warnings)
// to stderr. nullptr when the policy set does not compile.
std::shared_ptr<const Policy> LoadPolicy(const std::vector<std::string>& files);

// Opens a file, or standard input for "-" or an absent path. nullopt
// (after printing "writ: cannot read 'PATH': reason") when it cannot be
// read, a directory included.
std::optional<internal::InputFile> OpenInput(const std::optional<std::string>& path);

// Prints "writ: cannot read 'PATH': reason" ("standard input" for "-" or
// an absent path): how every reader of an input reports a failure.
void PrintCannotRead(const std::optional<std::string>& path, const absl::Status& why);

// Reads a whole input as OpenInput opens it; given a limit, no more than
// limit + 1 bytes (InputFile::ReadAll), so an oversized input costs no
// more memory than that. nullopt after printing why it cannot be read.
std::optional<std::string> ReadInput(const std::optional<std::string>& path,
                                     size_t limit = internal::kNoReadLimit);

// --engine=dag|reference; nullopt (after printing) on an unknown value.
std::optional<Evaluator> ParseEvaluator(const Arguments& arguments);

}  // namespace writ::cli

#endif  // WRIT_TOOLS_WRIT_CLI_H_
