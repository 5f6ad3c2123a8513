// SPIFFE ID validation. The cases reproduce go-spiffe v2's spiffeid tests
// (id_test.go, trustdomain_test.go: the strict parser) as our own tables,
// plus the length limits of the SPIFFE-ID specification.
#include "src/broker/spiffe_id.h"

#include <string>

#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace writ::broker_internal {
namespace {

using ::testing::HasSubstr;

constexpr char kBadTrustDomainChar[] =
    "trust domain characters are limited to lowercase letters, numbers, "
    "dots, dashes, and underscores";
constexpr char kBadPathChar[] =
    "path segment characters are limited to letters, numbers, dots, dashes, "
    "and underscores";

bool IsTrustDomainChar(int c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_';
}
bool IsPathChar(int c) {
  return IsTrustDomainChar(c) || (c >= 'A' && c <= 'Z');
}

// go-spiffe iterates runes 0..255, so code points from 0x80 on are their
// UTF-8 encodings; all of them must be refused.
std::string CodePointAsUtf8(int c) {
  if (c < 0x80) return std::string(1, static_cast<char>(c));
  return {static_cast<char>(0xC0 | (c >> 6)),
          static_cast<char>(0x80 | (c & 0x3F))};
}

void ExpectValid(absl::string_view text, absl::string_view trust_domain,
                 absl::string_view path) {
  absl::StatusOr<SpiffeId> id = SpiffeId::Parse(text);
  ASSERT_TRUE(id.ok()) << text << ": " << id.status();
  EXPECT_EQ(id->trust_domain(), trust_domain);
  EXPECT_EQ(id->path(), path);
  EXPECT_EQ(id->str(), text);
}

void ExpectInvalid(absl::string_view text, absl::string_view reason) {
  absl::StatusOr<SpiffeId> id = SpiffeId::Parse(text);
  ASSERT_FALSE(id.ok()) << text;
  EXPECT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(id.status().message(), HasSubstr(reason)) << text;
}

TEST(SpiffeIdTest, RejectsEmpty) { ExpectInvalid("", "cannot be empty"); }

TEST(SpiffeIdTest, PathIsOptional) {
  ExpectValid("spiffe://trustdomain", "trustdomain", "");
}

TEST(SpiffeIdTest, AcceptsExactlyTheAllowedTrustDomainCharacters) {
  for (int c = 0; c < 256; ++c) {
    if (c == '/') continue;  // the separator
    const std::string s = CodePointAsUtf8(c);
    const std::string text = "spiffe://trustdomain" + s + "/path";
    SCOPED_TRACE(absl::StrFormat("char 0x%02X", c));
    if (IsTrustDomainChar(c)) {
      ExpectValid(text, "trustdomain" + s, "/path");
    } else {
      ExpectInvalid(text, kBadTrustDomainChar);
    }
  }
}

TEST(SpiffeIdTest, AcceptsExactlyTheAllowedPathCharacters) {
  for (int c = 0; c < 256; ++c) {
    if (c == '/') continue;
    const std::string s = CodePointAsUtf8(c);
    const std::string text = "spiffe://trustdomain/path" + s;
    SCOPED_TRACE(absl::StrFormat("char 0x%02X", c));
    if (IsPathChar(c)) {
      ExpectValid(text, "trustdomain", "/path" + s);
    } else {
      ExpectInvalid(text, kBadPathChar);
    }
  }
}

struct IdCase {
  const char* name;
  const char* text;
  const char* reason;  // empty when valid
};

// Names the case in test output instead of dumping its bytes.
void PrintTo(const IdCase& c, std::ostream* os) { *os << c.text; }

class SpiffeIdCaseTest : public ::testing::TestWithParam<IdCase> {};

TEST_P(SpiffeIdCaseTest, MatchesGoSpiffe) {
  const IdCase& c = GetParam();
  if (std::string(c.reason).empty()) {
    EXPECT_TRUE(SpiffeId::Parse(c.text).ok()) << c.text;
  } else {
    ExpectInvalid(c.text, c.reason);
  }
}

INSTANTIATE_TEST_SUITE_P(
    GoSpiffeFromString, SpiffeIdCaseTest,
    ::testing::Values(
        // reject bad scheme
        IdCase{"SchemeOnlyLetter", "s", "scheme is missing or invalid"},
        IdCase{"SchemeOneSlash", "spiffe:/", "scheme is missing or invalid"},
        IdCase{"SchemeMixedCase", "Spiffe://", "scheme is missing or invalid"},
        IdCase{"SchemeUpperCase", "SPIFFE://domain.test/path",
               "scheme is missing or invalid"},
        IdCase{"SchemeHttp", "http://domain.test/path/element",
               "scheme is missing or invalid"},
        IdCase{"MissingDoubleSlash1", "spiffe:path/element",
               "scheme is missing or invalid"},
        IdCase{"MissingDoubleSlash2", "spiffe:/path/element",
               "scheme is missing or invalid"},
        // reject missing trust domain
        IdCase{"NoTrustDomain", "spiffe://", "trust domain is missing"},
        IdCase{"NoTrustDomainWithSlash", "spiffe:///",
               "trust domain is missing"},
        IdCase{"NoTrustDomainWithPath", "spiffe:///path",
               "trust domain is missing"},
        // reject empty segments
        IdCase{"RootSlash", "spiffe://trustdomain/",
               "path cannot have a trailing slash"},
        IdCase{"DoubleSlashOnly", "spiffe://trustdomain//",
               "path cannot contain empty segments"},
        IdCase{"DoubleSlashBeforePath", "spiffe://trustdomain//path",
               "path cannot contain empty segments"},
        IdCase{"TrailingSlash", "spiffe://trustdomain/path/",
               "path cannot have a trailing slash"},
        // reject dot segments
        IdCase{"Dot", "spiffe://trustdomain/.", "dot segments"},
        IdCase{"DotThenPath", "spiffe://trustdomain/./path", "dot segments"},
        IdCase{"DotInMiddle", "spiffe://trustdomain/path/./other",
               "dot segments"},
        IdCase{"DotDotAtEnd", "spiffe://trustdomain/path/..", "dot segments"},
        IdCase{"DotDot", "spiffe://trustdomain/..", "dot segments"},
        IdCase{"DotDotThenPath", "spiffe://trustdomain/../path",
               "dot segments"},
        IdCase{"DotDotInMiddle", "spiffe://trustdomain/path/../other",
               "dot segments"},
        // segments that merely contain dots are fine
        IdCase{"LeadingDotName", "spiffe://trustdomain/.path", ""},
        IdCase{"LeadingDotDotName", "spiffe://trustdomain/..path", ""},
        IdCase{"ThreeDots", "spiffe://trustdomain/...", ""},
        // reject percent encoding
        IdCase{"PercentUnicodeTrustDomain", "spiffe://%F0%9F%A4%AF/path",
               kBadTrustDomainChar},
        IdCase{"PercentUnicodePath", "spiffe://trustdomain/%F0%9F%A4%AF",
               kBadPathChar},
        IdCase{"PercentAsciiTrustDomain", "spiffe://%62%61%64/path",
               kBadTrustDomainChar},
        IdCase{"PercentAsciiPath", "spiffe://trustdomain/%62%61%64",
               kBadPathChar},
        // URI parts SPIFFE forbids (go-spiffe's FromURI cases)
        IdCase{"DollarInTrustDomain", "spiffe://trust$domain",
               kBadTrustDomainChar},
        IdCase{"DollarInPath", "spiffe://trustdomain/path$", kBadPathChar},
        IdCase{"Port", "spiffe://domain.test:8080/path/element",
               "':' would introduce a port"},
        IdCase{"EmptyPort", "spiffe://domain.test:/path/element",
               kBadTrustDomainChar},
        IdCase{"UserInfo", "spiffe://user:password@test.org/path/element",
               kBadTrustDomainChar},
        IdCase{"Query", "spiffe://domain.test/path/element?query=1",
               "'?' would start a query"},
        IdCase{"Fragment", "spiffe://domain.test/path/element?#fragment-1",
               kBadPathChar},
        IdCase{"FragmentOnly", "spiffe://domain.test/path#f",
               "'#' would start a fragment"},
        IdCase{"UppercaseTrustDomain", "spiffe://DomAin.TesT/path",
               "uppercase is not allowed"},
        IdCase{"HappyPath", "spiffe://domain.test/path/element", ""},
        IdCase{"UppercasePath", "spiffe://domain.test/Path/ELEMENT", ""},
        // the path may look like another ID only if it is a valid path
        IdCase{"IdAsPath", "spiffe://domain.test/spiffe://domain.test/path",
               kBadPathChar}),
    [](const ::testing::TestParamInfo<IdCase>& param_info) {
      return std::string(param_info.param.name);
    });

TEST(SpiffeIdTest, EnforcesTheLengthLimits) {
  const std::string longest_domain(kMaxTrustDomainBytes, 'a');
  ExpectValid("spiffe://" + longest_domain, longest_domain, "");
  ExpectInvalid("spiffe://" + longest_domain + "a", "longer than 255 bytes");

  std::string id = "spiffe://td";
  while (id.size() + 2 <= kMaxSpiffeIdBytes) id += "/a";
  if (id.size() < kMaxSpiffeIdBytes) id += "b";
  ASSERT_EQ(id.size(), kMaxSpiffeIdBytes);
  EXPECT_TRUE(SpiffeId::Parse(id).ok());
  ExpectInvalid(id + "c", "longer than 2048 bytes");
}

TEST(SpiffeIdTest, MemberOfComparesTrustDomains) {
  const SpiffeId id = *SpiffeId::Parse("spiffe://trustdomain/path/element");
  EXPECT_TRUE(id.MemberOf("trustdomain"));
  EXPECT_FALSE(id.MemberOf("domain2.test"));
  EXPECT_TRUE(SpiffeId::Parse("spiffe://trustdomain")->MemberOf("trustdomain"));
}

// go-spiffe's TrustDomainFromString cases.
TEST(TrustDomainTest, AcceptsBareNamesAndIds) {
  EXPECT_EQ(*ParseTrustDomain("trustdomain"), "trustdomain");
  EXPECT_EQ(*ParseTrustDomain("spiffe://trustdomain"), "trustdomain");
  EXPECT_EQ(*ParseTrustDomain("spiffe://trustdomain/path"), "trustdomain");
}

TEST(TrustDomainTest, RejectsBadIdsAndNames) {
  const struct {
    const char* text;
    const char* reason;
  } cases[] = {
      {"", "trust domain is missing"},
      {"spiffe:/trustdomain/path", "scheme is missing or invalid"},
      {"spiffe://", "trust domain is missing"},
      {"spiffe:///path", "trust domain is missing"},
      {"spiffe://trustdomain/", "path cannot have a trailing slash"},
      {"spiffe://trustdomain/path/", "path cannot have a trailing slash"},
      {"spiffe://%F0%9F%A4%AF/path", kBadTrustDomainChar},
      {"spiffe://trustdomain/%F0%9F%A4%AF", kBadPathChar},
      {"BAD", kBadTrustDomainChar},
      {"example.org/ns/prod", kBadTrustDomainChar},
  };
  for (const auto& c : cases) {
    absl::StatusOr<std::string> td = ParseTrustDomain(c.text);
    ASSERT_FALSE(td.ok()) << c.text;
    EXPECT_THAT(td.status().message(), HasSubstr(c.reason)) << c.text;
  }
}

TEST(TrustDomainTest, AcceptsExactlyTheAllowedCharacters) {
  for (int c = 0; c < 256; ++c) {
    const std::string name = "trustdomain" + CodePointAsUtf8(c);
    SCOPED_TRACE(absl::StrFormat("char 0x%02X", c));
    absl::StatusOr<std::string> td = ParseTrustDomain(name);
    if (IsTrustDomainChar(c)) {
      ASSERT_TRUE(td.ok()) << td.status();
      EXPECT_EQ(*td, name);
      EXPECT_EQ(*ParseTrustDomain("spiffe://" + name), name);
    } else {
      ASSERT_FALSE(td.ok());
      EXPECT_THAT(td.status().message(), HasSubstr(kBadTrustDomainChar));
    }
  }
}

TEST(TrustDomainAllowListTest, AllowsOnlyListedDomains) {
  absl::StatusOr<TrustDomainAllowList> list =
      TrustDomainAllowList::Create({"example.org", "spiffe://prod.example"});
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_TRUE(list->Allows(*SpiffeId::Parse("spiffe://example.org/agent")));
  EXPECT_TRUE(list->Allows(*SpiffeId::Parse("spiffe://prod.example/x/y")));
  // A suffix or prefix of an allowed domain is a different domain.
  EXPECT_FALSE(list->Allows(*SpiffeId::Parse("spiffe://evil.example.org/a")));
  EXPECT_FALSE(list->Allows(*SpiffeId::Parse("spiffe://example.org.evil/a")));
  absl::Status status =
      list->Check(*SpiffeId::Parse("spiffe://other.test/agent"));
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(status.message(), HasSubstr("\"other.test\""));
}

TEST(TrustDomainAllowListTest, RefusesABadEntryAndAllowsNobodyWhenEmpty) {
  EXPECT_FALSE(TrustDomainAllowList::Create({"Example.org"}).ok());
  absl::StatusOr<TrustDomainAllowList> empty = TrustDomainAllowList::Create({});
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->Allows(*SpiffeId::Parse("spiffe://example.org/a")));
}

}  // namespace
}  // namespace writ::broker_internal
