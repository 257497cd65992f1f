#pragma once

// Reload and configuration check, the one path that SIGHUP and the control socket share: parse
// the whole file first; with any error keep running the old configuration and say why;
// otherwise hand the new one to the subsystems (Services::reload applies the difference). The
// result of the last reload and the running configuration's load time are kept for status.

#include <functional>
#include <memory>
#include <string_view>

#include "daemon/options.h"
#include "daemon/status_model.h"
#include "parser/parse.h"

namespace vigil::daemon {

class Services;

class Reloader {
 public:
  // What the host adds around a reload: `applies` says whether the subsystems run yet (before
  // that a valid file only replaces the configuration they will start with); `begin` and `end`
  // frame every attempt (systemd's RELOADING=1 / READY=1).
  struct Hooks {
    std::function<bool()> applies;
    std::function<void()> begin;
    std::function<void(const ReloadRecord&)> end;
  };

  // `running` is the configuration read at start, `loaded` when it was read.
  Reloader(const Options& options, Services& services,
           std::shared_ptr<const config::Config> running, WallTime loaded);
  void set_hooks(Hooks hooks) { hooks_ = std::move(hooks); }

  // Parses the configuration file and applies it when it has no errors. Runs on the event loop.
  ReloadRecord reload(std::string_view trigger);
  // Parses the configuration file as a reload would, in the daemon's namespace and with its
  // options, and changes nothing.
  ReloadRecord check() const;

  const ConfigStatus& status() const { return status_; }
  // The running configuration: the last one that parsed without errors.
  const std::shared_ptr<const config::Config>& config() const { return running_; }

 private:
  ReloadRecord parse(std::string_view trigger, parser::ParseResult& result) const;

  const Options& options_;
  Services& services_;
  std::shared_ptr<const config::Config> running_;
  Hooks hooks_;
  parser::ParseOptions parse_options_;
  ConfigStatus status_;
};

}  // namespace vigil::daemon
