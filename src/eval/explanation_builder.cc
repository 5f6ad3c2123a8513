#include "src/eval/explanation_builder.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "src/io/value.h"

namespace writ::internal {
namespace {

void MergeInto(const ObligationLiteral& value, ObligationValue* merged, bool first) {
  if (const auto* text = std::get_if<std::string>(&value)) {
    if (first) *merged = std::vector<std::string>{};
    auto& strings = std::get<std::vector<std::string>>(*merged);
    if (std::find(strings.begin(), strings.end(), *text) == strings.end()) {
      strings.push_back(*text);
    }
    return;
  }
  // Numbers and durations take the tightest bound; booleans take `or`.
  std::visit(
      [&](const auto& incoming) {
        using T = std::decay_t<decltype(incoming)>;
        if constexpr (!std::is_same_v<T, std::string>) {
          if (first) {
            *merged = incoming;
          } else if constexpr (std::is_same_v<T, bool>) {
            *merged = std::get<bool>(*merged) || incoming;
          } else if constexpr (std::is_same_v<T, DurationSeconds>) {
            auto& current = std::get<DurationSeconds>(*merged);
            current.seconds = std::min(current.seconds, incoming.seconds);
          } else {
            *merged = std::min(std::get<T>(*merged), incoming);
          }
        }
      },
      value);
}

void MergeObligations(const CheckedPolicy& policy, const Outcome& outcome,
                      Explanation* explanation) {
  if (outcome.decision.effect != Effect::kAllow || outcome.decision.default_applied) return;
  std::map<std::string, ObligationValue> merged;
  for (uint32_t rule : outcome.determining) {
    for (const Obligation& obligation : policy.rules[rule].obligations) {
      auto [it, first] = merged.try_emplace(obligation.key);
      MergeInto(obligation.value, &it->second, first);
    }
  }
  for (auto& [key, value] : merged) {
    if (auto* strings = std::get_if<std::vector<std::string>>(&value)) {
      std::sort(strings->begin(), strings->end());
    }
    explanation->obligations.emplace_back(key, std::move(value));
  }
}

void ListMissingAndErrors(const CheckedPolicy& policy, const Request& request,
                          Explanation* explanation) {
  const Schema& schema = *policy.schema;
  for (uint32_t slot : policy.referenced_slots) {
    if (request.value(slot).state == ValueState::kAbsent) {
      explanation->missing.push_back(schema.attributes[slot].path);
    }
  }
  for (uint32_t slot = 0; slot < schema.attributes.size(); ++slot) {
    const Value& value = request.value(slot);
    if (value.state == ValueState::kWrongType) {
      explanation->errors.push_back({schema.attributes[slot].path, value.error});
    }
  }
  std::sort(explanation->errors.begin(), explanation->errors.end(),
            [](const AttributeError& a, const AttributeError& b) {
              return a.attribute < b.attribute;
            });
}

// On a default deny: the (up to) three allow rules with the fewest failed
// conjuncts, ties broken by source order (SPEC §5). Failures are counted
// first and only the three closest rules are rendered: a policy may have
// thousands of allow rules, and rendering every one's failed conjuncts made
// one default deny's explanation cost milliseconds.
void RankWhyNot(const CheckedPolicy& policy, const Outcome& outcome,
                const ConjunctOracle& oracle, Explanation* explanation) {
  if (!outcome.decision.default_applied || outcome.decision.effect != Effect::kDeny) return;
  struct Candidate {
    size_t failed = 0;
    uint32_t rule = 0;
  };
  std::vector<Candidate> candidates;
  for (uint32_t index = 0; index < policy.rules.size(); ++index) {
    if (policy.rules[index].effect != Effect::kAllow) continue;
    size_t failed = 0;
    for (const Conjunct& conjunct : policy.rules[index].conjuncts) {
      if (oracle.Evaluate(index, conjunct) != Tristate::kTrue) ++failed;
    }
    if (failed > 0) candidates.push_back({failed, index});
  }
  const size_t kept = std::min<size_t>(candidates.size(), 3);
  std::partial_sort(candidates.begin(), candidates.begin() + kept, candidates.end(),
                    [](const Candidate& a, const Candidate& b) {
                      return a.failed != b.failed ? a.failed < b.failed : a.rule < b.rule;
                    });
  for (size_t i = 0; i < kept; ++i) {
    const CheckedRule& rule = policy.rules[candidates[i].rule];
    WhyNot why_not{rule.name, {}};
    for (const Conjunct& conjunct : rule.conjuncts) {
      if (oracle.Evaluate(candidates[i].rule, conjunct) != Tristate::kTrue) {
        why_not.failed.push_back({conjunct.condition, policy.FormatLocation(conjunct.location)});
      }
    }
    explanation->why_not.push_back(std::move(why_not));
  }
}

}  // namespace

void BuildExplanation(const CheckedPolicy& policy, const Request& request,
                      const Outcome& outcome, const ConjunctOracle& oracle,
                      ExplanationDetail detail, Explanation* explanation) {
  *explanation = Explanation{};
  explanation->decision = outcome.decision.effect;
  explanation->default_applied = outcome.decision.default_applied;
  explanation->policy = policy.info;
  for (size_t i = 0; i < outcome.determining.size(); ++i) {
    const CheckedRule& rule = policy.rules[outcome.determining[i]];
    explanation->determining.push_back({rule.name, rule.effect, rule.reason,
                                        outcome.indeterminate[i],
                                        policy.FormatLocation(rule.location)});
  }
  MergeObligations(policy, outcome, explanation);
  ListMissingAndErrors(policy, request, explanation);
  if (detail == ExplanationDetail::kFull) RankWhyNot(policy, outcome, oracle, explanation);
}

}  // namespace writ::internal
