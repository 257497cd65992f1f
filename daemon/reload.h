#pragma once

// Reload and configuration check, the one path that SIGHUP and the control socket share. The
// file is read, parsed and validated on the reload thread while the event loop goes on (VRRP
// adverts, checks and the IPVS table are never held up by a large file); then, on the loop,
// with any error the running configuration stays and the log says why, otherwise the new one
// goes to the subsystems (Services::reload applies the difference). Requests that arrive while
// a parse runs wait for one more parse after it (the file may have changed since it started)
// and share it. The result of the last reload and the running configuration's load time are
// kept for status.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include "daemon/options.h"
#include "daemon/status_model.h"
#include "parser/parse.h"

namespace vigil::daemon {

class Services;

class Reloader {
 public:
  // Runs on the loop once the request has been served.
  using Done = std::function<void(const ReloadRecord&)>;

  // `loaded` is when the running configuration (already given to `services`) was read. The
  // reload thread starts here: create the Reloader while the daemon's signals are blocked.
  Reloader(boost::asio::io_context& io, const Options& options, Services& services,
           WallTime loaded);
  // Waits for a parse in progress; its result is dropped.
  ~Reloader();
  Reloader(const Reloader&) = delete;
  Reloader& operator=(const Reloader&) = delete;

  // Parses the configuration file off the loop and applies it when it has no errors.
  void reload(std::string trigger, Done done = {});
  // Parses the configuration file as a reload would, in the daemon's namespace and with its
  // options, and changes nothing.
  void check(Done done);

  const ConfigStatus& status() const { return status_; }
  // Changes whenever a reload has been applied or refused (for caches of the status).
  std::uint64_t generation() const { return status_.reloads_applied + status_.reloads_refused; }
  // A parse is running.
  bool busy() const { return parsing_; }

 private:
  struct Request {
    bool apply = false;
    std::string trigger;
    Done done;
  };
  struct Parsed {
    ReloadRecord record;
    std::shared_ptr<const config::Config> config;  // without errors, for a reload
  };

  void start_next();
  void finish(std::vector<Request> batch, Parsed parsed);

  boost::asio::io_context& io_;
  const Options& options_;
  Services& services_;
  parser::ParseOptions parse_options_;
  ConfigStatus status_;
  std::vector<Request> queued_;
  bool parsing_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  boost::asio::thread_pool worker_{1};
};

}  // namespace vigil::daemon
