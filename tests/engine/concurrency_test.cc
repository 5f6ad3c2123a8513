// Reload under load: many threads decide while another thread reloads, and
// no decision is ever torn — each is exactly what the policy whose digest
// it reports would decide. Run under ThreadSanitizer by scripts/sanitize.sh.
//
// WRIT_CONCURRENCY_DECISIONS scales the run (default 1,000,000 decisions
// and 1,000 reloads, as issue 5 asks).
#include <atomic>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "simdjson.h"
#include "tests/engine/test_support.h"
#include "writ/engine.h"

namespace writ {
namespace {

constexpr int kThreads = 8;

uint64_t TotalDecisions() {
  const char* scale = std::getenv("WRIT_CONCURRENCY_DECISIONS");
  return scale != nullptr ? std::strtoull(scale, nullptr, 10) : 1000000;
}

// Generation i allows "search" when i is even and denies it when odd; its
// version makes every generation's digest distinct. The schema changes
// shape too (odd generations declare one more attribute first), so a
// request read against one schema and decided by another would show.
std::vector<SourceFile> Generation(int i) {
  const bool even = i % 2 == 0;
  return {{"gen.writ",
           absl::StrCat("policy \"gen\" version \"", i, "\";\n",
                        even ? "schema { tool: string; n: int; }\n"
                             : "schema { pad: bool; n: int; tool: string; }\n",
                        even ? "allow a when tool == \"search\" and n >= 0 with max_uses = 1;\n"
                             : "deny d when tool == \"search\" and n >= 0;\ndefault allow;\n")}};
}

struct Expectations {
  absl::flat_hash_map<std::string, Effect> effect_by_digest;
};

Expectations CompileAll(int generations) {
  Expectations expectations;
  for (int i = 0; i < generations; ++i) {
    absl::StatusOr<std::shared_ptr<const Policy>> policy = Policy::Compile(Generation(i));
    EXPECT_TRUE(policy.ok());
    expectations.effect_by_digest[(*policy)->info().digest] =
        i % 2 == 0 ? Effect::kAllow : Effect::kDeny;
  }
  return expectations;
}

// Reloads generations 1..reloads while the deciding threads run, spread
// evenly: reload i waits until i / (reloads + 1) of `total` decisions are
// done. Returns how many reloads failed.
int ReloadSpreadOverRun(Engine& engine, const std::atomic<uint64_t>& done,
                        uint64_t total, int reloads) {
  int failed = 0;
  for (int i = 1; i <= reloads; ++i) {
    while (done.load(std::memory_order_relaxed) < total * i / (reloads + 1)) {
      std::this_thread::yield();
    }
    if (!engine.Reload(Generation(i)).ok()) ++failed;
  }
  return failed;
}

TEST(ConcurrencyTest, ReloadUnderLoadNeverTearsADecision) {
  const uint64_t total = TotalDecisions();
  const int reloads = static_cast<int>(std::min<uint64_t>(1000, total / 100 + 1));
  const Expectations expectations = CompileAll(reloads + 1);
  absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::Create(Generation(0));
  ASSERT_TRUE(engine.ok());

  std::atomic<uint64_t> done{0};
  std::atomic<uint64_t> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const uint64_t mine = total / kThreads + (t < static_cast<int>(total % kThreads));
      Explanation explanation;
      for (uint64_t i = 0; i < mine; ++i) {
        // Every 64th decision also checks the explanation's policy.
        const bool explain = i % 64 == 0;
        absl::StatusOr<EngineDecision> decision = (*engine)->EvaluateJson(
            R"({"tool": "search", "n": 3})", explain ? &explanation : nullptr);
        const auto expected =
            decision.ok() ? expectations.effect_by_digest.find(decision->policy_digest.view())
                          : expectations.effect_by_digest.end();
        if (expected == expectations.effect_by_digest.end() ||
            expected->second != decision->decision.effect ||
            (explain && explanation.policy.digest != decision->policy_digest.view())) {
          wrong.fetch_add(1, std::memory_order_relaxed);
        }
        done.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  const int failed_reloads = ReloadSpreadOverRun(**engine, done, total, reloads);
  for (std::thread& thread : threads) thread.join();

  EXPECT_EQ(failed_reloads, 0);

  EXPECT_EQ(wrong.load(), 0u);
  const EngineStats stats = (*engine)->stats();
  EXPECT_EQ(stats.decisions, total);
  EXPECT_EQ(stats.reloads_ok, static_cast<uint64_t>(reloads));
  EXPECT_EQ(stats.reloads_failed, 0u);
}

TEST(ConcurrencyTest, LoggedRecordsMatchThePolicyTheyName) {
  const uint64_t total = std::max<uint64_t>(TotalDecisions() / 20, 800);
  constexpr int kReloads = 40;
  const Expectations expectations = CompileAll(kReloads + 1);
  engine_testing::MemoryLog memory_log;
  EngineOptions options;
  options.log = std::make_shared<DecisionLog>(
      std::make_unique<engine_testing::MemorySink>(&memory_log));
  absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::Create(Generation(0), options);
  ASSERT_TRUE(engine.ok());
  ASSERT_TRUE((*engine)->SetShadow(Generation(1)).ok());

  std::atomic<uint64_t> done{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (uint64_t i = 0; i < total / kThreads; ++i) {
        EXPECT_TRUE((*engine)->EvaluateJson(R"({"tool": "search", "n": 1})").ok());
        done.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  const int failed_reloads = ReloadSpreadOverRun(**engine, done, total, kReloads);
  for (std::thread& thread : threads) thread.join();
  (*engine)->FlushLog();

  EXPECT_EQ(failed_reloads, 0);
  const EngineStats stats = (*engine)->stats();
  EXPECT_EQ(stats.log_records + stats.log_drops, stats.decisions);
  uint64_t records = 0;
  simdjson::dom::parser parser;
  const std::string log = memory_log.text();
  for (simdjson::dom::element record : parser.parse_many(log)) {
    std::string_view digest;
    if (record["policy"]["digest"].get_string().get(digest) != simdjson::SUCCESS) continue;
    ++records;
    const auto expected =
        expectations.effect_by_digest.find(absl::string_view(digest.data(), digest.size()));
    ASSERT_NE(expected, expectations.effect_by_digest.end());
    EXPECT_EQ(record["decision"].get_string().value(),
              EffectName(expected->second));
  }
  EXPECT_EQ(records, stats.log_records);
}

}  // namespace
}  // namespace writ
