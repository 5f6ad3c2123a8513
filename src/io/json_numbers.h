// Internal: JSON numbers that simdjson cannot hold.
//
// RFC 8259 puts no bound on a number's size, but simdjson's DOM parser
// (Debian's 3.0.1) refuses the whole document when an integer falls
// outside [INT64_MIN, UINT64_MAX] or a number outside a double's range.
// A request then failed as "invalid JSON" even when the number sat under
// a key the schema ignores (a 20-digit trace id, say), and an integer one
// past UINT64_MAX was an input error where UINT64_MAX itself was only a
// wrong-typed int. The request reader therefore, when simdjson reports a
// number it cannot parse, rewrites each such integer as the double nearest
// to it and parses again: a `number` attribute then reads its value, an
// int attribute reports it as out of range, and an ignored key is ignored.
// A number beyond a double's range (1e400) has no value to read; the
// reader refuses it as an input error that says where it is, which RFC 8259 §6
// allows ("implementations [may] set limits on the range ... of numbers").
#ifndef WRIT_SRC_IO_JSON_NUMBERS_H_
#define WRIT_SRC_IO_JSON_NUMBERS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace writ::internal {

// Writes `json` into `*rewritten` with every integer token (a well-formed
// RFC 8259 number without fraction or exponent, outside JSON strings)
// that lies outside [INT64_MIN, UINT64_MAX] replaced by the nearest double
// in exponent form (so a parser reads it as a double). Returns
// InvalidArgument, placing the number by line and column (not quoting it:
// it may be a redacted attribute's value), for a well-formed number whose
// magnitude exceeds the largest double. Other
// bytes are copied unchanged: a document that is not JSON stays not JSON.
absl::Status RewriteWideIntegers(absl::string_view json, std::string* rewritten);

}  // namespace writ::internal

#endif  // WRIT_SRC_IO_JSON_NUMBERS_H_
