// The PolicyGate backed by a writ Engine: a TaskContext becomes one request
// per tool against the live policy's schema, and the explanation record
// becomes the broker's decision and obligations.
//
// Why per tool: a token's scope is a set of tools, while a request names one
// `tool`. A token is minted only when the policy allows every tool in it, so
// no tool rides along on another's permission; its obligations are the
// tightest over those tools.
//
// Why `revoke` is read from the rules: SPEC §5 returns obligations with an
// allow only, but `revoke = true` means something exactly when a deny rule
// decides, so the gate reads it (and max_failures) from the `with` of the
// deny rules that applied.
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "src/check/checked_policy.h"
#include "writ/broker.h"
#include "writ/engine.h"
#include "writ/policy.h"
#include "writ/request.h"

namespace writ {
namespace {

// "https://user@api.example.com:8443/v1?q" -> "api.example.com"; anything
// without "://" is taken to be a host already.
absl::string_view HostOfDestination(absl::string_view destination) {
  const size_t scheme_end = destination.find("://");
  if (scheme_end == absl::string_view::npos) return destination;
  absl::string_view authority = destination.substr(scheme_end + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  const size_t at = authority.rfind('@');
  if (at != absl::string_view::npos) authority.remove_prefix(at + 1);
  if (!authority.empty() && authority.front() == '[') {  // IPv6 literal
    const size_t close = authority.find(']');
    return close == absl::string_view::npos ? authority
                                            : authority.substr(1, close - 1);
  }
  return authority.substr(0, authority.find(':'));
}

// Sets `path` when the schema declares it. String setters also fill enum
// attributes (data_class), as JSON input does.
class RequestFiller {
 public:
  RequestFiller(const Policy& policy, Request* request)
      : policy_(policy), request_(request) {}

  void String(absl::string_view path, absl::string_view value) {
    if (auto handle = policy_.FindAttribute(path)) {
      request_->SetString(*handle, value);
    }
  }
  void Int(absl::string_view path, int64_t value) {
    if (auto handle = policy_.FindAttribute(path)) {
      request_->SetInt(*handle, value);
    }
  }
  void Number(absl::string_view path, double value) {
    if (auto handle = policy_.FindAttribute(path)) {
      request_->SetNumber(*handle, value);
    }
  }
  void Bool(absl::string_view path, bool value) {
    if (auto handle = policy_.FindAttribute(path)) {
      request_->SetBool(*handle, value);
    }
  }

 private:
  const Policy& policy_;
  Request* request_;
};

// The request for one tool of `context`.
Request BuildRequest(const Policy& policy, const TaskContext& context,
                     absl::string_view tool) {
  Request request(policy);
  RequestFiller fill(policy, &request);
  const absl::string_view host = HostOfDestination(context.destination);
  fill.String("tool", tool);
  fill.String("destination.host", host);
  fill.String("data_class", context.data_class);
  if (!context.session_id.empty()) fill.String("session.id", context.session_id);
  fill.Int("session.depth", context.depth);
  fill.Number("risk.score", context.risk_score);
  fill.String("workload.id", context.workload);
  fill.Bool("token.bound", true);
  fill.String("token.audience", host);
  return request;
}

std::optional<int64_t> Smallest(std::optional<int64_t> a, int64_t b) {
  return a.has_value() ? std::min(*a, b) : b;
}

// Folds one obligation (from an explanation or a rule's `with`, whose
// variants share these alternatives) into `out`.
template <typename Variant>
void FoldObligation(absl::string_view key, const Variant& value,
                    GateObligations* out) {
  if (key == "max_ttl") {
    if (const auto* ttl = std::get_if<DurationSeconds>(&value)) {
      const absl::Duration cap = absl::Seconds(ttl->seconds);
      out->max_ttl = out->max_ttl ? std::min(*out->max_ttl, cap) : cap;
    }
  } else if (key == "max_uses") {
    if (const auto* uses = std::get_if<int64_t>(&value)) {
      out->max_uses = Smallest(out->max_uses, *uses);
    }
  } else if (key == "max_failures") {
    if (const auto* failures = std::get_if<int64_t>(&value)) {
      out->max_failures = Smallest(out->max_failures, *failures);
    }
  } else if (key == "revoke") {
    if (const auto* revoke = std::get_if<bool>(&value)) {
      out->revoke = out->revoke || *revoke;
    }
  }
}

void FoldDenyRuleObligations(const Policy& policy,
                             const Explanation& explanation,
                             GateObligations* out) {
  // Determining rules and the checked rules are both in source order.
  const std::vector<internal::CheckedRule>& rules = policy.checked().rules;
  auto next = rules.begin();
  for (const DeterminingRule& determining : explanation.determining) {
    next = std::find_if(next, rules.end(), [&](const auto& rule) {
      return rule.name == determining.rule;
    });
    if (next == rules.end()) return;
    for (const internal::Obligation& obligation : next->obligations) {
      FoldObligation(obligation.key, obligation.value, out);
    }
  }
}

std::string ReasonOf(const Explanation& explanation, absl::string_view tool) {
  for (const DeterminingRule& rule : explanation.determining) {
    if (rule.reason.has_value()) return *rule.reason;
  }
  if (explanation.default_applied) {
    return absl::StrCat("no rule allows tool \"", tool, "\" (default ",
                        EffectName(explanation.decision), ")");
  }
  return explanation.determining.empty()
             ? std::string()
             : absl::StrCat("rule ", explanation.determining.front().rule);
}

// Adds one tool's explanation to the running decision for the whole task.
void Merge(const Policy& policy, const Explanation& explanation,
           absl::string_view tool, GateDecision* decision) {
  const bool allowed = explanation.decision == Effect::kAllow;
  // The first deny explains the refusal; otherwise the first allow does.
  if (decision->explanations.empty() || (decision->allow && !allowed)) {
    decision->reason = ReasonOf(explanation, tool);
  }
  decision->allow = decision->allow && allowed;
  for (const DeterminingRule& rule : explanation.determining) {
    std::vector<std::string>& rules = decision->determining_rules;
    if (std::find(rules.begin(), rules.end(), rule.rule) == rules.end()) {
      rules.push_back(rule.rule);
    }
  }
  if (allowed) {
    for (const auto& [key, value] : explanation.obligations) {
      FoldObligation(key, value, &decision->obligations);
    }
  } else {
    FoldDenyRuleObligations(policy, explanation, &decision->obligations);
  }
  decision->explanations.push_back(explanation.ToJson());
}

class EnginePolicyGate final : public PolicyGate {
 public:
  explicit EnginePolicyGate(std::shared_ptr<const Engine> engine)
      : engine_(std::move(engine)) {}

  absl::StatusOr<GateDecision> Decide(const TaskContext& context) override {
    if (context.tools.empty()) {
      return absl::InvalidArgumentError("no tool to decide on");
    }
    // One snapshot for every tool, so a reload cannot split the decision.
    const std::shared_ptr<const Policy> policy = engine_->policy();
    GateDecision decision;
    decision.allow = true;
    for (const std::string& tool : context.tools) {
      const Request request = BuildRequest(*policy, context, tool);
      Explanation explanation;
      const EngineDecision answer =
          engine_->Evaluate(*policy, request, &explanation);
      if (decision.policy_digest.empty()) {
        decision.policy_digest = std::string(answer.policy_digest.view());
      }
      Merge(*policy, explanation, tool, &decision);
    }
    return decision;
  }

 private:
  const std::shared_ptr<const Engine> engine_;
};

}  // namespace

std::shared_ptr<PolicyGate> NewEnginePolicyGate(
    std::shared_ptr<const Engine> engine) {
  if (engine == nullptr) return nullptr;  // Broker::Create refuses it
  return std::make_shared<EnginePolicyGate>(std::move(engine));
}

}  // namespace writ
