// The decision log's bounded queue and writer thread.
//
// The queue is a ring of slots guarded by one mutex. A slot holds either a
// formatted line (Submit) or a PendingRecord (SubmitPending, the Engine's
// decisions), which the writer formats. Producers (deciding threads) hold
// the mutex only to swap their line or record into a free slot — no I/O,
// no allocation once the slots have grown to the size of a record. The
// writer swaps out everything queued in one go, formats and writes it as
// one batch outside the lock, then flushes the sink. A full ring drops the
// record and counts it; the writer appends a drop record to the next
// batch, i.e. as soon as the ring has room again.
//
// When the ring and the writer's current batch hold half a ring's worth of
// records the writer is not keeping up, and producers
// format their records themselves (Submit instead of SubmitPending): the
// cost of a slow writer moves to the deciding threads gradually instead of
// turning into dropped records.
//
// Producers wake the writer only when the ring is an eighth full (or on
// Flush and shutdown); otherwise it wakes on its own every max_delay. A
// condition-variable signal per record is a futex system call and a
// context switch, which cost a decision several times its own latency.
//
// std::mutex rather than absl::Mutex, so ThreadSanitizer (which understands
// pthread locks but not Debian's uninstrumented abseil) can check it.
#include "writ/decision_log.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "src/engine/decision_record.h"

namespace writ {

class DecisionLog::Queue {
 public:
  Queue(std::unique_ptr<LogSink> sink, const DecisionLogOptions& options)
      : sink_(std::move(sink)),
        max_delay_(options.max_delay),
        ring_(options.queue_capacity > 0 ? options.queue_capacity : 1),
        wake_size_(std::max<size_t>(1, ring_.size() / 8)) {
    writer_ = std::thread([this] { RunWriter(); });
  }

  ~Queue() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    work_.notify_one();
    writer_.join();
  }

  bool Submit(std::string* line) {
    return Enqueue([line](Slot& slot) {
      slot.line.swap(*line);
      slot.deferred = false;
    });
  }

  bool SubmitPending(std::unique_ptr<internal::PendingRecord>* record) {
    if (queued_.load(std::memory_order_relaxed) + in_writer_.load(std::memory_order_relaxed) >=
        ring_.size() / 2) {
      // The writer is falling behind: this thread formats its own record,
      // so the queue drains faster than it fills instead of dropping.
      thread_local std::string line;
      thread_local Explanation scratch;
      line.clear();
      internal::AppendPendingRecord(record->get(), &scratch, &line);
      return Submit(&line);
    }
    return Enqueue([record](Slot& slot) {
      slot.pending.swap(*record);
      slot.deferred = true;
    });
  }

  void Flush() {
    std::unique_lock<std::mutex> lock(mutex_);
    const uint64_t ticket = ++flush_requested_;
    work_.notify_one();
    flushed_.wait(lock, [&] { return flush_done_ >= ticket; });
  }

  DecisionLogStats stats() const {
    DecisionLogStats stats;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stats.submitted = submitted_;
      stats.dropped = dropped_total_;
    }
    stats.written = written_.load(std::memory_order_relaxed);
    stats.sink_errors = sink_errors_.load(std::memory_order_relaxed);
    return stats;
  }

 private:
  struct Slot {
    std::string line;
    std::unique_ptr<internal::PendingRecord> pending;
    bool deferred = false;  // the record is `pending`, not `line`
  };

  // What one writer round took out of the queue.
  struct Batch {
    std::vector<Slot> slots;  // first `count` are records
    size_t count = 0;
    uint64_t dropped = 0;
    uint64_t flush_ticket = 0;
    bool last = false;
  };

  // Puts one record into the ring with `fill`, or counts it dropped.
  template <typename Fill>
  bool Enqueue(Fill fill) {
    bool wake_writer = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (size_ == ring_.size()) {
        ++dropped_pending_;
        ++dropped_total_;
        return false;
      }
      fill(ring_[(head_ + size_) % ring_.size()]);
      ++size_;
      queued_.store(size_, std::memory_order_relaxed);
      ++submitted_;
      wake_writer = writer_idle_ && size_ >= wake_size_;
    }
    if (wake_writer) work_.notify_one();
    return true;
  }

  void RunWriter() {
    Batch batch;
    std::string buffer;
    Explanation scratch;
    do {
      TakeBatch(&batch);
      WriteBatch(&batch, &scratch, &buffer);
      std::lock_guard<std::mutex> lock(mutex_);
      flush_done_ = batch.flush_ticket;
      flushed_.notify_all();
    } while (!batch.last);
  }

  // What cannot wait for the next max_delay round. Called with mutex_ held.
  bool HasUrgentWork() const {
    return size_ >= wake_size_ || stopping_ || flush_requested_ > flush_done_;
  }

  void TakeBatch(Batch* batch) {
    std::unique_lock<std::mutex> lock(mutex_);
    writer_idle_ = true;
    work_.wait_for(lock, max_delay_, [this] { return HasUrgentWork(); });
    writer_idle_ = false;
    if (batch->slots.size() < size_) batch->slots.resize(size_);
    // Swap, not move: the ring keeps the batch's old buffers for reuse.
    for (size_t i = 0; i < size_; ++i) {
      Slot& from = ring_[(head_ + i) % ring_.size()];
      Slot& to = batch->slots[i];
      to.line.swap(from.line);
      to.pending.swap(from.pending);
      std::swap(to.deferred, from.deferred);
    }
    batch->count = size_;
    in_writer_.store(size_, std::memory_order_relaxed);
    head_ = (head_ + size_) % ring_.size();
    size_ = 0;
    queued_.store(0, std::memory_order_relaxed);
    batch->dropped = std::exchange(dropped_pending_, 0);
    batch->flush_ticket = flush_requested_;
    batch->last = stopping_;
  }

  // Formats the batch's pending records (with `scratch` for their
  // explanations) and writes the batch as one buffer.
  void WriteBatch(Batch* batch, Explanation* scratch, std::string* buffer) {
    buffer->clear();
    for (size_t i = 0; i < batch->count; ++i) {
      Slot& slot = batch->slots[i];
      if (slot.deferred) {
        internal::AppendPendingRecord(slot.pending.get(), scratch, buffer);
      } else {
        buffer->append(slot.line);
      }
      buffer->push_back('\n');
    }
    in_writer_.store(0, std::memory_order_relaxed);
    // The drops happened while these records filled the queue, so their
    // count follows them.
    if (batch->dropped > 0) {
      internal::AppendDropRecord(batch->dropped, absl::Now(), buffer);
      buffer->push_back('\n');
    }
    if (buffer->empty()) return;
    if (sink_->Write(*buffer).ok()) {
      written_.fetch_add(batch->count, std::memory_order_relaxed);
    } else {
      sink_errors_.fetch_add(1, std::memory_order_relaxed);
    }
    if (!sink_->Flush().ok()) sink_errors_.fetch_add(1, std::memory_order_relaxed);
  }

  const std::unique_ptr<LogSink> sink_;  // used by the writer thread only
  const std::chrono::milliseconds max_delay_;
  std::thread writer_;

  mutable std::mutex mutex_;
  std::condition_variable work_;     // the writer waits here for HasWork()
  std::condition_variable flushed_;  // Flush() waits here for its ticket
  // Guarded by mutex_:
  std::vector<Slot> ring_;
  const size_t wake_size_;  // queued records that wake an idle writer
  size_t head_ = 0;
  size_t size_ = 0;
  bool writer_idle_ = false;
  bool stopping_ = false;
  uint64_t dropped_pending_ = 0;  // dropped, not yet logged
  uint64_t dropped_total_ = 0;
  uint64_t submitted_ = 0;
  uint64_t flush_requested_ = 0;
  uint64_t flush_done_ = 0;

  // size_, and the records the writer has taken but not yet formatted,
  // readable without the lock: together, how far behind the writer is.
  std::atomic<size_t> queued_{0};
  std::atomic<size_t> in_writer_{0};
  std::atomic<uint64_t> written_{0};
  std::atomic<uint64_t> sink_errors_{0};
};

DecisionLog::DecisionLog(std::unique_ptr<LogSink> sink,
                         const DecisionLogOptions& options)
    : queue_(std::make_unique<Queue>(std::move(sink), options)) {}

DecisionLog::~DecisionLog() = default;

bool DecisionLog::Submit(std::string* line) { return queue_->Submit(line); }

bool DecisionLog::SubmitPending(std::unique_ptr<internal::PendingRecord>* record) {
  return queue_->SubmitPending(record);
}

void DecisionLog::Flush() { queue_->Flush(); }

DecisionLogStats DecisionLog::stats() const { return queue_->stats(); }

}  // namespace writ
