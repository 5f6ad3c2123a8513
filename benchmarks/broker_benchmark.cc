// The task credential broker (issue 6), with Ed25519 and with ES256 (the
// broker's key and the workload's proof key of the same algorithm):
//
//   mint/ALG                 Broker::Mint: policy (two tools), sign, audit
//   verify/ALG               Broker::Verify: token signature, claims, proof
//                            of possession (a second signature), replay
//                            cache, revocations, live policy, use count,
//                            audit line; the proof is made untimed before
//                            each call, as the client makes it
//   verify_allow_all/ALG     ... with a gate that allows without a policy,
//                            to show what the policy evaluation costs
//   signature/ALG            the bare check of the token's signature
//                            (OpenSSL EVP verify, nothing else)
//   two_signatures/ALG       the token's and a proof's signature checks:
//                            the crypto floor of any verify with proof of
//                            possession
//   verify_over_floor/ALG    verify and the two bare checks of the same
//                            token's and proof's signatures, alternately
//                            in one loop: ratio_p50 is verify's overhead
//                            over its floor under one and the same load
//   revocation/N             StateStore::IsRevoked(kToken, id) on the
//                            in-memory store with N token ids revoked, half
//                            the lookups hitting, cycling over 4,096 ids
//                            (so their table entries stay in cache)
//   revocation_spread/N      the same, but the lookups are every revoked id
//                            and as many never-revoked ones, shuffled: each
//                            lookup lands on a cold part of the table, as a
//                            gateway checking its live tokens would
//   revocation_while_revoking/N
//                            checks of never-revoked ids on one thread while
//                            another revokes N fresh ids, so the table grows
//                            (rebuilds) under the checks: worst_ns is the
//                            longest check, what a rebuild costs a verify
//   revocation_spread_unrevoked/N, revocation_spread_revoked/N
//                            the same lookups split by answer: only the
//                            never-revoked ids (almost every check a
//                            gateway makes), then only the revoked ones
//
// ALG is the argument: 0 = Ed25519, 1 = ES256. Latencies are per call (p50_ns, p99_ns, one steady_clock read included,
// timer_overhead_ns); revocation also reports the batch mean. Audit lines
// go to a sink that discards them after they are formatted and MACed, as
// a real sink would receive them.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "benchmark/benchmark.h"
#include "src/broker/base64url.h"
#include "src/broker/crypto.h"
#include "src/broker/jws.h"
#include "src/broker/signing_key_impl.h"
#include "src/internal/latency.h"
#include "writ/broker.h"
#include "writ/engine.h"

namespace writ {
namespace {

constexpr size_t kSamples = 3000;
constexpr char kWorkload[] = "spiffe://example.org/agent/planner";
constexpr char kDestination[] = "api.docs.example.com";
constexpr char kUrl[] = "https://api.docs.example.com/v1/search";

constexpr char kPolicy[] = R"(
policy "broker-bench" version "1";
schema {
  tool:             string;
  destination.host: string;
  data_class:       enum(public, internal, confidential, restricted);
  session.depth:    int;
  risk.score:       number;
  workload.id:      string;
}
allow research
  when tool in ["search", "http.get"]
   and destination.host ends_with ".docs.example.com"
   and data_class <= internal
   and workload.id starts_with "spiffe://example.org/agent/"
  with max_ttl = 5m
  because "agents may research internal docs";
deny too_risky when has risk.score and risk.score >= 0.8 with revoke = true;
deny too_deep when session.depth >= 2;
default deny;
)";

class DiscardSink final : public AuditSink {
 public:
  absl::Status Append(absl::string_view line) override {
    benchmark::DoNotOptimize(line.data());
    return absl::OkStatus();
  }
};

class AllowAllGate final : public PolicyGate {
 public:
  absl::StatusOr<GateDecision> Decide(const TaskContext&) override {
    GateDecision decision;
    decision.allow = true;
    return decision;
  }
};

SigningAlgorithm AlgorithmOf(const benchmark::State& state) {
  return state.range(0) == 0 ? SigningAlgorithm::kEd25519
                             : SigningAlgorithm::kEs256;
}

void SetLatencyCounters(benchmark::State& state,
                        std::vector<int64_t>& samples) {
  const internal::LatencySummary summary = internal::Summarize(samples);
  state.counters["p50_ns"] = summary.p50_ns;
  state.counters["p99_ns"] = summary.p99_ns;
  state.counters["mean_ns"] = summary.mean_ns;
  state.counters["timer_overhead_ns"] = internal::TimerOverheadNs();
}

std::shared_ptr<PolicyGate> PolicyBackedGate() {
  std::shared_ptr<Engine> engine =
      *Engine::Create({{"broker-bench.writ", kPolicy}});
  return NewEnginePolicyGate(std::move(engine));
}

// A broker, a workload key and a token minted for it.
struct Setup {
  DiscardSink sink;
  SigningKey broker_key;
  SigningKey workload_key;
  std::unique_ptr<Broker> broker;

  Setup(SigningAlgorithm algorithm, std::shared_ptr<PolicyGate> gate)
      : broker_key(*SigningKey::Generate(algorithm, "broker-1")),
        workload_key(*SigningKey::Generate(algorithm, "workload")) {
    BrokerOptions options;
    options.trusted_domains = {"example.org"};
    options.audit_sink = &sink;
    options.audit_hmac_key = "audit-key";
    broker = *Broker::Create(options, broker_key, std::move(gate));
  }

  MintRequest Mint() const {
    MintRequest request;
    request.workload = kWorkload;
    request.workload_key = workload_key.PublicJwk();
    request.task_id = "task-42";
    request.tools = {"search", "http.get"};
    request.destination = kDestination;
    request.data_class = "internal";
    request.risk_score = 0.1;
    return request;
  }

  VerifyRequest Use(const std::string& token) const {
    VerifyRequest request;
    ProofInput proof{"GET", kUrl, token, absl::Now(), ""};
    request.presentation =
        Presentation{token, *CreateProof(workload_key, proof), kWorkload,
                     "GET", kUrl};
    request.destination = kDestination;
    request.tool = "search";
    request.risk_score = 0.1;
    return request;
  }
};

void MintLatency(benchmark::State& state) {
  Setup setup(AlgorithmOf(state), PolicyBackedGate());
  const MintRequest request = setup.Mint();
  std::vector<int64_t> samples;
  for (auto _ : state) {
    internal::SamplePerCall(
        kSamples, 1,
        [&](size_t) { benchmark::DoNotOptimize(setup.broker->Mint(request)); },
        &samples);
  }
  SetLatencyCounters(state, samples);
}

void MeasureVerify(benchmark::State& state, std::shared_ptr<PolicyGate> gate) {
  Setup setup(AlgorithmOf(state), std::move(gate));
  const std::string token = setup.broker->Mint(setup.Mint())->token;
  VerifyRequest request;
  std::vector<int64_t> samples;
  bool all_allowed = true;
  for (auto _ : state) {
    internal::SamplePerCall(
        kSamples, 1, [&](size_t) { request = setup.Use(token); },
        [&](size_t) {
          all_allowed &= setup.broker->Verify(request)->allowed;
        },
        &samples);
  }
  if (!all_allowed) state.SkipWithError("a verify was refused");
  SetLatencyCounters(state, samples);
}

void VerifyLatency(benchmark::State& state) {
  MeasureVerify(state, PolicyBackedGate());
}

void VerifyAllowAllLatency(benchmark::State& state) {
  MeasureVerify(state, std::make_shared<AllowAllGate>());
}

// The parts of a compact JWS a signature check needs.
struct SignedData {
  std::string signing_input;
  std::string signature;
};

SignedData Parse(absl::string_view jws) {
  broker_internal::CompactJws parsed;
  broker_internal::ParseCompactJws(jws, &parsed);
  return {parsed.signing_input, parsed.signature};
}

// The bare check of one signature by `key` (OpenSSL EVP verify, nothing
// else): what the floor rows time.
bool BareSignatureCheck(const SigningKey& key, const SignedData& data) {
  return broker_internal::VerifySignature(
      *broker_internal::SigningKeyAccess::Get(key).private_key,
      key.algorithm(), data.signing_input, data.signature,
      broker_internal::SignatureForms::kAny);
}

// Bare signature checks: the token's, and with `with_proof` a proof's too.
void MeasureSignatures(benchmark::State& state, bool with_proof) {
  const SigningAlgorithm algorithm = AlgorithmOf(state);
  const SigningKey broker_key = *SigningKey::Generate(algorithm, "b");
  const SigningKey workload_key = *SigningKey::Generate(algorithm, "w");
  const std::string token = *broker_internal::SignCompactJws(
      broker_key, R"({"alg":"x"})", std::string(300, 'c'));
  const SignedData token_parts = Parse(token);
  const SignedData proof_parts = Parse(
      *CreateProof(workload_key, {"GET", kUrl, token, absl::Now(), ""}));
  std::vector<int64_t> samples;
  bool all_valid = true;
  for (auto _ : state) {
    internal::SamplePerCall(
        kSamples, 1,
        [&](size_t) {
          all_valid &= BareSignatureCheck(broker_key, token_parts);
          if (with_proof) {
            all_valid &= BareSignatureCheck(workload_key, proof_parts);
          }
        },
        &samples);
  }
  if (!all_valid) state.SkipWithError("a signature did not verify");
  SetLatencyCounters(state, samples);
}

// Verify and its crypto floor (the bare checks of the very token's and
// proof's signatures) timed alternately, on the same inputs, in one loop:
// their ratio is then measured under the same load, which on a shared
// machine two separate rows cannot promise.
void VerifyOverFloor(benchmark::State& state) {
  Setup setup(AlgorithmOf(state), PolicyBackedGate());
  const std::string token = setup.broker->Mint(setup.Mint())->token;
  const SignedData token_parts = Parse(token);
  VerifyRequest request;
  SignedData proof_parts;
  std::vector<int64_t> verify_samples;
  std::vector<int64_t> floor_samples;
  verify_samples.reserve(kSamples);
  floor_samples.reserve(kSamples);
  bool all_passed = true;
  auto verify = [&](size_t) {
    all_passed &= setup.broker->Verify(request)->allowed;
  };
  auto bare_checks = [&](size_t) {
    all_passed &= BareSignatureCheck(setup.broker_key, token_parts);
    all_passed &= BareSignatureCheck(setup.workload_key, proof_parts);
  };
  for (auto _ : state) {
    for (size_t i = 0; i < kSamples; ++i) {
      request = setup.Use(token);
      proof_parts = Parse(request.presentation.proof);
      // Alternate which goes first, so neither always finds the other's
      // data in cache.
      if (i % 2 == 0) {
        internal::SamplePerCall(1, 1, verify, &verify_samples);
        internal::SamplePerCall(1, 1, bare_checks, &floor_samples);
      } else {
        internal::SamplePerCall(1, 1, bare_checks, &floor_samples);
        internal::SamplePerCall(1, 1, verify, &verify_samples);
      }
    }
  }
  if (!all_passed) state.SkipWithError("a verify or signature check failed");
  const internal::LatencySummary verified = internal::Summarize(verify_samples);
  const internal::LatencySummary floor = internal::Summarize(floor_samples);
  SetLatencyCounters(state, verify_samples);
  state.counters["floor_p50_ns"] = floor.p50_ns;
  state.counters["floor_p99_ns"] = floor.p99_ns;
  state.counters["ratio_p50"] = verified.p50_ns / floor.p50_ns;
  state.counters["ratio_p99"] = verified.p99_ns / floor.p99_ns;
}

void SignatureLatency(benchmark::State& state) {
  MeasureSignatures(state, false);
}

void TwoSignaturesLatency(benchmark::State& state) {
  MeasureSignatures(state, true);
}

// Token ids as the broker makes them: 16 random bytes, base64url.
std::vector<std::string> RandomTokenIds(size_t count) {
  std::vector<std::string> ids;
  ids.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    ids.push_back(broker_internal::Base64UrlEncode(
        *broker_internal::RandomBytes(16)));
  }
  return ids;
}

// Which ids a revocation row looks up.
enum class LookupMix { kHalfRevoked, kUnrevokedOnly, kRevokedOnly };

void RevocationLookup(benchmark::State& state) {
  const size_t revoked_count = static_cast<size_t>(state.range(0));
  const bool spread = state.range(1) != 0;
  const auto mix = static_cast<LookupMix>(state.range(2));
  std::unique_ptr<StateStore> store = NewInMemoryStateStore();
  const absl::Time expires = absl::Now() + absl::Hours(1);
  std::vector<std::string> ids = RandomTokenIds(revoked_count);
  for (const std::string& id : ids) {
    (void)store->Revoke(StateStore::RevocationKind::kToken, id, expires);
  }
  // As many never-revoked ids as revoked ones, 2,048 of each at most
  // unless spread over the whole table.
  const size_t hits_wanted = spread ? revoked_count : std::min<size_t>(2048, revoked_count);
  std::vector<std::string> lookups;
  if (mix != LookupMix::kRevokedOnly) lookups = RandomTokenIds(hits_wanted);
  if (mix != LookupMix::kUnrevokedOnly) {
    lookups.insert(lookups.end(), ids.end() - hits_wanted, ids.end());
  }
  if (spread) std::shuffle(lookups.begin(), lookups.end(), std::mt19937_64(20261129));
  // The ids side by side in one buffer, read in order: a gateway has the id
  // it checks in cache (it just parsed the token), so only the table's
  // memory should be cold, not the key's.
  std::string id_bytes;
  std::vector<absl::string_view> keys;
  for (const std::string& id : lookups) id_bytes += id;
  for (size_t i = 0, offset = 0; i < lookups.size(); offset += lookups[i].size(), ++i) {
    keys.push_back(absl::string_view(id_bytes).substr(offset, lookups[i].size()));
  }
  size_t hits = 0;
  std::vector<int64_t> samples;
  double batch_mean_ns = 0;
  for (auto _ : state) {
    auto lookup = [&](size_t i) {
      hits += *store->IsRevoked(StateStore::RevocationKind::kToken, keys[i]);
    };
    internal::SamplePerCall(100000, lookups.size(), lookup, &samples);
    batch_mean_ns = internal::BatchMeanNs(1000000, lookups.size(), lookup);
  }
  state.counters["hit_fraction"] =
      static_cast<double>(hits) / (100000.0 + 1000000.0);
  SetLatencyCounters(state, samples);
  state.counters["batch_mean_ns"] = batch_mean_ns;
}

void RevocationLookupWhileRevoking(benchmark::State& state) {
  const size_t revoked_count = static_cast<size_t>(state.range(0));
  std::unique_ptr<StateStore> store = NewInMemoryStateStore();
  const absl::Time expires = absl::Now() + absl::Hours(1);
  const std::vector<std::string> ids = RandomTokenIds(revoked_count);
  const std::vector<std::string> lookups = RandomTokenIds(4096);
  std::vector<int64_t> samples;
  samples.reserve(1 << 24);
  for (auto _ : state) {
    std::atomic<bool> revoking{true};
    std::thread revoker([&] {
      for (const std::string& id : ids) {
        (void)store->Revoke(StateStore::RevocationKind::kToken, id, expires);
      }
      revoking.store(false);
    });
    for (size_t i = 0; revoking.load(std::memory_order_relaxed); ++i) {
      const auto start = std::chrono::steady_clock::now();
      benchmark::DoNotOptimize(
          store->IsRevoked(StateStore::RevocationKind::kToken, lookups[i % 4096]));
      samples.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(
                            std::chrono::steady_clock::now() - start)
                            .count());
    }
    revoker.join();
  }
  state.counters["checks"] = static_cast<double>(samples.size());
  state.counters["worst_ns"] =
      static_cast<double>(*std::max_element(samples.begin(), samples.end()));
  SetLatencyCounters(state, samples);
}

void AlgorithmArgs(benchmark::internal::Benchmark* benchmark) {
  benchmark->Arg(0)->Arg(1)->Iterations(1)
      ->Unit(benchmark::kMicrosecond);
}

BENCHMARK(MintLatency)->Name("mint")->Apply(AlgorithmArgs);
BENCHMARK(VerifyLatency)->Name("verify")->Apply(AlgorithmArgs);
BENCHMARK(VerifyAllowAllLatency)->Name("verify_allow_all")->Apply(AlgorithmArgs);
BENCHMARK(SignatureLatency)->Name("signature")->Apply(AlgorithmArgs);
BENCHMARK(TwoSignaturesLatency)->Name("two_signatures")->Apply(AlgorithmArgs);
BENCHMARK(VerifyOverFloor)->Name("verify_over_floor")->Apply(AlgorithmArgs);
BENCHMARK(RevocationLookup)->Name("revocation")
    ->Args({1000, 0, 0})->Args({1000000, 0, 0})->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(RevocationLookup)->Name("revocation_spread")
    ->Args({1000000, 1, 0})->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(RevocationLookupWhileRevoking)->Name("revocation_while_revoking")
    ->Arg(1000000)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(RevocationLookup)->Name("revocation_spread_unrevoked")
    ->Args({1000000, 1, 1})->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(RevocationLookup)->Name("revocation_spread_revoked")
    ->Args({1000000, 1, 2})->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace writ

BENCHMARK_MAIN();
