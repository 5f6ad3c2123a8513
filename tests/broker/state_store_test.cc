// The in-memory StateStore: revocations per kind, counters, the replay
// cache, and forgetting only what has expired.
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/broker/broker_test_util.h"
#include "writ/broker.h"

namespace writ::broker_testing {
namespace {

using RevocationKind = StateStore::RevocationKind;

class InMemoryStateStoreTest : public ::testing::Test {
 protected:
  absl::Time Later() const { return clock_.Now() + absl::Minutes(10); }

  FakeClock clock_{absl::FromUnixSeconds(1'800'000'000)};
  std::unique_ptr<StateStore> store_ = NewInMemoryStateStore(&clock_);
};

TEST_F(InMemoryStateStoreTest, RevocationsOfOneKindDoNotCoverAnother) {
  ASSERT_TRUE(store_->Revoke(RevocationKind::kToken, "same-id", Later()).ok());
  EXPECT_TRUE(*store_->IsRevoked(RevocationKind::kToken, "same-id"));
  EXPECT_FALSE(*store_->IsRevoked(RevocationKind::kTask, "same-id"));
  EXPECT_FALSE(*store_->IsRevoked(RevocationKind::kWorkload, "same-id"));
  EXPECT_FALSE(*store_->IsRevoked(RevocationKind::kToken, "other-id"));

  ASSERT_TRUE(
      store_->Revoke(RevocationKind::kWorkload, "same-id", Later()).ok());
  EXPECT_TRUE(*store_->IsRevoked(RevocationKind::kWorkload, "same-id"));
  EXPECT_FALSE(*store_->IsRevoked(RevocationKind::kTask, "same-id"));
}

TEST_F(InMemoryStateStoreTest, IdsThatOnlyLookPrefixedStayDistinct) {
  // A layout with one table and "kind:id" keys must never let an id that
  // contains a separator stand for another kind's id.
  ASSERT_TRUE(store_->Revoke(RevocationKind::kTask, "0:t", Later()).ok());
  EXPECT_FALSE(*store_->IsRevoked(RevocationKind::kToken, "t"));
  EXPECT_FALSE(*store_->IsRevoked(RevocationKind::kTask, "t"));
  EXPECT_TRUE(*store_->IsRevoked(RevocationKind::kTask, "0:t"));
}

TEST_F(InMemoryStateStoreTest, IdsOfEveryLengthAreFoundExactly) {
  // Short ids live in the table's slots, longer ones on the heap.
  for (size_t length : {1, 22, 23, 24, 25, 256}) {
    const std::string id(length, 'a');
    const std::string neighbour = id.substr(0, length - 1) + "b";
    ASSERT_TRUE(store_->Revoke(RevocationKind::kTask, id, Later()).ok());
    EXPECT_TRUE(*store_->IsRevoked(RevocationKind::kTask, id)) << length;
    EXPECT_FALSE(*store_->IsRevoked(RevocationKind::kTask, neighbour))
        << length;
    EXPECT_FALSE(*store_->IsRevoked(RevocationKind::kTask, id + "a"))
        << length;
  }
}

TEST_F(InMemoryStateStoreTest, CountsUsesAndFailuresPerId) {
  EXPECT_EQ(*store_->IncrementUses("token-a", Later()), 1);
  EXPECT_EQ(*store_->IncrementUses("token-a", Later()), 2);
  EXPECT_EQ(*store_->IncrementUses("token-b", Later()), 1);
  // Failures count per task, apart from uses.
  EXPECT_EQ(*store_->IncrementFailures("token-a", Later()), 1);
  EXPECT_EQ(*store_->IncrementFailures("task-1", Later()), 1);
  EXPECT_EQ(*store_->IncrementFailures("task-1", Later()), 2);
}

TEST_F(InMemoryStateStoreTest, RemembersEachProofOnce) {
  EXPECT_TRUE(*store_->RememberProof("jkt:proof-1", Later()));
  EXPECT_FALSE(*store_->RememberProof("jkt:proof-1", Later()));
  EXPECT_TRUE(*store_->RememberProof("jkt:proof-2", Later()));
}

TEST_F(InMemoryStateStoreTest, ForgetsOnlyExpiredEntriesWhenItSweeps) {
  const absl::Time soon = clock_.Now() + absl::Minutes(1);
  ASSERT_TRUE(store_->Revoke(RevocationKind::kToken, "short", soon).ok());
  ASSERT_TRUE(store_->Revoke(RevocationKind::kToken, "long", Later()).ok());
  ASSERT_TRUE(*store_->RememberProof("proof", soon));
  clock_.Advance(absl::Minutes(2));
  // Enough inserts to make each table sweep.
  for (int i = 0; i < 200; ++i) {
    const std::string id = "filler-" + std::to_string(i);
    ASSERT_TRUE(store_->Revoke(RevocationKind::kToken, id, Later()).ok());
    ASSERT_TRUE(*store_->RememberProof(id, Later()));
  }
  EXPECT_FALSE(*store_->IsRevoked(RevocationKind::kToken, "short"));
  EXPECT_TRUE(*store_->IsRevoked(RevocationKind::kToken, "long"));
  EXPECT_TRUE(*store_->IsRevoked(RevocationKind::kToken, "filler-0"));
  EXPECT_TRUE(*store_->RememberProof("proof", Later()));
}

TEST_F(InMemoryStateStoreTest, ConcurrentProofsAreRememberedExactlyOnce) {
  std::vector<std::thread> threads;
  std::vector<int> first_uses(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        const std::string proof = "proof-" + std::to_string(i);
        if (*store_->RememberProof(proof, Later())) ++first_uses[t];
        (void)store_->IsRevoked(RevocationKind::kToken, proof);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(first_uses[0] + first_uses[1] + first_uses[2] + first_uses[3],
            100);
}

}  // namespace
}  // namespace writ::broker_testing
