// Internal to the broker: strict base64url (RFC 4648 §5) without padding.
//
// JOSE (RFC 7515 §2) spells every binary value in base64url with the
// trailing '=' removed. Decoders that also accept padding, whitespace, the
// standard alphabet's '+' and '/', or non-zero "stray" bits in the last
// character let one token have many spellings; a revocation list or replay
// cache keyed on the spelling can then be bypassed by re-spelling. So the
// decoder here accepts exactly the output of the encoder and nothing else:
// Base64UrlDecode(s) succeeds iff Base64UrlEncode(decoded) == s.
//
// Error messages name the offending offset and character class, never the
// input itself (it may be a credential).
#ifndef WRIT_SRC_BROKER_BASE64URL_H_
#define WRIT_SRC_BROKER_BASE64URL_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace writ::broker_internal {

// Encodes `bytes` as unpadded base64url.
std::string Base64UrlEncode(absl::string_view bytes);

// Decodes the canonical unpadded base64url spelling of some bytes; anything
// else is an InvalidArgument error.
absl::StatusOr<std::string> Base64UrlDecode(absl::string_view text);

}  // namespace writ::broker_internal

#endif  // WRIT_SRC_BROKER_BASE64URL_H_
