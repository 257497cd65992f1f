#include "daemon/reload.h"

#include <exception>
#include <sstream>
#include <utility>

#include <boost/asio/post.hpp>

#include "core/logging.h"
#include "daemon/config_check.h"
#include "daemon/services.h"

namespace vigil::daemon {

Reloader::Reloader(const Options& options, Services& services,
                   std::shared_ptr<const config::Config> running, WallTime loaded)
    : options_(options),
      services_(services),
      running_(std::move(running)),
      parse_options_(parse_options_for(options)) {
  status_.file = options.config_file;
  status_.loaded_at = loaded;
}

Reloader::~Reloader() {
  if (worker_.joinable()) worker_.join();
}

ReloadRecord Reloader::parse(std::string_view trigger, parser::ParseResult& result) const {
  result = parser::parse_config_file(options_.config_file, parse_options_);
  ReloadRecord r;
  r.at = std::chrono::system_clock::now();
  r.trigger = trigger;
  r.errors = result.diagnostics.error_count();
  r.warnings = result.diagnostics.warning_count();
  r.exit_code = static_cast<int>(result.exit_code());
  // The same lines as `vigild -t`.
  std::ostringstream text;
  print_diagnostics(result, text);
  std::istringstream lines(text.str());
  for (std::string line; std::getline(lines, line);) r.diagnostics.push_back(std::move(line));
  return r;
}

ReloadRecord Reloader::check() const {
  parser::ParseResult result;
  return parse("check", result);
}

ReloadRecord Reloader::reload(std::string_view trigger) {
  core::logger("daemon")->info("Reloading configuration {} ({})", options_.config_file, trigger);
  if (hooks_.begin) hooks_.begin();
  parser::ParseResult next;
  ReloadRecord r = parse(trigger, next);
  apply(next, r);
  return r;
}

void Reloader::reload_in_background(boost::asio::io_context& io, std::string trigger, Done done) {
  if (abandoned_) return;
  if (parsing_) {
    again_ = std::move(trigger);
    if (done) again_waiting_.push_back(std::move(done));
    return;
  }
  std::vector<Done> waiting;
  if (done) waiting.push_back(std::move(done));
  start_parse(io, std::move(trigger), std::move(waiting));
}

void Reloader::start_parse(boost::asio::io_context& io, std::string trigger,
                           std::vector<Done> waiting) {
  core::logger("daemon")->info("Reloading configuration {} ({})", options_.config_file, trigger);
  if (hooks_.begin) hooks_.begin();
  parsing_ = true;
  if (worker_.joinable()) worker_.join();
  worker_ = std::thread([this, &io, trigger = std::move(trigger),
                         waiting = std::move(waiting)]() mutable {
    auto next = std::make_shared<parser::ParseResult>();
    auto r = std::make_shared<ReloadRecord>();
    try {
      *r = parse(trigger, *next);
    } catch (const std::exception& e) {
      // Out of memory and the like: refused like a file with errors, the loop is told.
      *next = parser::ParseResult{};
      next->diagnostics.error({}, std::string("cannot read the configuration: ") + e.what());
      r->at = std::chrono::system_clock::now();
      r->trigger = trigger;
      r->errors = 1;
      r->exit_code = static_cast<int>(parser::ExitCode::kConfigError);
      r->diagnostics.push_back(std::string("error: cannot read the configuration: ") + e.what());
    }
    boost::asio::post(io, [this, &io, next, r, waiting = std::move(waiting)] {
      if (worker_.joinable()) worker_.join();
      parsing_ = false;
      if (abandoned_) return;
      apply(*next, *r);
      for (const Done& d : waiting) d(*r);
      if (again_) {
        std::string trigger = std::move(*again_);
        again_.reset();
        start_parse(io, std::move(trigger), std::exchange(again_waiting_, {}));
      }
    });
  });
}

void Reloader::apply(parser::ParseResult& next, ReloadRecord& r) {
  auto log = core::logger("daemon");
  log_diagnostics(next, *log);
  if (next.diagnostics.has_errors()) {
    log->error("reload refused: {} error(s) in {}; keeping the running configuration",
               next.diagnostics.error_count(), options_.config_file);
    ++status_.reloads_refused;
  } else {
    running_ = std::make_shared<const config::Config>(std::move(next.config));
    if (!hooks_.applies || hooks_.applies()) services_.reload(running_);
    log->info("Reloaded configuration {}", options_.config_file);
    r.applied = true;
    status_.loaded_at = r.at;
    ++status_.reloads_applied;
  }
  status_.last_reload = r;
  if (hooks_.end) hooks_.end(r);
}

}  // namespace vigil::daemon
