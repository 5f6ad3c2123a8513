// Fuzzes the request reader: arbitrary bytes as a JSON request against the
// bundled agent-gateway policy, then a decision with its explanation. Either
// an input error or a decision — never a crash — and both evaluators agree.
#include <memory>
#include <string>

#include "fuzz/fuzz_target.h"
#include "writ/policy.h"
#include "writ/request.h"

namespace {

const writ::Policy& GatewayPolicy() {
  static const std::shared_ptr<const writ::Policy> policy = [] {
    const std::string dir = WRIT_SOURCE_DIR "/policies/agent-gateway/";
    absl::StatusOr<std::shared_ptr<const writ::Policy>> compiled =
        writ::Policy::CompileFiles({dir + "schema.writ", dir + "lets.writ", dir + "allow.writ",
                                    dir + "deny.writ", dir + "default.writ"});
    if (!compiled.ok()) __builtin_trap();
    return *std::move(compiled);
  }();
  return *policy;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr size_t kMaxInput = 64 << 10;
  if (size > kMaxInput) return 0;
  const writ::Policy& policy = GatewayPolicy();
  absl::StatusOr<writ::Request> request = writ::Request::FromJson(
      policy, absl::string_view(reinterpret_cast<const char*>(data), size));
  if (!request.ok()) return 0;
  writ::Explanation dag;
  writ::Explanation reference;
  policy.Evaluate(*request, &dag, writ::Evaluator::kDag);
  policy.Evaluate(*request, &reference, writ::Evaluator::kReference);
  if (dag.ToJson() != reference.ToJson()) __builtin_trap();
  return 0;
}
