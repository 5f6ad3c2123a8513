// A request's string values, kept in the slot when short and otherwise end
// to end in one per-request text arena (src/io/value.h): set again, copied,
// moved, cleared and reused, each request reads back exactly the strings it
// was last given.
#include <string>
#include <utility>

#include "gtest/gtest.h"
#include "src/io/value.h"
#include "tests/testing/compile_for_test.h"
#include "writ/policy.h"
#include "writ/request.h"

namespace writ {
namespace {

constexpr const char* kPolicy = R"(
schema {
  tool: string;
  host: string;
  peer: string;
}
allow search when tool == "search" and host like "*.example.com";
allow same when host == peer;
)";

class RequestTexts : public testing::Test {
 protected:
  AttributeHandle Handle(const char* path) const { return *policy_->FindAttribute(path); }
  absl::string_view Text(const Request& request, const char* path) const {
    return request.text(Handle(path).slot);
  }
  Effect Decide(const Request& request) const { return policy_->Evaluate(request).effect; }

  std::shared_ptr<const Policy> policy_ = test_support::CompileForTest(kPolicy);
};

TEST_F(RequestTexts, AStringSetAgainReadsBackTheLastValue) {
  Request request(*policy_);
  request.SetString(Handle("host"), "docs.example.com");
  request.SetString(Handle("tool"), "search-everything-everywhere");
  request.SetString(Handle("tool"), "x");  // shorter: in place
  request.SetString(Handle("tool"), "search");  // longer again
  EXPECT_EQ(Text(request, "tool"), "search");
  EXPECT_EQ(Text(request, "host"), "docs.example.com");
  EXPECT_EQ(Decide(request), Effect::kAllow);
  request.SetString(Handle("tool"), "searchX");
  EXPECT_EQ(Text(request, "tool"), "searchX");
  EXPECT_EQ(Decide(request), Effect::kDeny);
}

TEST_F(RequestTexts, AnEmptyAndALongStringReadBackExactly) {
  Request request(*policy_);
  const std::string long_host = std::string(100000, 'a') + ".example.com";
  request.SetString(Handle("tool"), "");
  request.SetString(Handle("host"), long_host);
  EXPECT_EQ(request.value(Handle("tool").slot).state, internal::ValueState::kPresent);
  EXPECT_EQ(Text(request, "tool"), "");
  EXPECT_EQ(Text(request, "host"), long_host);
  request.SetString(Handle("peer"), long_host);
  EXPECT_EQ(Decide(request), Effect::kAllow);  // host == peer, across the arena
  request.SetString(Handle("peer"), "");
  request.SetString(Handle("host"), "");
  EXPECT_EQ(Decide(request), Effect::kAllow);  // "" == ""
}

TEST_F(RequestTexts, CopiesAndMovesKeepTheirTexts) {
  Request original(*policy_);
  original.SetString(Handle("tool"), "search");
  original.SetString(Handle("host"), "docs.example.com");
  Request copy(original);
  original.SetString(Handle("tool"), "delete");
  original.SetString(Handle("host"), "a-much-longer-host-name.example.org");
  EXPECT_EQ(Text(copy, "tool"), "search");
  EXPECT_EQ(Text(copy, "host"), "docs.example.com");
  EXPECT_EQ(Decide(copy), Effect::kAllow);
  EXPECT_EQ(Decide(original), Effect::kDeny);

  Request moved(std::move(copy));
  EXPECT_EQ(Text(moved, "tool"), "search");
  EXPECT_EQ(Decide(moved), Effect::kAllow);

  Request assigned(*policy_);
  assigned.SetString(Handle("tool"), "something else entirely, and long");
  assigned = original;
  EXPECT_EQ(Text(assigned, "tool"), "delete");
  EXPECT_EQ(Text(assigned, "host"), "a-much-longer-host-name.example.org");
  assigned = std::move(moved);
  EXPECT_EQ(Text(assigned, "tool"), "search");
  EXPECT_EQ(Decide(assigned), Effect::kAllow);
}

TEST_F(RequestTexts, ClearAllKeepsTheTextBufferForTheNextRequest) {
  Request request(*policy_);
  // Both longer than a slot holds, so both are in the arena.
  request.SetString(Handle("tool"), "search-the-documentation");
  request.SetString(Handle("host"), "docs.corp.example.com");
  const char* buffer = request.values().texts;
  request.ClearAll();
  EXPECT_EQ(request.value(Handle("tool").slot).state, internal::ValueState::kAbsent);
  request.SetString(Handle("host"), "blog.corp.example.com");
  request.SetString(Handle("tool"), "browse-the-documentation");
  EXPECT_EQ(request.values().texts, buffer);  // not reallocated
  EXPECT_EQ(Text(request, "tool"), "browse-the-documentation");
  EXPECT_EQ(Text(request, "host"), "blog.corp.example.com");
}

TEST_F(RequestTexts, ReadJsonReusesTheTextBufferAndForgetsTheLastDocument) {
  Request request(*policy_);
  ASSERT_TRUE(
      request.ReadJson(R"({"tool": "search", "host": "docs.corp.example.com"})").ok());
  const char* buffer = request.values().texts;
  ASSERT_TRUE(request.ReadJson(R"({"host": "blog.corp.example.com", "peer": "p"})").ok());
  EXPECT_EQ(request.values().texts, buffer);
  EXPECT_EQ(request.value(Handle("tool").slot).state, internal::ValueState::kAbsent);
  EXPECT_EQ(Text(request, "host"), "blog.corp.example.com");
  EXPECT_EQ(Text(request, "peer"), "p");
}

}  // namespace
}  // namespace writ
