#include "writ/decision_log.h"

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/engine/test_support.h"

namespace writ {
namespace {

using testing::ElementsAre;
using testing::HasSubstr;
using engine_testing::RecordingSink;

class FailingSink : public LogSink {
 public:
  absl::Status Write(absl::string_view) override {
    return absl::UnavailableError("disk full");
  }
  absl::Status Flush() override { return absl::OkStatus(); }
};

TEST(DecisionLogTest, WritesSubmittedLinesInOrder) {
  engine_testing::MemoryLog recording;
  DecisionLog log(std::make_unique<RecordingSink>(&recording));
  for (std::string line : {"one", "two", "three"}) ASSERT_TRUE(log.Submit(&line));
  log.Flush();
  EXPECT_THAT(recording.Lines(), ElementsAre("one", "two", "three"));
  EXPECT_EQ(log.stats().written, 3u);
  EXPECT_EQ(log.stats().submitted, 3u);
}

// Threads may share a ring or have one each; either way nothing is lost
// and each thread's records keep their order.
TEST(DecisionLogTest, EachThreadsLinesAreWrittenInTheOrderItSubmittedThem) {
  constexpr int kThreads = 5;
  constexpr int kLinesPerThread = 400;
  engine_testing::MemoryLog recording;
  DecisionLog log(std::make_unique<RecordingSink>(&recording));
  std::vector<std::thread> threads;
  for (int thread = 0; thread < kThreads; ++thread) {
    threads.emplace_back([&log, thread] {
      for (int i = 0; i < kLinesPerThread; ++i) {
        std::string line = std::to_string(thread) + " " + std::to_string(i);
        EXPECT_TRUE(log.Submit(&line));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  log.Flush();
  std::vector<int> next(kThreads, 0);
  for (const std::string& line : recording.Lines()) {
    const int thread = std::stoi(line.substr(0, line.find(' ')));
    const int index = std::stoi(line.substr(line.find(' ') + 1));
    ASSERT_EQ(index, next[thread]) << line;
    ++next[thread];
  }
  EXPECT_THAT(next, testing::Each(kLinesPerThread));
  EXPECT_EQ(log.stats().submitted, uint64_t{kThreads * kLinesPerThread});
  EXPECT_EQ(log.stats().written, uint64_t{kThreads * kLinesPerThread});
}

// A thread that found every ring taken submits into the shared ring; when
// a ring's owner exits, the thread's next records go into that ring, and
// still come out after the ones it queued in the shared ring. (One ring to
// claim: a 256-record queue has one.) The writer is held in its sink so
// that both sets of records are drained in one round.
TEST(DecisionLogTest, AThreadMovingFromTheSharedRingToAFreedOneKeepsItsOrder) {
  absl::Notification release;
  absl::Notification entered;
  engine_testing::MemoryLog recording;
  DecisionLogOptions options;
  options.queue_capacity = 256;
  options.max_delay = std::chrono::milliseconds(1);
  DecisionLog log(std::make_unique<RecordingSink>(&recording, &release, &entered), options);
  absl::Notification owner_may_exit;
  std::thread owner([&] {
    std::string line = "owner";
    EXPECT_TRUE(log.Submit(&line));  // claims the one ring
    owner_may_exit.WaitForNotification();
  });
  entered.WaitForNotification();  // the writer holds "owner" in the sink
  std::vector<std::string> expected = {"owner"};
  const auto submit_ten = [&] {
    for (int i = 0; i < 10; ++i) {
      std::string line = "main " + std::to_string(expected.size());
      expected.push_back(line);
      ASSERT_TRUE(log.Submit(&line));
    }
  };
  submit_ten();  // into the shared ring
  owner_may_exit.Notify();
  owner.join();
  submit_ten();  // into the ring the owner let go of
  release.Notify();
  log.Flush();
  EXPECT_EQ(recording.Lines(), expected);
}

TEST(DecisionLogTest, SubmitHandsBackABufferToReuse) {
  engine_testing::MemoryLog recording;
  DecisionLog log(std::make_unique<RecordingSink>(&recording));
  std::string line = "record";
  ASSERT_TRUE(log.Submit(&line));
  // The caller's string now holds a ring buffer, not the submitted record.
  EXPECT_NE(line, "record");
}

TEST(DecisionLogTest, FullQueueDropsCountsAndLogsTheCountWhenThereIsRoom) {
  absl::Notification release;
  absl::Notification entered;
  engine_testing::MemoryLog recording;
  auto sink = std::make_unique<RecordingSink>(&recording, &release, &entered);
  DecisionLogOptions options;
  options.queue_capacity = 2;
  {
    DecisionLog log(std::move(sink), options);
    std::string first = "first";
    ASSERT_TRUE(log.Submit(&first));
    entered.WaitForNotification();  // the writer holds "first" in Write
    std::string a = "a", b = "b", c = "c", d = "d";
    EXPECT_TRUE(log.Submit(&a));
    EXPECT_TRUE(log.Submit(&b));
    EXPECT_FALSE(log.Submit(&c));  // the ring (2) is full
    EXPECT_FALSE(log.Submit(&d));
    EXPECT_EQ(log.stats().dropped, 2u);
    release.Notify();
    log.Flush();
  }
  std::vector<std::string> lines = recording.Lines();
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], "first");
  EXPECT_EQ(lines[1], "a");
  EXPECT_EQ(lines[2], "b");
  EXPECT_THAT(lines[3], HasSubstr(R"({"dropped":2,"timestamp":")"));
}

TEST(DecisionLogTest, AQuietLogIsWrittenWithinItsMaxDelayWithoutAFlush) {
  // One record never reaches the queue's wake-up size (an eighth of 8192):
  // the writer's own max_delay round must still write it.
  engine_testing::MemoryLog recording;
  DecisionLogOptions options;
  options.max_delay = std::chrono::milliseconds(5);
  DecisionLog log(std::make_unique<RecordingSink>(&recording), options);
  std::string line = "lonely";
  ASSERT_TRUE(log.Submit(&line));
  // Generous bound: this asserts that it happens, not how fast.
  for (int i = 0; i < 1000 && recording.text().empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(recording.text(), "lonely\n");
}

// The process's CPU time, user and system.
std::chrono::microseconds ProcessCpuTime() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return std::chrono::seconds(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         std::chrono::microseconds(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
}

// A max_delay of 0 or less is taken as 1 ms. Taken as given, each of the
// writer's waits returned at once and it spun a core while the queue sat
// empty: a 400 ms idle stretch cost ~400 ms of CPU. This bounds what the
// process spends, not how fast anything is: with 1 ms rounds it is a few
// milliseconds, and a spinning writer exceeds the bound unless another
// process takes most of its core.
TEST(DecisionLogTest, AZeroOrNegativeMaxDelayDoesNotSpinTheWriter) {
  for (const int delay : {0, -5}) {
    engine_testing::MemoryLog recording;
    DecisionLogOptions options;
    options.max_delay = std::chrono::milliseconds(delay);
    DecisionLog log(std::make_unique<RecordingSink>(&recording), options);
    std::string line = "written";
    ASSERT_TRUE(log.Submit(&line));
    const std::chrono::microseconds before = ProcessCpuTime();
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    EXPECT_LT(ProcessCpuTime() - before, std::chrono::milliseconds(150)) << delay;
    EXPECT_EQ(recording.text(), "written\n") << delay;
  }
}

TEST(DecisionLogTest, DestructionWritesWhatIsQueued) {
  engine_testing::MemoryLog recording;
  {
    DecisionLog log(std::make_unique<RecordingSink>(&recording));
    for (int i = 0; i < 100; ++i) {
      std::string line = std::to_string(i);
      ASSERT_TRUE(log.Submit(&line));
    }
  }
  EXPECT_EQ(recording.Lines().size(), 100u);
}

// A file sink buffers what Write gives it; on a full disk the flush fails
// and the batch is lost: not counted as written.
TEST(DecisionLogTest, ABatchWhoseFlushFailsIsNotCountedAsWritten) {
  class FlushFails : public LogSink {
   public:
    absl::Status Write(absl::string_view) override { return absl::OkStatus(); }
    absl::Status Flush() override { return absl::ResourceExhaustedError("no space"); }
  };
  DecisionLog log(std::make_unique<FlushFails>());
  std::string line = "x";
  ASSERT_TRUE(log.Submit(&line));
  log.Flush();
  EXPECT_EQ(log.stats().written, 0u);
  EXPECT_EQ(log.stats().sink_errors, 1u);
}

TEST(DecisionLogTest, SinkErrorsAreCountedAndTheWriterGoesOn) {
  DecisionLog log(std::make_unique<FailingSink>());
  std::string line = "x";
  ASSERT_TRUE(log.Submit(&line));
  log.Flush();
  line = "y";
  ASSERT_TRUE(log.Submit(&line));
  log.Flush();
  EXPECT_EQ(log.stats().sink_errors, 2u);
  EXPECT_EQ(log.stats().written, 0u);
}

class FileSinkTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("writ-file-sink-" + std::to_string(::getpid()) + "-" +
            testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  static std::string Read(const std::string& path) {
    std::ifstream stream(path);
    return std::string(std::istreambuf_iterator<char>(stream), {});
  }

  std::filesystem::path dir_;
};

TEST_F(FileSinkTest, AppendsToAnExistingFile) {
  const std::string path = Path("log.jsonl");
  std::ofstream(path) << "old\n";
  absl::StatusOr<std::unique_ptr<LogSink>> sink = OpenFileSink({.path = path});
  ASSERT_TRUE(sink.ok()) << sink.status();
  ASSERT_TRUE((*sink)->Write("new\n").ok());
  ASSERT_TRUE((*sink)->Flush().ok());
  EXPECT_EQ(Read(path), "old\nnew\n");
}

TEST_F(FileSinkTest, RotatesBeforeExceedingTheSizeLimit) {
  const std::string path = Path("log.jsonl");
  FileSinkOptions options{.path = path, .max_bytes = 10, .max_rotated_files = 2};
  absl::StatusOr<std::unique_ptr<LogSink>> sink = OpenFileSink(options);
  ASSERT_TRUE(sink.ok());
  for (const char* batch : {"aaaaaa\n", "bbbbbb\n", "cccccc\n", "dddddd\n"}) {
    ASSERT_TRUE((*sink)->Write(batch).ok());
  }
  ASSERT_TRUE((*sink)->Flush().ok());
  EXPECT_EQ(Read(path), "dddddd\n");
  EXPECT_EQ(Read(path + ".1"), "cccccc\n");
  EXPECT_EQ(Read(path + ".2"), "bbbbbb\n");
  EXPECT_FALSE(std::filesystem::exists(path + ".3"));  // "aaaaaa" fell off
}

TEST_F(FileSinkTest, FsyncModeWritesThrough) {
  const std::string path = Path("log.jsonl");
  absl::StatusOr<std::unique_ptr<LogSink>> sink =
      OpenFileSink({.path = path, .sync = FileSync::kFsync});
  ASSERT_TRUE(sink.ok());
  ASSERT_TRUE((*sink)->Write("x\n").ok());
  ASSERT_TRUE((*sink)->Flush().ok());
  EXPECT_EQ(Read(path), "x\n");  // visible before the sink is closed
}

TEST_F(FileSinkTest, UnopenablePathIsAnError) {
  absl::StatusOr<std::unique_ptr<LogSink>> sink =
      OpenFileSink({.path = Path("missing-dir/log.jsonl")});
  EXPECT_FALSE(sink.ok());
  EXPECT_THAT(std::string(sink.status().message()), HasSubstr("missing-dir"));
}

}  // namespace
}  // namespace writ
