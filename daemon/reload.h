#pragma once

// Reload and configuration check, the one path that SIGHUP and the control socket share: parse
// the whole file first; with any error keep running the old configuration and say why;
// otherwise hand the new one to the subsystems (Services::reload applies the difference). The
// result of the last reload and the running configuration's load time are kept for status.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>

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
  ~Reloader();
  Reloader(const Reloader&) = delete;
  Reloader& operator=(const Reloader&) = delete;
  void set_hooks(Hooks hooks) { hooks_ = std::move(hooks); }

  // Parses the configuration file and applies it when it has no errors. Runs on the event loop.
  ReloadRecord reload(std::string_view trigger);
  // The same, with the parse on a worker thread (SIGHUP and the control socket): the loop keeps
  // running (VRRP adverts, checkers, IPVS) while a large file is read, and the result is applied
  // on the loop, so a reload of keepalived issue #2318's size (2,300 x 16) holds the loop only
  // for the apply. Requests during a parse are merged into one more parse, served after that one
  // is applied. `done`, if set, runs on the loop with the record of the reload that served the
  // request; never after abandon().
  using Done = std::function<void(const ReloadRecord&)>;
  void reload_in_background(boost::asio::io_context& io, std::string trigger, Done done = {});
  // Shutdown: a background parse still in flight is not applied.
  void abandon() { abandoned_ = true; }
  // Parses the configuration file as a reload would, in the daemon's namespace and with its
  // options, and changes nothing.
  ReloadRecord check() const;

  const ConfigStatus& status() const { return status_; }
  // The running configuration: the last one that parsed without errors.
  const std::shared_ptr<const config::Config>& config() const { return running_; }

 private:
  ReloadRecord parse(std::string_view trigger, parser::ParseResult& result) const;
  // The loop's half of a reload: reports the parse and applies a file without errors.
  void apply(parser::ParseResult& next, ReloadRecord& r);
  void start_parse(boost::asio::io_context& io, std::string trigger, std::vector<Done> waiting);

  const Options& options_;
  Services& services_;
  std::shared_ptr<const config::Config> running_;
  Hooks hooks_;
  parser::ParseOptions parse_options_;
  ConfigStatus status_;
  std::thread worker_;  // the background parse in flight, if any
  bool parsing_ = false;
  bool abandoned_ = false;
  std::optional<std::string> again_;  // a request that came during the parse: its trigger
  std::vector<Done> again_waiting_;   // and the requests waiting for that next parse
};

}  // namespace vigil::daemon
