// Random regular expressions and texts for tests that hold a matcher to RE2
// itself: patterns built from a test's own atoms and quantifiers (nested
// groups of every kind, alternation), texts over its own alphabet, and
// texts spelling a pattern's literals, so that many of them match.
#ifndef WRIT_TESTS_TESTING_RANDOM_REGEX_H_
#define WRIT_TESTS_TESTING_RANDOM_REGEX_H_

#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace writ::test_support {

struct RegexVocabulary {
  std::vector<std::string> atoms;
  std::vector<std::string> quantifiers;  // "" for none, as often as wanted
  std::string alphabet;                  // the bytes of random texts
  std::string literals;                  // the pattern bytes TextLike copies
  std::vector<std::string> rare_texts;   // now and then one of them, if any
};

class RandomRegex {
 public:
  RandomRegex(uint32_t seed, RegexVocabulary vocabulary)
      : random_(seed), vocabulary_(std::move(vocabulary)) {}

  std::string Pattern(int depth = 0) {
    std::string pattern;
    for (int item = Below(4) + 1; item > 0; --item) pattern += Item(depth);
    if (depth < 2 && Below(5) == 0) pattern += "|" + Pattern(depth + 1);
    return pattern;
  }

  std::string Text() {
    std::string text;
    for (int size = Below(9); size > 0; --size) {
      if (!vocabulary_.rare_texts.empty() && Below(40) == 0) {
        text += vocabulary_.rare_texts[Below(vocabulary_.rare_texts.size())];
      } else {
        text += vocabulary_.alphabet[Below(vocabulary_.alphabet.size())];
      }
    }
    return text;
  }

  std::string TextLike(const std::string& pattern) {
    std::string text;
    for (char c : pattern) {
      if (vocabulary_.literals.find(c) != std::string::npos && Below(4) != 0) text += c;
      if (Below(8) == 0) text += Text().substr(0, 1);
    }
    return text;
  }

 private:
  int Below(size_t bound) { return static_cast<int>(random_() % bound); }

  std::string Item(int depth) {
    std::string item;
    const int kind = Below(10);
    if (kind < 7 || depth >= 2) {
      item = vocabulary_.atoms[Below(vocabulary_.atoms.size())];
    } else if (kind == 7) {
      item = "(" + Pattern(depth + 1) + ")";
    } else if (kind == 8) {
      item = "(?:" + Pattern(depth + 1) + ")";
    } else {
      item = "(?P<n" + std::to_string(Below(3)) + ">" + Pattern(depth + 1) + ")";
    }
    return item + vocabulary_.quantifiers[Below(vocabulary_.quantifiers.size())];
  }

  std::mt19937 random_;
  RegexVocabulary vocabulary_;
};

}  // namespace writ::test_support

#endif  // WRIT_TESTS_TESTING_RANDOM_REGEX_H_
