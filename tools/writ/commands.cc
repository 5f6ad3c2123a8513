// The table of `writ` subcommands, and main().
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "tools/writ/cli.h"

namespace writ::cli {

int RunCheck(const Arguments& arguments);
int RunEval(const Arguments& arguments);
int RunDag(const Arguments& arguments);
int RunBench(const Arguments& arguments);
int RunTest(const Arguments& arguments);
int RunFmt(const Arguments& arguments);
#ifdef WRIT_CLI_HAS_BROKER
int RunToken(const Arguments& arguments);  // token_command.cc
int RunAudit(const Arguments& arguments);
#endif

const std::vector<Command>& AllCommands() {
  static const std::vector<Command> commands = {
      {"check", "writ check FILE... [--Werror] [--notes] [--format text|json]",
       "Compile and analyse a policy set; print diagnostics (file:line:col) on stderr.",
       {{"--Werror", false, "exit 1 when there are warnings"},
        {"--notes", false, "also show notes (N001: deny rules without a 'has' guard)"},
        {"--format", true, "text (default, stderr) or json (one object per line, stdout)"}},
       RunCheck},
      {"eval",
       "writ eval FILE... [-i REQ.json] [--jsonl] [--engine=dag|reference] [--log FILE "
       "[--log-key KEYFILE]]",
       "Evaluate requests and print one explanation record (JSON) per request.",
       {{"-i", true, "read the request(s) from this file instead of stdin"},
        {"--jsonl", false, "one JSON request per input line, one record per output line"},
        {"--engine", true, "dag (default) or reference (the oracle interpreter)"},
        {"--log", true, "append a decision record (JSON line) per decision to this file"},
        {"--log-key", true,
         "fingerprint redacted values in the log with HMAC-SHA-256 under this file's "
         "bytes (a trailing newline is dropped) instead of plain SHA-256"}},
       RunEval},
      {"dag", "writ dag FILE... [--format text|dot]",
       "Print the compiled decision DAG: shared atoms, rules and guard indexes.",
       {{"--format", true, "text (default) or dot (Graphviz)"}},
       RunDag},
      {"bench",
       "writ bench FILE... -i REQS.jsonl [--json] [--samples N] [--threads N] "
       "[--engine=dag|reference]",
       "Measure decision latency on the compiled policy, requests parsed first.",
       {{"-i", true, "the requests, one JSON object per line (stdin when absent)"},
        {"--json", false, "one JSON object: decisions, p50_ns, p99_ns, mean_ns, ..."},
        {"--samples", true,
         "decisions to time one by one (default 100000), cycling over the requests; "
         "the batch loops last at least 0.25 s"},
        {"--threads", true,
         "N threads decide at once on the one policy, each its --samples (default 1); "
         "adds the scaling against one thread alone"},
        {"--engine", true, "dag (default) or reference (the oracle interpreter)"}},
       RunBench},
      {"test", "writ test FILE... --cases CASES.json [--coverage] [--engine=dag|reference]",
       "Run policy unit tests; the last line of stdout is 'N passed, N failed'.",
       {{"--cases", true, "the cases file: {\"cases\": [{name, request, expect, rules?}]}"},
        {"--coverage", false, "list rules no case made determining or true"},
        {"--engine", true, "dag (default) or reference (the oracle interpreter)"}},
       RunTest},
      {"fmt", "writ fmt FILE... [--check] [-w]",
       "Print policy files in the canonical layout (comments kept, meaning unchanged).",
       {{"--check", false, "print a diff and exit 1 when a file is not formatted"},
        {"-w", false, "rewrite files in place"}},
       RunFmt},
#ifdef WRIT_CLI_HAS_BROKER
      {"token",
       "writ token keygen|mint|delegate|verify|revoke [POLICY...] --state DIR [options]",
       "Task credentials by hand: keys, mint, delegate, verify (re-asks the policy), revoke.",
       {{"--state", true, "directory of keys, revocations, use counts and the audit log"},
        {"--trust-domain", true, "keygen (broker): a trusted SPIFFE trust domain (repeat)"},
        {"--name", true, "keygen: make a workload key named NAME (letters, digits, . _ -) instead of the broker's"},
        {"--alg", true, "keygen: Ed25519 (default) or ES256"},
        {"--workload", true, "SPIFFE ID of the requester / presenter (revoke: of the workload)"},
        {"--key", true, "name of that workload's key (from keygen --name)"},
        {"--task", true, "mint: the task id; revoke: revoke the task"},
        {"--tool", true, "mint/delegate: a tool in scope (repeat); verify: the tool called"},
        {"--destination", true, "mint: the audience; verify: where the call goes"},
        {"--data-class", true, "data class of the task or call"},
        {"--session", true, "session id"},
        {"--risk", true, "risk score now (default 0)"},
        {"--token", true, "delegate/verify: file holding the presented token"},
        {"--to", true, "delegate: SPIFFE ID of the sub-agent"},
        {"--to-key", true, "delegate: name of the sub-agent's key"},
        {"--out", true, "mint/delegate: write the new token to this file (0600)"},
        {"--method", true, "verify: HTTP method of the call (default GET)"},
        {"--url", true, "verify: URL of the call (default https://DESTINATION/)"},
        {"--token-id", true, "revoke: the token's id (jti)"},
        {"--completed", false, "revoke --task: the task is completed"},
        {"--reason", true, "revoke: why, for the audit log"}},
       RunToken},
      {"audit", "writ audit verify LOG [--state DIR | --hmac-key FILE]",
       "Check a broker audit log's hash chain (and MACs); name the first bad line.",
       {{"--state", true, "take the HMAC key from this broker state directory"},
        {"--hmac-key", true, "file holding the HMAC key"}},
       RunAudit},
#endif
  };
  return commands;
}

}  // namespace writ::cli

namespace {

void PrintUsage(std::FILE* out) {
  std::fprintf(out, "usage: writ COMMAND FILE... [options]\n\ncommands:\n");
  for (const writ::cli::Command& command : writ::cli::AllCommands()) {
    std::fprintf(out, "  %-8s %s\n", command.name.c_str(), command.summary.c_str());
  }
  std::fprintf(out, "\n'writ COMMAND --help' describes a command.\n");
}

}  // namespace

int main(int argc, char** argv) {
  using writ::cli::kExitUsage;
  if (argc < 2) {
    PrintUsage(stderr);
    return kExitUsage;
  }
  const std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    PrintUsage(stdout);
    return writ::cli::kExitOk;
  }
  for (const writ::cli::Command& command : writ::cli::AllCommands()) {
    if (command.name != name) continue;
    std::vector<std::string> rest(argv + 2, argv + argc);
    for (const std::string& word : rest) {
      if (word == "--help" || word == "-h") {
        writ::cli::PrintCommandHelp(command, stdout);
        return writ::cli::kExitOk;
      }
    }
    std::optional<writ::cli::Arguments> arguments = writ::cli::ParseArguments(command, rest);
    if (!arguments.has_value()) return kExitUsage;
    return command.run(*arguments);
  }
  std::fprintf(stderr, "writ: unknown command '%s'\n", name.c_str());
  PrintUsage(stderr);
  return kExitUsage;
}
