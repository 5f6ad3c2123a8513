// Internal: SHA-256 digests for identifying a policy set (SPEC §5,
// `policy.digest`). OpenSSL does the hashing; nothing here is hand-rolled.
#ifndef WRIT_SRC_INTERNAL_SHA256_H_
#define WRIT_SRC_INTERNAL_SHA256_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace writ::internal {

// The SHA-256 of `data` as 64 lowercase hex digits.
std::string Sha256Hex(absl::string_view data);

// HMAC-SHA-256 (RFC 2104) of `data` under `key`, as 64 lowercase hex digits.
std::string HmacSha256Hex(absl::string_view key, absl::string_view data);

// "sha256:" + the hex SHA-256 over, for each file in order, its byte length
// as 8 bytes big-endian followed by its bytes. The length framing makes the
// digest change when a byte moves from one file to the next; file names are
// left out, so renaming a file does not change it.
std::string SourceSetDigest(const std::vector<absl::string_view>& file_texts);

}  // namespace writ::internal

#endif  // WRIT_SRC_INTERNAL_SHA256_H_
