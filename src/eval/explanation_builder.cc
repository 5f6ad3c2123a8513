#include "src/eval/explanation_builder.h"

#include <algorithm>
#include <array>
#include <limits>
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
//
// What Truncate drops goes to a small per-thread spare list of its type,
// buffers and all, where NextElement looks first: the record's parts
// change size from one decision to the next (a default deny's why_not,
// then none; two determining rules, then one), and destroying elements
// only to allocate them again cost a dozen allocations per such pair.
constexpr size_t kSpareElements = 64;  // bounds what a thread keeps

template <typename T>
std::vector<T>& Spare() {
  thread_local std::vector<T> spare;
  return spare;
}

template <typename T>
T& NextElement(std::vector<T>* elements, size_t* used) {
  if (*used == elements->size()) {
    std::vector<T>& spare = Spare<T>();
    if (spare.empty()) {
      elements->emplace_back();
    } else {
      elements->push_back(std::move(spare.back()));
      spare.pop_back();
    }
  }
  return (*elements)[(*used)++];
}

template <typename T>
void Truncate(std::vector<T>* elements, size_t used) {
  std::vector<T>& spare = Spare<T>();
  while (elements->size() > used && spare.size() < kSpareElements) {
    spare.push_back(std::move(elements->back()));
    elements->pop_back();
  }
  elements->resize(used);
}

// A reused record's optional text (a determining rule's `because`) is
// absent for one rule and present for the next. Resetting it would free
// its buffer and the next `because` allocate one again, so an emptied
// text's buffer waits among the spare strings for the next that is set.
// Buffers only grow there, so once each has held the longest text the
// policy gives it, setting a text allocates nothing.
void AssignOptional(const std::optional<std::string>& from, std::optional<std::string>* to) {
  std::vector<std::string>& spare = Spare<std::string>();
  if (!from.has_value()) {
    if (to->has_value() && spare.size() < kSpareElements) spare.push_back(std::move(**to));
    to->reset();
    return;
  }
  if (!to->has_value()) {
    if (spare.empty()) {
      to->emplace();
    } else {
      to->emplace(std::move(spare.back()));
      spare.pop_back();
    }
  }
  (*to)->assign(*from);
}

void AssignPolicyInfo(const PolicyInfo& from, PolicyInfo* to) {
  AssignOptional(from.name, &to->name);
  AssignOptional(from.version, &to->version);
  to->digest.assign(from.digest);
}

void MergeInto(const ObligationLiteral& value, ObligationValue* merged, bool first) {
  if (const auto* text = std::get_if<std::string>(&value)) {
    // When the entry held strings last time, its first string takes this
    // text in place and the rest (buffers and all) go to the spares
    // NextElement takes them back from: clearing them would free every
    // text over 15 bytes, to be allocated again by the next decision, and
    // sending the first away only to take it back cost ~100 instructions
    // for the usual one-string obligation.
    auto* held = std::get_if<std::vector<std::string>>(merged);
    if (first && held != nullptr && !held->empty()) {
      (*held)[0].assign(*text);
      Truncate(held, 1);
      return;
    }
    // A key keeps its kind (the checker's rule), so only a first merge can
    // find the entry holding another type.
    if (held == nullptr) held = &merged->emplace<std::vector<std::string>>();
    auto& strings = *held;
    if (std::find(strings.begin(), strings.end(), *text) == strings.end()) {
      size_t used = strings.size();
      NextElement(&strings, &used).assign(*text);
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

using MergedObligation = std::pair<std::string, ObligationValue>;

// The record's entry for `key`, `*first` when this decision had none yet.
// A new one is, where there is one, the entry that held `key` for an
// earlier decision (past `*used` in the record, or spare): a policy has a
// handful of obligation keys, and an entry that kept its key keeps its
// value's type, so merging into it allocates nothing. Any entry that held
// another key would change type (a duration, then a list of strings) and
// allocate each time. Finding a key is a short linear scan.
MergedObligation& EntryFor(const std::string& key, std::vector<MergedObligation>* merged,
                           size_t* used, bool* first) {
  const auto holds_key = [&](const MergedObligation& entry) { return entry.first == key; };
  const auto current = merged->begin() + static_cast<ptrdiff_t>(*used);
  const auto known = std::find_if(merged->begin(), current, holds_key);
  *first = known == current;
  if (!*first) return *known;
  auto earlier = std::find_if(current, merged->end(), holds_key);
  if (earlier == merged->end()) {
    std::vector<MergedObligation>& spare = Spare<MergedObligation>();
    const auto kept = std::find_if(spare.begin(), spare.end(), holds_key);
    if (kept != spare.end()) {
      merged->push_back(std::move(*kept));
      spare.erase(kept);
    } else {
      merged->emplace_back().first.assign(key);
    }
    earlier = merged->end() - 1;
  }
  const auto position = merged->begin() + static_cast<ptrdiff_t>(*used);
  if (earlier != position) std::iter_swap(position, earlier);
  return (*merged)[(*used)++];
}

// Merged per key, in key order.
void MergeObligations(const CheckedPolicy& policy, const Outcome& outcome,
                      Explanation* explanation) {
  auto& merged = explanation->obligations;
  size_t used = 0;
  if (outcome.decision.effect == Effect::kAllow && !outcome.decision.default_applied) {
    for (uint32_t rule : outcome.determining) {
      for (const Obligation& obligation : policy.rules[rule].obligations) {
        bool first = false;
        MergedObligation& entry = EntryFor(obligation.key, &merged, &used, &first);
        MergeInto(obligation.value, &entry.second, first);
      }
    }
  }
  Truncate(&merged, used);
  // Usually sorted already (each rule's obligations are, by key): checking
  // is a few compares, where sorting swaps whole entries.
  const auto by_key = [](const auto& a, const auto& b) { return a.first < b.first; };
  if (!std::is_sorted(merged.begin(), merged.end(), by_key)) {
    std::sort(merged.begin(), merged.end(), by_key);
  }
  for (auto& [key, value] : merged) {
    auto* strings = std::get_if<std::vector<std::string>>(&value);
    if (strings != nullptr && !std::is_sorted(strings->begin(), strings->end())) {
      std::sort(strings->begin(), strings->end());
    }
  }
}

void ListMissingAndErrors(const CheckedPolicy& policy, const Request& request,
                          Explanation* explanation) {
  const Schema& schema = *policy.schema;
  // Through the inline view: Request::value is a call per slot.
  const Value* values = request.values().values;
  size_t missing = 0;
  for (uint32_t slot : policy.referenced_slots) {
    if (values[slot].state == ValueState::kAbsent) {
      NextElement(&explanation->missing, &missing).assign(schema.attributes[slot].path);
    }
  }
  Truncate(&explanation->missing, missing);
  size_t errors = 0;
  // The count read once: the stores below may alias it for the compiler.
  const auto slots = static_cast<uint32_t>(schema.attributes.size());
  for (uint32_t slot = 0; slot < slots; ++slot) {
    if (values[slot].state == ValueState::kWrongType) {
      AttributeError& error = NextElement(&explanation->errors, &errors);
      error.attribute.assign(schema.attributes[slot].path);
      error.message.assign(request.detail(slot).error);
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
//
// Rules are visited in source order, so a rule ranks above one already
// kept only with strictly fewer failures: once three are kept, counting a
// rule's failures stops at the third's count, and the scan ends when that
// count is one (no candidate has fewer than one). Once it is two, only the
// oracle's near rules (NearRules: any other has two failures) are counted.
// The evaluator counts (CountFailed, RuleEffect) from its own compact form
// where it has one: the scan then reads fewer atoms and no CheckedRule, and
// evicts less of what the decisions that follow need from the cache.
void RankWhyNot(const CheckedPolicy& policy, const Outcome& outcome,
                const ConjunctOracle& oracle, Explanation* explanation) {
  size_t used = 0;
  if (outcome.decision.default_applied && outcome.decision.effect == Effect::kDeny) {
    struct Candidate {
      size_t failed = 0;
      uint32_t rule = 0;
    };
    constexpr size_t kWhyNotRules = 3;
    std::array<Candidate, kWhyNotRules> closest;  // closest first
    size_t kept = 0;
    for (uint32_t index = 0; index < policy.rules.size(); ++index) {
      const size_t limit =
          kept == kWhyNotRules ? closest[kept - 1].failed : std::numeric_limits<size_t>::max();
      if (limit == 1) break;
      // Only a near rule can have fewer than two failures: skip to the next.
      if (const std::vector<uint32_t>* near = limit <= 2 ? oracle.NearRules() : nullptr) {
        const auto next = std::lower_bound(near->begin(), near->end(), index);
        if (next == near->end()) break;
        index = *next;
      }
      if (oracle.RuleEffect(policy, index) != Effect::kAllow) continue;
      const size_t failed = oracle.CountFailed(policy, index, limit);
      if (failed == 0 || failed >= limit) continue;
      size_t at = 0;
      while (at < kept && closest[at].failed <= failed) ++at;
      if (kept < kWhyNotRules) ++kept;
      for (size_t i = kept - 1; i > at; --i) closest[i] = closest[i - 1];
      closest[at] = {failed, index};
    }
    for (size_t i = 0; i < kept; ++i) {
      const CheckedRule& rule = policy.rules[closest[i].rule];
      WhyNot& why_not = NextElement(&explanation->why_not, &used);
      why_not.rule.assign(rule.name);
      size_t failed = 0;
      for (const Conjunct& conjunct : rule.conjuncts) {
        if (oracle.Evaluate(closest[i].rule, conjunct) != Tristate::kTrue) {
          FailedCondition& entry = NextElement(&why_not.failed, &failed);
          entry.condition.assign(conjunct.condition);
          policy.AssignLocation(conjunct.location, &entry.location);
        }
      }
      Truncate(&why_not.failed, failed);
    }
  }
  Truncate(&explanation->why_not, used);
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
  ListMissingAndErrors(policy, request, explanation);
  if (detail == ExplanationDetail::kFull) {
    RankWhyNot(policy, outcome, oracle, explanation);
  } else {
    Truncate(&explanation->why_not, 0);
  }
}

size_t ConjunctOracle::CountFailed(const CheckedPolicy& policy, uint32_t rule,
                                   size_t limit) const {
  size_t failed = 0;
  for (const Conjunct& conjunct : policy.rules[rule].conjuncts) {
    if (Evaluate(rule, conjunct) != Tristate::kTrue && ++failed == limit) break;
  }
  return failed;
}

}  // namespace writ::internal
