// A generated policy set compiled through the real front end, with its
// requests in every form the measurements need: JSON text, parsed engine
// Requests, and the hand-written baseline's plain structs.
#ifndef WRIT_BENCHMARKS_BENCH_WORKLOAD_H_
#define WRIT_BENCHMARKS_BENCH_WORKLOAD_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "benchmarks/hand_written_baseline.h"
#include "benchmarks/policy_generator.h"
#include "writ/policy.h"
#include "writ/request.h"

namespace writ::bench {

struct Workload {
  GeneratorOptions options;
  GeneratedPolicy generated;
  std::shared_ptr<const Policy> policy;
  std::unique_ptr<const HandWrittenBaseline> baseline;
  std::vector<GeneratedRequest> generated_requests;
  std::vector<std::string> json_requests;  // RequestToJson, ~300 bytes each
  std::vector<Request> requests;           // json_requests, parsed
  std::vector<BaselineRequest> baseline_requests;
};

// The generated source as the one file of a policy set.
std::vector<SourceFile> GeneratedSources(const GeneratedPolicy& generated);

// Generates, compiles and parses everything. An error here is a generator
// bug: the generated source or a request did not compile or parse.
absl::StatusOr<std::unique_ptr<const Workload>> MakeWorkload(const GeneratorOptions& options);

// The workload of `rules` rules with the default seed and 10,000 requests,
// rules drawn from `tool_names` tools (the default: a few hundred), built on
// first use and kept for the life of the process. Aborts with the error
// when it cannot be built.
const Workload& SharedWorkload(size_t rules,
                               size_t tool_names = GeneratorOptions{}.tool_names);

}  // namespace writ::bench

#endif  // WRIT_BENCHMARKS_BENCH_WORKLOAD_H_
