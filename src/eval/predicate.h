// Internal: the truth of one atom over a request — the single definition of
// every operator's meaning, shared by the reference and DAG evaluators.
#ifndef WRIT_SRC_EVAL_PREDICATE_H_
#define WRIT_SRC_EVAL_PREDICATE_H_

#include "src/check/checked_policy.h"
#include "src/eval/tristate.h"
#include "src/io/value.h"

namespace writ::internal {

// Unknown when an attribute it reads is absent or wrong-typed.
Tristate EvaluatePredicate(const Predicate& predicate, const Value& subject,
                           const Value* other) noexcept;

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
