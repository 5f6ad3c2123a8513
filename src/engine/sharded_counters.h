// Internal: counters that many threads bump on every decision.
//
// One shared atomic per counter would be written by every decision on every
// core, and the cache line would bounce between cores on each of them. Each
// thread instead adds to its own shard (chosen by ThisThreadIndex), each
// shard on its own cache line; reading a total sums the shards. Totals read
// while threads are counting may be a few increments behind.
#ifndef WRIT_SRC_ENGINE_SHARDED_COUNTERS_H_
#define WRIT_SRC_ENGINE_SHARDED_COUNTERS_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "src/engine/thread_index.h"

namespace writ::internal {

// Thread-safe. `kCounters` counters, addressed by index.
template <size_t kCounters>
class ShardedCounters {
 public:
  void Add(size_t counter, uint64_t amount = 1) {
    shards_[ThisThreadIndex() % kShards].values[counter].fetch_add(
        amount, std::memory_order_relaxed);
  }

  uint64_t Total(size_t counter) const {
    uint64_t total = 0;
    for (const Shard& shard : shards_) {
      total += shard.values[counter].load(std::memory_order_relaxed);
    }
    return total;
  }

 private:
  static constexpr size_t kShards = 16;
  struct alignas(64) Shard {
    std::array<std::atomic<uint64_t>, kCounters> values{};
  };
  std::array<Shard, kShards> shards_{};
};

}  // namespace writ::internal

#endif  // WRIT_SRC_ENGINE_SHARDED_COUNTERS_H_
