// The single-probe revocation table: exact lookups of ids of every length,
// growth, forgetting expired ids, colliding hashes, concurrent checks, and
// a differential test against a plain map.
#include "src/broker/revocation_table.h"

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace writ::broker_internal {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'800'000'000);
const absl::Time kMuchLater = kStart + absl::Hours(24);

// Revokes `count` fresh ids that outlive everything in these tests: enough
// of them makes the table rebuild, which is when it forgets.
void RevokeFillers(RevocationTable& table, int count, absl::Time now,
                   absl::string_view prefix = "filler-") {
  for (int i = 0; i < count; ++i) {
    table.Revoke(absl::StrCat(prefix, i), kMuchLater, now);
  }
}

TEST(RevocationTable, RevokedIdsAreFoundAndOthersAreNot) {
  RevocationTable table;
  EXPECT_FALSE(table.Contains("token-1"));
  table.Revoke("token-1", kMuchLater, kStart);
  EXPECT_TRUE(table.Contains("token-1"));
  EXPECT_FALSE(table.Contains("token-2"));
  EXPECT_FALSE(table.Contains("token-"));
  EXPECT_FALSE(table.Contains(""));
  EXPECT_EQ(table.size(), 1u);
}

TEST(RevocationTable, IdsOfEveryLengthAreFoundExactly) {
  // Lengths on both sides of the 23 bytes stored inline, and ids that only
  // differ from a stored one in their last byte, by a trailing NUL (short
  // ids are zero-padded in the slot) or by one more byte.
  RevocationTable table;
  for (size_t length = 0; length <= 64; ++length) {
    table.Revoke(std::string(length, 'a'), kMuchLater, kStart);
  }
  for (size_t length = 0; length <= 64; ++length) {
    const std::string id(length, 'a');
    EXPECT_TRUE(table.Contains(id)) << length;
    if (length > 0) {
      EXPECT_FALSE(table.Contains(id.substr(0, length - 1) + "b")) << length;
    }
    EXPECT_FALSE(table.Contains(id + std::string(1, '\0'))) << length;
    EXPECT_FALSE(table.Contains(std::string(1, '\0') + id)) << length;
  }
  EXPECT_FALSE(table.Contains(std::string(65, 'a')));
  EXPECT_EQ(table.size(), 65u);
}

TEST(RevocationTable, LongIdsAreFoundAfterGrowth) {
  RevocationTable table;
  const size_t initial_capacity = table.capacity();
  std::vector<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    ids.push_back(absl::StrCat("spiffe://example.org/agent/worker-", i));
    table.Revoke(ids.back(), kMuchLater, kStart);
  }
  EXPECT_GT(table.capacity(), initial_capacity);
  for (const std::string& id : ids) EXPECT_TRUE(table.Contains(id)) << id;
  EXPECT_FALSE(table.Contains("spiffe://example.org/agent/worker-1000"));
  EXPECT_EQ(table.size(), ids.size());
}

TEST(RevocationTable, RevokingAgainKeepsTheLaterExpiry) {
  RevocationTable table;
  const std::string long_id(40, 'x');
  for (const std::string& id : {std::string("short"), long_id}) {
    table.Revoke(id, kStart + absl::Hours(2), kStart);
    table.Revoke(id, kStart + absl::Minutes(1), kStart);
  }
  EXPECT_EQ(table.size(), 2u);
  // Past the earlier expiry but not the later one: a rebuild keeps both.
  RevokeFillers(table, 1000, kStart + absl::Hours(1));
  EXPECT_TRUE(table.Contains("short"));
  EXPECT_TRUE(table.Contains(long_id));
}

TEST(RevocationTable, ExpiredEntriesAreForgottenAndTheirSlotsReused) {
  RevocationTable table;
  const size_t capacity = table.capacity();
  const std::string long_id(30, 'l');
  // Fill the table to its load limit (three quarters) with short-lived
  // ids, one of them long (its heap block must be freed: ASan checks).
  table.Revoke(long_id, kStart + absl::Minutes(1), kStart);
  for (size_t i = 1; i < capacity * 3 / 4; ++i) {
    table.Revoke(absl::StrCat("old-", i), kStart + absl::Minutes(1), kStart);
  }
  EXPECT_EQ(table.capacity(), capacity);
  // Once they have expired, as many new ids fit in the same slots.
  const absl::Time later = kStart + absl::Minutes(2);
  RevokeFillers(table, static_cast<int>(capacity * 3 / 4), later, "new-");
  EXPECT_EQ(table.capacity(), capacity);
  EXPECT_EQ(table.size(), capacity * 3 / 4);
  EXPECT_FALSE(table.Contains(long_id));
  EXPECT_FALSE(table.Contains("old-1"));
  EXPECT_TRUE(table.Contains("new-0"));
}

TEST(RevocationTable, EntriesExpiringExactlyNowAreKept) {
  // Forgotten only once their expiry is strictly before now, as before.
  RevocationTable table;
  table.Revoke("edge", kStart, kStart);
  RevokeFillers(table, 1000, kStart);
  EXPECT_TRUE(table.Contains("edge"));
}

TEST(RevocationTable, ExpiriesBeyondTheNanosecondRangeAreKept) {
  RevocationTable table;
  table.Revoke("forever", absl::InfiniteFuture(), kStart);
  table.Revoke("year-3000", absl::FromCivil(absl::CivilSecond(3000, 1, 1, 0, 0, 0),
                                            absl::UTCTimeZone()),
               kStart);
  table.Revoke("dead", absl::InfinitePast(), kStart);
  RevokeFillers(table, 1000, kStart);
  EXPECT_TRUE(table.Contains("forever"));
  EXPECT_TRUE(table.Contains("year-3000"));
  EXPECT_FALSE(table.Contains("dead"));
}

TEST(RevocationTable, CollidingIdsAreAllFound) {
  // A mask of 0 gives every id the same hash: one probe sequence, and long
  // ids whose in-line hashes are equal, so only their bytes tell them
  // apart.
  RevocationTable table(/*hash_mask=*/0);
  std::vector<std::string> ids;
  for (int i = 0; i < 300; ++i) {
    ids.push_back(i % 2 == 0 ? absl::StrCat("id-", i)
                             : absl::StrCat(std::string(30, 'c'), i));
    table.Revoke(ids.back(), kMuchLater, kStart);
  }
  for (const std::string& id : ids) EXPECT_TRUE(table.Contains(id)) << id;
  EXPECT_FALSE(table.Contains("id-1"));
  EXPECT_FALSE(table.Contains(absl::StrCat(std::string(30, 'c'), 0)));
  EXPECT_EQ(table.size(), ids.size());
}

// Random revocations, checks and clock steps, compared with a map that
// never forgets: an id the map holds unexpired must be found, one it never
// saw must not be, and an expired one may go either way until a rebuild.
class RevocationTableAgainstMap : public ::testing::TestWithParam<uint64_t> {};

std::string RandomId(std::mt19937_64& random) {
  // Few letters and every length 0..64, so that ids share prefixes and
  // differ in length by one byte.
  const size_t length = std::uniform_int_distribution<size_t>(0, 64)(random);
  std::string id(length, 'a');
  for (char& c : id) {
    c = static_cast<char>('a' + std::uniform_int_distribution<int>(0, 2)(random));
  }
  return id;
}

TEST_P(RevocationTableAgainstMap, AgreesOnRandomRevocationsChecksAndExpiries) {
  RevocationTable table(/*hash_mask=*/GetParam());
  absl::flat_hash_map<std::string, absl::Time> oracle;
  std::mt19937_64 random(20261129);
  std::vector<std::string> pool;
  for (int i = 0; i < 2000; ++i) pool.push_back(RandomId(random));
  absl::Time now = kStart;
  auto check = [&](const std::string& id) {
    const auto it = oracle.find(id);
    if (it == oracle.end()) {
      ASSERT_FALSE(table.Contains(id)) << '"' << id << '"';
    } else if (it->second >= now) {
      ASSERT_TRUE(table.Contains(id)) << '"' << id << '"';
    }
  };
  for (int step = 0; step < 200000; ++step) {
    const std::string& id = pool[random() % pool.size()];
    const int operation = static_cast<int>(random() % 100);
    if (operation < 45) {
      const absl::Time expires_at =
          now + absl::Seconds(std::uniform_int_distribution<int>(-10, 100)(random));
      table.Revoke(id, expires_at, now);
      auto [it, inserted] = oracle.try_emplace(id, expires_at);
      if (!inserted) it->second = std::max(it->second, expires_at);
    } else if (operation < 95) {
      ASSERT_NO_FATAL_FAILURE(check(id));
    } else {
      now += absl::Seconds(std::uniform_int_distribution<int>(0, 20)(random));
    }
  }
  size_t unexpired = 0;
  for (const std::string& id : pool) ASSERT_NO_FATAL_FAILURE(check(id));
  for (const auto& [id, expires_at] : oracle) unexpired += expires_at >= now;
  EXPECT_GE(table.size(), unexpired);
  EXPECT_LE(table.size(), oracle.size());
}

INSTANTIATE_TEST_SUITE_P(HashMasks, RevocationTableAgainstMap,
                         ::testing::Values(~uint64_t{0}, uint64_t{0xF}),
                         [](const auto& hash_mask) {
                           return hash_mask.param == ~uint64_t{0}
                                      ? "FullHash"
                                      : "SixteenHashes";
                         });

TEST(RevocationTableFilter, PassesEveryHeldIdThroughGrowthAndForgetting) {
  // A filter that lost an id would report a revoked token as live: every
  // id still held must pass after each rebuild, whether it doubled the
  // table or only forgot expired ids into a table of the same size.
  RevocationTable table;
  absl::Time now = kStart;
  std::vector<std::string> held;
  for (int round = 0; round < 6; ++round) {
    for (int i = 0; i < 3000; ++i) {
      const std::string id = absl::StrCat("round-", round, "-", i);
      // Half of each round expires before the next one, so rebuilds both
      // forget ids and move the survivors.
      const bool short_lived = i % 2 == 0;
      table.Revoke(id, short_lived ? now + absl::Seconds(5) : kMuchLater, now);
      if (!short_lived) held.push_back(id);
    }
    now += absl::Seconds(10);
    for (const std::string& id : held) {
      ASSERT_TRUE(table.FilterPasses(id)) << id << " round " << round;
      ASSERT_TRUE(table.Contains(id)) << id << " round " << round;
    }
  }
}

TEST(RevocationTableFilter, StopsAlmostEveryNeverRevokedId) {
  // What the filter is for: a check of an id never revoked should not need
  // the table's memory. 100,000 ids fill 38% of the table's slots, which
  // gives the filter 10.5 bits an id: about 1% pass (1.1% measured). The
  // bound leaves room for absl::Hash's per-process seed; a filter that
  // passes everything, or half, fails it.
  RevocationTable table;
  for (int i = 0; i < 100000; ++i) {
    table.Revoke(absl::StrCat("revoked-", i), kMuchLater, kStart);
  }
  int passed = 0;
  constexpr int kChecks = 100000;
  for (int i = 0; i < kChecks; ++i) {
    passed += table.FilterPasses(absl::StrCat("never-revoked-", i));
  }
  EXPECT_LT(passed, kChecks * 6 / 100);
}

TEST(RevocationTable, ChecksDuringARebuildAnswerFromTheOldTableWithoutWaiting) {
  // A rebuild at a million ids takes a fifth of a second; a check must not
  // wait for it. The hook runs mid-rebuild, on the writer's thread, and
  // checks from another: if checks waited for the rebuild, that check
  // could not finish until the hook returned, and the wait below would
  // time out (the test then fails rather than hangs).
  RevocationTable table;
  const std::string long_id(40, 'x');  // stored out of line
  table.Revoke(long_id, kStart + absl::Seconds(1), kStart);
  table.Revoke("kept", kMuchLater, kStart);
  int hook_runs = 0;
  bool answered_in_time = true;
  std::atomic<bool> long_id_found{false};
  std::atomic<bool> kept_found{false};
  std::vector<std::thread> checkers;
  table.SetRebuildHookForTest([&] {
    ++hook_runs;
    auto done = std::make_shared<std::promise<void>>();
    std::future<void> finished = done->get_future();
    checkers.emplace_back([&, done] {
      // The expired id is forgotten by this rebuild but still in the old
      // table, whose out-of-line ids must not be freed under a check.
      long_id_found = table.Contains(long_id);
      kept_found = table.Contains("kept");
      done->set_value();
    });
    // Joined only after the rebuild: a check that waits for it finishes
    // once this hook gives up, and the test fails instead of hanging.
    answered_in_time = answered_in_time &&
        finished.wait_for(std::chrono::seconds(30)) == std::future_status::ready;
  });
  RevokeFillers(table, 20, kStart + absl::Seconds(10));
  for (std::thread& checker : checkers) checker.join();
  EXPECT_GE(hook_runs, 1);
  EXPECT_TRUE(answered_in_time);
  EXPECT_TRUE(long_id_found.load());
  EXPECT_TRUE(kept_found.load());
  EXPECT_FALSE(table.Contains(long_id));
  EXPECT_TRUE(table.Contains("kept"));
}

TEST(RevocationTable, ConcurrentChecksFindEveryIdRevokedBeforeThem) {
  // Readers check ids revoked before they started while a writer keeps
  // revoking (and so growing the table under them).
  RevocationTable table;
  for (int i = 0; i < 1000; ++i) {
    table.Revoke(absl::StrCat("early-", i), kMuchLater, kStart);
  }
  std::atomic<bool> writing{true};
  std::atomic<int> misses{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      do {
        for (int i = 0; i < 1000; ++i) {
          if (!table.Contains(absl::StrCat("early-", i))) ++misses;
        }
      } while (writing.load());
    });
  }
  RevokeFillers(table, 50000, kStart, "late-");
  writing.store(false);
  for (std::thread& reader : readers) reader.join();
  EXPECT_EQ(misses.load(), 0);
  EXPECT_EQ(table.size(), 51000u);
}

}  // namespace
}  // namespace writ::broker_internal
