#include "src/io/request_json.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstdint>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/check/checked_policy.h"
#include "src/io/value.h"

namespace writ::internal {
namespace {

using testing::HasSubstr;
using testing::Not;

struct AttributeSpec {
  std::string path;
  Type type;
  bool redact = false;
};

Type OfKind(TypeKind kind) { return Type{kind, {}}; }

Type DataClassEnum() {
  return Type{TypeKind::kEnum,
              {"public", "internal", "confidential", "restricted"}};
}

// What the checker builds from a schema block: slots in order, the path
// index and the tree of member keys.
Schema MakeSchema(const std::vector<AttributeSpec>& specs) {
  Schema schema;
  for (const AttributeSpec& spec : specs) {
    uint32_t slot = static_cast<uint32_t>(schema.attributes.size());
    schema.attributes.push_back({spec.path, spec.type, spec.redact, {}});
    schema.slot_by_path[spec.path] = slot;
  }
  schema.BuildMemberTree();
  return schema;
}

Schema TestSchema() {
  return MakeSchema({
      {"tool", OfKind(TypeKind::kString)},
      {"destination.host", OfKind(TypeKind::kString)},
      {"destination.ip", OfKind(TypeKind::kIp)},
      {"destination.port", OfKind(TypeKind::kInt)},
      {"data_class", DataClassEnum()},
      {"session.human_approved", OfKind(TypeKind::kBool)},
      {"session.age", OfKind(TypeKind::kDuration)},
      {"risk.score", OfKind(TypeKind::kNumber)},
      {"risk.signals", OfKind(TypeKind::kStringSet)},
      {"a.b.c.d", OfKind(TypeKind::kString)},
      {"secret.token", OfKind(TypeKind::kString), /*redact=*/true},
      {"secret.level", DataClassEnum(), /*redact=*/true},
      {"secret.age", OfKind(TypeKind::kDuration), /*redact=*/true},
      {"secret.ip", OfKind(TypeKind::kIp), /*redact=*/true},
  });
}

// A request's values without a writ::Request (which needs a compiled
// policy): the containers a Request owns.
struct Values {
  std::vector<Value> values;
  std::vector<ValueDetail> details;
  std::string texts;

  ValueStore store() { return ValueStore(&values, &details, &texts); }
};

// One slot's value, copied out of whichever part holds it for its type.
struct SlotValue {
  ValueState state = ValueState::kAbsent;
  bool boolean = false;
  int64_t integer = 0;
  double number = 0;
  std::string text;
  IpAddress ip;
  std::vector<std::string> set;
  std::string error;
};

SlotValue Read(const Schema& schema, const Values& values, uint32_t slot) {
  const Value& value = values.values.at(slot);
  const ValueDetail& detail = values.details.empty() ? NoDetail() : values.details.at(slot);
  SlotValue read;
  read.state = value.state;
  read.error = detail.error;
  switch (schema.attributes[slot].type.kind) {
    case TypeKind::kBool: read.boolean = value.boolean; break;
    case TypeKind::kNumber: read.number = value.number; break;
    case TypeKind::kString:
      read.text = std::string(TextOf(value, values.texts.data()));
      break;
    case TypeKind::kIp: read.ip = value.ip(); break;
    case TypeKind::kStringSet: read.set = detail.set; break;
    default: read.integer = value.integer;  // int, duration, enum
  }
  return read;
}

class RequestJson : public testing::Test {
 protected:
  // Parses a document that must be accepted.
  void Parse(absl::string_view json) {
    absl::Status status = FillRequestFromJson(schema_, json, values_.store());
    ASSERT_TRUE(status.ok()) << json << ": " << status;
  }

  absl::Status ParseStatus(absl::string_view json) {
    return FillRequestFromJson(schema_, json, values_.store());
  }

  SlotValue At(const std::string& path) const {
    return Read(schema_, values_, *schema_.Find(path));
  }

  void ExpectAbsent(const std::string& path) const {
    EXPECT_EQ(At(path).state, ValueState::kAbsent) << path;
  }

  void ExpectWrongType(const std::string& path,
                       const std::string& message) const {
    EXPECT_EQ(At(path).state, ValueState::kWrongType) << path;
    EXPECT_EQ(At(path).error, message) << path;
  }

  Schema schema_ = TestSchema();
  Values values_;
};

TEST_F(RequestJson, ReadsEveryTypeFromNestedObjects) {
  Parse(R"({
    "tool": "http.get",
    "destination": {"host": "a.example.com", "ip": "10.0.0.1", "port": 443},
    "data_class": "internal",
    "session": {"human_approved": true, "age": "5m"},
    "risk": {"score": 0.25, "signals": ["prompt_injection", "exfil"]}
  })");
  for (const AttributeInfo& attribute : schema_.attributes) {
    bool given = attribute.path.rfind("a.", 0) != 0 &&
                 attribute.path.rfind("secret.", 0) != 0;
    EXPECT_EQ(At(attribute.path).state,
              given ? ValueState::kPresent : ValueState::kAbsent)
        << attribute.path;
  }
  EXPECT_EQ(At("tool").text, "http.get");
  EXPECT_EQ(At("destination.host").text, "a.example.com");
  EXPECT_EQ(At("destination.ip").ip, *ParseIpAddress("10.0.0.1"));
  EXPECT_EQ(At("destination.port").integer, 443);
  EXPECT_EQ(At("data_class").integer, 1);
  EXPECT_TRUE(At("session.human_approved").boolean);
  EXPECT_EQ(At("session.age").integer, 300);
  EXPECT_EQ(At("risk.score").number, 0.25);
  EXPECT_EQ(At("risk.signals").set,
            (std::vector<std::string>{"prompt_injection", "exfil"}));
}

// A gateway's request (an address, no risk signals, nothing wrong-typed)
// needs no slot details: copying it, or reading the next one into it,
// touches its values and texts only.
TEST_F(RequestJson, AnAddressAndAnEmptySetNeedNoDetails) {
  Parse(R"({"tool": "http.get", "destination": {"ip": "2001:db8::7"},
            "risk": {"signals": []}})");
  EXPECT_TRUE(values_.details.empty());
  EXPECT_EQ(At("destination.ip").ip, *ParseIpAddress("2001:db8::7"));
  EXPECT_EQ(At("risk.signals").state, ValueState::kPresent);
  EXPECT_TRUE(At("risk.signals").set.empty());
}

// Read into a reused request, an empty set is empty, whatever set the
// slot's detail held for the request before.
TEST_F(RequestJson, AReusedRequestsEmptySetIsEmpty) {
  Parse(R"({"risk": {"signals": ["prompt_injection", "exfil"]}})");
  ASSERT_FALSE(values_.details.empty());
  Parse(R"({"risk": {"signals": []}})");
  EXPECT_EQ(At("risk.signals").state, ValueState::kPresent);
  EXPECT_TRUE(At("risk.signals").set.empty());
  Parse(R"({"risk": {"signals": ["exfil"]}})");
  EXPECT_EQ(At("risk.signals").set, std::vector<std::string>{"exfil"});
}

// Sets of every length in turn, read into one request: each reads back
// exactly its own members (the members a shorter set drops are parked for
// reuse, never read), and an array with a non-string leaves none of the
// last request's members behind.
TEST_F(RequestJson, AReusedRequestsSetsReadBackExactlyWhateverTheirLengths) {
  const std::vector<std::vector<std::string>> sets = {
      {"prompt_injection_attempt", "credential_exfiltration"},
      {},
      {"pii"},
      {"a_member_longer_than_fifteen", "b", "another_long_member_here"},
      {"x"},
      {"prompt_injection_attempt", "credential_exfiltration", "c", "d"},
  };
  for (int round = 0; round < 2; ++round) {
    for (const std::vector<std::string>& set : sets) {
      std::vector<std::string> quoted;
      for (const std::string& member : set) quoted.push_back(absl::StrCat("\"", member, "\""));
      Parse(absl::StrCat(R"({"risk": {"signals": [)", absl::StrJoin(quoted, ","), "]}}"));
      EXPECT_EQ(At("risk.signals").state, ValueState::kPresent);
      EXPECT_EQ(At("risk.signals").set, set);
    }
  }
  Parse(R"({"risk": {"signals": ["exfil", 7]}})");
  ExpectWrongType("risk.signals", "expected set<string>, got an array containing a non-string (int)");
  EXPECT_TRUE(values_.details[*schema_.Find("risk.signals")].set.empty());
  Parse(R"({"risk": {"signals": ["pii", "exfil"]}})");
  EXPECT_EQ(At("risk.signals").set, (std::vector<std::string>{"pii", "exfil"}));
}

TEST_F(RequestJson, DottedKeysAddressTheSameAttributes) {
  Parse(R"({"destination.host": "a.example.com", "risk.score": 1})");
  EXPECT_EQ(At("destination.host").text, "a.example.com");
  EXPECT_EQ(At("risk.score").number, 1.0);
}

TEST_F(RequestJson, DottedAndNestedKeysMixAtAnyLevel) {
  Parse(R"({"a": {"b.c": {"d": "x"}}})");
  EXPECT_EQ(At("a.b.c.d").text, "x");
  Parse(R"({"a.b": {"c": {"d": "y"}}})");
  EXPECT_EQ(At("a.b.c.d").text, "y");
}

TEST_F(RequestJson, NullMeansAbsent) {
  Parse(R"({"tool": null, "destination": {"port": null}, "risk": null})");
  ExpectAbsent("tool");
  ExpectAbsent("destination.port");
  ExpectAbsent("risk.score");
}

TEST_F(RequestJson, EmptyObjectLeavesEveryAttributeAbsent) {
  Parse("{}");
  ASSERT_EQ(values_.values.size(), schema_.attributes.size());
  EXPECT_TRUE(values_.details.empty());  // nothing needed one
  for (const AttributeInfo& attribute : schema_.attributes) {
    ExpectAbsent(attribute.path);
  }
}

TEST_F(RequestJson, KeysNotInTheSchemaAreIgnored) {
  Parse(R"({"unknown": 1, "destination": {"path": "/x", "host": "h"},
            "destination.nope": true, "Tool": "x", "": 0})");
  EXPECT_EQ(At("destination.host").text, "h");
  ExpectAbsent("tool");  // keys are case-sensitive
}

// SPEC §6: a value of the wrong type makes its attribute unknown with an
// `errors` entry. A scalar or an array where the schema has an object gives
// every attribute under it such a value; ignoring it passed a malformed
// request off as one that lacked those attributes.
TEST_F(RequestJson, AScalarWhereAnObjectIsExpectedMakesEveryAttributeUnderItWrongTyped) {
  Parse(R"({"destination": "example.com", "session": [1, 2], "a": {"b": 5}, "tool": "t"})");
  for (const char* path : {"destination.host", "destination.ip", "destination.port"}) {
    ExpectWrongType(path, "expected an object for 'destination', got string");
  }
  ExpectWrongType("session.human_approved", "expected an object for 'session', got array");
  ExpectWrongType("session.age", "expected an object for 'session', got array");
  ExpectWrongType("a.b.c.d", "expected an object for 'a.b', got int");
  EXPECT_EQ(At("tool").text, "t");
  ExpectAbsent("risk.score");
}

TEST_F(RequestJson, AScalarForADottedPrefixNamesThatPrefix) {
  Parse(R"({"a.b.c": true, "secret": 7})");
  ExpectWrongType("a.b.c.d", "expected an object for 'a.b.c', got bool");
  // No value is quoted, so a redacted attribute's message is the same.
  ExpectWrongType("secret.token", "expected an object for 'secret', got int");
}

TEST_F(RequestJson, NullWhereAnObjectIsExpectedMeansAbsent) {
  Parse(R"({"destination": null, "destination.host": "h"})");
  EXPECT_EQ(At("destination.host").text, "h");
  ExpectAbsent("destination.port");
}

TEST_F(RequestJson, AScalarPrefixAndAnAttributeUnderItAreGivenTwice) {
  for (const char* json : {R"({"destination": 5, "destination.host": "h"})",
                           R"({"destination.host": "h", "destination": 5})"}) {
    const absl::Status status = ParseStatus(json);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << json;
    EXPECT_THAT(status.message(), HasSubstr("attribute 'destination.host' is given twice"))
        << json;
  }
  EXPECT_THAT(ParseStatus(R"({"a": {"b.c": {"d": "x"}}, "a.b": 5})").message(),
              HasSubstr("attribute 'a.b.c.d' is given twice"));
}

TEST_F(RequestJson, DeepNestingBeyondTheSchemaIsIgnored) {
  std::string deep;
  for (int i = 0; i < 500; ++i) deep += R"({"x":)";
  deep += "1";
  for (int i = 0; i < 500; ++i) deep += "}";
  Parse(absl::StrCat(R"({"unrelated": )", deep, R"(, "a": {"b": {"c": )",
                     R"({"d": "found", "e": )", deep, "}}}}"));
  EXPECT_EQ(At("a.b.c.d").text, "found");
}

// A key the schema reads given twice in one object is an input error, as an
// attribute given twice is: JSON parsers disagree on what such a document
// means (the last wins, the first wins, merged), so a gateway acting on the
// request could read values other than the ones decided on.
TEST_F(RequestJson, AnObjectKeyGivenTwiceInOneObjectIsAnInputError) {
  for (const char* json : {
           R"({"destination": {"host": "h"}, "destination": {"port": 8080}})",
           R"({"destination": null, "destination": {"port": 8080}})",
           R"({"a": {"b": {"c": {"d": "x"}}}, "a": {"b.c.e": 1}})",
           R"({"a": {"b.c": {"d": "x"}, "b.c": {"e": 1}}})",
           R"({"a.b": {"c": {"d": "x"}}, "a\u002eb": {"e": 1}})",
           R"({"d\u0065stination": {"host": "h"}, "destination": {"port": 8080}})"}) {
    const absl::Status status = ParseStatus(json);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << json;
    EXPECT_THAT(status.message(), HasSubstr("' is given twice in one object")) << json;
  }
  EXPECT_THAT(ParseStatus(R"({"destination": {"host": "h"}, "tool": "t", "destination": {}})")
                  .message(),
              HasSubstr("the key 'destination' is given twice in one object"));
}

// Only the same key twice in one object: one object reached by different
// spellings, or the same key in two different objects, is fine.
TEST_F(RequestJson, OneObjectReachedByDifferentKeysMergesTheirAttributes) {
  Parse(R"({"a": {"b": {"c": {"d": "x"}}, "b.c": null}, "a.b": {"c": {}}, "a.b.c": {},
            "destination": {"host": "h"}, "destination.port": 8080,
            "zz": {"destination": {}}, "zz": 1})");
  EXPECT_EQ(At("a.b.c.d").text, "x");
  EXPECT_EQ(At("destination.host").text, "h");
  EXPECT_EQ(At("destination.port").integer, 8080);
}

TEST_F(RequestJson, TheSameObjectKeyInTheNextDocumentIsNotGivenTwice) {
  for (int i = 0; i < 3; ++i) Parse(R"({"destination": {"host": "h"}})");
  EXPECT_EQ(At("destination.host").text, "h");
}

struct InputErrorCase {
  const char* json;
  const char* message;
};

class RequestJsonInputError : public RequestJson,
                              public testing::WithParamInterface<InputErrorCase> {
};

TEST_P(RequestJsonInputError, IsInvalidArgumentWithAClearMessage) {
  absl::Status status = ParseStatus(GetParam().json);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr(GetParam().message));
}

INSTANTIATE_TEST_SUITE_P(
    RequestJson, RequestJsonInputError,
    testing::Values(
        // The same attribute twice.
        InputErrorCase{R"({"tool": "a", "tool": "b"})",
                       "attribute 'tool' is given twice"},
        InputErrorCase{R"({"destination": {"host": "a"},
                           "destination.host": "b"})",
                       "attribute 'destination.host' is given twice"},
        InputErrorCase{R"({"destination.port": 1,
                           "destination": {"port": 1}})",
                       "attribute 'destination.port' is given twice"},
        InputErrorCase{R"({"tool": null, "tool": "b"})",
                       "attribute 'tool' is given twice"},
        InputErrorCase{R"({"a": {"b.c": {"d": "x"}}, "a.b": {"c.d": "y"}})",
                       "attribute 'a.b.c.d' is given twice"},
        // Not an object.
        InputErrorCase{"[]", "a request must be a JSON object, not array"},
        InputErrorCase{"42", "a request must be a JSON object, not int"},
        InputErrorCase{R"("tool")",
                       "a request must be a JSON object, not string"},
        InputErrorCase{"null", "a request must be a JSON object, not null"},
        // Not JSON.
        // Not JSON: the first fault's place (src/io/json_syntax.h).
        InputErrorCase{"", "invalid JSON at line 1, column 1: an empty document"},
        InputErrorCase{"{", "invalid JSON at line 1, column 2: the document ends early"},
        InputErrorCase{R"({"tool": })", "invalid JSON at line 1, column 10: expected a value"},
        InputErrorCase{"{'tool': 'x'}",
                       "invalid JSON at line 1, column 2: expected a member name in double "
                       "quotes"},
        InputErrorCase{R"({"tool": "x"} {})",
                       "invalid JSON at line 1, column 15: text after the document's value"},
        InputErrorCase{"{\"tool\": \"x\",\n}",
                       "invalid JSON at line 2, column 1: expected a member name in double "
                       "quotes"},
        InputErrorCase{"{\"tool\": \"\xff\"}",
                       "invalid JSON at line 1, column 11: a string that is not UTF-8"},
        // A wide integer rewritten (json_numbers.h) places a later fault in
        // the document as sent.
        InputErrorCase{R"({"trace": 99999999999999999999, "tool": x})",
                       "invalid JSON at line 1, column 41: expected a value"}));

TEST_F(RequestJson, AttributeGivenTwiceIsNamedInTheError) {
  EXPECT_THAT(ParseStatus(R"({"risk": {"score": 1}, "risk.score": 2})")
                  .message(),
              HasSubstr("risk.score"));
}

TEST_F(RequestJson, DottedAndNestedSameAttributeIsAnInputError) {
  EXPECT_EQ(ParseStatus(R"({"session.age": 1, "session": {"age": 2}})").code(),
            absl::StatusCode::kInvalidArgument);
}

struct WrongTypeCase {
  const char* json;
  const char* path;
  const char* message;
};

class RequestJsonWrongType : public RequestJson,
                             public testing::WithParamInterface<WrongTypeCase> {
};

TEST_P(RequestJsonWrongType, MakesTheAttributeWrongTypedWithAMessage) {
  Parse(GetParam().json);
  ExpectWrongType(GetParam().path, GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    RequestJson, RequestJsonWrongType,
    testing::Values(
        // bool
        WrongTypeCase{R"({"session.human_approved": "true"})",
                      "session.human_approved", "expected bool, got string"},
        WrongTypeCase{R"({"session.human_approved": 1})",
                      "session.human_approved", "expected bool, got int"},
        // int
        WrongTypeCase{R"({"destination.port": "443"})", "destination.port",
                      "expected int, got string"},
        WrongTypeCase{R"({"destination.port": 5.0})", "destination.port",
                      "expected int, got number"},
        WrongTypeCase{R"({"destination.port": 1e3})", "destination.port",
                      "expected int, got number"},
        WrongTypeCase{R"({"destination.port": 9223372036854775808})",
                      "destination.port",
                      "expected int, got an integer outside the int64 range"},
        WrongTypeCase{R"({"destination.port": 99999999999999999999})",
                      "destination.port",
                      "expected int, got an integer outside the int64 range"},
        WrongTypeCase{R"({"destination.port": -9223372036854775809})",
                      "destination.port",
                      "expected int, got an integer outside the int64 range"},
        WrongTypeCase{R"({"destination.port": 1e20})", "destination.port",
                      "expected int, got an integer outside the int64 range"},
        WrongTypeCase{R"({"destination.port": true})", "destination.port",
                      "expected int, got bool"},
        // number
        WrongTypeCase{R"({"risk.score": "0.5"})", "risk.score",
                      "expected number, got string"},
        WrongTypeCase{R"({"risk.score": [0.5]})", "risk.score",
                      "expected number, got array"},
        // string
        WrongTypeCase{R"({"tool": 7})", "tool", "expected string, got int"},
        WrongTypeCase{R"({"tool": ["search"]})", "tool",
                      "expected string, got array"},
        WrongTypeCase{R"({"destination": {"host": {"name": "x"}}})",
                      "destination.host", "expected string, got object"},
        // duration
        WrongTypeCase{R"({"session.age": "5x"})", "session.age",
                      "'5x' is not a duration (one unit: s, m, h or d)"},
        WrongTypeCase{R"({"session.age": "1h30m"})", "session.age",
                      "'1h30m' is not a duration (one unit: s, m, h or d)"},
        WrongTypeCase{R"({"session.age": "106751991167301d"})", "session.age",
                      "'106751991167301d' is out of range for a duration (its seconds must "
                      "fit in an int64)"},
        WrongTypeCase{R"({"session.age": "-99999999999999999999s"})", "session.age",
                      "'-99999999999999999999s' is out of range for a duration (its seconds "
                      "must fit in an int64)"},
        WrongTypeCase{R"({"session.age": "5-m"})", "session.age",
                      "'5-m' is not a duration (one unit: s, m, h or d)"},
        WrongTypeCase{R"({"session.age": 2.5})", "session.age",
                      "expected duration, got number"},
        WrongTypeCase{R"({"session.age": false})", "session.age",
                      "expected duration, got bool"},
        WrongTypeCase{R"({"session.age": 18446744073709551615})", "session.age",
                      "expected duration, got an integer outside the int64 "
                      "range"},
        WrongTypeCase{R"({"session.age": 18446744073709551616})", "session.age",
                      "expected duration, got an integer outside the int64 "
                      "range"},
        // ip
        WrongTypeCase{R"({"destination.ip": "10.0.0.1%eth0"})",
                      "destination.ip", "'10.0.0.1%eth0' is not an IP address"},
        WrongTypeCase{R"({"destination.ip": "fe80::1%eth0"})", "destination.ip",
                      "'fe80::1%eth0' is not an IP address"},
        WrongTypeCase{R"({"destination.ip": "010.0.0.1"})", "destination.ip",
                      "'010.0.0.1' is not an IP address"},
        WrongTypeCase{R"({"destination.ip": 167772161})", "destination.ip",
                      "expected ip, got int"},
        // enum
        WrongTypeCase{R"({"data_class": "secret"})", "data_class",
                      "unknown member 'secret' of enum(public, internal, "
                      "confidential, restricted)"},
        WrongTypeCase{R"({"data_class": "Public"})", "data_class",
                      "unknown member 'Public' of enum(public, internal, "
                      "confidential, restricted)"},
        WrongTypeCase{R"({"data_class": 0})", "data_class",
                      "expected enum(public, internal, confidential, "
                      "restricted), got int"},
        // set<string>
        WrongTypeCase{R"({"risk.signals": "prompt_injection"})",
                      "risk.signals", "expected set<string>, got string"},
        WrongTypeCase{R"({"risk.signals": ["a", 1]})", "risk.signals",
                      "expected set<string>, got an array containing a "
                      "non-string (int)"},
        WrongTypeCase{R"({"risk.signals": ["a", null]})", "risk.signals",
                      "expected set<string>, got an array containing a "
                      "non-string (null)"},
        WrongTypeCase{R"({"risk.signals": [["a"]]})", "risk.signals",
                      "expected set<string>, got an array containing a "
                      "non-string (array)"},
        WrongTypeCase{R"({"risk.signals": {"a": true}})", "risk.signals",
                      "expected set<string>, got object"},
        // Redacted attributes never have their value quoted.
        WrongTypeCase{R"({"secret": {"age": "hunter2"}})", "secret.age",
                      "value withheld (redacted attribute): not a duration "
                      "(one unit: s, m, h or d)"},
        WrongTypeCase{R"({"secret": {"level": "hunter2"}})", "secret.level",
                      "value withheld (redacted attribute): not a member of "
                      "enum(public, internal, confidential, restricted)"},
        WrongTypeCase{R"({"secret": {"ip": "hunter2"}})", "secret.ip",
                      "value withheld (redacted attribute): not an IP "
                      "address"},
        WrongTypeCase{R"({"secret": {"token": 12345}})", "secret.token",
                      "expected string, got int"}));

TEST_F(RequestJson, WrongTypedAttributeDoesNotAffectOthers) {
  Parse(R"({"tool": 1, "destination": {"host": "h"}})");
  EXPECT_EQ(At("tool").state, ValueState::kWrongType);
  EXPECT_EQ(At("destination.host").state, ValueState::kPresent);
  EXPECT_EQ(At("destination.host").error, "");
}

TEST_F(RequestJson, LongValuesAreCutInMessages) {
  std::string long_value(1000, 'x');
  Parse(absl::StrCat(R"({"session.age": ")", long_value, R"("})"));
  EXPECT_EQ(At("session.age").error,
            absl::StrCat("'", std::string(64, 'x'),
                         "...' is not a duration (one unit: s, m, h or d)"));
}

TEST_F(RequestJson, LongValuesAreCutOnACodePointBoundary) {
  // 63 ASCII bytes, then two-byte code points straddling the 64-byte cut.
  std::string value = std::string(63, 'x') + "ééééé";
  Parse(absl::StrCat(R"({"destination.ip": ")", value, R"("})"));
  EXPECT_EQ(At("destination.ip").error,
            absl::StrCat("'", std::string(63, 'x'),
                         "...' is not an IP address"));
}

struct DurationCase {
  const char* json_value;
  int64_t seconds;
};

class RequestJsonDuration : public RequestJson,
                            public testing::WithParamInterface<DurationCase> {};

TEST_P(RequestJsonDuration, IsReadAsWholeSeconds) {
  Parse(absl::StrCat(R"({"session": {"age": )", GetParam().json_value, "}}"));
  ASSERT_EQ(At("session.age").state, ValueState::kPresent)
      << At("session.age").error;
  EXPECT_EQ(At("session.age").integer, GetParam().seconds);
}

INSTANTIATE_TEST_SUITE_P(
    RequestJson, RequestJsonDuration,
    testing::Values(
        DurationCase{"90", 90}, DurationCase{"0", 0}, DurationCase{"-5", -5},
        DurationCase{R"("90s")", 90}, DurationCase{R"("5m")", 300},
        DurationCase{R"("2h")", 7200}, DurationCase{R"("1d")", 86400},
        DurationCase{R"("-5m")", -300}, DurationCase{R"("0s")", 0},
        DurationCase{R"("9223372036854775807s")",
                     std::numeric_limits<int64_t>::max()},
        DurationCase{R"("-9223372036854775808s")",
                     std::numeric_limits<int64_t>::min()},
        DurationCase{R"("106751991167300d")", 106751991167300 * 86400}));

class RequestJsonBadDuration : public RequestJson,
                               public testing::WithParamInterface<const char*> {
};

TEST_P(RequestJsonBadDuration, IsWrongTyped) {
  Parse(absl::StrCat(R"({"session": {"age": ")", GetParam(), R"("}})"));
  EXPECT_EQ(At("session.age").state, ValueState::kWrongType) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(
    RequestJson, RequestJsonBadDuration,
    testing::Values("", "s", "5", "-", "-s", "5 m", " 5m", "5m ", "+5m", "5M",
                    "5ms", "1h30m", "5.5m", "5w", "m5", "--5m", "0x5s",
                    "9223372036854775808s", "-9223372036854775809s",
                    "106751991167301d", "99999999999999999999999s"));

TEST_F(RequestJson, Ipv4MappedIpv6IsTakenAsIpv4) {
  Parse(R"({"destination": {"ip": "::ffff:10.0.0.1"}})");
  EXPECT_EQ(At("destination.ip").ip, *ParseIpAddress("10.0.0.1"));
  EXPECT_TRUE(At("destination.ip").ip.is_v4());
}

TEST_F(RequestJson, EnumMembersAreReadAsTheirIndex) {
  Parse(R"({"data_class": "restricted"})");
  EXPECT_EQ(At("data_class").integer, 3);
  Parse(R"({"data_class": "public"})");
  EXPECT_EQ(At("data_class").integer, 0);
}

TEST_F(RequestJson, IntegersAreValidNumbers) {
  Parse(R"({"risk.score": 2})");
  EXPECT_EQ(At("risk.score").number, 2.0);
  Parse(R"({"risk.score": 18446744073709551615})");
  EXPECT_EQ(At("risk.score").number, 18446744073709551615.0);
}

TEST_F(RequestJson, IntsCoverTheWholeInt64Range) {
  Parse(R"({"destination.port": -9223372036854775808})");
  EXPECT_EQ(At("destination.port").integer,
            std::numeric_limits<int64_t>::min());
  Parse(R"({"destination.port": 9223372036854775807})");
  EXPECT_EQ(At("destination.port").integer,
            std::numeric_limits<int64_t>::max());
}

// simdjson refuses a whole document with an integer outside [INT64_MIN,
// UINT64_MAX]; such a number is valid JSON (RFC 8259 sets no bound), so the
// reader reads it as the double nearest to it (src/io/json_numbers.h).
TEST_F(RequestJson, IntegersBeyondSixtyFourBitsAreNumbers) {
  Parse(R"({"risk.score": 99999999999999999999})");
  EXPECT_EQ(At("risk.score").number, 1e20);
  Parse(R"({"risk.score": -123456789012345678901234567890})");
  EXPECT_EQ(At("risk.score").number, -123456789012345678901234567890.0);
  Parse(R"({"risk.score": 18446744073709551616})");
  EXPECT_EQ(At("risk.score").number, 18446744073709551616.0);
}

TEST_F(RequestJson, AWideIntegerUnderAKeyOutsideTheSchemaIsIgnored) {
  Parse(R"({"trace": 123456789012345678901234567890, "tool": "search",
            "context": {"ids": [99999999999999999999, -99999999999999999999]}})");
  EXPECT_EQ(At("tool").text, "search");
}

TEST_F(RequestJson, RewritingWideIntegersLeavesStringsAsTheyWere) {
  Parse(R"({"tool": "99999999999999999999", "risk.score": 99999999999999999999,
            "destination": {"host": "a\"99999999999999999999\\"}})");
  EXPECT_EQ(At("tool").text, "99999999999999999999");
  EXPECT_EQ(At("destination.host").text, "a\"99999999999999999999\\");
  EXPECT_EQ(At("risk.score").number, 1e20);
}

// The message places the number rather than quoting it: it may be a
// redacted attribute's value (docs/embedding.md, "redact").
TEST_F(RequestJson, ANumberBeyondADoublesRangeIsAnInputErrorThatSaysWhere) {
  absl::Status status = ParseStatus(R"({"risk.score": 1e400})");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "the number at line 1, column 16 is beyond the range of a double");
  // Under an ignored key too: there is no value to ignore it with.
  status = ParseStatus("{\"tool\": \"x\",\n \"other\": -1.8e308}");
  EXPECT_EQ(status.message(), "the number at line 2, column 11 is beyond the range of a double");
  status = ParseStatus(absl::StrCat(R"({"risk.score": 1)", std::string(400, '0'), "}"));
  EXPECT_EQ(status.message(), "the number at line 1, column 16 is beyond the range of a double");
}

// A number too small for a double reads as 0 or a subnormal (as simdjson
// reads it), also when a wide integer elsewhere sends the document through
// the rewrite.
TEST_F(RequestJson, ANumberTooSmallForADoubleIsNotOutOfRange) {
  Parse(R"({"risk.score": 1e-400, "trace": 99999999999999999999})");
  EXPECT_EQ(At("risk.score").number, 0.0);
  Parse(R"({"risk.score": -0.00001e-400, "trace": 99999999999999999999})");
  EXPECT_EQ(At("risk.score").number, 0.0);
  Parse(R"({"risk.score": 1000e-310, "trace": 99999999999999999999})");
  EXPECT_EQ(At("risk.score").number, 1e-307);
}

TEST_F(RequestJson, ADocumentWithAWideIntegerAndAnotherFaultIsStillInvalid) {
  for (const char* json : {R"({"risk.score": 99999999999999999999,})",
                           R"({"risk.score": 099999999999999999999})",
                           R"({"risk.score": 99999999999999999999.})",
                           R"({"risk.score": 99999999999999999999 "tool": "x"})"}) {
    absl::Status status = ParseStatus(json);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << json;
    EXPECT_THAT(std::string(status.message()), testing::StartsWith("invalid JSON")) << json;
  }
}

// Differential: a random well-formed JSON number of up to 400 digits reads
// as the double strtod gives for it, or, when strtod overflows, is refused.
TEST_F(RequestJson, EveryWellFormedNumberReadsAsStrtodReadsIt) {
  std::mt19937_64 random(20261203);
  const auto digits = [&](size_t count, bool leading_nonzero) {
    std::string text;
    for (size_t i = 0; i < count; ++i) {
      const bool nonzero = leading_nonzero && i == 0;
      text += static_cast<char>('0' + (nonzero ? 1 + random() % 9 : random() % 10));
    }
    return text;
  };
  int wide = 0, refused = 0;
  for (int trial = 0; trial < 4000; ++trial) {
    std::string number = random() % 2 ? "-" : "";
    const size_t integer_digits = 1 + random() % 400;
    number += integer_digits == 1 ? digits(1, false) : digits(integer_digits, true);
    if (random() % 3 == 0) number += "." + digits(1 + random() % 30, false);
    if (random() % 3 == 0) {
      number += absl::StrCat(random() % 2 ? "e" : "E-", random() % 700);
    }
    const absl::Status status = ParseStatus(absl::StrCat(R"({"risk.score": )", number, "}"));
    const double expected = std::strtod(number.c_str(), nullptr);
    if (std::isinf(expected)) {
      ++refused;
      EXPECT_THAT(std::string(status.message()), testing::HasSubstr("beyond the range of a double"))
          << number;
      continue;
    }
    ASSERT_TRUE(status.ok()) << number << ": " << status;
    EXPECT_EQ(At("risk.score").number, expected) << number;
    wide += integer_digits > 20;
  }
  EXPECT_GT(wide, 1000);
  EXPECT_GT(refused, 500);
}

TEST_F(RequestJson, EmptyArrayIsAPresentEmptySet) {
  Parse(R"({"risk": {"signals": []}})");
  EXPECT_EQ(At("risk.signals").state, ValueState::kPresent);
  EXPECT_TRUE(At("risk.signals").set.empty());
}

TEST_F(RequestJson, ReparsingResetsEverySlot) {
  Parse(R"({"tool": "search", "risk": {"signals": ["a", "b", "c"]},
            "destination.port": "bad"})");
  Parse(R"({"risk": {"signals": ["z"]}})");
  ExpectAbsent("tool");
  ExpectAbsent("destination.port");
  EXPECT_EQ(At("destination.port").error, "");
  EXPECT_EQ(At("risk.signals").set, std::vector<std::string>{"z"});
}

TEST_F(RequestJson, MembersInAnotherOrderThanTheLastDocumentLandInTheirSlots) {
  // The reader guesses each member's slot from the previous document's
  // member at the same position; a different order must only miss.
  Parse(R"({"tool": "search", "data_class": "public", "risk": {"score": 0.5}})");
  Parse(R"({"data_class": "internal", "risk": {"score": 0.25}, "tool": "mail"})");
  EXPECT_EQ(At("tool").text, "mail");
  EXPECT_EQ(At("data_class").integer, 1);
  EXPECT_EQ(At("risk.score").number, 0.25);
  Parse(R"({"risk": {"score": 0.75}, "unknown": 1, "tool": "ship"})");
  EXPECT_EQ(At("tool").text, "ship");
  EXPECT_EQ(At("risk.score").number, 0.75);
  ExpectAbsent("data_class");
}

TEST_F(RequestJson, AnotherSchemasDocumentOnTheSameThreadLandsInThisSchemasSlots) {
  // Guesses are per thread, not per schema: a document for another policy
  // read in between leaves guesses that name other slots (slot 0 is "tool"
  // here, "risk.score" there, and slot 1 is beyond its schema).
  Parse(R"({"tool": "search", "data_class": "public"})");
  const Schema other = MakeSchema({{"risk.score", OfKind(TypeKind::kNumber)}});
  Values other_values;
  ASSERT_TRUE(FillRequestFromJson(other, R"({"tool": "x", "risk.score": 0.5})",
                                  other_values.store())
                  .ok());
  EXPECT_EQ(other_values.values.at(0).number, 0.5);
  Parse(R"({"risk.score": 0.125, "tool": "mail"})");
  EXPECT_EQ(At("risk.score").number, 0.125);
  EXPECT_EQ(At("tool").text, "mail");
  ExpectAbsent("data_class");
}

TEST_F(RequestJson, StringsAreUnescaped) {
  Parse(R"({"tool": "a\"b\\c\u00e9\n"})");
  EXPECT_EQ(At("tool").text, "a\"b\\cé\n");
}

// ---------------------------------------------------------------------------
// The setters' typed assignment follows the same rules as JSON.

class TypedAssignment : public testing::Test {
 protected:
  void SetUp() override { values_.store().Reset(schema_.attributes.size()); }

  // The slot of `path`, which Last() then reads.
  uint32_t Slot(absl::string_view path) {
    last_ = *schema_.Find(path);
    return last_;
  }
  ValueStore Store() { return values_.store(); }
  SlotValue Last() const { return Read(schema_, values_, last_); }

  Schema schema_ = TestSchema();
  Values values_;
  uint32_t last_ = 0;
};

TEST_F(TypedAssignment, IntOnANumberAttributeIsStoredAsANumber) {
  AssignInt(schema_, Slot("risk.score"), 3, Store());
  EXPECT_EQ(Last().state, ValueState::kPresent);
  EXPECT_EQ(Last().number, 3.0);
}

TEST_F(TypedAssignment, IntOnADurationAttributeIsSeconds) {
  AssignInt(schema_, Slot("session.age"), 42, Store());
  EXPECT_EQ(Last().state, ValueState::kPresent);
  EXPECT_EQ(Last().integer, 42);
}

TEST_F(TypedAssignment, StringOnAnIntAttributeIsWrongTyped) {
  AssignString(schema_, Slot("destination.port"), "443", Store());
  EXPECT_EQ(Last().state, ValueState::kWrongType);
  EXPECT_EQ(Last().error, "expected int, got string");
}

TEST_F(TypedAssignment, NumberOnAnIntAttributeIsWrongTyped) {
  AssignNumber(schema_, Slot("destination.port"), 5.0, Store());
  EXPECT_EQ(Last().state, ValueState::kWrongType);
  EXPECT_EQ(Last().error, "expected int, got number");
}

TEST_F(TypedAssignment, StringOnTextualTypesIsParsedPerType) {
  AssignString(schema_, Slot("session.age"), "2h", Store());
  EXPECT_EQ(Last().integer, 7200);
  AssignString(schema_, Slot("data_class"), "confidential", Store());
  EXPECT_EQ(Last().integer, 2);
  AssignString(schema_, Slot("destination.ip"), "::1", Store());
  EXPECT_EQ(Last().ip, *ParseIpAddress("::1"));
  EXPECT_EQ(Last().state, ValueState::kPresent);
}

TEST_F(TypedAssignment, DurationSecondsOnlyFitDurations) {
  AssignDurationSeconds(schema_, Slot("session.age"), 60, Store());
  EXPECT_EQ(Last().state, ValueState::kPresent);
  EXPECT_EQ(Last().integer, 60);
  AssignDurationSeconds(schema_, Slot("destination.port"), 60, Store());
  EXPECT_EQ(Last().state, ValueState::kWrongType);
  EXPECT_EQ(Last().error, "expected int, got duration");
}

TEST_F(TypedAssignment, IpIsParsedAndOnlyFitsIps) {
  AssignIp(schema_, Slot("destination.ip"), "10.0.0.1", Store());
  EXPECT_EQ(Last().state, ValueState::kPresent);
  AssignIp(schema_, Slot("destination.ip"), "10.0.0.256", Store());
  EXPECT_EQ(Last().error, "'10.0.0.256' is not an IP address");
  AssignIp(schema_, Slot("tool"), "10.0.0.1", Store());
  EXPECT_EQ(Last().error, "expected string, got ip");
}

TEST_F(TypedAssignment, EnumMemberIsCaseSensitiveAndOnlyFitsEnums) {
  AssignEnumMember(schema_, Slot("data_class"), "internal", Store());
  EXPECT_EQ(Last().state, ValueState::kPresent);
  EXPECT_EQ(Last().integer, 1);
  AssignEnumMember(schema_, Slot("data_class"), "INTERNAL", Store());
  EXPECT_EQ(Last().state, ValueState::kWrongType);
  AssignEnumMember(schema_, Slot("tool"), "internal", Store());
  EXPECT_EQ(Last().error, "expected string, got enum member");
}

TEST_F(TypedAssignment, StringSetOnlyFitsSets) {
  AssignStringSet(schema_, Slot("risk.signals"), {"a", "b"}, Store());
  EXPECT_EQ(Last().state, ValueState::kPresent);
  EXPECT_EQ(Last().set, (std::vector<std::string>{"a", "b"}));
  AssignStringSet(schema_, Slot("tool"), {"a"}, Store());
  EXPECT_EQ(Last().error, "expected string, got set<string>");
}

TEST_F(TypedAssignment, BoolOnlyFitsBools) {
  AssignBool(schema_, Slot("session.human_approved"), true, Store());
  EXPECT_EQ(Last().state, ValueState::kPresent);
  EXPECT_TRUE(Last().boolean);
  AssignBool(schema_, Slot("risk.score"), true, Store());
  EXPECT_EQ(Last().error, "expected number, got bool");
}

TEST_F(TypedAssignment, AGoodValueClearsAnEarlierError) {
  AssignString(schema_, Slot("destination.port"), "x", Store());
  AssignInt(schema_, Slot("destination.port"), 1, Store());
  EXPECT_EQ(Last().state, ValueState::kPresent);
  EXPECT_EQ(Last().error, "");
}

TEST_F(TypedAssignment, ClearMakesTheSlotAbsent) {
  AssignString(schema_, Slot("destination.port"), "x", Store());
  ClearValue(last_, Store());
  EXPECT_EQ(Last().state, ValueState::kAbsent);
  EXPECT_EQ(Last().error, "");
}

TEST_F(TypedAssignment, RedactedValuesAreNeverQuoted) {
  const std::string secret = "hunter2-do-not-log";
  for (const char* path : {"secret.age", "secret.level", "secret.ip"}) {
    AssignString(schema_, Slot(path), secret, Store());
    EXPECT_EQ(Last().state, ValueState::kWrongType) << path;
    EXPECT_THAT(Last().error, HasSubstr("value withheld")) << path;
    EXPECT_THAT(Last().error, Not(HasSubstr(secret))) << path;
  }
}

// ---------------------------------------------------------------------------
// Schema lookups and type names.

TEST(Schema, FindResolvesFullPathsOnly) {
  Schema schema = TestSchema();
  EXPECT_EQ(schema.Find("tool"), 0u);
  EXPECT_EQ(schema.Find("destination.port"), 3u);
  EXPECT_EQ(schema.Find("destination"), std::nullopt);
  EXPECT_EQ(schema.Find("Tool"), std::nullopt);
}

TEST(Schema, MemberTreeHoldsEachSegmentOnceUnderItsObject) {
  Schema schema = TestSchema();
  ASSERT_FALSE(schema.objects.empty());
  const uint32_t destination = schema.FindMember(0, "destination");
  ASSERT_NE(destination, Schema::kNoIndex);
  const Schema::Member& member = schema.objects[0].members[destination];
  EXPECT_EQ(member.slot, Schema::kNoIndex);
  ASSERT_NE(member.object, Schema::kNoIndex);
  const uint32_t port = schema.FindMember(member.object, "port");
  ASSERT_NE(port, Schema::kNoIndex);
  EXPECT_EQ(schema.objects[member.object].members[port].slot, *schema.Find("destination.port"));
  EXPECT_EQ(schema.objects[member.object].members.size(), 3u);  // host, ip, port
  EXPECT_EQ(schema.FindMember(0, "destination.port"), Schema::kNoIndex);  // one segment only
  EXPECT_EQ(schema.FindMember(0, "Tool"), Schema::kNoIndex);
  EXPECT_EQ(Schema{}.FindMember(0, "tool"), Schema::kNoIndex);  // never built
}

TEST(Schema, MemberTreeLooksUpALargeObjectByKey) {
  std::vector<AttributeSpec> specs;
  for (int i = 0; i < 40; ++i) specs.push_back({absl::StrCat("a", i), OfKind(TypeKind::kInt)});
  for (int i = 0; i < 40; ++i) {
    specs.push_back({absl::StrCat("wide.b", i), OfKind(TypeKind::kInt)});
  }
  Schema schema = MakeSchema(specs);
  EXPECT_FALSE(schema.objects[0].index_by_key.empty());
  for (int i = 0; i < 40; ++i) {
    const uint32_t index = schema.FindMember(0, absl::StrCat("a", i));
    ASSERT_NE(index, Schema::kNoIndex) << i;
    EXPECT_EQ(schema.objects[0].members[index].slot, static_cast<uint32_t>(i));
  }
  EXPECT_EQ(schema.FindMember(0, "a40"), Schema::kNoIndex);
  Values values;
  ASSERT_TRUE(FillRequestFromJson(schema, R"({"a39": 1, "wide": {"b0": 2}, "wide.b39": 3})",
                                  values.store())
                  .ok());
  EXPECT_EQ(values.values[39].integer, 1);
  EXPECT_EQ(values.values[40].integer, 2);
  EXPECT_EQ(values.values[79].integer, 3);
  EXPECT_EQ(values.values[0].state, ValueState::kAbsent);
}

// A random schema of int attributes over a few segment names (up to three
// deep, no path a prefix of another), and random documents that give some
// of them, each spelled its own way (nested objects, dotted keys, or both
// mixed), among members the schema does not know, in random order. The
// reader must put every given value in its attribute's slot and leave the
// rest absent, whatever order the previous document (read under this
// schema or the other one) had. The expected values come from the
// generator, not from the reader.
TEST(RequestJsonProperty, EverySpellingOfAPathLandsInItsSlot) {
  std::mt19937 random(20261202);
  const std::vector<std::string> segments = {"a", "b", "c", "dd", "host", "id"};
  auto make_schema = [&]() {
    std::vector<AttributeSpec> specs;
    std::vector<std::string> paths;
    const size_t wanted = 1 + random() % 14;
    for (size_t attempt = 0; attempt < 200 && paths.size() < wanted; ++attempt) {
      std::string path;
      const size_t depth = 1 + random() % 3;
      for (size_t i = 0; i < depth; ++i) {
        absl::StrAppend(&path, i == 0 ? "" : ".", segments[random() % segments.size()]);
      }
      bool clashes = false;
      for (const std::string& other : paths) {
        const std::string& shorter = other.size() < path.size() ? other : path;
        const std::string& longer = other.size() < path.size() ? path : other;
        if (longer == shorter || longer.compare(0, shorter.size() + 1, shorter + ".") == 0) {
          clashes = true;
        }
      }
      if (clashes) continue;
      paths.push_back(path);
      specs.push_back({path, OfKind(TypeKind::kInt)});
    }
    return MakeSchema(specs);
  };
  // One top-level member giving `value` at `path`: the path's segments cut
  // into keys at random, each key but the last opening an object. Its
  // top-level key is not one of `used_keys` (a key given twice in one
  // object is an input error): the whole path as one key is never a
  // prefix another member opens.
  auto spell = [&](const std::string& path, const std::string& value,
                   std::set<std::string>* used_keys) {
    std::vector<std::string> keys = {""};
    for (char c : path) {
      if (c == '.' && random() % 2 == 0) {
        keys.emplace_back();
      } else {
        keys.back().push_back(c);
      }
    }
    if (!used_keys->insert(keys[0]).second) keys = {path};
    std::string text = value;
    for (size_t i = keys.size(); i-- > 0;) {
      text = i == 0 ? absl::StrCat("\"", keys[i], "\": ", text)
                    : absl::StrCat("{\"", keys[i], "\": ", text, "}");
    }
    return text;
  };
  const Schema schemas[2] = {make_schema(), make_schema()};
  Values values[2];
  int documents = 0;
  for (int round = 0; round < 3000; ++round) {
    const int which = static_cast<int>(random() % 2);
    const Schema& schema = schemas[which];
    std::vector<int64_t> expected(schema.attributes.size(), -1);
    std::vector<std::string> members;
    std::set<std::string> used_keys;
    // Unknown members: a new key, a known object holding an unknown key, a
    // known object given null (absent), a known path one level too deep.
    members.push_back(R"("zz": 1)");
    members.push_back(absl::StrCat("\"", schema.attributes[0].path, ".zz\": 5"));
    if (schema.attributes[0].path.find('.') != std::string::npos) {
      const std::string& path = schema.attributes[0].path;
      used_keys.insert(path.substr(0, path.find('.')));
      members.push_back(absl::StrCat("\"", path.substr(0, path.find('.')), "\": null"));
    }
    for (uint32_t slot = 0; slot < schema.attributes.size(); ++slot) {
      if (random() % 3 == 0) continue;
      expected[slot] = random() % 1000;
      members.push_back(
          spell(schema.attributes[slot].path, absl::StrCat(expected[slot]), &used_keys));
    }
    std::shuffle(members.begin(), members.end(), random);
    const std::string json = absl::StrCat("{", absl::StrJoin(members, ", "), "}");
    absl::Status status = FillRequestFromJson(schema, json, values[which].store());
    ASSERT_TRUE(status.ok()) << json << ": " << status;
    for (uint32_t slot = 0; slot < schema.attributes.size(); ++slot) {
      const Value& value = values[which].values.at(slot);
      if (expected[slot] < 0) {
        EXPECT_EQ(value.state, ValueState::kAbsent) << json << " " << schema.attributes[slot].path;
      } else {
        ASSERT_EQ(value.state, ValueState::kPresent) << json << " " << schema.attributes[slot].path;
        EXPECT_EQ(value.integer, expected[slot]) << json;
      }
    }
    ++documents;
  }
  EXPECT_EQ(documents, 3000);
}

TEST(Schema, EnumIndexFollowsDeclarationOrder) {
  Schema schema = TestSchema();
  uint32_t data_class = *schema.Find("data_class");
  EXPECT_EQ(schema.EnumIndex(data_class, "public"), 0);
  EXPECT_EQ(schema.EnumIndex(data_class, "restricted"), 3);
  EXPECT_EQ(schema.EnumIndex(data_class, "Public"), -1);
  EXPECT_EQ(schema.EnumIndex(*schema.Find("tool"), "public"), -1);
  EXPECT_EQ(schema.EnumIndex(9999, "public"), -1);
}

TEST(Schema, TypeNamesReadAsInTheLanguage) {
  EXPECT_EQ(TypeName(OfKind(TypeKind::kBool)), "bool");
  EXPECT_EQ(TypeName(OfKind(TypeKind::kInt)), "int");
  EXPECT_EQ(TypeName(OfKind(TypeKind::kNumber)), "number");
  EXPECT_EQ(TypeName(OfKind(TypeKind::kString)), "string");
  EXPECT_EQ(TypeName(OfKind(TypeKind::kDuration)), "duration");
  EXPECT_EQ(TypeName(OfKind(TypeKind::kIp)), "ip");
  EXPECT_EQ(TypeName(OfKind(TypeKind::kStringSet)), "set<string>");
  EXPECT_EQ(TypeName(Type{TypeKind::kEnum, {"a", "b", "c"}}), "enum(a, b, c)");
}

}  // namespace
}  // namespace writ::internal
