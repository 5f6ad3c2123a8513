#include "src/parse/printer.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace writ::internal {
namespace {

// Binding strength: an operand weaker than its context needs parentheses.
enum Precedence { kOrLevel = 1, kAndLevel = 2, kNotLevel = 3 };

std::string Print(const ExprNode& expr, int context) {
  using Kind = ExprNode::Kind;
  switch (expr.kind) {
    case Kind::kTrue: return "true";
    case Kind::kFalse: return "false";
    case Kind::kHas: return absl::StrCat("has ", expr.path);
    case Kind::kName: return expr.path;
    case Kind::kComparison:
      return absl::StrCat(expr.path, " ", OperatorSpelling(expr.op), " ",
                          PrintOperand(*expr.operand));
    case Kind::kGroup: return Print(expr.children[0], context);
    case Kind::kNot: return absl::StrCat("not ", Print(expr.children[0], kNotLevel));
    case Kind::kAnd:
    case Kind::kOr: {
      const int level = expr.kind == Kind::kAnd ? kAndLevel : kOrLevel;
      std::string text;
      for (const ExprNode& child : expr.children) {
        if (!text.empty()) text += expr.kind == Kind::kAnd ? " and " : " or ";
        text += Print(child, level);
      }
      return level < context ? absl::StrCat("(", text, ")") : text;
    }
  }
  return "";
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
  std::string out = "\"";
  for (const char c : value) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += absl::StrFormat("\\u{%x}", static_cast<int>(c));
        } else {
          out.push_back(c);
        }
    }
  }
  out += "\"";
  return out;
}

std::string PrintLiteral(const LiteralNode& literal) {
  switch (literal.kind) {
    case LiteralNode::Kind::kString: return QuoteString(literal.string_value);
    case LiteralNode::Kind::kBool: return literal.bool_value ? "true" : "false";
    case LiteralNode::Kind::kName: return literal.string_value;
    default: return literal.text;  // numbers and durations as written
  }
}

std::string PrintOperand(const OperandNode& operand) {
  switch (operand.kind) {
    case OperandNode::Kind::kLiteral: return PrintLiteral(operand.literal);
    case OperandNode::Kind::kPath: return operand.path;
    case OperandNode::Kind::kList: {
      std::string text = "[";
      for (size_t i = 0; i < operand.list.size(); ++i) {
        if (i > 0) text += ", ";
        text += PrintLiteral(operand.list[i]);
      }
      return text + "]";
    }
  }
  return "";
}

std::string PrintExpr(const ExprNode& expr) { return Print(expr, 0); }

}  // namespace writ::internal
