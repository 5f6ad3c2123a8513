// Differential test: on random well-typed policy sets and random requests,
// the DAG evaluator must give exactly the reference evaluator's explanation
// record (compared as Explanation::ToJson text), and its decision-only and
// rule-id paths must agree with that record.
//
// Reproducible: policy k of a run is generated from seed base + k (base is
// kDefaultSeed, or WRIT_DIFFERENTIAL_SEED from the environment), and a
// failure prints that seed and a shrunk repro (policy items and request
// members dropped while the mismatch persists). Scale with
// WRIT_DIFFERENTIAL_POLICIES (policies per shard). A mismatch found is
// fixed with a named test in the suite of the stage that was wrong
// (tests/compile/, tests/eval/).
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "src/compile/dag_program.h"
#include "tests/differential/random_policy.h"
#include "writ/policy.h"
#include "writ/request.h"

namespace writ::differential {
namespace {

constexpr uint64_t kDefaultSeed = 20261129;
constexpr int kShards = 4;
constexpr uint64_t kPoliciesPerShard = 1250;  // x 4 shards x 40 requests = 200,000 pairs
constexpr int kRequestsPerPolicy = 40;

uint64_t EnvOr(const char* name, uint64_t fallback) {
  const char* value = std::getenv(name);
  return value != nullptr ? std::strtoull(value, nullptr, 10) : fallback;
}

// The seeds of one test: the run's (WRIT_DIFFERENTIAL_SEED) plus the
// test's own offset, so that tests draw apart from each other and from the
// shards; called with a seed, how to rerun it as the test's first policy.
struct TestSeeds {
  uint64_t offset;

  uint64_t first() const { return EnvOr("WRIT_DIFFERENTIAL_SEED", kDefaultSeed) + offset; }
  std::string operator()(uint64_t seed) const {
    return absl::StrCat("WRIT_DIFFERENTIAL_SEED=", seed - offset,
                        " makes it this test's first policy");
  }
};

std::shared_ptr<const Policy> CompileItems(const PolicyItems& items, std::string* error) {
  std::vector<SourceFile> sources;
  for (const auto& [name, text] : items.Files()) sources.push_back({name, text});
  absl::StatusOr<std::shared_ptr<const Policy>> policy = Policy::Compile(std::move(sources));
  if (!policy.ok()) {
    *error = std::string(policy.status().message());
    return nullptr;
  }
  return *policy;
}

// What the two evaluators said, or why they could not be asked.
struct Comparison {
  bool comparable = false;
  std::string problem;  // set when not comparable
  std::string dag;
  std::string reference;
  bool agree = true;
};

std::string DeterminingNames(const Policy& policy, const std::vector<uint32_t>& ids) {
  std::string names;
  for (uint32_t id : ids) absl::StrAppend(&names, policy.RuleName(id), " ");
  return names;
}

Comparison CompareRequest(const Policy& policy, const Request& request);

Comparison Compare(const Policy& policy, const std::string& json) {
  absl::StatusOr<Request> request = Request::FromJson(policy, json);
  if (!request.ok()) {
    Comparison result;
    result.problem = absl::StrCat("request rejected: ", request.status().message());
    return result;
  }
  return CompareRequest(policy, *request);
}

Comparison CompareRequest(const Policy& policy, const Request& request) {
  Comparison result;
  result.comparable = true;
  Explanation dag;
  Explanation reference;
  const Decision with_record = policy.Evaluate(request, &dag, Evaluator::kDag);
  policy.Evaluate(request, &reference, Evaluator::kReference);
  result.dag = dag.ToJson();
  result.reference = reference.ToJson();
  // The fast paths must agree with the record too.
  const Decision only = policy.Evaluate(request);
  std::vector<uint32_t> ids;
  const Decision with_ids = policy.EvaluateRuleIds(request, &ids);
  std::string expected_names;
  for (const DeterminingRule& rule : reference.determining) absl::StrAppend(&expected_names, rule.rule, " ");
  const auto same = [&](Decision decision) {
    return decision.effect == reference.decision &&
           decision.default_applied == reference.default_applied;
  };
  if (!same(with_record) || !same(only) || !same(with_ids)) {
    absl::StrAppend(&result.dag, "\n(decision-only or rule-id path disagrees with the record)");
  }
  if (DeterminingNames(policy, ids) != expected_names) {
    absl::StrAppend(&result.dag, "\n(rule ids: ", DeterminingNames(policy, ids), ")");
  }
  result.agree = result.dag == result.reference;
  return result;
}

bool StillFails(const PolicyItems& items, const RequestMembers& request) {
  std::string error;
  std::shared_ptr<const Policy> policy = CompileItems(items, &error);
  if (policy == nullptr) return false;
  const Comparison comparison = Compare(*policy, request.Json());
  return comparison.comparable && !comparison.agree;
}

// Drops policy items (never the schema) and request members one at a time
// while the mismatch persists.
void Shrink(PolicyItems* items, RequestMembers* request) {
  for (size_t i = items->items.size(); i-- > 1;) {
    PolicyItems smaller = *items;
    smaller.items.erase(smaller.items.begin() + i);
    if (smaller.split > i) --smaller.split;
    if (StillFails(smaller, *request)) *items = std::move(smaller);
  }
  for (size_t i = request->members.size(); i-- > 0;) {
    RequestMembers smaller = *request;
    smaller.members.erase(smaller.members.begin() + i);
    if (StillFails(*items, smaller)) *request = std::move(smaller);
  }
}

// `rerun` says how to run the failing seed again.
std::string Repro(uint64_t seed, const std::string& rerun, PolicyItems items,
                  RequestMembers request) {
  Shrink(&items, &request);
  std::string error;
  std::shared_ptr<const Policy> policy = CompileItems(items, &error);
  const Comparison comparison = Compare(*policy, request.Json());
  const auto files = items.Files();
  return absl::StrCat("seed ", seed, " (", rerun, ")\n",
                      "--- first.writ\n", files[0].second, "--- second.writ\n", files[1].second,
                      "--- request\n", request.Json(), "\n--- dag\n", comparison.dag,
                      "\n--- reference\n", comparison.reference, "\n");
}

// How many of the compiled policies had an index of a kind, by effect.
struct IndexCoverage {
  size_t policies = 0;
  size_t deny_thresholds = 0;
  size_t allow_thresholds = 0;

  void Count(const Policy& policy) {
    ++policies;
    const std::string dump = policy.DumpDag("text");
    const auto has = [&](const char* effect) {
      for (size_t at = dump.find(" threshold ("); at != std::string::npos;
           at = dump.find(" threshold (", at + 1)) {
        const size_t line = dump.rfind('\n', at) + 1;
        if (dump.compare(line, std::strlen(effect), effect) == 0) return true;
      }
      return false;
    };
    deny_thresholds += has("  deny by ");
    allow_thresholds += has("  allow by ");
  }
};

// Compares the two evaluators on policies from seeds [first_seed,
// first_seed + policies), each of 1 to `max_rules` rules, kRequestsPerPolicy
// requests each; stops after three mismatches, each reported with a shrunk
// repro and `rerun(seed)`, how to run that seed again. Returns the number
// of pairs compared.
template <typename Rerun>
size_t CompareRandomPolicies(uint64_t first_seed, uint64_t policies, size_t max_rules,
                             Rerun rerun, IndexCoverage* coverage,
                             Constants constants = Constants::kPools) {
  size_t compared = 0;
  int failures = 0;
  for (uint64_t k = 0; k < policies && failures < 3; ++k) {
    const uint64_t seed = first_seed + k;
    RandomPolicyGenerator generator(seed, max_rules, constants);
    const PolicyItems items = generator.Policy();
    std::string error;
    std::shared_ptr<const Policy> policy = CompileItems(items, &error);
    if (policy == nullptr) {
      ADD_FAILURE() << "seed " << seed << ": the generator wrote an ill-typed policy: " << error
                    << "\n" << items.Source();
      return compared;
    }
    coverage->Count(*policy);
    for (int r = 0; r < kRequestsPerPolicy; ++r) {
      const RequestMembers request = generator.Request();
      const Comparison comparison = Compare(*policy, request.Json());
      if (!comparison.comparable) {
        ADD_FAILURE() << "seed " << seed << ": " << comparison.problem << "\n" << request.Json();
        return compared;
      }
      ++compared;
      if (!comparison.agree) {
        ++failures;
        ADD_FAILURE() << Repro(seed, rerun(seed), items, request);
        break;
      }
    }
  }
  return compared;
}

class DagVersusReference : public ::testing::TestWithParam<int> {};

TEST_P(DagVersusReference, SameRecordOnRandomPoliciesAndRequests) {
  const uint64_t base = EnvOr("WRIT_DIFFERENTIAL_SEED", kDefaultSeed);
  const uint64_t policies = EnvOr("WRIT_DIFFERENTIAL_POLICIES", kPoliciesPerShard);
  IndexCoverage coverage;
  const auto rerun = [](uint64_t seed) {
    return absl::StrCat("WRIT_DIFFERENTIAL_SEED=", seed,
                        " WRIT_DIFFERENTIAL_POLICIES=1 reproduces it in shard 0");
  };
  const size_t compared = CompareRandomPolicies(
      base + static_cast<uint64_t>(GetParam()) * policies, policies, 8, rerun, &coverage);
  std::printf("shard %d: %zu policy/request pairs compared (seeds from %llu)\n", GetParam(),
              compared, static_cast<unsigned long long>(base));
  EXPECT_EQ(compared, policies * kRequestsPerPolicy);
}

// Policies of up to 120 rules: a threshold index is built only for two or
// more rules ordering one attribute with no better guard (PlanEffect lists
// a lone one unguarded), which policies of up to 8 rules seldom have (1% of
// them). About half of these have one, for each effect, and the test
// checks it does, so that the index's walk stays compared with the
// reference.
TEST(DagVersusReference, SameRecordOnPoliciesOfManyRules) {
  const TestSeeds seeds{1000000};
  const uint64_t base = seeds.first();
  constexpr uint64_t kPolicies = 1000;
  IndexCoverage coverage;
  const size_t compared = CompareRandomPolicies(base, kPolicies, 120, seeds, &coverage);
  std::printf("%zu policy/request pairs compared; threshold indexes in %zu (deny) and %zu "
              "(allow) of %zu policies\n",
              compared, coverage.deny_thresholds, coverage.allow_thresholds, coverage.policies);
  EXPECT_EQ(compared, kPolicies * kRequestsPerPolicy);
  EXPECT_GE(coverage.deny_thresholds, kPolicies / 4);
  EXPECT_GE(coverage.allow_thresholds, kPolicies / 4);
}

// With every string-keyed table's lists stored inline after their keys
// (dag_program.h's InlineEntries), which CompileDag does only for tables of
// kInlineListsFromKeys keys or more: no policy of a few random rules has
// one, so without this the inline walk would be compared only on the few
// large tables of SameRecordOnOneLargeIndex.
TEST(DagVersusReference, SameRecordWithEveryKeyListInline) {
  const TestSeeds seeds{2000000};
  const uint64_t base = seeds.first();
  constexpr uint64_t kPolicies = 1000;
  struct EveryListInline {
    EveryListInline() { internal::SetInlineListsFromKeysForTesting(0); }
    ~EveryListInline() {
      internal::SetInlineListsFromKeysForTesting(internal::kInlineListsFromKeys);
    }
  } every_list_inline;
  IndexCoverage coverage;
  size_t compared = CompareRandomPolicies(base, kPolicies / 2, 8, seeds, &coverage);
  compared += CompareRandomPolicies(base + kPolicies / 2, kPolicies / 2, 120, seeds, &coverage);
  // And rich constants: texts of every length as keys of inline lists.
  compared += CompareRandomPolicies(base + kPolicies, kPolicies / 4, 8, seeds, &coverage,
                                    Constants::kRich);
  EXPECT_EQ(compared, (kPolicies + kPolicies / 4) * kRequestsPerPolicy);
}

// Constants::kRich: random strings, globs, regexes, numbers and CIDR
// blocks instead of the pools', and requests near them, on policies of up
// to 8 and of up to 120 rules, and once more with every string table
// inline.
TEST(DagVersusReference, SameRecordOnRichConstants) {
  const TestSeeds seeds{3000000};
  const uint64_t base = seeds.first();
  const uint64_t policies = EnvOr("WRIT_DIFFERENTIAL_POLICIES", 600);
  IndexCoverage coverage;
  size_t compared = CompareRandomPolicies(base, policies, 8, seeds, &coverage, Constants::kRich);
  compared += CompareRandomPolicies(base + policies, policies / 3, 120, seeds, &coverage,
                                    Constants::kRich);
  EXPECT_EQ(compared, (policies + policies / 3) * kRequestsPerPolicy);
}

// Policies of 2,000 rules that mostly start with an atom of one shape on
// one attribute (RandomPolicyGenerator::OneLargeIndex): one index of
// about that many keys, past kInlineListsFromKeys for the string tables,
// at the sizes the compiler builds for real.
TEST(DagVersusReference, SameRecordOnOneLargeIndex) {
  const TestSeeds seeds{4000000};
  const uint64_t base = seeds.first();
  const uint64_t policies =
      EnvOr("WRIT_DIFFERENTIAL_LARGE_POLICIES", RandomPolicyGenerator::kLargeIndexShapes);
  size_t compared = 0;
  size_t inline_tables = 0;
  size_t screened_tables = 0;  // inline, and every list screened by one text
  for (uint64_t seed = base; seed < base + policies; ++seed) {
    RandomPolicyGenerator generator(seed, 8, Constants::kRich);
    const auto shape = static_cast<int>(seed % RandomPolicyGenerator::kLargeIndexShapes);
    generator.OneLargeIndex(2000, shape);
    const PolicyItems items = generator.Policy();
    std::string error;
    std::shared_ptr<const Policy> policy = CompileItems(items, &error);
    ASSERT_NE(policy, nullptr) << "seed " << seed << ": " << error;
    const std::string dump = policy->DumpDag("text");
    inline_tables += dump.find("; lists inline after their keys") != std::string::npos;
    screened_tables += dump.find("screened by s1; lists inline") != std::string::npos;
    for (int r = 0; r < kRequestsPerPolicy; ++r) {
      const RequestMembers request = generator.Request();
      const Comparison comparison = Compare(*policy, request.Json());
      ASSERT_TRUE(comparison.comparable) << comparison.problem;
      ASSERT_EQ(comparison.dag, comparison.reference)
          << "seed " << seed << " (" << seeds(seed) << ")\n--- request\n" << request.Json();
      ++compared;
    }
  }
  std::printf("%zu pairs on %llu policies of 2,000 rules, %zu with a table's lists inline, "
              "%zu of them each screened by one text\n",
              compared, static_cast<unsigned long long>(policies), inline_tables,
              screened_tables);
  EXPECT_EQ(compared, policies * kRequestsPerPolicy);
  // Shapes 0, 2, 3 and 9 (s1 ==, ends_with, like, tool and host) give a
  // string table of over kInlineListsFromKeys keys, the last (by host)
  // with every list screened by s1 (the tool); kLargeIndexShapes policies
  // take each shape once.
  if (policies >= RandomPolicyGenerator::kLargeIndexShapes) {
    EXPECT_GE(inline_tables, 4u);
    EXPECT_GE(screened_tables, 1u);
  }
}

// Texts that are not UTF-8, which an embedder can set (Request::SetString)
// though JSON cannot carry them: the automata leave them to RE2, a glob's
// `?` reads a stray byte as a code point, and the pattern sets' RE2::Set
// pass reads bytes. Rich policies; each request's string attributes and
// set elements replaced, each with even odds, by a text near one of the
// policy's strings with bytes that are not UTF-8.
TEST(DagVersusReference, SameRecordOnTextsThatAreNotUtf8) {
  const TestSeeds seeds{5000000};
  const uint64_t base = seeds.first();
  const uint64_t policies = EnvOr("WRIT_DIFFERENTIAL_POLICIES", 300);
  size_t compared = 0;
  for (uint64_t seed = base; seed < base + policies; ++seed) {
    RandomPolicyGenerator generator(seed, 8, Constants::kRich);
    const PolicyItems items = generator.Policy();
    std::string error;
    std::shared_ptr<const Policy> policy = CompileItems(items, &error);
    ASSERT_NE(policy, nullptr) << "seed " << seed << ": " << error;
    for (int r = 0; r < kRequestsPerPolicy; ++r) {
      absl::StatusOr<Request> request = Request::FromJson(*policy, generator.Request().Json());
      ASSERT_TRUE(request.ok()) << request.status();
      std::string changed;
      for (const char* path : {"s1", "s2", "x.y"}) {
        if (r % 2 == 0) continue;
        const std::string text = generator.TextNotUtf8();
        request->SetString(*policy->FindAttribute(path), text);
        absl::StrAppend(&changed, path, " = ", absl::CHexEscape(text), "\n");
      }
      for (const char* path : {"tags", "more_tags"}) {
        if (r % 4 != 1) continue;
        std::vector<std::string> members = {generator.TextNotUtf8(), generator.TextNotUtf8()};
        request->SetStringSet(*policy->FindAttribute(path), members);
        absl::StrAppend(&changed, path, " = [", absl::CHexEscape(members[0]), ", ",
                        absl::CHexEscape(members[1]), "]\n");
      }
      const Comparison comparison = CompareRequest(*policy, *request);
      ASSERT_EQ(comparison.dag, comparison.reference)
          << "seed " << seed << " (" << seeds(seed) << ")\n" << items.Source() << "\n--- set\n" << changed;
      ++compared;
    }
  }
  EXPECT_EQ(compared, policies * kRequestsPerPolicy);
}

INSTANTIATE_TEST_SUITE_P(Shards, DagVersusReference, ::testing::Range(0, kShards));

// The builder fills a caller's Explanation in place and keeps what one
// record drops (a default deny's why_not, a longer determining list) for
// the next: a record written over another, of either evaluator and either
// detail, must read exactly as one written into a fresh Explanation.
TEST(DagVersusReference, ReusedExplanationReadsAsAFreshOne) {
  const uint64_t base = EnvOr("WRIT_DIFFERENTIAL_SEED", kDefaultSeed);
  Explanation reused;  // one for every policy, evaluator and detail below
  size_t compared = 0;
  for (uint64_t k = 0; k < 200; ++k) {
    RandomPolicyGenerator generator(base + k);
    const PolicyItems items = generator.Policy();
    std::string error;
    std::shared_ptr<const Policy> policy = CompileItems(items, &error);
    ASSERT_NE(policy, nullptr) << error;
    for (int r = 0; r < kRequestsPerPolicy; ++r) {
      absl::StatusOr<Request> request = Request::FromJson(*policy, generator.Request().Json());
      ASSERT_TRUE(request.ok()) << request.status();
      const Evaluator evaluator = r % 3 == 0 ? Evaluator::kReference : Evaluator::kDag;
      const ExplanationDetail detail =
          r % 4 == 1 ? ExplanationDetail::kWithoutWhyNot : ExplanationDetail::kFull;
      Explanation fresh;
      policy->Evaluate(*request, &fresh, evaluator, detail);
      policy->Evaluate(*request, &reused, evaluator, detail);
      ASSERT_EQ(reused.ToJson(), fresh.ToJson()) << "seed " << base + k << "\n" << items.Source();
      ++compared;
    }
  }
  EXPECT_EQ(compared, 200u * kRequestsPerPolicy);
}

}  // namespace
}  // namespace writ::differential
