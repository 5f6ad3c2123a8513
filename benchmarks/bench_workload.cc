#include "benchmarks/bench_workload.h"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace writ::bench {

std::vector<SourceFile> GeneratedSources(const GeneratedPolicy& generated) {
  return {SourceFile{"generated.writ", generated.source}};
}

absl::StatusOr<std::unique_ptr<const Workload>> MakeWorkload(const GeneratorOptions& options) {
  auto workload = std::make_unique<Workload>();
  workload->options = options;
  workload->generated = GeneratePolicy(options);
  absl::StatusOr<std::shared_ptr<const Policy>> policy =
      Policy::Compile(GeneratedSources(workload->generated));
  if (!policy.ok()) return policy.status();
  workload->policy = *std::move(policy);
  workload->baseline = std::make_unique<const HandWrittenBaseline>(workload->generated);
  workload->generated_requests = GenerateRequests(workload->generated, options);
  for (const GeneratedRequest& generated : workload->generated_requests) {
    std::string json = RequestToJson(generated);
    absl::StatusOr<Request> request = Request::FromJson(*workload->policy, json);
    if (!request.ok()) {
      return absl::InternalError(absl::StrCat("generated request ", json,
                                              " does not parse: ", request.status().message()));
    }
    workload->requests.push_back(*std::move(request));
    workload->json_requests.push_back(std::move(json));
    workload->baseline_requests.push_back(ToBaselineRequest(generated));
  }
  return std::unique_ptr<const Workload>(std::move(workload));
}

const Workload& SharedWorkload(size_t rules, size_t tool_names) {
  static std::mutex mutex;
  static auto* workloads =
      new std::map<std::pair<size_t, size_t>, std::unique_ptr<const Workload>>();
  std::lock_guard<std::mutex> lock(mutex);
  std::unique_ptr<const Workload>& slot = (*workloads)[{rules, tool_names}];
  if (slot == nullptr) {
    GeneratorOptions options;
    options.rules = rules;
    options.tool_names = tool_names;
    absl::StatusOr<std::unique_ptr<const Workload>> made = MakeWorkload(options);
    if (!made.ok()) {
      std::fprintf(stderr, "cannot build the %zu-rule workload: %s\n", rules,
                   std::string(made.status().message()).c_str());
      std::abort();
    }
    slot = *std::move(made);
  }
  return *slot;
}

}  // namespace writ::bench
