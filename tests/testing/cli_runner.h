// Test helper: runs the `writ` binary (WRIT_CLI_PATH) and captures its
// exit status, stdout and stderr, so the CLI tests assert on what an author
// would see.
#ifndef WRIT_TESTS_TESTING_CLI_RUNNER_H_
#define WRIT_TESTS_TESTING_CLI_RUNNER_H_

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace writ::testing {

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string ReadWholeFile(const std::filesystem::path& path) {
  std::ifstream stream(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(stream), {});
}

inline void WriteWholeFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream stream(path, std::ios::binary);
  stream << text;
}

// A fresh directory under the system temp dir, unique per call.
inline std::filesystem::path MakeTempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "writ-test-XXXXXX").string();
  return std::filesystem::path(mkdtemp(pattern.data()));
}

inline std::string ShellQuote(const std::string& word) {
  std::string quoted = "'";
  for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// Runs `writ ARGS...` from the source tree, stdin from /dev/null; with
// `memory_limit_mb`, under that much virtual memory (`ulimit -v`), so a
// test can see a run that would need far more fail.
inline CliResult RunWrit(const std::vector<std::string>& args, int memory_limit_mb = 0) {
  const std::filesystem::path dir = MakeTempDir();
  std::string command = "cd " + ShellQuote(WRIT_SOURCE_DIR) + " && ";
  if (memory_limit_mb > 0) command += "ulimit -v " + std::to_string(memory_limit_mb * 1024) + " && ";
  command += ShellQuote(WRIT_CLI_PATH);
  for (const std::string& arg : args) command += " " + ShellQuote(arg);
  command += " </dev/null >" + ShellQuote((dir / "out").string()) + " 2>" +
             ShellQuote((dir / "err").string());
  const int status = std::system(command.c_str());
  CliResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = ReadWholeFile(dir / "out");
  result.err = ReadWholeFile(dir / "err");
  std::filesystem::remove_all(dir);
  return result;
}

// The agent-gateway example set, in the order its README compiles it.
inline std::vector<std::string> AgentGatewayFiles() {
  const std::string dir = "policies/agent-gateway/";
  return {dir + "schema.writ", dir + "lets.writ", dir + "allow.writ", dir + "deny.writ",
          dir + "default.writ"};
}

// Every policy set under policies/: a directory and its .writ files,
// sorted (the order only changes source order, never a decision).
struct PolicySet {
  std::filesystem::path directory;
  std::vector<std::string> files;
};

inline std::vector<PolicySet> PolicySetsUnderPolicies() {
  std::vector<PolicySet> sets;
  const std::filesystem::path root = std::filesystem::path(WRIT_SOURCE_DIR) / "policies";
  for (const auto& entry : std::filesystem::directory_iterator(root)) {
    if (!entry.is_directory()) continue;
    PolicySet set{entry.path(), {}};
    for (const auto& file : std::filesystem::directory_iterator(entry.path())) {
      if (file.path().extension() == ".writ") set.files.push_back(file.path().string());
    }
    std::sort(set.files.begin(), set.files.end());
    if (!set.files.empty()) sets.push_back(std::move(set));
  }
  return sets;
}

inline std::string LastLine(const std::string& text) {
  std::string trimmed = text;
  while (!trimmed.empty() && trimmed.back() == '\n') trimmed.pop_back();
  const size_t newline = trimmed.rfind('\n');
  return newline == std::string::npos ? trimmed : trimmed.substr(newline + 1);
}

}  // namespace writ::testing

#endif  // WRIT_TESTS_TESTING_CLI_RUNNER_H_
