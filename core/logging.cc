#include "core/logging.h"

#include <syslog.h>

#include <mutex>
#include <unordered_map>
#include <vector>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/syslog_sink.h>
#include <spdlog/spdlog.h>

#include "core/log_writer.h"

namespace vigil::core {
namespace {

struct State {
  std::mutex mutex;
  std::shared_ptr<LogWriter> writer;
  spdlog::level::level_enum level = spdlog::level::info;
  std::unordered_map<std::string, std::shared_ptr<spdlog::logger>> loggers;
};

State& state() {
  static State s;
  return s;
}

std::shared_ptr<spdlog::logger> make_logger(State& s, const std::string& name) {
  // Synchronous as far as spdlog knows: its only sink is the hand-off to the writer thread.
  auto l = std::make_shared<spdlog::logger>(name, s.writer);
  l->set_level(s.level);
  return l;
}

}  // namespace

void setup_logging(const LogOptions& options) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  if (!s.writer) s.writer = std::make_shared<LogWriter>(options.queue_size);
  // The sinks run only on the writer thread, hence the single-threaded variants.
  std::vector<spdlog::sink_ptr> sinks;
  if (options.console) {
    auto sink = std::make_shared<spdlog::sinks::stderr_sink_st>();
    sink->set_pattern("%Y-%m-%d %H:%M:%S.%e %n: %v");
    sinks.push_back(sink);
  }
  if (options.syslog) {
    auto sink = std::make_shared<spdlog::sinks::syslog_sink_st>(options.ident, LOG_PID,
                                                                options.syslog_facility, false);
    sink->set_pattern("%n: %v");
    sinks.push_back(sink);
  }
  s.writer->set_sinks(std::move(sinks));
  s.level = options.detail ? spdlog::level::debug : spdlog::level::info;
  for (auto& [name, l] : s.loggers) l->set_level(s.level);
}

void shutdown_logging() {
  State& s = state();
  std::lock_guard lock(s.mutex);
  s.loggers.clear();
  if (s.writer) s.writer->stop();  // writes what is queued, then joins the writer
  s.writer.reset();
}

std::shared_ptr<spdlog::logger> logger(std::string_view component) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  std::string name(component);
  auto it = s.loggers.find(name);
  if (it != s.loggers.end()) return it->second;
  if (!s.writer) {
    // Logging used before setup (tests): default to a quiet stderr logger.
    s.writer = std::make_shared<LogWriter>(kDefaultLogQueueSize);
    s.writer->set_sinks({std::make_shared<spdlog::sinks::stderr_sink_st>()});
    s.level = spdlog::level::warn;
  }
  auto l = make_logger(s, name);
  s.loggers.emplace(name, l);
  return l;
}

std::size_t dropped_log_records() {
  State& s = state();
  std::lock_guard lock(s.mutex);
  return s.writer ? s.writer->dropped() : 0;
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
