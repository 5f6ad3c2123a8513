// The syntax tree of a file as location-free text: two texts with the same
// fingerprint mean the same thing and explain themselves the same way
// (parenthesised groups are part of it, as they shape why_not conjuncts).
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/format/formatter.h"
#include "src/parse/parser.h"
#include "src/parse/printer.h"

namespace writ::internal {
namespace {

void AppendLiteral(const LiteralNode& literal, std::string* out) {
  absl::StrAppend(out, "lit", static_cast<int>(literal.kind), "{", literal.text, "}");
}

void AppendExpr(const ExprNode& expr, std::string* out) {
  absl::StrAppend(out, "(", static_cast<int>(expr.kind), " ", expr.path);
  if (expr.kind == ExprNode::Kind::kComparison) {
    absl::StrAppend(out, " ", OperatorSpelling(expr.op), " ");
    const OperandNode& operand = *expr.operand;
    absl::StrAppend(out, "operand", static_cast<int>(operand.kind), " ", operand.path);
    if (operand.kind == OperandNode::Kind::kLiteral) AppendLiteral(operand.literal, out);
    for (const LiteralNode& element : operand.list) AppendLiteral(element, out);
  }
  for (const ExprNode& child : expr.children) AppendExpr(child, out);
  out->append(")");
}

void AppendRule(const RuleNode& rule, std::string* out) {
  absl::StrAppend(out, rule.allow ? "allow " : "deny ", rule.name);
  if (rule.when) AppendExpr(*rule.when, &(*out += " when "));
  if (rule.unless) AppendExpr(*rule.unless, &(*out += " unless "));
  for (const ObligationNode& obligation : rule.obligations) {
    absl::StrAppend(out, " with ", obligation.key, "=");
    AppendLiteral(obligation.value, out);
  }
  absl::StrAppend(out, " because ", rule.reason.value_or("<none>"), "\n");
}

}  // namespace

std::string SyntaxFingerprint(absl::string_view text) {
  FileAst ast;
  std::vector<Diagnostic> diagnostics;
  if (!ParseFile(0, "", text, ParseOptions{}, &ast, &diagnostics)) return "";
  std::string out;
  for (const HeaderNode& header : ast.headers) {
    absl::StrAppend(&out, "policy ", header.name, " ", header.version.value_or("<none>"), "\n");
  }
  for (const SchemaNode& schema : ast.schemas) {
    for (const SchemaEntryNode& entry : schema.entries) {
      absl::StrAppend(&out, "attr ", entry.path, " ", static_cast<int>(entry.type.kind), " ",
                      entry.redact ? "redact" : "");
      for (const std::string& member : entry.type.members) absl::StrAppend(&out, " ", member);
      out += "\n";
    }
  }
  for (const LetNode& let : ast.lets) {
    AppendExpr(let.expr, &(out += absl::StrCat("let ", let.name, " = ")));
    out += "\n";
  }
  for (const RuleNode& rule : ast.rules) AppendRule(rule, &out);
  for (const DefaultNode& node : ast.defaults) {
    absl::StrAppend(&out, "default ", node.allow ? "allow" : "deny", "\n");
  }
  return out;
}

}  // namespace writ::internal
