// Internal: publishing an immutable snapshot to many reading threads.
//
// The Engine's current state (live policy, shadow policy) is replaced
// rarely (a reload) and read on every decision by many threads. The
// candidates, and why this one:
//
// - std::atomic<std::shared_ptr>: in libstdc++ 12 it is not lock-free (a
//   spinlock inside the atomic), and every load still increments the shared
//   reference count: one contended cache line written by every decision on
//   every core.
// - std::atomic_load/atomic_store on a shared_ptr: the same, through a
//   global pool of mutexes.
// - a mutex-guarded shared_ptr copy: correct and simple, but two contended
//   atomic writes (lock word, reference count) per decision.
// - this: an RCU-like generation scheme. The slot holds the current
//   snapshot under a mutex plus a generation number. Each thread caches the
//   snapshot it last used together with its generation; a decision loads
//   the generation (a read of a line nobody writes between reloads) and, if
//   unchanged, uses the cached snapshot with no write to shared memory at
//   all. The first decision on a thread after a reload takes the mutex once
//   to copy the new snapshot. The mutex is held only for pointer copies,
//   never across a compile, so readers never wait for a reload.
//
// Freeing: a snapshot a reader replaces in its cache is not freed on that
// reader's thread (freeing a 10,000-rule policy takes milliseconds, which
// would land on one unlucky decision); it is parked in the slot and freed
// by the next Publish, on the reloading thread.
//
// Cost of the cache: each thread keeps a reference to the last snapshot it
// used of up to kThreadCacheEntries slots, so a policy lives on until every
// thread that used it has decided once more (or exited).
#ifndef WRIT_SRC_ENGINE_SNAPSHOT_SLOT_H_
#define WRIT_SRC_ENGINE_SNAPSHOT_SLOT_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace writ::internal {

// Type-erased core; SnapshotSlot<T> below is the typed face.
class SnapshotSlotBase {
 public:
  explicit SnapshotSlotBase(std::shared_ptr<const void> initial);
  SnapshotSlotBase(const SnapshotSlotBase&) = delete;
  SnapshotSlotBase& operator=(const SnapshotSlotBase&) = delete;

  // The current snapshot as seen by this thread. The pointer stays valid
  // until this thread's next Acquire on any slot.
  const void* Acquire() const;
  // A counted reference to the current snapshot (takes the mutex).
  std::shared_ptr<const void> Load() const;
  // Replaces the current snapshot. The old one, and snapshots parked by
  // readers since the last Publish, are released on the calling thread.
  void Publish(std::shared_ptr<const void> next);

 private:
  const void* Refresh(struct ThreadCacheEntry* entry) const;

  const uint64_t id_;  // unique per slot for the process's lifetime
  std::atomic<uint64_t> generation_{1};
  // A std::mutex rather than absl::Mutex: ThreadSanitizer understands
  // pthread locks, and Debian's abseil is not built for it, so the TSan run
  // of the concurrency test can only vouch for code using std::mutex.
  mutable std::mutex mutex_;
  std::shared_ptr<const void> current_;  // guarded by mutex_
  mutable std::vector<std::shared_ptr<const void>> parked_;  // guarded by mutex_
};

// Thread-safe: Acquire, Load and Publish may be called from any thread.
template <typename T>
class SnapshotSlot {
 public:
  explicit SnapshotSlot(std::shared_ptr<const T> initial)
      : base_(std::move(initial)) {}

  const T& Acquire() const { return *static_cast<const T*>(base_.Acquire()); }
  std::shared_ptr<const T> Load() const {
    return std::static_pointer_cast<const T>(base_.Load());
  }
  void Publish(std::shared_ptr<const T> next) { base_.Publish(std::move(next)); }

 private:
  SnapshotSlotBase base_;
};

}  // namespace writ::internal

#endif  // WRIT_SRC_ENGINE_SNAPSHOT_SLOT_H_
