// The in-memory StateStore and the real clock.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <mutex>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "src/broker/revocation_table.h"
#include "writ/broker.h"

namespace writ {
namespace {

class RealClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

// An id as a counter table stores it: up to 24 bytes inside the table's
// slot, so that a hit compares bytes the probe has already brought into
// cache instead of following a pointer to the heap (std::string keeps only
// 15 inline, and a token id is 22). Longer ids (task ids) go to the heap.
// Revoked ids have a table of their own (revocation_table.h).
using StoredId = absl::InlinedVector<char, 24>;

absl::string_view ViewOf(absl::string_view id) { return id; }
absl::string_view ViewOf(const StoredId& id) {
  return absl::string_view(id.data(), id.size());
}

// Transparent, so that a lookup hashes and compares the caller's
// absl::string_view as it is and allocates nothing.
struct IdHash {
  using is_transparent = void;
  template <typename Id>
  size_t operator()(const Id& id) const {
    return absl::Hash<absl::string_view>()(ViewOf(id));
  }
};
struct IdEq {
  using is_transparent = void;
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    return ViewOf(a) == ViewOf(b);
  }
};

// Counters with an expiry (use counts, failures, the replay cache), one
// mutex per table so that an insert into one never waits for another.
// Expired entries are swept when the table has grown to twice its size
// after the previous sweep, which keeps the amortised cost per insert
// constant and every lookup O(1).
class ExpiringTable {
 public:
  // Adds one to `key`'s count, creating it at zero, keeps it at least until
  // `expires_at`, and returns the new count; `now` decides what a sweep may
  // forget.
  int64_t Increment(absl::string_view key, absl::Time expires_at,
                    absl::Time now) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (entries_.size() >= 2 * size_after_sweep_ + 64) Sweep(now);
    auto it = entries_.find(key);
    if (it == entries_.end()) {
      it = entries_.emplace(StoredId(key.begin(), key.end()), Entry{}).first;
    }
    Entry& entry = it->second;
    entry.expires_at = std::max(entry.expires_at, expires_at);
    return ++entry.count;
  }

 private:
  struct Entry {
    int64_t count = 0;
    absl::Time expires_at = absl::InfinitePast();
  };

  void Sweep(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    absl::erase_if(entries_, [now](const auto& item) {
      return item.second.expires_at < now;
    });
    size_after_sweep_ = entries_.size();
  }

  // std:: rather than absl:: locks: Debian's abseil is not built for
  // ThreadSanitizer, which then cannot see absl::Mutex at all.
  std::mutex mutex_;
  absl::flat_hash_map<StoredId, Entry, IdHash, IdEq> entries_
      ABSL_GUARDED_BY(mutex_);
  size_t size_after_sweep_ ABSL_GUARDED_BY(mutex_) = 0;
};

class InMemoryStateStore final : public StateStore {
 public:
  explicit InMemoryStateStore(const Clock& clock) : clock_(clock) {}

  absl::Status Revoke(RevocationKind kind, absl::string_view id,
                      absl::Time expires_at) override {
    RevokedOfKind(kind).Revoke(id, expires_at, clock_.Now());
    return absl::OkStatus();
  }

  absl::StatusOr<bool> IsRevoked(RevocationKind kind,
                                 absl::string_view id) override {
    return RevokedOfKind(kind).Contains(id);
  }

  absl::StatusOr<int64_t> IncrementUses(absl::string_view token_id,
                                        absl::Time expires_at) override {
    return uses_.Increment(token_id, expires_at, clock_.Now());
  }

  absl::StatusOr<bool> RememberProof(absl::string_view proof_key,
                                     absl::Time expires_at) override {
    return proofs_.Increment(proof_key, expires_at, clock_.Now()) == 1;
  }

  absl::StatusOr<int64_t> IncrementFailures(absl::string_view task_id,
                                            absl::Time expires_at) override {
    return failures_.Increment(task_id, expires_at, clock_.Now());
  }

 private:
  // One table per kind: the id is the whole key, so a check builds no
  // prefixed key string, and ids of different kinds never meet. All three
  // are the same single-probe table (revocation_table.h): every verify
  // checks each kind once.
  broker_internal::RevocationTable& RevokedOfKind(RevocationKind kind) {
    switch (kind) {
      case RevocationKind::kToken:
        return revoked_tokens_;
      case RevocationKind::kTask:
        return revoked_tasks_;
      case RevocationKind::kWorkload:
        return revoked_workloads_;
    }
    return revoked_tokens_;  // unreachable: the switch covers every kind
  }

  const Clock& clock_;
  broker_internal::RevocationTable revoked_tokens_;
  broker_internal::RevocationTable revoked_tasks_;
  broker_internal::RevocationTable revoked_workloads_;
  ExpiringTable uses_;
  ExpiringTable proofs_;
  ExpiringTable failures_;
};

}  // namespace

const Clock& Clock::Real() {
  static const RealClock* const clock = new RealClock();
  return *clock;
}

std::unique_ptr<StateStore> NewInMemoryStateStore(const Clock* clock) {
  return std::make_unique<InMemoryStateStore>(clock != nullptr ? *clock
                                                               : Clock::Real());
}

}  // namespace writ
