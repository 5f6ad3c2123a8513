// A broker started on an existing audit log (BrokerOptions::
// audit_continue_after) extends its hash chain instead of starting a new
// one, so a log written by several processes in turn verifies as one.
#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/broker/broker_test_util.h"
#include "writ/broker.h"

namespace writ::broker_testing {
namespace {

std::unique_ptr<Broker> BrokerWritingTo(MemorySink* sink,
                                        std::string continue_after) {
  BrokerOptions options;
  options.trusted_domains = {"example.org"};
  options.audit_sink = sink;
  options.audit_hmac_key = "audit-key";
  options.audit_continue_after = std::move(continue_after);
  absl::StatusOr<std::unique_ptr<Broker>> broker = Broker::Create(
      options, *SigningKey::Generate(SigningAlgorithm::kEd25519, "b-1"),
      std::make_shared<FakeGate>());
  EXPECT_TRUE(broker.ok()) << broker.status();
  return broker.ok() ? *std::move(broker) : nullptr;
}

TEST(AuditContinueTest, SecondBrokerExtendsTheFirstBrokersChain) {
  MemorySink sink;
  ASSERT_TRUE(BrokerWritingTo(&sink, "")->CompleteTask("t-1").ok());
  ASSERT_TRUE(
      BrokerWritingTo(&sink, sink.lines.back())->CompleteTask("t-2").ok());
  ASSERT_EQ(sink.lines.size(), 2u);
  EXPECT_THAT(sink.lines[1], ::testing::HasSubstr(R"("seq":1)"));
  EXPECT_TRUE(VerifyAuditLog(sink.Text(), "audit-key").ok());
}

TEST(AuditContinueTest, WithoutContinuingTheChainRestartsAndVerifyNoticesIt) {
  MemorySink sink;
  ASSERT_TRUE(BrokerWritingTo(&sink, "")->CompleteTask("t-1").ok());
  ASSERT_TRUE(BrokerWritingTo(&sink, "")->CompleteTask("t-2").ok());
  EXPECT_FALSE(VerifyAuditLog(sink.Text(), "audit-key").ok());
}

TEST(AuditContinueTest, ALastLineThatIsNotAnAuditRecordIsRefused) {
  BrokerOptions options;
  options.trusted_domains = {"example.org"};
  options.audit_continue_after = "not json";
  EXPECT_FALSE(Broker::Create(options,
                              *SigningKey::Generate(
                                  SigningAlgorithm::kEd25519, "b-1"),
                              std::make_shared<FakeGate>())
                   .ok());
}

// A forged last line must not make the next seq overflow (INT64_MAX + 1 is
// undefined behaviour) or go negative.
TEST(AuditContinueTest, ALastLineWhoseSeqCannotBeFollowedIsRefused) {
  for (const char* last_line :
       {R"({"seq":9223372036854775807,"prev":"x"})",
        R"({"seq":-2,"prev":"x"})"}) {
    BrokerOptions options;
    options.trusted_domains = {"example.org"};
    options.audit_continue_after = last_line;
    absl::Status status =
        Broker::Create(options,
                       *SigningKey::Generate(SigningAlgorithm::kEd25519, "b-1"),
                       std::make_shared<FakeGate>())
            .status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << last_line;
  }
}

}  // namespace
}  // namespace writ::broker_testing
