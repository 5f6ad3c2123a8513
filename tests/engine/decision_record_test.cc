// The decision log's record as the writer thread formats it from a queued
// PendingRecord: byte for byte the record of the request it was packed from.
#include "src/engine/decision_record.h"

#include <algorithm>
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
// text, in an order where later ones leave out what earlier ones gave; the
// last is longer than a PendingRecord holds inline.
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
      R"({"tool": ")" + std::string(500, 'x') + R"(", "count": 1, "tags": ["ops"]})",
  };
  return requests;
}

RecordContext ContextFor(const Policy& policy, const Request& request) {
  RecordContext context;
  context.id = {absl::FromUnixMicros(1764390651123456), 3, 42};
  context.enforced = policy.Evaluate(request);
  context.eval_ns = 812;
  ShadowOutcome shadow{Effect::kAllow, {}};
  const std::string& digest = policy.info().digest;
  std::copy_n(digest.data(), std::min(digest.size(), shadow.digest.text.size()),
              shadow.digest.text.data());
  context.shadow = shadow;
  return context;
}

// `request`'s decision by `policy`, queued as the Engine queues it: as the
// JSON text it was read from when there is one (EvaluateJson), packed
// values otherwise (Evaluate).
PendingRecord PendingFor(const Policy& policy, const Request& request,
                         const std::string* json = nullptr) {
  PendingRecord pending;
  pending.policy = &policy;
  pending.from_json = json != nullptr;
  if (json != nullptr) {
    pending.SetJsonText(*json);
  } else {
    pending.values.Pack(request);
  }
  pending.context = ContextFor(policy, request);
  return pending;
}

// A reused record hands back each text whole, whether it fits inline or
// goes to the overflow buffer, and whichever its last text did.
TEST(PendingRecordTest, JsonTextComesBackWholeInlineOrFromTheOverflow) {
  PendingRecord record;
  const std::string short_text = R"({"tool": "search"})";
  const std::string long_text = R"({"tool": ")" + std::string(1000, 'y') + R"("})";
  const std::string just_fits(sizeof(record.json_inline), 'z');
  for (const std::string* text :
       {&long_text, &short_text, &just_fits, &long_text, &short_text}) {
    record.SetJsonText(*text);
    EXPECT_EQ(record.json_text(), *text);
  }
  record.SetJsonText("");
  EXPECT_EQ(record.json_text(), "");
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
        EXPECT_EQ(into.detail(slot).error, request->detail(slot).error);
        continue;
      }
      if (want.state != ValueState::kPresent) continue;
      switch (request->schema().attributes[slot].type.kind) {
        case TypeKind::kBool: EXPECT_EQ(got.boolean, want.boolean); break;
        case TypeKind::kInt:
        case TypeKind::kDuration:
        case TypeKind::kEnum: EXPECT_EQ(got.integer, want.integer); break;
        case TypeKind::kNumber: EXPECT_EQ(got.number, want.number); break;
        case TypeKind::kIp: EXPECT_EQ(into.value(slot).ip(), request->value(slot).ip()); break;
        case TypeKind::kString: EXPECT_EQ(into.text(slot), request->text(slot)); break;
        case TypeKind::kStringSet:
          EXPECT_EQ(into.detail(slot).set, request->detail(slot).set);
          break;
      }
    }
  }
}

TEST(DecisionRecordTest, WriterFormatsFromPackedValuesOrJsonTextByteIdenticalToTheRequestsRecord) {
  const std::shared_ptr<const Policy> policy = EveryTypePolicy();
  RecordScratch scratch;
  for (const bool from_json : {false, true}) {
    for (absl::string_view key : {"", "log-key"}) {
      for (const std::string& json : Requests()) {
        absl::StatusOr<Request> request = Request::FromJson(*policy, json);
        ASSERT_TRUE(request.ok()) << request.status();
        const PendingRecord pending = PendingFor(*policy, *request, from_json ? &json : nullptr);
        std::string from_pending;
        AppendPendingRecord(pending, key, &scratch, &from_pending);
        // What a deciding thread formatting its own record writes.
        Explanation explanation;
        std::string from_request;
        AppendExplainedRecord(*policy, *request, Evaluator::kDag, pending.context, key,
                              &explanation, nullptr, &from_request);
        EXPECT_EQ(from_pending, from_request) << json << (from_json ? " (JSON text)" : "");
        EXPECT_THAT(from_pending, testing::Not(testing::HasSubstr("tok-1")));
      }
    }
  }
}

// A queued JSON text that does not read again (only memory exhaustion
// could cause it: it read when decided) still gives a whole record of the
// enforced decision, saying why it has no explanation, and no crash.
TEST(DecisionRecordTest, JsonTextThatNoLongerReadsStillRecordsTheEnforcedDecision) {
  const std::shared_ptr<const Policy> policy = EveryTypePolicy();
  absl::StatusOr<Request> request = Request::FromJson(*policy, Requests()[0]);
  ASSERT_TRUE(request.ok()) << request.status();
  const std::string unreadable = R"({"tool": "search", "tool": "again"})";
  PendingRecord pending = PendingFor(*policy, *request, &unreadable);
  pending.context.enforced = {Effect::kAllow, false};
  RecordScratch scratch;
  std::string line;
  AppendPendingRecord(pending, "", &scratch, &line);
  EXPECT_THAT(line, testing::HasSubstr(R"("decision":"allow")"));
  EXPECT_THAT(line, testing::HasSubstr("the logged request could not be read again"));
  EXPECT_THAT(line, testing::HasSubstr(R"("input":{})"));
}


// The record's bytes, pinned: formatting may get faster, but a log's
// readers diff and parse these lines. (The id's 8 hex digits of process
// nonce differ from run to run.)
TEST(DecisionRecordTest, RecordBytesAreUnchanged) {
  const std::shared_ptr<const Policy> policy = EveryTypePolicy();
  // The first request's record with and without a fingerprint key: they
  // differ only in the redacted values.
  const std::string kAllowHead =
      R"({"id":"187c5ff2f53bd800<nonce->000300000000002a","timestamp":"2025-11-29T04:30)"
      R"(:51.123456Z","decision":"allow","policy":{"name":"every \"type\"","version":"2)"
      R"(","digest":"sha256:120ed67f5898ac38458f2931e89205ad89bdf868ea0b5eacddec227d13c)"
      R"(d1dac"},"determining":[{"rule":"search","effect":"allow","reason":"searches ar)"
      R"(e \"fine\"","indeterminate":false,"location":"types.writ:15:1"},{"rule":"tagge)"
      R"(d","effect":"allow","reason":null,"indeterminate":false,"location":"types.writ)"
      R"(:17:1"}],"default_applied":false,"obligations":{"log_level":["audit"],"max_use)"
      R"(s":3},"missing":[],"errors":[],"input":{"tool":"search","count":3,"age":90,"sc)"
      R"(ore":0.25,"addr":"10.1.2.3","kind":"bound","tags":["ops","a\"b"],"flag":true,)";
  const std::string kAllowTail =
      R"(},"eval_ns":812,"shadow":{"decision":"allow","digest":"sha256:120ed67f5898ac38)"
      R"(458f2931e89205ad89bdf868ea0b5eacddec227d13cd1dac","agrees":true}})";
  const struct {
    size_t request;
    absl::string_view key;
    std::string record;
  } cases[] = {
    {0, "", kAllowHead +
      R"("nested.secret":"sha256:d15991e448d1713bfd6a85d823f6acd8ad8d5032807de9347f7669)"
      R"(5d0a65321e","nested.scopes":"sha256:01f650e85c95620160b40ed22626dca932e9f700ff)"
      R"(e599be060da184dd4d7822","nested.level":"sha256:4b227777d4dd1fc61c6f884f48641d0)"
      R"(2b4d121d3fd328cb08b5531fcacdabf8a")" + kAllowTail},
    {0, "log-key", kAllowHead +
      R"("nested.secret":"hmac-sha256:73cdbdf3bc9b71cd3413ed47613672b6d1476f4911adbccb4)"
      R"(52a065c49d9d0d0","nested.scopes":"hmac-sha256:978a03804392e314b8e14622a7af8dfc)"
      R"(ae2ecd23b72aba099d00528654b4e0b5","nested.level":"hmac-sha256:62d31729e7a1518a)"
      R"(46bdfbcb20da6e2ad813cebe9d000e298d64639f2ed8c052")" + kAllowTail},
    {1, "",
      R"({"id":"187c5ff2f53bd800<nonce->000300000000002a","timestamp":"2025-11-29T04:30:5)"
      R"(1.123456Z","decision":"deny","policy":{"name":"every \"type\"","version":"2","di)"
      R"(gest":"sha256:120ed67f5898ac38458f2931e89205ad89bdf868ea0b5eacddec227d13cd1dac"})"
      R"(,"determining":[{"rule":"risky","effect":"deny","reason":"too risky","indetermin)"
      R"(ate":true,"location":"types.writ:18:1"},{"rule":"secret","effect":"deny","reason)"
      R"(":null,"indeterminate":true,"location":"types.writ:19:1"}],"default_applied":fal)"
      R"(se,"obligations":{},"missing":["count","flag","nested.secret","score","tags"],"e)"
      R"(rrors":[],"input":{"tool":"q\"uote\\back\nline\u0001 é","addr":"2001:db8::1"},"e)"
      R"(val_ns":812,"shadow":{"decision":"allow","digest":"sha256:120ed67f5898ac38458f29)"
      R"(31e89205ad89bdf868ea0b5eacddec227d13cd1dac","agrees":false}})"},
  };
  RecordScratch scratch;
  for (const bool from_json : {false, true}) {
    for (const auto& [index, key, want] : cases) {
      const std::string& json = Requests()[index];
      absl::StatusOr<Request> request = Request::FromJson(*policy, json);
      ASSERT_TRUE(request.ok()) << request.status();
      const PendingRecord pending = PendingFor(*policy, *request, from_json ? &json : nullptr);
      std::string line;
      AppendPendingRecord(pending, key, &scratch, &line);
      ASSERT_GT(line.size(), 31u);
      line.replace(23, 8, "<nonce->");
      EXPECT_EQ(line, want) << (from_json ? "from the JSON text" : "from packed values");
    }
  }
}

// One writer formats the records of every policy a reload leaves queued:
// each record gets its own policy's block and keys.
TEST(DecisionRecordTest, ReusedScratchFormatsEachRecordWithItsOwnPolicysFragments) {
  const std::shared_ptr<const Policy> first = EveryTypePolicy();
  absl::StatusOr<std::shared_ptr<const Policy>> second = Policy::Compile(
      {{"other.writ",
        "policy \"other\";\nschema { flag: bool; tool: string; }\n"
        "allow flagged when flag;\n"}});
  ASSERT_TRUE(second.ok()) << second.status();
  RecordScratch scratch;
  for (const Policy* policy : {first.get(), second->get(), first.get()}) {
    absl::StatusOr<Request> request =
        Request::FromJson(*policy, R"({"tool": "search", "flag": true})");
    ASSERT_TRUE(request.ok()) << request.status();
    const PendingRecord pending = PendingFor(*policy, *request);
    std::string from_pending;
    AppendPendingRecord(pending, "", &scratch, &from_pending);
    Explanation explanation;
    std::string from_request;
    AppendExplainedRecord(*policy, *request, Evaluator::kDag, pending.context, "",
                          &explanation, nullptr, &from_request);
    EXPECT_EQ(from_pending, from_request);
  }
}

}  // namespace
}  // namespace writ::internal
