#include <random>
#include <string>

#include "gtest/gtest.h"
#include "src/parse/parser.h"

namespace writ::internal {
namespace {

// LineIndex answers as SourceLine does (its oracle, one scan from the top)
// for every line of random texts, empty lines, a last line without '\n'
// and lines past the end included.
TEST(LineIndex, GivesEveryLineAsSourceLineDoes) {
  std::mt19937 random(20261203);
  const std::string pieces[] = {"\n", "\r\n", "a", "allow r when b;", "\t", "é"};
  for (int trial = 0; trial < 500; ++trial) {
    std::string text;
    const int count = random() % 30;
    for (int i = 0; i < count; ++i) text += pieces[random() % std::size(pieces)];
    const LineIndex index(text);
    for (uint32_t line = 0; line <= 32; ++line) {
      ASSERT_EQ(index.Line(line), SourceLine(text, line)) << "line " << line << " of " << text;
    }
  }
}

}  // namespace
}  // namespace writ::internal
