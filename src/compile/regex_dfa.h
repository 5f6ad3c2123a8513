// Internal: a `matches` pattern as a table-driven DFA over ASCII text, which
// the DAG evaluator runs before (and mostly instead of) the pattern's RE2.
//
// Why not RE2 alone: RE2::FullMatch on a short text is mostly fixed cost.
// It takes its DFA cache's reader lock on every call, sets up a search and
// walks a lazily built automaton; a UUID pattern cost ~100 ns a match on
// this project's machines, most of a decision on the bundled agent-gateway
// policy. And the lock's word is shared: two threads deciding with one
// policy bounce its cache line between their cores, which measured 320
// against 150 ns a match with an RE2 per thread. The automaton here is
// built once at compile time, is read-only, and costs one table read a
// byte of text.
//
// It covers the syntax policies use: literals and escaped punctuation, `.`,
// classes with ranges and negation, \d \s \w and their negations, groups
// (capturing, non-capturing, named), alternation, * + ? {n} {n,} {n,m}
// (greedy or not: a whole-string match does not care), the assertions ^ $
// \A \z \b \B, \C, and the flags i and s. Anything else (\p{..}, \Q,
// (?m), POSIX classes, ...) or an automaton over kMaxTableEntries leaves
// the pattern to RE2 (Build returns nullopt).
// Non-ASCII text: RE2 matches code points, and since no pattern of the
// subset names a non-ASCII character, the automaton reads a code point of
// two to four bytes as one of three symbols: U+017F and U+212A, which flag
// i folds with s and k, and any other, which `.`, a negated class and
// \D \S \W take. A text that is not strictly valid UTF-8 there (a stray
// or missing continuation byte, an overlong form, a surrogate, a code
// point past U+10FFFF) is left to RE2 (kUndecided), whose `.` takes some
// of those; so is every non-ASCII text for a pattern with \C (a byte, not
// a code point).
#ifndef WRIT_SRC_COMPILE_REGEX_DFA_H_
#define WRIT_SRC_COMPILE_REGEX_DFA_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"

namespace writ::internal {

class RegexDfa {
 public:
  enum class Outcome : uint8_t { kNoMatch, kMatch, kUndecided };

  // A bound on the transition table (states × byte classes), so that a
  // pattern whose automaton blows up (`(a|b)*a(a|b){12}`) stays with RE2
  // instead of taking megabytes.
  static constexpr uint32_t kMaxTableEntries = 16384;

  // What the automata of one policy may cost in all. Each pattern's own
  // bounds (kMaxTableEntries, a few milliseconds of building) do not bound
  // a policy of thousands of patterns: 3,000 rules of a pattern near the
  // bounds (210 KB of source) took 3.8 s and 116 MB to compile. A build
  // spends the budget's steps, and a built automaton its table entries;
  // a pattern past either is left to RE2, which matches it alike.
  struct Budget {
    uint64_t steps = uint64_t{1} << 24;          // NFA states visited
    uint64_t table_entries = uint64_t{1} << 22;  // 16 MB of tables
  };

  // The automaton of `pattern` (RE2 syntax, already accepted by RE2 with
  // default options) matched against whole texts; nullopt when the pattern
  // uses syntax outside the subset above, the table would exceed
  // kMaxTableEntries, or `budget` (when given) runs out.
  static std::optional<RegexDfa> Build(absl::string_view pattern, Budget* budget = nullptr);

  // One automaton for several patterns, which says whether any of them
  // matches the whole text (a pattern set's pass); nullopt as Build.
  static std::optional<RegexDfa> BuildAny(const std::vector<absl::string_view>& patterns,
                                          Budget* budget = nullptr);

  // Whether `text` as a whole matches: RE2::FullMatch's answer, or
  // kUndecided for a text the automaton leaves to RE2 (above).
  Outcome FullMatch(absl::string_view text) const noexcept {
    uint32_t row = start_row_;
    const char* at = text.data();
    // A text that starts with the literal prefix skips it in one compare,
    // where the loop below would take one dependent table read a byte. Any
    // other text is read from the start: the same answer, the slow way.
    if (!literal_prefix_.empty() && absl::StartsWith(text, literal_prefix_)) {
      row = after_prefix_row_;
      at += literal_prefix_.size();
    }
    const char* const end = text.data() + text.size();
    const char* const stop = ReadUpToCodePoint(&row, at, end);
    return stop == end ? AtEnd(row) : ReadFromCodePoint(row, stop, end);
  }

  // The ASCII bytes every text the automaton matches starts with, up to
  // kMaxLiteralPrefix: a SPIFFE ID pattern's "spiffe://corp.example/"; empty
  // when the first byte already has a choice (or flag i gives it one).
  absl::string_view literal_prefix() const { return literal_prefix_; }
  static constexpr size_t kMaxLiteralPrefix = 256;

  // The states a text can lead to, besides the three every automaton has
  // (dead, undecided, accept-all); the byte classes (columns).
  uint32_t state_count() const { return static_cast<uint32_t>(accepting_.size()) - 3; }
  uint32_t class_count() const { return class_count_; }
  // Whether every non-ASCII text is left to RE2 (a pattern with \C).
  bool ascii_only() const { return ascii_only_; }
  size_t table_entries() const { return next_row_.size(); }

 private:
  // State 0 is dead, state 1 has read a byte it leaves to RE2; the table
  // stores their rows as 0 and 1, below any other state's row (state <<
  // row_shift_, at least 2 << 1), so that one compare finds both. State 2
  // accepts every continuation (a trailing `(?s).*` reached); it still
  // reads on, as a byte that is not UTF-8 after it is RE2's to judge (`.`
  // does not match a stray continuation byte there).
  static constexpr uint32_t kDeadRow = 0;
  static constexpr uint32_t kUndecidedRow = 1;

  // Reads bytes from `*row` up to the end of the text or a byte whose
  // column holds the dead or the undecided row (every row's last column,
  // bytes of 0x80 and above, holds the undecided one); returns where it
  // stopped, `*row` the row before that byte.
  const char* ReadUpToCodePoint(uint32_t* row, const char* at, const char* end) const noexcept {
    for (; at != end; ++at) {
      const uint32_t next = next_row_[*row + byte_class_[static_cast<uint8_t>(*at)]];
      if (next <= kUndecidedRow) break;
      *row = next;
    }
    return at;
  }

  // The answer at the end of the text in `row`'s state.
  Outcome AtEnd(uint32_t row) const noexcept {
    return accepting_[row >> row_shift_] ? Outcome::kMatch : Outcome::kNoMatch;
  }

  // From a byte ReadUpToCodePoint stopped at: the dead row's answer, or
  // each code point (StrictUtf8Length, src/internal/utf8.h) as one symbol
  // and the bytes up to the next, in one loop. Out of line, so that
  // FullMatch's loop stays as short as it was before the automaton read
  // code points.
  Outcome ReadFromCodePoint(uint32_t row, const char* at, const char* end) const noexcept;
  // The column of the strictly valid code point at `at`.
  uint32_t CodePointColumn(const char* at) const noexcept;

  RegexDfa() = default;
  friend class RegexDfaBuilder;

  // The one ASCII byte that leads on from `row`'s state, or -1: when two
  // do, when a code point does, or when the state accepts (a text may end
  // there).
  int OnlyByteOnward(uint32_t row) const;
  // Sets literal_prefix_ and after_prefix_row_ once the table is built.
  void FindLiteralPrefix();

  std::array<uint8_t, 256> byte_class_{};  // the byte's column in a row
  uint32_t class_count_ = 0;
  uint32_t row_shift_ = 0;   // log2 of a row's width (class_count_ rounded up)
  uint32_t start_row_ = 0;
  // The columns of a whole non-ASCII code point: U+017F, U+212A, any
  // other. An ASCII-only automaton's are the last column, whose rows say
  // undecided.
  uint32_t code_point_column_ = 0;
  uint32_t long_s_column_ = 0;
  uint32_t kelvin_column_ = 0;
  bool ascii_only_ = false;
  // next_row_[row + class]: the next state's row (the dead and undecided
  // states' as 0 and 1).
  std::vector<uint32_t> next_row_;
  std::vector<uint8_t> accepting_;  // by state
  std::string literal_prefix_;
  uint32_t after_prefix_row_ = 0;  // the row reading literal_prefix_ leads to
};

}  // namespace writ::internal

#endif  // WRIT_SRC_COMPILE_REGEX_DFA_H_
