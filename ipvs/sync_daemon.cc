#include "ipvs/sync_daemon.h"

#include "core/logging.h"

namespace vigil::ipvs {

namespace {

const char* role_name(SyncDaemon::Role r) {
  return r == SyncDaemon::Role::kMaster ? "master" : "backup";
}

}  // namespace

std::uint32_t sync_id_of(const config::Config& config) {
  const auto& d = config.global.lvs_sync_daemon;
  if (!d) return 0;
  if (d->syncid) return *d->syncid;
  for (const auto& instance : config.vrrp.instances) {
    if (instance.name == d->instance) return instance.virtual_router_id.value_or(0);
  }
  return 0;
}

SyncDaemonControl::SyncDaemonControl(Kernel& kernel, const config::LvsSyncDaemon& settings,
                                     std::uint32_t sync_id)
    : kernel_(kernel), settings_(settings), sync_id_(sync_id) {}

SyncDaemon SyncDaemonControl::daemon(SyncDaemon::Role role) const {
  SyncDaemon d;
  d.role = role;
  d.interface = settings_.interface;
  d.sync_id = sync_id_;
  d.max_length = settings_.maxlen.value_or(0);
  d.group = settings_.group;
  d.port = settings_.port;
  d.ttl = settings_.ttl.value_or(0);
  return d;
}

void SyncDaemonControl::run(SyncDaemon::Role role, bool& running) {
  if (running) return;
  if (kernel_.open()) {
    core::logger("ipvs")->warn("lvs_sync_daemon: IPVS is not available; no {} sync daemon",
                               role_name(role));
    return;
  }
  if (std::error_code ec = kernel_.start_sync_daemon(daemon(role))) {
    core::logger("ipvs")->warn("lvs_sync_daemon: cannot start the {} sync daemon on {}: {}",
                               role_name(role), settings_.interface, ec.message());
    return;
  }
  running = true;
  core::logger("ipvs")->info("Starting IPVS {} sync daemon on {} (syncid {})", role_name(role),
                             settings_.interface, sync_id_);
}

void SyncDaemonControl::halt(SyncDaemon::Role role, bool& running) {
  if (!running) return;
  running = false;
  if (std::error_code ec = kernel_.stop_sync_daemon(role)) {
    core::logger("ipvs")->warn("lvs_sync_daemon: cannot stop the {} sync daemon: {}",
                               role_name(role), ec.message());
  }
}

void SyncDaemonControl::start() {
  if (settings_.instance.empty()) run(SyncDaemon::Role::kMaster, master_);
  run(SyncDaemon::Role::kBackup, backup_);
}

void SyncDaemonControl::set_master(bool master) {
  if (settings_.instance.empty()) return;
  if (master) {
    halt(SyncDaemon::Role::kBackup, backup_);
    run(SyncDaemon::Role::kMaster, master_);
  } else {
    halt(SyncDaemon::Role::kMaster, master_);
    run(SyncDaemon::Role::kBackup, backup_);
  }
}

void SyncDaemonControl::stop() {
  halt(SyncDaemon::Role::kMaster, master_);
  halt(SyncDaemon::Role::kBackup, backup_);
}

}  // namespace vigil::ipvs
