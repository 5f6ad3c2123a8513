// A count of the global operator new calls a benchmark binary makes: the
// benchmarks' "allocations per decision". Linking counting_allocator.cc
// into a binary replaces the global operator new and delete (every form)
// with counting wrappers over malloc and free.
#ifndef WRIT_BENCHMARKS_COUNTING_ALLOCATOR_H_
#define WRIT_BENCHMARKS_COUNTING_ALLOCATOR_H_

#include <cstdint>

namespace writ::bench {

// Calls of any global operator new form since the program started.
uint64_t AllocationCount();

}  // namespace writ::bench

#endif  // WRIT_BENCHMARKS_COUNTING_ALLOCATOR_H_
