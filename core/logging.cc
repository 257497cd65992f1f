#include "core/logging.h"

#include <syslog.h>

#include <mutex>
#include <unordered_map>
#include <vector>

#include <spdlog/async.h>
#include <spdlog/async_logger.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/syslog_sink.h>
#include <spdlog/spdlog.h>

namespace vigil::core {
namespace {

struct State {
  std::mutex mutex;
  std::shared_ptr<spdlog::details::thread_pool> pool;
  std::vector<spdlog::sink_ptr> sinks;
  spdlog::level::level_enum level = spdlog::level::info;
  std::unordered_map<std::string, std::shared_ptr<spdlog::logger>> loggers;
};

State& state() {
  static State s;
  return s;
}

std::shared_ptr<spdlog::logger> make_logger(State& s, const std::string& name) {
  auto l = std::make_shared<spdlog::async_logger>(name, s.sinks.begin(), s.sinks.end(), s.pool,
                                                  spdlog::async_overflow_policy::overrun_oldest);
  l->set_level(s.level);
  // The writer thread flushes after every record of info and above, so that state changes
  // reach the log file (or the journal's pipe) at once, even if the daemon is killed; the loop
  // never waits for it. Debug records are flushed with the next one.
  l->flush_on(spdlog::level::info);
  return l;
}

}  // namespace

void setup_logging(const LogOptions& options) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  if (!s.pool) s.pool = std::make_shared<spdlog::details::thread_pool>(options.queue_size, 1);
  s.sinks.clear();
  if (options.console) {
    auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    sink->set_pattern("%Y-%m-%d %H:%M:%S.%e %n: %v");
    s.sinks.push_back(sink);
  }
  if (options.syslog) {
    auto sink = std::make_shared<spdlog::sinks::syslog_sink_mt>(options.ident, LOG_PID,
                                                                options.syslog_facility, false);
    sink->set_pattern("%n: %v");
    s.sinks.push_back(sink);
  }
  if (s.sinks.empty()) s.sinks.push_back(std::make_shared<spdlog::sinks::null_sink_mt>());
  s.level = options.detail ? spdlog::level::debug : spdlog::level::info;
  for (auto& [name, l] : s.loggers) {
    l->sinks() = s.sinks;
    l->set_level(s.level);
  }
}

void shutdown_logging() {
  State& s = state();
  std::lock_guard lock(s.mutex);
  for (auto& [name, l] : s.loggers) l->flush();
  s.loggers.clear();
  s.pool.reset();  // joins the worker after it drained the queue
}

std::shared_ptr<spdlog::logger> logger(std::string_view component) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  std::string name(component);
  auto it = s.loggers.find(name);
  if (it != s.loggers.end()) return it->second;
  if (!s.pool) {
    // Logging used before setup (tests): default to a quiet stderr logger.
    s.pool = std::make_shared<spdlog::details::thread_pool>(kDefaultLogQueueSize, 1);
    s.sinks = {std::make_shared<spdlog::sinks::stderr_sink_mt>()};
    s.level = spdlog::level::warn;
  }
  auto l = make_logger(s, name);
  s.loggers.emplace(name, l);
  return l;
}

std::size_t dropped_log_records() {
  State& s = state();
  std::lock_guard lock(s.mutex);
  return s.pool ? s.pool->overrun_counter() : 0;
}

bool parse_syslog_facility(std::string_view text, int& facility) {
  static constexpr int kLocal[] = {LOG_LOCAL0, LOG_LOCAL1, LOG_LOCAL2, LOG_LOCAL3,
                                   LOG_LOCAL4, LOG_LOCAL5, LOG_LOCAL6, LOG_LOCAL7};
  if (text.size() == 1 && text[0] >= '0' && text[0] <= '7') {
    facility = kLocal[text[0] - '0'];
    return true;
  }
  if (text.size() == 6 && text.substr(0, 5) == "local" && text[5] >= '0' && text[5] <= '7') {
    facility = kLocal[text[5] - '0'];
    return true;
  }
  if (text == "user") {
    facility = LOG_USER;
    return true;
  }
  if (text == "daemon") {
    facility = LOG_DAEMON;
    return true;
  }
  return false;
}

}  // namespace vigil::core
