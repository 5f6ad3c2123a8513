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

// Literals W002 may build in all, allows x denies: a few seconds at most.
constexpr size_t kShadowWorkBudget = size_t{1} << 22;

class Analyzer {
 public:
  Analyzer(const CheckedPolicy& policy, const std::vector<std::string>& texts,
           const AnalyzeOptions& options)
      : policy_(policy), texts_(texts), options_(options), forms_(policy) {
    for (const std::string& text : texts_) {
      tokens_.push_back(Tokenize(text));
      lines_.emplace_back(text);
    }
  }

  std::vector<Diagnostic> Run() {
    CheckUnsatisfiableLets();
    for (uint32_t index = 0; index < policy_.rules.size(); ++index) {
      CheckUnsatisfiableRule(index);
      CheckDenyAlwaysApplies(index);
    }
    for (uint32_t index = 0; index < policy_.rules.size(); ++index) CheckShadowedAllow(index);
    NoteSkippedShadowChecks();
    NoteLetBudgetSkips();
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
    KeepSourceLine(lines_[location.file].Line(location.line), &diagnostic);
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
    // A condition of thousands of tests on one attribute would otherwise
    // make a warning of megabytes (100,000 atoms: 1.5 MB).
    constexpr size_t kAtomsListed = 8;
    if (atoms.size() > kAtomsListed) {
      const size_t more = atoms.size() - kAtomsListed;
      atoms.resize(kAtomsListed);
      atoms.push_back(absl::StrCat("and ", more, " more"));
    }
    return absl::StrCat(" (", absl::StrJoin(atoms, ", "), " cannot all be true)");
  }

  // ------------------------------------------------------------- checks

  // A note (N002, given without --notes: a warning may be missing) that
  // `check` was skipped for `what`, and why.
  void NoteSkipped(const SourceLocation& location, Span span, const std::string& check,
                   const std::string& what, const std::string& why) {
    Report(location, At(Severity::kNote, "N002", location, span,
                        absl::StrCat(check, " was not checked for ", what, ": ", why)));
  }

  // A "maybe satisfiable" answer about a form cut at kMaxLiterals proves
  // nothing: say so rather than stay silent.
  void NoteIfOverBudget(const SourceLocation& location, Span span, const std::string& check,
                        const std::string& what) {
    if (!forms_.TakeOverBudget()) return;
    if (forms_.LetBudgetSpent()) {
      SkipForLetBudget(location, span, check, what);
      return;
    }
    NoteSkipped(location, span, check, what,
                absl::StrCat("its condition is too large to analyse (over ", kMaxTerms,
                             " terms or ", kMaxLiterals, " atoms in normal form)"));
  }

  // Once NormalForms has spent its let budget, every check of a condition
  // that names a let is skipped: one note (N002) at the first, with a count
  // of the rest, rather than one per rule of a policy that may have
  // thousands.
  void SkipForLetBudget(const SourceLocation& location, Span span, const std::string& check,
                        const std::string& what) {
    if (let_budget_skips_++ == 0) first_let_budget_skip_ = {location, span, check, what};
  }

  void NoteLetBudgetSkips() {
    if (let_budget_skips_ == 0) return;
    const SkippedCheck& first = first_let_budget_skip_;
    NoteSkipped(first.location, first.span, first.check,
                absl::StrCat(first.what, let_budget_skips_ > 1
                                             ? absl::StrCat(" and ", let_budget_skips_ - 1,
                                                            " later checks")
                                             : ""),
                absl::StrCat("the lets named by conditions have been expanded into them past "
                             "the analysis's budget of ",
                             kMaxLetLiteralsCopied, " atoms"));
  }

  void CheckUnsatisfiableLets() {
    for (const Let& let : policy_.lets) {
      forms_.TakeOverBudget();
      const Dnf dnf = forms_.Of(let.expr, false);
      if (MaybeSatisfiable(policy_, dnf)) {
        // Over budget only through a let it names: that let's note says it.
        if (forms_.WeakenedOutsideLets()) {
          NoteIfOverBudget(let.location, Span::kToken, "W001 (never true)",
                           absl::StrCat("let '", let.name, "'"));
        }
        continue;
      }
      Report(let.location,
             At(Severity::kWarning, "W001", let.location, Span::kToken,
                absl::StrCat("let '", let.name, "' is never true", WhyNever(dnf))));
    }
  }

  void CheckUnsatisfiableRule(uint32_t index) {
    const CheckedRule& rule = policy_.rules[index];
    forms_.TakeOverBudget();
    const Dnf dnf = forms_.OfRule(rule, false);
    if (MaybeSatisfiable(policy_, dnf)) {
      NoteIfOverBudget(ConditionLocation(rule), Span::kCondition, "W001 (never true)",
                       absl::StrCat(EffectWord(rule), " rule '", rule.name, "'"));
      return;
    }
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
    forms_.TakeOverBudget();
    Dnf negated = forms_.OfRule(rule, true);
    if (MaybeSatisfiable(policy_, negated)) {
      NoteIfOverBudget(rule.location, Span::kRuleHead, "W003 (deny always applies)",
                       absl::StrCat("deny rule '", rule.name, "'"));
      AddShadowCandidate(index, std::move(negated));
      return;
    }
    Report(rule.location,
           At(Severity::kWarning, "W003", rule.location, Span::kRuleHead,
              absl::StrCat("deny rule '", rule.name,
                           "' applies to every request (its condition is never false): "
                           "the policy denies everything")));
  }

  // The attributes a normal form's literals read.
  std::set<uint32_t> SlotsOf(const Dnf& dnf) const {
    std::set<uint32_t> slots;
    for (const Term& term : dnf) {
      for (const Literal& literal : term) {
        slots.insert(literal.slot);
        if (literal.kind == Literal::Kind::kOpaque) {
          slots.insert(*policy_.predicates[literal.predicate].operand.other_slot);
        }
      }
    }
    return slots;
  }

  // A deny that some request makes false, kept (with its negated form) for
  // CheckShadowedAllow and indexed by the attributes it reads.
  void AddShadowCandidate(uint32_t index, Dnf negated) {
    const auto position = static_cast<uint32_t>(deny_forms_.size());
    for (uint32_t slot : SlotsOf(negated)) denies_reading_[slot].push_back(position);
    deny_forms_.push_back({index, std::move(negated)});
  }

  // An allow is shadowed by a deny when no request makes the allow's
  // condition true and the deny's false: then, whenever the allow applies,
  // the deny's condition is true or unknown, and the deny applies.
  //
  // Only denies reading one of the allow's attributes are tried: contradictions
  // are found per attribute, so a satisfiable term of the allow and one of the
  // deny's negation that share no attribute are satisfiable together. Pairs
  // left are still allows x denies, so they share a work budget; past it the
  // check is skipped for the remaining allows, with a note (N002).
  void CheckShadowedAllow(uint32_t index) {
    const CheckedRule& allow = policy_.rules[index];
    if (allow.effect != Effect::kAllow || never_true_.contains(index)) return;
    forms_.TakeOverBudget();
    const Dnf applies = forms_.OfRule(allow, false);
    if (forms_.TakeOverBudget() && forms_.LetBudgetSpent()) {
      SkipForLetBudget(allow.location, Span::kRuleHead, "W002 (shadowed allow)",
                       absl::StrCat("allow rule '", allow.name, "'"));
      return;
    }
    for (uint32_t position : ShadowCandidates(SlotsOf(applies))) {
      if (shadow_work_ > kShadowWorkBudget) {
        if (shadow_skipped_++ == 0) first_skipped_ = index;
        return;
      }
      const DenyForm& deny_form = deny_forms_[position];
      const Dnf both = Conjoin(applies, deny_form.negated);
      shadow_work_ += LiteralCountOf(both) + 1;
      if (MaybeSatisfiable(policy_, both)) continue;
      const CheckedRule& deny = policy_.rules[deny_form.rule];
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

  // Positions in deny_forms_ (so in source order) of the denies that read
  // one of `slots`; past the budget only the first (a skipped allow is one
  // with a candidate, and listing them all would be allows x denies again).
  std::vector<uint32_t> ShadowCandidates(const std::set<uint32_t>& slots) const {
    std::vector<uint32_t> candidates;
    for (uint32_t slot : slots) {
      const auto it = denies_reading_.find(slot);
      if (it == denies_reading_.end()) continue;
      if (shadow_work_ > kShadowWorkBudget) return {it->second.front()};
      candidates.insert(candidates.end(), it->second.begin(), it->second.end());
    }
    std::sort(candidates.begin(), candidates.end());
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
    return candidates;
  }

  static size_t LiteralCountOf(const Dnf& dnf) {
    size_t count = 0;
    for (const Term& term : dnf) count += term.size();
    return count;
  }

  void NoteSkippedShadowChecks() {
    if (shadow_skipped_ == 0) return;
    const CheckedRule& first = policy_.rules[first_skipped_];
    NoteSkipped(first.location, Span::kRuleHead, "W002 (shadowed allow)",
                absl::StrCat("allow rule '", first.name, "'",
                             shadow_skipped_ > 1
                                 ? absl::StrCat(" and ", shadow_skipped_ - 1, " later ones")
                                 : ""),
                "comparing every allow with every deny is over its work budget");
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
  // `has` conjunct guards. Each let is visited once (`lets`): both are
  // unions, and lets that name a let twice would double the walk per link.
  void CollectReads(const Expr& expr, std::set<uint32_t>* slots,
                    std::set<uint32_t>* lets) const {
    switch (expr.kind) {
      case ExprKind::kBoolAttribute: slots->insert(expr.slot); break;
      case ExprKind::kPredicate: {
        const Predicate& predicate = policy_.predicates[expr.predicate];
        slots->insert(predicate.slot);
        if (predicate.operand.other_slot) slots->insert(*predicate.operand.other_slot);
        break;
      }
      case ExprKind::kLetReference:
        if (lets->insert(expr.let).second) CollectReads(policy_.lets[expr.let].expr, slots, lets);
        break;
      default:
        for (const Expr& child : expr.children) CollectReads(child, slots, lets);
    }
  }

  void CollectGuards(const Expr& expr, std::set<uint32_t>* slots,
                     std::set<uint32_t>* lets) const {
    if (expr.kind == ExprKind::kHas) slots->insert(expr.slot);
    if (expr.kind == ExprKind::kLetReference && lets->insert(expr.let).second) {
      CollectGuards(policy_.lets[expr.let].expr, slots, lets);
    }
    if (expr.kind == ExprKind::kAnd) {
      for (const Expr& child : expr.children) CollectGuards(child, slots, lets);
    }
  }

  void CheckUnguardedDeny(const CheckedRule& rule) {
    if (rule.effect != Effect::kDeny) return;
    std::set<uint32_t> reads;
    std::set<uint32_t> guarded;
    std::set<uint32_t> read_lets;
    std::set<uint32_t> guard_lets;
    if (rule.when) {
      CollectReads(*rule.when, &reads, &read_lets);
      CollectGuards(*rule.when, &guarded, &guard_lets);
    }
    if (rule.unless) CollectReads(*rule.unless, &reads, &read_lets);
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
  std::vector<LineIndex> lines_;  // per file
  NormalForms forms_;
  std::set<uint32_t> never_true_;
  // The denies CheckShadowedAllow tries: those some request makes false.
  struct DenyForm {
    uint32_t rule = 0;
    Dnf negated;
  };
  std::vector<DenyForm> deny_forms_;
  std::map<uint32_t, std::vector<uint32_t>> denies_reading_;  // slot -> deny_forms_ positions
  size_t shadow_work_ = 0;  // literals in the allow-and-not-deny forms tried
  size_t shadow_skipped_ = 0;
  uint32_t first_skipped_ = 0;
  struct SkippedCheck {
    SourceLocation location;
    Span span = Span::kToken;
    std::string check;
    std::string what;
  };
  size_t let_budget_skips_ = 0;  // checks skipped once the let budget was spent
  SkippedCheck first_let_budget_skip_;
  std::vector<std::pair<SourceLocation, Diagnostic>> found_;
};

}  // namespace

std::vector<Diagnostic> AnalyzePolicy(const CheckedPolicy& policy,
                                      const std::vector<std::string>& texts,
                                      const AnalyzeOptions& options) {
  return Analyzer(policy, texts, options).Run();
}

}  // namespace writ::internal
