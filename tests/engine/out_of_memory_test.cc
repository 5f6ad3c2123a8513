// Engine::Evaluate is noexcept: running out of memory inside it must not
// escape as std::bad_alloc (std::terminate, the gateway gone). The enforced
// decision needs no allocation once warm; what may allocate around it (the
// shadow's copy of the request, the log record) gives way instead.
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

// Plain forms only: the aligned ones keep the library's (aligned_alloc and
// free), which pair with each other.
void* operator new(size_t size) { return Allocate(size); }
void* operator new[](size_t size) { return Allocate(size); }
void operator delete(void* pointer) noexcept { std::free(pointer); }
void operator delete[](void* pointer) noexcept { std::free(pointer); }
void operator delete(void* pointer, size_t) noexcept { std::free(pointer); }
void operator delete[](void* pointer, size_t) noexcept { std::free(pointer); }

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

}  // namespace
}  // namespace writ
