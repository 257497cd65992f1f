#pragma once

// Reload and configuration check, the one path that SIGHUP and the control socket share: parse
// the whole file first; with any error keep running the old configuration and say why;
// otherwise hand the new one to the subsystems (Services::reload applies the difference). The
// result of the last reload and the running configuration's load time are kept for status.

#include <memory>
#include <string_view>

#include "daemon/options.h"
#include "daemon/status_model.h"
#include "parser/parse.h"

namespace vigil::daemon {

class Services;

class Reloader {
 public:
  // `loaded` is when the running configuration (already given to `services`) was read.
  Reloader(const Options& options, Services& services, WallTime loaded);

  // Parses the configuration file and applies it when it has no errors. Runs on the event loop.
  ReloadRecord reload(std::string_view trigger);
  // Parses the configuration file as a reload would, in the daemon's namespace and with its
  // options, and changes nothing.
  ReloadRecord check() const;

  const ConfigStatus& status() const { return status_; }

 private:
  ReloadRecord parse(std::string_view trigger, parser::ParseResult& result) const;

  const Options& options_;
  Services& services_;
  parser::ParseOptions parse_options_;
  ConfigStatus status_;
};

}  // namespace vigil::daemon
