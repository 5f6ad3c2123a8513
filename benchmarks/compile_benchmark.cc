// Compile time and compiled-policy memory of generated agent-gateway
// policy sets of 10 to 10,000 rules, through Policy::Compile (parse, check
// and, once it exists, the DAG compiler).
//
//   compile/N   time per Policy::Compile of the generated source (one
//               file); counters: source_bytes, and policy_bytes, the heap
//               the compiled policy keeps alive (glibc mallinfo2 in-use
//               bytes after compiling and dropping the temporaries, minus
//               before).
#include <malloc.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "benchmarks/bench_workload.h"
#include "benchmarks/benchmark_main.h"
#include "benchmarks/policy_generator.h"
#include "writ/policy.h"

namespace writ::bench {
namespace {


// Heap bytes in use: small chunks from the arenas plus mmapped large ones.
// Freed chunks parked in the per-thread cache still count as in use, so
// the figure can be off by that cache (tens of KB at most).
size_t HeapInUse() {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

std::shared_ptr<const Policy> CompileOrDie(const GeneratedPolicy& generated) {
  absl::StatusOr<std::shared_ptr<const Policy>> policy = Policy::Compile(GeneratedSources(generated));
  if (!policy.ok()) {
    std::fprintf(stderr, "generated policy does not compile: %s\n",
                 std::string(policy.status().message()).c_str());
    std::abort();
  }
  return *std::move(policy);
}

// The heap a compiled policy holds, measured around one compilation.
size_t PolicyBytes(const GeneratedPolicy& generated) {
  malloc_trim(0);
  const size_t before = HeapInUse();
  std::shared_ptr<const Policy> policy = CompileOrDie(generated);
  const size_t after = HeapInUse();
  return after > before ? after - before : 0;
}

void CompileBenchmark(benchmark::State& state, size_t rules) {
  GeneratorOptions options;
  options.rules = rules;
  const GeneratedPolicy generated = GeneratePolicy(options);
  state.counters["policy_bytes"] = static_cast<double>(PolicyBytes(generated));
  state.counters["source_bytes"] = static_cast<double>(generated.source.size());
  for (auto _ : state) {
    std::shared_ptr<const Policy> policy = CompileOrDie(generated);
    benchmark::DoNotOptimize(policy.get());
  }
}

void RegisterAll() {
  for (size_t rules : kRuleCounts) {
    benchmark::RegisterBenchmark(absl::StrCat("compile/", rules).c_str(),
                                 [rules](benchmark::State& state) { CompileBenchmark(state, rules); })
        ->Unit(benchmark::kMillisecond);
  }
}

}  // namespace
}  // namespace writ::bench

int main(int argc, char** argv) {
  return writ::bench::RunBenchmarks(argc, argv, writ::bench::RegisterAll);
}
