// Internal: measuring the latency of a cheap operation (one decision), for
// `writ bench` and the benchmark suite, so both report the same quantities
// computed the same way.
//
// Two views, because they answer different questions:
//   - per-call samples, each bracketed by two clock reads: percentiles
//     (p50, p99), which include one clock read's cost (TimerOverheadNs());
//   - the batch mean: one clock read around a tight loop of calls, total
//     time / calls, which has no per-call timer cost and is the throughput.
//
// The callable is a template parameter, not a FunctionRef, so the measured
// loop has no indirect call of its own.
#ifndef WRIT_SRC_INTERNAL_LATENCY_H_
#define WRIT_SRC_INTERNAL_LATENCY_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace writ::internal {

using LatencyClock = std::chrono::steady_clock;

// The calling thread's CPU time. Unlike wall time it stands still while the
// thread waits for a core, so on a loaded machine it is the fairer clock
// for a batch. Reading it is a system call (~100s of ns): per-call samples
// use LatencyClock instead.
struct ThreadCpuClock {
  using duration = std::chrono::nanoseconds;
  using rep = duration::rep;
  using period = duration::period;
  using time_point = std::chrono::time_point<ThreadCpuClock>;
  static constexpr bool is_steady = true;
  static time_point now() noexcept;
};

template <typename TimePoint>
int64_t NanosecondsBetween(TimePoint start, TimePoint end) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(end - start).count();
}

struct LatencySummary {
  size_t samples = 0;
  double p50_ns = 0;
  double p90_ns = 0;
  double p99_ns = 0;
  double max_ns = 0;
  double mean_ns = 0;  // of the per-call samples, clock read included
};

// Percentiles by the nearest-rank method; all zero for no samples.
// Reorders `samples`.
LatencySummary Summarize(std::vector<int64_t>& samples);

// The median cost of one steady_clock read, measured now (nanoseconds).
double TimerOverheadNs();

// Calls `call(i)` for i in [0, count) cycling over `period` inputs, timing
// each call; appends the durations to `samples`. `prepare(i)` runs just
// before each call, untimed (e.g. to bring input i into cache, as a server
// that has just built it would have it).
template <typename Prepare, typename Call>
void SamplePerCall(size_t count, size_t period, Prepare&& prepare, Call&& call,
                   std::vector<int64_t>* samples) {
  samples->reserve(samples->size() + count);
  for (size_t i = 0, input = 0; i < count; ++i) {
    prepare(input);
    const LatencyClock::time_point start = LatencyClock::now();
    call(input);
    const LatencyClock::time_point end = LatencyClock::now();
    samples->push_back(NanosecondsBetween(start, end));
    if (++input == period) input = 0;
  }
}

template <typename Call>
void SamplePerCall(size_t count, size_t period, Call&& call, std::vector<int64_t>* samples) {
  SamplePerCall(count, period, [](size_t) {}, call, samples);
}

// Total time of `count` calls cycling over `period` inputs, divided by
// `count` (nanoseconds per call), by `Clock` (wall time by default).
template <typename Clock = LatencyClock, typename Call>
double BatchMeanNs(size_t count, size_t period, Call&& call) {
  const typename Clock::time_point start = Clock::now();
  for (size_t i = 0, input = 0; i < count; ++i) {
    call(input);
    if (++input == period) input = 0;
  }
  const typename Clock::time_point end = Clock::now();
  return count == 0 ? 0 : static_cast<double>(NanosecondsBetween(start, end)) / count;
}

}  // namespace writ::internal

#endif  // WRIT_SRC_INTERNAL_LATENCY_H_
