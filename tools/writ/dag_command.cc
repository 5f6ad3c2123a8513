// writ dag FILE... [--format text|dot]: print the compiled decision DAG, so
// an author can see which atoms are shared and which rules a request on a
// given value visits (why a policy is fast or slow).
#include <cstdio>
#include <string>

#include "tools/writ/cli.h"

namespace writ::cli {

int RunDag(const Arguments& arguments) {
  const std::string format = arguments.Get("--format").value_or("text");
  if (format != "text" && format != "dot") {
    std::fprintf(stderr, "writ dag: unknown --format '%s' (text or dot)\n", format.c_str());
    return kExitUsage;
  }
  std::shared_ptr<const Policy> policy = LoadPolicy(arguments.files);
  if (policy == nullptr) return kExitFailure;
  std::fputs(policy->DumpDag(format).c_str(), stdout);
  return kExitOk;
}

}  // namespace writ::cli
