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
// miss, or (Constants::kRich) also from random strings, globs, regexes,
// numbers and CIDR blocks, with requests drawn near them. Requests leave
// attributes out, give them the wrong type (ill-formed and zoned IPs,
// compound durations, unknown members, non-strings in sets) or give
// boundary values, nested or with dotted keys; TextNotUtf8 gives texts an
// embedder can set but JSON cannot carry. OneLargeIndex makes policies of
// thousands of rules with one index at the sizes real policies reach.
//
// Everything is drawn from one std::mt19937_64 seeded by the caller, so a
// seed reproduces a case exactly.
#ifndef WRIT_TESTS_DIFFERENTIAL_RANDOM_POLICY_H_
#define WRIT_TESTS_DIFFERENTIAL_RANDOM_POLICY_H_

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
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

// Where a policy's constants come from. kPools: the small fixed pools
// below, so that equalities and patterns hit often. kRich: also random
// strings of 0 to ~800 bytes (dots, non-ASCII, K and long s, newlines,
// glob and regex metacharacters, across the 8-, 16-, 32-, 62- and 255-byte
// lengths the compiler's hashes, screens and affix tests treat apart),
// globs and regexes built from them, ints, durations and numbers around
// the pools' and the int64 ends, and random IPv4/IPv6 CIDR blocks of every
// prefix length; requests then draw their values from the constants the
// policy used, exactly or just off (a byte added or dropped, the address
// just past a block, the int next to a threshold), so that they hit as
// often as they miss.
enum class Constants { kPools, kRich };

class RandomPolicyGenerator {
 public:
  // Policies of 1 to `max_rules` rules. Few rules make small cases to
  // shrink; many make indexes of several rules per key or threshold.
  explicit RandomPolicyGenerator(uint64_t seed, size_t max_rules = 8,
                                 Constants constants = Constants::kPools)
      : random_(seed), max_rules_(max_rules), rich_(constants == Constants::kRich) {}

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
    const size_t rules = large_index_rules_ != 0 ? large_index_rules_ : 1 + Below(max_rules_);
    for (size_t rule = 0; rule < rules; ++rule) policy.items.push_back(Rule(rule));
    std::shuffle(policy.items.begin() + 1, policy.items.end(), random_);
    policy.split = Below(policy.items.size() + 1);
    return policy;
  }

  // Policies of `rules` rules (Constants::kRich), nine in ten of them of
  // one effect and starting with an atom of one shape on one attribute,
  // by `shape` (0 to kLargeIndexShapes - 1): `s1 ==`, `s1 in`, `s1
  // ends_with ".…"`, `s1 like "*.…"`, `s1 starts_with`, `ip1 within`, `i1`
  // and `n1` orderings, `tags contains`, `s1 ==` and an affix test on
  // `s2` (a gateway's tool and host), `i1`/`d1` `==` and `in`. With
  // random constants one index then has about as many keys as rules:
  // string tables past kInlineListsFromKeys with their lists inline and
  // presence bitmaps at their real sizes, prefix chains, nested blocks,
  // long threshold sides, which policies of a few random rules never
  // reach.
  static constexpr int kLargeIndexShapes = 11;
  static constexpr int kToolAndHostShape = 9;
  void OneLargeIndex(size_t rules, int shape) {
    large_index_rules_ = rules;
    large_index_shape_ = shape;
  }

  // A text near one of the policy's strings (Constants::kRich) with bytes
  // that are not UTF-8 put in: a stray continuation byte, a lead byte
  // alone or cut short, a surrogate, an overlong form, 0xFF. JSON cannot
  // carry one, but Request::SetString takes any bytes.
  std::string TextNotUtf8() {
    static constexpr const char* kBad[] = {"\x80", "\xbf", "\xc3", "\xe2\x84", "\xed\xa0\x80",
                                           "\xc0\xaf", "\xe0\x80\xaf", "\xf8", "\xff",
                                           "\xf4\x90\x80\x80"};
    std::string text = strings_.empty() ? RawString() : Near(strings_[Below(strings_.size())]);
    const size_t at = Below(text.size() + 1);
    // Byte offsets, so `at` may cut a code point: more bytes that are not UTF-8.
    return text.insert(at, Pick(kBad));
  }

  RequestMembers Request() {
    RequestMembers request;
    for (const Attribute& attribute : kAttributes) {
      const double roll = Uniform();
      if (roll < 0.35) continue;  // absent
      std::string value = roll < 0.85 ? GoodValue(attribute) : BadValue(attribute.type);
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
    return ListOf([&] { return std::string(Pick(pool)); });
  }

  template <typename Constant>
  std::string ListOf(Constant constant) {
    std::vector<std::string> elements;
    // Empty lists too; kRich sometimes long ones (a member screen's length
    // bits and filter full, a rule under many keys, nested blocks).
    const size_t size = rich_ && Chance(0.1) ? 4 + Below(60) : Below(4);
    for (size_t i = 0; i < size; ++i) elements.push_back(constant());
    return absl::StrCat("[", absl::StrJoin(elements, ", "), "]");
  }
  std::string StringList() { return ListOf([&] { return StringConstant(); }); }
  std::string CidrList() { return ListOf([&] { return CidrConstant(); }); }

  // ------------------------------------------------ constants (kRich)
  //
  // Each Constant() function returns a literal as writ source. In
  // Constants::kPools it picks from the pool; in kRich it sometimes makes
  // one up, and records the values that make its atom true or nearly so
  // (the string, a text the glob or regex matches, the block's ends, the
  // threshold) for Request() to draw from.

  // Keeps `text` for requests, under the attribute the atom being written
  // tests (subject_), so that a request's value for it is drawn mostly
  // from its own constants.
  void Record(std::string text) {
    strings_of_[subject_].push_back(text);
    strings_.push_back(std::move(text));
  }

  // A recorded string, mostly one of `path`'s.
  const std::string& RecordedString(const std::string& path) {
    const std::vector<std::string>& own = strings_of_[path];
    if (!own.empty() && Chance(0.8)) return own[Below(own.size())];
    return strings_[Below(strings_.size())];
  }

  std::string StringConstant() {
    if (!rich_ || Chance(0.3)) return Pick(kStrings);
    std::string text = Chance(0.3) && !strings_.empty() ? Near(strings_[Below(strings_.size())])
                                                        : RawString();
    Record(text);
    return WritQuoted(text);
  }

  // Pieces of random texts: dots and host-name words, non-ASCII (é, the
  // Kelvin sign and long s that RE2's (?i) folds with k and s), a newline,
  // glob and regex metacharacters.
  static constexpr const char* kPieces[] = {
      "a", "b", "A", "k", "s", ".", ".", "-", "x", "api", "example", "com", ".example.com",
      ".partner.example.org", "\xc3\xa9", "\xe2\x84\xaa", "\xc5\xbf", "\n", "*", "?", "\\",
      "0", "_", " ", "/", "%"};

  std::string RawString() {
    const double roll = Uniform();
    // One in eight long: past the 255 bytes of a kTextAffix prefix and the
    // 62 of DotSuffixLengths' scan.
    size_t pieces = roll < 0.08 ? 0 : roll < 0.7 ? 1 + Below(6) : roll < 0.875 ? 6 + Below(15)
                                                                               : 40 + Below(80);
    std::string text;
    for (size_t i = 0; i < pieces; ++i) text += Pick(kPieces);
    return text;
  }

  // `text` exactly, or with a piece added at either end, or a byte dropped
  // from either end (which may cut a code point: then it is not UTF-8 and
  // is left as it was).
  std::string Near(const std::string& text) {
    const double roll = Uniform();
    if (roll < 0.3) return text;
    if (roll < 0.4) return Folded(text);
    if (roll < 0.6) return absl::StrCat(Pick(kPieces), text);
    if (roll < 0.8) return absl::StrCat(text, Pick(kPieces));
    if (text.empty() || text.back() < 0 || text.front() < 0) return text;
    return roll < 0.9 ? text.substr(1) : text.substr(0, text.size() - 1);
  }

  // `text` with its ASCII letters' case flipped and k and s written as the
  // Kelvin sign and long s, which RE2's (?i) folds with them (and `like`,
  // case-sensitive, does not).
  static std::string Folded(const std::string& text) {
    std::string folded;
    for (char c : text) {
      if (c == 'k' || c == 'K') {
        folded += "\xe2\x84\xaa";
      } else if (c == 's' || c == 'S') {
        folded += "\xc5\xbf";
      } else {
        folded += absl::ascii_isupper(c) ? absl::ascii_tolower(c) : absl::ascii_toupper(c);
      }
    }
    return folded;
  }

  static std::string Escaped(const std::string& text, bool json) {
    std::string quoted = "\"";
    for (char c : text) {
      if (c == '"' || c == '\\') {
        quoted += '\\';
        quoted += c;
      } else if (c == '\n') {
        quoted += "\\n";
      } else if (json && static_cast<unsigned char>(c) < 0x20) {
        absl::StrAppend(&quoted, "\\u00", absl::Hex(c, absl::kZeroPad2));
      } else {
        quoted += c;
      }
    }
    return quoted + "\"";
  }
  static std::string WritQuoted(const std::string& text) { return Escaped(text, false); }
  static std::string JsonQuoted(const std::string& text) { return Escaped(text, true); }

  // A glob of literal runs, `*` and `?` (a literal `*`, `?` or `\` escaped),
  // and a text it matches.
  std::string GlobConstant() {
    if (!rich_ || Chance(0.3)) return Pick(kGlobs);
    std::string pattern;
    std::string sample;
    const size_t tokens = Below(6);
    for (size_t i = 0; i < tokens; ++i) {
      const double roll = Uniform();
      if (roll < 0.25) {
        pattern += '*';
        for (size_t n = Below(3); n > 0; --n) sample += Pick(kPieces);
      } else if (roll < 0.35) {
        static constexpr const char* kOneCodePoint[] = {"a", ".", "\xc3\xa9", "\xe2\x84\xaa", "\n"};
        pattern += '?';
        sample += Pick(kOneCodePoint);
      } else {
        const std::string literal = Chance(0.2) && !strings_.empty()
                                        ? strings_[Below(strings_.size())] : RawString();
        for (char c : literal) {
          if (c == '*' || c == '?' || c == '\\') pattern += '\\';
          pattern += c;
        }
        sample += literal;
      }
    }
    Record(sample);
    return WritQuoted(pattern);
  }

  // A regex: a quoted literal with `.*`, `.`, `(?i)`, anchors or a class
  // around it, or one of the pool's, and a text it matches (or nearly).
  std::string RegexConstant() {
    if (!rich_ || Chance(0.3)) return Pick(kRegexes);
    const std::string literal = Chance(0.5) && !strings_.empty()
                                    ? strings_[Below(strings_.size())] : RawString();
    std::string quoted;
    for (char c : literal) {
      if (c == '\n') {
        quoted += "\\n";
        continue;
      }
      const bool ascii = static_cast<unsigned char>(c) < 0x80;
      if (ascii && !absl::ascii_isalnum(c) && c != '_') quoted += '\\';
      quoted += c;
    }
    static constexpr const char* kShapes[][2] = {
        {"", ""}, {"(?i)", ""}, {".*", ""}, {"", ".*"}, {"(?s).*", ".*"}, {"^", "$"},
        {"(?i)[a-z]*", ""}, {"", "[^.]*"}, {"\\b", "\\b"}, {"(", ")+"}, {"(?i)(", "|x)"}};
    const auto& shape = kShapes[Below(std::size(kShapes))];
    Record(literal);
    return WritQuoted(absl::StrCat(shape[0], quoted, shape[1]));
  }

  // Ints around the pool's and the int64 ends; each recorded with its
  // neighbours for requests.
  std::string IntConstant() {
    if (!rich_ || Chance(0.4)) return Pick(kInts);
    static constexpr int64_t kAround[] = {0, 3, -3, 1000, std::numeric_limits<int64_t>::max(),
                                          std::numeric_limits<int64_t>::min()};
    const int64_t value = SaturatingAdd(kAround[Below(std::size(kAround))],
                                        static_cast<int64_t>(Below(5)) - 2);
    ints_.push_back(value);
    return absl::StrCat(value);
  }

  std::string DurationConstant() {
    if (!rich_ || Chance(0.4)) return Pick(kDurations);
    static constexpr const char* kUnits[] = {"s", "m", "h", "d"};
    static constexpr int64_t kSeconds[] = {1, 60, 3600, 86400};
    const size_t unit = Below(4);
    const int64_t count = static_cast<int64_t>(Below(4)) + (Chance(0.2) ? 0 : 59);
    durations_.push_back(count * kSeconds[unit]);
    return absl::StrCat(count, kUnits[unit]);
  }

  std::string NumberConstant() {
    if (!rich_ || Chance(0.4)) return Pick(kNumbers);
    static constexpr const char* kMore[] = {"0.1", "0.3", "-0.5", "1e-300", "9007199254740993",
                                            "9223372036854775807", "1.7976931348623157e308",
                                            "-1.7976931348623157e308", "4.9e-324"};
    const std::string text = Pick(kMore);
    numbers_.push_back(std::strtod(text.c_str(), nullptr));
    return text;
  }

  static int64_t SaturatingAdd(int64_t value, int64_t delta) {
    int64_t sum;
    return __builtin_add_overflow(value, delta, &sum) ? value : sum;
  }

  // ------------------------------------------------------------- IPs

  using Address = std::array<uint8_t, 16>;  // IPv4 as ::ffff:a.b.c.d

  std::string IpConstant() {
    if (!rich_ || Chance(0.3)) return Pick(kIps);
    Address address = RandomAddress(Chance(0.6));
    addresses_.push_back(address);
    return absl::StrCat("\"", FormatAddress(address, Chance(0.2)), "\"");
  }

  // A block of any prefix length (IPv4 /0 to /32, IPv6 /0 to /128), often
  // inside or around a block already used; its first address, last address
  // and their neighbours are recorded.
  std::string CidrConstant() {
    if (!rich_ || Chance(0.3)) return Pick(kCidrs);
    const bool v4 = Chance(0.6);
    Address network = !addresses_.empty() && Chance(0.5) ? addresses_[Below(addresses_.size())]
                                                         : RandomAddress(v4);
    const bool mapped = IsV4(network);
    const int width = mapped ? 32 : 128;
    static constexpr int kEdges[] = {0, 1, 7, 8, 9, 16, 24, 31, 32, 63, 64, 65, 96, 127, 128};
    int prefix = Chance(0.5) ? kEdges[Below(std::size(kEdges))] : static_cast<int>(Below(129));
    prefix = std::min(prefix, width);
    const int bits = prefix + (mapped ? 96 : 0);  // in the 128-bit space
    Address last = network;
    for (int bit = bits; bit < 128; ++bit) {
      network[bit / 8] &= static_cast<uint8_t>(~(0x80 >> (bit % 8)));
      last[bit / 8] |= static_cast<uint8_t>(0x80 >> (bit % 8));
    }
    for (const Address& end : {network, last}) {
      addresses_.push_back(end);
      addresses_.push_back(Step(end, +1));
      addresses_.push_back(Step(end, -1));
    }
    // An IPv4 block is written as a dotted quad, or mapped with 96 more bits.
    const bool written_mapped = mapped && Chance(0.2);
    return absl::StrCat("\"", FormatAddress(network, written_mapped), "/",
                        written_mapped ? bits : prefix, "\"");
  }

  Address RandomAddress(bool v4) {
    Address address{};
    if (v4) {
      address[10] = address[11] = 0xff;
      static constexpr uint8_t kFirst[] = {0, 10, 127, 192, 255};
      address[12] = Chance(0.5) ? kFirst[Below(std::size(kFirst))]
                                : static_cast<uint8_t>(Below(256));
      for (int i = 13; i < 16; ++i) address[i] = static_cast<uint8_t>(Chance(0.3) ? 0 : Below(256));
      return address;
    }
    for (uint8_t& byte : address) byte = static_cast<uint8_t>(Chance(0.4) ? 0 : Below(256));
    if (Chance(0.2)) address[0] = 0xff;
    return address;
  }

  static bool IsV4(const Address& address) {
    for (int i = 0; i < 10; ++i) {
      if (address[i] != 0) return false;
    }
    return address[10] == 0xff && address[11] == 0xff;
  }

  // The address `delta` (+1 or -1) away, wrapping at the ends of the space.
  static Address Step(Address address, int delta) {
    for (int byte = 15; byte >= 0; --byte) {
      address[byte] = static_cast<uint8_t>(address[byte] + delta);
      if (address[byte] != (delta > 0 ? 0x00 : 0xff)) break;
    }
    return address;
  }

  // A dotted quad for an IPv4 address (as "::ffff:a.b.c.d" when
  // `mapped_form`), else eight hex groups.
  static std::string FormatAddress(const Address& address, bool mapped_form) {
    if (IsV4(address)) {
      const std::string quad = absl::StrCat(int{address[12]}, ".", int{address[13]}, ".",
                                            int{address[14]}, ".", int{address[15]});
      return mapped_form ? absl::StrCat("::ffff:", quad) : quad;
    }
    std::vector<std::string> groups;
    for (int i = 0; i < 16; i += 2) {
      groups.push_back(absl::StrCat(absl::Hex(address[i] << 8 | address[i + 1])));
    }
    return absl::StrJoin(groups, ":");
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
    subject_ = path;
    switch (attribute.type) {
      case Type::kBool: {
        const double roll = Uniform();
        if (roll < 0.4) return path;
        if (roll < 0.5) return absl::StrCat(path, " == ", path == "b1" ? "b2" : "b1");
        return absl::StrCat(path, Chance(0.5) ? " == " : " != ", Chance(0.5) ? "true" : "false");
      }
      case Type::kInt:
        return Ordered(path, [&] { return IntConstant(); }, path == "i1" ? "i2" : "i1");
      case Type::kNumber:
        return Ordered(path, [&] { return NumberConstant(); }, path == "n1" ? "n2" : "n1");
      case Type::kDuration:
        return Ordered(path, [&] { return DurationConstant(); }, path == "d1" ? "d2" : "d1");
      case Type::kColor:
        return Ordered(path, [&] { return Pick(kColors); }, path == "c1" ? "c2" : "c1");
      case Type::kLevel: return Ordered(path, [&] { return Pick(kLevels); }, "");
      case Type::kString: return StringAtom(path);
      case Type::kIp: {
        const double roll = Uniform();
        if (roll < 0.5) return absl::StrCat(path, " within ", CidrList());
        if (roll < 0.6) return absl::StrCat(path, " != ", path == "ip1" ? "ip2" : "ip1");
        return absl::StrCat(path, Chance(0.5) ? " == " : " != ", IpConstant());
      }
      case Type::kSet: {
        const double roll = Uniform();
        if (roll < 0.4) return absl::StrCat(path, " contains ", StringConstant());
        return absl::StrCat(path, roll < 0.7 ? " contains_any " : " contains_all ", StringList());
      }
    }
    return "true";
  }

  // ==, !=, <, <=, >, >=, in, not in, and path == path when `other` is set.
  template <typename Constant>
  std::string Ordered(const std::string& path, Constant constant, const std::string& other) {
    static constexpr const char* kOperators[] = {"==", "!=", "<", "<=", ">", ">="};
    const double roll = Uniform();
    if (roll < 0.15) return absl::StrCat(path, " in ", ListOf(constant));
    if (roll < 0.25) return absl::StrCat(path, " not in ", ListOf(constant));
    if (roll < 0.32 && !other.empty()) {
      return absl::StrCat(path, Chance(0.5) ? " == " : " != ", other);
    }
    const char* op = Pick(kOperators);
    return absl::StrCat(path, " ", op, " ", constant());
  }

  std::string StringAtom(const std::string& path) {
    static constexpr const char* kOperators[] = {"==", "!=", "starts_with", "ends_with",
                                                 "contains"};
    const double roll = Uniform();
    if (roll < 0.15) return absl::StrCat(path, " matches ", RegexConstant());
    if (roll < 0.3) return absl::StrCat(path, " like ", GlobConstant());
    if (roll < 0.45) return absl::StrCat(path, " in ", StringList());
    if (roll < 0.5) return absl::StrCat(path, " not in ", StringList());
    if (roll < 0.57) return absl::StrCat(path, Chance(0.5) ? " == " : " != ", path == "s1" ? "s2" : "s1");
    const char* op = Pick(kOperators);
    return absl::StrCat(path, " ", op, " ", StringConstant());
  }

  // -------------------------------------------------------------- rules

  std::string Rule(size_t index) {
    // OneLargeIndex: most rules of one effect, so that its index is large.
    if (large_index_rules_ != 0 && index == 0) large_index_allows_ = Chance(0.5);
    const double allow = large_index_rules_ == 0 ? 0.5 : large_index_allows_ ? 0.9 : 0.1;
    const bool allows = Chance(allow);
    std::string rule = absl::StrCat(allows ? "allow" : "deny", " r", index);
    // Every rule of the large index's effect (OneLargeIndex), and half the
    // others, start with its atom; a tool-and-host pair alone, so that
    // every entry of its lists is screened by the other attribute.
    const bool large_index_effect = allows == large_index_allows_;
    const bool pairs = large_index_shape_ == kToolAndHostShape;
    if (large_index_rules_ != 0 && (large_index_effect || Chance(0.5))) {
      absl::StrAppend(&rule, "\n  when ", LargeIndexAtom());
      if (!pairs && Chance(0.5)) absl::StrAppend(&rule, " and ", Parenthesised(1));
    } else if (Chance(0.85)) {
      absl::StrAppend(&rule, "\n  when ", Expr(3));
    }
    if (!pairs && Chance(0.3)) absl::StrAppend(&rule, "\n  unless ", Expr(2));
    std::vector<std::string> obligations;
    static constexpr const char* kKeys[] = {"max_ttl", "max_uses", "ratio", "mfa", "tag"};
    for (const char* key : kKeys) {
      if (Chance(0.25)) obligations.push_back(absl::StrCat(key, " = ", Obligation(key)));
    }
    if (!obligations.empty()) absl::StrAppend(&rule, "\n  with ", absl::StrJoin(obligations, ", "));
    if (Chance(0.5)) absl::StrAppend(&rule, "\n  because \"reason ", index, "\"");
    return rule + ";";
  }

  // OneLargeIndex's atom, of the policy's shape.
  std::string LargeIndexAtom() {
    subject_ = large_index_shape_ == 8 ? "tags" : "s1";
    switch (large_index_shape_) {
      case 0: return absl::StrCat("s1 == ", StringConstant());
      case 1: return absl::StrCat("s1 in ", StringList());
      case 2: return absl::StrCat("s1 ends_with ", DottedConstant(""));
      case 3: return absl::StrCat("s1 like ", DottedConstant(Chance(0.5) ? "*" : "*?"));
      case 4: return absl::StrCat("s1 starts_with ", StringConstant());
      case 5: return absl::StrCat("ip1 within ", CidrList());
      case 6: return absl::StrCat("i1 ", Pick(kOrderings), " ", IntConstant());
      case 7: return absl::StrCat("n1 ", Pick(kOrderings), " ", NumberConstant());
      case 8: return absl::StrCat("tags contains ", StringConstant());
      case kToolAndHostShape: {
        // As a gateway's grants: a tool (of a few) and a host, equal to,
        // ending with, starting with or like a constant.
        static constexpr const char* kHostTests[] = {" == ", " == ", " == ", " == ", " == ",
                                                     " == ", " == ", " ends_with ",
                                                     " starts_with "};
        if (tools_.empty() || Chance(0.02)) tools_.push_back(StringConstant());
        const std::string tool = tools_[Below(tools_.size())];
        if (Chance(0.1)) return absl::StrCat("s1 == ", tool, " and s2 like ", DottedConstant("*"));
        const char* test = Pick(kHostTests);
        // Hosts of their own (few repeats), so that ~1,200 rules of 2,000
        // make a host table past kInlineListsFromKeys keys.
        std::string host = absl::StrCat(RawString(), Pick(kPieces), RawString());
        subject_ = "s2";
        Record(host);
        return absl::StrCat("s1 == ", tool, " and s2", test, WritQuoted(host));
      }
      default: {
        const bool duration = Chance(0.5);
        const auto constant = [&] { return duration ? DurationConstant() : IntConstant(); };
        const char* path = duration ? "d1" : "i1";
        if (Chance(0.5)) return absl::StrCat(path, " == ", constant());
        return absl::StrCat(path, " in ", ListOf(constant));
      }
    }
  }
  static constexpr const char* kOrderings[] = {"<", "<=", ">", ">="};

  // A suffix from a '.' on (a dotted-suffix key), after `wildcards` (a glob's).
  std::string DottedConstant(const std::string& wildcards) {
    std::string text = absl::StrCat(Chance(0.3) ? "x" : "", ".", RawString());
    Record(absl::StrCat(Pick(kPieces), text));
    std::string pattern;
    for (char c : text) {
      if (!wildcards.empty() && (c == '*' || c == '?' || c == '\\')) pattern += '\\';
      pattern += c;
    }
    return WritQuoted(wildcards + pattern);
  }

  std::string Obligation(const std::string& key) {
    if (key == "max_ttl") return DurationConstant();
    if (key == "max_uses") return IntConstant();
    if (key == "ratio") {
      // One literal type per key: only number literals (never "1").
      static constexpr const char* kRatios[] = {"-1.5", "0.5", "2.25", "1e3", "-0.0", "0.0"};
      return Pick(kRatios);
    }
    if (key == "mfa") return Chance(0.5) ? "true" : "false";
    return StringConstant();
  }

  // ------------------------------------------------------------ values

  std::string GoodValue(const Attribute& attribute) {
    if (rich_ && Chance(0.7)) {
      if (std::optional<std::string> value = RichValue(attribute)) return *value;
    }
    switch (attribute.type) {
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

  // A value near one of the policy's constants of `type` (Constants::kRich),
  // or nullopt when it used none.
  std::optional<std::string> RichValue(const Attribute& attribute) {
    switch (attribute.type) {
      case Type::kString:
        if (strings_.empty()) return std::nullopt;
        return JsonQuoted(Near(RecordedString(attribute.path)));
      case Type::kSet: {
        if (strings_.empty()) return std::nullopt;
        std::vector<std::string> elements;
        for (size_t n = Below(5); n > 0; --n) {
          elements.push_back(JsonQuoted(Near(RecordedString(attribute.path))));
        }
        return absl::StrCat("[", absl::StrJoin(elements, ", "), "]");
      }
      case Type::kInt:
        if (ints_.empty()) return std::nullopt;
        return absl::StrCat(SaturatingAdd(ints_[Below(ints_.size())],
                                          static_cast<int64_t>(Below(3)) - 1));
      case Type::kDuration: {
        if (durations_.empty()) return std::nullopt;
        const int64_t seconds = durations_[Below(durations_.size())] +
                                static_cast<int64_t>(Below(3)) - 1;
        return seconds % 60 == 0 && Chance(0.5) ? absl::StrCat("\"", seconds / 60, "m\"")
                                                : absl::StrCat(seconds);
      }
      case Type::kNumber: {
        if (numbers_.empty()) return std::nullopt;
        double value = numbers_[Below(numbers_.size())];
        constexpr double kInfinity = std::numeric_limits<double>::infinity();
        if (Chance(0.5)) value = std::nextafter(value, Chance(0.5) ? kInfinity : -kInfinity);
        if (!std::isfinite(value)) return std::nullopt;
        return absl::StrFormat("%.17g", value);
      }
      case Type::kIp:
        if (addresses_.empty()) return std::nullopt;
        return absl::StrCat("\"", FormatAddress(addresses_[Below(addresses_.size())], Chance(0.2)),
                            "\"");
      default: return std::nullopt;
    }
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
  bool rich_;
  size_t large_index_rules_ = 0;  // OneLargeIndex
  int large_index_shape_ = 0;
  bool large_index_allows_ = false;
  // Constants::kRich: what the policy's constants make true, or nearly.
  std::vector<std::string> strings_;
  std::vector<int64_t> ints_;
  std::vector<int64_t> durations_;
  std::vector<double> numbers_;
  std::vector<Address> addresses_;
  std::vector<std::string> tools_;  // kToolAndHostShape's s1 constants
  std::string subject_;              // the attribute of the atom being written
  std::map<std::string, std::vector<std::string>> strings_of_;  // by attribute
  size_t let_count_ = 0;
  size_t current_let_ = 0;
};

}  // namespace writ::differential

#endif  // WRIT_TESTS_DIFFERENTIAL_RANDOM_POLICY_H_
