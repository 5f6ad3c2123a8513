#include "src/internal/latency.h"

#include <time.h>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace writ::internal {
namespace {

// Nearest rank: the smallest sample with at least `fraction` of all samples
// at or below it. nth_element keeps this O(n) per percentile.
double Percentile(std::vector<int64_t>& samples, double fraction) {
  const size_t rank = static_cast<size_t>(std::ceil(fraction * samples.size()));
  const size_t index = rank == 0 ? 0 : rank - 1;
  std::nth_element(samples.begin(), samples.begin() + index, samples.end());
  return static_cast<double>(samples[index]);
}

}  // namespace

LatencySummary Summarize(std::vector<int64_t>& samples) {
  LatencySummary summary;
  summary.samples = samples.size();
  if (samples.empty()) return summary;
  summary.mean_ns = static_cast<double>(std::accumulate(samples.begin(), samples.end(),
                                                        int64_t{0})) / samples.size();
  summary.max_ns = static_cast<double>(*std::max_element(samples.begin(), samples.end()));
  summary.p50_ns = Percentile(samples, 0.50);
  summary.p90_ns = Percentile(samples, 0.90);
  summary.p99_ns = Percentile(samples, 0.99);
  return summary;
}

ThreadCpuClock::time_point ThreadCpuClock::now() noexcept {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return time_point(duration(int64_t{now.tv_sec} * 1000000000 + now.tv_nsec));
}

double TimerOverheadNs() {
  // Back-to-back reads: each difference is the cost of one read. The median
  // of many discards the reads a context switch landed in.
  constexpr size_t kReads = 20001;
  std::vector<int64_t> differences;
  differences.reserve(kReads);
  LatencyClock::time_point previous = LatencyClock::now();
  for (size_t i = 0; i < kReads; ++i) {
    const LatencyClock::time_point now = LatencyClock::now();
    differences.push_back(NanosecondsBetween(previous, now));
    previous = now;
  }
  return Percentile(differences, 0.5);
}

}  // namespace writ::internal
