// Fuzzes the compiler: parser, checker and DAG compiler on arbitrary source
// text. Whatever the bytes, Compile returns a policy or diagnostics; a
// policy that compiles is rendered as `writ dag` renders it (text and DOT)
// and then decides an empty request under both evaluators.
#include <memory>
#include <string>

#include "fuzz/fuzz_target.h"
#include "writ/policy.h"
#include "writ/request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr size_t kMaxInput = 64 << 10;  // keeps each run fast
  if (size > kMaxInput) return 0;
  writ::CompileOptions options;
  options.max_rules = 1000;
  options.max_list_elements = 1000;
  absl::StatusOr<std::shared_ptr<const writ::Policy>> policy = writ::Policy::Compile(
      {{"fuzz.writ", std::string(reinterpret_cast<const char*>(data), size)}}, options);
  if (!policy.ok()) return 0;
  if ((*policy)->DumpDag("text").empty() || (*policy)->DumpDag("dot").empty()) __builtin_trap();
  const writ::Request empty(**policy);
  writ::Explanation dag;
  writ::Explanation reference;
  (*policy)->Evaluate(empty, &dag, writ::Evaluator::kDag);
  (*policy)->Evaluate(empty, &reference, writ::Evaluator::kReference);
  if (dag.ToJson() != reference.ToJson()) __builtin_trap();
  return 0;
}
