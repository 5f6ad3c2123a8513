#include "src/eval/dag_evaluator.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <new>
#include <optional>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "src/eval/explanation_builder.h"
#include "src/eval/predicate.h"
#include "src/internal/bytes_equal.h"
#include "src/internal/prefetch.h"
#include "src/io/value.h"

namespace writ::internal {
namespace {

// Per-thread node values for the current decision. An entry holds
// (generation << 2 | tristate); an entry of another generation is unset, so
// starting a decision is one increment instead of clearing the array.
class NodeMemo {
 public:
  // Starts a decision over `node_count` nodes; false if the array could
  // not grow (out of memory).
  bool Begin(size_t node_count) noexcept {
    if (entries_.size() < node_count) {
      try {
        entries_.resize(node_count, 0);
      } catch (const std::bad_alloc&) {
        return false;
      }
    }
    if (++generation_ == kGenerationLimit) {
      std::fill(entries_.begin(), entries_.end(), 0);
      generation_ = 1;
    }
    return true;
  }

  bool Lookup(uint32_t node, Tristate* value) const {
    const uint32_t entry = entries_[node];
    if ((entry >> 2) != generation_) return false;
    *value = static_cast<Tristate>(entry & 3);
    return true;
  }

  void Store(uint32_t node, Tristate value) {
    entries_[node] = (generation_ << 2) | static_cast<uint32_t>(value);
  }

 private:
  static constexpr uint32_t kGenerationLimit = 1u << 30;
  std::vector<uint32_t> entries_;
  uint32_t generation_ = 0;
};

NodeMemo& ThreadMemo() {
  thread_local NodeMemo memo;
  return memo;
}

// One decision: the program, the request and the memo, with the node and
// rule walks over them.
class DagRun {
 public:
  static constexpr uint32_t kNoSlot = 0xffffffffu;

  // `memo` may be null for a decision-only run of a program whose bodies
  // read no memo (DagProgram::decision_uses_memo): nothing reads it then.
  DagRun(const DagProgram& program, const Request& request, NodeMemo* memo)
      : program_(program),
        request_(request.values()),
        values_(request_.values),
        memo_(memo) {}

  Tristate Evaluate(uint32_t node) {
    const DagNode& compiled = program_.nodes()[node];
    if (!compiled.memoized) return Compute(compiled);
    Tristate value;
    if (memo_->Lookup(node, &value)) return value;
    value = Compute(compiled);
    memo_->Store(node, value);
    return value;
  }

  Tristate RuleCondition(uint32_t rule) { return Evaluate(program_.rules()[rule].condition); }

  // A listed rule's condition, from its body (ListedRule::body, at `test`
  // in body_tests() or among an inline list's: InlineBodies): the same
  // Kleene `and` as ComputeConnective over the same conjuncts. Kept out of
  // line: g++ inlined it into the four rule-list walks once the string
  // tests became one (kTextAffix), and that measured 54 -> 63 ns per
  // decision (ratio_hot/1000, fast mode).
  //
  // The compiler sorts a body's string tests first and its integer
  // compares next (TestRank), so each has a loop of its own that knows
  // the test: no dispatch per conjunct on its kind, has-ness and
  // negation, as DecideConjunct does for the rest. ~30 of the ~620
  // instructions of a 1,000-rule decision (benchmarks/RESULTS.md, "Body
  // loops by test").
  [[gnu::noinline]] Tristate EvaluateBody(const CompactAtom* test, uint32_t size) {
    Tristate result = Tristate::kTrue;
    const CompactAtom* const end = test + size;
    // An absent or wrong-typed subject leaves its test, negated or not,
    // unknown; a present one decides it.
    for (; test != end && IsStringTest(test->test); ++test) {
      const Value& subject = values_[test->slot];
      if (subject.state != ValueState::kPresent) {
        result = Tristate::kUnknown;
        continue;
      }
      if (StringTestHolds(*test, TextOf(subject)) == test->negated) return Tristate::kFalse;
    }
    for (; test != end && test->test == AtomTest::kIntInterval; ++test) {
      const Value& subject = values_[test->slot];
      if (subject.state != ValueState::kPresent) {
        result = Tristate::kUnknown;
        continue;
      }
      if (InInterval(*test, subject.integer) == test->outcomes) return Tristate::kFalse;
    }
    for (; test != end; ++test) {
      const Tristate value = DecideConjunct(*test);
      if (value == Tristate::kFalse) return Tristate::kFalse;
      if (value == Tristate::kUnknown) result = Tristate::kUnknown;
    }
    return result;
  }

  // Calls `visit(listed, body)` on every rule of `plan` that the request's
  // values leave possible, until it returns true. `listed.body`, whose
  // tests start at `body`, decides the rule as found: equal, on this
  // request, to its whole condition.
  // `unknown_guard_applies`: whether
  // a rule whose guard is unknown (attribute absent or wrong-typed) can
  // still apply, as a deny can.
  template <typename Visit>
  bool VisitCandidates(const EffectPlan& plan, bool unknown_guard_applies, Visit visit) {
    if (!plan.unguarded.empty() &&
        (VisitCompares(plan.compares, visit) || VisitRange(plan.uncompared, visit))) {
      return true;
    }
    for (const GuardIndex& index : plan.indexes) {
      const Value& value = values_[index.slot];
      if (value.state != ValueState::kPresent) {
        if (unknown_guard_applies && VisitRange(index.all, visit)) return true;
        continue;
      }
      // Equality first, outside the switch: the common index (the tool)
      // then costs no indirect jump (6 of ~570 instructions per decision).
      if (index.kind == GuardKind::kEquality) {
        // A large string table, whose lists are inline. The others keep
        // the lookup by range: with every string table through VisitKey,
        // a hot 1,000-rule decision took ~1.4% more engine CPU
        // (ratio_hot/1000, 7 fast-mode pairs), though 3 fewer instructions.
        if (index.by_text.has_payloads()) {
          const absl::string_view text = TextOf(value);
          if (VisitKey(index, text, HashOf(index.slot, text), visit)) return true;
          continue;
        }
        const RuleRange range = Lookup(index, value);
        if (!range.empty() && VisitKeyList(index, range, visit)) return true;
        continue;
      }
      bool stop = false;
      switch (index.kind) {
        case GuardKind::kEquality: break;
        case GuardKind::kDotSuffix: stop = VisitDotSuffixes(index, TextOf(value), visit); break;
        case GuardKind::kThreshold:
          stop = VisitRange(Satisfied(index, index.above, true, value), visit) ||
                 VisitRange(Satisfied(index, index.below, false, value), visit);
          break;
        case GuardKind::kCidr:
          stop = VisitCoveringBlocks(index.cidrs, values_[index.slot].ip(), visit);
          break;
        case GuardKind::kPrefix:
          stop = VisitPrefixesOf(index.prefixes, TextOf(value), visit);
          break;
        case GuardKind::kElement:
          stop = VisitElementsOf(index, request_.slot(index.slot).detail->set, visit);
          break;
      }
      if (stop) return true;
    }
    return false;
  }

 private:
  Tristate Compute(const DagNode& node) {
    switch (node.kind) {
      case NodeKind::kFalse: return Tristate::kFalse;
      case NodeKind::kTrue: return Tristate::kTrue;
      case NodeKind::kHas: return EvaluateHas(values_[node.operand]);
      case NodeKind::kBoolAttribute: return EvaluateBoolAttribute(values_[node.operand]);
      case NodeKind::kPredicate: return ComputeAtom(program_.compact_atoms()[node.operand]);
      case NodeKind::kNot: return KleeneNot(Evaluate(node.operand));
      case NodeKind::kAnd: return ComputeConnective(node, Tristate::kFalse, Tristate::kTrue);
      case NodeKind::kOr: return ComputeConnective(node, Tristate::kTrue, Tristate::kFalse);
    }
    return Tristate::kUnknown;
  }

  static bool IsStringTest(AtomTest test) {
    return test == AtomTest::kTextAffix || test == AtomTest::kTextIn;
  }

  // Whether a string test (IsStringTest) holds for a present `text`:
  // `!=` and `not in` hold where the text does not match.
  bool StringTestHolds(const CompactAtom& atom, absl::string_view text) const {
    if (atom.test == AtomTest::kTextAffix) {
      return MatchesAffix(atom, text) != (atom.op == Operator::kNotEqual);
    }
    return InTextList(atom, text) != (atom.op == Operator::kNotIn);
  }

  // Inlined into the body loop: a call per conjunct cost more than most
  // compares (ratio_hot 2.74-2.90x -> 2.47-2.60x slow mode, 3.1x -> 2.7-2.8x fast).
  [[gnu::always_inline]] Tristate DecideConjunct(const CompactAtom& test) {
    const Tristate value =
        test.test == AtomTest::kGeneral ? Evaluate(test.node) : ComputeAtom(test);
    return test.negated ? KleeneNot(value) : value;
  }

  // A quick reject before memcmp: whether the constant's `size` bytes at
  // `at` can be equal, from the first 8 of them (`head`) alone. The
  // constants of a rule's string tests (host names, say) mostly differ
  // from the request's value there, and this needs no call and no read of
  // the constant itself.
  static bool HeadMatches(const char* at, uint32_t size, uint64_t head) {
    if (size < sizeof(head)) return true;
    uint64_t word;
    std::memcpy(&word, at, sizeof(word));
    return word == head;
  }

  // Whether `left`'s ordering against `right` is one of `outcomes`
  // (CompactAtom::outcomes): the same answer as Compare(op, left, right)
  // for totally ordered values, without a branch per operator.
  template <typename T>
  static bool HasOutcome(uint8_t outcomes, T left, T right) {
    const int ordering = (left > right) + (left >= right);  // less 0, equal 1, greater 2
    return (outcomes >> ordering) & 1;
  }

  // kIntInterval: whether `value` lies in the test's interval.
  static bool InInterval(const CompactAtom& test, int64_t value) {
    return static_cast<uint64_t>(value) - static_cast<uint64_t>(test.integer) <= test.span;
  }

  // kTextAffix: `text` begins with the constant's prefix and ends with its
  // suffix, which do not overlap; for ==/!= the length is exact.
  static bool MatchesAffix(const CompactAtom& atom, absl::string_view text) {
    const uint32_t prefix = atom.prefix_size;
    const uint32_t suffix = atom.suffix_size();
    const uint32_t gap = atom.text_size - prefix - suffix;  // the `*` of a `like`
    const bool exact = atom.op == Operator::kEqual || atom.op == Operator::kNotEqual;
    const bool fits = exact ? text.size() == prefix + suffix : text.size() >= prefix + suffix;
    const char* end = text.data() + text.size();
    if (atom.tail_inline()) {
      return fits && HeadMatches(end - suffix, suffix, atom.head) &&
             HeadMatches(end - sizeof(atom.tail), sizeof(atom.tail), atom.tail);
    }
    return fits && HeadMatches(end - suffix, suffix, atom.head) &&
           (prefix == 0 || BytesEqual(text.data(), atom.text, prefix)) &&
           BytesEqual(end - suffix, atom.text + prefix + gap, suffix);
  }

  // kTextIn: `text` is one of the atom's members. Out of line: inlined
  // into the body's string loop, where a list is rare (a tool list is
  // mostly the rule's guard, not in its body), it cost a 1,000-rule
  // decision 8 more instructions than the call saves.
  [[gnu::noinline]] bool InTextList(const CompactAtom& atom, absl::string_view text) const {
    const ListMember* member = program_.list_members().data() + atom.integer;
    const char* bytes = program_.list_member_bytes().data();
    for (uint32_t i = 0; i < atom.text_size; ++i, ++member) {
      if (member->size == text.size() && HeadMatches(text.data(), member->size, member->head) &&
          BytesEqual(bytes + member->offset, text.data(), text.size())) {
        return true;
      }
    }
    return false;
  }

  // The AtomTests decide exactly as EvaluatePredicate (and EvaluateHas)
  // would: Compare's answers, the same string operators;
  // tests/differential/ holds them to the reference evaluator.
  [[gnu::always_inline]] Tristate ComputeAtom(const CompactAtom& atom) {
    const Value& subject = values_[atom.slot];
    if (atom.test == AtomTest::kHas) return EvaluateHas(subject);
    if (subject.state != ValueState::kPresent) return Tristate::kUnknown;
    switch (atom.test) {
      case AtomTest::kIntCompare:
        return FromBool(HasOutcome(atom.outcomes, subject.integer, atom.integer));
      case AtomTest::kIntInterval:
        // The atom's value: `outcomes` is the conjunct's inversion, which
        // includes `negated`; DecideConjunct applies that again.
        return FromBool(InInterval(atom, subject.integer) != (atom.outcomes != atom.negated));
      case AtomTest::kNumberCompare:
        // NaN is unordered: only != holds. (A constant is never NaN.)
        if (subject.number != subject.number) return FromBool(atom.op == Operator::kNotEqual);
        return FromBool(HasOutcome(atom.outcomes, subject.number, atom.number));
      case AtomTest::kBoolCompare:
        return FromBool(HasOutcome(atom.outcomes, subject.boolean, atom.integer != 0));
      case AtomTest::kTextAffix:
      case AtomTest::kTextIn:
        return FromBool(StringTestHolds(atom, TextOf(subject)));
      case AtomTest::kPatternSet:
        if (std::optional<bool> matched = MatchPatternSet(atom, TextOf(subject))) {
          return FromBool(*matched);
        }
        break;  // a match, or the set could not run: the atom's own test decides
      case AtomTest::kRegexDfa:
        if (std::optional<bool> matched =
                MatchByAutomaton(&program_.regex_dfas()[atom.integer], TextOf(subject))) {
          return FromBool(*matched);
        }
        break;  // a text the automaton leaves to RE2 (not UTF-8, ...)
      case AtomTest::kHas:
      case AtomTest::kGeneral: break;
    }
    const Predicate& predicate = *atom.predicate;
    if (predicate.operand.other_slot.has_value()) {
      const SlotView other = request_.slot(*predicate.operand.other_slot);
      return EvaluatePredicate(predicate, request_.slot(atom.slot), &other);
    }
    return EvaluatePredicate(predicate, request_.slot(atom.slot), nullptr);
  }

  // kPatternSet: one pass over `text` says whether any member matches, by
  // the set's automaton (PatternSet::any_automaton) or, for a text it
  // leaves to RE2, the set's RE2::Set; the answer is kept in the set's memo
  // entry (DagProgram::memo_size), so the pass runs once per decision. If
  // none matches, every member is false, stored in the memo where the
  // set's other atoms find it. If one does, the atom's own automaton says
  // whether it is one of them, or failing that (nullopt) its own regex or
  // glob (the set names its matches only in a list it allocates per call,
  // which a decision must not, and a glob's pattern in the set matches
  // more than the glob), and so for each other member the decision asks
  // for, no more. Nothing either when the set cannot run (RE2's DFA out of
  // memory).
  std::optional<bool> MatchPatternSet(const CompactAtom& atom, absl::string_view text) {
    const PatternSet& patterns = program_.pattern_sets()[atom.integer];
    const uint32_t pass = program_.PatternSetMemoEntry(static_cast<uint32_t>(atom.integer));
    Tristate any;
    if (!memo_->Lookup(pass, &any)) {
      std::optional<bool> matched = MatchByAutomaton(
          patterns.any_automaton.has_value() ? &*patterns.any_automaton : nullptr, text);
      if (!matched.has_value()) {
        RE2::Set::ErrorInfo error{RE2::Set::kNoError};
        matched = patterns.set->Match(re2::StringPiece(text.data(), text.size()), nullptr, &error);
        if (error.kind != RE2::Set::kNoError) return std::nullopt;
      }
      any = FromBool(*matched);
      memo_->Store(pass, any);
      if (any == Tristate::kFalse) {
        for (uint32_t node : patterns.nodes) memo_->Store(node, Tristate::kFalse);
      }
    }
    if (any == Tristate::kFalse) return false;
    const uint32_t own = patterns.member_automata[atom.text_size];
    if (own == kNoAutomaton) return std::nullopt;
    return MatchByAutomaton(&program_.regex_dfas()[own], text);
  }

  // The automaton's answer, or nullopt for a text it leaves to RE2 (and
  // when there is none). A pointer: a reference to an optional would copy
  // a bare automaton, tables and all, into a temporary on every call.
  static std::optional<bool> MatchByAutomaton(const RegexDfa* automaton, absl::string_view text) {
    if (automaton == nullptr) return std::nullopt;
    const RegexDfa::Outcome outcome = automaton->FullMatch(text);
    if (outcome == RegexDfa::Outcome::kUndecided) return std::nullopt;
    return outcome == RegexDfa::Outcome::kMatch;
  }

  // Kleene `and` (dominant false, neutral true) or `or` (the reverse): the
  // dominant value ends the walk; otherwise any unknown makes it unknown.
  Tristate ComputeConnective(const DagNode& node, Tristate dominant, Tristate neutral) {
    Tristate result = neutral;
    const uint32_t* children = program_.edges().data() + node.operand;
    for (uint32_t i = 0; i < node.count; ++i) {
      const Tristate value = Evaluate(children[i]);
      if (value == dominant) return dominant;
      if (value == Tristate::kUnknown) result = Tristate::kUnknown;
    }
    return result;
  }

  // HashText(text), `text` being the value of `slot`: the hash of the
  // slot last looked up is kept, as the deny and allow plans often both
  // have an equality index on one attribute (the tool).
  uint64_t HashOf(uint32_t slot, absl::string_view text) {
    if (slot != hashed_slot_) {
      hashed_slot_ = slot;
      hashed_text_ = HashText(text);
    }
    return hashed_text_;
  }

  RuleRange Lookup(const GuardIndex& index, const Value& value) {
    if (index.type == TypeKind::kString) {
      const absl::string_view text = TextOf(value);
      const RuleRange* found = index.by_text.Find(text, HashOf(index.slot, text));
      return found == nullptr ? RuleRange{} : *found;
    }
    if (index.type != TypeKind::kEnum) return LookupInteger(index, value.integer);
    if (value.integer < 0 || static_cast<size_t>(value.integer) >= index.by_member.size()) {
      return RuleRange{};
    }
    return index.by_member[value.integer];
  }

  // An int or duration index's rules for `integer` (IntegerKey). Out of
  // line: inlined next to the string lookup, its second copy of the table
  // probe made the gateway's decisions ~5% slower (ratio_hot/1000 2.21 ->
  // 2.33, fast mode), though that policy has no such index.
  [[gnu::noinline]] static RuleRange LookupInteger(const GuardIndex& index, int64_t integer) {
    const RuleRange* found = index.by_text.Find(IntegerKey(integer).view());
    return found == nullptr ? RuleRange{} : *found;
  }

  // The rules of a kThreshold side that `value` makes true: a prefix of
  // the side (ThresholdSide), its length found by binary search. A NaN
  // number satisfies no ordering, so no entry.
  static RuleRange Satisfied(const GuardIndex& index, const ThresholdSide& side, bool above,
                             const Value& value) {
    const bool number = index.type == TypeKind::kNumber;
    const auto matches = [&](size_t i) {
      const bool strict = side.strict[i] != 0;
      return number ? IsPast(side.numbers[i], value.number, strict, above)
                    : IsPast(side.integers[i], value.integer, strict, above);
    };
    size_t low = 0;
    size_t high = side.strict.size();
    while (low < high) {
      const size_t middle = low + (high - low) / 2;
      if (matches(middle)) {
        low = middle + 1;
      } else {
        high = middle;
      }
    }
    return RuleRange{side.rules.begin, side.rules.begin + static_cast<uint32_t>(low)};
  }

  // Whether `value` satisfies a threshold entry: above it (below, for the
  // `<` side), or equal to it when the entry is not strict.
  template <typename T>
  static bool IsPast(T threshold, T value, bool strict, bool above) {
    return (above ? threshold < value : threshold > value) || (!strict && threshold == value);
  }

  // The rules of every block that covers `address` (CidrTable): the
  // innermost block of its segment, then that block's ancestors.
  template <typename Visit>
  bool VisitCoveringBlocks(const CidrTable& table, const IpAddress& address, Visit& visit) {
    const auto past = std::upper_bound(table.starts.begin(), table.starts.end(), address);
    if (past == table.starts.begin()) return false;
    for (uint32_t block = table.innermost[past - table.starts.begin() - 1];
         block != CidrTable::kNoBlock; block = table.parents[block]) {
      if (VisitRange(table.rules[block], visit)) return true;
    }
    return false;
  }

  // The rules of every key `text` starts with (PrefixTable): from the last
  // key not after the text, up to the first the text starts with, then
  // that key and its ancestors.
  template <typename Visit>
  bool VisitPrefixesOf(const PrefixTable& table, absl::string_view text, Visit& visit) {
    size_t low = 0;
    size_t high = table.size();
    while (low < high) {  // the number of keys not after `text`
      const size_t middle = low + (high - low) / 2;
      if (table.Key(middle) <= text) {
        low = middle + 1;
      } else {
        high = middle;
      }
    }
    uint32_t key = low == 0 ? PrefixTable::kNoKey : static_cast<uint32_t>(low - 1);
    while (key != PrefixTable::kNoKey && !absl::StartsWith(text, table.Key(key))) {
      key = table.parents[key];
    }
    for (; key != PrefixTable::kNoKey; key = table.parents[key]) {
      if (VisitRange(table.rules[key], visit)) return true;
    }
    return false;
  }

  // The rules listed under each element of a set value (kElement).
  template <typename Visit>
  bool VisitElementsOf(const GuardIndex& index, const std::vector<std::string>& set,
                       Visit& visit) {
    for (const std::string& element : set) {
      const RuleRange* found = index.by_text.Find(element);
      if (found != nullptr && VisitRange(*found, visit)) return true;
    }
    return false;
  }

  // Every suffix of `text` that starts at a '.' is a key a rule may be
  // filed under; each rule has one key, so none is visited twice.
  template <typename Visit>
  bool VisitDotSuffixes(const GuardIndex& index, absl::string_view text, Visit& visit) {
    if (DotScanFits(text)) {
      // Longest first, as the walk below.
      for (uint64_t lengths = DotSuffixLengths(text) & index.key_lengths; lengths != 0;) {
        const int length = 63 - std::countl_zero(lengths);
        lengths ^= uint64_t{1} << length;
        const absl::string_view suffix = text.substr(text.size() - length);
        if (VisitKey(index, suffix, HashText(suffix), visit)) return true;
      }
      return false;
    }
    for (size_t dot = text.find('.'); dot != absl::string_view::npos;
         dot = text.find('.', dot + 1)) {
      if ((index.key_lengths & KeyLengthBit(text.size() - dot)) == 0) continue;
      const absl::string_view suffix = text.substr(dot);
      if (VisitKey(index, suffix, HashText(suffix), visit)) return true;
    }
    return false;
  }

  // The unguarded entries summarised as intervals (ScreenedCompare): each
  // is visited unless its attribute is present and outside the interval.
  template <typename Visit>
  bool VisitCompares(const std::vector<ScreenedCompare>& compares, Visit& visit) {
    for (const ScreenedCompare& compare : compares) {
      const Value& value = values_[compare.slot];
      if (value.state == ValueState::kPresent && !Within(compare, value)) continue;
      const ListedRule& listed = program_.rule_lists()[compare.entry];
      if (visit(listed, BodyOf(listed))) return true;
    }
    return false;
  }

  // Whether a present int or number lies in the compare's interval; a NaN
  // fails both of a number's compares.
  static bool Within(const ScreenedCompare& compare, const Value& value) {
    if (compare.number) {
      return compare.low_number <= value.number && value.number <= compare.high_number;
    }
    return static_cast<uint64_t>(value.integer) - static_cast<uint64_t>(compare.low) <=
           compare.span;
  }

  // The list filed under `key` (whose HashText is `hash`) in a string-keyed
  // index: inline after the key when its table has payloads, else in
  // rule_lists().
  template <typename Visit>
  bool VisitKey(const GuardIndex& index, absl::string_view key, uint64_t hash, Visit& visit) {
    if (index.by_text.has_payloads()) {
      return VisitInlineList(index, index.by_text.FindSlotWithPayload(key, hash), visit);
    }
    const RuleRange* found = index.by_text.Find(key, hash);
    return found != nullptr && VisitKeyList(index, *found, visit);
  }

  // An entry's body in body_tests() (ListedRule::body).
  const CompactAtom* BodyOf(const ListedRule& listed) const {
    return program_.body_tests().data() + listed.body.begin;
  }

  // The list of the key a probe of a table with payloads found (or none,
  // when `found` is null): inline after the key (InlineEntries). Lists
  // there are short (a host's or a suffix's rules), so each entry is
  // screened here rather than by the leaf scan the long ones take.
  template <typename Visit>
  bool VisitInlineList(const GuardIndex& index, const TextTable::Slot* found, Visit& visit) {
    if (found == nullptr) return false;
    const uint64_t* payload = index.by_text.Payload(*found);
    const uint32_t count = found->range.size();
    const ListedRule* listed = InlineEntries(payload);
    const ListedRule* const end = listed + count;
    const CompactAtom* const bodies = InlineBodies(payload, count);
    const Value* screened = index.text_screen_slot == GuardIndex::kNoSlot
                                ? nullptr
                                : &values_[index.text_screen_slot];
    if (screened != nullptr && screened->state != ValueState::kPresent) screened = nullptr;
    for (; listed != end; ++listed) {
      const bool rejected = screened != nullptr ? TextScreenRejects(*listed, TextOf(*screened))
                                                : listed->screen != 0 && ScreenRejects(*listed);
      if (!rejected && visit(*listed, bodies + listed->body.begin)) return true;
    }
    return false;
  }

  // A key's list of `index`: when each entry is screened by a string test
  // on one attribute (GuardIndex::text_screen_slot), with its text read
  // once for the list, not once per entry (~10 of the ~35 instructions an
  // entry cost).
  template <typename Visit>
  bool VisitKeyList(const GuardIndex& index, RuleRange range, Visit& visit) {
    if (index.text_screen_slot == GuardIndex::kNoSlot) return VisitRange(range, visit);
    const Value& value = values_[index.text_screen_slot];
    if (value.state != ValueState::kPresent) return VisitRange(range, visit);
    const absl::string_view text = TextOf(value);
    const ListedRule* const end = program_.rule_lists().data() + range.end;
    for (const ListedRule* listed = program_.rule_lists().data() + range.begin;; ++listed) {
      listed = FirstPassingTextScreen(listed, end, text);
      if (listed == end) return false;
      if (visit(*listed, BodyOf(*listed))) return true;
    }
  }

  // The first entry of [listed, end) whose text screen `text` passes, or
  // `end`. A leaf function of its own, called once per candidate and once
  // more at the list's end, not a loop inlined into the plan walks: it
  // costs a 1,000-rule decision ~7 more instructions, but g++ compiles
  // the loop alone without the walks' spills around it, and a hot
  // decision ran 3-4% faster (ratio_hot/1000, fast-mode pairs;
  // benchmarks/RESULTS.md, "The screen scan as a leaf").
  [[gnu::noinline]] static const ListedRule* FirstPassingTextScreen(const ListedRule* listed,
                                                                   const ListedRule* end,
                                                                   absl::string_view text) {
    for (; listed != end; ++listed) {
      if (!TextScreenRejects(*listed, text)) return listed;
    }
    return end;
  }

  // Calls `visit` on each entry of `range` that its screen does not rule
  // out, until it returns true.
  template <typename Visit>
  bool VisitRange(RuleRange range, Visit& visit) {
    const ListedRule* rules = program_.rule_lists().data();
    for (uint32_t i = range.begin; i < range.end; ++i) {
      if (rules[i].screen != 0 && ScreenRejects(rules[i])) continue;
      if (visit(rules[i], BodyOf(rules[i]))) return true;
    }
    return false;
  }

  // Whether `listed`'s screen proves its first test false, so that its
  // body cannot be true or unknown: the value is present and its length,
  // or the 8 bytes where the constant must sit, differ (ListedRule).
  bool ScreenRejects(const ListedRule& listed) const {
    const Value& value = values_[listed.screen_slot];
    if (value.state != ValueState::kPresent) return false;
    if ((listed.screen & (kScreenInteger | kScreenNumber | kScreenMembers)) != 0) {
      return OtherScreenRejects(listed, value);
    }
    return TextScreenRejects(listed, TextOf(value));
  }

  // A string test's screen (IsTextScreen), on a present value's `text`.
  static bool TextScreenRejects(const ListedRule& listed, absl::string_view text) {
    const size_t size = text.size();
    if (size < listed.screen_size ||
        ((listed.screen & kScreenExactSize) != 0 && size != listed.screen_size)) {
      return true;
    }
    if ((listed.screen & (kScreenWordAtStart | kScreenWordAtEnd)) == 0) return false;
    // The length check above guarantees the 8 bytes lie inside the text.
    const size_t at = (listed.screen & kScreenWordAtEnd) != 0 ? size - listed.screen_tail : 0;
    return !HeadMatches(text.data() + at, sizeof(uint64_t), listed.screen_word);
  }

  // A screen of a compare or a string list, on a present `value`.
  bool OtherScreenRejects(const ListedRule& listed, const Value& value) const {
    if (listed.screen == kScreenMembers) return MembersReject(listed, TextOf(value));
    return CompareRejects(listed, value);
  }

  // kScreenInteger / kScreenNumber: whether the present `value` fails the
  // compare, as ComputeAtom decides it. A NaN orders as "less" here, so it
  // is rejected only by `>`, `>=` and `==`, which it fails; `<`, `<=` and
  // `!=` leave it to the body.
  static bool CompareRejects(const ListedRule& listed, const Value& value) {
    if ((listed.screen & kScreenInteger) != 0) {
      int64_t constant;
      std::memcpy(&constant, &listed.screen_word, sizeof(constant));
      return !HasOutcome(listed.screen_tail, value.integer, constant);
    }
    double constant;
    std::memcpy(&constant, &listed.screen_word, sizeof(constant));
    return !HasOutcome(listed.screen_tail, value.number, constant);
  }

  // kScreenMembers: whether `text` is certainly none of the members: no
  // member has its length, or its bits are not all in the filter. The
  // text's 8 leading bytes are readable even when it is shorter: a text of
  // up to 16 bytes lies in its slot's 16-byte inline buffer.
  static bool MembersReject(const ListedRule& listed, absl::string_view text) {
    static_assert(Value::kInlineText >= sizeof(uint64_t),
                  "MemberBits reads 8 bytes of a short text from its inline buffer");
    if ((listed.screen_size & LengthBit(text.size())) == 0) return true;
    const uint64_t bits = MemberBits(text.data(), text.size());
    return (bits & ~listed.screen_word) != 0;
  }

  // A string slot's text: in the slot, or in the request's text arena.
  absl::string_view TextOf(const Value& value) const {
    return internal::TextOf(value, request_.texts);
  }

  const DagProgram& program_;
  const ValuesView request_;
  const Value* values_;  // request_.values, read without a call each
  NodeMemo* memo_;
  uint32_t hashed_slot_ = kNoSlot;  // HashOf's slot, and its value's hash
  uint64_t hashed_text_ = 0;
};

// why_not conjuncts read from the same run's memo.
class DagConjunctOracle : public ConjunctOracle {
 public:
  DagConjunctOracle(const DagProgram& program, DagRun& run) : program_(program), run_(run) {}

  Tristate Evaluate(uint32_t rule, const Conjunct& conjunct) const override {
    const auto& conjuncts = program_.policy().rules[rule].conjuncts;
    const size_t position = static_cast<size_t>(&conjunct - conjuncts.data());
    return run_.Evaluate(program_.conjunct_nodes()[program_.rules()[rule].first_conjunct +
                                                   position]);
  }

  // From the program's arrays alone: ranking why_not visits every allow
  // rule, and reading each one's CheckedRule (and its conjunct vector,
  // allocated apart) would pull most of the checked policy into the cache.
  size_t CountFailed(const CheckedPolicy&, uint32_t rule, size_t limit) const override {
    const std::vector<DagRule>& rules = program_.rules();
    const uint32_t* nodes = program_.conjunct_nodes().data();
    const uint32_t end = rule + 1 < rules.size()
                             ? rules[rule + 1].first_conjunct
                             : static_cast<uint32_t>(program_.conjunct_nodes().size());
    size_t failed = 0;
    for (uint32_t i = rules[rule].first_conjunct; i < end; ++i) {
      if (run_.Evaluate(nodes[i]) != Tristate::kTrue && ++failed == limit) break;
    }
    return failed;
  }

  Effect RuleEffect(const CheckedPolicy&, uint32_t rule) const override {
    return program_.rules()[rule].effect;
  }

  // The rules DagProgram::why_not_plan's lookups find for this request,
  // found on the first call. A rule filed under two keys can be found
  // twice, so the list is sorted and made unique.
  const std::vector<uint32_t>* NearRules() const override {
    thread_local std::vector<uint32_t> near;  // keeps its capacity
    if (!near_found_) {
      near.clear();
      run_.VisitCandidates(program_.why_not_plan(), false,
                           [&](const ListedRule& listed, const CompactAtom*) {
                             near.push_back(listed.rule);
                             return false;
                           });
      std::sort(near.begin(), near.end());
      near.erase(std::unique(near.begin(), near.end()), near.end());
      near_found_ = true;
    }
    return &near;
  }

 private:
  const DagProgram& program_;
  DagRun& run_;
  mutable bool near_found_ = false;
};

// Decision only: the first deny that applies decides; else the first allow.
Decision DecideOnly(const DagProgram& program, DagRun& run) {
  const bool deny_hit = run.VisitCandidates(
      program.deny_plan(), true, [&](const ListedRule& listed, const CompactAtom* body) {
        return run.EvaluateBody(body, listed.body.size()) != Tristate::kFalse;
      });
  if (deny_hit) return Combine(program.policy(), true, false);
  const bool allow_hit = run.VisitCandidates(
      program.allow_plan(), false, [&](const ListedRule& listed, const CompactAtom* body) {
        return run.EvaluateBody(body, listed.body.size()) == Tristate::kTrue;
      });
  return Combine(program.policy(), false, allow_hit);
}

// Starts loading the part of a determining rule's CheckedRule that the
// explanation reads (name, effect, obligations, reason, location): it is
// rarely in cache, and loading it while the remaining candidates are
// evaluated, rather than one rule after another as the record is built,
// overlaps those misses.
void PrefetchRecord(const CheckedRule& rule) { PrefetchRange(&rule, sizeof(CheckedRule)); }

// Every determining rule, in source order. `determining` has room for
// every rule, so pushing never allocates. `explaining`: the record of each
// determining rule will be read next.
Decision DecideWithRules(const DagProgram& program, DagRun& run,
                         std::vector<uint32_t>* determining, bool explaining) {
  determining->clear();
  const auto found = [&](uint32_t rule) {
    determining->push_back(rule);
    if (explaining) PrefetchRecord(program.policy().rules[rule]);
  };
  run.VisitCandidates(
      program.deny_plan(), true, [&](const ListedRule& listed, const CompactAtom* body) {
        if (run.EvaluateBody(body, listed.body.size()) != Tristate::kFalse) found(listed.rule);
        return false;
      });
  const bool deny_hit = !determining->empty();
  if (!deny_hit) {
    run.VisitCandidates(
        program.allow_plan(), false, [&](const ListedRule& listed, const CompactAtom* body) {
          if (run.EvaluateBody(body, listed.body.size()) == Tristate::kTrue) found(listed.rule);
          return false;
        });
  }
  // A rule filed under several set members is found once per element that
  // hits one (GuardKind::kElement).
  std::sort(determining->begin(), determining->end());
  determining->erase(std::unique(determining->begin(), determining->end()), determining->end());
  return Combine(program.policy(), deny_hit, !deny_hit && !determining->empty());
}

void Explain(const DagProgram& program, const Request& request, DagRun& run,
             Decision decision, const std::vector<uint32_t>& determining,
             ExplanationDetail detail, Explanation* explanation) {
  thread_local Outcome outcome;  // reused: its vectors keep their capacity
  outcome.decision = decision;
  outcome.determining.assign(determining.begin(), determining.end());
  // An allow's obligations are merged into the record: start loading them,
  // now that PrefetchRecord has had the rules that point to them loaded.
  if (decision.effect == Effect::kAllow) {
    for (uint32_t rule : determining) {
      __builtin_prefetch(program.policy().rules[rule].obligations.data());
    }
  }
  // Only a deny can apply on unknown: an allow applies on true alone, so an
  // allow decision's rules need no second look at their conditions.
  outcome.indeterminate.assign(determining.size(), false);
  if (decision.effect == Effect::kDeny) {
    for (size_t i = 0; i < determining.size(); ++i) {
      outcome.indeterminate[i] = run.RuleCondition(determining[i]) == Tristate::kUnknown;
    }
  }
  BuildExplanation(program.policy(), request, outcome, DagConjunctOracle(program, run),
                   detail, explanation);
}

Decision FailClosed(std::vector<uint32_t>* determining_rules, Explanation* explanation) {
  if (determining_rules != nullptr) determining_rules->clear();
  if (explanation != nullptr) {
    explanation->determining.clear();
    explanation->decision = Effect::kDeny;
    explanation->default_applied = false;
  }
  return {Effect::kDeny, false};
}

// A run that needs the memo: with the determining rules or an
// explanation, or a decision-only one whose bodies read the memo.
[[gnu::noinline]] Decision EvaluateWithMemo(const DagProgram& program, const Request& request,
                                            std::vector<uint32_t>* determining_rules,
                                            Explanation* explanation,
                                            ExplanationDetail detail) noexcept {
  NodeMemo& memo = ThreadMemo();
  if (!memo.Begin(program.memo_size())) return FailClosed(determining_rules, explanation);
  DagRun run(program, request, &memo);
  if (determining_rules == nullptr && explanation == nullptr) return DecideOnly(program, run);
  try {
    // Without a caller's vector, a per-thread one: reserving room for every
    // rule was an allocation per explained decision.
    thread_local std::vector<uint32_t> local;
    std::vector<uint32_t>& determining = determining_rules != nullptr ? *determining_rules : local;
    determining.reserve(program.rules().size());
    const Decision decision =
        DecideWithRules(program, run, &determining, explanation != nullptr);
    if (explanation != nullptr) {
      // No rule applied exactly when the default decided, so `determining`
      // is already empty then.
      Explain(program, request, run, decision, determining, detail, explanation);
    }
    return decision;
  } catch (const std::bad_alloc&) {
    return FailClosed(determining_rules, explanation);
  }
}

}  // namespace

// Flattened: everything it calls that may be inlined is, into one function
// (EvaluateWithMemo, EvaluateBody and the screen scan stay calls). Left to
// g++, DecideOnly was a call of its own and its allow plan's walk split
// into a second function with a second prologue, and which of the list
// walks stayed inline moved with every change around them. Flattened, a
// decision takes 15, 16 and 22 fewer instructions at 100, 1,000 and
// 10,000 rules (exact counts; benchmarks/RESULTS.md, "The screen scan as
// a leaf").
[[gnu::flatten]] Decision DagEvaluate(const DagProgram& program, const Request& request,
                                      std::vector<uint32_t>* determining_rules,
                                      Explanation* explanation,
                                      ExplanationDetail detail) noexcept {
  // A decision-only run starts no memo when no body reads it: ~1 ns of a
  // ~35 ns decision (batch_hot at 100 rules 30.7-31.6 -> 29.8-30.1 ns;
  // ratio_hot/1000 1.68-1.69 -> 1.62-1.65x in slow mode). It does not
  // even look up the per-thread one (a thread_local's guard and address:
  // 9 of ~490 instructions). Every other run is EvaluateWithMemo's.
  if (determining_rules == nullptr && explanation == nullptr && !program.decision_uses_memo()) {
    DagRun run(program, request, nullptr);
    return DecideOnly(program, run);
  }
  return EvaluateWithMemo(program, request, determining_rules, explanation, detail);
}

}  // namespace writ::internal
