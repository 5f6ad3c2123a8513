// writ — decision logs: one JSON line per decision, written off the
// decision path.
//
//   absl::StatusOr<std::unique_ptr<writ::LogSink>> sink =
//       writ::OpenFileSink({.path = "/var/log/writ/decisions.jsonl"});
//   auto log = std::make_shared<writ::DecisionLog>(*std::move(sink));
//   writ::EngineOptions options;
//   options.log = log;  // the Engine now logs every decision
//
// A DecisionLog is a bounded queue in front of a LogSink, drained by one
// writer thread of its own, so a decision only hands its record over: no
// I/O, no waiting on a disk, and for the Engine's records not even the
// formatting, which the writer does. The queue is split into a few rings,
// one per deciding thread where there are cores enough, so that handing a
// record over touches no memory another core has just written. The writer
// wakes when a ring is an eighth full or `max_delay` after its last round,
// whichever comes first, so a steady stream of decisions does not pay a
// thread wake-up each. Records of one thread are written in the order they
// were submitted; records of different threads may interleave in any order
// (each carries its time and a sortable id). When a ring is full the record
// is dropped and counted, and as soon as there is room again the writer
// puts one {"dropped": N, ...} line in the log, so a reader of the log can
// see that (and how many) records are missing — nothing vanishes silently.
#ifndef WRIT_DECISION_LOG_H_
#define WRIT_DECISION_LOG_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace writ {

class Policy;
namespace internal {
struct PendingRecord;
}  // namespace internal

// Where log lines go. Called by one DecisionLog writer thread only, never
// concurrently, so implementations need no locking of their own.
class LogSink {
 public:
  virtual ~LogSink() = default;
  // Writes `lines`: whole records, each ending in '\n'. An error is counted
  // by the DecisionLog (the lines are lost) and the writer goes on.
  virtual absl::Status Write(absl::string_view lines) = 0;
  // Called after each batch of writes: push buffered bytes toward the disk
  // as the sink's options say.
  virtual absl::Status Flush() = 0;
};

// How durable each batch is made once written.
enum class FileSync {
  kNone,   // leave it to the C library's buffer (fastest; lost on a crash)
  kFlush,  // fflush after each batch: survives a process crash
  kFsync,  // fflush and fsync after each batch: survives a machine crash
};

struct FileSinkOptions {
  // The log file; opened for append and created (0640) when absent.
  std::string path;
  // Rotate before a write would take the file past this many bytes: path
  // becomes path.1, path.1 becomes path.2, ... 0 never rotates. A single
  // batch larger than this still goes into one (fresh) file.
  uint64_t max_bytes = 64ull << 20;
  // Rotated files kept (path.1 ... path.N); the oldest is deleted.
  int max_rotated_files = 5;
  FileSync sync = FileSync::kFlush;
};

// An appending, rotating file sink. Fails when the file cannot be opened.
absl::StatusOr<std::unique_ptr<LogSink>> OpenFileSink(
    const FileSinkOptions& options);

struct DecisionLogOptions {
  // Records the queue holds before it drops. The capacity is shared out
  // among the rings (at most one per hardware thread, at least 256 records
  // each), so one deciding thread has its ring's share: 8,192 by default on
  // 2 cores. Threads beyond the rings share one more ring of that size.
  // Memory is a ~700-byte slot per record, allocated up front, which holds
  // a request's JSON text of up to 384 bytes; a longer text, or the packed
  // values of a decision on a Request built in code, goes to a buffer of
  // the slot's once used. At the default on 2 cores: ~17 MB of slots (the
  // threads' two rings and the shared one).
  size_t queue_capacity = 16384;
  // The longest a queued record waits before the writer takes it (when the
  // queue fills faster, sooner). Bounds how stale the file is, not what is
  // kept: Flush() and destruction write everything regardless. At least
  // 1 ms is used (0 or less would have the writer spin).
  std::chrono::milliseconds max_delay{10};
  // A secret for fingerprinting `redact` attributes in the Engine's
  // records. Empty: a value is written as "sha256:" + its SHA-256, which
  // anyone can recompute, so a guessable value (a PIN, an account number,
  // a name from a short list) can be found by hashing candidates. Set: as
  // "hmac-sha256:" + its HMAC-SHA-256 under this key, which only holders of
  // the key can recompute; equal values still correlate within the log.
  // Use 32 random bytes kept out of the log's reach.
  std::string fingerprint_key;
};

// Counters of a DecisionLog; each is monotonic.
struct DecisionLogStats {
  uint64_t submitted = 0;    // records accepted into the queue
  uint64_t written = 0;      // records the sink wrote and then flushed
  uint64_t dropped = 0;      // records refused because the queue was full
  uint64_t sink_errors = 0;  // failed Write or Flush calls on the sink
};

// The bounded asynchronous queue and its writer thread. Thread-safe: any
// number of threads may Submit at once. Destruction writes what is queued
// (and a last drop count, if any), flushes and joins the writer.
class DecisionLog {
 public:
  explicit DecisionLog(std::unique_ptr<LogSink> sink,
                       const DecisionLogOptions& options = {});
  DecisionLog(const DecisionLog&) = delete;
  DecisionLog& operator=(const DecisionLog&) = delete;
  ~DecisionLog();

  // Queues `*line` (one record, without the trailing newline) without
  // blocking on I/O. The queue takes the text by swapping buffers, so
  // `*line` comes back holding an old buffer to reuse (content unspecified):
  // a steady stream of Submits allocates nothing. False when the queue was
  // full and the record was dropped (and counted).
  bool Submit(std::string* line);

  // Internal, for writ::Engine: queues a decision whose record the writer
  // thread formats (src/engine/decision_record.h). `fill` writes the
  // decision into a reused record in the queue; the record's policy is
  // `policy`, which the log keeps alive until the record is written. When
  // the writer is behind (half the thread's ring waiting), `format_here`
  // is called instead of `fill`: it appends the record, formatted on the
  // calling thread, to the empty line it is given, which is then queued as
  // by Submit. False (counted) when the queue was full.
  bool SubmitPending(const std::shared_ptr<const Policy>& policy,
                     absl::FunctionRef<void(internal::PendingRecord*)> fill,
                     absl::FunctionRef<void(std::string*)> format_here);

  // Waits until every record submitted before the call is written and the
  // sink flushed. For tests, tools and orderly shutdown, not the hot path.
  void Flush();

  DecisionLogStats stats() const;

  // Internal, for writ::Engine: the key its records' fingerprints use.
  absl::string_view fingerprint_key() const;

 private:
  class Queue;
  std::unique_ptr<Queue> queue_;
};

}  // namespace writ

#endif  // WRIT_DECISION_LOG_H_
