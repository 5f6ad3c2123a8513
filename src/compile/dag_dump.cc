// DagProgram as text (`writ dag --format text`, the compiler tests) and as
// Graphviz DOT (`writ dag --format dot`).
//
// The text form lists every node once, atoms first as source-like
// conditions, connectives by their children's ids, with the number of
// parents of every shared node; then the rules and the guard indexes, so a
// reader sees which rules a request on a given value visits.
#include <algorithm>
#include <charconv>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "src/compile/dag_program.h"
#include "src/parse/printer.h"

namespace writ::internal {
namespace {

std::string FormatNumber(double value) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

std::string FormatDuration(int64_t seconds) {
  if (seconds != 0 && seconds % 86400 == 0) return absl::StrCat(seconds / 86400, "d");
  if (seconds != 0 && seconds % 3600 == 0) return absl::StrCat(seconds / 3600, "h");
  if (seconds != 0 && seconds % 60 == 0) return absl::StrCat(seconds / 60, "m");
  return absl::StrCat(seconds, "s");
}

std::string FormatCidr(const Cidr& cidr) {
  const bool v4 = cidr.network.is_v4() && cidr.prefix_length >= 96;
  return absl::StrCat(FormatIpAddress(cidr.network), "/",
                      v4 ? cidr.prefix_length - 96 : cidr.prefix_length);
}

std::string FormatMember(const Type& type, int64_t member) {
  if (member < 0 || static_cast<size_t>(member) >= type.enum_members.size()) return "?";
  return type.enum_members[member];
}

template <typename T, typename Format>
std::string FormatList(const std::vector<T>& values, Format format) {
  std::vector<std::string> parts;
  for (const T& value : values) parts.push_back(format(value));
  return absl::StrCat("[", absl::StrJoin(parts, ", "), "]");
}

bool TakesList(Operator op) {
  return op == Operator::kIn || op == Operator::kNotIn || op == Operator::kContainsAny ||
         op == Operator::kContainsAll || op == Operator::kWithin;
}

std::string FormatOperand(const Type& type, const Predicate& predicate) {
  const Operand& operand = predicate.operand;
  const bool list = TakesList(predicate.op);
  switch (type.kind) {
    case TypeKind::kBool: return operand.boolean ? "true" : "false";
    case TypeKind::kInt:
      return list ? FormatList(operand.integers, [](int64_t v) { return absl::StrCat(v); })
                  : absl::StrCat(operand.integer);
    case TypeKind::kDuration:
      return list ? FormatList(operand.integers, FormatDuration) : FormatDuration(operand.integer);
    case TypeKind::kNumber:
      return list ? FormatList(operand.numbers, FormatNumber) : FormatNumber(operand.number);
    case TypeKind::kEnum: {
      auto member = [&type](int64_t index) { return FormatMember(type, index); };
      return list ? FormatList(operand.integers, member) : member(operand.integer);
    }
    case TypeKind::kIp:
      return list ? FormatList(operand.cidrs, FormatCidr)
                  : absl::StrCat("\"", FormatIpAddress(operand.ip), "\"");
    case TypeKind::kString:
    case TypeKind::kStringSet:
      return list ? FormatList(operand.texts, [](const std::string& v) { return QuoteString(v); })
                  : QuoteString(operand.text);
  }
  return "";
}

std::string DescribePredicate(const CheckedPolicy& policy, const Predicate& predicate) {
  const Schema& schema = *policy.schema;
  const AttributeInfo& attribute = schema.attributes[predicate.slot];
  const std::string right =
      predicate.operand.other_slot.has_value()
          ? schema.attributes[*predicate.operand.other_slot].path
          : FormatOperand(attribute.type, predicate);
  return absl::StrCat(attribute.path, " ", OperatorSpelling(predicate.op), " ", right);
}

// Not writ::EffectName: that lives in explain/, which compile/ does not link.
const char* EffectWord(Effect effect) { return effect == Effect::kAllow ? "allow" : "deny"; }

std::string NodeName(uint32_t node) { return absl::StrCat("n", node); }

// How many connectives and rules point at each node.
std::vector<uint32_t> ParentCounts(const DagProgram& program) {
  std::vector<uint32_t> parents(program.nodes().size(), 0);
  for (const DagNode& node : program.nodes()) {
    ForEachChild(program, node, [&](uint32_t child) { ++parents[child]; });
  }
  for (const DagRule& rule : program.rules()) ++parents[rule.condition];
  // A residual condition is one more parent, once per rule however many
  // keys list it.
  absl::flat_hash_set<std::pair<uint32_t, uint32_t>> residuals;
  for (const ListedRule& listed : program.rule_lists()) {
    if (listed.condition != program.rules()[listed.rule].condition &&
        residuals.insert({listed.rule, listed.condition}).second) {
      ++parents[listed.condition];
    }
  }
  return parents;
}

std::string RuleNames(const DagProgram& program, RuleRange range) {
  std::vector<std::string> names;
  for (uint32_t i = range.begin; i < range.end; ++i) {
    const ListedRule& listed = program.rule_lists()[i];
    std::string name = program.policy().rules[listed.rule].name;
    // A residual condition: what is left once the key proved the guard.
    if (listed.condition != program.rules()[listed.rule].condition) {
      absl::StrAppend(&name, "(", NodeName(listed.condition), ")");
    }
    names.push_back(std::move(name));
  }
  return absl::StrJoin(names, " ");
}

const char* IndexKindWord(GuardKind kind) {
  switch (kind) {
    case GuardKind::kEquality: return "";
    case GuardKind::kDotSuffix: return " suffix";
    case GuardKind::kThreshold: return " threshold";
    case GuardKind::kCidr: return " cidr";
    case GuardKind::kPrefix: return " prefix";
    case GuardKind::kElement: return " element";
  }
  return "";
}

// One line per entry of a kThreshold side, in the order a value's
// satisfied prefix is cut: `>= 0.9 -> deny_00000`.
void DumpThresholdSide(const DagProgram& program, const AttributeInfo& attribute,
                       const ThresholdSide& side, bool above, std::string* out) {
  for (size_t i = 0; i < side.strict.size(); ++i) {
    const Operator op = above ? (side.strict[i] ? Operator::kGreater : Operator::kGreaterEqual)
                              : (side.strict[i] ? Operator::kLess : Operator::kLessEqual);
    std::string threshold;
    switch (attribute.type.kind) {
      case TypeKind::kNumber: threshold = FormatNumber(side.numbers[i]); break;
      case TypeKind::kDuration: threshold = FormatDuration(side.integers[i]); break;
      case TypeKind::kEnum: threshold = FormatMember(attribute.type, side.integers[i]); break;
      default: threshold = absl::StrCat(side.integers[i]); break;
    }
    const uint32_t entry = side.rules.begin + static_cast<uint32_t>(i);
    absl::StrAppend(out, "    ", OperatorSpelling(op), " ", threshold, " -> ",
                    RuleNames(program, RuleRange{entry, entry + 1}), "\n");
  }
}

// A TextTable key of `index` as source spells it: a quoted string, or an
// int or duration (IntegerKey).
std::string FormatKey(const GuardIndex& index, absl::string_view key) {
  if (index.type == TypeKind::kInt) return absl::StrCat(IntegerKey::Decode(key));
  if (index.type == TypeKind::kDuration) return FormatDuration(IntegerKey::Decode(key));
  return QuoteString(key);
}

// An index entry's indent: two spaces more per ancestor, so that a CIDR
// block inside another, or a prefix that starts with another, sits under it.
std::string NestedIndent(const std::vector<uint32_t>& parents, size_t entry, uint32_t root) {
  std::string indent = "    ";
  for (uint32_t up = parents[entry]; up != root; up = parents[up]) indent += "  ";
  return indent;
}

void DumpPlan(const DagProgram& program, const char* effect, const EffectPlan& plan,
              std::string* out) {
  const Schema& schema = *program.policy().schema;
  absl::StrAppend(out, "  ", effect, " unguarded: ", RuleNames(program, plan.unguarded), "\n");
  for (const GuardIndex& index : plan.indexes) {
    const AttributeInfo& attribute = schema.attributes[index.slot];
    absl::StrAppend(out, "  ", effect, " by ", attribute.path, IndexKindWord(index.kind), " (",
                    index.all.size(), " rules; absent or wrong-typed: ",
                    effect[0] == 'd' ? "all" : "none", ")\n");
    std::vector<std::pair<std::string, RuleRange>> entries;
    index.by_text.ForEach([&](absl::string_view key, RuleRange range) {
      entries.emplace_back(std::string(key), range);
    });
    const bool integers = index.type == TypeKind::kInt || index.type == TypeKind::kDuration;
    std::sort(entries.begin(), entries.end(), [integers](const auto& a, const auto& b) {
      return integers ? IntegerKey::Decode(a.first) < IntegerKey::Decode(b.first)
                      : a.first < b.first;
    });
    for (const auto& [key, range] : entries) {
      absl::StrAppend(out, "    ", FormatKey(index, key), " -> ", RuleNames(program, range), "\n");
    }
    for (size_t block = 0; block < index.cidrs.blocks.size(); ++block) {
      absl::StrAppend(out, NestedIndent(index.cidrs.parents, block, CidrTable::kNoBlock),
                      FormatCidr(index.cidrs.blocks[block]), " -> ",
                      RuleNames(program, index.cidrs.rules[block]), "\n");
    }
    for (size_t key = 0; key < index.prefixes.size(); ++key) {
      absl::StrAppend(out, NestedIndent(index.prefixes.parents, key, PrefixTable::kNoKey),
                      QuoteString(index.prefixes.Key(key)), " -> ",
                      RuleNames(program, index.prefixes.rules[key]), "\n");
    }
    DumpThresholdSide(program, attribute, index.above, true, out);
    DumpThresholdSide(program, attribute, index.below, false, out);
    for (size_t member = 0; member < index.by_member.size(); ++member) {
      if (index.by_member[member].empty()) continue;
      absl::StrAppend(out, "    ", attribute.type.enum_members[member], " -> ",
                      RuleNames(program, index.by_member[member]), "\n");
    }
  }
}

// An index's keys with their lists, as the text form names them: a
// quoted string, an integer or duration, a CIDR block, an enum member.
std::vector<std::pair<std::string, RuleRange>> KeyedLists(const DagProgram& program,
                                                          const GuardIndex& index) {
  const AttributeInfo& attribute = program.policy().schema->attributes[index.slot];
  std::vector<std::pair<std::string, RuleRange>> lists;
  index.by_text.ForEach([&](absl::string_view key, RuleRange range) {
    lists.emplace_back(FormatKey(index, key), range);
  });
  for (size_t block = 0; block < index.cidrs.blocks.size(); ++block) {
    lists.emplace_back(FormatCidr(index.cidrs.blocks[block]), index.cidrs.rules[block]);
  }
  for (size_t key = 0; key < index.prefixes.size(); ++key) {
    lists.emplace_back(QuoteString(index.prefixes.Key(key)), index.prefixes.rules[key]);
  }
  for (size_t member = 0; member < index.by_member.size(); ++member) {
    if (index.by_member[member].empty()) continue;
    lists.emplace_back(attribute.type.enum_members[member], index.by_member[member]);
  }
  return lists;
}

// "1 rule", "2 rules".
std::string Count(size_t count, const char* noun) {
  return absl::StrCat(count, " ", noun, count == 1 ? "" : "s");
}

// One line on what an index costs a request: how many rules it lists
// under how many keys, and the longest list, which is what a request on
// that key walks (each entry a screen, each that passes a body).
std::string IndexCost(const DagProgram& program, const GuardIndex& index) {
  const std::string rules = Count(index.all.size(), "rule");
  if (index.kind == GuardKind::kThreshold) {
    return absl::StrCat(rules, " by threshold, ", index.above.strict.size(), " above and ",
                        index.below.strict.size(),
                        " below; a value finds those it passes by binary search");
  }
  std::vector<std::pair<std::string, RuleRange>> lists = KeyedLists(program, index);
  std::string line = absl::StrCat(rules, " under ", Count(lists.size(), "key"));
  if (lists.empty()) return line;
  // The first longest list in key order, so that the line is stable.
  std::sort(lists.begin(), lists.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  size_t entries = 0;
  const std::pair<std::string, RuleRange>* longest = &lists.front();
  for (const auto& list : lists) {
    entries += list.second.size();
    if (list.second.size() > longest->second.size()) longest = &list;
  }
  absl::StrAppend(&line, "; ",
                  absl::StrFormat("%.1f", static_cast<double>(entries) / lists.size()),
                  " a key on average, at most ", longest->second.size(), " (", longest->first,
                  ")");
  if (index.text_screen_slot != GuardIndex::kNoSlot) {
    absl::StrAppend(&line, "; each screened by ",
                    program.policy().schema->attributes[index.text_screen_slot].path);
  }
  if (index.by_text.has_payloads()) absl::StrAppend(&line, "; lists inline after their keys");
  return line;
}

// The "candidates" section: per plan, the rules every request visits and
// what each index lists, so a reader sees at a glance why a policy's
// decisions are fast or slow (a long unguarded list, or a key that lists
// hundreds of rules) before reading the lists themselves.
void DumpCandidates(const DagProgram& program, std::string* out) {
  *out += "candidates\n";
  const std::pair<const char*, const EffectPlan*> plans[] = {
      {"deny", &program.deny_plan()}, {"allow", &program.allow_plan()}};
  for (const auto& [effect, plan] : plans) {
    absl::StrAppend(out, "  ", effect, " unguarded: ", Count(plan->unguarded.size(), "rule"),
                    ", visited by every request");
    if (!plan->compares.empty()) {
      absl::StrAppend(out, " (", plan->compares.size(), " screened by an interval)");
    }
    *out += "\n";
    for (const GuardIndex& index : plan->indexes) {
      absl::StrAppend(out, "  ", effect, " by ",
                      program.policy().schema->attributes[index.slot].path,
                      IndexKindWord(index.kind), ": ", IndexCost(program, index), "\n");
    }
  }
}

// Each listed rule's body, once per (rule, condition): its conjuncts in the
// order a decision tests them, a conjunct the node walk decides marked
// "(walk)" and a first test the list entry screens (ListedRule) marked
// "(screened)", so a reader sees what each candidate rule costs.
void DumpBodies(const DagProgram& program, std::string* out) {
  *out += "bodies\n";
  absl::flat_hash_set<std::pair<uint32_t, uint32_t>> seen;
  for (uint32_t i = 0; i < program.rule_lists().size(); ++i) {
    const ListedRule& listed = program.rule_lists()[i];
    if (!seen.insert({listed.rule, listed.condition}).second) continue;
    std::vector<std::string> tests;
    for (uint32_t test = listed.body.begin; test < listed.body.end; ++test) {
      const CompactAtom& atom = program.body_tests()[test];
      tests.push_back(atom.test == AtomTest::kGeneral
                          ? absl::StrCat(NodeName(atom.node), " (walk)")
                          : absl::StrCat(atom.negated ? "not " : "", program.DescribeNode(atom.node)));
      if (test == listed.body.begin && listed.screen != 0) tests.back() += " (screened)";
    }
    absl::StrAppend(out, "  ", RuleNames(program, RuleRange{i, i + 1}), ": ",
                    tests.empty() ? "true" : absl::StrJoin(tests, " | "), "\n");
  }
}

// An automaton's size, as the listings show it, the literal prefix it
// compares at once, and whether it leaves non-ASCII texts to RE2 (and its
// per-match lock).
std::string AutomatonNote(const RegexDfa& dfa) {
  const std::string prefix =
      dfa.literal_prefix().empty()
          ? ""
          : absl::StrCat("; prefix ", QuoteString(std::string(dfa.literal_prefix())),
                         " compared at once");
  return absl::StrCat("  [automaton: ", dfa.state_count(), " states, ", dfa.class_count(),
                      " byte classes", prefix,
                      dfa.ascii_only() ? "; non-ASCII texts to RE2" : "", "]");
}

// The `matches` atoms decided together, one pass per attribute (its
// automaton, or RE2::Set when there is none); no section when there are
// none.
void DumpPatternSets(const DagProgram& program, std::string* out) {
  if (program.pattern_sets().empty()) return;
  *out += "pattern sets (one pass each)\n";
  for (const PatternSet& patterns : program.pattern_sets()) {
    std::vector<std::string> names;
    for (uint32_t node : patterns.nodes) names.push_back(NodeName(node));
    absl::StrAppend(out, "  ", program.policy().schema->attributes[patterns.slot].path, ": ",
                    absl::StrJoin(names, " "),
                    patterns.any_automaton.has_value() ? AutomatonNote(*patterns.any_automaton)
                                                       : "  [RE2::Set]",
                    "\n");
  }
}

// How a `matches` atom is run, for the atoms listing: its automaton's size
// (kRegexDfa), or RE2 when its pattern is outside the automaton's subset;
// nothing for other atoms and for pattern sets' members (their own section).
std::string MatcherNote(const DagProgram& program, uint32_t node_id) {
  const DagNode& node = program.nodes()[node_id];
  if (node.kind != NodeKind::kPredicate) return "";
  const CompactAtom& atom = program.compact_atoms()[node.operand];
  if (atom.test == AtomTest::kRegexDfa) return AutomatonNote(program.regex_dfas()[atom.integer]);
  if (atom.test == AtomTest::kGeneral && atom.op == Operator::kMatches) return "  [RE2]";
  return "";
}

// Graphviz wants `"` and `\` escaped inside a quoted label.
std::string DotLabel(absl::string_view text) {
  std::string label = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') label += '\\';
    label += c;
  }
  return label + "\"";
}

}  // namespace

std::string DagProgram::DescribeNode(uint32_t node_id) const {
  const DagNode& node = nodes_[node_id];
  const Schema& schema = *policy_->schema;
  switch (node.kind) {
    case NodeKind::kFalse: return "false";
    case NodeKind::kTrue: return "true";
    case NodeKind::kHas: return absl::StrCat("has ", schema.attributes[node.operand].path);
    case NodeKind::kBoolAttribute: return schema.attributes[node.operand].path;
    case NodeKind::kPredicate:
      return DescribePredicate(*policy_, policy_->predicates[node.operand]);
    case NodeKind::kNot: return absl::StrCat("not(", NodeName(node.operand), ")");
    case NodeKind::kAnd:
    case NodeKind::kOr: {
      std::vector<std::string> children;
      for (uint32_t i = 0; i < node.count; ++i) {
        children.push_back(NodeName(edges_[node.operand + i]));
      }
      return absl::StrCat(node.kind == NodeKind::kAnd ? "and(" : "or(",
                          absl::StrJoin(children, ", "), ")");
    }
  }
  return "";
}

std::string DagProgram::Dump() const {
  const CheckedPolicy& policy = *policy_;
  const std::vector<uint32_t> parents = ParentCounts(*this);
  size_t shared = 0;
  for (uint32_t count : parents) shared += count > 1 ? 1 : 0;
  std::string out = absl::StrCat(
      "dag ", policy.info.name.has_value() ? QuoteString(*policy.info.name) : "(unnamed)",
      ": ", rules_.size(), " rules, ", atom_count_, " atoms, ", nodes_.size(), " nodes (",
      shared, " shared), ", edges_.size(), " edges\n");
  DumpCandidates(*this, &out);
  for (int pass = 0; pass < 2; ++pass) {
    out += pass == 0 ? "atoms\n" : "connectives\n";
    for (uint32_t id = 2; id < nodes_.size(); ++id) {
      if (IsAtom(nodes_[id].kind) != (pass == 0)) continue;
      absl::StrAppend(&out, "  ", NodeName(id), " = ", DescribeNode(id), MatcherNote(*this, id));
      if (parents[id] > 1) absl::StrAppend(&out, "  [shared by ", parents[id], "]");
      out += "\n";
    }
  }
  out += "rules\n";
  for (uint32_t id = 0; id < rules_.size(); ++id) {
    const CheckedRule& rule = policy.rules[id];
    absl::StrAppend(&out, "  r", id, " ", EffectWord(rule.effect), " ", rule.name, " = ",
                    NodeName(rules_[id].condition), "\n");
  }
  out += "indexes\n";
  DumpPlan(*this, "deny", deny_plan_, &out);
  DumpPlan(*this, "allow", allow_plan_, &out);
  // The lookups that pick the allow rules a default deny's why_not ranks
  // once it holds three near misses (why_not_plan()).
  DumpPlan(*this, "why_not", why_not_plan_, &out);
  DumpBodies(*this, &out);
  DumpPatternSets(*this, &out);
  absl::StrAppend(&out, "default ", EffectWord(policy.default_effect),
                  policy.default_written ? "" : " (not written)", "\n");
  return out;
}

std::string DagProgram::DumpDot() const {
  const CheckedPolicy& policy = *policy_;
  const std::vector<uint32_t> parents = ParentCounts(*this);
  std::string out = "digraph writ_dag {\n  rankdir=LR;\n  node [fontname=\"monospace\"];\n";
  for (uint32_t id = 0; id < nodes_.size(); ++id) {
    if (parents[id] == 0) continue;  // unreachable from any rule
    const DagNode& node = nodes_[id];
    const bool atom = IsAtom(node.kind);
    const std::string label =
        atom || node.kind == NodeKind::kFalse || node.kind == NodeKind::kTrue
            ? DescribeNode(id)
            : (node.kind == NodeKind::kNot ? "not" : node.kind == NodeKind::kAnd ? "and" : "or");
    absl::StrAppend(&out, "  ", NodeName(id), " [label=", DotLabel(label),
                    atom ? ", shape=box" : ", shape=ellipse",
                    parents[id] > 1 ? ", style=bold, color=blue" : "", "];\n");
    ForEachChild(*this, node, [&](uint32_t child) {
      absl::StrAppend(&out, "  ", NodeName(id), " -> ", NodeName(child), ";\n");
    });
  }
  for (uint32_t id = 0; id < rules_.size(); ++id) {
    const CheckedRule& rule = policy.rules[id];
    const bool deny = rule.effect == Effect::kDeny;
    absl::StrAppend(&out, "  r", id, " [label=",
                    DotLabel(absl::StrCat(EffectWord(rule.effect), " ", rule.name)),
                    ", shape=octagon, style=filled, fillcolor=",
                    deny ? "\"#f4cccc\"" : "\"#d9ead3\"", "];\n");
    absl::StrAppend(&out, "  r", id, " -> ", NodeName(rules_[id].condition), ";\n");
  }
  // The why_not plan's lookups pick the allow rules a default deny ranks
  // (why_not_plan()); its edges are dotted to tell them from the rules a
  // decision visits.
  const std::pair<const char*, const EffectPlan*> plans[] = {
      {"deny", &deny_plan_}, {"allow", &allow_plan_}, {"why_not", &why_not_plan_}};
  for (const auto& [effect, plan] : plans) {
    const bool why_not = plan == &why_not_plan_;
    for (const GuardIndex& index : plan->indexes) {
      const char* kind = IndexKindWord(index.kind);  // "", " suffix", " threshold"
      std::string name = absl::StrCat("index_", effect, "_", index.slot, kind);
      std::replace(name.begin(), name.end(), ' ', '_');
      absl::StrAppend(&out, "  ", name, " [label=",
                      DotLabel(absl::StrCat(effect, kind, " index on ",
                                            policy.schema->attributes[index.slot].path)),
                      ", shape=cylinder];\n");
      for (uint32_t i = index.all.begin; i < index.all.end; ++i) {
        absl::StrAppend(&out, "  ", name, " -> r", rule_lists_[i].rule,
                        why_not ? " [style=dotted, color=gray];\n" : " [style=dashed];\n");
      }
    }
  }
  out += "}\n";
  return out;
}

}  // namespace writ::internal
