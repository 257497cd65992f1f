#pragma once

// The subsystems the daemon runs on its event loop, wired together: the clock, the process
// runner that every script goes through, the notifier (notify scripts and FIFOs) and the VRRP
// engine. Later subsystems (checkers, IPVS) join here; daemon.cc only starts and stops them.

#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "core/asio_clock.h"
#include "core/process_runner.h"
#include "daemon/notify.h"
#include "daemon/options.h"
#include "parser/config/config.h"
#include "vrrp/engine.h"

namespace vigil::daemon {

class Services {
 public:
  Services(boost::asio::io_context& io, const Options& options);
  ~Services();
  Services(const Services&) = delete;
  Services& operator=(const Services&) = delete;

  // Start-up with the validated configuration (kept alive by the caller while running). False
  // with `error` when a subsystem cannot start; nothing is left running then.
  bool start(std::shared_ptr<const config::Config> config, std::string& error);
  // SIGTERM: masters send priority 0 and release their addresses (unless -V), notify_stop runs,
  // children are stopped. The loop may then stop.
  void stop();

  const vrrp::Engine& vrrp() const { return engine_; }

 private:
  const Options& options_;
  core::AsioClock clock_;
  core::ProcessRunner processes_;
  Notifier notifier_;
  vrrp::Engine engine_;
  std::shared_ptr<const config::Config> config_;
  bool vrrp_running_ = false;
};

}  // namespace vigil::daemon
