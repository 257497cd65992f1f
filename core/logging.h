#pragma once

// Logging that never blocks the event loop. Records go to a bounded queue drained by one
// background thread (core/log_writer.h); when the queue is full the oldest record is dropped
// and counted, so a slow console or a missing /dev/log (syslog() then falls back to the
// console) can never stall a VRRP takeover, as keepalived's synchronous logging does.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <spdlog/logger.h>

namespace vigil::core {

inline constexpr std::size_t kDefaultLogQueueSize = 1024;

struct LogOptions {
  bool console = false;          // -l: log to stderr
  bool syslog = true;            // off with -G
  int syslog_facility = 3 << 3;  // LOG_DAEMON; -S chooses another
  bool detail = false;           // -D: debug level
  std::string ident = "vigild";
  // Records waiting for the writer thread (about 400 bytes each, taken only while they wait).
  // 1024 hold the log burst of a takeover of 250 instances (about 4 lines each); past that the
  // oldest records are dropped and counted (dropped_log_records), never blocking the event loop.
  std::size_t queue_size = kDefaultLogQueueSize;
};

// Installs the sinks for every component logger. Call once at start (again to change options).
void setup_logging(const LogOptions& options);
// Flushes and stops the background thread; call before exit.
void shutdown_logging();

// A component logger ("vrrp", "checker", "ipvs", "daemon", ...); its name prefixes records.
std::shared_ptr<spdlog::logger> logger(std::string_view component);

// Records dropped because the queue was full since start.
std::size_t dropped_log_records();

// Parses keepalived's -S values: 0..7 (LOG_LOCAL0..7), local0..local7, user, daemon.
bool parse_syslog_facility(std::string_view text, int& facility);

}  // namespace vigil::core
