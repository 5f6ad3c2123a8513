// writ bench FILE... -i REQS.jsonl [--json] [--threads N]: the latency of
// decisions on the compiled policy (SPEC §7).
//
// Every request is parsed before anything is timed, so the numbers are the
// decision alone (no JSON, no explanation). Two measurements, as
// src/internal/latency.h explains: per-call samples for percentiles (each
// includes one clock read, reported as timer_overhead_ns) and a tight loop
// for the batch mean, from which decisions_per_s is derived (and the same
// loop by thread CPU time, which a loaded machine does not inflate). Both
// come after an untimed warm-up of a quarter of a second, and the tight
// loops last at least as long (batch_decisions): these VMs run a process
// slowly at first.
//
// --threads N measures N threads deciding at once on the one compiled
// policy, as a gateway's server threads do, after one thread alone: the
// scaling says whether they share anything they write (a lock, a counter)
// that makes each slower, which a one-thread figure cannot show.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "src/internal/json_writer.h"
#include "src/internal/latency.h"
#include "tools/writ/cli.h"
#include "writ/request.h"

namespace writ::cli {
namespace {

constexpr size_t kDefaultSamples = 100000;
// Every per-call sample is kept in memory (8 bytes): at most 800 MB of
// them over all threads.
constexpr size_t kMostTimedDecisions = 100'000'000;
constexpr size_t kMostThreads = 256;

struct DecisionMix {
  size_t allows = 0;
  size_t denies = 0;
  size_t default_denies = 0;
};

struct BenchResult {
  size_t requests = 0;
  size_t threads = 1;
  DecisionMix mix;
  internal::LatencySummary latency;  // every thread's per-call samples
  double batch_mean_ns = 0;          // per decision on one thread, mean of the threads
  double batch_cpu_mean_ns = 0;      // the same loop by thread CPU time
  double decisions_per_s = 0;        // all threads together
  size_t loop_decisions = 0;         // in each batch loop (at least kLoopNs)
  double one_thread_decisions_per_s = 0;  // threads > 1: one thread alone, same run
  double timer_overhead_ns = 0;
};

// One request per non-empty line. Any bad line fails the whole run: timing
// a different set than the one given would mislead.
std::optional<std::vector<Request>> ParseRequests(const Policy& policy,
                                                  const std::string& input) {
  std::vector<Request> requests;
  std::istringstream lines(input);
  std::string line;
  bool any_bad = false;
  for (size_t number = 1; std::getline(lines, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    absl::StatusOr<Request> request = Request::FromJson(policy, line);
    if (!request.ok()) {
      any_bad = true;
      std::fprintf(stderr, "writ: line %zu: %s\n", number,
                   std::string(request.status().message()).c_str());
      continue;
    }
    requests.push_back(*std::move(request));
  }
  if (any_bad) return std::nullopt;
  if (requests.empty()) {
    std::fprintf(stderr, "writ: no requests to measure\n");
    return std::nullopt;
  }
  return requests;
}

DecisionMix CountDecisions(const Policy& policy, const std::vector<Request>& requests,
                           Evaluator evaluator) {
  DecisionMix mix;
  for (const Request& request : requests) {
    const Decision decision = policy.Evaluate(request, nullptr, evaluator);
    if (decision.effect == Effect::kAllow) {
      ++mix.allows;
    } else if (decision.default_applied) {
      ++mix.default_denies;
    } else {
      ++mix.denies;
    }
  }
  return mix;
}

// What one thread measured.
struct ThreadTimes {
  std::vector<int64_t> durations;
  double batch_mean_ns = 0;
  double batch_cpu_mean_ns = 0;
  // When its wall-time loop started and ended.
  internal::LatencyClock::time_point loop_start;
  internal::LatencyClock::time_point loop_end;
};

// Times `samples` decisions one by one, then `loop_decisions` in a tight
// loop by wall time and by thread CPU time. `between_phases()` runs before
// the per-call samples and before and after the wall-time loop: with
// several threads it is a barrier, so that they time each phase together.
template <typename BetweenPhases>
ThreadTimes TimeDecisions(const Policy& policy, const std::vector<Request>& requests,
                          Evaluator evaluator, size_t samples, size_t loop_decisions,
                          BetweenPhases&& between_phases) {
  // Folding every effect into a volatile keeps the calls from being
  // elided; one per thread, so that threads share no written line.
  volatile int sink = 0;
  auto decide = [&](size_t index) {
    sink = sink + static_cast<int>(policy.Evaluate(requests[index], nullptr, evaluator).effect);
  };
  ThreadTimes times;
  between_phases();
  internal::SamplePerCall(samples, requests.size(), decide, &times.durations);
  between_phases();
  times.loop_start = internal::LatencyClock::now();
  times.batch_mean_ns = internal::BatchMeanNs(loop_decisions, requests.size(), decide);
  times.loop_end = internal::LatencyClock::now();
  between_phases();
  times.batch_cpu_mean_ns =
      internal::BatchMeanNs<internal::ThreadCpuClock>(loop_decisions, requests.size(), decide);
  return times;
}

double Scaling(const BenchResult& result) {
  return result.one_thread_decisions_per_s > 0
             ? result.decisions_per_s / result.one_thread_decisions_per_s
             : 0;
}

// Nanoseconds a decision over `count` decisions cycling over `requests`.
double LoopMeanNs(const Policy& policy, const std::vector<Request>& requests, Evaluator evaluator,
                  size_t count) {
  return internal::BatchMeanNs(count, requests.size(), [&](size_t index) {
    policy.Evaluate(requests[index], nullptr, evaluator);
  });
}

// How long the untimed warm-up lasts, and the throughput (batch) loops at
// least. These shared VMs run a process slowly at first: on the bundled
// policy a 20 ms batch loop right after start measured 290-364 ns a
// decision and a 0.7 s one 220 ns, and with threads a 10 ms loop measured
// the same two threads anywhere from 1.1x to 2.5x. A quarter of a second
// of each settles it.
constexpr double kWarmUpNs = 0.25e9;
constexpr double kLoopNs = 0.25e9;

// Decides untimed for kWarmUpNs or more, in passes that double; returns
// the last pass's nanoseconds a decision.
double WarmUp(const Policy& policy, const std::vector<Request>& requests, Evaluator evaluator) {
  double elapsed_ns = 0, per_decision_ns = 0;
  for (size_t count = requests.size(); elapsed_ns < kWarmUpNs; count *= 2) {
    per_decision_ns = LoopMeanNs(policy, requests, evaluator, count);
    elapsed_ns += per_decision_ns * static_cast<double>(count);
  }
  return per_decision_ns;
}

BenchResult Measure(const Policy& policy, const std::vector<Request>& requests,
                    Evaluator evaluator, size_t samples) {
  BenchResult result;
  result.requests = requests.size();
  result.mix = CountDecisions(policy, requests, evaluator);
  const double warm_ns = WarmUp(policy, requests, evaluator);
  result.loop_decisions =
      std::max(samples, static_cast<size_t>(kLoopNs / std::max(warm_ns, 1.0)));
  ThreadTimes times =
      TimeDecisions(policy, requests, evaluator, samples, result.loop_decisions, [] {});
  result.latency = internal::Summarize(times.durations);
  result.batch_mean_ns = times.batch_mean_ns;
  result.batch_cpu_mean_ns = times.batch_cpu_mean_ns;
  result.decisions_per_s = times.batch_mean_ns > 0 ? 1e9 / times.batch_mean_ns : 0;
  result.timer_overhead_ns = internal::TimerOverheadNs();
  return result;
}

// The requests starting at `first`, wrapping around: each thread decides
// its own copy (as each server thread holds the requests it has read) from
// its own place in the stream, so threads do not decide the same request
// at the same moment.
std::vector<Request> RotatedCopy(const std::vector<Request>& requests, size_t first) {
  std::vector<Request> copy;
  copy.reserve(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    copy.push_back(requests[(first + i) % requests.size()]);
  }
  return copy;
}

// Holds threads until all have arrived, spinning (and yielding, for more
// threads than cores) rather than sleeping: a thread put to sleep at a
// phase's start wakes late (a VM's idle vCPU, milliseconds), which skewed
// the first measurements of 10 ms phases by up to 2x.
class SpinBarrier {
 public:
  explicit SpinBarrier(size_t count) : count_(count) {}

  void ArriveAndWait() {
    const size_t generation = generation_.load(std::memory_order_acquire);
    if (arrived_.fetch_add(1, std::memory_order_acq_rel) + 1 == count_) {
      arrived_.store(0, std::memory_order_relaxed);
      generation_.fetch_add(1, std::memory_order_release);
      return;
    }
    while (generation_.load(std::memory_order_acquire) == generation) {
      std::this_thread::yield();
    }
  }

 private:
  const size_t count_;
  std::atomic<size_t> arrived_{0};
  std::atomic<size_t> generation_{0};
};

// `threads` threads sharing the one compiled policy, after one thread
// alone (the same figures as Measure) for the scaling. The throughput
// loops, one thread's and the threads', each last kLoopNs or more. Each
// thread first decides as many untimed, so that every core is busy
// when timing starts; the threads start each phase together; the wall time
// of their loops, from the first start to the last end, gives the
// decisions per second of all of them.
BenchResult MeasureThreads(const Policy& policy, const std::vector<Request>& requests,
                           Evaluator evaluator, size_t samples, size_t threads) {
  BenchResult result = Measure(policy, requests, evaluator, samples);
  if (threads == 1) return result;
  result.threads = threads;
  const size_t loop_decisions = result.loop_decisions;
  std::vector<std::vector<Request>> streams;
  for (size_t t = 0; t < threads; ++t) {
    streams.push_back(RotatedCopy(requests, t * requests.size() / threads));
  }
  // One thread alone on the first thread's copy of the requests, which
  // lies in memory as the threads' copies do (parsing left the originals
  // among its garbage), before and after the threads: the faster of the
  // two. These VMs speed up under sustained load (the bundled policy: 308
  // ns a decision alone before two threads ran, 221 after), and a
  // one-thread figure from the slow start made two threads scale 2.8x.
  auto one_thread_rate = [&] {
    return 1e9 / LoopMeanNs(policy, streams[0], evaluator, loop_decisions);
  };
  const double rate_before = one_thread_rate();
  SpinBarrier barrier(threads);
  auto between_phases = [&barrier] { barrier.ArriveAndWait(); };
  std::vector<ThreadTimes> times(threads);
  std::vector<std::thread> workers;
  for (size_t t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      LoopMeanNs(policy, streams[t], evaluator, loop_decisions);  // untimed
      times[t] =
          TimeDecisions(policy, streams[t], evaluator, samples, loop_decisions, between_phases);
    });
  }
  for (std::thread& worker : workers) worker.join();
  result.one_thread_decisions_per_s = std::max(rate_before, one_thread_rate());

  std::vector<int64_t> durations;
  result.batch_mean_ns = result.batch_cpu_mean_ns = 0;
  internal::LatencyClock::time_point start = times[0].loop_start, end = times[0].loop_end;
  for (const ThreadTimes& thread_times : times) {
    durations.insert(durations.end(), thread_times.durations.begin(),
                     thread_times.durations.end());
    result.batch_mean_ns += thread_times.batch_mean_ns / threads;
    result.batch_cpu_mean_ns += thread_times.batch_cpu_mean_ns / threads;
    start = std::min(start, thread_times.loop_start);
    end = std::max(end, thread_times.loop_end);
  }
  result.latency = internal::Summarize(durations);
  const int64_t wall_ns = internal::NanosecondsBetween(start, end);
  result.decisions_per_s =
      wall_ns > 0 ? 1e9 * static_cast<double>(loop_decisions * threads) / wall_ns : 0;
  return result;
}

void PrintJson(const Policy& policy, Evaluator evaluator, const BenchResult& result) {
  std::string out;
  internal::JsonWriter json(&out);
  json.BeginObject();
  json.Key("policy_digest");
  json.String(policy.info().digest);
  json.Key("engine");
  json.String(evaluator == Evaluator::kDag ? "dag" : "reference");
  const std::pair<const char*, size_t> counts[] = {{"threads", result.threads},
                                                   {"requests", result.requests},
                                                   {"allows", result.mix.allows},
                                                   {"denies", result.mix.denies},
                                                   {"default_denies", result.mix.default_denies},
                                                   {"decisions", result.latency.samples},
                                                   {"batch_decisions", result.loop_decisions}};
  for (const auto& [key, value] : counts) {
    json.Key(key);
    json.Uint(value);
  }
  std::vector<std::pair<const char*, double>> numbers = {
      {"p50_ns", result.latency.p50_ns},
      {"p90_ns", result.latency.p90_ns},
      {"p99_ns", result.latency.p99_ns},
      {"max_ns", result.latency.max_ns},
      {"mean_ns", result.latency.mean_ns},
      {"batch_mean_ns", result.batch_mean_ns},
      {"batch_cpu_mean_ns", result.batch_cpu_mean_ns},
      {"decisions_per_s", result.decisions_per_s},
      {"timer_overhead_ns", result.timer_overhead_ns}};
  if (result.threads > 1) {
    numbers.push_back({"one_thread_decisions_per_s", result.one_thread_decisions_per_s});
    numbers.push_back({"scaling", Scaling(result)});
  }
  for (const auto& [key, value] : numbers) {
    json.Key(key);
    json.Double(value);
  }
  json.EndObject();
  std::printf("%s\n", out.c_str());
}

void PrintText(const Policy& policy, const BenchResult& result) {
  std::printf("policy     %s\n", policy.info().digest.c_str());
  std::printf("requests   %zu (%zu allow, %zu deny, %zu default deny)\n", result.requests,
              result.mix.allows, result.mix.denies, result.mix.default_denies);
  if (result.threads > 1) {
    std::printf("threads    %zu sharing the policy, together\n", result.threads);
  }
  std::printf("decisions  %zu timed one by one\n", result.latency.samples);
  std::printf("latency    p50 %.0f ns, p90 %.0f ns, p99 %.0f ns, max %.0f ns, mean %.1f ns\n",
              result.latency.p50_ns, result.latency.p90_ns, result.latency.p99_ns,
              result.latency.max_ns, result.latency.mean_ns);
  std::printf("           (each includes one clock read, ~%.0f ns)\n", result.timer_overhead_ns);
  std::printf("batch      %.1f ns per decision (%.1f ns of CPU)%s, %.0f decisions/s%s\n",
              result.batch_mean_ns, result.batch_cpu_mean_ns,
              result.threads > 1 ? " on each thread" : "", result.decisions_per_s,
              result.threads > 1 ? " in all" : "");
  std::printf("           (loops of %zu decisions, after a warm-up)\n", result.loop_decisions);
  if (result.threads > 1) {
    std::printf("scaling    %.2fx one thread alone (%.0f decisions/s)\n", Scaling(result),
                result.one_thread_decisions_per_s);
  }
}

// A positive integer option no larger than `most`, or `fallback` when
// absent; nullopt (after printing) otherwise.
std::optional<size_t> ParseCount(const Arguments& arguments, const char* option, size_t fallback,
                                 size_t most) {
  const std::optional<std::string> text = arguments.Get(option);
  if (!text.has_value()) return fallback;
  size_t count = 0;
  if (!absl::SimpleAtoi(*text, &count) || count == 0 || count > most) {
    std::fprintf(stderr, "writ: %s wants an integer from 1 to %zu, not '%s'\n", option, most,
                 text->c_str());
    return std::nullopt;
  }
  return count;
}

}  // namespace

int RunBench(const Arguments& arguments) {
  const std::optional<Evaluator> evaluator = ParseEvaluator(arguments);
  const std::optional<size_t> samples =
      ParseCount(arguments, "--samples", kDefaultSamples, kMostTimedDecisions);
  const std::optional<size_t> threads = ParseCount(arguments, "--threads", 1, kMostThreads);
  if (!evaluator.has_value() || !samples.has_value() || !threads.has_value()) return kExitUsage;
  if (*samples * *threads > kMostTimedDecisions) {
    std::fprintf(stderr, "writ: --samples times --threads is over %zu timed decisions\n",
                 kMostTimedDecisions);
    return kExitUsage;
  }
  std::shared_ptr<const Policy> policy = LoadPolicy(arguments.files);
  if (policy == nullptr) return kExitFailure;
  const std::optional<std::string> input = ReadInput(arguments.Get("-i"));
  if (!input.has_value()) return kExitFailure;
  const std::optional<std::vector<Request>> requests = ParseRequests(*policy, *input);
  if (!requests.has_value()) return kExitFailure;
  const BenchResult result = MeasureThreads(*policy, *requests, *evaluator, *samples, *threads);
  if (arguments.Has("--json")) {
    PrintJson(*policy, *evaluator, result);
  } else {
    PrintText(*policy, result);
  }
  return kExitOk;
}

}  // namespace writ::cli
