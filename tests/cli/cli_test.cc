// End-to-end runs of the `writ` binary: exit statuses (SPEC §7), what goes
// to stdout and stderr, and the shape of the records.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace writ {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream stream(path, std::ios::binary);
  std::stringstream buffer;
  buffer << stream.rdbuf();
  return buffer.str();
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() /
                 ("writ_cli_" + std::to_string(::getpid()) + "_" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(directory_);
    Write("schema.writ",
          "policy \"t\" version \"1\";\n"
          "schema { tool: string; risk: number; }\n"
          "allow read when tool == \"search\" with max_ttl = 5m because \"reads are fine\";\n"
          "deny risky when risk >= 0.8;\n");
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  std::string Write(const std::string& name, const std::string& text) {
    std::ofstream(directory_ / name, std::ios::binary) << text;
    return (directory_ / name).string();
  }

  // Runs `writ ARGS` with stdin from `input`.
  RunResult Run(const std::string& arguments, const std::string& input = "") {
    const std::string in = Write("stdin.txt", input);
    const std::string out = (directory_ / "stdout.txt").string();
    const std::string err = (directory_ / "stderr.txt").string();
    const std::string command = std::string(WRIT_CLI_PATH) + " " + arguments + " <" + in +
                                " >" + out + " 2>" + err;
    const int status = std::system(command.c_str());
    RunResult result;
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result.out = ReadAll(out);
    result.err = ReadAll(err);
    return result;
  }

  std::string Policy() const { return (directory_ / "schema.writ").string(); }

  std::filesystem::path directory_;
};

TEST_F(Cli, CheckOfAValidPolicyExitsZero) {
  RunResult result = Run("check " + Policy());
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.err, "");
}

TEST_F(Cli, CheckPrintsCompilerStyleDiagnosticsAndExitsOne) {
  const std::string bad = Write("bad.writ", "allow r when tool == 1;\ndeny q when nope;\n");
  RunResult result = Run("check " + Policy() + " " + bad);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err,
            bad + ":1:22: error: type mismatch: 'tool' is string but 1 is an int\n"
                  "allow r when tool == 1;\n"
                  "                     ^\n" +
                bad + ":2:13: error: unknown attribute or let 'nope'\n"
                      "deny q when nope;\n"
                      "            ^~~~\n");
}

TEST_F(Cli, MissingPolicyFileExitsOne) {
  RunResult result = Run("check " + (directory_ / "absent.writ").string());
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("absent.writ"));
}

TEST_F(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(Run("").exit_code, 2);
  EXPECT_EQ(Run("check").exit_code, 2);
  EXPECT_EQ(Run("eval").exit_code, 2);
  EXPECT_EQ(Run("frobnicate " + Policy()).exit_code, 2);
  RunResult unknown_option = Run("eval " + Policy() + " --fast");
  EXPECT_EQ(unknown_option.exit_code, 2);
  EXPECT_THAT(unknown_option.err, HasSubstr("unknown option '--fast'"));
  EXPECT_EQ(Run("eval " + Policy() + " -i").exit_code, 2);
  EXPECT_EQ(Run("eval " + Policy() + " --engine=fast", "{}").exit_code, 2);
}

TEST_F(Cli, EverySubcommandHasHelp) {
  for (const char* command : {"check", "eval"}) {
    RunResult result = Run(std::string(command) + " --help");
    EXPECT_EQ(result.exit_code, 0) << command;
    EXPECT_THAT(result.out, StartsWith(std::string("usage: writ ") + command));
  }
  EXPECT_EQ(Run("--help").exit_code, 0);
}

TEST_F(Cli, EvalPrintsOneRecordForARequestFile) {
  const std::string request = Write("r.json", R"({"tool": "search", "risk": 0.1})");
  RunResult result = Run("eval " + Policy() + " -i " + request);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, StartsWith(R"({"decision":"allow","policy":{"name":"t","version":"1",)"
                                     R"("digest":"sha256:)"));
  EXPECT_THAT(result.out,
              HasSubstr(R"("determining":[{"rule":"read","effect":"allow","reason":"reads are )"
                        R"(fine","indeterminate":false,"location":")" +
                        Policy() + R"(:3:1"}],"default_applied":false,"obligations":{"max_ttl":300},)"
                                   R"("missing":[],"errors":[],"why_not":[]})"));
  EXPECT_EQ(std::count(result.out.begin(), result.out.end(), '\n'), 1);
}

TEST_F(Cli, EvalReadsStdinAndADenyIsStillExitZero) {
  RunResult result = Run("eval " + Policy(), R"({"tool": "search"})");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr(R"("decision":"deny")"));
  EXPECT_THAT(result.out, HasSubstr(R"("indeterminate":true)"));
  EXPECT_THAT(result.out, HasSubstr(R"("missing":["risk"])"));
}

TEST_F(Cli, InvalidRequestExitsOneWithNothingOnStdout) {
  for (const char* input : {"{\"tool\": ", "[1, 2]", "", "{\"tool\": \"a\", \"tool\": \"b\"}"}) {
    RunResult result = Run("eval " + Policy(), input);
    EXPECT_EQ(result.exit_code, 1) << input;
    EXPECT_EQ(result.out, "") << input;
    EXPECT_THAT(result.err, StartsWith("writ: invalid request: ")) << input;
  }
}

TEST_F(Cli, JsonlAnswersLineByLineAndReportsBadLines) {
  RunResult result = Run("eval " + Policy() + " --jsonl",
                         "{\"tool\": \"search\", \"risk\": 0}\nnot json\n"
                         "{\"tool\": \"x\", \"risk\": 0.9}\n[]\n");
  EXPECT_EQ(result.exit_code, 1);
  std::vector<std::string> lines;
  std::istringstream stream(result.out);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 4u) << result.out;
  EXPECT_THAT(lines[0], StartsWith(R"({"decision":"allow")"));
  EXPECT_THAT(lines[1], StartsWith(R"({"error":"invalid JSON)"));
  EXPECT_THAT(lines[1], ::testing::EndsWith(R"(,"line":2})"));
  EXPECT_THAT(lines[2], StartsWith(R"({"decision":"deny")"));
  EXPECT_THAT(lines[3], ::testing::EndsWith(R"(,"line":4})"));
  EXPECT_THAT(result.err, HasSubstr("line 2: invalid JSON"));
}

TEST_F(Cli, JsonlWithOnlyGoodLinesExitsZero) {
  RunResult result = Run("eval " + Policy() + " --jsonl", "{}\n{\"risk\": 0.1}\n");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(std::count(result.out.begin(), result.out.end(), '\n'), 2);
}

TEST_F(Cli, ReferenceEngineGivesTheSameRecords) {
  const std::string input = "{\"tool\": \"search\", \"risk\": 0.1}\n{}\n{\"risk\": \"high\"}\n";
  RunResult dag = Run("eval " + Policy() + " --jsonl", input);
  RunResult reference = Run("eval " + Policy() + " --jsonl --engine=reference", input);
  EXPECT_EQ(dag.exit_code, 0);
  EXPECT_EQ(dag.out, reference.out);
}

// ------------------------------------------------- unreadable inputs --
// Every input path goes through one reader: a directory, a missing file or
// one the OS will not read is "writ: cannot read 'PATH': reason", exit 1
// (SPEC §7), never an uncaught exception.

class EvalCommand : public Cli {};

TEST_F(EvalCommand, ADirectoryAsRequestIsAnInputError) {
  const std::string directory = directory_.string();
  RunResult result = Run("eval " + Policy() + " -i " + directory);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err, "writ: cannot read '" + directory + "': is a directory\n");
}

TEST_F(EvalCommand, EveryInputOptionRefusesADirectory) {
  const std::string directory = directory_.string();
  const std::string log = (directory_ / "decisions.log").string();
  for (const std::string& arguments :
       {"eval " + Policy() + " --jsonl -i " + directory,
        "bench " + Policy() + " -i " + directory,
        "test " + Policy() + " --cases " + directory,
        "eval " + Policy() + " --log " + log + " --log-key " + directory}) {
    RunResult result = Run(arguments, "{}\n");
    EXPECT_EQ(result.exit_code, 1) << arguments;
    EXPECT_THAT(result.err, HasSubstr("writ: cannot read '" + directory + "': is a directory\n"))
        << arguments;
  }
}

// A policy file goes through the library's reader; its failures are worded
// as an input's are.
TEST_F(EvalCommand, AnUnreadablePolicyFileIsWordedAsAnUnreadableInput) {
  const std::string directory = directory_.string();
  const std::string absent = (directory_ / "absent.writ").string();
  for (const std::string command : {"check", "fmt", "eval", "dag"}) {
    RunResult missing = Run(command + " " + absent, "{}");
    EXPECT_EQ(missing.exit_code, 1) << command;
    EXPECT_EQ(missing.err, "writ: cannot read '" + absent + "': no such file\n") << command;
    RunResult is_directory = Run(command + " " + directory, "{}");
    EXPECT_EQ(is_directory.exit_code, 1) << command;
    EXPECT_EQ(is_directory.err, "writ: cannot read '" + directory + "': is a directory\n")
        << command;
  }
}

TEST_F(EvalCommand, AMissingOrUnreadableRequestIsAnInputError) {
  const std::string absent = (directory_ / "absent.json").string();
  RunResult missing = Run("eval " + Policy() + " -i " + absent);
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.err, "writ: cannot read '" + absent + "': no such file\n");
  // Opens, but reading offset 0 of one's own memory fails (EIO).
  RunResult unreadable = Run("eval " + Policy() + " -i /proc/self/mem");
  EXPECT_EQ(unreadable.exit_code, 1);
  EXPECT_THAT(unreadable.err, StartsWith("writ: cannot read '/proc/self/mem': "));
}

// ------------------------------------------------ a writ on pipes --

// A running `writ` with a pipe to its stdin and one from its stdout, for
// what it answers before its input ends. Every wait has a timeout, so a
// writ that waits for more input fails the test instead of hanging it.
class WritProcess {
 public:
  WritProcess(const std::vector<std::string>& arguments, const std::string& stderr_path) {
    signal(SIGPIPE, SIG_IGN);  // writ may exit before reading all we write
    int to_writ[2], from_writ[2];
    if (pipe(to_writ) != 0 || pipe(from_writ) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(to_writ[0], STDIN_FILENO);
      dup2(from_writ[1], STDOUT_FILENO);
      const int err = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      dup2(err, STDERR_FILENO);
      for (int descriptor : {to_writ[0], to_writ[1], from_writ[0], from_writ[1], err}) {
        close(descriptor);
      }
      std::vector<char*> argv = {const_cast<char*>(WRIT_CLI_PATH)};
      for (const std::string& argument : arguments) {
        argv.push_back(const_cast<char*>(argument.c_str()));
      }
      argv.push_back(nullptr);
      execv(WRIT_CLI_PATH, argv.data());
      _exit(127);
    }
    close(to_writ[0]);
    close(from_writ[1]);
    input_ = to_writ[1];
    output_ = from_writ[0];
  }

  ~WritProcess() {
    CloseInput();
    if (output_ >= 0) close(output_);
    if (pid_ > 0 && !Wait(std::chrono::seconds(0)).has_value()) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  bool Write(const std::string& bytes) {
    return ::write(input_, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size());
  }

  void CloseInput() {
    if (input_ >= 0) close(input_);
    input_ = -1;
  }

  // The next line of stdout (without '\n'); nullopt when none is complete
  // within `timeout`.
  std::optional<std::string> ReadLine(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (pending_.find('\n') == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd readable = {output_, POLLIN, 0};
      if (left.count() <= 0 || poll(&readable, 1, static_cast<int>(left.count())) <= 0) {
        return std::nullopt;
      }
      char buffer[4096];
      const ssize_t count = read(output_, buffer, sizeof buffer);
      if (count <= 0) return std::nullopt;
      pending_.append(buffer, static_cast<size_t>(count));
    }
    const size_t newline = pending_.find('\n');
    std::string line = pending_.substr(0, newline);
    pending_.erase(0, newline + 1);
    return line;
  }

  // The exit status; nullopt when writ is still running after `timeout`.
  std::optional<int> Wait(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      int status = 0;
      rusage usage{};
      if (wait4(pid_, &status, WNOHANG, &usage) == pid_) {
        pid_ = -1;
        peak_kilobytes_ = usage.ru_maxrss;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  // The most memory writ held at once (its peak resident set), once Wait
  // has seen it exit.
  long peak_kilobytes() const { return peak_kilobytes_; }

 private:
  pid_t pid_ = -1;
  long peak_kilobytes_ = 0;
  int input_ = -1;
  int output_ = -1;
  std::string pending_;
};

constexpr std::chrono::seconds kPatience(20);
// RequestOptions::max_json_bytes, the limit on one request.
constexpr size_t kRequestLimit = 1 << 20;

// `{"tool": "xx...x"}`, `bytes` long.
std::string RequestOfSize(size_t bytes) {
  const std::string frame = R"({"tool": ""})";
  return R"({"tool": ")" + std::string(bytes - frame.size(), 'x') + R"("})";
}

TEST_F(EvalCommand, ARequestOverTheLimitIsRefusedWithoutReadingToTheEnd) {
  const std::string err = (directory_ / "stderr.txt").string();
  WritProcess writ({"eval", Policy()}, err);
  // One byte over the limit, and the pipe left open: writ must not wait
  // for (or keep) the rest.
  ASSERT_TRUE(writ.Write(RequestOfSize(kRequestLimit + 1)));
  EXPECT_EQ(writ.Wait(kPatience), std::optional<int>(1));
  EXPECT_THAT(ReadAll(err), HasSubstr("request is over the limit of 1048576 bytes"));
}

TEST_F(EvalCommand, ARequestExactlyAtTheLimitIsDecided) {
  const std::string request = Write("r.json", RequestOfSize(kRequestLimit));
  RunResult result = Run("eval " + Policy() + " -i " + request);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, StartsWith(R"({"decision":"deny")"));
}

class EvalJsonl : public Cli {};

TEST_F(EvalJsonl, AnswersEachLineBeforeReadingTheNext) {
  WritProcess writ({"eval", Policy(), "--jsonl"}, (directory_ / "stderr.txt").string());
  ASSERT_TRUE(writ.Write("{\"tool\": \"search\", \"risk\": 0}\n"));
  const std::optional<std::string> first = writ.ReadLine(kPatience);
  ASSERT_TRUE(first.has_value()) << "no answer to line 1 while the pipe is open";
  EXPECT_THAT(*first, StartsWith(R"({"decision":"allow")"));
  ASSERT_TRUE(writ.Write("{\"tool\": \"x\", \"risk\": 0.9}\n"));
  const std::optional<std::string> second = writ.ReadLine(kPatience);
  ASSERT_TRUE(second.has_value()) << "no answer to line 2 while the pipe is open";
  EXPECT_THAT(*second, StartsWith(R"({"decision":"deny")"));
  writ.CloseInput();
  EXPECT_EQ(writ.Wait(kPatience), std::optional<int>(0));
}

TEST_F(EvalJsonl, AnOverlongLineIsAnErrorAndTheNextLineIsAnswered) {
  RunResult result = Run("eval " + Policy() + " --jsonl",
                         RequestOfSize(3 * kRequestLimit) + "\n" +
                             "{\"tool\": \"search\", \"risk\": 0}\n");
  EXPECT_EQ(result.exit_code, 1);
  std::istringstream lines(result.out);
  std::string line;
  ASSERT_TRUE(std::getline(lines, line));
  EXPECT_THAT(line, StartsWith(R"({"error":"request is over the limit of 1048576 bytes)"));
  EXPECT_THAT(line, ::testing::EndsWith(R"(,"line":1})"));
  ASSERT_TRUE(std::getline(lines, line));
  EXPECT_THAT(line, StartsWith(R"({"decision":"allow")"));
  EXPECT_FALSE(std::getline(lines, line));
  EXPECT_THAT(result.err, HasSubstr("writ: line 1: request is over the limit"));
}

TEST_F(EvalJsonl, AnOverlongLineIsSkippedWithoutBeingKept) {
  // The same writ on a short line: what it holds anyway, which a
  // sanitizer build makes several times larger.
  WritProcess baseline({"eval", Policy(), "--jsonl"}, (directory_ / "stderr.txt").string());
  ASSERT_TRUE(baseline.Write("{}\n"));
  baseline.CloseInput();
  ASSERT_TRUE(baseline.ReadLine(kPatience).has_value());
  ASSERT_EQ(baseline.Wait(kPatience), std::optional<int>(0));

  WritProcess writ({"eval", Policy(), "--jsonl"}, (directory_ / "stderr.txt").string());
  constexpr size_t kLineMegabytes = 128;
  ASSERT_TRUE(writ.Write(R"({"tool": ")"));
  const std::string megabyte(1 << 20, 'x');
  for (size_t written = 0; written < kLineMegabytes; ++written) {
    ASSERT_TRUE(writ.Write(megabyte));
  }
  ASSERT_TRUE(writ.Write("\"}\n{}\n"));
  writ.CloseInput();
  ASSERT_TRUE(writ.ReadLine(kPatience).has_value());
  ASSERT_TRUE(writ.ReadLine(kPatience).has_value());
  EXPECT_EQ(writ.Wait(kPatience), std::optional<int>(1));
  // A writ that kept the line would hold at least its 128 MB more.
  EXPECT_LT(writ.peak_kilobytes() - baseline.peak_kilobytes(), 64 * 1024)
      << writ.peak_kilobytes() << " KB against " << baseline.peak_kilobytes() << " KB";
}

TEST_F(EvalJsonl, ReadsTheLinesOfARequestFile) {
  const std::string requests = Write("r.jsonl", "{\"tool\": \"search\", \"risk\": 0}\n{}");
  RunResult result = Run("eval " + Policy() + " --jsonl -i " + requests);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(std::count(result.out.begin(), result.out.end(), '\n'), 2) << result.out;
}

// ------------------------------------------------------ writ test --

class TestCommand : public Cli {};

TEST_F(TestCommand, AKeyGivenTwiceInTheCasesFileIsAnError) {
  const std::string a_case =
      R"({"name": "reads", "expect": "allow", "request": {"tool": "search", "risk": 0}})";
  const std::vector<std::pair<std::string, std::string>> files = {
      {"cases", R"({"cases": [)" + a_case + R"(], "cases": []})"},
      {"expect", R"({"cases": [{"name": "n", "expect": "allow", "expect": "deny",)"
                 R"( "request": {}}]})"},
      {"tool", R"({"cases": [{"name": "n", "expect": "deny",)"
               R"( "request": {"tool": "a", "tool": "b"}}]})"}};
  for (const auto& [key, json] : files) {
    const std::string cases = Write("cases.json", json);
    RunResult result = Run("test " + Policy() + " --cases " + cases);
    EXPECT_EQ(result.exit_code, 1) << json;
    EXPECT_EQ(result.err, "writ test: " + cases + ": the key \"" + key +
                              "\" is given twice in one object\n")
        << json;
  }
  const std::string cases = Write("cases.json", R"({"cases": [)" + a_case + "]}");
  EXPECT_EQ(Run("test " + Policy() + " --cases " + cases).exit_code, 0);
}

// ----------------------------------------------------- audit verify --

class AuditCommand : public Cli {};

TEST_F(AuditCommand, ADirectoryIsNotALog) {
  const std::string directory = directory_.string();
  RunResult result = Run("audit verify " + directory);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err, "writ: cannot read '" + directory + "': is a directory\n");
}

TEST_F(AuditCommand, AnEmptyLogIsIntactWithNoLines) {
  RunResult result = Run("audit verify " + Write("audit.log", ""));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr(R"("intact":true,"lines":0)"));
}

}  // namespace
}  // namespace writ
