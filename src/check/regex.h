// The RE2 a `matches` operand runs (SPEC §3: RE2 syntax, whole string).
#ifndef WRIT_SRC_CHECK_REGEX_H_
#define WRIT_SRC_CHECK_REGEX_H_

#include <memory>

#include "absl/strings/string_view.h"
#include "re2/re2.h"

namespace writ::internal {

// `pattern` compiled with `options` for whole-string matching
// (RE2::FullMatch): not ok(), with the pattern's own error, when the
// pattern does not compile. Otherwise it is `^(?:pattern)`, which matches
// exactly the same whole strings, because RE2 takes a literal prefix out of
// a pattern only when the pattern starts with `^`: it then compares that
// prefix with memcmp and runs its automaton on the rest of the text. A
// SPIFFE id pattern ("spiffe://corp\.example/agents/[a-z][a-z0-9-]*")
// spends most of a match in its 29-byte prefix: 100 -> 47 ns a match.
// When the wrapped form does not compile (an unterminated \Q, which takes
// the closing parenthesis as a literal), the pattern itself is returned.
std::shared_ptr<const RE2> CompileWholeStringRegex(absl::string_view pattern,
                                                   const RE2::Options& options);

}  // namespace writ::internal

#endif  // WRIT_SRC_CHECK_REGEX_H_
