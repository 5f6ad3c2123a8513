// writ bench FILE... -i REQS.jsonl [--json]: the latency of decisions on
// the compiled policy (SPEC §7).
//
// Every request is parsed before anything is timed, so the numbers are the
// decision alone (no JSON, no explanation). Two measurements, as
// src/internal/latency.h explains: per-call samples for percentiles (each
// includes one clock read, reported as timer_overhead_ns) and a tight loop
// for the batch mean, from which decisions_per_s is derived (and the same
// loop by thread CPU time, which a loaded machine does not inflate).
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "src/internal/json_writer.h"
#include "src/internal/latency.h"
#include "tools/writ/cli.h"
#include "writ/request.h"

namespace writ::cli {
namespace {

constexpr size_t kDefaultSamples = 100000;

struct DecisionMix {
  size_t allows = 0;
  size_t denies = 0;
  size_t default_denies = 0;
};

struct BenchResult {
  size_t requests = 0;
  DecisionMix mix;
  internal::LatencySummary latency;
  double batch_mean_ns = 0;
  double batch_cpu_mean_ns = 0;  // the same loop by thread CPU time
  double timer_overhead_ns = 0;
};

// One request per non-empty line. Any bad line fails the whole run: timing
// a different set than the one given would mislead.
std::optional<std::vector<Request>> ParseRequests(const Policy& policy,
                                                  const std::string& input) {
  std::vector<Request> requests;
  std::istringstream lines(input);
  std::string line;
  bool any_bad = false;
  for (size_t number = 1; std::getline(lines, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    absl::StatusOr<Request> request = Request::FromJson(policy, line);
    if (!request.ok()) {
      any_bad = true;
      std::fprintf(stderr, "writ: line %zu: %s\n", number,
                   std::string(request.status().message()).c_str());
      continue;
    }
    requests.push_back(*std::move(request));
  }
  if (any_bad) return std::nullopt;
  if (requests.empty()) {
    std::fprintf(stderr, "writ: no requests to measure\n");
    return std::nullopt;
  }
  return requests;
}

DecisionMix CountDecisions(const Policy& policy, const std::vector<Request>& requests,
                           Evaluator evaluator) {
  DecisionMix mix;
  for (const Request& request : requests) {
    const Decision decision = policy.Evaluate(request, nullptr, evaluator);
    if (decision.effect == Effect::kAllow) {
      ++mix.allows;
    } else if (decision.default_applied) {
      ++mix.default_denies;
    } else {
      ++mix.denies;
    }
  }
  return mix;
}

BenchResult Measure(const Policy& policy, const std::vector<Request>& requests,
                    Evaluator evaluator, size_t samples) {
  BenchResult result;
  result.requests = requests.size();
  // The counting pass doubles as the warm-up.
  result.mix = CountDecisions(policy, requests, evaluator);
  // Folding every effect into a volatile keeps the calls from being elided.
  volatile int sink = 0;
  auto decide = [&](size_t index) {
    sink = sink + static_cast<int>(policy.Evaluate(requests[index], nullptr, evaluator).effect);
  };
  std::vector<int64_t> durations;
  internal::SamplePerCall(samples, requests.size(), decide, &durations);
  result.latency = internal::Summarize(durations);
  result.batch_mean_ns = internal::BatchMeanNs(samples, requests.size(), decide);
  result.batch_cpu_mean_ns =
      internal::BatchMeanNs<internal::ThreadCpuClock>(samples, requests.size(), decide);
  result.timer_overhead_ns = internal::TimerOverheadNs();
  return result;
}

double DecisionsPerSecond(const BenchResult& result) {
  return result.batch_mean_ns > 0 ? 1e9 / result.batch_mean_ns : 0;
}

void PrintJson(const Policy& policy, Evaluator evaluator, const BenchResult& result) {
  std::string out;
  internal::JsonWriter json(&out);
  json.BeginObject();
  json.Key("policy_digest");
  json.String(policy.info().digest);
  json.Key("engine");
  json.String(evaluator == Evaluator::kDag ? "dag" : "reference");
  json.Key("requests");
  json.Uint(result.requests);
  json.Key("allows");
  json.Uint(result.mix.allows);
  json.Key("denies");
  json.Uint(result.mix.denies);
  json.Key("default_denies");
  json.Uint(result.mix.default_denies);
  json.Key("decisions");
  json.Uint(result.latency.samples);
  const std::pair<const char*, double> numbers[] = {
      {"p50_ns", result.latency.p50_ns},
      {"p90_ns", result.latency.p90_ns},
      {"p99_ns", result.latency.p99_ns},
      {"max_ns", result.latency.max_ns},
      {"mean_ns", result.latency.mean_ns},
      {"batch_mean_ns", result.batch_mean_ns},
      {"batch_cpu_mean_ns", result.batch_cpu_mean_ns},
      {"decisions_per_s", DecisionsPerSecond(result)},
      {"timer_overhead_ns", result.timer_overhead_ns}};
  for (const auto& [key, value] : numbers) {
    json.Key(key);
    json.Double(value);
  }
  json.EndObject();
  std::printf("%s\n", out.c_str());
}

void PrintText(const Policy& policy, const BenchResult& result) {
  std::printf("policy     %s\n", policy.info().digest.c_str());
  std::printf("requests   %zu (%zu allow, %zu deny, %zu default deny)\n", result.requests,
              result.mix.allows, result.mix.denies, result.mix.default_denies);
  std::printf("decisions  %zu timed one by one\n", result.latency.samples);
  std::printf("latency    p50 %.0f ns, p90 %.0f ns, p99 %.0f ns, max %.0f ns, mean %.1f ns\n",
              result.latency.p50_ns, result.latency.p90_ns, result.latency.p99_ns,
              result.latency.max_ns, result.latency.mean_ns);
  std::printf("           (each includes one clock read, ~%.0f ns)\n", result.timer_overhead_ns);
  std::printf("batch      %.1f ns per decision (%.1f ns of CPU), %.0f decisions/s\n",
              result.batch_mean_ns, result.batch_cpu_mean_ns, DecisionsPerSecond(result));
}

std::optional<size_t> ParseSamples(const Arguments& arguments) {
  const std::optional<std::string> text = arguments.Get("--samples");
  if (!text.has_value()) return kDefaultSamples;
  size_t samples = 0;
  if (!absl::SimpleAtoi(*text, &samples) || samples == 0) {
    std::fprintf(stderr, "writ: --samples wants a positive integer, not '%s'\n", text->c_str());
    return std::nullopt;
  }
  return samples;
}

}  // namespace

int RunBench(const Arguments& arguments) {
  const std::optional<Evaluator> evaluator = ParseEvaluator(arguments);
  const std::optional<size_t> samples = ParseSamples(arguments);
  if (!evaluator.has_value() || !samples.has_value()) return kExitUsage;
  std::shared_ptr<const Policy> policy = LoadPolicy(arguments.files);
  if (policy == nullptr) return kExitFailure;
  const std::optional<std::string> input = ReadInput(arguments.Get("-i"));
  if (!input.has_value()) return kExitFailure;
  const std::optional<std::vector<Request>> requests = ParseRequests(*policy, *input);
  if (!requests.has_value()) return kExitFailure;
  const BenchResult result = Measure(*policy, *requests, *evaluator, *samples);
  if (arguments.Has("--json")) {
    PrintJson(*policy, *evaluator, result);
  } else {
    PrintText(*policy, result);
  }
  return kExitOk;
}

}  // namespace writ::cli
