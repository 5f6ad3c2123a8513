// Internal: the reference evaluator — SPEC §4 read literally, as a direct
// recursive interpreter of the checked tree. It is slow on purpose: it is
// the oracle that the DAG evaluator is differentially tested against, so it
// must stay obviously right. Do not optimise it. (One exception: each let's
// value is kept for the rest of the request, so that lets naming lets stay
// polynomial; a let has one value per request, so this cannot change one.)
#ifndef WRIT_SRC_EVAL_REFERENCE_EVALUATOR_H_
#define WRIT_SRC_EVAL_REFERENCE_EVALUATOR_H_

#include "src/check/checked_policy.h"
#include "src/eval/tristate.h"
#include "writ/decision.h"
#include "writ/request.h"

namespace writ::internal {

Tristate ReferenceEvaluateExpr(const CheckedPolicy& policy, const Expr& expr,
                               const Request& request) noexcept;

// A rule's condition: `when` (true if absent) and not `unless` (false if
// absent).
Tristate ReferenceEvaluateRule(const CheckedPolicy& policy, const CheckedRule& rule,
                               const Request& request) noexcept;

Decision ReferenceEvaluate(const CheckedPolicy& policy, const Request& request,
                           Explanation* explanation,
                           ExplanationDetail detail = ExplanationDetail::kFull) noexcept;

}  // namespace writ::internal

#endif  // WRIT_SRC_EVAL_REFERENCE_EVALUATOR_H_
