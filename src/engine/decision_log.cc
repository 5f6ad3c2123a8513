// The decision log's bounded queue and writer thread.
//
// The queue is a ring of std::string slots guarded by one mutex. Producers
// (deciding threads) hold the mutex only to swap their formatted line into
// a free slot — no I/O, no allocation once the slots have grown to the size
// of a record. The writer swaps out everything queued in one go, writes it
// as one batch outside the lock, then flushes the sink. A full ring drops
// the record and counts it; the writer appends a drop record to the next
// batch, i.e. as soon as the ring has room again.
//
// std::mutex rather than absl::Mutex, so ThreadSanitizer (which understands
// pthread locks but not Debian's uninstrumented abseil) can check it.
#include "writ/decision_log.h"

#include <atomic>
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
        ring_(options.queue_capacity > 0 ? options.queue_capacity : 1) {
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
    bool wake_writer = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (size_ == ring_.size()) {
        ++dropped_pending_;
        ++dropped_total_;
        return false;
      }
      ring_[(head_ + size_) % ring_.size()].swap(*line);
      ++size_;
      ++submitted_;
      wake_writer = writer_idle_;
    }
    if (wake_writer) work_.notify_one();
    return true;
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
  // What one writer round took out of the queue.
  struct Batch {
    std::vector<std::string> lines;  // first `count` are records
    size_t count = 0;
    uint64_t dropped = 0;
    uint64_t flush_ticket = 0;
    bool last = false;
  };

  void RunWriter() {
    Batch batch;
    std::string buffer;
    do {
      TakeBatch(&batch);
      WriteBatch(batch, &buffer);
      std::lock_guard<std::mutex> lock(mutex_);
      flush_done_ = batch.flush_ticket;
      flushed_.notify_all();
    } while (!batch.last);
  }

  // Called with mutex_ held.
  bool HasWork() const {
    return size_ > 0 || dropped_pending_ > 0 || stopping_ ||
           flush_requested_ > flush_done_;
  }

  void TakeBatch(Batch* batch) {
    std::unique_lock<std::mutex> lock(mutex_);
    writer_idle_ = true;
    work_.wait(lock, [this] { return HasWork(); });
    writer_idle_ = false;
    if (batch->lines.size() < size_) batch->lines.resize(size_);
    // Swap, not move: the ring keeps the batch's old buffers for reuse.
    for (size_t i = 0; i < size_; ++i) {
      batch->lines[i].swap(ring_[(head_ + i) % ring_.size()]);
    }
    batch->count = size_;
    head_ = (head_ + size_) % ring_.size();
    size_ = 0;
    batch->dropped = std::exchange(dropped_pending_, 0);
    batch->flush_ticket = flush_requested_;
    batch->last = stopping_;
  }

  void WriteBatch(const Batch& batch, std::string* buffer) {
    buffer->clear();
    for (size_t i = 0; i < batch.count; ++i) {
      buffer->append(batch.lines[i]);
      buffer->push_back('\n');
    }
    // The drops happened while these records filled the queue, so their
    // count follows them.
    if (batch.dropped > 0) {
      internal::AppendDropRecord(batch.dropped, absl::Now(), buffer);
      buffer->push_back('\n');
    }
    if (buffer->empty()) return;
    if (sink_->Write(*buffer).ok()) {
      written_.fetch_add(batch.count, std::memory_order_relaxed);
    } else {
      sink_errors_.fetch_add(1, std::memory_order_relaxed);
    }
    if (!sink_->Flush().ok()) sink_errors_.fetch_add(1, std::memory_order_relaxed);
  }

  const std::unique_ptr<LogSink> sink_;  // used by the writer thread only
  std::thread writer_;

  mutable std::mutex mutex_;
  std::condition_variable work_;     // the writer waits here for HasWork()
  std::condition_variable flushed_;  // Flush() waits here for its ticket
  // Guarded by mutex_:
  std::vector<std::string> ring_;
  size_t head_ = 0;
  size_t size_ = 0;
  bool writer_idle_ = false;
  bool stopping_ = false;
  uint64_t dropped_pending_ = 0;  // dropped, not yet logged
  uint64_t dropped_total_ = 0;
  uint64_t submitted_ = 0;
  uint64_t flush_requested_ = 0;
  uint64_t flush_done_ = 0;

  std::atomic<uint64_t> written_{0};
  std::atomic<uint64_t> sink_errors_{0};
};

DecisionLog::DecisionLog(std::unique_ptr<LogSink> sink,
                         const DecisionLogOptions& options)
    : queue_(std::make_unique<Queue>(std::move(sink), options)) {}

DecisionLog::~DecisionLog() = default;

bool DecisionLog::Submit(std::string* line) { return queue_->Submit(line); }

void DecisionLog::Flush() { queue_->Flush(); }

DecisionLogStats DecisionLog::stats() const { return queue_->stats(); }

}  // namespace writ
