// Internal: a small dense number per thread, for sharding counters and for
// making decision ids unique without a shared counter.
#ifndef WRIT_SRC_ENGINE_THREAD_INDEX_H_
#define WRIT_SRC_ENGINE_THREAD_INDEX_H_

#include <atomic>
#include <cstdint>

namespace writ::internal {

// 0, 1, 2, ... in the order threads first ask; never reused in a process.
inline uint32_t ThisThreadIndex() {
  static std::atomic<uint32_t> next{0};
  thread_local const uint32_t index = next.fetch_add(1, std::memory_order_relaxed);
  return index;
}

}  // namespace writ::internal

#endif  // WRIT_SRC_ENGINE_THREAD_INDEX_H_
