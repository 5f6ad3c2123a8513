// Internal to the broker: the hash-chained audit log.
//
// Every mint, delegation, verify and revocation becomes one JSON line:
//
//   {"seq":7,"time":"2026-11-29T04:00:00Z","event":"verify","outcome":"deny",
//    "code":"expired","workload":"spiffe://..","task":"t-42","token":"<jti>",
//    "parents":["<root jti>"],"policy":"sha256:..","rules":["r1"],
//    "reason":"..","token_sha256":"<hex>","prev":"<hex>"[,"mac":"<hex>"]}
//
// "prev" is the SHA-256 (hex) of the previous line's bytes, "0"*64 on the
// first line, so a line cannot be edited, dropped, inserted or moved without
// breaking the chain at that point. With a key, "mac" is an HMAC-SHA256 of
// the line up to (not including) the ",\"mac\"" member, so someone who can
// rewrite the file cannot re-chain it either. What no chain can show is a
// truncated tail: keep the latest line's hash somewhere else if that
// matters.
//
// A line names tokens by jti and by "token_sha256" (a fingerprint), never
// by the token or proof themselves, so nothing in the log can be replayed.
#ifndef WRIT_SRC_BROKER_AUDIT_LOG_H_
#define WRIT_SRC_BROKER_AUDIT_LOG_H_

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "writ/broker.h"

namespace writ::broker_internal {

struct AuditEvent {
  std::string event;    // mint, delegate, verify, revoke
  std::string outcome;  // allow, deny, ok
  std::string code;     // RefusalCodeName for a denied verify
  std::string workload;
  std::string task_id;
  std::string token_id;
  std::vector<std::string> parents;  // ancestor jtis, root first
  std::string policy_digest;
  std::vector<std::string> rules;
  std::string reason;
  std::string token_sha256;  // hex fingerprint of the presented token
};

// Thread-safe; lines reach the sink in sequence order.
class AuditLog {
 public:
  // `sink` may be null (nothing is written); `hmac_key` may be empty.
  AuditLog(AuditSink* sink, std::string hmac_key)
      : sink_(sink), hmac_key_(std::move(hmac_key)) {}

  absl::Status Record(const AuditEvent& event, absl::Time time);

  // Continues an existing log whose last line is `last_line`: the next line
  // gets the following seq and that line's hash as prev. InvalidArgument if
  // `last_line` is not an audit line.
  absl::Status ContinueAfter(absl::string_view last_line);

 private:
  std::string Format(const AuditEvent& event, absl::Time time) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  AuditSink* const sink_;
  const std::string hmac_key_;
  std::mutex mutex_;
  int64_t next_seq_ ABSL_GUARDED_BY(mutex_) = 0;
  std::string previous_hash_ ABSL_GUARDED_BY(mutex_) = std::string(64, '0');
};

// The hex fingerprint used for tokens and proofs in logs.
std::string Fingerprint(absl::string_view secret);

}  // namespace writ::broker_internal

#endif  // WRIT_SRC_BROKER_AUDIT_LOG_H_
