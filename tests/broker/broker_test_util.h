// Shared fixtures for the broker tests: a fake clock, a scriptable policy
// gate, an in-memory audit sink, and a broker with two workloads (a planner
// and a researcher sub-agent) in trust domain example.org.
#ifndef WRIT_TESTS_BROKER_BROKER_TEST_UTIL_H_
#define WRIT_TESTS_BROKER_BROKER_TEST_UTIL_H_

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "writ/broker.h"

namespace writ::broker_testing {

inline constexpr char kPlanner[] = "spiffe://example.org/agent/planner";
inline constexpr char kResearcher[] = "spiffe://example.org/agent/researcher";
inline constexpr char kDestination[] = "https://api.example.com";
inline constexpr char kUrl[] = "https://api.example.com/v1/search";
inline constexpr char kBrokerUrl[] = "https://broker.example.org/delegate";
inline constexpr char kTask[] = "task-42";

class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time now) : now_(now) {}
  absl::Time Now() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return now_;
  }
  void Advance(absl::Duration d) {
    std::lock_guard<std::mutex> lock(mutex_);
    now_ += d;
  }

 private:
  mutable std::mutex mutex_;
  absl::Time now_;
};

// Allows everything unless `decide` says otherwise; remembers every context.
class FakeGate final : public PolicyGate {
 public:
  std::function<absl::StatusOr<GateDecision>(const TaskContext&)> decide;

  absl::StatusOr<GateDecision> Decide(const TaskContext& context) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      seen_.push_back(context);
    }
    if (decide) return decide(context);
    return Allow();
  }

  static GateDecision Allow() {
    GateDecision decision;
    decision.allow = true;
    decision.reason = "task tools are allowed";
    decision.policy_digest = "sha256:test-policy";
    decision.determining_rules = {"allow-task-tools"};
    return decision;
  }
  static GateDecision Deny(std::string reason) {
    GateDecision decision;
    decision.reason = std::move(reason);
    decision.policy_digest = "sha256:test-policy";
    decision.determining_rules = {"deny-risky"};
    return decision;
  }

  std::vector<TaskContext> seen() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return seen_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<TaskContext> seen_;
};

class MemorySink final : public AuditSink {
 public:
  absl::Status Append(absl::string_view line) override {
    lines.emplace_back(line);
    return absl::OkStatus();
  }
  std::string Text() const { return absl::StrJoin(lines, "\n") + "\n"; }
  std::vector<std::string> lines;
};

// The planner's request for a root token: search and fetch on
// kDestination, internal data, at risk 0.1.
inline MintRequest PlannerMintRequest(const SigningKey& planner_key) {
  MintRequest request;
  request.workload = kPlanner;
  request.workload_key = planner_key.PublicJwk();
  request.task_id = kTask;
  request.tools = {"search", "fetch"};
  request.destination = kDestination;
  request.data_class = "internal";
  request.session_id = "session-1";
  request.risk_score = 0.1;
  return request;
}

class BrokerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Recreate([](BrokerOptions&) {});
  }

  // Rebuilds the broker with options changed by `adjust`.
  void Recreate(const std::function<void(BrokerOptions&)>& adjust,
                SigningAlgorithm algorithm = SigningAlgorithm::kEd25519) {
    broker_key_ = *SigningKey::Generate(algorithm, "broker-1");
    BrokerOptions options;
    options.trusted_domains = {"example.org"};
    options.clock = &clock_;
    options.audit_sink = &sink_;
    options.audit_hmac_key = "audit-key";
    adjust(options);
    absl::StatusOr<std::unique_ptr<Broker>> broker =
        Broker::Create(options, *broker_key_, gate_);
    ASSERT_TRUE(broker.ok()) << broker.status();
    broker_ = *std::move(broker);
  }

  MintRequest PlannerMint() const { return PlannerMintRequest(planner_key_); }

  IssuedToken MintPlanner() {
    absl::StatusOr<IssuedToken> issued = broker_->Mint(PlannerMint());
    EXPECT_TRUE(issued.ok()) << issued.status();
    Remember(issued->token);
    return *issued;
  }

  std::string Proof(const std::string& token, const SigningKey& key,
                    const std::string& method = "POST",
                    const std::string& url = kUrl) {
    ProofInput input;
    input.method = method;
    input.url = url;
    input.token = token;
    input.issued_at = clock_.Now();
    absl::StatusOr<std::string> proof = CreateProof(key, input);
    EXPECT_TRUE(proof.ok()) << proof.status();
    Remember(*proof);
    return *proof;
  }

  Presentation Present(const std::string& token, const SigningKey& key,
                       const std::string& presenter,
                       const std::string& url = kUrl) {
    return Presentation{token, Proof(token, key, "POST", url), presenter,
                        "POST", url};
  }

  VerifyRequest Use(const std::string& token, const SigningKey& key,
                    const std::string& presenter,
                    const std::string& tool = "search") {
    VerifyRequest request;
    request.presentation = Present(token, key, presenter);
    request.destination = kDestination;
    request.tool = tool;
    request.session_id = "session-1";
    request.risk_score = 0.1;
    return request;
  }

  VerifyResult MustVerify(const VerifyRequest& request) {
    absl::StatusOr<VerifyResult> result = broker_->Verify(request);
    EXPECT_TRUE(result.ok()) << result.status();
    messages_.push_back(result->reason);
    return result.ok() ? *result : VerifyResult{};
  }

  DelegateRequest ToResearcher(const std::string& parent_token,
                               std::vector<std::string> tools = {"search"}) {
    DelegateRequest request;
    request.parent = Present(parent_token, planner_key_, kPlanner, kBrokerUrl);
    request.child_workload = kResearcher;
    request.child_workload_key = researcher_key_.PublicJwk();
    request.tools = std::move(tools);
    request.session_id = "session-1";
    return request;
  }

  IssuedToken DelegateToResearcher(const std::string& parent_token) {
    absl::StatusOr<IssuedToken> issued =
        broker_->Delegate(ToResearcher(parent_token));
    EXPECT_TRUE(issued.ok()) << issued.status();
    Remember(issued->token);
    return *issued;
  }

  // Every credential made, for the leak test.
  void Remember(const std::string& secret) { secrets_.push_back(secret); }
  void RememberMessage(const absl::Status& status) {
    messages_.emplace_back(status.message());
  }

  FakeClock clock_{absl::FromUnixSeconds(1'800'000'000)};
  std::shared_ptr<FakeGate> gate_ = std::make_shared<FakeGate>();
  MemorySink sink_;
  std::optional<SigningKey> broker_key_;
  SigningKey planner_key_ =
      *SigningKey::Generate(SigningAlgorithm::kEd25519, "planner");
  SigningKey researcher_key_ =
      *SigningKey::Generate(SigningAlgorithm::kEs256, "researcher");
  std::unique_ptr<Broker> broker_;
  std::vector<std::string> secrets_;
  std::vector<std::string> messages_;
};

}  // namespace writ::broker_testing

#endif  // WRIT_TESTS_BROKER_BROKER_TEST_UTIL_H_
