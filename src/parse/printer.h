// Internal: canonical text of conditions and literals — single spaces,
// minimal parentheses — as used in why_not records (SPEC §5) and by tools.
#ifndef WRIT_SRC_PARSE_PRINTER_H_
#define WRIT_SRC_PARSE_PRINTER_H_

#include <string>

#include "absl/strings/string_view.h"
#include "src/parse/ast.h"

namespace writ::internal {

const char* OperatorSpelling(OperatorNode op);  // "==", "not in", ...

std::string PrintLiteral(const LiteralNode& literal);
std::string PrintOperand(const OperandNode& operand);
std::string PrintExpr(const ExprNode& expr);

// A string as a writ string literal, quotes and escapes included.
std::string QuoteString(absl::string_view value);

}  // namespace writ::internal

#endif  // WRIT_SRC_PARSE_PRINTER_H_
