#include "src/broker/token_claims.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace writ::broker_internal {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A delegated token two hops below a use-limited root, itself limited.
TokenClaims Grandchild() {
  TokenClaims claims;
  claims.issuer = "writ-broker";
  claims.subject = "spiffe://example.org/agent/planner";
  claims.audience = "https://api.example.com";
  claims.issued_at = claims.not_before = 1'800'000'000;
  claims.expires_at = 1'800'000'300;
  claims.token_id = "grandchild";
  claims.tools = {"search"};
  claims.task_id = "task-42";
  claims.data_class = "internal";
  claims.key_thumbprint = "thumbprint";
  claims.max_uses = 2;
  claims.actors = {"spiffe://example.org/agent/b", "spiffe://example.org/agent/a"};
  claims.ancestors = {"root", "child"};
  claims.use_limits_above = {{"root", 5, 1'800'000'600}, {"child", 3, 1'800'000'450}};
  return claims;
}

TEST(TokenClaimsTest, UseLimitsAboveSurviveTheJsonForm) {
  const TokenClaims claims = Grandchild();
  absl::StatusOr<TokenClaims> parsed = ParseTokenClaims(TokenClaimsToJson(claims));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->use_limits_above, claims.use_limits_above);
  EXPECT_EQ(parsed->max_uses, 2);
}

// A token from writ 0.3.0 or older shared one count, named by "uses_of",
// under its own max_uses; it keeps that limit after an upgrade.
TEST(TokenClaimsTest, AnOlderTokensSharedCountIsALimitAbove) {
  std::string json = TokenClaimsToJson(Grandchild());
  const size_t limits = json.find(",\"use_limits_above\"");
  ASSERT_NE(limits, std::string::npos);
  json.replace(limits, json.find(']', limits) + 1 - limits, ",\"uses_of\":\"root\"");
  absl::StatusOr<TokenClaims> parsed = ParseTokenClaims(json);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_THAT(parsed->use_limits_above,
              ElementsAre(AncestorUseLimit{"root", 2, 1'800'000'300}));
}

TEST(TokenClaimsTest, AUseLimitMustNameAnAncestorInOrder) {
  TokenClaims stranger = Grandchild();
  stranger.use_limits_above[0].token_id = "someone-else";
  TokenClaims reversed = Grandchild();
  std::swap(reversed.use_limits_above[0], reversed.use_limits_above[1]);
  TokenClaims no_uses = Grandchild();
  no_uses.use_limits_above[1].max_uses = 0;
  for (const TokenClaims& claims : {stranger, reversed, no_uses}) {
    absl::StatusOr<TokenClaims> parsed = ParseTokenClaims(TokenClaimsToJson(claims));
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(parsed.status().message(), HasSubstr("use"));
  }
}

}  // namespace
}  // namespace writ::broker_internal
