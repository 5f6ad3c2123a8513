#include "src/eval/explanation_builder.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "src/io/value.h"

namespace writ::internal {
namespace {

// The record is filled element by element into the caller's Explanation,
// reusing the elements (and their strings' buffers) it held from the
// previous decision: a gateway that keeps one Explanation per thread then
// explains without allocating for the parts that fit. NextElement hands
// out element `*used`, growing the vector only when it has to; Truncate
// drops what the previous record had beyond this one.
template <typename T>
T& NextElement(std::vector<T>* elements, size_t* used) {
  if (*used == elements->size()) elements->emplace_back();
  return (*elements)[(*used)++];
}

template <typename T>
void Truncate(std::vector<T>* elements, size_t used) {
  elements->resize(used);
}

void AssignOptional(const std::optional<std::string>& from, std::optional<std::string>* to) {
  if (!from.has_value()) {
    to->reset();
  } else if (to->has_value()) {
    (*to)->assign(*from);
  } else {
    to->emplace(*from);
  }
}

void AssignPolicyInfo(const PolicyInfo& from, PolicyInfo* to) {
  AssignOptional(from.name, &to->name);
  AssignOptional(from.version, &to->version);
  to->digest.assign(from.digest);
}

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

// Merged per key, in key order. A policy has a handful of obligation keys,
// so finding a key is a short linear scan.
void MergeObligations(const CheckedPolicy& policy, const Outcome& outcome,
                      Explanation* explanation) {
  auto& merged = explanation->obligations;
  size_t used = 0;
  if (outcome.decision.effect == Effect::kAllow && !outcome.decision.default_applied) {
    for (uint32_t rule : outcome.determining) {
      for (const Obligation& obligation : policy.rules[rule].obligations) {
        auto known = std::find_if(merged.begin(), merged.begin() + used,
                                  [&](const auto& entry) { return entry.first == obligation.key; });
        const bool first = known == merged.begin() + used;
        auto& entry = first ? NextElement(&merged, &used) : *known;
        if (first) entry.first.assign(obligation.key);
        MergeInto(obligation.value, &entry.second, first);
      }
    }
  }
  Truncate(&merged, used);
  std::sort(merged.begin(), merged.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [key, value] : merged) {
    if (auto* strings = std::get_if<std::vector<std::string>>(&value)) {
      std::sort(strings->begin(), strings->end());
    }
  }
}

void ListMissingAndErrors(const CheckedPolicy& policy, const Request& request,
                          Explanation* explanation) {
  const Schema& schema = *policy.schema;
  size_t missing = 0;
  for (uint32_t slot : policy.referenced_slots) {
    if (request.value(slot).state == ValueState::kAbsent) {
      NextElement(&explanation->missing, &missing).assign(schema.attributes[slot].path);
    }
  }
  Truncate(&explanation->missing, missing);
  size_t errors = 0;
  for (uint32_t slot = 0; slot < schema.attributes.size(); ++slot) {
    const Value& value = request.value(slot);
    if (value.state == ValueState::kWrongType) {
      AttributeError& error = NextElement(&explanation->errors, &errors);
      error.attribute.assign(schema.attributes[slot].path);
      error.message.assign(value.error);
    }
  }
  Truncate(&explanation->errors, errors);
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
  thread_local std::vector<Candidate> candidates;  // reused across decisions
  candidates.clear();
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
  explanation->decision = outcome.decision.effect;
  explanation->default_applied = outcome.decision.default_applied;
  AssignPolicyInfo(policy.info, &explanation->policy);
  size_t determining = 0;
  for (size_t i = 0; i < outcome.determining.size(); ++i) {
    const CheckedRule& rule = policy.rules[outcome.determining[i]];
    DeterminingRule& entry = NextElement(&explanation->determining, &determining);
    entry.rule.assign(rule.name);
    entry.effect = rule.effect;
    AssignOptional(rule.reason, &entry.reason);
    entry.indeterminate = outcome.indeterminate[i];
    policy.AssignLocation(rule.location, &entry.location);
  }
  Truncate(&explanation->determining, determining);
  MergeObligations(policy, outcome, explanation);
  explanation->why_not.clear();
  ListMissingAndErrors(policy, request, explanation);
  if (detail == ExplanationDetail::kFull) RankWhyNot(policy, outcome, oracle, explanation);
}

}  // namespace writ::internal
