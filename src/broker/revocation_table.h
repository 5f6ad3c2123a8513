// Internal to the broker: the set of revoked ids of one kind, laid out so
// that a check usually touches one cache line.
//
// Every verify asks whether the token, its task and its workload are
// revoked, and a gateway may hold a million revoked ids: a ~64 MiB table,
// so each check lands on memory that is not in cache. A swiss table pays
// two dependent misses there (its control bytes, then the slot), ~300 ns
// per check on the benchmark machine. Here a probe reads one 64-byte line
// holding two whole entries (the id inline, its expiry), so a check that
// does not run past its first line costs one miss.
//
// Open addressing with linear probing over lines. Nothing is ever deleted
// in place: forgetting expired ids rebuilds the array, which is O(n) just
// as a sweep is, and leaves no tombstones for a miss to walk over, so an
// empty slot always ends a probe.
//
// Ids up to 23 bytes (a token id is 22) are stored in the line; longer ones
// (task ids, SPIFFE IDs) on the heap, with their full hash in the line so
// that a miss still reads one line and a hit reads one more.
//
// In front of the lines sits a blocked Bloom filter of one byte per line
// (1 MiB at a million ids), which stays in cache where the lines cannot.
// Almost every check a gateway makes is of an id that was never revoked;
// the filter answers most of those without reading a line, so they cost a
// cache hit rather than a trip to memory. A revoked id, or a false positive
// (a few percent), then reads its line: the filter's cache hit and one miss.
//
// Thread-safe; checks never allocate and never wait for a rebuild, only
// for the pointer swap that ends it (see the locks below). A plain mutex and
// not a reader/writer lock: uncontended, std::shared_mutex costs ~22 ns a
// check against ~6 ns here (measured), which is a fifth of a warm check,
// while the section it guards is a filter read that the check has already
// started fetching before it locks, and for a few ids one line. Tests:
// tests/broker/revocation_table_test.cc.
#ifndef WRIT_SRC_BROKER_REVOCATION_TABLE_H_
#define WRIT_SRC_BROKER_REVOCATION_TABLE_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace writ::broker_internal {

class RevocationTable {
 public:
  // `hash_mask` keeps only these bits of every id's hash: tests pass a
  // small mask to make ids collide. Anything else should keep the default.
  explicit RevocationTable(uint64_t hash_mask = ~uint64_t{0});
  ~RevocationTable();

  RevocationTable(const RevocationTable&) = delete;
  RevocationTable& operator=(const RevocationTable&) = delete;

  // Whether `id` was revoked and has not been forgotten since. An id whose
  // expiry has passed may still be found until the next rebuild forgets it.
  bool Contains(absl::string_view id) const;

  // Revokes `id` at least until `expires_at`; revoking it again keeps the
  // later expiry. `now` decides what a rebuild may forget.
  void Revoke(absl::string_view id, absl::Time expires_at, absl::Time now);

  // Whether the filter in front of the lines lets `id` through to them:
  // true for every id held, and for a few percent of the others. For tests;
  // Contains is the answer.
  bool FilterPasses(absl::string_view id) const;

  // For tests: `hook` runs inside each rebuild, once the new arrays are
  // built and before they are swapped in, holding only the writers' lock.
  void SetRebuildHookForTest(std::function<void()> hook);

  // Ids held, forgotten ones excluded, and the slots available to them.
  size_t size() const;
  size_t capacity() const;

 private:
  struct Slot;
  struct Line;
  struct FilterBlock;
  class Probe;

  // Whether the filter lets `probe`'s id through to the lines.
  bool FilterMayContain(const Probe& probe) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // The slot holding `probe`'s id, or null. Called holding either lock:
  // checks hold mutex_, writers write_mutex_ (no one else changes slots).
  Slot* Find(const Probe& probe) const;
  // The first empty slot on `hash`'s probe sequence in `lines`.
  static Slot* FindEmptySlot(Line* lines, size_t line_mask, uint64_t hash);
  // Forgets ids whose expiry is before `now` and, if that frees less than
  // half the room, doubles the capacity. Takes mutex_ only to swap arrays.
  void Rebuild(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mutex_);
  // The hash a stored id was placed by.
  uint64_t HashOf(const Slot& slot) const;
  // The filter's block for `hash`, as an index and as an address.
  static size_t FilterBlockIndex(size_t line_mask, uint64_t hash);
  static FilterBlock* FilterBlockFor(FilterBlock* filter, size_t line_mask,
                                     uint64_t hash);

  const uint64_t hash_mask_;
  // std:: rather than absl:: locks: Debian's abseil is not built for
  // ThreadSanitizer, which then cannot see absl::Mutex at all.
  //
  // Two locks so that a rebuild does not stop the checks: writers (Revoke,
  // and the rebuild within it) take turns on write_mutex_ and hold mutex_
  // only while they change what a check reads; checks hold mutex_.
  std::mutex write_mutex_;
  mutable std::mutex mutex_;
  // Atomic only so that Contains may prefetch its filter block before it
  // takes the lock (a stale address there is harmless: a prefetch never
  // faults). Every other access holds the lock. The filter is sized by the
  // line count and replaced with the lines.
  std::atomic<Line*> lines_;
  std::atomic<size_t> line_mask_;
  std::atomic<FilterBlock*> filter_;
  // Changed holding both locks, so either is enough to read it.
  size_t size_ = 0;
  std::function<void()> rebuild_hook_for_test_ ABSL_GUARDED_BY(write_mutex_);
};

}  // namespace writ::broker_internal

#endif  // WRIT_SRC_BROKER_REVOCATION_TABLE_H_
