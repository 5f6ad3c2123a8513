// The decision log's record as the writer thread formats it from a queued
// PendingRecord: byte for byte the record of the request it was packed from.
#include "src/engine/decision_record.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/check/checked_policy.h"
#include "src/engine/packed_values.h"
#include "src/io/value.h"
#include "writ/policy.h"
#include "writ/request.h"

namespace writ::internal {
namespace {

// Every attribute type, redacted and not, and rules whose explanations
// have determining rules, reasons, obligations, missing and errors.
std::shared_ptr<const Policy> EveryTypePolicy() {
  absl::StatusOr<std::shared_ptr<const Policy>> policy = Policy::Compile(
      {{"types.writ",
        "policy \"every \\\"type\\\"\" version \"2\";\n"
        "schema {\n"
        "  tool: string;\n"
        "  count: int;\n"
        "  age: duration;\n"
        "  score: number;\n"
        "  addr: ip;\n"
        "  kind: enum(bearer, bound);\n"
        "  tags: set<string>;\n"
        "  flag: bool;\n"
        "  nested.secret: string redact;\n"
        "  nested.scopes: set<string> redact;\n"
        "  nested.level: int redact;\n"
        "}\n"
        "allow search when tool == \"search\" and count < 10\n"
        "  with max_uses = 3 because \"searches are \\\"fine\\\"\";\n"
        "allow tagged when tags contains \"ops\" with log_level = \"audit\";\n"
        "deny risky when score > 0.5 and flag because \"too risky\";\n"
        "deny secret when nested.secret == \"nope\";\n"}});
  EXPECT_TRUE(policy.ok()) << policy.status();
  return *policy;
}

// Requests that give every type, none, wrong types, escapes and non-ASCII
// text, in an order where later ones leave out what earlier ones gave.
const std::vector<std::string>& Requests() {
  static const std::vector<std::string> requests = {
      R"({"tool": "search", "count": 3, "age": "90s", "score": 0.25,
          "addr": "10.1.2.3", "kind": "bound", "tags": ["ops", "a\"b"],
          "flag": true, "nested": {"secret": "tok-1", "scopes": ["x", "y"],
          "level": 4}})",
      R"({"tool": "q\"uote\\back\nline\u0001 é", "addr": "2001:db8::1"})",
      R"({})",
      R"({"count": "three", "score": 0.75, "flag": true, "tags": [],
          "nested": {"secret": 7, "level": "high"}})",
      R"({"tool": "search", "count": 12, "age": 30, "kind": "bearer",
          "nested": {"secret": "nope"}})",
  };
  return requests;
}

RecordContext ContextFor(const Policy& policy, const Request& request) {
  RecordContext context;
  context.id = {absl::FromUnixMicros(1764390651123456), 3, 42};
  context.enforced = policy.Evaluate(request);
  context.eval_ns = 812;
  context.shadow = ShadowOutcome{Effect::kAllow, {}};
  return context;
}

TEST(PackedValuesTest, UnpackingGivesBackEveryGivenValueAndNothingElse) {
  const std::shared_ptr<const Policy> policy = EveryTypePolicy();
  std::optional<Request> unpacked;
  for (const std::string& json : Requests()) {
    absl::StatusOr<Request> request = Request::FromJson(*policy, json);
    ASSERT_TRUE(request.ok()) << request.status();
    PackedValues packed;
    packed.Pack(*request);
    // Reused across requests, as the writer reuses its own.
    Request& into = RequestFor(*policy, &unpacked);
    packed.UnpackInto(&into);
    for (uint32_t slot = 0; slot < request->schema().attributes.size(); ++slot) {
      const Value& want = request->value(slot);
      const Value& got = into.value(slot);
      ASSERT_EQ(got.state, want.state) << json << " slot " << slot;
      if (want.state == ValueState::kWrongType) {
        EXPECT_EQ(got.error, want.error);
        continue;
      }
      if (want.state != ValueState::kPresent) continue;
      switch (request->schema().attributes[slot].type.kind) {
        case TypeKind::kBool: EXPECT_EQ(got.boolean, want.boolean); break;
        case TypeKind::kInt:
        case TypeKind::kDuration:
        case TypeKind::kEnum: EXPECT_EQ(got.integer, want.integer); break;
        case TypeKind::kNumber: EXPECT_EQ(got.number, want.number); break;
        case TypeKind::kIp: EXPECT_EQ(got.ip, want.ip); break;
        case TypeKind::kString: EXPECT_EQ(got.text, want.text); break;
        case TypeKind::kStringSet: EXPECT_EQ(got.set, want.set); break;
      }
    }
  }
}

TEST(DecisionRecordTest, WriterFormatsFromPackedValuesByteIdenticalToTheRequestsRecord) {
  const std::shared_ptr<const Policy> policy = EveryTypePolicy();
  std::optional<Request> unpacked;
  Explanation scratch;
  for (absl::string_view key : {"", "log-key"}) {
    for (const std::string& json : Requests()) {
      absl::StatusOr<Request> request = Request::FromJson(*policy, json);
      ASSERT_TRUE(request.ok()) << request.status();
      PendingRecord pending;
      pending.policy = policy.get();
      pending.values.Pack(*request);
      pending.context = ContextFor(*policy, *request);
      std::string from_pending;
      AppendPendingRecord(pending, key, &unpacked, &scratch, &from_pending);
      // What a deciding thread formatting its own record writes.
      Explanation explanation;
      std::string from_request;
      AppendExplainedRecord(*policy, *request, Evaluator::kDag, pending.context, key,
                            &explanation, &from_request);
      EXPECT_EQ(from_pending, from_request) << json;
      EXPECT_THAT(from_pending, testing::Not(testing::HasSubstr("tok-1")));
    }
  }
}

}  // namespace
}  // namespace writ::internal
