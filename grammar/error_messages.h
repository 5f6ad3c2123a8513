// The human message raised when a committed grammar rule fails.
//
// Kept apart from the grammar (grammar/writ_grammar.h) so rules stay pure
// structure, and kept in one place so every message reads alike: what was
// expected, where. The parser's control class (src/parse/parser.cc) looks up
// `kErrorMessage<Rule>` when `must<Rule>` fails; positions and the context
// ("after rule 'read_docs'") are added there.
#ifndef WRIT_GRAMMAR_ERROR_MESSAGES_H_
#define WRIT_GRAMMAR_ERROR_MESSAGES_H_

#include "grammar/writ_grammar.h"

namespace writ::grammar {

// Rules that cannot fail (separators, optional parts) keep nullptr; the
// control class falls back to "syntax error" should one ever be raised.
template <typename Rule>
inline constexpr const char* kErrorMessage = nullptr;

#define WRIT_ERROR_MESSAGE(rule_type, text) \
  template <>                               \
  inline constexpr const char* kErrorMessage<rule_type> = text

WRIT_ERROR_MESSAGE(end_of_items,
                   "expected 'policy', 'schema', 'let', 'allow', 'deny' or 'default'");
WRIT_ERROR_MESSAGE(path_segment, "expected a name after '.'");
WRIT_ERROR_MESSAGE(exponent_digits, "expected digits after the exponent");
WRIT_ERROR_MESSAGE(malformed_duration,
                   "a duration has an integer count and one unit (s, m, h, d), "
                   "like 90m or 36h");
WRIT_ERROR_MESSAGE(unicode_open, "expected '{' after '\\u'");
WRIT_ERROR_MESSAGE(unicode_digits, "expected 1 to 6 hex digits in '\\u{...}'");
WRIT_ERROR_MESSAGE(unicode_close, "expected '}' to close '\\u{'");
WRIT_ERROR_MESSAGE(escape_code,
                   "unknown escape sequence (valid: \\\" \\\\ \\n \\t \\r \\u{...})");
WRIT_ERROR_MESSAGE(closing_quote,
                   "unterminated string (a string must end with '\"' on the same line)");
WRIT_ERROR_MESSAGE(in_after_not, "expected 'in' after 'not'");
WRIT_ERROR_MESSAGE(lone_equals, "'=' is not a comparison; write '==' to compare");
WRIT_ERROR_MESSAGE(list_next_element, "expected a value after ',' in list");
WRIT_ERROR_MESSAGE(list_close, "expected ',' or ']' in list");
WRIT_ERROR_MESSAGE(operand, "expected a value after the operator");
WRIT_ERROR_MESSAGE(inner_expression, "expected a condition after '('");
WRIT_ERROR_MESSAGE(closing_parenthesis, "expected ')'");
WRIT_ERROR_MESSAGE(has_path, "expected an attribute path after 'has'");
WRIT_ERROR_MESSAGE(negated_operand, "expected a condition after 'not'");
WRIT_ERROR_MESSAGE(and_operand, "expected a condition after 'and'");
WRIT_ERROR_MESSAGE(or_operand, "expected a condition after 'or'");
WRIT_ERROR_MESSAGE(semicolon, "expected ';'");
WRIT_ERROR_MESSAGE(policy_name, "expected the policy name as a string after 'policy'");
WRIT_ERROR_MESSAGE(policy_version, "expected the version as a string after 'version'");
WRIT_ERROR_MESSAGE(set_open, "expected '<' after 'set'");
WRIT_ERROR_MESSAGE(set_element_type, "expected 'string' (sets hold strings only)");
WRIT_ERROR_MESSAGE(set_close, "expected '>' to close 'set<string'");
WRIT_ERROR_MESSAGE(enum_open, "expected '(' after 'enum'");
WRIT_ERROR_MESSAGE(enum_member, "expected an enum member name");
WRIT_ERROR_MESSAGE(enum_next_member, "expected an enum member name after ','");
WRIT_ERROR_MESSAGE(enum_close, "expected ',' or ')' in enum");
WRIT_ERROR_MESSAGE(attribute_colon, "expected ':' after the attribute name");
WRIT_ERROR_MESSAGE(attribute_type,
                   "expected a type: bool, int, number, string, duration, ip, "
                   "set<string> or enum(...)");
WRIT_ERROR_MESSAGE(schema_open, "expected '{' after 'schema'");
WRIT_ERROR_MESSAGE(schema_close, "expected an attribute declaration or '}'");
WRIT_ERROR_MESSAGE(let_name, "expected a name after 'let'");
WRIT_ERROR_MESSAGE(let_equals, "expected '=' after the let name");
WRIT_ERROR_MESSAGE(let_expression, "expected a condition after '='");
WRIT_ERROR_MESSAGE(rule_name, "expected a rule name");
WRIT_ERROR_MESSAGE(when_expression, "expected a condition after 'when'");
WRIT_ERROR_MESSAGE(unless_expression, "expected a condition after 'unless'");
WRIT_ERROR_MESSAGE(obligation, "expected 'key = value' after 'with'");
WRIT_ERROR_MESSAGE(next_obligation, "expected 'key = value' after ','");
WRIT_ERROR_MESSAGE(obligation_equals, "expected '=' after the obligation key");
WRIT_ERROR_MESSAGE(obligation_value,
                   "expected a literal (string, number, duration or true/false)");
WRIT_ERROR_MESSAGE(reason, "expected the reason as a string after 'because'");
WRIT_ERROR_MESSAGE(default_effect, "expected 'allow' or 'deny' after 'default'");

#undef WRIT_ERROR_MESSAGE

}  // namespace writ::grammar

#endif  // WRIT_GRAMMAR_ERROR_MESSAGES_H_
