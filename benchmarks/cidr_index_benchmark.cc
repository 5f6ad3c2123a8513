// Network segmentation policies: every rule scoped to destination address
// blocks (`destination.ip within [...]`), which the generated gateway set of
// decision_benchmark.cc does not exercise. The DAG files those rules in a
// CIDR range table (GuardKind::kCidr); the reference interpreter tests
// each rule's blocks in turn. N = 100, 1,000 and 10,000 allow rules, each
// on its own /24 inside 10.0.0.0/8, every 25th also on the /16 around it,
// plus 10 deny rules on /16s when the session is deeply delegated. The
// 1,024 requests cycle over addresses inside and outside the rules' blocks.
//
//   build-bench/benchmarks/cidr_index_benchmark
//
// Each iteration decides one request through the public API;
// `allocs_per_decision` counts global operator new calls in the timed loop
// (counting_allocator.h).
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "benchmarks/counting_allocator.h"
#include "writ/policy.h"
#include "writ/request.h"

namespace writ {
namespace {

constexpr int kRequests = 1024;

// The /24 of allow rule `rule`: 10.a.b.0/24, a and b from the rule's index.
std::string Block24(int rule) { return absl::StrCat("10.", rule / 256, ".", rule % 256, ".0/24"); }

std::string SegmentationPolicy(int rules) {
  std::string source = R"(
schema {
  destination.ip:   ip;
  destination.port: int;
  session.depth:    int;
}
)";
  for (int deny = 0; deny < 10; ++deny) {
    absl::StrAppend(&source, "deny deep_", deny, " when destination.ip within [\"10.",
                    deny * 4, ".0.0/16\"] and session.depth > 3;\n");
  }
  for (int rule = 0; rule < rules; ++rule) {
    std::string blocks = absl::StrCat("\"", Block24(rule), "\"");
    if (rule % 25 == 0) absl::StrAppend(&blocks, ", \"10.", rule / 256, ".0.0/16\"");
    absl::StrAppend(&source, "allow segment_", rule, " when destination.ip within [", blocks,
                    "] and destination.port == ", rule % 2 == 0 ? 443 : 8443, ";\n");
  }
  source += "default deny;\n";
  return source;
}

struct Workload {
  std::shared_ptr<const Policy> policy;
  std::vector<Request> requests;
};

const Workload& Segmentation(int rules) {
  static std::vector<std::unique_ptr<Workload>> workloads;
  for (const auto& workload : workloads) {
    if (static_cast<int>(workload->policy->rule_count()) == rules + 10) return *workload;
  }
  auto workload = std::make_unique<Workload>();
  workload->policy = *Policy::Compile({{"segments.writ", SegmentationPolicy(rules)}});
  const AttributeHandle ip = *workload->policy->FindAttribute("destination.ip");
  const AttributeHandle port = *workload->policy->FindAttribute("destination.port");
  const AttributeHandle depth = *workload->policy->FindAttribute("session.depth");
  std::mt19937 random(20261130);
  // Most addresses fall in some rule's /24; the rest lie past the last one.
  const int span = rules * 5 / 4;
  for (int i = 0; i < kRequests; ++i) {
    const int block = static_cast<int>(random() % span);
    Request request(*workload->policy);
    request.SetIp(ip, absl::StrCat("10.", block / 256 % 256, ".", block % 256, ".",
                                   random() % 256));
    request.SetInt(port, random() % 2 == 0 ? 443 : 8443);
    request.SetInt(depth, random() % 5);
    workload->requests.push_back(std::move(request));
  }
  workloads.push_back(std::move(workload));
  return *workloads.back();
}

void Decide(benchmark::State& state, Evaluator evaluator) {
  const Workload& workload = Segmentation(static_cast<int>(state.range(0)));
  size_t index = 0;
  int allowed = 0;
  for (const Request& request : workload.requests) {
    allowed += workload.policy->Evaluate(request, nullptr, evaluator).effect == Effect::kAllow;
  }
  const uint64_t before = bench::AllocationCount();
  for (auto _ : state) {
    benchmark::DoNotOptimize(workload.policy->Evaluate(workload.requests[index], nullptr, evaluator));
    if (++index == workload.requests.size()) index = 0;
  }
  state.counters["allocs_per_decision"] =
      static_cast<double>(bench::AllocationCount() - before) / static_cast<double>(state.iterations());
  state.counters["allowed_share"] = static_cast<double>(allowed) / kRequests;
}

void BM_CidrDecisionDag(benchmark::State& state) { Decide(state, Evaluator::kDag); }
void BM_CidrDecisionReference(benchmark::State& state) { Decide(state, Evaluator::kReference); }

BENCHMARK(BM_CidrDecisionDag)->Arg(100)->Arg(1000)->Arg(10000);
BENCHMARK(BM_CidrDecisionReference)->Arg(100)->Arg(1000)->Arg(10000);

}  // namespace
}  // namespace writ

BENCHMARK_MAIN();
