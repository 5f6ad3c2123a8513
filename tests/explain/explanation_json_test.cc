#include <limits>
#include <string>

#include "gtest/gtest.h"
#include "writ/decision.h"

namespace writ {
namespace {

const char kDigest[] =
    "sha256:0000000000000000000000000000000000000000000000000000000000000000";

TEST(EffectName, NamesBothEffects) {
  EXPECT_STREQ(EffectName(Effect::kAllow), "allow");
  EXPECT_STREQ(EffectName(Effect::kDeny), "deny");
}

TEST(ExplanationJson, DefaultDenyWithoutHeaderHasNullNameAndVersion) {
  Explanation explanation;
  explanation.policy.digest = kDigest;
  explanation.default_applied = true;
  EXPECT_EQ(explanation.ToJson(),
            std::string(R"({"decision":"deny","policy":{"name":null,)"
                        R"("version":null,"digest":")") +
                kDigest +
                R"("},"determining":[],"default_applied":true,)"
                R"("obligations":{},"missing":[],"errors":[],"why_not":[]})");
}

TEST(ExplanationJson, IndeterminateDenyListsMissingAndErrors) {
  Explanation explanation;
  explanation.decision = Effect::kDeny;
  explanation.policy = {"agent-gateway", "2026.11", kDigest};
  explanation.determining.push_back(
      {"too_risky", Effect::kDeny, std::nullopt, true, "agent.writ:41:1"});
  explanation.determining.push_back(
      {"unbound_token", Effect::kDeny,
       "bearer tokens must be bound to a workload identity", false,
       "agent.writ:33:1"});
  explanation.missing = {"risk.score", "token.bound"};
  explanation.errors.push_back(
      {"destination.ip", "'10.0.0.1%eth0' is not an IP address"});
  EXPECT_EQ(
      explanation.ToJson(),
      std::string(R"({"decision":"deny","policy":{"name":"agent-gateway",)"
                  R"("version":"2026.11","digest":")") +
          kDigest +
          R"("},"determining":[{"rule":"too_risky","effect":"deny",)"
          R"("reason":null,"indeterminate":true,)"
          R"("location":"agent.writ:41:1"},{"rule":"unbound_token",)"
          R"("effect":"deny","reason":"bearer tokens must be bound to a )"
          R"(workload identity","indeterminate":false,)"
          R"("location":"agent.writ:33:1"}],"default_applied":false,)"
          R"("obligations":{},"missing":["risk.score","token.bound"],)"
          R"("errors":[{"attribute":"destination.ip",)"
          R"("message":"'10.0.0.1%eth0' is not an IP address"}],)"
          R"("why_not":[]})");
}

TEST(ExplanationJson, AllowWritesEveryObligationType) {
  Explanation explanation;
  explanation.decision = Effect::kAllow;
  explanation.policy = {"p", std::nullopt, kDigest};
  explanation.determining.push_back(
      {"read_docs", Effect::kAllow, "read-only", false, "a.writ:1:1"});
  explanation.obligations = {
      {"audit", true},
      {"max_ttl", DurationSeconds{300}},
      {"max_uses", int64_t{1}},
      {"min_score", 0.8},
      {"tags", std::vector<std::string>{"a", "b\"c"}},
      {"big", std::numeric_limits<int64_t>::min()},
      {"none", std::vector<std::string>{}},
  };
  EXPECT_EQ(
      explanation.ToJson(),
      std::string(R"({"decision":"allow","policy":{"name":"p",)"
                  R"("version":null,"digest":")") +
          kDigest +
          R"("},"determining":[{"rule":"read_docs","effect":"allow",)"
          R"("reason":"read-only","indeterminate":false,)"
          R"("location":"a.writ:1:1"}],"default_applied":false,)"
          R"("obligations":{"audit":true,"max_ttl":300,"max_uses":1,)"
          R"("min_score":0.8,"tags":["a","b\"c"],)"
          R"("big":-9223372036854775808,"none":[]},)"
          R"("missing":[],"errors":[],"why_not":[]})");
}

TEST(ExplanationJson, WhyNotListsFailedConditionsPerRule) {
  Explanation explanation;
  explanation.policy.digest = kDigest;
  explanation.default_applied = true;
  explanation.why_not.push_back(
      {"read_docs",
       {{"data_class <= internal", "agent.writ:24:8"},
        {"destination.host like \"*.docs.example.com\"", "agent.writ:23:8"}}});
  explanation.why_not.push_back({"empty_rule", {}});
  EXPECT_EQ(
      explanation.ToJson(),
      std::string(R"({"decision":"deny","policy":{"name":null,)"
                  R"("version":null,"digest":")") +
          kDigest +
          R"("},"determining":[],"default_applied":true,"obligations":{},)"
          R"("missing":[],"errors":[],"why_not":[{"rule":"read_docs",)"
          R"("failed":[{"condition":"data_class <= internal",)"
          R"("location":"agent.writ:24:8"},{"condition":)"
          R"("destination.host like \"*.docs.example.com\"",)"
          R"("location":"agent.writ:23:8"}]},{"rule":"empty_rule",)"
          R"("failed":[]}]})");
}

TEST(ExplanationJson, ControlCharactersInTextAreEscaped) {
  Explanation explanation;
  explanation.errors.push_back({"tool", "line\nbreak\x01"});
  std::string json = explanation.ToJson();
  EXPECT_NE(json.find(R"("message":"line\nbreak\u0001")"), std::string::npos)
      << json;
  EXPECT_EQ(json.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace writ
