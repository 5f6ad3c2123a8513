// Internal: Kleene's strong three-valued logic (SPEC §4).
//
// eval/ owns deciding: the reference interpreter (the oracle), the DAG
// evaluator, and assembling the explanation record from either.
#ifndef WRIT_SRC_EVAL_TRISTATE_H_
#define WRIT_SRC_EVAL_TRISTATE_H_

#include <cstdint>

namespace writ::internal {

enum class Tristate : uint8_t { kFalse = 0, kTrue = 1, kUnknown = 2 };

inline Tristate FromBool(bool value) { return value ? Tristate::kTrue : Tristate::kFalse; }

// false dominates `and`; true dominates `or`; otherwise unknown wins.
inline Tristate KleeneAnd(Tristate a, Tristate b) {
  if (a == Tristate::kFalse || b == Tristate::kFalse) return Tristate::kFalse;
  if (a == Tristate::kUnknown || b == Tristate::kUnknown) return Tristate::kUnknown;
  return Tristate::kTrue;
}

inline Tristate KleeneOr(Tristate a, Tristate b) {
  if (a == Tristate::kTrue || b == Tristate::kTrue) return Tristate::kTrue;
  if (a == Tristate::kUnknown || b == Tristate::kUnknown) return Tristate::kUnknown;
  return Tristate::kFalse;
}

inline Tristate KleeneNot(Tristate a) {
  if (a == Tristate::kUnknown) return a;
  return a == Tristate::kTrue ? Tristate::kFalse : Tristate::kTrue;
}

}  // namespace writ::internal

#endif  // WRIT_SRC_EVAL_TRISTATE_H_
