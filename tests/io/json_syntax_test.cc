#include "src/io/json_syntax.h"

#include <optional>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "simdjson.h"

namespace writ::internal {
namespace {

struct PlaceCase {
  std::string json;
  size_t line;
  size_t column;
  std::string problem;
};

class JsonSyntaxPlace : public testing::TestWithParam<PlaceCase> {};

TEST_P(JsonSyntaxPlace, NamesTheFirstFaultAndWhereItIs) {
  const std::optional<JsonSyntaxError> error = FindJsonSyntaxError(GetParam().json);
  ASSERT_TRUE(error.has_value()) << GetParam().json;
  EXPECT_EQ(error->line, GetParam().line) << GetParam().json;
  EXPECT_EQ(error->column, GetParam().column) << GetParam().json;
  EXPECT_EQ(error->problem, GetParam().problem) << GetParam().json;
}

INSTANTIATE_TEST_SUITE_P(
    JsonSyntax, JsonSyntaxPlace,
    testing::Values(
        PlaceCase{"", 1, 1, "an empty document"},
        PlaceCase{"{\"a\": [1, \n", 2, 1, "the document ends early"},
        PlaceCase{R"({"tool": "x",})", 1, 14, "expected a member name in double quotes"},
        PlaceCase{"{\n  \"tool\": \"x\"\n  \"b\": 1}", 3, 3, "expected ',' or '}'"},
        PlaceCase{"[1, 2 3]", 1, 7, "expected ',' or ']'"},
        PlaceCase{R"({"a" 1})", 1, 6, "expected ':' after the member name"},
        PlaceCase{R"({"a": })", 1, 7, "expected a value"},
        PlaceCase{R"({"a": 01})", 1, 7, "a malformed number"},
        PlaceCase{R"({"a": 1.})", 1, 7, "a malformed number"},
        PlaceCase{R"({"a": tru})", 1, 7, "expected a value"},
        PlaceCase{R"({} {})", 1, 4, "text after the document's value"},
        PlaceCase{R"({"a": "abc)", 1, 7, "a string without its closing quote"},
        PlaceCase{"{\"a\": \"a\tb\"}", 1, 9, "a control character in a string (escape it)"},
        PlaceCase{"{\"a\": \"\xff\"}", 1, 8, "a string that is not UTF-8"},
        PlaceCase{R"({"a": "x\q"})", 1, 9,
                  R"(an unknown escape (\" \\ \/ \b \f \n \r \t \uXXXX))"},
        PlaceCase{R"({"a": "\u12G4"})", 1, 8,
                  R"(an unknown escape (\" \\ \/ \b \f \n \r \t \uXXXX))"},
        PlaceCase{R"({"a": "\ud800x"})", 1, 8, "a high surrogate without its low one"},
        PlaceCase{R"({"a": "\udc00"})", 1, 8, "a low surrogate without its high one"},
        PlaceCase{"{'a': 1}", 1, 2, "expected a member name in double quotes"}));

// A blank line of --jsonl input is answered "an empty document" whether it
// ends in LF or CRLF (its "\r" left in the line); it was "the document ends
// early", as if a value had been cut short.
TEST(JsonSyntax, WhitespaceAloneIsAnEmptyDocument) {
  for (const char* json : {"", "\r", " \t", "  \n "}) {
    const std::optional<JsonSyntaxError> error = FindJsonSyntaxError(json);
    ASSERT_TRUE(error.has_value()) << json;
    EXPECT_EQ(error->problem, "an empty document") << json;
  }
}

// simdjson refuses a byte-order mark (RFC 8259 §8.1 allows either); the
// fault is named rather than "expected a value" at 1:1, which did not say
// what to remove.
TEST(JsonSyntax, AByteOrderMarkIsNamed) {
  const std::optional<JsonSyntaxError> error = FindJsonSyntaxError("\xef\xbb\xbf{\"a\": 1}");
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->column, 1u);
  EXPECT_EQ(error->problem, "a UTF-8 byte-order mark (JSON text must not start with one)");
}

TEST(JsonSyntax, WellFormedDocumentsHaveNoFault) {
  for (const char* json :
       {R"({})", R"([])", R"("x")", R"(-0.5e+7)", R"(true)", " null ",
        R"({"a": [1, {"b": "\ud83d\ude00\"\\\/\b\f\n\r\t"}], "c": -12, "d": 99999999999999999999})",
        "{\"é\": \"日本\"}"}) {
    EXPECT_EQ(FindJsonSyntaxError(json), std::nullopt) << json;
  }
}

// Differential: on random mutations of a request, the scanner finds a
// fault exactly when simdjson refuses the document, except where simdjson
// refuses a well-formed number for its size (the scanner checks form only).
TEST(JsonSyntax, FindsAFaultExactlyWhenSimdjsonRefusesTheDocument) {
  const std::string base =
      R"({"tool": "search", "destination": {"host": "api.example.com", "port": 443},)"
      R"( "risk": {"score": 0.12, "signals": ["a", "b\n\u00e9"]}, "ok": [true, false, null]})";
  const std::vector<std::string> pieces = {
      "{", "}", "[", "]", ",", ":", "\"", "\\", "\\u", "\\ud800", "\\udc00", "0", "-", ".", "e",
      "1", "t", "true", "n", " ", "\n", "\t", "\x01", std::string(1, '\0'), "\xc3\xa9", "\xff",
      "\xe6\x97", "\xef\xbb\xbf", "\xed\xa0\x80", "99999999999999999999", "1e400", "x"};
  std::mt19937 random(20261203);
  simdjson::dom::parser parser;
  int refused = 0, accepted = 0;
  for (int trial = 0; trial < 30000; ++trial) {
    std::string json = base;
    const int edits = 1 + random() % 3;
    for (int edit = 0; edit < edits; ++edit) {
      const size_t at = random() % (json.size() + 1);
      const std::string& piece = pieces[random() % pieces.size()];
      switch (random() % 3) {
        case 0: json.insert(at, piece); break;
        case 1: json.erase(at, 1 + random() % 3); break;
        default: json.replace(at, 1, piece);
      }
    }
    simdjson::dom::element root;
    const simdjson::error_code error = parser.parse(json).get(root);
    const std::optional<JsonSyntaxError> fault = FindJsonSyntaxError(json);
    if (error == simdjson::NUMBER_ERROR && !fault.has_value()) continue;
    ASSERT_EQ(error != simdjson::SUCCESS, fault.has_value())
        << json << "\nsimdjson: " << simdjson::error_message(error)
        << "\nscanner: " << (fault ? fault->problem : "no fault");
    ++(fault ? refused : accepted);
  }
  EXPECT_GT(refused, 10000);
  EXPECT_GT(accepted, 1000);
}

}  // namespace
}  // namespace writ::internal
