#pragma once

// static_ipaddress/routes/rules, track_group, vrrp_script, track_file, vrrp_sync_group,
// garp_group, linkbeat_interfaces, interface_up_down_delays and vrrp_instance. Owned by the
// VRRP binder (parser/bind_vrrp*.cc). After finalize_vrrp() every "effective" field holds the
// value the daemon must use (global defaults and keepalived's adjustments applied).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "parser/config/boxed.h"
#include "parser/config/global.h"
#include "parser/config/vrrp_addresses.h"
#include "parser/config/vrrp_instance.h"
#include "parser/source_location.h"

namespace vigil::config {

// vrrp_script NAME { ... }
struct VrrpScript {
  std::string name;
  ScriptSpec script;  // `script` plus `user`; command empty only before finalize removes it
  Duration interval = std::chrono::seconds(1);
  std::optional<Duration> timeout;  // effective after finalize: the interval when unset
  int weight = 0;                   // -253..253
  bool weight_reverse = false;
  std::uint32_t rise = 1;
  std::uint32_t fall = 1;
  bool init_fail = false;
  parser::SourceLocation location;
};

// track_file NAME { ... } (vrrp_track_file is keepalived's deprecated synonym).
struct TrackFile {
  std::string name;
  std::string file;
  int weight = 1;  // -254..254
  bool weight_reverse = false;
  bool init_file = false;  // create the file with init_value at start-up if missing
  std::int64_t init_value = 0;
  bool init_overwrite = false;
  parser::SourceLocation location;
};

// track_group NAME { group { VI_1 ... } }: instances that track static addresses/routes/rules.
struct TrackGroup {
  std::string name;
  std::vector<std::string> members;
  parser::SourceLocation location;
};

// vrrp_sync_group NAME { group { ... } ... }
struct SyncGroup {
  std::string name;
  std::vector<std::string> members;  // after finalize: existing instances only
  std::vector<parser::SourceLocation> member_locations;
  std::vector<TrackedInterface> track_interfaces;
  std::vector<TrackedScript> track_scripts;
  std::vector<TrackedFile> track_files;
  Boxed<ScriptSpec> notify_master;
  Boxed<ScriptSpec> notify_backup;
  Boxed<ScriptSpec> notify_fault;
  Boxed<ScriptSpec> notify_stop;
  Boxed<ScriptSpec> notify;
  std::optional<bool> smtp_alert;           // effective after finalize
  bool sync_group_tracking_weight = false;  // global_tracking is the deprecated spelling
  std::optional<bool> notify_priority_changes;
  parser::SourceLocation location;
};

// garp_group { garp_interval ... gna_interval ... interface(s) ... }
struct GarpGroup {
  std::optional<Duration> garp_interval;
  std::optional<Duration> gna_interval;
  std::vector<std::string> interfaces;
  bool aggregate = false;  // `interfaces { }`: the delays apply across all of them
  parser::SourceLocation location;
};

struct LinkbeatInterface {
  std::string name;
  std::string type;  // MII, ETHTOOL, IOCTL or empty (keepalived picks)
  parser::SourceLocation location;
};

struct InterfaceDelays {
  std::string name;
  Duration down_delay{0};
  Duration up_delay{0};
  parser::SourceLocation location;
};

struct Vrrp {
  std::vector<VirtualAddress> static_addresses;
  std::vector<Route> static_routes;
  std::vector<Rule> static_rules;
  std::vector<TrackGroup> track_groups;
  std::vector<VrrpScript> scripts;
  std::vector<TrackFile> track_files;
  std::vector<SyncGroup> sync_groups;
  std::vector<GarpGroup> garp_groups;
  std::vector<LinkbeatInterface> linkbeat_interfaces;
  std::vector<InterfaceDelays> interface_up_down_delays;
  std::vector<VrrpInstance> instances;
};

}  // namespace vigil::config
