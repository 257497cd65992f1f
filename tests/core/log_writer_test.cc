#include "core/log_writer.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <spdlog/logger.h>

namespace vigil::core {
namespace {

// Records what the writer thread hands it; can hold the writer inside log() until released.
class RecordingSink final : public spdlog::sinks::sink {
 public:
  void log(const spdlog::details::log_msg& msg) override {
    std::unique_lock lock(mutex_);
    records_.emplace_back(msg.payload.data(), msg.payload.size());
    entered_ = true;
    changed_.notify_all();
    changed_.wait(lock, [this] { return !hold_; });
  }
  void flush() override {
    std::lock_guard lock(mutex_);
    ++flushes_;
  }
  void set_pattern(const std::string&) override {}
  void set_formatter(std::unique_ptr<spdlog::formatter>) override {}

  void hold() {
    std::lock_guard lock(mutex_);
    hold_ = true;
  }
  void wait_entered() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return entered_; });
  }
  void release() {
    std::lock_guard lock(mutex_);
    hold_ = false;
    changed_.notify_all();
  }
  std::vector<std::string> records() {
    std::lock_guard lock(mutex_);
    return records_;
  }
  int flushes() {
    std::lock_guard lock(mutex_);
    return flushes_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> records_;
  bool hold_ = false;
  bool entered_ = false;
  int flushes_ = 0;
};

struct Fixture {
  explicit Fixture(std::size_t capacity) : writer(std::make_shared<LogWriter>(capacity)) {
    writer->set_sinks({sink});
    logger = std::make_shared<spdlog::logger>("test", writer);
    logger->set_level(spdlog::level::debug);
  }
  std::shared_ptr<RecordingSink> sink = std::make_shared<RecordingSink>();
  std::shared_ptr<LogWriter> writer;
  std::shared_ptr<spdlog::logger> logger;
};

TEST(LogWriterTest, WritesRecordsInOrderAndStopDrainsTheQueue) {
  Fixture f(16);
  for (int i = 0; i < 10; ++i) f.logger->info("record {}", i);
  f.writer->stop();
  std::vector<std::string> expected;
  for (int i = 0; i < 10; ++i) expected.push_back("record " + std::to_string(i));
  EXPECT_EQ(f.sink->records(), expected);
  EXPECT_EQ(f.writer->dropped(), 0u);
}

TEST(LogWriterTest, LoggingDoesNotWaitForABlockedSink) {
  Fixture f(100);
  f.sink->hold();
  f.logger->info("first");
  f.sink->wait_entered();  // the writer is stuck inside the sink
  // If log() waited for the sink, this would never return and the test would time out.
  for (int i = 0; i < 50; ++i) f.logger->info("queued {}", i);
  f.sink->release();
  f.writer->stop();
  auto records = f.sink->records();
  ASSERT_EQ(records.size(), 51u);
  EXPECT_EQ(records.front(), "first");
  EXPECT_EQ(records.back(), "queued 49");
}

TEST(LogWriterTest, AFullQueueDropsTheOldestRecordsAndCountsThem) {
  Fixture f(4);
  f.sink->hold();
  f.logger->info("first");
  f.sink->wait_entered();
  for (int i = 0; i < 7; ++i) f.logger->info("queued {}", i);
  EXPECT_EQ(f.writer->dropped(), 3u);
  f.sink->release();
  f.writer->stop();
  EXPECT_EQ(f.sink->records(),
            (std::vector<std::string>{"first", "queued 3", "queued 4", "queued 5", "queued 6"}));
}

TEST(LogWriterTest, SinkLevelsFilterAndOnlyInfoOrAboveFlushes) {
  Fixture f(16);
  auto quiet = std::make_shared<RecordingSink>();
  quiet->set_level(spdlog::level::warn);
  f.writer->set_sinks({f.sink, quiet});
  f.sink->hold();
  f.logger->debug("debug 1");
  f.sink->wait_entered();
  f.logger->debug("debug 2");
  f.sink->release();
  f.writer->stop();
  EXPECT_EQ(f.sink->records(), (std::vector<std::string>{"debug 1", "debug 2"}));
  EXPECT_EQ(f.sink->flushes(), 0);  // debug records wait for the next flush
  EXPECT_TRUE(quiet->records().empty());

  Fixture g(16);
  g.writer->set_sinks({g.sink, quiet});
  g.logger->warn("warning");
  g.writer->stop();
  EXPECT_EQ(g.sink->records(), std::vector<std::string>{"warning"});
  EXPECT_EQ(quiet->records(), std::vector<std::string>{"warning"});
  EXPECT_GE(g.sink->flushes(), 1);
}

TEST(LogWriterTest, RecordsAfterStopAreDropped) {
  Fixture f(16);
  f.writer->stop();
  f.logger->error("too late");
  f.writer->stop();  // idempotent
  EXPECT_TRUE(f.sink->records().empty());
}

}  // namespace
}  // namespace vigil::core
