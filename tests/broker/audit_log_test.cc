// The audit log's hash chain: VerifyAuditLog names the first edited,
// dropped, inserted or reordered line. And the leak test: no audit line and
// no message ever contains a token or a proof.
#include "src/broker/audit_log.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/broker/broker_test_util.h"
#include "writ/broker.h"

namespace writ::broker_testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Ten chained lines from the log itself, with or without a MAC key.
std::vector<std::string> MakeLog(const std::string& key) {
  MemorySink sink;
  broker_internal::AuditLog log(&sink, key);
  for (int i = 0; i < 10; ++i) {
    broker_internal::AuditEvent event;
    event.event = "verify";
    event.outcome = i % 2 ? "allow" : "deny";
    event.task_id = absl::StrCat("task-", i);
    event.reason = "because";
    EXPECT_TRUE(
        log.Record(event, absl::FromUnixSeconds(1'800'000'000 + i)).ok());
  }
  return sink.lines;
}

std::string Join(const std::vector<std::string>& lines) {
  return absl::StrJoin(lines, "\n") + "\n";
}

void ExpectFirstProblem(const std::vector<std::string>& lines,
                        const std::string& expected,
                        const std::string& key = "") {
  const absl::Status status = VerifyAuditLog(Join(lines), key);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(status.message(), HasSubstr(expected));
}

TEST(AuditLogTest, AnIntactLogVerifies) {
  EXPECT_TRUE(VerifyAuditLog(Join(MakeLog(""))).ok());
  EXPECT_TRUE(VerifyAuditLog(Join(MakeLog("k")), "k").ok());
  EXPECT_TRUE(VerifyAuditLog("").ok());
}

TEST(AuditLogTest, EachLineCarriesTheHashOfThePreviousOne) {
  const std::vector<std::string> lines = MakeLog("");
  EXPECT_THAT(lines[0], HasSubstr(absl::StrCat("\"prev\":\"",
                                               std::string(64, '0'), "\"")));
  EXPECT_THAT(lines[4], HasSubstr(absl::StrCat(
                            "\"prev\":\"",
                            broker_internal::Fingerprint(lines[3]), "\"")));
  EXPECT_THAT(lines[0], HasSubstr("\"time\":\"2027-01-15T08:00:00.000Z\""));
}

TEST(AuditLogTest, ReportsAnEditedLine) {
  std::vector<std::string> lines = MakeLog("");
  lines[4] = absl::StrReplaceAll(lines[4], {{"\"deny\"", "\"allow\""}});
  ASSERT_NE(lines[4], MakeLog("")[4]);
  ExpectFirstProblem(lines, "line 5: edited");
}

TEST(AuditLogTest, ReportsADroppedLine) {
  std::vector<std::string> lines = MakeLog("");
  lines.erase(lines.begin() + 5);
  ExpectFirstProblem(lines, "line 6: 1 line(s) dropped before it");
  lines = MakeLog("");
  lines.erase(lines.begin());
  ExpectFirstProblem(lines, "line 1: 1 line(s) dropped before it");
}

TEST(AuditLogTest, ReportsAnInsertedLine) {
  std::vector<std::string> lines = MakeLog("");
  // A forger copies line 5, changes it, and re-chains it properly.
  std::string forged = absl::StrReplaceAll(lines[5], {{"task-5", "task-X"}});
  forged =
      absl::StrReplaceAll(forged, {{broker_internal::Fingerprint(lines[4]),
                                    broker_internal::Fingerprint(lines[5])}});
  forged = absl::StrReplaceAll(forged, {{"\"seq\":5", "\"seq\":6"}});
  lines.insert(lines.begin() + 6, forged);
  ExpectFirstProblem(lines, "line 7: inserted");
}

TEST(AuditLogTest, ReportsReorderedLines) {
  std::vector<std::string> lines = MakeLog("");
  std::swap(lines[2], lines[3]);
  ExpectFirstProblem(lines, "line 3: reordered");
}

TEST(AuditLogTest, WithAKeyAReChainedEditIsStillCaught) {
  std::vector<std::string> lines = MakeLog("secret");
  // Edit the last line: no later line records its hash, but its MAC breaks.
  lines[9] = absl::StrReplaceAll(lines[9], {{"because", "whatever"}});
  ExpectFirstProblem(lines, "line 10: edited (its MAC does not match)",
                     "secret");
  // Without a key, an edit of the last line is invisible: that is what the
  // key (or an external copy of the head hash) is for.
  std::vector<std::string> plain = MakeLog("");
  plain[9] = absl::StrReplaceAll(plain[9], {{"because", "whatever"}});
  EXPECT_TRUE(VerifyAuditLog(Join(plain)).ok());
}

TEST(AuditLogTest, ReportsGarbage) {
  std::vector<std::string> lines = MakeLog("");
  lines[2] = "not json";
  ExpectFirstProblem(lines, "line 3: edited (not a JSON record)");
}

// The leak test: a busy session with every kind of event and refusal, then
// every audit line and every message is searched for every token and proof
// (and for their signature parts, which alone would identify them).
// A refusal is logged with the workload and task id the caller sent, valid
// or not: a megabyte of either made a megabyte line. Each keeps 2 KB and
// says how long it was; the line still verifies.
TEST_F(BrokerTest, AnOverlongWorkloadOrTaskIsLoggedCut) {
  MintRequest request = PlannerMint();
  request.workload = "spiffe://example.org/" + std::string(1 << 20, 'w');
  // Byte 2,048 is the second of an 'é': the cut keeps the 'é' out whole
  // rather than half of it (which the line would show as U+FFFD).
  request.task_id = std::string(2047, 't') + "\xc3\xa9" + std::string((1 << 20) - 2049, 't');
  EXPECT_FALSE(broker_->Mint(request).ok());
  ASSERT_FALSE(sink_.lines.empty());
  const std::string& line = sink_.lines.back();
  EXPECT_LT(line.size(), 6000u);
  EXPECT_THAT(line, HasSubstr("...(1048597 bytes)"));
  EXPECT_THAT(line, HasSubstr("...(1048576 bytes)"));
  EXPECT_THAT(line, HasSubstr("\"workload\":\"spiffe://example.org/www"));
  EXPECT_THAT(line, HasSubstr("tt...(1048576 bytes)"));
  EXPECT_THAT(line, Not(HasSubstr("\xef\xbf\xbd")));
  EXPECT_THAT(line, Not(HasSubstr("\\ufffd")));
  EXPECT_TRUE(VerifyAuditLog(sink_.Text(), "audit-key").ok());
}

TEST_F(BrokerTest, NoAuditLineOrMessageContainsATokenOrProof) {
  const IssuedToken root = MintPlanner();
  const IssuedToken child = DelegateToResearcher(root.token);
  MustVerify(Use(root.token, planner_key_, kPlanner));
  MustVerify(Use(child.token, researcher_key_, kResearcher));
  MustVerify(Use(child.token, researcher_key_, kResearcher, "fetch"));
  MustVerify(Use(root.token, researcher_key_, kResearcher));  // stolen
  MustVerify(Use(root.token + "=", planner_key_, kPlanner));  // respelled
  MustVerify(Use(child.token, planner_key_, kResearcher));    // wrong key
  const VerifyRequest once = Use(root.token, planner_key_, kPlanner);
  MustVerify(once);
  MustVerify(once);  // replay
  DelegateRequest widen = ToResearcher(root.token, {"delete"});
  absl::Status status = broker_->Delegate(widen).status();
  RememberMessage(status);
  ASSERT_TRUE(broker_->RevokeToken(root.token_id, "test").ok());
  MustVerify(Use(child.token, researcher_key_, kResearcher));
  ASSERT_TRUE(broker_->CompleteTask(kTask).ok());
  MustVerify(Use(root.token, planner_key_, kPlanner));
  RememberMessage(broker_->Mint(PlannerMint()).status());
  clock_.Advance(absl::Hours(1));
  MustVerify(Use(child.token, researcher_key_, kResearcher));

  ASSERT_GT(sink_.lines.size(), 12u);
  ASSERT_GT(secrets_.size(), 12u);
  std::vector<std::string> needles;
  for (const std::string& secret : secrets_) {
    needles.push_back(secret);
    const std::vector<std::string> parts = absl::StrSplit(secret, '.');
    if (parts.size() == 3 && parts[2].size() > 20) needles.push_back(parts[2]);
  }
  std::vector<std::string> haystacks = sink_.lines;
  haystacks.insert(haystacks.end(), messages_.begin(), messages_.end());
  for (const std::string& haystack : haystacks) {
    for (const std::string& needle : needles) {
      EXPECT_EQ(haystack.find(needle), std::string::npos)
          << "leaked into: " << haystack;
    }
  }
  EXPECT_TRUE(VerifyAuditLog(sink_.Text(), "audit-key").ok());
}

}  // namespace
}  // namespace writ::broker_testing
