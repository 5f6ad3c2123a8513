#include "src/internal/bytes_equal.h"

#include <cstring>
#include <string>

#include "gtest/gtest.h"

namespace writ::internal {
namespace {

// memcmp is the oracle: every size from 0 to 40 (both sides of the inline
// words' 4..7 and 8..32 ranges), equal and with one byte changed at each position.
TEST(BytesEqual, AgreesWithMemcmpForEverySizeAndDifferingByte) {
  // Read from the middle of a longer buffer, so that a word read past
  // either end would see bytes the oracle does not compare and differ.
  std::string left(64, 'x');
  std::string right(64, 'y');
  for (size_t size = 0; size <= 40; ++size) {
    for (size_t i = 0; i < size; ++i) left[8 + i] = right[8 + i] = static_cast<char>('a' + i);
    EXPECT_TRUE(BytesEqual(left.data() + 8, right.data() + 8, size)) << "size " << size;
    for (size_t changed = 0; changed < size; ++changed) {
      right[8 + changed] ^= 0x20;
      EXPECT_EQ(BytesEqual(left.data() + 8, right.data() + 8, size),
                std::memcmp(left.data() + 8, right.data() + 8, size) == 0)
          << "size " << size << ", byte " << changed;
      EXPECT_FALSE(BytesEqual(left.data() + 8, right.data() + 8, size));
      right[8 + changed] ^= 0x20;
    }
  }
}

}  // namespace
}  // namespace writ::internal
