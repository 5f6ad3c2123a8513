// Internal: prefetching the cache lines of an object about to be read or
// written.
#ifndef WRIT_SRC_INTERNAL_PREFETCH_H_
#define WRIT_SRC_INTERNAL_PREFETCH_H_

#include <cstddef>

namespace writ::internal {

// Starts loading the cache line at `address` in a state this core may
// write, taking it from any other core's cache now rather than at the
// write. GCC compiles __builtin_prefetch(address, 1) for the generic x86-64
// target as a plain read prefetch, which leaves a line another core has
// read shared, so the write still waits for the other copy to be dropped;
// PREFETCHW (AMD since K6, Intel since Broadwell, a no-op on earlier Intel
// cores) asks for it exclusively.
inline void PrefetchForWriting(const void* address) {
#if defined(__x86_64__)
  asm volatile("prefetchw %0" : : "m"(*static_cast<const char*>(address)));
#else
  __builtin_prefetch(address, 1);
#endif
}

// Calls `prefetch(line)` for each cache line of [address, address + size),
// stepping 64 bytes from `address`.
template <typename Prefetch>
void ForEachLine(const void* address, size_t size, Prefetch prefetch) {
  const char* bytes = static_cast<const char*>(address);
  for (size_t offset = 0; offset < size; offset += 64) prefetch(bytes + offset);
}

// PrefetchForWriting for each line of [address, address + size).
inline void PrefetchRangeForWriting(const void* address, size_t size) {
  ForEachLine(address, size, [](const char* line) { PrefetchForWriting(line); });
}

// A read prefetch of each line of [address, address + size).
inline void PrefetchRange(const void* address, size_t size) {
  ForEachLine(address, size, [](const char* line) { __builtin_prefetch(line); });
}

}  // namespace writ::internal

#endif  // WRIT_SRC_INTERNAL_PREFETCH_H_
