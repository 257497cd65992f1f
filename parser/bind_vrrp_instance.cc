// vrrp_instance NAME { ... } (keepalived 2.2.7 vrrp_parser.c). Checks that need the whole
// file (defaults, state/priority rules, sync groups, VRID conflicts) are in finalize_vrrp.cc.
#include <charconv>

#include "parser/bind_vrrp_internal.h"

namespace vigil::parser::detail {
namespace {

using config::Duration;
using config::VrrpInstance;
using core::Family;
using T = InstanceTarget;

std::string pre(const T& t) { return "(" + t.inst.name + ") "; }

// The instance's address family comes from the first of its VIPs, mcast/unicast source,
// unicast peers, mcast_dst_ip or native_ipv6; later ones must agree.
bool family_agrees(T& t, Family f) {
  if (!t.family_set) {
    t.inst.family = f;
    t.family_set = true;
    return true;
  }
  return t.inst.family == f;
}

// Linux's dev_name_valid(): 1..15 characters, not "." or "..", no '/', ':' or white space.
bool valid_ifname(std::string_view s) {
  if (s.empty() || s.size() > 15 || s == "." || s == "..") return false;
  for (char c : s) {
    if (c == '/' || c == ':' || c == ' ' || c == '\t') return false;
  }
  return true;
}

void state(const Node& n, BindContext& ctx, T& t) {
  if (!line_args(n, ctx, 1, 1)) return;
  const std::string& s = n.arg(0).text;
  if (s == "MASTER") {
    t.inst.configured_state = config::InstanceState::kMaster;
  } else if (s == "BACKUP") {
    if (t.inst.configured_state == config::InstanceState::kMaster) {
      ctx.diag.warning(n.arg(0).location, pre(t) +
                                              "state previously set as MASTER; ignoring "
                                              "BACKUP");
    } else {
      t.inst.configured_state = config::InstanceState::kBackup;
    }
  } else {
    ctx.diag.error(n.arg(0).location, "'state': invalid value " + q(s) +
                                          " (expected one of MASTER, BACKUP); using BACKUP");
    t.inst.configured_state = config::InstanceState::kBackup;
  }
}

void interface(const Node& n, BindContext& ctx, T& t) {
  if (!line_args(n, ctx, 1, 1)) return;
  const Token& name = n.arg(0);
  if (name.text.size() >= 16) {
    ctx.diag.error(name.location, "interface name " + q(name.text) +
                                      " is too long (at most 15 characters); ignoring it");
    return;
  }
  t.inst.interface = name.text;
  ctx.host.interfaces.push_back({name.text, name.location, "vrrp_instance " + t.inst.name});
}

void vrf(const Node& n, BindContext& ctx, T& t) {
  if (!line_args(n, ctx, 1, 1)) return;
  const Token& name = n.arg(0);
  if (name.text.size() >= 16) {
    ctx.diag.error(name.location,
                   pre(t) + "VRF interface name " + q(name.text) + " is too long; ignoring it");
  } else if (!t.inst.interface.empty()) {
    ctx.diag.error(name.location, pre(t) +
                                      "cannot give both 'vrf' and 'interface'; ignoring "
                                      "'vrf'");
  } else if (!t.inst.vrf.empty()) {
    ctx.diag.error(name.location, pre(t) + "VRF interface already given as " + q(t.inst.vrf) +
                                      "; ignoring " + q(name.text));
  } else {
    t.inst.vrf = name.text;
    ctx.host.interfaces.push_back({name.text, name.location, "VRF of " + t.inst.name});
  }
}

void use_vmac(const Node& n, BindContext& ctx, T& t) {
  if (!expect_no_block(n, ctx)) return;
  t.inst.use_vmac = true;
  for (std::size_t i = 0; i < n.argc(); ++i) {
    const Token& a = n.arg(i);
    if (a.text.find(':') != std::string::npos) {
      // A MAC address (interface names cannot contain ':'); 5 octets means "VRID last".
      std::string mac = a.text;
      const bool trailing = mac.back() == ':';  // "aa:bb:cc:dd:ee:" means 5 octets too
      if (trailing) mac.pop_back();
      bool ok = mac.find_first_not_of("0123456789abcdefABCDEF:") == std::string::npos;
      std::size_t octets = 0, len = 0;
      for (char c : mac + ":") {
        if (c == ':') {
          ok = ok && len >= 1 && len <= 2;
          ++octets;
          len = 0;
        } else {
          ++len;
        }
      }
      ok = ok && (octets == 5 || (octets == 6 && !trailing));
      if (!t.inst.vmac_mac.empty()) {
        ctx.diag.error(a.location,
                       "VMAC interface address already specified; ignoring " + q(a.text));
      } else if (!ok) {
        ctx.diag.error(a.location, "invalid VMAC MAC address " + q(a.text) +
                                       " (expected 5 or 6 hex octets); ignoring it");
      } else if (std::stoul(a.text.substr(0, a.text.find(':')), nullptr, 16) & 1) {
        ctx.diag.error(a.location, "VMAC MAC address " + q(a.text) +
                                       " is multicast; "
                                       "ignoring it");
      } else {
        t.inst.vmac_mac = a.text;
      }
      continue;
    }
    std::size_t idx = i;
    if (a.text == "name" && i + 1 < n.argc()) idx = ++i;
    const Token& name = n.arg(idx);
    if (!t.inst.vmac_name.empty()) {
      ctx.diag.error(name.location,
                     "VMAC interface name already specified; ignoring " + q(name.text));
    } else if (!valid_ifname(name.text)) {
      ctx.diag.error(name.location, "VMAC interface name " + q(name.text) +
                                        " is too long or has invalid characters; ignoring it");
    } else {
      bool used = false;
      for (const auto& other : t.config.vrrp.instances) {
        if (&other != &t.inst && other.vmac_name == name.text) {
          ctx.diag.error(name.location, pre(t) + "VRRP instance " + other.name +
                                            " is already using " + q(name.text) +
                                            "; ignoring the name");
          used = true;
        }
      }
      if (!used) t.inst.vmac_name = name.text;
    }
  }
}

void use_ipvlan(const Node& n, BindContext& ctx, T& t) {
  if (!expect_no_block(n, ctx)) return;
  if (t.inst.use_ipvlan) {
    ctx.diag.error(n.location(), pre(t) + "use_ipvlan already specified");
    return;
  }
  t.inst.use_ipvlan = true;
  for (std::size_t i = 0; i < n.argc(); ++i) {
    const Token& a = n.arg(i);
    if (a.text == "bridge" || a.text == "private" || a.text == "vepa") {
      if (!t.inst.ipvlan_mode.empty()) {
        ctx.diag.error(a.location, pre(t) + "ipvlan type already specified; ignoring " + q(a.text));
      } else {
        t.inst.ipvlan_mode = a.text;
      }
      continue;
    }
    std::size_t idx = (a.text == "name" && i + 1 < n.argc()) ? ++i : i;
    const Token& v = n.arg(idx);
    if (idx == i && core::parse_ip_address(v.text.substr(0, v.text.find('/')))) {
      auto p = core::parse_ip_prefix(v.text);
      if (!p) {
        ctx.diag.error(v.location, pre(t) + "invalid ipvlan address " + q(v.text));
      } else if (t.inst.ipvlan_address) {
        ctx.diag.error(v.location,
                       pre(t) + "ipvlan address already specified; ignoring " + q(v.text));
      } else if (!family_agrees(t, core::family_of(p->address))) {
        ctx.diag.error(v.location, pre(t) + "ipvlan address " + q(v.text) +
                                       " must match the instance's address family; ignoring "
                                       "it");
      } else {
        t.inst.ipvlan_address = *p;
      }
      continue;
    }
    if (!t.inst.ipvlan_name.empty()) {
      ctx.diag.error(v.location,
                     pre(t) + "IPVLAN interface already specified; ignoring " + q(v.text));
    } else if (v.text.size() >= 16) {
      ctx.diag.error(v.location,
                     pre(t) + "IPVLAN interface name " + q(v.text) + " is too long; ignoring it");
    } else {
      t.inst.ipvlan_name = v.text;
    }
  }
  if (t.inst.ipvlan_mode.empty()) t.inst.ipvlan_mode = "bridge";
}

void unicast_peer(const Node& n, BindContext& ctx, T& t) {
  t.inst.unicast_keyword_used = true;
  for (const Word& w : value_block_words(n, ctx)) (void)w;  // shape check only
  for (const Node& line : n.children) {
    if (line.has_block) continue;
    auto a = core::parse_ip_address(line.words[0].text);
    if (!a) {
      ctx.diag.error(line.location(), pre(t) + "invalid unicast peer address " +
                                          q(line.words[0].text) + "; skipping it");
      continue;
    }
    if (!family_agrees(t, core::family_of(*a))) {
      ctx.diag.error(line.location(), pre(t) + "unicast peer address " + q(line.words[0].text) +
                                          " must be of the instance's address family; "
                                          "skipping it");
      continue;
    }
    config::UnicastPeer p{*a, std::nullopt, std::nullopt, line.location()};
    for (std::size_t i = 1; i < line.words.size(); ++i) {
      const Token& o = line.words[i];
      if ((o.text == "min_ttl" || o.text == "max_ttl") && i + 1 < line.words.size()) {
        const Token& v = line.words[++i];
        unsigned ttl = 0;
        auto [ptr, ec] = std::from_chars(v.text.data(), v.text.data() + v.text.size(), ttl);
        if (ec != std::errc() || ptr != v.text.data() + v.text.size() || ttl > 255) {
          ctx.diag.error(v.location,
                         pre(t) + "invalid " + o.text + " " + q(v.text) + " (expected 0..255)");
          break;
        }
        (o.text == "min_ttl" ? p.min_ttl : p.max_ttl) = static_cast<std::uint8_t>(ttl);
        t.inst.check_unicast_src = true;  // keepalived: a TTL range implies check_unicast_src
      } else {
        ctx.diag.error(o.location, pre(t) + "unknown unicast_peer option " + q(o.text));
        break;
      }
    }
    if (p.min_ttl.value_or(0) > p.max_ttl.value_or(255)) {
      ctx.diag.warning(line.location(), pre(t) + "min_ttl " + std::to_string(*p.min_ttl) +
                                            " > max_ttl " + std::to_string(*p.max_ttl) +
                                            "; all packets will be discarded");
    }
    t.inst.unicast_peers.push_back(p);
  }
}

void unicast_flag(const Node& n, BindContext& ctx, T& t) {
  if (!line_args(n, ctx, 0, 0)) return;
  t.inst.unicast_keyword_used = true;
  if (n.keyword() == "unicast_fault_no_peer") t.inst.unicast_fault_no_peer = true;
  if (n.keyword() == "check_unicast_src") t.inst.check_unicast_src = true;
}

void old_unicast_checksum(const Node& n, BindContext& ctx, T& t) {
  if (!line_args(n, ctx, 0, 1)) return;
  t.inst.unicast_keyword_used = true;
  if (n.argc() == 0) {
    t.inst.old_unicast_checksum = "on";
  } else if (n.arg(0).text == "never") {
    t.inst.old_unicast_checksum = "never";
  } else {
    report_bad_choice(n, 0, std::initializer_list<std::string_view>{"never"}, ctx);
  }
}

void native_ipv6(const Node& n, BindContext& ctx, T& t) {
  if (!line_args(n, ctx, 0, 0)) return;
  if (t.family_set && t.inst.family == Family::kIPv4) {
    ctx.diag.error(n.location(), pre(t) + "cannot specify native_ipv6 with IPv4 addresses");
    return;
  }
  family_agrees(t, Family::kIPv6);
  t.inst.native_ipv6 = true;
  t.inst.configured_version = 3;
}

void src_ip(const Node& n, BindContext& ctx, T& t) {
  if (!line_args(n, ctx, 1, 1)) return;
  const bool unicast = n.keyword() == "unicast_src_ip";
  if (unicast) t.inst.unicast_keyword_used = true;
  auto a = core::parse_ip_address(n.arg(0).text);
  if (!a) {
    ctx.diag.error(n.arg(0).location, q(n.keyword()) + ": invalid value " + q(n.arg(0).text) +
                                          " (expected an IPv4 or IPv6 address); skipping it");
    return;
  }
  if (!family_agrees(t, core::family_of(*a))) {
    ctx.diag.error(n.arg(0).location, pre(t) + "source address " + q(n.arg(0).text) +
                                          " must be of the instance's address family; "
                                          "skipping it");
    return;
  }
  (unicast ? t.inst.unicast_src_ip : t.inst.mcast_src_ip) = *a;
}

void mcast_dst_ip(const Node& n, BindContext& ctx, T& t) {
  if (!line_args(n, ctx, 1, 1)) return;
  auto a = parse_address(n, 0, ctx);
  if (!a) return;
  if (!family_agrees(t, core::family_of(*a))) {
    ctx.diag.error(n.arg(0).location, pre(t) + "mcast_dst_ip " + q(n.arg(0).text) +
                                          " must match the instance's address family; "
                                          "skipping it");
    return;
  }
  // IPv6 adverts must stay on the link: ffX2::/16.
  bool ok = a->is_v4() ? a->to_v4().is_multicast() : a->to_v6().is_multicast_link_local();
  if (!ok) {
    ctx.diag.error(n.arg(0).location, pre(t) + "mcast_dst_ip " + q(n.arg(0).text) + " is not " +
                                          (a->is_v6() ? "link-local " : "") +
                                          "multicast; skipping it");
    return;
  }
  t.inst.mcast_dst_ip = *a;
}

void version(const Node& n, BindContext& ctx, T& t) {
  if (!line_args(n, ctx, 1, 1)) return;
  auto v = parse_int(n, 0, 2, 3, ctx);
  if (!v) return;
  if ((t.inst.configured_version && *t.inst.configured_version != *v) ||
      (*v == 2 && t.family_set && t.inst.family == Family::kIPv6)) {
    ctx.diag.error(n.arg(0).location, pre(t) + "version " + std::to_string(*v) +
                                          " conflicts with the configured "
                                          "or deduced version " +
                                          std::to_string(t.inst.configured_version.value_or(3)) +
                                          "; ignoring it");
    return;
  }
  t.inst.configured_version = static_cast<int>(*v);
}

void priority(const Node& n, BindContext& ctx, T& t) {
  if (!line_args(n, ctx, 1, 1)) return;
  auto v = parse_uint(n, 0, 1, 255, ctx);
  // keepalived falls back to priority 100 (so state MASTER does not then imply 255).
  t.inst.configured_priority = static_cast<std::uint8_t>(v.value_or(100));
}

void advert_int(const Node& n, BindContext& ctx, T& t) {
  if (!line_args(n, ctx, 1, 1)) return;
  // keepalived reads 0.01..255 seconds at microsecond resolution; the per-version rounding
  // happens once the version is known (finalize).
  if (auto v =
          parse_duration(n, 0, std::chrono::milliseconds(10), std::chrono::seconds(255), ctx)) {
    t.inst.configured_advert_int = *v;
  }
}

void vip_block(const Node& n, BindContext& ctx, T& t) {
  const bool excluded = n.keyword() == "virtual_ipaddress_excluded";
  if (n.argc() != 0 || !n.has_block) {
    value_block_words(n, ctx);  // reports the shape problem
    if (!n.has_block) return;
  }
  for (const Node& line : n.children) {
    auto a = parse_address_line(line, AddressUse::kVirtual, ctx);
    if (!a) continue;
    if (excluded) {
      t.inst.virtual_ipaddress_excluded.push_back(std::move(*a));
      continue;
    }
    // All VIPs are advertised, so they must share the instance's family; excluded
    // addresses may mix (keepalived.conf(5)).
    if (!family_agrees(t, core::family_of(a->address.address))) {
      ctx.diag.error(line.location(), pre(t) + "address family must match the VRRP instance [" +
                                          line.words[0].text + "]; ignoring it");
      continue;
    }
    t.inst.virtual_ipaddress.push_back(std::move(*a));
  }
}

void route_block(const Node& n, BindContext& ctx, T& t) {
  if (n.argc() != 0 || !n.has_block) {
    value_block_words(n, ctx);
    if (!n.has_block) return;
  }
  for (const Node& line : n.children) {
    if (auto r = parse_route_line(line, AddressUse::kVirtual, ctx)) {
      t.inst.virtual_routes.push_back(std::move(*r));
    }
  }
}

void rule_block(const Node& n, BindContext& ctx, T& t) {
  if (n.argc() != 0 || !n.has_block) {
    value_block_words(n, ctx);
    if (!n.has_block) return;
  }
  for (const Node& line : n.children) {
    if (auto r = parse_rule_line(line, AddressUse::kVirtual, t.config, ctx)) {
      t.inst.virtual_rules.push_back(std::move(*r));
    }
  }
}

void track_interface(const Node& n, BindContext& ctx, T& t) {
  bind_track_interfaces(n, t.inst.name, t.inst.track_interfaces, ctx);
}
void track_script(const Node& n, BindContext& ctx, T& t) {
  bind_track_scripts(n, t.inst.name, t.config.vrrp, t.inst.track_scripts, ctx);
}
void track_file(const Node& n, BindContext& ctx, T& t) {
  bind_track_files(n, t.inst.name, t.config.vrrp, t.inst.track_files, ctx);
}

template <auto M>
void notify_kw(const Node& n, BindContext& ctx, T& t) {
  bind_notify(n, "(" + t.inst.name + ")", t.inst.*M, ctx);
}

void notify_deleted(const Node& n, BindContext& ctx, T& t) {
  if (t.inst.notify_deleted) {
    ctx.diag.error(n.location(), pre(t) + "notify_deleted already specified; ignoring this one");
    return;
  }
  t.inst.notify_deleted = true;
  if (n.argc() > 0) t.inst.notify_deleted_script = parse_script_spec(n, 0, ctx);
}

void preempt_delay(const Node& n, BindContext& ctx, T& t) {
  if (!line_args(n, ctx, 1, 1)) return;
  if (auto v = parse_duration(n, 0, Duration(0), std::chrono::seconds(1000), ctx)) {
    t.inst.preempt_delay = *v;
  }
}

void lvs_sync_daemon_interface(const Node& n, BindContext& ctx, T& t) {
  if (!line_args(n, ctx, 1, 1)) return;
  ctx.diag.warning(n.location(), pre(t) +
                                     "lvs_sync_daemon_interface in a vrrp_instance is "
                                     "deprecated; use global_defs lvs_sync_daemon");
  auto& g = t.config.global;
  if (g.lvs_sync_daemon) {
    ctx.diag.error(n.arg(0).location, pre(t) +
                                          "lvs_sync_daemon interface has already been "
                                          "specified as " +
                                          q(g.lvs_sync_daemon->interface) + "; ignoring");
    return;
  }
  config::LvsSyncDaemon d;
  d.interface = n.arg(0).text;
  d.instance = t.inst.name;
  d.location = n.arg(0).location;
  g.lvs_sync_daemon = d;
}

// garp_master_repeat / garp_master_refresh_repeat: 0 becomes 1 with a counted message.
template <auto M>
void garp_repeat(const Node& n, BindContext& ctx, T& t) {
  if (!line_args(n, ctx, 1, 1)) return;
  auto v = parse_uint(n, 0, 0, UINT32_MAX, ctx);
  if (!v) return;
  if (*v == 0) {
    ctx.diag.warning(n.arg(0).location,
                     pre(t) + q(n.keyword()) + " must be greater than 0; using 1");
    *v = 1;
  }
  t.inst.*M = static_cast<std::uint32_t>(*v);
}

template <auto M, std::uint64_t Max>
void garp_seconds(const Node& n, BindContext& ctx, T& t) {
  if (!line_args(n, ctx, 1, 1)) return;
  if (auto v = parse_uint(n, 0, 0, Max, ctx)) t.inst.*M = std::chrono::seconds(*v);
}

void garp_extra_if(const Node& n, BindContext& ctx, T& t) {
  if (!expect_no_block(n, ctx)) return;
  if (n.keyword() == "vmac_garp_intvl") {
    ctx.diag.warning(n.location(), "'vmac_garp_intvl' is deprecated; use 'garp_extra_if'");
  }
  std::optional<std::uint64_t> delay;
  bool all = false;
  for (std::size_t i = 0; i < n.argc(); ++i) {
    if (n.arg(i).text == "all") {
      all = true;
    } else if (!(delay = parse_uint(n, i, 0, 86400, ctx))) {
      return;
    }
  }
  if (!delay) {
    ctx.diag.error(n.location(), pre(t) + q(n.keyword()) +
                                     " needs an interval in seconds "
                                     "(0..86400)");
    return;
  }
  t.inst.garp_extra_if = std::chrono::seconds(*delay);
  t.inst.garp_extra_if_all = all;
}

void linkbeat(const Node& n, BindContext& ctx, T& t) {
  if (!line_args(n, ctx, 0, 0)) return;
  ctx.diag.warning(n.location(), pre(t) +
                                     "'linkbeat_use_polling' in a vrrp_instance is "
                                     "deprecated; use a linkbeat_interfaces block");
  t.inst.linkbeat_use_polling = true;
}

void kernel_rx_buf_size(const Node& n, BindContext& ctx, T& t) {
  if (!line_args(n, ctx, 1, 1)) return;
  if (auto v = parse_uint(n, 0, 0, UINT32_MAX, ctx)) {
    t.inst.kernel_rx_buf_size = static_cast<std::uint32_t>(*v);
  }
}

// authentication { auth_type PASS|AH  auth_pass SECRET }
struct AuthTarget {
  T& t;
  config::Authentication& auth;
  bool have_type = false;
};

void auth_type(const Node& n, BindContext& ctx, AuthTarget& a) {
  if (!line_args(n, ctx, 1, 1)) return;
  if (auto v = parse_choice<config::AuthType>(
          n, 0, {{"PASS", config::AuthType::kPass}, {"AH", config::AuthType::kAh}}, ctx)) {
    a.auth.type = *v;
    a.have_type = true;
  }
}

void auth_pass(const Node& n, BindContext& ctx, AuthTarget& a) {
  if (!line_args(n, ctx, 1, 1)) return;
  std::string p = n.arg(0).text;
  // RFC 2338 5.3.11: the simple text password is 8 octets; keepalived truncates.
  if (p.size() > 8) {
    ctx.diag.warning(n.arg(0).location,
                     "'auth_pass' is longer than 8 characters; truncating "
                     "to " +
                         q(p.substr(0, 8)));
    p.resize(8);
  }
  a.auth.password = p;
}

const Keyword<AuthTarget> kAuthKeywords[] = {
    {"auth_type", &auth_type},
    {"auth_pass", &auth_pass},
};

void authentication(const Node& n, BindContext& ctx, T& t) {
  if (n.argc() != 0) {
    ctx.diag.error(n.arg(0).location,
                   "'authentication' takes no arguments; unexpected " + q(n.arg(0).text));
  }
  if (!expect_block(n, ctx)) return;
  config::Authentication auth = t.inst.authentication.value_or(config::Authentication{});
  auth.location = n.location();
  AuthTarget a{t, auth};
  bind_block(n, std::span<const Keyword<AuthTarget>>(kAuthKeywords), "authentication", ctx, a);
  // keepalived only enables authentication once auth_type is set.
  if (a.have_type || t.inst.authentication) t.inst.authentication = auth;
}

template <auto M>
void iflag(const Node& n, BindContext& ctx, T& t) {
  if (!line_args(n, ctx, 0, 1)) return;
  if (auto v = parse_flag(n, 0, ctx)) t.inst.*M = *v;
}

template <auto M>
void iset(const Node& n, BindContext& ctx, T& t) {
  if (!line_args(n, ctx, 0, 0)) return;
  t.inst.*M = true;
}

void preempt(const Node& n, BindContext& ctx, T& t) {
  if (!line_args(n, ctx, 0, 0)) return;
  t.inst.nopreempt = n.keyword() == "nopreempt";
}

void accept(const Node& n, BindContext& ctx, T& t) {
  if (!line_args(n, ctx, 0, 0)) return;
  t.inst.accept = n.keyword() == "accept";
}

template <auto M, std::uint64_t Min, std::uint64_t Max>
void iuint(const Node& n, BindContext& ctx, T& t) {
  if (!line_args(n, ctx, 1, 1)) return;
  if (auto v = parse_uint(n, 0, Min, Max, ctx)) {
    using V = std::remove_cvref_t<decltype(t.inst.*M)>;
    if constexpr (requires(V o) { o.value(); }) {
      t.inst.*M = static_cast<typename V::value_type>(*v);
    } else {
      t.inst.*M = static_cast<V>(*v);
    }
  }
}

const Keyword<T> kInstanceKeywords[] = {
    {"use_vmac", &use_vmac},
    {"use_vmac_addr", &iset<&VrrpInstance::use_vmac_addr>},
    {"vmac_xmit_base", &iset<&VrrpInstance::vmac_xmit_base>},
    {"use_ipvlan", &use_ipvlan},
    {"unicast_peer", &unicast_peer},
    {"unicast_fault_no_peer", &unicast_flag},
    {"check_unicast_src", &unicast_flag},
    {"old_unicast_checksum", &old_unicast_checksum},
    {"native_ipv6", &native_ipv6},
    {"state", &state},
    {"interface", &interface},
    {"vrf", &vrf},
    {"dont_track_primary", &iset<&VrrpInstance::dont_track_primary>},
    {"track_interface", &track_interface},
    {"track_script", &track_script},
    {"track_file", &track_file},
    {"track_process", nullptr, KeywordKind::kUnsupported, "process tracking"},
    {"track_bfd", nullptr, KeywordKind::kUnsupported, "BFD"},
    {"mcast_src_ip", &src_ip},
    {"unicast_src_ip", &src_ip},
    {"mcast_dst_ip", &mcast_dst_ip},
    {"track_src_ip", &iset<&VrrpInstance::track_src_ip>},
    {"virtual_router_id", &iuint<&VrrpInstance::virtual_router_id, 1, 255>},
    {"unicast_ttl", &iuint<&VrrpInstance::unicast_ttl, 0, 255>},
    {"version", &version},
    {"priority", &priority},
    {"advert_int", &advert_int},
    {"virtual_ipaddress", &vip_block},
    {"virtual_ipaddress_excluded", &vip_block},
    {"promote_secondaries", &iset<&VrrpInstance::promote_secondaries>},
    {"linkbeat_use_polling", &linkbeat},
    {"virtual_routes", &route_block},
    {"virtual_rules", &rule_block},
    {"accept", &accept},
    {"no_accept", &accept},
    {"skip_check_adv_addr", &iflag<&VrrpInstance::skip_check_adv_addr>},
    {"strict_mode", &iflag<&VrrpInstance::strict_mode>},
    {"preempt", &preempt},
    {"nopreempt", &preempt},
    {"preempt_delay", &preempt_delay},
    {"debug", &iuint<&VrrpInstance::debug, 0, 4>},
    {"notify_backup", &notify_kw<&VrrpInstance::notify_backup>},
    {"notify_master", &notify_kw<&VrrpInstance::notify_master>},
    {"notify_fault", &notify_kw<&VrrpInstance::notify_fault>},
    {"notify_stop", &notify_kw<&VrrpInstance::notify_stop>},
    {"notify_deleted", &notify_deleted},
    {"notify", &notify_kw<&VrrpInstance::notify>},
    {"notify_master_rx_lower_pri", &notify_kw<&VrrpInstance::notify_master_rx_lower_pri>},
    {"smtp_alert", &iflag<&VrrpInstance::smtp_alert>},
    {"notify_priority_changes", &iflag<&VrrpInstance::notify_priority_changes>},
    {"lvs_sync_daemon_interface", &lvs_sync_daemon_interface},
    {"garp_master_delay", &garp_seconds<&VrrpInstance::garp_master_delay, 4294>},
    {"garp_master_refresh", &garp_seconds<&VrrpInstance::garp_master_refresh, UINT32_MAX>},
    {"garp_master_repeat", &garp_repeat<&VrrpInstance::garp_master_repeat>},
    {"garp_master_refresh_repeat", &garp_repeat<&VrrpInstance::garp_master_refresh_repeat>},
    {"garp_lower_prio_delay", &garp_seconds<&VrrpInstance::garp_lower_prio_delay, 4294>},
    {"garp_lower_prio_repeat", &iuint<&VrrpInstance::garp_lower_prio_repeat, 0, INT32_MAX>},
    {"down_timer_adverts", &iuint<&VrrpInstance::down_timer_adverts, 1, 100>},
    {"garp_extra_if", &garp_extra_if},
    {"vmac_garp_intvl", &garp_extra_if},
    {"lower_prio_no_advert", &iflag<&VrrpInstance::lower_prio_no_advert>},
    {"higher_prio_send_advert", &iflag<&VrrpInstance::higher_prio_send_advert>},
    {"kernel_rx_buf_size", &kernel_rx_buf_size},
    {"authentication", &authentication},
};

// keepalived's vrrp_end_handler: checks that only need the instance itself.
void end_of_instance(T& t, BindContext& ctx) {
  VrrpInstance& i = t.inst;
  const bool unicast = !i.unicast_peers.empty() || i.unicast_keyword_used;
  if (unicast && (i.use_vmac || i.use_ipvlan)) {
    if (i.interface.empty()) {
      ctx.diag.warning(i.location, pre(t) +
                                       "cannot use VMAC/ipvlan with unicast and no "
                                       "interface; clearing use_vmac");
      i.use_vmac = i.use_ipvlan = false;
      i.vmac_name.clear();
    } else if (!i.vmac_xmit_base && i.use_vmac) {
      ctx.diag.warning(i.location, pre(t) +
                                       "unicast with use_vmac requires vmac_xmit_base; "
                                       "setting it");
      i.vmac_xmit_base = true;
    }
  }
  if (i.unicast_peers.empty() && i.unicast_ttl) {
    ctx.diag.warning(i.location, pre(t) +
                                     "cannot use unicast_ttl without unicast peers; "
                                     "ignoring it");
    i.unicast_ttl.reset();
  }
  if (i.interface.empty()) i.linkbeat_use_polling = false;
}

}  // namespace

void bind_vrrp_instance(const Node& node, BindContext& ctx, config::Config& config) {
  if (node.argc() != 1) {
    ctx.diag.error(node.location(),
                   "'vrrp_instance' must have exactly one name; block "
                   "skipped");
    return;
  }
  if (!expect_block(node, ctx)) return;
  const std::string& name = node.arg(0).text;
  for (const auto& other : config.vrrp.instances) {
    if (other.name == name) {
      ctx.diag.error(node.arg(0).location, "vrrp_instance " + q(name) + " already defined at " +
                                               other.location.str() + "; block skipped");
      return;
    }
  }
  config.vrrp.instances.emplace_back();
  VrrpInstance& inst = config.vrrp.instances.back();
  inst.name = name;
  inst.location = node.location();
  T target{config, inst};
  bind_block(node, std::span<const Keyword<T>>(kInstanceKeywords), "vrrp_instance", ctx, target);
  end_of_instance(target, ctx);
}

}  // namespace vigil::parser::detail
