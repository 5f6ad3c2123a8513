// The DAG evaluator behind writ::Policy: same records as the reference
// evaluator, fail-closed guards, rule ids without an explanation.
#include <atomic>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "src/compile/dag_program.h"
#include "tests/testing/compile_for_test.h"
#include "writ/policy.h"
#include "writ/request.h"

namespace writ {
namespace {

constexpr const char* kSchema = R"(
schema {
  tool: string;
  port: int;
  class: enum(public, internal, secret);
  approved: bool;
}
)";

std::shared_ptr<const Policy> CompileOrDie(const std::string& body) {
  return writ::test_support::CompileForTest(kSchema + body);
}

std::string Record(const Policy& policy, const std::string& json, Evaluator evaluator) {
  absl::StatusOr<Request> request = Request::FromJson(policy, json);
  EXPECT_TRUE(request.ok()) << request.status().message();
  Explanation explanation;
  policy.Evaluate(*request, &explanation, evaluator);
  return explanation.ToJson();
}

// Expects the DAG's record for `request` equal to the reference's, and its
// decision-only answer equal to the reference's decision.
void ExpectSameAsReference(const Policy& policy, const Request& request,
                           const std::string& what) {
  Explanation dag, reference;
  policy.Evaluate(request, &dag, Evaluator::kDag);
  policy.Evaluate(request, &reference, Evaluator::kReference);
  EXPECT_EQ(dag.ToJson(), reference.ToJson()) << what;
  EXPECT_EQ(policy.Evaluate(request).effect, reference.decision) << what;
}

// Expects the DAG's record for each JSON request equal to the reference's,
// with an indeterminate determining rule: a deny whose attribute is absent
// or wrong-typed still applies.
void ExpectIndeterminateAsReference(const Policy& policy,
                                    std::initializer_list<const char*> requests) {
  for (const char* json : requests) {
    const std::string record = Record(policy, json, Evaluator::kDag);
    EXPECT_EQ(record, Record(policy, json, Evaluator::kReference)) << json;
    EXPECT_NE(record.find(R"("indeterminate":true)"), std::string::npos) << json;
  }
}

// Expects the DAG's record equal to the reference's for each tool with
// each port 1..ports; returns how many requests it compared.
size_t CompareOnToolsAndPorts(const Policy& policy, const std::vector<std::string>& tools,
                              int ports) {
  size_t compared = 0;
  for (const std::string& tool : tools) {
    for (int port = 1; port <= ports; ++port) {
      const std::string json =
          R"({"tool": ")" + tool + R"(", "port": )" + std::to_string(port) + "}";
      EXPECT_EQ(Record(policy, json, Evaluator::kDag), Record(policy, json, Evaluator::kReference))
          << json;
      ++compared;
    }
  }
  return compared;
}

std::vector<std::string> AgentGatewayFiles() {
  const std::string dir = std::string(WRIT_SOURCE_DIR) + "/policies/agent-gateway/";
  std::vector<std::string> files;
  for (const char* name : {"schema.writ", "lets.writ", "allow.writ", "deny.writ", "default.writ"}) {
    files.push_back(dir + name);
  }
  return files;
}

TEST(DagEvaluator, MatchesReferenceOnEveryAgentGatewayRequest) {
  absl::StatusOr<std::shared_ptr<const Policy>> policy = Policy::CompileFiles(AgentGatewayFiles());
  ASSERT_TRUE(policy.ok()) << policy.status().message();
  const std::string dir = std::string(WRIT_SOURCE_DIR) + "/policies/agent-gateway/requests";
  size_t compared = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream file(entry.path());
    std::stringstream json;
    json << file.rdbuf();
    EXPECT_EQ(Record(**policy, json.str(), Evaluator::kDag),
              Record(**policy, json.str(), Evaluator::kReference))
        << entry.path();
    ++compared;
  }
  EXPECT_GT(compared, 10u);
}

TEST(DagEvaluator, DenyGuardedByAbsentAttributeFailsClosed) {
  auto policy = CompileOrDie(R"(
    deny no_shell when tool == "shell" and not approved;
    allow everything;
  )");
  const std::string record = Record(*policy, R"({"approved": false})", Evaluator::kDag);
  EXPECT_EQ(record, Record(*policy, R"({"approved": false})", Evaluator::kReference));
  EXPECT_NE(record.find(R"("rule":"no_shell")"), std::string::npos);
  EXPECT_NE(record.find(R"("indeterminate":true)"), std::string::npos);
}

TEST(DagEvaluator, AllowGuardedByWrongTypedAttributeDoesNotApply) {
  auto policy = CompileOrDie(R"(
    allow web when tool in ["get", "post"];
    allow internal when class == internal;
  )");
  absl::StatusOr<Request> request = Request::FromJson(*policy, R"({"tool": 7, "class": "nope"})");
  ASSERT_TRUE(request.ok());
  const Decision decision = policy->Evaluate(*request);
  EXPECT_EQ(decision.effect, Effect::kDeny);
  EXPECT_TRUE(decision.default_applied);
}

TEST(DagEvaluator, ConcurrentDecisionsMatchTheReference) {
  // Each thread has its own memo; one shared Policy serves them all.
  absl::StatusOr<std::shared_ptr<const Policy>> policy = Policy::CompileFiles(AgentGatewayFiles());
  ASSERT_TRUE(policy.ok()) << policy.status().message();
  std::vector<Request> requests;
  std::vector<std::string> expected;
  const std::string dir = std::string(WRIT_SOURCE_DIR) + "/policies/agent-gateway/requests";
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream file(entry.path());
    std::stringstream json;
    json << file.rdbuf();
    absl::StatusOr<Request> request = Request::FromJson(**policy, json.str());
    ASSERT_TRUE(request.ok());
    expected.push_back(Record(**policy, json.str(), Evaluator::kReference));
    requests.push_back(std::move(*request));
  }
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      Explanation explanation;
      for (int round = 0; round < 200; ++round) {
        const size_t i = (round * 7 + t) % requests.size();
        (*policy)->Evaluate(requests[i], &explanation);
        if (explanation.ToJson() != expected[i]) ++mismatches;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(DagEvaluator, DottedSuffixIndexFindsEveryMatchingRule) {
  auto policy = CompileOrDie(R"(
    allow a when tool ends_with "x.example.com";
    allow b when tool like "*.example.com";
    allow c when tool like "api.*.com";
    deny d when tool ends_with ".bad.example.com";
  )");
  const auto decide = [&](const std::string& tool) {
    Request request(*policy);
    request.SetString(*policy->FindAttribute("tool"), tool);
    std::vector<uint32_t> rules;
    policy->EvaluateRuleIds(request, &rules);
    return rules;
  };
  EXPECT_EQ(decide("api.x.example.com"), (std::vector<uint32_t>{0, 1, 2}));
  EXPECT_EQ(decide("ax.example.com"), (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(decide("x.example.org"), (std::vector<uint32_t>{}));
  EXPECT_EQ(decide("a.bad.example.com"), (std::vector<uint32_t>{3}));
  // Absent: the deny's guard is unknown, so it applies (fail-closed).
  std::vector<uint32_t> rules;
  EXPECT_EQ(policy->EvaluateRuleIds(Request(*policy), &rules).effect, Effect::kDeny);
  EXPECT_EQ(rules, (std::vector<uint32_t>{3}));
}

// A rule found under a key that proves its guard is decided by its residual
// condition (the other conjuncts). Every mix of guard hit or miss and
// other conjuncts true, false, unknown or wrong-typed must still give the
// reference evaluator's record.
TEST(DagEvaluator, ResidualConditionsDecideLikeWholeConditions) {
  auto policy = CompileOrDie(R"(
    allow listed when tool in ["get", "put"] and port == 443 and not approved;
    allow equal when tool == "get" and class <= internal;
    allow only_guard when tool == "head";
    allow by_class when class in [public, internal] and port < 100;
    deny suffix when tool ends_with ".bad.com" and port != 443
      unless approved;
    deny listed_deny when tool in ["put", "rm"] and class == secret;
  )");
  const std::vector<std::string> tools = {R"("get")", R"("put")", R"("head")", R"("rm")",
                                          R"("x.bad.com")", R"("bad.com")", R"("other")", "7",
                                          ""};
  const std::vector<std::string> ports = {"443", "80", "8443", R"("wrong")", ""};
  const std::vector<std::string> classes = {R"("public")", R"("internal")", R"("secret")", ""};
  const std::vector<std::string> approvals = {"true", "false", ""};
  size_t compared = 0;
  for (const std::string& tool : tools) {
    for (const std::string& port : ports) {
      for (const std::string& data_class : classes) {
        for (const std::string& approved : approvals) {
          std::vector<std::string> members;
          if (!tool.empty()) members.push_back(R"("tool": )" + tool);
          if (!port.empty()) members.push_back(R"("port": )" + port);
          if (!data_class.empty()) members.push_back(R"("class": )" + data_class);
          if (!approved.empty()) members.push_back(R"("approved": )" + approved);
          std::string json = "{";
          for (size_t i = 0; i < members.size(); ++i) json += (i > 0 ? ", " : "") + members[i];
          json += "}";
          EXPECT_EQ(Record(*policy, json, Evaluator::kDag),
                    Record(*policy, json, Evaluator::kReference))
              << json;
          ++compared;
        }
      }
    }
  }
  EXPECT_EQ(compared, 9u * 5 * 4 * 3);
}

// The rule bodies' string tests reject on the constant's first 8 bytes
// before comparing the rest: values that share those bytes, or the length,
// with a constant and differ after them decide as the reference does.
TEST(DagEvaluator, StringTestsCompareEveryByteNotJustTheFirstEight) {
  auto policy = CompileOrDie(R"(
    allow equal when port == 1 and not (tool == "api.example.com");
    allow unequal when port == 2 and tool != "api.example.com";
    allow starts when port == 3 and tool starts_with "api.example.";
    allow ends when port == 4 and tool ends_with "svc.example.com";
    allow pattern when port == 5 and tool like "api-*.svc.example.com";
    allow short when port == 6 and tool ends_with "e.com";
  )");
  const std::vector<std::string> tools = {
      "api.example.com", "api.example.org", "api.examplX.com", "bpi.example.com",
      "api.example.co",  "api.example.",    "api.example",     "api-x.svc.example.com",
      "api-.svc.example.com", "api-x.svc.example.org", "apx-x.svc.example.com",
      "a.svc.example.com", "svc.example.com", "xvc.example.com", "e.com", ""};
  EXPECT_EQ(CompareOnToolsAndPorts(*policy, tools, 6), 16u * 6);
}

// The list walks skip a rule whose first test's screen (its length, 8 of
// its bytes) rules the test out. Denies through every list kind decide as
// the reference on near misses, and one whose attribute is absent or
// wrong-typed is not skipped: its test is unknown, so it applies.
TEST(DagEvaluator, ScreensSkipOnlyRulesWhoseFirstTestIsFalse) {
  auto policy = CompileOrDie(R"(
    deny exact when port == 1 and tool == "api.example.com" and not approved;
    deny suffix when port == 2 and tool ends_with "svc-example-com";
    deny prefix when port == 3 and tool starts_with "api-internal-";
    deny pattern when port == 4 and tool like "db-*.example.org";
    deny short when port == 5 and tool ends_with "e-com";
    allow rest when port >= 1;
  )");
  const std::vector<std::string> tools = {
      "api.example.com", "api.example.coX", "api.example.co", "Xpi.example.com",
      "x-svc-example-com", "svc-example-com", "vc-example-com", "x-svc-examplX-com",
      "api-internal-", "api-internal-x", "api-internaX-x", "db-1.example.org",
      "db-.example.org", "db1.example.org", "db-1.examplX.org", "e-com", "x-com", ""};
  EXPECT_EQ(CompareOnToolsAndPorts(*policy, tools, 5), 18u * 5);
  ExpectIndeterminateAsReference(*policy, {R"({"port": 1})", R"({"port": 1, "tool": 7})",
                                           R"({"port": 2})",
                                           R"({"port": 4, "tool": ["db-1.example.org"]})"});
}

// A key's list whose entries are all screened by a string test on one
// attribute is walked with that text read once (GuardIndex::
// text_screen_slot): here each tool's allows, screened by the host. The
// denies' list mixes the host with the path, so it is walked entry by
// entry. Both decide as the reference with the host
// matching, nearly matching, absent and wrong-typed.
TEST(DagEvaluator, KeyListsScreenedByOneTextDecideAsTheReference) {
  auto policy = writ::test_support::CompileForTest(R"(
    schema { tool: string; host: string; path: string; port: int; }
    allow exact when tool == "get" and host == "api.example.com";
    allow suffix when tool == "get" and host ends_with ".svc.example.net";
    allow pattern when tool == "get" and host like "db-*.example.org";
    allow short when tool in ["get", "put", "list", "head", "scan"] and host ends_with ".io";
    allow admin when tool == "put" and host == "admin.example.com";
    deny locked when tool == "put" and host == "vault.example.com";
    deny internal when tool == "put" and path starts_with "/internal/";
  )");
  const internal::DagProgram& program = *policy->dag();
  const AttributeHandle host = *policy->FindAttribute("host");
  ASSERT_EQ(program.allow_plan().indexes.size(), 1u);
  EXPECT_EQ(program.allow_plan().indexes[0].text_screen_slot, host.slot);
  ASSERT_EQ(program.deny_plan().indexes.size(), 1u);
  EXPECT_EQ(program.deny_plan().indexes[0].text_screen_slot, internal::GuardIndex::kNoSlot);
  const std::string dump = policy->DumpDag("text");
  EXPECT_NE(dump.find("  allow by tool: 5 rules under 5 keys; 1.8 a key on average, at most 4 "
                      "(\"get\"); each screened by host\n"),
            std::string::npos)
      << dump;
  EXPECT_NE(dump.find("  deny by tool: 2 rules under 1 key; 2.0 a key on average, at most 2 "
                      "(\"put\")\n"),
            std::string::npos)
      << dump;
  size_t compared = 0;
  for (const char* tool : {"get", "put", "del"}) {
    for (const char* host_field :
         {R"("host": "api.example.com",)", R"("host": "api.example.co",)",
          R"("host": "x.svc.example.net",)", R"("host": "x.svc.example.nex",)",
          R"("host": "db-1.example.org",)", R"("host": "db-1.example.orX",)",
          R"("host": "a.io",)", R"("host": "io",)", R"("host": "admin.example.com",)",
          R"("host": "vault.example.com",)", R"("host": 7,)", ""}) {
      for (const char* path : {"/internal/keys", "/public"}) {
        for (int port : {1, 5}) {
          const std::string json = absl::StrCat(R"({"tool": ")", tool, R"(", )", host_field,
                                                R"( "path": ")", path, R"(", "port": )", port,
                                                "}");
          EXPECT_EQ(Record(*policy, json, Evaluator::kDag),
                    Record(*policy, json, Evaluator::kReference))
              << json;
          ++compared;
        }
      }
    }
  }
  EXPECT_EQ(compared, 3u * 12 * 2 * 2);
}

// A listed rule whose first test compares a scalar with a constant is
// skipped when the request's value fails it (kScreenInteger,
// kScreenNumber), and only then: at every boundary, for `!=` and for a NaN
// score (which makes `!=` true and the orderings false), and never when
// the value is absent or wrong-typed, where the deny must apply.
TEST(DagEvaluator, CompareScreensSkipOnlyRulesWhoseFirstCompareIsFalse) {
  auto policy = writ::test_support::CompileForTest(R"(
    schema { tool: string; score: number; port: int; class: enum(public, internal, secret);
             approved: bool; }
    deny risky when tool == "run" and score >= 0.8;
    deny calm when tool == "run" and score < 0.1;
    deny deep when tool == "run" and port > 2 and not approved;
    deny secret when tool == "read" and class >= internal;
    deny odd when tool == "read" and score != 0.5 and port != 1;
    allow rest when tool in ["run", "read"];
  )");
  const AttributeHandle tool = *policy->FindAttribute("tool");
  const AttributeHandle score = *policy->FindAttribute("score");
  const AttributeHandle port = *policy->FindAttribute("port");
  const AttributeHandle class_handle = *policy->FindAttribute("class");
  const AttributeHandle approved = *policy->FindAttribute("approved");
  const double nan = std::numeric_limits<double>::quiet_NaN();
  size_t compared = 0;
  for (const char* tool_value : {"run", "read"}) {
    for (double score_value : {-1.0, 0.0, 0.1, 0.5, 0.79, 0.8, 0.81, nan}) {
      for (int64_t port_value : {1, 2, 3}) {
        for (const char* class_value : {"public", "internal", "secret"}) {
          for (bool approved_value : {false, true}) {
            Request request(*policy);
            request.SetString(tool, tool_value);
            request.SetNumber(score, score_value);
            request.SetInt(port, port_value);
            request.SetEnum(class_handle, class_value);
            request.SetBool(approved, approved_value);
            ExpectSameAsReference(*policy, request,
                                  absl::StrCat(tool_value, " ", score_value, " ", port_value,
                                               " ", class_value, " ", approved_value));
            ++compared;
          }
        }
      }
    }
  }
  EXPECT_EQ(compared, 2u * 8 * 3 * 3 * 2);
  ExpectIndeterminateAsReference(*policy, {R"({"tool": "run", "port": 1})",
                                           R"({"tool": "run", "score": "high"})",
                                           R"({"tool": "read", "score": 0.5})"});
}

// A lone unguarded compare is tested from its interval (ScreenedCompare)
// and decides as the reference: each operator, as a deny and as an allow
// (alone in its policy, so no other rule hides an answer), on constants at
// the ends of the int range and around numbers' zeros and infinities,
// with values at and next to each bound, NaN, and the attribute absent or
// wrong-typed (where a deny applies).
TEST(DagEvaluator, UnguardedCompareIntervalsDecideAsTheReferenceAtEveryBound) {
  constexpr int64_t kLeast = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMost = std::numeric_limits<int64_t>::max();
  constexpr double kInfinity = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  size_t summarised = 0;
  size_t compared = 0;
  const auto expect_same = [&](const Policy& policy, const Request& request,
                               const std::string& what) {
    ExpectSameAsReference(policy, request, what);
    ++compared;
  };
  for (const char* effect : {"deny", "allow"}) {
    // `effect` alone in a policy whose schema is `declaration`.
    const auto alone = [&](const char* declaration, const std::string& condition) {
      auto policy = writ::test_support::CompileForTest(
          absl::StrCat("schema { ", declaration, " }\n", effect, " r when ", condition, ";\n"));
      summarised += policy->dag()->deny_plan().compares.size() +
                    policy->dag()->allow_plan().compares.size();
      return policy;
    };
    for (const char* op : {"<", "<=", ">", ">=", "==", "!="}) {
      for (const int64_t constant : {kLeast + 1, int64_t{-1}, int64_t{0}, int64_t{7}, kMost - 1,
                                     kMost}) {
        const std::string condition = absl::StrCat("port ", op, " ", constant);
        auto policy = alone("port: int;", condition);
        const AttributeHandle port = *policy->FindAttribute("port");
        for (const int64_t value : {kLeast, kLeast + 1, constant == kLeast ? kLeast : constant - 1,
                                    constant, constant == kMost ? kMost : constant + 1, kMost - 1,
                                    kMost}) {
          Request request(*policy);
          request.SetInt(port, value);
          expect_same(*policy, request, absl::StrCat(effect, " ", condition, ": ", value));
        }
        for (const char* json : {"{}", R"({"port": "high"})"}) {
          EXPECT_EQ(Record(*policy, json, Evaluator::kDag),
                    Record(*policy, json, Evaluator::kReference));
        }
      }
      for (const char* constant : {"-1e300", "-0.0", "0.0", "0.5", "1e300"}) {
        const std::string condition = absl::StrCat("score ", op, " ", constant);
        auto policy = alone("score: number;", condition);
        const AttributeHandle score = *policy->FindAttribute("score");
        const double bound = std::stod(constant);
        for (const double value : {-kInfinity, -1e300, std::nextafter(bound, -kInfinity), bound,
                                   std::nextafter(bound, kInfinity), -0.0, 0.0, 1e300, kInfinity,
                                   nan}) {
          Request request(*policy);
          request.SetNumber(score, value);
          expect_same(*policy, request, absl::StrCat(effect, " ", condition, ": ", value));
        }
      }
    }
  }
  // Every ordering of an int but `>` the greatest int (no value), and of a
  // number every operator but `!=` (two intervals), is summarised; an int
  // `==` is filed in an equality index instead.
  EXPECT_EQ(summarised, 2u * (4 * 6 - 1 + 5 * 5));
  EXPECT_EQ(compared, 2u * 6 * (6 * 7 + 5 * 10));
}

// A rule body's int compares are decided as intervals (kIntInterval):
// every operator, as the conjunct and negated (`unless`), constants and
// values at both ends of the range, absent and wrong-typed values. The
// compare is not the body's first test (`tool ==` is), so no screen
// stands in front of it: the interval alone decides.
TEST(DagEvaluator, BodyIntComparesDecideAsTheReferenceAtEveryBound) {
  constexpr int64_t kLeast = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMost = std::numeric_limits<int64_t>::max();
  size_t intervals = 0;
  size_t compared = 0;
  for (const char* effect : {"deny", "allow"}) {
    for (const char* op : {"<", "<=", ">", ">=", "==", "!="}) {
      for (const int64_t constant :
           {kLeast + 1, int64_t{-1}, int64_t{0}, int64_t{7}, kMost - 1, kMost}) {
        for (const char* joint : {" and ", " unless "}) {
          const std::string condition =
              absl::StrCat("when tool == \"t\"", joint, "port ", op, " ", constant);
          auto policy = writ::test_support::CompileForTest(absl::StrCat(
              "schema { tool: string; port: int; }\n", effect, " r ", condition, ";\n"));
          for (const internal::CompactAtom& test : policy->dag()->body_tests()) {
            intervals += test.test == internal::AtomTest::kIntInterval ? 1 : 0;
          }
          const AttributeHandle tool = *policy->FindAttribute("tool");
          const AttributeHandle port = *policy->FindAttribute("port");
          for (const int64_t value :
               {kLeast, kLeast + 1, constant == kLeast ? kLeast : constant - 1, constant,
                constant == kMost ? kMost : constant + 1, kMost - 1, kMost}) {
            Request request(*policy);
            request.SetString(tool, "t");
            request.SetInt(port, value);
            ExpectSameAsReference(*policy, request,
                                  absl::StrCat(effect, " ", condition, ": ", value));
            ++compared;
          }
          for (const char* json : {R"({"tool": "t"})", R"({"tool": "t", "port": "high"})"}) {
            EXPECT_EQ(Record(*policy, json, Evaluator::kDag),
                      Record(*policy, json, Evaluator::kReference))
                << effect << " " << condition << ": " << json;
          }
        }
      }
    }
  }
  EXPECT_GE(intervals, 2u * 6 * 6 * 2);  // each rule's compare, in each list it is in
  EXPECT_EQ(compared, 2u * 6 * 6 * 2 * 7);
}

// A listed rule whose first test is `tool in [...]` is skipped when the
// tool's length is no member's or its leading bytes miss the members'
// filter (kScreenMembers), and only then. One request object is reused,
// its tool set long then short, so a short tool's slot holds stale bytes
// past its end that the screen must not read as part of it.
TEST(DagEvaluator, MemberScreensSkipOnlyRulesWhoseToolIsNoMember) {
  // More hosts than tools, so that the rules are found by host and their
  // bodies start with the tool test.
  auto policy = writ::test_support::CompileForTest(R"(
    schema { tool: string; host: string; approved: bool; }
    let allowed_hosts = host in ["a.example.com", "a2", "a3", "a4", "a5", "a6", "a7"];
    allow short when allowed_hosts and tool in ["ab", "abc", "crm.read"];
    allow long when allowed_hosts and tool in ["analytics.delete", "s3.export.all.x"];
    deny risky when host in ["b.example.com", "b2", "b3", "b4"]
      and tool in ["", "ab", "billing.refund"] and not approved;
    allow rest when host == "b.example.com" and approved;
  )");
  const std::string dump = policy->DumpDag("text");
  EXPECT_NE(dump.find("short(n"), std::string::npos) << dump;
  EXPECT_NE(dump.find("): tool in [\"ab\", \"abc\", \"crm.read\"] (screened)"),
            std::string::npos)
      << dump;
  EXPECT_NE(dump.find("): tool in [\"\", \"ab\", \"billing.refund\"] (screened)"),
            std::string::npos)
      << dump;
  const AttributeHandle tool = *policy->FindAttribute("tool");
  const AttributeHandle host = *policy->FindAttribute("host");
  const AttributeHandle approved = *policy->FindAttribute("approved");
  const std::vector<std::string> tools = {
      "", "a", "ab", "ac", "abc", "abd", "crm.read", "crm.reae", "crm.rea", "crm.readx",
      "analytics.delete", "analytics.deletx", "bnalytics.delete", "s3.export.all.x",
      "s3.export.all.y", "billing.refund", "billing.refunx", "x-very-long-tool-name-indeed"};
  Request request(*policy);
  size_t compared = 0;
  for (const char* host_value : {"a.example.com", "b.example.com"}) {
    for (bool approved_value : {false, true}) {
      for (const std::string& tool_value : tools) {
        // Fill the slot with a long text first, then the one compared.
        request.SetString(tool, "zzzzzzzzzzzzzzzz");
        request.SetString(tool, tool_value);
        request.SetString(host, host_value);
        request.SetBool(approved, approved_value);
        ExpectSameAsReference(*policy, request,
                              absl::StrCat(host_value, " ", approved_value, " '", tool_value, "'"));
        ++compared;
      }
    }
  }
  EXPECT_EQ(compared, 2u * 2 * 18);
  ExpectIndeterminateAsReference(*policy, {R"({"host": "b.example.com"})",
                                           R"({"host": "b.example.com", "tool": 3})"});
}

// ==, !=, starts_with, ends_with and single-star `like` share one
// prefix-and-suffix test in the DAG: on texts where the ends overlap, with
// multi-byte code points around the star and stray UTF-8 continuation
// bytes, it decides as the reference's operators and token matcher do.
TEST(DagEvaluator, AnchoredStringTestsDecideAsTheReference) {
  const std::vector<std::string> tests = {
      "== \"ab\"", "!= \"ab\"", "starts_with \"ab\"", "ends_with \"ab\"",
      "starts_with \"\"", "ends_with \"\"", "== \"\"", "like \"*\"", "like \"a*\"",
      "like \"*b\"", "like \"a*b\"", "like \"ab*ab\"", "like \"a*ab\"",
      "like \"*.example.com\"", "like \"api-*.example.com\"", "like \"\u00e9*b\""};
  std::string rules;
  for (size_t i = 0; i < tests.size(); ++i) {
    rules += "allow r" + std::to_string(i) + " when port == " + std::to_string(i) + " and tool " +
             tests[i] + ";\n";
  }
  auto policy = CompileOrDie(rules);
  const AttributeHandle tool = *policy->FindAttribute("tool");
  const AttributeHandle port = *policy->FindAttribute("port");
  size_t compared = 0;
  for (const char* text : {"", "a", "ab", "aab", "aba", "abab", "ba", "a.b", "x.example.com",
                           "example.com", "api-x.example.com", "api-.example.com", "api-",
                           "\xc3\xa9", "\xc3\xa9" "b", "\xc3\xa9" "xb", "a\xa9" "b", "a\xc3" "b",
                           "a\xc3\xa9" "b", "\xa9" "ab", "ab\xc3"}) {
    for (size_t i = 0; i < tests.size(); ++i) {
      Request request(*policy);
      request.SetString(tool, text);
      request.SetInt(port, static_cast<int64_t>(i));
      Explanation dag, reference;
      policy->Evaluate(request, &dag, Evaluator::kDag);
      policy->Evaluate(request, &reference, Evaluator::kReference);
      EXPECT_EQ(dag.ToJson(), reference.ToJson()) << "tool " << tests[i] << ", text '" << text << "'";
      ++compared;
    }
  }
  EXPECT_EQ(compared, 21u * 16);
}

// `in` and `not in` over strings are decided from the program's member
// arrays: members that share their first 8 bytes or their length with a
// value, the empty string and a one-member list decide as the reference.
TEST(DagEvaluator, StringListTestsCompareEveryMemberWhole) {
  auto policy = CompileOrDie(R"(
    allow listed when port == 1 and tool in ["analytics.read", "analytics.readX", "", "ab"];
    allow unlisted when port == 2 and tool not in ["analytics.read", "abcdefgh"];
    allow single when port == 3 and not (tool in ["abcdefgh"]);
  )");
  const std::vector<std::string> tools = {
      "analytics.read", "analytics.reaX", "analytics.readX", "analytics.readXY", "analytics",
      "", "a", "ab", "ba", "abcdefgh", "abcdefgX", "abcdefghi"};
  EXPECT_EQ(CompareOnToolsAndPorts(*policy, tools, 3), 12u * 3);
}

// Rules found through a CIDR index decide as the reference at and around
// every block's ends: nested and disjoint blocks, IPv4 (also written as a
// mapped IPv6 address) and IPv6, a rule that lists a block inside another
// of its own (determining once), blocks that reach either end of the
// address space, and an absent or wrong-typed address (the denies apply,
// fail-closed).
TEST(DagEvaluator, CidrIndexesDecideAsTheReferenceAroundEveryBlock) {
  auto policy = writ::test_support::CompileForTest(R"(
    schema { ip: ip; port: int; }
    allow corp when ip within ["10.0.0.0/8", "192.168.0.0/16"] and port == 1;
    allow lab when ip within ["10.1.0.0/16"] and port <= 2;
    allow host when ip within ["10.1.2.3/32", "10.1.2.0/24", "10.0.0.0/8"];
    allow v6 when ip within ["fd12:3456:789a::/48", "::/0"] and port == 3;
    deny top when ip within ["255.255.255.0/24", "ffff:ffff:ffff:ffff::/64"] and port == 4;
    deny low when ip within ["0.0.0.0/8"] and port > 0;
    deny ula when ip within ["fd12:3456:789a:1::/64"] and port < 3;
  )");
  // Every rule here is found through the two CIDR indexes.
  const std::string dag = policy->DumpDag("text");
  ASSERT_NE(dag.find("  allow by ip cidr (4 rules;"), std::string::npos) << dag;
  ASSERT_NE(dag.find("  deny by ip cidr (3 rules;"), std::string::npos) << dag;
  size_t compared = 0;
  for (const char* ip :
       {"10.0.0.0", "9.255.255.255", "10.255.255.255", "11.0.0.0", "10.1.0.0", "10.0.255.255",
        "10.1.255.255", "10.2.0.0", "10.1.2.3", "10.1.2.2", "10.1.2.4", "10.1.2.0", "10.1.2.255",
        "10.1.3.0", "::ffff:10.1.2.3", "192.168.0.0", "192.167.255.255", "192.168.255.255",
        "192.169.0.0", "0.0.0.0", "0.255.255.255", "1.0.0.0", "255.255.255.255",
        "255.255.255.0", "255.255.254.255", "::", "::1", "fd12:3456:789a::",
        "fd12:3456:789a:1::", "fd12:3456:789a:1:ffff:ffff:ffff:ffff", "fd12:3456:789a:2::",
        "fd12:3456:789a:ffff:ffff:ffff:ffff:ffff", "fd12:3456:789b::", "fd12:3456:7899:ffff::",
        "ffff:ffff:ffff:ffff::", "ffff:ffff:ffff:fffe:ffff:ffff:ffff:ffff",
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"}) {
    for (int port = 0; port <= 4; ++port) {
      const std::string json =
          absl::StrCat(R"({"ip": ")", ip, R"(", "port": )", port, "}");
      EXPECT_EQ(Record(*policy, json, Evaluator::kDag), Record(*policy, json, Evaluator::kReference))
          << json;
      ++compared;
    }
  }
  EXPECT_EQ(compared, 37u * 5);
  ExpectIndeterminateAsReference(*policy, {R"({"port": 1})", R"({"ip": "10.1.2", "port": 1})",
                                           R"({"ip": 7})"});
}

// Rules found through a prefix table decide as the reference on texts at
// and around every key: the key itself, one byte short, one byte more, the
// key's last byte raised or lowered (texts sorting just before or after
// it), texts between nested keys, the empty text, bytes past 0x7f, and an
// absent or wrong-typed value (the denies apply, fail-closed). Every rule
// of an `or` of prefixes is found once (determining rules are compared).
TEST(DagEvaluator, PrefixIndexesDecideAsTheReferenceAroundEveryKey) {
  auto policy = writ::test_support::CompileForTest(R"(
    schema { id: string; port: int; }
    allow agents when id starts_with "sp://c/a/" and port == 1;
    allow research when id starts_with "sp://c/a/r/" and port <= 2;
    allow ci when id starts_with "sp://c/ci/";
    allow shaped when id like "sp://c/a/*x?y";
    allow any when id starts_with "sp://c/" or id starts_with "sp://c/ci/";
    deny evil when id starts_with "sp://e" and port > 1;
    deny high when id starts_with "\u{e9}t\u{e9}" or id starts_with "\u{e9}";
  )");
  const AttributeHandle id = *policy->FindAttribute("id");
  const AttributeHandle port = *policy->FindAttribute("port");
  std::vector<std::string> texts = {"", "s", "sp://", "sp://c", "sp://b/", "sp://d/",
                                    "sp://c/a/xzy", "sp://c/a/r/x\xc3\xa9y", "zzz",
                                    "\xc3\xa9t\xc3\xa9!", "\xc3\xa9", "\xc3"};
  for (const std::string key : {"sp://c/a/", "sp://c/a/r/", "sp://c/ci/", "sp://c/", "sp://e"}) {
    texts.push_back(key);
    texts.push_back(key.substr(0, key.size() - 1));
    texts.push_back(key + "x");
    std::string raised = key;
    ++raised.back();
    texts.push_back(raised);
    std::string lowered = key;
    --lowered.back();
    texts.push_back(lowered + "~");
  }
  size_t compared = 0;
  for (const std::string& text : texts) {
    for (int port_value = 0; port_value <= 3; ++port_value) {
      Request request(*policy);
      request.SetString(id, text);
      request.SetInt(port, port_value);
      ExpectSameAsReference(*policy, request, absl::StrCat(text, " ", port_value));
      ++compared;
    }
  }
  EXPECT_EQ(compared, (12u + 5 * 5) * 4);
  ExpectIndeterminateAsReference(*policy, {R"({"port": 2})", R"({"id": 7, "port": 2})"});
}

// Rules found through an element index decide as the reference on sets
// hitting no member, one, several of one rule's (found once per element,
// determining once), repeated elements, the empty set, and an absent or
// wrong-typed set (the denies apply, fail-closed).
TEST(DagEvaluator, ElementIndexesDecideAsTheReference) {
  auto policy = writ::test_support::CompileForTest(R"(
    schema { signals: set<string>; port: int; }
    deny injection when signals contains "prompt_injection" and port > 1;
    deny exfiltration when signals contains_any ["exfiltration", "credentials"] and port != 3;
    allow vetted when signals contains_all ["reviewed", "signed"] and port <= 2;
    allow known when signals contains_any ["reviewed", "trusted"];
  )");
  const AttributeHandle signals = *policy->FindAttribute("signals");
  const AttributeHandle port = *policy->FindAttribute("port");
  const std::vector<std::vector<std::string>> sets = {
      {}, {"other"}, {"prompt_injection"}, {"exfiltration", "credentials"},
      {"credentials", "credentials"}, {"reviewed"}, {"signed", "reviewed"},
      {"trusted", "reviewed", "signed", "x"}, {"prompt_injection", "exfiltration", "reviewed"}};
  size_t compared = 0;
  for (const std::vector<std::string>& set : sets) {
    for (int port_value = 0; port_value <= 3; ++port_value) {
      Request request(*policy);
      request.SetStringSet(signals, set);
      request.SetInt(port, port_value);
      ExpectSameAsReference(*policy, request,
                            absl::StrCat(absl::StrJoin(set, ","), " ", port_value));
      ++compared;
    }
  }
  EXPECT_EQ(compared, 9u * 4);
  ExpectIndeterminateAsReference(*policy, {R"({"port": 2})",
                                           R"({"signals": "prompt_injection", "port": 2})"});
}

// `==` and `in` on int and duration attributes are looked up by the
// integer's bytes (IntegerKey): every port and age, negative and zero
// included, on the keys and between them, decides as the reference, and
// an absent or wrong-typed value leaves the deny indeterminate.
TEST(DagEvaluator, IntegerEqualityIndexesDecideAsTheReference) {
  auto policy = writ::test_support::CompileForTest(R"(
    schema { port: int; age: duration; tool: string; }
    deny telnet when port in [23, 2323] and tool != "ssh";
    deny stale when age == 1h;
    allow web when port in [80, 443, 8080];
    allow fetch when port == 443 and tool == "fetch";
    allow loopback when port == -1;
    allow fresh when age in [0s, 30s, 5m] and tool == "ssh";
  )");
  // The allows join the port and age indexes, not the unguarded list.
  EXPECT_NE(policy->DumpDag("text").find("  allow by age (1 rules"), std::string::npos);
  const AttributeHandle port = *policy->FindAttribute("port");
  const AttributeHandle age = *policy->FindAttribute("age");
  const AttributeHandle tool = *policy->FindAttribute("tool");
  size_t compared = 0;
  for (int64_t port_value : {-1, 0, 1, 22, 23, 80, 81, 443, 2323, 8080, 65535}) {
    for (int64_t age_seconds : {-1, 0, 1, 30, 300, 3600, 3601}) {
      for (const char* tool_value : {"fetch", "ssh"}) {
        Request request(*policy);
        request.SetInt(port, port_value);
        request.SetDurationSeconds(age, age_seconds);
        request.SetString(tool, tool_value);
        ExpectSameAsReference(*policy, request,
                              absl::StrCat(port_value, " ", age_seconds, " ", tool_value));
        ++compared;
      }
    }
  }
  EXPECT_EQ(compared, 11u * 7 * 2);
  ExpectIndeterminateAsReference(*policy, {R"({"tool": "fetch"})",
                                           R"({"port": "23", "tool": "fetch"})",
                                           R"({"port": 23.5, "tool": "fetch", "age": "1h"})"});
}

// The `matches` atoms over one attribute share an RE2::Set: a pass with no
// match makes them all false, else each runs its own regex, and either way
// every member's answer is kept for the rest of the decision. Negated, in
// bodies and under `or`, on texts matching none, one or several patterns,
// and absent or wrong-typed (unknown), they decide as the reference,
// why_not included.
TEST(DagEvaluator, PatternSetsDecideAsTheReference) {
  auto policy = writ::test_support::CompileForTest(R"(
    schema { cmd: string; tool: string; port: int; }
    deny curl when cmd matches "(?s).*\\bcurl\\b.*";
    deny wget when cmd matches "(?s).*\\bwget\\b.*" and port > 1;
    deny rm when not (cmd matches "rm -rf /tmp/.*") and tool == "shell"
      and cmd matches "(?i)RM .*";
    allow shell when tool == "shell" and (cmd matches "ls( .*)?" or cmd matches "(?i)RM .*");
    allow fetch when tool == "http" and cmd matches "(?s).*\\bwget\\b.*";
    allow other when tool == "other" and cmd matches "";
  )");
  ASSERT_NE(policy->DumpDag("text").find("pattern sets (one pass each)\n  cmd: "),
            std::string::npos);
  size_t compared = 0;
  for (const char* cmd : {"", "curl x", "xcurl y", "wget http://a", "get wget", "rm -rf /tmp/x",
                          "rm -rf /", "RM foo", "rm foo", "curl && wget", "ls", "ls -l", "lsx",
                          "rm\\n-rf", "line\\ncurl"}) {
    for (const char* tool : {"shell", "http", "other", "none"}) {
      for (int port = 1; port <= 2; ++port) {
        const std::string json = absl::StrCat(R"({"cmd": ")", cmd, R"(", "tool": ")", tool,
                                              R"(", "port": )", port, "}");
        EXPECT_EQ(Record(*policy, json, Evaluator::kDag),
                  Record(*policy, json, Evaluator::kReference))
            << json;
        ++compared;
      }
    }
  }
  EXPECT_EQ(compared, 15u * 4 * 2);
  ExpectIndeterminateAsReference(*policy, {R"({"tool": "shell", "port": 2})",
                                           R"({"cmd": 7, "tool": "http"})"});
}

// Globs in a pattern set (multi-wildcard `like`, with `matches` on the
// same attribute) decide as the reference: the set's pass rules them out
// only when the glob cannot match, and a text the set matches is decided
// by the glob itself, whose `?` is one code point where the set's pattern
// takes any bytes. Texts with multi-byte code points, stray bytes that are
// not UTF-8 (set through the API; JSON cannot carry them), regex
// metacharacters, and absent or wrong-typed paths.
TEST(DagEvaluator, GlobsInPatternSetsDecideAsTheReference) {
  auto policy = writ::test_support::CompileForTest(R"(
    schema { path: string; tool: string; }
    deny keys when path like "*/.ssh/*" or path like "*id_?sa*";
    deny env when tool == "fs.read" and path like "*/.env*" and not (path matches ".*\\.example");
    allow read when tool == "fs.read" and (path like "/work/*/src/*" or path like "/tmp/?");
    allow odd when path like "*(a)[b]*$*";
  )");
  ASSERT_NE(policy->DumpDag("text").find("pattern sets (one pass each)\n  path: "),
            std::string::npos);
  const AttributeHandle path = *policy->FindAttribute("path");
  const AttributeHandle tool = *policy->FindAttribute("tool");
  size_t compared = 0;
  for (const std::string text :
       {"", "/work/a/src/main.cc", "/work/a/.ssh/id_rsa", "/home/u/id_dsa.pub", "/home/u/id_sa",
        "/work/a/src/.env", "/work/a/src/.env.example", "/tmp/x", "/tmp/\xc3\xa9", "/tmp/\xff",
        "/tmp/\xc3\xa9\xc3\xa9", "/tmp/", "id_\xc3\xa9sa", "id_\x80\x80sa", "q(a)[b]x$y",
        "(a)[b]$", "(a)b$", "/work/\xff/src/\x80"}) {
    for (const char* tool_name : {"fs.read", "fs.write"}) {
      Request request(*policy);
      request.SetString(path, text);
      request.SetString(tool, tool_name);
      ExpectSameAsReference(*policy, request, absl::StrCat(text, " ", tool_name));
      ++compared;
    }
  }
  EXPECT_EQ(compared, 18u * 2);
  ExpectIndeterminateAsReference(*policy, {R"({"tool": "fs.read"})",
                                           R"({"path": 7, "tool": "fs.read"})"});
}

// Rules filed under the keys of an `or` (DagCompiler's disjunction guards)
// decide as the reference on every mix of hit, missed, absent and
// wrong-typed values: found under a key they keep their whole condition,
// and a host under two of a rule's suffixes still finds it once (the
// determining rules are compared too).
TEST(DagEvaluator, DisjunctionGuardsDecideAsTheReference) {
  auto policy = writ::test_support::CompileForTest(R"(
    schema { tool: string; host: string; port: int; ip: ip; level: enum(low, mid, high); }
    allow a when (tool == "x" and port == 1) or (tool == "y" and port == 2);
    let web = tool == "get" or tool in ["post", "x"];
    allow b when web and level <= mid;
    deny c when host ends_with ".a.com" or host ends_with ".b.a.com" or host like "*.c.com";
    deny d when level == high or (level in [mid] and port > 2);
    allow e when (ip within ["10.0.0.0/8"] and port == 1) or ip within ["10.1.0.0/16"];
    deny f when (ip within ["10.1.0.0/16"] and tool == "y") or ip within ["192.168.0.0/16"];
  )");
  size_t compared = 0;
  for (const char* tool : {R"("x")", R"("y")", R"("get")", R"("post")", R"("q")", "7", ""}) {
    for (const char* host : {R"("m.a.com")", R"("m.b.a.com")", R"("m.c.com")", R"("m.d.com")",
                             "true", ""}) {
      for (const char* ip : {R"("10.1.2.3")", R"("10.2.0.1")", R"("192.168.1.1")",
                             R"("11.0.0.1")", ""}) {
        for (const char* level : {R"("low")", R"("mid")", R"("high")", ""}) {
          for (int port = 0; port <= 3; ++port) {
            std::string json = absl::StrCat(R"({"port": )", port);
            for (const auto& [name, value] : {std::pair{"tool", tool}, std::pair{"host", host},
                                              std::pair{"ip", ip}, std::pair{"level", level}}) {
              if (*value != '\0') absl::StrAppend(&json, R"(, ")", name, R"(": )", value);
            }
            json += "}";
            EXPECT_EQ(Record(*policy, json, Evaluator::kDag),
                      Record(*policy, json, Evaluator::kReference))
                << json;
            ++compared;
          }
        }
      }
    }
  }
  EXPECT_EQ(compared, 7u * 6 * 5 * 4 * 4);
}

// A default deny's why_not, ranked with the why_not plan's near rules (a
// rule it does not find has two conjuncts that are not true), equals the
// reference's: once three rules with two failures are held, a later rule
// with one failure is still found, including one whose guard atoms sit in
// one conjunct (a let of an `and`, one conjunct to why_not), which the plan
// must not count as two. Absent and wrong-typed values count as failures.
TEST(DagEvaluator, WhyNotFromTheNearRulesEqualsTheReference) {
  auto policy = writ::test_support::CompileForTest(R"(
    schema { tool: string; host: string; port: int; }
    let both = tool == "z" and host == "g";
    allow r1 when tool == "t1" and host == "h1";
    allow r2 when tool == "t2" and host == "h2" and port == 9;
    allow r3 when tool == "t3" and host == "h3";
    allow r4 when tool == "t4" and host == "h4" and port > 1;
    allow late when both and port == 5;
    allow later when tool == "t5" and host == "h5" and port == 5;
    allow last when tool in ["q", "t6"] and host == "h6";
  )");
  size_t compared = 0;
  for (const char* tool : {R"("q")", R"("t5")", R"("z")", R"("t1")", "7", ""}) {
    for (const char* host : {R"("q")", R"("g")", R"("h5")", R"("h1")", ""}) {
      for (int port = 4; port <= 6; ++port) {
        std::string json = absl::StrCat(R"({"port": )", port);
        if (*tool != '\0') absl::StrAppend(&json, R"(, "tool": )", tool);
        if (*host != '\0') absl::StrAppend(&json, R"(, "host": )", host);
        json += "}";
        const std::string record = Record(*policy, json, Evaluator::kDag);
        EXPECT_EQ(record, Record(*policy, json, Evaluator::kReference)) << json;
        ++compared;
      }
    }
  }
  EXPECT_EQ(compared, 6u * 5 * 3);
  // The case the let pins: no guard atom of `late` is hit, yet it fails
  // one conjunct only and ranks first.
  const std::string record = Record(*policy, R"({"tool": "q", "host": "q", "port": 5})",
                                    Evaluator::kDag);
  EXPECT_NE(record.find(R"("why_not":[{"rule":"late")"), std::string::npos) << record;
}

// Rules found through a threshold index decide as the reference at and
// around every threshold: ints and enums on both sides of `>`/`>=`/`<`/
// `<=`, numbers including -0.0, infinities and NaN (no ordering holds),
// and an absent attribute (the denies apply, fail-closed).
TEST(DagEvaluator, ThresholdIndexesDecideAsTheReferenceAtEveryBoundary) {
  const std::string thresholds = R"(
    allow a1 when port > 3;
    allow a2 when port >= 3;
    allow a3 when port < -2;
    allow a4 when port <= -2;
    deny d1 when port > 9223372036854775806;
    deny d2 when port < -9223372036854775807;
    allow c1 when class >= internal and approved;
    deny c2 when class > internal;
    deny c4 when class < public;
    allow c3 when class <= public;
  )";
  auto policy = CompileOrDie(thresholds);
  // Two denies on each attribute, so that both effects have their index (a
  // lone ordering rule is listed unguarded).
  const std::string dump = policy->DumpDag("text");
  for (const char* index : {"  allow by port threshold (4 rules", "  deny by port threshold (2 rules",
                            "  allow by class threshold (2 rules",
                            "  deny by class threshold (2 rules"}) {
    ASSERT_NE(dump.find(index), std::string::npos) << index << "\n" << dump;
  }
  const AttributeHandle port = *policy->FindAttribute("port");
  const AttributeHandle kind = *policy->FindAttribute("class");
  const AttributeHandle approved = *policy->FindAttribute("approved");
  size_t compared = 0;
  const auto expect_same = [&](const Request& request, const std::string& what) {
    ExpectSameAsReference(*policy, request, what);
    ++compared;
  };
  for (const int64_t value : {INT64_MIN, int64_t{-3}, int64_t{-2}, int64_t{-1}, int64_t{2},
                              int64_t{3}, int64_t{4}, INT64_MAX - 1, INT64_MAX}) {
    for (const char* member : {"public", "internal", "secret", ""}) {
      Request request(*policy);
      request.SetInt(port, value);
      if (*member != '\0') request.SetEnum(kind, member);
      request.SetBool(approved, true);
      expect_same(request, "port " + std::to_string(value) + ", class '" + member + "'");
    }
  }
  Request absent(*policy);
  expect_same(absent, "nothing set");
  EXPECT_EQ(compared, 9u * 4 + 1);
}

TEST(DagEvaluator, NumberThresholdsDecideAsTheReferenceForEveryValue) {
  auto policy = writ::test_support::CompileForTest(R"(
    schema { score: number; }
    allow above when score > 0.5;
    allow at when score >= 0.5;
    allow zero when score >= 0;
    deny below when score < -0.0;
    deny low when score <= -1e300;
  )");
  const AttributeHandle score = *policy->FindAttribute("score");
  const double infinity = std::numeric_limits<double>::infinity();
  for (const double value : {-infinity, -1e300, -1.0, -0.0, 0.0, 0.25, 0.5, 0.5000001, 1.0,
                             infinity, std::numeric_limits<double>::quiet_NaN()}) {
    Request request(*policy);
    request.SetNumber(score, value);
    Explanation dag, reference;
    policy->Evaluate(request, &dag, Evaluator::kDag);
    policy->Evaluate(request, &reference, Evaluator::kReference);
    EXPECT_EQ(dag.ToJson(), reference.ToJson()) << "score " << value;
    EXPECT_EQ(policy->Evaluate(request).effect, reference.decision) << "score " << value;
  }
}

// Decides `requests` in turn, decision only, after one explained decision
// (as a server explains some), and expects each effect the reference gives.
void ExpectDecisionsInTurnAsReference(const Policy& policy, const std::vector<Request>& requests,
                                      const std::vector<Effect>& expected) {
  for (size_t i = 0; i < requests.size(); ++i) {
    ASSERT_EQ(policy.Evaluate(requests[i], nullptr, Evaluator::kReference).effect, expected[i])
        << "request " << i;
  }
  Explanation explained;
  policy.Evaluate(requests.front(), &explained);
  for (size_t i = 0; i < requests.size(); ++i) {
    EXPECT_EQ(policy.Evaluate(requests[i]).effect, expected[i]) << "request " << i;
  }
}

// A decision-only run skips starting the memo when no body reads it
// (DagProgram::decision_uses_memo). When one does, each decision must
// still start a fresh one: deciding requests in turn, a value the one
// before left (or the explained decision before them) would be read as
// this one's. Here a shared `or` conjunct, memoised.
TEST(DagEvaluator, DecisionOnlyStartsAFreshMemoForASharedConnective) {
  auto policy = CompileOrDie(R"(
    let ok = port == 1 or approved;
    allow a when tool == "x" and ok;
    allow b when tool == "y" and ok;
  )");
  ASSERT_TRUE(policy->dag()->decision_uses_memo());
  std::vector<Request> requests;
  for (const int64_t value : {1, 2, 1, 2}) {
    Request request(*policy);
    request.SetString(*policy->FindAttribute("tool"), "x");
    request.SetInt(*policy->FindAttribute("port"), value);
    request.SetBool(*policy->FindAttribute("approved"), false);
    requests.push_back(std::move(request));
  }
  ExpectDecisionsInTurnAsReference(
      *policy, requests, {Effect::kAllow, Effect::kDeny, Effect::kAllow, Effect::kDeny});
}

// The same for a pattern set, whose pass keeps its answer in the memo: a
// pass that matched nothing, read for a text that matches, would make its
// members false.
TEST(DagEvaluator, DecisionOnlyStartsAFreshMemoForAPatternSet) {
  auto policy = writ::test_support::CompileForTest(R"(
    schema { tool: string; host: string; }
    allow c when tool == "z" and host matches "a[0-9]+";
    allow d when tool == "z" and host matches "b[0-9]+";
  )");
  ASSERT_TRUE(policy->dag()->decision_uses_memo());
  std::vector<Request> requests;
  for (const char* name : {"zz", "a1", "zz", "b22", "a1"}) {
    Request request(*policy);
    request.SetString(*policy->FindAttribute("tool"), "z");
    request.SetString(*policy->FindAttribute("host"), name);
    requests.push_back(std::move(request));
  }
  ExpectDecisionsInTurnAsReference(
      *policy, requests,
      {Effect::kDeny, Effect::kAllow, Effect::kDeny, Effect::kAllow, Effect::kAllow});
}

// Bodies of compares, string tests and lists read no memo.
TEST(DagEvaluator, BodiesOfTestsOnlyReadNoMemo) {
  EXPECT_FALSE(writ::test_support::CompileForTest(R"(
    schema { tool: string; host: string; port: int; score: number; approved: bool; }
    allow a when tool in ["x", "y"] and host ends_with ".example.com" and port > 3;
    deny b when score >= 0.9 unless approved;
  )")->dag()->decision_uses_memo());
  EXPECT_TRUE(CompileOrDie(R"(
    allow a when tool == "x" and (port == 1 or approved);
  )")->dag()->decision_uses_memo());
}

TEST(DagEvaluator, RuleIdsListEveryDeterminingRuleInSourceOrder) {
  auto policy = CompileOrDie(R"(
    allow b when tool == "get" and port == 443;
    allow a when port == 443;
    allow c when class == public;
    deny d when tool == "put";
  )");
  Request request(*policy);
  request.SetString(*policy->FindAttribute("tool"), "get");
  request.SetInt(*policy->FindAttribute("port"), 443);
  request.SetEnum(*policy->FindAttribute("class"), "public");
  std::vector<uint32_t> rules;
  const Decision decision = policy->EvaluateRuleIds(request, &rules);
  EXPECT_EQ(decision.effect, Effect::kAllow);
  EXPECT_EQ(rules, (std::vector<uint32_t>{0, 1, 2}));
  EXPECT_EQ(policy->RuleName(1), "a");
  EXPECT_EQ(policy->RuleName(99), "");
  EXPECT_GE(rules.capacity(), policy->rule_count());

  request.SetString(*policy->FindAttribute("tool"), "put");
  EXPECT_EQ(policy->EvaluateRuleIds(request, &rules).effect, Effect::kDeny);
  EXPECT_EQ(rules, (std::vector<uint32_t>{3}));
}

TEST(DagEvaluator, DefaultDecisionHasNoDeterminingRules) {
  auto policy = CompileOrDie(R"(
    allow a when tool == "get";
    default allow;
  )");
  Request request(*policy);
  request.SetString(*policy->FindAttribute("tool"), "put");
  std::vector<uint32_t> rules = {7};
  const Decision decision = policy->EvaluateRuleIds(request, &rules);
  EXPECT_EQ(decision.effect, Effect::kAllow);
  EXPECT_TRUE(decision.default_applied);
  EXPECT_TRUE(rules.empty());
}

TEST(DagEvaluator, RequestBuiltForAnotherPolicyFailsClosed) {
  auto policy = CompileOrDie("default allow;");
  auto other = CompileOrDie("default allow;");
  Request request(*other);
  std::vector<uint32_t> rules;
  EXPECT_EQ(policy->EvaluateRuleIds(request, &rules).effect, Effect::kDeny);
  EXPECT_EQ(policy->Evaluate(request).effect, Effect::kDeny);
}

TEST(DagEvaluator, DecisionsOnOneThreadDoNotLeakBetweenPolicies) {
  // Both programs share the thread's memo; each decision must start clean.
  auto first = CompileOrDie("allow a when approved;");
  auto second = CompileOrDie("allow a when not approved;");
  Request yes(*first);
  yes.SetBool(*first->FindAttribute("approved"), true);
  Request also_yes(*second);
  also_yes.SetBool(*second->FindAttribute("approved"), true);
  for (int round = 0; round < 3; ++round) {
    EXPECT_EQ(first->Evaluate(yes).effect, Effect::kAllow);
    EXPECT_EQ(second->Evaluate(also_yes).effect, Effect::kDeny);
  }
}

}  // namespace
}  // namespace writ
