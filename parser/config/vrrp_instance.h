#pragma once

// vrrp_instance NAME { ... } and the tracking references shared with vrrp_sync_group.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ip_address.h"
#include "parser/config/boxed.h"
#include "parser/config/global.h"
#include "parser/config/vrrp_addresses.h"
#include "parser/source_location.h"

namespace vigil::config {

// track_interface { IF [weight N [reverse]] }
struct TrackedInterface {
  std::string name;
  int weight = 0;  // 0: a down interface means FAULT
  bool reverse = false;
  parser::SourceLocation location;
};

// track_script { NAME [weight N [reverse|noreverse]] }
struct TrackedScript {
  std::string name;
  std::optional<int> weight;    // effective after finalize: the vrrp_script's weight if unset
  std::optional<bool> reverse;  // effective after finalize: the vrrp_script's setting if unset
  parser::SourceLocation location;
};

// track_file { NAME [weight N [reverse|noreverse]] }
struct TrackedFile {
  std::string name;
  std::optional<int> weight;  // effective after finalize: the track_file's weight if unset
  std::optional<bool> reverse;
  parser::SourceLocation location;
};

struct UnicastPeer {
  core::IpAddress address;
  std::optional<std::uint8_t> min_ttl;
  std::optional<std::uint8_t> max_ttl;
  parser::SourceLocation location;
};

enum class AuthType { kPass, kAh };

struct Authentication {
  AuthType type = AuthType::kPass;
  std::string password;  // at most 8 characters (keepalived truncates)
  parser::SourceLocation location;
};

enum class InstanceState { kMaster, kBackup };

struct VrrpInstance {
  std::string name;
  parser::SourceLocation location;

  // ---- identity ----
  std::optional<std::uint8_t> virtual_router_id;  // required, 1..255
  core::Family family = core::Family::kIPv4;      // from the VIPs, src, peers or native_ipv6
  std::optional<int> configured_version;
  int version = 2;  // effective: instance, else global vrrp_version; IPv6 always 3
  std::optional<InstanceState> configured_state;
  InstanceState state = InstanceState::kBackup;  // effective initial state
  std::optional<std::uint8_t> configured_priority;
  std::uint8_t priority = 100;  // effective: 255 = address owner
  // advert_int as written (seconds, fractions allowed) and the interval actually used after
  // keepalived's rounding: whole seconds for VRRPv2, centiseconds for VRRPv3.
  std::optional<Duration> configured_advert_int;
  Duration advert_int = std::chrono::seconds(1);

  // ---- interfaces ----
  std::string interface;  // empty: unicast without interface
  std::string vrf;
  bool dont_track_primary = false;
  bool use_vmac = false;
  std::string vmac_name;  // empty: vrrp.VRID (vmac_prefix)
  std::string vmac_mac;   // as written, empty for the RFC 5798 MAC
  bool use_vmac_addr = false;
  bool vmac_xmit_base = false;
  bool use_ipvlan = false;
  std::string ipvlan_name;
  std::optional<core::IpPrefix> ipvlan_address;
  std::string ipvlan_mode;  // bridge (default), private, vepa
  bool native_ipv6 = false;
  bool promote_secondaries = false;
  bool linkbeat_use_polling = false;
  std::optional<std::uint32_t> kernel_rx_buf_size;

  // ---- addressing ----
  std::optional<core::IpAddress> mcast_src_ip;
  std::optional<core::IpAddress> unicast_src_ip;
  std::optional<core::IpAddress> mcast_dst_ip;  // unset: global vrrp_mcast_group4/6
  bool track_src_ip = false;
  std::vector<UnicastPeer> unicast_peers;
  bool unicast_fault_no_peer = false;
  bool unicast_keyword_used = false;  // a unicast-only keyword appeared (keepalived warns)
  std::optional<std::uint8_t> unicast_ttl;
  std::optional<bool> check_unicast_src;  // effective after finalize
  std::string old_unicast_checksum;       // "", "on" or "never"

  std::vector<VirtualAddress> virtual_ipaddress;
  std::vector<VirtualAddress> virtual_ipaddress_excluded;
  std::vector<Route> virtual_routes;
  std::vector<Rule> virtual_rules;

  // ---- tracking ----
  std::vector<TrackedInterface> track_interfaces;
  std::vector<TrackedScript> track_scripts;
  std::vector<TrackedFile> track_files;
  std::string sync_group;  // set by finalize

  // ---- protocol behaviour ----
  std::optional<Authentication> authentication;  // cleared by finalize when unusable
  bool nopreempt = false;
  Duration preempt_delay{0};
  std::optional<bool> accept;  // effective after finalize
  std::optional<bool> strict_mode;
  std::optional<bool> skip_check_adv_addr;
  std::optional<bool> lower_prio_no_advert;
  std::optional<bool> higher_prio_send_advert;
  std::optional<std::uint32_t> down_timer_adverts;
  std::optional<Duration> garp_master_delay;
  std::optional<std::uint32_t> garp_master_repeat;
  std::optional<Duration> garp_master_refresh;
  std::optional<std::uint32_t> garp_master_refresh_repeat;
  std::optional<Duration> garp_lower_prio_delay;
  std::optional<std::uint32_t> garp_lower_prio_repeat;
  std::optional<Duration> garp_extra_if;
  bool garp_extra_if_all = false;
  std::uint32_t debug = 0;

  // ---- notification ---- (boxed: rarely set, and 128 bytes each as std::optional)
  Boxed<ScriptSpec> notify_master;
  Boxed<ScriptSpec> notify_backup;
  Boxed<ScriptSpec> notify_fault;
  Boxed<ScriptSpec> notify_stop;
  Boxed<ScriptSpec> notify;
  Boxed<ScriptSpec> notify_master_rx_lower_pri;
  bool notify_deleted = false;
  Boxed<ScriptSpec> notify_deleted_script;
  std::optional<bool> smtp_alert;               // effective after finalize
  std::optional<bool> notify_priority_changes;  // effective after finalize
};

}  // namespace vigil::config
