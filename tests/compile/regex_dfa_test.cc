// RegexDfa (src/compile/regex_dfa.h) against RE2 itself: whatever the
// automaton decides must be RE2::FullMatch's answer for the pattern as
// written.
#include "src/compile/regex_dfa.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "re2/re2.h"
#include "tests/testing/random_regex.h"

namespace writ::internal {
namespace {

using Outcome = RegexDfa::Outcome;

RE2::Options QuietOptions() {
  RE2::Options options;
  options.set_log_errors(false);
  return options;
}

// RE2's answer, as the reference evaluator gets it.
Outcome Re2Answer(const std::string& pattern, const std::string& text) {
  const RE2 regex(pattern, QuietOptions());
  return RE2::FullMatch(text, regex) ? Outcome::kMatch : Outcome::kNoMatch;
}

Outcome DfaAnswer(const std::string& pattern, const std::string& text) {
  const std::optional<RegexDfa> dfa = RegexDfa::Build(pattern);
  if (!dfa.has_value()) return Outcome::kUndecided;
  return dfa->FullMatch(text);
}

// Random patterns over the syntax the automaton covers, with a share of
// what it leaves to RE2 (\Q, (?m), POSIX classes, \x, \p): literals of
// both cases, escapes, classes with ranges and negation, Perl classes,
// every quantifier, anchors, word boundaries, \C and the flags i, s; texts over the bytes the
// patterns name, newlines and tabs, and now and then "é", which RE2 reads
// as one code point, or a stray byte of one, which `.` does not match.
test_support::RandomRegex PatternMaker(uint32_t seed) {
  return test_support::RandomRegex(
      seed,
      {.atoms = {"a", "b", "A", "ab", "spiffe:", "/", "-", "1", "\\.", "\\-", "\\/", ".",
                 "[a-c]", "[^b]", "[ab.]", "[^\\n]", "[]a]", "[-a]", "[a-]", "[A-Za-z0-9_-]",
                 "[^a-z]", "\\d", "\\D", "\\w", "\\W", "\\s", "\\S", "[\\d.]", "\\n", "\\t",
                 "^", "$", "(?i)", "(?s)", "(?i:a)", "(?-i:B)", "(?is)", "(?U)", "_", " ", "\\b", "\\B", "\\A", "\\z", "\\C",
                 "\\Qa.\\E", "(?m)", "[[:alpha:]]", "\\x41", "\\pL", "{", "\\"},
       .quantifiers = {"", "", "", "", "*", "+", "?", "{1,2}", "*?", "+?", "??", "{0}", "{2,}",
                       "{3}", "{0,1}"},
       .alphabet = "aAbB.-_1 9\nzZ/:\t\v",
       .literals = "aAbB.-_19 /:",
       .rare_texts = {"\xc3\xa9", "\xc3"}});
}

TEST(RegexDfa, DecidesExactlyAsRe2WheneverItDecides) {
  test_support::RandomRegex maker = PatternMaker(20261202);
  int built = 0, left_to_re2 = 0, matches = 0, misses = 0, undecided = 0;
  for (int round = 0; round < 6000; ++round) {
    const std::string pattern = maker.Pattern();
    const RE2 regex(pattern, QuietOptions());
    if (!regex.ok()) continue;
    const std::optional<RegexDfa> dfa = RegexDfa::Build(pattern);
    if (!dfa.has_value()) {
      ++left_to_re2;
      continue;
    }
    ++built;
    for (int i = 0; i < 30; ++i) {
      const std::string text = i % 2 == 0 ? maker.Text() : maker.TextLike(pattern);
      const Outcome outcome = dfa->FullMatch(text);
      if (outcome == Outcome::kUndecided) {
        // Only a text RE2 reads as code points is left to it.
        EXPECT_NE(text.find('\xc3'), std::string::npos) << pattern << " on '" << text << "'";
        ++undecided;
        continue;
      }
      const bool expected = RE2::FullMatch(text, regex);
      ASSERT_EQ(outcome == Outcome::kMatch, expected)
          << "pattern '" << pattern << "', text '" << text << "'";
      ++(expected ? matches : misses);
    }
  }
  // Most patterns are built, some are left to RE2, and every outcome is
  // exercised.
  EXPECT_GT(built, 2000);
  EXPECT_GT(left_to_re2, 300);
  EXPECT_GT(matches, 5000);
  EXPECT_GT(misses, 5000);
  EXPECT_GT(undecided, 100);
}

TEST(RegexDfa, TheBundledPoliciesPatternsAreBuiltAndDecided) {
  const std::string uuid = "[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}";
  EXPECT_EQ(DfaAnswer(uuid, "1b4e28ba-2fa1-11d2-883f-0016d3cca427"), Outcome::kMatch);
  EXPECT_EQ(DfaAnswer(uuid, "1b4e28ba-2fa1-11d2-883f-0016d3cca42"), Outcome::kNoMatch);
  EXPECT_EQ(DfaAnswer(uuid, "1b4e28ba-2fa1-11d2-883f-0016d3cca4277"), Outcome::kNoMatch);
  EXPECT_EQ(DfaAnswer(uuid, "1B4E28BA-2FA1-11D2-883F-0016D3CCA427"), Outcome::kNoMatch);
  const std::string spiffe = "spiffe://corp\\.example/agents/[a-z][a-z0-9-]*";
  EXPECT_EQ(DfaAnswer(spiffe, "spiffe://corp.example/agents/planner-2"), Outcome::kMatch);
  EXPECT_EQ(DfaAnswer(spiffe, "spiffe://corpXexample/agents/planner"), Outcome::kNoMatch);
  EXPECT_EQ(DfaAnswer(spiffe, "spiffe://corp.example/agents/"), Outcome::kNoMatch);
  const std::string select = "(?is)\\s*select\\s.*";
  EXPECT_EQ(DfaAnswer(select, "  SELECT *\nFROM t"), Outcome::kMatch);
  EXPECT_EQ(DfaAnswer(select, "update t"), Outcome::kNoMatch);
  const std::string tag = "refs/tags/v[0-9]+\\.[0-9]+\\.[0-9]+";
  EXPECT_EQ(DfaAnswer(tag, "refs/tags/v1.20.3"), Outcome::kMatch);
  EXPECT_EQ(DfaAnswer(tag, "refs/tags/v1.20"), Outcome::kNoMatch);
  for (const std::string& pattern : {uuid, spiffe, select, tag}) {
    for (const char* text : {"", "x", "spiffe://corp.example/agents/a", "refs/tags/v1.2.3",
                             "0016d3cc-2fa1-11d2-883f-0016d3cca427", " select 1"}) {
      EXPECT_EQ(DfaAnswer(pattern, text), Re2Answer(pattern, text)) << pattern << " " << text;
    }
  }
}

TEST(RegexDfa, ATextWithANonAsciiByteIsLeftToRe2) {
  // RE2 reads "é" as one code point: `.` matches it whole, which a byte
  // automaton would have to know UTF-8 to agree with.
  EXPECT_EQ(Re2Answer("a.b", "a\xc3\xa9" "b"), Outcome::kMatch);
  EXPECT_EQ(DfaAnswer("a.b", "a\xc3\xa9" "b"), Outcome::kUndecided);
  EXPECT_EQ(DfaAnswer("[^x]*", "\xff"), Outcome::kUndecided);
  // Nor past a trailing `(?s).*`, whose `.` does not match a stray byte.
  EXPECT_EQ(Re2Answer("(?s)a.*", "ab\xc3"), Outcome::kNoMatch);
  EXPECT_EQ(DfaAnswer("(?s)a.*", "ab\xc3"), Outcome::kUndecided);
  EXPECT_EQ(DfaAnswer("(?s)a.*", "ab"), Outcome::kMatch);
}

TEST(RegexDfa, AnchorsHoldOnlyAtTheEndsOfTheText) {
  for (const std::string pattern : {"^abc$", "a^b", "a$b", "(^a|b)c", "a($|b)", "^$", "$^", "(^)*a"}) {
    for (const char* text : {"", "abc", "ab", "ac", "bc", "a", "ab\n"}) {
      EXPECT_EQ(DfaAnswer(pattern, text), Re2Answer(pattern, text)) << pattern << " " << text;
    }
  }
}

// \b holds between a word byte and a non-word byte or an end of the text,
// \B elsewhere: which the automaton knows only once it reads the next byte.
TEST(RegexDfa, WordBoundariesAreThoseRe2Sees) {
  for (const std::string pattern : {"(?s).*\\b(curl|wget|nc)\\b.*", "\\bab\\b", "a\\B.*",
                                    "\\B", "\\b", ".*\\Bb", "(?i)\\bA\\b|b"}) {
    for (const char* text : {"", "curl x", "xcurl", "a curl", "curl-x", "curl_x", "nc", "ab",
                             "ab ", " ab", "abc", "a", "a-", "b", " b", "-", "AB"}) {
      EXPECT_EQ(DfaAnswer(pattern, text), Re2Answer(pattern, text)) << pattern << " on '" << text
                                                                    << "'";
    }
  }
  EXPECT_EQ(DfaAnswer("(?s).*\\b(curl|wget|nc)\\b.*", "run curl -s x"), Outcome::kMatch);
  EXPECT_EQ(DfaAnswer("(?s).*\\b(curl|wget|nc)\\b.*", "run curling"), Outcome::kNoMatch);
}

// A pattern set's pass: whether any pattern matches. Fifty "refuse this
// word" patterns stay one small automaton because a state that has seen one
// of the words accepts every continuation, instead of remembering which.
TEST(RegexDfa, OneAutomatonSaysWhetherAnyPatternOfASetMatches) {
  std::vector<std::string> patterns;
  for (int word = 0; word < 50; ++word) {
    patterns.push_back("(?s).*\\bdanger" + std::to_string(word) + "\\b.*");
  }
  const std::optional<RegexDfa> any =
      RegexDfa::BuildAny(std::vector<absl::string_view>(patterns.begin(), patterns.end()));
  ASSERT_TRUE(any.has_value());
  EXPECT_LT(any->state_count(), 100u);
  for (const char* text : {"ls -l && git status", "ls ; danger7 x", "danger49", "danger50",
                           "xdanger3", "danger3x", "a\ndanger12\nb", "danger1 danger2"}) {
    bool expected = false;
    for (const std::string& pattern : patterns) {
      expected = expected || Re2Answer(pattern, text) == Outcome::kMatch;
    }
    EXPECT_EQ(any->FullMatch(text), expected ? Outcome::kMatch : Outcome::kNoMatch) << text;
  }
  EXPECT_EQ(any->FullMatch("danger7 \xc3"), Outcome::kUndecided);
}

TEST(RegexDfa, SyntaxOutsideTheSubsetIsLeftToRe2) {
  for (const char* pattern : {"\\pL+", "\\Qa.b\\E", "(?m)^a$", "[[:alpha:]]+",
                              "\\x41", "caf\xc3\xa9", "a{,3}", "(a)\\1"}) {
    EXPECT_FALSE(RegexDfa::Build(pattern).has_value()) << pattern;
  }
}

TEST(RegexDfa, AnAutomatonThatWouldBlowUpIsLeftToRe2) {
  // The 13th byte from the end decides: 2^13 states.
  EXPECT_FALSE(RegexDfa::Build("(a|b)*a(a|b){12}").has_value());
  const std::optional<RegexDfa> small = RegexDfa::Build("(a|b)*a(a|b){3}");
  ASSERT_TRUE(small.has_value());
  EXPECT_LE(small->table_entries(), RegexDfa::kMaxTableEntries);
  EXPECT_EQ(small->FullMatch("bbabab"), Outcome::kMatch);
  EXPECT_EQ(small->FullMatch("bbbbab"), Outcome::kNoMatch);
}

// Whatever the pattern, building stays bounded: groups nested deeper than
// the parser recurses, and sets of states too large to build in a few
// milliseconds, are left to RE2.
TEST(RegexDfa, DeepNestingAndCostlyAutomataAreLeftToRe2) {
  const std::string nested = std::string(200, '(') + "a" + std::string(200, ')');
  ASSERT_TRUE(RE2(nested, QuietOptions()).ok());
  EXPECT_FALSE(RegexDfa::Build(nested).has_value());
  EXPECT_TRUE(RegexDfa::Build(std::string(20, '(') + "a" + std::string(20, ')')).has_value());
  // ~1,000 states, each a set of up to ~2,000 NFA states; without the `.*`
  // each set has two.
  EXPECT_FALSE(RegexDfa::Build(".*.{0,1000}x").has_value());
  EXPECT_TRUE(RegexDfa::Build(".*.{0,30}x").has_value());
  EXPECT_TRUE(RegexDfa::Build(".{0,1000}x").has_value());
}

}  // namespace
}  // namespace writ::internal
