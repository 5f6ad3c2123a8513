// A `matches` operand's RE2 (src/check/regex.h) is the pattern wrapped as
// `^(?:pattern)`, so that RE2 strips its literal prefix; these tests hold
// it to the pattern as written, matched as a whole string by RE2 itself.
#include "src/check/regex.h"

#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "re2/re2.h"
#include "tests/testing/random_regex.h"

namespace writ::internal {
namespace {

RE2::Options QuietOptions() {
  RE2::Options options;
  options.set_log_errors(false);
  return options;
}

bool FullMatch(const std::string& text, const RE2& regex) { return RE2::FullMatch(text, regex); }

// Random patterns over RE2's syntax: literals and escapes, classes, groups
// of every kind, alternation, quantifiers, anchors, flags and \Q...\E,
// nested; some do not compile, as a user's may not.
test_support::RandomRegex PatternMaker(uint32_t seed) {
  return test_support::RandomRegex(
      seed, {.atoms = {"a", "b", "ab", "spiffe:", "/", "-", "1", "\\.", "\\-", "\\/", ".",
                       "[a-c]", "[^b]", "[ab.]", "\\d", "\\w", "\\b", "^", "$", "(?i)",
                       "(?i:a)", "\\Qa.b\\E", "\\Q)(\\E", "\\Qab", ")", "(", "[", "{2}", "\\"},
             .quantifiers = {"", "", "", "*", "+", "?", "{1,2}", "*?", "{0}", "{2,}"},
             .alphabet = "ab.-/:Ab1 )(\\Q",
             .literals = "ab.-/:1"});
}

TEST(WholeStringRegex, MatchesExactlyTheWholeStringsThePatternMatches) {
  test_support::RandomRegex maker = PatternMaker(20261202);
  int compiled = 0, refused = 0, matches = 0, misses = 0;
  for (int round = 0; round < 4000; ++round) {
    const std::string pattern = maker.Pattern();
    const RE2 written(pattern, QuietOptions());
    const std::shared_ptr<const RE2> used = CompileWholeStringRegex(pattern, QuietOptions());
    ASSERT_EQ(used->ok(), written.ok()) << pattern;
    if (!written.ok()) {
      EXPECT_EQ(used->error(), written.error()) << pattern;
      ++refused;
      continue;
    }
    ++compiled;
    for (int i = 0; i < 25; ++i) {
      const std::string text = i % 2 == 0 ? maker.Text() : maker.TextLike(pattern);
      const bool expected = FullMatch(text, written);
      ASSERT_EQ(FullMatch(text, *used), expected) << "pattern '" << pattern << "', text '"
                                                  << text << "'";
      ++(expected ? matches : misses);
    }
  }
  // Both outcomes, and both kinds of pattern, were exercised.
  EXPECT_GT(compiled, 1000);
  EXPECT_GT(refused, 100);
  EXPECT_GT(matches, 2000);
  EXPECT_GT(misses, 2000);
}

// Wrapped, an invalid pattern could become valid (")(" as "^(?:)()"): the
// pattern is refused as written, with its own error.
TEST(WholeStringRegex, APatternThatDoesNotCompileStaysRefused) {
  for (const char* pattern : {")(", "a)|(b", "[a", "a\\", "*a"}) {
    const RE2 written(pattern, QuietOptions());
    ASSERT_FALSE(written.ok()) << pattern;
    const std::shared_ptr<const RE2> used = CompileWholeStringRegex(pattern, QuietOptions());
    EXPECT_FALSE(used->ok()) << pattern;
    EXPECT_EQ(used->error(), written.error()) << pattern;
  }
}

// An unterminated \Q takes everything after it literally, the wrapper's
// closing parenthesis included: the pattern itself is used.
TEST(WholeStringRegex, AnUnterminatedQuoteKeepsThePatternAsWritten) {
  const std::shared_ptr<const RE2> used = CompileWholeStringRegex("a\\Q)(", QuietOptions());
  ASSERT_TRUE(used->ok());
  EXPECT_TRUE(RE2::FullMatch("a)(", *used));
  EXPECT_FALSE(RE2::FullMatch("a", *used));
}

// The prefix RE2 takes out is only a speed-up: a text shorter than it, or
// that differs from it anywhere, does not match.
TEST(WholeStringRegex, ALiteralPrefixIsComparedWhole) {
  const std::shared_ptr<const RE2> used =
      CompileWholeStringRegex("spiffe://corp\\.example/agents/[a-z][a-z0-9-]*", QuietOptions());
  ASSERT_TRUE(used->ok());
  EXPECT_TRUE(RE2::FullMatch("spiffe://corp.example/agents/planner", *used));
  EXPECT_FALSE(RE2::FullMatch("spiffe://corp.example/agents/", *used));
  EXPECT_FALSE(RE2::FullMatch("spiffe://corp.example/agent", *used));
  EXPECT_FALSE(RE2::FullMatch("spiffe://corpXexample/agents/planner", *used));
  EXPECT_FALSE(RE2::FullMatch("xspiffe://corp.example/agents/planner", *used));
}

}  // namespace
}  // namespace writ::internal
