// The gateway-facing Engine under load (issue 5), on the generated
// agent-gateway workloads of benchmarks/bench_workload.h:
//
//   throughput/json/T    EvaluateJson (JSON read + decision) on T threads;
//                        items_per_second is the total over all threads
//                        (real time), so T=2 over T=1 is the scaling.
//   throughput/handle/T  Engine::Evaluate on pre-parsed Requests, T threads.
//   latency/log_off      EvaluateJson timed call by call, no decision log:
//   latency/log_on       ... and with the async file log (FileSync::kFlush,
//                        to a file under /tmp): p50_ns/p99_ns counters.
//                        Back to back: the deciding thread never rests, the
//                        worst case for a log whose writer formats records.
//   latency/log_off_100k, latency/log_on_100k
//                        the same at an offered 100,000 decisions/s (one
//                        call every 10 µs, waiting untimed in between), a
//                        heavily loaded gateway thread that still does other
//                        work between decisions.
//   latency/log_paired, latency/log_paired_100k
//                        log off and on measured in alternating blocks of
//                        5,000 calls on the same requests (back to back, and
//                        at 100,000/s): p50_added_pct is the log's share,
//                        robust to the VM's speed changing between rows.
//   log/format_record    what the log's writer thread does per record of an
//                        EvaluateJson decision: read its JSON text again,
//                        explain the decision again (without why_not) and
//                        format the JSON line; CPU time per record.
//   log/format_record_packed
//                        ... of an Engine::Evaluate decision, whose values
//                        come packed instead of as JSON text.
//   log/pack_values      what the deciding thread does to hand the writer an
//                        Engine::Evaluate decision's values: pack the
//                        request's given slots.
//   reload/10000         Engine::Reload of the 10,000-rule policy (compile +
//                        publish), one reload per iteration.
//   reload_p99/quiet              EvaluateJson latency on the 1,000-rule
//   reload_p99/reloading_10000    policy with a second thread idle, or
//                                 reloading the 10,000-rule policy back to
//                                 back (into a second engine);
//   reload_p99/own_policy_1000    ... or reloading the measured engine's own
//                                 policy back to back.
//
// Latency percentiles include one steady_clock read per call
// (timer_overhead_ns).
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "benchmark/benchmark.h"
#include "benchmarks/bench_workload.h"
#include "src/engine/decision_record.h"
#include "src/internal/latency.h"
#include "writ/engine.h"

namespace writ {
namespace {

using bench::SharedWorkload;
using bench::Workload;

constexpr size_t kRules = 1000;
constexpr size_t kLargeRules = 10000;

std::unique_ptr<Engine> MakeEngine(const Workload& workload, EngineOptions options = {}) {
  return Engine::Create(workload.policy, std::move(options));
}

void SetLatencyCounters(benchmark::State& state, std::vector<int64_t>& samples) {
  const internal::LatencySummary summary = internal::Summarize(samples);
  state.counters["p50_ns"] = summary.p50_ns;
  state.counters["p99_ns"] = summary.p99_ns;
  state.counters["mean_ns"] = summary.mean_ns;
  state.counters["timer_overhead_ns"] = internal::TimerOverheadNs();
}

// --- Throughput: 1 vs 2 threads ------------------------------------------

// One engine per mode, shared by every thread of every run (a function
// static, so its construction is thread-safe).
const Engine& SharedEngine() {
  static const Engine* const engine = MakeEngine(SharedWorkload(kRules)).release();
  return *engine;
}

void ThroughputJson(benchmark::State& state) {
  const Workload& workload = SharedWorkload(kRules);
  const Engine& engine = SharedEngine();
  size_t next = static_cast<size_t>(state.thread_index()) * 997;
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        engine.EvaluateJson(workload.json_requests[next % workload.json_requests.size()]));
    ++next;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(ThroughputJson)->Name("throughput/json")->ThreadRange(1, 2)->UseRealTime()
    ->MinTime(2.0);

void ThroughputHandle(benchmark::State& state) {
  const Workload& workload = SharedWorkload(kRules);
  const Engine& engine = SharedEngine();
  size_t next = static_cast<size_t>(state.thread_index()) * 997;
  for (auto _ : state) {
    benchmark::DoNotOptimize(engine.Evaluate(
        *workload.policy, workload.requests[next % workload.requests.size()]));
    ++next;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(ThroughputHandle)->Name("throughput/handle")->ThreadRange(1, 2)->UseRealTime()
    ->MinTime(2.0);

// Waits, untimed, for each call's turn at one call per `pace` from when it
// was made (at once when `pace` is zero).
class Pacer {
 public:
  explicit Pacer(std::chrono::nanoseconds pace)
      : pace_(pace), next_call_(internal::LatencyClock::now()) {}
  void operator()(size_t) {
    while (internal::LatencyClock::now() < next_call_) {
    }
    next_call_ += pace_;
  }

 private:
  std::chrono::nanoseconds pace_;
  internal::LatencyClock::time_point next_call_;
};

// Times EvaluateJson on `engine` call by call (`calls` calls cycling over
// the workload's requests) while `reload`, when given, runs back to back on
// another thread; sets the latency counters and "reloads".
void MeasureLatency(benchmark::State& state, const Engine& engine, const Workload& workload,
                    size_t calls, const std::function<bool()>& reload = nullptr,
                    std::chrono::nanoseconds pace = std::chrono::nanoseconds(0)) {
  std::atomic<bool> stop{false};
  std::atomic<int> reloads{0};
  std::thread reloader([&] {
    while (reload != nullptr && !stop.load()) {
      if (reload()) reloads.fetch_add(1);
    }
  });
  std::vector<int64_t> samples;
  for (auto _ : state) {
    internal::SamplePerCall(
        calls, workload.json_requests.size(), Pacer(pace),
        [&](size_t i) { benchmark::DoNotOptimize(engine.EvaluateJson(workload.json_requests[i])); },
        &samples);
  }
  stop.store(true);
  reloader.join();
  SetLatencyCounters(state, samples);
  state.counters["reloads"] = reloads.load();
}

// --- Latency with the decision log off and on -------------------------------

void LatencyWithLog(benchmark::State& state) {
  const bool log_on = state.range(0) != 0;
  const Workload& workload = SharedWorkload(kRules);
  EngineOptions options;
  const std::string path = "/tmp/writ-engine-benchmark-log.jsonl";
  std::remove(path.c_str());
  if (log_on) {
    options.log = std::make_shared<DecisionLog>(*OpenFileSink({.path = path}));
  }
  std::unique_ptr<Engine> engine = MakeEngine(workload, std::move(options));
  MeasureLatency(state, *engine, workload, 200000, nullptr,
                 std::chrono::nanoseconds(state.range(1)));
  engine->FlushLog();
  const EngineStats stats = engine->stats();
  state.counters["log_records"] = static_cast<double>(stats.log_records);
  state.counters["log_drops"] = static_cast<double>(stats.log_drops);
  std::remove(path.c_str());
}
BENCHMARK(LatencyWithLog)->Name("latency/log_off")->Args({0, 0})->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(LatencyWithLog)->Name("latency/log_on")->Args({1, 0})->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(LatencyWithLog)->Name("latency/log_off_100k")->Args({0, 10000})->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(LatencyWithLog)->Name("latency/log_on_100k")->Args({1, 10000})->Iterations(1)
    ->Unit(benchmark::kMillisecond);

// The log's added latency measured in alternating blocks: 5,000 calls to
// an engine without a log, then the same 5,000 requests to one with the
// log, and so on. This VM switches between a fast and a ~1.7× slower mode
// for seconds at a time, so on/off rows measured one after the other can
// land in different modes; blocks of 50 ms (at 100,000/s) put both engines
// in every mode alike. After each logging block the log is flushed,
// untimed, so its writer is idle during the next block without a log, as
// it would be with no log at all.
void LatencyLogPaired(benchmark::State& state) {
  const Workload& workload = SharedWorkload(kRules);
  const std::string path = "/tmp/writ-engine-benchmark-paired-log.jsonl";
  std::remove(path.c_str());
  EngineOptions log_options;
  log_options.log = std::make_shared<DecisionLog>(*OpenFileSink({.path = path}));
  const std::unique_ptr<Engine> engines[] = {MakeEngine(workload),
                                             MakeEngine(workload, std::move(log_options))};
  const std::chrono::nanoseconds pace(state.range(0));
  constexpr size_t kBlock = 5000;
  constexpr size_t kBlockPairs = 40;
  const size_t period = workload.json_requests.size();
  std::vector<int64_t> samples[2];
  for (auto _ : state) {
    for (size_t pair = 0; pair < kBlockPairs; ++pair) {
      for (int log_on = 0; log_on < 2; ++log_on) {
        const size_t first = pair * kBlock;
        internal::SamplePerCall(
            kBlock, kBlock, Pacer(pace),
            [&](size_t i) {
              benchmark::DoNotOptimize(
                  engines[log_on]->EvaluateJson(workload.json_requests[(first + i) % period]));
            },
            &samples[log_on]);
        if (log_on) engines[1]->FlushLog();
      }
    }
  }
  const internal::LatencySummary off = internal::Summarize(samples[0]);
  const internal::LatencySummary on = internal::Summarize(samples[1]);
  state.counters["p50_off_ns"] = off.p50_ns;
  state.counters["p50_on_ns"] = on.p50_ns;
  state.counters["p50_added_pct"] = 100.0 * (on.p50_ns / off.p50_ns - 1.0);
  state.counters["p99_off_ns"] = off.p99_ns;
  state.counters["p99_on_ns"] = on.p99_ns;
  const EngineStats stats = engines[1]->stats();
  state.counters["log_records"] = static_cast<double>(stats.log_records);
  state.counters["log_drops"] = static_cast<double>(stats.log_drops);
  std::remove(path.c_str());
}
BENCHMARK(LatencyLogPaired)->Name("latency/log_paired")->Arg(0)->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(LatencyLogPaired)->Name("latency/log_paired_100k")->Arg(10000)->Iterations(1)
    ->Unit(benchmark::kMillisecond);

// What the log's record needs besides the decision: the full explanation
// (no log). Separates the cost of explaining from the cost of logging.
void LatencyWithExplanation(benchmark::State& state) {
  const Workload& workload = SharedWorkload(kRules);
  std::unique_ptr<Engine> engine = MakeEngine(workload);
  std::vector<int64_t> samples;
  Explanation explanation;
  for (auto _ : state) {
    internal::SamplePerCall(
        200000, workload.json_requests.size(),
        [&](size_t i) {
          benchmark::DoNotOptimize(engine->EvaluateJson(workload.json_requests[i], &explanation));
        },
        &samples);
  }
  SetLatencyCounters(state, samples);
}
BENCHMARK(LatencyWithExplanation)->Name("latency/explain_no_log")->Iterations(1)
    ->Unit(benchmark::kMillisecond);

// The writer thread's share of logging one decision. If this is slower than
// deciding, a deciding thread that never rests outruns its writer. The
// records are queued as Engine::EvaluateJson queues them.
void FormatRecord(benchmark::State& state) {
  const Workload& workload = SharedWorkload(kRules);
  std::vector<internal::PendingRecord> records(workload.requests.size());
  for (size_t i = 0; i < records.size(); ++i) {
    records[i].policy = workload.policy.get();
    records[i].from_json = state.range(0) == 0;
    if (records[i].from_json) {
      records[i].SetJsonText(workload.json_requests[i]);
    } else {
      records[i].values.Pack(workload.requests[i]);
    }
    // The decision the caller was answered; the writer reproduces it.
    records[i].context.enforced = workload.policy->Evaluate(workload.requests[i]);
  }
  internal::RecordScratch scratch;
  std::string line;
  size_t next = 0;
  for (auto _ : state) {
    const internal::PendingRecord& record = records[next++ % records.size()];
    line.clear();
    internal::AppendPendingRecord(record, "", &scratch, &line);
    benchmark::DoNotOptimize(line.data());
  }
  state.counters["record_bytes"] = static_cast<double>(line.size());
}
BENCHMARK(FormatRecord)->Name("log/format_record")->Arg(0);
BENCHMARK(FormatRecord)->Name("log/format_record_packed")->Arg(1);

// The deciding thread's share of handing a decision's values to the writer.
// It packs the request it has just read and decided, so cycling over a few
// requests that stay in cache, not all 10,000.
void PackValues(benchmark::State& state) {
  const Workload& workload = SharedWorkload(kRules);
  constexpr size_t kHotRequests = 16;
  internal::PackedValues packed;
  size_t next = 0;
  for (auto _ : state) {
    packed.Pack(workload.requests[next++ % kHotRequests]);
    benchmark::DoNotOptimize(&packed);
  }
}
BENCHMARK(PackValues)->Name("log/pack_values");

// --- Reload -------------------------------------------------------------------

void ReloadLarge(benchmark::State& state) {
  const Workload& large = SharedWorkload(kLargeRules);
  const std::vector<SourceFile> sources = bench::GeneratedSources(large.generated);
  std::unique_ptr<Engine> engine = MakeEngine(large);
  for (auto _ : state) {
    if (!engine->Reload(sources).ok()) state.SkipWithError("reload failed");
  }
  state.counters["rules"] = kLargeRules;
}
BENCHMARK(ReloadLarge)->Name("reload/10000")->Unit(benchmark::kMillisecond)->MinTime(3.0);

// Decision latency (1,000-rule policy) while another thread is idle or
// reloads the 10,000-rule policy back to back into a second engine, so the
// decisions measured keep one policy and stay comparable.
void LatencyDuringReload(benchmark::State& state) {
  const bool reloading = state.range(0) != 0;
  const Workload& workload = SharedWorkload(kRules);
  const Workload& large = SharedWorkload(kLargeRules);
  const std::vector<SourceFile> large_sources = bench::GeneratedSources(large.generated);
  std::unique_ptr<Engine> engine = MakeEngine(workload);
  std::unique_ptr<Engine> other = MakeEngine(large);
  std::function<bool()> reload;
  if (reloading) reload = [&] { return other->Reload(large_sources).ok(); };
  MeasureLatency(state, *engine, workload, 400000, reload);
}
BENCHMARK(LatencyDuringReload)->Name("reload_p99/quiet")->Arg(0)->Iterations(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(LatencyDuringReload)->Name("reload_p99/reloading_10000")->Arg(1)->Iterations(1)
    ->Unit(benchmark::kMillisecond);

// The reloads swap the measured engine's own policy (the 1,000-rule policy
// recompiled), so decisions after each reload also pick up a new snapshot.
void LatencyDuringOwnReload(benchmark::State& state) {
  const Workload& workload = SharedWorkload(kRules);
  const std::vector<SourceFile> sources = bench::GeneratedSources(workload.generated);
  std::unique_ptr<Engine> engine = MakeEngine(workload);
  MeasureLatency(state, *engine, workload, 400000,
                 [&] { return engine->Reload(sources).ok(); });
}
BENCHMARK(LatencyDuringOwnReload)->Name("reload_p99/own_policy_1000")->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace writ

BENCHMARK_MAIN();
