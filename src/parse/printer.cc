#include "src/parse/printer.h"

#include <charconv>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "src/parse/parser.h"

namespace writ::internal {
namespace {

// Binding strength: an operand weaker than its context needs parentheses.
enum Precedence { kOrLevel = 1, kAndLevel = 2, kNotLevel = 3 };

// Each Append* writes its text at the end of `out`: the checker prints
// every rule's conjuncts (10,000 rules: ~40,000 expressions), and
// returning a string from each level to be concatenated by the next was
// an allocation per node.

// QuoteString's text. Runs of plain characters are copied whole (a
// push_back per character cost ~3% of checking 10,000 rules).
void AppendQuoted(absl::string_view value, std::string* out) {
  out->push_back('"');
  size_t plain = 0;  // where the current run of plain characters starts
  for (size_t at = 0; at < value.size(); ++at) {
    const char c = value[at];
    if (c != '"' && c != '\\' && static_cast<unsigned char>(c) >= 0x20) continue;
    out->append(value.data() + plain, at - plain);
    plain = at + 1;
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\t': out->append("\\t"); break;
      case '\r': out->append("\\r"); break;
      default: absl::StrAppendFormat(out, "\\u{%x}", static_cast<int>(c));
    }
  }
  out->append(value.data() + plain, value.size() - plain);
  out->push_back('"');
}

// A number by its value, not its spelling, so `0.80`, `0.8` and `8e-1`
// print alike (SPEC §5: the condition is re-printed canonically): the
// shortest text that reads back as the same double, with ".0" added when
// that text is all digits, so it still reads as a NUMBER and not an INT.
void AppendNumber(double value, std::string* out) {
  char buffer[32];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
  (void)error;  // 32 bytes hold any double's shortest form
  const absl::string_view text(buffer, static_cast<size_t>(end - buffer));
  out->append(text.data(), text.size());
  if (text.find_first_of(".eE") == absl::string_view::npos) out->append(".0");
}

void AppendLiteral(const LiteralNode& literal, std::string* out) {
  using Kind = LiteralNode::Kind;
  switch (literal.kind) {
    case Kind::kString: AppendQuoted(literal.string_value, out); return;
    case Kind::kBool: out->append(literal.bool_value ? "true" : "false"); return;
    case Kind::kName: out->append(literal.string_value); return;
    case Kind::kNumber: AppendNumber(literal.number_value, out); return;
    case Kind::kInt:
    case Kind::kDuration:
      // Out of range is a compile error reported elsewhere: keep its text.
      if (literal.out_of_range) break;
      if (literal.kind == Kind::kInt) {
        absl::StrAppend(out, literal.int_value);  // `007` and `-0` as 7 and 0
      } else {
        // The unit as written (`60s` is not rewritten as `1m`), the amount
        // without leading zeros.
        const char unit = literal.text.back();
        absl::StrAppend(out, literal.int_value / DurationUnitSeconds(unit),
                        absl::string_view(&unit, 1));
      }
      return;
  }
  out->append(literal.text);
}

void AppendOperand(const OperandNode& operand, std::string* out) {
  switch (operand.kind) {
    case OperandNode::Kind::kLiteral: AppendLiteral(operand.literal, out); return;
    case OperandNode::Kind::kPath: out->append(operand.path); return;
    case OperandNode::Kind::kList:
      out->push_back('[');
      for (size_t i = 0; i < operand.list.size(); ++i) {
        if (i > 0) out->append(", ");
        AppendLiteral(operand.list[i], out);
      }
      out->push_back(']');
      return;
  }
}

void AppendExpr(const ExprNode& expr, int context, std::string* out) {
  using Kind = ExprNode::Kind;
  switch (expr.kind) {
    case Kind::kTrue: out->append("true"); return;
    case Kind::kFalse: out->append("false"); return;
    case Kind::kHas: absl::StrAppend(out, "has ", expr.path); return;
    case Kind::kName: out->append(expr.path); return;
    case Kind::kComparison:
      absl::StrAppend(out, expr.path, " ", OperatorSpelling(expr.op), " ");
      AppendOperand(*expr.operand, out);
      return;
    case Kind::kGroup: AppendExpr(expr.children[0], context, out); return;
    case Kind::kNot:
      out->append("not ");
      AppendExpr(expr.children[0], kNotLevel, out);
      return;
    case Kind::kAnd:
    case Kind::kOr: {
      const int level = expr.kind == Kind::kAnd ? kAndLevel : kOrLevel;
      if (level < context) out->push_back('(');
      for (size_t i = 0; i < expr.children.size(); ++i) {
        if (i > 0) out->append(expr.kind == Kind::kAnd ? " and " : " or ");
        AppendExpr(expr.children[i], level, out);
      }
      if (level < context) out->push_back(')');
      return;
    }
  }
}

}  // namespace

const char* OperatorSpelling(OperatorNode op) {
  switch (op) {
    case OperatorNode::kEqual: return "==";
    case OperatorNode::kNotEqual: return "!=";
    case OperatorNode::kLess: return "<";
    case OperatorNode::kLessEqual: return "<=";
    case OperatorNode::kGreater: return ">";
    case OperatorNode::kGreaterEqual: return ">=";
    case OperatorNode::kIn: return "in";
    case OperatorNode::kNotIn: return "not in";
    case OperatorNode::kMatches: return "matches";
    case OperatorNode::kLike: return "like";
    case OperatorNode::kStartsWith: return "starts_with";
    case OperatorNode::kEndsWith: return "ends_with";
    case OperatorNode::kContains: return "contains";
    case OperatorNode::kContainsAny: return "contains_any";
    case OperatorNode::kContainsAll: return "contains_all";
    case OperatorNode::kWithin: return "within";
  }
  return "?";
}

std::string QuoteString(absl::string_view value) {
  std::string out;
  out.reserve(value.size() + 2);
  AppendQuoted(value, &out);
  return out;
}

std::string PrintLiteral(const LiteralNode& literal) {
  std::string out;
  AppendLiteral(literal, &out);
  return out;
}

std::string PrintOperand(const OperandNode& operand) {
  std::string out;
  AppendOperand(operand, &out);
  return out;
}

std::string PrintExpr(const ExprNode& expr) {
  std::string out;
  AppendExpr(expr, 0, &out);
  return out;
}

}  // namespace writ::internal
