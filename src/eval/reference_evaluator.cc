#include "src/eval/reference_evaluator.h"

#include <new>
#include <optional>
#include <vector>

#include "src/eval/explanation_builder.h"
#include "src/eval/predicate.h"

namespace writ::internal {
namespace {

// SPEC §4 over one request. Each let's value is kept once computed: a let
// means the same in every place it is named, so reading it again cannot
// give another value, and without the memo a chain of lets that each name
// the previous one twice takes 2^length steps. Missing attributes are not
// found here (the explanation lists the policy's referenced_slots), so the
// order lets are reached in cannot change them.
class Interpreter {
 public:
  Interpreter(const CheckedPolicy& policy, const Request& request)
      : policy_(policy), request_(request), lets_(policy.lets.size()) {}

  Tristate Evaluate(const Expr& expr) {
    switch (expr.kind) {
      case ExprKind::kConstant: return FromBool(expr.constant);
      case ExprKind::kHas: return EvaluateHas(request_.value(expr.slot));
      case ExprKind::kBoolAttribute: return EvaluateBoolAttribute(request_.value(expr.slot));
      case ExprKind::kPredicate: return EvaluatePredicateExpr(expr);
      case ExprKind::kLetReference: return EvaluateLet(expr.let);
      case ExprKind::kNot: return KleeneNot(Evaluate(expr.children[0]));
      case ExprKind::kAnd: {
        Tristate result = Tristate::kTrue;
        for (const Expr& child : expr.children) result = KleeneAnd(result, Evaluate(child));
        return result;
      }
      case ExprKind::kOr: {
        Tristate result = Tristate::kFalse;
        for (const Expr& child : expr.children) result = KleeneOr(result, Evaluate(child));
        return result;
      }
    }
    return Tristate::kUnknown;
  }

  Tristate EvaluateRule(const CheckedRule& rule) {
    const Tristate when = rule.when.has_value() ? Evaluate(*rule.when) : Tristate::kTrue;
    const Tristate unless = rule.unless.has_value() ? Evaluate(*rule.unless) : Tristate::kFalse;
    return KleeneAnd(when, KleeneNot(unless));
  }

 private:
  Tristate EvaluatePredicateExpr(const Expr& expr) const {
    const Predicate& predicate = policy_.predicates[expr.predicate];
    const ValuesView values = request_.values();
    if (predicate.operand.other_slot.has_value()) {
      const SlotView other = values.slot(*predicate.operand.other_slot);
      return EvaluatePredicate(predicate, values.slot(predicate.slot), &other);
    }
    return EvaluatePredicate(predicate, values.slot(predicate.slot), nullptr);
  }

  Tristate EvaluateLet(uint32_t let) {
    if (!lets_[let].has_value()) lets_[let] = Evaluate(policy_.lets[let].expr);
    return *lets_[let];
  }

  const CheckedPolicy& policy_;
  const Request& request_;
  std::vector<std::optional<Tristate>> lets_;  // by let index
};

class ReferenceConjunctOracle : public ConjunctOracle {
 public:
  ReferenceConjunctOracle(const CheckedPolicy& policy, const Request& request)
      : policy_(policy), interpreter_(policy, request) {}

  Tristate Evaluate(uint32_t rule_index, const Conjunct& conjunct) const override {
    const CheckedRule& rule = policy_.rules[rule_index];
    switch (conjunct.source) {
      case Conjunct::Source::kWhenWhole: return interpreter_.Evaluate(*rule.when);
      case Conjunct::Source::kWhenChild:
        return interpreter_.Evaluate(rule.when->children[conjunct.child]);
      case Conjunct::Source::kNotUnless: return KleeneNot(interpreter_.Evaluate(*rule.unless));
    }
    return Tristate::kUnknown;
  }

 private:
  const CheckedPolicy& policy_;
  mutable Interpreter interpreter_;  // its let memo: the oracle serves one request
};

}  // namespace

Tristate ReferenceEvaluateExpr(const CheckedPolicy& policy, const Expr& expr,
                               const Request& request) noexcept {
  return Interpreter(policy, request).Evaluate(expr);
}

Tristate ReferenceEvaluateRule(const CheckedPolicy& policy, const CheckedRule& rule,
                               const Request& request) noexcept {
  return Interpreter(policy, request).EvaluateRule(rule);
}

namespace {

// ReferenceEvaluate, but free to throw std::bad_alloc.
Decision Decide(const CheckedPolicy& policy, const Request& request, Explanation* explanation,
                ExplanationDetail detail) {
  Outcome denies;
  Outcome allows;
  Interpreter interpreter(policy, request);
  for (uint32_t index = 0; index < policy.rules.size(); ++index) {
    const CheckedRule& rule = policy.rules[index];
    const Tristate condition = interpreter.EvaluateRule(rule);
    // A deny applies on true or unknown (fail-closed); an allow on true only.
    if (rule.effect == Effect::kDeny && condition != Tristate::kFalse) {
      denies.determining.push_back(index);
      denies.indeterminate.push_back(condition == Tristate::kUnknown);
    } else if (rule.effect == Effect::kAllow && condition == Tristate::kTrue) {
      allows.determining.push_back(index);
      allows.indeterminate.push_back(false);
    }
  }
  const Decision decision =
      Combine(policy, !denies.determining.empty(), !allows.determining.empty());
  if (explanation != nullptr) {
    Outcome outcome = decision.default_applied ? Outcome{}
                      : decision.effect == Effect::kDeny ? std::move(denies)
                                                          : std::move(allows);
    outcome.decision = decision;
    BuildExplanation(policy, request, outcome, ReferenceConjunctOracle(policy, request),
                     detail, explanation);
  }
  return decision;
}

}  // namespace

Decision ReferenceEvaluate(const CheckedPolicy& policy, const Request& request,
                           Explanation* explanation, ExplanationDetail detail) noexcept {
  // Collecting the determining rules allocates. Out of memory, deny, as
  // the DAG evaluator does, rather than let bad_alloc reach noexcept.
  try {
    return Decide(policy, request, explanation, detail);
  } catch (const std::bad_alloc&) {
    if (explanation != nullptr) {
      explanation->determining.clear();
      explanation->decision = Effect::kDeny;
      explanation->default_applied = false;
    }
    return {Effect::kDeny, false};
  }
}

}  // namespace writ::internal
