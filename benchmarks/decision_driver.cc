// decision_driver MODE RULES PASSES [TOOL_NAMES]: decides the generated
// workload's requests in a plain loop, for valgrind (scripts/instructions.sh).
//
// Why a loop and not a Google Benchmark: under callgrind or cachegrind a
// benchmark's adaptive iteration count and timers cost more than the
// decisions, and its call count is not known in advance. Here every
// decision goes through one function the profiler can count
// (`writ::Policy::Evaluate` or `HandWrittenBaseline::Decide`), and the
// number of calls is printed, so instructions and simulated cache misses
// per decision are exact and the same on every run: on a shared VM whose
// timings move by 10-20% between processes, they are the figures that
// compare two builds without noise.
//
// Modes (as in decision_benchmark):
//   hot            Policy::Evaluate over the first 64 requests, in cache;
//   hot_baseline   HandWrittenBaseline::Decide over the same 64;
//   warm           each of the 10,000 requests copied into one reused
//                  Request, then Policy::Evaluate on it (latency_warm);
//   warm_baseline  the same with the baseline's request struct;
//   explain        Policy::Evaluate with the full explanation, into one
//                  reused Explanation, over the 10,000 requests
//                  (latency_warm/engine_explain);
//   json           Request::FromJson on each request's JSON text, then
//                  Policy::Evaluate (latency/engine_json): count inside
//                  `writ::Request::ReadJson` for the reading alone.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/numbers.h"
#include "benchmarks/bench_workload.h"

namespace writ::bench {
namespace {

constexpr size_t kHotRequests = 64;

// Keeps the decisions from being optimised away.
long Tally(Decision decision) { return static_cast<long>(decision.effect) + decision.default_applied; }

// Decides `passes` times over the mode's requests; returns the tally and
// sets `decisions`. The mode is read once, not per decision: the loops
// around the counted call should cost as little as they can.
long Run(const std::string& mode, const Workload& workload, size_t passes, size_t* decisions) {
  long tally = 0;
  if (mode == "explain" || mode == "json") {
    *decisions = workload.requests.size() * passes;
    Explanation explanation;
    for (size_t pass = 0; pass < passes; ++pass) {
      for (size_t i = 0; i < workload.requests.size(); ++i) {
        if (mode == "explain") {
          tally += Tally(workload.policy->Evaluate(workload.requests[i], &explanation));
          continue;
        }
        absl::StatusOr<Request> request =
            Request::FromJson(*workload.policy, workload.json_requests[i]);
        tally += request.ok() ? Tally(workload.policy->Evaluate(*request)) : -1;
      }
    }
    return tally;
  }
  const bool baseline = mode == "hot_baseline" || mode == "warm_baseline";
  if (mode == "hot" || mode == "hot_baseline") {
    *decisions = kHotRequests * passes;
    for (size_t pass = 0; pass < passes; ++pass) {
      for (size_t i = 0; i < kHotRequests; ++i) {
        tally += baseline ? Tally(workload.baseline->Decide(workload.baseline_requests[i]))
                          : Tally(workload.policy->Evaluate(workload.requests[i]));
      }
    }
    return tally;
  }
  *decisions = workload.requests.size() * passes;
  Request request = workload.requests[0];
  BaselineRequest baseline_request = workload.baseline_requests[0];
  for (size_t pass = 0; pass < passes; ++pass) {
    for (size_t i = 0; i < workload.requests.size(); ++i) {
      if (baseline) {
        baseline_request = workload.baseline_requests[i];
        tally += Tally(workload.baseline->Decide(baseline_request));
      } else {
        request = workload.requests[i];
        tally += Tally(workload.policy->Evaluate(request));
      }
    }
  }
  return tally;
}

int Main(int argc, char** argv) {
  size_t rules = 0;
  size_t passes = 0;
  size_t tool_names = GeneratorOptions{}.tool_names;
  const std::string mode = argc > 1 ? argv[1] : "";
  const bool known_mode = mode == "hot" || mode == "hot_baseline" || mode == "warm" ||
                          mode == "warm_baseline" || mode == "explain" || mode == "json";
  if ((argc != 4 && argc != 5) || !known_mode || !absl::SimpleAtoi(argv[2], &rules) ||
      !absl::SimpleAtoi(argv[3], &passes) ||
      (argc == 5 && !absl::SimpleAtoi(argv[4], &tool_names))) {
    std::fprintf(stderr,
                 "usage: decision_driver hot|hot_baseline|warm|warm_baseline|explain|json RULES "
                 "PASSES "
                 "[TOOL_NAMES]\n");
    return 2;
  }
  const Workload& workload = SharedWorkload(rules, tool_names);
  size_t decisions = 0;
  const long tally = Run(mode, workload, passes, &decisions);
  std::printf("decisions=%zu tally=%ld\n", decisions, tally);
  return 0;
}

}  // namespace
}  // namespace writ::bench

int main(int argc, char** argv) { return writ::bench::Main(argc, argv); }
