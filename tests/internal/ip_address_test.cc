#include "src/internal/ip_address.h"

#include <arpa/inet.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace writ::internal {
namespace {

IpAddress MustParse(absl::string_view text) {
  std::optional<IpAddress> address = ParseIpAddress(text);
  EXPECT_TRUE(address.has_value()) << text;
  return address.value_or(IpAddress{});
}

struct CanonicalCase {
  const char* text;
  const char* canonical;  // FormatIpAddress of the parsed address
};

class ValidAddress : public testing::TestWithParam<CanonicalCase> {};

TEST_P(ValidAddress, ParsesAndFormatsCanonically) {
  EXPECT_EQ(FormatIpAddress(MustParse(GetParam().text)), GetParam().canonical);
}

INSTANTIATE_TEST_SUITE_P(
    IpAddress, ValidAddress,
    testing::Values(
        CanonicalCase{"0.0.0.0", "0.0.0.0"},
        CanonicalCase{"10.0.0.1", "10.0.0.1"},
        CanonicalCase{"255.255.255.255", "255.255.255.255"},
        CanonicalCase{"::", "::"},
        CanonicalCase{"::1", "::1"},
        CanonicalCase{"1::", "1::"},
        CanonicalCase{"2001:DB8::1", "2001:db8::1"},
        CanonicalCase{"2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
        CanonicalCase{"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"},
        // "::" may stand for a single zero group; RFC 5952 prints it as 0.
        CanonicalCase{"1::3:4:5:6:7:8", "1:0:3:4:5:6:7:8"},
        CanonicalCase{"1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"},
        // The first of two equally long zero runs is shortened.
        CanonicalCase{"1:0:0:2:0:0:3:4", "1::2:0:0:3:4"},
        CanonicalCase{"1:0:0:2:0:0:0:4", "1:0:0:2::4"},
        CanonicalCase{"::ffff:10.0.0.1", "10.0.0.1"},
        CanonicalCase{"::FFFF:a00:1", "10.0.0.1"},
        CanonicalCase{"::1.2.3.4", "::102:304"},
        CanonicalCase{"64:ff9b::192.0.2.33", "64:ff9b::c000:221"},
        CanonicalCase{"1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"}));

class InvalidAddress : public testing::TestWithParam<const char*> {};

TEST_P(InvalidAddress, IsRejected) {
  EXPECT_FALSE(ParseIpAddress(GetParam()).has_value()) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(
    IpAddress, InvalidAddress,
    testing::Values(
        "", "1", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1.2.3.-4", "01.2.3.4",
        "1.2.3.00", "1..3.4", "1.2.3.4.", ".1.2.3", "0x1.2.3.4", " 1.2.3.4",
        "1.2.3.4 ", "+1.2.3.4", ":", ":::", "1:2", "1:2:3:4:5:6:7",
        "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8",
        "1::2::3", "1:::2", ":1::2", "1::2:", "12345::", "g::1",
        "fe80::1%eth0", "[::1]", "::1/128", "1.2.3.4::", "::1.2.3.4:5",
        "::1.2.3", "::01.2.3.4", "1:2:3:4:5:6:7:1.2.3.4", "::ffff:256.0.0.1",
        "2001:db8:: 1"));

TEST(IpAddress, MappedIpv6EqualsIpv4) {
  EXPECT_EQ(MustParse("::ffff:10.0.0.1"), MustParse("10.0.0.1"));
  EXPECT_EQ(MustParse("::ffff:0a00:0001"), MustParse("10.0.0.1"));
}

TEST(IpAddress, Ipv4IsStoredInTheMappedRange) {
  IpAddress address = MustParse("192.0.2.1");
  std::array<uint8_t, 16> expected = {0, 0, 0, 0, 0, 0, 0, 0,
                                      0, 0, 0xff, 0xff, 192, 0, 2, 1};
  EXPECT_EQ(address.bytes, expected);
}

TEST(IpAddress, IsV4OnlyForIpv4AndMappedAddresses) {
  EXPECT_TRUE(MustParse("10.0.0.1").is_v4());
  EXPECT_TRUE(MustParse("::ffff:1.2.3.4").is_v4());
  EXPECT_FALSE(MustParse("::1.2.3.4").is_v4());
  EXPECT_FALSE(MustParse("2001:db8::1").is_v4());
  EXPECT_FALSE(MustParse("::").is_v4());
}

TEST(IpAddress, OrdersByteWise) {
  EXPECT_LT(MustParse("10.0.0.1"), MustParse("10.0.0.2"));
  EXPECT_LT(MustParse("::1"), MustParse("10.0.0.1"));
}

// glibc's inet_pton is strict in the same ways (no octal, no zone ids), so
// on every string both parsers must agree on whether it is an address and,
// if so, which one.
TEST(IpAddress, AgreesWithInetPton) {
  const std::vector<std::string> texts = {
      "1.2.3.4", "0.0.0.0", "1.2.3.04", "1.2.3", "::", "::1", "1::",
      "a:b:c:d:e:f:1:2", "a:b:c:d:e:f:1:2:3", "::ffff:1.2.3.4",
      "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4", "1::2::3", "0000::",
      "00000::", "fe80::1%1", "::1.2.3.04", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8",
      ":1:2:3:4:5:6:7", "1:2:3:4:5:6:7:"};
  for (const std::string& text : texts) {
    bool v6 = text.find(':') != std::string::npos;
    unsigned char expected[16] = {};
    bool libc_accepts =
        inet_pton(v6 ? AF_INET6 : AF_INET, text.c_str(), expected) == 1;
    std::optional<IpAddress> ours = ParseIpAddress(text);
    ASSERT_EQ(ours.has_value(), libc_accepts) << text;
    if (!libc_accepts) continue;
    if (v6) {
      EXPECT_EQ(std::memcmp(ours->bytes.data(), expected, 16), 0) << text;
    } else {
      EXPECT_EQ(std::memcmp(ours->bytes.data() + 12, expected, 4), 0) << text;
    }
  }
}

// The one-pass dotted-quad reader against glibc's on random texts: half
// of them any mix of digits and dots (now and then another character),
// half near an address (octets up to 299, some with a leading zero, then
// maybe one character inserted, dropped or changed). Fixed seed, so a
// failure reproduces.
TEST(IpAddress, DottedQuadsAgreeWithInetPtonOnRandomTexts) {
  std::mt19937 random(20261202);
  const std::string alphabet = "0123456789.x -";
  const size_t common = 11;  // digits and the dot; the rest rarely
  auto any_character = [&]() {
    return alphabet[random() % 64 == 0 ? common + random() % (alphabet.size() - common)
                                       : random() % common];
  };
  auto near_an_address = [&]() {
    std::string text;
    for (int octet = 0; octet < 4; ++octet) {
      if (octet > 0) text.push_back('.');
      if (random() % 16 == 0) text.push_back('0');
      text += std::to_string(random() % 300);
    }
    const size_t at = random() % (text.size() + 1);
    switch (random() % 8) {
      case 0: text.insert(text.begin() + at, any_character()); break;
      case 1: if (at < text.size()) text.erase(at, 1); break;
      case 2: if (at < text.size()) text[at] = any_character(); break;
      default: break;
    }
    return text;
  };
  int accepted = 0;
  for (int i = 0; i < 200000; ++i) {
    std::string text;
    if (i % 2 == 0) {
      text = near_an_address();
    } else {
      for (size_t length = random() % 19; length > 0; --length) text.push_back(any_character());
    }
    unsigned char expected[4] = {};
    const bool libc_accepts = inet_pton(AF_INET, text.c_str(), expected) == 1;
    std::optional<IpAddress> ours = ParseIpAddress(text);
    ASSERT_EQ(ours.has_value(), libc_accepts) << "'" << text << "'";
    if (!libc_accepts) continue;
    ++accepted;
    EXPECT_EQ(std::memcmp(ours->bytes.data() + 12, expected, 4), 0) << text;
  }
  // Enough of both outcomes to mean something.
  EXPECT_GT(accepted, 20000);
  EXPECT_LT(accepted, 180000);
}

struct CidrCase {
  const char* cidr;
  int prefix_length;
  std::vector<const char*> inside;
  std::vector<const char*> outside;
};

class ValidCidr : public testing::TestWithParam<CidrCase> {};

TEST_P(ValidCidr, ContainsExactlyItsAddresses) {
  CidrParse parsed = ParseCidr(GetParam().cidr);
  ASSERT_TRUE(parsed.cidr.has_value()) << parsed.error;
  EXPECT_EQ(parsed.cidr->prefix_length, GetParam().prefix_length);
  for (const char* address : GetParam().inside) {
    EXPECT_TRUE(parsed.cidr->Contains(MustParse(address)))
        << GetParam().cidr << " should contain " << address;
  }
  for (const char* address : GetParam().outside) {
    EXPECT_FALSE(parsed.cidr->Contains(MustParse(address)))
        << GetParam().cidr << " should not contain " << address;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cidr, ValidCidr,
    testing::Values(
        CidrCase{"10.0.0.0/8", 104, {"10.0.0.0", "10.255.255.255",
                                     "::ffff:10.1.2.3"},
                 {"11.0.0.0", "9.255.255.255", "::a01:203"}},
        CidrCase{"192.168.0.0/16", 112, {"192.168.7.7"}, {"192.169.0.0"}},
        CidrCase{"172.16.0.0/12", 108, {"172.31.255.255"}, {"172.32.0.0"}},
        CidrCase{"10.1.2.3/32", 128, {"10.1.2.3"}, {"10.1.2.4"}},
        // An IPv4 /0 is every IPv4 address and nothing else.
        CidrCase{"0.0.0.0/0", 96, {"1.2.3.4", "255.255.255.255"},
                 {"::1", "2001:db8::1"}},
        CidrCase{"::/0", 0, {"::1", "1.2.3.4", "ffff::"}, {}},
        CidrCase{"2001:db8::/32", 32, {"2001:db8:ffff::1"}, {"2001:db9::"}},
        CidrCase{"2001:db8::/33", 33, {"2001:db8:7fff::"}, {"2001:db8:8000::"}},
        CidrCase{"::ffff:10.0.0.0/104", 104, {"10.9.9.9"}, {"11.0.0.0"}},
        CidrCase{"::1/128", 128, {"::1"}, {"::2"}}));

struct CidrErrorCase {
  const char* cidr;
  const char* error;
};

class InvalidCidr : public testing::TestWithParam<CidrErrorCase> {};

TEST_P(InvalidCidr, IsRejectedWithAClearMessage) {
  CidrParse parsed = ParseCidr(GetParam().cidr);
  EXPECT_FALSE(parsed.cidr.has_value());
  EXPECT_EQ(parsed.error, GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Cidr, InvalidCidr,
    testing::Values(
        CidrErrorCase{"10.1.2.3/8",
                      "host bits set in CIDR '10.1.2.3/8' (did you mean "
                      "10.0.0.0/8?)"},
        CidrErrorCase{"2001:db8::1/32",
                      "host bits set in CIDR '2001:db8::1/32' (did you mean "
                      "2001:db8::/32?)"},
        CidrErrorCase{"::ffff:10.1.0.0/104",
                      "host bits set in CIDR '::ffff:10.1.0.0/104' (did you "
                      "mean ::ffff:10.0.0.0/104?)"},
        CidrErrorCase{"10.0.0.0",
                      "bad CIDR '10.0.0.0': expected address/prefix-length"},
        CidrErrorCase{"10.0.0/8",
                      "bad CIDR '10.0.0/8': '10.0.0' is not an IP address"},
        CidrErrorCase{"10.0.0.0/33",
                      "bad CIDR '10.0.0.0/33': prefix length '33' is not a "
                      "number from 0 to 32"},
        CidrErrorCase{"::/129",
                      "bad CIDR '::/129': prefix length '129' is not a "
                      "number from 0 to 128"},
        CidrErrorCase{"10.0.0.0/08",
                      "bad CIDR '10.0.0.0/08': prefix length '08' is not a "
                      "number from 0 to 32"},
        CidrErrorCase{"10.0.0.0/",
                      "bad CIDR '10.0.0.0/': prefix length '' is not a "
                      "number from 0 to 32"},
        CidrErrorCase{"10.0.0.0/8/8",
                      "bad CIDR '10.0.0.0/8/8': prefix length '8/8' is not a "
                      "number from 0 to 32"}));

}  // namespace
}  // namespace writ::internal
