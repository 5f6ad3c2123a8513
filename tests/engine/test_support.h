// Small policy sets and an in-memory log sink shared by the engine tests.
#ifndef WRIT_TESTS_ENGINE_TEST_SUPPORT_H_
#define WRIT_TESTS_ENGINE_TEST_SUPPORT_H_

#include <mutex>
#include <string>
#include <vector>

#include "absl/synchronization/notification.h"
#include "writ/decision_log.h"
#include "writ/policy.h"

namespace writ::engine_testing {

// Allows tool "search"; everything else is denied by default. `version`
// goes into the header, so two versions have different digests.
inline std::vector<SourceFile> SearchOnly(const std::string& version = "1") {
  return {{"search.writ",
           "policy \"search-only\" version \"" + version + "\";\n"
           "schema { tool: string; token.id: string redact; }\n"
           "allow search when tool == \"search\";\n"}};
}

// The opposite: allows everything but "search".
inline std::vector<SourceFile> AllButSearch() {
  return {{"all-but-search.writ",
           "schema { tool: string; token.id: string redact; }\n"
           "deny no_search when tool == \"search\";\n"
           "default allow;\n"}};
}

inline std::vector<SourceFile> Broken() {
  return {{"broken.writ", "schema { tool: string; }\nallow oops when tool ==;\n"}};
}

// Log text kept in memory; owned by the test, so it outlives the
// DecisionLog that owns (and destroys) the sink writing into it.
class MemoryLog {
 public:
  void Append(absl::string_view lines) {
    std::lock_guard<std::mutex> lock(mutex_);
    text_.append(lines.data(), lines.size());
  }
  std::string text() {
    std::lock_guard<std::mutex> lock(mutex_);
    return text_;
  }
  std::vector<std::string> Lines() {
    const std::string all = text();
    std::vector<std::string> lines;
    size_t start = 0;
    for (size_t end = all.find('\n'); end != std::string::npos;
         start = end + 1, end = all.find('\n', start)) {
      lines.push_back(all.substr(start, end - start));
    }
    return lines;
  }

 private:
  std::mutex mutex_;  // not absl::Mutex: see src/engine/snapshot_slot.h
  std::string text_;
};

class MemorySink : public LogSink {
 public:
  explicit MemorySink(MemoryLog* log) : log_(log) {}
  absl::Status Write(absl::string_view lines) override {
    log_->Append(lines);
    return absl::OkStatus();
  }
  absl::Status Flush() override { return absl::OkStatus(); }

 private:
  MemoryLog* log_;
};

// Hands what the writer writes to a MemoryLog; can hold the writer inside
// Write until released, so a test can fill the queue deterministically.
class RecordingSink : public LogSink {
 public:
  explicit RecordingSink(engine_testing::MemoryLog* recording,
                         absl::Notification* release = nullptr,
                         absl::Notification* entered = nullptr)
      : recording_(recording), release_(release), entered_(entered) {}

  absl::Status Write(absl::string_view lines) override {
    if (entered_ != nullptr && !entered_->HasBeenNotified()) entered_->Notify();
    if (release_ != nullptr) release_->WaitForNotification();
    recording_->Append(lines);
    return absl::OkStatus();
  }
  absl::Status Flush() override { return absl::OkStatus(); }

 private:
  engine_testing::MemoryLog* recording_;
  absl::Notification* release_;
  absl::Notification* entered_;
};

}  // namespace writ::engine_testing

#endif  // WRIT_TESTS_ENGINE_TEST_SUPPORT_H_
