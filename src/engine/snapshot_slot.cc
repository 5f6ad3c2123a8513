#include "src/engine/snapshot_slot.h"

#include <array>
#include <new>
#include <utility>

namespace writ::internal {

// One thread's cached snapshot of one slot.
struct ThreadCacheEntry {
  uint64_t slot_id = 0;  // 0: unused
  uint64_t generation = 0;
  std::shared_ptr<const void> snapshot;
};

namespace {

// Enough for the engines one thread typically serves (a live engine, a
// test's second engine); a thread using more evicts round-robin.
constexpr size_t kThreadCacheEntries = 4;

struct ThreadCache {
  std::array<ThreadCacheEntry, kThreadCacheEntries> entries;
  size_t next_victim = 0;

  ThreadCacheEntry* Find(uint64_t slot_id) {
    for (ThreadCacheEntry& entry : entries) {
      if (entry.slot_id == slot_id) return &entry;
    }
    return nullptr;
  }

  ThreadCacheEntry* Claim(uint64_t slot_id) {
    ThreadCacheEntry* entry = &entries[next_victim];
    next_victim = (next_victim + 1) % kThreadCacheEntries;
    // The evicted slot may be gone, so its snapshot cannot be parked there;
    // dropping it here is the rare case (more slots than entries).
    *entry = ThreadCacheEntry{slot_id, 0, nullptr};
    return entry;
  }
};

ThreadCache& ThisThreadCache() {
  thread_local ThreadCache cache;
  return cache;
}

uint64_t NextSlotId() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

SnapshotSlotBase::SnapshotSlotBase(std::shared_ptr<const void> initial)
    : id_(NextSlotId()), current_(std::move(initial)) {}

const void* SnapshotSlotBase::Acquire() const {
  ThreadCache& cache = ThisThreadCache();
  ThreadCacheEntry* entry = cache.Find(id_);
  if (entry != nullptr &&
      entry->generation == generation_.load(std::memory_order_acquire)) {
    return entry->snapshot.get();
  }
  return Refresh(entry != nullptr ? entry : cache.Claim(id_));
}

const void* SnapshotSlotBase::Refresh(ThreadCacheEntry* entry) const {
  std::lock_guard<std::mutex> lock(mutex_);
  // Parking grows parked_, emptied at each Publish: the first Refresh after
  // a reload allocates. Out of memory, the old snapshot is let go here
  // instead (Acquire is on the noexcept decision path).
  if (entry->snapshot != nullptr) {
    try {
      parked_.push_back(std::move(entry->snapshot));
    } catch (const std::bad_alloc&) {
      entry->snapshot.reset();
    }
  }
  entry->snapshot = current_;
  // Read under the mutex, so the pair (generation, snapshot) is consistent.
  entry->generation = generation_.load(std::memory_order_relaxed);
  return entry->snapshot.get();
}

std::shared_ptr<const void> SnapshotSlotBase::Load() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return current_;
}

void SnapshotSlotBase::Publish(std::shared_ptr<const void> next) {
  std::vector<std::shared_ptr<const void>> released;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    released.swap(parked_);
    released.push_back(std::exchange(current_, std::move(next)));
    generation_.fetch_add(1, std::memory_order_release);
  }
  // `released` goes out of scope here, outside the lock: whatever is freed
  // is freed on this (the reloading) thread.
}

}  // namespace writ::internal
