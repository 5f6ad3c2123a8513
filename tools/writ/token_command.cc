// `writ token keygen|mint|delegate|verify|revoke` and `writ audit verify`:
// the task credential broker by hand, its state in a directory
// (tools/writ/token_state.h) so a shell walk-through spans invocations.
//
// The command plays every part: the broker, each agent (it signs the proof
// of possession with the agent's key from the state directory) and the
// gateway (verify). Output is one JSON object on stdout; refusals exit 1
// with the reason, usage errors 2. A token is only ever written to the
// --out file, never printed.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "src/broker/base64url.h"
#include "src/broker/crypto.h"
#include "src/broker/json_util.h"
#include "src/internal/json_writer.h"
#include "tools/writ/cli.h"
#include "tools/writ/token_state.h"
#include "writ/broker.h"
#include "writ/engine.h"

namespace writ::cli {
namespace {

using broker_internal::IntMember;
using broker_internal::StringMember;

// Where the command pretends the broker's delegation endpoint is: the
// parent's proof of possession is made and checked for this request.
constexpr char kDelegateMethod[] = "POST";
constexpr char kDelegateUrl[] = "https://broker.invalid/delegate";

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "writ: %s\n", std::string(status.message()).c_str());
  return kExitFailure;
}

int Usage(absl::string_view message) {
  std::fprintf(stderr, "writ: %s (see --help)\n",
               std::string(message).c_str());
  return kExitUsage;
}

std::vector<std::string> AllValues(const Arguments& arguments,
                                   absl::string_view name) {
  std::vector<std::string> values;
  for (const auto& [option, value] : arguments.options) {
    if (option == name) values.push_back(value);
  }
  return values;
}

// The options a subcommand cannot do without; the first missing one, if any.
std::optional<std::string> MissingOption(
    const Arguments& arguments, const std::vector<std::string>& required) {
  for (const std::string& name : required) {
    if (!arguments.Has(name)) return name;
  }
  return std::nullopt;
}

StateFiles State(const Arguments& arguments) {
  return StateFiles{*arguments.Get("--state")};
}

std::string Iso8601(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", time, absl::UTCTimeZone());
}

void PrintJson(const std::string& json) { std::printf("%s\n", json.c_str()); }

// ---------------------------------------------------------------------------
// Keys

absl::StatusOr<SigningAlgorithm> AlgorithmOption(const Arguments& arguments) {
  const std::string name = arguments.Get("--alg").value_or("Ed25519");
  if (name == "Ed25519") return SigningAlgorithm::kEd25519;
  if (name == "ES256") return SigningAlgorithm::kEs256;
  return absl::InvalidArgumentError("--alg must be Ed25519 or ES256");
}

// A key whose id is the start of its own thumbprint, so key files need no
// separate id.
absl::StatusOr<SigningKey> LoadKey(const std::filesystem::path& path) {
  absl::StatusOr<std::string> pem = ReadFile(path);
  if (!pem.ok()) return pem.status();
  absl::StatusOr<SigningKey> key = SigningKey::FromPrivateKeyPem(*pem, "");
  if (!key.ok()) return key.status();
  return SigningKey::FromPrivateKeyPem(*pem, key->Thumbprint().substr(0, 16));
}

absl::StatusOr<SigningKey> LoadWorkloadKey(const Arguments& arguments,
                                           absl::string_view option) {
  absl::StatusOr<std::filesystem::path> path = State(arguments).WorkloadKey(*arguments.Get(option));
  if (!path.ok()) return path.status();
  return LoadKey(*path);
}

absl::Status SaveNewKey(const std::filesystem::path& path,
                        SigningAlgorithm algorithm) {
  if (std::filesystem::exists(path)) {
    return absl::AlreadyExistsError(
        absl::StrCat(path.string(), " exists; keys are never overwritten"));
  }
  absl::StatusOr<SigningKey> key = SigningKey::Generate(algorithm, "new");
  if (!key.ok()) return key.status();
  absl::StatusOr<std::string> pem = key->PrivateKeyPem();
  if (!pem.ok()) return pem.status();
  return WritePrivateFile(path, *pem);
}

// keygen without --name: the broker's key, audit key and trust domains.
// With --name: a workload's key; prints its public JWK.
int RunKeygen(const Arguments& arguments) {
  const StateFiles state = State(arguments);
  absl::StatusOr<StateLock> lock = StateLock::Acquire(state, /*create_directory=*/true);
  if (!lock.ok()) return Fail(lock.status());
  absl::StatusOr<SigningAlgorithm> algorithm = AlgorithmOption(arguments);
  if (!algorithm.ok()) return Usage(algorithm.status().message());
  if (std::optional<std::string> name = arguments.Get("--name")) {
    absl::StatusOr<std::filesystem::path> path = state.WorkloadKey(*name);
    if (!path.ok()) return Usage(path.status().message());
    if (absl::Status status = SaveNewKey(*path, *algorithm); !status.ok()) {
      return Fail(status);
    }
    absl::StatusOr<SigningKey> key = LoadKey(*path);
    if (!key.ok()) return Fail(key.status());
    PrintJson(key->PublicJwk());
    return kExitOk;
  }
  const std::vector<std::string> domains = AllValues(arguments, "--trust-domain");
  if (domains.empty()) return Usage("the broker's keygen needs --trust-domain");
  absl::StatusOr<std::string> audit_key = broker_internal::RandomBytes(32);
  if (!audit_key.ok()) return Fail(audit_key.status());
  absl::Status status = SaveNewKey(state.BrokerKey(), *algorithm);
  if (status.ok()) {
    status = WritePrivateFile(state.AuditKey(),
                              broker_internal::Base64UrlEncode(*audit_key));
  }
  if (status.ok()) {
    status = WritePrivateFile(state.TrustDomains(),
                              absl::StrCat(absl::StrJoin(domains, "\n"), "\n"));
  }
  if (!status.ok()) return Fail(status);
  absl::StatusOr<SigningKey> key = LoadKey(state.BrokerKey());
  if (!key.ok()) return Fail(key.status());
  PrintJson(absl::StrCat("{\"keys\":[", key->PublicJwk(), "]}"));
  return kExitOk;
}

// ---------------------------------------------------------------------------
// The broker, rebuilt from the state directory on every run

// For revoke, which never asks the policy; fails closed if anything did.
class NoPolicyGate final : public PolicyGate {
 public:
  absl::StatusOr<GateDecision> Decide(const TaskContext&) override {
    return absl::FailedPreconditionError("no policy files given");
  }
};

struct LoadedBroker {
  // First, so that it is released last: after the broker's final audit
  // line and journal entry.
  std::optional<StateLock> lock;
  std::shared_ptr<Engine> engine;
  std::unique_ptr<FileAuditSink> audit_sink;
  std::unique_ptr<Broker> broker;
};

absl::StatusOr<BrokerOptions> OptionsFromState(const StateFiles& state) {
  absl::StatusOr<std::string> domains = ReadFile(state.TrustDomains());
  absl::StatusOr<std::string> audit_key = ReadFile(state.AuditKey());
  if (!domains.ok() || !audit_key.ok()) return NotAStateDirectory(state);
  BrokerOptions options;
  options.trusted_domains =
      absl::StrSplit(*domains, '\n', absl::SkipWhitespace());
  options.audit_hmac_key = *audit_key;
  options.audit_continue_after = LastAuditLine(state.AuditLog());
  absl::StatusOr<std::unique_ptr<StateStore>> store =
      OpenJournaledStateStore(state.Journal());
  if (!store.ok()) return store.status();
  options.state_store = std::move(*store);
  return options;
}

// The policy files are needed by mint, delegate and verify; revoke runs
// without a policy (it never asks one).
absl::StatusOr<LoadedBroker> LoadBroker(const Arguments& arguments,
                                        bool needs_policy) {
  const StateFiles state = State(arguments);
  absl::StatusOr<StateLock> lock = StateLock::Acquire(state, /*create_directory=*/false);
  if (!lock.ok()) return lock.status();
  absl::StatusOr<BrokerOptions> options = OptionsFromState(state);
  if (!options.ok()) return options.status();
  absl::StatusOr<SigningKey> key = LoadKey(state.BrokerKey());
  if (!key.ok()) return key.status();
  LoadedBroker loaded;
  loaded.lock = *std::move(lock);
  const std::vector<std::string> policy_files(arguments.files.begin() + 1,
                                              arguments.files.end());
  if (needs_policy && policy_files.empty()) {
    return absl::InvalidArgumentError("no policy files given");
  }
  const std::shared_ptr<const Policy> policy =
      needs_policy ? LoadPolicy(policy_files) : nullptr;
  if (needs_policy && policy == nullptr) {
    return absl::InvalidArgumentError("the policy does not compile");
  }
  std::shared_ptr<PolicyGate> gate = std::make_shared<NoPolicyGate>();
  if (needs_policy) {
    loaded.engine = Engine::Create(policy);
    gate = NewEnginePolicyGate(loaded.engine);
  }
  loaded.audit_sink = std::make_unique<FileAuditSink>(state.AuditLog());
  options->audit_sink = loaded.audit_sink.get();
  absl::StatusOr<std::unique_ptr<Broker>> broker =
      Broker::Create(*std::move(options), *std::move(key), std::move(gate));
  if (!broker.ok()) return broker.status();
  loaded.broker = std::move(*broker);
  return loaded;
}

// ---------------------------------------------------------------------------
// mint, delegate

absl::StatusOr<double> RiskOption(const Arguments& arguments) {
  double risk = 0;
  const std::string text = arguments.Get("--risk").value_or("0");
  if (!absl::SimpleAtod(text, &risk)) {
    return absl::InvalidArgumentError("--risk must be a number");
  }
  return risk;
}

void WriteDecision(const GateDecision& decision, internal::JsonWriter& json) {
  StringMember(json, "policy", decision.policy_digest);
  json.Key("rules");
  json.BeginArray();
  for (const std::string& rule : decision.determining_rules) json.String(rule);
  json.EndArray();
  StringMember(json, "reason", decision.reason);
}

// Nothing the command did may go unrecorded: a failed audit write fails
// the command, before a token is saved or a result printed.
absl::Status AuditWritten(const LoadedBroker& loaded) {
  return loaded.audit_sink->status();
}

int SaveIssued(const Arguments& arguments, const LoadedBroker& loaded,
               absl::StatusOr<IssuedToken> issued) {
  if (!issued.ok()) return Fail(issued.status());
  if (absl::Status status = AuditWritten(loaded); !status.ok()) {
    return Fail(status);
  }
  const std::string out = *arguments.Get("--out");
  if (absl::Status status = WritePrivateFile(out, issued->token); !status.ok()) {
    return Fail(status);
  }
  std::string text;
  internal::JsonWriter json(&text);
  json.BeginObject();
  StringMember(json, "token_file", out);
  StringMember(json, "token_id", issued->token_id);
  StringMember(json, "expires_at", Iso8601(issued->expires_at));
  IntMember(json, "max_uses", issued->max_uses);
  IntMember(json, "depth", issued->depth);
  WriteDecision(issued->decision, json);
  json.EndObject();
  PrintJson(text);
  return kExitOk;
}

int RunMint(const Arguments& arguments) {
  if (auto missing = MissingOption(
          arguments, {"--workload", "--key", "--task", "--tool",
                      "--destination", "--data-class", "--out"})) {
    return Usage(absl::StrCat("mint needs ", *missing));
  }
  absl::StatusOr<double> risk = RiskOption(arguments);
  if (!risk.ok()) return Usage(risk.status().message());
  absl::StatusOr<SigningKey> key = LoadWorkloadKey(arguments, "--key");
  if (!key.ok()) return Fail(key.status());
  absl::StatusOr<LoadedBroker> loaded = LoadBroker(arguments, true);
  if (!loaded.ok()) return Fail(loaded.status());
  MintRequest request;
  request.workload = *arguments.Get("--workload");
  request.workload_key = key->PublicJwk();
  request.task_id = *arguments.Get("--task");
  request.tools = AllValues(arguments, "--tool");
  request.destination = *arguments.Get("--destination");
  request.data_class = *arguments.Get("--data-class");
  request.session_id = arguments.Get("--session").value_or("");
  request.risk_score = *risk;
  return SaveIssued(arguments, *loaded, loaded->broker->Mint(request));
}

// What the holder presents: its token with a fresh proof of possession.
absl::StatusOr<Presentation> PresentToken(const Arguments& arguments,
                                          const std::string& method,
                                          const std::string& url) {
  absl::StatusOr<std::string> token = ReadFile(*arguments.Get("--token"));
  if (!token.ok()) return token.status();
  absl::StatusOr<SigningKey> key = LoadWorkloadKey(arguments, "--key");
  if (!key.ok()) return key.status();
  std::string trimmed(absl::StripAsciiWhitespace(*token));
  ProofInput input{method, url, trimmed, absl::Now(), ""};
  absl::StatusOr<std::string> proof = CreateProof(*key, input);
  if (!proof.ok()) return proof.status();
  return Presentation{std::move(trimmed), *std::move(proof),
                      *arguments.Get("--workload"), method, url};
}

int RunDelegate(const Arguments& arguments) {
  if (auto missing = MissingOption(arguments, {"--workload", "--key", "--token",
                                               "--to", "--to-key", "--out"})) {
    return Usage(absl::StrCat("delegate needs ", *missing));
  }
  absl::StatusOr<double> risk = RiskOption(arguments);
  if (!risk.ok()) return Usage(risk.status().message());
  absl::StatusOr<SigningKey> child_key = LoadWorkloadKey(arguments, "--to-key");
  if (!child_key.ok()) return Fail(child_key.status());
  absl::StatusOr<Presentation> parent =
      PresentToken(arguments, kDelegateMethod, kDelegateUrl);
  if (!parent.ok()) return Fail(parent.status());
  absl::StatusOr<LoadedBroker> loaded = LoadBroker(arguments, true);
  if (!loaded.ok()) return Fail(loaded.status());
  DelegateRequest request;
  request.parent = *std::move(parent);
  request.child_workload = *arguments.Get("--to");
  request.child_workload_key = child_key->PublicJwk();
  request.tools = AllValues(arguments, "--tool");
  request.data_class = arguments.Get("--data-class").value_or("");
  request.session_id = arguments.Get("--session").value_or("");
  request.risk_score = *risk;
  return SaveIssued(arguments, *loaded, loaded->broker->Delegate(request));
}

// ---------------------------------------------------------------------------
// verify

// The URL of the call being checked: --url, else the destination itself if
// it is a URL, else https://DESTINATION/.
std::string CallUrl(const Arguments& arguments) {
  if (std::optional<std::string> url = arguments.Get("--url")) return *url;
  const std::string destination = *arguments.Get("--destination");
  if (destination.find("://") != std::string::npos) return destination;
  return absl::StrCat("https://", destination, "/");
}

void PrintVerifyResult(const VerifyResult& result) {
  std::string text;
  internal::JsonWriter json(&text);
  json.BeginObject();
  json.Key("allowed");
  json.Bool(result.allowed);
  StringMember(json, "code", RefusalCodeName(result.code));
  StringMember(json, "reason", result.reason);
  StringMember(json, "token_id", result.token_id);
  StringMember(json, "task", result.task_id);
  StringMember(json, "holder", result.holder);
  IntMember(json, "use_count", result.use_count);
  json.Key("revoked_now");
  json.Bool(result.triggered_revocation);
  if (result.decision.has_value()) {
    WriteDecision(*result.decision, json);
    if (!result.decision->explanations.empty()) {
      // Already JSON; the writer decides commas by the last byte written.
      json.Key("explanation");
      text += result.decision->explanations.front();
    }
  }
  json.EndObject();
  PrintJson(text);
}

int RunVerify(const Arguments& arguments) {
  if (auto missing = MissingOption(arguments, {"--workload", "--key", "--token",
                                               "--destination", "--tool"})) {
    return Usage(absl::StrCat("verify needs ", *missing));
  }
  absl::StatusOr<double> risk = RiskOption(arguments);
  if (!risk.ok()) return Usage(risk.status().message());
  absl::StatusOr<Presentation> presentation = PresentToken(
      arguments, arguments.Get("--method").value_or("GET"), CallUrl(arguments));
  if (!presentation.ok()) return Fail(presentation.status());
  absl::StatusOr<LoadedBroker> loaded = LoadBroker(arguments, true);
  if (!loaded.ok()) return Fail(loaded.status());
  VerifyRequest request;
  request.presentation = *std::move(presentation);
  request.destination = *arguments.Get("--destination");
  request.tool = *arguments.Get("--tool");
  request.data_class = arguments.Get("--data-class").value_or("");
  request.session_id = arguments.Get("--session").value_or("");
  request.risk_score = *risk;
  absl::StatusOr<VerifyResult> result = loaded->broker->Verify(request);
  if (!result.ok()) return Fail(result.status());
  if (absl::Status status = AuditWritten(*loaded); !status.ok()) {
    return Fail(status);
  }
  PrintVerifyResult(*result);
  return result->allowed ? kExitOk : kExitFailure;
}

// ---------------------------------------------------------------------------
// revoke

int RunRevoke(const Arguments& arguments) {
  absl::StatusOr<LoadedBroker> loaded = LoadBroker(arguments, false);
  if (!loaded.ok()) return Fail(loaded.status());
  Broker& broker = *loaded->broker;
  const std::string reason = arguments.Get("--reason").value_or("revoked by hand");
  absl::Status status;
  std::string revoked;
  if (std::optional<std::string> id = arguments.Get("--token-id")) {
    status = broker.RevokeToken(*id, reason);
    revoked = absl::StrCat("token ", *id);
  } else if (std::optional<std::string> task = arguments.Get("--task")) {
    status = arguments.Has("--completed") ? broker.CompleteTask(*task)
                                          : broker.RevokeTask(*task, reason);
    revoked = absl::StrCat("task ", *task);
  } else if (std::optional<std::string> workload = arguments.Get("--workload")) {
    status = broker.RevokeWorkload(*workload, reason);
    revoked = absl::StrCat("workload ", *workload);
  } else {
    return Usage("revoke needs --token-id, --task or --workload");
  }
  if (!status.ok()) return Fail(status);
  if (absl::Status audited = AuditWritten(*loaded); !audited.ok()) {
    return Fail(audited);
  }
  std::string text;
  internal::JsonWriter json(&text);
  json.BeginObject();
  StringMember(json, "revoked", revoked);
  json.EndObject();
  PrintJson(text);
  return kExitOk;
}

}  // namespace

int RunToken(const Arguments& arguments) {
  if (arguments.files.empty()) {
    return Usage("which one: keygen, mint, delegate, verify or revoke?");
  }
  if (!arguments.Has("--state")) return Usage("--state DIR is required");
  const std::string& action = arguments.files.front();
  if (action != "mint" && action != "delegate" && action != "verify" &&
      arguments.files.size() > 1) {
    return Usage(absl::StrCat(action, " takes no policy files"));
  }
  if (action == "keygen") return RunKeygen(arguments);
  if (action == "mint") return RunMint(arguments);
  if (action == "delegate") return RunDelegate(arguments);
  if (action == "verify") return RunVerify(arguments);
  if (action == "revoke") return RunRevoke(arguments);
  return Usage(absl::StrCat("unknown action '", action, "'"));
}

int RunAudit(const Arguments& arguments) {
  if (arguments.files.size() != 2 || arguments.files[0] != "verify") {
    return Usage("usage: writ audit verify LOG [--state DIR | --hmac-key FILE]");
  }
  std::string key;
  if (std::optional<std::string> key_file = arguments.Get("--hmac-key")) {
    absl::StatusOr<std::string> text = ReadFile(*key_file);
    if (!text.ok()) return Fail(text.status());
    key = *text;
  } else if (arguments.Has("--state")) {
    absl::StatusOr<std::string> text = ReadFile(State(arguments).AuditKey());
    if (!text.ok()) return Fail(text.status());
    key = *text;
  }
  // A directory or an unreadable path is an error (ReadFile), not a log of
  // no lines. An empty file (or /dev/null) is reported intact with 0 lines:
  // a broker that has not yet written is an empty log, every line of it
  // checks, and "lines": 0 says plainly how little was verified.
  absl::StatusOr<std::string> log = ReadFile(arguments.files[1]);
  if (!log.ok()) return Fail(log.status());
  if (absl::Status status = VerifyAuditLog(*log, key); !status.ok()) {
    return Fail(status);
  }
  const size_t lines = static_cast<size_t>(std::count(log->begin(), log->end(), '\n'));
  PrintJson(absl::StrCat("{\"intact\":true,\"lines\":", lines,
                         ",\"hmac\":", key.empty() ? "false" : "true", "}"));
  return kExitOk;
}

}  // namespace writ::cli
