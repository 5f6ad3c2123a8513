// A toy gateway: decides JSON requests read one per line from stdin with
// the live policy, printing "allow"/"deny" and the deciding policy's digest.
// A line "!reload" recompiles the policy files while decisions go on (in a
// real gateway: on SIGHUP or a file watch, from a control thread).
//
//   gateway [--log FILE] POLICY.writ... < requests.jsonl
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "writ/engine.h"

int main(int argc, char** argv) {
  writ::EngineOptions options;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    const std::string argument = argv[i];
    if (argument == "--log" && i + 1 < argc) {
      absl::StatusOr<std::unique_ptr<writ::LogSink>> sink =
          writ::OpenFileSink({.path = argv[++i]});
      if (!sink.ok()) {
        std::fprintf(stderr, "gateway: %s\n", sink.status().ToString().c_str());
        return 1;
      }
      options.log = std::make_shared<writ::DecisionLog>(*std::move(sink));
    } else {
      files.push_back(argument);
    }
  }
  absl::StatusOr<std::unique_ptr<writ::Engine>> engine =
      writ::Engine::CreateFromFiles(files, options);
  if (!engine.ok()) {
    std::fprintf(stderr, "gateway: %s\n", std::string(engine.status().message()).c_str());
    return 1;
  }
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line == "!reload") {
      absl::Status reloaded = (*engine)->ReloadFiles(files);
      std::printf("reload %s\n", reloaded.ok() ? "ok" : "failed");
      continue;
    }
    absl::StatusOr<writ::EngineDecision> decision = (*engine)->EvaluateJson(line);
    if (!decision.ok()) {
      // Not a decision: a gateway fails closed.
      std::printf("deny (bad request: %s)\n", std::string(decision.status().message()).c_str());
      continue;
    }
    std::printf("%s %.*s\n", writ::EffectName(decision->decision.effect),
                static_cast<int>(decision->policy_digest.view().size()),
                decision->policy_digest.view().data());
  }
  const writ::EngineStats stats = (*engine)->stats();
  std::fprintf(stderr, "decisions=%llu reloads_ok=%llu log_records=%llu\n",
               static_cast<unsigned long long>(stats.decisions),
               static_cast<unsigned long long>(stats.reloads_ok),
               static_cast<unsigned long long>(stats.log_records));
  return 0;
}
