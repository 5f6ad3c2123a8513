// Internal: the DAG evaluator — decides a request on a compiled DagProgram.
//
// Why it is fast: each candidate rule is decided from its body, a short
// array of conjuncts with the compares inline (ListedRule::body); the
// rest go through the node walk, where a shared node's value is
// memoised for the request in a per-thread scratch array stamped with a
// generation counter (no clearing between decisions, no allocation once
// the array has grown to the largest program the thread has seen), so a
// shared pattern or let is evaluated at most once; `and`/`or` stop at
// their first dominating child; rules are
// found through the guard indexes, so a request visits only the rules its
// values can make true; and deny rules come first, so when only the
// decision is asked for, the first deny that applies ends the run.
//
// The explanation, when asked for, is assembled by explanation_builder from
// the same run (its why_not conjuncts are read from the same memo), and is
// held equal to the reference evaluator's by tests/differential/.
#ifndef WRIT_SRC_EVAL_DAG_EVALUATOR_H_
#define WRIT_SRC_EVAL_DAG_EVALUATOR_H_

#include <cstdint>
#include <vector>

#include "src/compile/dag_program.h"
#include "writ/decision.h"
#include "writ/request.h"

namespace writ::internal {

// Decides `request`. With `determining_rules`, clears it and fills it with
// the ids of the determining rules in source order (SPEC §5); it never
// allocates once its capacity is the program's rule count. With an
// `explanation`, fills the record (`detail` says whether with why_not).
// Never throws: if the scratch state cannot be allocated the answer is deny
// (fail-closed).
Decision DagEvaluate(const DagProgram& program, const Request& request,
                     std::vector<uint32_t>* determining_rules,
                     Explanation* explanation,
                     ExplanationDetail detail = ExplanationDetail::kFull) noexcept;

}  // namespace writ::internal

#endif  // WRIT_SRC_EVAL_DAG_EVALUATOR_H_
