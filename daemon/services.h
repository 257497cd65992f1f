#pragma once

// The subsystems the daemon runs on its event loop, wired together: the clock, the process
// runner that every script goes through, the notifier (notify scripts and FIFOs), the SMTP
// alerts, the VRRP engine and the health checkers (their events become notify scripts, FIFO
// lines and alerts). IPVS
// joins here; daemon.cc only starts and stops them.

#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "checkers/manager.h"
#include "core/asio_clock.h"
#include "core/process_runner.h"
#include "daemon/notify.h"
#include "daemon/options.h"
#include "daemon/smtp_alerts.h"
#include "ipvs/background_reader.h"
#include "ipvs/netlink_kernel.h"
#include "ipvs/sync_daemon.h"
#include "ipvs/syncer.h"
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
  // SIGHUP with a validated configuration: the health checkers and the IPVS table follow it
  // by difference (unchanged checkers keep their state; only changed IPVS entries are touched),
  // and so do the VRRP instances (vrrp::Engine::reload: matched instances keep their state).
  void reload(std::shared_ptr<const config::Config> next);
  // SIGTERM: masters send priority 0 and release their addresses (unless -V), notify_stop runs,
  // the other children are stopped. The loop must run until processes().running() is 0 (or a
  // bound) for the notify_stop scripts to finish.
  void stop();

  // Every script runs through this launcher (the startup and shutdown scripts too).
  core::ProcessRunner& processes() { return processes_; }
  const vrrp::Engine& vrrp() const { return engine_; }
  const checkers::Manager* checkers() const { return checkers_.get(); }
  const ipvs::Syncer* ipvs() const { return syncer_.get(); }
  const core::Clock& clock() const { return clock_; }
  const SmtpAlerts& alerts() const { return alerts_; }
  // The running configuration (the checkers' and the IPVS table's; status output).
  const std::shared_ptr<const config::Config>& config() const { return config_; }

 private:
  boost::asio::io_context& io_;
  const Options& options_;
  core::AsioClock clock_;
  core::ProcessRunner processes_;
  Notifier notifier_;
  SmtpAlerts alerts_;
  vrrp::Engine engine_;
  std::shared_ptr<const config::Config> config_;
  // The configuration before the last reload: probes it started may still be unwinding.
  std::shared_ptr<const config::Config> previous_config_;
  // The configuration the VRRP engine and the notifier run with: the latest one the engine
  // accepted (it holds pointers into it).
  std::shared_ptr<const config::Config> vrrp_config_;
  std::unique_ptr<checkers::Manager> checkers_;
  // The IPVS table runs with the checkers (keepalived's checker child programs it).
  std::unique_ptr<ipvs::NetlinkKernel> ipvs_kernel_;
  std::unique_ptr<ipvs::BackgroundReader> ipvs_reader_;  // outlives syncer_
  std::unique_ptr<ipvs::Syncer> syncer_;
  // lvs_sync_daemon follows its VRRP instance (keepalived's VRRP child drives it).
  std::unique_ptr<ipvs::SyncDaemonControl> sync_daemon_;
  std::string sync_daemon_instance_;
  bool vrrp_running_ = false;

  bool start_vrrp(std::string& error);
  ipvs::NetlinkKernel& ipvs_kernel();
  void start_checkers();
  void start_ipvs();
  void on_health_event(const config::VirtualServer& vs, const checkers::HealthEvent& e);
};

}  // namespace vigil::daemon
