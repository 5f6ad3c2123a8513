// Internal: static analysis of a checked policy set — the warnings and notes
// of `writ check` (docs/language.md lists every code with an example).
//
// analyze/ reads the checked tree (it never changes it) and reports what
// compiles but is almost certainly not what the author meant:
//
//   W001 unsatisfiable-condition  a rule or let whose condition is never true
//   W002 shadowed-allow           an allow that a deny always overrides
//   W003 deny-always-applies      a deny whose condition is never false
//   W004 duplicate-rule           same effect, same condition as another rule
//   W005 unused-let               a let no rule uses, directly or via lets
//   W006 deny-obligations         a deny with `with`: never returned
//   N001 unguarded-deny           a deny reads attributes without `has`
//                                 (a note: fail-closed is often deliberate)
//
// Every warning is sound: it is only given when it holds for every request,
// including requests with missing or wrong-typed attributes (Kleene
// semantics, SPEC §4). The reasoning is in satisfiability.h; where it is
// approximate, the approximation can only miss a warning, never invent one.
#ifndef WRIT_SRC_ANALYZE_ANALYZER_H_
#define WRIT_SRC_ANALYZE_ANALYZER_H_

#include <string>
#include <vector>

#include "src/check/checked_policy.h"
#include "writ/diagnostic.h"

namespace writ::internal {

struct AnalyzeOptions {
  // Also report notes (N001), which describe deliberate patterns.
  bool notes = false;
};

// `texts[i]` is the source of file i of the set (CheckedPolicy::file_names),
// used for source lines and `~~~` spans. Diagnostics come in source order.
std::vector<Diagnostic> AnalyzePolicy(const CheckedPolicy& policy,
                                      const std::vector<std::string>& texts,
                                      const AnalyzeOptions& options);

}  // namespace writ::internal

#endif  // WRIT_SRC_ANALYZE_ANALYZER_H_
