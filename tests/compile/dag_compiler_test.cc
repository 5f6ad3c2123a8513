// The DAG compiler: hash-consing, normal forms, guard indexes and the
// text/DOT listings of `writ dag`.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/compile_for_test.h"
#include "src/compile/dag_program.h"
#include "src/compile/regex_dfa.h"
#include "writ/policy.h"
#include "writ/request.h"

namespace writ::internal {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kSchema = R"(
schema {
  tool: string;
  host: string;
  port: int;
  score: number;
  class: enum(public, internal, secret);
  approved: bool;
}
)";

std::shared_ptr<const Policy> CompileOrDie(const std::string& body) {
  return writ::test_support::CompileForTest(kSchema + body);
}

// The id of the node DescribeNode prints as `description`.
uint32_t NodeNamed(const DagProgram& program, const std::string& description) {
  for (uint32_t id = 0; id < program.nodes().size(); ++id) {
    if (program.DescribeNode(id) == description) return id;
  }
  ADD_FAILURE() << "no node " << description;
  return 0;
}

TEST(DagCompiler, IdenticalAtomsAcrossRulesAndLetsAreOneNode) {
  auto policy = CompileOrDie(R"(
    let searching = tool == "search";
    allow a when tool == "search" and port == 443;
    allow b when searching and port == 443;
    deny c when port == 443 and tool == "search";
    deny d when host like "*.example.com" or host like "*.example.com";
  )");
  const DagProgram& program = *policy->dag();
  // tool == "search", port == 443, host like ...: three atoms in all.
  EXPECT_EQ(program.atom_count(), 3u);
  // a and b are the same condition; c has its children in another order.
  EXPECT_EQ(program.rules()[0].condition, program.rules()[1].condition);
  EXPECT_NE(program.rules()[0].condition, program.rules()[2].condition);
  // `x or x` is x.
  EXPECT_EQ(program.nodes()[program.rules()[3].condition].kind, NodeKind::kPredicate);
}

TEST(DagCompiler, NestedAndsFlattenThroughLetsAndUnless) {
  auto policy = CompileOrDie(R"(
    let inner = port == 443 and score < 0.5;
    let outer = inner and approved;
    allow a when tool == "x" and outer unless class == secret;
  )");
  const DagProgram& program = *policy->dag();
  const DagNode& condition = program.nodes()[program.rules()[0].condition];
  ASSERT_EQ(condition.kind, NodeKind::kAnd);
  // tool, port, score, approved and not(class == secret), one level.
  EXPECT_EQ(condition.count, 5u);
  EXPECT_EQ(program.DescribeNode(program.edges()[condition.operand + 4]).substr(0, 4), "not(");
}

// MakeConnective finds repeats by a scan among its first 16 children and
// by a set past them: both must drop a repeat, wherever it stands.
TEST(DagCompiler, LongConnectivesDropRepeatsBeforeAndPastTheScanLimit) {
  std::string ports;
  for (int port = 1; port <= 20; ++port) absl::StrAppend(&ports, " or port == ", port);
  auto policy = CompileOrDie(absl::StrCat(
      "let many = port == 0", ports, ";\n",
      // port == 3 repeats one of the first sixteen, port == 19 one past them.
      "allow a when many or port == 3 or port == 19 or port == 20;\n",
      "allow b when port == 19 or many;\n"));
  const DagProgram& program = *policy->dag();
  const DagNode& condition = program.nodes()[program.rules()[0].condition];
  ASSERT_EQ(condition.kind, NodeKind::kOr);
  EXPECT_EQ(condition.count, 21u);  // port == 0 .. 20, each once
  // b's `or` has the same children in another order: another node, same count.
  const DagNode& other = program.nodes()[program.rules()[1].condition];
  ASSERT_EQ(other.kind, NodeKind::kOr);
  EXPECT_EQ(other.count, 21u);
  EXPECT_EQ(program.atom_count(), 21u);
}

// A DAG explanation must read as the reference evaluator's.
void ExpectDagExplainsAsReference(const Policy& policy, const Request& request) {
  Explanation dag, reference;
  policy.Evaluate(request, &dag);
  policy.Evaluate(request, &reference, Evaluator::kReference);
  EXPECT_EQ(dag.ToJson(), reference.ToJson());
}

// Flattening copies a let's operands into every connective that names it:
// a let of 1,000 tests named by 1,000 rules was 2 million edges (2,000 by
// 2,000, 97 KB of source: 580 MB). Within the budget the first rules are
// flat; past it the let is one shared child, and decisions are the same.
TEST(DagCompiler, ALetNamedByManyRulesIsFlattenedIntoThemOnlyWithinABudget) {
  constexpr int kTests = 1000;
  constexpr int kRules = 1000;
  std::string tests = "port != 0";
  for (int i = 1; i < kTests; ++i) absl::StrAppend(&tests, " and port != ", i);
  std::string body = absl::StrCat("let wide = ", tests, ";\n");
  for (int i = 0; i < kRules; ++i) {
    absl::StrAppend(&body, "allow r", i, " when wide and tool == \"t", i, "\";\n");
  }
  auto policy = CompileOrDie(body);
  ASSERT_NE(policy, nullptr);
  const DagProgram& program = *policy->dag();
  EXPECT_LT(program.edges().size(), 200000u);
  const auto children = [&](uint32_t rule) {
    return program.nodes()[program.rules()[rule].condition].count;
  };
  EXPECT_EQ(children(0), kTests + 1u);      // flat
  EXPECT_EQ(children(kRules - 1), 2u);      // `wide` and the tool test
  const AttributeHandle port = *policy->FindAttribute("port");
  const AttributeHandle tool = *policy->FindAttribute("tool");
  Request last(*policy);
  last.SetInt(port, kTests);
  last.SetString(tool, absl::StrCat("t", kRules - 1));
  Request excluded = last;
  excluded.SetInt(port, 7);
  EXPECT_EQ(policy->Evaluate(last).effect, Effect::kAllow);
  EXPECT_EQ(policy->Evaluate(excluded).effect, Effect::kDeny);
  for (const Request* each : {&last, &excluded}) ExpectDagExplainsAsReference(*policy, *each);
}

// A key's inline list holds a copy of its rules' bodies: one rule of 1,000
// tests under 2,000 keys was 2 million copied tests (4,000 by 4,000, 90 KB
// of source: 1.5 GB). Such a table keeps its lists out of line; one whose
// bodies are short still stores them inline.
TEST(DagCompiler, KeyListsStayOutOfLineWhenInliningWouldCopyALongBodyPerKey) {
  constexpr int kKeys = 2000;
  std::string keys = "\"k0\"";
  for (int i = 1; i < kKeys; ++i) absl::StrAppend(&keys, ", \"k", i, "\"");
  const auto tool_index_inline = [&](int tests) {
    std::string body = absl::StrCat("allow wide when tool in [", keys, "]");
    for (int i = 0; i < tests; ++i) absl::StrAppend(&body, " and port != ", i);
    auto policy = CompileOrDie(body + ";\n");
    if (policy == nullptr) return false;
    const AttributeHandle port = *policy->FindAttribute("port");
    const AttributeHandle tool = *policy->FindAttribute("tool");
    Request request(*policy);
    request.SetInt(port, tests);
    request.SetString(tool, "k1999");
    EXPECT_EQ(policy->Evaluate(request).effect, Effect::kAllow);
    ExpectDagExplainsAsReference(*policy, request);
    const std::vector<GuardIndex>& indexes = policy->dag()->allow_plan().indexes;
    EXPECT_EQ(indexes.size(), 1u);
    return !indexes.empty() && indexes[0].by_text.has_payloads();
  };
  EXPECT_TRUE(tool_index_inline(3));
  EXPECT_FALSE(tool_index_inline(1000));
}

// Each pattern's automaton is bounded, but not the policy's: 3,000 rules
// of patterns near the bound (210 KB of source) took 3.8 s and 116 MB.
// The automata share RegexDfa::Budget; the patterns past it run on RE2,
// which decides alike.
TEST(DagCompiler, ThePatternsOfAPolicyShareOneAutomatonBudget) {
  constexpr int kRules = 1000;
  std::string body;
  for (int i = 0; i < kRules; ++i) {
    absl::StrAppend(&body, "allow r", i, " when port == ", i,
                    " and host matches \"(a|b)*a(a|b){8}c", i, "\";\n");
  }
  auto policy = CompileOrDie(body);
  ASSERT_NE(policy, nullptr);
  const std::vector<RegexDfa>& automata = policy->dag()->regex_dfas();
  EXPECT_GT(automata.size(), 0u);
  EXPECT_LT(automata.size(), static_cast<size_t>(kRules));
  uint64_t entries = 0;
  for (const RegexDfa& automaton : automata) entries += automaton.table_entries();
  EXPECT_LE(entries, RegexDfa::Budget{}.table_entries);
  const AttributeHandle port = *policy->FindAttribute("port");
  const AttributeHandle host = *policy->FindAttribute("host");
  Request last(*policy);
  last.SetInt(port, kRules - 1);
  last.SetString(host, absl::StrCat("bbabbbbbbbbc", kRules - 1));  // `a`, eight more
  Request no_match = last;
  no_match.SetString(host, absl::StrCat("bbbbbbbbbbc", kRules - 1));
  EXPECT_EQ(policy->Evaluate(last).effect, Effect::kAllow);
  EXPECT_EQ(policy->Evaluate(no_match).effect, Effect::kDeny);
  for (const Request* each : {&last, &no_match}) ExpectDagExplainsAsReference(*policy, *each);
}

TEST(DagCompiler, ConstantsAndDoubleNegationFold) {
  auto policy = CompileOrDie(R"(
    allow a when true and not not approved;
    deny b when false or approved;
    allow c when approved and false;
    allow d;
  )");
  const DagProgram& program = *policy->dag();
  for (int rule = 0; rule < 2; ++rule) {
    EXPECT_EQ(program.nodes()[program.rules()[rule].condition].kind, NodeKind::kBoolAttribute);
  }
  EXPECT_EQ(program.nodes()[program.rules()[2].condition].kind, NodeKind::kFalse);
  EXPECT_EQ(program.nodes()[program.rules()[3].condition].kind, NodeKind::kTrue);
}

// The entries of `index`'s key `key`, then their bodies, as a walk over
// its inline list must find them (InlineEntries): each entry as in
// rule_lists() but for its body's place, which is among the inline bodies,
// one body after another.
void ExpectInlineListIsTheList(const DagProgram& program, const GuardIndex& index,
                               absl::string_view key) {
  const TextTable::Slot* slot = index.by_text.FindSlotWithPayload(key, HashText(key));
  ASSERT_NE(slot, nullptr) << key;
  const uint64_t* payload = index.by_text.Payload(*slot);
  const ListedRule* listed = InlineEntries(payload);
  const CompactAtom* bodies = InlineBodies(payload, slot->range.size());
  uint32_t body_at = 0;
  for (uint32_t i = slot->range.begin; i < slot->range.end; ++i, ++listed) {
    ListedRule expected = program.rule_lists()[i];
    const CompactAtom* expected_body = program.body_tests().data() + expected.body.begin;
    expected.body = {body_at, body_at + expected.body.size()};
    body_at = expected.body.end;
    EXPECT_EQ(std::memcmp(listed, &expected, sizeof(expected)), 0) << key << " entry " << i;
    EXPECT_EQ(std::memcmp(bodies + listed->body.begin, expected_body,
                          expected.body.size() * sizeof(CompactAtom)),
              0)
        << key << " entry " << i;
  }
}

// Sets the inline-list threshold for one test, and puts it back.
class InlineListsFrom {
 public:
  explicit InlineListsFrom(size_t keys) { SetInlineListsFromKeysForTesting(keys); }
  ~InlineListsFrom() { SetInlineListsFromKeysForTesting(kInlineListsFromKeys); }
};

TEST(DagCompiler, LargeStringTablesStoreEachKeysListAfterTheKey) {
  std::string body;
  for (size_t i = 0; i < kInlineListsFromKeys; ++i) {
    absl::StrAppend(&body, "allow r", i, " when host == \"h", i, ".example.com\" and tool == \"t",
                    i % 7, "\" and port <= ", i % 5, ";\n");
  }
  absl::StrAppend(&body, "allow late when host == \"h3.example.com\" and approved;\n");
  auto large = CompileOrDie(body);
  ASSERT_NE(large, nullptr);
  const GuardIndex& by_host = large->dag()->allow_plan().indexes.at(0);
  EXPECT_EQ(by_host.by_text.size(), kInlineListsFromKeys);
  ASSERT_TRUE(by_host.by_text.has_payloads());
  ExpectInlineListIsTheList(*large->dag(), by_host, "h3.example.com");  // two entries
  ExpectInlineListIsTheList(*large->dag(), by_host, "h1000.example.com");
  EXPECT_THAT(large->DumpDag("text"), HasSubstr("; lists inline after their keys"));
  // One key fewer: the table stays as it was.
  auto small = CompileOrDie(
      "allow one when host == \"h1.example.com\" and tool == \"t\";\n"
      "allow two when host in [\"h2.example.com\", \"h3.example.com\"];\n");
  ASSERT_NE(small, nullptr);
  EXPECT_FALSE(small->dag()->allow_plan().indexes.at(0).by_text.has_payloads());
  EXPECT_THAT(small->DumpDag("text"), Not(HasSubstr("inline")));
}

TEST(DagCompiler, EveryStringTableInlineWhenATestAsks) {
  const InlineListsFrom every(0);
  auto policy = CompileOrDie(R"(
    allow read when tool in ["get", "head"] and port == 443;
    allow write when tool == "post" and approved;
    allow mail when host ends_with ".mail.example.com" and approved;
    allow any when port == 80;
    deny guarded when tool == "get" and score > 0.5;
  )");
  ASSERT_NE(policy, nullptr);
  const DagProgram& program = *policy->dag();
  size_t inline_tables = 0;
  for (const EffectPlan* plan : {&program.deny_plan(), &program.allow_plan()}) {
    for (const GuardIndex& index : plan->indexes) {
      const bool string_keyed = IsStringKeyed(index);
      EXPECT_EQ(index.by_text.has_payloads(), string_keyed);
      if (!string_keyed) continue;
      ++inline_tables;
      index.by_text.ForEach([&](absl::string_view key, RuleRange) {
        ExpectInlineListIsTheList(program, index, key);
      });
    }
  }
  EXPECT_EQ(inline_tables, 3u);  // allow by tool, allow by host suffix, deny by tool
}

TEST(DagCompiler, EqualityGuardsIndexRulesByValue) {
  auto policy = CompileOrDie(R"(
    allow read when tool in ["get", "head"] and port == 443;
    allow write when tool == "post" and class == public;
    allow any when port == 80;
    deny secret when class in [secret] and tool != "audit";
    deny secret_too when class == secret;
  )");
  const DagProgram& program = *policy->dag();
  const EffectPlan& allow = program.allow_plan();
  // `read` could join either index; the tool's has more keys.
  ASSERT_EQ(allow.indexes.size(), 2u);
  const GuardIndex& by_tool = allow.indexes[0];
  EXPECT_EQ(by_tool.type, TypeKind::kString);
  EXPECT_EQ(by_tool.by_text.size(), 3u);
  EXPECT_EQ(by_tool.all.end - by_tool.all.begin, 2u);
  EXPECT_TRUE(allow.unguarded.empty());
  ASSERT_NE(by_tool.by_text.Find("head"), nullptr);
  const RuleRange head = *by_tool.by_text.Find("head");
  ASSERT_EQ(head.end - head.begin, 1u);
  EXPECT_EQ(program.rule_lists()[head.begin].rule, 0u);
  // An int equality is filed under the integer's bytes (IntegerKey).
  const GuardIndex& by_port = allow.indexes[1];
  EXPECT_EQ(by_port.type, TypeKind::kInt);
  EXPECT_EQ(by_port.by_text.size(), 1u);
  ASSERT_NE(by_port.by_text.Find(IntegerKey(80).view()), nullptr);
  const RuleRange port_80 = *by_port.by_text.Find(IntegerKey(80).view());
  ASSERT_EQ(port_80.end - port_80.begin, 1u);
  EXPECT_EQ(program.rule_lists()[port_80.begin].rule, 2u);
  EXPECT_EQ(program.rule_lists()[port_80.begin].condition, 1u);  // true: nothing left
  EXPECT_EQ(by_port.by_text.Find(IntegerKey(443).view()), nullptr);
  const EffectPlan& deny = program.deny_plan();
  ASSERT_EQ(deny.indexes.size(), 1u);
  EXPECT_EQ(deny.indexes[0].type, TypeKind::kEnum);
  ASSERT_EQ(deny.indexes[0].by_member.size(), 3u);
  EXPECT_TRUE(deny.indexes[0].by_member[0].empty());
  EXPECT_EQ(deny.indexes[0].by_member[2].end - deny.indexes[0].by_member[2].begin, 2u);
}

// Each unguarded compare other than `!=` is summarised as exactly the
// values that make it true (ScreenedCompare), in source order; a wider
// interval would still decide right (the body rejects), so only this test
// pins the bounds. `!=` and the string test stay in the entry list.
TEST(DagCompiler, UnguardedComparesAreSummarisedAsTheirExactIntervals) {
  auto policy = CompileOrDie(R"(
    deny above when port > 3;
    deny uneven when port != 2;
    deny low when score < 0.5;
    deny named when tool == "x" or host == "y";
    deny classified when class >= internal;
    allow up_to when score <= -0.0;
  )");
  const DagProgram& program = *policy->dag();
  const EffectPlan& deny = program.deny_plan();
  ASSERT_EQ(deny.compares.size(), 3u);
  const auto rule_of = [&](const ScreenedCompare& compare) {
    return program.policy().rules[program.rule_lists()[compare.entry].rule].name;
  };
  const ScreenedCompare& above = deny.compares[0];
  EXPECT_EQ(rule_of(above), "above");
  EXPECT_FALSE(above.number);
  EXPECT_EQ(above.low, 4);
  EXPECT_EQ(above.span, static_cast<uint64_t>(INT64_MAX) - 4);
  const ScreenedCompare& low = deny.compares[1];
  EXPECT_EQ(rule_of(low), "low");
  EXPECT_TRUE(low.number);
  EXPECT_EQ(low.low_number, -std::numeric_limits<double>::infinity());
  EXPECT_EQ(low.high_number, std::nextafter(0.5, 0.0));
  const ScreenedCompare& classified = deny.compares[2];
  EXPECT_EQ(rule_of(classified), "classified");
  EXPECT_EQ(classified.low, 1);  // the member index of `internal`
  EXPECT_EQ(classified.span, static_cast<uint64_t>(INT64_MAX) - 1);
  // The rest of the unguarded list: `uneven` and `named`, after the three.
  EXPECT_EQ(deny.unguarded.size(), 5u);
  EXPECT_EQ(deny.uncompared.begin, deny.unguarded.begin + 3);
  EXPECT_EQ(deny.uncompared.end, deny.unguarded.end);
  EXPECT_EQ(program.policy().rules[program.rule_lists()[deny.uncompared.begin].rule].name,
            "uneven");
  const EffectPlan& allow = program.allow_plan();
  ASSERT_EQ(allow.compares.size(), 1u);
  EXPECT_EQ(allow.compares[0].low_number, -std::numeric_limits<double>::infinity());
  EXPECT_EQ(allow.compares[0].high_number, 0.0);
  EXPECT_TRUE(allow.uncompared.empty());
  EXPECT_THAT(policy->DumpDag("text"),
              HasSubstr("  deny unguarded: 5 rules, visited by every request (3 screened by an "
                        "interval)\n"));
}

TEST(DagCompiler, DottedSuffixGuardsJoinTheIndexWithMostKeys) {
  auto policy = CompileOrDie(R"(
    allow a when tool == "get" and host ends_with "api.example.com";
    allow b when tool == "get" and host like "*.svc1.example.net";
    allow c when tool == "put" and host like "*.svc2.example.net";
    allow d when tool == "get" and host ends_with "localhost";
  )");
  const EffectPlan& allow = policy->dag()->allow_plan();
  ASSERT_EQ(allow.indexes.size(), 2u);
  // Host suffixes have three keys, tool two: a, b and c go by host.
  const GuardIndex& by_tool = allow.indexes[0];
  const GuardIndex& by_suffix = allow.indexes[1];
  EXPECT_EQ(by_tool.kind, GuardKind::kEquality);
  EXPECT_EQ(by_tool.all.end - by_tool.all.begin, 1u);  // d: no '.' in "localhost"
  EXPECT_EQ(by_suffix.kind, GuardKind::kDotSuffix);
  EXPECT_EQ(by_suffix.all.end - by_suffix.all.begin, 3u);
  EXPECT_NE(by_suffix.by_text.Find(".example.com"), nullptr);  // from its first '.'
  EXPECT_NE(by_suffix.by_text.Find(".svc1.example.net"), nullptr);
  EXPECT_NE(by_suffix.by_text.Find(".svc2.example.net"), nullptr);
  EXPECT_THAT(policy->DumpDag("text"), HasSubstr("  allow by host suffix (3 rules;"));
}

// The why_not plan is listed after the effects' indexes: `fetch` is filed
// under its two why_not conjuncts, the let `web` and `port == 443`.
TEST(DagCompiler, DumpListsAtomsConnectivesRulesIndexesAndBodies) {
  auto policy = CompileOrDie(R"(
    let web = tool in ["get", "post"];
    allow fetch when web and port == 443 with max_uses = 3;
    deny slow when web and score >= 0.8 because "risky";
    default allow;
  )");
  EXPECT_EQ(policy->DumpDag("text"),
            "dag (unnamed): 2 rules, 3 atoms, 7 nodes (3 shared), 4 edges\n"
            "candidates\n"
            "  deny unguarded: 0 rules, visited by every request\n"
            "  deny by tool: 1 rule under 2 keys; 1.0 a key on average, at most 1 (\"get\")\n"
            "  allow unguarded: 0 rules, visited by every request\n"
            "  allow by tool: 1 rule under 2 keys; 1.0 a key on average, at most 1 (\"get\")\n"
            "atoms\n"
            "  n2 = tool in [\"get\", \"post\"]  [shared by 2]\n"
            "  n3 = port == 443  [shared by 2]\n"
            "  n5 = score >= 0.8  [shared by 2]\n"
            "connectives\n"
            "  n4 = and(n2, n3)\n"
            "  n6 = and(n2, n5)\n"
            "rules\n"
            "  r0 allow fetch = n4\n"
            "  r1 deny slow = n6\n"
            "indexes\n"
            "  deny unguarded: \n"
            "  deny by tool (1 rules; absent or wrong-typed: all)\n"
            "    \"get\" -> slow(n5)\n"
            "    \"post\" -> slow(n5)\n"
            "  allow unguarded: \n"
            "  allow by tool (1 rules; absent or wrong-typed: none)\n"
            "    \"get\" -> fetch(n3)\n"
            "    \"post\" -> fetch(n3)\n"
            "  why_not unguarded: \n"
            "  why_not by tool (1 rules; absent or wrong-typed: none)\n"
            "    \"get\" -> fetch\n"
            "    \"post\" -> fetch\n"
            "  why_not by port (1 rules; absent or wrong-typed: none)\n"
            "    443 -> fetch\n"
            "bodies\n"
            "  slow: tool in [\"get\", \"post\"] (screened) | score >= 0.8\n"
            "  slow(n5): score >= 0.8 (screened)\n"
            "  fetch: tool in [\"get\", \"post\"] (screened) | port == 443\n"
            "  fetch(n3): port == 443 (screened)\n"
            "default allow\n");
}

// The listing opens with what each plan costs a request: the rules every
// request visits, and per index how many rules it lists under how many
// keys and its longest list, the first in key order when several tie.
TEST(DagCompiler, CandidatesCountEachIndexAndNameItsLongestList) {
  auto policy = CompileOrDie(R"(
    deny risky when score >= 0.9;
    deny riskier when score > 0.5 and approved;
    deny lower when score <= 0.1;
    deny closed when not approved and port == 22;
    allow a when tool == "x" and host == "h";
    allow b when tool in ["x", "y"] and host == "h";
    allow c when tool in ["z", "y"] and host == "h";
    allow d when tool == "x" and host == "i";
    allow e when class == secret and approved;
    allow f when approved;
  )");
  EXPECT_THAT(
      policy->DumpDag("text"),
      HasSubstr("candidates\n"
                "  deny unguarded: 0 rules, visited by every request\n"
                "  deny by port: 1 rule under 1 key; 1.0 a key on average, at most 1 (22)\n"
                "  deny by score threshold: 3 rules by threshold, 2 above and 1 below; a value "
                "finds those it passes by binary search\n"
                "  allow unguarded: 1 rule, visited by every request\n"
                "  allow by tool: 4 rules under 3 keys; 2.0 a key on average, at most 3 (\"x\"); "
                "each screened by host\n"
                "  allow by class: 1 rule under 1 key; 1.0 a key on average, at most 1 (secret)\n"
                "atoms\n"));
}

// Only a node with several parents is memoised: the shared `port` atom
// (two rules' residual conditions), not an atom or connective with a
// single parent. (A rule body decides `port == 1` inline, but the
// explanation's why_not scan reads it through the memo.)
TEST(DagCompiler, OnlyNodesWithSeveralParentsAreMemoized) {
  auto policy = CompileOrDie(R"(
    allow a when tool == "x" and port == 1;
    allow b when tool == "y" and port == 1;
  )");
  const DagProgram& program = *policy->dag();
  EXPECT_TRUE(program.nodes()[NodeNamed(program, "port == 1")].memoized);
  EXPECT_FALSE(program.nodes()[NodeNamed(program, "tool == \"x\"")].memoized);
  EXPECT_FALSE(program.nodes()[NodeNamed(program, "tool == \"y\"")].memoized);
  EXPECT_FALSE(program.nodes()[program.rules()[0].condition].memoized);
}

// A listed rule's body holds the conjuncts of the condition it is listed
// with, string tests first, then compares of scalars, then what the node
// walk decides (a two-star pattern); `not` of an atom and a bare bool
// attribute inline.
TEST(DagCompiler, RuleBodiesListStringTestsThenScalarsThenTheNodeWalk) {
  auto policy = CompileOrDie(R"(
    deny d when host like "*.x*" and host == "h" and port > 2 and approved unless has score;
  )");
  const DagProgram& program = *policy->dag();
  // The rule as an absent host finds it: with its whole condition.
  ASSERT_EQ(program.deny_plan().indexes.size(), 1u);
  const RuleRange all = program.deny_plan().indexes[0].all;
  ASSERT_EQ(all.end - all.begin, 1u);
  const RuleRange body = program.rule_lists()[all.begin].body;
  std::vector<std::string> order;
  for (uint32_t i = body.begin; i < body.end; ++i) {
    const CompactAtom& test = program.body_tests()[i];
    order.push_back((test.negated ? "not " : "") + program.DescribeNode(test.node));
  }
  EXPECT_THAT(order, ::testing::ElementsAre("host == \"h\"", "port > 2", "approved", "not has score",
                                            "host like \"*.x*\""));
  // `writ dag` shows the body in that order, the walked conjunct by node.
  EXPECT_THAT(policy->DumpDag("text"),
              ::testing::ContainsRegex("\nbodies\n  d: host == \"h\" \\(screened\\) \\| port > 2 \\| approved \\| "
                                       "not has score \\| n[0-9]+ \\(walk\\)\n"));
}

// `ip within [...]` guards a rule in a kCidr index: the blocks ordered so
// that a block's parent comes first, each rule under its outermost blocks
// only, the address space cut where a covering block starts or ends, and
// `writ dag` indenting a block under the one that contains it.
TEST(DagCompiler, WithinGuardsJoinACidrIndexOfNestedBlocks) {
  auto policy = writ::test_support::CompileForTest(R"(
    schema { ip: ip; port: int; }
    allow corp when ip within ["10.0.0.0/8", "192.168.0.0/16"] and port == 1;
    allow lab when ip within ["10.1.0.0/16"];
    allow host when ip within ["10.1.2.3/32", "10.0.0.0/8"];
    allow never when ip within [];
    allow feed when ip within ["10.1.0.0/16", "10.0.0.0/8", "10.1.0.0/16", "192.168.0.0/16",
                               "192.168.1.0/24"] and port == 2;
  )");
  const DagProgram& program = *policy->dag();
  const EffectPlan& allow = program.allow_plan();
  EXPECT_EQ(allow.unguarded.end - allow.unguarded.begin, 1u);  // never: no block
  ASSERT_EQ(allow.indexes.size(), 1u);
  const GuardIndex& index = allow.indexes[0];
  EXPECT_EQ(index.kind, GuardKind::kCidr);
  const CidrTable& table = index.cidrs;
  std::vector<std::string> blocks;
  for (const Cidr& block : table.blocks) {
    blocks.push_back(FormatIpAddress(block.network) + "/" +
                     std::to_string(block.prefix_length - 96));
  }
  EXPECT_THAT(blocks, ::testing::ElementsAre("10.0.0.0/8", "10.1.0.0/16", "192.168.0.0/16"));
  EXPECT_THAT(table.parents, ::testing::ElementsAre(CidrTable::kNoBlock, 0u, CidrTable::kNoBlock));
  const auto names = [&](RuleRange range) {
    std::vector<std::string> rules;
    for (uint32_t i = range.begin; i < range.end; ++i) {
      rules.push_back(policy->checked().rules[program.rule_lists()[i].rule].name);
    }
    return rules;
  };
  // A rule sits under its outermost blocks only, whatever their order and
  // repeats in its list.
  EXPECT_THAT(names(table.rules[0]), ::testing::ElementsAre("corp", "host", "feed"));
  EXPECT_THAT(names(table.rules[1]), ::testing::ElementsAre("lab"));
  EXPECT_THAT(names(table.rules[2]), ::testing::ElementsAre("corp", "feed"));
  std::vector<std::string> starts;
  for (const IpAddress& start : table.starts) starts.push_back(FormatIpAddress(start));
  EXPECT_THAT(starts, ::testing::ElementsAre("10.0.0.0", "10.1.0.0", "10.2.0.0", "11.0.0.0",
                                             "192.168.0.0", "192.169.0.0"));
  EXPECT_THAT(table.innermost, ::testing::ElementsAre(0u, 1u, 0u, CidrTable::kNoBlock, 2u,
                                                      CidrTable::kNoBlock));
  EXPECT_THAT(policy->DumpDag("text"),
              ::testing::ContainsRegex("  allow by ip cidr \\(4 rules; absent or wrong-typed: none\\)\n"
                                       "    10\\.0\\.0\\.0/8 -> corp\\(n[0-9]+\\) host\\(n[0-9]+\\) "
                                       "feed\\(n[0-9]+\\)\n"
                                       "      10\\.1\\.0\\.0/16 -> lab\\(n[0-9]+\\)\n"
                                       "    192\\.168\\.0\\.0/16 -> corp\\(n[0-9]+\\) feed\\(n[0-9]+\\)\n"));
}

// `starts_with` (and a `like` whose literal prefix is all it has to go
// on) files a rule in a prefix table: keys sorted, each with its parent,
// the longest other key it starts with. A rule is filed under its
// outermost keys only; found under a `starts_with` key it keeps its
// residual condition, under a `like`'s prefix its whole condition.
TEST(DagCompiler, StartsWithGuardsJoinAPrefixTableOfNestedKeys) {
  auto policy = CompileOrDie(R"(
    allow agents when host starts_with "spiffe://corp/agents/" and port == 1;
    allow research when host starts_with "spiffe://corp/agents/research/" and port == 2;
    allow ci when host starts_with "spiffe://corp/ci/";
    allow shaped when host like "spiffe://corp/agents/*/x*y";
    allow any when host starts_with "spiffe://corp/" or host starts_with "spiffe://corp/ci/";
    allow apart when host starts_with "spiffe://other/";
  )");
  const DagProgram& program = *policy->dag();
  ASSERT_EQ(program.allow_plan().indexes.size(), 1u);
  const GuardIndex& index = program.allow_plan().indexes[0];
  EXPECT_EQ(index.kind, GuardKind::kPrefix);
  const PrefixTable& table = index.prefixes;
  std::vector<std::string> keys;
  for (size_t key = 0; key < table.size(); ++key) keys.emplace_back(table.Key(key));
  EXPECT_THAT(keys, ::testing::ElementsAre("spiffe://corp/", "spiffe://corp/agents/",
                                           "spiffe://corp/agents/research/", "spiffe://corp/ci/",
                                           "spiffe://other/"));
  EXPECT_THAT(table.parents, ::testing::ElementsAre(PrefixTable::kNoKey, 0u, 1u, 0u,
                                                    PrefixTable::kNoKey));
  EXPECT_THAT(policy->DumpDag("text"),
              ::testing::ContainsRegex(
                  "  allow by host prefix \\(6 rules; absent or wrong-typed: none\\)\n"
                  "    \"spiffe://corp/\" -> any\n"
                  "      \"spiffe://corp/agents/\" -> agents\\(n[0-9]+\\) shaped\n"
                  "        \"spiffe://corp/agents/research/\" -> research\\(n[0-9]+\\)\n"
                  "      \"spiffe://corp/ci/\" -> ci\\(n1\\)\n"
                  "    \"spiffe://other/\" -> apart\\(n1\\)\n"));
}

// Membership in a set<string> attribute files a rule under the members
// that can make it true: `contains` under its one, `contains_any` under
// each (both proved when found, so residual conditions), `contains_all`
// under its first (necessary only: the whole condition). `contains_all []`
// holds for every set and guards nothing.
TEST(DagCompiler, SetMembershipGuardsJoinAnElementIndex) {
  auto policy = writ::test_support::CompileForTest(R"(
    schema { signals: set<string>; port: int; }
    deny injection when signals contains "prompt_injection" and port > 1;
    deny exfiltration when signals contains_any ["exfiltration", "credentials"];
    allow vetted when signals contains_all ["reviewed", "signed"] and port != 1;
    allow always when signals contains_all [] and port != 2;
  )");
  const std::string dump = policy->DumpDag("text");
  EXPECT_THAT(dump, ::testing::ContainsRegex(
                        "  deny by signals element \\(2 rules; absent or wrong-typed: all\\)\n"
                        "    \"credentials\" -> exfiltration\\(n1\\)\n"
                        "    \"exfiltration\" -> exfiltration\\(n1\\)\n"
                        "    \"prompt_injection\" -> injection\\(n[0-9]+\\)\n"));
  EXPECT_THAT(dump, HasSubstr("  allow unguarded: always\n"
                              "  allow by signals element (1 rules; absent or wrong-typed: none)\n"
                              "    \"reviewed\" -> vetted\n"));
}

// The why_not plan files each allow rule under two of its why_not
// conjuncts that are guard atoms, in lists that name rules only (no
// bodies). A rule with fewer is unguarded: thresholds do not count, and
// neither do guard atoms inside one conjunct (a let of an `and` is one
// conjunct to why_not, though the DAG flattens it). Denies are not ranked.
TEST(DagCompiler, WhyNotPlanFilesAllowRulesUnderTwoConjunctGuards) {
  auto policy = CompileOrDie(R"(
    let both = tool == "z" and host == "g";
    allow a when tool == "x" and host == "h" and port > 1;
    allow b when tool == "y" and port > 2;
    allow c when both and port == 1;
    deny d when tool == "x" and host == "h";
  )");
  const DagProgram& program = *policy->dag();
  const EffectPlan& plan = program.why_not_plan();
  std::vector<std::string> unguarded;
  for (uint32_t i = plan.unguarded.begin; i < plan.unguarded.end; ++i) {
    unguarded.push_back(policy->checked().rules[program.rule_lists()[i].rule].name);
  }
  EXPECT_THAT(unguarded, ::testing::ElementsAre("b", "c"));
  ASSERT_EQ(plan.indexes.size(), 2u);
  for (const GuardIndex& index : plan.indexes) {
    EXPECT_EQ(index.kind, GuardKind::kEquality);
    const RuleRange* found = index.by_text.Find(index.slot == policy->FindAttribute("tool")->slot
                                                    ? "x" : "h");
    ASSERT_NE(found, nullptr);
    ASSERT_EQ(found->end - found->begin, 1u);
    const ListedRule& listed = program.rule_lists()[found->begin];
    EXPECT_EQ(policy->checked().rules[listed.rule].name, "a");
    EXPECT_TRUE(listed.body.empty());
    EXPECT_EQ(index.by_text.size(), 1u);
  }
}

// The `matches` atoms over one attribute, two or more, become one RE2::Set
// (each atom's test kPatternSet, naming the set and its pattern there);
// a lone pattern on another attribute keeps its own regex. Members are
// memoised, since the set's run stores all their answers.
TEST(DagCompiler, MatchesAtomsOnOneAttributeShareOneRe2Set) {
  auto policy = CompileOrDie(R"(
    deny a when tool matches "a.*";
    deny b when tool matches "b.*" and port > 1;
    allow c when tool matches "a.*" or tool matches "c[0-9]+";
    allow d when host matches "x.*";
  )");
  const DagProgram& program = *policy->dag();
  ASSERT_EQ(program.pattern_sets().size(), 1u);
  const PatternSet& patterns = program.pattern_sets()[0];
  EXPECT_EQ(patterns.slot, policy->FindAttribute("tool")->slot);
  std::vector<std::string> members;
  for (uint32_t member = 0; member < patterns.nodes.size(); ++member) {
    const uint32_t node = patterns.nodes[member];
    members.push_back(program.DescribeNode(node));
    EXPECT_TRUE(program.nodes()[node].memoized);
    const CompactAtom& atom = program.compact_atoms()[program.nodes()[node].operand];
    EXPECT_EQ(atom.test, AtomTest::kPatternSet);
    EXPECT_EQ(atom.integer, 0);
    EXPECT_EQ(atom.text_size, member);
  }
  EXPECT_THAT(members, ::testing::UnorderedElementsAre("tool matches \"a.*\"",
                                                       "tool matches \"b.*\"",
                                                       "tool matches \"c[0-9]+\""));
  // The pass is one automaton, and each member has its own for a text the
  // pass matched.
  ASSERT_TRUE(patterns.any_automaton.has_value());
  for (uint32_t automaton : patterns.member_automata) {
    ASSERT_NE(automaton, kNoAutomaton);
    EXPECT_LT(automaton, program.regex_dfas().size());
  }
  const uint32_t host = NodeNamed(program, "host matches \"x.*\"");
  // Alone on its attribute, a pattern runs its own automaton.
  EXPECT_EQ(program.compact_atoms()[program.nodes()[host].operand].test, AtomTest::kRegexDfa);
  EXPECT_THAT(policy->DumpDag("text"),
              HasSubstr("pattern sets (one pass each)\n  tool: n"));
}

// A `matches` atom outside a pattern set is decided by its pattern's
// RegexDfa when the pattern fits the automaton's subset, one automaton per
// distinct pattern; a pattern outside it (\pL) keeps RE2. `writ dag` says
// which.
TEST(DagCompiler, MatchesAtomsOutsideAPatternSetRunAnAutomatonWhenTheyCan) {
  auto shared = CompileOrDie(R"(
    deny a when tool matches "[0-9a-f]{8}";
    deny b when host matches "[0-9a-f]{8}" and port > 1;
  )");
  const DagProgram& program = *shared->dag();
  EXPECT_TRUE(program.pattern_sets().empty());
  ASSERT_EQ(program.regex_dfas().size(), 1u);
  for (const char* name : {"tool matches \"[0-9a-f]{8}\"", "host matches \"[0-9a-f]{8}\""}) {
    const uint32_t node = NodeNamed(program, name);
    const CompactAtom& atom = program.compact_atoms()[program.nodes()[node].operand];
    EXPECT_EQ(atom.test, AtomTest::kRegexDfa) << name;
    EXPECT_EQ(atom.integer, 0) << name;
  }
  EXPECT_THAT(shared->DumpDag("text"),
              HasSubstr("tool matches \"[0-9a-f]{8}\"  [automaton: 9 states, 3 byte classes]"));
  // A pattern with \C reads bytes: its automaton says so.
  auto bytes = CompileOrDie(R"(deny d when tool matches "a\\Cb";)");
  EXPECT_THAT(bytes->DumpDag("text"),
              HasSubstr("b\"  [automaton: 4 states, 4 byte classes; non-ASCII texts to RE2]"));

  auto letters = CompileOrDie(R"(allow c when host matches "\\pL+";)");
  const DagProgram& letters_program = *letters->dag();
  EXPECT_TRUE(letters_program.regex_dfas().empty());
  const uint32_t node = NodeNamed(letters_program, "host matches \"\\\\pL+\"");
  EXPECT_EQ(letters_program.compact_atoms()[letters_program.nodes()[node].operand].test,
            AtomTest::kGeneral);
  EXPECT_THAT(letters->DumpDag("text"), HasSubstr("pL+\"  [RE2]"));
}

// A `like` with more than one wildcard joins its attribute's pattern set
// with the `matches` atoms there, as its Glob::RegexSuperset; a
// single-star `like` stays an affix test, cheaper than a set pass.
TEST(DagCompiler, MultiWildcardLikeAtomsJoinTheirAttributesPatternSet) {
  auto policy = CompileOrDie(R"(
    deny a when tool like "*secret*key*";
    deny b when tool like "a?c" and port > 1;
    allow c when tool matches "c[0-9]+" or tool like "*.example.com";
  )");
  const DagProgram& program = *policy->dag();
  ASSERT_EQ(program.pattern_sets().size(), 1u);
  std::vector<std::string> members;
  for (uint32_t node : program.pattern_sets()[0].nodes) {
    members.push_back(program.DescribeNode(node));
    EXPECT_EQ(program.compact_atoms()[program.nodes()[node].operand].test, AtomTest::kPatternSet);
  }
  EXPECT_THAT(members, ::testing::UnorderedElementsAre("tool like \"*secret*key*\"",
                                                       "tool like \"a?c\"",
                                                       "tool matches \"c[0-9]+\""));
  const uint32_t single = NodeNamed(program, "tool like \"*.example.com\"");
  EXPECT_EQ(program.compact_atoms()[program.nodes()[single].operand].test, AtomTest::kTextAffix);
  // A glob enters the pass's automaton as its CodePointRegex, so the pass
  // reads non-ASCII texts too; its own test stays the glob.
  const PatternSet& patterns = program.pattern_sets()[0];
  ASSERT_TRUE(patterns.any_automaton.has_value());
  EXPECT_FALSE(patterns.any_automaton->ascii_only());
  EXPECT_EQ(patterns.any_automaton->FullMatch("a\xc3\xa9" "c"), RegexDfa::Outcome::kMatch);
  EXPECT_EQ(patterns.any_automaton->FullMatch("a\xc3\xa9\xc3\xa9" "c"),
            RegexDfa::Outcome::kNoMatch);
  EXPECT_EQ(patterns.any_automaton->FullMatch("a\xff" "c"), RegexDfa::Outcome::kUndecided);
  for (uint32_t member = 0; member < patterns.nodes.size(); ++member) {
    const bool regex = program.DescribeNode(patterns.nodes[member]) == "tool matches \"c[0-9]+\"";
    EXPECT_EQ(patterns.member_automata[member] != kNoAutomaton, regex) << member;
  }
}

// An `or` whose every disjunct has a guard atom of one index (itself, or
// among its top-level conjuncts) is filed there under the union of their
// keys, with the whole condition (the keys only make it possible): dotted
// suffixes that end with another of them are dropped, as CIDR blocks
// inside another are, so a lookup finds the rule once. Disjuncts guarded
// by different indexes, or by thresholds, leave the rule unguarded.
TEST(DagCompiler, DisjunctionsOfGuardsOnOneIndexAreFiledUnderEveryKey) {
  auto policy = CompileOrDie(R"(
    allow a when (tool == "x" and port == 1) or (tool == "y" and port == 2);
    let web = tool == "get" or tool in ["post", "put"];
    allow b when web and approved;
    deny c when host ends_with ".a.com" or host ends_with ".b.a.com" or host like "*.c.com";
    deny d when class == secret or (class in [internal] and not approved);
    allow mixed when tool == "x" or port == 3;
    allow ordered when port > 3 or port < 1;
  )");
  const std::string dump = policy->DumpDag("text");
  EXPECT_THAT(dump, HasSubstr("  deny by host suffix (1 rules; absent or wrong-typed: all)\n"
                              "    \".a.com\" -> c\n"
                              "    \".c.com\" -> c\n"));
  EXPECT_THAT(dump, HasSubstr("  deny by class (1 rules; absent or wrong-typed: all)\n"
                              "    internal -> d\n"
                              "    secret -> d\n"));
  EXPECT_THAT(dump, HasSubstr("  allow unguarded: mixed ordered\n"));
  EXPECT_THAT(dump, HasSubstr("  allow by tool (2 rules; absent or wrong-typed: none)\n"
                              "    \"get\" -> b\n"
                              "    \"post\" -> b\n"
                              "    \"put\" -> b\n"
                              "    \"x\" -> a\n"
                              "    \"y\" -> a\n"));
}

// A listed rule whose body starts with an affix test carries its screen:
// the length (exact for ==, least otherwise) and the 8 bytes the text must
// hold at its end (a suffix of 8 or more) or start (a prefix of 8 or more).
// `!=` and a negated test get none: a different length makes them true.
// (No '.' in the suffixes, so that no rule here joins a suffix index; the
// rules with a prefix are denies, whose `all` list, for an absent host,
// keeps their whole condition.)
TEST(DagCompiler, ListedRulesScreenOnTheirFirstAffixTest) {
  auto policy = CompileOrDie(R"(
    allow suffix when approved and host ends_with "svc-example-com";
    deny prefix when approved and host starts_with "api-internal-";
    deny pattern when approved and host like "db-*-example";
    allow short when approved and host ends_with "e-com";
    allow unequal when approved and host != "api.example.com";
    allow negated when approved and not (host starts_with "api-internal-");
    deny equal when approved and host == "api.example.com";
  )");
  const DagProgram& program = *policy->dag();
  const uint32_t host = policy->FindAttribute("host")->slot;
  const RuleRange unguarded = program.allow_plan().unguarded;
  ASSERT_EQ(unguarded.end - unguarded.begin, 4u);
  const auto listed = [&](uint32_t i) { return program.rule_lists()[unguarded.begin + i]; };
  EXPECT_EQ(listed(0).screen, kScreenLeastSize | kScreenWordAtEnd);
  EXPECT_EQ(listed(0).screen_size, 15u);
  EXPECT_EQ(listed(0).screen_tail, 15u);
  EXPECT_EQ(listed(0).screen_slot, host);
  EXPECT_EQ(listed(1).screen, kScreenLeastSize);  // 5 bytes: the length alone
  EXPECT_EQ(listed(1).screen_size, 5u);
  EXPECT_EQ(listed(2).screen, 0);
  EXPECT_EQ(listed(3).screen, 0);
  // The denies as an absent host finds them, with their whole conditions.
  ASSERT_EQ(program.deny_plan().indexes.size(), 2u);
  const ListedRule& equal = program.rule_lists()[program.deny_plan().indexes[0].all.begin];
  EXPECT_EQ(equal.screen, kScreenExactSize | kScreenWordAtEnd);
  EXPECT_EQ(equal.screen_size, 15u);
  EXPECT_EQ(equal.screen_tail, 15u);
  const RuleRange prefixed = program.deny_plan().indexes[1].all;
  ASSERT_EQ(prefixed.end - prefixed.begin, 2u);
  const ListedRule& prefix = program.rule_lists()[prefixed.begin];
  EXPECT_EQ(prefix.screen, kScreenLeastSize | kScreenWordAtStart);
  EXPECT_EQ(prefix.screen_size, 13u);
  const ListedRule& pattern = program.rule_lists()[prefixed.begin + 1];
  EXPECT_EQ(pattern.screen, kScreenLeastSize | kScreenWordAtEnd);  // "db-", then "-example"
  EXPECT_EQ(pattern.screen_size, 11u);
  EXPECT_EQ(pattern.screen_tail, 8u);
}

// A string test whose constant is all suffix and 8 to 16 bytes long holds
// it in its two words (head: the first 8, tail: the last 8) and points at
// no copy; a longer one, or one with a prefix, keeps its pointer.
TEST(DagCompiler, ShortSuffixConstantsAreHeldInTheTestItself) {
  auto policy = CompileOrDie(R"(
    allow a when approved and tool == "crm.read.all";
    allow b when approved and tool ends_with ".example.com.internal";
    allow c when approved and tool starts_with "crm.read";
    allow d when approved and tool == "crm.read";
    allow e when approved and tool == "crm.rea";
  )");
  const DagProgram& program = *policy->dag();
  const auto test_of = [&](const std::string& description) {
    const uint32_t node = NodeNamed(program, description);
    return program.compact_atoms()[program.nodes()[node].operand];
  };
  const auto word = [](const char* text) {
    uint64_t value;
    std::memcpy(&value, text, sizeof(value));
    return value;
  };
  const CompactAtom twelve = test_of("tool == \"crm.read.all\"");
  EXPECT_TRUE(twelve.tail_inline());
  EXPECT_EQ(twelve.head, word("crm.read"));
  EXPECT_EQ(twelve.tail, word("read.all"));
  EXPECT_TRUE(test_of("tool == \"crm.read\"").tail_inline());  // head and tail alike
  EXPECT_FALSE(test_of("tool ends_with \".example.com.internal\"").tail_inline());
  EXPECT_FALSE(test_of("tool starts_with \"crm.read\"").tail_inline());
  EXPECT_FALSE(test_of("tool == \"crm.rea\"").tail_inline());
}

// Rules whose only guard is an ordering on a scalar join a threshold
// index instead of the unguarded list: each side sorted so that the rules
// a value satisfies come first, `>=` before `>` (and `<=` before `<`) at
// one threshold, each listed without its guard.
TEST(DagCompiler, OrderingsOnScalarsJoinAThresholdIndexSortedByThreshold) {
  auto policy = CompileOrDie(R"(
    deny risky when score >= 0.9;
    deny riskier when score > 0.5 and approved;
    deny same when score > 0.9;
    deny low when score < 0.1;
    deny lower when score <= 0.1;
    deny secret when class >= secret unless approved;
    deny open when class <= public and approved;
    deny scoped when tool == "x" and port > 3;
  )");
  const std::string dump = policy->DumpDag("text");
  EXPECT_THAT(dump, HasSubstr("  deny unguarded: \n"));
  EXPECT_THAT(dump, HasSubstr("  deny by score threshold (5 rules; absent or wrong-typed: all)\n"
                              "    > 0.5 -> riskier(n"));
  EXPECT_THAT(dump, HasSubstr(")\n    >= 0.9 -> risky(n1)\n    > 0.9 -> same(n1)\n"
                              "    <= 0.1 -> lower(n1)\n    < 0.1 -> low(n1)\n"));
  EXPECT_THAT(dump, HasSubstr("  deny by class threshold (2 rules; absent or wrong-typed: all)\n"
                              "    >= secret -> secret(n"));
  EXPECT_THAT(dump, HasSubstr(")\n    <= public -> open(n"));
  // A string equality has more distinct keys than `port > 3`: it guards.
  EXPECT_THAT(dump, HasSubstr("  deny by tool (1 rules;"));
}

// A threshold index would hold the lone rule ordering on `class` or on
// `port`: such a rule is listed unguarded instead, its entry screened by
// its compare, since a compare costs less than visiting an index. It still
// applies on an absent attribute, as a deny must (fail-closed).
TEST(DagCompiler, AOneRuleThresholdIsListedUnguarded) {
  auto policy = CompileOrDie(R"(
    deny secret when class >= secret unless approved;
    deny high when port > 1024;
    deny risky when score >= 0.9;
    deny riskier when score > 0.5 and approved;
    allow low when port < 1024;
  )");
  const std::string dump = policy->DumpDag("text");
  EXPECT_THAT(dump, HasSubstr("  deny unguarded: secret high\n"));
  EXPECT_THAT(dump, HasSubstr("  deny by score threshold (2 rules;"));
  EXPECT_THAT(dump, HasSubstr("  allow unguarded: low\n"));
  EXPECT_THAT(dump, Not(HasSubstr("class threshold")));
  EXPECT_THAT(dump, Not(HasSubstr("port threshold")));
  EXPECT_THAT(dump, HasSubstr("  secret: class >= secret (screened) | not approved\n"));
  EXPECT_THAT(dump, HasSubstr("  high: port > 1024 (screened)\n"));
  const AttributeHandle port = *policy->FindAttribute("port");
  const AttributeHandle kind = *policy->FindAttribute("class");
  const AttributeHandle score = *policy->FindAttribute("score");
  const AttributeHandle approved = *policy->FindAttribute("approved");
  Request request(*policy);
  request.SetInt(port, 80);
  request.SetEnum(kind, "public");
  request.SetNumber(score, 0.1);
  request.SetBool(approved, false);
  Request high_port = request;
  high_port.SetInt(port, 2048);
  Request secret = request;
  secret.SetEnum(kind, "secret");
  Request no_class(*policy);
  no_class.SetInt(port, 80);
  no_class.SetNumber(score, 0.1);
  no_class.SetBool(approved, false);
  EXPECT_EQ(policy->Evaluate(request).effect, Effect::kAllow);
  EXPECT_EQ(policy->Evaluate(high_port).effect, Effect::kDeny);
  EXPECT_EQ(policy->Evaluate(secret).effect, Effect::kDeny);
  EXPECT_EQ(policy->Evaluate(no_class).effect, Effect::kDeny);  // `secret` unknown
  for (const Request* each : {&request, &high_port, &secret, &no_class}) {
    Explanation dag, reference;
    policy->Evaluate(*each, &dag);
    policy->Evaluate(*each, &reference, Evaluator::kReference);
    EXPECT_EQ(dag.ToJson(), reference.ToJson());
  }
}

TEST(DagCompiler, DotIsADigraphNamingEveryRuleAndIndex) {
  auto policy = CompileOrDie(R"(
    allow fetch when tool == "get" and host ends_with ".example.com";
    deny odd when port in [1, 2] or not approved;
    deny risky when score >= 0.9;
    deny riskier when score > 0.5 and not approved;
  )");
  const std::string dot = policy->DumpDag("dot");
  EXPECT_EQ(dot.rfind("digraph writ_dag {", 0), 0u);
  EXPECT_THAT(dot, HasSubstr("label=\"allow fetch\""));
  EXPECT_THAT(dot, HasSubstr("label=\"deny odd\""));
  EXPECT_THAT(dot, HasSubstr("label=\"host ends_with \\\".example.com\\\"\""));
  EXPECT_THAT(dot, HasSubstr("label=\"allow index on tool\""));
  // A node id may not hold a space: "index_deny_3_threshold".
  EXPECT_THAT(dot, ::testing::ContainsRegex(
                       "\n  index_deny_[0-9]+_threshold \\[label=\"deny threshold index on score\""));
  EXPECT_EQ(dot.substr(dot.size() - 2), "}\n");
  EXPECT_EQ(policy->DumpDag("svg"), "");
}

// The why_not plan (which allow rules a default deny ranks) is drawn too,
// its edges dotted, as `writ dag` text lists it.
TEST(DagCompiler, DotDrawsTheWhyNotPlan) {
  auto policy = CompileOrDie(R"(
    allow fetch when tool == "get" and host ends_with ".example.com";
    allow put when tool == "put" and host == "api.example.com";
  )");
  const std::string text = policy->DumpDag("text");
  ASSERT_THAT(text, HasSubstr("  why_not by tool ("));
  ASSERT_THAT(text, HasSubstr("  why_not by host suffix ("));
  const std::string dot = policy->DumpDag("dot");
  EXPECT_THAT(dot, HasSubstr("  index_why_not_0 [label=\"why_not index on tool\", shape=cylinder];\n"
                             "  index_why_not_0 -> r0 [style=dotted, color=gray];\n"
                             "  index_why_not_0 -> r1 [style=dotted, color=gray];\n"));
  EXPECT_THAT(dot, HasSubstr("  index_why_not_1_suffix [label=\"why_not suffix index on host\", "
                             "shape=cylinder];\n"
                             "  index_why_not_1_suffix -> r0 [style=dotted, color=gray];\n"));
  // The allow plan's own index keeps its dashed edges.
  EXPECT_THAT(dot, HasSubstr("  index_allow_0 -> r0 [style=dashed];\n"));
}

}  // namespace
}  // namespace writ::internal
