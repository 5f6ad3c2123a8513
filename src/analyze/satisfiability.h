// Internal: can a condition be true? — the decision procedure behind the
// static analysis of `writ check` (analyzer.h).
//
// A condition is put in negation normal form (negations pushed onto atoms;
// Kleene's De Morgan laws hold, and `not atom` is true exactly when the
// atom's attribute is present and the atom is false) and then in
// disjunctive normal form: a list of terms, each a conjunction of literals.
// A term is satisfiable unless two of its literals contradict each other:
//
//  * exact, per attribute, for the value atoms of ordered types (int,
//    number, duration, enum, bool, ip): each becomes a set of intervals over
//    an order-preserving integer key (doubles by their bits, so `> 0.3` is
//    `>= next double`; IPv4 inside the IPv4-mapped IPv6 range, CIDRs as
//    key ranges), and the term is unsatisfiable when their intersection is
//    empty;
//  * exact for strings when some literal pins a finite set (`==`, `in`,
//    `like` without wildcards): each candidate is evaluated against every
//    other literal; otherwise only provable pattern clashes count
//    (incompatible prefixes or suffixes, a pattern and its negation,
//    `contains` against `not contains` of a substring);
//  * exact for set<string> (required, forbidden, any-of and not-all-of
//    element sets);
//  * `has p` against `not has p`, and any value literal on p (it needs p
//    present) against `not has p`;
//  * any other atom (path == path) only against its own negation.
//
// Normal forms are capped (kMaxTerms terms; kMaxLiterals literals, which
// NormalForms reports as over budget); a disjunction whose form would be
// larger is replaced by `true`, a conjunction by one of its two sides. That
// only ever makes a condition look more satisfiable, so "unsatisfiable" is
// never claimed falsely: every answer the analyzer turns into a warning is
// sound.
#ifndef WRIT_SRC_ANALYZE_SATISFIABILITY_H_
#define WRIT_SRC_ANALYZE_SATISFIABILITY_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "src/check/checked_policy.h"

namespace writ::internal {

struct Literal {
  enum class Kind : uint8_t {
    kValue,          // predicates[predicate] over one attribute
    kBoolAttribute,  // a bare bool attribute
    kHas,            // has slot
    kOpaque,         // path == path: compared by identity only
  };
  Kind kind = Kind::kValue;
  bool positive = true;
  uint32_t slot = 0;
  uint32_t predicate = 0;  // kValue, kOpaque
  SourceLocation location;
};

using Term = std::vector<Literal>;  // a conjunction
using Dnf = std::vector<Term>;      // a disjunction; empty = false

inline constexpr size_t kMaxTerms = 256;
// Literals in all terms of one form: a let that names another twice in a
// conjunction doubles its term, and each let's form is kept (NormalForms).
inline constexpr size_t kMaxLiterals = 4096;

// Literals the forms of one policy may copy out of lets' forms in all. A
// let's form is copied into every condition that names it, so a let of k
// atoms named by m rules or lets cost k * m (4,000 atoms named by 4,000
// lets, 212 KB of source: 3.4 s and 412 MB for `writ check`). Past the
// budget a let's form is weakened to `true`, as the caps weaken a form.
inline constexpr size_t kMaxLetLiteralsCopied = size_t{1} << 22;

// The normal forms of one policy's conditions. Each let's form is computed
// once per polarity and shared by every condition that names it, so the
// work is polynomial in the policy's size however often lets reuse lets,
// and bounded by kMaxLetLiteralsCopied however many conditions name them.
// Not thread-safe (it fills its let memo as it goes).
class NormalForms {
 public:
  explicit NormalForms(const CheckedPolicy& policy);

  // The terms under which `expr` (or `not expr`, when `negated`) is true.
  Dnf Of(const Expr& expr, bool negated);

  // A rule's condition `when and not unless`, or its negation.
  Dnf OfRule(const CheckedRule& rule, bool negated);

  // Whether a form built since the last call was weakened at kMaxLiterals
  // (a let's form counts wherever it is used); clears the flag. A "maybe
  // satisfiable" answer about such a form says nothing.
  bool TakeOverBudget();

  // Whether a form built since the last TakeOverBudget was weakened in its
  // own connectives, not only inside a let it names. A let over budget only
  // because it names one that is has nothing of its own to note: the first
  // let past the cap is noted, not every let built on it. Does not clear.
  bool WeakenedOutsideLets() const { return weakened_outside_lets_; }

  // Whether a let's form has been weakened at kMaxLetLiteralsCopied: from
  // then on every let is `true`, so every form naming one proves nothing.
  bool LetBudgetSpent() const { return let_budget_spent_; }

  // How many let bodies have been put in normal form: at most two per let
  // (one per polarity). Tests read it to see that lets are shared.
  size_t let_expansions() const { return let_expansions_; }

 private:
  struct LetForm {
    Dnf dnf;
    bool over_budget = false;
  };

  Dnf OfLet(uint32_t let, bool negated);
  Dnf Connective(const Expr& expr, bool negated);
  // Conjoin and Disjoin, weakened at kMaxLiterals too.
  Dnf And(Dnf a, const Dnf& b);
  Dnf Or(Dnf a, const Dnf& b);
  bool OverLiteralCap(const Dnf& a, const Dnf& b, bool product);
  void MarkWeakened() { over_budget_ = weakened_outside_lets_ = true; }

  const CheckedPolicy& policy_;
  std::vector<std::optional<LetForm>> lets_[2];  // [negated][let]
  size_t let_expansions_ = 0;
  size_t let_literals_copied_ = 0;
  bool let_budget_spent_ = false;
  bool over_budget_ = false;            // weakened anywhere, in lets too
  bool weakened_outside_lets_ = false;  // weakened in a connective of its own
};

// Every term of a and of b, pairwise conjoined (capped like NormalForms).
Dnf Conjoin(Dnf a, const Dnf& b);

// Why a term is unsatisfiable: the literals that contradict each other.
struct Contradiction {
  std::vector<Literal> literals;
};

// nullopt when the term may be true; else the clashing literals.
std::optional<Contradiction> FindContradiction(const CheckedPolicy& policy,
                                               const Term& term);

// True unless every term is provably contradictory.
bool MaybeSatisfiable(const CheckedPolicy& policy, const Dnf& dnf);

}  // namespace writ::internal

#endif  // WRIT_SRC_ANALYZE_SATISFIABILITY_H_
