// The text arena of a request's values: where SetText puts a string, and
// what Reset keeps.
#include "src/io/value.h"

#include <algorithm>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace writ::internal {
namespace {

class ValueStoreTest : public testing::Test {
 protected:
  void SetUp() override { Store().Reset(3); }
  ValueStore Store() { return ValueStore(&values_, &details_, &texts_); }

  std::vector<Value> values_;
  std::vector<ValueDetail> details_;
  std::string texts_;
};

TEST_F(ValueStoreTest, AShortTextStaysInTheSlot) {
  ASSERT_TRUE(Store().SetText(0, "sixteen-bytes-ok"));
  ASSERT_TRUE(Store().SetText(1, ""));
  EXPECT_TRUE(texts_.empty());
  EXPECT_EQ(Store().text(0), "sixteen-bytes-ok");
  EXPECT_EQ(Store().text(1), "");
  ASSERT_TRUE(Store().SetText(1, "seventeen-bytes-x"));
  EXPECT_EQ(texts_.size(), 17u);
  EXPECT_EQ(Store().text(1), "seventeen-bytes-x");
}

TEST_F(ValueStoreTest, AShorterTextIsRewrittenInPlace) {
  ASSERT_TRUE(Store().SetText(0, "abcdefghijklmnopqrstuvwxyz"));
  ASSERT_TRUE(Store().SetText(1, "the second slot's long text"));
  const size_t used = texts_.size();
  ASSERT_TRUE(Store().SetText(0, "ABCDEFGHIJKLMNOPQRST"));
  EXPECT_EQ(texts_.size(), used);
  EXPECT_EQ(Store().text(0), "ABCDEFGHIJKLMNOPQRST");
  EXPECT_EQ(Store().text(1), "the second slot's long text");
  // A short text in between keeps the slot's region for the next long one.
  ASSERT_TRUE(Store().SetText(0, "xy"));
  EXPECT_EQ(Store().text(0), "xy");
  ASSERT_TRUE(Store().SetText(0, "abcdefghijklmnopqrstuvwxyz"));
  EXPECT_EQ(texts_.size(), used);
  EXPECT_EQ(Store().text(0), "abcdefghijklmnopqrstuvwxyz");
}

// A region grown for a longer text is twice the old one, padded, so the
// next slot's text starts past it and a text up to that size later fits in
// place without overwriting its neighbour.
TEST_F(ValueStoreTest, AGrownRegionIsPaddedToTwiceTheOldOne) {
  const std::string twenty(20, 'a');
  const std::string thirty(30, 'b');
  const std::string forty(40, 'c');
  const std::string neighbour = "the neighbour's text";
  ASSERT_TRUE(Store().SetText(0, twenty));
  EXPECT_EQ(texts_.size(), 20u);  // a first text: no padding
  ASSERT_TRUE(Store().SetText(0, thirty));
  EXPECT_EQ(texts_.size(), 20u + 40u);
  ASSERT_TRUE(Store().SetText(1, neighbour));
  ASSERT_TRUE(Store().SetText(0, forty));
  EXPECT_EQ(texts_.size(), 60u + neighbour.size());
  EXPECT_EQ(Store().text(0), forty);
  EXPECT_EQ(Store().text(1), neighbour);
}

TEST_F(ValueStoreTest, ASlotSetToEverLongerTextsLeavesABoundedTrail) {
  // Without ClearAll, as a caller reusing a request through setters alone.
  std::string text;
  for (int length = 1; length <= 1000; ++length) {
    text.push_back('a' + length % 26);
    ASSERT_TRUE(Store().SetText(2, text));
  }
  EXPECT_EQ(Store().text(2), text);
  // Regions at least double, so the abandoned ones add up to less than the
  // current one, itself less than twice the longest text.
  EXPECT_LT(texts_.size(), 4 * text.size());
}

// A fresh request's long texts (a gateway's host, session id and workload
// id) land in one buffer, allocated at the first of them.
TEST_F(ValueStoreTest, ARequestsLongTextsShareTheArenasFirstBuffer) {
  texts_.shrink_to_fit();
  ASSERT_TRUE(Store().SetText(0, "api.svc52.corp.example.com"));
  const char* buffer = texts_.data();
  ASSERT_TRUE(Store().SetText(1, "1060c528-6011-acb2-26ac-2630c59c276b"));
  ASSERT_TRUE(Store().SetText(2, "spiffe://corp.example/agents/researcher"));
  EXPECT_EQ(texts_.data(), buffer);
  EXPECT_EQ(Store().text(0), "api.svc52.corp.example.com");
  EXPECT_EQ(Store().text(1), "1060c528-6011-acb2-26ac-2630c59c276b");
  EXPECT_EQ(Store().text(2), "spiffe://corp.example/agents/researcher");
}

TEST_F(ValueStoreTest, ATextMayComeFromTheArenaItself) {
  ASSERT_TRUE(Store().SetText(0, "0123456789abcdefghij"));
  // In place, overlapping its own old text.
  ASSERT_TRUE(Store().SetText(0, Store().text(0).substr(2)));
  EXPECT_EQ(Store().text(0), "23456789abcdefghij");
  // Appended, from a buffer the append may reallocate.
  texts_.shrink_to_fit();
  ASSERT_TRUE(Store().SetText(1, Store().text(0)));
  EXPECT_EQ(Store().text(1), "23456789abcdefghij");
  // Inline, from inside the slot itself.
  ASSERT_TRUE(Store().SetText(2, "0123456789"));
  ASSERT_TRUE(Store().SetText(2, Store().text(2).substr(3)));
  EXPECT_EQ(Store().text(2), "3456789");
}

TEST_F(ValueStoreTest, ResetEmptiesEverySlotAndKeepsTheBuffers) {
  ASSERT_TRUE(Store().SetText(0, "a text longer than the small-string buffer"));
  values_[0].state = ValueState::kPresent;
  values_[1].state = ValueState::kWrongType;
  Store().detail(1).error = "expected int, got string";
  const char* buffer = texts_.data();
  const size_t capacity = texts_.capacity();
  Store().Reset(3);
  EXPECT_TRUE(texts_.empty());
  EXPECT_EQ(texts_.data(), buffer);
  EXPECT_EQ(texts_.capacity(), capacity);
  for (uint32_t slot = 0; slot < 3; ++slot) {
    EXPECT_EQ(values_[slot].state, ValueState::kAbsent) << slot;
    EXPECT_EQ(details_[slot].error, "") << slot;
  }
  // The old region is gone: a new text starts the arena again.
  ASSERT_TRUE(Store().SetText(0, "a new text, longer than sixteen"));
  EXPECT_EQ(Store().text(0), "a new text, longer than sixteen");
  EXPECT_EQ(texts_.size(), 31u);
}

// A store gets details only when a slot needs one (a set's members, a
// wrong-typed value's message), and then one for every slot; Reset keeps
// them, so a reused request refills its sets without allocating.
TEST_F(ValueStoreTest, DetailsComeWithTheFirstSlotThatNeedsOne) {
  Store().Reset(3);
  EXPECT_FALSE(Store().has_details());
  EXPECT_TRUE(details_.empty());
  Store().detail(2).set = {"a", "b"};
  EXPECT_TRUE(Store().has_details());
  ASSERT_EQ(details_.size(), 3u);
  EXPECT_TRUE(details_[0].set.empty());
  Store().Reset(3);
  EXPECT_EQ(details_.size(), 3u);
}

// A set shorter than the last one parks the members it drops, buffers
// and all, and a longer set takes them back: a reused request whose next
// set is longer does not allocate its long members again.
TEST_F(ValueStoreTest, AShorterSetParksItsMembersForTheNextLongerOne) {
  const std::vector<std::string> members = {"prompt_injection_signal", "credential_exfiltration"};
  std::vector<std::string>* set = Store().MembersToWrite(2, members.size());
  ASSERT_NE(set, nullptr);
  ASSERT_EQ(set->size(), 2u);
  for (size_t i = 0; i < members.size(); ++i) (*set)[i].assign(members[i]);
  const char* first_buffer = (*set)[0].data();
  const char* second_buffer = (*set)[1].data();

  set = Store().MembersToWrite(2, 0);
  ASSERT_NE(set, nullptr);  // the store has details now
  EXPECT_TRUE(set->empty());
  EXPECT_EQ(details_[2].spare_members.size(), 2u);

  set = Store().MembersToWrite(2, 2);
  ASSERT_EQ(set->size(), 2u);
  EXPECT_TRUE(details_[2].spare_members.empty());
  std::vector<const char*> buffers = {(*set)[0].data(), (*set)[1].data()};
  std::sort(buffers.begin(), buffers.end());
  std::vector<const char*> before = {first_buffer, second_buffer};
  std::sort(before.begin(), before.end());
  EXPECT_EQ(buffers, before);
  (*set)[0].assign("a");
  (*set)[1].assign("b");
  EXPECT_EQ(*set, (std::vector<std::string>{"a", "b"}));
}

// Without details, an empty set needs none.
TEST_F(ValueStoreTest, AnEmptySetInAStoreWithoutDetailsNeedsNone) {
  EXPECT_EQ(Store().MembersToWrite(0, 0), nullptr);
  EXPECT_FALSE(Store().has_details());
  ASSERT_NE(Store().MembersToWrite(0, 1), nullptr);
  EXPECT_TRUE(Store().has_details());
}

// An ip slot's address lives in the value's text bytes, all 16 of them.
TEST(ValueIp, TheAddressIsTheInlineTextBytes) {
  IpAddress address;
  for (size_t i = 0; i < address.bytes.size(); ++i) address.bytes[i] = static_cast<uint8_t>(0xf0 + i);
  Value value;
  value.set_ip(address);
  EXPECT_EQ(value.ip(), address);
  EXPECT_EQ(static_cast<uint8_t>(value.inline_text[15]), 0xffu);
}

}  // namespace
}  // namespace writ::internal
