// The writ policy language (SPEC §2) as PEGTL rules.
//
// This file holds the grammar and nothing else: every rule is a named type,
// no rule carries an action, and the human error message raised when a
// committed rule fails lives beside its rule in grammar/error_messages.h.
// The actions that build the AST from these rules are in src/parse/parser.cc.
//
// Conventions:
//  * every token rule is followed by `separator` (blanks and `#` comments)
//    in the rule that uses it, so rules start at a token and the separator's
//    start is the end of the previous token (where "expected ';'" points);
//  * `if_must<Keyword, ...>` marks a commitment point: once the keyword is
//    seen, every later failure raises the positioned message of the rule
//    that failed;
//  * wrappers that exist only to carry their own error message are written
//    `struct x : seq<y> {}` (not `: y`), so `y` is still matched as a rule
//    of its own, with its action if it has one;
//  * names that play different roles (rule, let, attribute, enum member,
//    obligation key) are distinct types, so the AST builder and the error
//    messages can tell them apart.
#ifndef WRIT_GRAMMAR_WRIT_GRAMMAR_H_
#define WRIT_GRAMMAR_WRIT_GRAMMAR_H_

#include <algorithm>
#include <cstddef>
#include <string_view>

#include <tao/pegtl.hpp>
#include <tao/pegtl/contrib/analyze_traits.hpp>

namespace writ::grammar {

namespace pegtl = tao::pegtl;

// ---------------------------------------------------------------- layout --

struct line_comment : pegtl::seq<pegtl::one<'#'>, pegtl::until<pegtl::eolf>> {};
struct blank : pegtl::sor<pegtl::space, line_comment> {};
struct separator : pegtl::star<blank> {};
using sep = separator;

// -------------------------------------------------------------- keywords --

struct kw_policy : TAO_PEGTL_KEYWORD("policy") {};
struct kw_version : TAO_PEGTL_KEYWORD("version") {};
struct kw_schema : TAO_PEGTL_KEYWORD("schema") {};
struct kw_let : TAO_PEGTL_KEYWORD("let") {};
struct kw_allow : TAO_PEGTL_KEYWORD("allow") {};
struct kw_deny : TAO_PEGTL_KEYWORD("deny") {};
struct kw_when : TAO_PEGTL_KEYWORD("when") {};
struct kw_unless : TAO_PEGTL_KEYWORD("unless") {};
struct kw_with : TAO_PEGTL_KEYWORD("with") {};
struct kw_because : TAO_PEGTL_KEYWORD("because") {};
struct kw_default : TAO_PEGTL_KEYWORD("default") {};
struct kw_and : TAO_PEGTL_KEYWORD("and") {};
struct kw_or : TAO_PEGTL_KEYWORD("or") {};
struct kw_not : TAO_PEGTL_KEYWORD("not") {};
struct kw_in : TAO_PEGTL_KEYWORD("in") {};
struct kw_has : TAO_PEGTL_KEYWORD("has") {};
struct kw_true : TAO_PEGTL_KEYWORD("true") {};
struct kw_false : TAO_PEGTL_KEYWORD("false") {};
struct kw_matches : TAO_PEGTL_KEYWORD("matches") {};
struct kw_like : TAO_PEGTL_KEYWORD("like") {};
struct kw_starts_with : TAO_PEGTL_KEYWORD("starts_with") {};
struct kw_ends_with : TAO_PEGTL_KEYWORD("ends_with") {};
struct kw_contains : TAO_PEGTL_KEYWORD("contains") {};
struct kw_contains_any : TAO_PEGTL_KEYWORD("contains_any") {};
struct kw_contains_all : TAO_PEGTL_KEYWORD("contains_all") {};
struct kw_within : TAO_PEGTL_KEYWORD("within") {};

// The text of a keyword rule (TAO_PEGTL_KEYWORD), read from its
// characters, so that the reserved words' texts below are the keyword
// rules themselves rather than a second list to keep in step.
template <char... Characters>
inline constexpr char kKeywordCharacters[] = {Characters...};

template <char... Characters>
constexpr std::string_view KeywordText(const pegtl::ascii::keyword<Characters...>*) {
  return std::string_view(kKeywordCharacters<Characters...>, sizeof...(Characters));
}

// A set of keywords as one rule (`sor`) and as texts (`texts`, `longest`).
template <typename... Keywords>
struct keyword_set {
  using rule = pegtl::sor<Keywords...>;
  static constexpr std::string_view texts[] = {
      KeywordText(static_cast<const Keywords*>(nullptr))...};
  static constexpr size_t longest =
      std::max({KeywordText(static_cast<const Keywords*>(nullptr)).size()...});
};

// Reserved words may not be used as any kind of name (SPEC §2).
using reserved_keywords =
    keyword_set<kw_policy, kw_version, kw_schema, kw_let, kw_allow, kw_deny, kw_when, kw_unless,
                kw_with, kw_because, kw_default, kw_and, kw_or, kw_not, kw_in, kw_has, kw_true,
                kw_false, kw_matches, kw_like, kw_starts_with, kw_ends_with, kw_contains,
                kw_contains_any, kw_contains_all, kw_within>;
struct reserved_word : reserved_keywords::rule {};

// not_at<reserved_word>, in one pass: reads the run of identifier
// characters ahead (consuming nothing) and looks it up among the reserved
// words, where not_at<reserved_word> tried the 26 keywords one after
// another before every name, ~9% of compiling a 10,000-rule policy. A
// keyword matches exactly when that run is the keyword (TAO_PEGTL_KEYWORD
// refuses a keyword followed by an identifier character), so the two agree
// on every input; tests/parse/grammar_test.cc checks them against each
// other on every keyword and on random near-keywords.
struct not_reserved_word {
  using rule_t = not_reserved_word;
  using subs_t = pegtl::empty_list;

  template <typename ParseInput>
  static bool match(ParseInput& in) noexcept {
    return !IsReservedWord(WordAt(in.current(), in.end()));
  }

  // The run of identifier characters from `start`, cut one past the
  // longest reserved word (a longer run is none).
  static constexpr std::string_view WordAt(const char* start, const char* end) noexcept {
    const size_t available = static_cast<size_t>(end - start);
    size_t size = 0;
    while (size < available && size <= kLongest && IsIdentifierCharacter(start[size])) ++size;
    return std::string_view(start, size);
  }

  static constexpr bool IsReservedWord(std::string_view word) noexcept {
    if (word.empty() || word.size() > kLongest) return false;
    for (std::string_view reserved : reserved_keywords::texts) {
      // Length and first letter first: most names fail on one of them.
      if (reserved.size() == word.size() && reserved[0] == word[0] && reserved == word) {
        return true;
      }
    }
    return false;
  }

 private:
  static constexpr size_t kLongest = reserved_keywords::longest;

  static constexpr bool IsIdentifierCharacter(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_';
  }
};

// ----------------------------------------------------------------- names --

struct identifier
    : pegtl::seq<not_reserved_word, pegtl::identifier_first,
                 pegtl::star<pegtl::identifier_other>> {};

// A dotted attribute path; no blanks inside.
template <typename Segment>
struct dotted : pegtl::seq<Segment, pegtl::star<pegtl::one<'.'>, pegtl::must<Segment>>> {};
struct path_segment : identifier {};

struct rule_name : identifier {};
struct let_name : identifier {};
struct enum_member : identifier {};
struct obligation_key : identifier {};
struct attribute_path : dotted<path_segment> {};  // in `schema`
struct subject_path : dotted<path_segment> {};    // left of an operator
struct has_path : dotted<path_segment> {};        // after `has`
struct operand_path : dotted<path_segment> {};    // right of an operator
struct element_name : identifier {};              // an enum member in a list

// -------------------------------------------------------------- literals --

struct digits : pegtl::plus<pegtl::digit> {};
struct minus_sign : pegtl::opt<pegtl::one<'-'>> {};
struct exponent_digits : digits {};
struct exponent
    : pegtl::seq<pegtl::one<'e', 'E'>, pegtl::opt<pegtl::one<'+', '-'>>,
                 pegtl::must<exponent_digits>> {};
struct fraction : pegtl::seq<pegtl::one<'.'>, digits> {};
struct number_literal
    : pegtl::seq<minus_sign, digits,
                 pegtl::sor<pegtl::seq<fraction, pegtl::opt<exponent>>, exponent>,
                 pegtl::not_at<pegtl::identifier_other>> {};
struct duration_unit : pegtl::one<'s', 'm', 'h', 'd'> {};
struct duration_literal
    : pegtl::seq<minus_sign, digits, duration_unit,
                 pegtl::not_at<pegtl::identifier_other>> {};
struct integer_literal
    : pegtl::seq<minus_sign, digits, pegtl::not_at<pegtl::identifier_other>> {};
// What an author may take for a duration but is none: a fraction or more
// than one unit (`1.5h`, `1h30m`, `5ms`). Tried once the number and
// duration literals have failed and before the integer, which would take
// the `1` of `1.5h` and leave ".5h" to fail as "expected ';'"; a valid
// literal never matches it. Raised at its first character.
struct malformed_duration
    : pegtl::seq<minus_sign, digits, pegtl::opt<fraction>, duration_unit,
                 pegtl::star<pegtl::identifier_other>> {};

struct unicode_digits : pegtl::rep_min_max<1, 6, pegtl::xdigit> {};
struct unicode_open : pegtl::one<'{'> {};
struct unicode_close : pegtl::one<'}'> {};
struct unicode_escape
    : pegtl::if_must<pegtl::one<'u'>, unicode_open, unicode_digits, unicode_close> {};
struct simple_escape : pegtl::one<'"', '\\', 'n', 't', 'r'> {};
struct escape_code : pegtl::sor<simple_escape, unicode_escape> {};
struct escape : pegtl::if_must<pegtl::one<'\\'>, escape_code> {};
struct plain_character : pegtl::not_one<'"', '\\', '\n', '\r'> {};
struct closing_quote : pegtl::one<'"'> {};
struct string_literal
    : pegtl::if_must<pegtl::one<'"'>, pegtl::star<pegtl::sor<escape, plain_character>>,
                     closing_quote> {};

struct literal_true : kw_true {};
struct literal_false : kw_false {};
struct literal
    : pegtl::sor<string_literal, number_literal, duration_literal,
                 pegtl::seq<pegtl::at<malformed_duration>, pegtl::raise<malformed_duration>>,
                 integer_literal, literal_true, literal_false> {};

// -------------------------------------------------------------- operators --

struct op_equal : pegtl::string<'=', '='> {};
struct op_not_equal : pegtl::string<'!', '='> {};
struct op_less_equal : pegtl::string<'<', '='> {};
struct op_greater_equal : pegtl::string<'>', '='> {};
struct op_less : pegtl::one<'<'> {};
struct op_greater : pegtl::one<'>'> {};
struct in_after_not : kw_in {};
struct op_not_in : pegtl::if_must<kw_not, sep, in_after_not> {};
struct op_in : kw_in {};
struct op_matches : kw_matches {};
struct op_like : kw_like {};
struct op_starts_with : kw_starts_with {};
struct op_ends_with : kw_ends_with {};
struct op_contains_any : kw_contains_any {};
struct op_contains_all : kw_contains_all {};
struct op_contains : kw_contains {};
struct op_within : kw_within {};
// A lone '=' is the most common slip; name it rather than fail later.
struct lone_equals : pegtl::seq<pegtl::one<'='>, pegtl::not_at<pegtl::one<'='>>> {};
struct comparison_operator
    : pegtl::sor<op_equal, op_not_equal, op_less_equal, op_greater_equal,
                 op_less, op_greater, op_not_in, op_in, op_matches, op_like,
                 op_starts_with, op_ends_with, op_contains_any, op_contains_all,
                 op_contains, op_within,
                 pegtl::seq<pegtl::at<lone_equals>, pegtl::raise<lone_equals>>> {};

// ------------------------------------------------------------- operands --

struct list_element : pegtl::sor<literal, element_name> {};
struct list_close : pegtl::one<']'> {};
struct list_next_element : list_element {};
struct list_literal
    : pegtl::if_must<pegtl::one<'['>, sep,
                     pegtl::opt<list_element, sep,
                                pegtl::star<pegtl::one<','>, sep,
                                            pegtl::must<list_next_element>, sep>>,
                     list_close> {};
struct operand : pegtl::sor<literal, list_literal, operand_path> {};

// ------------------------------------------------------------ conditions --

struct expression;
struct closing_parenthesis : pegtl::one<')'> {};
struct inner_expression;
struct parenthesized
    : pegtl::if_must<pegtl::one<'('>, sep, inner_expression, closing_parenthesis> {};
struct constant_true : kw_true {};
struct constant_false : kw_false {};
struct has_test : pegtl::if_must<kw_has, sep, has_path> {};
struct comparison
    : pegtl::seq<subject_path, sep,
                 pegtl::opt<comparison_operator, sep, pegtl::must<operand>>> {};
struct primary
    : pegtl::sor<parenthesized, constant_true, constant_false, has_test, comparison> {};
struct negated_operand;
struct negation : pegtl::if_must<kw_not, sep, negated_operand> {};
struct not_expression : pegtl::sor<negation, primary> {};
struct and_operand : pegtl::seq<not_expression> {};
struct and_expression
    : pegtl::seq<not_expression, sep,
                 pegtl::star<kw_and, sep, pegtl::must<and_operand>, sep>> {};
struct or_operand : pegtl::seq<and_expression> {};
struct or_expression
    : pegtl::seq<and_expression, pegtl::star<kw_or, sep, pegtl::must<or_operand>>> {};
struct expression : pegtl::seq<or_expression> {};
struct inner_expression : pegtl::seq<expression> {};
struct negated_operand : pegtl::seq<not_expression> {};

// ----------------------------------------------------------------- items --

struct semicolon : pegtl::one<';'> {};

struct policy_name : string_literal {};
struct policy_version : string_literal {};
struct header
    : pegtl::if_must<kw_policy, sep, policy_name, sep,
                     pegtl::opt<kw_version, sep, pegtl::must<policy_version>, sep>,
                     semicolon> {};

struct type_bool : TAO_PEGTL_KEYWORD("bool") {};
struct type_int : TAO_PEGTL_KEYWORD("int") {};
struct type_number : TAO_PEGTL_KEYWORD("number") {};
struct type_string : TAO_PEGTL_KEYWORD("string") {};
struct type_duration : TAO_PEGTL_KEYWORD("duration") {};
struct type_ip : TAO_PEGTL_KEYWORD("ip") {};
struct set_open : pegtl::one<'<'> {};
struct set_element_type : TAO_PEGTL_KEYWORD("string") {};
struct set_close : pegtl::one<'>'> {};
struct type_set
    : pegtl::if_must<TAO_PEGTL_KEYWORD("set"), sep, set_open, sep,
                     set_element_type, sep, set_close> {};
struct enum_open : pegtl::one<'('> {};
struct enum_close : pegtl::one<')'> {};
struct enum_next_member : enum_member {};
struct type_enum
    : pegtl::if_must<TAO_PEGTL_KEYWORD("enum"), sep, enum_open, sep, enum_member, sep,
                     pegtl::star<pegtl::one<','>, sep, pegtl::must<enum_next_member>, sep>,
                     enum_close> {};
struct attribute_type
    : pegtl::sor<type_set, type_enum, type_bool, type_int, type_number,
                 type_string, type_duration, type_ip> {};
// `redact` (issue #5) keeps a value out of logs, explanations and errors.
struct redact_marker : TAO_PEGTL_KEYWORD("redact") {};
struct attribute_colon : pegtl::one<':'> {};
struct schema_entry
    : pegtl::if_must<attribute_path, sep, attribute_colon, sep, attribute_type, sep,
                     pegtl::opt<redact_marker, sep>, semicolon> {};
struct schema_open : pegtl::one<'{'> {};
struct schema_close : pegtl::one<'}'> {};
struct schema
    : pegtl::if_must<kw_schema, sep, schema_open, sep,
                     pegtl::star<schema_entry, sep>, schema_close> {};

struct let_equals : pegtl::one<'='> {};
struct let_expression : pegtl::seq<expression> {};
struct let_definition
    : pegtl::if_must<kw_let, sep, let_name, sep, let_equals, sep, let_expression,
                     semicolon> {};

struct allow_effect : kw_allow {};
struct deny_effect : kw_deny {};
struct when_expression : pegtl::seq<expression> {};
struct unless_expression : pegtl::seq<expression> {};
struct when_clause : pegtl::if_must<kw_when, sep, when_expression> {};
struct unless_clause : pegtl::if_must<kw_unless, sep, unless_expression> {};
struct obligation_equals : pegtl::one<'='> {};
struct obligation_value : literal {};
struct obligation
    : pegtl::if_must<obligation_key, sep, obligation_equals, sep, obligation_value> {};
struct next_obligation : obligation {};
struct with_clause
    : pegtl::if_must<kw_with, sep, obligation, sep,
                     pegtl::star<pegtl::one<','>, sep, pegtl::must<next_obligation>, sep>> {};
struct reason : string_literal {};
struct because_clause : pegtl::if_must<kw_because, sep, reason, sep> {};
struct rule
    : pegtl::if_must<pegtl::sor<allow_effect, deny_effect>, sep, rule_name, sep,
                     pegtl::opt<when_clause>, pegtl::opt<unless_clause>,
                     pegtl::opt<with_clause>, pegtl::opt<because_clause>, semicolon> {};

struct default_allow : kw_allow {};
struct default_deny : kw_deny {};
struct default_effect : pegtl::sor<default_allow, default_deny> {};
struct default_decision : pegtl::if_must<kw_default, sep, default_effect, sep, semicolon> {};

struct item : pegtl::sor<header, schema, let_definition, rule, default_decision> {};
struct end_of_items : pegtl::eof {};
struct policy_file : pegtl::seq<sep, pegtl::star<item, sep>, pegtl::must<end_of_items>> {};

}  // namespace writ::grammar

// For pegtl::analyze: not_reserved_word consumes nothing and may fail.
template <typename Name>
struct tao::pegtl::analyze_traits<Name, writ::grammar::not_reserved_word>
    : tao::pegtl::analyze_opt_traits<> {};

#endif  // WRIT_GRAMMAR_WRIT_GRAMMAR_H_
