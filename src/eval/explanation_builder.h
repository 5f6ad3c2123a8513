// Internal: the explanation record of SPEC §5, assembled from what an
// evaluator found. Both evaluators feed this one builder, so the parts of
// the record that do not depend on how conditions were evaluated (policy,
// obligations, missing, errors, ordering, why_not ranking) are computed by
// one piece of code and cannot drift apart.
#ifndef WRIT_SRC_EVAL_EXPLANATION_BUILDER_H_
#define WRIT_SRC_EVAL_EXPLANATION_BUILDER_H_

#include <cstdint>
#include <vector>

#include "src/check/checked_policy.h"
#include "src/eval/tristate.h"
#include "writ/decision.h"
#include "writ/request.h"

namespace writ::internal {

// How an evaluator reports the truth of one why_not conjunct.
class ConjunctOracle {
 public:
  virtual ~ConjunctOracle() = default;
  virtual Tristate Evaluate(uint32_t rule, const Conjunct& conjunct) const = 0;

  // How many of rule `rule`'s conjuncts are not true, or any count of at
  // least `limit` once that many are found: ranking why_not only needs to
  // know that a rule is no closer than the ones it already has. An
  // evaluator overrides this to count from its own compact form; this one
  // asks Evaluate about each of `policy`'s conjuncts.
  virtual size_t CountFailed(const CheckedPolicy& policy, uint32_t rule, size_t limit) const;

  // Rule `rule`'s effect, for the same reason from the evaluator's own form
  // if it has one.
  virtual Effect RuleEffect(const CheckedPolicy& policy, uint32_t rule) const {
    return policy.rules[rule].effect;
  }

  // The allow rules that may have fewer than two failed conjuncts, sorted:
  // every other allow rule has at least two, so once ranking holds three
  // rules with at most two failures, it need look at these alone. nullptr
  // when the evaluator cannot tell (every rule may).
  virtual const std::vector<uint32_t>* NearRules() const { return nullptr; }
};

// What applied, in the evaluator's words: the rule indexes that determined
// the decision (source order) and which of them applied on unknown.
struct Outcome {
  Decision decision;
  std::vector<uint32_t> determining;
  std::vector<bool> indeterminate;  // parallel to `determining`
};

// Fills `*explanation` (SPEC §5); why_not only with ExplanationDetail::kFull,
// so the oracle is not consulted otherwise.
void BuildExplanation(const CheckedPolicy& policy, const Request& request,
                      const Outcome& outcome, const ConjunctOracle& oracle,
                      ExplanationDetail detail, Explanation* explanation);

// Deny overrides allow; else allow; else the default (SPEC §4). `deny_hit`
// and `allow_hit` say whether any rule of that effect applied.
inline Decision Combine(const CheckedPolicy& policy, bool deny_hit, bool allow_hit) {
  if (deny_hit) return {Effect::kDeny, false};
  if (allow_hit) return {Effect::kAllow, false};
  return {policy.default_effect, true};
}

}  // namespace writ::internal

#endif  // WRIT_SRC_EVAL_EXPLANATION_BUILDER_H_
