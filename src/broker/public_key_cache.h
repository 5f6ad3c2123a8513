// Internal to the broker: holders' public keys, imported once.
//
// Every verify checks a proof signed by the key its token is bound to, and
// the proof carries that key as a JWK. Turning a JWK into an OpenSSL key
// costs more than checking the signature with it (for P-256: building the
// curve group, decoding the point, validating it, a full scalar
// multiplication in the order check), and a holder presents the same key on
// every use. So imported keys are kept here, least recently used first out.
//
// A cache hit must bind to exactly the key presented, so entries are keyed
// by the key itself (algorithm and raw coordinates), never by an id a
// sender could claim: two JWKs share an entry only if they are the same
// key. The broker asks only after the presented key's thumbprint matched
// the token's cnf.jkt, so only keys the broker bound a token to get here.
// The entry count is capped, so presenting many keys cannot grow memory
// without limit; past the cap the least recently used key is dropped and,
// if presented again, imported again.
//
// Thread-safe. Keys handed out stay valid after eviction (shared
// ownership), and OpenSSL allows concurrent verification with one key.
#ifndef WRIT_SRC_BROKER_PUBLIC_KEY_CACHE_H_
#define WRIT_SRC_BROKER_PUBLIC_KEY_CACHE_H_

#include <openssl/types.h>

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "src/broker/jwk.h"

namespace writ::broker_internal {

class PublicKeyCache {
 public:
  using Key = std::shared_ptr<const EVP_PKEY>;

  // Holds at most `capacity` keys; 0 imports on every call.
  explicit PublicKeyCache(size_t capacity) : capacity_(capacity) {}

  PublicKeyCache(const PublicKeyCache&) = delete;
  PublicKeyCache& operator=(const PublicKeyCache&) = delete;

  // The OpenSSL key for `jwk`: the cached one if this exact key was
  // imported before, else a fresh import (which validates it: lengths and,
  // for P-256, that the point is on the curve). An invalid key is refused
  // with InvalidArgument and never cached.
  absl::StatusOr<Key> Get(const PublicJwk& jwk);

  size_t size() const;
  size_t capacity() const { return capacity_; }

 private:
  struct Entry {
    std::string identity;  // IdentityOf(jwk)
    Key key;
  };
  using Entries = std::list<Entry>;

  // The algorithm and raw coordinates: what makes two JWKs the same key.
  static std::string IdentityOf(const PublicJwk& jwk);

  const size_t capacity_;
  // std:: rather than absl:: locks: Debian's abseil is not built for
  // ThreadSanitizer, which then cannot see absl::Mutex at all.
  mutable std::mutex mutex_;
  Entries recency_ ABSL_GUARDED_BY(mutex_);  // most recently used first
  // Views into the identities held by `recency_`'s nodes, which never move.
  absl::flat_hash_map<absl::string_view, Entries::iterator> index_
      ABSL_GUARDED_BY(mutex_);
};

}  // namespace writ::broker_internal

#endif  // WRIT_SRC_BROKER_PUBLIC_KEY_CACHE_H_
