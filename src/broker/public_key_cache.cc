#include "src/broker/public_key_cache.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "src/broker/crypto.h"

namespace writ::broker_internal {

std::string PublicKeyCache::IdentityOf(const PublicJwk& jwk) {
  // x's length is spelled out so that no other split of the same bytes into
  // x and y can name this key.
  return absl::StrCat(static_cast<int>(jwk.algorithm), ":", jwk.x.size(), ":",
                      jwk.x, jwk.y);
}

absl::StatusOr<PublicKeyCache::Key> PublicKeyCache::Get(const PublicJwk& jwk) {
  std::string identity = IdentityOf(jwk);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = index_.find(identity);
    if (found != index_.end()) {
      recency_.splice(recency_.begin(), recency_, found->second);
      return found->second->key;
    }
  }
  // Imported without the lock: a miss costs more than many hits, and other
  // holders' keys need not wait for it.
  absl::StatusOr<EvpPkeyPtr> imported = PublicJwkToKey(jwk);
  if (!imported.ok()) return imported.status();
  Key key(imported->release(), EvpPkeyFree());
  if (capacity_ == 0) return key;

  std::lock_guard<std::mutex> lock(mutex_);
  auto found = index_.find(identity);
  if (found != index_.end()) {
    // Another thread imported the same key meanwhile; keep one copy.
    recency_.splice(recency_.begin(), recency_, found->second);
    return found->second->key;
  }
  recency_.push_front(Entry{std::move(identity), key});
  index_.emplace(recency_.front().identity, recency_.begin());
  if (recency_.size() > capacity_) {
    index_.erase(recency_.back().identity);
    recency_.pop_back();
  }
  return key;
}

size_t PublicKeyCache::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return recency_.size();
}

}  // namespace writ::broker_internal
