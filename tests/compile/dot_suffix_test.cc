// The dotted-suffix scan of a kDotSuffix probe: the same suffix lengths
// as a walk that finds each '.' in turn.
#include <cstdint>
#include <random>
#include <string>

#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "src/compile/dag_program.h"

namespace writ::internal {
namespace {

// The oracle: KeyLengthBit of each suffix that starts at a '.', found one
// dot at a time.
uint64_t DotSuffixLengthsByFind(absl::string_view text) {
  uint64_t lengths = 0;
  for (size_t dot = text.find('.'); dot != absl::string_view::npos; dot = text.find('.', dot + 1)) {
    lengths |= KeyLengthBit(text.size() - dot);
  }
  return lengths;
}

// Every length the word scan takes (8 to 62 bytes: its fixed words and
// its loop), texts of dots, letters and the bytes a zero-byte test can
// mistake for a '.' (0x2e with its high bit, 0x2f, 0x00, 0xff), read from
// the middle of a buffer of dots so that a word past either end would add
// a length.
TEST(DotSuffixLengths, SameLengthsAsFindingEachDot) {
  std::mt19937_64 random(20261202);
  const std::string alphabet = std::string(".a/") + '\xae' + '\0' + '\xff' + "-";
  std::string buffer(kDotScanLimit + 16, '.');
  for (size_t size = sizeof(uint64_t); size <= kDotScanLimit; ++size) {
    for (int trial = 0; trial < 400; ++trial) {
      for (size_t i = 0; i < size; ++i) buffer[8 + i] = alphabet[random() % alphabet.size()];
      const absl::string_view text(buffer.data() + 8, size);
      ASSERT_TRUE(DotScanFits(text));
      ASSERT_EQ(DotSuffixLengths(text), DotSuffixLengthsByFind(text))
          << "size " << size << ", trial " << trial;
    }
  }
}

TEST(DotSuffixLengths, AHostNameGivesEachDottedSuffixsLength) {
  const absl::string_view host = "api.svc1559.saas.example.io";  // 27 bytes
  EXPECT_EQ(DotSuffixLengths(host), KeyLengthBit(24) | KeyLengthBit(16) | KeyLengthBit(11) |
                                        KeyLengthBit(3));
  EXPECT_EQ(DotSuffixLengths("no-dots-in-this-name"), 0u);
  EXPECT_EQ(DotSuffixLengths("........"), 0x1feu);  // lengths 1 to 8
}

// Shorter than a word or longer than the scan's limit: the walk by find
// takes those.
TEST(DotSuffixLengths, TextsOutsideTheScanAreLeftToTheWalk) {
  EXPECT_FALSE(DotScanFits("a.b.c"));
  EXPECT_TRUE(DotScanFits("a.b.c.de"));
  EXPECT_TRUE(DotScanFits(std::string(kDotScanLimit, '.')));
  EXPECT_FALSE(DotScanFits(std::string(kDotScanLimit + 1, '.')));
}

}  // namespace
}  // namespace writ::internal
