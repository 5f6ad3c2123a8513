// Generated agent-gateway-shaped policy sets and requests, for the
// benchmarks, the baseline's equivalence test and `writ bench` runs.
//
// A generated set has N rules over one fixed schema (a subset of
// policies/agent-gateway's): ~95% allow rules, each granting one tool (or a
// few) drawn from a few hundred names, on a destination host pattern (==,
// ends_with or a one-star `like`), up to a data-class ceiling, sometimes
// only at a shallow delegation depth or in a human-approved session, with
// obligations; and ~5% deny rules on risk score, delegation depth and human
// approval, a few global guardrails and the rest scoped to one tool.
//
// The rules are kept as plain structs (for the hand-written baseline) and
// emitted as writ source (for the engine), so both decide the same policy.
// The requests are complete (every attribute present and well typed) and
// mix intended calls (allows), near misses (default denies), risky and
// deeply delegated calls (denies) and unknown tools.
//
// Everything is a pure function of the options: the pseudo-random stream is
// our own (not <random>'s distributions, which differ between standard
// libraries), so a seed gives the same policy and requests everywhere.
#ifndef WRIT_BENCHMARKS_POLICY_GENERATOR_H_
#define WRIT_BENCHMARKS_POLICY_GENERATOR_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace writ::bench {

// data_class members in declaration order; a rule's ceiling is an index.
inline constexpr const char* kDataClasses[] = {"public", "internal",
                                               "confidential", "restricted"};
inline constexpr int kRestricted = 3;

struct GeneratorOptions {
  size_t rules = 1000;
  size_t requests = 10000;
  uint64_t seed = 20261129;
  // Distinct tool names rules are drawn from ("a few hundred").
  size_t tool_names = 300;
};

enum class HostMatch : uint8_t {
  kEquals,    // destination.host == prefix
  kEndsWith,  // destination.host ends_with suffix
  kLike,      // destination.host like prefix + "*" + suffix
};

struct HostPattern {
  HostMatch match = HostMatch::kEquals;
  std::string prefix;  // kEquals: the whole host; kLike: before the star
  std::string suffix;  // kEndsWith, kLike: the required ending
};

struct AllowRule {
  std::string name;
  std::vector<std::string> tools;  // one: `tool ==`; several: `tool in`
  HostPattern host;
  int data_class_ceiling = 0;     // data_class <= ceiling
  std::optional<int64_t> max_depth;  // session.depth <= max_depth
  bool needs_human_approval = false;  // and session.human_approved
  // Obligations: every rule has a TTL; uses and log level are optional.
  int64_t max_ttl_seconds = 300;
  std::optional<int64_t> max_uses;
  std::optional<std::string> log_level;
};

enum class DenyKind : uint8_t {
  kRiskAtLeast,              // risk.score >= risk_threshold
  kDepthAbove,               // session.depth > depth_limit
  kSensitiveUnlessApproved,  // data_class >= floor unless human_approved
};

struct DenyRule {
  std::string name;
  std::optional<std::string> tool;  // nullopt: a global guardrail
  DenyKind kind = DenyKind::kRiskAtLeast;
  double risk_threshold = 1;  // a whole number of hundredths
  int64_t depth_limit = 0;
  int data_class_floor = kRestricted;
};

struct GeneratedPolicy {
  std::vector<AllowRule> allows;
  std::vector<DenyRule> denies;
  // The whole set as one writ file: header, schema, allows, denies,
  // `default deny;`.
  std::string source;
};

// One tool call, with every schema attribute present.
struct GeneratedRequest {
  std::string tool;
  std::string host;
  std::string ip;
  int64_t port = 443;
  int data_class = 0;
  std::string session_id;
  int64_t depth = 0;
  bool human_approved = false;
  int64_t age_seconds = 0;
  double risk_score = 0;  // a whole number of hundredths, exact in JSON
  std::vector<std::string> risk_signals;
  std::string workload_id;
};

// `count` distinct tool names such as "crm.read", deterministic.
std::vector<std::string> ToolNames(size_t count);

GeneratedPolicy GeneratePolicy(const GeneratorOptions& options);

std::vector<GeneratedRequest> GenerateRequests(const GeneratedPolicy& policy,
                                               const GeneratorOptions& options);

// The request as a compact JSON object with nested paths (~330 bytes).
std::string RequestToJson(const GeneratedRequest& request);

}  // namespace writ::bench

#endif  // WRIT_BENCHMARKS_POLICY_GENERATOR_H_
