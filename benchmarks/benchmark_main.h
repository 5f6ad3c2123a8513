// What every benchmark binary here shares: the rule counts it measures and
// its main(), which registers the benchmarks first (their names carry the
// rule count, so they are registered at run time, not with BENCHMARK()).
#ifndef WRIT_BENCHMARKS_BENCHMARK_MAIN_H_
#define WRIT_BENCHMARKS_BENCHMARK_MAIN_H_

#include <cstddef>

#include "benchmark/benchmark.h"

namespace writ::bench {

inline constexpr size_t kRuleCounts[] = {10, 100, 1000, 10000};

inline int RunBenchmarks(int argc, char** argv, void (*register_all)()) {
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace writ::bench

#endif  // WRIT_BENCHMARKS_BENCHMARK_MAIN_H_
