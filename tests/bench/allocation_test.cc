// Allocations per call on the generated agent-gateway workload, counted by
// the benchmarks' replacement operator new (benchmarks/counting_allocator):
// decision-only evaluation allocates nothing (issue 3), and neither does
// an explanation into a record the caller reuses, once the record has
// seen the policy's shapes of determining rules, obligations and why_not.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "benchmarks/bench_workload.h"
#include "benchmarks/counting_allocator.h"
#include "gtest/gtest.h"
#include "writ/policy.h"
#include "writ/request.h"
#if WRIT_TEST_CAPI
#include "writ/writ.h"
#endif

namespace writ::bench {
namespace {

std::unique_ptr<const Workload> GatewayWorkload() {
  GeneratorOptions options;
  options.rules = 1000;
  options.requests = 1000;
  absl::StatusOr<std::unique_ptr<const Workload>> workload = MakeWorkload(options);
  EXPECT_TRUE(workload.ok()) << workload.status();
  return workload.ok() ? *std::move(workload) : nullptr;
}

// Allocations made by `evaluate(request)` over every request of `workload`.
template <typename Evaluate>
uint64_t AllocationsOverAllRequests(const Workload& workload, Evaluate evaluate) {
  const uint64_t before = AllocationCount();
  for (const Request& request : workload.requests) evaluate(request);
  return AllocationCount() - before;
}

// Allocations made reading each of `documents` into `request` and deciding
// it, as a server thread does with the request it keeps.
uint64_t AllocationsReadingIntoAndDeciding(const Policy& policy,
                                           const std::vector<std::string>& documents,
                                           Request* request) {
  const uint64_t before = AllocationCount();
  for (const std::string& json : documents) {
    const absl::Status read = request->ReadJson(json);
    EXPECT_TRUE(read.ok()) << read << " in " << json;
    policy.Evaluate(*request);
  }
  return AllocationCount() - before;
}

TEST(Allocations, DecisionOnlyAllocatesNothing) {
  std::unique_ptr<const Workload> workload = GatewayWorkload();
  ASSERT_NE(workload, nullptr);
  const Policy& policy = *workload->policy;
  policy.Evaluate(workload->requests[0]);  // the thread's memo is sized once
  EXPECT_EQ(AllocationsOverAllRequests(*workload, [&](const Request& request) {
              policy.Evaluate(request);
            }),
            0u);
  std::vector<uint32_t> rule_ids;
  policy.EvaluateRuleIds(workload->requests[0], &rule_ids);
  EXPECT_EQ(AllocationsOverAllRequests(*workload, [&](const Request& request) {
              policy.EvaluateRuleIds(request, &rule_ids);
            }),
            0u);
}

// The bundled agent-gateway policy on its example requests, whose `matches`
// atoms run automata (RegexDfa), and a pattern set's pass and members (a
// shell guard): no allocation either. An automaton passed where an optional one was taken
// by reference was once copied, tables and all, on every call.
TEST(Allocations, PatternAutomataDecideWithoutAllocating) {
  std::vector<std::string> files;
  for (const char* name : {"schema", "lets", "allow", "deny", "default"}) {
    files.push_back(std::string(WRIT_SOURCE_DIR) + "/policies/agent-gateway/" + name + ".writ");
  }
  absl::StatusOr<std::shared_ptr<const Policy>> gateway = Policy::CompileFiles(files);
  ASSERT_TRUE(gateway.ok()) << gateway.status();
  std::vector<Request> requests;
  for (const auto& entry : std::filesystem::directory_iterator(
           std::string(WRIT_SOURCE_DIR) + "/policies/agent-gateway/requests")) {
    std::ifstream in(entry.path());
    const std::string json((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    absl::StatusOr<Request> request = Request::FromJson(**gateway, json);
    ASSERT_TRUE(request.ok()) << request.status() << " in " << entry.path();
    requests.push_back(*std::move(request));
  }
  ASSERT_GT(requests.size(), 30u);
  for (const Request& request : requests) (*gateway)->Evaluate(request);
  uint64_t before = AllocationCount();
  for (const Request& request : requests) (*gateway)->Evaluate(request);
  EXPECT_EQ(AllocationCount() - before, 0u);

  absl::StatusOr<std::shared_ptr<const Policy>> guard = Policy::Compile({{"guard.writ", R"(
    schema { command: string; }
    deny curl when command matches "(?s).*\\bcurl\\b.*";
    deny wget when command matches "(?s).*\\bwget\\b.*";
    allow rest when command matches "[a-z -]*";
  )"}});
  ASSERT_TRUE(guard.ok()) << guard.status();
  const AttributeHandle command = *(*guard)->FindAttribute("command");
  Request texts(**guard);
  for (const char* text : {"ls -l", "curl x", "run wget now"}) {
    texts.SetString(command, text);
    (*guard)->Evaluate(texts);
    before = AllocationCount();
    for (int i = 0; i < 100; ++i) (*guard)->Evaluate(texts);
    EXPECT_EQ(AllocationCount() - before, 0u) << text;
  }
}

TEST(Allocations, AReusedExplanationAllocatesNothingOnceWarm) {
  std::unique_ptr<const Workload> workload = GatewayWorkload();
  ASSERT_NE(workload, nullptr);
  const Policy& policy = *workload->policy;
  Explanation explanation;
  const auto explain = [&](const Request& request) { policy.Evaluate(request, &explanation); };
  // The first pass grows the record (and the per-thread spares) to the
  // largest shapes the workload has.
  EXPECT_GT(AllocationsOverAllRequests(*workload, explain), 0u);
  EXPECT_EQ(AllocationsOverAllRequests(*workload, explain), 0u);
}

// A server reads each JSON request into one Request it keeps per thread
// (as Engine::EvaluateJson does): once that request has held the
// workload's largest values, reading another and deciding it allocates
// nothing, whatever the next request's set sizes and text lengths.
TEST(Allocations, AReusedRequestReadsJsonWithoutAllocatingOnceWarm) {
  std::unique_ptr<const Workload> workload = GatewayWorkload();
  ASSERT_NE(workload, nullptr);
  const Policy& policy = *workload->policy;
  Request request(policy);
  AllocationsReadingIntoAndDeciding(policy, workload->json_requests, &request);
  EXPECT_EQ(AllocationsReadingIntoAndDeciding(policy, workload->json_requests, &request), 0u);
}

// Wrong-typed values (a hostile or broken client's) get their messages
// written into the slot's error string in place, so a reused request that
// keeps meeting them allocates nothing either, and still says what was
// wrong.
TEST(Allocations, AReusedRequestWritesWrongTypedMessagesInPlace) {
  std::unique_ptr<const Workload> workload = GatewayWorkload();
  ASSERT_NE(workload, nullptr);
  const Policy& policy = *workload->policy;
  const std::vector<std::string> documents = {
      R"({"tool": 7, "data_class": "top-secret-and-then-some-more",
          "session": {"depth": "deep", "age": "five fortnights", "human_approved": "yes"},
          "destination": {"ip": "not-an-address-at-all", "host": ["a"]},
          "risk": {"signals": ["pii", 3], "score": "high"}})",
      R"({"tool": "http.get", "data_class": "public", "risk": {"signals": []}})",
      R"({"tool": {"nested": true}, "data_class": 2, "session": {"depth": 1.5, "age": -3},
          "risk": {"signals": "prompt_injection", "score": 18446744073709551615}})",
  };
  Request request(policy);
  AllocationsReadingIntoAndDeciding(policy, documents, &request);
  EXPECT_EQ(AllocationsReadingIntoAndDeciding(policy, documents, &request), 0u);
  ASSERT_TRUE(request.ReadJson(documents[0]).ok());
  Explanation explanation;
  policy.Evaluate(request, &explanation);
  const std::string record = explanation.ToJson();
  EXPECT_NE(record.find("unknown member 'top-secret-and-then-some-more' of enum(public, internal, "
                        "confidential, restricted)"),
            std::string::npos)
      << record;
  EXPECT_NE(record.find("expected set<string>, got an array containing a non-string (int)"),
            std::string::npos)
      << record;
}

#if WRIT_TEST_CAPI
// The C API's writ_policy_evaluate_json reads into a request it keeps per
// thread, as the Engine does: a decision-only call (no explanation string
// asked for) allocates nothing once warm, and it decides as the C++ API.
TEST(Allocations, TheCApiDecidesAWarmJsonRequestWithoutAllocating) {
  std::unique_ptr<const Workload> workload = GatewayWorkload();
  ASSERT_NE(workload, nullptr);
  const std::vector<SourceFile> files = GeneratedSources(workload->generated);
  std::vector<writ_source> sources;
  for (const SourceFile& file : files) {
    sources.push_back({file.name.c_str(), file.text.data(), file.text.size()});
  }
  writ_policy* policy = nullptr;
  ASSERT_EQ(writ_policy_compile(sources.data(), sources.size(), &policy, nullptr), WRIT_OK);
  size_t disagreements = 0;
  const auto decide_all = [&] {
    const uint64_t before = AllocationCount();
    for (size_t i = 0; i < workload->json_requests.size(); ++i) {
      const std::string& json = workload->json_requests[i];
      writ_decision decision;
      EXPECT_EQ(writ_policy_evaluate_json(policy, json.data(), json.size(), &decision, nullptr,
                                          nullptr),
                WRIT_OK);
      const bool allowed = workload->policy->Evaluate(workload->requests[i]).effect == Effect::kAllow;
      if ((decision.effect == WRIT_ALLOW) != allowed) ++disagreements;
    }
    return AllocationCount() - before;
  };
  decide_all();
  EXPECT_EQ(decide_all(), 0u);
  EXPECT_EQ(disagreements, 0u);
  writ_policy_free(policy);
}
#endif  // WRIT_TEST_CAPI

// String obligations longer than std::string's inline 15 bytes: each
// explained decision merges them into the record's list for their key,
// and emptying that list used to free their buffers, so every such
// decision allocated them again.
TEST(Allocations, LongStringObligationsReuseTheirBuffers) {
  absl::StatusOr<std::shared_ptr<const Policy>> policy = Policy::Compile({{"notify.writ", R"(
    schema { tool: string; }
    allow page when tool in ["page", "both"]
      with notify = "security-operations-pager", audit = "retained-for-ninety-days";
    allow mail when tool in ["mail", "both"]
      with notify = "platform-engineering-mailing-list";
    default deny;
  )"}});
  ASSERT_TRUE(policy.ok()) << policy.status();
  const AttributeHandle tool = *(*policy)->FindAttribute("tool");
  std::vector<Request> requests;
  for (const char* name : {"page", "mail", "both", "none", "both", "page"}) {
    requests.emplace_back(**policy);
    requests.back().SetString(tool, name);
  }
  Explanation explanation;
  const auto explain_all = [&] {
    const uint64_t before = AllocationCount();
    for (const Request& request : requests) (*policy)->Evaluate(request, &explanation);
    return AllocationCount() - before;
  };
  EXPECT_GT(explain_all(), 0u);
  EXPECT_EQ(explain_all(), 0u);
  // The record is still right: both rules' notify targets, sorted.
  (*policy)->Evaluate(requests[2], &explanation);
  EXPECT_NE(explanation.ToJson().find(
                R"("notify":["platform-engineering-mailing-list","security-operations-pager"])"),
            std::string::npos)
      << explanation.ToJson();
}

}  // namespace
}  // namespace writ::bench
