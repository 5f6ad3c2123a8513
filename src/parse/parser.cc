// Parsing: PEGTL matches grammar/writ_grammar.h, and actions on its rules
// build the FileAst as the text is matched.
//
// The AST is built by actions rather than from a PEGTL parse tree because
// the tree was most of the cost of compiling a large policy (issue 3): a
// heap node per matched rule, a second pass to turn the nodes into the AST
// and a third to free them. The tree's virtue was that it drops the nodes
// of an alternative that fails; actions keep that guarantee two ways:
//  * an action runs only once its rule has matched, and every rule that
//    has one is matched where the parser no longer backtracks: each
//    alternative in the grammar either fails before its first such rule or
//    has committed by then (`if_must` after its keyword), and the leaves
//    (a literal, a path, an operator) are all-or-nothing;
//  * the rules that gather a variable number of parts (an `and`, an `or`,
//    a list) open a frame on the builder's stacks when they start and roll
//    it back if they fail, so they cannot leave parts behind either.
// A syntax error aborts the parse by exception. The builder keeps its own
// FileAst and diagnostics and hands them over only when the whole file has
// parsed, so a file with a syntax error adds its one diagnostic and no AST.
//
// The control class runs the actions, not PEGTL, so that they never move
// the input back and every error is raised where the grammar alone puts it
// (Control::match says more).
//
// Some state serves error messages only: the start of each separator is
// the end of the previous token ("expected ';'" points just after it), the
// name of the item being parsed gives the message its context ("after rule
// 'read_docs'"), and where the string, escape or nesting level being read
// began is where an error inside it points (an unterminated string at its
// quote, a bad escape at its backslash, one level too many at its '(').
#include "src/parse/parser.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <exception>
#include <iterator>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include <tao/pegtl.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "grammar/error_messages.h"
#include "grammar/writ_grammar.h"
#include "src/internal/line_and_column.h"
#include "src/internal/utf8.h"

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

template <typename Iterator>
TextPosition PositionOf(const Iterator& iterator) {
  return {iterator.byte, iterator.line, iterator.column};
}

Diagnostic MakeDiagnostic(absl::string_view file_name, absl::string_view text,
                          size_t line, size_t column, std::string message) {
  Diagnostic diagnostic;
  diagnostic.file = std::string(file_name);
  diagnostic.line = static_cast<int>(line);
  diagnostic.column = static_cast<int>(column);
  diagnostic.message = std::move(message);
  KeepSourceLine(SourceLine(text, static_cast<uint32_t>(line)), &diagnostic);
  return diagnostic;
}

// Moves `from`'s nodes to the end of `to`.
template <typename Node>
void MoveAppend(std::vector<Node>* from, std::vector<Node>* to) {
  if (to->empty()) {
    to->swap(*from);
    return;
  }
  to->insert(to->end(), std::make_move_iterator(from->begin()),
             std::make_move_iterator(from->end()));
}

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

// ---------------------------------------------------------- AST builder --

// What an action hands the builder: the text its rule matched and where
// that text starts.
struct Matched {
  absl::string_view text;
  TextPosition begin;
};

// Builds one file's AST from the rules the actions report, in the order
// they finish matching (a rule finishes after its parts).
//
// An item (a rule, a let...) is added to the file at its first token and
// filled in by its parts (a rule's name, its conditions, its obligations).
// Conditions and literals, which nest or come in lists, go on two stacks: a
// rule that combines them (`not`, `and`, a comparison, a list) replaces its
// parts on the stack by the combination, and a rule that uses one (`when`,
// an obligation's value) pops it.
class AstBuilder {
 public:
  AstBuilder(uint32_t file_index, absl::string_view file_name, absl::string_view text)
      : file_index_(file_index), file_name_(file_name), text_(text) {}

  // Appends the built AST and the literal errors; false when there were any.
  bool MoveInto(FileAst* ast, std::vector<Diagnostic>* diagnostics) {
    MoveAppend(&file_.headers, &ast->headers);
    MoveAppend(&file_.schemas, &ast->schemas);
    MoveAppend(&file_.lets, &ast->lets);
    MoveAppend(&file_.rules, &ast->rules);
    MoveAppend(&file_.defaults, &ast->defaults);
    MoveAppend(&diagnostics_, diagnostics);
    return !had_error_;
  }

  // --- frames: the stack heights when an `and`, `or` or list started.
  void OpenFrame() { frames_.push_back({expressions_.size(), literals_.size()}); }
  void CloseFrame() { frames_.pop_back(); }
  void RollBackFrame() {
    expressions_.resize(frames_.back().expressions);
    literals_.resize(frames_.back().literals);
    frames_.pop_back();
  }

  // --- items: each is added to the file at its first token, where the
  // parser commits to it (from there it either completes or the parse
  // fails), and its parts fill it in as they match.
  void StartHeader(const Matched& match) { Start(match, &file_.headers); }
  void PolicyName(const Matched& match) { file_.headers.back().name = StringValue(match); }
  void PolicyVersion(const Matched& match) {
    file_.headers.back().version = StringValue(match);
  }

  void StartSchema(const Matched& match) { Start(match, &file_.schemas); }
  void AttributePath(const Matched& match) {
    Start(match, &file_.schemas.back().entries).path = std::string(match.text);
  }
  template <TypeNode::Kind kKind>
  void Type(const Matched& match) {
    TypeNode& type = SchemaEntry().type;
    type.kind = kKind;
    type.location = Location(match);
  }
  void EnumMember(const Matched& match) {
    TypeNode& type = SchemaEntry().type;
    type.members.emplace_back(match.text);
    type.member_locations.push_back(Location(match));
  }
  void Redact(const Matched&) { SchemaEntry().redact = true; }

  void StartLet(const Matched& match) { Start(match, &file_.lets); }
  void LetName(const Matched& match) {
    LetNode& let = file_.lets.back();
    let.name = std::string(match.text);
    let.name_location = Location(match);
  }
  void LetExpression(const Matched&) { file_.lets.back().expr = PopExpression(); }

  template <bool kAllow>
  void StartRule(const Matched& match) {
    Start(match, &file_.rules).allow = kAllow;
  }
  void RuleName(const Matched& match) {
    RuleNode& rule = file_.rules.back();
    rule.name = std::string(match.text);
    rule.name_location = Location(match);
  }
  void When(const Matched&) { file_.rules.back().when = PopExpression(); }
  void Unless(const Matched&) { file_.rules.back().unless = PopExpression(); }
  void ObligationKey(const Matched& match) {
    Start(match, &file_.rules.back().obligations).key = std::string(match.text);
  }
  void ObligationValue(const Matched&) {
    file_.rules.back().obligations.back().value = PopLiteral();
  }
  void Reason(const Matched& match) { file_.rules.back().reason = StringValue(match); }

  void StartDefault(const Matched& match) { Start(match, &file_.defaults); }
  void DefaultAllow(const Matched&) { file_.defaults.back().allow = true; }

  // --- conditions.
  template <ExprNode::Kind kKind>
  void Constant(const Matched& match) {
    PushExpression(kKind, match);
  }
  void HasPath(const Matched& match) {
    ExprNode& has = PushExpression(ExprNode::Kind::kHas, match);
    has.path = std::string(match.text);
    has.path_location = Location(match);
  }
  // A `has` test is located at its keyword, not at its path.
  void EndHas(const Matched& match) { expressions_.back().location = Location(match); }

  // A comparison starts as a bare name; an operator and operand may follow.
  void Subject(const Matched& match) {
    PushExpression(ExprNode::Kind::kName, match).path = std::string(match.text);
  }
  template <OperatorNode kOperator>
  void Operator(const Matched& match) {
    ExprNode& comparison = expressions_.back();
    comparison.kind = ExprNode::Kind::kComparison;
    comparison.op = kOperator;
    comparison.op_location = Location(match);
  }
  void OperandPath(const Matched& match) {
    SetOperand(OperandNode::Kind::kPath, match).path = std::string(match.text);
  }
  void EndList(const Matched& match) {
    std::vector<LiteralNode>& list = SetOperand(OperandNode::Kind::kList, match).list;
    const auto first = literals_.begin() + static_cast<std::ptrdiff_t>(frames_.back().literals);
    list.assign(std::make_move_iterator(first), std::make_move_iterator(literals_.end()));
    literals_.erase(first, literals_.end());
  }
  // A list or a path has set the operand already; a single literal is
  // still on the literal stack.
  void EndOperand(const Matched& match) {
    if (expressions_.back().operand.has_value()) return;
    SetOperand(OperandNode::Kind::kLiteral, match).literal = PopLiteral();
  }

  template <ExprNode::Kind kKind>
  void Wrap(const Matched& match) {
    ExprNode wrapper;
    wrapper.kind = kKind;
    wrapper.location = Location(match);
    wrapper.children.push_back(std::move(expressions_.back()));
    expressions_.back() = std::move(wrapper);
  }
  // An `and` or `or` of one operand is just that operand.
  template <ExprNode::Kind kKind>
  void Junction(const Matched& match) {
    const auto first =
        expressions_.begin() + static_cast<std::ptrdiff_t>(frames_.back().expressions);
    if (expressions_.end() - first == 1) return;
    ExprNode junction;
    junction.kind = kKind;
    junction.location = Location(match);
    junction.children.assign(std::make_move_iterator(first),
                             std::make_move_iterator(expressions_.end()));
    expressions_.erase(first, expressions_.end());
    expressions_.push_back(std::move(junction));
  }

  // --- literals.
  void StringLiteral(const Matched& match) {
    LiteralNode& literal = PushLiteral(LiteralNode::Kind::kString, match);
    literal.string_value = StringValue(match);
  }
  void IntegerLiteral(const Matched& match) {
    LiteralNode& literal = PushLiteral(LiteralNode::Kind::kInt, match);
    if (!ParseInt64(literal.text, &literal.int_value)) {
      literal.out_of_range = true;
      Error(literal.location,
            absl::StrCat("integer '", literal.text, "' is out of the 64-bit range"));
    }
  }
  void DurationLiteral(const Matched& match) {
    LiteralNode& literal = PushLiteral(LiteralNode::Kind::kDuration, match);
    int64_t amount = 0;
    const int64_t unit = DurationUnitSeconds(match.text.back());
    if (!ParseInt64(match.text.substr(0, match.text.size() - 1), &amount) ||
        amount > std::numeric_limits<int64_t>::max() / unit ||
        amount < std::numeric_limits<int64_t>::min() / unit) {
      literal.out_of_range = true;
      Error(literal.location, absl::StrCat("duration '", match.text,
                                           "' is out of the 64-bit range of seconds"));
      return;
    }
    literal.int_value = amount * unit;
  }
  void NumberLiteral(const Matched& match) {
    LiteralNode& literal = PushLiteral(LiteralNode::Kind::kNumber, match);
    const auto [end, error] = std::from_chars(
        match.text.data(), match.text.data() + match.text.size(), literal.number_value);
    (void)end;
    if (error != std::errc()) {
      Error(literal.location, absl::StrCat("number '", match.text, "' is out of range"));
    }
  }
  template <bool kValue>
  void BoolLiteral(const Matched& match) {
    PushLiteral(LiteralNode::Kind::kBool, match).bool_value = kValue;
  }
  // An enum member in a list, resolved by the checker.
  void ElementName(const Matched& match) {
    PushLiteral(LiteralNode::Kind::kName, match).string_value = std::string(match.text);
  }

 private:
  struct Frame {
    size_t expressions = 0;
    size_t literals = 0;
  };

  SourceLocation Location(const Matched& match) const {
    return {file_index_, static_cast<uint32_t>(match.begin.line),
            static_cast<uint32_t>(match.begin.column)};
  }

  void Error(const SourceLocation& location, std::string message) {
    had_error_ = true;
    diagnostics_.push_back(MakeDiagnostic(file_name_, text_, location.line,
                                          location.column, std::move(message)));
  }

  // A bad escape is reported at its backslash; a string literal never
  // spans lines, so that is on the literal's line.
  std::string StringValue(const Matched& match) {
    std::string value;
    std::string error;
    size_t error_offset = 0;
    if (!UnescapeStringLiteral(match.text, &value, &error, &error_offset)) {
      SourceLocation location = Location(match);
      location.column += static_cast<uint32_t>(error_offset);
      Error(location, std::move(error));
    }
    return value;
  }

  // Adds an item that starts at `match`.
  template <typename Node>
  Node& Start(const Matched& match, std::vector<Node>* items) {
    Node& node = items->emplace_back();
    node.location = Location(match);
    return node;
  }
  SchemaEntryNode& SchemaEntry() { return file_.schemas.back().entries.back(); }

  ExprNode& PushExpression(ExprNode::Kind kind, const Matched& match) {
    ExprNode& expression = expressions_.emplace_back();
    expression.kind = kind;
    expression.location = Location(match);
    return expression;
  }
  ExprNode PopExpression() {
    ExprNode expression = std::move(expressions_.back());
    expressions_.pop_back();
    return expression;
  }

  OperandNode& SetOperand(OperandNode::Kind kind, const Matched& match) {
    OperandNode& operand = expressions_.back().operand.emplace();
    operand.kind = kind;
    operand.location = Location(match);
    return operand;
  }

  LiteralNode& PushLiteral(LiteralNode::Kind kind, const Matched& match) {
    LiteralNode& literal = literals_.emplace_back();
    literal.kind = kind;
    literal.text = std::string(match.text);
    literal.location = Location(match);
    return literal;
  }
  LiteralNode PopLiteral() {
    LiteralNode literal = std::move(literals_.back());
    literals_.pop_back();
    return literal;
  }

  uint32_t file_index_;
  absl::string_view file_name_;
  absl::string_view text_;
  FileAst file_;
  std::vector<Diagnostic> diagnostics_;
  bool had_error_ = false;


  std::vector<ExprNode> expressions_;
  std::vector<LiteralNode> literals_;
  std::vector<Frame> frames_;
};

struct ParserState {
  ParserState(uint32_t file_index, absl::string_view file_name, absl::string_view text)
      : builder(file_index, file_name, text) {}

  TextPosition last_token_end;
  size_t last_separator_end = static_cast<size_t>(-1);
  // The item being parsed, for "expected ';' after rule 'read_docs'": what
  // it is and its name, if it has one. Views into the source, formatted
  // only when an error needs them.
  absl::string_view item_kind;
  absl::string_view item_name;
  // Where the string literal and the escape being read start: an
  // unterminated string is reported at its opening quote, a bad escape at
  // its backslash.
  TextPosition string_start;
  TextPosition escape_start;
  // The nesting of parentheses and `not`, and where the innermost started.
  TextPosition nesting_start;
  int depth = 0;
  int max_depth = 64;
  AstBuilder builder;
};

// ------------------------------------------------------------- actions --
//
// `Action<Rule>::apply` runs once Rule has matched, with the text it
// matched. The actions are written as PEGTL's are, but Control::match runs
// them (see there why).

template <typename Rule>
struct Action : pegtl::nothing<Rule> {};

// The action of a rule that only hands its match to the builder.
template <void (AstBuilder::*kBuild)(const Matched&)>
struct Build {
  static void apply(const Matched& match, ParserState& state) {
    (state.builder.*kBuild)(match);
  }
};

// The action of the keyword or name of an item: the builder's, and the
// error context ("after the policy header", "after rule 'read_docs'").
template <const char* kWhat, bool kIsName, void (AstBuilder::*kBuild)(const Matched&)>
struct BuildItem {
  static void apply(const Matched& match, ParserState& state) {
    state.item_kind = kWhat;
    state.item_name = kIsName ? match.text : absl::string_view();
    (state.builder.*kBuild)(match);
  }
};

// Separators often follow one another (the one after a path, then the one
// after the whole condition); only one that starts where no separator just
// ended marks the end of a token.
template <>
struct Action<g::separator> {
  static void apply(const Matched& match, ParserState& state) {
    if (match.begin.byte != state.last_separator_end) state.last_token_end = match.begin;
    state.last_separator_end = match.begin.byte + match.text.size();
  }
};

inline constexpr char kRuleWord[] = "rule";
inline constexpr char kLetWord[] = "let";
inline constexpr char kAttributeWord[] = "attribute";
inline constexpr char kObligationWord[] = "obligation";

inline constexpr char kPolicyHeader[] = "the policy header";
inline constexpr char kDefault[] = "'default'";

using B = AstBuilder;
using ExprKind = ExprNode::Kind;
using TypeKind = TypeNode::Kind;

template <> struct Action<g::policy_name> : Build<&B::PolicyName> {};
template <> struct Action<g::policy_version> : Build<&B::PolicyVersion> {};
template <> struct Action<g::kw_policy> : BuildItem<kPolicyHeader, false, &B::StartHeader> {};

template <> struct Action<g::kw_schema> : Build<&B::StartSchema> {};
template <> struct Action<g::attribute_path> : BuildItem<kAttributeWord, true, &B::AttributePath> {};
template <> struct Action<g::type_bool> : Build<&B::Type<TypeKind::kBool>> {};
template <> struct Action<g::type_int> : Build<&B::Type<TypeKind::kInt>> {};
template <> struct Action<g::type_number> : Build<&B::Type<TypeKind::kNumber>> {};
template <> struct Action<g::type_string> : Build<&B::Type<TypeKind::kString>> {};
template <> struct Action<g::type_duration> : Build<&B::Type<TypeKind::kDuration>> {};
template <> struct Action<g::type_ip> : Build<&B::Type<TypeKind::kIp>> {};
template <> struct Action<g::type_set> : Build<&B::Type<TypeKind::kStringSet>> {};
template <> struct Action<g::type_enum> : Build<&B::Type<TypeKind::kEnum>> {};
template <> struct Action<g::enum_member> : Build<&B::EnumMember> {};
template <> struct Action<g::enum_next_member> : Build<&B::EnumMember> {};
template <> struct Action<g::redact_marker> : Build<&B::Redact> {};

template <> struct Action<g::kw_let> : Build<&B::StartLet> {};
template <> struct Action<g::let_name> : BuildItem<kLetWord, true, &B::LetName> {};
template <> struct Action<g::let_expression> : Build<&B::LetExpression> {};

template <> struct Action<g::allow_effect> : Build<&B::StartRule<true>> {};
template <> struct Action<g::deny_effect> : Build<&B::StartRule<false>> {};
template <> struct Action<g::rule_name> : BuildItem<kRuleWord, true, &B::RuleName> {};
template <> struct Action<g::when_expression> : Build<&B::When> {};
template <> struct Action<g::unless_expression> : Build<&B::Unless> {};
template <> struct Action<g::obligation_key> : BuildItem<kObligationWord, true, &B::ObligationKey> {};
template <> struct Action<g::obligation_value> : Build<&B::ObligationValue> {};
template <> struct Action<g::reason> : Build<&B::Reason> {};

template <> struct Action<g::kw_default> : BuildItem<kDefault, false, &B::StartDefault> {};
template <> struct Action<g::default_allow> : Build<&B::DefaultAllow> {};

template <> struct Action<g::constant_true> : Build<&B::Constant<ExprKind::kTrue>> {};
template <> struct Action<g::constant_false> : Build<&B::Constant<ExprKind::kFalse>> {};
template <> struct Action<g::has_path> : Build<&B::HasPath> {};
template <> struct Action<g::has_test> : Build<&B::EndHas> {};
template <> struct Action<g::subject_path> : Build<&B::Subject> {};
template <> struct Action<g::op_equal> : Build<&B::Operator<OperatorNode::kEqual>> {};
template <> struct Action<g::op_not_equal> : Build<&B::Operator<OperatorNode::kNotEqual>> {};
template <> struct Action<g::op_less_equal> : Build<&B::Operator<OperatorNode::kLessEqual>> {};
template <> struct Action<g::op_greater_equal> : Build<&B::Operator<OperatorNode::kGreaterEqual>> {};
template <> struct Action<g::op_less> : Build<&B::Operator<OperatorNode::kLess>> {};
template <> struct Action<g::op_greater> : Build<&B::Operator<OperatorNode::kGreater>> {};
template <> struct Action<g::op_not_in> : Build<&B::Operator<OperatorNode::kNotIn>> {};
template <> struct Action<g::op_in> : Build<&B::Operator<OperatorNode::kIn>> {};
template <> struct Action<g::op_matches> : Build<&B::Operator<OperatorNode::kMatches>> {};
template <> struct Action<g::op_like> : Build<&B::Operator<OperatorNode::kLike>> {};
template <> struct Action<g::op_starts_with> : Build<&B::Operator<OperatorNode::kStartsWith>> {};
template <> struct Action<g::op_ends_with> : Build<&B::Operator<OperatorNode::kEndsWith>> {};
template <> struct Action<g::op_contains_any> : Build<&B::Operator<OperatorNode::kContainsAny>> {};
template <> struct Action<g::op_contains_all> : Build<&B::Operator<OperatorNode::kContainsAll>> {};
template <> struct Action<g::op_contains> : Build<&B::Operator<OperatorNode::kContains>> {};
template <> struct Action<g::op_within> : Build<&B::Operator<OperatorNode::kWithin>> {};
template <> struct Action<g::operand_path> : Build<&B::OperandPath> {};
template <> struct Action<g::list_literal> : Build<&B::EndList> {};
template <> struct Action<g::operand> : Build<&B::EndOperand> {};
template <> struct Action<g::parenthesized> : Build<&B::Wrap<ExprKind::kGroup>> {};
template <> struct Action<g::negation> : Build<&B::Wrap<ExprKind::kNot>> {};
template <> struct Action<g::and_expression> : Build<&B::Junction<ExprKind::kAnd>> {};
template <> struct Action<g::or_expression> : Build<&B::Junction<ExprKind::kOr>> {};

template <> struct Action<g::string_literal> : Build<&B::StringLiteral> {};
template <> struct Action<g::integer_literal> : Build<&B::IntegerLiteral> {};
template <> struct Action<g::duration_literal> : Build<&B::DurationLiteral> {};
template <> struct Action<g::number_literal> : Build<&B::NumberLiteral> {};
template <> struct Action<g::literal_true> : Build<&B::BoolLiteral<true>> {};
template <> struct Action<g::literal_false> : Build<&B::BoolLiteral<false>> {};
template <> struct Action<g::element_name> : Build<&B::ElementName> {};

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
// What follows the '(' of a parenthesized condition or the `not` of a
// negation: reached only once that token has matched.
template <typename Rule>
inline constexpr bool kNestedPart =
    std::is_same_v<Rule, g::inner_expression> || std::is_same_v<Rule, g::negated_operand>;

// Rules raised inside an escape sequence: reported at its backslash.
template <typename Rule>
inline constexpr bool kInEscape =
    std::is_same_v<Rule, g::escape_code> || std::is_same_v<Rule, g::unicode_open> ||
    std::is_same_v<Rule, g::unicode_digits> || std::is_same_v<Rule, g::unicode_close>;

template <typename Rule>
inline constexpr bool kHasAction = !std::is_base_of_v<pegtl::nothing<Rule>, Action<Rule>>;

// Rules whose action gathers the parts built since the rule started.
template <typename Rule>
inline constexpr bool kOpensFrame = std::is_same_v<Rule, g::and_expression> ||
                                    std::is_same_v<Rule, g::or_expression> ||
                                    std::is_same_v<Rule, g::list_literal>;

// The reserved word at the cursor, if any, so "expected a rule name" can
// say why `allow when ...` fails.
template <typename Input>
std::string ReservedWordAt(const Input& in) {
  const std::string_view word = g::not_reserved_word::WordAt(in.current(), in.end());
  return g::not_reserved_word::IsReservedWord(word) ? std::string(word) : "";
}

template <typename Rule>
struct Control : pegtl::normal<Rule> {
  // Matches Rule and, if it matched and has an action, runs the action
  // (except inside the look-ahead of `at` and `not_at`, where PEGTL turns
  // actions off).
  //
  // PEGTL would run the actions itself, but around a rule with an action it
  // also rewinds the input whenever the rule fails, where the grammar alone
  // leaves the input where the rule stopped if the caller does not need it
  // back. The position of the error raised next would then move: `a: ipx;`
  // is reported at the `x`, after the keyword `ip` that did match, and
  // would be reported at the `i`. Running the actions here keeps every
  // error where the grammar puts it.
  template <pegtl::apply_mode A, pegtl::rewind_mode M,
            template <typename...> class PegtlAction,
            template <typename...> class PegtlControl, typename Input>
  [[nodiscard]] static bool match(Input& in, ParserState& state) {
    using Normal = pegtl::normal<Rule>;
    if constexpr (!kHasAction<Rule>) {
      return Normal::template match<A, M, PegtlAction, PegtlControl>(in, state);
    } else {
      const auto begin = in.iterator();
      if constexpr (kOpensFrame<Rule>) state.builder.OpenFrame();
      const bool matched = Normal::template match<A, M, PegtlAction, PegtlControl>(in, state);
      if constexpr (A == pegtl::apply_mode::action) {
        if (matched) {
          const absl::string_view text(begin.data, static_cast<size_t>(in.current() - begin.data));
          Action<Rule>::apply(Matched{text, PositionOf(begin)}, state);
        }
      }
      if constexpr (kOpensFrame<Rule>) {
        if (matched) {
          state.builder.CloseFrame();
        } else {
          state.builder.RollBackFrame();
        }
      }
      return matched;
    }
  }

  template <typename Input>
  [[noreturn]] static void raise(const Input& in, ParserState& state) {
    constexpr const char* kMessage = g::kErrorMessage<Rule>;
    std::string message = kMessage != nullptr ? kMessage : "syntax error";
    TextPosition position = PositionOf(in.iterator());
    if constexpr (std::is_same_v<Rule, g::semicolon>) {
      if (!state.item_kind.empty()) absl::StrAppend(&message, " after ", state.item_kind);
      if (!state.item_name.empty()) absl::StrAppend(&message, " '", state.item_name, "'");
      // SPEC §7: a missing ';' is reported just after the token it follows.
      if (state.last_token_end.byte <= position.byte) position = state.last_token_end;
    }
    if constexpr (std::is_same_v<Rule, g::closing_quote>) position = state.string_start;
    if constexpr (kInEscape<Rule>) position = state.escape_start;
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
    if constexpr (std::is_base_of_v<g::string_literal, Rule>) {
      state.string_start = PositionOf(in.iterator());
    }
    if constexpr (std::is_same_v<Rule, g::escape>) state.escape_start = PositionOf(in.iterator());
    if constexpr (kIsNesting<Rule>) {
      ++state.depth;
      state.nesting_start = PositionOf(in.iterator());
    }
    // The depth is checked once the '(' or `not` has matched, not when the
    // nesting rule is tried: every operand tries `not` and '(' first, so a
    // check there would count a level that is not there and refuse exactly
    // max_depth levels. max_depth levels parse; one more is refused at its
    // '(' or `not`, the last nesting rule to start.
    if constexpr (kNestedPart<Rule>) {
      if (state.depth > state.max_depth) {
        throw SyntaxError{absl::StrCat("condition nested deeper than ",
                                       state.max_depth, " levels"),
                          state.nesting_start};
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

// The first invalid UTF-8 byte's offset, or npos. Policies are UTF-8
// (SPEC §1); rejecting bad bytes up front keeps them out of every message.
size_t FirstInvalidUtf8(absl::string_view text) {
  const char* const end = text.data() + text.size();
  for (size_t i = 0; i < text.size();) {
    const size_t length = StrictUtf8Length(text.data() + i, end);
    if (length == 0) return i;
    i += length;
  }
  return absl::string_view::npos;
}

constexpr absl::string_view kUtf8ByteOrderMark = "\xEF\xBB\xBF";

// The offset of the first carriage return not followed by a line feed, or
// npos. The grammar ends a comment only at "\n" or "\r\n", while an editor
// shows a lone CR as a line break: `# note<CR>deny r;` looked like a rule
// and was silently part of the comment (and `writ fmt`, whose tokenizer
// ends comments at CR, refused the file as its own bug).
size_t FirstLoneCarriageReturn(absl::string_view text) {
  for (size_t at = text.find('\r'); at != absl::string_view::npos; at = text.find('\r', at + 1)) {
    if (at + 1 == text.size() || text[at + 1] != '\n') return at;
  }
  return absl::string_view::npos;
}

// Characters that look like writ's own but are not, as word processors,
// chat tools and web pages turn them in copied policy text, with what to
// write instead. A syntax error at one of them says so: "expected a value"
// at a “ does not tell the author that the quote is the wrong one.
struct LookAlike {
  absl::string_view character;  // UTF-8
  absl::string_view name;
  absl::string_view instead;    // as the hint shows it
};
constexpr LookAlike kLookAlikes[] = {
    {"\u201C", "a typographic quote", "'\"'"},
    {"\u201D", "a typographic quote", "'\"'"},
    {"\u201E", "a typographic quote", "'\"'"},
    {"\u2018", "a typographic quote", "'\"'"},
    {"\u2019", "a typographic quote", "'\"'"},
    {"\u00AB", "a guillemet", "'\"'"},
    {"\u00BB", "a guillemet", "'\"'"},
    {"\u2260", "the sign \u2260", "'!='"},
    {"\u2264", "the sign \u2264", "'<='"},
    {"\u2265", "the sign \u2265", "'>='"},
    {"\u2212", "a minus sign", "'-'"},
    {"\u2013", "an en dash", "'-'"},
    {"\u00A0", "a no-break space", "a plain space"},
    {"\u200B", "a zero-width space", "nothing"},
};

// `message`, with a hint when one of kLookAlikes is at `offset` or after
// the blanks there (a missing ';' is reported just after the token before
// the blank, so `n \u2260 1` errs at the space).
std::string WithLookAlikeHint(absl::string_view text, size_t offset, std::string message) {
  absl::string_view rest = offset < text.size() ? text.substr(offset) : "";
  rest = rest.substr(std::min(rest.find_first_not_of(" \t"), rest.size()));
  for (const LookAlike& look_alike : kLookAlikes) {
    if (absl::StartsWith(rest, look_alike.character)) {
      absl::StrAppend(&message, " (this is ", look_alike.name, ": write ", look_alike.instead,
                      ")");
      break;
    }
  }
  return message;
}

TextPosition PositionOfOffset(absl::string_view text, size_t offset) {
  const LineAndColumn place = LineAndColumnOf(text, offset);
  return {offset, place.line, place.column};
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

LineIndex::LineIndex(absl::string_view text) : text_(text), starts_{0} {
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') starts_.push_back(i + 1);
  }
}

absl::string_view LineIndex::Line(uint32_t line) const {
  if (line > starts_.size()) return "";
  return SourceLine(text_.substr(line == 0 ? 0 : starts_[line - 1]), 1);
}

int64_t DurationUnitSeconds(char unit) {
  switch (unit) {
    case 'm': return 60;
    case 'h': return 3600;
    case 'd': return 86400;
    default: return 1;
  }
}

bool UnescapeStringLiteral(absl::string_view token, std::string* value,
                           std::string* error, size_t* error_offset) {
  value->clear();
  // The grammar guarantees the quotes and the escape shapes.
  const absl::string_view body = token.substr(1, token.size() - 2);
  // No value is longer than its literal: an escape is at least as long as
  // what it stands for.
  value->reserve(body.size());
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] != '\\') {
      // The run up to the next escape, whole: a push_back per character
      // was ~4% of parsing 10,000 rules, most of whose strings have none.
      const size_t escape = std::min(body.find('\\', i), body.size());
      value->append(body.data() + i, escape - i);
      i = escape - 1;
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
          // The backslash: body[i] is the 'u', and the body starts after
          // the opening quote.
          if (error_offset != nullptr) *error_offset = i;
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
    diagnostics->push_back(MakeDiagnostic(file_name, text, position.line,
                                          position.column, std::move(message)));
    return false;
  };
  // A byte-order mark is valid UTF-8 but not writ (docs/design.md says why
  // it is refused rather than skipped).
  if (absl::StartsWith(text, kUtf8ByteOrderMark)) {
    return report({}, "a UTF-8 byte-order mark is not allowed; save the file without it");
  }
  if (const size_t bad = FirstInvalidUtf8(text); bad != absl::string_view::npos) {
    return report(PositionOfOffset(text, bad), "invalid UTF-8 byte in policy source");
  }
  if (const size_t cr = FirstLoneCarriageReturn(text); cr != absl::string_view::npos) {
    return report(PositionOfOffset(text, cr),
                  "a carriage return not followed by a line feed is not allowed (end lines "
                  "with \"\\n\" or \"\\r\\n\")");
  }
  ParserState state(file_index, file_name, text);
  state.max_depth = options.max_expression_depth;
  pegtl::memory_input<> input(text.data(), text.size(), std::string(file_name));
  bool parsed = false;
  try {
    parsed = pegtl::parse<g::policy_file, pegtl::nothing, Control>(input, state);
  } catch (const SyntaxError& error) {
    return report(error.position, WithLookAlikeHint(text, error.position.byte, error.message));
  } catch (const pegtl::parse_error& error) {
    const auto& position = error.positions().front();
    return report({position.byte, position.line, position.column},
                  WithLookAlikeHint(text, position.byte, std::string(error.message())));
  } catch (const std::exception& error) {
    return report({}, absl::StrCat("internal parser error: ", error.what()));
  }
  if (!parsed) return report({}, "syntax error");
  return state.builder.MoveInto(ast, diagnostics);
}

}  // namespace writ::internal
