// The in-memory StateStore and the real clock.
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "writ/broker.h"

namespace writ {
namespace {

class RealClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

// Entries with an expiry; expired ones are swept when the table has grown
// to twice its size after the previous sweep, which keeps the amortised
// cost per insert constant and every lookup O(1).
class ExpiringTable {
 public:
  struct Entry {
    int64_t value = 0;
    absl::Time expires_at;
  };

  Entry* Find(absl::string_view key) {
    auto it = entries_.find(key);
    return it == entries_.end() ? nullptr : &it->second;
  }

  Entry& Insert(absl::string_view key, absl::Time expires_at, absl::Time now) {
    if (entries_.size() >= 2 * size_after_sweep_ + 64) Sweep(now);
    Entry& entry = entries_[key];
    entry.expires_at = std::max(entry.expires_at, expires_at);
    return entry;
  }

 private:
  void Sweep(absl::Time now) {
    absl::erase_if(entries_, [now](const auto& item) {
      return item.second.expires_at < now;
    });
    size_after_sweep_ = entries_.size();
  }

  absl::flat_hash_map<std::string, Entry> entries_;
  size_t size_after_sweep_ = 0;
};

class InMemoryStateStore final : public StateStore {
 public:
  explicit InMemoryStateStore(const Clock& clock) : clock_(clock) {}

  absl::Status Revoke(RevocationKind kind, absl::string_view id,
                      absl::Time expires_at) override {
    std::lock_guard<std::mutex> lock(mutex_);
    revoked_.Insert(Key(kind, id), expires_at, clock_.Now());
    return absl::OkStatus();
  }

  absl::StatusOr<bool> IsRevoked(RevocationKind kind,
                                 absl::string_view id) override {
    std::lock_guard<std::mutex> lock(mutex_);
    return revoked_.Find(Key(kind, id)) != nullptr;
  }

  absl::StatusOr<int64_t> IncrementUses(absl::string_view token_id,
                                        absl::Time expires_at) override {
    std::lock_guard<std::mutex> lock(mutex_);
    return ++uses_.Insert(token_id, expires_at, clock_.Now()).value;
  }

  absl::StatusOr<bool> RememberProof(absl::string_view proof_key,
                                     absl::Time expires_at) override {
    std::lock_guard<std::mutex> lock(mutex_);
    ExpiringTable::Entry& entry =
        proofs_.Insert(proof_key, expires_at, clock_.Now());
    return entry.value++ == 0;
  }

  absl::StatusOr<int64_t> IncrementFailures(absl::string_view task_id,
                                            absl::Time expires_at) override {
    std::lock_guard<std::mutex> lock(mutex_);
    return ++failures_.Insert(task_id, expires_at, clock_.Now()).value;
  }

 private:
  static std::string Key(RevocationKind kind, absl::string_view id) {
    return absl::StrCat(static_cast<int>(kind), ":", id);
  }

  const Clock& clock_;
  std::mutex mutex_;
  ExpiringTable revoked_ ABSL_GUARDED_BY(mutex_);
  ExpiringTable uses_ ABSL_GUARDED_BY(mutex_);
  ExpiringTable proofs_ ABSL_GUARDED_BY(mutex_);
  ExpiringTable failures_ ABSL_GUARDED_BY(mutex_);
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
