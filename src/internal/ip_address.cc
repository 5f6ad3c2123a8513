// Parsing and matching of IP addresses and CIDR blocks.
//
// Both families live in one 16-byte space: an IPv4 address a.b.c.d is stored
// as the IPv4-mapped IPv6 address ::ffff:a.b.c.d, so equality, ordering and
// CIDR containment are one byte-wise comparison whatever the family, and an
// IPv4 /n block is the mapped /(96 + n) block.
//
// The parsers are strict on purpose: a policy decision must not depend on
// how lenient a libc is with "010.0.0.1" (octal in inet_aton) or with zone
// ids, so only the RFC 4291 text forms and plain dotted quads are accepted.
#include "src/internal/ip_address.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace writ::internal {
namespace {

constexpr size_t kMappedPrefixBytes = 12;  // ::ffff: is 10 zero bytes, ff ff
constexpr int kIpv4PrefixOffset = 96;      // an IPv4 /n is a mapped /(96 + n)
constexpr int kIpv6Groups = 8;
// "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255" is the longest text form.
constexpr size_t kMaxAddressText = 45;

bool IsDecimalDigit(char c) { return c >= '0' && c <= '9'; }

int HexDigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A decimal number with no sign and no leading zero (other than "0" itself),
// at most `max`. Leading zeros are refused because some parsers read them as
// octal, and a policy must mean the same thing everywhere.
std::optional<int> ParseStrictDecimal(absl::string_view text, int max) {
  if (text.empty() || text.size() > 3) return std::nullopt;
  if (text.size() > 1 && text[0] == '0') return std::nullopt;
  int value = 0;
  for (char c : text) {
    if (!IsDecimalDigit(c)) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value > max) return std::nullopt;
  return value;
}

// Exactly four dot-separated decimal octets, each as ParseStrictDecimal
// takes them. One pass over the text: a request's `ip` attribute is read
// on every JSON request, and finding each dot first, then parsing the
// octet, cost ~640 instructions an address, a fifteenth of reading a
// gateway request (benchmarks/RESULTS.md, "A faster JSON reader, a
// cheaper explanation, a one-pass reserved-word check").
bool ParseDottedQuad(absl::string_view text, uint8_t* out) {
  size_t at = 0;
  for (int octet = 0; octet < 4; ++octet) {
    if (octet > 0) {
      if (at == text.size() || text[at] != '.') return false;
      ++at;
    }
    const size_t start = at;
    int value = 0;
    while (at < text.size() && at - start < 3 && IsDecimalDigit(text[at])) {
      value = value * 10 + (text[at] - '0');
      ++at;
    }
    const size_t digits = at - start;
    if (digits == 0 || (digits > 1 && text[start] == '0') || value > 255) return false;
    out[octet] = static_cast<uint8_t>(value);
  }
  return at == text.size();
}

std::optional<uint16_t> ParseHexGroup(absl::string_view text) {
  if (text.empty() || text.size() > 4) return std::nullopt;
  uint16_t value = 0;
  for (char c : text) {
    int digit = HexDigitValue(c);
    if (digit < 0) return std::nullopt;
    value = static_cast<uint16_t>(value * 16 + digit);
  }
  return value;
}

// The 16-bit groups written on one side of "::" (or in a whole address
// without one). An embedded dotted quad counts as two groups and may only be
// the last thing in the address.
struct GroupList {
  std::array<uint16_t, kIpv6Groups> groups{};
  int count = 0;
};

bool ParseGroupList(absl::string_view text, bool may_end_with_dotted_quad,
                    GroupList* list) {
  while (!text.empty()) {
    size_t colon = text.find(':');
    absl::string_view group = text.substr(0, colon);
    if (colon == absl::string_view::npos && may_end_with_dotted_quad &&
        group.find('.') != absl::string_view::npos) {
      uint8_t quad[4];
      if (!ParseDottedQuad(group, quad) || list->count + 2 > kIpv6Groups) {
        return false;
      }
      list->groups[list->count++] = static_cast<uint16_t>(quad[0] << 8 | quad[1]);
      list->groups[list->count++] = static_cast<uint16_t>(quad[2] << 8 | quad[3]);
      return true;
    }
    std::optional<uint16_t> value = ParseHexGroup(group);
    if (!value.has_value() || list->count == kIpv6Groups) return false;
    list->groups[list->count++] = *value;
    if (colon == absl::string_view::npos) return true;
    text.remove_prefix(colon + 1);
    if (text.empty()) return false;  // a trailing single ':'
  }
  return true;
}

void StoreGroup(uint16_t group, int index, IpAddress* address) {
  address->bytes[2 * index] = static_cast<uint8_t>(group >> 8);
  address->bytes[2 * index + 1] = static_cast<uint8_t>(group & 0xff);
}

std::optional<IpAddress> ParseIpv6(absl::string_view text) {
  size_t gap = text.find("::");
  GroupList head;
  GroupList tail;
  if (gap == absl::string_view::npos) {
    if (!ParseGroupList(text, /*may_end_with_dotted_quad=*/true, &head) ||
        head.count != kIpv6Groups) {
      return std::nullopt;
    }
  } else {
    absl::string_view before = text.substr(0, gap);
    absl::string_view after = text.substr(gap + 2);
    // A second "::" (or ":::") would make the gap's size ambiguous.
    if (after.find("::") != absl::string_view::npos) return std::nullopt;
    if (!after.empty() && after.front() == ':') return std::nullopt;
    if (!ParseGroupList(before, /*may_end_with_dotted_quad=*/false, &head) ||
        !ParseGroupList(after, /*may_end_with_dotted_quad=*/true, &tail)) {
      return std::nullopt;
    }
    // "::" stands for at least one group of zeros.
    if (head.count + tail.count >= kIpv6Groups) return std::nullopt;
  }
  IpAddress address;
  for (int i = 0; i < head.count; ++i) StoreGroup(head.groups[i], i, &address);
  for (int i = 0; i < tail.count; ++i) {
    StoreGroup(tail.groups[i], kIpv6Groups - tail.count + i, &address);
  }
  return address;
}

IpAddress MappedIpv4(const uint8_t* quad) {
  IpAddress address;
  address.bytes[10] = 0xff;
  address.bytes[11] = 0xff;
  std::memcpy(&address.bytes[kMappedPrefixBytes], quad, 4);
  return address;
}

// Only the characters an address can contain; this rejects zone ids ('%'),
// brackets, whitespace and signs before any other work.
bool HasOnlyAddressCharacters(absl::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    return HexDigitValue(c) >= 0 || c == ':' || c == '.';
  });
}

std::string FormatDottedQuad(const uint8_t* quad) {
  return absl::StrCat(quad[0], ".", quad[1], ".", quad[2], ".", quad[3]);
}

// RFC 5952 text: lowercase, no leading zeros, the longest run of two or more
// zero groups (the first of equals) as "::", and a mapped IPv4 address as
// ::ffff:a.b.c.d.
std::string FormatIpv6(const IpAddress& address) {
  if (address.is_v4()) {
    return "::ffff:" + FormatDottedQuad(&address.bytes[kMappedPrefixBytes]);
  }
  uint16_t groups[kIpv6Groups];
  for (int i = 0; i < kIpv6Groups; ++i) {
    groups[i] = static_cast<uint16_t>(address.bytes[2 * i] << 8 |
                                      address.bytes[2 * i + 1]);
  }
  int best_start = -1;
  int best_length = 1;  // a single zero group is not shortened
  for (int start = 0; start < kIpv6Groups;) {
    int end = start;
    while (end < kIpv6Groups && groups[end] == 0) ++end;
    if (end - start > best_length) {
      best_start = start;
      best_length = end - start;
    }
    start = end == start ? start + 1 : end;
  }
  std::string text;
  for (int i = 0; i < kIpv6Groups; ++i) {
    if (i == best_start) {
      text += "::";
      i += best_length - 1;
      continue;
    }
    if (!text.empty() && text.back() != ':') text += ':';
    absl::StrAppend(&text, absl::Hex(groups[i]));
  }
  return text;
}

IpAddress MaskToPrefix(const IpAddress& address, int prefix_length) {
  IpAddress network;
  int full_bytes = prefix_length / 8;
  int remaining_bits = prefix_length % 8;
  std::memcpy(network.bytes.data(), address.bytes.data(), full_bytes);
  if (remaining_bits != 0) {
    uint8_t mask = static_cast<uint8_t>(0xff << (8 - remaining_bits));
    network.bytes[full_bytes] = address.bytes[full_bytes] & mask;
  }
  return network;
}

CidrParse CidrError(std::string message) {
  CidrParse result;
  result.error = std::move(message);
  return result;
}

}  // namespace

bool IpAddress::is_v4() const {
  static constexpr uint8_t kMappedPrefix[kMappedPrefixBytes] = {
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(bytes.data(), kMappedPrefix, kMappedPrefixBytes) == 0;
}

std::optional<IpAddress> ParseIpAddress(absl::string_view text) {
  if (text.empty() || text.size() > kMaxAddressText) return std::nullopt;
  if (text.find(':') == absl::string_view::npos) {
    // A dotted quad takes digits and dots only, so it checks its own
    // characters: the scan below would read an IPv4 text twice.
    uint8_t quad[4];
    if (!ParseDottedQuad(text, quad)) return std::nullopt;
    return MappedIpv4(quad);
  }
  if (!HasOnlyAddressCharacters(text)) return std::nullopt;
  return ParseIpv6(text);
}

std::string FormatIpAddress(const IpAddress& address) {
  if (address.is_v4()) {
    return FormatDottedQuad(&address.bytes[kMappedPrefixBytes]);
  }
  return FormatIpv6(address);
}

bool Cidr::Contains(const IpAddress& address) const {
  int full_bytes = prefix_length / 8;
  if (std::memcmp(address.bytes.data(), network.bytes.data(), full_bytes) !=
      0) {
    return false;
  }
  int remaining_bits = prefix_length % 8;
  if (remaining_bits == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - remaining_bits));
  return (address.bytes[full_bytes] & mask) == network.bytes[full_bytes];
}

CidrParse ParseCidr(absl::string_view text) {
  size_t slash = text.find('/');
  if (slash == absl::string_view::npos) {
    return CidrError(absl::StrCat("bad CIDR '", text,
                                  "': expected address/prefix-length"));
  }
  absl::string_view address_text = text.substr(0, slash);
  absl::string_view length_text = text.substr(slash + 1);
  std::optional<IpAddress> address = ParseIpAddress(address_text);
  if (!address.has_value()) {
    return CidrError(absl::StrCat("bad CIDR '", text, "': '", address_text,
                                  "' is not an IP address"));
  }
  // The family is the one the author wrote: "::ffff:10.0.0.0/104" is an
  // IPv6 block even though it holds only IPv4 addresses.
  bool written_as_v4 = address_text.find(':') == absl::string_view::npos;
  int max_length = written_as_v4 ? 32 : 128;
  std::optional<int> length = ParseStrictDecimal(length_text, max_length);
  if (!length.has_value()) {
    return CidrError(absl::StrCat("bad CIDR '", text, "': prefix length '",
                                  length_text, "' is not a number from 0 to ",
                                  max_length));
  }
  Cidr cidr;
  cidr.prefix_length = written_as_v4 ? kIpv4PrefixOffset + *length : *length;
  cidr.network = MaskToPrefix(*address, cidr.prefix_length);
  if (cidr.network != *address) {
    std::string network_text = written_as_v4 ? FormatIpAddress(cidr.network)
                                             : FormatIpv6(cidr.network);
    return CidrError(absl::StrCat("host bits set in CIDR '", text,
                                  "' (did you mean ", network_text, "/",
                                  *length, "?)"));
  }
  CidrParse result;
  result.cidr = cidr;
  return result;
}

}  // namespace writ::internal
