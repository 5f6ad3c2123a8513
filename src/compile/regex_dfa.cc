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

namespace writ::internal {
namespace {

using ByteSet = std::bitset<128>;  // ASCII bytes only; see regex_dfa.h

// ------------------------------------------------------------- syntax tree

struct RegexNode {
  enum class Kind : uint8_t { kEmpty, kBytes, kConcat, kAlternate, kRepeat, kBegin, kEnd };
  Kind kind = Kind::kEmpty;
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

// Adds the other case of each ASCII letter (flag i).
ByteSet FoldCase(ByteSet bytes) {
  for (int letter = 'a'; letter <= 'z'; ++letter) {
    if (bytes.test(letter) || bytes.test(letter - 'a' + 'A')) {
      bytes.set(letter);
      bytes.set(letter - 'a' + 'A');
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
      case '^': return MakeNode(RegexNode::Kind::kBegin);
      case '$': return MakeNode(RegexNode::Kind::kEnd);
      case '\\': {
        std::optional<ByteSet> escaped = Escape();
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

  // After '\': the bytes an escape outside a class stands for.
  std::optional<ByteSet> Escape() {
    if (AtEnd()) return std::nullopt;
    const char c = pattern_[at_++];
    switch (c) {
      case 'd': return Digits();
      case 'D': return ~Digits();
      case 's': return Spaces();
      case 'S': return ~Spaces();
      case 'w': return WordBytes();
      case 'W': return ~WordBytes();
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
      std::optional<ByteSet> low = ClassItem();
      if (!low.has_value()) return nullptr;
      if (at_ + 1 < pattern_.size() && Peek() == '-' && pattern_[at_ + 1] != ']') {
        ++at_;
        std::optional<ByteSet> high = ClassItem();
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
    for (int byte = 0; byte < 128; ++byte) {
      if (bytes.test(byte)) return byte;
    }
    return -1;
  }

  // One member of a class: a character, or an escape (a Perl class
  // included; a range's ends must be single characters).
  std::optional<ByteSet> ClassItem() {
    const char c = pattern_[at_++];
    if (c == '\\') return Escape();
    if (static_cast<uint8_t>(c) >= 0x80) return std::nullopt;
    return Range(c, c);
  }

  static constexpr int kMaxNesting = 32;

  absl::string_view pattern_;
  size_t at_ = 0;
  int depth_ = 0;
};

// ---------------------------------------------------------------------- NFA

struct NfaState {
  enum class Kind : uint8_t { kBytes, kSplit, kBegin, kEnd, kMatch };
  Kind kind = Kind::kMatch;
  ByteSet bytes;  // kBytes
  int out = -1;
  int alternative = -1;  // kSplit's second way
};

// Lowers a syntax tree into a Thompson NFA, back to front: Emit(node, next)
// adds the states that match `node` and then continue at `next`, and
// returns the first of them, so no list of dangling arrows is kept. A
// bounded repeat is copied (RE2 does the same), which kMaxNfaStates bounds.
class NfaBuilder {
 public:
  static constexpr size_t kMaxNfaStates = 2048;

  // The start state, or -1 when the NFA grew past kMaxNfaStates.
  int Build(const RegexNode& root) {
    const int match = Add(NfaState{});
    const int start = Emit(root, match);
    return overflow_ ? -1 : start;
  }

  const std::vector<NfaState>& states() const { return states_; }

 private:
  int Add(NfaState state) {
    if (states_.size() >= kMaxNfaStates) overflow_ = true;
    if (overflow_) return 0;
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
    if (overflow_) return 0;
    switch (node.kind) {
      case RegexNode::Kind::kEmpty: return next;
      case RegexNode::Kind::kBytes: {
        NfaState state;
        state.kind = NfaState::Kind::kBytes;
        state.bytes = node.bytes;
        state.out = next;
        return Add(state);
      }
      case RegexNode::Kind::kBegin:
      case RegexNode::Kind::kEnd: {
        NfaState state;
        state.kind = node.kind == RegexNode::Kind::kBegin ? NfaState::Kind::kBegin
                                                          : NfaState::Kind::kEnd;
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
      if (overflow_) return 0;
      const int entry = Emit(body, loop);
      if (overflow_) return 0;
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
  bool overflow_ = false;
};

}  // namespace

// ---------------------------------------------------------------------- DFA

// Subset construction: a DFA state is the set of NFA states (kBytes, kEnd,
// kMatch and kBegin; kSplit is followed) the text read so far can be in.
// `^` is followed only from the start, before any byte; `$` only when
// asking whether a state accepts, at the end of the text.
class RegexDfaBuilder {
 public:
  RegexDfaBuilder(const std::vector<NfaState>& nfa, int start) : nfa_(nfa), start_(start) {}

  std::optional<RegexDfa> Build() {
    ComputeByteClasses();
    RegexDfa dfa;
    dfa.class_count_ = class_count_;
    while ((1u << dfa.row_shift_) < class_count_) ++dfa.row_shift_;
    for (int byte = 0; byte < 256; ++byte) {
      dfa.byte_class_[byte] = byte < 128 ? byte_class_[byte] : class_count_ - 1;
    }
    // States 0 (dead) and 1 (undecided) first; then the start.
    states_.push_back(StateSet{});
    states_.push_back(StateSet{});
    accepting_ = {0, 0};
    std::vector<int> start_set = Closure({start_}, /*at_start=*/true);
    const uint32_t start = StateOf(std::move(start_set), /*at_start=*/true);
    for (uint32_t state = 2; state < states_.size(); ++state) {
      if (static_cast<uint64_t>(states_.size()) << dfa.row_shift_ > RegexDfa::kMaxTableEntries ||
          steps_ > kMaxSteps) {
        return std::nullopt;
      }
      AddTransitions(state);
    }
    if (steps_ > kMaxSteps) return std::nullopt;  // the last state's row unfinished
    const uint32_t width = 1u << dfa.row_shift_;
    dfa.next_row_.assign(static_cast<size_t>(states_.size()) * width, 0);
    for (uint32_t state = 1; state < states_.size(); ++state) {
      for (uint32_t column = 0; column < class_count_; ++column) {
        const uint32_t target = state == 1 ? 1 : transitions_[state][column];
        dfa.next_row_[state * width + column] = target == 1 ? 1 : target << dfa.row_shift_;
      }
    }
    dfa.start_row_ = start << dfa.row_shift_;
    dfa.accepting_ = std::move(accepting_);
    return dfa;
  }

 private:
  using StateSet = std::vector<int>;

  // Byte classes: bytes that every kBytes state treats alike share a
  // column. The last class is every byte of 0x80 and above.
  void ComputeByteClasses() {
    byte_class_.fill(0);
    uint32_t classes = 1;
    for (const NfaState& state : nfa_) {
      if (state.kind != NfaState::Kind::kBytes) continue;
      std::map<std::pair<uint8_t, bool>, uint8_t> renamed;
      for (int byte = 0; byte < 128; ++byte) {
        const auto key = std::make_pair(byte_class_[byte], state.bytes.test(byte));
        auto [entry, added] = renamed.emplace(key, static_cast<uint8_t>(renamed.size()));
        byte_class_[byte] = entry->second;
      }
      classes = static_cast<uint32_t>(renamed.size());
    }
    class_count_ = classes + 1;
    representative_.assign(classes, 0);
    for (int byte = 127; byte >= 0; --byte) representative_[byte_class_[byte]] = byte;
  }

  // `seeds` and every state reachable from them through splits (and
  // through `^` when at the start), sorted: kSplit states themselves are
  // left out, as they read nothing.
  StateSet Closure(const StateSet& seeds, bool at_start) {
    StateSet members;
    std::vector<int> stack(seeds.begin(), seeds.end());
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
      } else if (state.kind == NfaState::Kind::kBegin && at_start) {
        stack.push_back(state.out);
      } else {
        members.push_back(id);
      }
    }
    std::sort(members.begin(), members.end());
    return members;
  }

  // Whether the text may end in `set`: kMatch reached through `$` (and
  // `^` from the start state, for an empty text).
  bool Accepts(const StateSet& set, bool at_start) {
    StateSet frontier = set;
    std::vector<bool> seen(nfa_.size(), false);
    while (!frontier.empty()) {
      const int id = frontier.back();
      frontier.pop_back();
      if (seen[id]) continue;
      seen[id] = true;
      const NfaState& state = nfa_[id];
      if (state.kind == NfaState::Kind::kMatch) return true;
      if (state.kind == NfaState::Kind::kEnd ||
          (state.kind == NfaState::Kind::kBegin && at_start)) {
        for (int next : Closure({state.out}, at_start)) frontier.push_back(next);
      }
    }
    return false;
  }

  // The DFA state of `set`, added (with its accepting bit) if new. The
  // start is kept apart from a later state with the same set: only it
  // may still pass a `^`. An empty set is the dead state.
  uint32_t StateOf(StateSet set, bool at_start) {
    if (set.empty()) return 0;
    steps_ += set.size();  // hashed and compared
    if (!at_start) {
      if (auto found = ids_.find(set); found != ids_.end()) return found->second;
    }
    const uint32_t id = static_cast<uint32_t>(states_.size());
    accepting_.push_back(Accepts(set, at_start) ? 1 : 0);
    if (!at_start) ids_.emplace(set, id);
    states_.push_back(std::move(set));
    return id;
  }

  void AddTransitions(uint32_t state) {
    transitions_.resize(states_.size());
    std::vector<uint32_t> row(class_count_, 1);  // the last column: undecided
    for (uint32_t column = 0; column + 1 < class_count_; ++column) {
      StateSet seeds;
      steps_ += states_[state].size();
      if (steps_ > kMaxSteps) return;
      for (int id : states_[state]) {
        const NfaState& member = nfa_[id];
        if (member.kind == NfaState::Kind::kBytes && member.bytes.test(representative_[column])) {
          seeds.push_back(member.out);
        }
      }
      row[column] = StateOf(Closure(seeds, /*at_start=*/false), /*at_start=*/false);
    }
    transitions_.resize(states_.size());
    transitions_[state] = std::move(row);
  }

  // A bound on the NFA states visited while building, so that a pattern
  // whose states are large sets (a long bounded repeat under a star) costs
  // a few milliseconds at most before it is left to RE2.
  static constexpr uint64_t kMaxSteps = 1u << 19;

  const std::vector<NfaState>& nfa_;
  const int start_;
  uint64_t steps_ = 0;
  std::array<uint8_t, 128> byte_class_{};
  std::vector<uint8_t> representative_;  // a byte of each ASCII class
  uint32_t class_count_ = 0;
  std::vector<StateSet> states_;
  std::vector<uint8_t> accepting_;
  std::vector<std::vector<uint32_t>> transitions_;
  absl::flat_hash_map<StateSet, uint32_t> ids_;
};

std::optional<RegexDfa> RegexDfa::Build(absl::string_view pattern) {
  NodePointer root = RegexParser(pattern).Parse();
  if (root == nullptr) return std::nullopt;
  NfaBuilder nfa;
  const int start = nfa.Build(*root);
  if (start < 0) return std::nullopt;
  return RegexDfaBuilder(nfa.states(), start).Build();
}

}  // namespace writ::internal
