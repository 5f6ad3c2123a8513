// Internal: the checked policy — the output of check/, the input of the
// evaluators and of the DAG compiler.
//
// check/ owns name resolution and typing: every attribute path is resolved
// to a dense slot, every operand is converted to the attribute's type,
// regexes, globs and CIDRs are compiled, lets are resolved by index, and the
// rule's why_not conjuncts are pre-rendered. Nothing here refers back to the
// AST.
#ifndef WRIT_SRC_CHECK_CHECKED_POLICY_H_
#define WRIT_SRC_CHECK_CHECKED_POLICY_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "re2/re2.h"
#include "src/internal/glob.h"
#include "src/internal/source_location.h"
#include "src/parse/ast.h"
#include "src/internal/ip_address.h"
#include "writ/decision.h"

namespace writ::internal {

enum class TypeKind : uint8_t {
  kBool, kInt, kNumber, kString, kDuration, kIp, kEnum, kStringSet
};

struct Type {
  TypeKind kind = TypeKind::kBool;
  std::vector<std::string> enum_members;  // declaration order, for kEnum
  friend bool operator==(const Type&, const Type&) = default;
};

// "string", "enum(a, b)", "set<string>", ...
std::string TypeName(const Type& type);
// The same, appended to `out` (no allocation once `out` has room).
void AppendTypeName(const Type& type, std::string* out);

struct AttributeInfo {
  std::string path;
  Type type;
  bool redact = false;  // never show the value; a fingerprint stands in
  SourceLocation location;
};

struct Schema {
  // Slot = index: the attributes rules read first (the checker's
  // PlaceReadAttributesFirst), so not in declaration order.
  std::vector<AttributeInfo> attributes;
  // The slots in the order the schema block declares them, for output a
  // reader compares with the schema (a decision record's input).
  std::vector<uint32_t> declaration_order;
  absl::flat_hash_map<std::string, uint32_t> slot_by_path;

  // The attribute paths as a request's JSON objects hold them: each
  // object's members by key, each member an attribute or a nested object,
  // so that the request reader finds a member's attribute by its key alone
  // instead of building its dotted path and hashing it (with the one-pass
  // IP parse, 15% fewer instructions to read a gateway request).
  // objects[0] is the top level.
  // Built by BuildMemberTree once the slots are final.
  static constexpr uint32_t kNoIndex = 0xffffffffu;
  struct Member {
    std::string key;            // one segment of a path
    uint32_t slot = kNoIndex;   // the attribute it names, or kNoIndex
    uint32_t object = kNoIndex; // the object it leads into, or kNoIndex
  };
  struct MemberObject {
    std::vector<Member> members;
    // Key to index into members, for an object too large to scan.
    absl::flat_hash_map<std::string, uint32_t> index_by_key;
  };
  std::vector<MemberObject> objects;

  std::optional<uint32_t> Find(absl::string_view path) const;
  int EnumIndex(uint32_t slot, absl::string_view member) const;  // -1 if none
  // (Re)builds `objects` from `attributes`. Expects no attribute to be a
  // prefix of another (the checker's rule, reported as an error); given
  // one anyway, whichever of the two comes first keeps the member and the
  // other is left out of the tree.
  void BuildMemberTree();
  // The index into objects[object].members of the member whose key is
  // `key` (one segment, no dot), or kNoIndex.
  uint32_t FindMember(uint32_t object, absl::string_view key) const;
};

// The checked tree keeps the parser's operator set unchanged.
using Operator = OperatorNode;

// The right-hand side of a predicate, already in the attribute's type. Only
// the member that fits (type, operator) is meaningful. Field order matters:
// what every evaluation reads (other_slot, the scalars, the string's
// pointer and size) sits with Predicate's own fields in its first cache
// line, so evaluating a scalar atom of a large policy mostly misses once.
struct Operand {
  bool boolean = false;
  std::optional<uint32_t> other_slot; // path op path (== and != only)
  int64_t integer = 0;                // int, duration, enum member index
  double number = 0;
  std::string text;                   // string; substring/prefix/suffix;
                                      // the source of a regex or glob
  IpAddress ip;
  std::vector<int64_t> integers;      // `in` over int, duration, enum
  std::vector<double> numbers;        // `in` over number
  std::vector<std::string> texts;     // `in` over string, contains_any/all
  std::vector<Cidr> cidrs;            // within
  std::shared_ptr<const RE2> regex;   // matches (anchored at both ends)
  std::shared_ptr<const Glob> glob;   // like
};

// One predicate over one attribute (or two, for path op path).
struct Predicate {
  uint32_t slot = 0;
  TypeKind type = TypeKind::kBool;  // the attribute's type, at hand for eval
  Operator op = Operator::kEqual;
  Operand operand;
};

enum class ExprKind : uint8_t {
  kConstant,       // true / false
  kHas,            // has path: never unknown
  kBoolAttribute,  // a bare bool attribute used as a condition
  kPredicate,      // predicates[predicate]
  kLetReference,   // lets[let]
  kNot, kAnd, kOr
};

struct Expr {
  ExprKind kind = ExprKind::kConstant;
  bool constant = false;   // kConstant
  uint32_t slot = 0;       // kHas, kBoolAttribute
  uint32_t predicate = 0;  // kPredicate: index into CheckedPolicy::predicates
  uint32_t let = 0;        // kLetReference: index into CheckedPolicy::lets
  std::vector<Expr> children;  // kNot (one), kAnd, kOr (two or more)
  SourceLocation location;     // first token, an opening parenthesis included
};

struct Let {
  std::string name;
  Expr expr;
  SourceLocation location;
};

// A merged-later `with` value. Strings stay single here; merging collects
// them into sorted distinct arrays.
using ObligationLiteral =
    std::variant<int64_t, double, DurationSeconds, bool, std::string>;

struct Obligation {
  std::string key;
  ObligationLiteral value;
};

// One why_not conjunct: an operand of the top-level `and` of `when` (or the
// whole `when`), or `not (unless)`.
struct Conjunct {
  enum class Source : uint8_t { kWhenWhole, kWhenChild, kNotUnless };
  Source source = Source::kWhenWhole;
  uint32_t child = 0;     // kWhenChild: index into when->children
  std::string condition;  // printed canonically
  SourceLocation location;
};

struct CheckedRule {
  std::string name;
  Effect effect = Effect::kDeny;
  std::optional<Expr> when;
  std::optional<Expr> unless;
  std::vector<Obligation> obligations;  // by key (distinct keys)
  std::optional<std::string> reason;
  SourceLocation location;
  std::vector<Conjunct> conjuncts;
};

struct CheckedPolicy {
  PolicyInfo info;
  std::vector<std::string> file_names;  // as given, source order
  std::shared_ptr<const Schema> schema;
  std::vector<Predicate> predicates;
  std::vector<Let> lets;
  std::vector<CheckedRule> rules;  // source order
  Effect default_effect = Effect::kDeny;
  bool default_written = false;
  // Slots read by some rule, directly or through the lets it uses, sorted
  // by attribute path: the candidates for `missing`.
  std::vector<uint32_t> referenced_slots;

  // "file:line:col".
  std::string FormatLocation(const SourceLocation& location) const;
  // The same, replacing `*out` (whose buffer is reused).
  void AssignLocation(const SourceLocation& location, std::string* out) const;
};

}  // namespace writ::internal

#endif  // WRIT_SRC_CHECK_CHECKED_POLICY_H_
