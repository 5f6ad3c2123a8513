// The hand-written baseline must decide exactly as the engine does on the
// generated workload, or the benchmark's ratio compares different work.
#include <set>
#include <string>
#include <tuple>

#include "benchmarks/bench_workload.h"
#include "benchmarks/hand_written_baseline.h"
#include "benchmarks/policy_generator.h"
#include "gtest/gtest.h"
#include "src/check/checked_policy.h"
#include "writ/policy.h"

namespace writ::bench {
namespace {

struct DecisionMix {
  int allows = 0;
  int denies = 0;
  int default_denies = 0;
};

void Tally(const Decision& decision, DecisionMix* mix) {
  if (decision.effect == Effect::kAllow) {
    ++mix->allows;
  } else if (decision.default_applied) {
    ++mix->default_denies;
  } else {
    ++mix->denies;
  }
}

std::unique_ptr<const Workload> SmallWorkload(size_t rules, size_t requests) {
  GeneratorOptions options;
  options.rules = rules;
  options.requests = requests;
  absl::StatusOr<std::unique_ptr<const Workload>> workload = MakeWorkload(options);
  EXPECT_TRUE(workload.ok()) << workload.status();
  return workload.ok() ? *std::move(workload) : nullptr;
}

class BaselineMatchesEngineTest
    : public testing::TestWithParam<std::tuple<size_t, Evaluator>> {};

TEST_P(BaselineMatchesEngineTest, SameDecisionOnEveryGeneratedRequest) {
  const auto [rules, evaluator] = GetParam();
  std::unique_ptr<const Workload> workload = SmallWorkload(rules, 2000);
  ASSERT_NE(workload, nullptr);
  DecisionMix mix;
  for (size_t i = 0; i < workload->requests.size(); ++i) {
    const Decision engine = workload->policy->Evaluate(workload->requests[i], nullptr, evaluator);
    const Decision baseline = workload->baseline->Decide(workload->baseline_requests[i]);
    ASSERT_EQ(engine.effect, baseline.effect) << workload->json_requests[i];
    ASSERT_EQ(engine.default_applied, baseline.default_applied) << workload->json_requests[i];
    Tally(engine, &mix);
  }
  // The workload exercises all three outcomes, not just one.
  EXPECT_GT(mix.allows, 0);
  EXPECT_GT(mix.denies, 0);
  EXPECT_GT(mix.default_denies, 0);
}

INSTANTIATE_TEST_SUITE_P(Sizes, BaselineMatchesEngineTest,
                         testing::Combine(testing::Values(10, 100, 1000),
                                          testing::Values(Evaluator::kDag,
                                                          Evaluator::kReference)));

TEST(PolicyGeneratorTest, SameSeedGivesSamePolicyAndRequests) {
  GeneratorOptions options;
  options.rules = 200;
  options.requests = 50;
  const GeneratedPolicy first = GeneratePolicy(options);
  const GeneratedPolicy second = GeneratePolicy(options);
  EXPECT_EQ(first.source, second.source);
  const auto first_requests = GenerateRequests(first, options);
  const auto second_requests = GenerateRequests(second, options);
  ASSERT_EQ(first_requests.size(), second_requests.size());
  for (size_t i = 0; i < first_requests.size(); ++i) {
    EXPECT_EQ(RequestToJson(first_requests[i]), RequestToJson(second_requests[i]));
  }
  options.seed += 1;
  EXPECT_NE(GeneratePolicy(options).source, first.source);
}

TEST(PolicyGeneratorTest, MakesTheAskedRuleCountWithAboutFivePercentDenies) {
  std::unique_ptr<const Workload> workload = SmallWorkload(1000, 10);
  ASSERT_NE(workload, nullptr);
  EXPECT_EQ(workload->policy->checked().rules.size(), 1000u);
  EXPECT_EQ(workload->generated.denies.size(), 50u);
  EXPECT_EQ(workload->generated.allows.size(), 950u);
}

TEST(PolicyGeneratorTest, RequestsAreAboutThreeHundredBytes) {
  std::unique_ptr<const Workload> workload = SmallWorkload(100, 500);
  ASSERT_NE(workload, nullptr);
  size_t total = 0;
  for (const std::string& json : workload->json_requests) total += json.size();
  const double mean = static_cast<double>(total) / workload->json_requests.size();
  EXPECT_GT(mean, 250);
  EXPECT_LT(mean, 400);
}

TEST(PolicyGeneratorTest, ToolNamesAreDistinct) {
  const std::vector<std::string> names = ToolNames(500);
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), 500u);
}

}  // namespace
}  // namespace writ::bench
