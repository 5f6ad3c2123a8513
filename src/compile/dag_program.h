// Internal: the decision DAG — a checked policy lowered into flat arrays
// that the DAG evaluator walks with no pointer chasing and no allocation.
//
// compile/ owns this lowering. What it does, and why each step is fast:
//
//  * Atoms (one predicate over one attribute, `has p`, a bare bool
//    attribute, path == path) are hash-consed across all rules and lets, so
//    `tool == "search"` written in ten rules is one node. A node a
//    decision can reach twice is memoised per request; compares are
//    decided inline in each rule's body instead (ListedRule), which costs
//    less than the memo.
//  * Boolean structure is hash-consed too. Lets are inlined as shared
//    nodes; nested `and`s (and `or`s) are flattened, constants folded.
//  * Each rule's condition (`when and not unless`) is one node. A rule
//    whose condition is an `and` with an equality or `in` atom on a string,
//    enum, int or duration attribute, a dotted-suffix atom (`ends_with ".x.com"`,
//    `like "*.x.com"`) or a `starts_with` on a string attribute, an
//    ordering against a constant (`a >= 3`), `within [CIDRs]` on an ip
//    attribute or `contains` on a set is *guarded* by it: the rule sits in
//    an index from value (suffix, prefix, threshold, address block, set
//    member) to rules (GuardKind), so a request only visits the rules its
//    values can make true. An `or` among the conjuncts guards the rule as
//    well when each of its disjuncts has a guard atom of one index: the
//    rule is filed under all their keys. A rule found under a key that
//    proves its guard true is listed with its residual condition (the
//    other conjuncts), so the guard is not evaluated again. The evaluator
//    checks deny rules first and stops at the first that applies when no
//    explanation is asked for.
//  * The `matches` atoms (and `like` atoms with more than one wildcard)
//    over one attribute share one RE2::Set (PatternSet): a pass that
//    matches nothing decides them all. A pattern that fits RegexDfa's
//    subset runs a byte-table automaton instead of RE2 (no lock, one table
//    read a byte): a `matches` atom alone as its test (kRegexDfa), a set's
//    pass and its `matches` members too; RE2 takes only texts that are not
//    UTF-8 (and non-ASCII ones for a pattern with \C).
//
// Nodes are small trivial structs addressed by integer ids (as RE2's Prog
// instructions are); `Dump()` prints the program for `writ dag` and for the
// compiler tests. Immutable after CompileDag; safe to share between threads.
#ifndef WRIT_SRC_COMPILE_DAG_PROGRAM_H_
#define WRIT_SRC_COMPILE_DAG_PROGRAM_H_

#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/strings/string_view.h"
#include "re2/set.h"
#include "src/check/checked_policy.h"
#include "src/compile/regex_dfa.h"
#include "src/compile/text_table.h"
#include "src/internal/ip_address.h"
#include "writ/decision.h"

namespace writ::internal {

enum class NodeKind : uint8_t {
  kFalse,          // the constant false
  kTrue,           // the constant true
  kHas,            // has <slot>: operand = slot; never unknown
  kBoolAttribute,  // a bare bool attribute: operand = slot
  kPredicate,      // operand = index into CheckedPolicy::predicates
  kNot,            // operand = the child node
  kAnd,            // children: edges[operand, operand + count)
  kOr,             // children: edges[operand, operand + count)
};

bool IsAtom(NodeKind kind);  // kHas, kBoolAttribute, kPredicate

struct DagNode {
  NodeKind kind = NodeKind::kFalse;
  // Whether the evaluator memoises the node. Only a node a decision can
  // reach by more than one path (a shared atom or connective) can be asked
  // for twice in one decision; a node with one parent is asked for at most
  // as often as that parent, so storing its value would only cost a memo
  // write and read. (An explanation may ask for a node again; it is then
  // computed again.)
  bool memoized = true;
  uint32_t operand = 0;
  uint32_t count = 0;  // kAnd, kOr: number of children
};
static_assert(sizeof(DagNode) == 12, "DagNode must stay three words");

// How the evaluator decides a predicate atom. The common shapes (one
// attribute against one constant) are decided from this 32-byte record
// alone, so the atoms of a decision share a few cache lines instead of
// each touching its ~250-byte Predicate; the rest (lists, patterns, CIDRs,
// sets, path == path) fall back to the full Predicate.
enum class AtomTest : uint8_t {
  kGeneral,        // EvaluatePredicate(*predicate, ...)
  kIntCompare,     // int, duration, enum: subject.integer <op> integer
  kNumberCompare,  // subject.number <op> number
  kBoolCompare,    // subject.boolean <op> (integer != 0); in a rule body
                   // also a bare bool attribute, as `== true`
  // A string anchored at its ends: ==, !=, starts_with, ends_with and a
  // single-star `like` (Glob::single_star) are all "begins with the
  // constant's first `prefix_size` bytes and ends with the rest", the
  // length exact for ==/!= and at least the two parts' for the others
  // (`like` skips the `*` between them). One test for all five, because a
  // rule list mixes them (host ==, ends_with, like) and a switch over
  // their kinds mispredicted on nearly every rule.
  kTextAffix,
  // `in` / `not in` a list of strings: the members are ListMembers in
  // DagProgram::list_members(), their bytes in one arena, instead of the
  // Predicate's vector of separately allocated strings (a miss each when
  // the policy is large).
  kTextIn,
  kHas,            // in a rule body: has <slot>
  // A `matches` (or multi-star `like`) atom that shares an RE2::Set with
  // the others over its attribute (PatternSet): integer = the set's index
  // in DagProgram::pattern_sets(), text_size = the atom's pattern in it.
  // The first of them a decision asks for runs the set once, and a pass
  // that matches nothing stores every member's answer in the memo
  // (PatternSet). In a rule body it goes through the node walk, which
  // reads the memo.
  kPatternSet,
  // A `matches` atom whose pattern has a RegexDfa (src/compile/regex_dfa.h):
  // integer = its index in DagProgram::regex_dfas(). The automaton decides
  // a UTF-8 text; a text it leaves to RE2 (regex_dfa.h) goes to the atom's
  // RE2 (its Predicate).
  // In a rule body it goes through the node walk, whose memo keeps the
  // answer for the other rules that share the atom.
  kRegexDfa,
  // In a rule body only: a kIntCompare as the interval of ints that make
  // its atom true (`<= 3` is [least, 3], `== 3` is [3, 3]), `integer` the
  // interval's low end and `span` its width, so the test is a subtraction
  // and one unsigned compare rather than an ordering and a shift (~5 of
  // the ~19 instructions a body's int compare cost). `outcomes` holds 1
  // when the conjunct is false inside the interval: the atom is `!=` (true
  // outside [c, c]) or no int satisfies it, each unless negated, or it is
  // negated. The compiler converts a body's int compares once its screens,
  // which read the constant and outcomes, are set.
  kIntInterval,
};

// The bits of CompactAtom::outcomes: which ordering of subject against
// constant makes a compare true (`<=` is kLessBit | kEqualBit), so that a
// compare is a shift, not a switch over six operators.
inline constexpr uint8_t kLessBit = 1;
inline constexpr uint8_t kEqualBit = 2;
inline constexpr uint8_t kGreaterBit = 4;

struct CompactAtom {
  uint32_t slot = 0;  // the subject attribute
  AtomTest test = AtomTest::kGeneral;
  Operator op = Operator::kEqual;
  bool negated = false;  // in a rule body: the conjunct is `not` this atom
  union {
    uint8_t outcomes = 0;  // k*Compare: kLessBit | kEqualBit | kGreaterBit
    uint8_t prefix_size;   // kTextAffix: bytes of text before the suffix
                           // (and before the `*` of a `like`)
  };
  uint32_t text_size = 0;  // kTextAffix: the constant's length; kTextIn:
                           // the number of members; kPatternSet: the
                           // atom's pattern in its set
  uint32_t node = 0;       // in a rule body: the conjunct's node, which
                           // kGeneral evaluates through the node walk
  union {
    int64_t integer = 0;  // kIntCompare, kBoolCompare; kIntInterval: the
                          // interval's low end; kTextIn: the first
                          // member's index in list_members(); kPatternSet:
                          // the set's index in pattern_sets(); kRegexDfa:
                          // the automaton's in regex_dfas()
    double number;        // kNumberCompare
    const char* text;     // kTextAffix: the constant (a `like`'s pattern),
                          // in the Predicate's operand, unless tail_inline()
    uint64_t tail;        // kTextAffix when tail_inline(): the suffix's
                          // last 8 bytes
  };
  union {
    const Predicate* predicate = nullptr;  // kGeneral; kPatternSet (its own
                                           // test, after a match or if the
                                           // set cannot run); kRegexDfa
                                           // (RE2, for a text the
                                           // automaton leaves to it)
    uint64_t head;  // kTextAffix: the first 8 bytes of the suffix, when it
                    // has 8 or more
    uint64_t span;  // kIntInterval: the interval is integer .. integer + span
  };

  // kTextAffix: the bytes the text must end with, those of the constant
  // after its prefix and, for a `like`, after the `*` between them.
  uint32_t suffix_size() const {
    return text_size - prefix_size - (op == Operator::kLike ? 1 : 0);
  }
  // kTextAffix: whether the constant is all suffix, of 8 to 16 bytes, so
  // that `head` and `tail` (overlapping when under 16) hold all of it and
  // the test reads no constant: a tool name compared in a rule body is
  // then decided from the test alone, where at 10,000 rules reading the
  // constant was one more cache miss.
  bool tail_inline() const {
    const uint32_t suffix = suffix_size();
    return prefix_size == 0 && suffix >= 8 && suffix <= 16;
  }
};
static_assert(sizeof(CompactAtom) == 32, "CompactAtom must stay half a cache line");
static_assert(std::is_trivially_copyable_v<CompactAtom> && alignof(CompactAtom) <= 8,
              "a CompactAtom is stored as words of a TextTable payload (InlineBodies)");

inline constexpr uint32_t kNoAutomaton = 0xffffffffu;

// Every `matches` atom and every `like` atom with more than one wildcard
// (a single-star `like` is a kTextAffix test) over one string attribute,
// when there are two or more, as one RE2::Set anchored at both ends
// (RE2::FullMatch's semantics, pattern i being member i; a glob as
// Glob::RegexSuperset). One pass over the text finds whether any matches:
// when none does (the common case for a list of patterns to refuse), that
// pass decides them all, where each would otherwise run its own regex or
// glob over the text; when one does, each member a decision asks for runs
// its own test, as without the set.
struct PatternSet {
  uint32_t slot = 0;
  std::vector<uint32_t> nodes;  // member i's atom node
  std::unique_ptr<const RE2::Set> set;
  // The pass as one RegexDfa (RegexDfa::BuildAny over the members'
  // patterns, a glob as its RegexSuperset) when they all fit its subset:
  // the set then runs only for a text the automaton leaves to RE2.
  std::optional<RegexDfa> any_automaton;
  // Member i's own test after a pass that matched, when it is a `matches`
  // atom whose pattern has an automaton: its index in regex_dfas(), else
  // kNoAutomaton (its RE2, or its glob).
  std::vector<uint32_t> member_automata;
};

// One string of a kTextIn list: its bytes are
// list_member_bytes()[offset, offset + size).
struct ListMember {
  uint64_t head = 0;  // the first 8 bytes, when it has 8 or more
  uint32_t size = 0;
  uint32_t offset = 0;
};

// A rule as a list finds it: its id and the node that decides it there —
// its condition, or what remains of it when the list's key has already
// proved the guard atom true — and that node as a body: the conjuncts of
// the `and` (or the node alone), the likeliest to be false first. A
// decision evaluates the body, not the node: a conjunct that is a compare
// (or `not` one) is decided inline from its CompactAtom, with no node
// lookup and no memo (recomputing a compare costs less than a memo read
// and write); any other conjunct goes through the node walk, memoised when
// shared. Kleene `and` gives the same value in any order, so the order is
// free to choose.
//
// The entry also carries a *screen*: a cheap necessary condition for its
// body's first test, when that is a kTextAffix on a string attribute
// (`host == "..."`, `ends_with`, `like "*.x"`, `starts_with`), a compare
// of a scalar with a constant (`risk.score >= 0.7`) or a string `in` list.
// The list walk reads it with the entry itself and skips the rule when the
// value rules the test out (its length, or the 8 bytes where the constant
// must sit; the compare itself; no member's length or filter bits): most
// candidate rules fail exactly there (another host, another tool, a low
// risk), and skipping them leaves their body and constant unread.
struct ListedRule {
  uint32_t rule = 0;
  uint32_t condition = 0;
  RuleRange body;
  uint64_t screen_word = 0;  // the 8 bytes the text must hold (kScreenWordAt*)
  uint32_t screen_size = 0;  // the text's exact or least length
  uint16_t screen_slot = 0;  // the tested attribute
  uint8_t screen = 0;        // kScreen* bits; 0: no screen
  uint8_t screen_tail = 0;   // kScreenWordAtEnd: the word starts this many
                             // bytes before the text's end; kScreenInteger,
                             // kScreenNumber: the outcomes
};
static_assert(sizeof(ListedRule) == 32, "two list entries per cache line");

// Only a string-keyed table (IsStringKeyed) of this many keys or more
// stores its lists inline (InlineEntries): a smaller one stays in cache, and
// inline bodies put a list's entries further apart, so that scanning a
// key's list touched more lines (ratio_hot/1000 1.36-1.40 -> 1.66-1.72x
// with the 1,000-rule policy's 296-key tool table inline;
// benchmarks/RESULTS.md, "Key lists inline").
inline constexpr size_t kInlineListsFromKeys = 1024;
// The number of keys from which CompileDag stores a table's lists inline:
// kInlineListsFromKeys, unless a test has set another (0: every string
// table's), so that small random policies exercise the inline walk too.
size_t InlineListsFromKeys();
void SetInlineListsFromKeysForTesting(size_t keys);

// A key's list stored inline, as the payload of its key in a guard
// index's TextTable (GuardIndex::by_text, when has_payloads()): its entries
// (ListedRule, in the list's order) one after another, then their bodies'
// CompactAtoms; an inline entry's `body` is the place of its body among
// those, not in body_tests(). At 10,000 rules a probe for a host or a
// suffix is a cache miss, and so were, one after the other, the list entry
// it led to and the entry's body; inline, the key, its entries and their
// bodies are read from consecutive lines. The entries come first, so that
// the screen of each, which rejects most of them (ListedRule), reads a
// line or two after the key, and only the bodies of those it passes are
// read after them.
static_assert(sizeof(ListedRule) % sizeof(uint64_t) == 0 && alignof(ListedRule) <= 8 &&
                  std::is_trivially_copyable_v<ListedRule>,
              "a ListedRule is stored as words of a TextTable payload");
inline const ListedRule* InlineEntries(const uint64_t* payload) {
  return reinterpret_cast<const ListedRule*>(payload);
}
// The bodies of an inline list of `count` entries at `payload`.
inline const CompactAtom* InlineBodies(const uint64_t* payload, uint32_t count) {
  return reinterpret_cast<const CompactAtom*>(InlineEntries(payload) + count);
}

// ListedRule::screen bits. A screen rejects only a present value: an
// absent or wrong-typed one leaves the test unknown, which a deny must
// still see.
inline constexpr uint8_t kScreenExactSize = 1;  // size == screen_size (==)
inline constexpr uint8_t kScreenLeastSize = 2;  // size >= screen_size
inline constexpr uint8_t kScreenWordAtStart = 4;
inline constexpr uint8_t kScreenWordAtEnd = 8;
// A first test that compares an int, duration or enum (kScreenInteger) or
// a number (kScreenNumber) with a constant: screen_word holds the constant
// and screen_tail the outcomes (CompactAtom::outcomes) that make it true.
// At 10,000 rules most of a request's candidate denies are found by tool
// and fail their first compare (`risk.score >= 0.7`); the screen rejects
// them without reading their bodies, a cache miss each.
inline constexpr uint8_t kScreenInteger = 16;
inline constexpr uint8_t kScreenNumber = 32;
// A first test `a in [...]` on a string (kTextIn, not negated):
// screen_size has bit min(length, 31) set for each member's length, and
// screen_word is a 64-bit Bloom filter of the members' leading bytes
// (MemberBits). A rule granting three tools, found by its host, is
// skipped from its entry when the request's tool is none of them.
inline constexpr uint8_t kScreenMembers = 64;

// The two bits a text sets in a kScreenMembers filter: from its first 8
// bytes (fewer when shorter, zero-padded) and its length. `bytes` must
// have 8 readable bytes even when `size` is smaller (a request's inline
// text has 16).
inline uint64_t MemberBits(const char* bytes, size_t size) {
  uint64_t word;
  std::memcpy(&word, bytes, sizeof(word));
  if (size < sizeof(word)) word &= (uint64_t{1} << (8 * size)) - 1;
  const uint64_t mixed = (word ^ size) * 0x9e3779b97f4a7c15ULL;
  return (uint64_t{1} << (mixed >> 58)) | (uint64_t{1} << ((mixed >> 52) & 63));
}
inline uint32_t LengthBit(size_t size) { return uint32_t{1} << (size < 31 ? size : 31); }

// Whether `screen` tests a string's length (and maybe a word of it).
inline bool IsTextScreen(uint8_t screen) {
  return (screen & (kScreenExactSize | kScreenLeastSize)) != 0;
}

struct DagRule {
  uint32_t condition = 0;       // node of `when and not unless`
  uint32_t first_conjunct = 0;  // into conjunct_nodes(), one per
                                // CheckedRule::conjuncts entry
  Effect effect = Effect::kDeny;
};
static_assert(sizeof(DagRule) == 12, "DagRule must stay three words");

// How a guard index finds the rules a present value can make true.
enum class GuardKind : uint8_t {
  // `a == v` / `a in [...]` on a string, enum, int or duration attribute:
  // the rules listed under the value itself (an integer under its bytes,
  // IntegerKey).
  kEquality,
  // `a ends_with s` / `a like g` on a string attribute, where the suffix
  // every match must have contains a '.': filed under that suffix from its
  // first '.' on (".example.com"), a necessary condition. A value is looked
  // up once per '.' in it, so host-name suffixes cost a few hash probes.
  kDotSuffix,
  // `a > c`, `a >= c`, `a < c`, `a <= c` on an int, duration, enum or
  // number attribute: the rules a value satisfies are a prefix of a list
  // sorted by threshold, found by one binary search (ThresholdSide). Built
  // for two or more rules: a lone one is listed unguarded, its compare
  // screened in its entry.
  kThreshold,
  // `a within [cidrs]` on an ip attribute: the rules filed under each CIDR
  // block, found through a sorted table of address ranges (CidrTable).
  kCidr,
  // `a starts_with p` on a string attribute (and a `like` with a literal
  // prefix and no dotted suffix, which needs that prefix): the rules filed
  // under each prefix, found through a sorted table of them (PrefixTable).
  kPrefix,
  // `s contains e`, `s contains_any [...]` on a set<string> attribute (and
  // `contains_all [...]`, which needs its first member): the rules listed
  // under each member, looked up once per element of the request's set. A
  // rule filed under several members can be found once per element that
  // hits one; a decision only asks whether some rule applies, and the
  // determining list drops the repeats.
  kElement,
};

// One direction of a kThreshold index: `above` holds the rules guarded by
// `a > c` / `a >= c` sorted by (c, strict) ascending, `below` those of
// `a < c` / `a <= c` by c descending, `<=` before `<` at one c. Either way
// the rules a value v makes true come first: entry i matches when v is
// past thresholds[i], or equal to it and the entry is not strict.
struct ThresholdSide {
  std::vector<int64_t> integers;  // int, duration, enum
  std::vector<double> numbers;    // number
  std::vector<uint8_t> strict;    // 1 for `>` and `<`
  RuleRange rules;                // entry i is rule_lists()[rules.begin + i]
};

// A kCidr index's blocks as a range table. CIDR blocks are nested or
// disjoint, so they form a forest (`parents`); the address space is cut
// into segments at every block's first address and just past its last,
// and each segment records the innermost block that covers it. The rules
// an address makes true are those of that block and of its ancestors: one
// binary search over `starts`, then a walk up a chain as deep as the
// blocks nest (one or two, for real policies). A rule is filed only under
// its outermost blocks, which are disjoint, so no walk meets it twice.
struct CidrTable {
  static constexpr uint32_t kNoBlock = 0xffffffffu;
  std::vector<Cidr> blocks;        // by (network, prefix): parents first
  std::vector<uint32_t> parents;   // per block; kNoBlock at a root
  std::vector<RuleRange> rules;    // per block, in rule_lists()
  std::vector<IpAddress> starts;   // ascending: the segments' first addresses
  std::vector<uint32_t> innermost; // per segment; kNoBlock where none covers
};

// A kPrefix index's keys (prefixes) as a sorted table. The keys that are
// prefixes of one text are prefixes of each other, so they form a chain:
// each key's `parent` is the longest other key that is a prefix of it.
// Every key between the longest key a text starts with and the text itself
// starts with that key too, so the last key not after the text (one binary
// search) is that key or lies below it: the walk up from there to the
// first key the text starts with finds it, and its ancestors are the rest
// of the chain. A rule is filed only under its outermost keys (none a
// prefix of another), so no walk meets it twice. As CidrTable does for
// address blocks.
struct PrefixTable {
  static constexpr uint32_t kNoKey = 0xffffffffu;
  std::string bytes;              // every key, ascending, one after another
  std::vector<uint32_t> offsets;  // key i is bytes[offsets[i], offsets[i + 1])
  std::vector<uint32_t> parents;  // per key; kNoKey at a root
  std::vector<RuleRange> rules;   // per key, in rule_lists()

  size_t size() const { return parents.size(); }
  absl::string_view Key(size_t i) const {
    return absl::string_view(bytes).substr(offsets[i], offsets[i + 1] - offsets[i]);
  }
};

// The rules of one effect guarded by one kind of atom on one attribute.
// When the attribute is present only the rules listed under the keys its
// value hits can apply; when it is absent or wrong-typed the guard is
// unknown, so no allow rule of the index can be true but every deny rule of
// it may apply (fail-closed): `all` lists them.
struct GuardIndex {
  static constexpr uint32_t kNoSlot = 0xffffffffu;

  uint32_t slot = 0;
  TypeKind type = TypeKind::kString;
  GuardKind kind = GuardKind::kEquality;
  // kEquality, kDotSuffix: the slot every entry of every key's list is
  // screened on by a string test (IsTextScreen), or kNoSlot. Such a list
  // is walked with that text read once: a tool's allow rules, say, each
  // screened by its host.
  uint32_t text_screen_slot = kNoSlot;
  RuleRange all;
  TextTable by_text;                 // kString, kInt, kDuration; kElement (for a
                                     // string-keyed one of InlineListsFromKeys()
                                     // keys or more, with the lists inline)
  std::vector<RuleRange> by_member;  // kEnum, by index
  // kDotSuffix: bit min(length, 63) is set for every key length, so a
  // suffix of a length no key has is not hashed at all.
  uint64_t key_lengths = 0;
  ThresholdSide above, below;  // kThreshold
  CidrTable cidrs;             // kCidr
  PrefixTable prefixes;        // kPrefix
};

// Whether `index` is keyed by strings probed in its TextTable: a kEquality
// index on a string attribute or a kDotSuffix one. Such a table of
// InlineListsFromKeys() keys or more stores its lists inline (InlineEntries).
inline bool IsStringKeyed(const GuardIndex& index) {
  return (index.kind == GuardKind::kEquality && index.type == TypeKind::kString) ||
         index.kind == GuardKind::kDotSuffix;
}

inline uint64_t KeyLengthBit(size_t length) { return uint64_t{1} << (length < 63 ? length : 63); }

// The texts DotSuffixLengths reads: from one word to kDotScanLimit bytes.
inline constexpr size_t kDotScanLimit = 62;
inline bool DotScanFits(absl::string_view text) {
  return text.size() >= sizeof(uint64_t) && text.size() <= kDotScanLimit;
}

// The lengths of `text`'s dotted suffixes (those that start at a '.'), as
// KeyLengthBit's bits, for a text DotScanFits: so that a probe of a
// kDotSuffix index takes `DotSuffixLengths(text) & key_lengths`, the
// suffixes worth hashing, from a few word operations. Found with
// string_view::find, a dot cost a call into memchr, and each dot a branch
// on its suffix's length that a host name left to chance (~45 instructions
// and ~1 mispredicted branch of a 10,000-rule decision; benchmarks/
// RESULTS.md, "Branch-free probes"). Words at fixed offsets, overlapping
// where the length is no multiple of 8: a dot seen twice sets its bit twice.
inline uint64_t DotSuffixLengths(absl::string_view text) {
  const char* const bytes = text.data();
  const size_t size = text.size();
  // Bit 7 - j for each '.' in byte j of the word at `at`, moved to bit
  // size - at - j: the length of the suffix that starts there.
  const auto lengths_in_word = [&](size_t at) {
    constexpr uint64_t kLowBits = 0x7f7f7f7f7f7f7f7fULL;
    uint64_t word;
    std::memcpy(&word, bytes + at, sizeof(word));
    const uint64_t others = word ^ 0x2e2e2e2e2e2e2e2eULL;  // a '.' becomes a zero byte
    const uint64_t zero_bytes = ~(((others & kLowBits) + kLowBits) | others | kLowBits);
    // 0x80 in each zero byte; the multiply gathers byte j's bit into bit
    // 63 - j (no two partial products meet, so nothing carries).
    const uint64_t reversed = ((zero_bytes >> 7) * 0x8040201008040201ULL) >> 56;
    return reversed << (size - at - 7);
  };
  uint64_t lengths = lengths_in_word(0) | lengths_in_word(size - 8);
  if (size <= 16) return lengths;
  lengths |= lengths_in_word(8) | lengths_in_word(size - 16);
  for (size_t at = 16; at + 16 < size; at += 8) lengths |= lengths_in_word(at);
  return lengths;
}

// An unguarded entry whose screen is a compare (kScreenInteger,
// kScreenNumber) other than `!=`, held apart from its ListedRule as the
// closed interval of values that make the compare true: a decision tests
// every unguarded entry, and from this record the test is a subtraction
// and a compare, without the entry's dispatch on its screen kind (about
// half of the ~33 instructions an entry cost). A NaN lies in no interval,
// as it makes no ordering true.
struct ScreenedCompare {
  // int, duration, enum: low..low+span as int64 (span unsigned, so that
  // value - low <= span is one compare). number: low_number..high_number.
  int64_t low = 0;
  uint64_t span = 0;
  double low_number = 0;
  double high_number = 0;
  uint32_t entry = 0;  // into rule_lists()
  uint32_t slot = 0;
  bool number = false;
};

// The rules of one effect, split by how a request finds them.
struct EffectPlan {
  // Visited for every request: its first entries summarised in `compares`
  // (in the same order), then `uncompared`, the rest (kept, not derived
  // per decision from the vector's size, a division by the record's).
  RuleRange unguarded;
  std::vector<ScreenedCompare> compares;
  RuleRange uncompared;
  std::vector<GuardIndex> indexes;
};

class DagProgram {
 public:
  static constexpr uint32_t kNoNode = 0xffffffffu;

  DagProgram(const DagProgram&) = delete;
  DagProgram& operator=(const DagProgram&) = delete;

  const CheckedPolicy& policy() const { return *policy_; }
  const std::vector<DagNode>& nodes() const { return nodes_; }
  const std::vector<uint32_t>& edges() const { return edges_; }
  const std::vector<DagRule>& rules() const { return rules_; }
  const std::vector<uint32_t>& conjunct_nodes() const { return conjunct_nodes_; }
  const std::vector<ListedRule>& rule_lists() const { return rule_lists_; }
  // One per CheckedPolicy::predicates entry (a kPredicate node's operand).
  const std::vector<CompactAtom>& compact_atoms() const { return compact_atoms_; }
  // The conjuncts of the listed conditions (ListedRule::body), each body
  // stored once however many lists hold it.
  const std::vector<CompactAtom>& body_tests() const { return body_tests_; }
  const std::vector<ListMember>& list_members() const { return list_members_; }
  const std::string& list_member_bytes() const { return list_member_bytes_; }
  const std::vector<PatternSet>& pattern_sets() const { return pattern_sets_; }
  const std::vector<RegexDfa>& regex_dfas() const { return regex_dfas_; }
  // Entries a decision's memo needs: one per node, then one per pattern
  // set, which holds whether its pass found a match.
  size_t memo_size() const { return nodes_.size() + pattern_sets_.size(); }
  uint32_t PatternSetMemoEntry(uint32_t set) const {
    return static_cast<uint32_t>(nodes_.size()) + set;
  }
  const EffectPlan& deny_plan() const { return deny_plan_; }
  const EffectPlan& allow_plan() const { return allow_plan_; }
  // For explaining a default deny: every allow rule filed under two of its
  // why_not conjuncts (SPEC §5) that are guard atoms, or unguarded when it
  // has fewer. The rules its lookups do not find have two conjuncts that
  // are not true, so ranking why_not, once it holds three rules with at
  // most two failures, need only count those it finds. Its lists name
  // rules only: their bodies are empty.
  const EffectPlan& why_not_plan() const { return why_not_plan_; }
  size_t atom_count() const { return atom_count_; }
  // Whether a decision without an explanation can read the memo: some
  // rule body has a conjunct that goes through the node walk (kGeneral: a
  // connective, or an atom the walk decides, pattern-set members among
  // them). A decision-only run of a program whose bodies are all compares,
  // string tests and lists reads none, so it need not start one.
  bool decision_uses_memo() const { return decision_uses_memo_; }

  // The program as text: atoms, connectives (shared ones marked), rules
  // and indexes. Stable, so tests compare it against expected listings.
  std::string Dump() const;
  // The program as a Graphviz digraph.
  std::string DumpDot() const;

  // One atom or connective, printed like source ("tool == \"search\"",
  // "and(n3, n7)").
  std::string DescribeNode(uint32_t node) const;

 private:
  friend class DagCompiler;
  DagProgram() = default;

  std::shared_ptr<const CheckedPolicy> policy_;
  std::vector<DagNode> nodes_;
  std::vector<uint32_t> edges_;
  std::vector<DagRule> rules_;           // source order, like policy().rules
  std::vector<uint32_t> conjunct_nodes_;
  std::vector<ListedRule> rule_lists_;   // each list in source order
  std::vector<CompactAtom> compact_atoms_;
  std::vector<CompactAtom> body_tests_;
  std::vector<ListMember> list_members_;
  std::string body_texts_;  // the constants of body_tests_' kTextAffix
                            // tests, in body order; never resized
  std::string list_member_bytes_;
  std::vector<PatternSet> pattern_sets_;
  std::vector<RegexDfa> regex_dfas_;  // kRegexDfa atoms' automata, one per pattern
  EffectPlan deny_plan_;
  EffectPlan allow_plan_;
  EffectPlan why_not_plan_;
  size_t atom_count_ = 0;
  bool decision_uses_memo_ = true;
};

// Calls `visit(child)` for each child of `node`: a `not`'s operand, or the
// edges of an `and`/`or`. Atoms and constants have none.
template <typename Visit>
void ForEachChild(const DagProgram& program, const DagNode& node, Visit visit) {
  if (node.kind == NodeKind::kNot) visit(node.operand);
  if (node.kind == NodeKind::kAnd || node.kind == NodeKind::kOr) {
    for (uint32_t i = 0; i < node.count; ++i) visit(program.edges()[node.operand + i]);
  }
}

// Lowers a checked policy. Total: every checked policy has a DAG.
std::shared_ptr<const DagProgram> CompileDag(std::shared_ptr<const CheckedPolicy> policy);

}  // namespace writ::internal

#endif  // WRIT_SRC_COMPILE_DAG_PROGRAM_H_
