// global_defs and the top-level keywords keepalived 2.2.7 treats as global (global_parser.c:
// net_namespace, net_namespace_ipvs, namespace_with_ipsets, use_pid_dir, instance,
// child_wait_time, linkbeat_use_polling). Process/socket/firewall/reload settings are in
// bind_global_system.cc, the JSON dump in global_json.cc.
#include <cctype>

#include "parser/bind_global_internal.h"
#include "parser/binders.h"

namespace vigil::parser {
namespace {

using config::Config;
using config::Duration;
using config::GlobalDefs;
using namespace detail;

// keepalived keeps TIMER_HZ (microsecond) timers in an unsigned int, hence its maxima.
constexpr std::uint64_t kMaxTimerSeconds = 4294;  // UINT_MAX / TIMER_HZ

// A host name as smtp_server accepts it. keepalived resolves it at start-up; a check run must
// not depend on DNS, so vigil only checks the syntax (RFC 1123 labels).
bool plausible_host_name(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  std::size_t label = 0;
  for (char c : s) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
    if (++label > 63) return false;
  }
  return label != 0;
}

void smtp_server(const Node& n, BindContext& ctx, GlobalDefs& g) {
  if (!line_args(n, ctx, 1, 2)) return;
  const std::string& host = n.arg(0).text;
  if (!core::parse_ip_address(host) && !plausible_host_name(host)) {
    ctx.diag.error(n.arg(0).location, "'smtp_server': invalid value " + q(host) +
                                          " (expected an IP address or a host name)");
    return;
  }
  if (n.argc() == 2) {
    auto port = parse_uint(n, 1, 1, 65535, ctx);
    if (!port) return;
    g.smtp_port = static_cast<std::uint16_t>(*port);
  }
  g.smtp_server = host;
}

void smtp_connect_timeout(const Node& n, BindContext& ctx, GlobalDefs& g) {
  if (!line_args(n, ctx, 1, 1)) return;
  auto v = parse_uint(n, 0, 0, kMaxTimerSeconds, ctx);
  if (!v) return;
  if (*v == 0) {
    // keepalived: "smtp_conect_timeout must be greater than 0, setting to 1" (counted).
    ctx.diag.warning(n.arg(0).location, "'smtp_connect_timeout' must be greater than 0; using 1");
    *v = 1;
  }
  g.smtp_connect_timeout = std::chrono::seconds(*v);
}

void notification_email(const Node& n, BindContext& ctx, GlobalDefs& g) {
  auto words = value_block_words(n, ctx);
  if (n.has_block && words.empty()) {
    ctx.diag.warning(n.location(), "empty 'notification_email' block");
  }
  for (auto& w : words) g.notification_email.push_back(w.text);
}

void startup_shutdown(const Node& n, BindContext& ctx, std::optional<config::ScriptSpec>& slot,
                      std::string_view type) {
  if (slot) {
    ctx.diag.error(n.location(), std::string(type) + " script already specified at " +
                                     slot->location.str() + "; ignoring this one");
    return;
  }
  if (n.argc() == 0) {
    ctx.diag.error(n.location(), q(n.keyword()) + " expects a script, got none");
    return;
  }
  slot = parse_script_spec(n, 0, ctx);
}

void max_auto_priority(const Node& n, BindContext& ctx, GlobalDefs& g) {
  if (!line_args(n, ctx, 0, 1)) return;
  // sched_get_priority_max(SCHED_RR) is 99 on Linux; no argument means the maximum.
  if (n.argc() == 0) {
    g.max_auto_priority = 99;
    return;
  }
  if (auto v = parse_int(n, 0, -1, 99, ctx)) g.max_auto_priority = static_cast<int>(*v);
}

void dynamic_interfaces(const Node& n, BindContext& ctx, GlobalDefs& g) {
  if (!line_args(n, ctx, 0, 1)) return;
  g.dynamic_interfaces = true;
  if (n.argc() == 1) {
    if (n.arg(0).text == "allow_if_changes") {
      g.allow_if_changes = true;
    } else {
      report_bad_choice(n, 0, std::initializer_list<std::string_view>{"allow_if_changes"}, ctx);
    }
  }
}

void lvs_timeouts(const Node& n, BindContext& ctx, GlobalDefs& g) {
  if (!expect_no_block(n, ctx)) return;
  if (n.argc() < 2) {
    ctx.diag.error(n.location(),
                   "'lvs_timeouts' requires at least one of tcp, tcpfin, udp with "
                   "a value in seconds");
    return;
  }
  for (std::size_t i = 0; i < n.argc(); ++i) {
    const std::string& opt = n.arg(i).text;
    std::optional<std::uint32_t>* slot = opt == "tcp"      ? &g.lvs_timeouts.tcp
                                         : opt == "tcpfin" ? &g.lvs_timeouts.tcpfin
                                         : opt == "udp"    ? &g.lvs_timeouts.udp
                                                           : nullptr;
    if (slot == nullptr) {
      report_bad_choice(n, i, std::initializer_list<std::string_view>{"tcp", "tcpfin", "udp"}, ctx);
      continue;
    }
    if (i + 1 >= n.argc()) {
      ctx.diag.error(n.arg(i).location, "'lvs_timeouts': no value given for " + q(opt));
      break;
    }
    // LVS_MAX_TIMEOUT: 86400 * 31 seconds.
    if (auto v = parse_uint(n, i + 1, 0, 86400 * 31, ctx)) *slot = static_cast<std::uint32_t>(*v);
    ++i;
  }
}

void lvs_flush_on_stop(const Node& n, BindContext& ctx, GlobalDefs& g) {
  if (!line_args(n, ctx, 0, 1)) return;
  if (n.argc() == 0) {
    g.lvs_flush_on_stop = config::LvsFlushOnStop::kFull;
  } else if (n.arg(0).text == "VS") {
    g.lvs_flush_on_stop = config::LvsFlushOnStop::kVirtualServers;
  } else {
    report_bad_choice(n, 0, std::initializer_list<std::string_view>{"VS"}, ctx);
  }
}

void lvs_sync_daemon(const Node& n, BindContext& ctx, GlobalDefs& g) {
  if (!expect_no_block(n, ctx)) return;
  if (g.lvs_sync_daemon) {
    ctx.diag.error(n.location(), "'lvs_sync_daemon' has already been specified as " +
                                     q(g.lvs_sync_daemon->interface) + "; ignoring");
    return;
  }
  if (!expect_args(n, ctx, 1, SIZE_MAX)) return;
  config::LvsSyncDaemon d;
  d.interface = n.arg(0).text;
  d.location = n.arg(0).location;
  if (d.interface.size() >= 16) {  // IP_VS_IFNAME_MAXLEN
    ctx.diag.error(n.arg(0).location, "'lvs_sync_daemon': interface name " + q(d.interface) +
                                          " is too long (at most 15 characters)");
    return;
  }
  for (std::size_t i = 1; i < n.argc(); ++i) {
    const std::string& opt = n.arg(i).text;
    bool has_value = i + 1 < n.argc();
    if (opt == "inst" || opt == "id" || opt == "maxlen" || opt == "port" || opt == "ttl" ||
        opt == "group") {
      if (!has_value) {
        ctx.diag.error(n.arg(i).location, "'lvs_sync_daemon': no value given for " + q(opt));
        break;
      }
      ++i;
      if (opt == "inst") {
        d.instance = n.arg(i).text;
      } else if (opt == "id") {
        if (auto v = parse_uint(n, i, 0, 255, ctx)) d.syncid = static_cast<std::uint8_t>(*v);
      } else if (opt == "maxlen") {
        if (auto v = parse_uint(n, i, 1, 65535 - 20 - 8, ctx)) {
          d.maxlen = static_cast<std::uint16_t>(*v);
        }
      } else if (opt == "port") {
        if (auto v = parse_uint(n, i, 1, 65535, ctx)) d.port = static_cast<std::uint16_t>(*v);
      } else if (opt == "ttl") {
        if (auto v = parse_uint(n, i, 1, 255, ctx)) d.ttl = static_cast<std::uint8_t>(*v);
      } else if (auto a = parse_address(n, i, ctx)) {
        if (!a->is_multicast()) {
          ctx.diag.error(n.arg(i).location, "'lvs_sync_daemon': group address " + q(n.arg(i).text) +
                                                " is not multicast");
        } else {
          d.group = *a;
        }
      }
      continue;
    }
    // The old form `lvs_sync_daemon IF INSTANCE [SYNCID]`.
    if (i == 1) {
      d.instance = opt;
    } else if (i == 2 && std::isdigit(static_cast<unsigned char>(opt[0]))) {
      ctx.diag.warning(n.arg(i).location, "'lvs_sync_daemon': give the sync id as 'id " + opt +
                                              "' (keyword \"id\" before SYNCID)");
      if (auto v = parse_uint(n, i, 0, 255, ctx)) d.syncid = static_cast<std::uint8_t>(*v);
    } else {
      report_bad_choice(
          n, i,
          std::initializer_list<std::string_view>{"inst", "id", "maxlen", "port", "ttl", "group"},
          ctx);
    }
  }
  g.lvs_sync_daemon = std::move(d);
}

template <auto M>
void mcast_group(const Node& n, BindContext& ctx, GlobalDefs& g) {
  if (!line_args(n, ctx, 1, 1)) return;
  auto a = parse_address(n, 0, ctx);
  if (!a) return;
  // keepalived skips a group that is not multicast ("is not multicast. Skipping").
  const bool want_v4 = n.keyword() == "vrrp_mcast_group4";
  if (a->is_v4() != want_v4 || !a->is_multicast()) {
    ctx.diag.error(n.arg(0).location, q(n.keyword()) + ": invalid value " + q(n.arg(0).text) +
                                          (want_v4 ? " (expected an IPv4 multicast address)"
                                                   : " (expected an IPv6 multicast address)"));
    return;
  }
  g.*M = *a;
}

// vrrp_garp_master_repeat / _refresh_repeat: keepalived allows 0 for compatibility but
// replaces it with 1 (and counts the message).
template <auto M>
void garp_repeat(const Node& n, BindContext& ctx, GlobalDefs& g) {
  if (!line_args(n, ctx, 1, 1)) return;
  auto v = parse_uint(n, 0, 0, UINT32_MAX, ctx);
  if (!v) return;
  if (*v == 0) {
    ctx.diag.warning(n.arg(0).location, q(n.keyword()) + " must be greater than 0; using 1");
    *v = 1;
  }
  g.*M = static_cast<std::uint32_t>(*v);
}

// vrrp_garp_interval / vrrp_gna_interval: microsecond resolution; keepalived logs a note for
// a second or more.
template <auto M>
void garp_interval(const Node& n, BindContext& ctx, GlobalDefs& g) {
  if (!line_args(n, ctx, 1, 1)) return;
  auto v = parse_duration(n, 0, Duration(1), std::chrono::seconds(kMaxTimerSeconds), ctx);
  if (!v) return;
  g.*M = *v;
  if (*v >= std::chrono::seconds(1)) {
    notice(ctx, n.arg(0).location,
           q(n.keyword()) + " is very large - " + n.arg(0).text + " seconds");
  }
}

void vrrp_min_garp(const Node& n, BindContext& ctx, GlobalDefs& g) {
  if (!line_args(n, ctx, 0, 1)) return;
  auto on = parse_flag(n, 0, ctx);
  if (!on || !*on) return;
  g.vrrp_min_garp = true;
  // One GARP/NA, no repeat: keepalived only changes values still at their defaults, so an
  // explicit setting before or after wins.
  if (g.vrrp_garp_master_repeat == 5) g.vrrp_garp_master_repeat = 1;
  if (g.vrrp_garp_master_refresh_repeat == 1) g.vrrp_garp_master_refresh_repeat = 0;
  if (g.vrrp_garp_master_delay == std::chrono::seconds(5)) g.vrrp_garp_master_delay = {};
}

void vrrp_garp_extra_if(const Node& n, BindContext& ctx, GlobalDefs& g) {
  if (!expect_no_block(n, ctx)) return;
  if (n.keyword() == "vrrp_vmac_garp_intvl") {
    ctx.diag.warning(n.location(),
                     "'vrrp_vmac_garp_intvl' is deprecated; use "
                     "'vrrp_garp_extra_if'");
  }
  std::optional<std::uint64_t> delay;
  bool all = false;
  for (std::size_t i = 0; i < n.argc(); ++i) {
    if (n.arg(i).text == "all") {
      all = true;
    } else if (!(delay = parse_uint(n, i, 1, 86400, ctx))) {
      return;
    }
  }
  if (!delay) {
    ctx.diag.error(n.location(), q(n.keyword()) + " needs an interval in seconds (1..86400)");
    return;
  }
  g.vrrp_garp_extra_if = std::chrono::seconds(*delay);
  g.vrrp_garp_extra_if_all = all;
}

void vrrp_version(const Node& n, BindContext& ctx, GlobalDefs& g) {
  if (!line_args(n, ctx, 1, 1)) return;
  if (auto v = parse_int(n, 0, 2, 3, ctx)) g.vrrp_version = static_cast<int>(*v);
}

void startup_script(const Node& n, BindContext& ctx, GlobalDefs& g) {
  startup_shutdown(n, ctx, g.startup_script, "startup");
}
void shutdown_script(const Node& n, BindContext& ctx, GlobalDefs& g) {
  startup_shutdown(n, ctx, g.shutdown_script, "shutdown");
}

void script_user(const Node& n, BindContext& ctx, GlobalDefs& g) {
  if (!line_args(n, ctx, 1, 2)) return;
  g.script_user = n.arg(0).text;
  g.script_group = n.argc() == 2 ? n.arg(1).text : "";
}

void process_names(const Node& n, BindContext& ctx, GlobalDefs& g) {
  if (!line_args(n, ctx, 0, 0)) return;
  g.vrrp_process.process_name = "keepalived_vrrp";
  g.checker_process.process_name = "keepalived_ipvs";
  g.bfd_process.process_name = "keepalived_bfd";
}

// Process names are truncated by the kernel to 15 characters (TASK_COMM_LEN - 1); keepalived
// truncates with a counted message.
void process_name_into(const Node& n, BindContext& ctx, std::optional<std::string>& slot) {
  if (!line_args(n, ctx, 1, 1)) return;
  std::string name = n.arg(0).text;
  if (name.size() > 15) {
    ctx.diag.warning(n.arg(0).location,
                     q(n.keyword()) + ": " + q(name) + " is longer than 15 characters; truncating");
    name.resize(15);
  }
  slot = name;
}

void process_name(const Node& n, BindContext& ctx, GlobalDefs& g) {
  process_name_into(n, ctx, g.process_name);
}
void vrrp_process_name(const Node& n, BindContext& ctx, GlobalDefs& g) {
  process_name_into(n, ctx, g.vrrp_process.process_name);
}
void checker_process_name(const Node& n, BindContext& ctx, GlobalDefs& g) {
  if (n.keyword() == "lvs_process_name") {
    notice(ctx, n.location(), "'lvs_process_name' is deprecated; use 'checker_process_name'");
  }
  process_name_into(n, ctx, g.checker_process.process_name);
}
void bfd_process_name(const Node& n, BindContext& ctx, GlobalDefs& g) {
  process_name_into(n, ctx, g.bfd_process.process_name);
}

constexpr char kKeepalivedTable[] = "keepalived";
constexpr char kKeepalivedIpvsTable[] = "keepalived_ipvs";

const std::vector<Keyword<GlobalDefs>>& global_defs_keywords() {
  static const std::vector<Keyword<GlobalDefs>> table = [] {
    std::vector<Keyword<GlobalDefs>> t = {
        {"process_names", &process_names},
        {"process_name", &process_name},
        {"vrrp_process_name", &vrrp_process_name},
        {"checker_process_name", &checker_process_name},
        {"lvs_process_name", &checker_process_name},
        {"bfd_process_name", &bfd_process_name},
        {"router_id", &string_kw<GlobalDefs, &GlobalDefs::router_id>},
        {"notification_email_from", &string_kw<GlobalDefs, &GlobalDefs::notification_email_from>},
        {"smtp_server", &smtp_server},
        {"smtp_helo_name", &string_kw<GlobalDefs, &GlobalDefs::smtp_helo_name>},
        {"smtp_connect_timeout", &smtp_connect_timeout},
        {"notification_email", &notification_email},
        {"smtp_alert", &flag_kw<GlobalDefs, &GlobalDefs::smtp_alert>},
        {"startup_script", &startup_script},
        {"startup_script_timeout",
         &whole_seconds_kw<GlobalDefs, &GlobalDefs::startup_script_timeout, 1, 1000>},
        {"shutdown_script", &shutdown_script},
        {"shutdown_script_timeout",
         &whole_seconds_kw<GlobalDefs, &GlobalDefs::shutdown_script_timeout, 1, 1000>},
        {"max_auto_priority", &max_auto_priority},
        {"min_auto_priority_delay",
         &seconds_kw<GlobalDefs, &GlobalDefs::min_auto_priority_delay, 1, 10'000'000>},
        {"smtp_alert_vrrp", &flag_kw<GlobalDefs, &GlobalDefs::smtp_alert_vrrp>},
        {"smtp_alert_checker", &flag_kw<GlobalDefs, &GlobalDefs::smtp_alert_checker>},
        {"checker_log_all_failures", &flag_kw<GlobalDefs, &GlobalDefs::checker_log_all_failures>},
        {"dynamic_interfaces", &dynamic_interfaces},
        {"no_email_faults", &set_kw<GlobalDefs, &GlobalDefs::no_email_faults>},
        {"default_interface", &string_kw<GlobalDefs, &GlobalDefs::default_interface>},
        {"disable_local_igmp", &set_kw<GlobalDefs, &GlobalDefs::disable_local_igmp>},
        {"lvs_timeouts", &lvs_timeouts},
        {"lvs_flush", &set_kw<GlobalDefs, &GlobalDefs::lvs_flush>},
        {"lvs_flush_on_stop", &lvs_flush_on_stop},
        {"lvs_flush_onstop", &lvs_flush_on_stop},  // keepalived's old spelling, still accepted
        {"lvs_sync_daemon", &lvs_sync_daemon},
        {"vrrp_mcast_group4", &mcast_group<&GlobalDefs::vrrp_mcast_group4>},
        {"vrrp_mcast_group6", &mcast_group<&GlobalDefs::vrrp_mcast_group6>},
        {"vrrp_garp_master_delay",
         &whole_seconds_kw<GlobalDefs, &GlobalDefs::vrrp_garp_master_delay, 0, kMaxTimerSeconds>},
        {"vrrp_garp_master_repeat", &garp_repeat<&GlobalDefs::vrrp_garp_master_repeat>},
        {"vrrp_garp_master_refresh",
         &whole_seconds_kw<GlobalDefs, &GlobalDefs::vrrp_garp_master_refresh, 0, UINT32_MAX>},
        {"vrrp_garp_master_refresh_repeat",
         &garp_repeat<&GlobalDefs::vrrp_garp_master_refresh_repeat>},
        {"vrrp_garp_lower_prio_delay",
         &whole_seconds_kw<GlobalDefs, &GlobalDefs::vrrp_garp_lower_prio_delay, 0,
                           kMaxTimerSeconds>},
        {"vrrp_garp_lower_prio_repeat",
         &uint_kw<GlobalDefs, &GlobalDefs::vrrp_garp_lower_prio_repeat, 0, INT32_MAX>},
        {"vrrp_down_timer_adverts",
         &uint_kw<GlobalDefs, &GlobalDefs::vrrp_down_timer_adverts, 1, 100>},
        {"vrrp_garp_interval", &garp_interval<&GlobalDefs::vrrp_garp_interval>},
        {"vrrp_gna_interval", &garp_interval<&GlobalDefs::vrrp_gna_interval>},
        {"vrrp_min_garp", &vrrp_min_garp},
        {"vrrp_garp_extra_if", &vrrp_garp_extra_if},
        {"vrrp_vmac_garp_intvl", &vrrp_garp_extra_if},
        {"vrrp_lower_prio_no_advert", &flag_kw<GlobalDefs, &GlobalDefs::vrrp_lower_prio_no_advert>},
        {"vrrp_higher_prio_send_advert",
         &flag_kw<GlobalDefs, &GlobalDefs::vrrp_higher_prio_send_advert>},
        {"vrrp_version", &vrrp_version},
        {"nftables", &opt_string_kw<GlobalDefs, &GlobalDefs::nftables, kKeepalivedTable>},
        {"nftables_priority",
         &int_kw<GlobalDefs, &GlobalDefs::nftables_priority, INT32_MIN, INT32_MAX>},
        {"nftables_ifindex", &set_kw<GlobalDefs, &GlobalDefs::nftables_ifindex>},
        {"nftables_ipvs",
         &opt_string_kw<GlobalDefs, &GlobalDefs::nftables_ipvs, kKeepalivedIpvsTable>},
        {"nftables_ipvs_priority",
         &int_kw<GlobalDefs, &GlobalDefs::nftables_ipvs_priority, INT32_MIN, INT32_MAX>},
        {"nftables_ipvs_start_fwmark",
         &uint_kw<GlobalDefs, &GlobalDefs::nftables_ipvs_start_fwmark, 1, UINT32_MAX>},
        {"nftables_counters", &set_kw<GlobalDefs, &GlobalDefs::nftables_counters>},
        // keepalived ignores any argument of these three; vigil rejects one rather than
        // silently reading `vrrp_strict off` as "on".
        {"vrrp_check_unicast_src", &set_kw<GlobalDefs, &GlobalDefs::vrrp_check_unicast_src>},
        {"vrrp_skip_check_adv_addr", &set_kw<GlobalDefs, &GlobalDefs::vrrp_skip_check_adv_addr>},
        {"vrrp_strict", &set_kw<GlobalDefs, &GlobalDefs::vrrp_strict>},
        {"notify_fifo", &detail::notify_fifo},
        {"notify_fifo_script", &detail::notify_fifo_script},
        {"vrrp_notify_fifo", &detail::notify_fifo},
        {"vrrp_notify_fifo_script", &detail::notify_fifo_script},
        {"vrrp_notify_priority_changes",
         &flag_kw<GlobalDefs, &GlobalDefs::vrrp_notify_priority_changes>},
        {"fifo_write_vrrp_states_on_reload",
         &flag_kw<GlobalDefs, &GlobalDefs::fifo_write_vrrp_states_on_reload>},
        {"lvs_notify_fifo", &detail::notify_fifo},
        {"lvs_notify_fifo_script", &detail::notify_fifo_script},
        {"script_user", &script_user},
        {"enable_script_security", &set_kw<GlobalDefs, &GlobalDefs::enable_script_security>},
        {"rs_init_notifies", &flag_kw<GlobalDefs, &GlobalDefs::rs_init_notifies>},
        {"no_checker_emails", &flag_kw<GlobalDefs, &GlobalDefs::no_checker_emails>},
        {"vrrp_startup_delay", &detail::vrrp_startup_delay},
        {"log_unknown_vrids", &set_kw<GlobalDefs, &GlobalDefs::log_unknown_vrids>},
        {"data_use_instance", &flag_kw<GlobalDefs, &GlobalDefs::data_use_instance>},
    };
    for (const auto& k : detail::global_system_keywords()) t.push_back(k);
    for (const auto& k : detail::global_smtp_keywords()) t.push_back(k);
    for (std::string_view snmp :
         {"snmp_socket", "enable_traps", "enable_snmp_vrrp", "enable_snmp_keepalived",
          "enable_snmp_rfc", "enable_snmp_rfcv2", "enable_snmp_rfcv3", "enable_snmp_checker"}) {
      t.push_back({snmp, nullptr, KeywordKind::kUnsupported, "SNMP"});
    }
    for (std::string_view dbus : {"enable_dbus", "dbus_service_name"}) {
      t.push_back({dbus, nullptr, KeywordKind::kUnsupported, "DBus"});
    }
    for (std::string_view bfd : {"bfd_priority", "bfd_no_swap", "bfd_rt_priority",
                                 "bfd_cpu_affinity", "bfd_rlimit_rttime", "bfd_rlimit_rtime"}) {
      t.push_back({bfd, nullptr, KeywordKind::kUnsupported, "BFD"});
    }
    return t;
  }();
  return table;
}

// ---- top level ----

void global_defs(const Node& n, BindContext& ctx, Config& c) {
  if (n.argc() != 0) {
    ctx.diag.error(n.arg(0).location,
                   "'global_defs' takes no arguments; unexpected " + q(n.arg(0).text));
  }
  if (!expect_block(n, ctx)) return;
  if (c.global.location.line == 0) c.global.location = n.location();
  const auto& table = global_defs_keywords();
  bind_block(n, std::span<const Keyword<GlobalDefs>>(table), "global_defs", ctx, c.global);
}

void net_namespace(const Node& n, BindContext& ctx, Config& c) {
  if (!line_args(n, ctx, 1, 1)) return;
  if (!c.global.net_namespace.empty()) {
    ctx.diag.error(n.arg(0).location, "duplicate 'net_namespace' " + q(n.arg(0).text) +
                                          " (already " + q(c.global.net_namespace) + "); ignoring");
    return;
  }
  c.global.net_namespace = n.arg(0).text;
  c.global.use_pid_dir = true;
}

void net_namespace_ipvs(const Node& n, BindContext& ctx, Config& c) {
  if (!line_args(n, ctx, 0, 1)) return;
  if (c.global.net_namespace_ipvs) {
    ctx.diag.error(n.location(), "duplicate 'net_namespace_ipvs'; ignoring");
    return;
  }
  c.global.net_namespace_ipvs = n.argc() == 1 ? n.arg(0).text : "";
}

void instance(const Node& n, BindContext& ctx, Config& c) {
  if (!line_args(n, ctx, 1, 1)) return;
  if (!c.global.instance.empty()) {
    ctx.diag.error(n.arg(0).location, "duplicate 'instance' " + q(n.arg(0).text) + " (already " +
                                          q(c.global.instance) + "); ignoring");
    return;
  }
  c.global.instance = n.arg(0).text;
  c.global.use_pid_dir = true;
}

void child_wait_time(const Node& n, BindContext& ctx, Config& c) {
  if (!line_args(n, ctx, 1, 1)) return;
  if (auto v = parse_uint(n, 0, 0, UINT32_MAX, ctx)) {
    c.global.child_wait_time = std::chrono::seconds(*v);
  }
}

template <auto M>
void top_flag(const Node& n, BindContext& ctx, Config& c) {
  if (!line_args(n, ctx, 0, 0)) return;
  c.global.*M = true;
}

const Keyword<Config> kTopLevel[] = {
    {"global_defs", &global_defs},
    {"linkbeat_use_polling", &top_flag<&GlobalDefs::linkbeat_use_polling>},
    {"net_namespace", &net_namespace},
    {"net_namespace_ipvs", &net_namespace_ipvs},
    {"namespace_with_ipsets", &top_flag<&GlobalDefs::namespace_with_ipsets>},
    {"use_pid_dir", &top_flag<&GlobalDefs::use_pid_dir>},
    {"instance", &instance},
    {"child_wait_time", &child_wait_time},
};

}  // namespace

std::span<const Keyword<config::Config>> global_top_level_keywords() { return kTopLevel; }

void finalize_global(config::Config& config, BindContext& ctx) {
  GlobalDefs& g = config.global;
  // keepalived (global_data.c): the lower-priority GARP settings default to the master ones.
  if (!g.vrrp_garp_lower_prio_delay) g.vrrp_garp_lower_prio_delay = g.vrrp_garp_master_delay;
  if (!g.vrrp_garp_lower_prio_repeat) {
    g.vrrp_garp_lower_prio_repeat = g.vrrp_garp_master_repeat;
  }
  if (!g.vmac_addr_prefix) g.vmac_addr_prefix = g.vmac_prefix;
  detail::finalize_smtp_client(config, ctx);

  auto add_script = [&](const std::optional<config::ScriptSpec>& s, ScriptKind kind,
                        std::string what) {
    if (!s) return;
    ctx.host.scripts.push_back({s->command, s->user.empty() ? g.script_user : s->user, kind,
                                s->location, std::move(what)});
  };
  add_script(g.startup_script, ScriptKind::kGlobal, "startup_script");
  add_script(g.shutdown_script, ScriptKind::kGlobal, "shutdown_script");
  add_script(g.notify_fifo.script, ScriptKind::kFifo, "notify_fifo_script");
  // keepalived checks the VRRP FIFO's script in its VRRP process (counted only with a
  // vrrp_instance) and the LVS FIFO's in its checker process (only with a virtual_server).
  add_script(g.vrrp_notify_fifo.script, ScriptKind::kNotify, "vrrp_notify_fifo_script");
  add_script(g.lvs_notify_fifo.script, ScriptKind::kCheckNotify, "lvs_notify_fifo_script");

  // keepalived: "the FIFO names must all be different".
  const config::NotifyFifo* fifos[] = {&g.notify_fifo, &g.vrrp_notify_fifo, &g.lvs_notify_fifo};
  for (std::size_t i = 0; i < 3; ++i) {
    for (std::size_t j = i + 1; j < 3; ++j) {
      if (!fifos[i]->name.empty() && fifos[i]->name == fifos[j]->name) {
        ctx.diag.error(fifos[j]->location, "notify FIFO " + q(fifos[j]->name) +
                                               " is used twice; the FIFO names must differ");
      }
    }
  }
  if (g.lvs_sync_daemon) {
    // keepalived -t does not check this interface (measured).
    ctx.host.interfaces.push_back(
        {g.lvs_sync_daemon->interface, g.lvs_sync_daemon->location, "lvs_sync_daemon", false});
  }
}

}  // namespace vigil::parser
