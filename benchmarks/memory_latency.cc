// memory_latency [MAX_KB]: nanoseconds per dependent load, by working-set
// size, for scripts/bench.sh's machine.txt.
//
// Why: a 10,000-rule decision's cost is mostly where its few lines come
// from (benchmarks/RESULTS.md, "Growth by the requests cycled over"), and
// the machines these benchmarks run on differ there far more than in
// compute: one VM gave a process ~16 MB of L3 at 16-25 ns a load, another
// ~2 MB before loads cost ~200 ns. A run's growth figures can only be read
// next to its machine's curve, so the suite measures it every time.
//
// Each size is a random cycle through that many bytes of 64-byte lines,
// followed one line at a time: every load's address comes from the one
// before, so the loads cannot overlap and the hardware prefetchers cannot
// guess the next line. Plain pages (no huge pages), as the benchmarks use.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <numeric>
#include <random>
#include <vector>

#include "absl/strings/numbers.h"

namespace {

struct alignas(64) CacheLine {
  size_t next = 0;
};
static_assert(sizeof(CacheLine) == 64, "one load per cache line");

// Loads followed per size, after one untimed lap through the cycle.
constexpr size_t kTimedLoads = 2000000;

// Nanoseconds per load of a random cycle through `bytes` of lines.
double NanosecondsPerLoad(size_t bytes) {
  const size_t count = std::max<size_t>(bytes / sizeof(CacheLine), 2);
  std::vector<size_t> order(count);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin() + 1, order.end(), std::mt19937_64(20261202));
  std::vector<CacheLine> lines(count);
  for (size_t i = 0; i < count; ++i) lines[order[i]].next = order[(i + 1) % count];
  size_t at = 0;
  for (size_t i = 0; i < count; ++i) at = lines[at].next;
  const auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < kTimedLoads; ++i) at = lines[at].next;
  const auto end = std::chrono::steady_clock::now();
  // Keeps the chase from being optimised away.
  if (at == count) std::puts("");
  return std::chrono::duration<double, std::nano>(end - start).count() / kTimedLoads;
}

}  // namespace

int main(int argc, char** argv) {
  size_t max_kilobytes = 64 * 1024;
  if (argc > 2 || (argc == 2 && !absl::SimpleAtoi(argv[1], &max_kilobytes))) {
    std::fprintf(stderr, "usage: memory_latency [MAX_KB]\n");
    return 2;
  }
  std::printf("dependent load ns by working set:");
  for (size_t kilobytes = 16; kilobytes <= max_kilobytes; kilobytes *= 2) {
    std::printf(" %zu KB %.1f;", kilobytes, NanosecondsPerLoad(kilobytes * 1024));
    std::fflush(stdout);
  }
  std::printf("\n");
  return 0;
}
