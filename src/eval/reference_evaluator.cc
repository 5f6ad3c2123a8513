#include "src/eval/reference_evaluator.h"

#include <vector>

#include "src/eval/explanation_builder.h"
#include "src/eval/predicate.h"

namespace writ::internal {
namespace {

class ReferenceConjunctOracle : public ConjunctOracle {
 public:
  ReferenceConjunctOracle(const CheckedPolicy& policy, const Request& request)
      : policy_(policy), request_(request) {}

  Tristate Evaluate(uint32_t rule_index, const Conjunct& conjunct) const override {
    const CheckedRule& rule = policy_.rules[rule_index];
    switch (conjunct.source) {
      case Conjunct::Source::kWhenWhole:
        return ReferenceEvaluateExpr(policy_, *rule.when, request_);
      case Conjunct::Source::kWhenChild:
        return ReferenceEvaluateExpr(policy_, rule.when->children[conjunct.child], request_);
      case Conjunct::Source::kNotUnless:
        return KleeneNot(ReferenceEvaluateExpr(policy_, *rule.unless, request_));
    }
    return Tristate::kUnknown;
  }

 private:
  const CheckedPolicy& policy_;
  const Request& request_;
};

}  // namespace

Tristate ReferenceEvaluateExpr(const CheckedPolicy& policy, const Expr& expr,
                               const Request& request) noexcept {
  switch (expr.kind) {
    case ExprKind::kConstant: return FromBool(expr.constant);
    case ExprKind::kHas: return EvaluateHas(request.value(expr.slot));
    case ExprKind::kBoolAttribute: return EvaluateBoolAttribute(request.value(expr.slot));
    case ExprKind::kPredicate: {
      const Predicate& predicate = policy.predicates[expr.predicate];
      const ValuesView values = request.values();
      if (predicate.operand.other_slot.has_value()) {
        const SlotView other = values.slot(*predicate.operand.other_slot);
        return EvaluatePredicate(predicate, values.slot(predicate.slot), &other);
      }
      return EvaluatePredicate(predicate, values.slot(predicate.slot), nullptr);
    }
    case ExprKind::kLetReference:
      return ReferenceEvaluateExpr(policy, policy.lets[expr.let].expr, request);
    case ExprKind::kNot:
      return KleeneNot(ReferenceEvaluateExpr(policy, expr.children[0], request));
    case ExprKind::kAnd: {
      Tristate result = Tristate::kTrue;
      for (const Expr& child : expr.children) {
        result = KleeneAnd(result, ReferenceEvaluateExpr(policy, child, request));
      }
      return result;
    }
    case ExprKind::kOr: {
      Tristate result = Tristate::kFalse;
      for (const Expr& child : expr.children) {
        result = KleeneOr(result, ReferenceEvaluateExpr(policy, child, request));
      }
      return result;
    }
  }
  return Tristate::kUnknown;
}

Tristate ReferenceEvaluateRule(const CheckedPolicy& policy, const CheckedRule& rule,
                               const Request& request) noexcept {
  const Tristate when = rule.when.has_value()
                            ? ReferenceEvaluateExpr(policy, *rule.when, request)
                            : Tristate::kTrue;
  const Tristate unless = rule.unless.has_value()
                              ? ReferenceEvaluateExpr(policy, *rule.unless, request)
                              : Tristate::kFalse;
  return KleeneAnd(when, KleeneNot(unless));
}

Decision ReferenceEvaluate(const CheckedPolicy& policy, const Request& request,
                           Explanation* explanation, ExplanationDetail detail) noexcept {
  Outcome denies;
  Outcome allows;
  for (uint32_t index = 0; index < policy.rules.size(); ++index) {
    const CheckedRule& rule = policy.rules[index];
    const Tristate condition = ReferenceEvaluateRule(policy, rule, request);
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

}  // namespace writ::internal
