// Decision latency on generated agent-gateway policy sets of 10 to 10,000
// rules, through the public API, against the hand-written baseline.
//
// For each rule count and each mode (what one "call" is):
//   engine_decision     Policy::Evaluate(request) with the default (DAG) engine
//   reference_decision  the same with Evaluator::kReference, the interpreter
//   engine_rule_ids     Policy::EvaluateRuleIds: the decision and the ids of
//                       the determining rules (a reused vector)
//   baseline_decision   HandWrittenBaseline::Decide on a plain struct
//   engine_explain      Evaluate with the full explanation record
//   engine_json         Request::FromJson(~300 bytes) + Evaluate
// three benchmarks:
//   batch/MODE/N    Google Benchmark's timed loop: time per iteration is the
//                   batch mean of one call; allocs_per_call counts global
//                   operator new calls (this binary replaces it).
//   latency/MODE/N  one iteration that times calls one by one:
//                   p50_ns/p99_ns/mean_ns counters (each includes a clock
//                   read; timer_overhead_ns says how much). Not run for the
//                   reference interpreter, which is too slow at 10,000 rules.
// and, for the engine and the baseline only,
//   batch_hot/MODE/N  as batch/, cycling over the first kHotRequests
//                   requests only, so they stay in cache: the difference to
//                   batch/ is what reading a cold request costs.
//   ratio/N         engine and baseline passes over the same requests,
//                   interleaved so load hits both alike; `ratio` is the
//                   median engine pass over the median baseline pass, by
//                   thread CPU time (`wall_ratio`: the same by wall time,
//                   which a loaded machine inflates by preemption).
// Calls cycle over the workload's 10,000 requests in order.
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "benchmarks/bench_workload.h"
#include "benchmarks/benchmark_main.h"
#include "src/internal/latency.h"
#include "writ/policy.h"
#include "writ/request.h"

// --- Counting global allocator ------------------------------------------------

namespace {
std::atomic<uint64_t> allocation_count{0};

void* CountedAllocate(size_t size) {
  allocation_count.fetch_add(1, std::memory_order_relaxed);
  if (void* pointer = std::malloc(size == 0 ? 1 : size)) return pointer;
  throw std::bad_alloc();
}

void* CountedAllocateAligned(size_t size, std::align_val_t alignment) {
  allocation_count.fetch_add(1, std::memory_order_relaxed);
  const size_t align = static_cast<size_t>(alignment);
  // aligned_alloc wants a size that is a multiple of the alignment.
  if (void* pointer = std::aligned_alloc(align, (size + align - 1) / align * align)) {
    return pointer;
  }
  throw std::bad_alloc();
}
}  // namespace

void* operator new(size_t size) { return CountedAllocate(size); }
void* operator new[](size_t size) { return CountedAllocate(size); }
void* operator new(size_t size, std::align_val_t alignment) {
  return CountedAllocateAligned(size, alignment);
}
void* operator new[](size_t size, std::align_val_t alignment) {
  return CountedAllocateAligned(size, alignment);
}
void operator delete(void* pointer) noexcept { std::free(pointer); }
void operator delete[](void* pointer) noexcept { std::free(pointer); }
void operator delete(void* pointer, size_t) noexcept { std::free(pointer); }
void operator delete[](void* pointer, size_t) noexcept { std::free(pointer); }
void operator delete(void* pointer, std::align_val_t) noexcept { std::free(pointer); }
void operator delete[](void* pointer, std::align_val_t) noexcept { std::free(pointer); }
void operator delete(void* pointer, size_t, std::align_val_t) noexcept { std::free(pointer); }
void operator delete[](void* pointer, size_t, std::align_val_t) noexcept { std::free(pointer); }

namespace writ::bench {
namespace {

// Per-call samples per latency run: five passes over the requests, fewer
// (never under kMinLatencySamples) when that would take over
// kLatencyBudgetNs at the speed of a kMinLatencySamples warm-up.
constexpr size_t kLatencySamples = 50000;
constexpr size_t kMinLatencySamples = 1000;
constexpr double kLatencyBudgetNs = 2e9;
constexpr size_t kHotRequests = 16;
// Interleaved pass pairs per ratio run.
constexpr int kRatioPasses = 15;

enum class Mode { kEngine, kReference, kRuleIds, kBaseline, kExplain, kJson };

struct ModeInfo {
  Mode mode;
  const char* name;
};
constexpr ModeInfo kModes[] = {{Mode::kEngine, "engine_decision"},
                               {Mode::kReference, "reference_decision"},
                               {Mode::kRuleIds, "engine_rule_ids"},
                               {Mode::kBaseline, "baseline_decision"},
                               {Mode::kExplain, "engine_explain"},
                               {Mode::kJson, "engine_json"}};

// One call of `mode` on request `index`, returning the effect so the
// caller can fold it into a sink.
class Caller {
 public:
  Caller(const Workload& workload, Mode mode) : workload_(workload), mode_(mode) {}

  int operator()(size_t index) {
    const Policy& policy = *workload_.policy;
    switch (mode_) {
      case Mode::kEngine:
        return Effect(policy.Evaluate(workload_.requests[index]));
      case Mode::kReference:
        return Effect(policy.Evaluate(workload_.requests[index], nullptr, Evaluator::kReference));
      case Mode::kRuleIds:
        return Effect(policy.EvaluateRuleIds(workload_.requests[index], &rule_ids_));
      case Mode::kBaseline:
        return Effect(workload_.baseline->Decide(workload_.baseline_requests[index]));
      case Mode::kExplain:
        // One record reused across calls, as a server thread would.
        return Effect(policy.Evaluate(workload_.requests[index], &explanation_));
      case Mode::kJson: {
        absl::StatusOr<Request> request = Request::FromJson(policy, workload_.json_requests[index]);
        return request.ok() ? Effect(policy.Evaluate(*request)) : -1;
      }
    }
    return -1;
  }

 private:
  static int Effect(const Decision& decision) { return static_cast<int>(decision.effect); }

  const Workload& workload_;
  Mode mode_;
  Explanation explanation_;
  std::vector<uint32_t> rule_ids_;
};

// `period`: how many of the workload's requests to cycle over (0: all).
void BatchBenchmark(benchmark::State& state, size_t rules, Mode mode, size_t period) {
  const Workload& workload = SharedWorkload(rules);
  Caller call(workload, mode);
  if (period == 0 || period > workload.requests.size()) period = workload.requests.size();
  call(0);  // first-call setup (thread-local scratch, if any) is not a decision
  size_t index = 0;
  const uint64_t allocations_before = allocation_count.load();
  for (auto _ : state) {
    benchmark::DoNotOptimize(call(index));
    if (++index == period) index = 0;
  }
  const uint64_t allocations = allocation_count.load() - allocations_before;
  state.counters["allocs_per_call"] =
      static_cast<double>(allocations) / static_cast<double>(state.iterations());
  state.counters["rules"] = static_cast<double>(rules);
}

void LatencyBenchmark(benchmark::State& state, size_t rules, Mode mode) {
  const Workload& workload = SharedWorkload(rules);
  Caller call(workload, mode);
  const size_t period = workload.requests.size();
  volatile int sink = 0;
  auto decide = [&](size_t index) { sink = sink + call(index); };
  internal::LatencySummary summary;
  for (auto _ : state) {
    const double warm_up_ns = internal::BatchMeanNs(kMinLatencySamples, period, decide);
    const size_t count = std::clamp(static_cast<size_t>(kLatencyBudgetNs / warm_up_ns),
                                    kMinLatencySamples, kLatencySamples);
    std::vector<int64_t> samples;
    internal::SamplePerCall(count, period, decide, &samples);
    summary = internal::Summarize(samples);
  }
  state.counters["samples"] = static_cast<double>(summary.samples);
  state.counters["p50_ns"] = summary.p50_ns;
  state.counters["p90_ns"] = summary.p90_ns;
  state.counters["p99_ns"] = summary.p99_ns;
  state.counters["mean_ns"] = summary.mean_ns;
  state.counters["timer_overhead_ns"] = internal::TimerOverheadNs();
}

double MedianOf(std::vector<double> values) {
  std::nth_element(values.begin(), values.begin() + values.size() / 2, values.end());
  return values[values.size() / 2];
}

void RatioBenchmark(benchmark::State& state, size_t rules) {
  const Workload& workload = SharedWorkload(rules);
  Caller engine(workload, Mode::kEngine);
  Caller baseline(workload, Mode::kBaseline);
  const size_t period = workload.requests.size();
  volatile int sink = 0;
  auto engine_call = [&](size_t index) { sink = sink + engine(index); };
  auto baseline_call = [&](size_t index) { sink = sink + baseline(index); };
  std::vector<double> engine_cpu, baseline_cpu, engine_wall, baseline_wall;
  for (auto _ : state) {
    for (int pass = 0; pass < kRatioPasses; ++pass) {
      engine_cpu.push_back(internal::BatchMeanNs<internal::ThreadCpuClock>(period, period,
                                                                           engine_call));
      baseline_cpu.push_back(internal::BatchMeanNs<internal::ThreadCpuClock>(period, period,
                                                                             baseline_call));
      engine_wall.push_back(internal::BatchMeanNs(period, period, engine_call));
      baseline_wall.push_back(internal::BatchMeanNs(period, period, baseline_call));
    }
  }
  state.counters["engine_cpu_ns"] = MedianOf(engine_cpu);
  state.counters["baseline_cpu_ns"] = MedianOf(baseline_cpu);
  state.counters["ratio"] = MedianOf(engine_cpu) / MedianOf(baseline_cpu);
  state.counters["wall_ratio"] = MedianOf(engine_wall) / MedianOf(baseline_wall);
}

void RegisterAll() {
  for (size_t rules : kRuleCounts) {
    for (const ModeInfo& mode : kModes) {
      benchmark::RegisterBenchmark(absl::StrCat("batch/", mode.name, "/", rules).c_str(),
                                   [rules, mode](benchmark::State& state) {
                                     BatchBenchmark(state, rules, mode.mode, 0);
                                   });
      if (mode.mode == Mode::kEngine || mode.mode == Mode::kBaseline) {
        benchmark::RegisterBenchmark(absl::StrCat("batch_hot/", mode.name, "/", rules).c_str(),
                                     [rules, mode](benchmark::State& state) {
                                       BatchBenchmark(state, rules, mode.mode, kHotRequests);
                                     });
      }
      if (mode.mode == Mode::kReference) continue;
      benchmark::RegisterBenchmark(absl::StrCat("latency/", mode.name, "/", rules).c_str(),
                                   [rules, mode](benchmark::State& state) {
                                     LatencyBenchmark(state, rules, mode.mode);
                                   })
          ->Iterations(1)
          ->Unit(benchmark::kMillisecond);
    }
    benchmark::RegisterBenchmark(absl::StrCat("ratio/", rules).c_str(),
                                 [rules](benchmark::State& state) { RatioBenchmark(state, rules); })
        ->Iterations(1)
        ->Unit(benchmark::kMillisecond);
  }
}

}  // namespace
}  // namespace writ::bench

int main(int argc, char** argv) {
  return writ::bench::RunBenchmarks(argc, argv, writ::bench::RegisterAll);
}
