// global_defs keywords about processes, sockets, the firewall, notify FIFOs, umask and
// reloads (keepalived 2.2.7 global_parser.c).
#include <cctype>
#include <charconv>

#include "parser/bind_global_internal.h"

namespace vigil::parser::detail {
namespace {

using config::GlobalDefs;
using config::ProcessSettings;

ProcessSettings& process_of(const Node& n, GlobalDefs& g) {
  return n.keyword().starts_with("vrrp_") ? g.vrrp_process : g.checker_process;
}

void process_priority(const Node& n, BindContext& ctx, GlobalDefs& g) {
  if (!line_args(n, ctx, 1, 1)) return;
  if (auto v = parse_int(n, 0, -20, 19, ctx)) process_of(n, g).priority = static_cast<int>(*v);
}

void process_no_swap(const Node& n, BindContext& ctx, GlobalDefs& g) {
  if (!line_args(n, ctx, 0, 0)) return;
  process_of(n, g).no_swap = true;
}

// keepalived clamps a real-time priority to SCHED_RR's range [1, 99] with a counted message.
void process_rt_priority(const Node& n, BindContext& ctx, GlobalDefs& g) {
  if (!line_args(n, ctx, 1, 1)) return;
  auto v = parse_int(n, 0, INT32_MIN, INT32_MAX, ctx);
  if (!v) return;
  std::int64_t p = *v;
  if (p < 1 || p > 99) {
    p = p < 1 ? 1 : 99;
    ctx.diag.warning(n.arg(0).location, q(n.keyword()) + ": " + n.arg(0).text +
                                            " is outside 1..99; using " + std::to_string(p));
  }
  process_of(n, g).rt_priority = static_cast<int>(p);
}

void process_cpu_affinity(const Node& n, BindContext& ctx, GlobalDefs& g) {
  if (!line_args(n, ctx, 1, SIZE_MAX)) return;
  std::vector<unsigned> cpus;
  for (std::size_t i = 0; i < n.argc(); ++i) {
    // CPU_SETSIZE; whether the CPU is online is for the host to say.
    auto v = parse_uint(n, i, 0, 1023, ctx);
    if (!v) return;  // keepalived resets the whole set at the first bad id
    cpus.push_back(static_cast<unsigned>(*v));
  }
  process_of(n, g).cpu_affinity = std::move(cpus);
}

void process_rlimit(const Node& n, BindContext& ctx, GlobalDefs& g) {
  if (!line_args(n, ctx, 1, 1)) return;
  if (n.keyword().ends_with("_rtime")) {
    std::string good(n.keyword());
    good.insert(good.size() - 4, "t");
    notice(ctx, n.location(), q(n.keyword()) + " is deprecated; use " + q(good));
  }
  auto v = parse_uint(n, 0, 1, UINT32_MAX, ctx);
  if (!v) return;
  // keepalived halves the value elsewhere and needs a non-zero result.
  process_of(n, g).rlimit_rttime = static_cast<std::uint32_t>(*v == 1 ? 2 : *v);
}

config::NetlinkBuffers& buffers_of(const Node& n, GlobalDefs& g) {
  std::string_view k = n.keyword();
  if (k.starts_with("vrrp_netlink_cmd")) return g.vrrp_netlink_cmd_rcv_bufs;
  if (k.starts_with("vrrp_netlink_monitor")) return g.vrrp_netlink_monitor_rcv_bufs;
  if (k.starts_with("lvs_netlink_cmd")) return g.lvs_netlink_cmd_rcv_bufs;
  if (k.starts_with("lvs_netlink_monitor")) return g.lvs_netlink_monitor_rcv_bufs;
  return g.process_monitor_rcv_bufs;
}

void rcv_bufs(const Node& n, BindContext& ctx, GlobalDefs& g) {
  if (!line_args(n, ctx, 1, 1)) return;
  // keepalived treats 0 as "not set".
  if (auto v = parse_uint(n, 0, 0, UINT32_MAX, ctx); v && *v != 0) {
    buffers_of(n, g).size = static_cast<std::uint32_t>(*v);
  }
}

void rcv_bufs_force(const Node& n, BindContext& ctx, GlobalDefs& g) {
  if (!line_args(n, ctx, 0, 1)) return;
  if (auto v = parse_flag(n, 0, ctx)) buffers_of(n, g).force = *v;
}

void vrrp_rx_bufs_policy(const Node& n, BindContext& ctx, GlobalDefs& g) {
  if (!line_args(n, ctx, 1, SIZE_MAX)) return;
  bool mtu = false, advert = false;
  std::optional<std::uint32_t> size;
  for (std::size_t i = 0; i < n.argc(); ++i) {
    if (equal_words(n.arg(i).text, "MTU", true)) {
      mtu = true;
    } else if (equal_words(n.arg(i).text, "ADVERT", true)) {
      advert = true;
    } else if (auto v = parse_uint(n, i, 0, UINT32_MAX, ctx)) {
      size = static_cast<std::uint32_t>(*v);
    }
  }
  if (size && (mtu || advert)) {
    ctx.diag.warning(n.location(),
                     "'vrrp_rx_bufs_policy': cannot set both a size and a "
                     "policy; ignoring the policy");
    mtu = advert = false;
  } else if (mtu && advert) {
    ctx.diag.warning(n.location(),
                     "'vrrp_rx_bufs_policy': cannot set both MTU and ADVERT; "
                     "ignoring ADVERT");
    advert = false;
  }
  if (size) {
    g.vrrp_rx_bufs_policy = config::RxBufsPolicy::kSize;
    g.vrrp_rx_bufs_size = *size;
  } else if (mtu) {
    g.vrrp_rx_bufs_policy = config::RxBufsPolicy::kMtu;
  } else if (advert) {
    g.vrrp_rx_bufs_policy = config::RxBufsPolicy::kAdvert;
  }
}

void vrrp_rx_bufs_multiplier(const Node& n, BindContext& ctx, GlobalDefs& g) {
  if (!line_args(n, ctx, 1, 1)) return;
  if (auto v = parse_uint(n, 0, 1, UINT32_MAX, ctx)) {
    g.vrrp_rx_bufs_multiplier = static_cast<std::uint32_t>(*v);
  }
}

// Debian builds keepalived 2.2.7 with nftables and without iptables/ipset support: it accepts
// vrrp_iptables as a request for nftables (with a counted message) and does not know
// vrrp_ipsets. vigil follows that build.
void vrrp_iptables(const Node& n, BindContext& ctx, GlobalDefs& g) {
  if (!line_args(n, ctx, 0, 2)) return;
  ctx.diag.warning(n.location(),
                   "'vrrp_iptables' is not supported; using nftables instead "
                   "(replace 'vrrp_iptables' and 'vrrp_ipsets' with 'nftables')");
  g.vrrp_iptables = true;
  g.vrrp_iptables_in_chain = n.argc() > 0 ? n.arg(0).text : "INPUT";
  g.vrrp_iptables_out_chain = n.argc() > 1 ? n.arg(1).text : (n.argc() > 0 ? "" : "OUTPUT");
  if (!g.nftables) g.nftables = "keepalived";
}

void vrrp_ipsets(const Node& n, BindContext& ctx, GlobalDefs&) {
  ctx.diag.warning(n.location(),
                   "'vrrp_ipsets' is not supported (keepalived 2.2.7 as "
                   "packaged uses nftables, not iptables/ipsets); use 'nftables'");
}

void umask_kw(const Node& n, BindContext& ctx, GlobalDefs& g) {
  if (!line_args(n, ctx, 1, SIZE_MAX)) return;
  const std::string& first = n.arg(0).text;
  if (std::isdigit(static_cast<unsigned char>(first[0]))) {
    if (!expect_args(n, ctx, 1)) return;
    // strtol(..., 0): hex with 0x, octal with a leading 0, else decimal.
    int base = 10;
    std::string_view digits = first;
    if (digits.starts_with("0x") || digits.starts_with("0X")) {
      base = 16;
      digits.remove_prefix(2);
    } else if (digits.size() > 1 && digits[0] == '0') {
      base = 8;
      digits.remove_prefix(1);
    }
    unsigned v = 0;
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, base);
    if (digits.empty() || ec != std::errc() || p != digits.data() + digits.size() ||
        (v & ~0777u) != 0) {
      ctx.diag.error(n.arg(0).location, "'umask': invalid value " + q(first) +
                                            " (expected a mode 0..0777 or bits such as "
                                            "IWGRP|IWOTH)");
      return;
    }
    g.umask = v;
    return;
  }
  static const std::pair<std::string_view, unsigned> kBits[] = {
      {"IRUSR", 0400}, {"IWUSR", 0200}, {"IXUSR", 0100}, {"IRGRP", 040}, {"IWGRP", 020},
      {"IXGRP", 010},  {"IROTH", 04},   {"IWOTH", 02},   {"IXOTH", 01}};
  std::string all;
  for (std::size_t i = 0; i < n.argc(); ++i) all += n.arg(i).text;
  unsigned bits = 0;
  std::size_t pos = 0;
  while (true) {
    std::size_t bar = all.find('|', pos);
    std::string_view part = std::string_view(all).substr(pos, bar - pos);
    bool found = false;
    for (auto [name, bit] : kBits) {
      if (part == name) {
        bits |= bit;
        found = true;
      }
    }
    if (!found) {
      ctx.diag.error(n.arg(0).location, "'umask': unknown bit " + q(part) +
                                            " (expected I{R,W,X}{USR,GRP,OTH} joined by '|')");
      return;
    }
    if (bar == std::string::npos) break;
    pos = bar + 1;
  }
  g.umask = bits;
}

void random_seed(const Node& n, BindContext& ctx, GlobalDefs& g) {
  if (!line_args(n, ctx, 1, 1)) return;
  if (auto v = parse_uint(n, 0, 0, UINT32_MAX, ctx)) g.random_seed = static_cast<std::uint32_t>(*v);
}

template <auto M>
void once_string(const Node& n, BindContext& ctx, GlobalDefs& g) {
  if (!line_args(n, ctx, 1, 1)) return;
  if (g.*M) {
    ctx.diag.error(n.arg(0).location, q(n.keyword()) + " has already been specified as " +
                                          q(*(g.*M)) + "; ignoring " + q(n.arg(0).text));
    return;
  }
  g.*M = n.arg(0).text;
}

void reload_check_config(const Node& n, BindContext& ctx, GlobalDefs& g) {
  if (!line_args(n, ctx, 0, 1)) return;
  g.reload_check_config = n.argc() == 1 ? n.arg(0).text : "/dev/null";
}

void reload_file(const Node& n, BindContext& ctx, GlobalDefs& g) {
  if (!line_args(n, ctx, 0, 1)) return;
  g.reload_file = n.argc() == 1 ? n.arg(0).text : "/run/keepalived/keepalived.reload";
}

void include_check(const Node& n, BindContext& ctx, GlobalDefs& g) {
  if (!expect_no_block(n, ctx)) return;
  std::string opts;
  for (std::size_t i = 0; i < n.argc(); ++i) {
    if (!opts.empty()) opts += ' ';
    opts += n.arg(i).text;
  }
  g.include_check = opts;
}

void vmac_prefix(const Node& n, BindContext& ctx, GlobalDefs& g) {
  if (!line_args(n, ctx, 1, 1)) return;
  g.vmac_prefix = n.arg(0).text;
}

}  // namespace

config::NotifyFifo& fifo_of(const Node& n, GlobalDefs& g) {
  std::string_view k = n.keyword();
  if (k.starts_with("vrrp_")) return g.vrrp_notify_fifo;
  if (k.starts_with("lvs_")) return g.lvs_notify_fifo;
  return g.notify_fifo;
}

void notify_fifo(const Node& n, BindContext& ctx, GlobalDefs& g) {
  if (!line_args(n, ctx, 1, 3)) return;
  config::NotifyFifo& f = fifo_of(n, g);
  if (!f.name.empty()) {
    ctx.diag.error(n.arg(0).location, q(n.keyword()) + " already specified as " + q(f.name) +
                                          "; ignoring " + q(n.arg(0).text));
    return;
  }
  f.name = n.arg(0).text;
  f.user = n.argc() > 1 ? n.arg(1).text : "";
  f.group = n.argc() > 2 ? n.arg(2).text : "";
  f.location = n.arg(0).location;
}

void notify_fifo_script(const Node& n, BindContext& ctx, GlobalDefs& g) {
  config::NotifyFifo& f = fifo_of(n, g);
  if (f.script) {
    ctx.diag.error(n.location(), q(n.keyword()) + " already specified; ignoring");
    return;
  }
  f.script = parse_script_spec(n, 0, ctx);
}

void vrrp_startup_delay(const Node& n, BindContext& ctx, GlobalDefs& g) {
  if (!line_args(n, ctx, 1, 1)) return;
  auto v = parse_duration(n, 0, config::Duration(1), std::chrono::seconds(4294), ctx);
  if (!v) return;
  g.vrrp_startup_delay = *v;
  if (*v >= std::chrono::seconds(60)) {
    notice(ctx, n.arg(0).location,
           "'vrrp_startup_delay' is very large - " + n.arg(0).text + " seconds");
  }
}

const std::vector<Keyword<GlobalDefs>>& global_system_keywords() {
  static const std::vector<Keyword<GlobalDefs>> table = {
      {"vrrp_priority", &process_priority},
      {"checker_priority", &process_priority},
      {"vrrp_no_swap", &process_no_swap},
      {"checker_no_swap", &process_no_swap},
      {"vrrp_rt_priority", &process_rt_priority},
      {"checker_rt_priority", &process_rt_priority},
      {"vrrp_cpu_affinity", &process_cpu_affinity},
      {"checker_cpu_affinity", &process_cpu_affinity},
      {"vrrp_rlimit_rttime", &process_rlimit},
      {"vrrp_rlimit_rtime", &process_rlimit},
      {"checker_rlimit_rttime", &process_rlimit},
      {"checker_rlimit_rtime", &process_rlimit},
      {"vrrp_netlink_cmd_rcv_bufs", &rcv_bufs},
      {"vrrp_netlink_cmd_rcv_bufs_force", &rcv_bufs_force},
      {"vrrp_netlink_monitor_rcv_bufs", &rcv_bufs},
      {"vrrp_netlink_monitor_rcv_bufs_force", &rcv_bufs_force},
      {"process_monitor_rcv_bufs", &rcv_bufs},
      {"process_monitor_rcv_bufs_force", &rcv_bufs_force},
      {"lvs_netlink_cmd_rcv_bufs", &rcv_bufs},
      {"lvs_netlink_cmd_rcv_bufs_force", &rcv_bufs_force},
      {"lvs_netlink_monitor_rcv_bufs", &rcv_bufs},
      {"lvs_netlink_monitor_rcv_bufs_force", &rcv_bufs_force},
      {"vrrp_rx_bufs_policy", &vrrp_rx_bufs_policy},
      {"vrrp_rx_bufs_multiplier", &vrrp_rx_bufs_multiplier},
      {"vrrp_iptables", &vrrp_iptables},
      {"vrrp_ipsets", &vrrp_ipsets},
      {"vmac_prefix", &vmac_prefix},
      {"vmac_addr_prefix", &once_string<&GlobalDefs::vmac_addr_prefix>},
      {"umask", &umask_kw},
      {"random_seed", &random_seed},
      {"reload_check_config", &reload_check_config},
      {"reload_time_file", &string_kw<GlobalDefs, &GlobalDefs::reload_time_file>},
      {"reload_repeat", &set_kw<GlobalDefs, &GlobalDefs::reload_repeat>},
      {"reload_file", &reload_file},
      {"include_check", &include_check},
      {"tmp_config_directory", &once_string<&GlobalDefs::tmp_config_directory>},
      {"config_save_dir", &string_kw<GlobalDefs, &GlobalDefs::config_save_dir>},
  };
  return table;
}

}  // namespace vigil::parser::detail
