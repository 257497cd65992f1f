#include "vrrp/addresses.h"

#include <endian.h>
#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <sys/socket.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <utility>

#include "core/logging.h"
#include "vrrp/reload_plan.h"

namespace vigil::vrrp {

namespace {

constexpr std::uint32_t kInfinityLifetime = 0xffffffffu;

std::optional<std::uint64_t> number(std::string_view s, std::uint64_t max) {
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    s.remove_prefix(2);
    base = 16;
  }
  if (s.empty()) return std::nullopt;
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || p != s.data() + s.size() || v > max) return std::nullopt;
  return v;
}

// "NUMBER NAME" lines of iproute2's rt_tables / rt_protos, read once (start-up: the first
// AddressSet built validates its routes and rules).
std::optional<std::uint32_t> lookup_iproute2_file(const char* name, std::string_view key) {
  static std::mutex mu;
  static std::map<std::string, std::map<std::string, std::uint32_t, std::less<>>> cache;
  std::lock_guard lock(mu);
  auto [it, inserted] = cache.try_emplace(name);
  if (inserted) {
    for (const char* dir : {"/etc/iproute2/", "/usr/share/iproute2/", "/usr/lib/iproute2/"}) {
      std::ifstream in(std::string(dir) + name);
      std::string line;
      while (std::getline(in, line)) {
        std::istringstream words(line);
        std::string num, label;
        if (!(words >> num >> label) || num.empty() || num[0] == '#') continue;
        if (auto v = number(num, UINT32_MAX)) it->second.try_emplace(label, *v);
      }
    }
  }
  auto found = it->second.find(key);
  if (found == it->second.end()) return std::nullopt;
  return found->second;
}

bool put_address(nl_msg* msg, int type, const core::IpAddress& a) {
  if (a.is_v4()) {
    auto b = a.to_v4().to_bytes();
    return nla_put(msg, type, static_cast<int>(b.size()), b.data()) == 0;
  }
  auto b = a.to_v6().to_bytes();
  return nla_put(msg, type, static_cast<int>(b.size()), b.data()) == 0;
}

int af(core::Family f) { return f == core::Family::kIPv4 ? AF_INET : AF_INET6; }
int af(const core::IpAddress& a) { return a.is_v4() ? AF_INET : AF_INET6; }

// "lock 1400" / "1400" of a route metric.
std::optional<std::uint32_t> metric_value(std::string_view v, bool& lock) {
  lock = false;
  if (v.substr(0, 5) == "lock ") {
    lock = true;
    v.remove_prefix(5);
  }
  auto n = number(v, UINT32_MAX);
  if (!n) return std::nullopt;
  return static_cast<std::uint32_t>(*n);
}

std::optional<int> metric_type(std::string_view name) {
  static const std::map<std::string_view, int> kTypes = {
      {"window", RTAX_WINDOW},
      {"ssthresh", RTAX_SSTHRESH},
      {"cwnd", RTAX_CWND},
      {"advmss", RTAX_ADVMSS},
      {"reordering", RTAX_REORDERING},
      {"hoplimit", RTAX_HOPLIMIT},
      {"initcwnd", RTAX_INITCWND},
      {"features", RTAX_FEATURES},
      {"initrwnd", RTAX_INITRWND},
      {"quickack", RTAX_QUICKACK},
      {"fastopen_no_cookie", RTAX_FASTOPEN_NO_COOKIE},
  };
  auto it = kTypes.find(name);
  if (it == kTypes.end()) return std::nullopt;
  return it->second;
}

std::optional<std::uint32_t> realms_value(std::string_view v) {
  // "TO" or "FROM/TO", numbers only (names need rt_realms).
  auto slash = v.find('/');
  if (slash == std::string_view::npos) {
    auto to = number(v, 0xffff);
    if (!to) return std::nullopt;
    return static_cast<std::uint32_t>(*to);
  }
  auto from = number(v.substr(0, slash), 0xffff);
  auto to = number(v.substr(slash + 1), 0xffff);
  if (!from || !to) return std::nullopt;
  return static_cast<std::uint32_t>((*from << 16) | *to);
}

std::optional<std::pair<std::uint32_t, std::uint32_t>> range_value(std::string_view v,
                                                                   std::uint64_t max) {
  auto dash = v.find('-');
  auto lo = number(v.substr(0, dash), max);
  auto hi = dash == std::string_view::npos ? lo : number(v.substr(dash + 1), max);
  if (!lo || !hi || *lo > *hi) return std::nullopt;
  return std::make_pair(static_cast<std::uint32_t>(*lo), static_cast<std::uint32_t>(*hi));
}

std::optional<std::uint8_t> ip_protocol(std::string_view v) {
  static const std::map<std::string_view, std::uint8_t> kNames = {
      {"icmp", 1}, {"tcp", 6}, {"udp", 17}, {"ipv6-icmp", 58}, {"icmpv6", 58}, {"sctp", 132}};
  if (auto it = kNames.find(v); it != kNames.end()) return it->second;
  if (auto n = number(v, 255)) return static_cast<std::uint8_t>(*n);
  return std::nullopt;
}

std::string prefix_text(const core::IpPrefix& p) { return p.str(); }

std::string address_text(const config::VirtualAddress& a, const std::string& dev) {
  std::string t = a.peer ? a.address.address.to_string() + " peer " + a.peer->to_string() + "/" +
                               std::to_string(a.address.length)
                         : prefix_text(a.address);
  t += " dev " + dev;
  if (a.label) t += " label " + *a.label;
  return t;
}

std::string route_text(const config::Route& r) {
  std::string t = r.to ? prefix_text(*r.to) : "default";
  if (r.type != "unicast") t = r.type + " " + t;
  if (r.from) t += " from " + prefix_text(*r.from);
  if (r.src) t += " src " + r.src->to_string();
  if (r.via) t += " via " + r.via->to_string();
  if (!r.dev.empty()) t += " dev " + r.dev;
  for (const auto& nh : r.nexthops) {
    t += " nexthop";
    if (nh.via) t += " via " + nh.via->to_string();
    if (!nh.dev.empty()) t += " dev " + nh.dev;
    if (nh.weight) t += " weight " + std::to_string(*nh.weight);
  }
  if (r.table != "main") t += " table " + r.table;
  if (r.metric) t += " metric " + std::to_string(*r.metric);
  return t;
}

std::string rule_text(const config::Rule& r) {
  std::string t;
  if (r.invert) t += "not ";
  t += "from " + (r.from ? prefix_text(*r.from) : std::string("all"));
  if (r.to) t += " to " + prefix_text(*r.to);
  if (r.fwmark) t += " fwmark " + std::to_string(*r.fwmark);
  if (!r.iif.empty()) t += " iif " + r.iif;
  if (!r.oif.empty()) t += " oif " + r.oif;
  if (r.action == "lookup") {
    t += " lookup " + r.table;
  } else if (r.action == "goto" && r.goto_target) {
    t += " goto " + std::to_string(*r.goto_target);
  } else {
    t += " " + r.action;
  }
  if (r.preference) t += " pref " + std::to_string(*r.preference);
  return t;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Names

std::optional<std::uint8_t> parse_scope(std::string_view s) {
  static const std::map<std::string_view, std::uint8_t> kNames = {
      {"global", RT_SCOPE_UNIVERSE}, {"universe", RT_SCOPE_UNIVERSE},
      {"site", RT_SCOPE_SITE},       {"link", RT_SCOPE_LINK},
      {"host", RT_SCOPE_HOST},       {"nowhere", RT_SCOPE_NOWHERE}};
  if (auto it = kNames.find(s); it != kNames.end()) return it->second;
  if (auto n = number(s, 255)) return static_cast<std::uint8_t>(*n);
  return std::nullopt;
}

std::optional<std::uint32_t> parse_route_table(std::string_view s) {
  if (s.empty() || s == "main") return RT_TABLE_MAIN;
  if (s == "local") return RT_TABLE_LOCAL;
  if (s == "default") return RT_TABLE_DEFAULT;
  if (auto n = number(s, UINT32_MAX)) return static_cast<std::uint32_t>(*n);
  return lookup_iproute2_file("rt_tables", s);
}

std::optional<std::uint8_t> parse_route_protocol(std::string_view s) {
  static const std::map<std::string_view, std::uint8_t> kNames = {
      {"unspec", RTPROT_UNSPEC}, {"redirect", RTPROT_REDIRECT},
      {"kernel", RTPROT_KERNEL}, {"boot", RTPROT_BOOT},
      {"static", RTPROT_STATIC}, {"keepalived", kRtprotKeepalived},
      {"dhcp", RTPROT_DHCP},     {"ra", RTPROT_RA},
      {"bird", RTPROT_BIRD},     {"zebra", RTPROT_ZEBRA},
      {"babel", RTPROT_BABEL},   {"bgp", RTPROT_BGP},
      {"ospf", RTPROT_OSPF},     {"rip", RTPROT_RIP},
      {"isis", RTPROT_ISIS}};
  if (auto it = kNames.find(s); it != kNames.end()) return it->second;
  if (auto n = number(s, 255)) return static_cast<std::uint8_t>(*n);
  if (auto v = lookup_iproute2_file("rt_protos", s); v && *v <= 255) {
    return static_cast<std::uint8_t>(*v);
  }
  return std::nullopt;
}

std::optional<std::uint8_t> parse_route_type(std::string_view s) {
  static const std::map<std::string_view, std::uint8_t> kNames = {{"unicast", RTN_UNICAST},
                                                                  {"local", RTN_LOCAL},
                                                                  {"broadcast", RTN_BROADCAST},
                                                                  {"anycast", RTN_ANYCAST},
                                                                  {"multicast", RTN_MULTICAST},
                                                                  {"blackhole", RTN_BLACKHOLE},
                                                                  {"unreachable", RTN_UNREACHABLE},
                                                                  {"prohibit", RTN_PROHIBIT},
                                                                  {"throw", RTN_THROW},
                                                                  {"nat", RTN_NAT}};
  auto it = kNames.find(s);
  if (it == kNames.end()) return std::nullopt;
  return it->second;
}

// ---------------------------------------------------------------------------------------------
// Message builders

core::NlMsgPtr build_address_message(const config::VirtualAddress& a, int ifindex, bool add) {
  const bool v6 = a.address.address.is_v6();
  core::NlMsgPtr msg(
      nlmsg_alloc_simple(add ? RTM_NEWADDR : RTM_DELADDR, add ? NLM_F_CREATE | NLM_F_EXCL : 0));
  if (!msg) return nullptr;
  ifaddrmsg ifa{};
  ifa.ifa_family = static_cast<std::uint8_t>(af(a.address.address));
  ifa.ifa_prefixlen = a.address.length;
  ifa.ifa_index = static_cast<std::uint32_t>(ifindex);
  if (!v6 && a.scope) ifa.ifa_scope = parse_scope(*a.scope).value_or(RT_SCOPE_UNIVERSE);
  std::uint32_t flags = 0;
  if (add) {
    // keepalived (vrrp_ipaddress.c): IPv6 VIPs skip DAD unless "-nodad" is given. VRRP is the
    // duplicate detection; a VIP stuck in dadfailed after a split brain would never recover.
    if (v6 && !a.nodad) flags |= IFA_F_NODAD;
    if (a.home) flags |= IFA_F_HOMEADDRESS;
    if (a.mngtmpaddr) flags |= IFA_F_MANAGETEMPADDR;
    if (a.noprefixroute) flags |= IFA_F_NOPREFIXROUTE;
    if (a.autojoin) flags |= IFA_F_MCAUTOJOIN;
    ifa.ifa_flags = static_cast<std::uint8_t>(flags & 0xff);
  }
  if (nlmsg_append(msg.get(), &ifa, sizeof(ifa), NLMSG_ALIGNTO) < 0) return nullptr;
  bool ok = put_address(msg.get(), IFA_LOCAL, a.address.address);
  // IFA_ADDRESS is the peer of a point-to-point address, else the address itself (the kernel
  // matches it on delete, as keepalived sends it).
  ok = ok && put_address(msg.get(), IFA_ADDRESS, a.peer ? *a.peer : a.address.address);
  if (add) {
    if (flags != 0) ok = ok && nla_put_u32(msg.get(), IFA_FLAGS, flags) == 0;
    if (!v6 && a.broadcast) ok = ok && put_address(msg.get(), IFA_BROADCAST, *a.broadcast);
    if (!v6 && a.label) ok = ok && nla_put_string(msg.get(), IFA_LABEL, a.label->c_str()) == 0;
    // keepalived marks a /128 IPv6 VIP deprecated (preferred_lft 0, RFC 3484) so that it is not
    // chosen as a source address; the parser fills preferred_lft accordingly.
    if (v6 && a.preferred_lft) {
      ifa_cacheinfo ci{};
      ci.ifa_prefered = *a.preferred_lft;
      ci.ifa_valid = kInfinityLifetime;
      ok = ok && nla_put(msg.get(), IFA_CACHEINFO, sizeof(ci), &ci) == 0;
    }
  }
  if (!ok) return nullptr;
  return msg;
}

core::NlMsgPtr build_route_message(const config::Route& r, int oif,
                                   const std::vector<int>& nexthop_oifs, bool add,
                                   std::string& error, std::vector<std::string>& unsupported) {
  auto type = parse_route_type(r.type);
  if (!type) {
    error = "unknown route type " + r.type;
    return nullptr;
  }
  auto table = parse_route_table(r.table);
  if (!table) {
    error = "unknown routing table " + r.table;
    return nullptr;
  }
  std::uint8_t protocol = kRtprotKeepalived;
  if (r.protocol) {
    auto p = parse_route_protocol(*r.protocol);
    if (!p) {
      error = "unknown route protocol " + *r.protocol;
      return nullptr;
    }
    protocol = *p;
  }
  rtmsg rtm{};
  rtm.rtm_family = static_cast<std::uint8_t>(af(r.family));
  rtm.rtm_dst_len = r.to ? r.to->length : 0;
  rtm.rtm_src_len = r.from ? r.from->length : 0;
  rtm.rtm_table = static_cast<std::uint8_t>(*table < 256 ? *table : RT_TABLE_UNSPEC);
  rtm.rtm_protocol = protocol;
  rtm.rtm_type = *type;
  if (r.tos) {
    auto tos = number(*r.tos, 255);
    if (!tos) {
      error = "invalid tos " + *r.tos;
      return nullptr;
    }
    rtm.rtm_tos = static_cast<std::uint8_t>(*tos);
  }
  if (r.scope) {
    auto scope = parse_scope(*r.scope);
    if (!scope) {
      error = "unknown scope " + *r.scope;
      return nullptr;
    }
    rtm.rtm_scope = *scope;
  } else if (!add) {
    rtm.rtm_scope = RT_SCOPE_NOWHERE;  // as `ip route del`: match whatever scope it has
  } else if (*type == RTN_LOCAL || *type == RTN_NAT) {
    rtm.rtm_scope = RT_SCOPE_HOST;
  } else if (*type == RTN_BROADCAST || *type == RTN_MULTICAST || *type == RTN_ANYCAST) {
    rtm.rtm_scope = RT_SCOPE_LINK;
  } else if (*type == RTN_UNICAST && !r.via && r.nexthops.empty()) {
    rtm.rtm_scope = RT_SCOPE_LINK;  // `ip route`: a directly connected route
  } else {
    rtm.rtm_scope = RT_SCOPE_UNIVERSE;
  }
  if (r.onlink) rtm.rtm_flags |= RTNH_F_ONLINK;

  core::NlMsgPtr msg(
      nlmsg_alloc_simple(add ? RTM_NEWROUTE : RTM_DELROUTE, add ? NLM_F_CREATE | NLM_F_EXCL : 0));
  if (!msg || nlmsg_append(msg.get(), &rtm, sizeof(rtm), NLMSG_ALIGNTO) < 0) {
    error = "out of memory";
    return nullptr;
  }
  nl_msg* m = msg.get();
  bool ok = nla_put_u32(m, RTA_TABLE, *table) == 0;
  if (r.to && (r.to->length > 0 || !r.to->address.is_unspecified())) {
    ok = ok && put_address(m, RTA_DST, r.to->address);
  }
  if (r.from) ok = ok && put_address(m, RTA_SRC, r.from->address);
  if (r.src) ok = ok && put_address(m, RTA_PREFSRC, *r.src);
  if (r.via) {
    if (r.via->is_v4() != (r.family == core::Family::kIPv4)) {
      error = "a gateway of the other address family (RTA_VIA) is not supported";
      return nullptr;
    }
    ok = ok && put_address(m, RTA_GATEWAY, *r.via);
  }
  if (oif > 0) ok = ok && nla_put_u32(m, RTA_OIF, static_cast<std::uint32_t>(oif)) == 0;
  if (r.metric) ok = ok && nla_put_u32(m, RTA_PRIORITY, *r.metric) == 0;

  // Metrics.
  std::vector<std::pair<int, std::uint32_t>> metrics;
  std::uint32_t locks = 0;
  if (r.mtu) {
    metrics.emplace_back(RTAX_MTU, *r.mtu);
    if (r.mtu_lock) locks |= 1u << RTAX_MTU;
  }
  for (const auto& [name, value] : r.options) {
    if (name == "realms") {
      if (auto realms = realms_value(value)) {
        ok = ok && nla_put_u32(m, RTA_FLOW, *realms) == 0;
      } else {
        unsupported.push_back("realms " + value);
      }
      continue;
    }
    auto t = metric_type(name);
    bool lock = false;
    auto v = t ? metric_value(value, lock) : std::nullopt;
    if (!t || !v) {
      unsupported.push_back(name + " " + value);
      continue;
    }
    metrics.emplace_back(*t, *v);
    if (lock) locks |= 1u << *t;
  }
  if (!metrics.empty() || locks != 0) {
    nlattr* nest = nla_nest_start(m, RTA_METRICS);
    ok = ok && nest != nullptr;
    if (locks != 0) ok = ok && nla_put_u32(m, RTAX_LOCK, locks) == 0;
    for (const auto& [t, v] : metrics) ok = ok && nla_put_u32(m, t, v) == 0;
    if (nest != nullptr) nla_nest_end(m, nest);
  }

  // Multipath: RTA_MULTIPATH holds one rtnexthop per hop, each followed by its attributes.
  if (!r.nexthops.empty()) {
    nlattr* nest = nla_nest_start(m, RTA_MULTIPATH);
    ok = ok && nest != nullptr;
    for (std::size_t i = 0; ok && i < r.nexthops.size(); ++i) {
      const config::Nexthop& nh = r.nexthops[i];
      auto* rtnh = static_cast<rtnexthop*>(nlmsg_reserve(m, sizeof(rtnexthop), NLMSG_ALIGNTO));
      if (rtnh == nullptr) {
        ok = false;
        break;
      }
      *rtnh = rtnexthop{};
      rtnh->rtnh_ifindex = i < nexthop_oifs.size() ? nexthop_oifs[i] : 0;
      rtnh->rtnh_hops = static_cast<std::uint8_t>(nh.weight ? *nh.weight - 1 : 0);
      if (nh.onlink) rtnh->rtnh_flags |= RTNH_F_ONLINK;
      if (nh.via) {
        if (nh.via->is_v4() != (r.family == core::Family::kIPv4)) {
          error = "a nexthop gateway of the other address family is not supported";
          return nullptr;
        }
        ok = ok && put_address(m, RTA_GATEWAY, *nh.via);
      }
      if (nh.realms) {
        if (auto realms = realms_value(*nh.realms)) {
          ok = ok && nla_put_u32(m, RTA_FLOW, *realms) == 0;
        } else {
          unsupported.push_back("nexthop realms " + *nh.realms);
        }
      }
      auto* tail = reinterpret_cast<char*>(nlmsg_hdr(m)) + NLMSG_ALIGN(nlmsg_hdr(m)->nlmsg_len);
      rtnh->rtnh_len = static_cast<unsigned short>(tail - reinterpret_cast<char*>(rtnh));
    }
    if (nest != nullptr) nla_nest_end(m, nest);
  }
  if (!ok) {
    if (error.empty()) error = "route message too large";
    return nullptr;
  }
  return msg;
}

core::NlMsgPtr build_rule_message(const config::Rule& r, bool add, std::string& error,
                                  std::vector<std::string>& unsupported) {
  fib_rule_hdr frh{};
  frh.family = static_cast<std::uint8_t>(af(r.family));
  frh.dst_len = r.to ? r.to->length : 0;
  frh.src_len = r.from ? r.from->length : 0;
  if (r.invert) frh.flags |= FIB_RULE_INVERT;
  std::optional<std::uint32_t> table;
  if (r.action == "lookup" || r.action.empty()) {
    frh.action = FR_ACT_TO_TBL;
    table = parse_route_table(r.table);
    if (!table) {
      error = "unknown routing table " + r.table;
      return nullptr;
    }
  } else if (r.action == "l3mdev") {
    frh.action = FR_ACT_TO_TBL;
  } else if (r.action == "goto") {
    frh.action = FR_ACT_GOTO;
  } else if (r.action == "nop") {
    frh.action = FR_ACT_NOP;
  } else if (r.action == "blackhole") {
    frh.action = FR_ACT_BLACKHOLE;
  } else if (r.action == "unreachable") {
    frh.action = FR_ACT_UNREACHABLE;
  } else if (r.action == "prohibit") {
    frh.action = FR_ACT_PROHIBIT;
  } else {
    error = "unknown rule action " + r.action;
    return nullptr;
  }
  if (table) frh.table = static_cast<std::uint8_t>(*table < 256 ? *table : RT_TABLE_UNSPEC);
  if (r.tos) {
    auto tos = number(*r.tos, 255);
    if (!tos) {
      error = "invalid tos " + *r.tos;
      return nullptr;
    }
    frh.tos = static_cast<std::uint8_t>(*tos);
  }
  core::NlMsgPtr msg(
      nlmsg_alloc_simple(add ? RTM_NEWRULE : RTM_DELRULE, add ? NLM_F_CREATE | NLM_F_EXCL : 0));
  if (!msg || nlmsg_append(msg.get(), &frh, sizeof(frh), NLMSG_ALIGNTO) < 0) {
    error = "out of memory";
    return nullptr;
  }
  nl_msg* m = msg.get();
  bool ok = true;
  if (table) ok = nla_put_u32(m, FRA_TABLE, *table) == 0;
  if (r.from) ok = ok && put_address(m, FRA_SRC, r.from->address);
  if (r.to) ok = ok && put_address(m, FRA_DST, r.to->address);
  if (r.preference) ok = ok && nla_put_u32(m, FRA_PRIORITY, *r.preference) == 0;
  if (r.fwmark) ok = ok && nla_put_u32(m, FRA_FWMARK, *r.fwmark) == 0;
  if (r.fwmask) ok = ok && nla_put_u32(m, FRA_FWMASK, *r.fwmask) == 0;
  if (!r.iif.empty()) ok = ok && nla_put_string(m, FRA_IIFNAME, r.iif.c_str()) == 0;
  if (!r.oif.empty()) ok = ok && nla_put_string(m, FRA_OIFNAME, r.oif.c_str()) == 0;
  if (r.goto_target) ok = ok && nla_put_u32(m, FRA_GOTO, *r.goto_target) == 0;
  if (r.suppress_prefixlength) {
    ok = ok && nla_put_u32(m, FRA_SUPPRESS_PREFIXLEN, *r.suppress_prefixlength) == 0;
  }
  if (r.suppress_ifgroup) {
    auto group = *r.suppress_ifgroup == "default" ? std::optional<std::uint64_t>(0)
                                                  : number(*r.suppress_ifgroup, UINT32_MAX);
    if (group) {
      ok = ok && nla_put_u32(m, FRA_SUPPRESS_IFGROUP, static_cast<std::uint32_t>(*group)) == 0;
    } else {
      unsupported.push_back("suppress_ifgroup " + *r.suppress_ifgroup);
    }
  }
  if (r.l3mdev) ok = ok && nla_put_u8(m, FRA_L3MDEV, 1) == 0;
  if (r.realms) {
    if (auto realms = realms_value(*r.realms)) {
      ok = ok && nla_put_u32(m, FRA_FLOW, *realms) == 0;
    } else {
      unsupported.push_back("realms " + *r.realms);
    }
  }
  if (r.tunnel_id) ok = ok && nla_put_u64(m, FRA_TUN_ID, htobe64(*r.tunnel_id)) == 0;
  if (r.uidrange) {
    if (auto range = range_value(*r.uidrange, UINT32_MAX)) {
      fib_rule_uid_range uid{range->first, range->second};
      ok = ok && nla_put(m, FRA_UID_RANGE, sizeof(uid), &uid) == 0;
    } else {
      unsupported.push_back("uidrange " + *r.uidrange);
    }
  }
  if (r.ipproto) {
    if (auto p = ip_protocol(*r.ipproto)) {
      ok = ok && nla_put_u8(m, FRA_IP_PROTO, *p) == 0;
    } else {
      unsupported.push_back("ipproto " + *r.ipproto);
    }
  }
  for (auto [value, type] : {std::pair{&r.sport, FRA_SPORT_RANGE}, {&r.dport, FRA_DPORT_RANGE}}) {
    if (!*value) continue;
    if (auto range = range_value(**value, 65535)) {
      fib_rule_port_range ports{static_cast<std::uint16_t>(range->first),
                                static_cast<std::uint16_t>(range->second)};
      ok = ok && nla_put(m, type, sizeof(ports), &ports) == 0;
    } else {
      unsupported.push_back(std::string(type == FRA_SPORT_RANGE ? "sport " : "dport ") + **value);
    }
  }
  // keepalived tags its rules like its routes; a delete then matches only a tagged rule.
  const std::uint8_t protocol =
      r.protocol ? static_cast<std::uint8_t>(*r.protocol) : kRtprotKeepalived;
  ok = ok && nla_put_u8(m, FRA_PROTOCOL, protocol) == 0;
  if (!ok) {
    error = "rule message too large";
    return nullptr;
  }
  return msg;
}

// ---------------------------------------------------------------------------------------------
// AddressSet

struct AddressSet::AddressEntry {
  config::VirtualAddress cfg;
  bool installed = false;
  bool fresh = false;  // brought in by reconfigure(), not yet added
};

struct AddressSet::RouteEntry {
  config::Route cfg;
  std::string error;  // set when the route cannot be expressed; never installed then
  bool installed = false;
  bool fresh = false;
};

struct AddressSet::RuleEntry {
  config::Rule cfg;
  std::string error;
  bool installed = false;
  bool fresh = false;
};

AddressSet::AddressSet(core::NetlinkSocket& nl, InterfaceTable& interfaces,
                       std::string instance_name, std::string default_interface,
                       std::vector<config::VirtualAddress> addresses,
                       std::vector<config::Route> routes, std::vector<config::Rule> rules)
    : nl_(nl),
      interfaces_(interfaces),
      name_(std::move(instance_name)),
      default_interface_(std::move(default_interface)) {
  for (auto& a : addresses) addresses_.push_back(make_entry(std::move(a)));
  for (auto& r : routes) routes_.push_back(make_entry(std::move(r)));
  for (auto& r : rules) rules_.push_back(make_entry(std::move(r)));
  address_sub_ =
      interfaces_.on_address([this](const Interface& itf, const core::AddressInfo& a,
                                    bool removed) { on_address_event(itf, a, removed); });
}

AddressSet::AddressEntry AddressSet::make_entry(config::VirtualAddress a) {
  if (a.use_vmac) warn_unsupported({"use_vmac on an address"}, address_text(a, dev_of(a.dev)));
  interfaces_.add_managed(a.address.address);
  AddressEntry e;
  e.cfg = std::move(a);
  return e;
}

// Every route and rule is built once when configured, so that what cannot be expressed is
// reported then (once) rather than at each takeover.
AddressSet::RouteEntry AddressSet::make_entry(config::Route r) {
  RouteEntry e;
  e.cfg = std::move(r);
  std::vector<std::string> unsupported;
  std::vector<int> hops(e.cfg.nexthops.size(), 0);
  if (!build_route_message(e.cfg, 0, hops, true, e.error, unsupported)) {
    core::logger("vrrp")->error("({}) virtual route {} cannot be installed: {}", name_,
                                route_text(e.cfg), e.error);
  }
  warn_unsupported(unsupported, "route " + route_text(e.cfg));
  return e;
}

AddressSet::RuleEntry AddressSet::make_entry(config::Rule r) {
  RuleEntry e;
  e.cfg = std::move(r);
  std::vector<std::string> unsupported;
  if (!build_rule_message(e.cfg, true, e.error, unsupported)) {
    core::logger("vrrp")->error("({}) virtual rule {} cannot be installed: {}", name_,
                                rule_text(e.cfg), e.error);
  }
  warn_unsupported(unsupported, "rule " + rule_text(e.cfg));
  return e;
}

std::vector<config::VirtualAddress> AddressSet::addresses_of(const config::VrrpInstance& inst) {
  std::vector<config::VirtualAddress> addresses = inst.virtual_ipaddress;
  addresses.insert(addresses.end(), inst.virtual_ipaddress_excluded.begin(),
                   inst.virtual_ipaddress_excluded.end());
  return addresses;
}

std::unique_ptr<AddressSet> AddressSet::for_instance(core::NetlinkSocket& nl,
                                                     InterfaceTable& interfaces,
                                                     const config::VrrpInstance& inst,
                                                     std::string default_interface) {
  return std::make_unique<AddressSet>(nl, interfaces, inst.name, std::move(default_interface),
                                      addresses_of(inst), inst.virtual_routes, inst.virtual_rules);
}

AddressSet::~AddressSet() {
  address_sub_.reset();
  for (const auto& e : addresses_) interfaces_.remove_managed(e.cfg.address.address);
}

void AddressSet::warn_unsupported(const std::vector<std::string>& what, const std::string& item) {
  for (const auto& w : what) {
    if (std::find(warned_.begin(), warned_.end(), w) != warned_.end()) continue;
    warned_.push_back(w);
    core::logger("vrrp")->warn("({}) {} is not supported by vigil and is ignored (in {})", name_, w,
                               item);
  }
}

const std::string& AddressSet::dev_of(const std::string& dev) const {
  return dev.empty() ? default_interface_ : dev;
}

int AddressSet::resolve(const std::string& dev) const {
  const Interface* itf = interfaces_.find(std::string_view(dev));
  return itf == nullptr ? 0 : itf->index;
}

std::error_code AddressSet::add_address(AddressEntry& e, bool restoring) {
  const std::string& dev = dev_of(e.cfg.dev);
  auto log = core::logger("vrrp");
  const int index = resolve(dev);
  std::error_code ec;
  if (index == 0) {
    ec = std::make_error_code(std::errc::no_such_device);
  } else if (auto msg = build_address_message(e.cfg, index, true); !msg) {
    ec = std::make_error_code(std::errc::not_enough_memory);
  } else {
    ec = nl_.request(msg.get());
  }
  if (!ec || core::is_already_exists(ec)) {
    e.installed = true;
    if (restoring && core::is_already_exists(ec)) {
      // The deletion we were told about was older than our own re-add.
      log->debug("({}) VIP {} on {} is present; nothing to restore", name_,
                 prefix_text(e.cfg.address), dev);
      return {};
    }
    if (restoring) {
      ++stats_.restored;
      log->warn("({}) VIP {} on {} was removed by someone else; restored", name_,
                prefix_text(e.cfg.address), dev);
    } else {
      log->debug("({}) added {}", name_, address_text(e.cfg, dev));
    }
    return {};
  }
  ++stats_.add_failures;
  log->error("({}) cannot {} VIP {} on {}: {}", name_, restoring ? "restore" : "add",
             prefix_text(e.cfg.address), dev, ec.message());
  return ec;
}

std::error_code AddressSet::remove_address(AddressEntry& e, bool force) {
  if (!e.installed && !force) return {};
  e.installed = false;
  const std::string& dev = dev_of(e.cfg.dev);
  const int index = resolve(dev);
  if (index == 0) return {};  // the interface is gone, and its addresses with it
  auto msg = build_address_message(e.cfg, index, false);
  std::error_code ec =
      msg ? nl_.request(msg.get()) : std::make_error_code(std::errc::not_enough_memory);
  if (!ec || core::is_already_absent(ec)) {
    if (!ec) core::logger("vrrp")->debug("({}) removed {}", name_, address_text(e.cfg, dev));
    return {};
  }
  ++stats_.remove_failures;
  core::logger("vrrp")->error("({}) cannot remove VIP {} from {}: {}", name_,
                              prefix_text(e.cfg.address), dev, ec.message());
  return ec;
}

std::error_code AddressSet::add_route(RouteEntry& e) {
  if (!e.error.empty()) return std::make_error_code(std::errc::not_supported);
  auto log = core::logger("vrrp");
  std::error_code ec;
  int oif = 0;
  if (!e.cfg.dev.empty() && (oif = resolve(e.cfg.dev)) == 0) {
    ec = std::make_error_code(std::errc::no_such_device);
  }
  std::vector<int> hops;
  for (const auto& nh : e.cfg.nexthops) {
    int idx = nh.dev.empty() ? 0 : resolve(nh.dev);
    if (!nh.dev.empty() && idx == 0) ec = std::make_error_code(std::errc::no_such_device);
    hops.push_back(idx);
  }
  if (!ec) {
    std::string error;
    std::vector<std::string> unsupported;
    auto msg = build_route_message(e.cfg, oif, hops, true, error, unsupported);
    ec = msg ? nl_.request(msg.get()) : std::make_error_code(std::errc::not_enough_memory);
  }
  if (!ec || core::is_already_exists(ec)) {
    e.installed = true;
    log->debug("({}) added route {}", name_, route_text(e.cfg));
    return {};
  }
  ++stats_.add_failures;
  log->error("({}) cannot add route {}: {}", name_, route_text(e.cfg), ec.message());
  return ec;
}

std::error_code AddressSet::remove_route(RouteEntry& e, bool force) {
  if ((!e.installed && !force) || !e.error.empty()) return {};
  e.installed = false;
  int oif = e.cfg.dev.empty() ? 0 : resolve(e.cfg.dev);
  if (!e.cfg.dev.empty() && oif == 0) return {};  // gone with its interface
  std::vector<int> hops;
  for (const auto& nh : e.cfg.nexthops) hops.push_back(nh.dev.empty() ? 0 : resolve(nh.dev));
  std::string error;
  std::vector<std::string> unsupported;
  auto msg = build_route_message(e.cfg, oif, hops, false, error, unsupported);
  std::error_code ec =
      msg ? nl_.request(msg.get()) : std::make_error_code(std::errc::not_enough_memory);
  if (!ec || core::is_already_absent(ec)) return {};
  ++stats_.remove_failures;
  core::logger("vrrp")->error("({}) cannot remove route {}: {}", name_, route_text(e.cfg),
                              ec.message());
  return ec;
}

std::error_code AddressSet::add_rule(RuleEntry& e) {
  if (!e.error.empty()) return std::make_error_code(std::errc::not_supported);
  std::string error;
  std::vector<std::string> unsupported;
  auto msg = build_rule_message(e.cfg, true, error, unsupported);
  std::error_code ec =
      msg ? nl_.request(msg.get()) : std::make_error_code(std::errc::not_enough_memory);
  if (!ec || core::is_already_exists(ec)) {
    e.installed = true;
    core::logger("vrrp")->debug("({}) added rule {}", name_, rule_text(e.cfg));
    return {};
  }
  ++stats_.add_failures;
  core::logger("vrrp")->error("({}) cannot add rule {}: {}", name_, rule_text(e.cfg), ec.message());
  return ec;
}

std::error_code AddressSet::remove_rule(RuleEntry& e, bool force) {
  if ((!e.installed && !force) || !e.error.empty()) return {};
  e.installed = false;
  std::string error;
  std::vector<std::string> unsupported;
  auto msg = build_rule_message(e.cfg, false, error, unsupported);
  std::error_code ec =
      msg ? nl_.request(msg.get()) : std::make_error_code(std::errc::not_enough_memory);
  if (!ec || core::is_already_absent(ec)) return {};
  ++stats_.remove_failures;
  core::logger("vrrp")->error("({}) cannot remove rule {}: {}", name_, rule_text(e.cfg),
                              ec.message());
  return ec;
}

std::error_code AddressSet::install() {
  installed_ = true;
  std::error_code first;
  auto keep = [&first](std::error_code ec) {
    if (ec && !first) first = ec;
  };
  for (auto& e : addresses_) {
    e.fresh = false;
    keep(add_address(e, false));
  }
  for (auto& e : routes_) {
    e.fresh = false;
    keep(add_route(e));
  }
  for (auto& e : rules_) {
    e.fresh = false;
    keep(add_rule(e));
  }
  return first;
}

std::error_code AddressSet::remove() {
  installed_ = false;
  std::error_code first;
  auto keep = [&first](std::error_code ec) {
    if (ec && !first) first = ec;
  };
  for (auto& e : rules_) keep(remove_rule(e, false));
  for (auto& e : routes_) keep(remove_route(e, false));
  for (auto& e : addresses_) keep(remove_address(e, false));
  return first;
}

void AddressSet::remove_stale() {
  installed_ = false;
  for (auto& e : rules_) remove_rule(e, true);
  for (auto& e : routes_) remove_route(e, true);
  for (auto& e : addresses_) remove_address(e, true);
}

void AddressSet::on_address_event(const Interface& itf, const core::AddressInfo& a, bool removed) {
  if (!removed || !installed_) return;
  for (auto& e : addresses_) {
    if (!e.installed || e.cfg.address.address != a.local.address ||
        e.cfg.address.length != a.local.length || dev_of(e.cfg.dev) != itf.name) {
      continue;
    }
    add_address(e, true);
  }
}

namespace {

// The body of a netlink request: what the kernel is asked to hold, every option included.
std::string request_body(const core::NlMsgPtr& msg) {
  if (!msg) return "?";
  nlmsghdr* h = nlmsg_hdr(msg.get());
  return std::string(static_cast<const char*>(nlmsg_data(h)),
                     static_cast<std::size_t>(nlmsg_datalen(h)));
}

}  // namespace

// Keys that are equal exactly when two configured items put the same thing on the system: the
// add request built for the interfaces as they are now, with the device names (two missing
// devices both resolve to 0).
std::string AddressSet::key_of(const config::VirtualAddress& a) const {
  const std::string& dev = dev_of(a.dev);
  return dev + '\n' + request_body(build_address_message(a, resolve(dev), true));
}

std::string AddressSet::key_of(const config::Route& r) const {
  std::string devs = r.dev;
  std::vector<int> hops;
  for (const auto& nh : r.nexthops) {
    devs += ' ' + nh.dev;
    hops.push_back(nh.dev.empty() ? 0 : resolve(nh.dev));
  }
  std::string error;
  std::vector<std::string> unsupported;
  auto msg =
      build_route_message(r, r.dev.empty() ? 0 : resolve(r.dev), hops, true, error, unsupported);
  if (!msg) return "unusable " + route_text(r);
  return devs + '\n' + request_body(msg);
}

std::string AddressSet::key_of(const config::Rule& r) const {
  std::string error;
  std::vector<std::string> unsupported;
  auto msg = build_rule_message(r, true, error, unsupported);
  if (!msg) return "unusable " + rule_text(r);
  return request_body(msg);
}

namespace {

// Applies a KeyedDiff to one list of entries: kept entries take the new configuration (options
// that do not reach the kernel, such as no_track, may have changed) and keep their installed
// flag; dropped entries are handed to `drop`; new ones are appended as fresh, in the new order.
template <typename Entry, typename Cfg, typename Key, typename Make, typename Drop>
void reconcile(std::vector<Entry>& entries, std::vector<Cfg> next, Key key, Make make, Drop drop) {
  std::vector<std::string> before;
  before.reserve(entries.size());
  for (const auto& e : entries) before.push_back(key(e.cfg));
  std::vector<std::string> after;
  after.reserve(next.size());
  for (const auto& c : next) after.push_back(key(c));
  const KeyedDiff diff = diff_by_key(before, after);
  for (std::size_t i : diff.removed) drop(entries[i]);
  std::vector<std::optional<Entry>> placed(next.size());
  for (const auto& [from, to] : diff.kept) {
    Entry e = std::move(entries[from]);
    e.cfg = std::move(next[to]);
    placed[to] = std::move(e);
  }
  for (std::size_t to : diff.added) {
    Entry e = make(std::move(next[to]));
    e.fresh = true;
    placed[to] = std::move(e);
  }
  entries.clear();
  for (auto& p : placed) entries.push_back(std::move(*p));
}

}  // namespace

void AddressSet::reconfigure(std::vector<config::VirtualAddress> addresses,
                             std::vector<config::Route> routes, std::vector<config::Rule> rules) {
  auto log = core::logger("vrrp");
  // Removal in the order remove() uses: rules, routes, then addresses.
  reconcile(
      rules_, std::move(rules), [this](const config::Rule& r) { return key_of(r); },
      [this](config::Rule r) { return make_entry(std::move(r)); },
      [&](RuleEntry& e) {
        if (installed_) remove_rule(e, false);
        log->info("({}) virtual rule {} no longer configured", name_, rule_text(e.cfg));
      });
  reconcile(
      routes_, std::move(routes), [this](const config::Route& r) { return key_of(r); },
      [this](config::Route r) { return make_entry(std::move(r)); },
      [&](RouteEntry& e) {
        if (installed_) remove_route(e, false);
        log->info("({}) virtual route {} no longer configured", name_, route_text(e.cfg));
      });
  reconcile(
      addresses_, std::move(addresses),
      [this](const config::VirtualAddress& a) { return key_of(a); },
      [this](config::VirtualAddress a) { return make_entry(std::move(a)); },
      [&](AddressEntry& e) {
        if (installed_) remove_address(e, false);
        interfaces_.remove_managed(e.cfg.address.address);
        // keepalived: "(VI_1) ip address 10.0.0.3/24 dev eth0, no longer exist".
        log->info("({}) ip address {} no longer configured", name_,
                  address_text(e.cfg, dev_of(e.cfg.dev)));
      });
}

std::vector<AddressSet::Vip> AddressSet::add_new() {
  std::vector<Vip> added;
  for (auto& e : addresses_) {
    if (!e.fresh) continue;
    e.fresh = false;
    if (!installed_) continue;
    if (!add_address(e, false)) added.push_back({e.cfg.address.address, dev_of(e.cfg.dev)});
  }
  for (auto& e : routes_) {
    if (!e.fresh) continue;
    e.fresh = false;
    if (installed_) add_route(e);
  }
  for (auto& e : rules_) {
    if (!e.fresh) continue;
    e.fresh = false;
    if (installed_) add_rule(e);
  }
  return added;
}

std::vector<AddressSet::Item> AddressSet::items() const {
  std::vector<Item> out;
  for (const auto& e : addresses_) {
    out.push_back({Kind::kAddress, address_text(e.cfg, dev_of(e.cfg.dev)), e.installed});
  }
  for (const auto& e : routes_) out.push_back({Kind::kRoute, route_text(e.cfg), e.installed});
  for (const auto& e : rules_) out.push_back({Kind::kRule, rule_text(e.cfg), e.installed});
  return out;
}

std::vector<AddressSet::Vip> AddressSet::vips() const {
  std::vector<Vip> out;
  for (const auto& e : addresses_) out.push_back({e.cfg.address.address, dev_of(e.cfg.dev)});
  return out;
}

}  // namespace vigil::vrrp
