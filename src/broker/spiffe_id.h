// Internal to the broker: SPIFFE IDs (workload identities) and trust-domain
// allow-lists.
//
// A SPIFFE ID names a workload: "spiffe://" trust-domain path. The broker
// binds every credential to one, so the parser is deliberately strict and
// matches go-spiffe's v2 rules (the reference implementation), which
// tighten RFC 3986 as the SPIFFE-ID specification recommends:
//
//   - the scheme is exactly "spiffe" in lowercase, followed by "//";
//   - the trust domain is non-empty, at most 255 bytes, of [a-z0-9._-]
//     only (so no uppercase, no port, no userinfo, no percent-encoding);
//   - the path is empty or "/"-separated segments of [A-Za-z0-9._-], none
//     empty, none "." or "..", no trailing "/" (so no query, no fragment);
//   - the whole ID is at most 2048 bytes.
//
// Because every byte outside those sets is refused, one identity has exactly
// one spelling, and comparing IDs as strings is sound.
#ifndef WRIT_SRC_BROKER_SPIFFE_ID_H_
#define WRIT_SRC_BROKER_SPIFFE_ID_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace writ::broker_internal {

inline constexpr size_t kMaxSpiffeIdBytes = 2048;
inline constexpr size_t kMaxTrustDomainBytes = 255;

// A validated SPIFFE ID. Immutable value type.
class SpiffeId {
 public:
  // Parses and validates `text`; InvalidArgument (with the rule broken) if
  // it is not a SPIFFE ID.
  static absl::StatusOr<SpiffeId> Parse(absl::string_view text);

  absl::string_view trust_domain() const {
    return absl::string_view(text_).substr(kSchemeLength, trust_domain_size_);
  }
  // "" or "/seg/seg".
  absl::string_view path() const {
    return absl::string_view(text_).substr(kSchemeLength + trust_domain_size_);
  }
  const std::string& str() const { return text_; }

  bool MemberOf(absl::string_view trust_domain_name) const {
    return trust_domain() == trust_domain_name;
  }

  friend bool operator==(const SpiffeId& a, const SpiffeId& b) {
    return a.text_ == b.text_;
  }

 private:
  static constexpr size_t kSchemeLength = 9;  // "spiffe://"

  SpiffeId(std::string text, size_t trust_domain_size)
      : text_(std::move(text)), trust_domain_size_(trust_domain_size) {}

  std::string text_;
  size_t trust_domain_size_;
};

// Parses a trust domain given either as a bare name ("example.org") or as
// any SPIFFE ID in it ("spiffe://example.org/path"); returns the name.
absl::StatusOr<std::string> ParseTrustDomain(absl::string_view text);

// The trust domains whose workloads may obtain credentials. Immutable.
class TrustDomainAllowList {
 public:
  // Each entry as accepted by ParseTrustDomain. An empty list allows nobody.
  static absl::StatusOr<TrustDomainAllowList> Create(
      const std::vector<std::string>& trust_domains);

  bool Allows(const SpiffeId& id) const {
    return domains_.contains(id.trust_domain());
  }
  // OK, or PermissionDenied naming the trust domain that is not allowed.
  absl::Status Check(const SpiffeId& id) const;

 private:
  absl::flat_hash_set<std::string> domains_;
};

}  // namespace writ::broker_internal

#endif  // WRIT_SRC_BROKER_SPIFFE_ID_H_
