// Internal: the abstract syntax tree of one policy file.
//
// parse/ owns turning source text into this tree (grammar/ holds the rules),
// the canonical printer for expressions, and diagnostic formatting. The tree
// is untyped: names are not resolved and literals are not checked against
// the schema; check/ does that.
#ifndef WRIT_SRC_PARSE_AST_H_
#define WRIT_SRC_PARSE_AST_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "src/internal/source_location.h"

namespace writ::internal {

struct LiteralNode {
  enum class Kind : uint8_t { kString, kInt, kNumber, kDuration, kBool, kName };
  Kind kind = Kind::kString;
  std::string text;         // the token as written ("5m", "-1.5e3", "\"a\\n\"")
  std::string string_value; // kString: unescaped; kName: the identifier
  int64_t int_value = 0;    // kInt; kDuration in seconds
  double number_value = 0;  // kNumber
  bool bool_value = false;  // kBool
  bool out_of_range = false;  // kInt/kDuration that does not fit int64
  SourceLocation location;
};

struct OperandNode {
  enum class Kind : uint8_t { kLiteral, kList, kPath };
  Kind kind = Kind::kLiteral;
  LiteralNode literal;             // kLiteral
  std::vector<LiteralNode> list;   // kList
  std::string path;                // kPath (may be an enum member name)
  SourceLocation location;
};

enum class OperatorNode : uint8_t {
  kEqual, kNotEqual, kLess, kLessEqual, kGreater, kGreaterEqual, kIn, kNotIn,
  kMatches, kLike, kStartsWith, kEndsWith, kContains, kContainsAny,
  kContainsAll, kWithin
};

struct ExprNode {
  enum class Kind : uint8_t {
    kTrue, kFalse,
    kHas,         // has <path>
    kName,        // a bare path: a bool attribute or a let
    kComparison,  // <path> <op> <operand>
    kNot, kAnd, kOr,
    kGroup        // ( <child> ): kept so locations and printing stay exact
  };
  Kind kind = Kind::kTrue;
  std::string path;  // kHas, kName, kComparison
  OperatorNode op = OperatorNode::kEqual;
  SourceLocation op_location;          // kComparison
  std::optional<OperandNode> operand;  // kComparison
  std::vector<ExprNode> children;
  SourceLocation location;  // first token
  SourceLocation path_location;  // kHas: its path (an unknown one is reported there)
};

struct HeaderNode {
  std::string name;
  std::optional<std::string> version;
  SourceLocation location;
};

struct TypeNode {
  enum class Kind : uint8_t {
    kBool, kInt, kNumber, kString, kDuration, kIp, kStringSet, kEnum
  };
  Kind kind = Kind::kBool;
  std::vector<std::string> members;  // kEnum
  std::vector<SourceLocation> member_locations;
  SourceLocation location;
};

struct SchemaEntryNode {
  std::string path;
  TypeNode type;
  bool redact = false;
  SourceLocation location;
};

struct SchemaNode {
  std::vector<SchemaEntryNode> entries;
  SourceLocation location;
};

struct LetNode {
  std::string name;
  ExprNode expr;
  SourceLocation location;  // the `let` keyword
  SourceLocation name_location;
};

struct ObligationNode {
  std::string key;
  LiteralNode value;
  SourceLocation location;
};

struct RuleNode {
  bool allow = false;
  std::string name;
  std::optional<ExprNode> when;
  std::optional<ExprNode> unless;
  std::vector<ObligationNode> obligations;
  std::optional<std::string> reason;
  SourceLocation location;  // the effect keyword
  SourceLocation name_location;
};

struct DefaultNode {
  bool allow = false;
  SourceLocation location;
};

struct FileAst {
  std::vector<HeaderNode> headers;
  std::vector<SchemaNode> schemas;
  std::vector<LetNode> lets;
  std::vector<RuleNode> rules;
  std::vector<DefaultNode> defaults;
};

}  // namespace writ::internal

#endif  // WRIT_SRC_PARSE_AST_H_
