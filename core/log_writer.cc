#include "core/log_writer.h"

#include <pthread.h>
#include <signal.h>

#include <utility>

namespace vigil::core {

LogWriter::LogWriter(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {
  // Signals belong to the event loop's thread: the writer starts with all of them blocked.
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  thread_ = std::thread([this] { run(); });
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  pthread_setname_np(thread_.native_handle(), "vigild-log");
}

LogWriter::~LogWriter() { stop(); }

void LogWriter::set_sinks(std::vector<spdlog::sink_ptr> sinks) {
  std::lock_guard lock(mutex_);
  sinks_ = std::move(sinks);
}

void LogWriter::log(const spdlog::details::log_msg& msg) {
  bool was_empty;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    if (queue_.size() >= capacity_) {
      queue_.pop_front();
      ++dropped_;
    }
    was_empty = queue_.empty();
    queue_.emplace_back(msg);
  }
  // The writer waits only on an empty queue; while it writes a batch it finds new records when
  // it comes back for the next one.
  if (was_empty) wake_.notify_one();
}

void LogWriter::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

std::size_t LogWriter::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

void LogWriter::run() {
  std::deque<spdlog::details::log_msg_buffer> batch;
  std::vector<spdlog::sink_ptr> sinks;
  std::unique_lock lock(mutex_);
  for (;;) {
    // No timeout: an idle daemon's writer never wakes.
    wake_.wait(lock, [this] { return !queue_.empty() || stopping_; });
    if (queue_.empty()) return;  // stopping, and everything is written
    batch.swap(queue_);
    sinks = sinks_;
    lock.unlock();
    bool flush = false;
    for (const auto& record : batch) {
      flush = flush || record.level >= spdlog::level::info;
      for (const auto& sink : sinks) {
        if (!sink->should_log(record.level)) continue;
        // A sink that throws (a closed stderr, say) loses that record only.
        try {
          sink->log(record);
        } catch (...) {
        }
      }
    }
    if (flush) {
      for (const auto& sink : sinks) {
        try {
          sink->flush();
        } catch (...) {
        }
      }
    }
    batch.clear();
    sinks.clear();
    lock.lock();
  }
}

}  // namespace vigil::core
