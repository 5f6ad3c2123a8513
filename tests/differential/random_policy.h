// Random well-typed writ policy sets and random requests for the
// differential test of the DAG evaluator against the reference evaluator.
//
// Policies are rendered as writ source and go through the real front end,
// so the generator only has to be well-typed, not clever: every type and
// operator of SPEC §3 over a fixed schema with two attributes per type
// (for path == path), lets over lets in any source order, `unless`,
// obligations of every literal type, an absent / allow / deny default, and
// items spread over two files. Values come from small pools so that
// equalities, list membership, patterns and CIDRs hit as often as they
// miss. Requests leave attributes out, give them the wrong type (ill-formed
// and zoned IPs, compound durations, unknown members, non-strings in sets)
// or give boundary values, nested or with dotted keys.
//
// Everything is drawn from one std::mt19937_64 seeded by the caller, so a
// seed reproduces a case exactly.
#ifndef WRIT_TESTS_DIFFERENTIAL_RANDOM_POLICY_H_
#define WRIT_TESTS_DIFFERENTIAL_RANDOM_POLICY_H_

#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace writ::differential {

// A policy set as items (the schema, header, default, lets and rules), so a
// failing case can be shrunk by dropping items.
struct PolicyItems {
  std::vector<std::string> items;
  size_t split = 0;  // items [0, split) go to the first file

  std::vector<std::pair<std::string, std::string>> Files() const {
    std::string first;
    std::string second;
    for (size_t i = 0; i < items.size(); ++i) absl::StrAppend(i < split ? &first : &second, items[i], "\n");
    return {{"first.writ", first}, {"second.writ", second}};
  }
  std::string Source() const { return absl::StrJoin(items, "\n"); }
};

// A request as (top-level key, JSON value) members.
struct RequestMembers {
  std::vector<std::pair<std::string, std::string>> members;

  std::string Json() const {
    std::vector<std::string> parts;
    for (const auto& [key, value] : members) parts.push_back(absl::StrCat("\"", key, "\": ", value));
    return absl::StrCat("{", absl::StrJoin(parts, ", "), "}");
  }
};

class RandomPolicyGenerator {
 public:
  // Policies of 1 to `max_rules` rules. Few rules make small cases to
  // shrink; many make indexes of several rules per key or threshold.
  explicit RandomPolicyGenerator(uint64_t seed, size_t max_rules = 8)
      : random_(seed), max_rules_(max_rules) {}

  PolicyItems Policy() {
    PolicyItems policy;
    policy.items.push_back(kSchema);
    if (Chance(0.5)) policy.items.push_back(R"(policy "random" version "1";)");
    const double default_kind = Uniform();
    if (default_kind < 0.3) policy.items.push_back("default allow;");
    else if (default_kind < 0.6) policy.items.push_back("default deny;");
    let_count_ = Below(5);
    std::vector<std::string> lets;
    for (size_t let = 0; let < let_count_; ++let) {
      // A let reads only earlier-numbered lets: no cycles, but any order.
      current_let_ = let;
      lets.push_back(absl::StrCat("let l", let, " = ", Expr(3), ";"));
    }
    current_let_ = let_count_;
    std::shuffle(lets.begin(), lets.end(), random_);
    for (std::string& let : lets) policy.items.push_back(std::move(let));
    const size_t rules = 1 + Below(max_rules_);
    for (size_t rule = 0; rule < rules; ++rule) policy.items.push_back(Rule(rule));
    std::shuffle(policy.items.begin() + 1, policy.items.end(), random_);
    policy.split = Below(policy.items.size() + 1);
    return policy;
  }

  RequestMembers Request() {
    RequestMembers request;
    for (const Attribute& attribute : kAttributes) {
      const double roll = Uniform();
      if (roll < 0.35) continue;  // absent
      std::string value = roll < 0.85 ? GoodValue(attribute.type) : BadValue(attribute.type);
      if (std::string(attribute.path) == "x.y" && Chance(0.5)) {
        // Sometimes `x` itself a scalar: x.y is then wrong-typed.
        request.members.emplace_back(
            "x", Chance(0.2) ? std::string("7") : absl::StrCat("{\"y\": ", value, "}"));
      } else {
        request.members.emplace_back(attribute.path, std::move(value));
      }
    }
    if (Chance(0.1)) request.members.emplace_back("unknown.attribute", "1");
    std::shuffle(request.members.begin(), request.members.end(), random_);
    return request;
  }

 private:
  enum class Type { kBool, kInt, kNumber, kString, kDuration, kIp, kColor, kLevel, kSet };
  struct Attribute {
    const char* path;
    Type type;
  };

  static constexpr const char* kSchema = R"(schema {
  b1: bool; b2: bool;
  i1: int; i2: int;
  n1: number; n2: number;
  s1: string; s2: string; x.y: string;
  d1: duration; d2: duration;
  ip1: ip; ip2: ip;
  c1: enum(red, green, blue); c2: enum(red, green, blue);
  level: enum(low, mid, high);
  tags: set<string>; more_tags: set<string>;
})";

  static constexpr Attribute kAttributes[] = {
      {"b1", Type::kBool},    {"b2", Type::kBool},      {"i1", Type::kInt},
      {"i2", Type::kInt},     {"n1", Type::kNumber},    {"n2", Type::kNumber},
      {"s1", Type::kString},  {"s2", Type::kString},    {"x.y", Type::kString},
      {"d1", Type::kDuration}, {"d2", Type::kDuration}, {"ip1", Type::kIp},
      {"ip2", Type::kIp},     {"c1", Type::kColor},     {"c2", Type::kColor},
      {"level", Type::kLevel}, {"tags", Type::kSet},    {"more_tags", Type::kSet},
  };

  // ------------------------------------------------------------ random

  double Uniform() { return std::uniform_real_distribution<double>(0, 1)(random_); }
  bool Chance(double p) { return Uniform() < p; }
  size_t Below(size_t n) { return n == 0 ? 0 : std::uniform_int_distribution<size_t>(0, n - 1)(random_); }
  template <typename T, size_t N>
  const T& Pick(const T (&pool)[N]) { return pool[Below(N)]; }

  // -------------------------------------------------------------- pools

  static constexpr const char* kStrings[] = {"\"a\"", "\"b\"", "\"ab\"", "\"a.b\"", "\"\"",
                                             "\"x.example.com\"", "\"api.example.com\"",
                                             "\"A\"", "\"a*b\"", "\"h\\u{e9}\"",
                                             // a dotted suffix and hosts that end with it,
                                             // longer than 16 and than 32 bytes (the word
                                             // sizes HashText and DotSuffixLengths treat apart)
                                             "\".partner.example.org\"",
                                             "\"api.svc12.partner.example.org\"",
                                             "\"api-7.svc12.eu-west.partner.example.org\""};
  // The same strings as JSON (the "h\u{e9}" of writ as "h\u00e9").
  static constexpr const char* kJsonStrings[] = {"\"a\"", "\"b\"", "\"ab\"", "\"a.b\"", "\"\"",
                                                 "\"x.example.com\"", "\"api.example.com\"",
                                                 "\"A\"", "\"a*b\"", "\"h\\u00e9\"",
                                                 "\".partner.example.org\"",
                                                 "\"api.svc12.partner.example.org\"",
                                                 "\"api-7.svc12.eu-west.partner.example.org\""};
  static constexpr const char* kInts[] = {"-1", "0", "1", "2", "5", "9223372036854775807",
                                          "-9223372036854775808"};
  static constexpr const char* kNumbers[] = {"-1.5", "0", "0.5", "1", "2.25", "1e3", "-0.0"};
  static constexpr const char* kDurations[] = {"0s", "30s", "1m", "60s", "5m", "1h", "1d"};
  static constexpr const char* kIps[] = {"\"10.0.0.1\"", "\"10.1.2.3\"", "\"192.168.1.1\"",
                                         "\"::1\"", "\"fd00::1\"", "\"::ffff:10.0.0.1\"",
                                         "\"0.0.0.0\"", "\"2001:db8::1\""};
  static constexpr const char* kCidrs[] = {"\"10.0.0.0/8\"", "\"10.0.0.1/32\"", "\"0.0.0.0/0\"",
                                           "\"192.168.0.0/16\"", "\"::1/128\"", "\"fd00::/8\"",
                                           "\"::/0\"", "\"::ffff:10.0.0.0/104\""};
  static constexpr const char* kColors[] = {"red", "green", "blue"};
  static constexpr const char* kLevels[] = {"low", "mid", "high"};
  static constexpr const char* kRegexes[] = {"\"a.*\"", "\"[ab]+\"", "\"x\\\\.example\\\\.com\"",
                                             "\"\"", "\"(?i)A\"", "\".*\\\\.example\\\\.com\"",
                                             // anchors, a negated class, bounded repeats, and
                                             // a `.` that matches "h\u{e9}" only as RE2 reads
                                             // code points (the automaton leaves it to RE2)
                                             "\"^a.b$\"", "\"[^.]*\\\\.com\"", "\"a{1,2}b?\"",
                                             "\"h.\""};
  static constexpr const char* kGlobs[] = {"\"*\"", "\"a*\"", "\"*b\"", "\"a?b\"",
                                           "\"*.example.com\"", "\"a\\\\*b\"", "\"\"", "\"?\"",
                                           "\"a*ab\"", "\"*a*\"", "\"?*b\""};

  template <typename T, size_t N>
  std::string List(const T (&pool)[N]) {
    std::vector<std::string> elements;
    const size_t size = Below(4);  // empty lists too
    for (size_t i = 0; i < size; ++i) elements.push_back(Pick(pool));
    return absl::StrCat("[", absl::StrJoin(elements, ", "), "]");
  }

  // --------------------------------------------------------- conditions

  std::string Expr(int depth) {
    const double roll = Uniform();
    if (depth <= 0 || roll < 0.45) return Leaf();
    if (roll < 0.55) return absl::StrCat("not ", Parenthesised(depth - 1));
    const bool conjunction = roll < 0.8;
    if (!conjunction && Chance(0.4)) return OneAttributeDisjunction(depth);
    const size_t arity = 2 + Below(3);
    std::vector<std::string> children;
    for (size_t i = 0; i < arity; ++i) children.push_back(Parenthesised(depth - 1));
    return absl::StrJoin(children, conjunction ? " and " : " or ");
  }

  // An `or` whose disjuncts each test one attribute, alone or with more
  // conditions: the shape the DAG compiler files under the union of the
  // disjuncts' keys (`(tool == "a" and ...) or tool in [...]`).
  std::string OneAttributeDisjunction(int depth) {
    const Attribute& attribute = Pick(kAttributes);
    const size_t arity = 2 + Below(3);
    std::vector<std::string> children;
    for (size_t i = 0; i < arity; ++i) {
      std::string atom = Atom(attribute);
      children.push_back(Chance(0.5) ? absl::StrCat("(", atom, ")")
                                     : absl::StrCat("(", atom, " and ",
                                                    Parenthesised(depth - 1), ")"));
    }
    return absl::StrJoin(children, " or ");
  }

  std::string Parenthesised(int depth) {
    std::string expr = Expr(depth);
    return expr.find(' ') == std::string::npos || expr.rfind("has ", 0) == 0
               ? expr : absl::StrCat("(", expr, ")");
  }

  std::string Leaf() {
    const double roll = Uniform();
    if (roll < 0.03) return Chance(0.5) ? "true" : "false";
    if (roll < 0.1) return absl::StrCat("has ", Pick(kAttributes).path);
    if (roll < 0.2 && current_let_ > 0) return absl::StrCat("l", Below(current_let_));
    return Atom(Pick(kAttributes));
  }

  std::string Atom(const Attribute& attribute) {
    const std::string path = attribute.path;
    switch (attribute.type) {
      case Type::kBool: {
        const double roll = Uniform();
        if (roll < 0.4) return path;
        if (roll < 0.5) return absl::StrCat(path, " == ", path == "b1" ? "b2" : "b1");
        return absl::StrCat(path, Chance(0.5) ? " == " : " != ", Chance(0.5) ? "true" : "false");
      }
      case Type::kInt: return Ordered(path, kInts, path == "i1" ? "i2" : "i1");
      case Type::kNumber: return Ordered(path, kNumbers, path == "n1" ? "n2" : "n1");
      case Type::kDuration: return Ordered(path, kDurations, path == "d1" ? "d2" : "d1");
      case Type::kColor: return Ordered(path, kColors, path == "c1" ? "c2" : "c1");
      case Type::kLevel: return Ordered(path, kLevels, "");
      case Type::kString: return StringAtom(path);
      case Type::kIp: {
        const double roll = Uniform();
        if (roll < 0.5) return absl::StrCat(path, " within ", List(kCidrs));
        if (roll < 0.6) return absl::StrCat(path, " != ", path == "ip1" ? "ip2" : "ip1");
        return absl::StrCat(path, Chance(0.5) ? " == " : " != ", Pick(kIps));
      }
      case Type::kSet: {
        const double roll = Uniform();
        if (roll < 0.4) return absl::StrCat(path, " contains ", Pick(kStrings));
        return absl::StrCat(path, roll < 0.7 ? " contains_any " : " contains_all ", List(kStrings));
      }
    }
    return "true";
  }

  // ==, !=, <, <=, >, >=, in, not in, and path == path when `other` is set.
  template <size_t N>
  std::string Ordered(const std::string& path, const char* const (&pool)[N],
                      const std::string& other) {
    static constexpr const char* kOperators[] = {"==", "!=", "<", "<=", ">", ">="};
    const double roll = Uniform();
    if (roll < 0.15) return absl::StrCat(path, " in ", List(pool));
    if (roll < 0.25) return absl::StrCat(path, " not in ", List(pool));
    if (roll < 0.32 && !other.empty()) {
      return absl::StrCat(path, Chance(0.5) ? " == " : " != ", other);
    }
    return absl::StrCat(path, " ", Pick(kOperators), " ", Pick(pool));
  }

  std::string StringAtom(const std::string& path) {
    static constexpr const char* kOperators[] = {"==", "!=", "starts_with", "ends_with",
                                                 "contains"};
    const double roll = Uniform();
    if (roll < 0.15) return absl::StrCat(path, " matches ", Pick(kRegexes));
    if (roll < 0.3) return absl::StrCat(path, " like ", Pick(kGlobs));
    if (roll < 0.45) return absl::StrCat(path, " in ", List(kStrings));
    if (roll < 0.5) return absl::StrCat(path, " not in ", List(kStrings));
    if (roll < 0.57) return absl::StrCat(path, Chance(0.5) ? " == " : " != ", path == "s1" ? "s2" : "s1");
    return absl::StrCat(path, " ", Pick(kOperators), " ", Pick(kStrings));
  }

  // -------------------------------------------------------------- rules

  std::string Rule(size_t index) {
    std::string rule = absl::StrCat(Chance(0.5) ? "allow" : "deny", " r", index);
    if (Chance(0.85)) absl::StrAppend(&rule, "\n  when ", Expr(3));
    if (Chance(0.3)) absl::StrAppend(&rule, "\n  unless ", Expr(2));
    std::vector<std::string> obligations;
    static constexpr const char* kKeys[] = {"max_ttl", "max_uses", "ratio", "mfa", "tag"};
    for (const char* key : kKeys) {
      if (Chance(0.25)) obligations.push_back(absl::StrCat(key, " = ", Obligation(key)));
    }
    if (!obligations.empty()) absl::StrAppend(&rule, "\n  with ", absl::StrJoin(obligations, ", "));
    if (Chance(0.5)) absl::StrAppend(&rule, "\n  because \"reason ", index, "\"");
    return rule + ";";
  }

  std::string Obligation(const std::string& key) {
    if (key == "max_ttl") return Pick(kDurations);
    if (key == "max_uses") return Pick(kInts);
    if (key == "ratio") {
      // One literal type per key: only number literals (never "1").
      static constexpr const char* kRatios[] = {"-1.5", "0.5", "2.25", "1e3", "-0.0", "0.0"};
      return Pick(kRatios);
    }
    if (key == "mfa") return Chance(0.5) ? "true" : "false";
    return Pick(kStrings);
  }

  // ------------------------------------------------------------ values

  std::string GoodValue(Type type) {
    switch (type) {
      case Type::kBool: return Chance(0.5) ? "true" : "false";
      case Type::kInt: return Pick(kInts);
      case Type::kNumber: {
        static constexpr const char* kValues[] = {"-1.5", "0", "0.5", "1", "2.25", "1000",
                                                  "0.49999999999999994", "3", "-0.0", "1e308"};
        return Pick(kValues);
      }
      case Type::kString: return Pick(kJsonStrings);
      case Type::kDuration: {
        static constexpr const char* kValues[] = {"0", "30", "60", "300", "3600", "86400",
                                                  "\"30s\"", "\"5m\"", "\"1h\"", "\"1d\""};
        return Pick(kValues);
      }
      case Type::kIp: return Pick(kIps);
      case Type::kColor: return absl::StrCat("\"", Pick(kColors), "\"");
      case Type::kLevel: return absl::StrCat("\"", Pick(kLevels), "\"");
      case Type::kSet: return List(kJsonStrings);
    }
    return "null";
  }

  std::string BadValue(Type type) {
    static constexpr const char* kWrong[] = {"null", "{}", "[]", "\"zz\"", "7", "true",
                                             "\"fe80::1%eth0\"", "\"10.0.0.256\"",
                                             "\"5m30s\"", "[1, 2]", "1.5", "\"RED\""};
    (void)type;
    return Pick(kWrong);
  }

  std::mt19937_64 random_;
  size_t max_rules_;
  size_t let_count_ = 0;
  size_t current_let_ = 0;
};

}  // namespace writ::differential

#endif  // WRIT_TESTS_DIFFERENTIAL_RANDOM_POLICY_H_
