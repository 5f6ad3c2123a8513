#include "src/internal/json_writer.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/testing/utf8.h"

namespace writ::internal {
namespace {

// The escaping rules spelled out byte by byte, as the oracle for the
// word-at-a-time scan; a byte that starts no strictly valid UTF-8 sequence
// (by the textbook decoder) is U+FFFD.
std::string EscapeByteByByte(const std::string& text) {
  std::string out = "\"";
  for (size_t at = 0; at < text.size(); ++at) {
    const unsigned char byte = static_cast<unsigned char>(text[at]);
    switch (byte) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (byte < 0x20) {
          char escape[8];
          std::snprintf(escape, sizeof(escape), "\\u%04x", byte);
          out += escape;
        } else if (byte < 0x80) {
          out.push_back(static_cast<char>(byte));
        } else {
          size_t length = 2;
          while (length <= 4 && !test_support::IsStrictUtf8(text.substr(at, length))) ++length;
          if (length > 4 || at + length > text.size()) {
            out += "\\ufffd";
          } else {
            out += text.substr(at, length);
            at += length - 1;
          }
        }
    }
  }
  return out + "\"";
}

TEST(AppendJsonString, EscapesExactlyAsByteByByteOnRandomText) {
  // Pieces at the edges of each test: bytes below and at 0x20, the two
  // escaped printable characters and their neighbours, DEL; valid UTF-8 of
  // two, three and four bytes; stray, overlong, surrogate and cut
  // sequences.
  const std::vector<std::string> pieces = {
      std::string(1, '\0'), "\x01", "\x08", "\x1f", " ", "!", "\"", "#", "[", "\\", "]", "\x7f",
      "\n", "\t", "\r", "\xc3\xa9", "\xe6\x97\xa5", "\xf0\x9f\x98\x80", "\x80", "\xa0", "\xff",
      "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe6\x97", "\xf0\x9f"};
  std::mt19937 random(20261129);
  for (int trial = 0; trial < 20000; ++trial) {
    const size_t length = random() % 41;
    std::string text;
    for (size_t i = 0; i < length; ++i) {
      // Mostly plain letters, so long unescaped runs occur too.
      text += random() % 4 == 0 ? pieces[random() % pieces.size()]
                                : std::string(1, static_cast<char>('a' + random() % 26));
    }
    std::string out;
    AppendJsonString(text, &out);
    ASSERT_EQ(out, EscapeByteByByte(text)) << "trial " << trial;
  }
}

TEST(JsonWriter, PlacesCommasAndColonsInNestedContainers) {
  std::string out;
  JsonWriter json(&out);
  json.BeginObject();
  json.Key("a");
  json.Int(1);
  json.Key("list");
  json.BeginArray();
  json.Bool(true);
  json.Null();
  json.BeginObject();
  json.EndObject();
  json.BeginArray();
  json.EndArray();
  json.String("x");
  json.EndArray();
  json.Key("nested");
  json.BeginObject();
  json.Key("b");
  json.Bool(false);
  json.Key("c");
  json.Uint(18446744073709551615u);
  json.EndObject();
  json.EndObject();
  EXPECT_EQ(out,
            R"({"a":1,"list":[true,null,{},[],"x"],"nested":{"b":false,)"
            R"("c":18446744073709551615}})");
}

TEST(JsonWriter, EmptyContainersHaveNoCommas) {
  std::string out;
  JsonWriter json(&out);
  json.BeginArray();
  json.BeginArray();
  json.EndArray();
  json.BeginObject();
  json.EndObject();
  json.EndArray();
  EXPECT_EQ(out, "[[],{}]");
}

TEST(JsonWriter, StringValuesEndingInPunctuationStillGetCommas) {
  std::string out;
  JsonWriter json(&out);
  json.BeginArray();
  json.String("{");
  json.String(":");
  json.String("[");
  json.EndArray();
  EXPECT_EQ(out, R"(["{",":","["])");
}

TEST(JsonWriter, AppendsToTheCallersBufferSoItCanBeReused) {
  std::string out = "prefix ";
  {
    JsonWriter json(&out);
    json.BeginArray();
    json.Int(1);
    json.EndArray();
  }
  EXPECT_EQ(out, "prefix [1]");
  out.clear();
  JsonWriter json(&out);
  json.Int(-7);
  EXPECT_EQ(out, "-7");
}

struct EscapeCase {
  std::string text;
  std::string json;
};

class JsonEscape : public testing::TestWithParam<EscapeCase> {};

TEST_P(JsonEscape, FollowsRfc8259) {
  std::string out;
  JsonWriter(&out).String(GetParam().text);
  EXPECT_EQ(out, GetParam().json);
}

INSTANTIATE_TEST_SUITE_P(
    JsonWriter, JsonEscape,
    testing::Values(
        EscapeCase{"plain", R"("plain")"}, EscapeCase{"", R"("")"},
        EscapeCase{"say \"hi\"", R"("say \"hi\"")"},
        EscapeCase{"back\\slash", R"("back\\slash")"},
        EscapeCase{"a\nb\tc\rd\be\ff", R"("a\nb\tc\rd\be\ff")"},
        EscapeCase{std::string("nul\0x", 5), R"("nul\u0000x")"},
        EscapeCase{"\x01\x1f", R"("\u0001\u001f")"},
        // DEL, '/' and non-ASCII UTF-8 need no escape.
        EscapeCase{"\x7f/é日😀", "\"\x7f/é日😀\""},
        // What is not UTF-8 (a file name can be any bytes) is U+FFFD.
        EscapeCase{"q\xff.writ", R"("q\ufffd.writ")"},
        EscapeCase{"\xc3(\xe6\x97", R"("\ufffd(\ufffd\ufffd")"}));

struct DoubleCase {
  double value;
  const char* json;
};

class JsonDouble : public testing::TestWithParam<DoubleCase> {};

TEST_P(JsonDouble, IsTheShortestRoundTripText) {
  std::string out;
  JsonWriter(&out).Double(GetParam().value);
  EXPECT_EQ(out, GetParam().json);
}

INSTANTIATE_TEST_SUITE_P(
    JsonWriter, JsonDouble,
    testing::Values(DoubleCase{0.8, "0.8"}, DoubleCase{0.1, "0.1"},
                    DoubleCase{5.0, "5"}, DoubleCase{-1.5e3, "-1500"},
                    DoubleCase{1e300, "1e+300"}, DoubleCase{2.5e-8, "2.5e-08"},
                    DoubleCase{0.30000000000000004, "0.30000000000000004"},
                    DoubleCase{std::numeric_limits<double>::quiet_NaN(), "null"},
                    DoubleCase{std::numeric_limits<double>::infinity(), "null"},
                    DoubleCase{-std::numeric_limits<double>::infinity(),
                               "null"}));

TEST(JsonWriter, NonFiniteDoublesInAnArrayAreSeparatedNulls) {
  std::string out;
  JsonWriter json(&out);
  json.BeginArray();
  json.Double(std::nan(""));
  json.Double(1.25);
  json.EndArray();
  EXPECT_EQ(out, "[null,1.25]");
}

TEST(JsonWriter, IntegersCoverTheirWholeRange) {
  std::string out;
  JsonWriter json(&out);
  json.BeginArray();
  json.Int(std::numeric_limits<int64_t>::min());
  json.Int(std::numeric_limits<int64_t>::max());
  json.Uint(0);
  json.EndArray();
  EXPECT_EQ(out, "[-9223372036854775808,9223372036854775807,0]");
}

TEST(JsonWriter, KeysAreEscapedLikeStrings) {
  std::string out;
  JsonWriter json(&out);
  json.BeginObject();
  json.Key("a\"b");
  json.Int(1);
  json.EndObject();
  EXPECT_EQ(out, R"({"a\"b":1})");
}

}  // namespace
}  // namespace writ::internal
