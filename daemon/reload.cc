#include "daemon/reload.h"

#include <pthread.h>
#include <signal.h>

#include <sstream>
#include <utility>

#include <boost/asio/post.hpp>

#include "core/logging.h"
#include "daemon/config_check.h"
#include "daemon/services.h"

namespace vigil::daemon {

namespace {

// Everything but the loop's own work: read, parse and validate the file, format the
// diagnostics as `vigild -t` does and log them, and build the shared configuration (its
// destruction, if it is refused, happens here too).
ReloadRecord parse_file(const std::string& file, const parser::ParseOptions& options, bool keep,
                        std::shared_ptr<const config::Config>& config) {
  parser::ParseResult result = parser::parse_config_file(file, options);
  ReloadRecord r;
  r.at = std::chrono::system_clock::now();
  r.errors = result.diagnostics.error_count();
  r.warnings = result.diagnostics.warning_count();
  r.exit_code = static_cast<int>(result.exit_code());
  std::ostringstream text;
  print_diagnostics(result, text);
  std::istringstream lines(text.str());
  for (std::string line; std::getline(lines, line);) r.diagnostics.push_back(std::move(line));
  if (keep) {
    log_diagnostics(result, *core::logger("daemon"));
    if (!result.diagnostics.has_errors()) {
      config = std::make_shared<const config::Config>(std::move(result.config));
    }
  }
  return r;
}

}  // namespace

Reloader::Reloader(boost::asio::io_context& io, const Options& options, Services& services,
                   WallTime loaded)
    : io_(io), options_(options), services_(services), parse_options_(parse_options_for(options)) {
  status_.file = options.config_file;
  status_.loaded_at = loaded;
  boost::asio::post(worker_, [] {
    // The daemon's signals belong to the loop's thread (daemon.cc); named for `top -H`.
    sigset_t set;
    ::sigemptyset(&set);
    for (int s : {SIGTERM, SIGINT, SIGHUP}) ::sigaddset(&set, s);
    ::pthread_sigmask(SIG_BLOCK, &set, nullptr);
    ::pthread_setname_np(::pthread_self(), "vigild-reload");
  });
}

Reloader::~Reloader() {
  *alive_ = false;
  worker_.join();
}

void Reloader::reload(std::string trigger, Done done) {
  queued_.push_back(Request{true, std::move(trigger), std::move(done)});
  if (!parsing_) start_next();
}

void Reloader::check(Done done) {
  queued_.push_back(Request{false, "check", std::move(done)});
  if (!parsing_) start_next();
}

void Reloader::start_next() {
  if (queued_.empty()) return;
  std::vector<Request> batch = std::move(queued_);
  queued_.clear();
  bool apply = false;
  for (const Request& r : batch) apply = apply || r.apply;
  if (apply) {
    std::string triggers;
    for (const Request& r : batch) {
      if (!r.apply || triggers.find(r.trigger) != std::string::npos) continue;
      triggers += (triggers.empty() ? "" : ", ") + r.trigger;
    }
    core::logger("daemon")->info("Reloading configuration {} ({})", options_.config_file, triggers);
  }
  parsing_ = true;
  boost::asio::post(worker_, [this, alive = alive_, file = options_.config_file,
                              options = parse_options_, apply, batch = std::move(batch)]() mutable {
    Parsed parsed;
    parsed.record = parse_file(file, options, apply, parsed.config);
    // Back on the loop. The Reloader is gone when `alive` says so (only on the loop's thread).
    boost::asio::post(
        io_, [this, alive, batch = std::move(batch), parsed = std::move(parsed)]() mutable {
          if (*alive) finish(std::move(batch), std::move(parsed));
        });
  });
}

void Reloader::finish(std::vector<Request> batch, Parsed parsed) {
  ReloadRecord& r = parsed.record;
  bool reloaded = false;
  for (const Request& q : batch) {
    if (!q.apply) continue;
    if (!reloaded) r.trigger = q.trigger;
    reloaded = true;
  }
  if (reloaded) {
    auto log = core::logger("daemon");
    if (!parsed.config) {
      log->error("reload refused: {} error(s) in {}; keeping the running configuration", r.errors,
                 options_.config_file);
      ++status_.reloads_refused;
    } else {
      // The only part of a reload on the loop: the subsystems apply the difference.
      services_.reload(std::move(parsed.config));
      log->info("Reloaded configuration {}", options_.config_file);
      r.applied = true;
      status_.loaded_at = r.at;
      ++status_.reloads_applied;
    }
    status_.last_reload = r;
  }
  parsing_ = false;
  start_next();
  // Each answer in a turn of its own: a caller may ask again from its callback.
  for (Request& q : batch) {
    if (!q.done) continue;
    ReloadRecord answer = r;
    if (!q.apply) {
      answer.trigger = q.trigger;
      answer.applied = false;
    }
    boost::asio::post(io_,
                      [done = std::move(q.done), answer = std::move(answer)] { done(answer); });
  }
}

}  // namespace vigil::daemon
