#include "daemon/services.h"

#include <spdlog/spdlog.h>

#include "core/logging.h"
#include "core/script_command.h"
#include "parser/config/script_defaults.h"

namespace vigil::daemon {

Services::Services(boost::asio::io_context& io, const Options& options)
    : io_(io),
      options_(options),
      clock_(io),
      processes_(io, clock_),
      notifier_(processes_),
      alerts_(io),
      engine_(io, clock_, processes_) {}

Services::~Services() { stop(); }

bool Services::start(std::shared_ptr<const config::Config> config, std::string& error) {
  config_ = std::move(config);
  vrrp_config_ = config_;
  auto log = core::logger("daemon");
  const core::ScriptDefaults defaults = config::script_defaults(config_->global);
  for (const auto& problem : notifier_.configure(*config_, defaults)) log->warn("{}", problem);
  for (const auto& problem : alerts_.configure(*config_)) log->error("{}", problem);

  // -P: VRRP only; keepalived's checker child is not started.
  if (!options_.vrrp_only && !config_->lvs.virtual_servers.empty()) start_checkers();
  // -C: checkers only; keepalived's VRRP child is not started.
  if (options_.check_only || config_->vrrp.instances.empty()) return true;
  return start_vrrp(error);
}

bool Services::start_vrrp(std::string& error) {
  vrrp_config_ = config_;
  // (A start that failed at an earlier reload may have made it already.)
  const bool new_sync_daemon = config_->global.lvs_sync_daemon && !sync_daemon_;
  if (new_sync_daemon) {
    // lvs_sync_daemon keeps the settings it started with (its instance name is copied too:
    // a reload replaces vrrp_config_).
    sync_daemon_instance_ = config_->global.lvs_sync_daemon->instance;
    sync_daemon_ = std::make_unique<ipvs::SyncDaemonControl>(
        ipvs_kernel(), *config_->global.lvs_sync_daemon, ipvs::sync_id_of(*config_));
  }
  engine_.set_state_listener([this](const vrrp::Instance& instance, vrrp::State, vrrp::State to) {
    notifier_.instance_state(instance.name(), vrrp::state_name(to),
                             instance.machine().effective_priority());
    alerts_.instance_state(instance.name(), vrrp::state_name(to));
    if (sync_daemon_ && instance.name() == sync_daemon_instance_) {
      sync_daemon_->set_master(to == vrrp::State::kMaster);
    }
  });
  engine_.set_removed_listener([this](const vrrp::Instance& instance, bool deleted) {
    notifier_.instance_removed(instance.name(), deleted, instance.machine().effective_priority());
    if (sync_daemon_ && instance.name() == sync_daemon_instance_) sync_daemon_->set_master(false);
  });
  engine_.set_group_listener([this](const vrrp::SyncGroup& group, vrrp::State to) {
    notifier_.group_state(group.name(), vrrp::state_name(to));
    alerts_.group_state(group.name(), vrrp::state_name(to));
  });
  if (new_sync_daemon) sync_daemon_->start();
  if (!engine_.start(*config_, error)) return false;
  vrrp_running_ = true;
  return true;
}

// keepalived's checker child loads ip_vs itself (modprobe_ipvs) when the family is missing; the
// syncer keeps retrying, so a module loaded now or later by anyone is picked up.
ipvs::NetlinkKernel& Services::ipvs_kernel() {
  if (!ipvs_kernel_) {
    const auto& bufs = config_->global.lvs_netlink_cmd_rcv_bufs;
    ipvs_kernel_ =
        std::make_unique<ipvs::NetlinkKernel>(bufs.size ? static_cast<int>(*bufs.size) : 0);
  }
  return *ipvs_kernel_;
}

void Services::start_ipvs() {
  syncer_ = std::make_unique<ipvs::Syncer>(clock_, ipvs_kernel());
  if (!ipvs_reader_) ipvs_reader_ = std::make_unique<ipvs::BackgroundReader>(io_);
  syncer_->set_reader(ipvs_reader_.get());
  syncer_->start(*config_);
  if (syncer_->available()) return;
  core::Command modprobe{{"/sbin/modprobe", "-s", "--", "ip_vs"}, std::nullopt, std::nullopt};
  processes_.run(modprobe, core::RunOptions{std::chrono::seconds(10)},
                 [](const core::ProcessResult& r) {
                   if (!r.success()) {
                     core::logger("ipvs")->debug("modprobe ip_vs did not succeed");
                   }
                 });
}

void Services::start_checkers() {
  notifier_.set_script_defaults(config::script_defaults(config_->global));
  checkers::CheckContext context{io_, processes_, config::script_defaults(config_->global),
                                 config_->lvs.ssl ? &*config_->lvs.ssl : nullptr};
  checkers::Manager::Listener listener;
  listener.event = [this](const config::VirtualServer& vs, const checkers::HealthEvent& e) {
    on_health_event(vs, e);
  };
  listener.probe = [this](const config::VirtualServer& vs, const checkers::ProbeReport& r) {
    alerts_.checker_verdict(vs, r);
  };
  start_ipvs();
  listener.destinations = [this](const config::VirtualServer& vs,
                                 const std::vector<checkers::Destination>& dests) {
    std::vector<ipvs::LiveDestination> live;
    live.reserve(dests.size());
    for (const auto& d : dests) live.push_back({d.address, d.port, d.weight});
    syncer_->set_destinations(vs, live);
  };
  checkers_ =
      std::make_unique<checkers::Manager>(io_, clock_, std::move(context), std::move(listener));
  checkers_->start(config_->lvs, config_->global, config_->vrrp.track_files);
}

// keepalived do_rs_notifies / do_vs_notifies: notify_up / notify_down, quorum_up / quorum_down
// and the FIFO lines. The initial "alive at start" reports notify only with rs_init_notifies.
void Services::on_health_event(const config::VirtualServer& vs, const checkers::HealthEvent& e) {
  using Kind = checkers::HealthEventKind;
  alerts_.health_event(vs, e);
  switch (e.kind) {
    case Kind::kRealServerUp:
    case Kind::kRealServerDown: {
      const bool up = e.kind == Kind::kRealServerUp;
      if (e.initial && up && !config_->global.rs_init_notifies) return;
      const auto& rs = vs.real_servers[e.real_server];
      const config::ScriptCommand* script = up ? rs.notify_up.get() : rs.notify_down.get();
      notifier_.real_server_state(checkers::real_server_name(rs, vs),
                                  checkers::virtual_server_name(vs), up, script);
      return;
    }
    case Kind::kQuorumUp:
    case Kind::kQuorumDown: {
      const bool up = e.kind == Kind::kQuorumUp;
      const auto& script = up ? vs.quorum_up : vs.quorum_down;
      notifier_.virtual_server_quorum(checkers::virtual_server_name(vs), up,
                                      script ? &*script : nullptr);
      return;
    }
    case Kind::kCheckerUp:
    case Kind::kCheckerDown:
    case Kind::kWeightChanged:
      return;
  }
}

void Services::reload(std::shared_ptr<const config::Config> next) {
  auto log = core::logger("daemon");
  previous_config_ = std::move(config_);
  config_ = std::move(next);
  for (const auto& problem : alerts_.configure(*config_)) log->error("{}", problem);
  if (!options_.vrrp_only) {
    if (checkers_) {
      // The syncer first, so that the destinations the checkers publish find its new services.
      syncer_->reload(*config_);
      checkers_->reload(config_->lvs, config_->global, config_->vrrp.track_files);
    } else if (!config_->lvs.virtual_servers.empty()) {
      start_checkers();
    }
  }
  if (options_.check_only) return;
  // VRRP: matched instances keep their state (vrrp/reload_plan.h). The notifier takes the new
  // scripts once the removed instances have been reported with their old ones.
  const core::ScriptDefaults defaults = config::script_defaults(config_->global);
  auto new_scripts = [&] {
    for (const auto& problem : notifier_.configure_scripts(*config_, defaults)) {
      log->warn("{}", problem);
    }
  };
  if (!vrrp_running_) {
    if (config_->vrrp.instances.empty()) return;
    new_scripts();
    std::string error;
    if (!start_vrrp(error)) log->error("cannot start the VRRP instances: {}", error);
    return;
  }
  std::string error;
  if (!engine_.reload(*config_, error, new_scripts)) {
    log->error("VRRP reload refused, the instances keep running as they are: {}", error);
    return;
  }
  vrrp_config_ = config_;
}

void Services::stop() {
  alerts_.stop();
  // In-flight probes, track scripts and notify scripts are stopped below; what the shutdown
  // itself starts (notify_stop, omega's notify_down) is spared, has its own timeout, and the
  // daemon waits for it before the shutdown_script (keepalived does the same).
  const core::RunId shutdown_scripts = processes_.next_id();
  if (checkers_) checkers_->stop();
  if (syncer_) syncer_->stop(!options_.dont_release_ipvs);
  if (vrrp_running_) {
    vrrp_running_ = false;
    engine_.stop(!options_.dont_release_vrrp);
  }
  if (sync_daemon_) sync_daemon_->stop();
  notifier_.close_fifos();
  processes_.terminate_all(std::chrono::seconds(1), shutdown_scripts);
}

}  // namespace vigil::daemon
