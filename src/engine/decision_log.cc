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
// backlogged.
//
// A ring has one producer and takes no lock: the first thread to push
// into it claims it (one compare-and-swap), and from then on pushes with
// plain loads and stores; at its exit the thread lets go of the ring for
// another to claim. A thread that finds every ring claimed (more deciding
// threads than cores) uses one more ring, shared under a mutex. A mutex
// per ring, uncontended, was two locked instructions (full barriers) per
// record: ~5 ns, about half a point of a logged decision's p50 at
// 100,000/s (benchmarks/RESULTS.md).
//
// The record's policy must outlive the record. A reference count per
// record would be a shared line written by both cores; instead each ring
// keeps every policy its unwritten records use (a new entry only when a
// thread's policy changes, i.e. on reload) and the writer drops an entry
// once it has written past the records that need it. It drops the last
// one too once the ring's owner has exited, or, for the shared ring, when
// it has been idle for two rounds (taking the ring's lock, which is free
// then). A live owner's last policy stays until the owner logs with
// another: its Engine snapshot keeps that policy as long anyway.
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

// Who may push into a ring without a lock: nobody yet (kNobody), the
// thread whose ThisThreadIndex() is `thread` - 1, or, for the shared ring,
// kAnyUnderLock. Shared by the ring and its owner's RingClaims, so that
// either may go first: a thread lets go of its ring at exit even if the
// log is gone, and a log outlives threads.
constexpr uint64_t kNobody = 0;
constexpr uint64_t kAnyUnderLock = ~uint64_t{0};
struct alignas(64) RingOwner {
  std::atomic<uint64_t> thread{kNobody};
};

uint64_t ThisThreadsOwnerId() { return uint64_t{internal::ThisThreadIndex()} + 1; }

// Set when this thread's RingClaims is destroyed; trivially destructible,
// so a record submitted by a later thread_local destructor can still read
// it, and then uses the shared ring.
thread_local bool this_thread_exiting = false;

// The rings this thread has claimed, let go of at its exit so that another
// thread (a pool's replacement) can claim them.
class RingClaims {
 public:
  RingClaims() = default;
  RingClaims(const RingClaims&) = delete;
  RingClaims& operator=(const RingClaims&) = delete;
  ~RingClaims() {
    this_thread_exiting = true;
    // Release: the next owner's claim sees every record pushed here.
    for (const auto& owner : owners_) owner->thread.store(kNobody, std::memory_order_release);
  }

  void Add(std::shared_ptr<RingOwner> owner) {
    // A claim held only here is one whose log is gone.
    std::erase_if(owners_, [](const auto& held) { return held.use_count() == 1; });
    owners_.push_back(std::move(owner));
  }

 private:
  std::vector<std::shared_ptr<RingOwner>> owners_;
};

RingClaims& ThisThreadsClaims() {
  thread_local RingClaims claims;
  return claims;
}

// A policy that records from `first_sequence` on may use.
struct KeptPolicy {
  std::shared_ptr<const Policy> policy;
  uint64_t first_sequence = 0;
};

class Ring {
 public:
  // A shared ring is never claimed: its producers take the Queue's lock.
  Ring(size_t capacity, bool shared)
      : slots_(capacity), wake_size_(std::max<size_t>(1, capacity / 8)) {
    if (shared) owner_->thread.store(kAnyUnderLock, std::memory_order_relaxed);
  }

  // --- Producer side: the owning thread, or any under the shared ring's
  // mutex. ---

  bool OwnedBy(uint64_t thread) const {
    return owner_->thread.load(std::memory_order_relaxed) == thread;
  }

  // Makes `thread` the ring's owner if it has none.
  bool TryClaim(uint64_t thread) {
    if (this_thread_exiting || owner_->thread.load(std::memory_order_relaxed) != kNobody) {
      return false;
    }
    uint64_t nobody = kNobody;
    // Acquire: the last owner's records and producer state, released at
    // its exit, are visible here.
    if (!owner_->thread.compare_exchange_strong(nobody, thread, std::memory_order_acquire,
                                                std::memory_order_relaxed)) {
      return false;
    }
    // The writer may have let go of the last owner's policy since it
    // exited: keep this thread's first policy afresh.
    current_policy_ = nullptr;
    ThisThreadsClaims().Add(owner_);
    return true;
  }

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

  // How many records have been published.
  uint64_t published() const { return head_.load(std::memory_order_acquire); }

  // Appends the records before `head` (a published() value) to `*out`
  // (pending ones formatted with the writer's scratch), frees their slots
  // and returns how many. Slots are
  // freed every kFreeEvery records rather than at the end, so that a
  // producer that outruns the writer finds room while a long backlog is
  // formatted (a record costs the writer ~2 µs, a ring's half 8+ ms).
  size_t Drain(uint64_t head, absl::string_view fingerprint_key,
               internal::RecordScratch* scratch, std::string* out) {
    constexpr uint64_t kFreeEvery = 64;
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

  // For the shared ring, with its producers' lock held: lets go of the
  // last policy too once the ring has been idle for two rounds, so a
  // reloaded-away policy is not kept for long by threads that stopped
  // deciding.
  void ReleaseLastPolicyIfIdle() {
    if (idle_rounds_ < 2 || kept_count_.load(std::memory_order_relaxed) == 0) return;
    if (head_.load(std::memory_order_relaxed) != tail_.load(std::memory_order_relaxed)) return;
    std::lock_guard<std::mutex> lock(kept_mutex_);
    kept_.clear();
    kept_count_.store(0, std::memory_order_relaxed);
    current_policy_ = nullptr;
  }

  // Whether an idle writer should take this ring's records now.
  bool Backlogged() const {
    return head_.load(std::memory_order_acquire) - tail_.load(std::memory_order_relaxed) >=
           wake_size_;
  }

  uint64_t submitted() const { return head_.load(std::memory_order_relaxed); }
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  // Drops the policies only records before `written` used, and the last
  // one too once the ring's owner has exited and its records are written.
  // A live owner's last policy stays until it logs with another: the
  // writer cannot know that the owner is not filling a record with it, and
  // the owner's Engine snapshot holds that policy as long anyway
  // (src/engine/snapshot_slot.h). A thread that claims the ring next keeps
  // its own policy afresh (TryClaim), and its KeepAlive waits for
  // kept_mutex_, so the check below sees its claim or its entry.
  void ReleasePolicies(uint64_t written) {
    if (kept_count_.load(std::memory_order_relaxed) == 0) return;
    std::lock_guard<std::mutex> lock(kept_mutex_);
    while (kept_.size() > 1 && kept_[1].first_sequence <= written) kept_.pop_front();
    if (kept_.size() == 1 && owner_->thread.load(std::memory_order_acquire) == kNobody &&
        head_.load(std::memory_order_acquire) == written) {
      kept_.clear();
    }
    kept_count_.store(kept_.size(), std::memory_order_relaxed);
  }

  std::vector<Slot> slots_;
  const size_t wake_size_;
  const std::shared_ptr<RingOwner> owner_ = std::make_shared<RingOwner>();

  // Written by producers only (the writer reads head_ and dropped_).
  alignas(64) std::atomic<uint64_t> head_{0};  // records ever published
  std::atomic<uint64_t> dropped_{0};           // records ever refused
  uint64_t cached_tail_ = 0;                   // tail_ as last read
  const Policy* current_policy_ = nullptr;     // the newest kept_ entry's

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
        // At least 1 ms: with 0 or less, each wait returned at once and the
        // writer spun a core while the queue sat empty.
        max_delay_(std::max(options.max_delay, std::chrono::milliseconds(1))),
        fingerprint_key_(options.fingerprint_key) {
    const size_t capacity = std::max<size_t>(1, options.queue_capacity);
    const size_t ring_count = RingCount(capacity);
    // One more than can be claimed: the shared ring, last.
    for (size_t i = 0; i <= ring_count; ++i) {
      rings_.push_back(std::make_unique<Ring>(capacity / ring_count, i == ring_count));
    }
    owned_heads_.resize(ring_count);
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
    return WithThisThreadsRing([&](Ring& ring) {
      return Push(ring, [line](Slot& slot, uint64_t) {
        slot.pending = false;
        slot.line.swap(*line);
      });
    });
  }

  bool SubmitPending(const std::shared_ptr<const Policy>& policy,
                     absl::FunctionRef<void(internal::PendingRecord*)> fill,
                     absl::FunctionRef<void(std::string*)> format_here) {
    bool writer_behind = false;
    const bool queued = WithThisThreadsRing([&](Ring& ring) {
      writer_behind = ring.HalfFull();
      return !writer_behind && Push(ring, [&](Slot& slot, uint64_t sequence) {
        ring.KeepAlive(policy, sequence);
        slot.pending = true;
        slot.record.policy = policy.get();
        fill(&slot.record);
      });
    });
    return writer_behind ? FormatHere(format_here) : queued;
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

  // Calls `push(ring)` with a ring this thread may push into: the one it
  // owns, or one it can claim (its own index's first), or else the shared
  // ring, under its mutex. A thread never owns two rings, and it leaves the
  // shared ring only for a ring of its own, which RunWriter drains after
  // the shared ring: so its records stay in the order it submitted them.
  template <typename PushInto>
  bool WithThisThreadsRing(PushInto push) {
    const uint64_t thread = ThisThreadsOwnerId();
    const size_t claimable = rings_.size() - 1;
    const size_t first = static_cast<size_t>((thread - 1) % claimable);
    for (size_t i = 0; i < claimable; ++i) {
      Ring& ring = *rings_[(first + i) % claimable];
      if (ring.OwnedBy(thread)) return push(ring);
    }
    for (size_t i = 0; i < claimable; ++i) {
      Ring& ring = *rings_[(first + i) % claimable];
      if (ring.TryClaim(thread)) return push(ring);
    }
    std::lock_guard<std::mutex> lock(shared_ring_mutex_);
    return push(*rings_.back());
  }

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
      const size_t count = DrainRings(&scratch, &buffer);
      AppendNewDrops(&buffer);
      Write(buffer, count);
      std::lock_guard<std::mutex> lock(mutex_);
      flush_done_ = round.flush_ticket;
      flushed_.notify_all();
    } while (!round.last);
  }

  // Appends every ring's published records to `*buffer`; returns how many.
  // The owned rings' heads are read before the shared ring's, and the
  // shared ring is drained first: a thread that moved from the shared ring
  // to one of its own pushed its shared records before the ones seen here,
  // so they are all in this round, and ahead of them.
  size_t DrainRings(internal::RecordScratch* scratch, std::string* buffer) {
    const size_t claimable = rings_.size() - 1;
    for (size_t i = 0; i < claimable; ++i) owned_heads_[i] = rings_[i]->published();
    Ring& shared = *rings_.back();
    size_t count = shared.Drain(shared.published(), fingerprint_key_, scratch, buffer);
    {
      std::lock_guard<std::mutex> lock(shared_ring_mutex_);
      shared.ReleaseLastPolicyIfIdle();
    }
    for (size_t i = 0; i < claimable; ++i) {
      count += rings_[i]->Drain(owned_heads_[i], fingerprint_key_, scratch, buffer);
    }
    return count;
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

  // A batch counts as written only once its flush succeeded too: a file
  // sink's Write fills a buffer, and on a full disk it is the flush that
  // fails, with the batch's records lost.
  void Write(const std::string& buffer, size_t records) {
    if (buffer.empty()) return;
    const bool written = sink_->Write(buffer).ok();
    const bool flushed = sink_->Flush().ok();
    if (written && flushed) written_.fetch_add(records, std::memory_order_relaxed);
    const int errors = !written + !flushed;
    if (errors > 0) sink_errors_.fetch_add(errors, std::memory_order_relaxed);
  }

  const std::unique_ptr<LogSink> sink_;  // used by the writer thread only
  const std::chrono::milliseconds max_delay_;
  const std::string fingerprint_key_;
  std::vector<std::unique_ptr<Ring>> rings_;  // the shared ring last
  std::mutex shared_ring_mutex_;              // its producers' lock
  std::thread writer_;
  // Writer thread only:
  std::vector<uint64_t> owned_heads_;  // DrainRings' snapshot
  uint64_t reported_drops_ = 0;

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
