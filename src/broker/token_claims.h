// Internal to the broker: the claims of a task token and their JSON form.
//
//   {"iss":"writ-broker","sub":"spiffe://example.org/planner",
//    "aud":"https://api.example.com","iat":..,"nbf":..,"exp":..,
//    "jti":"<128-bit random>","scope":"search fetch","task_id":"t-42",
//    "data_class":"internal","cnf":{"jkt":"<RFC 7638 thumbprint>"},
//    "max_uses":3,
//    "use_limits_above":[{"jti":"<root jti>","max_uses":5,"exp":..}],
//    "act":{"sub":"spiffe://example.org/sub-agent"},
//    "ancestors":["<root jti>"]}
//
// `sub` is the workload the root token was minted for; `act` (RFC 8693
// §4.1) names the current actor, with prior actors nested inside it, so
// the holder of a delegated token is the outermost act's sub. `ancestors`
// lists the jti of every token above this one, root first, which lets a
// verifier refuse a token whose ancestor was revoked with a lookup per hop
// and no parent table. `use_limits_above` lists the use-limited tokens
// above this one, root first, with their limits and lifetimes: a use of
// this token counts toward each of them as well as toward its own, so the
// uses below a limited token, every delegate's included, stay within its
// limit with a counter lookup per limited hop. max_uses,
// use_limits_above and act/ancestors are left out when zero or empty.
#ifndef WRIT_SRC_BROKER_TOKEN_CLAIMS_H_
#define WRIT_SRC_BROKER_TOKEN_CLAIMS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace writ::broker_internal {

// A use limit of a token above this one (see use_limits_above above).
struct AncestorUseLimit {
  std::string token_id;
  int64_t max_uses = 0;    // > 0
  int64_t expires_at = 0;  // the ancestor's exp: its count is kept as long

  friend bool operator==(const AncestorUseLimit&, const AncestorUseLimit&) = default;
};

struct TokenClaims {
  std::string issuer;
  std::string subject;    // the root token's workload
  std::string audience;   // the destination
  int64_t issued_at = 0;  // NumericDate: seconds since the epoch
  int64_t not_before = 0;
  int64_t expires_at = 0;
  std::string token_id;
  std::vector<std::string> tools;  // the scope, in order
  std::string task_id;
  std::string data_class;
  std::string key_thumbprint;  // cnf.jkt
  int64_t max_uses = 0;        // 0: no limit; this token's uses and its delegates'
  // The use-limited tokens above this one, root first: each use of this
  // token counts toward each of their limits too, so that delegating again
  // and again cannot multiply the uses a limit allows.
  std::vector<AncestorUseLimit> use_limits_above;
  // Delegates, current holder first (the act chain, outermost first).
  std::vector<std::string> actors;
  // Token ids above this one, root first. Same length as `actors`.
  std::vector<std::string> ancestors;

  const std::string& holder() const {
    return actors.empty() ? subject : actors.front();
  }
  int depth() const { return static_cast<int>(ancestors.size()); }
};

std::string TokenClaimsToJson(const TokenClaims& claims);

// Parses the payload of a token whose signature has been checked. Missing
// or mistyped claims, an empty scope and an act chain that does not match
// the ancestors are InvalidArgument.
absl::StatusOr<TokenClaims> ParseTokenClaims(absl::string_view json);

// A scope token per RFC 6749 §3.3: printable ASCII except space, '"' and
// '\\'; also bounded in length.
bool IsValidScopeToken(absl::string_view tool);

}  // namespace writ::broker_internal

#endif  // WRIT_SRC_BROKER_TOKEN_CLAIMS_H_
