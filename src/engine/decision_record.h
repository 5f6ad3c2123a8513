// Internal: the decision log's record format, one JSON object per line.
//
//   {"id":"…","timestamp":"2026-11-29T04:10:51.123456Z",
//    "decision":"deny","policy":{…},"determining":[…],
//    "default_applied":false,"obligations":{},"missing":[],"errors":[],
//    "why_not":[],"input":{"tool":"search","token.id":"sha256:…"},
//    "eval_ns":812,"shadow":{"decision":"allow","digest":"sha256:…",
//    "agrees":false}}
//
// The explanation fields are Explanation::ToJson's, spliced in unchanged, so
// a log record and `writ eval` output can never disagree. `input` holds the
// attributes the request gave, by dotted path, exactly as the policy read
// them (a log line's input can be replayed as a request); wrong-typed
// values appear only in `errors`. An attribute declared `redact` is never
// written: its value is replaced by "sha256:" + the SHA-256 of the value's
// JSON text, so equal secrets can be correlated without being revealed.
// (A fingerprint of a low-entropy secret can be brute-forced; redact is for
// keeping tokens and identifiers out of logs, not for hiding guessable
// values.)
#ifndef WRIT_SRC_ENGINE_DECISION_RECORD_H_
#define WRIT_SRC_ENGINE_DECISION_RECORD_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "src/internal/json_writer.h"
#include "writ/decision.h"
#include "writ/request.h"

namespace writ::internal {

struct Schema;

// What a shadow policy said about the same request.
struct ShadowOutcome {
  Effect effect = Effect::kDeny;
  absl::string_view digest;
};

// A unique, lexicographically sortable decision id: 16 hex digits of Unix
// nanoseconds, then 8 of a per-process random nonce, 4 of the thread index
// and 12 of a per-thread sequence number. Unique within a process without a
// shared counter; across processes by the nonce.
void AppendDecisionId(absl::Time now, std::string* out);

// RFC 3339, UTC, microseconds: "2026-11-29T04:10:51.123456Z".
void AppendTimestamp(absl::Time now, std::string* out);

// Appends the record described above to `*out` (no newline).
void AppendDecisionRecord(const Request& request,
                          const Explanation& explanation, int64_t eval_ns,
                          absl::Time now,
                          const std::optional<ShadowOutcome>& shadow,
                          std::string* out);

// {"dropped":N,"timestamp":"…"}: N records were lost to a full queue.
void AppendDropRecord(uint64_t dropped, absl::Time now, std::string* out);

// Writes the present attributes of `request` as one JSON object member per
// attribute, redacted ones fingerprinted. Must be inside an object.
void WriteRequestAttributes(const Request& request, JsonWriter* json);

// "sha256:" + the SHA-256 (hex) of `value_json`.
std::string Fingerprint(absl::string_view value_json);

}  // namespace writ::internal

#endif  // WRIT_SRC_ENGINE_DECISION_RECORD_H_
