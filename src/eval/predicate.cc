#include "src/eval/predicate.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "re2/re2.h"

namespace writ::internal {
namespace {

template <typename T>
bool InList(const std::vector<T>& list, const T& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// `in`, `not in`, or a comparison against the single operand.
template <typename T>
bool Ordered(Operator op, const T& value, const T& operand, const std::vector<T>& list) {
  if (op == Operator::kIn) return InList(list, value);
  if (op == Operator::kNotIn) return !InList(list, value);
  return Compare(op, value, operand);
}

bool SetHas(const std::vector<std::string>& set, const std::string& member) {
  return InList(set, member);
}

bool EvaluateString(const Predicate& predicate, const std::string& text) {
  const Operand& operand = predicate.operand;
  switch (predicate.op) {
    case Operator::kMatches: return RE2::FullMatch(text, *operand.regex);
    case Operator::kLike: return operand.glob->Matches(text);
    case Operator::kStartsWith: return absl::StartsWith(text, operand.text);
    case Operator::kEndsWith: return absl::EndsWith(text, operand.text);
    case Operator::kContains: return absl::StrContains(text, operand.text);
    default: return Ordered(predicate.op, text, operand.text, operand.texts);
  }
}

bool EvaluateSet(const Predicate& predicate, const std::vector<std::string>& set) {
  const Operand& operand = predicate.operand;
  switch (predicate.op) {
    case Operator::kContains: return SetHas(set, operand.text);
    case Operator::kContainsAny:
      return std::any_of(operand.texts.begin(), operand.texts.end(),
                         [&](const std::string& member) { return SetHas(set, member); });
    default:  // contains_all
      return std::all_of(operand.texts.begin(), operand.texts.end(),
                         [&](const std::string& member) { return SetHas(set, member); });
  }
}

bool EvaluateIp(const Predicate& predicate, const IpAddress& address) {
  if (predicate.op == Operator::kWithin) {
    return std::any_of(predicate.operand.cidrs.begin(), predicate.operand.cidrs.end(),
                       [&](const Cidr& cidr) { return cidr.Contains(address); });
  }
  return Compare(predicate.op, address, predicate.operand.ip);
}

// path == path / path != path: both sides have the same type (checked).
bool SameValue(TypeKind type, const Value& left, const Value& right) {
  switch (type) {
    case TypeKind::kBool: return left.boolean == right.boolean;
    case TypeKind::kNumber: return left.number == right.number;
    case TypeKind::kString: return left.text == right.text;
    case TypeKind::kIp: return left.ip == right.ip;
    case TypeKind::kStringSet: return left.set == right.set;
    default: return left.integer == right.integer;  // int, duration, enum
  }
}

}  // namespace

Tristate EvaluatePredicate(const Predicate& predicate, const Value& subject,
                           const Value* other) noexcept {
  if (subject.state != ValueState::kPresent) return Tristate::kUnknown;
  if (predicate.operand.other_slot.has_value()) {
    if (other == nullptr || other->state != ValueState::kPresent) return Tristate::kUnknown;
    const bool same = SameValue(predicate.type, subject, *other);
    return FromBool(predicate.op == Operator::kEqual ? same : !same);
  }
  const Operand& operand = predicate.operand;
  switch (predicate.type) {
    case TypeKind::kBool:
      return FromBool(Compare(predicate.op, subject.boolean, operand.boolean));
    case TypeKind::kNumber:
      return FromBool(Ordered(predicate.op, subject.number, operand.number, operand.numbers));
    case TypeKind::kString: return FromBool(EvaluateString(predicate, subject.text));
    case TypeKind::kIp: return FromBool(EvaluateIp(predicate, subject.ip));
    case TypeKind::kStringSet: return FromBool(EvaluateSet(predicate, subject.set));
    default:  // int, duration, enum: integers
      return FromBool(
          Ordered(predicate.op, subject.integer, operand.integer, operand.integers));
  }
}

}  // namespace writ::internal
