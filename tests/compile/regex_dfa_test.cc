// RegexDfa (src/compile/regex_dfa.h) against RE2 itself: whatever the
// automaton decides must be RE2::FullMatch's answer for the pattern as
// written.
#include "src/compile/regex_dfa.h"

#include <random>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "re2/re2.h"
#include "src/internal/utf8.h"
#include "tests/testing/random_regex.h"
#include "tests/testing/utf8.h"

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

// Code points of two, three and four bytes (K, U+212A, and ſ, U+017F,
// among them: (?i) folds k and s to them), and bytes that are not UTF-8:
// a stray lead or continuation byte, an overlong form, a surrogate, a code
// point past U+10FFFF, a cut sequence (RE2's `.` takes some of those).
const std::vector<std::string> kNonAsciiPieces = {
    "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xe2\x84\xaa", "\xc5\xbf", "\xc3", "\x80",
    "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x84", "\xff"};

// Random patterns over the syntax the automaton covers, with a share of
// what it leaves to RE2 (\Q, (?m), POSIX classes, \x, \p): literals of
// both cases, escapes, classes with ranges and negation, Perl classes,
// every quantifier, anchors, word boundaries, \C and the flags i, s; texts over the bytes the
// patterns name, newlines and tabs, and now and then a non-ASCII piece.
test_support::RandomRegex PatternMaker(uint32_t seed) {
  return test_support::RandomRegex(
      seed,
      {.atoms = {"a", "b", "A", "ab", "k", "S", "spiffe:", "/", "-", "1", "\\.", "\\-", "\\/", ".",
                 "[a-c]", "[^b]", "[ab.]", "[^\\n]", "[]a]", "[-a]", "[a-]", "[A-Za-z0-9_-]",
                 "[^a-z]", "\\d", "\\D", "\\w", "\\W", "\\s", "\\S", "[\\d.]", "\\n", "\\t",
                 "^", "$", "(?i)", "(?s)", "(?i:a)", "(?-i:B)", "(?is)", "(?U)", "_", " ", "\\b", "\\B", "\\A", "\\z", "\\C",
                 "\\Qa.\\E", "(?m)", "[[:alpha:]]", "\\x41", "\\pL", "{", "\\"},
       .quantifiers = {"", "", "", "", "*", "+", "?", "{1,2}", "*?", "+?", "??", "{0}", "{2,}",
                       "{3}", "{0,1}"},
       .alphabet = "aAbB.-_1 9\nzZ/:\t\vkS",
       .literals = "aAbB.-_19 /:kS",
       .rare_texts = kNonAsciiPieces});
}

// One non-ASCII piece put into a random text at a random place: most texts
// have none, and the pieces must meet the patterns often.
std::string WithNonAsciiPiece(test_support::RandomRegex& maker, std::mt19937& random) {
  const std::string text = maker.Text();
  const std::string& piece = kNonAsciiPieces[random() % kNonAsciiPieces.size()];
  const size_t at = random() % (text.size() + 1);
  return text.substr(0, at) + piece + text.substr(at);
}

bool IsAscii(const std::string& text) {
  for (char c : text) {
    if (static_cast<uint8_t>(c) >= 0x80) return false;
  }
  return true;
}

// Whether the automaton may leave a pattern's non-ASCII texts to RE2
// whatever they are: it has \C.
bool MayLeaveNonAsciiToRe2(const std::string& pattern) {
  return pattern.find("\\C") != std::string::npos;
}

TEST(RegexDfa, DecidesExactlyAsRe2WheneverItDecides) {
  test_support::RandomRegex maker = PatternMaker(20261202);
  std::mt19937 pieces(20261203);
  int built = 0, left_to_re2 = 0, matches = 0, misses = 0, undecided = 0, non_ascii_decided = 0;
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
      const std::string text = i % 3 == 0   ? maker.Text()
                               : i % 3 == 1 ? maker.TextLike(pattern)
                                            : WithNonAsciiPiece(maker, pieces);
      const Outcome outcome = dfa->FullMatch(text);
      if (outcome == Outcome::kUndecided) {
        // Only a text that is not UTF-8, or a non-ASCII text for a pattern
        // with \C or flag i, is left to RE2.
        EXPECT_FALSE(IsAscii(text)) << pattern << " on '" << text << "'";
        EXPECT_TRUE(!test_support::IsStrictUtf8(text) || MayLeaveNonAsciiToRe2(pattern))
            << pattern << " on '" << text << "'";
        ++undecided;
        continue;
      }
      const bool expected = RE2::FullMatch(text, regex);
      ASSERT_EQ(outcome == Outcome::kMatch, expected)
          << "pattern '" << pattern << "', text '" << text << "'";
      ++(expected ? matches : misses);
      non_ascii_decided += IsAscii(text) ? 0 : 1;
    }
  }
  // Most patterns are built, some are left to RE2, and every outcome is
  // exercised.
  EXPECT_GT(built, 2000);
  EXPECT_GT(left_to_re2, 300);
  EXPECT_GT(matches, 5000);
  EXPECT_GT(misses, 5000);
  EXPECT_GT(undecided, 100);
  EXPECT_GT(non_ascii_decided, 1000);
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

// The bytes every match starts with are compared at once; what is left of
// the text runs from the row they lead to. Answers are RE2's for texts
// that stop inside the prefix, differ from it at each byte, equal it, or
// go on past it (a non-ASCII code point included).
TEST(RegexDfa, ALiteralPrefixIsComparedAtOnceWithRe2sAnswers) {
  const std::vector<std::pair<std::string, std::string>> prefixes = {
      {"spiffe://corp\\.example/agents/[a-z][a-z0-9-]*", "spiffe://corp.example/agents/"},
      {"abc", "abc"},
      {"abc|abd", "ab"},
      {"[a]b(c|d)e", "ab"},
      {"\\Aab\\b", "ab"},
      {"x(?i)s", "x"},
      {"a(?s).*", "a"},
      {"ab*c", "a"},
      {"(?i)abc", ""},
      {"a*b", ""},
      {".x", ""},
      {"a\\Cb", ""},  // a byte read: non-ASCII texts are RE2's
  };
  for (const auto& [pattern, expected_prefix] : prefixes) {
    const std::optional<RegexDfa> dfa = RegexDfa::Build(pattern);
    ASSERT_TRUE(dfa.has_value()) << pattern;
    EXPECT_EQ(dfa->literal_prefix(), expected_prefix) << pattern;
    const std::string prefix(dfa->literal_prefix());
    std::vector<std::string> texts = {"", prefix, prefix + "c", prefix + "e", prefix + "x",
                                      prefix + "planner-2", prefix + "\xc3\xa9",
                                      prefix + "\xc5\xbf", prefix + "cd", prefix + "s"};
    for (size_t length = 0; length < prefix.size(); ++length) {
      texts.push_back(prefix.substr(0, length));
      std::string changed = prefix + "a";
      changed[length] = changed[length] == 'Z' ? 'Y' : 'Z';
      texts.push_back(changed);
    }
    for (const std::string& text : texts) {
      const Outcome outcome = dfa->FullMatch(text);
      if (outcome == Outcome::kUndecided) {
        EXPECT_TRUE(MayLeaveNonAsciiToRe2(pattern)) << pattern << " on '" << text << "'";
        continue;
      }
      EXPECT_EQ(outcome, Re2Answer(pattern, text)) << pattern << " on '" << text << "'";
    }
  }
}

// RE2 reads a code point of two to four bytes as one character: `.`, a
// negated class and \D \S \W take it whole, and it is a non-word
// character for \b.
// A policy's automata share a budget: a build spends the NFA states it
// visits and a built automaton its table entries; one the budget cannot
// cover is left to RE2 (nullopt), having spent what it tried.
TEST(RegexDfa, ABuildPastItsBudgetIsLeftToRe2AndSpendsWhatItUsed) {
  constexpr absl::string_view kPattern = "(a|b)*a(a|b){6}";
  RegexDfa::Budget budget;
  const std::optional<RegexDfa> built = RegexDfa::Build(kPattern, &budget);
  ASSERT_TRUE(built.has_value());
  const RegexDfa::Budget full;
  EXPECT_EQ(budget.table_entries, full.table_entries - built->table_entries());
  const uint64_t steps = full.steps - budget.steps;
  EXPECT_GT(steps, 0u);

  RegexDfa::Budget too_few_steps{steps / 2, full.table_entries};
  EXPECT_FALSE(RegexDfa::Build(kPattern, &too_few_steps).has_value());
  EXPECT_EQ(too_few_steps.steps, 0u);
  RegexDfa::Budget too_few_entries{full.steps, built->table_entries() - 1};
  EXPECT_FALSE(RegexDfa::Build(kPattern, &too_few_entries).has_value());
  EXPECT_EQ(too_few_entries.table_entries, built->table_entries() - 1);
}

TEST(RegexDfa, ACodePointIsOneCharacterAsRe2ReadsIt) {
  const std::string e_acute = "\xc3\xa9", euro = "\xe2\x82\xac", grin = "\xf0\x9f\x98\x80";
  const std::pair<std::string, std::string> cases[] = {
      {"a.b", "a" + e_acute + "b"},      {"a..b", "a" + e_acute + "b"},
      {"a.b", "a" + grin + "b"},         {"[^x]*", e_acute + euro + grin},
      {"[^x]{3}", e_acute + euro + grin}, {"[^x]{4}", e_acute + euro + grin},
      {"\\W\\D\\S", euro + euro + euro}, {"\\w", e_acute},
      {".*\\bx\\b.*", e_acute + "x"},    {".*\\Bx.*", e_acute + "x"},
      {"(?s).*", "ab" + grin},           {"[a-z]+", "caf" + e_acute},
      {"(?i)a.", "A" + euro},            {"[0-9a-f-]{3}", "1" + e_acute}};
  for (const auto& [pattern, text] : cases) {
    const Outcome dfa = DfaAnswer(pattern, text);
    EXPECT_NE(dfa, Outcome::kUndecided) << pattern << " on '" << text << "'";
    EXPECT_EQ(dfa, Re2Answer(pattern, text)) << pattern << " on '" << text << "'";
  }
  EXPECT_EQ(DfaAnswer("a.b", "a" + e_acute + "b"), Outcome::kMatch);
  EXPECT_EQ(DfaAnswer("[^x]{3}", e_acute + euro + grin), Outcome::kMatch);
}

// A code point is read out of line, and the reading goes on in the same
// loop: a text of a million of them takes no more stack than one.
TEST(RegexDfa, ALongNonAsciiTextIsReadInOneLoop) {
  std::string text;
  for (int i = 0; i < 1000000; ++i) text += i % 2 == 0 ? "\xc3\xa9" : "a";
  EXPECT_EQ(DfaAnswer("[^x]*", text), Outcome::kMatch);
  EXPECT_EQ(DfaAnswer("[^x]*x", text), Outcome::kNoMatch);
  EXPECT_EQ(DfaAnswer("(?s).*", text + "\xc3"), Outcome::kUndecided);
}

// Bytes that are not strictly UTF-8 are RE2's to judge: its `.` takes a
// surrogate, an overlong three-byte form and a code point past U+10FFFF,
// but not a stray byte.
TEST(RegexDfa, TextThatIsNotUtf8IsLeftToRe2) {
  for (const char* bytes : {"\xc3", "\x80", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80",
                            "\xf4\x90\x80\x80", "\xe2\x84", "\xf8\x88\x80\x80\x80", "\xff"}) {
    for (const std::string pattern : {"[^x]*", "(?s).*", "a.*", ".", "a\\W*"}) {
      EXPECT_EQ(DfaAnswer(pattern, std::string("a") + bytes), Outcome::kUndecided)
          << pattern << " on " << bytes;
    }
  }
  EXPECT_EQ(Re2Answer(".", "\xed\xa0\x80"), Outcome::kMatch);
  // Past a trailing `(?s).*` too, whose `.` does not match a stray byte.
  EXPECT_EQ(Re2Answer("(?s)a.*", "ab\xc3"), Outcome::kNoMatch);
  EXPECT_EQ(DfaAnswer("(?s)a.*", "ab\xc3"), Outcome::kUndecided);
  EXPECT_EQ(DfaAnswer("(?s)a.*", "ab"), Outcome::kMatch);
  // Where no pattern can go on, a byte is not read at all.
  EXPECT_EQ(DfaAnswer("ab", "x\xff"), Outcome::kNoMatch);
}

// Flag i folds k to U+212A (KELVIN SIGN) and s to U+017F (LONG S), in
// letters, classes and Perl classes, and negates \D \S \W and negated
// classes after folding: each of the two is its own symbol.
TEST(RegexDfa, FlagIFoldsKAndSToTheirNonAsciiCasesAsRe2Does) {
  const std::string kelvin = "\xe2\x84\xaa", long_s = "\xc5\xbf", e_acute = "\xc3\xa9";
  for (const std::string pattern :
       {"(?i)k", "(?i)s", "(?i)[^s]", "(?i)[^k]", "(?i)[a-z]", "(?i)[^a-z]", "(?i)\\w", "(?i)\\W",
        "(?i)[\\W]", "(?i)[^\\w]", "(?i)\\S", "(?i)\\D", "(?i)[^\\D]", "\\W", "k", "[^s]",
        "(?i).", "(?i)a", "(?is)\\s*select\\s.*", "(?i)[^\\W]"}) {
    for (const std::string& text : {kelvin, long_s, e_acute, std::string("k"), std::string("S"),
                                    " SELECT " + long_s, std::string(" \u017felect 1")}) {
      const Outcome dfa = DfaAnswer(pattern, text);
      EXPECT_NE(dfa, Outcome::kUndecided) << pattern << " on '" << text << "'";
      EXPECT_EQ(dfa, Re2Answer(pattern, text)) << pattern << " on '" << text << "'";
    }
  }
  EXPECT_EQ(DfaAnswer("(?i)k", kelvin), Outcome::kMatch);
  EXPECT_EQ(DfaAnswer("(?i)\\W", long_s), Outcome::kNoMatch);
  EXPECT_EQ(DfaAnswer("(?i)[^s]", long_s), Outcome::kNoMatch);
  EXPECT_EQ(DfaAnswer("(?i)[^s]", kelvin), Outcome::kMatch);
}

// \C reads one byte of a code point, where the automaton reads the code
// point whole: a pattern with \C leaves every non-ASCII text to RE2, and
// so does a set's automaton with one such pattern.
TEST(RegexDfa, AByteReadLeavesNonAsciiTextsToRe2) {
  EXPECT_EQ(Re2Answer("\\C\\C", "\xc3\xa9"), Outcome::kMatch);
  EXPECT_EQ(DfaAnswer("\\C\\C", "\xc3\xa9"), Outcome::kUndecided);
  EXPECT_EQ(DfaAnswer("\\C\\C", "ab"), Outcome::kMatch);
  EXPECT_TRUE(RegexDfa::Build("\\C\\C")->ascii_only());
  EXPECT_FALSE(RegexDfa::Build("(?i)a.\\W")->ascii_only());
  const std::optional<RegexDfa> any = RegexDfa::BuildAny({"a.", "x\\C"});
  ASSERT_TRUE(any.has_value());
  EXPECT_EQ(any->FullMatch("a\xc3\xa9"), Outcome::kUndecided);
  EXPECT_EQ(any->FullMatch("ab"), Outcome::kMatch);
}

TEST(RegexDfa, StrictUtf8LengthAgreesWithATextbookDecoder) {
  // Every sequence of two and three bytes whose first is 0x80 or above, and
  // random ones of four.
  std::string text(4, '\0');
  auto check = [&](size_t length) {
    const std::string sequence = text.substr(0, length);
    const size_t expected = test_support::IsStrictUtf8(sequence) ? length : 0;
    const size_t got = StrictUtf8Length(sequence.data(), sequence.data() + length);
    // A valid prefix of `length` bytes is a shorter sequence: never more.
    const bool valid_prefix =
        got < length && got != 0 && test_support::IsStrictUtf8(sequence.substr(0, got));
    if (got != expected && !valid_prefix) {
      ADD_FAILURE() << "length " << length << ": " << got << " for " << std::hex
                    << static_cast<int>(static_cast<uint8_t>(text[0])) << " "
                    << static_cast<int>(static_cast<uint8_t>(text[1]));
      return false;
    }
    return true;
  };
  int valid = 0;
  for (int first = 0x80; first < 0x100; ++first) {
    for (int second = 0; second < 0x100; ++second) {
      text[0] = static_cast<char>(first);
      text[1] = static_cast<char>(second);
      if (!check(1) || !check(2)) return;
      for (int third = 0; third < 0x100; ++third) {
        text[2] = static_cast<char>(third);
        if (!check(3)) return;
        valid += StrictUtf8Length(text.data(), text.data() + 3) == 3 ? 1 : 0;
      }
    }
  }
  EXPECT_EQ(valid, 0x10000 - 0x800 - 0x800);  // three-byte code points less surrogates
  std::mt19937 random(20261203);
  for (int round = 0; round < 200000; ++round) {
    const uint32_t bytes = random();
    for (int i = 0; i < 4; ++i) text[i] = static_cast<char>(bytes >> (8 * i));
    text[0] = static_cast<char>(0xF0 | (bytes & 0x07));
    if (round % 2 == 0) {  // mostly continuation bytes
      for (int i = 1; i < 4; ++i) text[i] = static_cast<char>(0x80 | (text[i] & 0x3F));
    }
    if (!check(4)) return;
  }
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
