// Builds a RegexDfa in three steps, each its own class: the pattern is
// parsed into a small syntax tree (RegexParser), the tree is lowered into a
// Thompson NFA (NfaBuilder), and the NFA's state sets reachable from its
// start become the DFA's states (RegexDfaBuilder, subset construction over
// byte classes). Any step may give up; the pattern then stays with RE2.
#include "src/compile/regex_dfa.h"

#include <algorithm>
#include <bitset>
#include <cctype>
#include <map>
#include <memory>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "src/internal/utf8.h"

namespace writ::internal {
namespace {

// The symbols a pattern reads: the 128 ASCII bytes; kLongS and kKelvin,
// the two non-ASCII code points RE2's case folding joins to ASCII letters
// (U+017F LATIN SMALL LETTER LONG S to s and S, U+212A KELVIN SIGN to k and
// K); and kCodePoint, any other code point of two to four bytes. The
// patterns of the subset name no non-ASCII character, so all those other
// code points are alike to them: `.`, a negated class and \D \S \W take
// every one, nothing else takes any. (\C, which reads a byte, not a code
// point, makes the automaton ASCII-only.)
constexpr int kCodePoint = 128;
constexpr int kLongS = 129;
constexpr int kKelvin = 130;
constexpr int kSymbols = 131;
using ByteSet = std::bitset<kSymbols>;

// ------------------------------------------------------------- syntax tree

// The empty-width assertions: ^ and \A, $ and \z (RE2 without (?m): the
// ends of the text), \b and \B (between an ASCII word byte and a non-word
// byte or an end, and not).
enum class Assertion : uint8_t { kBeginText, kEndText, kWordBoundary, kNotWordBoundary };

struct RegexNode {
  enum class Kind : uint8_t { kEmpty, kBytes, kConcat, kAlternate, kRepeat, kAssertion };
  Kind kind = Kind::kEmpty;
  Assertion assertion = Assertion::kBeginText;   // kAssertion
  ByteSet bytes;                                   // kBytes
  std::vector<std::unique_ptr<RegexNode>> children;  // kConcat, kAlternate; kRepeat: one
  int min = 0;
  int max = -1;  // kRepeat: -1 for no upper bound
};
using NodePointer = std::unique_ptr<RegexNode>;

NodePointer MakeNode(RegexNode::Kind kind) {
  auto node = std::make_unique<RegexNode>();
  node->kind = kind;
  return node;
}

NodePointer MakeAssertion(Assertion assertion) {
  NodePointer node = MakeNode(RegexNode::Kind::kAssertion);
  node->assertion = assertion;
  return node;
}

ByteSet Range(char first, char last) {
  ByteSet bytes;
  for (int byte = first; byte <= last; ++byte) bytes.set(byte);
  return bytes;
}

// RE2's Perl classes, as ASCII.
ByteSet Digits() { return Range('0', '9'); }
ByteSet WordBytes() { return Range('0', '9') | Range('A', 'Z') | Range('a', 'z') | Range('_', '_'); }
ByteSet Spaces() {  // \s is [\t\n\f\r ] in RE2 (no \v)
  ByteSet bytes;
  for (char byte : {'\t', '\n', '\f', '\r', ' '}) bytes.set(byte);
  return bytes;
}

// Adds every symbol that flag i makes equal to one in `bytes`: the other
// case of each ASCII letter, and RE2's orbits {s, S, U+017F} and {k, K,
// U+212A}.
ByteSet FoldCase(ByteSet bytes) {
  for (int letter = 'a'; letter <= 'z'; ++letter) {
    const int upper = letter - 'a' + 'A';
    const int other = letter == 's' ? kLongS : letter == 'k' ? kKelvin : -1;
    if (bytes.test(letter) || bytes.test(upper) || (other >= 0 && bytes.test(other))) {
      bytes.set(letter);
      bytes.set(upper);
      if (other >= 0) bytes.set(other);
    }
  }
  return bytes;
}

struct Flags {
  bool fold_case = false;  // i
  bool dot_newline = false;  // s
};

// A recursive-descent parser for the subset regex_dfa.h lists. It trusts
// that RE2 accepted the pattern, and refuses (nullptr) whatever it does not
// know rather than guess at RE2's reading of it.
class RegexParser {
 public:
  explicit RegexParser(absl::string_view pattern) : pattern_(pattern) {}

  NodePointer Parse() {
    Flags flags;
    NodePointer node = Alternation(&flags);
    if (node == nullptr || at_ != pattern_.size()) return nullptr;
    return node;
  }

  // Whether the pattern read so far decides only ASCII texts: it has a \C,
  // a byte, where the automaton reads a code point as one symbol.
  bool ascii_only() const { return ascii_only_; }

 private:
  bool AtEnd() const { return at_ >= pattern_.size(); }
  char Peek() const { return pattern_[at_]; }
  bool Take(char expected) {
    if (AtEnd() || Peek() != expected) return false;
    ++at_;
    return true;
  }

  // alternation := concatenation ('|' concatenation)*. A flag group such
  // as (?i) changes `flags` until the end of the enclosing group.
  NodePointer Alternation(Flags* flags) {
    NodePointer first = Concatenation(flags);
    if (first == nullptr || AtEnd() || Peek() != '|') return first;
    NodePointer alternate = MakeNode(RegexNode::Kind::kAlternate);
    alternate->children.push_back(std::move(first));
    while (Take('|')) {
      NodePointer next = Concatenation(flags);
      if (next == nullptr) return nullptr;
      alternate->children.push_back(std::move(next));
    }
    return alternate;
  }

  NodePointer Concatenation(Flags* flags) {
    NodePointer concat = MakeNode(RegexNode::Kind::kConcat);
    while (!AtEnd() && Peek() != '|' && Peek() != ')') {
      bool flags_only = false;
      NodePointer atom = Atom(flags, &flags_only);
      if (flags_only) continue;
      if (atom == nullptr) return nullptr;
      atom = Repetitions(std::move(atom));
      if (atom == nullptr) return nullptr;
      concat->children.push_back(std::move(atom));
    }
    return concat;
  }

  // Quantifiers after an atom. A second quantifier (other than the `?`
  // that makes one lazy) is refused: RE2 rejects `a**`, and this parser
  // does not second-guess which forms it accepts.
  NodePointer Repetitions(NodePointer atom) {
    int min = 0, max = 0;
    if (!Quantifier(&min, &max)) return atom;
    if (min < 0) return nullptr;
    Take('?');  // lazy: the same whole-string matches
    if (!AtEnd() && (Peek() == '*' || Peek() == '+' || Peek() == '?' || Peek() == '{')) {
      return nullptr;
    }
    NodePointer repeat = MakeNode(RegexNode::Kind::kRepeat);
    repeat->children.push_back(std::move(atom));
    repeat->min = min;
    repeat->max = max;
    return repeat;
  }

  // False when no quantifier follows; min < 0 for one this parser refuses.
  bool Quantifier(int* min, int* max) {
    if (AtEnd()) return false;
    switch (Peek()) {
      case '*': ++at_; *min = 0; *max = -1; return true;
      case '+': ++at_; *min = 1; *max = -1; return true;
      case '?': ++at_; *min = 0; *max = 1; return true;
      case '{': break;
      default: return false;
    }
    ++at_;
    *min = Number();
    *max = *min;
    if (Take(',')) *max = (!AtEnd() && Peek() == '}') ? -1 : Number();
    if (*min < 0 || !Take('}') || (*max >= 0 && *max < *min)) *min = -1;
    return true;
  }

  // A decimal count of at most 1000 (RE2's limit), or -1.
  int Number() {
    int value = -1;
    while (!AtEnd() && Peek() >= '0' && Peek() <= '9') {
      value = std::max(value, 0) * 10 + (Peek() - '0');
      if (value > 1000) return -1;
      ++at_;
    }
    return value;
  }

  NodePointer Bytes(ByteSet bytes, const Flags& flags) {
    NodePointer node = MakeNode(RegexNode::Kind::kBytes);
    node->bytes = flags.fold_case ? FoldCase(bytes) : bytes;
    return node;
  }

  NodePointer Atom(Flags* flags, bool* flags_only) {
    const char c = pattern_[at_++];
    switch (c) {
      case '(': return Group(flags, flags_only);
      case '[': return Class(*flags);
      case '.': {
        ByteSet any;
        any.set();
        if (!flags->dot_newline) any.reset('\n');
        return Bytes(any, Flags{});
      }
      case '^': return MakeAssertion(Assertion::kBeginText);
      case '$': return MakeAssertion(Assertion::kEndText);
      case '\\': {
        if (NodePointer special = SpecialEscape()) return special;
        std::optional<ByteSet> escaped = Escape(*flags);
        if (!escaped.has_value()) return nullptr;
        return Bytes(*escaped, *flags);
      }
      case '*': case '+': case '?': case '{': case ')': return nullptr;
      default:
        if (static_cast<uint8_t>(c) >= 0x80) return nullptr;
        return Bytes(Range(c, c), *flags);
    }
  }

  // After '(': a group, or a flag group such as (?i) that only sets flags.
  // Groups nested deeper than kMaxNesting are left to RE2, which bounds
  // this parser's recursion (and the tree's) whatever the pattern.
  NodePointer Group(Flags* flags, bool* flags_only) {
    if (++depth_ > kMaxNesting) return nullptr;
    NodePointer group = GroupBody(flags, flags_only);
    --depth_;
    return group;
  }

  NodePointer GroupBody(Flags* flags, bool* flags_only) {
    Flags inner = *flags;
    if (Take('?')) {
      if (Take('P')) {  // (?P<name>re)
        if (!Take('<')) return nullptr;
        while (!AtEnd() && Peek() != '>') ++at_;
        if (!Take('>')) return nullptr;
      } else {
        if (!ReadFlags(&inner)) return nullptr;
        if (Take(')')) {  // (?i): for the rest of the enclosing group
          *flags = inner;
          *flags_only = true;
          return nullptr;
        }
        if (!Take(':')) return nullptr;
      }
    }
    NodePointer node = Alternation(&inner);
    if (node == nullptr || !Take(')')) return nullptr;
    return node;
  }

  // Flags i and s, each maybe negated after '-'; U only swaps greediness,
  // which a whole-string match does not see. m (and anything else) is
  // refused: it changes ^ and $.
  bool ReadFlags(Flags* flags) {
    bool negated = false;
    while (!AtEnd() && Peek() != ')' && Peek() != ':') {
      const char flag = pattern_[at_++];
      if (flag == '-') {
        if (negated) return false;
        negated = true;
      } else if (flag == 'i') {
        flags->fold_case = !negated;
      } else if (flag == 's') {
        flags->dot_newline = !negated;
      } else if (flag != 'U') {
        return false;
      }
    }
    return true;
  }

  // After '\': an escape that is no set of characters, or nullptr. \C is
  // any one byte, which on an ASCII text is any character.
  NodePointer SpecialEscape() {
    if (AtEnd()) return nullptr;
    NodePointer node;
    switch (Peek()) {
      case 'A': node = MakeAssertion(Assertion::kBeginText); break;
      case 'z': node = MakeAssertion(Assertion::kEndText); break;
      case 'b': node = MakeAssertion(Assertion::kWordBoundary); break;
      case 'B': node = MakeAssertion(Assertion::kNotWordBoundary); break;
      case 'C':
        node = MakeNode(RegexNode::Kind::kBytes);
        node->bytes.set();
        ascii_only_ = true;
        break;
      default: return nullptr;
    }
    ++at_;
    return node;
  }

  // After '\': the symbols an escape stands for. RE2 negates \D \S \W
  // after folding, as a negated class: (?i)\W takes neither U+017F nor
  // U+212A, which \w folded takes.
  std::optional<ByteSet> Escape(const Flags& flags) {
    if (AtEnd()) return std::nullopt;
    const char c = pattern_[at_++];
    auto negated = [&](const ByteSet& bytes) {
      return ~(flags.fold_case ? FoldCase(bytes) : bytes);
    };
    switch (c) {
      case 'd': return Digits();
      case 'D': return negated(Digits());
      case 's': return Spaces();
      case 'S': return negated(Spaces());
      case 'w': return WordBytes();
      case 'W': return negated(WordBytes());
      case 't': return Range('\t', '\t');
      case 'n': return Range('\n', '\n');
      case 'r': return Range('\r', '\r');
      case 'f': return Range('\f', '\f');
      case 'v': return Range('\v', '\v');
      case 'a': return Range('\a', '\a');
      default:
        // Escaped punctuation is the character itself; an escaped letter
        // or digit not above (\b, \p, \Q, \x, \1 ...) is left to RE2.
        if (static_cast<uint8_t>(c) < 0x80 && !std::isalnum(static_cast<unsigned char>(c))) {
          return Range(c, c);
        }
        return std::nullopt;
    }
  }

  // After '[': a class up to its ']'. RE2 takes a ']' right after '[' or
  // '[^' as a literal, and a '-' first or last as a literal.
  NodePointer Class(const Flags& flags) {
    const bool negated = Take('^');
    ByteSet bytes;
    bool first = true;
    while (!AtEnd() && (first || Peek() != ']')) {
      first = false;
      if (Peek() == '[') return nullptr;  // [:alpha:] and friends: RE2's reading
      std::optional<ByteSet> low = ClassItem(flags);
      if (!low.has_value()) return nullptr;
      if (at_ + 1 < pattern_.size() && Peek() == '-' && pattern_[at_ + 1] != ']') {
        ++at_;
        std::optional<ByteSet> high = ClassItem(flags);
        if (!high.has_value() || low->count() != 1 || high->count() != 1) return nullptr;
        const int from = LowestByte(*low), to = LowestByte(*high);
        if (from > to) return nullptr;
        bytes |= Range(static_cast<char>(from), static_cast<char>(to));
      } else {
        bytes |= *low;
      }
    }
    if (!Take(']')) return nullptr;
    // RE2 folds the class's members first, then negates.
    if (flags.fold_case) bytes = FoldCase(bytes);
    return Bytes(negated ? ~bytes : bytes, Flags{});
  }

  static int LowestByte(const ByteSet& bytes) {
    for (int byte = 0; byte < kCodePoint; ++byte) {
      if (bytes.test(byte)) return byte;
    }
    return -1;
  }

  // One member of a class: a character, or an escape (a Perl class
  // included; a range's ends must be single characters).
  std::optional<ByteSet> ClassItem(const Flags& flags) {
    const char c = pattern_[at_++];
    if (c == '\\') return Escape(flags);
    if (static_cast<uint8_t>(c) >= 0x80) return std::nullopt;
    return Range(c, c);
  }

  static constexpr int kMaxNesting = 32;

  absl::string_view pattern_;
  size_t at_ = 0;
  int depth_ = 0;
  bool ascii_only_ = false;
};

// ---------------------------------------------------------------------- NFA

struct NfaState {
  enum class Kind : uint8_t { kBytes, kSplit, kAssertion, kMatch };
  Kind kind = Kind::kMatch;
  Assertion assertion = Assertion::kBeginText;  // kAssertion
  ByteSet bytes;                                // kBytes
  int out = -1;
  int alternative = -1;  // kSplit's second way
};

// Lowers syntax trees into one Thompson NFA, back to front: Emit(node,
// next) adds the states that match `node` and then continue at `next`, and
// returns the first of them, so no list of dangling arrows is kept. Every
// pattern ends in the one kMatch state (state 0): the automaton says
// whether any of them matches. A bounded repeat is copied (RE2 does the
// same), which kMaxNfaStates bounds.
class NfaBuilder {
 public:
  static constexpr size_t kMaxNfaStates = 2048;

  NfaBuilder() { states_.push_back(NfaState{}); }

  // Adds a pattern; false when the NFA grew past kMaxNfaStates.
  bool AddPattern(const RegexNode& root) {
    entries_.push_back(Emit(root, kMatchState));
    return !overflow_;
  }

  const std::vector<NfaState>& states() const { return states_; }
  const std::vector<int>& entries() const { return entries_; }

 private:
  static constexpr int kMatchState = 0;

  int Add(NfaState state) {
    if (states_.size() >= kMaxNfaStates) overflow_ = true;
    if (overflow_) return kMatchState;
    states_.push_back(state);
    return static_cast<int>(states_.size() - 1);
  }

  int Split(int first, int second) {
    NfaState split;
    split.kind = NfaState::Kind::kSplit;
    split.out = first;
    split.alternative = second;
    return Add(split);
  }

  int Emit(const RegexNode& node, int next) {
    if (overflow_) return kMatchState;
    switch (node.kind) {
      case RegexNode::Kind::kEmpty: return next;
      case RegexNode::Kind::kBytes: {
        NfaState state;
        state.kind = NfaState::Kind::kBytes;
        state.bytes = node.bytes;
        state.out = next;
        return Add(state);
      }
      case RegexNode::Kind::kAssertion: {
        NfaState state;
        state.kind = NfaState::Kind::kAssertion;
        state.assertion = node.assertion;
        state.out = next;
        return Add(state);
      }
      case RegexNode::Kind::kConcat:
        for (auto child = node.children.rbegin(); child != node.children.rend(); ++child) {
          next = Emit(**child, next);
        }
        return next;
      case RegexNode::Kind::kAlternate: {
        int entry = Emit(*node.children.back(), next);
        for (size_t i = node.children.size() - 1; i-- > 0;) {
          entry = Split(Emit(*node.children[i], next), entry);
        }
        return entry;
      }
      case RegexNode::Kind::kRepeat: return EmitRepeat(node, next);
    }
    return next;
  }

  // x{min,max}: min copies of x, then either a loop (no bound) or
  // max - min optional copies, each of which may end the repeat.
  int EmitRepeat(const RegexNode& node, int next) {
    const RegexNode& body = *node.children.front();
    int tail = next;
    if (node.max < 0) {
      const int loop = Split(-1, next);
      if (overflow_) return kMatchState;
      const int entry = Emit(body, loop);
      if (overflow_) return kMatchState;
      states_[loop].out = entry;
      tail = loop;
    } else {
      for (int optional = node.max - node.min; optional > 0 && !overflow_; --optional) {
        tail = Split(Emit(body, tail), next);
      }
    }
    for (int copy = 0; copy < node.min && !overflow_; ++copy) tail = Emit(body, tail);
    return tail;
  }

  std::vector<NfaState> states_;
  std::vector<int> entries_;
  bool overflow_ = false;
};

bool IsWordByte(int symbol) { return symbol < kCodePoint && WordBytes().test(symbol); }

}  // namespace

// ---------------------------------------------------------------------- DFA

// Subset construction over byte classes. A DFA state is a *kernel*: the NFA
// states the text read so far has led to, before any arrow that reads
// nothing is followed, with what an assertion needs to know there: whether
// no byte has been read (^) and whether the last byte was a word byte (\b,
// kept only when the patterns have a \b or \B). Which assertions hold is
// known only once the next byte (or the end) is: so a transition first
// follows the arrows that read nothing, under the assertions that hold
// between the last byte and the next, then reads the byte.
class RegexDfaBuilder {
 public:
  // `ascii_only`: the automaton leaves every non-ASCII byte to RE2 (see
  // RegexParser::ascii_only).
  // `budget`: what the build may spend, within the per-pattern bounds.
  RegexDfaBuilder(const std::vector<NfaState>& nfa, bool ascii_only,
                  const RegexDfa::Budget& budget)
      : nfa_(nfa),
        ascii_only_(ascii_only),
        max_steps_(std::min(kMaxSteps, budget.steps)),
        max_table_entries_(std::min<uint64_t>(RegexDfa::kMaxTableEntries, budget.table_entries)) {
    for (const NfaState& state : nfa_) {
      if (state.kind == NfaState::Kind::kAssertion &&
          (state.assertion == Assertion::kWordBoundary ||
           state.assertion == Assertion::kNotWordBoundary)) {
        tracks_words_ = true;
      }
    }
  }

  // NFA states visited so far, what Build spends of the budget.
  uint64_t steps() const { return steps_; }

  std::optional<RegexDfa> Build(const std::vector<int>& entries) {
    ComputeByteClasses();
    RegexDfa dfa;
    dfa.class_count_ = class_count_;
    while ((1u << dfa.row_shift_) < class_count_) ++dfa.row_shift_;
    for (int byte = 0; byte < 256; ++byte) {
      dfa.byte_class_[byte] = byte < kCodePoint ? byte_class_[byte] : class_count_ - 1;
    }
    // The last column, every byte of 0x80 and above, holds the undecided
    // row: FullMatch then reads the code point and takes this column.
    const auto column_of = [&](int symbol) -> uint32_t {
      return ascii_only_ ? class_count_ - 1 : byte_class_[symbol];
    };
    dfa.ascii_only_ = ascii_only_;
    dfa.code_point_column_ = column_of(kCodePoint);
    dfa.long_s_column_ = column_of(kLongS);
    dfa.kelvin_column_ = column_of(kKelvin);
    // States 0 (dead), 1 (undecided) and 2 (accepts every continuation)
    // first; then the start.
    states_.resize(3);
    accepting_ = {0, 0, 1};
    StateKey start_key(entries.begin(), entries.end());
    std::sort(start_key.begin(), start_key.end());
    start_key.erase(std::unique(start_key.begin(), start_key.end()), start_key.end());
    const uint32_t start = StateOf(Kernel{std::move(start_key), false, true});
    for (uint32_t state = 3; state < states_.size(); ++state) {
      if (static_cast<uint64_t>(states_.size()) << dfa.row_shift_ > max_table_entries_ ||
          steps_ > max_steps_) {
        return std::nullopt;
      }
      AddTransitions(state);
    }
    if (steps_ > max_steps_) return std::nullopt;  // the last state's row unfinished
    const uint32_t width = 1u << dfa.row_shift_;
    dfa.next_row_.assign(static_cast<size_t>(states_.size()) * width, 0);
    auto row_of = [&](uint32_t state) { return state < 2 ? state : state << dfa.row_shift_; };
    for (uint32_t column = 0; column < class_count_; ++column) {  // accept-all: itself
      dfa.next_row_[2 * width + column] = column + 1 < class_count_ ? row_of(2) : 1;
    }
    for (uint32_t state = 3; state < states_.size(); ++state) {
      for (uint32_t column = 0; column < class_count_; ++column) {
        dfa.next_row_[state * width + column] = row_of(transitions_[state][column]);
      }
    }
    dfa.start_row_ = row_of(start);
    dfa.accepting_ = std::move(accepting_);
    dfa.FindLiteralPrefix();
    return dfa;
  }

 private:
  using StateKey = std::vector<int>;  // sorted NFA state ids

  struct Kernel {
    StateKey states;
    bool after_word = false;  // the last byte read was a word byte
    bool at_start = false;    // no byte read yet
  };

  // Where the arrows that read nothing are: which assertions hold there.
  struct Position {
    bool at_start = false;
    bool at_end = false;
    bool boundary = false;  // a word byte on one side only
  };

  static bool Holds(Assertion assertion, const Position& position) {
    switch (assertion) {
      case Assertion::kBeginText: return position.at_start;
      case Assertion::kEndText: return position.at_end;
      case Assertion::kWordBoundary: return position.boundary;
      case Assertion::kNotWordBoundary: return !position.boundary;
    }
    return false;
  }

  // Byte classes: symbols (ASCII bytes and code points) that every kBytes
  // state treats alike (and, with \b, that are alike word or non-word)
  // share a column. The last column is every byte of 0x80 and above.
  void ComputeByteClasses() {
    byte_class_.fill(0);
    uint32_t classes = 1;
    auto refine = [&](const ByteSet& bytes) {
      std::map<std::pair<uint8_t, bool>, uint8_t> renamed;
      for (int byte = 0; byte < kSymbols; ++byte) {
        const auto key = std::make_pair(byte_class_[byte], bytes.test(byte));
        auto [entry, added] = renamed.emplace(key, static_cast<uint8_t>(renamed.size()));
        byte_class_[byte] = entry->second;
      }
      classes = static_cast<uint32_t>(renamed.size());
    };
    if (tracks_words_) refine(WordBytes());
    // Each distinct set once: a refinement walks every symbol, and a
    // bounded repeat (`[a-z0-9]{1000}`) makes a thousand states of one set,
    // which cost 4 ms a pattern (a fifth of compiling 1,000 of them).
    absl::flat_hash_set<ByteSet, std::hash<ByteSet>> refined;
    for (const NfaState& state : nfa_) {
      if (state.kind == NfaState::Kind::kBytes && refined.insert(state.bytes).second) {
        refine(state.bytes);
      }
    }
    steps_ += nfa_.size();
    class_count_ = classes + 1;
    representative_.assign(classes, 0);
    for (int symbol = kSymbols - 1; symbol >= 0; --symbol) {
      representative_[byte_class_[symbol]] = symbol;
    }
  }

  // The states that read a byte (and kMatch) reachable from `kernel` at
  // `position` through splits and the assertions that hold there.
  StateKey Closure(const StateKey& kernel, const Position& position) {
    return Reach(kernel, [&](Assertion assertion) { return Holds(assertion, position); });
  }

  // The states that read a byte (and kMatch) reachable from `from` through
  // splits and the assertions `passes` lets through.
  template <typename Passes>
  StateKey Reach(const StateKey& from, Passes passes) {
    StateKey members;
    std::vector<int> stack(from.rbegin(), from.rend());
    std::vector<bool> seen(nfa_.size(), false);
    while (!stack.empty()) {
      const int id = stack.back();
      stack.pop_back();
      if (id < 0 || seen[id]) continue;
      seen[id] = true;
      ++steps_;
      const NfaState& state = nfa_[id];
      if (state.kind == NfaState::Kind::kSplit) {
        stack.push_back(state.alternative);
        stack.push_back(state.out);
      } else if (state.kind == NfaState::Kind::kAssertion) {
        if (passes(state.assertion)) stack.push_back(state.out);
      } else {
        members.push_back(id);
      }
    }
    return members;
  }

  // Whether every ASCII continuation matches from `kernel`: a state it
  // reaches through splits alone (whatever the assertions) reads any byte
  // and comes back to itself, and can end the text in kMatch (a trailing
  // `(?s).*`). Without this, an automaton for a set of `(?s).*\bword\b.*`
  // patterns would keep apart every combination of words already seen, and
  // one for a single such pattern would read the whole text.
  bool AcceptsAll(const StateKey& kernel) {
    for (int id : Reachable(kernel, /*through_end=*/false)) {
      if (LoopsOnEveryByte(id)) return true;
    }
    return false;
  }

  bool LoopsOnEveryByte(int id) {
    if (loops_on_every_byte_.empty()) loops_on_every_byte_.assign(nfa_.size(), -1);
    if (loops_on_every_byte_[id] < 0) loops_on_every_byte_[id] = ComputeLoopsOnEveryByte(id);
    return loops_on_every_byte_[id] == 1;
  }

  bool ComputeLoopsOnEveryByte(int id) {
    const NfaState& state = nfa_[id];
    if (state.kind != NfaState::Kind::kBytes || !state.bytes.all()) return false;
    const StateKey back = Reachable({state.out}, /*through_end=*/false);
    if (std::find(back.begin(), back.end(), id) == back.end()) return false;
    const StateKey ends = Reachable({state.out}, /*through_end=*/true);
    return std::find(ends.begin(), ends.end(), 0) != ends.end();  // kMatch
  }

  // The states reachable from `from` through splits (and `$`/\z when
  // `through_end`), those that read nothing left out.
  StateKey Reachable(const StateKey& from, bool through_end) {
    return Reach(from, [&](Assertion assertion) {
      return through_end && assertion == Assertion::kEndText;
    });
  }

  // Whether a pattern matches when the text ends here (the end is a
  // non-word side for \b).
  bool Accepts(const Kernel& kernel) {
    const StateKey members =
        Closure(kernel.states, Position{kernel.at_start, true, kernel.after_word});
    return std::find(members.begin(), members.end(), 0) != members.end();  // kMatch
  }

  // The DFA state of `kernel`, added (with its accepting bit) if new. An
  // empty kernel is the dead state, one that accepts every continuation the
  // accept-all state.
  uint32_t StateOf(Kernel kernel) {
    if (kernel.states.empty()) return 0;
    if (AcceptsAll(kernel.states)) return 2;
    StateKey key = kernel.states;
    key.push_back(-1 - (kernel.after_word ? 1 : 0) - (kernel.at_start ? 2 : 0));
    steps_ += key.size();  // hashed and compared
    if (auto found = ids_.find(key); found != ids_.end()) return found->second;
    const uint32_t id = static_cast<uint32_t>(states_.size());
    accepting_.push_back(Accepts(kernel) ? 1 : 0);
    ids_.emplace(std::move(key), id);
    states_.push_back(std::move(kernel));
    return id;
  }

  void AddTransitions(uint32_t state) {
    std::vector<uint32_t> row(class_count_, 1);  // the last column: undecided
    // The members before a byte depend on the byte only through \b: one
    // closure for a boundary, one for none.
    std::optional<StateKey> members[2];
    for (uint32_t column = 0; column + 1 < class_count_; ++column) {
      if (steps_ > max_steps_) return;
      const int symbol = representative_[column];
      const bool word = tracks_words_ && IsWordByte(symbol);
      const Kernel& kernel = states_[state];
      const bool boundary = word != kernel.after_word;
      if (!members[boundary].has_value()) {
        members[boundary] = Closure(kernel.states, Position{kernel.at_start, false, boundary});
      }
      StateKey next;
      for (int id : *members[boundary]) {
        const NfaState& member = nfa_[id];
        if (member.kind == NfaState::Kind::kBytes && member.bytes.test(symbol)) {
          next.push_back(member.out);
        }
      }
      std::sort(next.begin(), next.end());
      next.erase(std::unique(next.begin(), next.end()), next.end());
      row[column] = StateOf(Kernel{std::move(next), word, false});
    }
    transitions_.resize(states_.size());
    transitions_[state] = std::move(row);
  }

  // A bound on the NFA states visited while building, so that a pattern
  // whose states are large sets (a long bounded repeat under a star) costs
  // a few milliseconds at most before it is left to RE2.
  static constexpr uint64_t kMaxSteps = 1u << 19;

  const std::vector<NfaState>& nfa_;
  const bool ascii_only_;
  const uint64_t max_steps_;
  const uint64_t max_table_entries_;
  bool tracks_words_ = false;
  std::vector<int8_t> loops_on_every_byte_;  // by NFA state: -1 not known yet
  uint64_t steps_ = 0;
  std::array<uint8_t, kSymbols> byte_class_{};  // by symbol
  std::vector<uint8_t> representative_;  // a symbol of each class
  uint32_t class_count_ = 0;
  std::vector<Kernel> states_;
  std::vector<uint8_t> accepting_;
  std::vector<std::vector<uint32_t>> transitions_;
  absl::flat_hash_map<StateKey, uint32_t> ids_;
};

uint32_t RegexDfa::CodePointColumn(const char* at) const noexcept {
  // U+017F is C5 BF, U+212A is E2 84 AA; a lead byte fixes the length, and
  // StrictUtf8Length (src/internal/utf8.h) has checked that the bytes are
  // there.
  const auto byte = [&](int i) { return static_cast<uint8_t>(at[i]); };
  if (byte(0) == 0xC5 && byte(1) == 0xBF) return long_s_column_;
  if (byte(0) == 0xE2 && byte(1) == 0x84 && byte(2) == 0xAA) return kelvin_column_;
  return code_point_column_;
}

RegexDfa::Outcome RegexDfa::ReadFromCodePoint(uint32_t row, const char* at,
                                              const char* end) const noexcept {
  while (true) {
    if (next_row_[row + byte_class_[static_cast<uint8_t>(*at)]] == kDeadRow) {
      return Outcome::kNoMatch;
    }
    const size_t length = StrictUtf8Length(at, end);
    if (length == 0) return Outcome::kUndecided;
    row = next_row_[row + CodePointColumn(at)];
    if (row <= kUndecidedRow) return row == kDeadRow ? Outcome::kNoMatch : Outcome::kUndecided;
    at = ReadUpToCodePoint(&row, at + length, end);
    if (at == end) return AtEnd(row);
  }
}

int RegexDfa::OnlyByteOnward(uint32_t row) const {
  if (accepting_[row >> row_shift_]) return -1;
  for (uint32_t column : {code_point_column_, long_s_column_, kelvin_column_}) {
    if (next_row_[row + column] != kDeadRow) return -1;
  }
  int only = -1;
  for (int byte = 0; byte < 0x80; ++byte) {
    if (next_row_[row + byte_class_[byte]] == kDeadRow) continue;
    if (only >= 0) return -1;
    only = byte;
  }
  return only;
}

void RegexDfa::FindLiteralPrefix() {
  uint32_t row = start_row_;
  while (literal_prefix_.size() < kMaxLiteralPrefix) {
    const int byte = OnlyByteOnward(row);
    if (byte < 0) break;
    literal_prefix_ += static_cast<char>(byte);
    row = next_row_[row + byte_class_[byte]];
    // A byte that leaves the text to RE2 ends the prefix before it.
    if (row == kUndecidedRow) {
      literal_prefix_.pop_back();
      break;
    }
  }
  // Reading the prefix from the start leads here, whatever made it stop.
  after_prefix_row_ = start_row_;
  for (char byte : literal_prefix_) {
    after_prefix_row_ = next_row_[after_prefix_row_ + byte_class_[static_cast<uint8_t>(byte)]];
  }
}

std::optional<RegexDfa> RegexDfa::Build(absl::string_view pattern, Budget* budget) {
  return BuildAny(std::vector<absl::string_view>{pattern}, budget);
}

std::optional<RegexDfa> RegexDfa::BuildAny(const std::vector<absl::string_view>& patterns,
                                           Budget* budget) {
  // A spent budget fits no automaton: not even the NFA is worth building.
  if (budget != nullptr && (budget->steps == 0 || budget->table_entries == 0)) {
    return std::nullopt;
  }
  NfaBuilder nfa;
  bool ascii_only = false;
  for (absl::string_view pattern : patterns) {
    RegexParser parser(pattern);
    NodePointer root = parser.Parse();
    if (root == nullptr || !nfa.AddPattern(*root)) return std::nullopt;
    ascii_only = ascii_only || parser.ascii_only();
  }
  Budget unbounded{UINT64_MAX, UINT64_MAX};
  Budget& spending = budget != nullptr ? *budget : unbounded;
  RegexDfaBuilder builder(nfa.states(), ascii_only, spending);
  std::optional<RegexDfa> dfa = builder.Build(nfa.entries());
  spending.steps -= std::min(builder.steps(), spending.steps);
  if (dfa.has_value()) spending.table_entries -= dfa->table_entries();
  return dfa;
}

}  // namespace writ::internal
