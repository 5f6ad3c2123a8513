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
//   engine_json_reused  Request::ReadJson into one reused Request + Evaluate,
//                       as a server thread reads (Engine::EvaluateJson)
// three benchmarks:
//   batch/MODE/N    Google Benchmark's timed loop: time per iteration is the
//                   batch mean of one call; allocs_per_call counts global
//                   operator new calls (counting_allocator.h).
//   latency/MODE/N  one iteration that times calls one by one:
//                   p50_ns/p99_ns/mean_ns counters (each includes a clock
//                   read; timer_overhead_ns says how much). Not run for the
//                   reference interpreter, which is too slow at 10,000 rules.
//   latency_warm/MODE/N  the same, but each request is first copied
//                   (untimed) into one reused request object, as a gateway
//                   decides a request it has just built: the request is in
//                   cache. Cycling over 10,000 stored requests (latency/)
//                   instead reads each from memory (~7 MB for the engine's
//                   requests), which no server does. Only the form the
//                   mode reads is copied: for engine_json and
//                   engine_json_reused the JSON text (a gateway parses bytes
//                   it has just received), for the baseline its struct.
// and, for the engine and the baseline only,
//   batch_hot/MODE/N  as batch/, cycling over the first kHotRequests
//                   requests only, so they stay in cache: the difference to
//                   batch/ is what reading a cold request costs.
//   ratio_hot/N     as ratio/N over the first kHotRequests requests.
//   latency_warm_scaled/MODE/N, batch_hot_scaled/MODE/N (engine and
//                   baseline, N = 100, 1,000, 10,000): as latency_warm/ and
//                   batch_hot/, on a workload whose tool pool grows with the
//                   policy (ScaledToolNames), so that a request's candidate
//                   rules stay as many as at 100 rules. The workload above
//                   draws every size's rules from 300 tools, so a tool has
//                   ~0.3 rules at 100 rules and ~33 at 10,000: its growth
//                   mixes policy size with matching rules, and this one
//                   measures policy size alone.
//   latency_warm_P/MODE/N (engine and baseline, N = 100, 1,000, 10,000;
//                   P = 64, 500, 2,000): as latency_warm/, cycling over the
//                   first P requests only: a 10,000-rule decision reads
//                   lines of its host's index entries that are back in
//                   cache only when few requests came between two uses.
//   growth_warm/MODE/N (engine and baseline, N = 1,000, 10,000): the
//                   latency_warm/ p50 at N rules over the one at 100, from
//                   interleaved passes on the two policies in one process
//                   (`growth`; `growth_pass_median`: the median of the
//                   pass pairs' ratios), so that both sizes meet the
//                   machine in the same state.
//   ratio/N         engine and baseline passes over the same requests,
//                   interleaved so load hits both alike; `ratio` is the
//                   median engine pass over the median baseline pass, by
//                   thread CPU time (`wall_ratio`: the same by wall time,
//                   which a loaded machine inflates by preemption).
// Calls cycle over the workload's 10,000 requests in order.
#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "benchmarks/bench_workload.h"
#include "benchmarks/counting_allocator.h"
#include "benchmarks/benchmark_main.h"
#include "src/internal/latency.h"
#include "writ/policy.h"
#include "writ/request.h"

namespace writ::bench {
namespace {

// Per-call samples per latency run: five passes over the requests, fewer
// (never under kMinLatencySamples) when that would take over
// kLatencyBudgetNs at the speed of a kMinLatencySamples warm-up.
constexpr size_t kLatencySamples = 50000;
constexpr size_t kMinLatencySamples = 1000;
constexpr double kLatencyBudgetNs = 2e9;
// Few enough to stay in cache, enough to vary the paths taken.
constexpr size_t kHotRequests = 64;
// Interleaved pass pairs per ratio run, each pass short enough (about a
// millisecond of engine time at 10,000 rules) that most are not preempted
// even on a loaded machine, so the medians stand for unpreempted passes.
constexpr int kRatioPasses = 101;
constexpr size_t kRatioCallsPerPass = 2000;

enum class Mode { kEngine, kReference, kRuleIds, kBaseline, kExplain, kJson, kJsonReused };

struct ModeInfo {
  Mode mode;
  const char* name;
};
constexpr ModeInfo kModes[] = {{Mode::kEngine, "engine_decision"},
                               {Mode::kReference, "reference_decision"},
                               {Mode::kRuleIds, "engine_rule_ids"},
                               {Mode::kBaseline, "baseline_decision"},
                               {Mode::kExplain, "engine_explain"},
                               {Mode::kJson, "engine_json"},
                               {Mode::kJsonReused, "engine_json_reused"}};

// One call of `mode` on request `index`, returning the effect so the
// caller can fold it into a sink. A warm caller decides the request last
// given to Prepare, from its own reused copy.
class Caller {
 public:
  Caller(const Workload& workload, Mode mode, bool warm = false)
      : workload_(workload),
        mode_(mode),
        warm_(warm),
        scratch_(workload.requests[0]),
        json_request_(workload.requests[0]) {}

  // Copies only the form of the request the mode's call reads (each copy
  // reuses its buffers: no allocation). Copying every form, as before,
  // also streamed the others through the caches (the baseline's struct
  // and host, the JSON text: ~0.5 KB a call beside the engine's ~0.7 KB),
  // evicting the policy's lines between two uses of them.
  void Prepare(size_t index) {
    if (!warm_) return;
    switch (mode_) {
      case Mode::kBaseline: baseline_scratch_ = workload_.baseline_requests[index]; return;
      case Mode::kJson:
      case Mode::kJsonReused: json_scratch_ = workload_.json_requests[index]; return;
      case Mode::kEngine:
      case Mode::kReference:
      case Mode::kRuleIds:
      case Mode::kExplain: scratch_ = workload_.requests[index]; return;
    }
  }

  int operator()(size_t index) {
    const Policy& policy = *workload_.policy;
    const Request& request = warm_ ? scratch_ : workload_.requests[index];
    switch (mode_) {
      case Mode::kEngine:
        return Effect(policy.Evaluate(request));
      case Mode::kReference:
        return Effect(policy.Evaluate(request, nullptr, Evaluator::kReference));
      case Mode::kRuleIds:
        return Effect(policy.EvaluateRuleIds(request, &rule_ids_));
      case Mode::kBaseline:
        return Effect(workload_.baseline->Decide(warm_ ? baseline_scratch_
                                                       : workload_.baseline_requests[index]));
      case Mode::kExplain:
        // One record reused across calls, as a server thread would.
        return Effect(policy.Evaluate(request, &explanation_));
      case Mode::kJson: {
        absl::StatusOr<Request> parsed = Request::FromJson(
            policy, warm_ ? json_scratch_ : workload_.json_requests[index]);
        return parsed.ok() ? Effect(policy.Evaluate(*parsed)) : -1;
      }
      case Mode::kJsonReused: {
        const absl::Status read =
            json_request_.ReadJson(warm_ ? json_scratch_ : workload_.json_requests[index]);
        return read.ok() ? Effect(policy.Evaluate(json_request_)) : -1;
      }
    }
    return -1;
  }

 private:
  static int Effect(const Decision& decision) { return static_cast<int>(decision.effect); }

  const Workload& workload_;
  Mode mode_;
  bool warm_;
  Request scratch_;
  BaselineRequest baseline_scratch_;
  std::string json_scratch_;
  Request json_request_;  // engine_json_reused reads into it
  Explanation explanation_;
  std::vector<uint32_t> rule_ids_;
};

// How many of `workload`'s requests a benchmark cycles over, for a
// `period` of 0 (all) or more.
size_t CycleLength(const Workload& workload, size_t period) {
  return period == 0 || period > workload.requests.size() ? workload.requests.size() : period;
}

// `period`: how many of the workload's requests to cycle over (0: all).
void BatchBenchmark(benchmark::State& state, size_t rules, Mode mode, size_t period,
                    size_t tool_names = GeneratorOptions{}.tool_names) {
  const Workload& workload = SharedWorkload(rules, tool_names);
  Caller call(workload, mode);
  period = CycleLength(workload, period);
  call(0);  // first-call setup (thread-local scratch, if any) is not a decision
  size_t index = 0;
  const uint64_t allocations_before = AllocationCount();
  for (auto _ : state) {
    benchmark::DoNotOptimize(call(index));
    if (++index == period) index = 0;
  }
  const uint64_t allocations = AllocationCount() - allocations_before;
  state.counters["allocs_per_call"] =
      static_cast<double>(allocations) / static_cast<double>(state.iterations());
  state.counters["rules"] = static_cast<double>(rules);
}

// `period`: how many of the workload's requests to cycle over (0: all).
void LatencyBenchmark(benchmark::State& state, size_t rules, Mode mode, bool warm,
                      size_t tool_names = GeneratorOptions{}.tool_names, size_t period = 0) {
  const Workload& workload = SharedWorkload(rules, tool_names);
  Caller call(workload, mode, warm);
  period = CycleLength(workload, period);
  volatile int sink = 0;
  auto prepare = [&](size_t index) { call.Prepare(index); };
  auto decide = [&](size_t index) { sink = sink + call(index); };
  auto prepare_and_decide = [&](size_t index) {
    prepare(index);
    decide(index);
  };
  internal::LatencySummary summary;
  for (auto _ : state) {
    const double warm_up_ns =
        internal::BatchMeanNs(kMinLatencySamples, period, prepare_and_decide);
    const size_t count = std::clamp(static_cast<size_t>(kLatencyBudgetNs / warm_up_ns),
                                    kMinLatencySamples, kLatencySamples);
    std::vector<int64_t> samples;
    internal::SamplePerCall(count, period, prepare, decide, &samples);
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

// `period`: how many of the workload's requests to cycle over (0: all).
// Successive passes continue where the last stopped, so a cold pass does
// not meet the requests the previous pair just read.
void RatioBenchmark(benchmark::State& state, size_t rules, size_t period) {
  const Workload& workload = SharedWorkload(rules);
  Caller engine(workload, Mode::kEngine);
  Caller baseline(workload, Mode::kBaseline);
  period = CycleLength(workload, period);
  size_t offset = 0;
  volatile int sink = 0;
  auto engine_call = [&](size_t index) { sink = sink + engine((index + offset) % period); };
  auto baseline_call = [&](size_t index) { sink = sink + baseline((index + offset) % period); };
  std::vector<double> engine_cpu, baseline_cpu, engine_wall, baseline_wall;
  const size_t calls = kRatioCallsPerPass;
  for (auto _ : state) {
    for (int pass = 0; pass < kRatioPasses; ++pass) {
      engine_cpu.push_back(
          internal::BatchMeanNs<internal::ThreadCpuClock>(calls, period, engine_call));
      baseline_cpu.push_back(
          internal::BatchMeanNs<internal::ThreadCpuClock>(calls, period, baseline_call));
      offset = (offset + calls) % period;
      engine_wall.push_back(internal::BatchMeanNs(calls, period, engine_call));
      baseline_wall.push_back(internal::BatchMeanNs(calls, period, baseline_call));
      offset = (offset + calls) % period;
    }
  }
  state.counters["engine_cpu_ns"] = MedianOf(engine_cpu);
  state.counters["baseline_cpu_ns"] = MedianOf(baseline_cpu);
  state.counters["ratio"] = MedianOf(engine_cpu) / MedianOf(baseline_cpu);
  state.counters["wall_ratio"] = MedianOf(engine_wall) / MedianOf(baseline_wall);
}

// growth_warm/MODE/N: the warm p50 at N rules over the warm p50 at
// kGrowthBaseRules, both measured in one process, pass by pass: a pass of
// kGrowthCallsPerPass warm calls on the small policy, then one on the large,
// kGrowthPasses times. latency_warm/ measures the two sizes minutes apart,
// and this VM changes speed between them (benchmarks/RESULTS.md,
// "Machine and conditions"), so a growth taken from two of its rows can mix a
// fast and a slow run; here each pass pair shares the machine's state.
// `growth` is the pooled samples' p50 over p50, `growth_pass_median` the
// median of the pass pairs' own ratios. Each pass starts with
// kGrowthWarmUpCalls untimed calls, so that the small policy's lines,
// evicted by the large one's pass, are back as they would be on a server
// deciding only for it. Requests continue where the side's last pass
// stopped, so the large policy meets all 10,000 in turn, as in
// latency_warm/.
constexpr size_t kGrowthBaseRules = 100;
constexpr int kGrowthPasses = 51;
constexpr size_t kGrowthCallsPerPass = 2000;
constexpr size_t kGrowthWarmUpCalls = 100;

// One side of a growth benchmark: a warm caller on one workload, and
// where its next pass starts.
struct GrowthSide {
  GrowthSide(const Workload& policy_workload, Mode mode)
      : workload(policy_workload), call(policy_workload, mode, true) {}

  // Samples one pass (after its warm-up) into `samples`; returns its p50.
  double Pass(std::vector<int64_t>* samples) {
    const size_t period = workload.requests.size();
    volatile int sink = 0;
    auto prepare = [&](size_t index) { call.Prepare((index + offset) % period); };
    auto decide = [&](size_t index) { sink = sink + call((index + offset) % period); };
    internal::BatchMeanNs(kGrowthWarmUpCalls, period, [&](size_t index) {
      prepare(index);
      decide(index);
    });
    offset = (offset + kGrowthWarmUpCalls) % period;
    std::vector<int64_t> pass;
    internal::SamplePerCall(kGrowthCallsPerPass, period, prepare, decide, &pass);
    offset = (offset + kGrowthCallsPerPass) % period;
    samples->insert(samples->end(), pass.begin(), pass.end());
    return internal::Summarize(pass).p50_ns;
  }

  const Workload& workload;
  Caller call;
  size_t offset = 0;
};

void GrowthBenchmark(benchmark::State& state, size_t rules, Mode mode) {
  GrowthSide small(SharedWorkload(kGrowthBaseRules), mode);
  GrowthSide large(SharedWorkload(rules), mode);
  std::vector<int64_t> small_samples, large_samples;
  std::vector<double> pass_ratios;
  for (auto _ : state) {
    for (int pass = 0; pass < kGrowthPasses; ++pass) {
      const double small_p50 = small.Pass(&small_samples);
      const double large_p50 = large.Pass(&large_samples);
      pass_ratios.push_back(large_p50 / small_p50);
    }
  }
  const internal::LatencySummary small_summary = internal::Summarize(small_samples);
  const internal::LatencySummary large_summary = internal::Summarize(large_samples);
  state.counters["p50_ns"] = large_summary.p50_ns;
  state.counters["p99_ns"] = large_summary.p99_ns;
  state.counters["base_p50_ns"] = small_summary.p50_ns;
  state.counters["base_p99_ns"] = small_summary.p99_ns;
  state.counters["growth"] = large_summary.p50_ns / small_summary.p50_ns;
  state.counters["growth_pass_median"] = MedianOf(pass_ratios);
  state.counters["timer_overhead_ns"] = internal::TimerOverheadNs();
}

void RegisterGrowth() {
  for (size_t rules : {size_t{1000}, size_t{10000}}) {
    for (const ModeInfo& mode : kModes) {
      if (mode.mode != Mode::kEngine && mode.mode != Mode::kBaseline) continue;
      benchmark::RegisterBenchmark(
          absl::StrCat("growth_warm/", mode.name, "/", rules).c_str(),
          [rules, mode](benchmark::State& state) { GrowthBenchmark(state, rules, mode.mode); })
          ->Iterations(1)
          ->Unit(benchmark::kMillisecond);
    }
  }
}

// The scaled workload's tool pool: three tools per rule, never fewer than
// the default's 300, so that its 100-rule set is the default one and a
// tool keeps ~0.3 rules at every size.
size_t ScaledToolNames(size_t rules) {
  return std::max(GeneratorOptions{}.tool_names, 3 * rules);
}

void RegisterScaled() {
  for (size_t rules : {size_t{100}, size_t{1000}, size_t{10000}}) {
    for (const ModeInfo& mode : kModes) {
      if (mode.mode != Mode::kEngine && mode.mode != Mode::kBaseline) continue;
      const size_t tools = ScaledToolNames(rules);
      benchmark::RegisterBenchmark(
          absl::StrCat("latency_warm_scaled/", mode.name, "/", rules).c_str(),
          [rules, mode, tools](benchmark::State& state) {
            LatencyBenchmark(state, rules, mode.mode, true, tools);
          })
          ->Iterations(1)
          ->Unit(benchmark::kMillisecond);
      benchmark::RegisterBenchmark(
          absl::StrCat("batch_hot_scaled/", mode.name, "/", rules).c_str(),
          [rules, mode, tools](benchmark::State& state) {
            BatchBenchmark(state, rules, mode.mode, kHotRequests, tools);
          });
    }
  }
}

// latency_warm_P/: how the warm p50 depends on how many distinct requests
// share the caches. Each of the 10,000 requests reads its own host's index
// lines, which are back in cache only if few enough requests came between
// two uses of them; the request copies (the engine's request: ~0.7 KB a
// call, ~7 MB over 10,000 requests) are what come between. Cycling over P
// requests is traffic concentrated on P (tool, host, ...) combinations.
void RegisterByPeriod() {
  for (size_t period : {size_t{64}, size_t{500}, size_t{2000}}) {
    for (size_t rules : {size_t{100}, size_t{1000}, size_t{10000}}) {
      for (const ModeInfo& mode : kModes) {
        if (mode.mode != Mode::kEngine && mode.mode != Mode::kBaseline) continue;
        benchmark::RegisterBenchmark(
            absl::StrCat("latency_warm_", period, "/", mode.name, "/", rules).c_str(),
            [rules, mode, period](benchmark::State& state) {
              LatencyBenchmark(state, rules, mode.mode, true, GeneratorOptions{}.tool_names,
                               period);
            })
            ->Iterations(1)
            ->Unit(benchmark::kMillisecond);
      }
    }
  }
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
      for (const bool warm : {false, true}) {
        const char* kind = warm ? "latency_warm/" : "latency/";
        benchmark::RegisterBenchmark(absl::StrCat(kind, mode.name, "/", rules).c_str(),
                                     [rules, mode, warm](benchmark::State& state) {
                                       LatencyBenchmark(state, rules, mode.mode, warm);
                                     })
            ->Iterations(1)
            ->Unit(benchmark::kMillisecond);
      }
    }
    for (const bool hot : {false, true}) {
      benchmark::RegisterBenchmark(absl::StrCat(hot ? "ratio_hot/" : "ratio/", rules).c_str(),
                                   [rules, hot](benchmark::State& state) {
                                     RatioBenchmark(state, rules, hot ? kHotRequests : 0);
                                   })
          ->Iterations(1)
          ->Unit(benchmark::kMillisecond);
    }
  }
  RegisterScaled();
  RegisterByPeriod();
  RegisterGrowth();
}

}  // namespace
}  // namespace writ::bench

int main(int argc, char** argv) {
  return writ::bench::RunBenchmarks(argc, argv, writ::bench::RegisterAll);
}
