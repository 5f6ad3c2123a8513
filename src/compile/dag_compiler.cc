// The DAG compiler: CheckedPolicy -> DagProgram.
//
// Every node is interned under a packed byte key (kind, operand, children),
// so structurally equal atoms and connectives get one id wherever they are
// written; lets are compiled once and referenced by id. Connectives are
// normalised on the way in (nested `and`/`or` flattened, within a budget
// that keeps the program linear in the source; `true`/`false` folded,
// repeated children dropped, `not not x` = x), all of which Kleene logic
// allows, so the evaluator has fewer and wider nodes to visit. The
// differential test (tests/differential/) holds the result to the
// reference evaluator.
//
// Then the rules are planned: each rule whose condition is an `and` with an
// `==`/`in` atom on a string, enum, int or duration attribute is filed in a
// GuardIndex under every value that can make that atom true, or, with an
// `ends_with` / `like` atom whose required suffix has a '.', under that
// dotted suffix (thresholds and CIDR blocks likewise; an `or` whose
// disjuncts all have a guard atom of one index is filed under the union of
// their keys).
// Of the indexes a rule could join it joins the one with the most distinct
// keys, which leaves the fewest rules behind each key. When finding a rule
// under a key proves its guard atom true (`==`, `in`, and `ends_with` of a
// suffix that starts with its '.'), the index lists the rule with its
// *residual* condition, the `and` of the other conjuncts: the guard is not
// evaluated again (for `in`, a scan of the list) for a rule the index just
// found. And(true, rest) is rest in Kleene logic, so nothing else changes.
#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "src/compile/dag_program.h"

namespace writ::internal {
namespace {

constexpr uint32_t kFalseNode = 0;
constexpr uint32_t kTrueNode = 1;

DagNode MakeNode(NodeKind kind, uint32_t operand) {
  DagNode node;
  node.kind = kind;
  node.operand = operand;
  return node;
}

// Appends fixed-size values and length-prefixed strings to a key.
class KeyWriter {
 public:
  explicit KeyWriter(std::string* key) : key_(key) {}
  template <typename T>
  void Scalar(const T& value) {
    key_->append(reinterpret_cast<const char*>(&value), sizeof(value));
  }
  void Text(absl::string_view text) {
    Scalar(static_cast<uint64_t>(text.size()));
    key_->append(text.data(), text.size());
  }

 private:
  std::string* key_;
};

// Two predicates with the same key mean the same thing on every request.
// Regexes and globs are keyed by their source (Operand::text). Written into
// `key` (cleared first), a buffer the compiler reuses.
void WritePredicateKey(const Predicate& predicate, std::string* key) {
  key->clear();  // then push_back: assign("p") trips g++ 12's -Wrestrict
  key->push_back('p');
  KeyWriter out(key);
  const Operand& operand = predicate.operand;
  out.Scalar(predicate.slot);
  out.Scalar(predicate.type);
  out.Scalar(predicate.op);
  out.Scalar(operand.other_slot.value_or(DagProgram::kNoNode));
  out.Scalar(operand.boolean);
  out.Scalar(operand.integer);
  out.Scalar(operand.number);
  out.Text(operand.text);
  out.Scalar(operand.ip.bytes);
  out.Scalar(static_cast<uint64_t>(operand.integers.size()));
  for (int64_t integer : operand.integers) out.Scalar(integer);
  out.Scalar(static_cast<uint64_t>(operand.numbers.size()));
  for (double number : operand.numbers) out.Scalar(number);
  out.Scalar(static_cast<uint64_t>(operand.texts.size()));
  for (const std::string& text : operand.texts) out.Text(text);
  out.Scalar(static_cast<uint64_t>(operand.cidrs.size()));
  for (const Cidr& cidr : operand.cidrs) {
    out.Scalar(cidr.network.bytes);
    out.Scalar(cidr.prefix_length);
  }
  // A regex or glob compiled from other source than `text` (a checker
  // that did not record it) must not be merged by accident.
  if ((operand.regex != nullptr || operand.glob != nullptr) && operand.text.empty()) {
    out.Scalar(operand.regex.get());
    out.Scalar(operand.glob.get());
  }
}

// An atom that can file a rule in a guard index: when the atom is true,
// the attribute's value hits one of the keys.
struct Guard {
  uint32_t node = 0;  // the atom
  uint32_t slot = 0;
  GuardKind kind = GuardKind::kEquality;
  // Whether a value found under one of the keys makes the atom true (not
  // merely possible, as a `like` pattern's suffix does).
  bool exact = true;
  std::vector<std::string> texts;  // string values, or dotted suffixes
  std::vector<int64_t> members;    // enum member indexes
  std::vector<Cidr> cidrs;         // kCidr: the blocks
  // kThreshold: `attribute op constant`, the constant as the type has it.
  Operator op = Operator::kEqual;
  int64_t integer = 0;
  double number = 0;
  std::pair<uint32_t, GuardKind> index() const { return {slot, kind}; }
  bool strict() const { return op == Operator::kGreater || op == Operator::kLess; }
  // Calls `visit(key)` on each key counted when choosing a rule's index
  // (the more distinct keys an index has, the fewer rules behind each).
  // The texts are passed as they are, not copied: at 10,000 rules a copy
  // of every guard's keys cost ~2% of compiling's instructions.
  template <typename Visit>
  void ForEachKey(Visit visit) const {
    for (const std::string& text : texts) visit(absl::string_view(text));
    for (int64_t member : members) visit(absl::string_view(std::to_string(member)));
    if (kind == GuardKind::kThreshold) {
      visit(absl::string_view(absl::StrCat(static_cast<int>(op), " ", integer, " ", number)));
    }
    for (const Cidr& block : cidrs) {
      visit(absl::string_view(
          absl::StrCat(FormatIpAddress(block.network), "/", block.prefix_length)));
    }
  }
};

bool IsOrdering(Operator op) {
  return op == Operator::kLess || op == Operator::kLessEqual || op == Operator::kGreater ||
         op == Operator::kGreaterEqual;
}

// `a > c`, `a >= c`, `a < c`, `a <= c` over an ordered scalar attribute.
std::optional<Guard> ThresholdGuardOf(const Predicate& predicate) {
  const TypeKind type = predicate.type;
  const bool integral = type == TypeKind::kInt || type == TypeKind::kDuration ||
                        type == TypeKind::kEnum;
  if (!IsOrdering(predicate.op) || (!integral && type != TypeKind::kNumber)) return std::nullopt;
  Guard guard;
  guard.slot = predicate.slot;
  guard.kind = GuardKind::kThreshold;
  guard.op = predicate.op;
  guard.integer = predicate.operand.integer;
  guard.number = predicate.operand.number;
  return guard;
}

// The part of a required suffix from its first '.' on, or nullopt.
std::optional<std::string> DotSuffix(absl::string_view suffix) {
  const size_t dot = suffix.find('.');
  if (dot == absl::string_view::npos) return std::nullopt;
  return std::string(suffix.substr(dot));
}

std::optional<Guard> GuardOf(const Predicate& predicate) {
  if (predicate.operand.other_slot.has_value()) return std::nullopt;
  const Operand& operand = predicate.operand;
  Guard guard;
  guard.slot = predicate.slot;
  const bool string = predicate.type == TypeKind::kString;
  const bool list = predicate.op == Operator::kIn;
  if (predicate.type == TypeKind::kIp) {
    // `within []` is false whatever the address: no block to file under.
    if (predicate.op != Operator::kWithin || operand.cidrs.empty()) return std::nullopt;
    guard.kind = GuardKind::kCidr;
    guard.cidrs = operand.cidrs;
    return guard;
  }
  if (predicate.type == TypeKind::kStringSet) {
    guard.kind = GuardKind::kElement;
    guard.exact = predicate.op != Operator::kContainsAll;
    switch (predicate.op) {
      case Operator::kContains: guard.texts = {operand.text}; return guard;
      case Operator::kContainsAny: guard.texts = operand.texts; return guard;
      case Operator::kContainsAll:
        // contains_all [] holds for every set: nothing to file under.
        if (operand.texts.empty()) return std::nullopt;
        guard.texts = {operand.texts.front()};
        return guard;
      default: return std::nullopt;
    }
  }
  if (predicate.op == Operator::kEqual || list) {
    if (string) {
      guard.texts = list ? operand.texts : std::vector<std::string>{operand.text};
    } else if (predicate.type == TypeKind::kEnum) {
      guard.members = list ? operand.integers : std::vector<int64_t>{operand.integer};
    } else if (predicate.type == TypeKind::kInt || predicate.type == TypeKind::kDuration) {
      // Filed under each integer's bytes (IntegerKey) in the index's table.
      for (int64_t integer : list ? operand.integers : std::vector<int64_t>{operand.integer}) {
        guard.texts.emplace_back(IntegerKey(integer).view());
      }
    } else {
      return std::nullopt;
    }
    return guard;
  }
  if (!string) return ThresholdGuardOf(predicate);
  std::optional<std::string> suffix;
  if (predicate.op == Operator::kEndsWith) suffix = DotSuffix(operand.text);
  if (predicate.op == Operator::kLike) suffix = DotSuffix(operand.glob->literal_suffix());
  if (suffix.has_value()) {
    guard.kind = GuardKind::kDotSuffix;
    guard.exact = predicate.op == Operator::kEndsWith && *suffix == operand.text;
    guard.texts.push_back(std::move(*suffix));
    return guard;
  }
  // Every string starts with "": no key to file under.
  std::string prefix;
  if (predicate.op == Operator::kStartsWith) prefix = operand.text;
  if (predicate.op == Operator::kLike) prefix = operand.glob->literal_prefix();
  if (prefix.empty()) return std::nullopt;
  guard.kind = GuardKind::kPrefix;
  guard.exact = predicate.op == Operator::kStartsWith;
  guard.texts.push_back(std::move(prefix));
  return guard;
}

bool IsComparison(Operator op) {
  switch (op) {
    case Operator::kEqual:
    case Operator::kNotEqual:
    case Operator::kLess:
    case Operator::kLessEqual:
    case Operator::kGreater:
    case Operator::kGreaterEqual: return true;
    default: return false;
  }
}

// CompactAtom::head of a string constant: its first 8 bytes, if it has them.
uint64_t HeadOf(absl::string_view text) {
  uint64_t head = 0;
  if (text.size() >= sizeof(head)) std::memcpy(&head, text.data(), sizeof(head));
  return head;
}

// CompactAtom::outcomes of a comparison operator; none for any other, which
// Compare() holds false too.
uint8_t OutcomesOf(Operator op) {
  switch (op) {
    case Operator::kEqual: return kEqualBit;
    case Operator::kNotEqual: return kLessBit | kGreaterBit;
    case Operator::kLess: return kLessBit;
    case Operator::kLessEqual: return kLessBit | kEqualBit;
    case Operator::kGreater: return kGreaterBit;
    case Operator::kGreaterEqual: return kGreaterBit | kEqualBit;
    default: return 0;
  }
}

// How many of a string constant's bytes a kTextAffix test matches at the
// text's start (the rest at its end); none when the test cannot decide
// the operator.
std::optional<size_t> AffixPrefixSize(const Predicate& predicate) {
  const Operand& operand = predicate.operand;
  switch (predicate.op) {
    case Operator::kEqual:
    case Operator::kNotEqual:
    case Operator::kEndsWith: return 0;
    case Operator::kStartsWith: return operand.text.size();
    case Operator::kLike:
      if (!operand.glob->single_star()) return std::nullopt;
      return operand.glob->literal_prefix().size();
    default: return std::nullopt;
  }
}

// Which AtomTest decides `predicate`, and its inline constant.
CompactAtom CompactAtomOf(const Predicate& predicate) {
  CompactAtom atom;
  atom.slot = predicate.slot;
  atom.op = predicate.op;
  atom.predicate = &predicate;
  const Operand& operand = predicate.operand;
  if (operand.other_slot.has_value()) return atom;
  const bool comparison = IsComparison(predicate.op);
  switch (predicate.type) {
    case TypeKind::kInt:
    case TypeKind::kDuration:
    case TypeKind::kEnum:
      if (comparison) {
        atom.test = AtomTest::kIntCompare;
        atom.outcomes = OutcomesOf(predicate.op);
        atom.integer = operand.integer;
      }
      return atom;
    case TypeKind::kNumber:
      if (comparison) {
        atom.test = AtomTest::kNumberCompare;
        atom.outcomes = OutcomesOf(predicate.op);
        atom.number = operand.number;
      }
      return atom;
    case TypeKind::kBool:
      atom.test = AtomTest::kBoolCompare;
      atom.outcomes = OutcomesOf(predicate.op);
      atom.integer = operand.boolean ? 1 : 0;
      return atom;
    case TypeKind::kString: {
      const std::optional<size_t> prefix = AffixPrefixSize(predicate);
      if (!prefix.has_value() || *prefix > UINT8_MAX) return atom;
      atom.test = AtomTest::kTextAffix;
      atom.prefix_size = static_cast<uint8_t>(*prefix);
      atom.text = operand.text.data();
      atom.text_size = static_cast<uint32_t>(operand.text.size());
      const size_t suffix_start = atom.text_size - atom.suffix_size();
      atom.head = HeadOf(absl::string_view(operand.text).substr(suffix_start));
      if (atom.tail_inline()) {
        atom.tail = HeadOf(absl::string_view(operand.text).substr(atom.text_size - 8));
      }
      return atom;
    }
    default: return atom;
  }
}

}  // namespace

bool IsAtom(NodeKind kind) {
  return kind == NodeKind::kHas || kind == NodeKind::kBoolAttribute ||
         kind == NodeKind::kPredicate;
}

class DagCompiler {
 public:
  explicit DagCompiler(std::shared_ptr<const CheckedPolicy> policy)
      : program_(new DagProgram()), policy_(*policy) {
    program_->policy_ = std::move(policy);
    let_nodes_.assign(policy_.lets.size(), DagProgram::kNoNode);
    flatten_budget_ = FlattenBudget(policy_);
  }

  std::shared_ptr<const DagProgram> Run() {
    Intern("f", MakeNode(NodeKind::kFalse, 0), {});
    Intern("t", MakeNode(NodeKind::kTrue, 0), {});
    program_->compact_atoms_.reserve(policy_.predicates.size());
    for (const Predicate& predicate : policy_.predicates) {
      program_->compact_atoms_.push_back(IsStringList(predicate) ? TextListAtomOf(predicate)
                                                                 : CompactAtomOf(predicate));
    }
    for (const CheckedRule& rule : policy_.rules) CompileRule(rule);
    BuildPatternSets();
    BuildRegexDfas();
    PlanEffect(GuardsOfEffect(Effect::kDeny), &program_->deny_plan_);
    const EffectGuards allow = GuardsOfEffect(Effect::kAllow);
    PlanEffect(allow, &program_->allow_plan_);
    PlanWhyNot(allow);
    CopyBodyTexts();
    for (ListedRule& listed : program_->rule_lists_) SetScreen(&listed);
    for (EffectPlan* plan : {&program_->deny_plan_, &program_->allow_plan_}) {
      SummariseCompares(plan);
      for (GuardIndex& index : plan->indexes) MarkTextScreened(&index);
    }
    IntervalBodyCompares();
    for (EffectPlan* plan : {&program_->deny_plan_, &program_->allow_plan_}) {
      for (GuardIndex& index : plan->indexes) InlineKeyLists(&index);
    }
    MarkMemoizedNodes();
    program_->decision_uses_memo_ = std::any_of(
        program_->body_tests_.begin(), program_->body_tests_.end(),
        [](const CompactAtom& test) { return test.test == AtomTest::kGeneral; });
    return std::shared_ptr<const DagProgram>(program_.release());
  }

 private:
  // ------------------------------------------------------------- nodes

  // The node of `key`, added as `node` (with `children`) if it is new. The
  // key is looked up as a view and copied only when new: at 10,000 rules
  // most atoms and connectives are repeats (~40,000 predicate occurrences,
  // 9,515 distinct atoms), and building then freeing a string for each was
  // a large share of the compiler's allocations.
  uint32_t Intern(absl::string_view key, DagNode node, const std::vector<uint32_t>& children) {
    if (auto found = interned_.find(key); found != interned_.end()) return found->second;
    const uint32_t id = static_cast<uint32_t>(program_->nodes_.size());
    interned_.emplace(std::string(key), id);
    if (!children.empty()) {
      node.operand = static_cast<uint32_t>(program_->edges_.size());
      node.count = static_cast<uint32_t>(children.size());
      program_->edges_.insert(program_->edges_.end(), children.begin(), children.end());
    }
    if (IsAtom(node.kind)) ++program_->atom_count_;
    program_->nodes_.push_back(node);
    return id;
  }

  uint32_t SlotAtom(NodeKind kind, uint32_t slot) {
    key_buffer_.clear();
    key_buffer_.push_back(kind == NodeKind::kHas ? 'h' : 'b');
    KeyWriter(&key_buffer_).Scalar(slot);
    return Intern(key_buffer_, MakeNode(kind, slot), {});
  }

  uint32_t PredicateAtom(uint32_t predicate) {
    WritePredicateKey(policy_.predicates[predicate], &key_buffer_);
    return Intern(key_buffer_, MakeNode(NodeKind::kPredicate, predicate), {});
  }

  uint32_t MakeNot(uint32_t child) {
    if (child == kFalseNode) return kTrueNode;
    if (child == kTrueNode) return kFalseNode;
    const DagNode& node = program_->nodes_[child];
    if (node.kind == NodeKind::kNot) return node.operand;  // not not x = x
    key_buffer_.clear();
    key_buffer_.push_back('n');
    KeyWriter(&key_buffer_).Scalar(child);
    return Intern(key_buffer_, MakeNode(NodeKind::kNot, child), {});
  }

  // `and` / `or` in normal form: flat, folded, without repeats.
  uint32_t MakeConnective(NodeKind kind, const std::vector<uint32_t>& operands) {
    const uint32_t absorbing = kind == NodeKind::kAnd ? kFalseNode : kTrueNode;
    const uint32_t identity = kind == NodeKind::kAnd ? kTrueNode : kFalseNode;
    std::vector<uint32_t> children;
    children.reserve(operands.size());
    // Repeats are found by a scan while the list is short (a rule's `and`
    // has a handful of conjuncts), a set only past that: a hash set per
    // connective cost ~4% of compiling 10,000 rules' instructions.
    constexpr size_t kScanLimit = 16;
    absl::flat_hash_set<uint32_t> seen;
    auto add = [&](uint32_t child) {
      if (children.size() < kScanLimit) {
        if (std::find(children.begin(), children.end(), child) != children.end()) return;
        children.push_back(child);
        if (children.size() == kScanLimit) seen.insert(children.begin(), children.end());
        return;
      }
      if (seen.insert(child).second) children.push_back(child);
    };
    size_t copied = 0;  // operands taken out of nested connectives
    for (uint32_t operand : operands) {
      if (operand == absorbing) return absorbing;
      if (operand == identity) continue;
      const DagNode& node = program_->nodes_[operand];
      if (node.kind != kind || copied + node.count > flatten_budget_) {
        add(operand);
        continue;
      }
      copied += node.count;
      for (uint32_t i = 0; i < node.count; ++i) add(program_->edges_[node.operand + i]);
    }
    if (children.empty()) return identity;
    if (children.size() == 1) return children[0];
    key_buffer_.clear();
    key_buffer_.push_back(kind == NodeKind::kAnd ? '&' : '|');
    KeyWriter writer(&key_buffer_);
    for (uint32_t child : children) writer.Scalar(child);
    const size_t nodes_before = program_->nodes_.size();
    const uint32_t id = Intern(key_buffer_, MakeNode(kind, 0), children);
    // Only a new node spends the budget: compiling a condition again (a
    // rule's why_not conjuncts) finds the node it made the first time.
    if (program_->nodes_.size() > nodes_before) flatten_budget_ -= copied;
    return id;
  }

  // How many operands MakeConnective may copy out of nested connectives
  // in all. Flattening copies a let's operands into every connective that
  // names it, so a let of k tests named by m rules cost k * m edges, and
  // as many again in the rules' residual conditions and bodies: 2,000
  // tests named by 2,000 rules, 97 KB of source, compiled in 4.6 s to
  // 580 MB. With the budget spent a nested connective stays one node (a
  // child that is walked, memoised when shared), which Kleene logic reads
  // alike; the budget, a floor and a few copies per source node, is far
  // more than any policy that does not multiply its lets needs.
  static size_t FlattenBudget(const CheckedPolicy& policy) {
    constexpr size_t kFloor = size_t{1} << 16;
    constexpr size_t kCopiesPerSourceNode = 4;
    size_t source_nodes = 0;
    for (const Let& let : policy.lets) source_nodes += ExpressionSize(let.expr);
    for (const CheckedRule& rule : policy.rules) {
      if (rule.when.has_value()) source_nodes += ExpressionSize(*rule.when);
      if (rule.unless.has_value()) source_nodes += ExpressionSize(*rule.unless);
    }
    return kFloor + kCopiesPerSourceNode * source_nodes;
  }

  // The nodes of `expr` as written, a let reference counting one. The
  // parser bounds the nesting of one expression, so the recursion is
  // bounded.
  static size_t ExpressionSize(const Expr& expr) {
    size_t size = 1;
    for (const Expr& child : expr.children) size += ExpressionSize(child);
    return size;
  }

  uint32_t CompileExpr(const Expr& expr) {
    switch (expr.kind) {
      case ExprKind::kConstant: return expr.constant ? kTrueNode : kFalseNode;
      case ExprKind::kHas: return SlotAtom(NodeKind::kHas, expr.slot);
      case ExprKind::kBoolAttribute: return SlotAtom(NodeKind::kBoolAttribute, expr.slot);
      case ExprKind::kPredicate: return PredicateAtom(expr.predicate);
      case ExprKind::kLetReference: return CompileLet(expr.let);
      case ExprKind::kNot: return MakeNot(CompileExpr(expr.children[0]));
      case ExprKind::kAnd:
      case ExprKind::kOr: {
        std::vector<uint32_t> children;
        children.reserve(expr.children.size());
        for (const Expr& child : expr.children) children.push_back(CompileExpr(child));
        return MakeConnective(expr.kind == ExprKind::kAnd ? NodeKind::kAnd : NodeKind::kOr,
                              children);
      }
    }
    return kFalseNode;
  }

  // The checker rejects let cycles, so the recursion ends.
  uint32_t CompileLet(uint32_t let) {
    if (let_nodes_[let] == DagProgram::kNoNode) {
      let_nodes_[let] = CompileExpr(policy_.lets[let].expr);
    }
    return let_nodes_[let];
  }

  void CompileRule(const CheckedRule& rule) {
    const uint32_t when = rule.when.has_value() ? CompileExpr(*rule.when) : kTrueNode;
    const uint32_t not_unless =
        rule.unless.has_value() ? MakeNot(CompileExpr(*rule.unless)) : kTrueNode;
    DagRule compiled;
    compiled.condition = MakeConnective(NodeKind::kAnd, {when, not_unless});
    compiled.effect = rule.effect;
    compiled.first_conjunct = static_cast<uint32_t>(program_->conjunct_nodes_.size());
    for (const Conjunct& conjunct : rule.conjuncts) {
      program_->conjunct_nodes_.push_back(CompileConjunct(rule, conjunct));
    }
    program_->rules_.push_back(compiled);
  }

  uint32_t CompileConjunct(const CheckedRule& rule, const Conjunct& conjunct) {
    switch (conjunct.source) {
      case Conjunct::Source::kWhenWhole: return CompileExpr(*rule.when);
      case Conjunct::Source::kWhenChild: return CompileExpr(rule.when->children[conjunct.child]);
      case Conjunct::Source::kNotUnless: return MakeNot(CompileExpr(*rule.unless));
    }
    return kFalseNode;
  }

  // Memoises the nodes with more than one parent among connectives and
  // index entries (DagNode::memoized). A decision's rule bodies decide
  // compares inline and never ask the memo for them; it serves the node
  // walk: bodies' kGeneral conjuncts, and the explanation, whose why_not
  // scan asks for every allow rule's conjuncts, atoms shared by hundreds of
  // rules among them. (Counting only what bodies reach left those
  // unmemoised: explanation p99 at 1,000 rules 30 -> 42 us.) A node asked
  // for again without a memo is computed again, with the same result.
  // A pattern set's members are memoised whatever their parent count: a
  // pass that matches nothing stores all their answers at once.
  void MarkMemoizedNodes() {
    std::vector<uint32_t> parents(program_->nodes_.size(), 0);
    for (const DagNode& node : program_->nodes_) {
      ForEachChild(*program_, node, [&](uint32_t child) { ++parents[child]; });
    }
    // A list entry without a body (why_not_plan's) is never decided.
    for (const ListedRule& listed : program_->rule_lists_) {
      if (!listed.body.empty()) ++parents[listed.condition];
    }
    for (size_t id = 0; id < program_->nodes_.size(); ++id) {
      DagNode& node = program_->nodes_[id];
      const bool constant = node.kind == NodeKind::kFalse || node.kind == NodeKind::kTrue;
      node.memoized = !constant && parents[id] > 1;
    }
    for (const PatternSet& patterns : program_->pattern_sets_) {
      for (uint32_t node : patterns.nodes) program_->nodes_[node].memoized = true;
    }
  }

  // The pattern a `matches` atom, or a `like` atom with more than one
  // wildcard, adds to its attribute's RE2::Set (PatternSet); nullopt for
  // any other atom. A single-star `like` stays a kTextAffix test, cheaper
  // than any set pass.
  static std::optional<std::string> PatternOf(const Predicate& predicate) {
    if (predicate.operand.other_slot.has_value()) return std::nullopt;
    if (predicate.op == Operator::kMatches) return predicate.operand.text;  // the source
    if (predicate.op == Operator::kLike && !predicate.operand.glob->single_star()) {
      return predicate.operand.glob->RegexSuperset();
    }
    return std::nullopt;
  }

  // A pattern set member's pattern in its set's pass automaton: a glob as
  // its CodePointRegex, exact on the UTF-8 texts the automaton decides,
  // where its RegexSuperset (for RE2::Set, which also sees texts that are
  // not UTF-8) reads bytes and would leave every non-ASCII text to RE2.
  static std::string AutomatonPatternOf(const Predicate& predicate) {
    if (predicate.op == Operator::kLike) return predicate.operand.glob->CodePointRegex();
    return predicate.operand.text;
  }

  // Groups the pattern atoms (PatternOf) by attribute; each attribute with
  // two or more gets one RE2::Set (PatternSet), its atoms the kPatternSet
  // test. A set that does not compile (too large for RE2's memory budget)
  // leaves its atoms to run their own regexes and globs.
  void BuildPatternSets() {
    std::map<uint32_t, std::vector<uint32_t>> nodes_by_slot;
    for (uint32_t id = 0; id < program_->nodes_.size(); ++id) {
      const DagNode& node = program_->nodes_[id];
      if (node.kind != NodeKind::kPredicate) continue;
      const Predicate& predicate = policy_.predicates[node.operand];
      if (PatternOf(predicate).has_value()) nodes_by_slot[predicate.slot].push_back(id);
    }
    for (const auto& [slot, nodes] : nodes_by_slot) {
      if (nodes.size() < 2) continue;
      RE2::Options options;
      options.set_log_errors(false);
      auto set = std::make_unique<RE2::Set>(options, RE2::ANCHOR_BOTH);
      bool added = true;
      for (uint32_t node : nodes) {
        const Predicate& predicate = policy_.predicates[program_->nodes_[node].operand];
        added = added && set->Add(*PatternOf(predicate), nullptr) >= 0;
      }
      if (!added || !set->Compile()) continue;
      const uint32_t index = static_cast<uint32_t>(program_->pattern_sets_.size());
      for (uint32_t member = 0; member < nodes.size(); ++member) {
        CompactAtom& atom = program_->compact_atoms_[program_->nodes_[nodes[member]].operand];
        atom.test = AtomTest::kPatternSet;
        atom.integer = index;
        atom.text_size = member;
      }
      PatternSet& patterns = program_->pattern_sets_.emplace_back();
      patterns.slot = slot;
      patterns.nodes = nodes;
      patterns.set = std::move(set);
      patterns.member_automata.assign(nodes.size(), kNoAutomaton);
    }
  }

  // Each `matches` atom gets its pattern's RegexDfa when the pattern fits
  // the automaton's subset: one not in a pattern set as its test
  // (kRegexDfa), a set's member as its own test after the set's pass finds
  // a match (PatternSet::member_automata). Equal patterns share one
  // automaton. Each pattern set also gets one automaton for its pass when
  // all its members' patterns fit (PatternSet::any_automaton).
  void BuildRegexDfas() {
    for (CompactAtom& atom : program_->compact_atoms_) {
      if (atom.op != Operator::kMatches || atom.predicate == nullptr ||
          atom.predicate->operand.other_slot.has_value()) {
        continue;
      }
      const uint32_t automaton = AutomatonOf(atom.predicate->operand.text);  // the source
      if (automaton == kNoAutomaton) continue;
      if (atom.test == AtomTest::kGeneral) {
        atom.test = AtomTest::kRegexDfa;
        atom.integer = automaton;
      } else if (atom.test == AtomTest::kPatternSet) {
        program_->pattern_sets_[atom.integer].member_automata[atom.text_size] = automaton;
      }
    }
    for (PatternSet& patterns : program_->pattern_sets_) {
      std::vector<std::string> sources;
      for (uint32_t node : patterns.nodes) {
        sources.push_back(AutomatonPatternOf(policy_.predicates[program_->nodes_[node].operand]));
      }
      patterns.any_automaton = RegexDfa::BuildAny(
          std::vector<absl::string_view>(sources.begin(), sources.end()), &automata_budget_);
    }
  }

  // The index in regex_dfas() of `pattern`'s automaton, built the first
  // time it is asked for; kNoAutomaton when the pattern does not fit.
  uint32_t AutomatonOf(absl::string_view pattern) {
    auto [found, added] = automaton_of_pattern_.try_emplace(pattern, kNoAutomaton);
    if (added) {
      if (std::optional<RegexDfa> dfa = RegexDfa::Build(pattern, &automata_budget_)) {
        found->second = static_cast<uint32_t>(program_->regex_dfas_.size());
        program_->regex_dfas_.push_back(*std::move(dfa));
      }
    }
    return found->second;
  }

  // `in` / `not in` over a list of strings.
  static bool IsStringList(const Predicate& predicate) {
    return predicate.type == TypeKind::kString && !predicate.operand.other_slot.has_value() &&
           (predicate.op == Operator::kIn || predicate.op == Operator::kNotIn);
  }

  // A kTextIn atom, its members appended to the program's list arrays.
  CompactAtom TextListAtomOf(const Predicate& predicate) {
    CompactAtom atom;
    atom.slot = predicate.slot;
    atom.test = AtomTest::kTextIn;
    atom.op = predicate.op;
    atom.integer = static_cast<int64_t>(program_->list_members_.size());
    atom.text_size = static_cast<uint32_t>(predicate.operand.texts.size());
    for (const std::string& member : predicate.operand.texts) {
      program_->list_members_.push_back(
          ListMember{HeadOf(member), static_cast<uint32_t>(member.size()),
                     static_cast<uint32_t>(program_->list_member_bytes_.size())});
      program_->list_member_bytes_ += member;
    }
    return atom;
  }

  // ------------------------------------------------------------- plans

  // The conjuncts of a rule's condition that could guard it, with the keys
  // under which the rule is filed.
  std::vector<Guard> GuardsOf(const DagRule& rule) const {
    const DagNode& condition = program_->nodes_[rule.condition];
    std::vector<uint32_t> conjuncts;
    if (condition.kind == NodeKind::kAnd) {
      for (uint32_t i = 0; i < condition.count; ++i) {
        conjuncts.push_back(program_->edges_[condition.operand + i]);
      }
    } else {
      conjuncts.push_back(rule.condition);
    }
    std::vector<Guard> guards = AtomGuardsOf(conjuncts);
    for (uint32_t node : conjuncts) {
      if (program_->nodes_[node].kind != NodeKind::kOr) continue;
      for (Guard& guard : DisjunctionGuardsOf(node)) guards.push_back(std::move(guard));
    }
    return guards;
  }

  // The guards of those of `conjuncts` that are atoms.
  std::vector<Guard> AtomGuardsOf(const std::vector<uint32_t>& conjuncts) const {
    std::vector<Guard> guards;
    for (uint32_t node : conjuncts) {
      const DagNode& atom = program_->nodes_[node];
      if (atom.kind != NodeKind::kPredicate) continue;
      std::optional<Guard> guard = GuardOf(policy_.predicates[atom.operand]);
      if (!guard.has_value()) continue;
      guard->node = node;
      guards.push_back(std::move(*guard));
    }
    return guards;
  }

  // The guards of an `or` (one per index): when every disjunct is, or has
  // among its top-level conjuncts, a guard atom of one index (slot and
  // kind), the union of their keys guards the `or` (`(tool == "a" and
  // host == "x") or tool in ["b", "c"]` is filed under "a", "b" and "c", or
  // by host if the other disjunct tested it too). A present value that hits
  // none of them makes every disjunct false, and so the `or`. The keys only
  // make the `or` possible, so a rule found under one keeps its whole
  // condition (exact = false). Thresholds are left out: their constants
  // do not merge into one.
  std::vector<Guard> DisjunctionGuardsOf(uint32_t node) const {
    const DagNode& disjunction = program_->nodes_[node];
    std::vector<std::vector<Guard>> options;  // per disjunct
    for (uint32_t i = 0; i < disjunction.count; ++i) {
      const uint32_t disjunct = program_->edges_[disjunction.operand + i];
      const DagNode& child = program_->nodes_[disjunct];
      std::vector<uint32_t> conjuncts{disjunct};
      if (child.kind == NodeKind::kAnd) {
        conjuncts.assign(program_->edges_.begin() + child.operand,
                         program_->edges_.begin() + child.operand + child.count);
      }
      options.push_back(AtomGuardsOf(conjuncts));
    }
    std::vector<Guard> guards;
    for (const Guard& first : options.front()) {
      const auto same_index = [&](const Guard& guard) { return guard.index() == first.index(); };
      if (first.kind == GuardKind::kThreshold ||
          std::any_of(guards.begin(), guards.end(), same_index)) {
        continue;
      }
      if (std::optional<Guard> merged = MergeGuards(first.index(), options)) {
        merged->node = node;
        guards.push_back(std::move(*merged));
      }
    }
    return guards;
  }

  // One guard of index `index` from each disjunct's `options`, merged, or
  // nullopt when some disjunct has none.
  static std::optional<Guard> MergeGuards(const std::pair<uint32_t, GuardKind>& index,
                                          const std::vector<std::vector<Guard>>& options) {
    Guard merged;
    merged.slot = index.first;
    merged.kind = index.second;
    merged.exact = false;
    for (const std::vector<Guard>& disjunct : options) {
      const auto found = std::find_if(disjunct.begin(), disjunct.end(),
                                      [&](const Guard& guard) { return guard.index() == index; });
      if (found == disjunct.end()) return std::nullopt;
      merged.texts.insert(merged.texts.end(), found->texts.begin(), found->texts.end());
      merged.members.insert(merged.members.end(), found->members.begin(), found->members.end());
      merged.cidrs.insert(merged.cidrs.end(), found->cidrs.begin(), found->cidrs.end());
    }
    if (merged.kind == GuardKind::kDotSuffix) merged.texts = OutermostSuffixes(merged.texts);
    if (merged.kind == GuardKind::kPrefix) merged.texts = OutermostPrefixes(merged.texts);
    return merged;
  }

  // Prefixes without those that start with another of them (and without
  // repeats): a text starts with two keys only when one starts with the
  // other. Sorted, a key starts with an earlier one exactly when it starts
  // with the last one kept (the keys after a prefix and before the first
  // that does not start with it all start with it).
  static std::vector<std::string> OutermostPrefixes(std::vector<std::string> prefixes) {
    std::sort(prefixes.begin(), prefixes.end());
    std::vector<std::string> outermost;
    for (const std::string& prefix : prefixes) {
      if (!outermost.empty() && absl::StartsWith(prefix, outermost.back())) continue;
      outermost.push_back(prefix);
    }
    return outermost;
  }

  // Dotted suffixes without those that end with another of them (and
  // without repeats). A value hits two keys only when one ends with the
  // other, so after this a lookup finds the rule under one key at most, as
  // OutermostBlocks does for CIDR blocks.
  static std::vector<std::string> OutermostSuffixes(std::vector<std::string> suffixes) {
    std::sort(suffixes.begin(), suffixes.end(), [](const std::string& a, const std::string& b) {
      return a.size() < b.size();
    });
    std::vector<std::string> outermost;
    for (const std::string& suffix : suffixes) {
      const auto ends_with = [&](const std::string& kept) { return absl::EndsWith(suffix, kept); };
      if (std::none_of(outermost.begin(), outermost.end(), ends_with)) outermost.push_back(suffix);
    }
    return outermost;
  }

  // Planning: which rules each index lists, by (slot, kind) in order.
  using IndexKey = std::pair<uint32_t, GuardKind>;
  using IndexMembers = std::map<IndexKey, std::vector<std::pair<uint32_t, Guard>>>;

  // The guards each rule of one effect could be filed under, and how many
  // distinct keys each index would have.
  struct EffectGuards {
    std::vector<uint32_t> rules;
    std::vector<std::vector<Guard>> candidates;  // per rule
    std::map<IndexKey, std::set<std::string, std::less<>>> distinct_keys;

    // Up to `count` of rule i's guards that `keep` accepts, those of the
    // indexes with the most distinct keys (the fewest rules behind each)
    // first, on distinct atoms.
    // Inline vectors: called once or twice per rule, where two heap
    // vectors a call cost ~2% of compiling 10,000 rules' instructions.
    template <typename Keep>
    absl::InlinedVector<const Guard*, 2> Best(size_t i, size_t count, Keep keep) const {
      absl::InlinedVector<const Guard*, 8> ranked;
      for (const Guard& guard : candidates[i]) {
        if (keep(guard)) ranked.push_back(&guard);
      }
      std::stable_sort(ranked.begin(), ranked.end(), [&](const Guard* a, const Guard* b) {
        return distinct_keys.at(a->index()).size() > distinct_keys.at(b->index()).size();
      });
      absl::InlinedVector<const Guard*, 2> best;
      for (const Guard* guard : ranked) {
        const auto same_atom = [&](const Guard* kept) { return kept->node == guard->node; };
        if (best.size() < count && std::none_of(best.begin(), best.end(), same_atom)) {
          best.push_back(guard);
        }
      }
      return best;
    }
  };

  // Picks each rule's guard, then lays the indexes out in rule_lists_. A
  // rule is filed in the index with the most distinct keys among those it
  // could join: the more keys, the fewer rules behind each.
  void PlanEffect(const EffectGuards& guards, EffectPlan* plan) {
    std::vector<uint32_t> unguarded;
    IndexMembers members;
    for (size_t i = 0; i < guards.rules.size(); ++i) {
      const absl::InlinedVector<const Guard*, 2> best =
          guards.Best(i, 1, [](const Guard&) { return true; });
      if (best.empty()) {
        unguarded.push_back(guards.rules[i]);
      } else {
        members[best[0]->index()].emplace_back(guards.rules[i], *best[0]);
      }
    }
    UnguardOneRuleThresholds(&members, &unguarded);
    BuildPlan(unguarded, members, plan);
  }

  // Moves the rule of each one-rule threshold index to `unguarded`, which
  // stays in source order. There its entry is screened by its body's first
  // test (the compare itself, unless a string test is likelier to be
  // false), and rejecting it costs a compare, where visiting an index for
  // it cost the index kind's dispatch and a binary search on each side.
  // The generated policies' three global guardrails (`risk.score >= 0.90`,
  // `session.depth > 4`, `data_class >= restricted unless ...`) were three
  // one-rule indexes: unguarded, `ratio_hot/1000` went from 1.91–1.95 to
  // 1.83–1.88× in fast mode, 1.92–2.00 to 1.66–1.74× in slow
  // (benchmarks/RESULTS.md).
  static void UnguardOneRuleThresholds(IndexMembers* members, std::vector<uint32_t>* unguarded) {
    for (auto index = members->begin(); index != members->end();) {
      if (index->first.second != GuardKind::kThreshold || index->second.size() > 1) {
        ++index;
        continue;
      }
      unguarded->push_back(index->second.front().first);
      index = members->erase(index);
    }
    std::sort(unguarded->begin(), unguarded->end());
  }

  // DagProgram::why_not_plan: each allow rule filed under two of its why_not
  // conjuncts that are guard atoms (the two of most distinct keys); a rule
  // without two is unguarded. The lists only name rules (no bodies, no
  // residual conditions): a rule none of whose lists a request's values
  // reach has two conjuncts that are not true, so at least two failed.
  // Thresholds are left out, as they would list rules with their residual.
  void PlanWhyNot(const EffectGuards& guards) {
    std::vector<uint32_t> unguarded;
    IndexMembers members;
    for (size_t i = 0; i < guards.rules.size(); ++i) {
      const uint32_t rule = guards.rules[i];
      const auto first = program_->conjunct_nodes_.begin() + program_->rules_[rule].first_conjunct;
      const auto last = first + static_cast<ptrdiff_t>(policy_.rules[rule].conjuncts.size());
      const absl::InlinedVector<const Guard*, 2> best = guards.Best(i, 2, [&](const Guard& guard) {
        return guard.kind != GuardKind::kThreshold && std::find(first, last, guard.node) != last;
      });
      if (best.size() < 2) {
        unguarded.push_back(guards.rules[i]);
        continue;
      }
      for (const Guard* guard : best) {
        Guard necessary = *guard;
        necessary.exact = false;  // the whole condition: no residual node
        members[guard->index()].emplace_back(guards.rules[i], std::move(necessary));
      }
    }
    bare_lists_ = true;
    BuildPlan(unguarded, members, &program_->why_not_plan_);
    bare_lists_ = false;
  }

  EffectGuards GuardsOfEffect(Effect effect) const {
    EffectGuards guards;
    for (uint32_t id = 0; id < program_->rules_.size(); ++id) {
      const DagRule& rule = program_->rules_[id];
      if (rule.effect != effect) continue;
      guards.rules.push_back(id);
      guards.candidates.push_back(GuardsOf(rule));
      for (const Guard& guard : guards.candidates.back()) {
        std::set<std::string, std::less<>>& distinct = guards.distinct_keys[guard.index()];
        guard.ForEachKey([&](absl::string_view key) {
          if (distinct.find(key) == distinct.end()) distinct.emplace(key);
        });
      }
    }
    return guards;
  }

  void BuildPlan(const std::vector<uint32_t>& unguarded, const IndexMembers& members,
                 EffectPlan* plan) {
    plan->unguarded = AddList(unguarded, FullConditions(unguarded));
    plan->uncompared = plan->unguarded;  // until SummariseCompares
    for (const auto& [key, rules] : members) {
      plan->indexes.push_back(BuildIndex(key.first, key.second, rules));
    }
  }

  GuardIndex BuildIndex(uint32_t slot, GuardKind kind,
                        const std::vector<std::pair<uint32_t, Guard>>& members) {
    GuardIndex index;
    index.slot = slot;
    index.kind = kind;
    const Type& type = policy_.schema->attributes[slot].type;
    index.type = type.kind;
    if (kind == GuardKind::kThreshold) return BuildThresholdIndex(std::move(index), members);
    if (kind == GuardKind::kCidr) return BuildCidrIndex(std::move(index), members);
    if (kind == GuardKind::kPrefix) return BuildPrefixIndex(std::move(index), members);
    std::vector<uint32_t> all;
    all.reserve(members.size());
    std::map<std::string, std::vector<uint32_t>> by_text;
    std::vector<std::vector<uint32_t>> by_member(type.enum_members.size());
    // What a rule found under a key still has to satisfy.
    absl::flat_hash_map<uint32_t, uint32_t> found_conditions;
    for (const auto& [rule, guard] : members) {
      all.push_back(rule);
      found_conditions[rule] = FoundCondition(rule, guard);
      for (const std::string& text : guard.texts) AddOnce(rule, &by_text[text]);
      for (int64_t member : guard.members) {
        if (member >= 0 && static_cast<size_t>(member) < by_member.size()) {
          AddOnce(rule, &by_member[member]);
        }
      }
    }
    // An absent or wrong-typed value finds rules through `all`, where the
    // guard is unknown, not true: they keep their whole condition.
    index.all = AddList(all, FullConditions(all));
    auto found = [&](const std::vector<uint32_t>& rules) {
      return AddFoundList(rules, found_conditions);
    };
    std::vector<std::pair<std::string, RuleRange>> entries;
    for (const auto& [text, rules] : by_text) {
      entries.emplace_back(text, found(rules));
      index.key_lengths |= KeyLengthBit(text.size());
    }
    index.by_text = TextTable(entries);
    for (const std::vector<uint32_t>& rules : by_member) index.by_member.push_back(found(rules));
    return index;
  }

  // A kThreshold index: each side sorted so that the rules a value makes
  // true are a prefix (ThresholdSide). Finding a rule there proves its
  // guard, so it is listed with its residual condition.
  GuardIndex BuildThresholdIndex(GuardIndex index,
                                 const std::vector<std::pair<uint32_t, Guard>>& members) {
    std::vector<uint32_t> all;
    std::vector<const std::pair<uint32_t, Guard>*> above, below;
    for (const auto& member : members) {
      all.push_back(member.first);
      const Operator op = member.second.op;
      (op == Operator::kGreater || op == Operator::kGreaterEqual ? above : below).push_back(&member);
    }
    index.all = AddList(all, FullConditions(all));
    const bool number = index.type == TypeKind::kNumber;
    // Orders entries of one side: by threshold (ascending above, descending
    // below), then non-strict first.
    const auto order = [number](bool ascending) {
      return [number, ascending](const auto* a, const auto* b) {
        const Guard& x = a->second;
        const Guard& y = b->second;
        if (number ? x.number != y.number : x.integer != y.integer) {
          const bool less = number ? x.number < y.number : x.integer < y.integer;
          return less == ascending;
        }
        return !x.strict() && y.strict();
      };
    };
    std::stable_sort(above.begin(), above.end(), order(true));
    std::stable_sort(below.begin(), below.end(), order(false));
    index.above = ThresholdSideOf(above, number);
    index.below = ThresholdSideOf(below, number);
    return index;
  }

  // Lists `rules` as one key of an index finds them, each with what it
  // still has to satisfy there (`found_conditions`, by rule).
  RuleRange AddFoundList(const std::vector<uint32_t>& rules,
                         const absl::flat_hash_map<uint32_t, uint32_t>& found_conditions) {
    std::vector<uint32_t> conditions;
    conditions.reserve(rules.size());
    for (uint32_t rule : rules) conditions.push_back(found_conditions.at(rule));
    return AddList(rules, conditions);
  }

  // A kCidr index (CidrTable). Finding a rule under a block that covers
  // the address proves its `within`, so it is listed with its residual
  // condition.
  GuardIndex BuildCidrIndex(GuardIndex index,
                            const std::vector<std::pair<uint32_t, Guard>>& members) {
    std::vector<uint32_t> all;
    // Ordered by (network, prefix length): a block comes after every block
    // that contains it.
    std::map<std::pair<IpAddress, int>, std::vector<uint32_t>> rules_by_block;
    absl::flat_hash_map<uint32_t, uint32_t> residuals;
    for (const auto& [rule, guard] : members) {
      all.push_back(rule);
      residuals[rule] = FoundCondition(rule, guard);
      for (const Cidr& block : OutermostBlocks(guard.cidrs)) {
        AddOnce(rule, &rules_by_block[{block.network, block.prefix_length}]);
      }
    }
    index.all = AddList(all, FullConditions(all));
    CidrTable& table = index.cidrs;
    std::vector<uint32_t> open;  // the blocks containing the current one
    for (const auto& [key, rules] : rules_by_block) {
      const Cidr block{key.first, key.second};
      while (!open.empty() && !table.blocks[open.back()].Contains(block.network)) open.pop_back();
      table.parents.push_back(open.empty() ? CidrTable::kNoBlock : open.back());
      open.push_back(static_cast<uint32_t>(table.blocks.size()));
      table.blocks.push_back(block);
      table.rules.push_back(AddFoundList(rules, residuals));
    }
    CutCidrSegments(&table);
    return index;
  }

  // A kPrefix index: the rules under each key, the keys sorted with their
  // parents (PrefixTable). A rule found under a `starts_with` key has its
  // guard proved and keeps its residual condition; under a `like`'s
  // literal prefix, its whole condition.
  GuardIndex BuildPrefixIndex(GuardIndex index,
                              const std::vector<std::pair<uint32_t, Guard>>& members) {
    std::vector<uint32_t> all;
    std::map<std::string, std::vector<uint32_t>> rules_by_key;
    absl::flat_hash_map<uint32_t, uint32_t> found_conditions;
    for (const auto& [rule, guard] : members) {
      all.push_back(rule);
      found_conditions[rule] = FoundCondition(rule, guard);
      // A guard's prefixes are already outermost (one key, or MergeGuards).
      for (const std::string& key : guard.texts) AddOnce(rule, &rules_by_key[key]);
    }
    index.all = AddList(all, FullConditions(all));
    PrefixTable& table = index.prefixes;
    // The keys the current one starts with: (index in the table, key).
    std::vector<std::pair<uint32_t, const std::string*>> open;
    for (const auto& [key, rules] : rules_by_key) {
      while (!open.empty() && !absl::StartsWith(key, *open.back().second)) open.pop_back();
      table.parents.push_back(open.empty() ? PrefixTable::kNoKey : open.back().first);
      open.emplace_back(static_cast<uint32_t>(table.parents.size() - 1), &key);
      table.offsets.push_back(static_cast<uint32_t>(table.bytes.size()));
      table.bytes += key;
      table.rules.push_back(AddFoundList(rules, found_conditions));
    }
    table.offsets.push_back(static_cast<uint32_t>(table.bytes.size()));
    return index;
  }

  // A rule's blocks without those inside another of its blocks (and
  // without repeats): what is left is disjoint, so an address finds the
  // rule under one block at most. Sorted by (network, prefix length), a
  // block lies inside an earlier one exactly when it lies inside the last
  // one kept, since blocks nest or are disjoint: one sort, one pass (a
  // threat feed's list can hold 100,000 blocks).
  static std::vector<Cidr> OutermostBlocks(std::vector<Cidr> blocks) {
    std::sort(blocks.begin(), blocks.end(), [](const Cidr& a, const Cidr& b) {
      return std::tie(a.network, a.prefix_length) < std::tie(b.network, b.prefix_length);
    });
    std::vector<Cidr> outermost;
    for (const Cidr& block : blocks) {
      if (!outermost.empty() && outermost.back().Contains(block.network)) continue;
      outermost.push_back(block);
    }
    return outermost;
  }

  // Cuts the address space at each block's first address and just past its
  // last, and records each segment's innermost covering block: walking up
  // from the last block that starts at or before the cut, the first that
  // contains it (any block containing the cut starts before it, so it is
  // that block or one of its ancestors).
  static void CutCidrSegments(CidrTable* table) {
    std::vector<IpAddress> cuts;
    for (const Cidr& block : table->blocks) {
      cuts.push_back(block.network);
      if (std::optional<IpAddress> past = PastLastAddress(block)) cuts.push_back(*past);
    }
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    size_t last = 0;  // blocks starting at or before the cut, in order
    for (const IpAddress& cut : cuts) {
      while (last < table->blocks.size() && table->blocks[last].network <= cut) ++last;
      uint32_t block = last == 0 ? CidrTable::kNoBlock : static_cast<uint32_t>(last - 1);
      while (block != CidrTable::kNoBlock && !table->blocks[block].Contains(cut)) {
        block = table->parents[block];
      }
      table->starts.push_back(cut);
      table->innermost.push_back(block);
    }
  }

  // The address just past `block`'s last one; none when the block reaches
  // the end of the address space.
  static std::optional<IpAddress> PastLastAddress(const Cidr& block) {
    IpAddress address = block.network;
    // Set the host bits, then add one with carry.
    for (int bit = block.prefix_length; bit < 128; ++bit) {
      address.bytes[bit / 8] |= static_cast<uint8_t>(0x80 >> (bit % 8));
    }
    for (int byte = 15; byte >= 0; --byte) {
      if (++address.bytes[byte] != 0) return address;
    }
    return std::nullopt;
  }

  ThresholdSide ThresholdSideOf(const std::vector<const std::pair<uint32_t, Guard>*>& sorted,
                                bool number) {
    ThresholdSide side;
    std::vector<uint32_t> rules, conditions;
    for (const auto* member : sorted) {
      const Guard& guard = member->second;
      if (number) {
        side.numbers.push_back(guard.number);
      } else {
        side.integers.push_back(guard.integer);
      }
      side.strict.push_back(guard.strict());
      rules.push_back(member->first);
      conditions.push_back(ResidualCondition(program_->rules_[member->first], guard.node));
    }
    side.rules = AddList(rules, conditions);
    return side;
  }

  // What rule `rule` still has to satisfy when an index finds it under one
  // of `guard`'s keys: the residual condition when the key proves the guard
  // (Guard::exact), else the whole condition.
  uint32_t FoundCondition(uint32_t rule, const Guard& guard) {
    const DagRule& compiled = program_->rules_[rule];
    return guard.exact ? ResidualCondition(compiled, guard.node) : compiled.condition;
  }

  // The rule's condition without `guard` (true when that is all it was).
  uint32_t ResidualCondition(const DagRule& rule, uint32_t guard) {
    if (rule.condition == guard) return kTrueNode;
    const DagNode& condition = program_->nodes_[rule.condition];
    std::vector<uint32_t> rest;
    for (uint32_t i = 0; i < condition.count; ++i) {
      const uint32_t child = program_->edges_[condition.operand + i];
      if (child != guard) rest.push_back(child);
    }
    return MakeConnective(NodeKind::kAnd, rest);
  }

  std::vector<uint32_t> FullConditions(const std::vector<uint32_t>& rules) const {
    std::vector<uint32_t> conditions;
    conditions.reserve(rules.size());
    for (uint32_t rule : rules) conditions.push_back(program_->rules_[rule].condition);
    return conditions;
  }

  // Rules arrive in source order, so a repeat can only be the last one.
  static void AddOnce(uint32_t rule, std::vector<uint32_t>* rules) {
    if (rules->empty() || rules->back() != rule) rules->push_back(rule);
  }

  // `conditions[i]`: the node that decides rules[i] when found in this list.
  RuleRange AddList(const std::vector<uint32_t>& rules, const std::vector<uint32_t>& conditions) {
    RuleRange range;
    range.begin = static_cast<uint32_t>(program_->rule_lists_.size());
    for (size_t i = 0; i < rules.size(); ++i) {
      program_->rule_lists_.push_back(
          {rules[i], conditions[i], bare_lists_ ? RuleRange{} : BodyOf(conditions[i])});
    }
    range.end = static_cast<uint32_t>(program_->rule_lists_.size());
    return range;
  }

  // ------------------------------------------------------------- bodies

  // The conjuncts of `condition` in body_tests_ (ListedRule::body), laid
  // out once per condition node.
  RuleRange BodyOf(uint32_t condition) {
    if (const auto it = bodies_.find(condition); it != bodies_.end()) return it->second;
    std::vector<CompactAtom> tests;
    const DagNode& node = program_->nodes_[condition];
    if (node.kind == NodeKind::kAnd) {
      tests.reserve(node.count);
      for (uint32_t i = 0; i < node.count; ++i) {
        tests.push_back(BodyTestOf(program_->edges_[node.operand + i]));
      }
    } else if (condition != kTrueNode) {
      tests.push_back(BodyTestOf(condition));
    }
    std::stable_sort(tests.begin(), tests.end(), [](const CompactAtom& a, const CompactAtom& b) {
      return TestRank(a.test) < TestRank(b.test);
    });
    RuleRange body;
    body.begin = static_cast<uint32_t>(program_->body_tests_.size());
    program_->body_tests_.insert(program_->body_tests_.end(), tests.begin(), tests.end());
    body.end = static_cast<uint32_t>(program_->body_tests_.size());
    bodies_.emplace(condition, body);
    return body;
  }

  // Points each body string test at a copy of its constant in
  // body_texts_, laid out in body order: the bodies of one rule list are
  // mostly adjacent, so walking a list reads their constants from a few
  // lines instead of one line of the checked policy per rule.
  void CopyBodyTexts() {
    std::vector<CompactAtom>& tests = program_->body_tests_;
    size_t bytes = 0;
    const auto copied = [](const CompactAtom& test) {
      return test.test == AtomTest::kTextAffix && !test.tail_inline();
    };
    for (const CompactAtom& test : tests) {
      if (copied(test)) bytes += test.text_size;
    }
    std::string& texts = program_->body_texts_;
    texts.reserve(bytes);  // no reallocation below: the pointers stay valid
    for (CompactAtom& test : tests) {
      if (!copied(test)) continue;
      const size_t offset = texts.size();
      texts.append(test.text, test.text_size);
      test.text = texts.data() + offset;
    }
  }

  // Sets `listed`'s screen (ListedRule) from its body's first test, when
  // that is an affix test the screen can rule out: not negated, and not
  // `!=` (which a different length makes true, not false).
  void SetScreen(ListedRule* listed) const {
    if (listed->body.empty()) return;
    const CompactAtom& first = program_->body_tests_[listed->body.begin];
    if (SetCompareScreen(first, listed) || SetMembersScreen(first, listed)) return;
    if (first.test != AtomTest::kTextAffix || first.negated || first.op == Operator::kNotEqual ||
        first.slot > UINT16_MAX) {
      return;
    }
    const uint32_t prefix = first.prefix_size;
    const uint32_t suffix = first.suffix_size();
    listed->screen_slot = static_cast<uint16_t>(first.slot);
    listed->screen_size = prefix + suffix;
    listed->screen = first.op == Operator::kEqual ? kScreenExactSize : kScreenLeastSize;
    // The suffix's first 8 bytes (CompactAtom::head) when it has them; else
    // the prefix's first 8.
    if (suffix >= sizeof(uint64_t) && suffix <= UINT8_MAX) {
      listed->screen |= kScreenWordAtEnd;
      listed->screen_tail = static_cast<uint8_t>(suffix);
      listed->screen_word = first.head;
    } else if (prefix >= sizeof(uint64_t)) {
      listed->screen |= kScreenWordAtStart;
      listed->screen_word = HeadOf(absl::string_view(first.text, prefix));
    }
  }

  // Moves `plan`'s unguarded entries whose screen is an interval
  // (ScreenedCompare) to the front of its unguarded list, in source order
  // as the rest stay, and records them in `plan->compares`. The order of an
  // unguarded list decides nothing: a decision visits all of it, or stops
  // at any rule that applies.
  void SummariseCompares(EffectPlan* plan) {
    const auto begin = program_->rule_lists_.begin() + plan->unguarded.begin;
    const auto end = program_->rule_lists_.begin() + plan->unguarded.end;
    const auto summarised = [](const ListedRule& listed) {
      return CompareInterval(listed).has_value();
    };
    const auto rest = std::stable_partition(begin, end, summarised);
    for (auto listed = begin; listed != rest; ++listed) {
      ScreenedCompare compare = *CompareInterval(*listed);
      compare.entry = static_cast<uint32_t>(listed - program_->rule_lists_.begin());
      plan->compares.push_back(compare);
    }
    plan->uncompared = {plan->unguarded.begin + static_cast<uint32_t>(plan->compares.size()),
                        plan->unguarded.end};
  }

  // Sets GuardIndex::text_screen_slot when every entry of every key's list
  // of a kEquality or kDotSuffix index is screened by a string test on one
  // slot.
  void MarkTextScreened(GuardIndex* index) const {
    if (index->kind != GuardKind::kEquality && index->kind != GuardKind::kDotSuffix) return;
    std::optional<uint32_t> slot;
    bool uniform = true;
    const auto check = [&](absl::string_view, RuleRange range) {
      for (uint32_t i = range.begin; i < range.end && uniform; ++i) {
        const ListedRule& listed = program_->rule_lists_[i];
        if (!slot.has_value()) slot = listed.screen_slot;
        uniform = IsTextScreen(listed.screen) && listed.screen_slot == *slot;
      }
    };
    index->by_text.ForEach(check);
    for (const RuleRange& range : index->by_member) check({}, range);
    if (uniform && slot.has_value()) index->text_screen_slot = *slot;
  }

  // Stores each key's list of a string-keyed index (kEquality on a string,
  // kDotSuffix) inline after the key (InlineEntries), once the entries and
  // bodies are final. A decision then reads them where the probe's key
  // compare has just read.
  void InlineKeyLists(GuardIndex* index) const {
    if (!IsStringKeyed(*index) || index->by_text.size() < InlineListsFromKeys()) return;
    if (!InlineBodiesFit(*index)) return;
    std::vector<std::pair<std::string, RuleRange>> entries;
    std::vector<std::vector<uint64_t>> payloads;
    index->by_text.ForEach([&](absl::string_view key, RuleRange range) {
      entries.emplace_back(std::string(key), range);
      payloads.push_back(InlineList(range));
    });
    index->by_text = TextTable(entries, payloads);
  }

  // Whether `index`'s lists may be stored inline: each key's payload holds
  // a copy of its entries' bodies, so a rule filed under k keys has its
  // body copied k times. `s in [4,000 values] and` 4,000 tests, 90 KB of
  // source, copied 16 million tests: 1.5 GB and 10 s to compile. Past a
  // floor, the copies may average 16 tests an entry (a rule's body has a
  // handful); an index over that keeps its lists in body_tests(), which a
  // decision reads as it does a smaller table's.
  bool InlineBodiesFit(const GuardIndex& index) const {
    constexpr size_t kFloor = size_t{1} << 16;
    constexpr size_t kTestsPerEntry = 16;
    size_t entries = 0;
    size_t tests = 0;
    index.by_text.ForEach([&](absl::string_view, RuleRange range) {
      entries += range.size();
      for (uint32_t i = range.begin; i < range.end; ++i) {
        tests += program_->rule_lists_[i].body.size();
      }
    });
    return tests <= kFloor + kTestsPerEntry * entries;
  }

  // The entries of `range`, then their bodies, as words (InlineEntries).
  std::vector<uint64_t> InlineList(RuleRange range) const {
    std::vector<uint64_t> words;
    const auto append = [&](const void* object, size_t size) {
      if (size == 0) return;
      const size_t at = words.size();
      words.resize(at + size / sizeof(uint64_t));
      std::memcpy(words.data() + at, object, size);
    };
    uint32_t body_at = 0;  // among the inline bodies
    for (uint32_t i = range.begin; i < range.end; ++i) {
      ListedRule listed = program_->rule_lists_[i];
      listed.body = {body_at, body_at + listed.body.size()};
      body_at = listed.body.end;
      append(&listed, sizeof(listed));
    }
    for (uint32_t i = range.begin; i < range.end; ++i) {
      const RuleRange body = program_->rule_lists_[i].body;
      append(program_->body_tests_.data() + body.begin, body.size() * sizeof(CompactAtom));
    }
    return words;
  }

  // The values that make a compare screen's compare true, as one closed
  // interval; none for `!=` (two intervals) and for a compare no value
  // satisfies (`<` the least int, `>` +inf), which stay in the list.
  static std::optional<ScreenedCompare> CompareInterval(const ListedRule& listed) {
    if ((listed.screen & (kScreenInteger | kScreenNumber)) == 0) return std::nullopt;
    ScreenedCompare compare;
    compare.slot = listed.screen_slot;
    const uint8_t outcomes = listed.screen_tail;
    const bool below = (outcomes & kLessBit) != 0;
    const bool equal = (outcomes & kEqualBit) != 0;
    const bool above = (outcomes & kGreaterBit) != 0;
    if ((below && above) || (!below && !equal && !above)) return std::nullopt;
    if (listed.screen == kScreenNumber) {
      constexpr double kInfinity = std::numeric_limits<double>::infinity();
      const double constant = std::bit_cast<double>(listed.screen_word);
      if (!equal && (below ? constant == -kInfinity : constant == kInfinity)) return std::nullopt;
      compare.number = true;
      const double next_up = std::nextafter(constant, kInfinity);
      const double next_down = std::nextafter(constant, -kInfinity);
      compare.low_number = below ? -kInfinity : equal ? constant : next_up;
      compare.high_number = above ? kInfinity : equal ? constant : next_down;
      return compare;
    }
    const IntInterval interval =
        IntIntervalOf(outcomes, std::bit_cast<int64_t>(listed.screen_word));
    if (interval.inverted) return std::nullopt;
    compare.low = interval.low;
    compare.span = interval.span;
    return compare;
  }

  // The ints for which `value <ordering in outcomes> constant` holds: those
  // in low .. low + span, or when `inverted` those outside it (`!=`, and a
  // compare no int satisfies, inverted from every int).
  struct IntInterval {
    int64_t low = std::numeric_limits<int64_t>::min();
    uint64_t span = std::numeric_limits<uint64_t>::max();
    bool inverted = false;
  };
  static IntInterval IntIntervalOf(uint8_t outcomes, int64_t constant) {
    constexpr int64_t kLeast = std::numeric_limits<int64_t>::min();
    constexpr int64_t kMost = std::numeric_limits<int64_t>::max();
    const bool below = (outcomes & kLessBit) != 0;
    const bool equal = (outcomes & kEqualBit) != 0;
    const bool above = (outcomes & kGreaterBit) != 0;
    if (below && above) return equal ? IntInterval{} : IntInterval{constant, 0, true};
    if (!below && !above) {
      return equal ? IntInterval{constant, 0, false} : IntInterval{.inverted = true};
    }
    if (!equal && (below ? constant == kLeast : constant == kMost)) return {.inverted = true};
    const int64_t low = below ? kLeast : equal ? constant : constant + 1;
    const int64_t high = above ? kMost : equal ? constant : constant - 1;
    return {low, static_cast<uint64_t>(high) - static_cast<uint64_t>(low), false};
  }

  // Turns every body's int compares into kIntInterval tests; after the
  // screens, which read their constants and outcomes.
  void IntervalBodyCompares() {
    for (CompactAtom& test : program_->body_tests_) {
      if (test.test != AtomTest::kIntCompare) continue;
      const IntInterval interval = IntIntervalOf(test.outcomes, test.integer);
      test.test = AtomTest::kIntInterval;
      test.integer = interval.low;
      test.span = interval.span;
      test.outcomes = interval.inverted != test.negated ? 1 : 0;
    }
  }

  // kScreenInteger / kScreenNumber: a first test that compares a scalar
  // with a constant, not negated. (The bool compares of kBoolCompare are
  // left to the body: half of them are bare attributes.)
  static bool SetCompareScreen(const CompactAtom& first, ListedRule* listed) {
    const bool integer = first.test == AtomTest::kIntCompare;
    if ((!integer && first.test != AtomTest::kNumberCompare) || first.negated ||
        first.slot > UINT16_MAX) {
      return false;
    }
    listed->screen = integer ? kScreenInteger : kScreenNumber;
    listed->screen_slot = static_cast<uint16_t>(first.slot);
    listed->screen_tail = first.outcomes;
    std::memcpy(&listed->screen_word, &first.integer, sizeof(listed->screen_word));
    return true;
  }

  // kScreenMembers: a first test `a in [...]` on a string, not negated.
  bool SetMembersScreen(const CompactAtom& first, ListedRule* listed) const {
    if (first.test != AtomTest::kTextIn || first.op != Operator::kIn || first.negated ||
        first.slot > UINT16_MAX) {
      return false;
    }
    listed->screen = kScreenMembers;
    listed->screen_slot = static_cast<uint16_t>(first.slot);
    listed->screen_size = 0;
    listed->screen_word = 0;
    for (uint32_t i = 0; i < first.text_size; ++i) {
      const ListMember& member = program_->list_members_[first.integer + i];
      char bytes[sizeof(uint64_t)] = {};
      std::memcpy(bytes, program_->list_member_bytes_.data() + member.offset,
                  std::min<size_t>(member.size, sizeof(bytes)));
      listed->screen_size |= LengthBit(member.size);
      listed->screen_word |= MemberBits(bytes, member.size);
    }
    return true;
  }

  // A conjunct decided inline when it is an atom with a compact test, or
  // `not` one; any other node as kGeneral, through the node walk.
  CompactAtom BodyTestOf(uint32_t conjunct) const {
    const DagNode& node = program_->nodes_[conjunct];
    const bool negated = node.kind == NodeKind::kNot && IsAtom(program_->nodes_[node.operand].kind);
    const uint32_t atom = negated ? node.operand : conjunct;
    const DagNode& atom_node = program_->nodes_[atom];
    CompactAtom test;
    if (atom_node.kind == NodeKind::kPredicate) test = program_->compact_atoms_[atom_node.operand];
    if (atom_node.kind == NodeKind::kHas) test.test = AtomTest::kHas;
    if (atom_node.kind == NodeKind::kBoolAttribute) {
      test.test = AtomTest::kBoolCompare;  // unknown unless present, as the attribute
      test.outcomes = kEqualBit;
      test.integer = 1;
    }
    if (atom_node.kind != NodeKind::kPredicate) test.slot = atom_node.operand;
    // A pattern set's member is asked for through the node walk, whose memo
    // holds the answers the set's first run stored; so is an automaton's
    // atom, whose answer the memo keeps for the other rules that share it.
    if (test.test == AtomTest::kGeneral || test.test == AtomTest::kPatternSet ||
        test.test == AtomTest::kRegexDfa) {
      CompactAtom walked;
      walked.node = conjunct;
      return walked;
    }
    test.node = atom;
    test.negated = negated;
    return test;
  }

  // The order a body decides its conjuncts in: string tests first, as the
  // likeliest to be false (a host equals or ends with one of many
  // constants; a range compare passes half the values), then the integer
  // compares, the other compares, and last the node walk (patterns,
  // connectives), the costliest. String first measured 4-6% less CPU per
  // decision than scalars first on the generated 1,000-rule set
  // (benchmarks/RESULTS.md). The string tests and the integer compares
  // each form a run that the evaluator decides in a loop of its own
  // (DagRun::EvaluateBody).
  static int TestRank(AtomTest test) {
    switch (test) {
      case AtomTest::kTextAffix:
      case AtomTest::kTextIn: return 0;
      case AtomTest::kIntCompare:
      case AtomTest::kIntInterval: return 1;
      case AtomTest::kGeneral:
      case AtomTest::kPatternSet:
      case AtomTest::kRegexDfa: return 3;
      default: return 2;
    }
  }

  std::unique_ptr<DagProgram> program_;
  const CheckedPolicy& policy_;
  absl::flat_hash_map<std::string, uint32_t> interned_;
  // BuildRegexDfas: each `matches` source's automaton (AutomatonOf). The
  // views are into the Predicates' operands, which outlive the compiler.
  absl::flat_hash_map<absl::string_view, uint32_t> automaton_of_pattern_;
  RegexDfa::Budget automata_budget_;  // shared by all of them
  // The key being interned (Intern), reused so that a repeat allocates
  // nothing. Written and read with no other key built in between.
  std::string key_buffer_;
  absl::flat_hash_map<uint32_t, RuleRange> bodies_;  // by condition node
  bool bare_lists_ = false;  // AddList without bodies (PlanWhyNot)
  std::vector<uint32_t> let_nodes_;  // kNoNode until compiled
  size_t flatten_budget_ = 0;  // what MakeConnective may still copy (FlattenBudget)
};

namespace {
std::atomic<size_t> inline_lists_from_keys{kInlineListsFromKeys};
}  // namespace

size_t InlineListsFromKeys() { return inline_lists_from_keys.load(std::memory_order_relaxed); }

void SetInlineListsFromKeysForTesting(size_t keys) {
  inline_lists_from_keys.store(keys, std::memory_order_relaxed);
}

std::shared_ptr<const DagProgram> CompileDag(std::shared_ptr<const CheckedPolicy> policy) {
  return DagCompiler(std::move(policy)).Run();
}

}  // namespace writ::internal
