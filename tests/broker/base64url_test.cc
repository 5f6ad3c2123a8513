#include "src/broker/base64url.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace writ::broker_internal {
namespace {

using ::testing::HasSubstr;

// RFC 4648 §10 vectors, with padding removed and the URL alphabet.
TEST(Base64UrlTest, EncodesTheRfc4648Vectors) {
  EXPECT_EQ(Base64UrlEncode(""), "");
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(Base64UrlEncode("fo"), "Zm8");
  EXPECT_EQ(Base64UrlEncode("foo"), "Zm9v");
  EXPECT_EQ(Base64UrlEncode("foob"), "Zm9vYg");
  EXPECT_EQ(Base64UrlEncode("fooba"), "Zm9vYmE");
  EXPECT_EQ(Base64UrlEncode("foobar"), "Zm9vYmFy");
}

TEST(Base64UrlTest, UsesTheUrlAlphabet) {
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_EQ(*Base64UrlDecode("-_8"), "\xfb\xff");
}

TEST(Base64UrlTest, RoundTripsEveryByteAndLength) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) {
    bytes.push_back(static_cast<char>(i));
    const std::string encoded = Base64UrlEncode(bytes);
    absl::StatusOr<std::string> decoded = Base64UrlDecode(encoded);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, bytes);
  }
}

struct BadSpelling {
  const char* name;
  const char* text;
  const char* reason;
};

// Names the case in test output instead of dumping its bytes.
void PrintTo(const BadSpelling& c, std::ostream* os) { *os << c.name; }

class Base64UrlRejectsTest : public ::testing::TestWithParam<BadSpelling> {};

TEST_P(Base64UrlRejectsTest, RefusesWithAReason) {
  absl::StatusOr<std::string> decoded = Base64UrlDecode(GetParam().text);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(decoded.status().message(), HasSubstr(GetParam().reason));
}

INSTANTIATE_TEST_SUITE_P(
    NonCanonicalSpellings, Base64UrlRejectsTest,
    ::testing::Values(
        BadSpelling{"Padding", "Zg==", "padding"},
        BadSpelling{"SinglePad", "Zm8=", "padding"},
        BadSpelling{"StandardPlus", "+_8", "standard base64"},
        BadSpelling{"StandardSlash", "-/8", "standard base64"},
        BadSpelling{"Space", "Zm9v Yg", "whitespace"},
        BadSpelling{"Newline", "Zm9v\nYg", "whitespace"},
        BadSpelling{"TrailingNewline", "Zm9vYg\n", "whitespace"},
        BadSpelling{"HighByte", "Zm\xc3\xa9", "0xc3"},
        BadSpelling{"LengthOneModFour", "Zm9vY", "length 5"},
        BadSpelling{"SingleChar", "Z", "length 1"},
        // "Zg" is "f"; "Zh" decodes to the same byte with stray bits set.
        BadSpelling{"StrayBitsAfterOneByte", "Zh", "unused bits"},
        BadSpelling{"StrayBitsAfterOneByteMax", "Z_", "unused bits"},
        // "Zm8" is "fo"; "Zm9" differs only in the two unused bits.
        BadSpelling{"StrayBitsAfterTwoBytes", "Zm9", "unused bits"}),
    [](const ::testing::TestParamInfo<BadSpelling>& param_info) {
      return std::string(param_info.param.name);
    });

TEST(Base64UrlTest, RefusesAnEmbeddedNul) {
  absl::StatusOr<std::string> decoded =
      Base64UrlDecode(absl::string_view("Zm\0v", 4));
  ASSERT_FALSE(decoded.ok());
  EXPECT_THAT(decoded.status().message(), HasSubstr("0x00"));
}

TEST(Base64UrlTest, ErrorsDoNotEchoTheInput) {
  const std::string secret = "c2VjcmV0LXRva2Vu=";
  absl::StatusOr<std::string> decoded = Base64UrlDecode(secret);
  ASSERT_FALSE(decoded.ok());
  EXPECT_THAT(decoded.status().message(),
              ::testing::Not(HasSubstr("c2VjcmV0")));
}

TEST(Base64UrlTest, DecodingIsTheInverseOfEncodingOnly) {
  // For every 2- and 3-character string over the alphabet, decoding
  // succeeds exactly when re-encoding gives the same text back.
  const std::string alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  int accepted = 0;
  for (char a : alphabet) {
    for (char b : alphabet) {
      for (int length = 2; length <= 3; ++length) {
        std::string text = {a, b};
        if (length == 3) text.push_back('Q');
        absl::StatusOr<std::string> decoded = Base64UrlDecode(text);
        if (decoded.ok()) {
          ++accepted;
          EXPECT_EQ(Base64UrlEncode(*decoded), text);
        }
      }
    }
  }
  // 256 one-byte values for length 2; for length 3 the fixed 'Q' (16) has
  // low bits 0000... so all 64*64 pairs give canonical 2-byte values.
  EXPECT_EQ(accepted, 256 + 64 * 64);
}

}  // namespace
}  // namespace writ::broker_internal
