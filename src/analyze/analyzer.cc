#include "src/analyze/analyzer.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "src/analyze/satisfiability.h"
#include "src/parse/parser.h"
#include "src/parse/tokens.h"

namespace writ::internal {
namespace {

// How much of the source a diagnostic underlines.
enum class Span { kToken, kRuleHead, kAtom, kCondition };

bool Before(const SourceLocation& a, const SourceLocation& b) {
  return std::tie(a.file, a.line, a.column) < std::tie(b.file, b.line, b.column);
}

class Analyzer {
 public:
  Analyzer(const CheckedPolicy& policy, const std::vector<std::string>& texts,
           const AnalyzeOptions& options)
      : policy_(policy), texts_(texts), options_(options) {
    for (const std::string& text : texts_) tokens_.push_back(Tokenize(text));
  }

  std::vector<Diagnostic> Run() {
    CheckUnsatisfiableLets();
    for (uint32_t index = 0; index < policy_.rules.size(); ++index) {
      CheckUnsatisfiableRule(index);
      CheckDenyAlwaysApplies(index);
    }
    for (uint32_t index = 0; index < policy_.rules.size(); ++index) CheckShadowedAllow(index);
    CheckDuplicateRules();
    CheckUnusedLets();
    for (const CheckedRule& rule : policy_.rules) CheckDenyObligations(rule);
    if (options_.notes) {
      for (const CheckedRule& rule : policy_.rules) CheckUnguardedDeny(rule);
    }
    std::stable_sort(found_.begin(), found_.end(),
                     [](const auto& a, const auto& b) { return Before(a.first, b.first); });
    std::vector<Diagnostic> out;
    for (auto& [location, diagnostic] : found_) out.push_back(std::move(diagnostic));
    return out;
  }

 private:
  // ------------------------------------------------------------ reporting

  Diagnostic At(Severity severity, const char* code, const SourceLocation& location,
                Span span, std::string message) const {
    Diagnostic diagnostic;
    diagnostic.severity = severity;
    diagnostic.code = code;
    diagnostic.message = std::move(message);
    if (location.file >= texts_.size()) return diagnostic;
    diagnostic.file = policy_.file_names[location.file];
    diagnostic.line = static_cast<int>(location.line);
    diagnostic.column = static_cast<int>(location.column);
    diagnostic.source_line = std::string(SourceLine(texts_[location.file], location.line));
    const std::vector<Token>& tokens = tokens_[location.file];
    const size_t begin = TokenAt(tokens, location.line, location.column);
    const size_t end = span == Span::kToken      ? begin + 1
                       : span == Span::kRuleHead ? begin + 2  // `allow name`
                       : span == Span::kAtom     ? AtomEnd(tokens, begin)
                                                 : ConditionEnd(tokens, begin);
    diagnostic.end_column = static_cast<int>(SpanEndColumn(tokens, begin, end));
    return diagnostic;
  }

  void Report(const SourceLocation& location, Diagnostic diagnostic) {
    found_.emplace_back(location, std::move(diagnostic));
  }

  Diagnostic RuleNote(const CheckedRule& rule, std::string message) const {
    return At(Severity::kNote, "", rule.location, Span::kRuleHead, std::move(message));
  }

  // The atom at `location` as written, canonically spaced.
  std::string AtomText(const SourceLocation& location) const {
    if (location.file >= tokens_.size()) return "";
    const std::vector<Token>& tokens = tokens_[location.file];
    const size_t begin = TokenAt(tokens, location.line, location.column);
    return JoinTokens(tokens, begin, AtomEnd(tokens, begin));
  }

  static const char* EffectWord(const CheckedRule& rule) {
    return rule.effect == Effect::kAllow ? "allow" : "deny";
  }

  SourceLocation ConditionLocation(const CheckedRule& rule) const {
    if (rule.when.has_value()) return rule.when->location;
    if (rule.unless.has_value()) return rule.unless->location;
    return rule.location;
  }

  // " ('a' contradicts 'b')", when one term of the normal form explains it.
  std::string WhyNever(const Dnf& dnf) const {
    if (dnf.size() != 1) return "";
    const std::optional<Contradiction> contradiction = FindContradiction(policy_, dnf[0]);
    if (!contradiction.has_value()) return "";
    std::vector<std::string> atoms;
    std::set<std::string> seen;
    for (const Literal& literal : contradiction->literals) {
      std::string text = AtomText(literal.location);
      // A literal under a `not` written elsewhere (an unless, a let).
      if (!literal.positive && text.rfind("not ", 0) != 0) text = absl::StrCat("not ", text);
      if (seen.insert(text).second) atoms.push_back(absl::StrCat("'", text, "'"));
    }
    if (atoms.size() == 1) return absl::StrCat(" (", atoms[0], " is never true)");
    if (atoms.size() == 2) return absl::StrCat(" (", atoms[0], " contradicts ", atoms[1], ")");
    return absl::StrCat(" (", absl::StrJoin(atoms, ", "), " cannot all be true)");
  }

  // ------------------------------------------------------------- checks

  void CheckUnsatisfiableLets() {
    for (const Let& let : policy_.lets) {
      const Dnf dnf = ToDnf(policy_, let.expr, false);
      if (MaybeSatisfiable(policy_, dnf)) continue;
      Report(let.location,
             At(Severity::kWarning, "W001", let.location, Span::kToken,
                absl::StrCat("let '", let.name, "' is never true", WhyNever(dnf))));
    }
  }

  void CheckUnsatisfiableRule(uint32_t index) {
    const CheckedRule& rule = policy_.rules[index];
    const Dnf dnf = RuleDnf(policy_, rule, false);
    if (MaybeSatisfiable(policy_, dnf)) return;
    never_true_.insert(index);
    const std::string head = rule.effect == Effect::kAllow
                                 ? absl::StrCat("allow rule '", rule.name, "' never applies")
                                 : absl::StrCat("deny rule '", rule.name,
                                                "' applies only when indeterminate");
    const SourceLocation location = ConditionLocation(rule);
    Report(location, At(Severity::kWarning, "W001", location, Span::kCondition,
                        absl::StrCat(head, ": its condition is never true", WhyNever(dnf))));
  }

  void CheckDenyAlwaysApplies(uint32_t index) {
    const CheckedRule& rule = policy_.rules[index];
    if (rule.effect != Effect::kDeny) return;
    if (MaybeSatisfiable(policy_, RuleDnf(policy_, rule, true))) return;
    always_denies_.insert(index);
    Report(rule.location,
           At(Severity::kWarning, "W003", rule.location, Span::kRuleHead,
              absl::StrCat("deny rule '", rule.name,
                           "' applies to every request (its condition is never false): "
                           "the policy denies everything")));
  }

  // An allow is shadowed by a deny when no request makes the allow's
  // condition true and the deny's false: then, whenever the allow applies,
  // the deny's condition is true or unknown, and the deny applies.
  void CheckShadowedAllow(uint32_t index) {
    const CheckedRule& allow = policy_.rules[index];
    if (allow.effect != Effect::kAllow || never_true_.contains(index)) return;
    const Dnf applies = RuleDnf(policy_, allow, false);
    for (uint32_t other = 0; other < policy_.rules.size(); ++other) {
      const CheckedRule& deny = policy_.rules[other];
      if (deny.effect != Effect::kDeny || always_denies_.contains(other)) continue;
      if (MaybeSatisfiable(policy_, Conjoin(applies, RuleDnf(policy_, deny, true)))) continue;
      Diagnostic diagnostic =
          At(Severity::kWarning, "W002", allow.location, Span::kRuleHead,
             absl::StrCat("allow rule '", allow.name, "' can never be determining: deny rule '",
                          deny.name, "' applies whenever it does"));
      diagnostic.related.push_back(RuleNote(
          deny, absl::StrCat("deny rule '", deny.name, "' is here")));
      Report(allow.location, std::move(diagnostic));
      return;
    }
  }

  // A condition as a canonical string: `and`/`or` flattened and sorted,
  // atoms as written (single-spaced). Equal strings mean equivalent
  // conditions; different strings prove nothing (a sound approximation).
  std::string Canonical(const Expr& expr) const {
    switch (expr.kind) {
      case ExprKind::kConstant: return expr.constant ? "true" : "false";
      case ExprKind::kLetReference: return policy_.lets[expr.let].name;
      case ExprKind::kNot: return absl::StrCat("not ", Canonical(expr.children[0]));
      case ExprKind::kAnd:
      case ExprKind::kOr: {
        std::vector<std::string> parts;
        CollectCanonical(expr, expr.kind, &parts);
        std::sort(parts.begin(), parts.end());
        return absl::StrCat("(", absl::StrJoin(parts, expr.kind == ExprKind::kAnd ? " and " : " or "),
                            ")");
      }
      default: return AtomText(expr.location);
    }
  }

  void CollectCanonical(const Expr& expr, ExprKind kind, std::vector<std::string>* parts) const {
    for (const Expr& child : expr.children) {
      if (child.kind == kind) {
        CollectCanonical(child, kind, parts);
      } else {
        parts->push_back(Canonical(child));
      }
    }
  }

  void CheckDuplicateRules() {
    std::map<std::string, uint32_t> first_with;
    for (uint32_t index = 0; index < policy_.rules.size(); ++index) {
      const CheckedRule& rule = policy_.rules[index];
      const std::string key = absl::StrCat(
          EffectWord(rule), "|", rule.when ? Canonical(*rule.when) : "", "|",
          rule.unless ? Canonical(*rule.unless) : "");
      const auto [it, inserted] = first_with.emplace(key, index);
      if (inserted) continue;
      const CheckedRule& first = policy_.rules[it->second];
      Diagnostic diagnostic =
          At(Severity::kWarning, "W004", rule.location, Span::kRuleHead,
             absl::StrCat(EffectWord(rule), " rule '", rule.name, "' duplicates rule '",
                          first.name, "': same effect and the same condition"));
      diagnostic.related.push_back(
          RuleNote(first, absl::StrCat("rule '", first.name, "' is here")));
      Report(rule.location, std::move(diagnostic));
    }
  }

  void CollectLets(const Expr& expr, std::set<uint32_t>* lets) const {
    if (expr.kind == ExprKind::kLetReference && lets->insert(expr.let).second) {
      CollectLets(policy_.lets[expr.let].expr, lets);
    }
    for (const Expr& child : expr.children) CollectLets(child, lets);
  }

  void CheckUnusedLets() {
    std::set<uint32_t> used;
    for (const CheckedRule& rule : policy_.rules) {
      if (rule.when) CollectLets(*rule.when, &used);
      if (rule.unless) CollectLets(*rule.unless, &used);
    }
    for (uint32_t index = 0; index < policy_.lets.size(); ++index) {
      if (used.contains(index)) continue;
      const Let& let = policy_.lets[index];
      Report(let.location, At(Severity::kWarning, "W005", let.location, Span::kToken,
                              absl::StrCat("let '", let.name, "' is not used by any rule")));
    }
  }

  // Obligations are merged from the determining allow rules only (SPEC
  // §5): a deny's `with` is dead text that suggests otherwise. The message
  // names its first obligation by key (the checked rule keeps them so).
  void CheckDenyObligations(const CheckedRule& rule) {
    if (rule.effect != Effect::kDeny || rule.obligations.empty()) return;
    Report(rule.location,
           At(Severity::kWarning, "W006", rule.location, Span::kRuleHead,
              absl::StrCat("deny rule '", rule.name, "' has obligations ('with ",
                           rule.obligations.front().key,
                           " = ...'), but obligations are only returned with an allow")));
  }

  // Attributes a condition reads (through lets), and those a top-level
  // `has` conjunct guards.
  void CollectReads(const Expr& expr, std::set<uint32_t>* slots) const {
    switch (expr.kind) {
      case ExprKind::kBoolAttribute: slots->insert(expr.slot); break;
      case ExprKind::kPredicate: {
        const Predicate& predicate = policy_.predicates[expr.predicate];
        slots->insert(predicate.slot);
        if (predicate.operand.other_slot) slots->insert(*predicate.operand.other_slot);
        break;
      }
      case ExprKind::kLetReference: CollectReads(policy_.lets[expr.let].expr, slots); break;
      default:
        for (const Expr& child : expr.children) CollectReads(child, slots);
    }
  }

  void CollectGuards(const Expr& expr, std::set<uint32_t>* slots) const {
    if (expr.kind == ExprKind::kHas) slots->insert(expr.slot);
    if (expr.kind == ExprKind::kLetReference) CollectGuards(policy_.lets[expr.let].expr, slots);
    if (expr.kind == ExprKind::kAnd) {
      for (const Expr& child : expr.children) CollectGuards(child, slots);
    }
  }

  void CheckUnguardedDeny(const CheckedRule& rule) {
    if (rule.effect != Effect::kDeny) return;
    std::set<uint32_t> reads;
    std::set<uint32_t> guarded;
    if (rule.when) {
      CollectReads(*rule.when, &reads);
      CollectGuards(*rule.when, &guarded);
    }
    if (rule.unless) CollectReads(*rule.unless, &reads);
    std::vector<std::string> unguarded;
    for (uint32_t slot : reads) {
      if (!guarded.contains(slot)) {
        unguarded.push_back(absl::StrCat("'", policy_.schema->attributes[slot].path, "'"));
      }
    }
    if (unguarded.empty()) return;
    std::sort(unguarded.begin(), unguarded.end());
    Report(rule.location,
           At(Severity::kNote, "N001", rule.location, Span::kRuleHead,
              absl::StrCat("deny rule '", rule.name, "' reads ", absl::StrJoin(unguarded, ", "),
                           " without a 'has' guard: a request lacking ",
                           unguarded.size() == 1 ? "it" : "one of them",
                           " is denied (indeterminate)")));
  }

  const CheckedPolicy& policy_;
  const std::vector<std::string>& texts_;
  const AnalyzeOptions& options_;
  std::vector<std::vector<Token>> tokens_;
  std::set<uint32_t> never_true_;
  std::set<uint32_t> always_denies_;
  std::vector<std::pair<SourceLocation, Diagnostic>> found_;
};

}  // namespace

std::vector<Diagnostic> AnalyzePolicy(const CheckedPolicy& policy,
                                      const std::vector<std::string>& texts,
                                      const AnalyzeOptions& options) {
  return Analyzer(policy, texts, options).Run();
}

}  // namespace writ::internal
