// Internal: the truth of one atom over a request — the single definition of
// every operator's meaning, shared by the reference and DAG evaluators.
#ifndef WRIT_SRC_EVAL_PREDICATE_H_
#define WRIT_SRC_EVAL_PREDICATE_H_

#include "src/check/checked_policy.h"
#include "src/eval/tristate.h"
#include "src/io/value.h"

namespace writ::internal {

// `left <op> right` for the six comparison operators; false for any other
// operator. The one definition of comparison, used by EvaluatePredicate;
// the DAG evaluator's compact atoms give the same answers from outcome
// bits (CompactAtom::outcomes), held to it by tests/differential/.
template <typename T>
inline bool Compare(Operator op, const T& left, const T& right) {
  switch (op) {
    case Operator::kEqual: return left == right;
    case Operator::kNotEqual: return left != right;
    case Operator::kLess: return left < right;
    case Operator::kLessEqual: return left <= right;
    case Operator::kGreater: return left > right;
    case Operator::kGreaterEqual: return left >= right;
    default: return false;
  }
}

// Unknown when an attribute it reads is absent or wrong-typed. `subject` is
// the slot of predicate.slot; `other` that of predicate.operand.other_slot,
// if it has one.
Tristate EvaluatePredicate(const Predicate& predicate, const SlotView& subject,
                           const SlotView* other) noexcept;

// `has p`: present with a well-typed value. Never unknown.
inline Tristate EvaluateHas(const Value& value) noexcept {
  return FromBool(value.state == ValueState::kPresent);
}

// A bare bool attribute as a condition.
inline Tristate EvaluateBoolAttribute(const Value& value) noexcept {
  if (value.state != ValueState::kPresent) return Tristate::kUnknown;
  return FromBool(value.boolean);
}

}  // namespace writ::internal

#endif  // WRIT_SRC_EVAL_PREDICATE_H_
