// writ check FILE...: compile and report diagnostics.
#include <cstdio>

#include "tools/writ/cli.h"

namespace writ::cli {

int RunCheck(const Arguments& arguments) {
  std::shared_ptr<const Policy> policy = LoadPolicy(arguments.files);
  if (policy == nullptr) return kExitFailure;
  const internal::CheckedPolicy& checked = policy->checked();
  (void)checked;
  std::printf("ok: %zu file(s), policy digest %s\n", arguments.files.size(),
              policy->info().digest.c_str());
  return kExitOk;
}

}  // namespace writ::cli
