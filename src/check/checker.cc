// The checker: name resolution, typing and every compile error of SPEC §3.
//
// It runs in passes so that all errors are found in one run: declarations
// first (header, schema, default, let and rule names), then every let body
// and rule, then the let reference graph (cycles) and the attribute slots
// each rule reads (for `missing`). A failed sub-expression reports its error
// and yields nullopt; checking carries on with the next one.
#include "src/check/checker.h"

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "re2/re2.h"
#include "src/check/regex.h"
#include "src/internal/sha256.h"
#include "src/parse/parser.h"
#include "src/parse/printer.h"

namespace writ::internal {
namespace {

using Kind = ExprNode::Kind;
using Op = OperatorNode;

bool OperatorApplies(TypeKind type, Op op) {
  switch (type) {
    case TypeKind::kBool:
      return op == Op::kEqual || op == Op::kNotEqual;
    case TypeKind::kInt:
    case TypeKind::kNumber:
    case TypeKind::kDuration:
    case TypeKind::kEnum:
      return op == Op::kEqual || op == Op::kNotEqual || op == Op::kLess ||
             op == Op::kLessEqual || op == Op::kGreater || op == Op::kGreaterEqual ||
             op == Op::kIn || op == Op::kNotIn;
    case TypeKind::kString:
      return op == Op::kEqual || op == Op::kNotEqual || op == Op::kIn ||
             op == Op::kNotIn || op == Op::kMatches || op == Op::kLike ||
             op == Op::kStartsWith || op == Op::kEndsWith || op == Op::kContains;
    case TypeKind::kIp:
      return op == Op::kEqual || op == Op::kNotEqual || op == Op::kWithin;
    case TypeKind::kStringSet:
      return op == Op::kContains || op == Op::kContainsAny || op == Op::kContainsAll;
  }
  return false;
}

bool TakesList(Op op) {
  return op == Op::kIn || op == Op::kNotIn || op == Op::kContainsAny ||
         op == Op::kContainsAll || op == Op::kWithin;
}

const char* LiteralKindName(LiteralNode::Kind kind) {
  switch (kind) {
    case LiteralNode::Kind::kString: return "a string";
    case LiteralNode::Kind::kInt: return "an int";
    case LiteralNode::Kind::kNumber: return "a number";
    case LiteralNode::Kind::kDuration: return "a duration";
    case LiteralNode::Kind::kBool: return "a bool";
    case LiteralNode::Kind::kName: return "a bare name";
  }
  return "a value";
}

Type TypeOf(const TypeNode& node) {
  Type type;
  switch (node.kind) {
    case TypeNode::Kind::kBool: type.kind = TypeKind::kBool; break;
    case TypeNode::Kind::kInt: type.kind = TypeKind::kInt; break;
    case TypeNode::Kind::kNumber: type.kind = TypeKind::kNumber; break;
    case TypeNode::Kind::kString: type.kind = TypeKind::kString; break;
    case TypeNode::Kind::kDuration: type.kind = TypeKind::kDuration; break;
    case TypeNode::Kind::kIp: type.kind = TypeKind::kIp; break;
    case TypeNode::Kind::kStringSet: type.kind = TypeKind::kStringSet; break;
    case TypeNode::Kind::kEnum:
      type.kind = TypeKind::kEnum;
      type.enum_members = node.members;
      break;
  }
  return type;
}

// What a rule or let reads: attribute slots directly, and other lets; in
// ascending order without repeats once sealed. Vectors rather than sets: a
// large policy keeps one of these per rule, and a set costs a heap node per
// element.
struct References {
  std::vector<uint32_t> slots;
  std::vector<uint32_t> lets;

  void Seal() {
    SortUnique(&slots);
    SortUnique(&lets);
  }

 private:
  static void SortUnique(std::vector<uint32_t>* values) {
    std::sort(values->begin(), values->end());
    values->erase(std::unique(values->begin(), values->end()), values->end());
  }
};

class Checker {
 public:
  Checker(const std::vector<ParsedFile>& files, const CompileOptions& options,
          std::vector<Diagnostic>* diagnostics)
      : files_(files), options_(options), diagnostics_(diagnostics) {}

  std::shared_ptr<CheckedPolicy> Run() {
    policy_ = std::make_shared<CheckedPolicy>();
    for (const ParsedFile& file : files_) policy_->file_names.push_back(file.name);
    CheckHeaders();
    CheckSchema();
    CheckDefaults();
    // Predicates are large (an Operand holds every kind of operand), so
    // growing the vector by doubling moved each one twice on average: a
    // tenth of compiling a 10,000-rule policy.
    policy_->predicates.reserve(CountComparisons());
    DeclareLets();
    CheckLets();
    CheckRules();
    const std::vector<uint32_t> let_order = CheckLetCycles();
    if (!failed_) CheckConditionDepth(let_order);
    ComputeReferencedSlots();
    std::vector<absl::string_view> texts;
    for (const ParsedFile& file : files_) texts.push_back(file.text);
    policy_->info.digest = SourceSetDigest(texts);
    if (failed_) return nullptr;
    return std::move(policy_);
  }

 private:
  // An upper bound on the predicates the policy will have.
  size_t CountComparisons() const {
    size_t count = 0;
    for (const ParsedFile& file : files_) {
      for (const LetNode& let : file.ast.lets) count += CountComparisons(let.expr);
      for (const RuleNode& rule : file.ast.rules) {
        if (rule.when.has_value()) count += CountComparisons(*rule.when);
        if (rule.unless.has_value()) count += CountComparisons(*rule.unless);
      }
    }
    return count;
  }

  // The parser bounds expression nesting, so the recursion is bounded.
  static size_t CountComparisons(const ExprNode& expr) {
    size_t count = expr.kind == Kind::kComparison ? 1 : 0;
    for (const ExprNode& child : expr.children) count += CountComparisons(child);
    return count;
  }

  // ------------------------------------------------------------ reporting

  void Error(const SourceLocation& location, std::string message) {
    failed_ = true;
    Diagnostic diagnostic;
    diagnostic.message = std::move(message);
    if (location.file < files_.size()) {
      const ParsedFile& file = files_[location.file];
      diagnostic.file = file.name;
      diagnostic.line = static_cast<int>(location.line);
      diagnostic.column = static_cast<int>(location.column);
      KeepSourceLine(LinesOf(location.file).Line(location.line), &diagnostic);
    }
    diagnostics_->push_back(std::move(diagnostic));
  }

  // Built on a file's first error: a policy can have tens of thousands.
  const LineIndex& LinesOf(uint32_t file) {
    if (line_indexes_.size() < files_.size()) line_indexes_.resize(files_.size());
    if (!line_indexes_[file].has_value()) line_indexes_[file].emplace(files_[file].text);
    return *line_indexes_[file];
  }

  std::string Where(const SourceLocation& location) const {
    return policy_->FormatLocation(location);
  }

  // ---------------------------------------------------- declarations pass

  // SPEC §1: at most one header, schema and default across the whole set.
  // Visits each `Node` in source order; the first goes to `take`, every
  // later one is an error naming where the first is.
  template <typename Node, typename Take>
  void TakeAtMostOne(std::vector<Node> FileAst::*items, absl::string_view what, Take take) {
    const Node* first = nullptr;
    for (const ParsedFile& file : files_) {
      for (const Node& node : file.ast.*items) {
        if (first != nullptr) {
          Error(node.location, absl::StrCat("second ", what, " (the first is at ",
                                            Where(first->location), ")"));
          continue;
        }
        first = &node;
        take(node);
      }
    }
  }

  void CheckHeaders() {
    TakeAtMostOne(&FileAst::headers, "policy header", [this](const HeaderNode& header) {
      policy_->info.name = header.name;
      policy_->info.version = header.version;
    });
  }

  void CheckSchema() {
    auto schema = std::make_shared<Schema>();
    bool found = false;
    TakeAtMostOne(&FileAst::schemas, "schema block", [&](const SchemaNode& node) {
      found = true;
      for (const SchemaEntryNode& entry : node.entries) DeclareAttribute(entry, schema.get());
    });
    // Positioned at the start of the first file, where one would go
    // (docs/design.md), so it reads like every other diagnostic.
    if (!found) Error({0, 1, 1}, "the policy set has no schema block");
    CheckAttributePrefixes(*schema);
    PlaceReadAttributesFirst(schema.get());
    schema->BuildMemberTree();
    policy_->schema = schema;
    schema_ = schema.get();
  }

  void DeclareAttribute(const SchemaEntryNode& entry, Schema* schema) {
    if (auto it = schema->slot_by_path.find(entry.path); it != schema->slot_by_path.end()) {
      Error(entry.location,
            absl::StrCat("attribute '", entry.path, "' is declared twice (first at ",
                         Where(schema->attributes[it->second].location), ")"));
      return;
    }
    const TypeNode& type = entry.type;
    // A set, not a scan of the members before: 100,000 members are
    // 5 billion comparisons that way.
    absl::flat_hash_set<absl::string_view> members;
    for (size_t i = 0; i < type.members.size(); ++i) {
      if (!members.insert(type.members[i]).second) {
        Error(type.member_locations[i],
              absl::StrCat("enum member '", type.members[i], "' is listed twice"));
      }
    }
    const auto slot = static_cast<uint32_t>(schema->attributes.size());
    schema->attributes.push_back({entry.path, TypeOf(type), entry.redact, entry.location});
    schema->slot_by_path.emplace(entry.path, slot);
    schema->declaration_order.push_back(slot);
  }

  // A slot is a place in the request's layout: a decision reads its values
  // by slot, 32 bytes each, two to a cache line. So the attributes some
  // rule or let names come first, in declaration order, and the rest after
  // them: a schema that declares what its rules read among what they do
  // not (ids, addresses kept for the log) would otherwise spread a
  // decision's reads over more lines. On the generated gateway policy,
  // whose six read attributes are declared among twelve, this took 1.3 to
  // 1.8 L1 misses out of each hot decision and ratio_hot/1000 from 2.04x
  // to 1.90x (benchmarks/RESULTS.md, "Read attributes first"). Runs after
  // every declaration error is reported, which names attributes by their
  // declaration.
  void PlaceReadAttributesFirst(Schema* schema) const {
    absl::flat_hash_set<absl::string_view> named;
    for (const ParsedFile& file : files_) {
      for (const LetNode& let : file.ast.lets) CollectPaths(let.expr, &named);
      for (const RuleNode& rule : file.ast.rules) {
        if (rule.when.has_value()) CollectPaths(*rule.when, &named);
        if (rule.unless.has_value()) CollectPaths(*rule.unless, &named);
      }
    }
    std::stable_partition(
        schema->attributes.begin(), schema->attributes.end(),
        [&](const AttributeInfo& attribute) { return named.contains(attribute.path); });
    std::vector<uint32_t> moved_to(schema->attributes.size());
    for (uint32_t slot = 0; slot < schema->attributes.size(); ++slot) {
      uint32_t& old_slot = schema->slot_by_path[schema->attributes[slot].path];
      moved_to[old_slot] = slot;
      old_slot = slot;
    }
    for (uint32_t& slot : schema->declaration_order) slot = moved_to[slot];
  }

  // Every path `expr` names: attributes, lets and enum members alike (only
  // an attribute's path matters to the caller).
  static void CollectPaths(const ExprNode& expr, absl::flat_hash_set<absl::string_view>* paths) {
    if (!expr.path.empty()) paths->insert(expr.path);
    if (expr.operand.has_value() && expr.operand->kind == OperandNode::Kind::kPath) {
      paths->insert(expr.operand->path);
    }
    for (const ExprNode& child : expr.children) CollectPaths(child, paths);
  }

  // `destination` and `destination.host` cannot both be attributes: a
  // request could not say which one a nested object gives.
  void CheckAttributePrefixes(const Schema& schema) {
    // The paths that `p` is a prefix of ("p.x") sort together from "p.":
    // one binary search an attribute finds one. Collecting every dotted
    // prefix in a hash set instead hashed a path of n segments n times, a
    // 400,000-segment path (800 KB) 11.6 s.
    std::vector<absl::string_view> sorted;
    for (const AttributeInfo& attribute : schema.attributes) sorted.push_back(attribute.path);
    std::sort(sorted.begin(), sorted.end());
    for (const AttributeInfo& attribute : schema.attributes) {
      const std::string below = attribute.path + ".";
      const auto longer = std::lower_bound(sorted.begin(), sorted.end(), below);
      if (longer == sorted.end() || !absl::StartsWith(*longer, below)) continue;
      const AttributeInfo& declared = schema.attributes[schema.slot_by_path.at(*longer)];
      Error(attribute.location,
            absl::StrCat("attribute '", attribute.path, "' is a prefix of '", declared.path,
                         "' (declared at ", Where(declared.location), ")"));
    }
  }

  void CheckDefaults() {
    TakeAtMostOne(&FileAst::defaults, "'default'", [this](const DefaultNode& node) {
      policy_->default_written = true;
      policy_->default_effect = node.allow ? Effect::kAllow : Effect::kDeny;
    });
  }

  void DeclareLets() {
    for (const ParsedFile& file : files_) {
      for (const LetNode& let : file.ast.lets) {
        if (auto it = let_index_.find(let.name); it != let_index_.end()) {
          Error(let.name_location,
                absl::StrCat("let '", let.name, "' is defined twice (first at ",
                             Where(policy_->lets[it->second].location), ")"));
          continue;
        }
        if (schema_->Find(let.name).has_value()) {
          Error(let.name_location, absl::StrCat("let '", let.name,
                                                "' has the name of a schema attribute"));
        }
        let_index_.emplace(let.name, static_cast<uint32_t>(policy_->lets.size()));
        policy_->lets.push_back({let.name, Expr{}, let.name_location});
        let_nodes_.push_back(&let);
        let_references_.emplace_back();
      }
    }
  }

  // ------------------------------------------------------ lets and rules

  void CheckLets() {
    for (size_t i = 0; i < let_nodes_.size(); ++i) {
      References references;
      std::optional<Expr> expr = CheckExpr(let_nodes_[i]->expr, &references);
      if (expr.has_value()) policy_->lets[i].expr = std::move(*expr);
      references.Seal();
      let_references_[i] = std::move(references);
    }
  }

  void CheckRules() {
    // Keyed by views of the names in files_, which outlive the check.
    absl::flat_hash_map<absl::string_view, SourceLocation> rule_names;
    for (const ParsedFile& file : files_) {
      for (const RuleNode& node : file.ast.rules) {
        if (auto [it, inserted] = rule_names.emplace(node.name, node.name_location); !inserted) {
          Error(node.name_location, absl::StrCat("rule '", node.name,
                                                 "' is defined twice (first at ",
                                                 Where(it->second), ")"));
        }
        if (policy_->rules.size() == options_.max_rules) {
          Error(node.location, absl::StrCat("more than ", options_.max_rules,
                                            " rules (CompileOptions::max_rules)"));
        }
        CheckRule(node);
      }
    }
  }

  void CheckRule(const RuleNode& node) {
    CheckedRule rule;
    rule.name = node.name;
    rule.effect = node.allow ? Effect::kAllow : Effect::kDeny;
    rule.reason = node.reason;
    rule.location = node.location;
    References references;
    if (node.when.has_value()) rule.when = CheckExpr(*node.when, &references);
    if (node.unless.has_value()) rule.unless = CheckExpr(*node.unless, &references);
    CheckObligations(node, &rule);
    rule.conjuncts = ConjunctsOf(node);
    policy_->rules.push_back(std::move(rule));
    references.Seal();
    rule_references_.push_back(std::move(references));
  }

  void CheckObligations(const RuleNode& node, CheckedRule* rule) {
    absl::flat_hash_set<absl::string_view> keys_here;
    for (const ObligationNode& obligation : node.obligations) {
      if (!keys_here.insert(obligation.key).second) {
        Error(obligation.location,
              absl::StrCat("obligation '", obligation.key, "' is repeated in this 'with'"));
        continue;
      }
      const LiteralNode& value = obligation.value;
      auto [it, inserted] = obligation_kinds_.emplace(
          obligation.key, std::make_pair(value.kind, obligation.location));
      if (!inserted && it->second.first != value.kind) {
        Error(value.location,
              absl::StrCat("obligation '", obligation.key, "' is ", LiteralKindName(value.kind),
                           " here but ", LiteralKindName(it->second.first), " at ",
                           Where(it->second.second)));
        continue;
      }
      rule->obligations.push_back({obligation.key, ObligationOf(value)});
    }
    // By key: the explanation lists obligations by key, and a record merged
    // from one rule's obligations in that order is already sorted, so
    // nothing moves (sorting the record's entries, each a key and a value
    // that may hold strings, cost an allowed decision's explanation ~170
    // instructions). Keys are distinct here, so the order is total.
    std::sort(rule->obligations.begin(), rule->obligations.end(),
              [](const Obligation& a, const Obligation& b) { return a.key < b.key; });
  }

  static ObligationLiteral ObligationOf(const LiteralNode& value) {
    switch (value.kind) {
      case LiteralNode::Kind::kInt: return value.int_value;
      case LiteralNode::Kind::kNumber: return value.number_value;
      case LiteralNode::Kind::kDuration: return DurationSeconds{value.int_value};
      case LiteralNode::Kind::kBool: return value.bool_value;
      default: return value.string_value;
    }
  }

  // why_not conjuncts (SPEC §5): the operands of the top-level `and` of
  // `when` (outer parentheses do not hide it), then `not (unless)`.
  static std::vector<Conjunct> ConjunctsOf(const RuleNode& node) {
    std::vector<Conjunct> conjuncts;
    if (node.when.has_value()) {
      const ExprNode& when = StripGroups(*node.when);
      if (when.kind == Kind::kAnd) {
        for (size_t i = 0; i < when.children.size(); ++i) {
          conjuncts.push_back({Conjunct::Source::kWhenChild, static_cast<uint32_t>(i),
                               PrintExpr(when.children[i]), when.children[i].location});
        }
      } else {
        conjuncts.push_back(
            {Conjunct::Source::kWhenWhole, 0, PrintExpr(when), node.when->location});
      }
    }
    if (node.unless.has_value()) {
      conjuncts.push_back({Conjunct::Source::kNotUnless, 0,
                           absl::StrCat("not (", PrintExpr(*node.unless), ")"),
                           node.unless->location});
    }
    return conjuncts;
  }

  static const ExprNode& StripGroups(const ExprNode& expr) {
    return expr.kind == Kind::kGroup ? StripGroups(expr.children[0]) : expr;
  }

  // --------------------------------------------------------- expressions

  std::optional<Expr> CheckExpr(const ExprNode& node, References* references) {
    Expr expr;
    expr.location = node.location;
    switch (node.kind) {
      case Kind::kTrue:
      case Kind::kFalse:
        expr.kind = ExprKind::kConstant;
        expr.constant = node.kind == Kind::kTrue;
        return expr;
      case Kind::kGroup: {
        std::optional<Expr> inner = CheckExpr(node.children[0], references);
        if (inner.has_value()) inner->location = node.location;
        return inner;
      }
      case Kind::kNot:
      case Kind::kAnd:
      case Kind::kOr:
        return CheckConnective(node, references);
      case Kind::kHas: {
        std::optional<uint32_t> slot = ResolveAttribute(node.path, node.path_location);
        if (!slot.has_value()) return std::nullopt;
        references->slots.push_back(*slot);
        expr.kind = ExprKind::kHas;
        expr.slot = *slot;
        return expr;
      }
      case Kind::kName:
        return CheckName(node, references);
      case Kind::kComparison:
        return CheckComparison(node, references);
    }
    return std::nullopt;
  }

  std::optional<Expr> CheckConnective(const ExprNode& node, References* references) {
    Expr expr;
    expr.location = node.location;
    expr.kind = node.kind == Kind::kNot ? ExprKind::kNot
                : node.kind == Kind::kAnd ? ExprKind::kAnd : ExprKind::kOr;
    bool ok = true;
    for (const ExprNode& child : node.children) {
      std::optional<Expr> checked = CheckExpr(child, references);
      if (checked.has_value()) {
        expr.children.push_back(std::move(*checked));
      } else {
        ok = false;
      }
    }
    if (!ok) return std::nullopt;
    return expr;
  }

  // A bare name: a let, or a bool attribute used as a condition.
  std::optional<Expr> CheckName(const ExprNode& node, References* references) {
    Expr expr;
    expr.location = node.location;
    if (auto it = let_index_.find(node.path); it != let_index_.end()) {
      references->lets.push_back(it->second);
      expr.kind = ExprKind::kLetReference;
      expr.let = it->second;
      return expr;
    }
    std::optional<uint32_t> slot = schema_->Find(node.path);
    if (!slot.has_value()) {
      Error(node.location, absl::StrCat("unknown attribute or let '", node.path, "'"));
      return std::nullopt;
    }
    const Type& type = schema_->attributes[*slot].type;
    if (type.kind != TypeKind::kBool) {
      Error(node.location,
            absl::StrCat("'", node.path, "' is ", TypeName(type),
                         ", not bool: only a bool attribute can stand alone as a condition"));
      return std::nullopt;
    }
    references->slots.push_back(*slot);
    expr.kind = ExprKind::kBoolAttribute;
    expr.slot = *slot;
    return expr;
  }

  std::optional<uint32_t> ResolveAttribute(const std::string& path,
                                           const SourceLocation& location) {
    if (let_index_.contains(path)) {
      Error(location, absl::StrCat("'", path,
                                   "' is a let (a condition), not an attribute"));
      return std::nullopt;
    }
    std::optional<uint32_t> slot = schema_->Find(path);
    if (!slot.has_value()) Error(location, absl::StrCat("unknown attribute '", path, "'"));
    return slot;
  }

  std::optional<Expr> CheckComparison(const ExprNode& node, References* references) {
    std::optional<uint32_t> slot = ResolveAttribute(node.path, node.location);
    if (!slot.has_value()) return std::nullopt;
    const AttributeInfo& attribute = schema_->attributes[*slot];
    if (!OperatorApplies(attribute.type.kind, node.op)) {
      Error(node.op_location,
            absl::StrCat("operator '", OperatorSpelling(node.op), "' does not apply to '",
                         attribute.path, "' of type ", TypeName(attribute.type)));
      return std::nullopt;
    }
    Predicate predicate;
    predicate.slot = *slot;
    predicate.type = attribute.type.kind;
    predicate.op = node.op;
    if (!CheckOperand(attribute, node, &predicate.operand)) return std::nullopt;
    references->slots.push_back(*slot);
    if (predicate.operand.other_slot.has_value()) {
      references->slots.push_back(*predicate.operand.other_slot);
    }
    Expr expr;
    expr.kind = ExprKind::kPredicate;
    expr.location = node.location;
    expr.predicate = static_cast<uint32_t>(policy_->predicates.size());
    policy_->predicates.push_back(std::move(predicate));
    return expr;
  }

  bool CheckOperand(const AttributeInfo& attribute, const ExprNode& node, Operand* out) {
    const OperandNode& operand = *node.operand;
    if (operand.kind == OperandNode::Kind::kPath) return CheckPathOperand(attribute, node, out);
    if (TakesList(node.op) != (operand.kind == OperandNode::Kind::kList)) {
      Error(operand.location,
            absl::StrCat("'", OperatorSpelling(node.op), "' takes ",
                         TakesList(node.op) ? "a list such as [\"a\", \"b\"]" : "a single value",
                         TakesList(node.op) && node.op == Op::kWithin
                             ? " (a single CIDR is written [\"10.0.0.0/8\"])" : ""));
      return false;
    }
    if (operand.kind == OperandNode::Kind::kList) return CheckList(attribute, node, out);
    return CheckSingle(attribute, node.op, operand.literal, out);
  }

  // The right side is a bare name: an enum member, or another attribute.
  bool CheckPathOperand(const AttributeInfo& attribute, const ExprNode& node, Operand* out) {
    const OperandNode& operand = *node.operand;
    const std::optional<uint32_t> other = schema_->Find(operand.path);
    if (attribute.type.kind == TypeKind::kEnum) {
      const int member = MemberIndex(attribute.type, operand.path);
      if (member >= 0 && other.has_value()) {
        Error(operand.location,
              absl::StrCat("'", operand.path, "' is both a member of '", attribute.path,
                           "' and an attribute; rename one of them"));
        return false;
      }
      if (member >= 0) {
        if (TakesList(node.op)) {
          Error(operand.location, absl::StrCat("'", OperatorSpelling(node.op),
                                               "' takes a list such as [", operand.path, "]"));
          return false;
        }
        out->integer = member;
        return true;
      }
      if (!other.has_value()) {
        Error(operand.location,
              absl::StrCat("unknown member '", operand.path, "' of ", TypeName(attribute.type),
                           " (attribute '", attribute.path, "')"));
        return false;
      }
    }
    if (!other.has_value()) {
      Error(operand.location, absl::StrCat("unknown attribute '", operand.path, "'",
                                           attribute.type.kind == TypeKind::kString
                                               ? " (string values are quoted)" : ""));
      return false;
    }
    const AttributeInfo& other_attribute = schema_->attributes[*other];
    if (node.op != Op::kEqual && node.op != Op::kNotEqual) {
      Error(node.op_location, "two attributes can only be compared with == and !=");
      return false;
    }
    if (other_attribute.type != attribute.type) {
      Error(operand.location,
            absl::StrCat("cannot compare '", attribute.path, "' (", TypeName(attribute.type),
                         ") with '", other_attribute.path, "' (",
                         TypeName(other_attribute.type), ")"));
      return false;
    }
    out->other_slot = *other;
    return true;
  }

  static int MemberIndex(const Type& type, const std::string& name) {
    const auto it = std::find(type.enum_members.begin(), type.enum_members.end(), name);
    return it == type.enum_members.end() ? -1
                                         : static_cast<int>(it - type.enum_members.begin());
  }

  bool CheckSingle(const AttributeInfo& attribute, Op op, const LiteralNode& literal,
                   Operand* out) {
    switch (op) {
      case Op::kMatches: return CompileRegex(literal, out);
      case Op::kLike: return CompileGlob(literal, out);
      case Op::kStartsWith:
      case Op::kEndsWith:
      case Op::kContains:
        if (!ExpectString(literal, attribute)) return false;
        out->text = literal.string_value;
        return true;
      default: return ConvertScalar(attribute, literal, out);
    }
  }

  bool CheckList(const AttributeInfo& attribute, const ExprNode& node, Operand* out) {
    const OperandNode& operand = *node.operand;
    if (operand.list.size() > options_.max_list_elements) {
      Error(operand.location, absl::StrCat("list of ", operand.list.size(),
                                           " elements exceeds the limit of ",
                                           options_.max_list_elements));
      return false;
    }
    bool ok = true;
    for (const LiteralNode& element : operand.list) {
      if (node.op == Op::kWithin) {
        ok = AddCidr(element, attribute, out) && ok;
      } else if (node.op == Op::kContainsAny || node.op == Op::kContainsAll) {
        ok = ExpectString(element, attribute) && ok;
        out->texts.push_back(element.string_value);
      } else {
        ok = AddListScalar(attribute, element, out) && ok;
      }
    }
    return ok;
  }

  bool AddListScalar(const AttributeInfo& attribute, const LiteralNode& element, Operand* out) {
    Operand scalar;
    if (!ConvertScalar(attribute, element, &scalar)) return false;
    switch (attribute.type.kind) {
      case TypeKind::kNumber: out->numbers.push_back(scalar.number); break;
      case TypeKind::kString: out->texts.push_back(std::move(scalar.text)); break;
      default: out->integers.push_back(scalar.integer); break;  // int, duration, enum
    }
    return true;
  }

  bool AddCidr(const LiteralNode& element, const AttributeInfo& attribute, Operand* out) {
    if (!ExpectString(element, attribute)) return false;
    CidrParse parsed = ParseCidr(element.string_value);
    if (!parsed.cidr.has_value()) {
      Error(element.location, parsed.error);
      return false;
    }
    out->cidrs.push_back(*parsed.cidr);
    return true;
  }

  bool ExpectString(const LiteralNode& literal, const AttributeInfo& attribute) {
    if (literal.kind == LiteralNode::Kind::kString) return true;
    Error(literal.location, absl::StrCat("expected a string for '", attribute.path,
                                         "', got ", LiteralKindName(literal.kind), " ",
                                         literal.text));
    return false;
  }

  void TypeMismatch(const AttributeInfo& attribute, const LiteralNode& literal,
                    absl::string_view hint = "") {
    Error(literal.location, absl::StrCat("type mismatch: '", attribute.path, "' is ",
                                         TypeName(attribute.type), " but ", literal.text,
                                         " is ", LiteralKindName(literal.kind), hint));
  }

  // A literal of the attribute's own type, for ==, !=, ordering and `in`.
  bool ConvertScalar(const AttributeInfo& attribute, const LiteralNode& literal, Operand* out) {
    using LK = LiteralNode::Kind;
    switch (attribute.type.kind) {
      case TypeKind::kBool:
        if (literal.kind != LK::kBool) break;
        out->boolean = literal.bool_value;
        return true;
      case TypeKind::kInt:
        if (literal.kind != LK::kInt) break;
        out->integer = literal.int_value;
        return true;
      case TypeKind::kNumber:
        if (literal.kind != LK::kNumber && literal.kind != LK::kInt) break;
        out->number = literal.kind == LK::kInt ? static_cast<double>(literal.int_value)
                                               : literal.number_value;
        return true;
      case TypeKind::kDuration:
        if (literal.kind == LK::kInt) {
          TypeMismatch(attribute, literal,
                       " (a duration compares only with duration literals such as 30s or 5m)");
          return false;
        }
        if (literal.kind != LK::kDuration) break;
        out->integer = literal.int_value;
        return true;
      case TypeKind::kString:
        if (literal.kind != LK::kString) break;
        out->text = literal.string_value;
        return true;
      case TypeKind::kIp:
        return ConvertIp(attribute, literal, out);
      case TypeKind::kEnum:
        return ConvertMember(attribute, literal, out);
      case TypeKind::kStringSet:
        break;
    }
    TypeMismatch(attribute, literal);
    return false;
  }

  bool ConvertIp(const AttributeInfo& attribute, const LiteralNode& literal, Operand* out) {
    if (literal.kind != LiteralNode::Kind::kString) {
      TypeMismatch(attribute, literal, " (write an address as a string: \"10.0.0.1\")");
      return false;
    }
    std::optional<IpAddress> address = ParseIpAddress(literal.string_value);
    if (!address.has_value()) {
      Error(literal.location, absl::StrCat(literal.text, " is not an IP address"));
      return false;
    }
    out->ip = *address;
    return true;
  }

  bool ConvertMember(const AttributeInfo& attribute, const LiteralNode& literal, Operand* out) {
    if (literal.kind == LiteralNode::Kind::kString) {
      TypeMismatch(attribute, literal, " (enum members are written bare, without quotes)");
      return false;
    }
    if (literal.kind != LiteralNode::Kind::kName) {
      TypeMismatch(attribute, literal);
      return false;
    }
    const int member = MemberIndex(attribute.type, literal.string_value);
    if (member < 0) {
      Error(literal.location, absl::StrCat("unknown member '", literal.string_value, "' of ",
                                           TypeName(attribute.type), " (attribute '",
                                           attribute.path, "')"));
      return false;
    }
    out->integer = member;
    return true;
  }

  bool CompileRegex(const LiteralNode& literal, Operand* out) {
    if (literal.kind != LiteralNode::Kind::kString) {
      Error(literal.location, "'matches' takes a regular expression as a string");
      return false;
    }
    std::shared_ptr<const RE2> regex = CompiledRegex(literal);
    if (regex == nullptr) return false;  // over the total size, reported once
    if (!regex->ok()) {
      Error(literal.location, absl::StrCat("bad regex ", literal.text, ": ", regex->error()));
      return false;
    }
    out->regex = std::move(regex);
    out->text = literal.string_value;  // the source, so equal regexes can be shared
    return true;
  }

  // The pattern of `literal` compiled once, however many rules name it;
  // null once the patterns' total size is over its limit (reported at the
  // pattern that went over, and the patterns after it not compiled).
  std::shared_ptr<const RE2> CompiledRegex(const LiteralNode& literal) {
    std::shared_ptr<const RE2>& regex = regexes_[literal.string_value];
    if (regex != nullptr) return regex;
    if (regex_size_ > options_.max_total_regex_size) return nullptr;
    RE2::Options re2_options;
    re2_options.set_log_errors(false);
    re2_options.set_max_mem(options_.max_regex_memory);
    regex = CompileWholeStringRegex(literal.string_value, re2_options);
    if (!regex->ok()) return regex;
    regex_size_ += regex->ProgramSize();
    if (regex_size_ <= options_.max_total_regex_size) return regex;
    Error(literal.location,
          absl::StrCat("the policy's regexes compile to over ", options_.max_total_regex_size,
                       " instructions with this one (CompileOptions::max_total_regex_size)"));
    return nullptr;
  }

  bool CompileGlob(const LiteralNode& literal, Operand* out) {
    if (literal.kind != LiteralNode::Kind::kString) {
      Error(literal.location, "'like' takes a glob pattern as a string");
      return false;
    }
    std::string error;
    std::optional<Glob> glob = Glob::Compile(literal.string_value, &error);
    if (!glob.has_value()) {
      Error(literal.location, absl::StrCat("bad glob ", literal.text, ": ", error));
      return false;
    }
    out->glob = std::make_shared<const Glob>(std::move(*glob));
    out->text = literal.string_value;  // the source, so equal globs can be shared
    return true;
  }

  // ------------------------------------------------------- global passes

  // Lets may refer to lets in any order, so the reference graph is walked
  // with an explicit stack: a hostile policy's 200,000-let chain must be a
  // diagnostic, not a stack overflow. Returns the lets in post-order
  // (every let after the lets it refers to).
  std::vector<uint32_t> CheckLetCycles() {
    enum class Mark { kNew, kActive, kDone };
    std::vector<Mark> marks(let_nodes_.size(), Mark::kNew);
    std::vector<uint32_t> post_order;
    struct Frame {
      uint32_t let;
      std::vector<uint32_t>::const_iterator next;
    };
    for (uint32_t root = 0; root < let_nodes_.size(); ++root) {
      if (marks[root] != Mark::kNew) continue;
      std::vector<Frame> stack = {{root, let_references_[root].lets.begin()}};
      marks[root] = Mark::kActive;
      while (!stack.empty()) {
        Frame& frame = stack.back();
        if (frame.next == let_references_[frame.let].lets.end()) {
          marks[frame.let] = Mark::kDone;
          post_order.push_back(frame.let);
          stack.pop_back();
          continue;
        }
        const uint32_t next = *frame.next++;
        if (marks[next] == Mark::kActive) {
          std::vector<uint32_t> path;
          for (const Frame& open : stack) path.push_back(open.let);
          ReportCycle(path, next);
        } else if (marks[next] == Mark::kNew) {
          marks[next] = Mark::kActive;
          stack.push_back({next, let_references_[next].lets.begin()});
        }
      }
    }
    return post_order;
  }

  // The nesting of a condition with the lets it uses expanded in place.
  int ExpandedDepth(const Expr& expr, const std::vector<int>& let_depth) const {
    if (expr.kind == ExprKind::kLetReference) return 1 + let_depth[expr.let];
    int deepest = 0;
    for (const Expr& child : expr.children) {
      deepest = std::max(deepest, ExpandedDepth(child, let_depth));
    }
    return 1 + deepest;
  }

  void CheckConditionDepth(const std::vector<uint32_t>& post_order) {
    const int limit = options_.max_condition_depth;
    std::vector<int> let_depth(let_nodes_.size(), 0);
    for (uint32_t let : post_order) {
      let_depth[let] = ExpandedDepth(policy_->lets[let].expr, let_depth);
    }
    // One diagnostic is enough: a long chain would otherwise report every
    // let on it.
    for (uint32_t let = 0; let < let_nodes_.size(); ++let) {
      if (let_depth[let] <= limit) continue;
      Error(policy_->lets[let].location,
            absl::StrCat("let '", policy_->lets[let].name, "' nests ", let_depth[let],
                         " levels deep through the lets it uses, over the limit of ", limit,
                         " (CompileOptions::max_condition_depth)"));
      return;
    }
    for (const CheckedRule& rule : policy_->rules) {
      for (const std::optional<Expr>* part : {&rule.when, &rule.unless}) {
        if (!part->has_value() || ExpandedDepth(**part, let_depth) <= limit) continue;
        Error(rule.location, absl::StrCat("rule '", rule.name,
                                          "' nests deeper than the limit of ", limit,
                                          " through the lets it uses"));
        return;
      }
    }
  }

  void ReportCycle(const std::vector<uint32_t>& path, uint32_t repeated) {
    const auto start = std::find(path.begin(), path.end(), repeated);
    std::vector<std::string> names;
    for (auto it = start; it != path.end(); ++it) names.push_back(policy_->lets[*it].name);
    names.push_back(policy_->lets[repeated].name);
    // A cycle through thousands of lets stays a one-line message.
    constexpr size_t kShown = 8;
    if (names.size() > 2 * kShown) {
      const size_t hidden = names.size() - 2 * kShown;
      names.erase(names.begin() + kShown, names.end() - kShown);
      names.insert(names.begin() + kShown, absl::StrCat("... (", hidden, " more)"));
    }
    Error(policy_->lets[repeated].location,
          absl::StrCat("let '", policy_->lets[repeated].name,
                       "' is defined in terms of itself: ", absl::StrJoin(names, " -> ")));
  }

  // `missing` candidates: what rules read, directly or through their lets.
  void ComputeReferencedSlots() {
    std::vector<bool> slot_seen(schema_->attributes.size(), false);
    std::vector<bool> let_seen(let_nodes_.size(), false);
    std::vector<uint32_t> pending;
    std::vector<uint32_t>& slots = policy_->referenced_slots;
    auto add = [&](const References& references) {
      for (const uint32_t slot : references.slots) {
        if (!slot_seen[slot]) slots.push_back(slot);
        slot_seen[slot] = true;
      }
      pending.insert(pending.end(), references.lets.begin(), references.lets.end());
    };
    for (const References& references : rule_references_) add(references);
    while (!pending.empty()) {
      const uint32_t let = pending.back();
      pending.pop_back();
      if (let_seen[let]) continue;
      let_seen[let] = true;
      add(let_references_[let]);
    }
    std::sort(policy_->referenced_slots.begin(), policy_->referenced_slots.end(),
              [this](uint32_t a, uint32_t b) {
                return schema_->attributes[a].path < schema_->attributes[b].path;
              });
  }

  const std::vector<ParsedFile>& files_;
  const CompileOptions& options_;
  std::vector<Diagnostic>* diagnostics_;
  std::shared_ptr<CheckedPolicy> policy_;
  std::vector<std::optional<LineIndex>> line_indexes_;  // by file, see LinesOf
  const Schema* schema_ = nullptr;
  bool failed_ = false;

  absl::flat_hash_map<std::string, uint32_t> let_index_;
  std::vector<const LetNode*> let_nodes_;
  std::vector<References> let_references_;
  std::vector<References> rule_references_;
  // Keyed by views of the keys in files_, which outlive the check.
  absl::flat_hash_map<absl::string_view, std::pair<LiteralNode::Kind, SourceLocation>>
      obligation_kinds_;
  // CompiledRegex: by pattern, and their RE2::ProgramSize in all.
  absl::flat_hash_map<std::string, std::shared_ptr<const RE2>> regexes_;
  int64_t regex_size_ = 0;
};

}  // namespace

std::string CheckedPolicy::FormatLocation(const SourceLocation& location) const {
  std::string text;
  AssignLocation(location, &text);
  return text;
}

// "file:line:column", by hand: an explanation renders one location per
// determining rule and per failed why_not condition into a reused string,
// and StrAppend's general pieces (sizing, a zero-filling resize, then the
// copies) cost ~250 instructions each, an eighth of explaining a decision.
// The numbers are written backwards into a buffer and appended at once.
void CheckedPolicy::AssignLocation(const SourceLocation& location, std::string* out) const {
  static const std::string kNoFile;
  const std::string& file = location.file < file_names.size() ? file_names[location.file] : kNoFile;
  char tail[2 * 11];  // ":4294967295:4294967295"
  char* const end = tail + sizeof(tail);
  char* at = end;
  for (uint32_t value : {location.column, location.line}) {
    do {
      *--at = static_cast<char>('0' + value % 10);
      value /= 10;
    } while (value != 0);
    *--at = ':';
  }
  out->assign(file);
  out->append(at, static_cast<size_t>(end - at));
}

std::shared_ptr<CheckedPolicy> CheckPolicySet(const std::vector<ParsedFile>& files,
                                              const CompileOptions& options,
                                              std::vector<Diagnostic>* diagnostics) {
  return Checker(files, options, diagnostics).Run();
}

}  // namespace writ::internal
