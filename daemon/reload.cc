#include "daemon/reload.h"

#include <sstream>

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
  auto log = core::logger("daemon");
  log->info("Reloading configuration {} ({})", options_.config_file, trigger);
  if (hooks_.begin) hooks_.begin();
  parser::ParseResult next;
  ReloadRecord r = parse(trigger, next);
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
  return r;
}

}  // namespace vigil::daemon
