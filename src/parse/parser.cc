// Parsing: PEGTL matches grammar/writ_grammar.h into a parse tree, then
// AstBuilder walks the tree into a FileAst.
//
// PEGTL's parse tree is used (rather than actions building the AST as they
// go) because it discards the nodes of alternatives that fail, so the
// builder only ever sees what matched. Two small actions remain, both for
// error messages: the start of each separator is the end of the previous
// token ("expected ';'" points just after it), and the name of the item
// being parsed gives the message its context ("after rule 'read_docs'").
#include "src/parse/parser.h"

#include <charconv>
#include <cstdint>
#include <exception>
#include <limits>
#include <memory>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include <tao/pegtl.hpp>
#include <tao/pegtl/contrib/parse_tree.hpp>

#include "absl/strings/str_cat.h"
#include "grammar/error_messages.h"
#include "grammar/writ_grammar.h"

namespace writ::internal {
namespace {

namespace g = ::writ::grammar;
namespace pegtl = ::tao::pegtl;

struct TextPosition {
  size_t byte = 0;
  size_t line = 1;
  size_t column = 1;
};

// A syntax error, thrown inside the PEGTL parse only and caught in
// ParseFile: it never leaves this file.
struct SyntaxError {
  std::string message;
  TextPosition position;
};

struct ParserState {
  TextPosition last_token_end;
  size_t last_separator_end = static_cast<size_t>(-1);
  std::string current_item;  // "rule 'read_docs'", for "expected ';' after"
  int depth = 0;
  int max_depth = 64;
};

// PEGTL speaks std::string_view; Debian's abseil has its own string_view.
absl::string_view ToAbsl(std::string_view view) { return {view.data(), view.size()}; }

template <typename Iterator>
TextPosition PositionOf(const Iterator& iterator) {
  return {iterator.byte, iterator.line, iterator.column};
}

// ------------------------------------------------------------- actions --

template <typename Rule>
struct Action : pegtl::nothing<Rule> {};

// Separators often follow one another (the one after a path, then the one
// after the whole condition); only one that starts where no separator just
// ended marks the end of a token.
template <>
struct Action<g::separator> {
  template <typename Input>
  static void apply(const Input& in, ParserState& state) {
    const TextPosition start = PositionOf(in.iterator());
    if (start.byte != state.last_separator_end) state.last_token_end = start;
    state.last_separator_end = start.byte + in.size();
  }
};

template <typename Rule, const char* kWhat>
struct NameItem {
  template <typename Input>
  static void apply(const Input& in, ParserState& state) {
    state.current_item = absl::StrCat(kWhat, " '", ToAbsl(in.string_view()), "'");
  }
};

inline constexpr char kRuleWord[] = "rule";
inline constexpr char kLetWord[] = "let";
inline constexpr char kAttributeWord[] = "attribute";
inline constexpr char kObligationWord[] = "obligation";
template <> struct Action<g::rule_name> : NameItem<g::rule_name, kRuleWord> {};
template <> struct Action<g::let_name> : NameItem<g::let_name, kLetWord> {};
template <> struct Action<g::attribute_path> : NameItem<g::attribute_path, kAttributeWord> {};
template <> struct Action<g::obligation_key> : NameItem<g::obligation_key, kObligationWord> {};

template <>
struct Action<g::kw_policy> {
  static void apply0(ParserState& state) { state.current_item = "the policy header"; }
};
template <>
struct Action<g::kw_default> {
  static void apply0(ParserState& state) { state.current_item = "'default'"; }
};

// ------------------------------------------------------------- control --

// Rules whose failure means a name was expected: the ones worth checking
// for a reserved word at the cursor.
template <typename Rule>
inline constexpr bool kExpectsName =
    std::is_same_v<Rule, g::rule_name> || std::is_same_v<Rule, g::let_name> ||
    std::is_same_v<Rule, g::path_segment> || std::is_same_v<Rule, g::enum_member> ||
    std::is_same_v<Rule, g::enum_next_member> || std::is_same_v<Rule, g::obligation> ||
    std::is_same_v<Rule, g::next_obligation> || std::is_same_v<Rule, g::has_path>;

template <typename Rule>
inline constexpr bool kIsNesting =
    std::is_same_v<Rule, g::parenthesized> || std::is_same_v<Rule, g::negation>;

// The reserved word at the cursor, if any, so "expected a rule name" can
// say why `allow when ...` fails.
template <typename Input>
std::string ReservedWordAt(const Input& in) {
  std::string word;
  for (const char* p = in.current(); p != in.end(); ++p) {
    const char c = *p;
    const bool word_char = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                           (c >= '0' && c <= '9') || c == '_';
    if (!word_char) break;
    word.push_back(c);
  }
  if (word.empty()) return "";
  pegtl::memory_input<> probe(word, "");
  if (pegtl::parse<pegtl::seq<g::reserved_word, pegtl::eof>>(probe)) return word;
  return "";
}

template <typename Rule>
struct Control : pegtl::normal<Rule> {
  template <typename Input>
  [[noreturn]] static void raise(const Input& in, ParserState& state) {
    constexpr const char* kMessage = g::kErrorMessage<Rule>;
    std::string message = kMessage != nullptr ? kMessage : "syntax error";
    TextPosition position = PositionOf(in.iterator());
    if constexpr (std::is_same_v<Rule, g::semicolon>) {
      if (!state.current_item.empty()) {
        absl::StrAppend(&message, " after ", state.current_item);
      }
      // SPEC §7: a missing ';' is reported just after the token it follows.
      if (state.last_token_end.byte <= position.byte) position = state.last_token_end;
    }
    if constexpr (kExpectsName<Rule>) {
      const std::string reserved = ReservedWordAt(in);
      if (!reserved.empty()) {
        absl::StrAppend(&message, " ('", reserved,
                        "' is a reserved keyword and cannot be used as a name)");
      }
    }
    throw SyntaxError{std::move(message), position};
  }

  template <typename Input>
  static void start(const Input& in, ParserState& state) {
    if constexpr (kIsNesting<Rule>) {
      if (++state.depth > state.max_depth) {
        throw SyntaxError{absl::StrCat("condition nested deeper than ",
                                       state.max_depth, " levels"),
                          PositionOf(in.iterator())};
      }
    }
  }
  template <typename Input>
  static void success(const Input&, ParserState& state) {
    if constexpr (kIsNesting<Rule>) --state.depth;
  }
  template <typename Input>
  static void failure(const Input&, ParserState& state) {
    if constexpr (kIsNesting<Rule>) --state.depth;
  }
};

// ------------------------------------------------------------ selector --

template <typename Rule>
using Selector = pegtl::parse_tree::selector<
    Rule,
    pegtl::parse_tree::store_content::on<
        g::rule_name, g::let_name, g::enum_member, g::enum_next_member,
        g::obligation_key, g::attribute_path, g::subject_path, g::has_path,
        g::operand_path, g::element_name, g::string_literal, g::number_literal,
        g::duration_literal, g::integer_literal, g::literal_true,
        g::literal_false, g::op_equal, g::op_not_equal, g::op_less_equal,
        g::op_greater_equal, g::op_less, g::op_greater, g::op_not_in, g::op_in,
        g::op_matches, g::op_like, g::op_starts_with, g::op_ends_with,
        g::op_contains_any, g::op_contains_all, g::op_contains, g::op_within,
        g::list_literal, g::parenthesized, g::constant_true, g::constant_false,
        g::has_test, g::comparison, g::negation, g::and_expression,
        g::or_expression, g::header, g::policy_name, g::policy_version,
        g::type_bool, g::type_int, g::type_number, g::type_string,
        g::type_duration, g::type_ip, g::type_set, g::type_enum,
        g::redact_marker, g::schema_entry, g::schema, g::let_definition,
        g::allow_effect, g::deny_effect, g::when_clause, g::unless_clause,
        g::obligation, g::next_obligation, g::reason, g::rule, g::default_allow,
        g::default_deny, g::default_decision>>;

using Node = pegtl::parse_tree::node;

// -------------------------------------------------------- literal values --

void AppendUtf8(uint32_t code_point, std::string* out) {
  if (code_point < 0x80) {
    out->push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

// Parses the digits of an INT/DURATION token; false when out of int64.
bool ParseInt64(absl::string_view digits, int64_t* value) {
  const auto [end, error] =
      std::from_chars(digits.data(), digits.data() + digits.size(), *value);
  return error == std::errc() && end == digits.data() + digits.size();
}

int64_t DurationUnitSeconds(char unit) {
  switch (unit) {
    case 'm': return 60;
    case 'h': return 3600;
    case 'd': return 86400;
    default: return 1;
  }
}

// ---------------------------------------------------------- AST builder --

class AstBuilder {
 public:
  AstBuilder(uint32_t file_index, absl::string_view file_name,
             absl::string_view text, std::vector<Diagnostic>* diagnostics)
      : file_index_(file_index),
        file_name_(file_name),
        text_(text),
        diagnostics_(diagnostics) {}

  void BuildFile(const Node& root, FileAst* ast) {
    for (const auto& child : root.children) BuildItem(*child, ast);
  }

  bool had_error() const { return had_error_; }

 private:
  SourceLocation Location(const Node& node) const {
    return {file_index_, static_cast<uint32_t>(node.m_begin.line),
            static_cast<uint32_t>(node.m_begin.column)};
  }

  void Error(const SourceLocation& location, std::string message) {
    had_error_ = true;
    Diagnostic diagnostic;
    diagnostic.file = std::string(file_name_);
    diagnostic.line = static_cast<int>(location.line);
    diagnostic.column = static_cast<int>(location.column);
    diagnostic.message = std::move(message);
    diagnostic.source_line = std::string(SourceLine(text_, location.line));
    diagnostics_->push_back(std::move(diagnostic));
  }

  void BuildItem(const Node& node, FileAst* ast) {
    if (node.is_type<g::header>()) {
      ast->headers.push_back(BuildHeader(node));
    } else if (node.is_type<g::schema>()) {
      ast->schemas.push_back(BuildSchema(node));
    } else if (node.is_type<g::let_definition>()) {
      ast->lets.push_back(BuildLet(node));
    } else if (node.is_type<g::rule>()) {
      ast->rules.push_back(BuildRule(node));
    } else if (node.is_type<g::default_decision>()) {
      ast->defaults.push_back(
          {node.children.at(0)->is_type<g::default_allow>(), Location(node)});
    }
  }

  std::string StringValue(const Node& node) {
    std::string value;
    std::string error;
    if (!UnescapeStringLiteral(ToAbsl(node.string_view()), &value, &error)) {
      Error(Location(node), error);
    }
    return value;
  }

  HeaderNode BuildHeader(const Node& node) {
    HeaderNode header;
    header.location = Location(node);
    for (const auto& child : node.children) {
      if (child->is_type<g::policy_name>()) header.name = StringValue(*child);
      if (child->is_type<g::policy_version>()) header.version = StringValue(*child);
    }
    return header;
  }

  TypeNode BuildType(const Node& node) {
    TypeNode type;
    type.location = Location(node);
    using Kind = TypeNode::Kind;
    if (node.is_type<g::type_bool>()) type.kind = Kind::kBool;
    if (node.is_type<g::type_int>()) type.kind = Kind::kInt;
    if (node.is_type<g::type_number>()) type.kind = Kind::kNumber;
    if (node.is_type<g::type_string>()) type.kind = Kind::kString;
    if (node.is_type<g::type_duration>()) type.kind = Kind::kDuration;
    if (node.is_type<g::type_ip>()) type.kind = Kind::kIp;
    if (node.is_type<g::type_set>()) type.kind = Kind::kStringSet;
    if (node.is_type<g::type_enum>()) {
      type.kind = Kind::kEnum;
      for (const auto& member : node.children) {
        type.members.push_back(member->string());
        type.member_locations.push_back(Location(*member));
      }
    }
    return type;
  }

  SchemaNode BuildSchema(const Node& node) {
    SchemaNode schema;
    schema.location = Location(node);
    for (const auto& entry_node : node.children) {
      SchemaEntryNode entry;
      entry.location = Location(*entry_node);
      for (const auto& child : entry_node->children) {
        if (child->is_type<g::attribute_path>()) {
          entry.path = child->string();
        } else if (child->is_type<g::redact_marker>()) {
          entry.redact = true;
        } else {
          entry.type = BuildType(*child);
        }
      }
      schema.entries.push_back(std::move(entry));
    }
    return schema;
  }

  LetNode BuildLet(const Node& node) {
    LetNode let;
    let.location = Location(node);
    const Node& name = *node.children.at(0);
    let.name = name.string();
    let.name_location = Location(name);
    let.expr = BuildExpr(*node.children.at(1));
    return let;
  }

  RuleNode BuildRule(const Node& node) {
    RuleNode rule;
    rule.location = Location(node);
    for (const auto& child : node.children) {
      if (child->is_type<g::allow_effect>()) rule.allow = true;
      if (child->is_type<g::rule_name>()) {
        rule.name = child->string();
        rule.name_location = Location(*child);
      }
      if (child->is_type<g::when_clause>()) rule.when = BuildExpr(*child->children.at(0));
      if (child->is_type<g::unless_clause>()) {
        rule.unless = BuildExpr(*child->children.at(0));
      }
      if (child->is_type<g::obligation>() || child->is_type<g::next_obligation>()) {
        rule.obligations.push_back(BuildObligation(*child));
      }
      if (child->is_type<g::reason>()) rule.reason = StringValue(*child);
    }
    return rule;
  }

  ObligationNode BuildObligation(const Node& node) {
    ObligationNode obligation;
    obligation.location = Location(node);
    obligation.key = node.children.at(0)->string();
    obligation.value = BuildLiteral(*node.children.at(1));
    return obligation;
  }

  LiteralNode BuildLiteral(const Node& node) {
    LiteralNode literal;
    literal.location = Location(node);
    literal.text = node.string();
    using Kind = LiteralNode::Kind;
    if (node.is_type<g::string_literal>()) {
      literal.kind = Kind::kString;
      literal.string_value = StringValue(node);
    } else if (node.is_type<g::integer_literal>()) {
      literal.kind = Kind::kInt;
      if (!ParseInt64(literal.text, &literal.int_value)) {
        literal.out_of_range = true;
        Error(literal.location,
              absl::StrCat("integer '", literal.text, "' is out of the 64-bit range"));
      }
    } else if (node.is_type<g::duration_literal>()) {
      BuildDuration(&literal);
    } else if (node.is_type<g::number_literal>()) {
      literal.kind = Kind::kNumber;
      const auto [end, error] = std::from_chars(
          literal.text.data(), literal.text.data() + literal.text.size(),
          literal.number_value);
      (void)end;
      if (error != std::errc()) {
        Error(literal.location, absl::StrCat("number '", literal.text, "' is out of range"));
      }
    } else if (node.is_type<g::literal_true>() || node.is_type<g::literal_false>()) {
      literal.kind = Kind::kBool;
      literal.bool_value = node.is_type<g::literal_true>();
    } else {  // element_name: an enum member in a list
      literal.kind = Kind::kName;
      literal.string_value = literal.text;
    }
    return literal;
  }

  void BuildDuration(LiteralNode* literal) {
    literal->kind = LiteralNode::Kind::kDuration;
    const absl::string_view text = literal->text;
    int64_t amount = 0;
    const int64_t unit = DurationUnitSeconds(text.back());
    if (!ParseInt64(text.substr(0, text.size() - 1), &amount) ||
        amount > std::numeric_limits<int64_t>::max() / unit ||
        amount < std::numeric_limits<int64_t>::min() / unit) {
      literal->out_of_range = true;
      Error(literal->location,
            absl::StrCat("duration '", text, "' is out of the 64-bit range of seconds"));
      return;
    }
    literal->int_value = amount * unit;
  }

  OperandNode BuildOperand(const Node& node) {
    OperandNode operand;
    operand.location = Location(node);
    if (node.is_type<g::list_literal>()) {
      operand.kind = OperandNode::Kind::kList;
      for (const auto& element : node.children) {
        operand.list.push_back(BuildLiteral(*element));
      }
    } else if (node.is_type<g::operand_path>()) {
      operand.kind = OperandNode::Kind::kPath;
      operand.path = node.string();
    } else {
      operand.kind = OperandNode::Kind::kLiteral;
      operand.literal = BuildLiteral(node);
    }
    return operand;
  }

  static OperatorNode OperatorOf(const Node& node) {
    using Op = OperatorNode;
    if (node.is_type<g::op_equal>()) return Op::kEqual;
    if (node.is_type<g::op_not_equal>()) return Op::kNotEqual;
    if (node.is_type<g::op_less_equal>()) return Op::kLessEqual;
    if (node.is_type<g::op_greater_equal>()) return Op::kGreaterEqual;
    if (node.is_type<g::op_less>()) return Op::kLess;
    if (node.is_type<g::op_greater>()) return Op::kGreater;
    if (node.is_type<g::op_not_in>()) return Op::kNotIn;
    if (node.is_type<g::op_in>()) return Op::kIn;
    if (node.is_type<g::op_matches>()) return Op::kMatches;
    if (node.is_type<g::op_like>()) return Op::kLike;
    if (node.is_type<g::op_starts_with>()) return Op::kStartsWith;
    if (node.is_type<g::op_ends_with>()) return Op::kEndsWith;
    if (node.is_type<g::op_contains_any>()) return Op::kContainsAny;
    if (node.is_type<g::op_contains_all>()) return Op::kContainsAll;
    if (node.is_type<g::op_contains>()) return Op::kContains;
    return Op::kWithin;
  }

  // and/or nodes with one operand are just their operand.
  ExprNode BuildExpr(const Node& node) {
    ExprNode expr;
    expr.location = Location(node);
    using Kind = ExprNode::Kind;
    if (node.is_type<g::or_expression>() || node.is_type<g::and_expression>()) {
      if (node.children.size() == 1) return BuildExpr(*node.children[0]);
      expr.kind = node.is_type<g::or_expression>() ? Kind::kOr : Kind::kAnd;
      for (const auto& child : node.children) expr.children.push_back(BuildExpr(*child));
    } else if (node.is_type<g::negation>() || node.is_type<g::parenthesized>()) {
      expr.kind = node.is_type<g::negation>() ? Kind::kNot : Kind::kGroup;
      expr.children.push_back(BuildExpr(*node.children.at(0)));
    } else if (node.is_type<g::constant_true>() || node.is_type<g::constant_false>()) {
      expr.kind = node.is_type<g::constant_true>() ? Kind::kTrue : Kind::kFalse;
    } else if (node.is_type<g::has_test>()) {
      expr.kind = Kind::kHas;
      expr.path = node.children.at(0)->string();
    } else if (node.is_type<g::comparison>()) {
      expr.path = node.children.at(0)->string();
      if (node.children.size() == 1) {
        expr.kind = Kind::kName;
      } else {
        expr.kind = Kind::kComparison;
        expr.op = OperatorOf(*node.children.at(1));
        expr.op_location = Location(*node.children.at(1));
        expr.operand = BuildOperand(*node.children.at(2));
      }
    }
    return expr;
  }

  uint32_t file_index_;
  absl::string_view file_name_;
  absl::string_view text_;
  std::vector<Diagnostic>* diagnostics_;
  bool had_error_ = false;
};

// The first invalid UTF-8 byte's offset, or npos. Policies are UTF-8
// (SPEC §1); rejecting bad bytes up front keeps them out of every message.
size_t FirstInvalidUtf8(absl::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<unsigned char>(text[i]);
    size_t length = byte < 0x80 ? 1 : (byte >> 5) == 0x6 ? 2 : (byte >> 4) == 0xE ? 3
                                  : (byte >> 3) == 0x1E ? 4 : 0;
    if (length == 0 || i + length > text.size()) return i;
    uint32_t code_point = length == 1 ? byte : byte & (0x7F >> length);
    for (size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return i;
      code_point = (code_point << 6) | (next & 0x3F);
    }
    static constexpr uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code_point < kSmallest[length] || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      return i;
    }
    i += length;
  }
  return absl::string_view::npos;
}

TextPosition PositionOfOffset(absl::string_view text, size_t offset) {
  TextPosition position;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++position.line;
      position.column = 1;
    } else {
      ++position.column;
    }
  }
  position.byte = offset;
  return position;
}

}  // namespace

absl::string_view SourceLine(absl::string_view text, uint32_t line) {
  size_t start = 0;
  for (uint32_t current = 1; current < line; ++current) {
    const size_t newline = text.find('\n', start);
    if (newline == absl::string_view::npos) return "";
    start = newline + 1;
  }
  size_t end = text.find('\n', start);
  if (end == absl::string_view::npos) end = text.size();
  if (end > start && text[end - 1] == '\r') --end;
  return text.substr(start, end - start);
}

bool UnescapeStringLiteral(absl::string_view token, std::string* value,
                           std::string* error) {
  value->clear();
  // The grammar guarantees the quotes and the escape shapes.
  const absl::string_view body = token.substr(1, token.size() - 2);
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] != '\\') {
      value->push_back(body[i]);
      continue;
    }
    const char code = body[++i];
    switch (code) {
      case 'n': value->push_back('\n'); break;
      case 't': value->push_back('\t'); break;
      case 'r': value->push_back('\r'); break;
      case 'u': {
        const size_t close = body.find('}', i);
        uint32_t code_point = 0;
        std::from_chars(body.data() + i + 2, body.data() + close, code_point, 16);
        if (code_point > 0x10FFFF || (code_point >= 0xD800 && code_point <= 0xDFFF)) {
          *error = absl::StrCat("'\\u{", body.substr(i + 2, close - i - 2),
                                "}' is not a Unicode scalar value");
          return false;
        }
        AppendUtf8(code_point, value);
        i = close;
        break;
      }
      default: value->push_back(code); break;  // '"' and '\\'
    }
  }
  return true;
}

bool ParseFile(uint32_t file_index, absl::string_view file_name,
               absl::string_view text, const ParseOptions& options,
               FileAst* ast, std::vector<Diagnostic>* diagnostics) {
  auto report = [&](const TextPosition& position, std::string message) {
    Diagnostic diagnostic;
    diagnostic.file = std::string(file_name);
    diagnostic.line = static_cast<int>(position.line);
    diagnostic.column = static_cast<int>(position.column);
    diagnostic.message = std::move(message);
    diagnostic.source_line =
        std::string(SourceLine(text, static_cast<uint32_t>(position.line)));
    diagnostics->push_back(std::move(diagnostic));
    return false;
  };
  if (const size_t bad = FirstInvalidUtf8(text); bad != absl::string_view::npos) {
    return report(PositionOfOffset(text, bad), "invalid UTF-8 byte in policy source");
  }
  ParserState state;
  state.max_depth = options.max_expression_depth;
  pegtl::memory_input<> input(text.data(), text.size(), std::string(file_name));
  std::unique_ptr<Node> root;
  try {
    root = pegtl::parse_tree::parse<g::policy_file, Selector, Action, Control>(input, state);
  } catch (const SyntaxError& error) {
    return report(error.position, error.message);
  } catch (const pegtl::parse_error& error) {
    const auto& position = error.positions().front();
    return report({position.byte, position.line, position.column},
                  std::string(error.message()));
  } catch (const std::exception& error) {
    return report({}, absl::StrCat("internal parser error: ", error.what()));
  }
  if (root == nullptr) return report({}, "syntax error");
  AstBuilder builder(file_index, file_name, text, diagnostics);
  builder.BuildFile(*root, ast);
  return !builder.had_error();
}

}  // namespace writ::internal
