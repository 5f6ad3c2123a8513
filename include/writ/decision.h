// writ — the result of evaluating a request: the decision and, on request,
// the explanation record of SPEC §5.
#ifndef WRIT_DECISION_H_
#define WRIT_DECISION_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace writ {

enum class Effect : uint8_t { kDeny = 0, kAllow = 1 };

const char* EffectName(Effect effect);  // "allow" or "deny"

// The cheap answer: what the gateway enforces. Filling it never allocates.
struct Decision {
  Effect effect = Effect::kDeny;
  bool default_applied = false;  // no rule applied; the `default` decided
};

// Identity of the policy that decided, so a log can name it exactly.
struct PolicyInfo {
  std::optional<std::string> name;     // from `policy "name"`, if written
  std::optional<std::string> version;  // from `version "v"`, if written
  std::string digest;                  // "sha256:" + 64 lowercase hex digits
};

struct DeterminingRule {
  std::string rule;
  Effect effect = Effect::kDeny;
  std::optional<std::string> reason;  // the `because` text
  bool indeterminate = false;         // a deny that applied on unknown
  std::string location;               // "file:line:col" of the rule
};

// A merged obligation value. Durations are whole seconds.
struct DurationSeconds {
  int64_t seconds = 0;
  friend bool operator==(const DurationSeconds&, const DurationSeconds&) = default;
};
using ObligationValue = std::variant<int64_t, double, DurationSeconds, bool,
                                     std::vector<std::string>>;

struct AttributeError {
  std::string attribute;
  std::string message;
};

struct FailedCondition {
  std::string condition;  // the conjunct, printed canonically
  std::string location;   // "file:line:col"
};

struct WhyNot {
  std::string rule;
  std::vector<FailedCondition> failed;
};

// How much of the explanation record an evaluation fills. `why_not` ranks
// every allow rule's conjuncts on a default deny, which makes it the one
// part whose cost grows with the policy; a decision log, an audit trail or
// a caller that only needs what decided (reasons, obligations, missing,
// errors) skips it and gets an empty `why_not`.
enum class ExplanationDetail { kFull, kWithoutWhyNot };

// The explanation record of SPEC §5.
struct Explanation {
  Effect decision = Effect::kDeny;
  PolicyInfo policy;
  std::vector<DeterminingRule> determining;  // source order
  bool default_applied = false;
  std::vector<std::pair<std::string, ObligationValue>> obligations;  // by key
  std::vector<std::string> missing;        // sorted attribute paths
  std::vector<AttributeError> errors;      // sorted by attribute
  std::vector<WhyNot> why_not;             // at most three, closest first

  // One JSON object on one line, fields in the order of SPEC §5.
  std::string ToJson() const;
};

}  // namespace writ

#endif  // WRIT_DECISION_H_
