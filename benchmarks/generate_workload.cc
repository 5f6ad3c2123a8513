// Writes a generated policy set and its requests as files, for `writ bench`
// and `writ eval` runs on the same workload the benchmarks use:
//
//   generate_workload RULES OUT_DIR [SEED]
//     -> OUT_DIR/generated-RULES.writ and OUT_DIR/requests-RULES.jsonl
#include <cstdio>
#include <fstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "benchmarks/policy_generator.h"

namespace {

bool WriteFile(const std::string& path, const std::string& text) {
  std::ofstream stream(path, std::ios::binary);
  stream << text;
  return static_cast<bool>(stream);
}

}  // namespace

int main(int argc, char** argv) {
  writ::bench::GeneratorOptions options;
  if ((argc != 3 && argc != 4) || !absl::SimpleAtoi(argv[1], &options.rules) ||
      (argc == 4 && !absl::SimpleAtoi(argv[3], &options.seed))) {
    std::fprintf(stderr, "usage: generate_workload RULES OUT_DIR [SEED]\n");
    return 2;
  }
  const std::string directory = argv[2];
  const writ::bench::GeneratedPolicy policy = writ::bench::GeneratePolicy(options);
  std::string lines;
  for (const writ::bench::GeneratedRequest& request :
       writ::bench::GenerateRequests(policy, options)) {
    absl::StrAppend(&lines, writ::bench::RequestToJson(request), "\n");
  }
  const std::string policy_path = absl::StrCat(directory, "/generated-", options.rules, ".writ");
  const std::string requests_path = absl::StrCat(directory, "/requests-", options.rules, ".jsonl");
  if (!WriteFile(policy_path, policy.source) || !WriteFile(requests_path, lines)) {
    std::fprintf(stderr, "generate_workload: cannot write to '%s'\n", directory.c_str());
    return 1;
  }
  std::printf("%s\n%s\n", policy_path.c_str(), requests_path.c_str());
  return 0;
}
