#include "src/broker/jwk.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/broker/base64url.h"
#include "src/broker/crypto.h"
#include "src/broker/signing_key_impl.h"

namespace writ::broker_internal {
namespace {

using ::testing::HasSubstr;

// RFC 8037 Appendix A.2: the Ed25519 public key.
constexpr char kRfc8037PublicJwk[] =
    R"({"kty":"OKP","crv":"Ed25519",)"
    R"("x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})";

TEST(JwkTest, ThumbprintMatchesRfc8037AppendixA3) {
  absl::StatusOr<PublicJwk> jwk = ParsePublicJwk(kRfc8037PublicJwk);
  ASSERT_TRUE(jwk.ok()) << jwk.status();
  EXPECT_EQ(jwk->algorithm, SigningAlgorithm::kEd25519);
  EXPECT_EQ(JwkThumbprint(*jwk), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
}

TEST(JwkTest, ThumbprintIgnoresMemberOrderAndOptionalMembers) {
  absl::StatusOr<PublicJwk> jwk = ParsePublicJwk(
      R"({ "x" : "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", "kid":"k",)"
      R"( "use":"sig", "alg":"Ed25519", "crv":"Ed25519", "kty":"OKP" })");
  ASSERT_TRUE(jwk.ok()) << jwk.status();
  EXPECT_EQ(JwkThumbprint(*jwk), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
}

TEST(JwkTest, Es256CanonicalFormHasCrvKtyXYInOrder) {
  absl::StatusOr<SigningKey> key =
      SigningKey::Generate(SigningAlgorithm::kEs256, "k1");
  ASSERT_TRUE(key.ok()) << key.status();
  const PublicJwk& jwk = SigningKeyAccess::Get(*key).public_jwk;
  const std::string canonical = PublicJwkToJson(jwk, "");
  EXPECT_EQ(canonical, R"({"crv":"P-256","kty":"EC","x":")" +
                           Base64UrlEncode(jwk.x) + R"(","y":")" +
                           Base64UrlEncode(jwk.y) + R"("})");
  EXPECT_EQ(JwkThumbprint(jwk), Base64UrlEncode(Sha256(canonical)));
  EXPECT_EQ(key->Thumbprint(), JwkThumbprint(jwk));
}

TEST(JwkTest, ExportParsesBackToTheSameKey) {
  for (SigningAlgorithm algorithm :
       {SigningAlgorithm::kEd25519, SigningAlgorithm::kEs256}) {
    absl::StatusOr<SigningKey> key = SigningKey::Generate(algorithm, "kid-1");
    ASSERT_TRUE(key.ok()) << key.status();
    const std::string json = key->PublicJwk();
    EXPECT_THAT(json, HasSubstr(R"("kid":"kid-1")"));
    EXPECT_THAT(json, HasSubstr(R"("use":"sig")"));
    absl::StatusOr<PublicJwk> parsed = ParsePublicJwk(json);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(parsed->algorithm, algorithm);
    EXPECT_EQ(JwkThumbprint(*parsed), key->Thumbprint());
  }
}

struct BadJwk {
  const char* name;
  const char* json;
  const char* reason;
};

// Names the case in test output instead of dumping its bytes.
void PrintTo(const BadJwk& c, std::ostream* os) { *os << c.name; }

class JwkRejectsTest : public ::testing::TestWithParam<BadJwk> {};

TEST_P(JwkRejectsTest, RefusesWithAReason) {
  absl::StatusOr<PublicJwk> jwk = ParsePublicJwk(GetParam().json);
  ASSERT_FALSE(jwk.ok());
  EXPECT_EQ(jwk.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(jwk.status().message(), HasSubstr(GetParam().reason));
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, JwkRejectsTest,
    ::testing::Values(
        BadJwk{"NotJson", "{", "not valid JSON"},
        BadJwk{"NotObject", "[]", "not a JSON object"},
        BadJwk{"NoKty", R"({"crv":"Ed25519","x":"AA"})", "\"kty\" is missing"},
        BadJwk{"Rsa", R"({"kty":"RSA","crv":"x","n":"AQAB","e":"AQAB"})",
               "only OKP/Ed25519 and EC/P-256"},
        BadJwk{
            "X25519",
            R"({"kty":"OKP","crv":"X25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})",
            "only OKP/Ed25519"},
        BadJwk{
            "PrivateKey",
            R"({"kty":"OKP","crv":"Ed25519","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})",
            "private key material"},
        BadJwk{
            "ShortX",
            R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHUQ"})",
            "exactly 32 bytes"},
        BadJwk{
            "PaddedX",
            R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo="})",
            "padding"},
        BadJwk{
            "WrongAlg",
            R"({"kty":"OKP","crv":"Ed25519","alg":"ES256","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})",
            "\"alg\" must be \"Ed25519\""},
        BadJwk{
            "EncryptionUse",
            R"({"kty":"OKP","crv":"Ed25519","use":"enc","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})",
            "\"use\" must be \"sig\""},
        BadJwk{
            "DuplicateMember",
            R"({"kty":"OKP","kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})",
            "duplicate member"},
        // The identity point: R = identity, s = 0 signs every message.
        BadJwk{
            "SmallOrderX",
            R"({"kty":"OKP","crv":"Ed25519","x":"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"})",
            "small order"},
        // (0, 0) is not on P-256.
        BadJwk{
            "OffCurvePoint",
            R"({"kty":"EC","crv":"P-256","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","y":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"})",
            "not a point on curve P-256"},
        BadJwk{
            "EcMissingY",
            R"({"kty":"EC","crv":"P-256","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"})",
            "\"y\" is missing"}),
    [](const ::testing::TestParamInfo<BadJwk>& param_info) {
      return std::string(param_info.param.name);
    });

}  // namespace
}  // namespace writ::broker_internal
