// The generated policy as a skilled engineer would code it by hand: the
// practical limit the engine is measured against.
//
// No language, no generality: a request is a plain struct holding only the
// fields this policy reads, the rules are grouped by tool in one hash map
// (so a call visits only its tool's rules plus the global guardrails), and
// every check is a plain C++ comparison. It relies on what the generator
// guarantees and the engine cannot assume: every attribute is present and
// well typed (no three-valued logic), globs have exactly one `*`, and only
// the decision is wanted (it stops at the first deny, and at the first
// allow once no deny can apply).
//
// tests/bench/baseline_test.cc checks it decides exactly as the engine does
// on the generated requests, so the comparison is honest.
#ifndef WRIT_BENCHMARKS_HAND_WRITTEN_BASELINE_H_
#define WRIT_BENCHMARKS_HAND_WRITTEN_BASELINE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "benchmarks/policy_generator.h"
#include "writ/decision.h"

namespace writ::bench {

// The fields the generated policy reads, as a gateway's own code would
// hold them.
struct BaselineRequest {
  std::string tool;
  std::string host;
  int data_class = 0;
  int64_t depth = 0;
  bool human_approved = false;
  double risk_score = 0;
};

BaselineRequest ToBaselineRequest(const GeneratedRequest& request);

// Immutable after construction; Decide is safe to call from many threads.
class HandWrittenBaseline {
 public:
  explicit HandWrittenBaseline(const GeneratedPolicy& policy);

  Decision Decide(const BaselineRequest& request) const;

 private:
  struct Allow {
    HostMatch match;
    std::string prefix;
    std::string suffix;
    int data_class_ceiling;
    int64_t max_depth;  // INT64_MAX when the rule has no depth limit
    bool needs_human_approval;
  };
  struct ToolRules {
    std::vector<DenyRule> denies;
    std::vector<Allow> allows;
  };

  static bool DenyApplies(const DenyRule& rule, const BaselineRequest& request);
  static bool AllowApplies(const Allow& rule, const BaselineRequest& request);

  std::vector<DenyRule> global_denies_;
  absl::flat_hash_map<std::string, ToolRules> rules_by_tool_;
};

}  // namespace writ::bench

#endif  // WRIT_BENCHMARKS_HAND_WRITTEN_BASELINE_H_
