// The decision log's queue and writer thread.
//
// The queue is a few rings of slots. A deciding thread uses ring
// (its thread index mod the ring count), so with no more busy threads than
// cores each ring has one producer. A slot holds either a formatted line
// (Submit) or a PendingRecord (SubmitPending, the Engine's decisions),
// which the writer formats.
//
// Why rings of slots the writer only reads: handing a record to another
// core costs a cache miss on every line the producer reads that the other
// core has written since. With one shared ring whose slots the writer
// swapped its used records into, a decision read ~3 such lines (the slot,
// the recycled record, the mutex) at ~100 ns each on this VM, which was
// most of the log's +25% at p50. Here the producer writes its slot and its
// ring's head and reads only lines it wrote itself; the writer reads the
// slots, publishes how far it got in its own `tail` line, and the producer
// reads that line only when its cached copy says the ring may be full or
// backlogged. Producers of one ring serialise on the ring's own mutex,
// which no other core touches while they are alone on it.
//
// The record's policy must outlive the record. A reference count per
// record would be a shared line written by both cores; instead each ring
// keeps every policy its unwritten records use (a new entry only when a
// thread's policy changes, i.e. on reload) and the writer drops an entry
// once it has written past the records that need it, or when the ring has
// been idle for two rounds.
//
// The writer drains every ring into one buffer each round, writes it as one
// batch and flushes the sink. A full ring drops the record and counts it;
// the writer appends a drop record to the next batch. When a ring's
// backlog (queued plus being formatted) reaches half the ring, the writer
// is not keeping up, and its producers format their records themselves
// (Submit instead of SubmitPending): the cost of a slow writer moves to the
// deciding threads gradually instead of turning into dropped records.
//
// Producers wake the writer only when a ring is an eighth full (or on Flush
// and shutdown); otherwise it wakes on its own every max_delay. A
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
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "src/engine/decision_record.h"
#include "src/engine/thread_index.h"
#include "src/internal/prefetch.h"

namespace writ {
namespace {

// Below this a ring's eighth (the wake-up size) is too few records to be
// worth a wake-up, so small queues get fewer rings rather than tiny ones.
constexpr size_t kMinimumRingCapacity = 256;

size_t RingCount(size_t capacity) {
  const size_t cores = std::max<size_t>(1, std::thread::hardware_concurrency());
  return std::clamp<size_t>(capacity / kMinimumRingCapacity, 1, cores);
}

// Written by the producer that fills it, only read by the writer.
struct alignas(64) Slot {
  bool pending = false;  // the record is `record`, not `line`
  internal::PendingRecord record;
  std::string line;  // last: a pending record's fill leaves its lines alone
};

// Starts loading, for writing, what filling `slot` with a pending record
// writes: the lines before `line`, and the record's buffer.
void PrefetchForFilling(const Slot& slot) {
  const char* start = reinterpret_cast<const char*>(&slot);
  internal::PrefetchRangeForWriting(
      start, static_cast<size_t>(reinterpret_cast<const char*>(&slot.line) - start));
  internal::PrefetchBuffersForFilling(slot.record);
}

// A policy that records from `first_sequence` on may use.
struct KeptPolicy {
  std::shared_ptr<const Policy> policy;
  uint64_t first_sequence = 0;
};

class Ring {
 public:
  explicit Ring(size_t capacity)
      : slots_(capacity), wake_size_(std::max<size_t>(1, capacity / 8)) {}

  // --- Producer side: call with producer_mutex() held. ---

  std::mutex& producer_mutex() { return producer_mutex_; }

  // Whether at least `count` records are queued or being formatted.
  bool BacklogAtLeast(uint64_t count) {
    const uint64_t head = head_.load(std::memory_order_relaxed);
    if (head - cached_tail_ < count) return false;
    cached_tail_ = tail_.load(std::memory_order_acquire);
    return head - cached_tail_ >= count;
  }

  bool HalfFull() { return BacklogAtLeast(slots_.size() / 2); }

  // Fills the next slot with `fill(slot, sequence)` and publishes it. False
  // (and counted) when the ring is full. `*wake_writer` says whether the
  // backlog has reached the wake-up size.
  template <typename Fill>
  bool Push(Fill fill, bool* wake_writer) {
    if (BacklogAtLeast(slots_.size())) {
      dropped_.store(dropped_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
      return false;
    }
    const uint64_t head = head_.load(std::memory_order_relaxed);
    fill(slots_[head % slots_.size()], head);
    head_.store(head + 1, std::memory_order_release);
    // The next record goes into the next slot: take its lines now, from
    // the writer's cache or from memory, so the next fill writes lines this
    // core holds. A fill of lines it did not hold cost a logged decision
    // ~70 ns (6 points of its p50 at 100,000/s); the loads overlap
    // whatever the thread does until then.
    PrefetchForFilling(slots_[(head + 1) % slots_.size()]);
    *wake_writer = BacklogAtLeast(wake_size_);
    return true;
  }

  // Keeps `policy` alive for the record at `sequence` and later ones.
  void KeepAlive(const std::shared_ptr<const Policy>& policy, uint64_t sequence) {
    if (policy.get() == current_policy_) return;
    std::lock_guard<std::mutex> lock(kept_mutex_);
    kept_.push_back({policy, sequence});
    kept_count_.store(kept_.size(), std::memory_order_relaxed);
    current_policy_ = policy.get();
  }

  // --- Writer side. ---

  // Appends every published record to `*out` (pending ones formatted with
  // the writer's scratch), frees their slots and returns how many. Slots are
  // freed every kFreeEvery records rather than at the end, so that a
  // producer that outruns the writer finds room while a long backlog is
  // formatted (a record costs the writer ~2 µs, a ring's half 8+ ms).
  size_t Drain(absl::string_view fingerprint_key, internal::RecordScratch* scratch,
               std::string* out) {
    constexpr uint64_t kFreeEvery = 64;
    const uint64_t head = head_.load(std::memory_order_acquire);
    const uint64_t tail = tail_.load(std::memory_order_relaxed);
    for (uint64_t sequence = tail; sequence != head;) {
      const Slot& slot = slots_[sequence % slots_.size()];
      if (slot.pending) {
        internal::AppendPendingRecord(slot.record, fingerprint_key, scratch, out);
      } else {
        out->append(slot.line);
      }
      out->push_back('\n');
      if (++sequence % kFreeEvery == 0) tail_.store(sequence, std::memory_order_release);
    }
    tail_.store(head, std::memory_order_release);
    idle_rounds_ = head == tail ? idle_rounds_ + 1 : 0;
    ReleasePolicies(head);
    return head - tail;
  }

  // Whether an idle writer should take this ring's records now.
  bool Backlogged() const {
    return head_.load(std::memory_order_acquire) - tail_.load(std::memory_order_relaxed) >=
           wake_size_;
  }

  uint64_t submitted() const { return head_.load(std::memory_order_relaxed); }
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  // Drops the policies only records before `written` used. A ring idle for
  // two rounds lets go of its last policy too (taking the producer lock,
  // which is free then), so a reloaded-away policy is not kept for long by
  // a thread that stopped deciding.
  void ReleasePolicies(uint64_t written) {
    const size_t kept = kept_count_.load(std::memory_order_relaxed);
    if (kept > 1) {
      std::lock_guard<std::mutex> lock(kept_mutex_);
      while (kept_.size() > 1 && kept_[1].first_sequence <= written) kept_.pop_front();
      kept_count_.store(kept_.size(), std::memory_order_relaxed);
    } else if (kept == 1 && idle_rounds_ >= 2) {
      std::lock_guard<std::mutex> producer_lock(producer_mutex_);
      if (head_.load(std::memory_order_relaxed) != written) return;
      std::lock_guard<std::mutex> lock(kept_mutex_);
      kept_.clear();
      kept_count_.store(0, std::memory_order_relaxed);
      current_policy_ = nullptr;
    }
  }

  std::vector<Slot> slots_;
  const size_t wake_size_;

  // Written by producers only (the writer reads head_ and dropped_).
  alignas(64) std::mutex producer_mutex_;
  std::atomic<uint64_t> head_{0};     // records ever published
  std::atomic<uint64_t> dropped_{0};  // records ever refused
  uint64_t cached_tail_ = 0;          // tail_ as last read
  const Policy* current_policy_ = nullptr;  // the newest kept_ entry's

  // Written by the writer only.
  alignas(64) std::atomic<uint64_t> tail_{0};  // records ever written out
  int idle_rounds_ = 0;

  std::mutex kept_mutex_;
  std::deque<KeptPolicy> kept_;  // guarded by kept_mutex_
  std::atomic<size_t> kept_count_{0};
};

}  // namespace

class DecisionLog::Queue {
 public:
  Queue(std::unique_ptr<LogSink> sink, const DecisionLogOptions& options)
      : sink_(std::move(sink)),
        max_delay_(options.max_delay),
        fingerprint_key_(options.fingerprint_key) {
    const size_t capacity = std::max<size_t>(1, options.queue_capacity);
    const size_t ring_count = RingCount(capacity);
    for (size_t i = 0; i < ring_count; ++i) {
      rings_.push_back(std::make_unique<Ring>(capacity / ring_count));
    }
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
    Ring& ring = ThisThreadsRing();
    std::lock_guard<std::mutex> lock(ring.producer_mutex());
    return Push(ring, [line](Slot& slot, uint64_t) {
      slot.pending = false;
      slot.line.swap(*line);
    });
  }

  bool SubmitPending(const std::shared_ptr<const Policy>& policy,
                     absl::FunctionRef<void(internal::PendingRecord*)> fill,
                     absl::FunctionRef<void(std::string*)> format_here) {
    Ring& ring = ThisThreadsRing();
    std::unique_lock<std::mutex> lock(ring.producer_mutex());
    if (ring.HalfFull()) {
      lock.unlock();
      return FormatHere(format_here);
    }
    return Push(ring, [&](Slot& slot, uint64_t sequence) {
      ring.KeepAlive(policy, sequence);
      slot.pending = true;
      slot.record.policy = policy.get();
      fill(&slot.record);
    });
  }

  void Flush() {
    std::unique_lock<std::mutex> lock(mutex_);
    const uint64_t ticket = ++flush_requested_;
    work_.notify_one();
    flushed_.wait(lock, [&] { return flush_done_ >= ticket; });
  }

  absl::string_view fingerprint_key() const { return fingerprint_key_; }

  DecisionLogStats stats() const {
    DecisionLogStats stats;
    for (const auto& ring : rings_) {
      stats.submitted += ring->submitted();
      stats.dropped += ring->dropped();
    }
    stats.written = written_.load(std::memory_order_relaxed);
    stats.sink_errors = sink_errors_.load(std::memory_order_relaxed);
    return stats;
  }

 private:
  // What one writer round must do besides draining the rings.
  struct Round {
    uint64_t flush_ticket = 0;
    bool last = false;
  };

  Ring& ThisThreadsRing() { return *rings_[internal::ThisThreadIndex() % rings_.size()]; }

  template <typename Fill>
  bool Push(Ring& ring, Fill fill) {
    bool wake_writer = false;
    if (!ring.Push(fill, &wake_writer)) return false;
    if (!wake_writer) return true;
    // Pairs with the fence in WaitForRound: either this thread sees the
    // writer idle, or the writer sees this ring's backlog. Only the thread
    // that flips the flag signals: until the writer runs, every record
    // finds the backlog above the wake-up size, and each signal would be
    // another system call.
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (writer_idle_.load(std::memory_order_relaxed) &&
        writer_idle_.exchange(false, std::memory_order_relaxed)) {
      std::lock_guard<std::mutex> lock(mutex_);
      work_.notify_one();
    }
    return true;
  }

  // The writer is behind: this thread formats its own record, so the queue
  // drains faster than it fills instead of dropping.
  bool FormatHere(absl::FunctionRef<void(std::string*)> format_here) {
    thread_local std::string line;
    line.clear();
    format_here(&line);
    return Submit(&line);
  }

  void RunWriter() {
    std::string buffer;
    internal::RecordScratch scratch;
    Round round;
    do {
      round = WaitForRound();
      buffer.clear();
      size_t count = 0;
      for (const auto& ring : rings_) {
        count += ring->Drain(fingerprint_key_, &scratch, &buffer);
      }
      AppendNewDrops(&buffer);
      Write(buffer, count);
      std::lock_guard<std::mutex> lock(mutex_);
      flush_done_ = round.flush_ticket;
      flushed_.notify_all();
    } while (!round.last);
  }

  // What cannot wait for the next max_delay round. Called with mutex_ held.
  bool HasUrgentWork() const {
    if (stopping_ || flush_requested_ > flush_done_) return true;
    return std::any_of(rings_.begin(), rings_.end(),
                       [](const auto& ring) { return ring->Backlogged(); });
  }

  Round WaitForRound() {
    std::unique_lock<std::mutex> lock(mutex_);
    writer_idle_.store(true, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    work_.wait_for(lock, max_delay_, [this] { return HasUrgentWork(); });
    writer_idle_.store(false, std::memory_order_relaxed);
    // Read under the lock before draining: every record submitted before a
    // Flush() call is then in this round.
    return {flush_requested_, stopping_};
  }

  // The drops since the last round follow the records that filled the
  // rings meanwhile.
  void AppendNewDrops(std::string* buffer) {
    uint64_t dropped = 0;
    for (const auto& ring : rings_) dropped += ring->dropped();
    if (dropped == reported_drops_) return;
    internal::AppendDropRecord(dropped - reported_drops_, absl::Now(), buffer);
    buffer->push_back('\n');
    reported_drops_ = dropped;
  }

  void Write(const std::string& buffer, size_t records) {
    if (buffer.empty()) return;
    if (sink_->Write(buffer).ok()) {
      written_.fetch_add(records, std::memory_order_relaxed);
    } else {
      sink_errors_.fetch_add(1, std::memory_order_relaxed);
    }
    if (!sink_->Flush().ok()) sink_errors_.fetch_add(1, std::memory_order_relaxed);
  }

  const std::unique_ptr<LogSink> sink_;  // used by the writer thread only
  const std::chrono::milliseconds max_delay_;
  const std::string fingerprint_key_;
  std::vector<std::unique_ptr<Ring>> rings_;
  std::thread writer_;
  uint64_t reported_drops_ = 0;  // writer thread only

  mutable std::mutex mutex_;
  std::condition_variable work_;     // the writer waits here for HasUrgentWork()
  std::condition_variable flushed_;  // Flush() waits here for its ticket
  // Guarded by mutex_:
  bool stopping_ = false;
  uint64_t flush_requested_ = 0;
  uint64_t flush_done_ = 0;

  // Read by producers of a backlogged ring; on a line of its own so that
  // the writer's other writes do not evict it from their caches.
  alignas(64) std::atomic<bool> writer_idle_{false};
  alignas(64) std::atomic<uint64_t> written_{0};
  std::atomic<uint64_t> sink_errors_{0};
};

DecisionLog::DecisionLog(std::unique_ptr<LogSink> sink,
                         const DecisionLogOptions& options)
    : queue_(std::make_unique<Queue>(std::move(sink), options)) {}

DecisionLog::~DecisionLog() = default;

bool DecisionLog::Submit(std::string* line) { return queue_->Submit(line); }

bool DecisionLog::SubmitPending(const std::shared_ptr<const Policy>& policy,
                                absl::FunctionRef<void(internal::PendingRecord*)> fill,
                                absl::FunctionRef<void(std::string*)> format_here) {
  return queue_->SubmitPending(policy, fill, format_here);
}

void DecisionLog::Flush() { queue_->Flush(); }

DecisionLogStats DecisionLog::stats() const { return queue_->stats(); }

absl::string_view DecisionLog::fingerprint_key() const { return queue_->fingerprint_key(); }

}  // namespace writ
