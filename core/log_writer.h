#pragma once

// The hand-off between the threads that log and the one thread that writes: an spdlog sink that
// copies each record into a bounded queue and returns, and a writer thread that feeds the queued
// records to the real sinks (stderr, syslog). A slow console or a syslog() that falls back to
// the console stalls only the writer, never the event loop (keepalived stalled ~15 ms per
// takeover writing synchronously).
//
// spdlog's own async logger does the same but, in Debian's 1.10, its worker wakes every 10 s
// when idle and its queue constructs all its slots up front (408 bytes each, 400 KB for 1,024).
// Here the writer sleeps until there is a record, and queue memory is taken only as records
// arrive: an idle backup director does not wake at all between adverts.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/details/log_msg_buffer.h>
#include <spdlog/sinks/sink.h>

namespace vigil::core {

class LogWriter final : public spdlog::sinks::sink {
 public:
  // At most `capacity` records wait; past that the oldest is dropped and counted.
  explicit LogWriter(std::size_t capacity);
  ~LogWriter() override;  // stop()
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;

  // The sinks records are written to, from the writer thread; records already queued go to the
  // new set.
  void set_sinks(std::vector<spdlog::sink_ptr> sinks);

  // spdlog::sinks::sink, from any thread. log() never waits for a write.
  void log(const spdlog::details::log_msg& msg) override;
  // Does nothing: the writer flushes the sinks after each batch that holds a record of info
  // or above (state changes reach the file or the journal's pipe at once); stop() drains.
  void flush() override {}
  // The real sinks carry the patterns.
  void set_pattern(const std::string&) override {}
  void set_formatter(std::unique_ptr<spdlog::formatter>) override {}

  // Writes what is queued, then ends the writer thread. Records logged afterwards are dropped.
  void stop();

  std::size_t dropped() const;

 private:
  void run();

  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<spdlog::details::log_msg_buffer> queue_;
  std::vector<spdlog::sink_ptr> sinks_;
  std::size_t dropped_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace vigil::core
