// Internal to the broker: the claims of a task token and their JSON form.
//
//   {"iss":"writ-broker","sub":"spiffe://example.org/planner",
//    "aud":"https://api.example.com","iat":..,"nbf":..,"exp":..,
//    "jti":"<128-bit random>","scope":"search fetch","task_id":"t-42",
//    "data_class":"internal","cnf":{"jkt":"<RFC 7638 thumbprint>"},
//    "max_uses":3,"uses_of":"<jti whose use count this token shares>",
//    "act":{"sub":"spiffe://example.org/sub-agent"},
//    "ancestors":["<root jti>"]}
//
// `sub` is the workload the root token was minted for; `act` (RFC 8693
// §4.1) names the current actor, with prior actors nested inside it, so
// the holder of a delegated token is the outermost act's sub. `ancestors`
// lists the jti of every token above this one, root first, which lets a
// verifier refuse a token whose ancestor was revoked with a lookup per hop
// and no parent table. max_uses, uses_of and act/ancestors are left out
// when zero or empty.
#ifndef WRIT_SRC_BROKER_TOKEN_CLAIMS_H_
#define WRIT_SRC_BROKER_TOKEN_CLAIMS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace writ::broker_internal {

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
  int64_t max_uses = 0;        // 0: no limit
  // The token whose use count this one's uses add to, when it is not this
  // token itself: a token delegated from a use-limited one shares its
  // parent's count, so that delegating again and again cannot multiply the
  // uses the limit allows. Empty: its own count.
  std::string use_budget_id;
  // Delegates, current holder first (the act chain, outermost first).
  std::vector<std::string> actors;
  // Token ids above this one, root first. Same length as `actors`.
  std::vector<std::string> ancestors;

  const std::string& holder() const {
    return actors.empty() ? subject : actors.front();
  }
  int depth() const { return static_cast<int>(ancestors.size()); }
  const std::string& use_counter_id() const {
    return use_budget_id.empty() ? token_id : use_budget_id;
  }
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
