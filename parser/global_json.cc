// global_to_json: the effective global_defs, keys in model order.
#include "parser/bind_vrrp_util.h"
#include "parser/binders.h"

namespace vigil::parser {
namespace {

using namespace detail;

Json fifo_json(const config::NotifyFifo& f) {
  if (f.name.empty() && !f.script) return Json(nullptr);
  Json j;
  j["name"] = f.name.empty() ? Json(nullptr) : Json(f.name);
  j["user"] = f.user.empty() ? Json(nullptr) : Json(f.user);
  j["group"] = f.group.empty() ? Json(nullptr) : Json(f.group);
  j["script"] = script_json(f.script);
  return j;
}

Json process_json(const config::ProcessSettings& p) {
  Json j;
  j["process_name"] = opt_json(p.process_name);
  j["priority"] = opt_json(p.priority);
  j["no_swap"] = p.no_swap;
  j["rt_priority"] = opt_json(p.rt_priority);
  j["cpu_affinity"] = p.cpu_affinity;
  j["rlimit_rttime"] = opt_json(p.rlimit_rttime);
  return j;
}

Json bufs_json(const config::NetlinkBuffers& b) {
  Json j;
  j["size"] = opt_json(b.size);
  j["force"] = b.force;
  return j;
}

// vigil's SMTP client extensions. The password itself is never dumped.
Json smtp_client_json(const config::SmtpClientOptions& s) {
  Json j;
  switch (s.starttls) {
    case config::SmtpStartTls::kOpportunistic:
      j["starttls"] = "opportunistic";
      break;
    case config::SmtpStartTls::kRequired:
      j["starttls"] = "required";
      break;
    case config::SmtpStartTls::kOff:
      j["starttls"] = "off";
      break;
  }
  j["tls_verify"] = s.verify();
  j["tls_ca_file"] = s.tls_ca_file.empty() ? Json(nullptr) : Json(s.tls_ca_file);
  j["auth_user"] = s.auth_user.empty() ? Json(nullptr) : Json(s.auth_user);
  j["auth_password"] = s.auth_password ? Json("<hidden>") : Json(nullptr);
  j["auth_password_file"] =
      s.auth_password_file.empty() ? Json(nullptr) : Json(s.auth_password_file);
  return j;
}

const char* flush_name(config::LvsFlushOnStop f) {
  switch (f) {
    case config::LvsFlushOnStop::kNone:
      return "none";
    case config::LvsFlushOnStop::kFull:
      return "full";
    case config::LvsFlushOnStop::kVirtualServers:
      return "VS";
  }
  return "none";
}

const char* rx_policy_name(config::RxBufsPolicy p) {
  switch (p) {
    case config::RxBufsPolicy::kSystemDefault:
      return "default";
    case config::RxBufsPolicy::kMtu:
      return "MTU";
    case config::RxBufsPolicy::kAdvert:
      return "ADVERT";
    case config::RxBufsPolicy::kSize:
      return "size";
  }
  return "default";
}

}  // namespace

nlohmann::ordered_json global_to_json(const config::Config& config) {
  const config::GlobalDefs& g = config.global;
  Json j;
  j["linkbeat_use_polling"] = g.linkbeat_use_polling;
  j["net_namespace"] = g.net_namespace.empty() ? Json(nullptr) : Json(g.net_namespace);
  j["net_namespace_ipvs"] = opt_json(g.net_namespace_ipvs);
  j["namespace_with_ipsets"] = g.namespace_with_ipsets;
  j["instance"] = g.instance.empty() ? Json(nullptr) : Json(g.instance);
  j["use_pid_dir"] = g.use_pid_dir;
  j["child_wait_time"] = seconds_json(g.child_wait_time);

  j["router_id"] = opt_json(g.router_id);
  j["notification_email"] = g.notification_email;
  j["notification_email_from"] = opt_json(g.notification_email_from);
  j["smtp_server"] = opt_json(g.smtp_server);
  j["smtp_port"] = g.smtp_port;
  j["smtp_helo_name"] = opt_json(g.smtp_helo_name);
  j["smtp_connect_timeout"] = seconds_json(g.smtp_connect_timeout);
  j["smtp_alert"] = opt_json(g.smtp_alert);
  j["smtp_alert_vrrp"] = opt_json(g.smtp_alert_vrrp);
  j["smtp_alert_checker"] = opt_json(g.smtp_alert_checker);
  j["smtp_client"] = smtp_client_json(g.smtp_client);
  j["checker_log_all_failures"] = g.checker_log_all_failures;
  j["no_email_faults"] = g.no_email_faults;

  j["startup_script"] = script_json(g.startup_script);
  j["startup_script_timeout"] = seconds_json(g.startup_script_timeout);
  j["shutdown_script"] = script_json(g.shutdown_script);
  j["shutdown_script_timeout"] = seconds_json(g.shutdown_script_timeout);
  j["script_user"] = g.script_user.empty() ? Json(nullptr) : Json(g.script_user);
  j["script_group"] = g.script_group.empty() ? Json(nullptr) : Json(g.script_group);
  j["enable_script_security"] = g.enable_script_security;
  j["notify_fifo"] = fifo_json(g.notify_fifo);
  j["vrrp_notify_fifo"] = fifo_json(g.vrrp_notify_fifo);
  j["lvs_notify_fifo"] = fifo_json(g.lvs_notify_fifo);
  j["vrrp_notify_priority_changes"] = g.vrrp_notify_priority_changes;
  j["fifo_write_vrrp_states_on_reload"] = g.fifo_write_vrrp_states_on_reload;

  j["dynamic_interfaces"] = g.dynamic_interfaces;
  j["allow_if_changes"] = g.allow_if_changes;
  j["default_interface"] = g.default_interface;
  j["disable_local_igmp"] = g.disable_local_igmp;

  Json t;
  t["tcp"] = opt_json(g.lvs_timeouts.tcp);
  t["tcpfin"] = opt_json(g.lvs_timeouts.tcpfin);
  t["udp"] = opt_json(g.lvs_timeouts.udp);
  j["lvs_timeouts"] = t;
  j["lvs_flush"] = g.lvs_flush;
  j["lvs_flush_on_stop"] = flush_name(g.lvs_flush_on_stop);
  if (g.lvs_sync_daemon) {
    const auto& d = *g.lvs_sync_daemon;
    Json s;
    s["interface"] = d.interface;
    s["instance"] = d.instance.empty() ? Json(nullptr) : Json(d.instance);
    s["id"] = opt_json(d.syncid);
    s["maxlen"] = opt_json(d.maxlen);
    s["port"] = d.port;
    s["ttl"] = opt_json(d.ttl);
    s["group"] = d.group ? Json(d.group->to_string()) : Json("224.0.0.81");
    j["lvs_sync_daemon"] = s;
  } else {
    j["lvs_sync_daemon"] = nullptr;
  }
  j["rs_init_notifies"] = g.rs_init_notifies;
  j["no_checker_emails"] = g.no_checker_emails;

  j["vrrp_mcast_group4"] = g.vrrp_mcast_group4.to_string();
  j["vrrp_mcast_group6"] = g.vrrp_mcast_group6.to_string();
  j["vrrp_garp_master_delay"] = seconds_json(g.vrrp_garp_master_delay);
  j["vrrp_garp_master_repeat"] = g.vrrp_garp_master_repeat;
  j["vrrp_garp_master_refresh"] = seconds_json(g.vrrp_garp_master_refresh);
  j["vrrp_garp_master_refresh_repeat"] = g.vrrp_garp_master_refresh_repeat;
  j["vrrp_garp_lower_prio_delay"] = seconds_json(g.vrrp_garp_lower_prio_delay);
  j["vrrp_garp_lower_prio_repeat"] = opt_json(g.vrrp_garp_lower_prio_repeat);
  j["vrrp_garp_interval"] = seconds_json(g.vrrp_garp_interval);
  j["vrrp_gna_interval"] = seconds_json(g.vrrp_gna_interval);
  j["vrrp_min_garp"] = g.vrrp_min_garp;
  j["vrrp_garp_extra_if"] = seconds_json(g.vrrp_garp_extra_if);
  j["vrrp_garp_extra_if_all"] = g.vrrp_garp_extra_if_all;
  j["vrrp_down_timer_adverts"] = g.vrrp_down_timer_adverts;
  j["vrrp_lower_prio_no_advert"] = g.vrrp_lower_prio_no_advert;
  j["vrrp_higher_prio_send_advert"] = g.vrrp_higher_prio_send_advert;
  j["vrrp_version"] = g.vrrp_version;
  j["vrrp_check_unicast_src"] = g.vrrp_check_unicast_src;
  j["vrrp_skip_check_adv_addr"] = g.vrrp_skip_check_adv_addr;
  j["vrrp_strict"] = g.vrrp_strict;

  j["vrrp_iptables"] = g.vrrp_iptables;
  j["nftables"] = opt_json(g.nftables);
  j["nftables_priority"] = g.nftables_priority;
  j["nftables_ifindex"] = g.nftables_ifindex;
  j["nftables_counters"] = g.nftables_counters;
  j["nftables_ipvs"] = opt_json(g.nftables_ipvs);
  j["nftables_ipvs_priority"] = g.nftables_ipvs_priority;
  j["nftables_ipvs_start_fwmark"] = g.nftables_ipvs_start_fwmark;

  j["process_name"] = opt_json(g.process_name);
  j["vrrp_process"] = process_json(g.vrrp_process);
  j["checker_process"] = process_json(g.checker_process);
  j["bfd_process"] = process_json(g.bfd_process);
  j["max_auto_priority"] = g.max_auto_priority;
  j["min_auto_priority_delay"] = seconds_json(g.min_auto_priority_delay);

  j["vrrp_netlink_cmd_rcv_bufs"] = bufs_json(g.vrrp_netlink_cmd_rcv_bufs);
  j["vrrp_netlink_monitor_rcv_bufs"] = bufs_json(g.vrrp_netlink_monitor_rcv_bufs);
  j["lvs_netlink_cmd_rcv_bufs"] = bufs_json(g.lvs_netlink_cmd_rcv_bufs);
  j["lvs_netlink_monitor_rcv_bufs"] = bufs_json(g.lvs_netlink_monitor_rcv_bufs);
  j["process_monitor_rcv_bufs"] = bufs_json(g.process_monitor_rcv_bufs);
  j["vrrp_rx_bufs_policy"] = rx_policy_name(g.vrrp_rx_bufs_policy);
  j["vrrp_rx_bufs_size"] = g.vrrp_rx_bufs_policy == config::RxBufsPolicy::kSize
                               ? Json(g.vrrp_rx_bufs_size)
                               : Json(nullptr);
  j["vrrp_rx_bufs_multiplier"] = g.vrrp_rx_bufs_multiplier;

  j["vrrp_startup_delay"] = seconds_json(g.vrrp_startup_delay);
  j["log_unknown_vrids"] = g.log_unknown_vrids;
  j["vmac_prefix"] = g.vmac_prefix;
  j["vmac_addr_prefix"] = opt_json(g.vmac_addr_prefix);
  j["umask"] = opt_json(g.umask);
  j["random_seed"] = opt_json(g.random_seed);
  j["reload_check_config"] = opt_json(g.reload_check_config);
  j["reload_time_file"] = opt_json(g.reload_time_file);
  j["reload_repeat"] = g.reload_repeat;
  j["reload_file"] = opt_json(g.reload_file);
  j["include_check"] = opt_json(g.include_check);
  j["tmp_config_directory"] = opt_json(g.tmp_config_directory);
  j["config_save_dir"] = opt_json(g.config_save_dir);
  j["data_use_instance"] = g.data_use_instance;
  return j;
}

}  // namespace vigil::parser
