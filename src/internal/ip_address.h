// Internal: IP addresses and CIDR blocks, shared by the checker (CIDR and
// address literals) and request parsing (address values).
#ifndef WRIT_SRC_INTERNAL_IP_ADDRESS_H_
#define WRIT_SRC_INTERNAL_IP_ADDRESS_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace writ::internal {

// Every address is held as 16 bytes; IPv4 (and IPv4-mapped IPv6) addresses
// are mapped into ::ffff:0:0/96, so one comparison serves both families and
// "::ffff:10.0.0.1" is the same address as "10.0.0.1".
struct IpAddress {
  std::array<uint8_t, 16> bytes{};
  bool is_v4() const;
  friend bool operator==(const IpAddress&, const IpAddress&) = default;
  friend auto operator<=>(const IpAddress&, const IpAddress&) = default;
};

// Parses an IPv4 dotted quad or an IPv6 address (RFC 4291 text forms, with
// an embedded dotted quad allowed). Zone ids ("fe80::1%eth0") are rejected.
std::optional<IpAddress> ParseIpAddress(absl::string_view text);

// The address as text: dotted quad for IPv4 (mapped addresses included),
// RFC 5952 canonical form ("2001:db8::1") otherwise.
std::string FormatIpAddress(const IpAddress& address);

// A CIDR block in the mapped 128-bit space: an IPv4 "/8" is prefix 104.
struct Cidr {
  IpAddress network;
  int prefix_length = 0;  // 0..128
  bool Contains(const IpAddress& address) const;
};

// Why a CIDR string was rejected, or the block. Host bits set is an error.
struct CidrParse {
  std::optional<Cidr> cidr;
  std::string error;
};
CidrParse ParseCidr(absl::string_view text);

}  // namespace writ::internal

#endif  // WRIT_SRC_INTERNAL_IP_ADDRESS_H_
