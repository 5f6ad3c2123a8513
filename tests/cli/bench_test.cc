// `writ bench`: its JSON fields and exit statuses. Timing values are only
// checked for shape (present, positive, ordered), never against a budget.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "simdjson.h"

namespace {

namespace fs = std::filesystem;

const char* const kPolicyFiles[] = {"schema.writ", "lets.writ", "allow.writ", "deny.writ",
                                    "default.writ"};

std::string PolicyArguments() {
  std::vector<std::string> paths;
  for (const char* file : kPolicyFiles) {
    paths.push_back(absl::StrCat(WRIT_SOURCE_DIR, "/policies/agent-gateway/", file));
  }
  return absl::StrJoin(paths, " ");
}

struct CliResult {
  int exit_status = -1;
  std::string out;
};

CliResult RunWrit(const std::string& arguments) {
  CliResult result;
  const std::string command = absl::StrCat(WRIT_CLI_PATH, " ", arguments, " 2>/dev/null");
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  for (size_t read; (read = fread(buffer, 1, sizeof buffer, pipe)) > 0;) {
    result.out.append(buffer, read);
  }
  const int status = pclose(pipe);
  result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// The example requests, one per line (JSON whitespace is insignificant).
std::string ExampleRequestsAsJsonl() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(
           absl::StrCat(WRIT_SOURCE_DIR, "/policies/agent-gateway/requests"))) {
    files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::string lines;
  for (const fs::path& file : files) {
    std::ifstream stream(file, std::ios::binary);
    std::string text(std::istreambuf_iterator<char>(stream), {});
    std::replace(text.begin(), text.end(), '\n', ' ');
    absl::StrAppend(&lines, text, "\n");
  }
  return lines;
}

class BenchCommandTest : public testing::Test {
 protected:
  // The suite's files live in a directory named per process: CTest runs
  // each test as its own process, two at a time, and a shared name let one
  // test rewrite (truncate) the requests file while another's `writ bench`
  // was reading it (TextOutputByDefault failed once so, exit 1 on an empty
  // read). The directory is removed when the suite ends.
  static void SetUpTestSuite() {
    directory_ = new fs::path(fs::temp_directory_path() /
                              absl::StrCat("writ_bench_test_", getpid()));
    fs::create_directories(*directory_);
    requests_path_ = new std::string(WriteTemporary("requests.jsonl", ExampleRequestsAsJsonl()));
  }
  static void TearDownTestSuite() {
    std::error_code ignored;
    fs::remove_all(*directory_, ignored);
  }
  static std::string WriteTemporary(const std::string& name, const std::string& text) {
    const fs::path path = *directory_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
  }
  static std::string Bench(const std::string& options) {
    return absl::StrCat("bench ", PolicyArguments(), " -i ", *requests_path_, " ", options);
  }
  static fs::path* directory_;
  static std::string* requests_path_;
};
fs::path* BenchCommandTest::directory_ = nullptr;
std::string* BenchCommandTest::requests_path_ = nullptr;

// Every one of the 42 example requests decided once in the mix, whatever
// the threads.
void ExpectEveryRequestInTheMix(simdjson::dom::element record) {
  EXPECT_EQ(uint64_t(record["allows"]) + uint64_t(record["denies"]) +
                uint64_t(record["default_denies"]),
            42u);
}

void ExpectPositive(simdjson::dom::element record, std::initializer_list<const char*> fields) {
  for (const char* field : fields) {
    double value = -1;
    ASSERT_EQ(record[field].get(value), simdjson::SUCCESS) << field;
    EXPECT_GT(value, 0) << field;
  }
}

// Runs a `writ bench ... --json` command line and parses its one object.
void RunJson(const std::string& command, simdjson::dom::parser& parser,
             simdjson::dom::element* record) {
  const CliResult result = RunWrit(command);
  ASSERT_EQ(result.exit_status, 0) << result.out;
  ASSERT_EQ(parser.parse(result.out).get(*record), simdjson::SUCCESS) << result.out;
}

TEST_F(BenchCommandTest, JsonHasTheContractFields) {
  simdjson::dom::parser parser;
  simdjson::dom::element record;
  ASSERT_NO_FATAL_FAILURE(RunJson(Bench("--json --samples 2000"), parser, &record));
  EXPECT_EQ(uint64_t(record["decisions"]), 2000u);
  // The batch loops run at least as many decisions as are timed one by
  // one, and more when those would take under a quarter of a second.
  EXPECT_GT(uint64_t(record["batch_decisions"]), 2000u);
  EXPECT_EQ(uint64_t(record["requests"]), 42u);
  ExpectEveryRequestInTheMix(record);
  ExpectPositive(record, {"p50_ns", "p90_ns", "p99_ns", "max_ns", "mean_ns", "batch_mean_ns",
                          "batch_cpu_mean_ns", "decisions_per_s", "timer_overhead_ns"});
  EXPECT_LE(double(record["p50_ns"]), double(record["p99_ns"]));
  EXPECT_LE(double(record["p99_ns"]), double(record["max_ns"]));
  const std::string_view digest = record["policy_digest"];
  EXPECT_EQ(digest.substr(0, 7), "sha256:");
  EXPECT_EQ(digest.size(), 7u + 64u);
  EXPECT_EQ(std::string_view(record["engine"]), "dag");
  // One thread: no scaling to report.
  EXPECT_EQ(uint64_t(record["threads"]), 1u);
  EXPECT_EQ(record["scaling"].error(), simdjson::NO_SUCH_FIELD);
  EXPECT_EQ(record["one_thread_decisions_per_s"].error(), simdjson::NO_SUCH_FIELD);
}

TEST_F(BenchCommandTest, ThreadsTimeTheirSamplesTogetherAndReportTheScaling) {
  simdjson::dom::parser parser;
  simdjson::dom::element record;
  ASSERT_NO_FATAL_FAILURE(RunJson(Bench("--json --samples 3000 --threads 3"), parser, &record));
  EXPECT_EQ(uint64_t(record["threads"]), 3u);
  // Each thread times its own --samples; the percentiles pool them.
  EXPECT_EQ(uint64_t(record["decisions"]), 9000u);
  ExpectEveryRequestInTheMix(record);
  ExpectPositive(record, {"decisions_per_s", "one_thread_decisions_per_s", "scaling",
                          "batch_mean_ns", "batch_cpu_mean_ns"});
  EXPECT_DOUBLE_EQ(double(record["scaling"]), double(record["decisions_per_s"]) /
                                                   double(record["one_thread_decisions_per_s"]));
}

TEST_F(BenchCommandTest, ThreadsInTextOutputSayTheScaling) {
  const CliResult result = RunWrit(Bench("--samples 200 --threads 2"));
  ASSERT_EQ(result.exit_status, 0);
  EXPECT_NE(result.out.find("threads    2 sharing the policy"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("scaling"), std::string::npos) << result.out;
}

TEST_F(BenchCommandTest, ReferenceEngineIsSelectable) {
  const CliResult result = RunWrit(Bench("--json --samples 100 --engine=reference"));
  ASSERT_EQ(result.exit_status, 0);
  EXPECT_NE(result.out.find(R"("engine":"reference")"), std::string::npos) << result.out;
}

TEST_F(BenchCommandTest, TextOutputByDefault) {
  const CliResult result = RunWrit(Bench("--samples 100"));
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_NE(result.out.find("p50"), std::string::npos) << result.out;
}

TEST_F(BenchCommandTest, BadRequestLineFailsTheRun) {
  const std::string path = WriteTemporary("bad.jsonl", "{\"tool\": \"search\"}\nnot json\n");
  const CliResult result =
      RunWrit(absl::StrCat("bench ", PolicyArguments(), " -i ", path, " --json"));
  EXPECT_EQ(result.exit_status, 1);
  EXPECT_EQ(result.out, "");
}

TEST_F(BenchCommandTest, NoRequestsFails) {
  const std::string path = WriteTemporary("empty.jsonl", "\n");
  EXPECT_EQ(RunWrit(absl::StrCat("bench ", PolicyArguments(), " -i ", path)).exit_status, 1);
}

TEST_F(BenchCommandTest, MissingPolicyFileFails) {
  EXPECT_EQ(RunWrit(absl::StrCat("bench /nonexistent/x.writ -i ", *requests_path_)).exit_status,
            1);
}

TEST_F(BenchCommandTest, UsageErrors) {
  EXPECT_EQ(RunWrit("bench").exit_status, 2);
  EXPECT_EQ(RunWrit(Bench("--no-such-option")).exit_status, 2);
  EXPECT_EQ(RunWrit(Bench("--samples 0")).exit_status, 2);
  EXPECT_EQ(RunWrit(Bench("--engine=fast")).exit_status, 2);
  EXPECT_EQ(RunWrit(Bench("--threads 0")).exit_status, 2);
  EXPECT_EQ(RunWrit(Bench("--threads two")).exit_status, 2);
  EXPECT_EQ(RunWrit(Bench("--threads 257")).exit_status, 2);
  // The samples are kept in memory: a count that would not fit is refused,
  // not attempted.
  EXPECT_EQ(RunWrit(Bench("--samples 100000001")).exit_status, 2);
  EXPECT_EQ(RunWrit(Bench("--samples 1000000 --threads 101")).exit_status, 2);
}

}  // namespace
