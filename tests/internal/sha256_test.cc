#include "src/internal/sha256.h"

#include <string>

#include "gtest/gtest.h"

namespace writ::internal {
namespace {

TEST(Sha256, MatchesTheFipsAbcVector) {
  // FIPS 180-2, appendix B.1.
  EXPECT_EQ(Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, MatchesTheFipsTwoBlockVector) {
  // FIPS 180-2, appendix B.2.
  EXPECT_EQ(
      Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, OfNothingIsTheKnownEmptyDigest) {
  EXPECT_EQ(Sha256Hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(HmacSha256, MatchesRfc4231TestCase2) {
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(HmacSha256, KeyLongerThanABlockIsHashedFirst) {
  // RFC 4231, test case 6: a 131-byte key of 0xaa.
  EXPECT_EQ(HmacSha256Hex(std::string(131, '\xaa'),
                          "Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(SourceSetDigest, HashesEachFileAsBigEndianLengthThenBytes) {
  const std::string framed = std::string("\0\0\0\0\0\0\0\3abc", 11) +
                             std::string("\0\0\0\0\0\0\0\0", 8);
  EXPECT_EQ(SourceSetDigest({"abc", ""}), "sha256:" + Sha256Hex(framed));
}

TEST(SourceSetDigest, IsSha256PrefixAnd64LowercaseHexDigits) {
  std::string digest = SourceSetDigest({"policy \"p\";\n"});
  ASSERT_EQ(digest.size(), 7u + 64u);
  EXPECT_EQ(digest.substr(0, 7), "sha256:");
  for (char c : digest.substr(7)) {
    EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << digest;
  }
}

TEST(SourceSetDigest, ChangesWhenAByteMovesBetweenFiles) {
  EXPECT_NE(SourceSetDigest({"ab", "c"}), SourceSetDigest({"a", "bc"}));
  EXPECT_NE(SourceSetDigest({"abc"}), SourceSetDigest({"abc", ""}));
}

TEST(SourceSetDigest, ChangesWhenFilesAreReordered) {
  EXPECT_NE(SourceSetDigest({"a", "b"}), SourceSetDigest({"b", "a"}));
}

TEST(SourceSetDigest, IsStableForTheSameTexts) {
  std::string first = "deny r when not token.bound;";
  std::string second = first;  // another buffer, as after a rename
  EXPECT_EQ(SourceSetDigest({first}), SourceSetDigest({second}));
}

}  // namespace
}  // namespace writ::internal
