// The README's walk-through, run end to end with the `writ` binary: keygen,
// mint for a planner, delegate a narrower token to a sub-agent, use it,
// complete the task, and see the token refused; then `writ audit verify`
// on the log the runs wrote together, and on an edited copy.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace writ {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kPlanner[] = "spiffe://example.org/agent/planner";
constexpr char kResearcher[] = "spiffe://example.org/agent/researcher";

struct CliRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

class TokenCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("writ_token_cli_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Runs `writ ARGUMENTS` in the test's directory.
  CliRun Writ(const std::string& arguments) {
    const std::string command =
        "cd " + dir_.string() + " && " + WRIT_CLI_PATH + " " + arguments +
        " >stdout.txt 2>stderr.txt";
    const int status = std::system(command.c_str());
    CliRun run;
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    run.out = ReadAll(dir_ / "stdout.txt");
    run.err = ReadAll(dir_ / "stderr.txt");
    return run;
  }

  // `writ token ACTION POLICY --state demo ...` with the example policy.
  CliRun Token(const std::string& action, const std::string& arguments) {
    return Writ("token " + action + " " + WRIT_SOURCE_DIR +
                "/examples/broker/task.writ --state demo " + arguments);
  }

  CliRun UseResearcherToken(const std::string& tool) {
    return Token("verify", std::string("--workload ") + kResearcher +
                               " --key researcher --token researcher.jwt"
                               " --destination api.docs.example.com --tool " +
                               tool + " --risk 0.2");
  }

  // The planner's root token for task-42, to planner.jwt.
  CliRun MintForPlanner() {
    return Token("mint", std::string("--workload ") + kPlanner +
                             " --key planner --task task-42 --tool search"
                             " --tool http.get --destination "
                             "api.docs.example.com --data-class internal"
                             " --risk 0.1 --out planner.jwt");
  }

  // keygen for the broker and both agents, a root token for the planner and
  // a search-only token delegated to the researcher.
  void MintAndDelegate() {
    ASSERT_EQ(Writ("token keygen --state demo --trust-domain example.org")
                  .exit_code,
              0);
    ASSERT_EQ(Writ("token keygen --state demo --name planner").exit_code, 0);
    ASSERT_EQ(
        Writ("token keygen --state demo --name researcher --alg ES256")
            .exit_code,
        0);
    CliRun mint = MintForPlanner();
    ASSERT_EQ(mint.exit_code, 0) << mint.err;
    EXPECT_THAT(mint.out, HasSubstr(R"("max_uses":3,"depth":0)"));
    EXPECT_THAT(mint.out, HasSubstr(R"("rules":["research"])"));
    CliRun delegate = Token(
        "delegate", std::string("--workload ") + kPlanner +
                        " --key planner --token planner.jwt --to " +
                        kResearcher +
                        " --to-key researcher --tool search --out "
                        "researcher.jwt");
    ASSERT_EQ(delegate.exit_code, 0) << delegate.err;
    EXPECT_THAT(delegate.out, HasSubstr(R"("depth":1)"));
  }

  std::filesystem::path dir_;
};

TEST_F(TokenCliTest, WalkThroughMintDelegateUseCompleteRefused) {
  MintAndDelegate();

  CliRun use = UseResearcherToken("search");
  EXPECT_EQ(use.exit_code, 0) << use.out << use.err;
  EXPECT_THAT(use.out, HasSubstr(R"("allowed":true)"));
  EXPECT_THAT(use.out, HasSubstr(R"("use_count":1)"));
  EXPECT_THAT(use.out, HasSubstr(R"("explanation":{"decision":"allow")"));

  CliRun wider = UseResearcherToken("http.get");  // the planner's, not ours
  EXPECT_EQ(wider.exit_code, 1);
  EXPECT_THAT(wider.out, HasSubstr(R"("code":"out_of_scope")"));

  CliRun complete = Writ("token revoke --state demo --task task-42 --completed");
  EXPECT_EQ(complete.exit_code, 0) << complete.err;

  CliRun after = UseResearcherToken("search");
  EXPECT_EQ(after.exit_code, 1);
  EXPECT_THAT(after.out, HasSubstr(R"("code":"revoked")"));
  EXPECT_THAT(after.out, HasSubstr("the task is completed or revoked"));

  CliRun audit = Writ("audit verify demo/audit.log --state demo");
  EXPECT_EQ(audit.exit_code, 0) << audit.err;
  EXPECT_THAT(audit.out, HasSubstr(R"("intact":true,"lines":6,"hmac":true)"));
}

TEST_F(TokenCliTest, HighLiveRiskIsDeniedByPolicyAndRevokesTheToken) {
  MintAndDelegate();
  CliRun risky = Token("verify", std::string("--workload ") + kResearcher +
                                  " --key researcher --token researcher.jwt"
                                  " --destination api.docs.example.com"
                                  " --tool search --risk 0.85");
  EXPECT_EQ(risky.exit_code, 1);
  EXPECT_THAT(risky.out, HasSubstr(R"("code":"policy_denied")"));
  EXPECT_THAT(risky.out, HasSubstr(R"("rules":["too_risky"])"));
  EXPECT_THAT(risky.out, HasSubstr(R"("revoked_now":true)"));
  // The revocation outlives the process: the next run refuses the token.
  EXPECT_THAT(UseResearcherToken("search").out,
              HasSubstr(R"("code":"revoked")"));
}

// Commands on one state directory take turns (DIR/lock): run at once,
// five uses of a three-use token still allow exactly three, and the audit
// chain the five processes append to stays one unbroken chain.
TEST_F(TokenCliTest, ConcurrentCommandsShareUseCountsAndOneAuditChain) {
  MintAndDelegate();
  std::string uses = "cd " + dir_.string() + " && for i in 1 2 3 4 5; do " + WRIT_CLI_PATH +
                     " token verify " + WRIT_SOURCE_DIR +
                     "/examples/broker/task.writ --state demo --workload " + kResearcher +
                     " --key researcher --token researcher.jwt"
                     " --destination api.docs.example.com --tool search --risk 0.2"
                     " >use$i.txt 2>&1 & done; wait";
  ASSERT_EQ(std::system(uses.c_str()), 0);
  int allowed = 0;
  int spent = 0;
  for (int i = 1; i <= 5; ++i) {
    const std::string out = ReadAll(dir_ / ("use" + std::to_string(i) + ".txt"));
    if (out.find(R"("allowed":true)") != std::string::npos) ++allowed;
    if (out.find(R"("code":"use_limit_exceeded")") != std::string::npos) ++spent;
  }
  EXPECT_EQ(allowed, 3);
  EXPECT_EQ(spent, 2);
  CliRun audit = Writ("audit verify demo/audit.log --state demo");
  EXPECT_EQ(audit.exit_code, 0) << audit.out << audit.err;
  EXPECT_THAT(audit.out, HasSubstr(R"("intact":true,"lines":7,"hmac":true)"));
}

TEST_F(TokenCliTest, AMistypedStateDirectoryIsAnErrorAndIsNotCreated) {
  CliRun revoke = Writ("token revoke --state demo-typo --task task-42");
  EXPECT_NE(revoke.exit_code, 0);
  EXPECT_THAT(revoke.err, HasSubstr("demo-typo is not a broker state directory"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "demo-typo"));
}

TEST_F(TokenCliTest, AuditVerifyNamesAnEditedLine) {
  MintAndDelegate();
  std::string log = ReadAll(dir_ / "demo/audit.log");
  const size_t at = log.find("\"task\":\"task-42\"");
  ASSERT_NE(at, std::string::npos);
  log.replace(at, 16, "\"task\":\"task-43\"");
  std::ofstream(dir_ / "edited.log", std::ios::binary) << log;
  CliRun audit = Writ("audit verify edited.log --state demo");
  EXPECT_EQ(audit.exit_code, 1);
  EXPECT_THAT(audit.err, HasSubstr("line 1"));
}

TEST_F(TokenCliTest, TokensNeverReachStdoutStderrOrTheAuditLog) {
  MintAndDelegate();
  CliRun use = UseResearcherToken("search");
  const std::string token = ReadAll(dir_ / "researcher.jwt");
  ASSERT_FALSE(token.empty());
  EXPECT_THAT(use.out + use.err, Not(HasSubstr(token)));
  EXPECT_THAT(ReadAll(dir_ / "demo/audit.log"), Not(HasSubstr(token)));
}

// The mode open() is given applies only to a file it creates: an --out
// file that already exists, world-readable, must not keep that mode once
// it holds a token.
TEST_F(TokenCliTest, AnExistingOutFileIsMadeOwnerOnlyBeforeTheTokenGoesIn) {
  namespace fs = std::filesystem;
  const fs::path out = dir_ / "planner.jwt";
  std::ofstream(out) << "an earlier file";
  fs::permissions(out, fs::perms::owner_read | fs::perms::owner_write |
                           fs::perms::group_read | fs::perms::others_read);
  MintAndDelegate();
  EXPECT_NE(ReadAll(out), "an earlier file");
  EXPECT_EQ(fs::status(out).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
}

// The broker carries on when its audit sink fails; the command must not
// hand out a token whose minting is in no log. (A directory stands in for
// a log that cannot be appended to: the tests may run as root, whom file
// modes do not stop.)
TEST_F(TokenCliTest, AnAuditLineThatCannotBeWrittenFailsTheCommand) {
  ASSERT_EQ(
      Writ("token keygen --state demo --trust-domain example.org").exit_code,
      0);
  ASSERT_EQ(Writ("token keygen --state demo --name planner").exit_code, 0);
  std::filesystem::create_directories(dir_ / "demo/audit.log");
  CliRun mint = MintForPlanner();
  EXPECT_EQ(mint.exit_code, 1);
  EXPECT_THAT(mint.err, HasSubstr("cannot append to the audit log"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "planner.jwt"));
  CliRun revoke = Writ("token revoke --state demo --task task-42");
  EXPECT_EQ(revoke.exit_code, 1);
  EXPECT_THAT(revoke.err, HasSubstr("cannot append to the audit log"));
}

// A key name is a file name inside DIR/keys, never a path: "../x" left the
// state directory and "/x" replaced it (std::filesystem's `/` takes an
// absolute right side), so keygen wrote, and mint read, keys anywhere.
TEST_F(TokenCliTest, AKeyNameCannotLeaveTheKeyDirectory) {
  ASSERT_EQ(Writ("token keygen --state demo --trust-domain example.org").exit_code, 0);
  for (const std::string& name :
       std::vector<std::string>{"../escaped", (dir_ / "absolute").string(), ".hidden", ""}) {
    const CliRun keygen = Writ("token keygen --state demo --name '" + name + "'");
    EXPECT_EQ(keygen.exit_code, 2) << name;
    EXPECT_THAT(keygen.err, HasSubstr("a key name is 1-64 letters")) << name;
  }
  EXPECT_FALSE(std::filesystem::exists(dir_ / "demo/escaped.pem"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "absolute.pem"));
  const CliRun mint = Token("mint", std::string("--workload ") + kPlanner +
                                        " --key ../../planner --task task-42 --tool search"
                                        " --destination api.docs.example.com"
                                        " --data-class internal --out planner.jwt");
  EXPECT_EQ(mint.exit_code, 1);
  EXPECT_THAT(mint.err, HasSubstr("a key name is 1-64 letters"));
  EXPECT_EQ(Writ("token keygen --state demo --name planner-2.v1_a").exit_code, 0);
}

TEST_F(TokenCliTest, MissingOptionIsAUsageError) {
  EXPECT_EQ(Writ("token mint --state demo").exit_code, 2);
  EXPECT_EQ(Writ("token").exit_code, 2);
}

}  // namespace
}  // namespace writ
