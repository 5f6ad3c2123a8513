#include "src/broker/revocation_table.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <new>
#include <utility>

#include "absl/hash/hash.h"

namespace writ::broker_internal {
namespace {

// The layout below is two 32-byte slots per 64-byte line. Two and not
// more: an entry needs a 22-byte token id and an 8-byte expiry, and a line
// that holds the whole entry needs no second read to confirm a hit (a
// line of tags plus keys elsewhere would be two misses again). The tag
// that tells a slot's state lives in the key's last byte.
constexpr size_t kSlotsPerLine = 2;
constexpr size_t kKeyBytes = 24;
constexpr size_t kTagByte = kKeyBytes - 1;
constexpr size_t kLongestInlineId = kKeyBytes - 1;
// Zero, so that freshly zeroed memory is an empty table.
constexpr char kEmptyTag = 0;
// A short id's tag is 1 + its length (1..24); this one marks a long id.
constexpr char kLongTag = static_cast<char>(0xFF);
// 16 slots: an empty table costs half a kilobyte, and most tables of a
// kind (workloads, tasks) stay small.
constexpr size_t kMinimumLines = 8;
// Arrays from this size up are aligned to and advised as huge pages: a
// million ids fill 2^20 lines (64 MiB), which over 4 KiB pages is 16,384
// pages, far more than the TLB holds, so every check would also pay a page
// walk; over 2 MiB pages it is 32.
constexpr size_t kHugePageBytes = size_t{2} << 20;

// The filter has one byte per line, in 64-byte blocks, and an id sets
// kFilterBitsPerId bits of one block. At a million ids (2^20 lines) that is
// 1 MiB, 8.4 bits per id at the table's 48% load. Setting four bits an id,
// it passed 1.1% of never-revoked ids at 10.5 bits an id (the filter test's
// load); fewer bits an id pass more, up to roughly a tenth at 5.3 (75% load,
// just before the table doubles). More bits would pass fewer but no longer
// fit the cache the filter is for.
constexpr size_t kFilterBlockBytes = 64;
constexpr size_t kFilterBitsPerId = 4;

// Up to three quarters of the slots may be used. A million ids then take
// 2^21 slots, at 48% load, where (simulated) 89% of hits and 70% of misses
// end in their first line, most of the rest in the next (often the other
// half of a 128-byte pair the hardware fetches together), and 12% of
// misses read a third.
size_t LoadLimit(size_t lines) { return lines * kSlotsPerLine * 3 / 4; }

// Nanoseconds since the Unix epoch, saturated: exact from 1678 to 2262,
// and an expiry after that is kept as "never" rather than wrapped.
int64_t UnixNanosecondsOf(absl::Time time) {
  constexpr int64_t kLatest = std::numeric_limits<int64_t>::max();
  constexpr int64_t kEarliest = std::numeric_limits<int64_t>::min();
  if (time >= absl::FromUnixNanos(kLatest)) return kLatest;
  if (time <= absl::FromUnixNanos(kEarliest)) return kEarliest;
  return absl::ToUnixNanos(time);
}

template <typename Line>
Line* AllocateZeroedLines(size_t count) {
  const size_t bytes = count * sizeof(Line);
  const bool huge = bytes >= kHugePageBytes;
  // Both sizes are powers of two, so `bytes` is a multiple of either
  // alignment, as aligned_alloc requires.
  void* memory = std::aligned_alloc(huge ? kHugePageBytes : alignof(Line), bytes);
  if (memory == nullptr) throw std::bad_alloc();
  if (huge) (void)madvise(memory, bytes, MADV_HUGEPAGE);  // only advice
  std::memset(memory, 0, bytes);
  return static_cast<Line*>(memory);
}

}  // namespace

struct RevocationTable::Slot {
  // A short id: its bytes, zero-padded, and 1 + its length in the last
  // byte. A long id: its hash, then a pointer to a heap block holding its
  // length and bytes, then kLongTag. All zero when empty.
  std::array<char, kKeyBytes> key;
  int64_t expires_at_unix_ns;

  char tag() const { return key[kTagByte]; }
  bool empty() const { return tag() == kEmptyTag; }
  bool long_id() const { return tag() == kLongTag; }

  uint64_t long_id_hash() const {
    uint64_t hash;
    std::memcpy(&hash, key.data(), sizeof(hash));
    return hash;
  }
  char* long_id_block() const {
    char* block;
    std::memcpy(&block, key.data() + sizeof(uint64_t), sizeof(block));
    return block;
  }
  absl::string_view long_id_view() const {
    const char* block = long_id_block();
    size_t length;
    std::memcpy(&length, block, sizeof(length));
    return absl::string_view(block + sizeof(length), length);
  }
  absl::string_view short_id_view() const {
    return absl::string_view(key.data(), static_cast<size_t>(tag()) - 1);
  }
  void FreeLongId() const {
    if (long_id()) delete[] long_id_block();
  }
};

struct alignas(64) RevocationTable::Line {
  std::array<Slot, kSlotsPerLine> slots;
};

struct alignas(64) RevocationTable::FilterBlock {
  std::array<uint64_t, kFilterBlockBytes / sizeof(uint64_t)> words;

  // The block is chosen by the low bits of the remixed hash (see
  // FilterBlockFor); each bit position here takes nine bits from the top,
  // so the two never share bits. The line index uses the hash's own low
  // bits, and remixing keeps the filter from tracking it.
  static uint64_t Remix(uint64_t hash) {
    hash ^= hash >> 31;
    hash *= 0xbf58476d1ce4e5b9u;
    return hash ^ (hash >> 29);
  }

  template <typename Visit>
  static void ForEachBit(uint64_t hash, Visit visit) {
    const uint64_t bits = Remix(hash);
    for (size_t i = 0; i < kFilterBitsPerId; ++i) {
      const size_t bit = (bits >> (63 - 9 * (i + 1))) & 511;
      visit(bit / 64, uint64_t{1} << (bit % 64));
    }
  }

  void Add(uint64_t hash) {
    ForEachBit(hash, [&](size_t word, uint64_t mask) { words[word] |= mask; });
  }

  bool MayContain(uint64_t hash) const {
    bool all_set = true;
    ForEachBit(hash, [&](size_t word, uint64_t mask) {
      all_set &= (words[word] & mask) != 0;
    });
    return all_set;
  }
};

// An id being looked up or stored, with its hash and the key image a slot
// holding it would have, computed once before the lock is taken.
class RevocationTable::Probe {
 public:
  Probe(absl::string_view id, uint64_t hash_mask)
      : id_(id), hash_(absl::Hash<absl::string_view>()(id) & hash_mask) {
    key_.fill(kEmptyTag);
    if (id.size() <= kLongestInlineId) {
      if (!id.empty()) std::memcpy(key_.data(), id.data(), id.size());
      key_[kTagByte] = static_cast<char>(1 + id.size());
    } else {
      std::memcpy(key_.data(), &hash_, sizeof(hash_));
      key_[kTagByte] = kLongTag;
    }
  }

  uint64_t hash() const { return hash_; }

  // A short id compares as 24 bytes, length included, with no branch on
  // the length; a long one by hash first, so only a likely hit follows the
  // pointer.
  bool Matches(const Slot& slot) const {
    if (key_[kTagByte] != kLongTag) {
      return std::memcmp(slot.key.data(), key_.data(), kKeyBytes) == 0;
    }
    return slot.long_id() && slot.long_id_hash() == hash_ &&
           slot.long_id_view() == id_;
  }

  // Allocates a long id's block before it writes the slot, so that a
  // failed allocation leaves the slot empty.
  void StoreInto(Slot& slot, int64_t expires_at_unix_ns) const {
    std::array<char, kKeyBytes> key = key_;
    if (key_[kTagByte] == kLongTag) {
      const size_t length = id_.size();
      char* block = new char[sizeof(length) + length];
      std::memcpy(block, &length, sizeof(length));
      std::memcpy(block + sizeof(length), id_.data(), length);
      std::memcpy(key.data() + sizeof(uint64_t), &block, sizeof(block));
    }
    slot.expires_at_unix_ns = expires_at_unix_ns;
    slot.key = key;
  }

 private:
  absl::string_view id_;
  uint64_t hash_;
  std::array<char, kKeyBytes> key_;
};

namespace {

// One filter block per 64 lines, and at least one.
size_t FilterBlockCount(size_t line_count) {
  return std::max<size_t>(1, line_count / kFilterBlockBytes);
}

}  // namespace

RevocationTable::RevocationTable(uint64_t hash_mask)
    : hash_mask_(hash_mask),
      lines_(AllocateZeroedLines<Line>(kMinimumLines)),
      line_mask_(kMinimumLines - 1),
      filter_(AllocateZeroedLines<FilterBlock>(FilterBlockCount(kMinimumLines))) {
  static_assert(sizeof(Line) == 64, "a line must be exactly one cache line");
  static_assert(sizeof(FilterBlock) == kFilterBlockBytes);
}

RevocationTable::~RevocationTable() {
  Line* lines = lines_.load(std::memory_order_relaxed);
  const size_t line_count = line_mask_.load(std::memory_order_relaxed) + 1;
  for (size_t index = 0; index < line_count; ++index) {
    for (const Slot& slot : lines[index].slots) slot.FreeLongId();
  }
  std::free(lines);
  std::free(filter_.load(std::memory_order_relaxed));
}

size_t RevocationTable::FilterBlockIndex(size_t line_mask, uint64_t hash) {
  return FilterBlock::Remix(hash) & (FilterBlockCount(line_mask + 1) - 1);
}

RevocationTable::FilterBlock* RevocationTable::FilterBlockFor(
    FilterBlock* filter, size_t line_mask, uint64_t hash) {
  return filter + FilterBlockIndex(line_mask, hash);
}

bool RevocationTable::Contains(absl::string_view id) const {
  const Probe probe(id, hash_mask_);
  // Start fetching the filter's block before taking the lock, so that the
  // wait overlaps the lock's atomic instruction and a concurrent check
  // holding the lock. The address is an integer: with a rebuild under way
  // it may lie outside the current array, which a prefetch tolerates and
  // pointer arithmetic does not.
  //
  // Not the first line as well, though a revoked id would then wait for
  // one miss instead of the filter's and the line's in a row: the lock's
  // atomic instruction waits for every fetch in flight, so each
  // never-revoked id would wait for a line it does not need. Measured on
  // the cold benchmark: never-revoked p50 149-200 ns with that prefetch,
  // 41-50 ns without; revoked 190-221 against 250-310 ns.
  const uintptr_t filter =
      reinterpret_cast<uintptr_t>(filter_.load(std::memory_order_relaxed));
  const size_t block_index = FilterBlockIndex(
      line_mask_.load(std::memory_order_relaxed), probe.hash());
  __builtin_prefetch(
      reinterpret_cast<const void*>(filter + block_index * sizeof(FilterBlock)));
  std::lock_guard<std::mutex> lock(mutex_);
  return FilterMayContain(probe) && Find(probe) != nullptr;
}

bool RevocationTable::FilterPasses(absl::string_view id) const {
  const Probe probe(id, hash_mask_);
  std::lock_guard<std::mutex> lock(mutex_);
  return FilterMayContain(probe);
}

bool RevocationTable::FilterMayContain(const Probe& probe) const {
  return FilterBlockFor(filter_.load(std::memory_order_relaxed),
                        line_mask_.load(std::memory_order_relaxed), probe.hash())
      ->MayContain(probe.hash());
}

void RevocationTable::Revoke(absl::string_view id, absl::Time expires_at,
                             absl::Time now) {
  const Probe probe(id, hash_mask_);
  const int64_t expires_at_unix_ns = UnixNanosecondsOf(expires_at);
  std::lock_guard<std::mutex> write_lock(write_mutex_);
  if (Slot* slot = Find(probe)) {
    std::lock_guard<std::mutex> lock(mutex_);
    slot->expires_at_unix_ns =
        std::max(slot->expires_at_unix_ns, expires_at_unix_ns);
    return;
  }
  if (size_ + 1 > LoadLimit(line_mask_.load(std::memory_order_relaxed) + 1)) {
    Rebuild(now);
  }
  const size_t line_mask = line_mask_.load(std::memory_order_relaxed);
  Slot* slot = FindEmptySlot(lines_.load(std::memory_order_relaxed),
                             line_mask, probe.hash());
  std::lock_guard<std::mutex> lock(mutex_);
  probe.StoreInto(*slot, expires_at_unix_ns);
  FilterBlockFor(filter_.load(std::memory_order_relaxed), line_mask,
                 probe.hash())
      ->Add(probe.hash());
  ++size_;
}

void RevocationTable::SetRebuildHookForTest(std::function<void()> hook) {
  std::lock_guard<std::mutex> write_lock(write_mutex_);
  rebuild_hook_for_test_ = std::move(hook);
}

size_t RevocationTable::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return size_;
}

size_t RevocationTable::capacity() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return (line_mask_.load(std::memory_order_relaxed) + 1) * kSlotsPerLine;
}

RevocationTable::Slot* RevocationTable::Find(const Probe& probe) const {
  Line* lines = lines_.load(std::memory_order_relaxed);
  const size_t line_mask = line_mask_.load(std::memory_order_relaxed);
  // Slots fill in probe order and are never emptied in place, so the first
  // empty slot ends the search; the load limit guarantees there is one.
  for (size_t index = probe.hash() & line_mask;;
       index = (index + 1) & line_mask) {
    for (Slot& slot : lines[index].slots) {
      if (slot.empty()) return nullptr;
      if (probe.Matches(slot)) return &slot;
    }
  }
}

RevocationTable::Slot* RevocationTable::FindEmptySlot(Line* lines,
                                                      size_t line_mask,
                                                      uint64_t hash) {
  for (size_t index = hash & line_mask;; index = (index + 1) & line_mask) {
    for (Slot& slot : lines[index].slots) {
      if (slot.empty()) return &slot;
    }
  }
}

uint64_t RevocationTable::HashOf(const Slot& slot) const {
  if (slot.long_id()) return slot.long_id_hash();
  return absl::Hash<absl::string_view>()(slot.short_id_view()) & hash_mask_;
}

void RevocationTable::Rebuild(absl::Time now) {
  const int64_t now_unix_ns = UnixNanosecondsOf(now);
  auto expired = [now_unix_ns](const Slot& slot) {
    return slot.expires_at_unix_ns < now_unix_ns;
  };
  // Checks go on while the new arrays are built: only writers change the
  // old ones, and this one holds the writers' lock. At a million ids the
  // build takes a fifth of a second, which under the checks' lock was a
  // verify stalled that long.
  Line* old_lines = lines_.load(std::memory_order_relaxed);
  FilterBlock* old_filter = filter_.load(std::memory_order_relaxed);
  const size_t old_line_count = line_mask_.load(std::memory_order_relaxed) + 1;
  size_t survivors = 0;
  for (size_t index = 0; index < old_line_count; ++index) {
    for (const Slot& slot : old_lines[index].slots) {
      survivors += !slot.empty() && !expired(slot);
    }
  }
  // Room for at least as many revocations again before the next rebuild,
  // which keeps the cost per revocation amortised constant.
  size_t line_count = old_line_count;
  while (survivors > LoadLimit(line_count) / 2) line_count *= 2;
  Line* lines = AllocateZeroedLines<Line>(line_count);
  FilterBlock* filter =
      AllocateZeroedLines<FilterBlock>(FilterBlockCount(line_count));
  for (size_t index = 0; index < old_line_count; ++index) {
    for (const Slot& slot : old_lines[index].slots) {
      if (slot.empty() || expired(slot)) continue;
      const uint64_t hash = HashOf(slot);
      *FindEmptySlot(lines, line_count - 1, hash) = slot;
      FilterBlockFor(filter, line_count - 1, hash)->Add(hash);
    }
  }
  if (rebuild_hook_for_test_) rebuild_hook_for_test_();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    lines_.store(lines, std::memory_order_relaxed);
    line_mask_.store(line_count - 1, std::memory_order_relaxed);
    filter_.store(filter, std::memory_order_relaxed);
    size_ = survivors;
  }
  // No check can be reading the old arrays any more: each reads under the
  // lock, and the swap above waited for it. Only now may the forgotten
  // ids' blocks go, since a check may have been comparing one of them.
  for (size_t index = 0; index < old_line_count; ++index) {
    for (const Slot& slot : old_lines[index].slots) {
      if (!slot.empty() && expired(slot)) slot.FreeLongId();
    }
  }
  std::free(old_lines);
  std::free(old_filter);
}

}  // namespace writ::broker_internal
