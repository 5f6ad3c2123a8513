#include "src/internal/glob.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "re2/re2.h"
#include "tests/testing/utf8.h"

namespace writ::internal {
namespace {

Glob MustCompile(absl::string_view pattern) {
  std::string error;
  std::optional<Glob> glob = Glob::Compile(pattern, &error);
  EXPECT_TRUE(glob.has_value()) << pattern << ": " << error;
  return glob.has_value() ? *std::move(glob) : *Glob::Compile("", &error);
}

struct MatchCase {
  const char* pattern;
  const char* text;
  bool matches;
};

class GlobMatch : public testing::TestWithParam<MatchCase> {};

TEST_P(GlobMatch, MatchesAsSpecified) {
  EXPECT_EQ(MustCompile(GetParam().pattern).Matches(GetParam().text),
            GetParam().matches)
      << "pattern '" << GetParam().pattern << "', text '" << GetParam().text
      << "'";
}

INSTANTIATE_TEST_SUITE_P(
    Glob, GlobMatch,
    testing::Values(
        // Literals are exact and case-sensitive.
        MatchCase{"abc", "abc", true}, MatchCase{"abc", "ABC", false},
        MatchCase{"abc", "abcd", false}, MatchCase{"", "", true},
        MatchCase{"", "a", false},
        // `*` is any run, including none and including dots.
        MatchCase{"*", "", true}, MatchCase{"*", "anything.at.all", true},
        MatchCase{"*.docs.example.com", "api.docs.example.com", true},
        MatchCase{"*.docs.example.com", "a.b.docs.example.com", true},
        MatchCase{"*.docs.example.com", "docs.example.com", false},
        MatchCase{"*.docs.example.com", "evil.com/.docs.example.com.x", false},
        MatchCase{"a*b*c", "abc", true}, MatchCase{"a*b*c", "aXbYbZc", true},
        MatchCase{"a*b*c", "aXbYc", true}, MatchCase{"a*b*c", "acb", false},
        MatchCase{"a**b", "ab", true}, MatchCase{"*a*", "bab", true},
        MatchCase{"a*a", "a", false}, MatchCase{"*aab", "aaab", true},
        // `?` is exactly one code point, however many bytes it takes.
        MatchCase{"?", "", false}, MatchCase{"?", "a", true},
        MatchCase{"?", "ab", false}, MatchCase{"?", "é", true},
        MatchCase{"?", "日", true}, MatchCase{"??", "日", false},
        MatchCase{"?", "😀", true}, MatchCase{"a?c", "a😀c", true},
        MatchCase{"*??", "é", false}, MatchCase{"*?", "é", true},
        MatchCase{"*?x", "éx", true}, MatchCase{"é*", "éa", true},
        // Escapes stand for the literal characters.
        MatchCase{"a\\*b", "a*b", true}, MatchCase{"a\\*b", "aXb", false},
        MatchCase{"a\\?b", "a?b", true}, MatchCase{"a\\?b", "aXb", false},
        MatchCase{"a\\\\b", "a\\b", true}, MatchCase{"\\**", "*abc", true},
        MatchCase{"\\**", "abc", false}));

TEST(Glob, TrailingBackslashIsABadGlob) {
  std::string error;
  EXPECT_FALSE(Glob::Compile("abc\\", &error).has_value());
  EXPECT_EQ(error, "trailing backslash");
}

TEST(Glob, EscapedBackslashAtTheEndIsFine) {
  EXPECT_TRUE(MustCompile("abc\\\\").Matches("abc\\"));
}

struct BadEscapeCase {
  const char* pattern;
  const char* error;
};

class GlobBadEscape : public testing::TestWithParam<BadEscapeCase> {};

TEST_P(GlobBadEscape, IsABadGlobNamingTheEscape) {
  std::string error;
  EXPECT_FALSE(Glob::Compile(GetParam().pattern, &error).has_value());
  EXPECT_EQ(error, GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Glob, GlobBadEscape,
    testing::Values(
        BadEscapeCase{"a\\d", "unknown escape '\\d' (only \\*, \\? "
                              "and \\\\ are escapes)"},
        BadEscapeCase{"\\.", "unknown escape '\\.' (only \\*, \\? "
                             "and \\\\ are escapes)"},
        BadEscapeCase{"\\é", "unknown escape '\\é' (only \\*, \\? "
                             "and \\\\ are escapes)"}));

struct LiteralPartsCase {
  const char* pattern;
  const char* prefix;
  const char* suffix;
  bool has_wildcard;
};

class GlobLiteralParts : public testing::TestWithParam<LiteralPartsCase> {};

TEST_P(GlobLiteralParts, AreTheLiteralEnds) {
  Glob glob = MustCompile(GetParam().pattern);
  EXPECT_EQ(glob.literal_prefix(), GetParam().prefix);
  EXPECT_EQ(glob.literal_suffix(), GetParam().suffix);
  EXPECT_EQ(glob.has_wildcard(), GetParam().has_wildcard);
}

INSTANTIATE_TEST_SUITE_P(
    Glob, GlobLiteralParts,
    testing::Values(
        // Without a wildcard the whole pattern is both ends.
        LiteralPartsCase{"exact", "exact", "exact", false},
        LiteralPartsCase{"a\\*b", "a*b", "a*b", false},
        LiteralPartsCase{"api.*", "api.", "", true},
        LiteralPartsCase{"*.example.com", "", ".example.com", true},
        LiteralPartsCase{"ab*cd?ef", "ab", "ef", true},
        LiteralPartsCase{"\\?x*y\\\\", "?x", "y\\", true},
        LiteralPartsCase{"?", "", "", true}));

struct SingleStarCase {
  const char* pattern;
  bool single_star;
};

class GlobSingleStar : public testing::TestWithParam<SingleStarCase> {};

// Exactly a prefix, one `*` and a suffix, with no `?`, escape or stray
// byte, is single-star. (tests/eval/dag_evaluator_test.cc holds the DAG's
// prefix-and-suffix test of such patterns to the token matcher.)
TEST_P(GlobSingleStar, IsExactlyAPrefixOneStarAndASuffix) {
  EXPECT_EQ(MustCompile(GetParam().pattern).single_star(), GetParam().single_star)
      << GetParam().pattern;
}

INSTANTIATE_TEST_SUITE_P(
    Glob, GlobSingleStar,
    testing::Values(SingleStarCase{"*", true}, SingleStarCase{"a*", true},
                    SingleStarCase{"*b", true}, SingleStarCase{"a*b", true},
                    SingleStarCase{"ab*ab", true}, SingleStarCase{"a*ab", true},
                    SingleStarCase{"*.example.com", true},
                    SingleStarCase{"api-*.example.com", true}, SingleStarCase{"a*\xa9" "b", false},
                    SingleStarCase{"a**b", false}, SingleStarCase{"a*b*", false},
                    SingleStarCase{"a?b", false}, SingleStarCase{"*?", false},
                    SingleStarCase{"a\\*b", false}, SingleStarCase{"a\\**", false},
                    SingleStarCase{"abc", false}, SingleStarCase{"", false}));

// Many stars against a long near-miss text: instant with the
// single-backtrack algorithm, exponential with naive recursion. The pattern
// ends in `*` so the literal prefix/suffix check cannot answer first.
TEST(Glob, ManyStarsOnANearMissStayFast) {
  std::string pattern;
  for (int i = 0; i < 30; ++i) pattern += "*a";
  pattern += "*b*";
  std::string text(10000, 'a');
  EXPECT_FALSE(MustCompile(pattern).Matches(text));
  EXPECT_TRUE(MustCompile(pattern).Matches(text + "b"));
}

// A glob's RegexSuperset lets a `like` join an RE2::Set, which may only
// rule a glob out when the glob does not match: every text the glob
// matches, the regex matches too (anchored, as the set is). Over globs
// with every kind of token and regex metacharacters as literals, and texts
// with multi-byte code points and stray bytes that are not UTF-8. The
// regex is also exact where the glob has no `?` (a byte run is a run of
// code points then), so the superset is not a trivial one.
TEST(Glob, RegexSupersetMatchesEveryTextTheGlobMatches) {
  const std::vector<std::string> patterns = {
      "*", "a*b*c", "?", "a?c", "??", "*.example.*", "a\\*b", "a\\?b", "a\\\\b",
      "(x)*[y]", "*$^+|{1}*", "h\xc3\xa9*", "*\xc3\xa9?", "", "*\n*", "x.y?z"};
  const std::vector<std::string> texts = {
      "", "a", "abc", "aXbYc", "ac", "abbc", "a*b", "aXb", "a?b", "a\\b", "ab",
      "(x)[y]", "(x)zz[y]", "$^+|{1}", "q$^+|{1}q", "h\xc3\xa9", "h\xc3\xa9llo",
      "\xc3\xa9\xc3\xa9", "\xc3\xa9x", "\xff", "\x80\x80", "a\xff" "c", "a\xc3\xa9" "c",
      "x\ny", "api.example.com", "x.yQz", "x.y\xc3\xa9z", "x.y\x80z", "xzyQz"};
  size_t matched = 0;
  for (const std::string& pattern : patterns) {
    const Glob glob = MustCompile(pattern);
    const RE2 regex(glob.RegexSuperset());
    ASSERT_TRUE(regex.ok()) << pattern << ": " << regex.error();
    const bool exact = pattern.find('?') == std::string::npos;
    for (const std::string& text : texts) {
      const bool by_glob = glob.Matches(text);
      const bool by_regex = RE2::FullMatch(text, regex);
      if (by_glob) {
        EXPECT_TRUE(by_regex) << "pattern '" << pattern << "', text '" << text << "'";
        ++matched;
      } else if (exact) {
        EXPECT_FALSE(by_regex) << "pattern '" << pattern << "', text '" << text << "'";
      }
    }
  }
  EXPECT_GT(matched, 30u);
}

// A glob's CodePointRegex is what a pattern set's automaton runs for it:
// on strictly valid UTF-8 texts (the only ones the automaton decides) it
// matches exactly the texts the glob matches, `?` one code point.
TEST(Glob, CodePointRegexMatchesExactlyTheUtf8TextsTheGlobMatches) {
  const std::vector<std::string> patterns = {
      "*", "a*b*c", "?", "a?c", "??", "*.example.*", "a\\*b", "a\\?b", "a\\\\b",
      "(x)*[y]", "*$^+|{1}*", "h\xc3\xa9*", "*\xc3\xa9?", "", "*\n*", "x.y?z", "?\xe2\x82\xac*?"};
  const std::vector<std::string> texts = {
      "", "a", "abc", "aXbYc", "ac", "abbc", "a*b", "aXb", "a?b", "a\\b", "ab",
      "(x)[y]", "(x)zz[y]", "$^+|{1}", "q$^+|{1}q", "h\xc3\xa9", "h\xc3\xa9llo",
      "\xc3\xa9\xc3\xa9", "\xc3\xa9x", "a\xc3\xa9" "c", "a\xf0\x9f\x98\x80" "c", "x\ny",
      "api.example.com", "x.yQz", "x.y\xc3\xa9z", "xzyQz", "\xc3\xa9\xe2\x82\xac\xc3\xa9",
      "a\xe2\x82\xac" "bc", "\xff", "a\xff" "c"};
  size_t matched = 0, compared = 0;
  for (const std::string& pattern : patterns) {
    const Glob glob = MustCompile(pattern);
    const RE2 regex(glob.CodePointRegex());
    ASSERT_TRUE(regex.ok()) << pattern << ": " << regex.error();
    for (const std::string& text : texts) {
      if (!test_support::IsStrictUtf8(text)) continue;
      const bool by_glob = glob.Matches(text);
      EXPECT_EQ(RE2::FullMatch(text, regex), by_glob)
          << "pattern '" << pattern << "', text '" << text << "'";
      matched += by_glob ? 1 : 0;
      ++compared;
    }
  }
  EXPECT_GT(matched, 30u);
  EXPECT_GT(compared, 400u);
}

}  // namespace
}  // namespace writ::internal
