#include "benchmarks/hand_written_baseline.h"

#include <cstdint>
#include <limits>

#include "absl/strings/match.h"

namespace writ::bench {

BaselineRequest ToBaselineRequest(const GeneratedRequest& request) {
  return {request.tool,  request.host,           request.data_class,
          request.depth, request.human_approved, request.risk_score};
}

HandWrittenBaseline::HandWrittenBaseline(const GeneratedPolicy& policy) {
  for (const DenyRule& rule : policy.denies) {
    if (rule.tool.has_value()) {
      rules_by_tool_[*rule.tool].denies.push_back(rule);
    } else {
      global_denies_.push_back(rule);
    }
  }
  for (const AllowRule& rule : policy.allows) {
    const Allow allow{rule.host.match,
                      rule.host.prefix,
                      rule.host.suffix,
                      rule.data_class_ceiling,
                      rule.max_depth.value_or(std::numeric_limits<int64_t>::max()),
                      rule.needs_human_approval};
    // A rule for several tools is copied into each: reads stay contiguous.
    for (const std::string& tool : rule.tools) rules_by_tool_[tool].allows.push_back(allow);
  }
}

bool HandWrittenBaseline::DenyApplies(const DenyRule& rule, const BaselineRequest& request) {
  switch (rule.kind) {
    case DenyKind::kRiskAtLeast:
      return request.risk_score >= rule.risk_threshold;
    case DenyKind::kDepthAbove:
      return request.depth > rule.depth_limit;
    case DenyKind::kSensitiveUnlessApproved:
      return request.data_class >= rule.data_class_floor && !request.human_approved;
  }
  return true;
}

bool HandWrittenBaseline::AllowApplies(const Allow& rule, const BaselineRequest& request) {
  // Cheap integer checks first, then the host.
  if (request.data_class > rule.data_class_ceiling || request.depth > rule.max_depth ||
      (rule.needs_human_approval && !request.human_approved)) {
    return false;
  }
  switch (rule.match) {
    case HostMatch::kEquals:
      return request.host == rule.prefix;
    case HostMatch::kEndsWith:
      return absl::EndsWith(request.host, rule.suffix);
    case HostMatch::kLike:
      return request.host.size() >= rule.prefix.size() + rule.suffix.size() &&
             absl::StartsWith(request.host, rule.prefix) &&
             absl::EndsWith(request.host, rule.suffix);
  }
  return false;
}

Decision HandWrittenBaseline::Decide(const BaselineRequest& request) const {
  for (const DenyRule& rule : global_denies_) {
    if (DenyApplies(rule, request)) return {Effect::kDeny, false};
  }
  const auto found = rules_by_tool_.find(request.tool);
  if (found == rules_by_tool_.end()) return {Effect::kDeny, true};
  const ToolRules& rules = found->second;
  for (const DenyRule& rule : rules.denies) {
    if (DenyApplies(rule, request)) return {Effect::kDeny, false};
  }
  for (const Allow& rule : rules.allows) {
    if (AllowApplies(rule, request)) return {Effect::kAllow, false};
  }
  return {Effect::kDeny, true};
}

}  // namespace writ::bench
