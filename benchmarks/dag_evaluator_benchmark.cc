// The DAG evaluator against the reference interpreter on the real example
// policy set (policies/agent-gateway, 44 rules, its requests/*.json),
// through the public API. Each iteration decides one request, cycling over
// the requests; `allocs_per_decision` counts global operator new calls in
// the timed loop (counting_allocator.h).
//
//   build/benchmarks/dag_evaluator_benchmark --benchmark_min_time=0.5
//
// The generated 10..10,000-rule suite is decision_benchmark.cc.
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "benchmarks/counting_allocator.h"
#include "writ/policy.h"
#include "writ/request.h"

namespace writ {
namespace {

struct Workload {
  std::shared_ptr<const Policy> policy;
  std::vector<Request> requests;
};

const Workload& AgentGateway() {
  static const Workload* workload = [] {
    const std::string dir = std::string(WRIT_SOURCE_DIR) + "/policies/agent-gateway/";
    std::vector<std::string> files;
    for (const char* name : {"schema.writ", "lets.writ", "allow.writ", "deny.writ", "default.writ"}) {
      files.push_back(dir + name);
    }
    auto* loaded = new Workload{*Policy::CompileFiles(files), {}};
    for (const auto& entry : std::filesystem::directory_iterator(dir + "requests")) {
      std::ifstream file(entry.path());
      std::stringstream json;
      json << file.rdbuf();
      loaded->requests.push_back(*Request::FromJson(*loaded->policy, json.str()));
    }
    return loaded;
  }();
  return *workload;
}

template <typename Decide>
void RunDecisions(benchmark::State& state, Decide decide) {
  const Workload& workload = AgentGateway();
  size_t index = 0;
  for (int warm = 0; warm < 100; ++warm) decide(workload, workload.requests[warm % workload.requests.size()]);
  const uint64_t before = bench::AllocationCount();
  for (auto _ : state) {
    benchmark::DoNotOptimize(decide(workload, workload.requests[index]));
    if (++index == workload.requests.size()) index = 0;
  }
  state.counters["allocs_per_decision"] =
      static_cast<double>(bench::AllocationCount() - before) / static_cast<double>(state.iterations());
  state.counters["requests"] = static_cast<double>(workload.requests.size());
}

void BM_AgentGatewayDecisionDag(benchmark::State& state) {
  RunDecisions(state, [](const Workload& w, const Request& r) { return w.policy->Evaluate(r).effect; });
}

void BM_AgentGatewayDecisionReference(benchmark::State& state) {
  RunDecisions(state, [](const Workload& w, const Request& r) {
    return w.policy->Evaluate(r, nullptr, Evaluator::kReference).effect;
  });
}

void BM_AgentGatewayRuleIdsDag(benchmark::State& state) {
  std::vector<uint32_t> rules;
  RunDecisions(state, [&rules](const Workload& w, const Request& r) {
    return w.policy->EvaluateRuleIds(r, &rules).effect;
  });
}

void BM_AgentGatewayExplanationDag(benchmark::State& state) {
  Explanation explanation;
  RunDecisions(state, [&explanation](const Workload& w, const Request& r) {
    return w.policy->Evaluate(r, &explanation).effect;
  });
}

void BM_AgentGatewayExplanationReference(benchmark::State& state) {
  Explanation explanation;
  RunDecisions(state, [&explanation](const Workload& w, const Request& r) {
    return w.policy->Evaluate(r, &explanation, Evaluator::kReference).effect;
  });
}

BENCHMARK(BM_AgentGatewayDecisionDag);
BENCHMARK(BM_AgentGatewayDecisionReference);
BENCHMARK(BM_AgentGatewayRuleIdsDag);
BENCHMARK(BM_AgentGatewayExplanationDag);
BENCHMARK(BM_AgentGatewayExplanationReference);

}  // namespace
}  // namespace writ

BENCHMARK_MAIN();
