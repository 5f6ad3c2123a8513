#include "src/analyze/satisfiability.h"

#include <algorithm>
#include <bit>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "src/eval/predicate.h"
#include "src/io/value.h"

namespace writ::internal {
namespace {

using Op = Operator;

// ------------------------------------------------------------ key space --

// An order-preserving integer image of every ordered type's values.
__extension__ typedef unsigned __int128 Key;

constexpr Key kKeyMax = ~Key{0};

Key KeyOfInt(int64_t value) {
  return Key{static_cast<uint64_t>(value) ^ (uint64_t{1} << 63)};
}

// IEEE-754 bits, sign-flipped so that integer order is numeric order; -0.0
// is folded onto 0.0, which compares equal to it.
Key KeyOfDouble(double value) {
  if (value == 0) value = 0;
  const auto bits = std::bit_cast<uint64_t>(value);
  return Key{(bits >> 63) != 0 ? ~bits : bits | (uint64_t{1} << 63)};
}

Key KeyOfIp(const IpAddress& address) {
  Key key = 0;
  for (uint8_t byte : address.bytes) key = (key << 8) | byte;
  return key;
}

// A union of closed intervals, sorted and disjoint.
using Intervals = std::vector<std::pair<Key, Key>>;

Intervals Normalize(Intervals intervals) {
  std::sort(intervals.begin(), intervals.end());
  Intervals merged;
  for (const auto& [lo, hi] : intervals) {
    if (!merged.empty() && (merged.back().second == kKeyMax || lo <= merged.back().second + 1)) {
      merged.back().second = std::max(merged.back().second, hi);
    } else {
      merged.emplace_back(lo, hi);
    }
  }
  return merged;
}

Intervals Intersect(const Intervals& a, const Intervals& b) {
  Intervals out;
  for (const auto& [alo, ahi] : a) {
    for (const auto& [blo, bhi] : b) {
      const Key lo = std::max(alo, blo);
      const Key hi = std::min(ahi, bhi);
      if (lo <= hi) out.emplace_back(lo, hi);
    }
  }
  return Normalize(std::move(out));
}

Intervals Complement(const Intervals& set, const std::pair<Key, Key>& domain) {
  Intervals out;
  Key next = domain.first;
  bool open = true;  // whether [next, ...] still lies in the domain
  for (const auto& [lo, hi] : set) {
    if (lo > next) out.emplace_back(next, lo - 1);
    if (hi >= domain.second) {
      open = false;
      break;
    }
    next = std::max(next, hi + 1);
  }
  if (open && next <= domain.second) out.emplace_back(next, domain.second);
  return out;
}

std::pair<Key, Key> Domain(const Type& type) {
  switch (type.kind) {
    case TypeKind::kBool: return {0, 1};
    case TypeKind::kEnum:
      return {0, type.enum_members.empty() ? 0 : type.enum_members.size() - 1};
    case TypeKind::kNumber:
      return {KeyOfDouble(-std::numeric_limits<double>::infinity()),
              KeyOfDouble(std::numeric_limits<double>::infinity())};
    case TypeKind::kIp: return {0, kKeyMax};
    default: return {KeyOfInt(std::numeric_limits<int64_t>::min()),
                     KeyOfInt(std::numeric_limits<int64_t>::max())};
  }
}

bool IsOrdered(TypeKind type) {
  return type != TypeKind::kString && type != TypeKind::kStringSet;
}

Key ScalarKey(TypeKind type, const Operand& operand) {
  switch (type) {
    case TypeKind::kBool: return operand.boolean ? 1 : 0;
    case TypeKind::kNumber: return KeyOfDouble(operand.number);
    case TypeKind::kIp: return KeyOfIp(operand.ip);
    case TypeKind::kEnum: return static_cast<Key>(operand.integer);
    default: return KeyOfInt(operand.integer);
  }
}

Key ElementKey(TypeKind type, int64_t integer) {
  return type == TypeKind::kEnum ? static_cast<Key>(integer) : KeyOfInt(integer);
}

Intervals ListKeys(const Predicate& predicate) {
  Intervals points;
  for (int64_t value : predicate.operand.integers) {
    const Key key = ElementKey(predicate.type, value);
    points.emplace_back(key, key);
  }
  for (double value : predicate.operand.numbers) {
    points.emplace_back(KeyOfDouble(value), KeyOfDouble(value));
  }
  for (const Cidr& cidr : predicate.operand.cidrs) {
    const Key network = KeyOfIp(cidr.network);
    const Key host_mask = cidr.prefix_length >= 128 ? 0 : kKeyMax >> cidr.prefix_length;
    points.emplace_back(network & ~host_mask, network | host_mask);
  }
  return Normalize(std::move(points));
}

// The values of an ordered attribute for which `predicate` is true.
Intervals TrueSet(const Predicate& predicate, const std::pair<Key, Key>& domain) {
  const Key key = ScalarKey(predicate.type, predicate.operand);
  switch (predicate.op) {
    case Op::kEqual: return {{key, key}};
    case Op::kNotEqual: return Complement({{key, key}}, domain);
    case Op::kLess:
      return key <= domain.first ? Intervals{} : Intervals{{domain.first, key - 1}};
    case Op::kLessEqual: return {{domain.first, key}};
    case Op::kGreater:
      return key >= domain.second ? Intervals{} : Intervals{{key + 1, domain.second}};
    case Op::kGreaterEqual: return {{key, domain.second}};
    case Op::kIn:
    case Op::kWithin: return ListKeys(predicate);
    case Op::kNotIn: return Complement(ListKeys(predicate), domain);
    default: return {domain};
  }
}

// ---------------------------------------------------------- per-slot sat --

bool LiteralHolds(const CheckedPolicy& policy, const Literal& literal, const SlotView& value) {
  const Tristate truth = EvaluatePredicate(policy.predicates[literal.predicate], value, nullptr);
  return truth == (literal.positive ? Tristate::kTrue : Tristate::kFalse);
}

bool OrderedSatisfiable(const CheckedPolicy& policy, const Type& type,
                        const std::vector<Literal>& literals) {
  const std::pair<Key, Key> domain = Domain(type);
  Intervals possible = {domain};
  for (const Literal& literal : literals) {
    Intervals set = literal.kind == Literal::Kind::kBoolAttribute
                        ? Intervals{{1, 1}}
                        : TrueSet(policy.predicates[literal.predicate], domain);
    if (!literal.positive) set = Complement(set, domain);
    possible = Intersect(possible, set);
  }
  return !possible.empty();
}

// A finite set of strings every value must come from, if some positive
// literal pins one (==, in, like without wildcards).
std::optional<std::set<std::string>> PinnedStrings(const CheckedPolicy& policy,
                                                   const std::vector<Literal>& literals) {
  std::optional<std::set<std::string>> pinned;
  for (const Literal& literal : literals) {
    if (!literal.positive) continue;
    const Predicate& predicate = policy.predicates[literal.predicate];
    std::set<std::string> values;
    if (predicate.op == Op::kEqual) {
      values = {predicate.operand.text};
    } else if (predicate.op == Op::kIn) {
      values.insert(predicate.operand.texts.begin(), predicate.operand.texts.end());
    } else if (predicate.op == Op::kLike && !predicate.operand.glob->has_wildcard()) {
      values = {predicate.operand.glob->literal_prefix()};
    } else {
      continue;
    }
    if (pinned.has_value()) {
      std::set<std::string> both;
      for (const std::string& value : values) {
        if (pinned->contains(value)) both.insert(value);
      }
      values = std::move(both);
    }
    pinned = std::move(values);
  }
  return pinned;
}

// What every value satisfying the positive literals must start with, end
// with and contain.
struct StringShape {
  std::vector<std::string> prefixes;
  std::vector<std::string> suffixes;
  std::vector<std::string> substrings;  // includes prefixes and suffixes
};

StringShape ShapeOf(const CheckedPolicy& policy, const std::vector<Literal>& literals) {
  StringShape shape;
  for (const Literal& literal : literals) {
    if (!literal.positive) continue;
    const Predicate& predicate = policy.predicates[literal.predicate];
    if (predicate.op == Op::kStartsWith) shape.prefixes.push_back(predicate.operand.text);
    if (predicate.op == Op::kEndsWith) shape.suffixes.push_back(predicate.operand.text);
    if (predicate.op == Op::kContains) shape.substrings.push_back(predicate.operand.text);
    if (predicate.op == Op::kLike) {
      shape.prefixes.push_back(predicate.operand.glob->literal_prefix());
      shape.suffixes.push_back(predicate.operand.glob->literal_suffix());
    }
  }
  shape.substrings.insert(shape.substrings.end(), shape.prefixes.begin(), shape.prefixes.end());
  shape.substrings.insert(shape.substrings.end(), shape.suffixes.begin(), shape.suffixes.end());
  return shape;
}

bool Chained(const std::vector<std::string>& affixes, bool prefix) {
  for (const std::string& a : affixes) {
    for (const std::string& b : affixes) {
      const std::string& longer = a.size() >= b.size() ? a : b;
      const std::string& shorter = a.size() >= b.size() ? b : a;
      if (prefix ? !absl::StartsWith(longer, shorter) : !absl::EndsWith(longer, shorter)) {
        return false;
      }
    }
  }
  return true;
}

bool AnyHas(const std::vector<std::string>& values, bool (*test)(absl::string_view,
                                                                 absl::string_view),
            const std::string& needle) {
  for (const std::string& value : values) {
    if (test(value, needle)) return true;
  }
  return false;
}

// A negative literal that every value the positive ones allow violates.
bool NegationClashes(const CheckedPolicy& policy, const Literal& literal,
                     const StringShape& shape, const std::vector<Literal>& literals) {
  const Predicate& predicate = policy.predicates[literal.predicate];
  const std::string& text = predicate.operand.text;
  switch (predicate.op) {
    case Op::kStartsWith: return AnyHas(shape.prefixes, absl::StartsWith, text);
    case Op::kEndsWith: return AnyHas(shape.suffixes, absl::EndsWith, text);
    case Op::kContains: return AnyHas(shape.substrings, absl::StrContains, text);
    case Op::kMatches:
      for (const Literal& other : literals) {
        const Predicate& positive = policy.predicates[other.predicate];
        if (other.positive && positive.op == Op::kMatches &&
            positive.operand.regex->pattern() == predicate.operand.regex->pattern()) {
          return true;
        }
      }
      return false;
    default: return false;
  }
}

bool StringSatisfiable(const CheckedPolicy& policy, const std::vector<Literal>& literals) {
  if (std::optional<std::set<std::string>> pinned = PinnedStrings(policy, literals)) {
    // One slot holding each candidate in turn.
    std::vector<Value> values;
    std::vector<ValueDetail> details;
    std::string texts;
    const ValueStore store(&values, &details, &texts);
    store.Reset(1);
    values[0].state = ValueState::kPresent;
    for (const std::string& candidate : *pinned) {
      if (!store.SetText(0, candidate)) continue;  // over 4 GiB: not a policy's constant
      const SlotView slot{&values[0], texts.data(), &NoDetail()};
      if (std::all_of(literals.begin(), literals.end(), [&](const Literal& literal) {
            return LiteralHolds(policy, literal, slot);
          })) {
        return true;
      }
    }
    return false;
  }
  const StringShape shape = ShapeOf(policy, literals);
  if (!Chained(shape.prefixes, true) || !Chained(shape.suffixes, false)) return false;
  for (const Literal& literal : literals) {
    if (!literal.positive && NegationClashes(policy, literal, shape, literals)) return false;
  }
  return true;
}

bool SetSatisfiable(const CheckedPolicy& policy, const std::vector<Literal>& literals) {
  std::set<std::string> required;
  std::set<std::string> forbidden;
  std::vector<const std::vector<std::string>*> any_of;
  std::vector<const std::vector<std::string>*> not_all_of;
  for (const Literal& literal : literals) {
    const Predicate& predicate = policy.predicates[literal.predicate];
    const std::vector<std::string> single = {predicate.operand.text};
    const std::vector<std::string>& elements =
        predicate.op == Op::kContains ? single : predicate.operand.texts;
    const bool all = predicate.op != Op::kContainsAny;  // contains is contains_all [x]
    if (literal.positive == all) {
      (literal.positive ? required : forbidden).insert(elements.begin(), elements.end());
    } else if (predicate.op != Op::kContains) {
      (literal.positive ? any_of : not_all_of).push_back(&predicate.operand.texts);
    } else {
      forbidden.insert(predicate.operand.text);
    }
  }
  auto within = [](const std::vector<std::string>& group, const std::set<std::string>& set) {
    return std::all_of(group.begin(), group.end(),
                       [&](const std::string& element) { return set.contains(element); });
  };
  for (const std::string& element : required) {
    if (forbidden.contains(element)) return false;
  }
  for (const auto* group : any_of) {
    if (within(*group, forbidden)) return false;
  }
  for (const auto* group : not_all_of) {
    if (within(*group, required)) return false;
  }
  return true;
}

bool ValuesSatisfiable(const CheckedPolicy& policy, uint32_t slot,
                       const std::vector<Literal>& literals) {
  const Type& type = policy.schema->attributes[slot].type;
  if (IsOrdered(type.kind)) return OrderedSatisfiable(policy, type, literals);
  if (type.kind == TypeKind::kString) return StringSatisfiable(policy, literals);
  return SetSatisfiable(policy, literals);
}

// `a == b` and `b != a` are one opaque atom with two polarities.
std::pair<std::pair<uint32_t, uint32_t>, bool> OpaqueIdentity(const CheckedPolicy& policy,
                                                              const Literal& literal) {
  const Predicate& predicate = policy.predicates[literal.predicate];
  const uint32_t a = predicate.slot;
  const uint32_t b = *predicate.operand.other_slot;
  const bool equal = (predicate.op == Op::kEqual) == literal.positive;
  return {{std::min(a, b), std::max(a, b)}, equal};
}

std::optional<Contradiction> OpaqueContradiction(const CheckedPolicy& policy,
                                                 const Term& term) {
  std::map<std::pair<uint32_t, uint32_t>, std::map<bool, Literal>> seen;
  for (const Literal& literal : term) {
    if (literal.kind != Literal::Kind::kOpaque) continue;
    const auto [pair, equal] = OpaqueIdentity(policy, literal);
    seen[pair].emplace(equal, literal);
    if (seen[pair].size() == 2) return Contradiction{{seen[pair][true], seen[pair][false]}};
  }
  return std::nullopt;
}

}  // namespace

// ---------------------------------------------------------- normal forms --

namespace {

size_t LiteralCount(const Dnf& dnf) {
  size_t count = 0;
  for (const Term& term : dnf) count += term.size();
  return count;
}

}  // namespace

Dnf Conjoin(Dnf a, const Dnf& b) {
  if (a.size() * b.size() > kMaxTerms) {
    return a.size() <= b.size() ? std::move(a) : b;  // weaken: drop one side
  }
  // One term on the right (every atom of a flat `and`): extend a's terms in
  // place, so that a long conjunction is built in linear time.
  if (b.size() == 1) {
    for (Term& term : a) term.insert(term.end(), b[0].begin(), b[0].end());
    return a;
  }
  Dnf out;
  for (const Term& left : a) {
    for (const Term& right : b) {
      Term term = left;
      term.insert(term.end(), right.begin(), right.end());
      out.push_back(std::move(term));
    }
  }
  return out;
}

namespace {

Dnf Disjoin(Dnf a, const Dnf& b) {
  if (a.size() + b.size() > kMaxTerms) return {Term{}};  // weaken to true
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

NormalForms::NormalForms(const CheckedPolicy& policy)
    : policy_(policy), lets_{std::vector<std::optional<LetForm>>(policy.lets.size()),
                             std::vector<std::optional<LetForm>>(policy.lets.size())} {}

bool NormalForms::TakeOverBudget() {
  const bool over = over_budget_;
  over_budget_ = weakened_outside_lets_ = false;
  return over;
}

bool NormalForms::OverLiteralCap(const Dnf& a, const Dnf& b, bool product) {
  const size_t literals = product ? a.size() * LiteralCount(b) + b.size() * LiteralCount(a)
                                  : LiteralCount(a) + LiteralCount(b);
  if (literals <= kMaxLiterals) return false;
  MarkWeakened();
  return true;
}

Dnf NormalForms::Of(const Expr& expr, bool negated) {
  Literal literal;
  literal.positive = !negated;
  literal.location = expr.location;
  switch (expr.kind) {
    case ExprKind::kConstant: return expr.constant != negated ? Dnf{Term{}} : Dnf{};
    case ExprKind::kHas:
    case ExprKind::kBoolAttribute:
      literal.kind = expr.kind == ExprKind::kHas ? Literal::Kind::kHas
                                                 : Literal::Kind::kBoolAttribute;
      literal.slot = expr.slot;
      return {{literal}};
    case ExprKind::kPredicate: {
      const Predicate& predicate = policy_.predicates[expr.predicate];
      literal.kind = predicate.operand.other_slot.has_value() ? Literal::Kind::kOpaque
                                                              : Literal::Kind::kValue;
      literal.slot = predicate.slot;
      literal.predicate = expr.predicate;
      return {{literal}};
    }
    case ExprKind::kLetReference: return OfLet(expr.let, negated);
    case ExprKind::kNot: return Of(expr.children[0], !negated);
    case ExprKind::kAnd:
    case ExprKind::kOr: return Connective(expr, negated);
  }
  return {Term{}};
}

Dnf NormalForms::OfRule(const CheckedRule& rule, bool negated) {
  // The condition is `when and not unless`; its negation `not when or unless`.
  const Dnf when = rule.when ? Of(*rule.when, negated) : Dnf{};
  const Dnf unless = rule.unless ? Of(*rule.unless, !negated) : Dnf{};
  if (negated) return Or(when, unless);
  return And(rule.when ? when : Dnf{Term{}}, rule.unless ? unless : Dnf{Term{}});
}

// The term cap first: past it, Conjoin and Disjoin weaken the form, and
// that is over budget too, or a warning would go missing with no N002 to
// say so (`a == 1 and <512 terms> and a == 2` lost its `a == 1`).
Dnf NormalForms::And(Dnf a, const Dnf& b) {
  if (a.size() * b.size() > kMaxTerms) {
    MarkWeakened();
  } else if (OverLiteralCap(a, b, /*product=*/true)) {
    return a.size() <= b.size() ? std::move(a) : b;
  }
  return Conjoin(std::move(a), b);
}

Dnf NormalForms::Or(Dnf a, const Dnf& b) {
  if (a.size() + b.size() > kMaxTerms) {
    MarkWeakened();
  } else if (OverLiteralCap(a, b, /*product=*/false)) {
    return {Term{}};
  }
  return Disjoin(std::move(a), b);
}

// A let's form is the same wherever it is named: computed once per
// polarity and copied after. Lets that name a let more than once (a chain
// `l1 = (l0 and x) or (l0 and y)`, ...) would otherwise be expanded
// 2^length times.
Dnf NormalForms::OfLet(uint32_t let, bool negated) {
  if (let_budget_spent_) {
    MarkWeakened();
    return {Term{}};
  }
  std::optional<LetForm>& form = lets_[negated ? 1 : 0][let];
  if (!form.has_value()) {
    ++let_expansions_;
    const bool outer_weakened_outside_lets = weakened_outside_lets_;
    const bool outer_over_budget = TakeOverBudget();
    Dnf dnf = Of(policy_.lets[let].expr, negated);
    form = LetForm{std::move(dnf), TakeOverBudget()};
    over_budget_ = outer_over_budget;
    weakened_outside_lets_ = outer_weakened_outside_lets;
  }
  over_budget_ = over_budget_ || form->over_budget;
  let_literals_copied_ += LiteralCount(form->dnf);
  if (let_literals_copied_ > kMaxLetLiteralsCopied) {
    let_budget_spent_ = true;
    MarkWeakened();
    return {Term{}};
  }
  return form->dnf;
}

Dnf NormalForms::Connective(const Expr& expr, bool negated) {
  // De Morgan: under a negation, `and` distributes as `or` and vice versa.
  const bool conjunctive = (expr.kind == ExprKind::kAnd) != negated;
  Dnf out = conjunctive ? Dnf{Term{}} : Dnf{};
  for (const Expr& child : expr.children) {
    const Dnf part = Of(child, negated);
    out = conjunctive ? And(std::move(out), part) : Or(std::move(out), part);
  }
  return out;
}

std::optional<Contradiction> FindContradiction(const CheckedPolicy& policy,
                                               const Term& term) {
  // Per attribute: which literals need it present, which need it absent.
  std::map<uint32_t, std::vector<Literal>> values;
  std::map<uint32_t, std::vector<Literal>> present;
  std::map<uint32_t, Literal> absent;
  for (const Literal& literal : term) {
    if (literal.kind == Literal::Kind::kHas && !literal.positive) {
      absent.emplace(literal.slot, literal);
      continue;
    }
    present[literal.slot].push_back(literal);
    if (literal.kind == Literal::Kind::kOpaque) {
      present[*policy.predicates[literal.predicate].operand.other_slot].push_back(literal);
    } else if (literal.kind != Literal::Kind::kHas) {
      values[literal.slot].push_back(literal);
    }
  }
  for (const auto& [slot, needing] : present) {
    if (auto it = absent.find(slot); it != absent.end()) {
      return Contradiction{{it->second, needing.front()}};
    }
  }
  for (const auto& [slot, literals] : values) {
    if (!ValuesSatisfiable(policy, slot, literals)) return Contradiction{literals};
  }
  return OpaqueContradiction(policy, term);
}

bool MaybeSatisfiable(const CheckedPolicy& policy, const Dnf& dnf) {
  for (const Term& term : dnf) {
    if (!FindContradiction(policy, term).has_value()) return true;
  }
  return false;
}

}  // namespace writ::internal
