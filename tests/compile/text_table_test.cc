// The guard indexes' string table: every key found with its range, no
// other text found, whatever the keys' lengths and shared bytes.
#include "src/compile/text_table.h"

#include <cmath>
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace writ::internal {
namespace {

RuleRange RangeOf(size_t index) {
  return RuleRange{static_cast<uint32_t>(index), static_cast<uint32_t>(index + 1)};
}

// Keys of every length from 0 to 40 that share long prefixes and suffixes
// (as host names do), and the texts one byte away from them.
TEST(TextTable, FindsEveryKeyAndNothingElse) {
  std::vector<std::pair<std::string, RuleRange>> entries;
  std::set<std::string> keys;
  for (size_t length = 0; length <= 40; ++length) {
    for (char last : {'a', 'b'}) {
      std::string key(length, 'x');
      if (length > 0) key.back() = last;
      if (!keys.insert(key).second) continue;
      entries.emplace_back(key, RangeOf(entries.size()));
    }
  }
  for (int service = 0; service < 500; ++service) {
    const std::string key = absl::StrCat(".svc", service, ".corp.example.com");
    keys.insert(key);
    entries.emplace_back(key, RangeOf(entries.size()));
  }
  const TextTable table(entries);
  EXPECT_EQ(table.size(), entries.size());
  for (const auto& [key, range] : entries) {
    const RuleRange* found = table.Find(key);
    ASSERT_NE(found, nullptr) << "'" << key << "'";
    EXPECT_EQ(found->begin, range.begin) << "'" << key << "'";
  }
  size_t misses = 0;
  for (const auto& [key, range] : entries) {
    for (size_t at = 0; at < key.size(); ++at) {
      std::string near = key;
      near[at] = 'y';
      if (keys.count(near) == 0) {
        EXPECT_EQ(table.Find(near), nullptr) << "'" << near << "'";
        ++misses;
      }
    }
    const std::string longer = key + "x";
    if (keys.count(longer) == 0) {
      EXPECT_EQ(table.Find(longer), nullptr) << "'" << longer << "'";
    }
  }
  EXPECT_GT(misses, 10000u);
}

// The top bits of HashText (a table's slot) spread names that share long
// prefixes and suffixes, at every length a word-at-a-time hash treats
// apart (under 8, 9 to 16, 17 to 32, longer), as well as random hashes would: the
// distinct slots of n keys among m are close to m (1 - (1 - 1/m)^n).
TEST(TextTable, HashTextSpreadsNamesThatShareAffixesOverTheSlots) {
  std::vector<std::vector<std::string>> key_sets(5);
  for (int i = 0; i < 3000; ++i) {
    key_sets[0].push_back(absl::StrCat(i));                                // 1-4 bytes
    key_sets[1].push_back(absl::StrCat("crm.r", i));                       // 6-9 bytes
    key_sets[2].push_back(absl::StrCat("tool.", i, ".read"));              // 11-14 bytes
    key_sets[3].push_back(absl::StrCat(".svc", i, ".corp.example.com"));  // 22-25 bytes
    key_sets[4].push_back(absl::StrCat("api-", i, ".svc.partner.example.org"));  // 29-32 bytes
    key_sets[4].push_back(absl::StrCat("api-", i, ".svc.eu-west.partner.example.org"));  // 37-40
  }
  constexpr int kBits = 13;  // a half-full table's 8,192 slots
  const double slots = 1 << kBits;
  for (const std::vector<std::string>& keys : key_sets) {
    std::set<uint64_t> used;
    for (const std::string& key : keys) used.insert(HashText(key) >> (64 - kBits));
    const double expected = slots * (1 - std::pow(1 - 1 / slots, keys.size()));
    EXPECT_GT(used.size(), 0.97 * expected) << keys.front() << " .. " << keys.back();
  }
}

// Default-constructed or built from no entries: a probe, whatever the
// text's hash, reads only the table's own empty slots (ASan checks).
TEST(TextTable, AnEmptyTableFindsNothing) {
  for (const TextTable& table :
       {TextTable(), TextTable(std::vector<std::pair<std::string, RuleRange>>{})}) {
    EXPECT_EQ(table.size(), 0u);
    EXPECT_EQ(table.Find(""), nullptr);
    EXPECT_EQ(table.Find("crm.read"), nullptr);
    for (int service = 0; service < 200; ++service) {
      EXPECT_EQ(table.Find(absl::StrCat(".svc", service, ".example.com")), nullptr);
    }
    size_t visited = 0;
    table.ForEach([&](absl::string_view, RuleRange) { ++visited; });
    EXPECT_EQ(visited, 0u);
  }
}

TEST(TextTable, AKeyGivenTwiceKeepsItsFirstRange) {
  const TextTable table({{"crm.read", RangeOf(3)}, {"crm.read", RangeOf(7)}, {"", RangeOf(9)}});
  EXPECT_EQ(table.size(), 2u);
  ASSERT_NE(table.Find("crm.read"), nullptr);
  EXPECT_EQ(table.Find("crm.read")->begin, 3u);
  ASSERT_NE(table.Find(""), nullptr);
  EXPECT_EQ(table.Find("")->begin, 9u);
}

// Its one key empty, the table's arena holds no byte, yet the key's bytes
// must be a valid pointer: the probe compares them with memcmp, which
// must not be given a null pointer even for zero bytes (UBSan stopped the
// differential test there, on random policies comparing with "").
TEST(TextTable, ATableWhoseOnlyKeyIsEmptyFindsIt) {
  const TextTable table({{"", RangeOf(4)}});
  ASSERT_NE(table.Find(""), nullptr);
  EXPECT_EQ(table.Find("")->begin, 4u);
  EXPECT_EQ(table.Find("x"), nullptr);
  const TextTable with_payload({{"", RangeOf(5)}}, {{7, 8}});
  const TextTable::Slot* slot = with_payload.FindSlot("", HashText(""));
  ASSERT_NE(slot, nullptr);
  EXPECT_EQ(with_payload.Payload(*slot)[1], 8u);
}

// A table with payloads (a large one) answers a text that is no key from
// its bitmap, without reading a slot, nearly every time; and finds every
// key, whose bit is always set.
TEST(TextTable, APayloadTableTurnsAwayTextsThatAreNoKeyBeforeItsSlots) {
  std::vector<std::pair<std::string, RuleRange>> entries;
  std::vector<std::vector<uint64_t>> payloads;
  for (size_t service = 0; service < 3000; ++service) {
    entries.emplace_back(absl::StrCat(".svc", service, ".corp.example.com"), RangeOf(service));
    payloads.push_back({service});
  }
  const TextTable table(entries, payloads);
  for (const auto& [key, range] : entries) {
    EXPECT_TRUE(table.MayHoldKey(HashText(key))) << key;
    const TextTable::Slot* slot = table.FindSlotWithPayload(key, HashText(key));
    ASSERT_NE(slot, nullptr) << key;
    EXPECT_EQ(table.Payload(*slot)[0], range.begin) << key;
  }
  size_t absent = 0, passed = 0;
  for (size_t service = 0; service < 3000; ++service) {
    for (const std::string& text :
         {absl::StrCat(".svc", service + 3000, ".corp.example.com"),
          absl::StrCat("api.svc", service, ".corp.example.com"),
          absl::StrCat(".svc", service, ".example.com"), absl::StrCat(".svc", service)}) {
      ++absent;
      passed += table.MayHoldKey(HashText(text));
      EXPECT_EQ(table.FindSlotWithPayload(text, HashText(text)), nullptr) << text;
    }
  }
  // 16 bits or more a key: ~1 in 16 passes, and surely fewer than 1 in 8.
  EXPECT_LT(passed * 8, absent);
}

// FindSlotWithPayload on a table without payloads (or an empty one) is
// FindSlot: its bitmap says yes to every hash, and is never read past.
TEST(TextTable, ATableWithoutPayloadsLetsEveryTextPastItsBitmap) {
  const TextTable empty;
  const TextTable plain({{"crm.read", RangeOf(0)}, {"", RangeOf(1)}});
  for (const absl::string_view text :
       {"crm.read", "", "crm.write", "a.much.longer.text.than.a.word"}) {
    EXPECT_TRUE(empty.MayHoldKey(HashText(text))) << text;
    EXPECT_TRUE(plain.MayHoldKey(HashText(text))) << text;
    EXPECT_EQ(empty.FindSlotWithPayload(text, HashText(text)), nullptr) << text;
    EXPECT_EQ(plain.FindSlotWithPayload(text, HashText(text)),
              plain.FindSlot(text, HashText(text)))
        << text;
  }
  ASSERT_NE(plain.FindSlotWithPayload("crm.read", HashText("crm.read")), nullptr);
  EXPECT_EQ(plain.FindSlotWithPayload("crm.read", HashText("crm.read"))->range.begin, 0u);
}

TEST(TextTable, ForEachVisitsEveryEntryOnce) {
  const TextTable table({{"a", RangeOf(0)}, {"bb", RangeOf(1)}, {"ccc", RangeOf(2)}});
  std::set<std::string> seen;
  table.ForEach([&](absl::string_view key, RuleRange range) {
    EXPECT_EQ(range.begin + 1, key.size());
    EXPECT_TRUE(seen.insert(std::string(key)).second);
  });
  EXPECT_EQ(seen, (std::set<std::string>{"a", "bb", "ccc"}));
}

// Each key's payload is found after it, whatever the key's length (the
// payload starts at the next word boundary), and a repeated key keeps its
// first payload with its first range.
TEST(TextTable, EveryKeyFindsItsOwnPayload) {
  std::vector<std::pair<std::string, RuleRange>> entries;
  std::vector<std::vector<uint64_t>> payloads;
  for (size_t length = 0; length <= 20; ++length) {
    entries.emplace_back(std::string(length, 'k'), RangeOf(length));
    payloads.push_back(std::vector<uint64_t>(length % 3 + 1, 1000 + length));
  }
  entries.emplace_back("kkk", RangeOf(99));
  payloads.push_back({99});
  const TextTable table(entries, payloads);
  ASSERT_TRUE(table.has_payloads());
  EXPECT_EQ(table.size(), 21u);
  for (size_t length = 0; length <= 20; ++length) {
    const std::string key(length, 'k');
    const TextTable::Slot* slot = table.FindSlot(key, HashText(key));
    ASSERT_NE(slot, nullptr) << length;
    EXPECT_EQ(slot->range.begin, length);
    const uint64_t* payload = table.Payload(*slot);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(payload) % alignof(uint64_t), 0u);
    for (size_t i = 0; i < length % 3 + 1; ++i) EXPECT_EQ(payload[i], 1000 + length) << length;
  }
  EXPECT_FALSE(TextTable(entries).has_payloads());
  EXPECT_EQ(TextTable(entries).Find("kkk")->begin, 3u);
}

}  // namespace
}  // namespace writ::internal
