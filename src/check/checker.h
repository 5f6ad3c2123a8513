// Internal: FileAst (one per file) -> CheckedPolicy.
#ifndef WRIT_SRC_CHECK_CHECKER_H_
#define WRIT_SRC_CHECK_CHECKER_H_

#include <memory>
#include <string>
#include <vector>

#include "src/check/checked_policy.h"
#include "src/parse/ast.h"
#include "writ/diagnostic.h"
#include "writ/policy.h"

namespace writ::internal {

// One parsed file of a policy set, in source order.
struct ParsedFile {
  std::string name;
  std::string text;
  FileAst ast;
};

// Resolves names, types every condition against the schema and compiles
// regexes, globs and CIDRs. Reports every error it finds (SPEC §3) into
// `diagnostics` and returns nullptr when there was any.
std::shared_ptr<CheckedPolicy> CheckPolicySet(const std::vector<ParsedFile>& files,
                                              const CompileOptions& options,
                                              std::vector<Diagnostic>* diagnostics);

}  // namespace writ::internal

#endif  // WRIT_SRC_CHECK_CHECKER_H_
