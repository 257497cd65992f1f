#pragma once

// global_defs and the keywords keepalived treats as global outside it (net_namespace,
// instance, use_pid_dir, linkbeat_use_polling, child_wait_time, ...). Owned by the global
// binder (parser/bind_global.cc). Defaults are keepalived 2.2.7's (global_data.c and
// keepalived.conf(5)); optional values that stay unset mean "decided at run time" (for
// example router_id defaults to the host name).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ip_address.h"
#include "parser/config/smtp_client.h"
#include "parser/source_location.h"

namespace vigil::config {

// Every duration in the model. JSON shows it as seconds (see parser/binders.h).
using Duration = std::chrono::microseconds;

// A program keepalived runs: the command line as written (for a quoted one-word form, the
// whole string; the first word is the program) and the user/group to run it as. An empty user
// means the default: global script_user, else keepalived_script if it exists, else root.
struct ScriptSpec {
  std::string command;
  std::string user;
  std::string group;
  parser::SourceLocation location;
};

// notify_fifo / vrrp_notify_fifo / lvs_notify_fifo and their *_script.
struct NotifyFifo {
  std::string name;  // empty: not configured
  std::string user;
  std::string group;
  std::optional<ScriptSpec> script;
  parser::SourceLocation location;
};

// vrrp_*/checker_*/bfd_* child process settings.
struct ProcessSettings {
  std::optional<std::string> process_name;
  std::optional<int> priority;  // nice value -20..19
  bool no_swap = false;
  std::optional<int> rt_priority;  // SCHED_RR 1..99
  std::vector<unsigned> cpu_affinity;
  std::optional<std::uint32_t> rlimit_rttime;  // microseconds, keepalived default 10000
};

struct NetlinkBuffers {
  std::optional<std::uint32_t> size;  // bytes; unset: system default
  bool force = false;
};

struct LvsTimeouts {
  std::optional<std::uint32_t> tcp;  // seconds, unset: leave the kernel's value
  std::optional<std::uint32_t> tcpfin;
  std::optional<std::uint32_t> udp;
};

enum class LvsFlushOnStop { kNone, kFull, kVirtualServers };

struct LvsSyncDaemon {
  std::string interface;
  std::string instance;  // vrrp instance whose state drives master/backup; empty: both run
  std::optional<std::uint8_t> syncid;  // unset: the instance's VRID (0 without instance)
  std::optional<std::uint16_t> maxlen;
  std::uint16_t port = 8848;
  std::optional<std::uint8_t> ttl;
  std::optional<core::IpAddress> group;  // unset: 224.0.0.81
  parser::SourceLocation location;
};

enum class RxBufsPolicy { kSystemDefault, kMtu, kAdvert, kSize };

struct GlobalDefs {
  parser::SourceLocation location;  // of the (first) global_defs block

  // ---- top-level keywords keepalived handles as global ----
  bool linkbeat_use_polling = false;
  std::string net_namespace;
  std::optional<std::string> net_namespace_ipvs;  // "" means the default namespace
  bool namespace_with_ipsets = false;
  std::string instance;
  bool use_pid_dir = false;  // also implied by net_namespace and instance
  Duration child_wait_time = std::chrono::seconds(5);

  // ---- identity, email ----
  std::optional<std::string> router_id;  // unset: the host name
  std::vector<std::string> notification_email;
  std::optional<std::string> notification_email_from;  // unset: keepalived@<host name>
  std::optional<std::string> smtp_server;              // address or host name
  std::uint16_t smtp_port = 25;
  std::optional<std::string> smtp_helo_name;  // unset: the host name
  Duration smtp_connect_timeout = std::chrono::seconds(30);
  std::optional<bool> smtp_alert;
  std::optional<bool> smtp_alert_vrrp;
  std::optional<bool> smtp_alert_checker;
  SmtpClientOptions smtp_client;  // vigil extensions: STARTTLS, AUTH
  bool checker_log_all_failures = false;
  bool no_email_faults = false;

  // ---- scripts ----
  std::optional<ScriptSpec> startup_script;
  Duration startup_script_timeout = std::chrono::seconds(10);
  std::optional<ScriptSpec> shutdown_script;
  Duration shutdown_script_timeout = std::chrono::seconds(10);
  std::string script_user;  // empty: keepalived_script if it exists, else root
  std::string script_group;
  bool enable_script_security = false;
  NotifyFifo notify_fifo;
  NotifyFifo vrrp_notify_fifo;
  NotifyFifo lvs_notify_fifo;
  bool vrrp_notify_priority_changes = false;
  bool fifo_write_vrrp_states_on_reload = false;

  // ---- interfaces ----
  bool dynamic_interfaces = false;
  bool allow_if_changes = false;
  std::string default_interface = "eth0";  // for static addresses without dev
  bool disable_local_igmp = false;

  // ---- LVS ----
  LvsTimeouts lvs_timeouts;
  bool lvs_flush = false;
  LvsFlushOnStop lvs_flush_on_stop = LvsFlushOnStop::kNone;
  std::optional<LvsSyncDaemon> lvs_sync_daemon;
  bool rs_init_notifies = false;
  bool no_checker_emails = false;

  // ---- VRRP defaults (inherited by every vrrp_instance) ----
  core::IpAddress vrrp_mcast_group4 = boost::asio::ip::make_address("224.0.0.18");
  core::IpAddress vrrp_mcast_group6 = boost::asio::ip::make_address("ff02::12");
  Duration vrrp_garp_master_delay = std::chrono::seconds(5);
  std::uint32_t vrrp_garp_master_repeat = 5;
  Duration vrrp_garp_master_refresh{0};  // 0: no refresh
  std::uint32_t vrrp_garp_master_refresh_repeat = 1;
  std::optional<Duration> vrrp_garp_lower_prio_delay;        // unset: vrrp_garp_master_delay
  std::optional<std::uint32_t> vrrp_garp_lower_prio_repeat;  // unset: vrrp_garp_master_repeat
  Duration vrrp_garp_interval{0};
  Duration vrrp_gna_interval{0};
  bool vrrp_min_garp = false;
  Duration vrrp_garp_extra_if{0};  // 0: off
  bool vrrp_garp_extra_if_all = false;
  std::uint32_t vrrp_down_timer_adverts = 3;
  bool vrrp_lower_prio_no_advert = false;
  bool vrrp_higher_prio_send_advert = false;
  int vrrp_version = 2;
  bool vrrp_check_unicast_src = false;
  bool vrrp_skip_check_adv_addr = false;
  bool vrrp_strict = false;

  // ---- firewall (no_accept, VMAC IGMP filtering) ----
  bool vrrp_iptables = false;
  std::string vrrp_iptables_in_chain;
  std::string vrrp_iptables_out_chain;
  std::optional<std::string> nftables;  // table name
  std::int32_t nftables_priority = -1;
  bool nftables_ifindex = false;
  bool nftables_counters = false;
  std::optional<std::string> nftables_ipvs;
  std::int32_t nftables_ipvs_priority = -1;
  std::uint32_t nftables_ipvs_start_fwmark = 1000;

  // ---- processes ----
  std::optional<std::string> process_name;
  ProcessSettings vrrp_process;
  ProcessSettings checker_process;
  ProcessSettings bfd_process;
  int max_auto_priority = 0;
  Duration min_auto_priority_delay = std::chrono::seconds(1);

  // ---- sockets ----
  NetlinkBuffers vrrp_netlink_cmd_rcv_bufs;
  NetlinkBuffers vrrp_netlink_monitor_rcv_bufs;
  NetlinkBuffers lvs_netlink_cmd_rcv_bufs;
  NetlinkBuffers lvs_netlink_monitor_rcv_bufs;
  NetlinkBuffers process_monitor_rcv_bufs;
  RxBufsPolicy vrrp_rx_bufs_policy = RxBufsPolicy::kSystemDefault;
  std::uint32_t vrrp_rx_bufs_size = 0;  // with kSize
  std::uint32_t vrrp_rx_bufs_multiplier = 3;

  // ---- miscellaneous ----
  Duration vrrp_startup_delay{0};
  bool log_unknown_vrids = false;
  std::string vmac_prefix = "vrrp";
  std::optional<std::string> vmac_addr_prefix;  // unset: vmac_prefix
  std::optional<std::uint32_t> umask;
  std::optional<std::uint32_t> random_seed;
  std::optional<std::string> reload_check_config;
  std::optional<std::string> reload_time_file;
  bool reload_repeat = false;
  std::optional<std::string> reload_file;
  std::optional<std::string> include_check;
  std::optional<std::string> tmp_config_directory;
  std::optional<std::string> config_save_dir;
  bool data_use_instance = false;
};

}  // namespace vigil::config
