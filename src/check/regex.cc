#include "src/check/regex.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace writ::internal {

std::shared_ptr<const RE2> CompileWholeStringRegex(absl::string_view pattern,
                                                   const RE2::Options& options) {
  const re2::StringPiece source(pattern.data(), pattern.size());
  auto regex = std::make_shared<const RE2>(source, options);
  // The pattern is checked as written first: wrapped, an invalid pattern
  // such as ")(" would become a valid one.
  if (!regex->ok()) return regex;
  const std::string anchored = absl::StrCat("^(?:", pattern, ")");
  auto prefixed = std::make_shared<const RE2>(anchored, options);
  return prefixed->ok() ? prefixed : regex;
}

}  // namespace writ::internal
