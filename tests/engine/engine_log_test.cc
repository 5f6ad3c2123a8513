// Decision records as the Engine writes them, and `redact`: a redacted
// value never reaches a log, an explanation or an error message.
#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "simdjson.h"
#include "src/engine/decision_record.h"
#include "src/internal/sha256.h"
#include "tests/engine/test_support.h"
#include "writ/engine.h"

namespace writ {
namespace {

using testing::HasSubstr;
using testing::Not;

constexpr absl::string_view kSecret = "tok-5ecret-value";

// Every type may be redacted; the secret is given to each in some form.
std::vector<SourceFile> RedactingPolicy() {
  return {{"redact.writ",
           "policy \"redacting\" version \"7\";\n"
           "schema {\n"
           "  tool: string;\n"
           "  token.id: string redact;\n"
           "  token.age: duration redact;\n"
           "  token.ip: ip redact;\n"
           "  token.kind: enum(bearer, bound) redact;\n"
           "  token.scopes: set<string> redact;\n"
           "  token.score: number redact;\n"
           "}\n"
           "allow search when tool == \"search\" and token.id starts_with \"tok\"\n"
           "  with max_uses = 1;\n"
           "allow never when token.id == \"nope\" and token.kind == bound;\n"}};
}

struct LoggingEngine {
  std::unique_ptr<engine_testing::MemoryLog> log =
      std::make_unique<engine_testing::MemoryLog>();
  std::unique_ptr<Engine> engine;
};

LoggingEngine MakeLoggingEngine(std::vector<SourceFile> sources) {
  LoggingEngine result;
  EngineOptions options;
  options.log = std::make_shared<DecisionLog>(
      std::make_unique<engine_testing::MemorySink>(result.log.get()));
  absl::StatusOr<std::unique_ptr<Engine>> engine =
      Engine::Create(std::move(sources), std::move(options));
  EXPECT_TRUE(engine.ok()) << engine.status();
  result.engine = *std::move(engine);
  return result;
}

std::string LogOf(LoggingEngine& logging) {
  logging.engine->FlushLog();
  return logging.log->text();
}

TEST(EngineLogTest, RecordHasEveryContractField) {
  LoggingEngine logging = MakeLoggingEngine(RedactingPolicy());
  ASSERT_TRUE(logging.engine
                  ->EvaluateJson(R"({"tool": "search", "token": {"id": "tok-1"}})")
                  .ok());
  const std::string log = LogOf(logging);
  ASSERT_EQ(log.back(), '\n');
  simdjson::dom::parser parser;
  simdjson::dom::element record = parser.parse(log).value();
  EXPECT_EQ(record["id"].get_string().value().size(), 40u);
  EXPECT_EQ(record["timestamp"].get_string().value().size(), 27u);
  EXPECT_EQ(record["decision"].get_string().value(), "allow");
  EXPECT_EQ(record["policy"]["name"].get_string().value(), "redacting");
  EXPECT_EQ(record["policy"]["version"].get_string().value(), "7");
  EXPECT_EQ(record["policy"]["digest"].get_string().value(),
            logging.engine->policy()->info().digest);
  EXPECT_EQ(record["input"]["tool"].get_string().value(), "search");
  EXPECT_EQ(record["determining"].at(0)["rule"].get_string().value(), "search");
  EXPECT_EQ(record["obligations"]["max_uses"].get_int64().value(), 1);
  EXPECT_TRUE(record["missing"].is_array());
  EXPECT_TRUE(record["errors"].is_array());
  EXPECT_GE(record["eval_ns"].get_int64().value(), 0);
  EXPECT_EQ(record["shadow"].error(), simdjson::NO_SUCH_FIELD);
}

// The writer thread explains each logged decision again from the policy and
// the request's values; that must reproduce what the deciding thread saw.
TEST(EngineLogTest, RecordRepeatsTheDecisionsExplanationWithoutWhyNot) {
  LoggingEngine logging = MakeLoggingEngine(RedactingPolicy());
  const std::vector<std::string> requests = {
      R"({"tool": "search", "token": {"id": "tok-1"}})",  // allow, obligation
      R"({"tool": "mail"})",                              // default deny, missing
      R"({"tool": 7, "token": {"kind": "bound"}})",       // wrong type
  };
  std::vector<Explanation> explanations(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    ASSERT_TRUE(logging.engine->EvaluateJson(requests[i], &explanations[i]).ok());
  }
  const std::string log = LogOf(logging);
  simdjson::dom::parser log_parser;
  simdjson::dom::parser explanation_parser;
  size_t index = 0;
  for (simdjson::dom::element record : log_parser.parse_many(log)) {
    ASSERT_LT(index, explanations.size());
    const std::string explanation_json = explanations[index].ToJson();
    simdjson::dom::element expected = explanation_parser.parse(explanation_json).value();
    for (const char* field : {"decision", "policy", "determining", "default_applied",
                              "obligations", "missing", "errors"}) {
      EXPECT_EQ(simdjson::minify(record[field]), simdjson::minify(expected[field]))
          << "record " << index << ", field " << field;
    }
    EXPECT_EQ(record["why_not"].error(), simdjson::NO_SUCH_FIELD);
    ++index;
  }
  EXPECT_EQ(index, requests.size());
  EXPECT_FALSE(explanations[1].why_not.empty());  // the caller still gets it
}

// The record states the decision the caller got, even when the writer
// cannot reproduce it (simulated here: the enforced decision differs from
// what the policy gives).
TEST(EngineLogTest, RecordNeverShowsADecisionNobodyEnforced) {
  absl::StatusOr<std::shared_ptr<const Policy>> policy = Policy::Compile(RedactingPolicy());
  ASSERT_TRUE(policy.ok()) << policy.status();
  internal::RecordScratch scratch;
  simdjson::dom::parser parser;
  const auto record_for = [&](const std::string& json, Decision enforced) {
    internal::PendingRecord pending;
    pending.policy = policy->get();
    absl::StatusOr<Request> request = Request::FromJson(**policy, json);
    EXPECT_TRUE(request.ok()) << request.status();
    pending.values.Pack(*request);
    pending.context.enforced = enforced;
    std::string line;
    internal::AppendPendingRecord(pending, "", &scratch, &line);
    return line;
  };
  // The policy denies this by default; the caller was told allow.
  const std::string differing = record_for(R"({"tool": "mail"})", {Effect::kAllow, false});
  simdjson::dom::element record = parser.parse(differing).value();
  EXPECT_EQ(record["decision"].get_string().value(), "allow");
  EXPECT_EQ(record["default_applied"].get_bool().value(), false);
  EXPECT_THAT(differing, HasSubstr("could not reproduce this decision"));
  // Agreeing: no error added.
  const std::string agreeing = record_for(R"({"tool": "mail"})", {Effect::kDeny, true});
  EXPECT_THAT(agreeing, Not(HasSubstr("could not reproduce")));
}

// With its writer stuck, the log fills; deciding threads then format their
// own records, and every record still arrives whole and in order, or is
// counted as dropped.
TEST(EngineLogTest, BackloggedLogKeepsEveryRecordWholeOrCountsIt) {
  absl::Notification release;
  absl::Notification entered;
  engine_testing::MemoryLog recording;
  DecisionLogOptions log_options;
  log_options.queue_capacity = 4;
  EngineOptions options;
  options.log = std::make_shared<DecisionLog>(
      std::make_unique<engine_testing::RecordingSink>(&recording, &release, &entered),
      log_options);
  absl::StatusOr<std::unique_ptr<Engine>> engine =
      Engine::Create(RedactingPolicy(), std::move(options));
  ASSERT_TRUE(engine.ok()) << engine.status();
  ASSERT_TRUE((*engine)->EvaluateJson(R"({"tool": "search", "token": {"id": "tok-0"}})").ok());
  entered.WaitForNotification();  // the writer is stuck writing record 0
  for (int i = 1; i < 7; ++i) {
    ASSERT_TRUE((*engine)
                    ->EvaluateJson(absl::StrCat(R"({"tool": "search", "token": {"id": "tok-)", i,
                                                R"("}})"))
                    .ok());
  }
  release.Notify();
  (*engine)->FlushLog();
  const EngineStats stats = (*engine)->stats();
  EXPECT_EQ(stats.log_records, 5u);  // record 0 and a full queue of 4
  EXPECT_EQ(stats.log_drops, 2u);
  simdjson::dom::parser parser;
  std::vector<std::string> fingerprints;
  uint64_t dropped = 0;
  const std::string log = recording.text();
  for (simdjson::dom::element record : parser.parse_many(log)) {
    if (uint64_t count; record["dropped"].get_uint64().get(count) == simdjson::SUCCESS) {
      dropped += count;
      continue;
    }
    EXPECT_EQ(record["decision"].get_string().value(), "allow");
    EXPECT_EQ(record["obligations"]["max_uses"].get_int64().value(), 1);
    fingerprints.emplace_back(record["input"]["token.id"].get_string().value());
  }
  EXPECT_EQ(dropped, 2u);
  ASSERT_EQ(fingerprints.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(fingerprints[i],
              internal::Fingerprint(absl::StrCat(R"(")", "tok-", i, R"(")")))
        << "record " << i;
  }
}

// The log holds the policy that decided each record until the record is
// written, even when a reload has taken it out of the Engine meanwhile, and
// lets go of it once its records are out.
TEST(EngineLogTest, RecordsOfAReloadedAwayPolicyAreWrittenWithItThenItIsReleased) {
  absl::Notification release;
  absl::Notification entered;
  engine_testing::MemoryLog recording;
  EngineOptions options;
  options.log = std::make_shared<DecisionLog>(
      std::make_unique<engine_testing::RecordingSink>(&recording, &release, &entered));
  absl::StatusOr<std::shared_ptr<const Policy>> first =
      Policy::Compile(engine_testing::SearchOnly("1"));
  absl::StatusOr<std::shared_ptr<const Policy>> second =
      Policy::Compile(engine_testing::SearchOnly("2"));
  ASSERT_TRUE(first.ok() && second.ok());
  const std::weak_ptr<const Policy> first_alive = *first;
  std::unique_ptr<Engine> engine = Engine::Create(*std::move(first), std::move(options));
  ASSERT_TRUE(engine->EvaluateJson(R"({"tool": "search"})").ok());
  entered.WaitForNotification();  // the writer is stuck writing record 0
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(engine->EvaluateJson(R"({"tool": "search"})").ok());
  engine->Install(*second);
  ASSERT_TRUE(engine->EvaluateJson(R"({"tool": "search"})").ok());
  // The Engine frees a replaced snapshot at its next publication
  // (src/engine/snapshot_slot.h); after this one only the log holds it.
  engine->Install(*second);
  EXPECT_FALSE(first_alive.expired());
  release.Notify();
  engine->FlushLog();
  simdjson::dom::parser parser;
  std::vector<std::string> versions;
  const std::string text = recording.text();
  for (simdjson::dom::element record : parser.parse_many(text)) {
    versions.emplace_back(record["policy"]["version"].get_string().value());
    EXPECT_EQ(record["decision"].get_string().value(), "allow");
  }
  EXPECT_THAT(versions, testing::ElementsAre("1", "1", "1", "1", "2"));
  EXPECT_TRUE(first_alive.expired());
}

// Queues one allowed decision of `policy` on `log` from the calling thread.
void SubmitOnePending(DecisionLog& log, const std::shared_ptr<const Policy>& policy) {
  absl::StatusOr<Request> request = Request::FromJson(*policy, R"({"tool": "search"})");
  ASSERT_TRUE(request.ok()) << request.status();
  ASSERT_TRUE(log.SubmitPending(
      policy,
      [&](internal::PendingRecord* record) {
        record->values.Pack(*request);
        record->context.enforced = {Effect::kAllow, false};
      },
      [](std::string*) { ADD_FAILURE() << "an idle writer is not behind"; }));
}

// Generous bound: this asserts that it happens, not how fast.
bool ExpiresWithinTenSeconds(const std::weak_ptr<const Policy>& policy) {
  for (int i = 0; i < 1000 && !policy.expired(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return policy.expired();
}

// The last policy a thread's records used is let go of once its records
// are written and the thread has exited, so threads that stopped deciding
// do not keep a reloaded-away policy. (A live thread's ring keeps it until
// the thread logs with another, as its Engine snapshot does.)
TEST(EngineLogTest, AnExitedThreadsLastPolicyIsReleased) {
  engine_testing::MemoryLog recording;
  DecisionLogOptions log_options;
  log_options.max_delay = std::chrono::milliseconds(1);
  DecisionLog log(std::make_unique<engine_testing::MemorySink>(&recording), log_options);
  absl::StatusOr<std::shared_ptr<const Policy>> policy =
      Policy::Compile(engine_testing::SearchOnly());
  ASSERT_TRUE(policy.ok());
  const std::weak_ptr<const Policy> alive = *policy;
  std::thread deciding([&] { SubmitOnePending(log, *policy); });
  deciding.join();
  policy->reset();
  log.Flush();
  EXPECT_THAT(recording.text(), HasSubstr(R"("decision":"allow")"));
  EXPECT_TRUE(ExpiresWithinTenSeconds(alive));
}

// Threads beyond the rings share one under a lock, which the writer can
// take: it lets go of the shared ring's last policy after two idle rounds,
// while the thread that used it lives on. (One ring to claim: a
// 256-record queue has one, held here by another thread.)
TEST(EngineLogTest, TheSharedRingsLastPolicyIsReleasedWhenItIdles) {
  engine_testing::MemoryLog recording;
  DecisionLogOptions log_options;
  log_options.queue_capacity = 256;
  log_options.max_delay = std::chrono::milliseconds(1);
  DecisionLog log(std::make_unique<engine_testing::MemorySink>(&recording), log_options);
  absl::Notification owner_may_exit;
  absl::Notification ring_taken;
  std::thread owner([&] {
    std::string line = "owner";
    EXPECT_TRUE(log.Submit(&line));
    ring_taken.Notify();
    owner_may_exit.WaitForNotification();
  });
  ring_taken.WaitForNotification();
  absl::StatusOr<std::shared_ptr<const Policy>> policy =
      Policy::Compile(engine_testing::SearchOnly());
  ASSERT_TRUE(policy.ok());
  const std::weak_ptr<const Policy> alive = *policy;
  SubmitOnePending(log, *policy);
  policy->reset();
  log.Flush();
  EXPECT_THAT(recording.text(), HasSubstr(R"("decision":"allow")"));
  EXPECT_TRUE(ExpiresWithinTenSeconds(alive));
  owner_may_exit.Notify();
  owner.join();
}

TEST(EngineLogTest, WallTimeFromTheSteadyClockTracksTheWallClock) {
  for (int i = 0; i < 5; ++i) {
    const absl::Time before = absl::Now();
    const absl::Time stamped = internal::WallTimeAt(std::chrono::steady_clock::now());
    const absl::Time after = absl::Now();
    // Generous slack: the anchor can be up to 10 ms old and the clocks may
    // be slewed; a broken conversion is off by seconds or decades.
    EXPECT_GE(stamped, before - absl::Milliseconds(5));
    EXPECT_LE(stamped, after + absl::Milliseconds(5));
    std::this_thread::sleep_for(std::chrono::milliseconds(7));
  }
}

TEST(EngineLogTest, DecisionIdsAreUniqueAndSorted) {
  LoggingEngine logging = MakeLoggingEngine(RedactingPolicy());
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(logging.engine->EvaluateJson(R"({"tool": "x"})").ok());
  }
  const std::string log = LogOf(logging);
  simdjson::dom::parser parser;
  std::vector<std::string> ids;
  for (simdjson::dom::element record : parser.parse_many(log)) {
    ids.emplace_back(record["id"].get_string().value());
  }
  ASSERT_EQ(ids.size(), 50u);
  for (size_t i = 1; i < ids.size(); ++i) EXPECT_LT(ids[i - 1], ids[i]);
}

TEST(EngineLogTest, RedactedValuesAreFingerprintedInTheLog) {
  LoggingEngine logging = MakeLoggingEngine(RedactingPolicy());
  ASSERT_TRUE(logging.engine
                  ->EvaluateJson(absl::StrCat(
                      R"({"tool": "search", "token": {"id": ")", kSecret,
                      R"(", "age": 30, "ip": "10.9.8.7", "kind": "bound",)",
                      R"( "scopes": ["tok-5ecret-scope"], "score": 0.125}})"))
                  .ok());
  const std::string log = LogOf(logging);
  EXPECT_THAT(log, Not(HasSubstr(kSecret)));
  EXPECT_THAT(log, Not(HasSubstr("tok-5ecret-scope")));
  EXPECT_THAT(log, Not(HasSubstr("10.9.8.7")));
  EXPECT_THAT(log, Not(HasSubstr("bound\"")));
  EXPECT_THAT(log, Not(HasSubstr("0.125")));
  // The fingerprint is the SHA-256 of the value's JSON text.
  EXPECT_THAT(log, HasSubstr(absl::StrCat(
                       R"("token.id":"sha256:)",
                       internal::Sha256Hex(absl::StrCat("\"", kSecret, "\"")), "\"")));
  EXPECT_THAT(log, HasSubstr(absl::StrCat(R"("token.age":"sha256:)",
                                          internal::Sha256Hex("30"), "\"")));
}

// With a key, a fingerprint is an HMAC only the key's holders can
// recompute; without one, anyone can hash candidate values and compare.
TEST(EngineLogTest, KeyedFingerprintsAreHmacsUnderTheLogsKey) {
  constexpr absl::string_view kKey = "0123456789abcdef0123456789abcdef";
  engine_testing::MemoryLog recording;
  DecisionLogOptions log_options;
  log_options.fingerprint_key = std::string(kKey);
  EngineOptions options;
  options.log = std::make_shared<DecisionLog>(
      std::make_unique<engine_testing::MemorySink>(&recording), log_options);
  absl::StatusOr<std::unique_ptr<Engine>> engine =
      Engine::Create(RedactingPolicy(), std::move(options));
  ASSERT_TRUE(engine.ok()) << engine.status();
  const std::string request =
      absl::StrCat(R"({"tool": "search", "token": {"id": ")", kSecret, R"(", "age": 30}})");
  ASSERT_TRUE((*engine)->EvaluateJson(request).ok());
  // A caller-held snapshot: the record is formatted on this thread.
  const std::shared_ptr<const Policy> snapshot = (*engine)->policy();
  (*engine)->Install(*Policy::Compile(RedactingPolicy()));
  ASSERT_TRUE((*engine)->Evaluate(*snapshot, *Request::FromJson(*snapshot, request)).decision
                  .effect == Effect::kAllow);
  (*engine)->FlushLog();
  const std::string log = recording.text();
  const std::string value_json = absl::StrCat("\"", kSecret, "\"");
  const std::string keyed = absl::StrCat(R"("token.id":"hmac-sha256:)",
                                         internal::HmacSha256Hex(kKey, value_json), "\"");
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 2);
  size_t keyed_records = 0;
  for (size_t at = log.find(keyed); at != std::string::npos; at = log.find(keyed, at + 1)) {
    ++keyed_records;
  }
  EXPECT_EQ(keyed_records, 2u);  // the writer's record and the on-thread one
  EXPECT_THAT(log, HasSubstr(absl::StrCat(R"("token.age":"hmac-sha256:)",
                                          internal::HmacSha256Hex(kKey, "30"), "\"")));
  EXPECT_THAT(log, Not(HasSubstr(internal::Sha256Hex(value_json))));
  EXPECT_THAT(log, Not(HasSubstr(kSecret)));
}

TEST(EngineLogTest, WrongTypedRedactedValuesStayOutOfLogExplanationAndErrors) {
  LoggingEngine logging = MakeLoggingEngine(RedactingPolicy());
  Explanation explanation;
  // Each redacted attribute gets the secret in a form its type refuses.
  ASSERT_TRUE(logging.engine
                  ->EvaluateJson(absl::StrCat(
                                     R"({"tool": "x", "token": {"id": 5, "age": ")", kSecret,
                                     R"(", "ip": ")", kSecret, R"(", "kind": ")", kSecret,
                                     R"(", "scopes": [")", kSecret, R"(", 1], "score": ")",
                                     kSecret, R"("}})"),
                                 &explanation)
                  .ok());
  EXPECT_EQ(explanation.errors.size(), 6u);
  const std::string json = explanation.ToJson();
  EXPECT_THAT(json, Not(HasSubstr(kSecret)));
  EXPECT_THAT(json, HasSubstr("withheld"));
  EXPECT_THAT(LogOf(logging), Not(HasSubstr(kSecret)));
}

TEST(EngineLogTest, WhyNotNeverQuotesRequestValues) {
  LoggingEngine logging = MakeLoggingEngine(RedactingPolicy());
  Explanation explanation;
  ASSERT_TRUE(logging.engine
                  ->EvaluateJson(absl::StrCat(R"({"tool": "mail", "token": {"id": ")",
                                              kSecret, R"("}})"),
                                 &explanation)
                  .ok());
  ASSERT_FALSE(explanation.why_not.empty());  // a default deny
  EXPECT_THAT(explanation.ToJson(), Not(HasSubstr(kSecret)));
}

TEST(EngineLogTest, InputErrorsNeverQuoteRedactedValues) {
  LoggingEngine logging = MakeLoggingEngine(RedactingPolicy());
  absl::StatusOr<EngineDecision> twice = logging.engine->EvaluateJson(absl::StrCat(
      R"({"token": {"id": ")", kSecret, R"("}, "token.id": ")", kSecret, R"("})"));
  EXPECT_FALSE(twice.ok());
  EXPECT_THAT(std::string(twice.status().message()), Not(HasSubstr(kSecret)));
  absl::StatusOr<EngineDecision> broken = logging.engine->EvaluateJson(
      absl::StrCat(R"({"token": {"id": ")", kSecret, R"(")"));
  EXPECT_FALSE(broken.ok());
  EXPECT_THAT(std::string(broken.status().message()), Not(HasSubstr(kSecret)));
}

// Engine::Evaluate given a request built for another policy's schema (an
// embedder's mistake) denies it unread; its record must not read it either:
// its values sit in the other schema's slots, where this policy's attribute
// names and `redact` marks do not apply, so a redacted value could come out
// under an unredacted name (and a larger schema's slots are past the end).
// Both record paths: the live policy's (queued, formatted by the writer)
// and an older snapshot's (formatted on the deciding thread).
TEST(EngineLogTest, ARequestBuiltForAnotherPolicyIsLoggedWithoutItsValues) {
  LoggingEngine logging = MakeLoggingEngine(engine_testing::SearchOnly("1"));
  absl::StatusOr<std::shared_ptr<const Policy>> other = Policy::Compile(
      {{"other.writ", "schema { a: string redact; b: string redact; c: string redact; }\n"
                      "allow any when a == \"x\";\n"}});
  ASSERT_TRUE(other.ok()) << other.status();
  Request foreign(**other);
  for (const char* path : {"a", "b", "c"}) {
    foreign.SetString(*(*other)->FindAttribute(path), absl::StrCat(kSecret, "-", path));
  }
  const std::shared_ptr<const Policy> first = logging.engine->policy();
  EXPECT_EQ(logging.engine->Evaluate(*first, foreign).decision.effect, Effect::kDeny);
  ASSERT_TRUE(logging.engine->Reload(engine_testing::SearchOnly("2")).ok());
  EXPECT_EQ(logging.engine->Evaluate(*first, foreign).decision.effect, Effect::kDeny);

  const std::string log = LogOf(logging);
  EXPECT_THAT(log, Not(HasSubstr(kSecret)));
  simdjson::dom::parser parser;
  int records = 0;
  for (simdjson::dom::element record : parser.parse_many(log)) {
    ++records;
    EXPECT_EQ(record["decision"].get_string().value(), "deny");
    EXPECT_EQ(record["input"].get_object().value().size(), 0u) << record;
    EXPECT_THAT(simdjson::to_string(record["errors"]), HasSubstr("different policy's schema"));
  }
  EXPECT_EQ(records, 2);
}

TEST(EngineLogTest, ShadowOutcomeIsRecorded) {
  LoggingEngine logging = MakeLoggingEngine(RedactingPolicy());
  ASSERT_TRUE(logging.engine
                  ->SetShadow({{"shadow.writ", "schema { tool: string; }\ndefault allow;\n"}})
                  .ok());
  ASSERT_TRUE(logging.engine->EvaluateJson(R"({"tool": "mail"})").ok());
  const std::string log = LogOf(logging);
  EXPECT_THAT(log, HasSubstr(absl::StrCat(R"("shadow":{"decision":"allow","digest":")",
                                          logging.engine->shadow()->info().digest,
                                          R"(","agrees":false})")));
}

// A log that cannot write loses records; the engine's stats say so, for an
// embedder who handed the log over (the C API) and cannot ask it.
TEST(EngineLogTest, AFailingLogSinkShowsInTheEnginesStats) {
  class FullDisk : public LogSink {
   public:
    absl::Status Write(absl::string_view) override { return absl::ResourceExhaustedError("full"); }
    absl::Status Flush() override { return absl::OkStatus(); }
  };
  EngineOptions options;
  options.log = std::make_shared<DecisionLog>(std::make_unique<FullDisk>());
  absl::StatusOr<std::unique_ptr<Engine>> engine =
      Engine::Create(RedactingPolicy(), std::move(options));
  ASSERT_TRUE(engine.ok()) << engine.status();
  ASSERT_TRUE((*engine)->EvaluateJson(R"({"tool": "search"})").ok());
  (*engine)->FlushLog();
  EXPECT_EQ((*engine)->stats().log_written, 0u);
  EXPECT_GE((*engine)->stats().log_write_errors, 1u);

  LoggingEngine logging = MakeLoggingEngine(RedactingPolicy());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(logging.engine->EvaluateJson(R"({"tool": "search"})").ok());
  }
  logging.engine->FlushLog();
  EXPECT_EQ(logging.engine->stats().log_written, 3u);
  EXPECT_EQ(logging.engine->stats().log_write_errors, 0u);
}

TEST(EngineLogTest, EveryDecisionIsLoggedOrCounted) {
  LoggingEngine logging = MakeLoggingEngine(RedactingPolicy());
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(logging.engine->EvaluateJson(R"({"tool": "search"})").ok());
  }
  const std::string log = LogOf(logging);
  const EngineStats stats = logging.engine->stats();
  EXPECT_EQ(stats.log_records + stats.log_drops, 1000u);
  uint64_t decision_lines = 0;
  uint64_t dropped_in_log = 0;
  simdjson::dom::parser parser;
  for (simdjson::dom::element record : parser.parse_many(log)) {
    if (record["id"].error() == simdjson::SUCCESS) ++decision_lines;
    if (uint64_t dropped; record["dropped"].get_uint64().get(dropped) == simdjson::SUCCESS) {
      dropped_in_log += dropped;
    }
  }
  EXPECT_EQ(decision_lines, stats.log_records);
  EXPECT_EQ(dropped_in_log, stats.log_drops);
}

}  // namespace
}  // namespace writ
