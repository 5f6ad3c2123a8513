#include "benchmarks/policy_generator.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace writ::bench {
namespace {

// splitmix64: tiny, fast and identical on every platform.
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}

  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, bound); the modulo bias is irrelevant at these sizes.
  size_t Below(size_t bound) { return static_cast<size_t>(Next() % bound); }
  int64_t Between(int64_t low, int64_t high) {  // inclusive
    return low + static_cast<int64_t>(Below(static_cast<size_t>(high - low + 1)));
  }
  bool Percent(int percent) { return Below(100) < static_cast<size_t>(percent); }
  template <typename T>
  const T& Pick(const std::vector<T>& items) { return items[Below(items.size())]; }

 private:
  uint64_t state_;
};

constexpr const char* kToolFamilies[] = {
    "crm", "billing", "github", "jira", "slack", "s3", "db", "search",
    "http", "email", "calendar", "docs", "drive", "k8s", "vault", "ci",
    "wiki", "tickets", "payments", "analytics", "logs", "metrics", "dns",
    "cdn", "queue", "cache", "hr", "legal", "sales", "support", "browser",
    "fs", "shell", "git", "notebook", "sheets", "maps", "weather", "translate",
    "ocr"};
constexpr const char* kToolVerbs[] = {"read", "write", "list", "search",
                                      "create", "update", "delete", "export"};
constexpr const char* kDomains[] = {"corp.example.com", "example.net",
                                    "partner.example.org", "saas.example.io"};
constexpr const char* kLogLevels[] = {"info", "debug", "audit"};
constexpr int64_t kTtlChoices[] = {60, 300, 900, 3600};
constexpr int64_t kUseChoices[] = {1, 5, 10, 100};
constexpr const char* kAgents[] = {"planner", "researcher", "coder",
                                   "support-bot", "ops-runner"};
constexpr const char* kSignals[] = {"pii", "long_context", "tool_loop",
                                    "prompt_injection"};

template <typename T, size_t N>
const T& PickFrom(Random& random, const T (&items)[N]) {
  return items[random.Below(N)];
}

std::string ServiceDomain(size_t service) {
  return absl::StrCat("svc", service, ".", kDomains[service % std::size(kDomains)]);
}

HostPattern RandomHostPattern(Random& random, size_t services) {
  const std::string domain = ServiceDomain(random.Below(services));
  const size_t kind = random.Below(100);
  if (kind < 40) return {HostMatch::kEquals, absl::StrCat("api.", domain), ""};
  if (kind < 75) return {HostMatch::kEndsWith, "", absl::StrCat(".", domain)};
  // Half the globs are "*.domain" (a suffix in disguise), half "api-*.domain".
  return {HostMatch::kLike, random.Percent(50) ? "api-" : "", absl::StrCat(".", domain)};
}

AllowRule RandomAllow(Random& random, size_t index,
                      const std::vector<std::string>& tools, size_t services) {
  AllowRule rule;
  rule.name = absl::StrFormat("allow_%05d", index);
  const size_t tool_count = random.Percent(70) ? 1 : 2 + random.Below(2);
  while (rule.tools.size() < tool_count) {
    const std::string& tool = random.Pick(tools);
    if (std::find(rule.tools.begin(), rule.tools.end(), tool) == rule.tools.end()) {
      rule.tools.push_back(tool);
    }
  }
  rule.host = RandomHostPattern(random, services);
  const size_t ceiling = random.Below(100);
  rule.data_class_ceiling = ceiling < 30 ? 0 : ceiling < 65 ? 1 : ceiling < 90 ? 2 : 3;
  if (random.Percent(50)) rule.max_depth = random.Between(0, 3);
  rule.needs_human_approval = random.Percent(15);
  rule.max_ttl_seconds = PickFrom(random, kTtlChoices);
  if (random.Percent(70)) rule.max_uses = PickFrom(random, kUseChoices);
  if (random.Percent(50)) rule.log_level = PickFrom(random, kLogLevels);
  return rule;
}

// The first denies are the global guardrails every gateway has; the rest
// are scoped to one tool.
DenyRule RandomDeny(Random& random, size_t index, const std::vector<std::string>& tools) {
  DenyRule rule;
  rule.name = absl::StrFormat("deny_%05d", index);
  switch (index) {
    case 0:
      rule.kind = DenyKind::kRiskAtLeast;
      rule.risk_threshold = 0.9;
      return rule;
    case 1:
      rule.kind = DenyKind::kDepthAbove;
      rule.depth_limit = 4;
      return rule;
    case 2:
      rule.kind = DenyKind::kSensitiveUnlessApproved;
      rule.data_class_floor = kRestricted;
      return rule;
    default:
      break;
  }
  rule.tool = random.Pick(tools);
  rule.kind = static_cast<DenyKind>(random.Below(3));
  rule.risk_threshold = static_cast<double>(random.Between(50, 80)) / 100;
  rule.depth_limit = random.Between(1, 3);
  rule.data_class_floor = static_cast<int>(random.Between(2, 3));
  return rule;
}

std::string WritString(absl::string_view text) { return absl::StrCat("\"", text, "\""); }

std::string WritDuration(int64_t seconds) {
  if (seconds % 3600 == 0) return absl::StrCat(seconds / 3600, "h");
  if (seconds % 60 == 0) return absl::StrCat(seconds / 60, "m");
  return absl::StrCat(seconds, "s");
}

std::string ToolCondition(const std::vector<std::string>& tools) {
  if (tools.size() == 1) return absl::StrCat("tool == ", WritString(tools[0]));
  std::vector<std::string> quoted;
  for (const std::string& tool : tools) quoted.push_back(WritString(tool));
  return absl::StrCat("tool in [", absl::StrJoin(quoted, ", "), "]");
}

std::string HostCondition(const HostPattern& host) {
  switch (host.match) {
    case HostMatch::kEquals:
      return absl::StrCat("destination.host == ", WritString(host.prefix));
    case HostMatch::kEndsWith:
      return absl::StrCat("destination.host ends_with ", WritString(host.suffix));
    case HostMatch::kLike:
      return absl::StrCat("destination.host like ",
                          WritString(absl::StrCat(host.prefix, "*", host.suffix)));
  }
  return "";
}

std::string AllowSource(const AllowRule& rule) {
  std::string text = absl::StrCat("allow ", rule.name, "\n  when ", ToolCondition(rule.tools),
                                  "\n   and ", HostCondition(rule.host),
                                  "\n   and data_class <= ", kDataClasses[rule.data_class_ceiling]);
  if (rule.max_depth.has_value()) absl::StrAppend(&text, "\n   and session.depth <= ", *rule.max_depth);
  if (rule.needs_human_approval) absl::StrAppend(&text, "\n   and session.human_approved");
  absl::StrAppend(&text, "\n  with max_ttl = ", WritDuration(rule.max_ttl_seconds));
  if (rule.max_uses.has_value()) absl::StrAppend(&text, ", max_uses = ", *rule.max_uses);
  if (rule.log_level.has_value()) absl::StrAppend(&text, ", log_level = ", WritString(*rule.log_level));
  absl::StrAppend(&text, ";\n\n");
  return text;
}

std::string DenySource(const DenyRule& rule) {
  std::string condition;
  std::string unless;
  std::string reason;
  switch (rule.kind) {
    case DenyKind::kRiskAtLeast:
      condition = absl::StrFormat("risk.score >= %.2f", rule.risk_threshold);
      reason = "the call is too risky";
      break;
    case DenyKind::kDepthAbove:
      condition = absl::StrCat("session.depth > ", rule.depth_limit);
      reason = "delegated too deep";
      break;
    case DenyKind::kSensitiveUnlessApproved:
      condition = absl::StrCat("data_class >= ", kDataClasses[rule.data_class_floor]);
      unless = "\n  unless session.human_approved";
      reason = "sensitive data needs a human approval";
      break;
  }
  if (rule.tool.has_value()) {
    condition = absl::StrCat("tool == ", WritString(*rule.tool), " and ", condition);
  }
  return absl::StrCat("deny ", rule.name, "\n  when ", condition, unless,
                      "\n  because ", WritString(reason), ";\n\n");
}

constexpr const char kSchema[] = R"(schema {
  tool:                   string;
  destination.host:       string;
  destination.ip:         ip;
  destination.port:       int;
  data_class:             enum(public, internal, confidential, restricted);
  session.id:             string;
  session.depth:          int;
  session.human_approved: bool;
  session.age:            duration;
  risk.score:             number;
  risk.signals:           set<string>;
  workload.id:            string;
}

)";

std::string PolicySource(const GeneratedPolicy& policy, const GeneratorOptions& options) {
  std::string text = absl::StrFormat(
      "# Generated by benchmarks/policy_generator.cc: %d rules, seed %d.\n"
      "policy \"generated-gateway\" version \"%d-rules\";\n\n",
      options.rules, options.seed, options.rules);
  absl::StrAppend(&text, kSchema);
  for (const AllowRule& rule : policy.allows) absl::StrAppend(&text, AllowSource(rule));
  for (const DenyRule& rule : policy.denies) absl::StrAppend(&text, DenySource(rule));
  absl::StrAppend(&text, "default deny;\n");
  return text;
}

// --- Requests ----------------------------------------------------------------

std::string Uuid(Random& random) {
  const uint64_t high = random.Next();
  const uint64_t low = random.Next();
  return absl::StrFormat("%08x-%04x-%04x-%04x-%012x", high >> 32, (high >> 16) & 0xffff,
                         high & 0xffff, low >> 48, low & 0xffffffffffffULL);
}

std::string HostFor(Random& random, const HostPattern& host) {
  switch (host.match) {
    case HostMatch::kEquals:
      return host.prefix;
    case HostMatch::kEndsWith:
      return absl::StrCat("node", random.Below(50), host.suffix);
    case HostMatch::kLike:
      return absl::StrCat(host.prefix, "eu", random.Below(9), host.suffix);
  }
  return "";
}

// A call the rule was written for: it satisfies every condition of `rule`.
GeneratedRequest IntendedCall(Random& random, const AllowRule& rule) {
  GeneratedRequest request;
  request.tool = random.Pick(rule.tools);
  request.host = HostFor(random, rule.host);
  request.ip = absl::StrFormat("10.%d.%d.%d", random.Below(256), random.Below(256),
                               1 + random.Below(254));
  request.port = random.Percent(90) ? 443 : 8443;
  request.data_class = static_cast<int>(random.Between(0, rule.data_class_ceiling));
  request.session_id = Uuid(random);
  request.depth = random.Between(0, rule.max_depth.value_or(3));
  request.human_approved = rule.needs_human_approval || random.Percent(10);
  request.age_seconds = random.Between(5, 7200);
  request.risk_score = static_cast<double>(random.Between(0, 45)) / 100;
  if (random.Percent(20)) request.risk_signals.push_back(PickFrom(random, kSignals));
  const std::string agent = PickFrom(random, kAgents);
  request.workload_id = absl::StrCat("spiffe://corp.example/agents/", agent);
  return request;
}

// Breaks one condition of the intended call: usually a default deny.
void MakeNearMiss(Random& random, const AllowRule& rule, GeneratedRequest* request) {
  switch (random.Below(3)) {
    case 0:
      if (rule.data_class_ceiling < kRestricted) {
        request->data_class = rule.data_class_ceiling + 1;
        return;
      }
      [[fallthrough]];
    case 1:
      request->host = absl::StrCat("api.", ServiceDomain(1000000 + random.Below(1000)));
      return;
    default:
      request->depth = rule.max_depth.value_or(3) + 1;
      return;
  }
}

}  // namespace

std::vector<std::string> ToolNames(size_t count) {
  std::vector<std::string> names;
  // Verb-major order, so a small count still spans many families.
  for (size_t round = 0; names.size() < count; ++round) {
    for (const char* verb : kToolVerbs) {
      for (const char* family : kToolFamilies) {
        if (names.size() == count) return names;
        names.push_back(round == 0 ? absl::StrCat(family, ".", verb)
                                   : absl::StrCat(family, ".", verb, round + 1));
      }
    }
  }
  return names;
}

GeneratedPolicy GeneratePolicy(const GeneratorOptions& options) {
  Random random(options.seed);
  const std::vector<std::string> tools = ToolNames(options.tool_names);
  // More rules protect more services; several rules may share one.
  const size_t services = std::max<size_t>(8, options.rules / 3);
  const size_t deny_count = std::max<size_t>(1, (options.rules + 10) / 20);
  const size_t allow_count = options.rules > deny_count ? options.rules - deny_count : 0;
  GeneratedPolicy policy;
  for (size_t i = 0; i < allow_count; ++i) {
    policy.allows.push_back(RandomAllow(random, i, tools, services));
  }
  for (size_t i = 0; i < deny_count; ++i) policy.denies.push_back(RandomDeny(random, i, tools));
  policy.source = PolicySource(policy, options);
  return policy;
}

std::vector<GeneratedRequest> GenerateRequests(const GeneratedPolicy& policy,
                                               const GeneratorOptions& options) {
  Random random(options.seed ^ 0x5eed5eed5eedULL);
  std::vector<GeneratedRequest> requests;
  requests.reserve(options.requests);
  for (size_t i = 0; i < options.requests; ++i) {
    if (policy.allows.empty()) break;
    const AllowRule& rule = random.Pick(policy.allows);
    GeneratedRequest request = IntendedCall(random, rule);
    const size_t scenario = random.Below(100);
    if (scenario < 55) {
      // as intended
    } else if (scenario < 75) {
      MakeNearMiss(random, rule, &request);
    } else if (scenario < 85) {
      request.risk_score = static_cast<double>(random.Between(55, 99)) / 100;
      request.risk_signals.push_back("prompt_injection");
    } else if (scenario < 95) {
      request.depth = random.Between(4, 6);
    } else {
      request.tool = absl::StrCat("legacy.tool", random.Below(20));
    }
    requests.push_back(std::move(request));
  }
  return requests;
}

std::string RequestToJson(const GeneratedRequest& request) {
  std::vector<std::string> signals;
  for (const std::string& signal : request.risk_signals) signals.push_back(WritString(signal));
  return absl::StrFormat(
      R"({"tool":"%s","destination":{"host":"%s","ip":"%s","port":%d},)"
      R"("data_class":"%s","session":{"id":"%s","depth":%d,"human_approved":%s,"age":%d},)"
      R"("risk":{"score":%.2f,"signals":[%s]},"workload":{"id":"%s"}})",
      request.tool, request.host, request.ip, request.port, kDataClasses[request.data_class],
      request.session_id, request.depth, request.human_approved ? "true" : "false",
      request.age_seconds, request.risk_score, absl::StrJoin(signals, ","), request.workload_id);
}

}  // namespace writ::bench
