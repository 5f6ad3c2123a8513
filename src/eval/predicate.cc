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

bool InTexts(const std::vector<std::string>& list, absl::string_view text) {
  return std::find(list.begin(), list.end(), text) != list.end();
}

bool SetHas(const std::vector<std::string>& set, const std::string& member) {
  return InList(set, member);
}

bool EvaluateString(const Predicate& predicate, absl::string_view text) {
  const Operand& operand = predicate.operand;
  switch (predicate.op) {
    case Operator::kMatches:
      return RE2::FullMatch(re2::StringPiece(text.data(), text.size()), *operand.regex);
    case Operator::kLike: return operand.glob->Matches(text);
    case Operator::kStartsWith: return absl::StartsWith(text, operand.text);
    case Operator::kEndsWith: return absl::EndsWith(text, operand.text);
    case Operator::kContains: return absl::StrContains(text, operand.text);
    case Operator::kIn: return InTexts(operand.texts, text);
    case Operator::kNotIn: return !InTexts(operand.texts, text);
    default: return Compare(predicate.op, text, absl::string_view(operand.text));
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
bool SameValue(TypeKind type, const SlotView& left, const SlotView& right) {
  switch (type) {
    case TypeKind::kBool: return left.value->boolean == right.value->boolean;
    case TypeKind::kNumber: return left.value->number == right.value->number;
    case TypeKind::kString: return left.text() == right.text();
    case TypeKind::kIp: return left.value->ip() == right.value->ip();
    case TypeKind::kStringSet: return left.detail->set == right.detail->set;
    default: return left.value->integer == right.value->integer;  // int, duration, enum
  }
}

}  // namespace

Tristate EvaluatePredicate(const Predicate& predicate, const SlotView& subject_slot,
                           const SlotView* other) noexcept {
  const Value& subject = *subject_slot.value;
  if (subject.state != ValueState::kPresent) return Tristate::kUnknown;
  if (predicate.operand.other_slot.has_value()) {
    if (other == nullptr || other->value->state != ValueState::kPresent) {
      return Tristate::kUnknown;
    }
    const bool same = SameValue(predicate.type, subject_slot, *other);
    return FromBool(predicate.op == Operator::kEqual ? same : !same);
  }
  const Operand& operand = predicate.operand;
  switch (predicate.type) {
    case TypeKind::kBool:
      return FromBool(Compare(predicate.op, subject.boolean, operand.boolean));
    case TypeKind::kNumber:
      return FromBool(Ordered(predicate.op, subject.number, operand.number, operand.numbers));
    case TypeKind::kString: return FromBool(EvaluateString(predicate, subject_slot.text()));
    case TypeKind::kIp: return FromBool(EvaluateIp(predicate, subject_slot.value->ip()));
    case TypeKind::kStringSet:
      return FromBool(EvaluateSet(predicate, subject_slot.detail->set));
    default:  // int, duration, enum: integers
      return FromBool(
          Ordered(predicate.op, subject.integer, operand.integer, operand.integers));
  }
}

}  // namespace writ::internal
