// The cache of imported proof keys: a hit is exactly the key presented,
// invalid keys are never kept, and the entry count stays under the cap.
#include "src/broker/public_key_cache.h"

#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "src/broker/crypto.h"
#include "src/broker/jwk.h"
#include "src/broker/signing_key_impl.h"
#include "writ/broker.h"

namespace writ::broker_internal {
namespace {

using ::testing::HasSubstr;

const PublicJwk& JwkOf(const SigningKey& key) {
  return SigningKeyAccess::Get(key).public_jwk;
}

std::vector<SigningKey> GenerateKeys(SigningAlgorithm algorithm, int count) {
  std::vector<SigningKey> keys;
  for (int i = 0; i < count; ++i) {
    keys.push_back(*SigningKey::Generate(algorithm, "k"));
  }
  return keys;
}

// True iff `public_key` verifies a signature made by `signer`.
bool Verifies(const EVP_PKEY& public_key, const SigningKey& signer) {
  const std::string data = "signed data";
  const std::string signature =
      *Sign(*SigningKeyAccess::Get(signer).private_key, signer.algorithm(),
            data);
  return VerifySignature(public_key, signer.algorithm(), data, signature,
                         SignatureForms::kAny);
}

class PublicKeyCacheTest : public ::testing::TestWithParam<SigningAlgorithm> {
};

TEST_P(PublicKeyCacheTest, TheSameKeyIsImportedOnce) {
  PublicKeyCache cache(8);
  const SigningKey key = *SigningKey::Generate(GetParam(), "k");
  absl::StatusOr<PublicKeyCache::Key> first = cache.Get(JwkOf(key));
  ASSERT_TRUE(first.ok()) << first.status();
  // A JWK parsed afresh from the key's JSON is the same key.
  absl::StatusOr<PublicJwk> reparsed = ParsePublicJwk(key.PublicJwk());
  ASSERT_TRUE(reparsed.ok()) << reparsed.status();
  absl::StatusOr<PublicKeyCache::Key> second = cache.Get(*reparsed);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(first->get(), second->get());
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_TRUE(Verifies(**first, key));
}

TEST_P(PublicKeyCacheTest, DifferentKeysNeverShareAnEntry) {
  PublicKeyCache cache(8);
  const std::vector<SigningKey> keys = GenerateKeys(GetParam(), 2);
  const PublicKeyCache::Key first = *cache.Get(JwkOf(keys[0]));
  const PublicKeyCache::Key second = *cache.Get(JwkOf(keys[1]));
  EXPECT_NE(first.get(), second.get());
  EXPECT_TRUE(Verifies(*second, keys[1]));
  EXPECT_FALSE(Verifies(*second, keys[0]));
  EXPECT_FALSE(Verifies(*first, keys[1]));
}

TEST_P(PublicKeyCacheTest, HoldsAtMostItsCapacityDroppingTheLeastRecentlyUsed) {
  PublicKeyCache cache(3);
  const std::vector<SigningKey> keys = GenerateKeys(GetParam(), 5);
  const PublicKeyCache::Key oldest = *cache.Get(JwkOf(keys[0]));
  const PublicKeyCache::Key kept = *cache.Get(JwkOf(keys[1]));
  (void)*cache.Get(JwkOf(keys[2]));
  (void)*cache.Get(JwkOf(keys[1]));  // now the most recently used
  (void)*cache.Get(JwkOf(keys[3]));  // drops keys[0]
  (void)*cache.Get(JwkOf(keys[4]));  // drops keys[2]
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.Get(JwkOf(keys[1]))->get(), kept.get());
  // The dropped key is imported again, and the one handed out earlier
  // still works.
  const PublicKeyCache::Key reimported = *cache.Get(JwkOf(keys[0]));
  EXPECT_NE(reimported.get(), oldest.get());
  EXPECT_TRUE(Verifies(*reimported, keys[0]));
  EXPECT_TRUE(Verifies(*oldest, keys[0]));
  EXPECT_EQ(cache.size(), 3u);
}

TEST_P(PublicKeyCacheTest, ZeroCapacityImportsEveryTime) {
  PublicKeyCache cache(0);
  const SigningKey key = *SigningKey::Generate(GetParam(), "k");
  const PublicKeyCache::Key first = *cache.Get(JwkOf(key));
  const PublicKeyCache::Key second = *cache.Get(JwkOf(key));
  EXPECT_NE(first.get(), second.get());
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_TRUE(Verifies(*second, key));
}

TEST_P(PublicKeyCacheTest, ConcurrentUsersGetWorkingKeysAndTheCapHolds) {
  PublicKeyCache cache(4);
  const std::vector<SigningKey> keys = GenerateKeys(GetParam(), 8);
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round) {
        const SigningKey& key = keys[(t + round) % keys.size()];
        absl::StatusOr<PublicKeyCache::Key> got = cache.Get(JwkOf(key));
        if (!got.ok() || !Verifies(**got, key)) ++failures[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_THAT(failures, ::testing::Each(0));
  EXPECT_LE(cache.size(), 4u);
}

INSTANTIATE_TEST_SUITE_P(BothAlgorithms, PublicKeyCacheTest,
                         ::testing::Values(SigningAlgorithm::kEd25519,
                                           SigningAlgorithm::kEs256),
                         [](const auto& param_info) {
                           return std::string(
                               SigningAlgorithmName(param_info.param));
                         });

TEST(PublicKeyCacheInvalidKeyTest, AnOffCurvePointIsRefusedAndNotCached) {
  PublicKeyCache cache(8);
  PublicJwk off_curve;
  off_curve.algorithm = SigningAlgorithm::kEs256;
  off_curve.x = std::string(kP256CoordinateBytes, '\0');
  off_curve.y = std::string(kP256CoordinateBytes, '\0');
  absl::StatusOr<PublicKeyCache::Key> key = cache.Get(off_curve);
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(key.status().message(), HasSubstr("not a point on curve P-256"));
  EXPECT_EQ(cache.size(), 0u);
}

TEST(PublicKeyCacheInvalidKeyTest, ASplitOfACachedKeysBytesIsNotThatKey) {
  // The same 64 bytes as a cached key, divided differently between x and
  // y: not the same key, so no hit (and refused: the lengths are wrong).
  PublicKeyCache cache(8);
  const SigningKey key = *SigningKey::Generate(SigningAlgorithm::kEs256, "k");
  ASSERT_TRUE(cache.Get(JwkOf(key)).ok());
  PublicJwk shifted = JwkOf(key);
  shifted.y = shifted.x.substr(31) + shifted.y;
  shifted.x.resize(31);
  absl::StatusOr<PublicKeyCache::Key> got = cache.Get(shifted);
  ASSERT_FALSE(got.ok());
  EXPECT_THAT(got.status().message(), HasSubstr("exactly 32 bytes"));
  EXPECT_EQ(cache.size(), 1u);
}

}  // namespace
}  // namespace writ::broker_internal
