// Internal: the decision log's record format, one JSON object per line.
//
//   {"id":"…","timestamp":"2026-11-29T04:10:51.123456Z",
//    "decision":"deny","policy":{…},"determining":[…],
//    "default_applied":false,"obligations":{},"missing":[],"errors":[],
//    "input":{"tool":"search","token.id":"sha256:…"},
//    "eval_ns":812,"shadow":{"decision":"allow","digest":"sha256:…",
//    "agrees":false}}
//
// The explanation fields are written by the same code as
// Explanation::ToJson, so a log record and `writ eval` output can never
// disagree — except that a record has no `why_not`: ranking near misses
// costs O(allow rules) on every default deny, and a log answers "what
// decided", not "what almost allowed it" (`writ eval` on the record's
// input answers that). `input` holds the attributes the request gave, by
// dotted path, exactly as the policy read them (a log line's input can be
// replayed as a request); wrong-typed values appear only in `errors`. An
// attribute declared `redact` is never written: its value is replaced by
// "sha256:" + the SHA-256 of the value's JSON text, so equal secrets can be
// correlated without being revealed. An unkeyed fingerprint of a
// low-entropy secret can be brute-forced, so a log may be given a key
// (DecisionLogOptions::fingerprint_key): the value is then written as
// "hmac-sha256:" + its HMAC-SHA-256 under that key.
//
// Records are formatted off the decision path. The deciding thread fills a
// PendingRecord (the policy that decided, the request's values, the id, the
// time and eval_ns) and queues it; the log's writer thread explains the
// decision again and formats it. That is the same record the deciding
// thread would have written — evaluation is a pure function of the policy
// and the request's values — but it leaves the deciding thread with a
// buffer swap instead of an explanation and a JSON document.
#ifndef WRIT_SRC_ENGINE_DECISION_RECORD_H_
#define WRIT_SRC_ENGINE_DECISION_RECORD_H_

#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "src/engine/packed_values.h"
#include "src/internal/json_writer.h"
#include "writ/decision.h"
#include "writ/engine.h"
#include "writ/policy.h"
#include "writ/request.h"

namespace writ::internal {

struct Schema;

// What a shadow policy said about the same request.
struct ShadowOutcome {
  Effect effect = Effect::kDeny;
  PolicyDigest digest;
};

// What a decision id is made of, fixed by the deciding thread when it
// decides; formatted later by whichever thread writes the record.
struct DecisionId {
  absl::Time time;
  uint32_t thread = 0;
  uint64_t sequence = 0;
};

// The calling thread's next id, stamped `now`.
DecisionId NextDecisionId(absl::Time now);

// The wall-clock time at `moment`, worked out from a steady-clock reading
// the caller already has, so that stamping a decision costs no third clock
// read (~25 ns, 2% of a JSON decision). Each thread reads the wall clock
// again once 10 ms of steady time have passed: between readings the two
// clocks drift apart by at most NTP's slew rate (500 ppm, 5 µs over 10 ms),
// and a step of the wall clock shows within 10 ms.
absl::Time WallTimeAt(std::chrono::steady_clock::time_point moment);

// A unique, lexicographically sortable decision id: 16 hex digits of Unix
// nanoseconds, then 8 of a per-process random nonce, 4 of the thread index
// and 12 of a per-thread sequence number. Unique within a process without a
// shared counter; across processes by the nonce.
void AppendDecisionId(const DecisionId& id, std::string* out);

// RFC 3339, UTC, microseconds: "2026-11-29T04:10:51.123456Z".
void AppendTimestamp(absl::Time now, std::string* out);

// What a record says besides the explanation and the input.
struct RecordContext {
  DecisionId id;
  Decision enforced;  // what the caller was answered
  int64_t eval_ns = 0;
  std::optional<ShadowOutcome> shadow;
};

// What every record of one policy repeats, its `policy` block and its
// attributes' keys, formatted once. A log's writer formats thousands of
// records of the same policy, and these were a fifth of each record's
// bytes and a third of its strings to escape.
class RecordFragments {
 public:
  // Makes these `policy`'s fragments, formatting them only when they are
  // another policy's.
  void Use(const Policy& policy);

  absl::string_view policy_json() const { return policy_json_; }
  // `"path":` of the attribute in `slot`.
  absl::string_view key(uint32_t slot) const { return keys_[slot]; }

 private:
  // Held, so that no other schema can take its address while the keys
  // are cached by it.
  std::shared_ptr<const Schema> schema_;
  PolicyInfo info_;
  std::string policy_json_;
  std::vector<std::string> keys_;
};

// Appends the record described above to `*out` (no newline). The
// explanation's why_not, if any, is not written.
// Redacted values are fingerprinted with `fingerprint_key` (Fingerprint).
// `fragments`, when given, must be Use()d for the request's policy.
void AppendDecisionRecord(const Request& request,
                          const Explanation& explanation,
                          const RecordContext& context,
                          absl::string_view fingerprint_key,
                          const RecordFragments* fragments, std::string* out);

// Explains `request`'s decision by `policy` again (without why_not) into
// `*scratch` and appends its record. Explaining again reaches the enforced
// decision unless the thread runs out of memory (the evaluators then fail
// closed); a record must never show a decision nobody enforced, so it
// keeps `context.enforced` and says so in `errors` instead. A request made
// for another policy's schema is recorded with an empty `input`.
void AppendExplainedRecord(const Policy& policy, const Request& request,
                           Evaluator evaluator, const RecordContext& context,
                           absl::string_view fingerprint_key, Explanation* scratch,
                           const RecordFragments* fragments, std::string* out);

// `*request` made a request for `policy`'s schema: kept (with its buffers)
// when it already is one, replaced by an empty one otherwise.
Request& RequestFor(const Policy& policy, std::optional<Request>* request);

// The calling thread's request for `policy`'s schema (RequestFor over one
// request per thread), reused across decisions so a warm JSON read
// allocates nothing and touches no shared reference count: what
// Engine::EvaluateJson and the C API's writ_policy_evaluate_json read into.
// The cached request keeps its schema alive, so a schema address can never
// be reused by another policy while it is cached.
Request& ThreadRequestFor(const Policy& policy);

// A decision waiting in the log's queue for its record to be formatted.
// It lives in a slot of the log's ring and is reused: the deciding thread
// writes it and the log's writer thread only reads it, so the next decision
// finds its lines still in its own cache and its buffer already grown.
struct PendingRecord {
  // Kept alive by the ring until the writer has formatted the record
  // (DecisionLog::SubmitPending).
  const Policy* policy = nullptr;
  Evaluator evaluator = Evaluator::kDag;
  // The values that were decided: the JSON text they were read from (read
  // again, with `json_options`, by the writer), or, when `from_json` is
  // false, `values` packed from the deciding thread's request (of
  // `policy`'s schema). A decision read from JSON hands over the text: a
  // copy of it costs the deciding thread ~20 ns where packing the values
  // it was read into cost ~90 ns (a mispredicted branch or two per
  // attribute), and reading it again is the writer's time, off the
  // decision path.
  bool from_json = false;
  RecordContext context;
  RequestOptions json_options;

  // The JSON text is kept in the record itself when it fits (a typical
  // request is ~300 bytes), so that a record is one run of lines the
  // deciding thread has prefetched rather than the slot plus a heap buffer
  // elsewhere: ~30 ns (3 points) off a logged decision's p50 at
  // 100,000/s, and a lower p99 (benchmarks/RESULTS.md). Longer texts go to
  // `json_overflow`.
  void SetJsonText(absl::string_view text) {
    if (!text.empty() && text.size() <= sizeof(json_inline)) {
      std::memcpy(json_inline, text.data(), text.size());
      json_inline_size = static_cast<uint32_t>(text.size());
    } else {
      json_inline_size = 0;
      json_overflow.assign(text.data(), text.size());
    }
  }
  absl::string_view json_text() const {
    return json_inline_size != 0 ? absl::string_view(json_inline, json_inline_size)
                                 : absl::string_view(json_overflow);
  }
  uint32_t json_inline_size = 0;  // 0: the text is in json_overflow
  char json_inline[384];
  std::string json_overflow;

  PackedValues values;  // last: a JSON record's fill leaves its lines alone
};

// Starts loading, for writing, the buffer the next fill of `record` will
// likely write: the one its last fill wrote.
void PrefetchBuffersForFilling(const PendingRecord& record);

// What a thread that formats PendingRecords reuses from one to the next.
struct RecordScratch {
  std::optional<Request> request;  // the record's values, unpacked
  Explanation explanation;
  RecordFragments fragments;       // the last record's policy's
};

// Explains `record`'s decision again (without why_not) and appends its
// record to `*out`.
void AppendPendingRecord(const PendingRecord& record, absl::string_view fingerprint_key,
                         RecordScratch* scratch, std::string* out);

// {"dropped":N,"timestamp":"…"}: N records were lost to a full queue.
void AppendDropRecord(uint64_t dropped, absl::Time now, std::string* out);

// Writes the present attributes of `request` as one JSON object member per
// attribute, redacted ones fingerprinted. Must be inside an object.
// `fragments`, when given, must be Use()d for the request's policy.
void WriteRequestAttributes(const Request& request, absl::string_view fingerprint_key,
                            const RecordFragments* fragments, JsonWriter* json);

// "sha256:" + the SHA-256 (hex) of `value_json`; with a key,
// "hmac-sha256:" + its HMAC-SHA-256 under the key
// (DecisionLogOptions::fingerprint_key).
std::string Fingerprint(absl::string_view value_json, absl::string_view key = {});

}  // namespace writ::internal

#endif  // WRIT_SRC_ENGINE_DECISION_RECORD_H_
