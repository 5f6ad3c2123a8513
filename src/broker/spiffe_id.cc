#include "src/broker/spiffe_id.h"

#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace writ::broker_internal {
namespace {

// The reasons are go-spiffe's wording, so its test cases read the same here.
constexpr absl::string_view kEmpty = "cannot be empty";
constexpr absl::string_view kWrongScheme = "scheme is missing or invalid";
constexpr absl::string_view kMissingTrustDomain = "trust domain is missing";
constexpr absl::string_view kBadTrustDomainChar =
    "trust domain characters are limited to lowercase letters, numbers, "
    "dots, dashes, and underscores";
constexpr absl::string_view kBadPathSegmentChar =
    "path segment characters are limited to letters, numbers, dots, dashes, "
    "and underscores";
constexpr absl::string_view kEmptySegment =
    "path cannot contain empty segments";
constexpr absl::string_view kDotSegment = "path cannot contain dot segments";
constexpr absl::string_view kTrailingSlash =
    "path cannot have a trailing slash";

bool IsTrustDomainChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_';
}

bool IsPathSegmentChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}

// A hint for the characters people most often try, which general URI
// syntax would give a meaning that SPIFFE forbids.
absl::string_view HintFor(char c) {
  switch (c) {
    case ':':
      return " (':' would introduce a port)";
    case '@':
      return " ('@' would introduce user info)";
    case '?':
      return " ('?' would start a query)";
    case '#':
      return " ('#' would start a fragment)";
    case '%':
      return " (percent-encoding is not allowed)";
    default:
      if (c >= 'A' && c <= 'Z') return " (uppercase is not allowed)";
      return "";
  }
}

absl::Status InvalidId(absl::string_view reason, absl::string_view hint = "") {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid SPIFFE ID: ", reason, hint));
}

absl::Status ValidateTrustDomainName(absl::string_view name,
                                     absl::string_view what) {
  if (name.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid ", what, ": ", kMissingTrustDomain));
  }
  if (name.size() > kMaxTrustDomainBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid ", what, ": trust domain is longer than ",
                     kMaxTrustDomainBytes, " bytes"));
  }
  for (char c : name) {
    if (!IsTrustDomainChar(c)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid ", what, ": ", kBadTrustDomainChar, HintFor(c)));
    }
  }
  return absl::OkStatus();
}

// Checks "" or "/seg/seg" against the segment rules.
absl::Status ValidatePath(absl::string_view path) {
  size_t segment_start = 1;  // just past a '/'
  for (size_t i = 1; i <= path.size(); ++i) {
    if (i < path.size() && path[i] != '/') {
      if (!IsPathSegmentChar(path[i])) {
        return InvalidId(kBadPathSegmentChar, HintFor(path[i]));
      }
      continue;
    }
    const absl::string_view segment =
        path.substr(segment_start, i - segment_start);
    if (segment.empty()) {
      return InvalidId(i == path.size() ? kTrailingSlash : kEmptySegment);
    }
    if (segment == "." || segment == "..") return InvalidId(kDotSegment);
    segment_start = i + 1;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<SpiffeId> SpiffeId::Parse(absl::string_view text) {
  if (text.empty()) return InvalidId(kEmpty);
  if (text.size() > kMaxSpiffeIdBytes) {
    return InvalidId(absl::StrCat("longer than ", kMaxSpiffeIdBytes, " bytes"));
  }
  // Case-sensitive on purpose: "SPIFFE://" is a second spelling.
  if (!absl::StartsWith(text, "spiffe://")) return InvalidId(kWrongScheme);
  const absl::string_view rest = text.substr(kSchemeLength);
  const size_t slash = rest.find('/');
  const absl::string_view trust_domain = rest.substr(0, slash);
  absl::Status status = ValidateTrustDomainName(trust_domain, "SPIFFE ID");
  if (!status.ok()) return status;
  if (slash != absl::string_view::npos) {
    status = ValidatePath(rest.substr(slash));
    if (!status.ok()) return status;
  }
  return SpiffeId(std::string(text), trust_domain.size());
}

absl::StatusOr<std::string> ParseTrustDomain(absl::string_view text) {
  // go-spiffe's rule: anything that looks like a URI is parsed as an ID.
  if (absl::StrContains(text, ":/")) {
    absl::StatusOr<SpiffeId> id = SpiffeId::Parse(text);
    if (!id.ok()) return id.status();
    return std::string(id->trust_domain());
  }
  absl::Status status = ValidateTrustDomainName(text, "trust domain");
  if (!status.ok()) return status;
  return std::string(text);
}

absl::StatusOr<TrustDomainAllowList> TrustDomainAllowList::Create(
    const std::vector<std::string>& trust_domains) {
  TrustDomainAllowList list;
  for (const std::string& entry : trust_domains) {
    absl::StatusOr<std::string> name = ParseTrustDomain(entry);
    if (!name.ok()) return name.status();
    list.domains_.insert(*std::move(name));
  }
  return list;
}

absl::Status TrustDomainAllowList::Check(const SpiffeId& id) const {
  if (Allows(id)) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(
      "trust domain \"", id.trust_domain(), "\" is not on the allow-list"));
}

}  // namespace writ::broker_internal
