// Internal: turning request input (JSON documents or setter calls) into
// typed request slots, per SPEC §6.
//
// Every way of giving a value goes through the Assign* functions below, so
// JSON and the C++ setters accept exactly the same values and describe a
// wrong-typed value with the same message. A wrong-typed value is not a
// failure: the slot becomes kWrongType with an `error` saying why, and the
// evaluators treat it as unknown. Only a document that cannot be read as a
// request at all is an error Status.
#ifndef WRIT_SRC_IO_REQUEST_JSON_H_
#define WRIT_SRC_IO_REQUEST_JSON_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "src/check/checked_policy.h"
#include "src/io/value.h"
#include "writ/request.h"

namespace writ::internal {

// Parses `json` as a request for `schema` into `store` (resized to the
// schema and reset to absent first, keeping its buffers). InvalidArgument when the document is not valid JSON, is not an
// object, or gives one attribute twice (nested and dotted, or a repeated
// key) or a key the schema reads twice in one object; the slots are then
// unspecified. Thread-safe: each thread parses with
// its own scratch state.
absl::Status FillRequestFromJson(const Schema& schema, absl::string_view json,
                                 const ValueStore& store);
// As above, refusing a document over one of `options`' limits with an
// InvalidArgument that names the limit.
absl::Status FillRequestFromJson(const Schema& schema, absl::string_view json,
                                 const RequestOptions& options,
                                 const ValueStore& store);

// Typed assignment into the slot `slot` of `schema` and `store`. Each stores the value
// when it fits the attribute's declared type, and otherwise marks the slot
// wrong-typed with a message. The rules (SPEC §6):
//
//   AssignBool           bool
//   AssignInt            int, number (converted), duration (seconds)
//   AssignNumber         number
//   AssignString         string; duration ("90s"); ip; enum member
//   AssignDurationSeconds duration
//   AssignIp             ip
//   AssignEnumMember     enum
//   AssignStringSet      set<string>
//
// Messages never quote the value of an attribute marked `redact`.
void AssignBool(const Schema& schema, uint32_t slot, bool input, const ValueStore& store);
void AssignInt(const Schema& schema, uint32_t slot, int64_t input, const ValueStore& store);
void AssignNumber(const Schema& schema, uint32_t slot, double input, const ValueStore& store);
void AssignString(const Schema& schema, uint32_t slot, absl::string_view input,
                  const ValueStore& store);
void AssignDurationSeconds(const Schema& schema, uint32_t slot, int64_t seconds,
                           const ValueStore& store);
void AssignIp(const Schema& schema, uint32_t slot, absl::string_view input,
              const ValueStore& store);
void AssignEnumMember(const Schema& schema, uint32_t slot, absl::string_view member,
                      const ValueStore& store);
void AssignStringSet(const Schema& schema, uint32_t slot,
                     const std::vector<std::string>& members, const ValueStore& store);

// Makes a slot absent, keeping its buffers.
void ClearValue(uint32_t slot, const ValueStore& store);

// Parses a duration string: an optionally negative integer and exactly one
// unit, s, m, h or d ("90s", "-5m"). nullopt for anything else, including
// compound durations ("1h30m"), a missing unit and int64 overflow.
std::optional<int64_t> ParseDurationString(absl::string_view text);

}  // namespace writ::internal

#endif  // WRIT_SRC_IO_REQUEST_JSON_H_
