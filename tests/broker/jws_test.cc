#include "src/broker/jws.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/broker/base64url.h"
#include "src/broker/crypto.h"
#include "src/broker/signing_key_impl.h"
#include "tests/broker/ecdsa_spelling.h"

namespace writ::broker_internal {
namespace {

using ::testing::HasSubstr;
using ::writ::broker_testing::HasLowS;
using ::writ::broker_testing::OtherSpelling;

// RFC 8037 Appendix A.1 (private key) and A.4 (the signed example).
constexpr char kRfc8037Seed[] = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
constexpr char kRfc8037Jws[] =
    "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7"
    "sVvpAr_MuM0KAg";

SigningKey Rfc8037Key() {
  absl::StatusOr<EvpPkeyPtr> key =
      Ed25519PrivateKeyFromSeed(*Base64UrlDecode(kRfc8037Seed));
  EXPECT_TRUE(key.ok()) << key.status();
  return *SigningKeyFromEvp(*std::move(key), "rfc8037");
}

TEST(JwsTest, Ed25519SignatureMatchesRfc8037AppendixA4) {
  const SigningKey key = Rfc8037Key();
  EXPECT_EQ(Base64UrlEncode(SigningKeyAccess::Get(key).public_jwk.x),
            "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo");
  // Ed25519 is deterministic, so signing the same input gives the RFC's
  // exact bytes.
  absl::StatusOr<std::string> token =
      SignCompactJws(key, R"({"alg":"EdDSA"})", "Example of Ed25519 signing");
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(*token, kRfc8037Jws);
}

TEST(JwsTest, TheRfc8037ExampleIsRefusedForItsLegacyAlgName) {
  // Its signature is good, but it says "EdDSA"; RFC 9864 deprecates that
  // polymorphic name and the broker accepts only "Ed25519".
  const SigningKey key = Rfc8037Key();
  CompactJws jws;
  ASSERT_TRUE(ParseCompactJws(kRfc8037Jws, &jws).ok());
  EXPECT_TRUE(VerifySignature(*SigningKeyAccess::Get(key).private_key,
                              SigningAlgorithm::kEd25519, jws.signing_input,
                              jws.signature, SignatureForms::kCanonicalOnly));
  const Check check =
      VerifyCompactJws(jws, SigningAlgorithm::kEd25519,
                       *SigningKeyAccess::Get(key).private_key, SignatureForms::kAny);
  EXPECT_EQ(check.code, RefusalCode::kBadAlgorithm);
  EXPECT_THAT(check.reason, HasSubstr("RFC 9864"));
}

TEST(JwsTest, Es256SignaturesAreRawRAndS) {
  absl::StatusOr<SigningKey> key =
      SigningKey::Generate(SigningAlgorithm::kEs256, "ec");
  ASSERT_TRUE(key.ok());
  for (int i = 0; i < 20; ++i) {
    absl::StatusOr<std::string> signature =
        Sign(*SigningKeyAccess::Get(*key).private_key, SigningAlgorithm::kEs256,
             absl::StrCat("message ", i));
    ASSERT_TRUE(signature.ok());
    // Fixed width even when r or s has leading zero bytes.
    EXPECT_EQ(signature->size(), 64u);
    EXPECT_TRUE(VerifySignature(*SigningKeyAccess::Get(*key).private_key,
                                SigningAlgorithm::kEs256,
                                absl::StrCat("message ", i), *signature,
                                SignatureForms::kCanonicalOnly));
  }
}

TEST(JwsTest, Es256RefusesDerEncodedSignatures) {
  absl::StatusOr<SigningKey> key =
      SigningKey::Generate(SigningAlgorithm::kEs256, "ec");
  ASSERT_TRUE(key.ok());
  std::string raw = *Sign(*SigningKeyAccess::Get(*key).private_key,
                          SigningAlgorithm::kEs256, "m");
  EXPECT_TRUE(VerifySignature(*SigningKeyAccess::Get(*key).private_key,
                              SigningAlgorithm::kEs256, "m", raw, SignatureForms::kAny));
  // A DER SEQUENCE of the same r and s is another spelling: refused.
  std::string der =
      "\x30\x44\x02\x20" + raw.substr(0, 32) + "\x02\x20" + raw.substr(32);
  EXPECT_FALSE(VerifySignature(*SigningKeyAccess::Get(*key).private_key,
                               SigningAlgorithm::kEs256, "m", der, SignatureForms::kAny));
  EXPECT_FALSE(VerifySignature(*SigningKeyAccess::Get(*key).private_key,
                               SigningAlgorithm::kEs256, "m",
                               raw.substr(0, 63), SignatureForms::kAny));
}

// ECDSA signatures come in pairs, (r, s) and (r, n - s), both valid. The
// broker signs with the low s only, so that a token it issues has one
// spelling and one audit fingerprint.
TEST(JwsTest, Es256SignaturesAreMadeWithTheLowS) {
  absl::StatusOr<SigningKey> key = SigningKey::Generate(SigningAlgorithm::kEs256, "ec");
  ASSERT_TRUE(key.ok());
  for (int i = 0; i < 64; ++i) {
    const std::string message = absl::StrCat("message ", i);
    absl::StatusOr<std::string> signature =
        Sign(*SigningKeyAccess::Get(*key).private_key, SigningAlgorithm::kEs256, message);
    ASSERT_TRUE(signature.ok());
    EXPECT_TRUE(HasLowS(*signature)) << i;
    EXPECT_FALSE(HasLowS(OtherSpelling(*signature))) << i;
  }
}

TEST(JwsTest, TheHighSSpellingVerifiesOnlyWhereAnySpellingIsAccepted) {
  absl::StatusOr<SigningKey> key = SigningKey::Generate(SigningAlgorithm::kEs256, "ec");
  ASSERT_TRUE(key.ok());
  const EVP_PKEY& public_key = *SigningKeyAccess::Get(*key).private_key;
  const std::string low = *Sign(public_key, SigningAlgorithm::kEs256, "m");
  const std::string high = OtherSpelling(low);
  EXPECT_TRUE(VerifySignature(public_key, SigningAlgorithm::kEs256, "m", low,
                              SignatureForms::kCanonicalOnly));
  EXPECT_TRUE(VerifySignature(public_key, SigningAlgorithm::kEs256, "m", high,
                              SignatureForms::kAny));
  EXPECT_FALSE(VerifySignature(public_key, SigningAlgorithm::kEs256, "m", high,
                               SignatureForms::kCanonicalOnly));
}

class KeyRingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ed_ = *SigningKey::Generate(SigningAlgorithm::kEd25519, "ed-1");
    ec_ = *SigningKey::Generate(SigningAlgorithm::kEs256, "ec-1");
  }

  std::string Token(const SigningKey& key, absl::string_view typ = "t+jwt",
                    absl::string_view payload = R"({"sub":"a"})") {
    return *SignCompactJws(
        key, JoseHeaderJson(key.algorithm(), key.key_id(), typ, nullptr),
        payload);
  }

  // A token with an arbitrary header, signed (or not) as the test says.
  static std::string Forge(absl::string_view header, absl::string_view payload,
                           absl::string_view signature) {
    return absl::StrCat(Base64UrlEncode(header), ".", Base64UrlEncode(payload),
                        ".", Base64UrlEncode(signature));
  }

  Check Verify(const KeyRing& ring, absl::string_view token) {
    CompactJws jws;
    return ring.Verify(token, "t+jwt", &jws);
  }

  std::optional<SigningKey> ed_;
  std::optional<SigningKey> ec_;
};

TEST_F(KeyRingTest, VerifiesTokensOfBothAlgorithms) {
  KeyRing ring;
  ASSERT_TRUE(ring.Add(*ed_).ok());
  ASSERT_TRUE(ring.Add(*ec_).ok());
  CompactJws jws;
  Check check = ring.Verify(Token(*ed_), "t+jwt", &jws);
  EXPECT_TRUE(check.ok()) << check.reason;
  EXPECT_EQ(jws.payload, R"({"sub":"a"})");
  check = ring.Verify(Token(*ec_), "t+jwt", &jws);
  EXPECT_TRUE(check.ok()) << check.reason;
}

// A token the broker issued, re-spelled with the high s: the signature is
// valid ECDSA, but not a spelling the broker makes, so it is refused
// (it would otherwise be one token under two audit fingerprints).
TEST_F(KeyRingTest, RefusesTheOtherSpellingOfAnEs256Token) {
  KeyRing ring;
  ASSERT_TRUE(ring.Add(*ec_).ok());
  const std::string token = Token(*ec_);
  ASSERT_TRUE(Verify(ring, token).ok());
  const std::vector<std::string> parts = absl::StrSplit(token, '.');
  ASSERT_EQ(parts.size(), 3u);
  const std::string respelled = absl::StrCat(
      parts[0], ".", parts[1], ".", Base64UrlEncode(OtherSpelling(*Base64UrlDecode(parts[2]))));
  EXPECT_EQ(Verify(ring, respelled).code, RefusalCode::kBadSignature);
}

TEST_F(KeyRingTest, RotationKeepsOldKeysVerifyingUntilRetired) {
  KeyRing ring;
  ASSERT_TRUE(ring.Add(*ed_).ok());
  const std::string old_token = Token(*ed_);
  ASSERT_TRUE(ring.Add(*ec_).ok());
  EXPECT_EQ(ring.active().key_id(), "ec-1");
  EXPECT_TRUE(Verify(ring, old_token).ok());
  EXPECT_EQ(ring.Retire("ec-1").code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(ring.Retire("ed-1").ok());
  EXPECT_EQ(Verify(ring, old_token).code, RefusalCode::kUnknownKey);
  EXPECT_EQ(ring.Retire("ed-1").code(), absl::StatusCode::kNotFound);
}

TEST_F(KeyRingTest, RefusesDuplicateAndEmptyKeyIds) {
  KeyRing ring;
  ASSERT_TRUE(ring.Add(*ed_).ok());
  SigningKey again = *SigningKey::Generate(SigningAlgorithm::kEs256, "ed-1");
  EXPECT_EQ(ring.Add(again).code(), absl::StatusCode::kAlreadyExists);
  SigningKey unnamed = *SigningKey::Generate(SigningAlgorithm::kEs256, "");
  EXPECT_EQ(ring.Add(unnamed).code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(KeyRingTest, RefusesUnknownKid) {
  KeyRing ring;
  ASSERT_TRUE(ring.Add(*ed_).ok());
  SigningKey stranger = *SigningKey::Generate(SigningAlgorithm::kEd25519, "zz");
  const Check check = Verify(ring, Token(stranger));
  EXPECT_EQ(check.code, RefusalCode::kUnknownKey);
}

TEST_F(KeyRingTest, RefusesAWrongKeyUnderAKnownKid) {
  KeyRing ring;
  ASSERT_TRUE(ring.Add(*ed_).ok());
  // An attacker's own key, claiming our kid.
  SigningKey attacker =
      *SigningKey::Generate(SigningAlgorithm::kEd25519, "ed-1");
  EXPECT_EQ(Verify(ring, Token(attacker)).code, RefusalCode::kBadSignature);
}

TEST_F(KeyRingTest, RefusesAlgNone) {
  KeyRing ring;
  ASSERT_TRUE(ring.Add(*ed_).ok());
  for (const char* header : {R"({"alg":"none","kid":"ed-1","typ":"t+jwt"})",
                             R"({"alg":"none","typ":"t+jwt"})"}) {
    const std::string forged =
        absl::StrCat(Base64UrlEncode(header), ".", Base64UrlEncode("{}"), ".");
    const Check check = Verify(ring, forged);
    // An empty third part is malformed before it is anything else.
    EXPECT_FALSE(check.ok());
    const Check with_signature = Verify(ring, Forge(header, "{}", "x"));
    EXPECT_EQ(with_signature.code, RefusalCode::kBadAlgorithm);
    EXPECT_THAT(with_signature.reason, HasSubstr("\"none\""));
  }
}

TEST_F(KeyRingTest, RefusesHmacWithThePublicKeyAsSecret) {
  KeyRing ring;
  ASSERT_TRUE(ring.Add(*ed_).ok());
  // The classic confusion: HS256 keyed with the verifier's public key.
  const std::string header = R"({"alg":"HS256","kid":"ed-1","typ":"t+jwt"})";
  const std::string input =
      absl::StrCat(Base64UrlEncode(header), ".", Base64UrlEncode("{}"));
  const std::string mac = HmacSha256(ed_->PublicJwk(), input);
  const Check check =
      Verify(ring, absl::StrCat(input, ".", Base64UrlEncode(mac)));
  EXPECT_EQ(check.code, RefusalCode::kBadAlgorithm);
  EXPECT_THAT(check.reason, HasSubstr("HMAC"));
}

TEST_F(KeyRingTest, RefusesAnAlgOtherThanTheKeys) {
  KeyRing ring;
  ASSERT_TRUE(ring.Add(*ed_).ok());
  // Signed by an ES256 key but naming the Ed25519 key's kid.
  const std::string token = *SignCompactJws(
      *ec_, JoseHeaderJson(SigningAlgorithm::kEs256, "ed-1", "t+jwt", nullptr),
      "{}");
  const Check check = Verify(ring, token);
  EXPECT_EQ(check.code, RefusalCode::kBadAlgorithm);
  EXPECT_THAT(check.reason, HasSubstr("not the key's algorithm"));
}

TEST_F(KeyRingTest, RefusesAnyTampering) {
  KeyRing ring;
  ASSERT_TRUE(ring.Add(*ed_).ok());
  const std::string token = Token(*ed_);
  const std::vector<std::string> parts = absl::StrSplit(token, '.');
  // Payload swapped for another, header untouched.
  EXPECT_EQ(Verify(ring, absl::StrCat(parts[0], ".",
                                      Base64UrlEncode(R"({"sub":"b"})"), ".",
                                      parts[2]))
                .code,
            RefusalCode::kBadSignature);
  // Header re-encoded with an extra member.
  EXPECT_EQ(
      Verify(ring,
             absl::StrCat(
                 Base64UrlEncode(
                     R"({"alg":"Ed25519","kid":"ed-1","typ":"t+jwt","x":1})"),
                 ".", parts[1], ".", parts[2]))
          .code,
      RefusalCode::kBadSignature);
  // One signature bit flipped.
  std::string signature = *Base64UrlDecode(parts[2]);
  signature[10] ^= 1;
  EXPECT_EQ(Verify(ring, absl::StrCat(parts[0], ".", parts[1], ".",
                                      Base64UrlEncode(signature)))
                .code,
            RefusalCode::kBadSignature);
}

TEST_F(KeyRingTest, RefusesNonCanonicalSpellingsOfAValidToken) {
  KeyRing ring;
  ASSERT_TRUE(ring.Add(*ed_).ok());
  const std::string token = Token(*ed_);
  ASSERT_TRUE(Verify(ring, token).ok());
  EXPECT_EQ(Verify(ring, token + "=").code, RefusalCode::kMalformed);
  EXPECT_EQ(Verify(ring, token + "\n").code, RefusalCode::kMalformed);
  EXPECT_EQ(Verify(ring, " " + token).code, RefusalCode::kMalformed);
  EXPECT_EQ(Verify(ring, token + ".").code, RefusalCode::kMalformed);
  // The Ed25519 signature is 64 bytes: 86 characters whose last one has 4
  // unused bits. Setting one of them spells the same bytes differently.
  std::string respelled = token;
  char& last = respelled.back();
  const std::string alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  last = alphabet[alphabet.find(last) | 1];
  const Check check = Verify(ring, respelled);
  EXPECT_EQ(check.code, RefusalCode::kMalformed);
  EXPECT_THAT(check.reason, HasSubstr("unused bits"));
}

TEST_F(KeyRingTest, RefusesTheWrongTypAndHeaderExtensions) {
  KeyRing ring;
  ASSERT_TRUE(ring.Add(*ed_).ok());
  EXPECT_EQ(Verify(ring, Token(*ed_, "dpop+jwt")).code, RefusalCode::kBadType);
  const std::string crit = *SignCompactJws(
      *ed_, R"({"alg":"Ed25519","kid":"ed-1","typ":"t+jwt","crit":["exp"]})",
      "{}");
  EXPECT_THAT(Verify(ring, crit).reason, HasSubstr("\"crit\""));
  const std::string duplicate = *SignCompactJws(
      *ed_, R"({"alg":"Ed25519","alg":"Ed25519","kid":"ed-1","typ":"t+jwt"})",
      "{}");
  EXPECT_EQ(Verify(ring, duplicate).code, RefusalCode::kMalformed);
  // A token may not bring the key to check it with.
  const PublicJwk jwk = SigningKeyAccess::Get(*ed_).public_jwk;
  const std::string embedded = *SignCompactJws(
      *ed_, JoseHeaderJson(SigningAlgorithm::kEd25519, "ed-1", "t+jwt", &jwk),
      "{}");
  EXPECT_EQ(Verify(ring, embedded).code, RefusalCode::kBadAlgorithm);
}

// "crit" may name the one extension this verifier implements, present and
// true; anything else about it refuses the token.
TEST_F(KeyRingTest, TheOnlyCriticalMemberUnderstoodIsTheNestedUseLimits) {
  KeyRing ring;
  ASSERT_TRUE(ring.Add(*ed_).ok());
  const auto signed_with = [&](absl::string_view extra) {
    return *SignCompactJws(
        *ed_, absl::StrCat(R"({"alg":"Ed25519","kid":"ed-1","typ":"t+jwt")", extra, "}"),
        "{}");
  };
  const std::string marked = *SignCompactJws(
      *ed_, JoseHeaderJson(SigningAlgorithm::kEd25519, "ed-1", "t+jwt", nullptr, true), "{}");
  CompactJws jws;
  ASSERT_TRUE(ring.Verify(marked, "t+jwt", &jws).ok());
  EXPECT_TRUE(jws.header.nested_use_limits);
  ASSERT_TRUE(ring.Verify(Token(*ed_), "t+jwt", &jws).ok());
  EXPECT_FALSE(jws.header.nested_use_limits);
  // Not critical unless "crit" says so.
  ASSERT_TRUE(ring.Verify(signed_with(R"(,"writ_nested_use_limits":true)"), "t+jwt", &jws).ok());
  EXPECT_FALSE(jws.header.nested_use_limits);
  EXPECT_EQ(Verify(ring, signed_with(R"(,"crit":["writ_nested_use_limits","exp"],)"
                                     R"("writ_nested_use_limits":true)")).code,
            RefusalCode::kBadAlgorithm);
  for (const std::string malformed :
       {R"(,"crit":["writ_nested_use_limits"])",
        R"(,"crit":["writ_nested_use_limits"],"writ_nested_use_limits":false)",
        R"(,"crit":["writ_nested_use_limits"],"writ_nested_use_limits":1)",
        R"(,"crit":[],"writ_nested_use_limits":true)",
        R"(,"crit":"writ_nested_use_limits","writ_nested_use_limits":true)",
        R"(,"crit":[7],"writ_nested_use_limits":true)",
        R"(,"crit":["writ_nested_use_limits","writ_nested_use_limits"],)"
        R"("writ_nested_use_limits":true)"}) {
    EXPECT_EQ(Verify(ring, signed_with(malformed)).code, RefusalCode::kMalformed) << malformed;
  }
}

TEST_F(KeyRingTest, PublishesEveryVerifyingKey) {
  KeyRing ring;
  ASSERT_TRUE(ring.Add(*ed_).ok());
  ASSERT_TRUE(ring.Add(*ec_).ok());
  const std::string jwks = ring.Jwks();
  EXPECT_THAT(jwks, HasSubstr(R"("kid":"ed-1")"));
  EXPECT_THAT(jwks, HasSubstr(R"("kid":"ec-1")"));
  EXPECT_THAT(jwks, ::testing::Not(HasSubstr("\"d\"")));
}

}  // namespace
}  // namespace writ::broker_internal
