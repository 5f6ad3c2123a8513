// Engine::Evaluate and Policy::Evaluate are noexcept: running out of memory
// inside them must not escape as std::bad_alloc (std::terminate, the gateway
// gone). An evaluator out of memory denies; around an Engine's decision,
// which needs no allocation once warm, what may allocate (the shadow's copy
// of the request, the log record) gives way instead.
//
// This binary's operator new is replaced by one that fails, on the calling
// thread only, while a FailingAllocations is in scope.
#include <cstdlib>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/engine/test_support.h"
#include "writ/engine.h"

namespace {
thread_local bool fail_allocations = false;

void* Allocate(size_t size) {
  if (fail_allocations) throw std::bad_alloc();
  if (void* pointer = std::malloc(size == 0 ? 1 : size)) return pointer;
  throw std::bad_alloc();
}
}  // namespace

// Every unaligned form, so that what one allocates another frees (with
// AddressSanitizer, which replaces each form, the nothrow ones would
// otherwise stay its own). The aligned forms stay the library's, which pair
// with each other.
void* operator new(size_t size) { return Allocate(size); }
void* operator new[](size_t size) { return Allocate(size); }
void* operator new(size_t size, const std::nothrow_t&) noexcept {
  try {
    return Allocate(size);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}
void* operator new[](size_t size, const std::nothrow_t& nothrow) noexcept {
  return operator new(size, nothrow);
}
void operator delete(void* pointer) noexcept { std::free(pointer); }
void operator delete[](void* pointer) noexcept { std::free(pointer); }
void operator delete(void* pointer, size_t) noexcept { std::free(pointer); }
void operator delete[](void* pointer, size_t) noexcept { std::free(pointer); }
void operator delete(void* pointer, const std::nothrow_t&) noexcept { std::free(pointer); }
void operator delete[](void* pointer, const std::nothrow_t&) noexcept { std::free(pointer); }

namespace writ {
namespace {

// Every allocation on this thread fails while one is alive.
class FailingAllocations {
 public:
  FailingAllocations() { fail_allocations = true; }
  ~FailingAllocations() { fail_allocations = false; }
};

TEST(EngineOutOfMemory, AShadowThatCannotCopyTheRequestCountsADeny) {
  absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::Create(engine_testing::SearchOnly());
  ASSERT_TRUE(engine.ok()) << engine.status();
  ASSERT_TRUE((*engine)->SetShadow(engine_testing::AllButSearch()).ok());
  std::shared_ptr<const Policy> snapshot = (*engine)->policy();
  Request request(*snapshot);
  request.SetString(*snapshot->FindAttribute("tool"), "search");
  (*engine)->Evaluate(*snapshot, request);  // warm: the thread's snapshot and counters
  EngineDecision decision;
  {
    FailingAllocations failing;
    decision = (*engine)->Evaluate(*snapshot, request);
  }
  EXPECT_EQ(decision.decision.effect, Effect::kAllow);
  const EngineStats stats = (*engine)->stats();
  EXPECT_EQ(stats.decisions, 2u);
  EXPECT_EQ(stats.shadow_decisions, 2u);
  // The shadow (`deny no_search`) denies both times: once by its rule, once
  // because it could not read the request.
  EXPECT_EQ(stats.shadow_disagreements, 2u);
}

TEST(EngineOutOfMemory, ALogRecordThatCannotBeMadeIsCountedAsDropped) {
  engine_testing::MemoryLog recording;
  EngineOptions options;
  options.log = std::make_shared<DecisionLog>(
      std::make_unique<engine_testing::MemorySink>(&recording));
  absl::StatusOr<std::unique_ptr<Engine>> engine =
      Engine::Create(engine_testing::SearchOnly(), std::move(options));
  ASSERT_TRUE(engine.ok()) << engine.status();
  std::shared_ptr<const Policy> snapshot = (*engine)->policy();
  Request request(*snapshot);
  request.SetString(*snapshot->FindAttribute("tool"), "search");
  (*engine)->Evaluate(*snapshot, request);
  EngineDecision decision;
  {
    // The next ring slot's buffer for packed values is still unallocated.
    FailingAllocations failing;
    decision = (*engine)->Evaluate(*snapshot, request);
  }
  EXPECT_EQ(decision.decision.effect, Effect::kAllow);
  // The same from an older snapshot, whose record this thread formats.
  ASSERT_TRUE((*engine)->Reload(engine_testing::SearchOnly("2")).ok());
  {
    FailingAllocations failing;
    decision = (*engine)->Evaluate(*snapshot, request);
  }
  EXPECT_EQ(decision.decision.effect, Effect::kAllow);
  (*engine)->FlushLog();
  const EngineStats stats = (*engine)->stats();
  EXPECT_EQ(stats.decisions, 3u);
  EXPECT_EQ(stats.log_drops, 2u);
  EXPECT_EQ(stats.log_records, 1u);
  EXPECT_EQ(recording.Lines().size(), 1u);
}

// EvaluateJson is noexcept: reading the JSON allocates the thread's request
// for a policy it has not read for yet, and longer strings than before. Out
// of memory there, the request is refused as input, not thrown.
TEST(EngineOutOfMemory, AJsonRequestThatCannotBeReadIsRefusedNotThrown) {
  absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::Create(engine_testing::SearchOnly());
  ASSERT_TRUE(engine.ok()) << engine.status();
  const std::string search = R"({"tool": "search"})";
  const std::string long_tool = R"({"tool": ")" + std::string(4096, 'x') + R"("})";
  ASSERT_TRUE((*engine)->EvaluateJson(search).ok());  // the thread's request exists
  absl::StatusOr<EngineDecision> longer;
  {
    FailingAllocations failing;
    longer = (*engine)->EvaluateJson(long_tool);
  }
  EXPECT_EQ(longer.status().code(), absl::StatusCode::kResourceExhausted);
  // A policy this thread has not read a request for yet.
  ASSERT_TRUE((*engine)->Reload(engine_testing::SearchOnly("2")).ok());
  absl::StatusOr<EngineDecision> first;
  {
    FailingAllocations failing;
    first = (*engine)->EvaluateJson(search);
  }
  EXPECT_EQ(first.status().code(), absl::StatusCode::kResourceExhausted);
  absl::StatusOr<EngineDecision> after = (*engine)->EvaluateJson(search);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->decision.effect, Effect::kAllow);
  const EngineStats stats = (*engine)->stats();
  EXPECT_EQ(stats.decisions, 2u);
  EXPECT_EQ(stats.input_errors, 2u);
}

// Policy::Evaluate is noexcept with either evaluator. The DAG evaluator
// fails closed when memory runs out; the reference one (an
// EngineOptions::evaluator choice) and the deny of a request made for
// another schema must too, rather than end the process.
TEST(EvaluateOutOfMemory, TheReferenceEvaluatorFailsClosed) {
  absl::StatusOr<std::shared_ptr<const Policy>> policy =
      Policy::Compile(engine_testing::SearchOnly());
  ASSERT_TRUE(policy.ok()) << policy.status();
  Request request(**policy);
  request.SetString(*(*policy)->FindAttribute("tool"), "search");
  ASSERT_EQ((*policy)->Evaluate(request, nullptr, Evaluator::kReference).effect, Effect::kAllow);
  Explanation explanation;
  (*policy)->Evaluate(request, &explanation, Evaluator::kReference);  // warm
  Decision without;
  Decision with;
  {
    FailingAllocations failing;
    without = (*policy)->Evaluate(request, nullptr, Evaluator::kReference);
    with = (*policy)->Evaluate(request, &explanation, Evaluator::kReference);
  }
  EXPECT_EQ(without.effect, Effect::kDeny);
  EXPECT_EQ(with.effect, Effect::kDeny);
  EXPECT_EQ(explanation.decision, Effect::kDeny);
  EXPECT_TRUE(explanation.determining.empty());
}

TEST(EvaluateOutOfMemory, ARequestForAnotherSchemaIsDeniedWithoutMemory) {
  absl::StatusOr<std::shared_ptr<const Policy>> policy =
      Policy::Compile(engine_testing::SearchOnly());
  absl::StatusOr<std::shared_ptr<const Policy>> other =
      Policy::Compile(engine_testing::AllButSearch());
  ASSERT_TRUE(policy.ok() && other.ok());
  const Request foreign(**other);
  Explanation explanation;
  Decision decision;
  {
    FailingAllocations failing;
    decision = (*policy)->Evaluate(foreign, &explanation);
  }
  EXPECT_EQ(decision.effect, Effect::kDeny);
  EXPECT_EQ(explanation.decision, Effect::kDeny);
}

}  // namespace
}  // namespace writ
