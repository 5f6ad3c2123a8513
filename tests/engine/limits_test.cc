// Every limit on policies and requests refuses oversize input with a clear
// error naming the limit — never a crash, never a silent truncation.
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "writ/engine.h"
#include "writ/policy.h"
#include "writ/request.h"

namespace writ {
namespace {

using testing::HasSubstr;

absl::Status CompileWith(const std::string& text, const CompileOptions& options) {
  return Policy::Compile({{"limits.writ", text}}, options).status();
}

std::string Repeat(absl::string_view piece, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) absl::StrAppend(&out, piece);
  return out;
}

constexpr absl::string_view kSchema = "schema { tool: string; n: int; }\n";

TEST(CompileLimitsTest, DefaultsAreDocumentedValues) {
  const CompileOptions options;
  EXPECT_EQ(options.max_source_bytes, 16u << 20);
  EXPECT_EQ(options.max_expression_depth, 64);
  EXPECT_EQ(options.max_rules, 100000u);
  EXPECT_EQ(options.max_list_elements, 100000u);
  EXPECT_EQ(options.max_regex_memory, 1 << 20);
  EXPECT_EQ(options.max_total_regex_size, 1 << 21);
}

TEST(CompileLimitsTest, SourceOverTheByteLimitIsRefused) {
  CompileOptions options;
  options.max_source_bytes = 64;
  absl::Status status = CompileWith(absl::StrCat(kSchema, Repeat("# padding\n", 10)), options);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("over the limit of 64"));
}

// The byte limit bounds what is read, not only what is compiled: a policy
// path naming an endless file (a device; a log given by mistake) used to
// be read whole, that is until memory ran out, before the size was checked.
TEST(CompileLimitsTest, AnEndlessSourceFileIsRefusedAtTheByteLimit) {
  CompileOptions options;
  options.max_source_bytes = 1 << 16;
  absl::StatusOr<std::shared_ptr<const Policy>> policy =
      Policy::CompileFiles({"/dev/zero"}, options);
  ASSERT_FALSE(policy.ok());
  EXPECT_EQ(policy.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(policy.status().message()), HasSubstr("over the limit of 65536"));
  // With files before it that used some of the budget, and from an Engine.
  const std::string first = absl::StrCat(WRIT_SOURCE_DIR, "/policies/agent-gateway/schema.writ");
  EngineOptions engine_options;
  engine_options.compile = options;
  absl::StatusOr<std::unique_ptr<Engine>> engine =
      Engine::CreateFromFiles({first, "/dev/zero"}, engine_options);
  ASSERT_FALSE(engine.ok());
  EXPECT_THAT(std::string(engine.status().message()), HasSubstr("over the limit of 65536"));
}

TEST(CompileLimitsTest, ExpressionDeeperThanTheLimitIsADiagnostic) {
  CompileOptions options;
  options.max_expression_depth = 8;
  const std::string shallow = absl::StrCat(kSchema, "allow a when ", Repeat("(", 7),
                                           "tool == \"x\"", Repeat(")", 7), ";\n");
  const std::string deep = absl::StrCat(kSchema, "allow a when ", Repeat("(", 9),
                                        "tool == \"x\"", Repeat(")", 9), ";\n");
  EXPECT_TRUE(CompileWith(shallow, options).ok());
  absl::Status status = CompileWith(deep, options);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("nested deeper than 8"));
}

TEST(CompileLimitsTest, HostileNestingAtTheDefaultLimitIsADiagnosticNotACrash) {
  const std::string hostile = absl::StrCat(kSchema, "allow a when ", Repeat("not (", 200000),
                                           "tool == \"x\"", Repeat(")", 200000), ";\n");
  absl::Status status = CompileWith(hostile, CompileOptions{});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("nested deeper than 64"));
}

TEST(CompileLimitsTest, MoreRulesThanTheLimitIsADiagnostic) {
  CompileOptions options;
  options.max_rules = 3;
  std::string three(kSchema), four(kSchema);
  for (int i = 0; i < 4; ++i) {
    const std::string rule = absl::StrCat("allow r", i, " when n == ", i, ";\n");
    if (i < 3) three += rule;
    four += rule;
  }
  EXPECT_TRUE(CompileWith(three, options).ok());
  absl::Status status = CompileWith(four, options);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("more than 3 rules"));
}

TEST(CompileLimitsTest, ListLongerThanTheLimitIsADiagnostic) {
  CompileOptions options;
  options.max_list_elements = 4;
  EXPECT_TRUE(CompileWith(absl::StrCat(kSchema, "allow a when n in [1, 2, 3, 4];\n"), options).ok());
  absl::Status status =
      CompileWith(absl::StrCat(kSchema, "allow a when n in [1, 2, 3, 4, 5];\n"), options);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("exceeds the limit of 4"));
}

TEST(CompileLimitsTest, RegexOverTheMemoryBudgetIsADiagnostic) {
  const std::string policy =
      absl::StrCat(kSchema, "allow a when tool matches \"[a-z]{1000}\";\n");
  EXPECT_TRUE(CompileWith(policy, CompileOptions{}).ok());
  CompileOptions options;
  options.max_regex_memory = 4 << 10;
  absl::Status status = CompileWith(policy, options);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("bad regex"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("too large"));
}

// A counted repeat makes a short pattern a large program: a thousand
// patterns of 16 x `[a-z0-9]{1000}` (270 KB of source) took 13 s and
// 275 MB to compile. Their total is bounded, each distinct pattern counted
// once however many rules name it, and the one that goes over is the error.
TEST(CompileLimitsTest, RegexesOverTheTotalSizeAreADiagnosticAtThePatternThatGoesOver) {
  CompileOptions options;
  options.max_total_regex_size = 2500;  // two of `[a-z]{1000}x` (~1,000 each)
  std::string shared = std::string(kSchema);
  for (int i = 0; i < 100; ++i) {
    absl::StrAppend(&shared, "allow r", i, " when n == ", i,
                    " and tool matches \"[a-z]{1000}x0\";\n");
  }
  EXPECT_TRUE(CompileWith(shared, options).ok());
  const std::string three = absl::StrCat(kSchema,
                                         "allow a when tool matches \"[a-z]{1000}x0\";\n"
                                         "allow b when tool matches \"[a-z]{1000}x1\";\n"
                                         "allow c when tool matches \"[a-z]{1000}x2\";\n");
  EXPECT_TRUE(CompileWith(three, CompileOptions{}).ok());
  const absl::Status status = CompileWith(three, options);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("limits.writ:4:27: error: the policy's regexes compile to over 2500 "
                        "instructions with this one (CompileOptions::max_total_regex_size)"));
}

// A policy whose lets form a chain of `length` references, l0 -> l1 -> ...
std::string LetChainPolicy(int length) {
  std::string policy(kSchema);
  for (int i = 0; i < length; ++i) absl::StrAppend(&policy, "let l", i, " = l", i + 1, ";\n");
  absl::StrAppend(&policy, "let l", length, " = tool == \"x\";\nallow a when l0;\n");
  return policy;
}

TEST(CompileLimitsTest, LetChainCompilesAndDecides) {
  absl::StatusOr<std::shared_ptr<const Policy>> compiled =
      Policy::Compile({{"chain.writ", LetChainPolicy(1000)}});
  ASSERT_TRUE(compiled.ok()) << compiled.status();
  absl::StatusOr<Request> request = Request::FromJson(**compiled, R"({"tool": "x"})");
  ASSERT_TRUE(request.ok());
  EXPECT_EQ((*compiled)->Evaluate(*request).effect, Effect::kAllow);
}

// Regression: a 200,000-let chain (a 4.4 MB policy, under max_source_bytes)
// used to overflow the stack in the checker's recursive cycle check.
TEST(CompileLimitsTest, VeryLongLetChainIsADiagnosticNotACrash) {
  absl::StatusOr<std::shared_ptr<const Policy>> compiled =
      Policy::Compile({{"chain.writ", LetChainPolicy(200000)}});
  EXPECT_EQ(compiled.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(compiled.status().message()),
              testing::HasSubstr("over the limit of 2048 (CompileOptions::max_condition_depth)"));
}

TEST(CompileLimitsTest, LongLetCycleIsReportedWithoutRecursing) {
  std::string policy = LetChainPolicy(100000);
  policy += "let l100001 = l0;\n";
  absl::StatusOr<std::shared_ptr<const Policy>> compiled =
      Policy::Compile({{"cycle.writ", absl::StrReplaceAll(policy, {{"let l100000 = tool == \"x\";", "let l100000 = l100001;"}})}});
  EXPECT_EQ(compiled.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(compiled.status().message()), testing::HasSubstr("in terms of itself"));
}

class RequestLimitsTest : public testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::shared_ptr<const Policy>> policy = Policy::Compile(
        {{"r.writ", "schema { a.b.c: string; tool: string; }\ndefault allow;\n"}});
    ASSERT_TRUE(policy.ok()) << policy.status();
    policy_ = *std::move(policy);
  }

  absl::Status Read(const std::string& json, const RequestOptions& options) {
    return Request::FromJson(*policy_, json, options).status();
  }

  std::shared_ptr<const Policy> policy_;
};

TEST_F(RequestLimitsTest, DefaultsAreDocumentedValues) {
  const RequestOptions options;
  EXPECT_EQ(options.max_json_bytes, 1u << 20);
  EXPECT_EQ(options.max_depth, 1024u);
  EXPECT_EQ(options.max_members, 10000u);
}

TEST_F(RequestLimitsTest, DocumentOverTheByteLimitIsRefused) {
  RequestOptions options;
  options.max_json_bytes = 20;
  EXPECT_TRUE(Read(R"({"tool": "x"})", options).ok());
  absl::Status status = Read(R"({"tool": "a longer value"})", options);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("max_json_bytes"));
}

TEST_F(RequestLimitsTest, NestingDeeperThanTheLimitIsRefused) {
  RequestOptions options;
  options.max_depth = 3;
  EXPECT_TRUE(Read(R"({"a": {"b": {"c": "x"}}})", options).ok());
  absl::Status status = Read(R"({"a": {"b": {"c": ["x"]}}})", options);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("deeper than 3 levels"));
}

TEST_F(RequestLimitsTest, HostileNestingInAnIgnoredKeyIsRefusedNotACrash) {
  const std::string hostile = absl::StrCat(R"({"junk": )", Repeat("[", 100000),
                                           Repeat("]", 100000), "}");
  absl::Status status = Read(hostile, RequestOptions{});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("max_depth"));
}

TEST_F(RequestLimitsTest, DepthLimitFollowsEachCallsOptions) {
  // The per-thread parser is shared by calls with different limits.
  RequestOptions tight;
  tight.max_depth = 2;
  EXPECT_FALSE(Read(R"({"a": {"b": {"c": "x"}}})", tight).ok());
  EXPECT_TRUE(Read(R"({"a": {"b": {"c": "x"}}})", RequestOptions{}).ok());
  EXPECT_FALSE(Read(R"({"a": {"b": {"c": "x"}}})", tight).ok());
}

// SIZE_MAX as "no limit" overflowed the parser's depth (+ 1) to 0 and
// refused every request ("deeper than 18446744073709551615 levels"); just
// below it, simdjson's up-front depth stack threw std::bad_array_new_length
// out of FromJson; 2^40 could not be allocated. The depth is now capped by
// max_json_bytes and 2^20, and the message gives the cap.
TEST_F(RequestLimitsTest, AMaxDepthBeyondWhatADocumentCanReachIsCapped) {
  for (const size_t depth : {std::numeric_limits<size_t>::max(),
                             std::numeric_limits<size_t>::max() - 1, size_t{1} << 40}) {
    RequestOptions options;
    options.max_depth = depth;
    EXPECT_TRUE(Read(R"({"a": {"b": {"c": ["x"]}}})", options).ok()) << depth;
    options.max_json_bytes = 4u << 20;
    const int too_deep = (1 << 20) + 1;
    const absl::Status status =
        Read(absl::StrCat(R"({"junk": )", Repeat("[", too_deep), Repeat("]", too_deep), "}"),
             options);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << depth;
    EXPECT_THAT(std::string(status.message()), HasSubstr("deeper than 1048576 levels")) << depth;
  }
}

TEST_F(RequestLimitsTest, MoreMembersThanTheLimitIsRefused) {
  RequestOptions options;
  options.max_members = 3;
  EXPECT_TRUE(Read(R"({"tool": "x", "u": 1, "v": 2})", options).ok());
  absl::Status status = Read(R"({"tool": "x", "u": 1, "v": 2, "w": 3})", options);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("max_members"));
}

TEST_F(RequestLimitsTest, EngineAppliesItsRequestOptions) {
  EngineOptions options;
  options.request.max_json_bytes = 8;
  std::unique_ptr<Engine> engine = Engine::Create(policy_, options);
  absl::StatusOr<EngineDecision> decision = engine->EvaluateJson(R"({"tool": "x"})");
  EXPECT_EQ(decision.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(engine->stats().input_errors, 1u);
}

}  // namespace
}  // namespace writ
