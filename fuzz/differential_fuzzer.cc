// Differential fuzzing of the evaluators: the input is a policy and a
// request separated by a line "---". When the policy compiles and the
// request reads, the DAG evaluator and the reference evaluator (the oracle)
// must produce the same explanation record, byte for byte.
#include <memory>
#include <string>

#include "fuzz/fuzz_target.h"
#include "writ/policy.h"
#include "writ/request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr size_t kMaxInput = 64 << 10;
  if (size > kMaxInput) return 0;
  const std::string input(reinterpret_cast<const char*>(data), size);
  const size_t separator = input.find("\n---\n");
  if (separator == std::string::npos) return 0;
  writ::CompileOptions options;
  options.max_rules = 1000;
  options.max_list_elements = 1000;
  absl::StatusOr<std::shared_ptr<const writ::Policy>> policy =
      writ::Policy::Compile({{"fuzz.writ", input.substr(0, separator)}}, options);
  if (!policy.ok()) return 0;
  absl::StatusOr<writ::Request> request =
      writ::Request::FromJson(**policy, input.substr(separator + 5));
  if (!request.ok()) return 0;
  writ::Explanation dag;
  writ::Explanation reference;
  const writ::Decision dag_decision =
      (*policy)->Evaluate(*request, &dag, writ::Evaluator::kDag);
  const writ::Decision reference_decision =
      (*policy)->Evaluate(*request, &reference, writ::Evaluator::kReference);
  if (dag_decision.effect != reference_decision.effect) __builtin_trap();
  if (dag.ToJson() != reference.ToJson()) __builtin_trap();
  return 0;
}
