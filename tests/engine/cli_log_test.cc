// `writ eval --log FILE`: the CLI writes a decision record per decision.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/internal/sha256.h"

namespace writ {
namespace {

using testing::HasSubstr;

std::string ReadFile(const std::string& path) {
  std::ifstream stream(path);
  return std::string(std::istreambuf_iterator<char>(stream), {});
}

TEST(CliLogTest, EvalWithLogAppendsOneRecordPerDecision) {
  const std::string dir = absl::StrCat(WRIT_SOURCE_DIR, "/policies/agent-gateway/");
  const std::string log = (std::filesystem::temp_directory_path() /
                           absl::StrCat("writ-cli-log-", ::getpid(), ".jsonl"))
                              .string();
  std::filesystem::remove(log);
  std::string policy;
  for (const char* file : {"schema", "lets", "allow", "deny", "default"}) {
    absl::StrAppend(&policy, " ", dir, file, ".writ");
  }
  const std::string requests = absl::StrCat(dir, "requests/01-docs-search-allowed.json");
  const std::string command = absl::StrCat(WRIT_CLI_PATH, " eval", policy, " -i ", requests,
                                           " --log ", log, " > /dev/null");
  ASSERT_EQ(std::system(command.c_str()), 0);
  ASSERT_EQ(std::system(command.c_str()), 0);  // appends
  const std::string text = ReadFile(log);
  std::filesystem::remove(log);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2);
  EXPECT_THAT(text, HasSubstr(R"("decision":"allow","policy":{"name":"agent-gateway")"));
  EXPECT_THAT(text, HasSubstr(R"("input":{)"));
}

TEST(CliLogTest, LogKeyFingerprintsRedactedValuesWithAnHmac) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    absl::StrCat("writ-cli-log-key-", ::getpid());
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "p.writ") << "schema { tool: string; token.id: string redact; }\n"
                                   "allow search when tool == \"search\";\n";
  std::ofstream(dir / "key") << "a-secret-key\n";
  std::ofstream(dir / "request.json") << R"({"tool": "search", "token": {"id": "tok-1"}})";
  const std::string eval = absl::StrCat(WRIT_CLI_PATH, " eval ", (dir / "p.writ").string(),
                                        " -i ", (dir / "request.json").string(), " --log ",
                                        (dir / "log.jsonl").string());
  ASSERT_EQ(std::system(absl::StrCat(eval, " --log-key ", (dir / "key").string(),
                                     " > /dev/null")
                            .c_str()),
            0);
  const std::string text = ReadFile((dir / "log.jsonl").string());
  // The key file's trailing newline is not part of the key.
  EXPECT_THAT(text, HasSubstr(absl::StrCat(R"("token.id":"hmac-sha256:)",
                                           internal::HmacSha256Hex("a-secret-key", "\"tok-1\""),
                                           "\"")));
  const int status = std::system(absl::StrCat(WRIT_CLI_PATH, " eval ",
                                              (dir / "p.writ").string(), " -i ",
                                              (dir / "request.json").string(), " --log-key ",
                                              (dir / "key").string(), " > /dev/null 2>&1")
                                     .c_str());
  EXPECT_EQ(WEXITSTATUS(status), 2);  // --log-key without --log is a usage error
  std::filesystem::remove_all(dir);
}

TEST(CliLogTest, UnopenableLogIsAnError) {
  const std::string dir = absl::StrCat(WRIT_SOURCE_DIR, "/policies/agent-gateway/");
  const std::string command =
      absl::StrCat("echo '{}' | ", WRIT_CLI_PATH, " eval ", dir, "schema.writ --log ",
                   "/nonexistent-dir/log.jsonl > /dev/null 2>&1");
  EXPECT_NE(std::system(command.c_str()), 0);
}

}  // namespace
}  // namespace writ
