#pragma once

// The live status of the daemon as plain values: a snapshot of the VRRP instances, the health
// checkers and the IPVS table, the configuration and its last reload. take_snapshot() copies it
// out of the running subsystems on the event loop (numbers, and strings only where they vary at
// run time); everything that can be derived from the configuration (names, addresses, check
// types) is derived later from the snapshot's shared, immutable config::Config, so the JSON,
// the Prometheus text and the text view are built from a snapshot off the loop
// (status_json.h, metrics.h).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "checkers/manager.h"
#include "core/clock.h"
#include "core/histogram.h"
#include "core/ip_address.h"
#include "daemon/smtp_alerts.h"
#include "ipvs/model.h"
#include "ipvs/syncer.h"
#include "parser/config/config.h"
#include "vrrp/engine.h"
#include "vrrp/instance.h"
#include "vrrp/state_machine.h"
#include "vrrp/tracking.h"

namespace vigil::daemon {

class Services;

using WallTime = std::chrono::system_clock::time_point;

// The result of one reload (SIGHUP or the control socket) or configuration check.
struct ReloadRecord {
  WallTime at;
  std::string trigger;  // "SIGHUP", "control socket"
  bool applied = false;
  std::size_t errors = 0;
  std::size_t warnings = 0;
  int exit_code = 0;                     // as `vigild -t` would return for the file
  std::vector<std::string> diagnostics;  // "file:line:col: error: ...", then a summary line
};

struct ConfigStatus {
  std::string file;
  WallTime loaded_at;  // of the running configuration (start or the last applied reload)
  std::optional<ReloadRecord> last_reload;
  std::uint64_t reloads_applied = 0;
  std::uint64_t reloads_refused = 0;
};

struct VrrpInstanceStatus {
  std::string name;
  std::string interface;
  std::string sync_group;
  std::uint8_t vrid = 0;
  int version = 2;
  core::Family family = core::Family::kIPv4;
  std::vector<core::IpPrefix> vips;
  vrrp::State state = vrrp::State::kInit;
  std::uint8_t base_priority = 0;
  std::uint8_t effective_priority = 0;
  // Who is master: this router's own address while master, else the sender of the last
  // advert accepted from a master (nullopt: none heard).
  std::optional<core::IpAddress> master_address;
  core::Duration advert_interval{0};  // ours as master; the master's (v3, learnt) as backup
  core::Duration in_state{0};
  bool fault = false;
  std::vector<vrrp::TrackedObject> tracked;
  vrrp::InstanceCounters counters;
  vrrp::StateMachineStats machine;
  std::uint64_t send_errors = 0;
};

struct SyncGroupStatus {
  std::string name;
  std::vector<std::string> members;
  vrrp::State state = vrrp::State::kInit;
};

struct VrrpStatus {
  bool running = false;
  std::vector<VrrpInstanceStatus> instances;
  std::vector<SyncGroupStatus> sync_groups;
  vrrp::EngineStats engine;
};

// One checker of a real server; names and types come from the configuration.
struct CheckStatus {
  bool up = true;
  bool scheduled = false;  // probed on a timer (false: FILE_CHECK, or disabled at start)
  bool has_run = false;
  bool ok = false;     // the last verdict
  std::string reason;  // why the last verdict failed
  core::Duration latency{0};
  core::Duration since_change{0};
  std::uint32_t consecutive_successes = 0;
  std::uint32_t consecutive_failures = 0;
  std::uint64_t probes = 0;
  std::uint64_t failures = 0;
};

struct RealServerStatus {
  bool alive = false;
  std::uint32_t weight = 0;         // effective (misc_dynamic, FILE_CHECK shares)
  std::vector<CheckStatus> checks;  // in configuration order
};

struct VirtualServerStatus {
  bool quorum_up = false;
  bool sorry_active = false;
  std::int64_t alive_weight = 0;
  std::vector<RealServerStatus> real_servers;  // in configuration order
};

struct CheckersStatus {
  bool running = false;
  // The configuration the checkers run: virtual_servers[i] is lvs.virtual_servers[i].
  std::shared_ptr<const config::Config> config;
  std::vector<VirtualServerStatus> virtual_servers;
  checkers::ManagerStats stats;
};

struct IpvsDestinationStatus {
  ipvs::DestKey key;
  ipvs::Forward forward = ipvs::Forward::kMasq;
  std::optional<std::uint32_t> desired_weight;  // nullopt: to be removed
  std::optional<ipvs::DestState> applied;       // nullopt: not in the kernel (as far as known)
};

struct IpvsServiceStatus {
  ipvs::ServiceKey key;
  std::string scheduler;
  bool desired = true;  // false: being removed (no longer configured)
  bool in_kernel = false;
  ipvs::Counters counters;
  std::vector<IpvsDestinationStatus> destinations;
};

struct IpvsStatus {
  bool running = false;    // the syncer runs (checkers on, virtual servers configured)
  bool available = false;  // the kernel has IPVS
  bool settled = false;
  std::optional<core::Duration> since_read;  // age of the kernel counters
  std::size_t foreign_services = 0;
  ipvs::SyncerStats stats;
  std::vector<IpvsServiceStatus> services;
};

// The control endpoints' own figures.
struct ControlStats {
  std::uint64_t requests = 0;
  std::uint64_t refused = 0;      // unix socket peers that are not root
  core::Histogram snapshot_time;  // event-loop time spent in take_snapshot
};

// SMTP alerts (daemon/smtp_alerts.h).
struct AlertsStatus {
  bool enabled = false;  // smtp_server and a recipient configured, no problem found
  SmtpAlertStats smtp;
  std::size_t pending = 0;  // queued, not yet handed to a session
  bool busy = false;        // a session is delivering
};

struct DaemonStatus {
  std::string version;
  int pid = 0;
  std::string router_id;
  WallTime started;
};

struct StatusSnapshot {
  WallTime taken;
  DaemonStatus daemon;
  ConfigStatus config;
  VrrpStatus vrrp;
  CheckersStatus checkers;
  IpvsStatus ipvs;
  AlertsStatus alerts;
  ControlStats control;
};

// Copies the live state out of the subsystems. Runs on the event loop; cost is linear in the
// number of real servers and IPVS destinations, with no formatting.
StatusSnapshot take_snapshot(const Services& services, const DaemonStatus& daemon,
                             const ConfigStatus& config, const ControlStats& control,
                             core::TimePoint now);

// Helpers for the serialisers.
double seconds(core::Duration d);
WallTime wall_time_of(const StatusSnapshot& s, core::Duration age);
std::string iso_time(WallTime t);  // "2024-05-01T12:00:00.123Z"

}  // namespace vigil::daemon
