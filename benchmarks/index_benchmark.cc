// Guard indexes and matchers that the generated gateway set of
// decision_benchmark.cc does not exercise, on policies built for them:
//
//   BM_Cidr*/N      network segmentation: N allow rules, each scoped to its
//                   own /24 inside 10.0.0.0/8 (`destination.ip within`),
//                   every 25th also to the /16 around it, plus 10 deny
//                   rules on /16s when the session is deeply delegated. The
//                   DAG files them in a CIDR range table (GuardKind::kCidr).
//                   N = 100, 1,000, 10,000.
//   BM_Patterns*/K  a shell guard: K deny rules, each refusing one
//                   dangerous command word (`args.command matches
//                   "(?s).*\bword\b.*"`), and an allow for the shell. The
//                   DAG decides the K patterns in one RE2::Set pass
//                   (PatternSet). K = 10, 50.
//   BM_Globs*/K     a file guard: K deny rules, each refusing paths through
//                   one private directory (`args.path like "*/privateK/*"`,
//                   two wildcards, so not an affix test), and an allow for
//                   reads under the workspace. The DAG decides the K globs
//                   in one RE2::Set pass with the pattern of each
//                   (Glob::RegexSuperset). K = 10, 50.
//   BM_Disjunctions*/N  N allow rules, each granting two (tool, host)
//                   pairs in one `or` (`(tool == a and destination.host ==
//                   x) or (tool == b and destination.host == y)`), tools
//                   from 300 names. The DAG files each rule under the keys
//                   of both disjuncts. N = 100, 1,000, 10,000.
//   BM_Prefixes*/N  N per-agent grants (`workload.id starts_with
//                   "spiffe://corp.example/agents/teamT/agentI/" and
//                   risk.score < 0.5`), every 16th a whole team's; the DAG
//                   files them in a prefix table (GuardKind::kPrefix),
//                   where before they shared one threshold index on
//                   risk.score. N = 100, 1,000, 10,000.
//   BM_Elements*/N  N group grants (`principal.groups contains "groupI"
//                   and risk.score < 0.5`), requests in 4 groups each;
//                   the DAG files them in an element index
//                   (GuardKind::kElement), where before they shared one
//                   threshold index on risk.score. N = 100, 1,000, 10,000.
//   BM_Ports*/N     N port grants (`destination.port in [p, p + 1] and
//                   risk.score < 0.5`, every 8th also `session.age in [1m,
//                   5m]`); the DAG files them in an equality index keyed by
//                   the integer (IntegerKey), where before int and duration
//                   `==`/`in` guarded nothing and they shared one threshold
//                   index on risk.score. N = 100, 1,000, 10,000.
//   BM_Gateway*     the bundled agent-gateway policy (policies/agent-gateway)
//                   on its 42 example requests, from 1 and 2 threads
//                   sharing the policy, as a gateway's workers do. Its
//                   `matches` atoms (a SPIFFE id, a session UUID, ...) run
//                   byte-table automata (RegexDfa); before, RE2, whose
//                   per-call lock the two threads contended for.
//   BM_SessionId*   the session-id UUID pattern alone, on three texts, by
//                   its RegexDfa and by RE2 (compiled as the checker
//                   compiles it), from 1 and 2 threads sharing the matcher.
//   BM_NonAsciiPath* the same for a file-path pattern on three paths with
//                   non-ASCII names (UTF-8), which RE2 decided before the
//                   automaton read code points.
//
// Each iteration decides one request through the public API, cycling over
// 1,024 requests; `allocs_per_decision` counts global operator new calls in
// the timed loop (counting_allocator.h), `allowed_share` the requests
// allowed. *Dag is the engine, *Reference the reference interpreter.
//
//   build-bench/benchmarks/index_benchmark
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "benchmarks/counting_allocator.h"
#include "re2/re2.h"
#include "src/check/regex.h"
#include "src/compile/regex_dfa.h"
#include "writ/policy.h"
#include "writ/request.h"

namespace writ {
namespace {

constexpr int kRequests = 1024;

struct Workload {
  std::shared_ptr<const Policy> policy;
  std::vector<Request> requests;
};

// Compiles `source` and builds kRequests requests with `fill(policy, i,
// random, request)`, once per source: the benchmarks of one policy share
// it for the life of the process.
using RequestFiller =
    std::function<void(const Policy&, int, std::mt19937&, Request*)>;

const Workload& KeptWorkload(const std::string& source, const RequestFiller& fill) {
  static std::map<std::string, std::unique_ptr<Workload>> workloads;
  std::unique_ptr<Workload>& workload = workloads[source];
  if (workload != nullptr) return *workload;
  workload = std::make_unique<Workload>();
  workload->policy = *Policy::Compile({{"bench.writ", source}});
  std::mt19937 random(20261130);
  for (int i = 0; i < kRequests; ++i) {
    Request request(*workload->policy);
    fill(*workload->policy, i, random, &request);
    workload->requests.push_back(std::move(request));
  }
  return *workload;
}

// --- Network segmentation ----------------------------------------------------

std::string SegmentationPolicy(int rules) {
  std::string source = R"(
schema {
  destination.ip:   ip;
  destination.port: int;
  session.depth:    int;
}
)";
  for (int deny = 0; deny < 10; ++deny) {
    absl::StrAppend(&source, "deny deep_", deny, " when destination.ip within [\"10.",
                    deny * 4, ".0.0/16\"] and session.depth > 3;\n");
  }
  for (int rule = 0; rule < rules; ++rule) {
    std::string blocks = absl::StrCat("\"10.", rule / 256, ".", rule % 256, ".0/24\"");
    if (rule % 25 == 0) absl::StrAppend(&blocks, ", \"10.", rule / 256, ".0.0/16\"");
    absl::StrAppend(&source, "allow segment_", rule, " when destination.ip within [", blocks,
                    "] and destination.port == ", rule % 2 == 0 ? 443 : 8443, ";\n");
  }
  return source + "default deny;\n";
}

const Workload& Segmentation(int rules) {
  // Most addresses fall in some rule's /24; the rest lie past the last one.
  const int span = rules * 5 / 4;
  return KeptWorkload(SegmentationPolicy(rules), [span](const Policy& policy, int,
                                                           std::mt19937& random, Request* request) {
    const int block = static_cast<int>(random() % span);
    request->SetIp(*policy.FindAttribute("destination.ip"),
                   absl::StrCat("10.", block / 256 % 256, ".", block % 256, ".", random() % 256));
    request->SetInt(*policy.FindAttribute("destination.port"), random() % 2 == 0 ? 443 : 8443);
    request->SetInt(*policy.FindAttribute("session.depth"), random() % 5);
  });
}

// --- Shell guard ---------------------------------------------------------------

std::string CommandWord(int word) { return absl::StrCat("danger", word); }

// `schema`, then `rule(0)` to `rule(count - 1)`, one per line, then `rest`
// (the default, after an allow if the rules are denies).
std::string NumberedPolicy(const char* schema, int count,
                           const std::function<std::string(int)>& rule, const char* rest) {
  std::string source = schema;
  for (int i = 0; i < count; ++i) absl::StrAppend(&source, rule(i), ";\n");
  return source + rest;
}

std::string ShellGuardPolicy(int patterns) {
  return NumberedPolicy(R"(
schema {
  tool:          string;
  args.command:  string;
  workload.id:   string;
}
)",
                        patterns,
                        [](int word) {
                          return absl::StrCat("deny refuse_", word,
                                              " when tool == \"shell.exec\" and args.command "
                                              "matches \"(?s).*\\\\b",
                                              CommandWord(word), "\\\\b.*\"");
                        },
                        R"(allow shell when tool == "shell.exec"
  and workload.id starts_with "spiffe://corp.example/agents/";
default deny;
)");
}

const Workload& ShellGuard(int patterns) {
  return KeptWorkload(ShellGuardPolicy(patterns), [patterns](const Policy& policy, int i,
                                                                std::mt19937& random,
                                                                Request* request) {
    // One command in ten carries a refused word.
    std::string command = absl::StrCat("ls -l /workspace/build-", random() % 1000,
                                       " && git status --short");
    if (i % 10 == 0) absl::StrAppend(&command, " ; ", CommandWord(random() % patterns), " x");
    request->SetString(*policy.FindAttribute("tool"), "shell.exec");
    request->SetString(*policy.FindAttribute("args.command"), command);
    request->SetString(*policy.FindAttribute("workload.id"),
                       "spiffe://corp.example/agents/researcher");
  });
}

// --- File guard ----------------------------------------------------------------

std::string PrivateDirectory(int directory) { return absl::StrCat("private", directory); }

std::string FileGuardPolicy(int globs) {
  return NumberedPolicy(R"(
schema {
  tool:       string;
  args.path:  string;
}
)",
                        globs,
                        [](int directory) {
                          return absl::StrCat("deny refuse_", directory,
                                              " when tool == \"fs.read\" and args.path like",
                                              " \"*/", PrivateDirectory(directory), "/*\"");
                        },
                        R"(allow read when tool == "fs.read" and args.path starts_with "/workspace/";
default deny;
)");
}

const Workload& FileGuard(int globs) {
  return KeptWorkload(FileGuardPolicy(globs), [globs](const Policy& policy, int i,
                                                         std::mt19937& random,
                                                         Request* request) {
    // One path in ten goes through a refused directory.
    std::string path = absl::StrCat("/workspace/build-", random() % 1000, "/src/");
    if (i % 10 == 0) absl::StrAppend(&path, PrivateDirectory(random() % globs), "/");
    absl::StrAppend(&path, "module_", random() % 100, ".cc");
    request->SetString(*policy.FindAttribute("tool"), "fs.read");
    request->SetString(*policy.FindAttribute("args.path"), path);
  });
}

// --- Disjunctive grants --------------------------------------------------------

std::string GrantTool(int tool) { return absl::StrCat("tool", tool % 300, ".call"); }
std::string GrantHost(int host) { return absl::StrCat("api", host, ".example.com"); }

std::string DisjunctionPolicy(int rules) {
  return NumberedPolicy(R"(
schema {
  tool:              string;
  destination.host:  string;
}
)",
                        rules,
                        [](int rule) {
                          return absl::StrCat("allow grant_", rule, " when (tool == \"",
                                              GrantTool(rule), "\" and destination.host == \"",
                                              GrantHost(rule), "\") or (tool == \"",
                                              GrantTool(rule + 7), "\" and destination.host == \"",
                                              GrantHost(rule + 3), "\")");
                        },
                        "default deny;\n");
}

const Workload& Disjunctions(int rules) {
  return KeptWorkload(DisjunctionPolicy(rules), [rules](const Policy& policy, int,
                                                         std::mt19937& random, Request* request) {
    // Half the requests are one of the grants' pairs; the rest mix a tool
    // and a host that no grant pairs.
    const int rule = static_cast<int>(random() % rules);
    const bool granted = random() % 2 == 0;
    request->SetString(*policy.FindAttribute("tool"), GrantTool(rule));
    request->SetString(*policy.FindAttribute("destination.host"),
                       GrantHost(granted ? rule : rule + 1));
  });
}

// --- Per-agent grants ----------------------------------------------------------

std::string AgentPrefix(int agent, bool whole_team) {
  return absl::StrCat("spiffe://corp.example/agents/team", agent / 16, "/",
                      whole_team ? "" : absl::StrCat("agent", agent, "/"));
}

std::string PrefixPolicy(int rules) {
  return NumberedPolicy(R"(
schema {
  workload.id:  string;
  risk.score:   number;
}
)",
                        rules,
                        [](int rule) {
                          return absl::StrCat("allow agent_", rule,
                                              " when workload.id starts_with \"",
                                              AgentPrefix(rule, rule % 16 == 0),
                                              "\" and risk.score < 0.5");
                        },
                        "default deny;\n");
}

const Workload& Prefixes(int rules) {
  return KeptWorkload(PrefixPolicy(rules), [rules](const Policy& policy, int,
                                                    std::mt19937& random, Request* request) {
    // Agents past the last grant, and one risk score in four, are denied.
    const int agent = static_cast<int>(random() % (rules + rules / 4));
    request->SetString(*policy.FindAttribute("workload.id"),
                       absl::StrCat(AgentPrefix(agent, false), "task-", random() % 1000));
    request->SetNumber(*policy.FindAttribute("risk.score"), (random() % 4) * 0.2);
  });
}

// --- Group grants --------------------------------------------------------------

std::string GroupPolicy(int rules) {
  return NumberedPolicy(R"(
schema {
  principal.groups:  set<string>;
  risk.score:        number;
}
)",
                        rules,
                        [](int rule) {
                          return absl::StrCat("allow grant_", rule,
                                              " when principal.groups contains \"group", rule,
                                              "\" and risk.score < 0.5");
                        },
                        "default deny;\n");
}

const Workload& Groups(int rules) {
  return KeptWorkload(GroupPolicy(rules), [rules](const Policy& policy, int,
                                                   std::mt19937& random, Request* request) {
    // Four groups drawn from a quarter more than are granted.
    std::vector<std::string> groups;
    for (int i = 0; i < 4; ++i) {
      groups.push_back(absl::StrCat("group", random() % (rules + rules / 4)));
    }
    request->SetStringSet(*policy.FindAttribute("principal.groups"), groups);
    request->SetNumber(*policy.FindAttribute("risk.score"), (random() % 4) * 0.2);
  });
}

// --- Port grants -----------------------------------------------------------------

std::string PortPolicy(int rules) {
  return NumberedPolicy(R"(
schema {
  destination.port:  int;
  session.age:       duration;
  risk.score:        number;
}
)",
                        rules,
                        [](int rule) {
                          // Every 8th grant also pins the session's age.
                          return absl::StrCat("allow port_", rule, " when destination.port in [",
                                              10000 + 2 * rule, ", ", 10001 + 2 * rule, "]",
                                              rule % 8 == 0 ? " and session.age in [1m, 5m]" : "",
                                              " and risk.score < 0.5");
                        },
                        "default deny;\n");
}

const Workload& Ports(int rules) {
  return KeptWorkload(PortPolicy(rules), [rules](const Policy& policy, int,
                                                  std::mt19937& random, Request* request) {
    // Ports drawn from a quarter more than are granted.
    request->SetInt(*policy.FindAttribute("destination.port"),
                    10000 + random() % (2 * rules + rules / 2));
    request->SetDurationSeconds(*policy.FindAttribute("session.age"), 60 * (random() % 6));
    request->SetNumber(*policy.FindAttribute("risk.score"), (random() % 4) * 0.2);
  });
}

// The bundled agent-gateway policy and its example requests, read once.
const Workload& BundledGateway() {
  static const Workload* const workload = [] {
    const std::filesystem::path root = std::filesystem::path(WRIT_SOURCE_DIR) / "policies" /
                                       "agent-gateway";
    auto files_ending = [](const std::filesystem::path& directory, const char* extension) {
      std::vector<std::string> files;
      for (const auto& entry : std::filesystem::directory_iterator(directory)) {
        if (entry.path().extension() == extension) files.push_back(entry.path().string());
      }
      std::sort(files.begin(), files.end());
      return files;
    };
    auto* loaded = new Workload;
    absl::StatusOr<std::shared_ptr<const Policy>> policy =
        Policy::CompileFiles(files_ending(root, ".writ"));
    if (!policy.ok()) std::abort();
    loaded->policy = *policy;
    for (const std::string& file : files_ending(root / "requests", ".json")) {
      std::ifstream in(file);
      const std::string json((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      absl::StatusOr<Request> request = Request::FromJson(*loaded->policy, json);
      if (request.ok()) loaded->requests.push_back(*std::move(request));
    }
    return loaded;
  }();
  return *workload;
}

// --- Timing ------------------------------------------------------------------

void Decide(benchmark::State& state, const Workload& workload, Evaluator evaluator) {
  int allowed = 0;
  for (const Request& request : workload.requests) {
    allowed += workload.policy->Evaluate(request, nullptr, evaluator).effect == Effect::kAllow;
  }
  size_t index = 0;
  const uint64_t before = bench::AllocationCount();
  for (auto _ : state) {
    benchmark::DoNotOptimize(workload.policy->Evaluate(workload.requests[index], nullptr, evaluator));
    if (++index == workload.requests.size()) index = 0;
  }
  state.counters["allocs_per_decision"] =
      static_cast<double>(bench::AllocationCount() - before) / static_cast<double>(state.iterations());
  state.counters["allowed_share"] = static_cast<double>(allowed) / kRequests;
}

void BM_CidrDag(benchmark::State& state) {
  Decide(state, Segmentation(static_cast<int>(state.range(0))), Evaluator::kDag);
}
void BM_CidrReference(benchmark::State& state) {
  Decide(state, Segmentation(static_cast<int>(state.range(0))), Evaluator::kReference);
}
void BM_PatternsDag(benchmark::State& state) {
  Decide(state, ShellGuard(static_cast<int>(state.range(0))), Evaluator::kDag);
}
void BM_PatternsReference(benchmark::State& state) {
  Decide(state, ShellGuard(static_cast<int>(state.range(0))), Evaluator::kReference);
}

void BM_GlobsDag(benchmark::State& state) {
  Decide(state, FileGuard(static_cast<int>(state.range(0))), Evaluator::kDag);
}
void BM_GlobsReference(benchmark::State& state) {
  Decide(state, FileGuard(static_cast<int>(state.range(0))), Evaluator::kReference);
}

void BM_DisjunctionsDag(benchmark::State& state) {
  Decide(state, Disjunctions(static_cast<int>(state.range(0))), Evaluator::kDag);
}
void BM_DisjunctionsReference(benchmark::State& state) {
  Decide(state, Disjunctions(static_cast<int>(state.range(0))), Evaluator::kReference);
}

void BM_PrefixesDag(benchmark::State& state) {
  Decide(state, Prefixes(static_cast<int>(state.range(0))), Evaluator::kDag);
}
void BM_PrefixesReference(benchmark::State& state) {
  Decide(state, Prefixes(static_cast<int>(state.range(0))), Evaluator::kReference);
}

void BM_ElementsDag(benchmark::State& state) {
  Decide(state, Groups(static_cast<int>(state.range(0))), Evaluator::kDag);
}
void BM_ElementsReference(benchmark::State& state) {
  Decide(state, Groups(static_cast<int>(state.range(0))), Evaluator::kReference);
}

void BM_PortsDag(benchmark::State& state) {
  Decide(state, Ports(static_cast<int>(state.range(0))), Evaluator::kDag);
}
void BM_PortsReference(benchmark::State& state) {
  Decide(state, Ports(static_cast<int>(state.range(0))), Evaluator::kReference);
}

// One policy shared by every thread; each thread starts at its own request.
void BM_GatewayDag(benchmark::State& state) {
  const Workload& workload = BundledGateway();
  size_t index = static_cast<size_t>(state.thread_index()) * 7 % workload.requests.size();
  for (auto _ : state) {
    benchmark::DoNotOptimize(workload.policy->Evaluate(workload.requests[index]));
    if (++index == workload.requests.size()) index = 0;
  }
  state.SetItemsProcessed(state.iterations());
}

constexpr const char* kSessionIdPattern = "[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}";
const std::string kSessionIds[] = {"1b4e28ba-2fa1-11d2-883f-0016d3cca427",
                                   "1b4e28ba-2fa1-11d2-883f-0016d3cca42",
                                   "9f0c3a1e-5d2b-4c8e-9a7f-3e2d1c0b9a88"};

// A file path with non-ASCII names, as an agent's file tool sends them.
constexpr const char* kPathPattern = "/shared/[^/]+/[^/]+\\.(pdf|docx?)";
const std::string kPaths[] = {"/shared/R\u00e9sum\u00e9s/J\u00fcrgen M\u00fcller.pdf",
                              "/shared/\u8d22\u52a1/\u5e74\u5ea6\u62a5\u544a.docx",
                              "/shared/Pr\u00e9sentations/plan \u2014 2027.pptx"};

template <size_t kTexts, typename Match>
void MatchTexts(benchmark::State& state, const std::string (&texts)[kTexts], Match match) {
  size_t index = static_cast<size_t>(state.thread_index()) % kTexts;
  int matched = 0;
  for (auto _ : state) {
    matched += match(texts[index]);
    if (++index == kTexts) index = 0;
  }
  benchmark::DoNotOptimize(matched);
  state.SetItemsProcessed(state.iterations());
}

// The automaton of `pattern`, kept for the process; nullptr (the row is
// skipped with an error) when the pattern has none.
const internal::RegexDfa* AutomatonOf(const char* pattern) {
  std::optional<internal::RegexDfa> dfa = internal::RegexDfa::Build(pattern);
  return dfa.has_value() ? new internal::RegexDfa(*std::move(dfa)) : nullptr;
}

void BM_SessionIdAutomaton(benchmark::State& state) {
  static const internal::RegexDfa* const dfa = AutomatonOf(kSessionIdPattern);
  if (dfa == nullptr) return state.SkipWithError("the pattern has no automaton");
  MatchTexts(state, kSessionIds, [](const std::string& text) {
    return dfa->FullMatch(text) == internal::RegexDfa::Outcome::kMatch;
  });
}

void BM_SessionIdRe2(benchmark::State& state) {
  static const std::shared_ptr<const RE2> regex =
      internal::CompileWholeStringRegex(kSessionIdPattern, RE2::Options());
  MatchTexts(state, kSessionIds,
             [](const std::string& text) { return RE2::FullMatch(text, *regex); });
}

// Non-ASCII texts: the automaton reads a code point as one symbol. Every
// text is decided (a kUndecided would be counted in `undecided`).
void BM_NonAsciiPathAutomaton(benchmark::State& state) {
  static const internal::RegexDfa* const dfa = AutomatonOf(kPathPattern);
  if (dfa == nullptr) return state.SkipWithError("the pattern has no automaton");
  int undecided = 0;
  MatchTexts(state, kPaths, [&undecided](const std::string& text) {
    const internal::RegexDfa::Outcome outcome = dfa->FullMatch(text);
    undecided += outcome == internal::RegexDfa::Outcome::kUndecided ? 1 : 0;
    return outcome == internal::RegexDfa::Outcome::kMatch;
  });
  state.counters["undecided"] = undecided;
}

void BM_NonAsciiPathRe2(benchmark::State& state) {
  static const std::shared_ptr<const RE2> regex =
      internal::CompileWholeStringRegex(kPathPattern, RE2::Options());
  MatchTexts(state, kPaths, [](const std::string& text) { return RE2::FullMatch(text, *regex); });
}

BENCHMARK(BM_GatewayDag)->ThreadRange(1, 2)->UseRealTime();
BENCHMARK(BM_SessionIdAutomaton)->ThreadRange(1, 2)->UseRealTime();
BENCHMARK(BM_SessionIdRe2)->ThreadRange(1, 2)->UseRealTime();
BENCHMARK(BM_NonAsciiPathAutomaton)->ThreadRange(1, 2)->UseRealTime();
BENCHMARK(BM_NonAsciiPathRe2)->ThreadRange(1, 2)->UseRealTime();
BENCHMARK(BM_CidrDag)->Arg(100)->Arg(1000)->Arg(10000);
BENCHMARK(BM_CidrReference)->Arg(100)->Arg(1000)->Arg(10000);
BENCHMARK(BM_PatternsDag)->Arg(10)->Arg(50);
BENCHMARK(BM_PatternsReference)->Arg(10)->Arg(50);
BENCHMARK(BM_GlobsDag)->Arg(10)->Arg(50);
BENCHMARK(BM_GlobsReference)->Arg(10)->Arg(50);
BENCHMARK(BM_DisjunctionsDag)->Arg(100)->Arg(1000)->Arg(10000);
BENCHMARK(BM_DisjunctionsReference)->Arg(100)->Arg(1000)->Arg(10000);
BENCHMARK(BM_PrefixesDag)->Arg(100)->Arg(1000)->Arg(10000);
BENCHMARK(BM_PrefixesReference)->Arg(100)->Arg(1000)->Arg(10000);
BENCHMARK(BM_ElementsDag)->Arg(100)->Arg(1000)->Arg(10000);
BENCHMARK(BM_ElementsReference)->Arg(100)->Arg(1000)->Arg(10000);
BENCHMARK(BM_PortsDag)->Arg(100)->Arg(1000)->Arg(10000);
BENCHMARK(BM_PortsReference)->Arg(100)->Arg(1000)->Arg(10000);

}  // namespace
}  // namespace writ

BENCHMARK_MAIN();
