#pragma once

// lvs_sync_daemon: the kernel's connection-synchronisation daemons following a VRRP instance,
// as keepalived 2.2.7 drives them from its VRRP process (vrrp_daemon.c, ipvswrapper.c
// ipvs_syncd_master / ipvs_syncd_backup):
//  - at start the backup daemon runs (the instance starts in BACKUP);
//  - the instance becoming MASTER stops the backup daemon and starts the master daemon;
//    leaving MASTER does the reverse;
//  - without an instance both daemons run;
//  - at shutdown both are stopped.
// The sync id is the configured one, else the instance's VRID (0 without instance).

#include <optional>

#include "ipvs/kernel.h"
#include "parser/config/config.h"

namespace vigil::ipvs {

class SyncDaemonControl {
 public:
  SyncDaemonControl(Kernel& kernel, const config::LvsSyncDaemon& settings, std::uint32_t sync_id);

  void start();
  // The bound instance's state changed.
  void set_master(bool master);
  void stop();

  // The daemons vigil believes are running.
  bool master_running() const { return master_; }
  bool backup_running() const { return backup_; }

 private:
  SyncDaemon daemon(SyncDaemon::Role role) const;
  void run(SyncDaemon::Role role, bool& running);
  void halt(SyncDaemon::Role role, bool& running);

  Kernel& kernel_;
  const config::LvsSyncDaemon settings_;  // a copy: a reload replaces the configuration
  std::uint32_t sync_id_;
  bool master_ = false;
  bool backup_ = false;
};

// The sync id keepalived uses: `id` when given, else the VRID of the bound instance.
std::uint32_t sync_id_of(const config::Config& config);

}  // namespace vigil::ipvs
