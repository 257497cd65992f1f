// Lines of virtual_ipaddress / static_ipaddress (keepalived vrrp_ipaddress.c alloc_ipaddress),
// virtual_routes / static_routes (vrrp_iproute.c alloc_route) and virtual_rules / static_rules
// (vrrp_iprule.c alloc_rule). Like keepalived, a line with a fatal problem is dropped and the
// rest of the block is kept; addresses are parsed strictly (inet_pton: `192.168.100./24` is
// rejected).
#include <algorithm>
#include <charconv>

#include "parser/bind_vrrp_internal.h"

namespace vigil::parser::detail {
namespace {

using config::Route;
using config::Rule;
using config::VirtualAddress;
using core::Family;

std::uint8_t host_length(const core::IpAddress& a) { return a.is_v4() ? 32 : 128; }

std::optional<std::uint64_t> number(std::string_view s, std::uint64_t max, int base = 10) {
  if (base == 0) {
    base = 10;
    if (s.starts_with("0x") || s.starts_with("0X")) {
      base = 16;
      s.remove_prefix(2);
    }
  }
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size() || v > max) return std::nullopt;
  return v;
}

// ADDRESS[/LEN]. keepalived warns about a bad prefix length and uses the host length; a bad
// address is an error.
struct ParsedPrefix {
  core::IpPrefix prefix;
  bool had_length = false;
};
std::optional<ParsedPrefix> address_with_length(const Token& t, std::string_view what,
                                                BindContext& ctx) {
  std::string_view text = t.text;
  std::size_t slash = text.find('/');
  auto a = core::parse_ip_address(text.substr(0, slash));
  if (!a) {
    ctx.diag.error(t.location, "invalid " + std::string(what) + " " + q(text) +
                                   " (expected an IPv4 or IPv6 address with optional "
                                   "/prefix-length)");
    return std::nullopt;
  }
  ParsedPrefix p{{*a, host_length(*a)}, slash != std::string_view::npos};
  if (p.had_length) {
    auto len = number(text.substr(slash + 1), host_length(*a));
    if (!len) {
      ctx.diag.warning(t.location, "invalid prefix length in " + q(text) + "; using /" +
                                       std::to_string(host_length(*a)));
    } else {
      p.prefix.length = static_cast<std::uint8_t>(*len);
    }
  }
  return p;
}

// A route/rule destination: `default`, `any`, `all` (no address), `default6` (deprecated), or
// ADDRESS[/LEN] (keepalived parse_route).
struct Destination {
  std::optional<core::IpPrefix> prefix;
  std::optional<Family> family;
  bool ok = false;
};
Destination destination(const Token& t, std::string_view what, BindContext& ctx) {
  Destination d;
  if (t.text == "default" || t.text == "any" || t.text == "all") {
    d.ok = true;
    return d;
  }
  if (t.text == "default6") {
    notice(ctx, t.location, "'default6' is deprecated; use 'inet6 default'");
    d.family = Family::kIPv6;
    d.ok = true;
    return d;
  }
  auto p = address_with_length(t, what, ctx);
  if (!p) return d;
  d.prefix = p->prefix;
  d.family = core::family_of(p->prefix.address);
  d.ok = true;
  return d;
}

}  // namespace

bool valid_scope(std::string_view s) {
  for (std::string_view name : {"global", "universe", "site", "link", "host", "nowhere"}) {
    if (s == name) return true;
  }
  return number(s, 255).has_value();
}

std::optional<VirtualAddress> parse_address_line(const Node& line, AddressUse use,
                                                 BindContext& ctx) {
  if (line.has_block) {
    ctx.diag.error(line.block_location,
                   "unexpected '{' block after address " + q(line.words[0].text));
    return std::nullopt;
  }
  auto parsed = address_with_length(line.words[0], "address", ctx);
  if (!parsed) return std::nullopt;
  VirtualAddress a;
  a.address = parsed->prefix;
  a.location = line.location();
  const std::string addr_text = line.words[0].text;
  const bool v6 = a.address.address.is_v6();
  int brd_mode = 0;  // -1: '-', +1: '+'
  bool have_brd = false;
  bool preferred_lft_set = false;
  const std::size_t n = line.words.size();
  for (std::size_t i = 1; i < n; ++i) {
    const Token& w = line.words[i];
    const std::string& opt = w.text;
    const bool needs_value = opt == "dev" || opt == "scope" || opt == "broadcast" || opt == "brd" ||
                             opt == "label" || opt == "peer" || opt == "preferred_lft" ||
                             (use == AddressUse::kStatic && opt == "track_group");
    if (needs_value && i + 1 >= n) {
      ctx.diag.error(w.location, "no " + opt + " value given for address " + q(addr_text) +
                                     "; address ignored");
      return std::nullopt;
    }
    if (opt == "dev") {
      const Token& dev = line.words[++i];
      if (!a.dev.empty()) {
        ctx.diag.error(w.location, "'dev' given more than once for address " + q(addr_text) +
                                       "; address ignored");
        return std::nullopt;
      }
      a.dev = dev.text;
      ctx.host.interfaces.push_back({dev.text, dev.location, "ip address " + addr_text});
    } else if (opt == "scope") {
      const Token& s = line.words[++i];
      if (!valid_scope(s.text)) {
        ctx.diag.error(s.location, "invalid scope " + q(s.text) + " for address " + q(addr_text) +
                                       " (expected host, link, site, global, "
                                       "nowhere or 0..255); scope ignored");
      } else {
        a.scope = s.text;
      }
    } else if (opt == "broadcast" || opt == "brd") {
      const Token& b = line.words[++i];
      if (v6) {
        ctx.diag.error(w.location, "a broadcast address cannot be given for IPv6 address " +
                                       q(addr_text) + "; address ignored");
        return std::nullopt;
      }
      have_brd = true;
      if (b.text == "-") {
        brd_mode = -1;
      } else if (b.text == "+") {
        brd_mode = 1;
      } else if (auto ba = core::parse_ip_address(b.text); ba && ba->is_v4()) {
        a.broadcast = *ba;
      } else {
        ctx.diag.error(b.location, "invalid broadcast address " + q(b.text) +
                                       " (expected an IPv4 address, '+' or '-'); address "
                                       "ignored");
        return std::nullopt;
      }
    } else if (opt == "label") {
      const Token& l = line.words[++i];
      if (l.text.size() > 15) {  // IFNAMSIZ - 1
        ctx.diag.error(l.location, "address label " + q(l.text) +
                                       " is longer than 15 characters; address ignored");
        return std::nullopt;
      }
      a.label = l.text;
    } else if (opt == "peer") {
      const Token& p = line.words[++i];
      auto pa = core::parse_ip_address(p.text);
      if (a.peer) {
        ctx.diag.error(p.location, "peer " + q(p.text) +
                                       ": another peer has already been "
                                       "given; ignoring it");
      } else if (!pa) {
        ctx.diag.error(p.location, "invalid peer address " + q(p.text));
      } else if (pa->is_v6() != v6) {
        ctx.diag.error(p.location, "peer address " + q(p.text) +
                                       " does not match the address family of " + q(addr_text));
      } else {
        if (parsed->had_length && a.address.length != host_length(a.address.address)) {
          ctx.diag.warning(p.location,
                           "cannot give an address prefix together with a peer "
                           "address; the prefix of " +
                               q(addr_text) + " is ignored");
        }
        a.peer = *pa;
        a.address.length = host_length(*pa);
      }
    } else if (opt == "home") {
      a.home = true;
    } else if (opt == "-nodad") {
      a.nodad = true;
    } else if (opt == "mngtmpaddr") {
      a.mngtmpaddr = true;
    } else if (opt == "noprefixroute") {
      a.noprefixroute = true;
    } else if (opt == "autojoin") {
      a.autojoin = true;
    } else if (opt == "no_track") {
      a.no_track = true;
    } else if (opt == "preferred_lft") {
      const Token& v = line.words[++i];
      if (v.text == "forever") {
        a.preferred_lft.reset();
        preferred_lft_set = true;
      } else if (auto lft = number(v.text, UINT32_MAX)) {
        a.preferred_lft = static_cast<std::uint32_t>(*lft);
        preferred_lft_set = true;
      } else {
        ctx.diag.error(v.location, "invalid preferred_lft " + q(v.text) +
                                       " (expected seconds 0..4294967295 or forever)");
      }
    } else if (use == AddressUse::kStatic && opt == "track_group") {
      const Token& g = line.words[++i];
      if (!a.track_group.empty()) {
        ctx.diag.error(g.location, "track_group " + q(g.text) + " is a duplicate");
        break;
      }
      a.track_group = g.text;
    } else if (use == AddressUse::kVirtual && opt == "use_vmac") {
      a.use_vmac = true;
    } else {
      ctx.diag.error(w.location, "unknown option " + q(opt) + " for ip address " + q(addr_text) +
                                     "; ignoring it");
    }
  }

  if (have_brd && a.peer) {
    ctx.diag.warning(a.location,
                     "cannot give both broadcast and peer addresses; ignoring the "
                     "broadcast address of " +
                         q(addr_text));
    a.broadcast.reset();
  } else if (brd_mode != 0 && a.address.length <= 30) {
    // '+' sets the host bits, '-' clears them (ip address's brd +/-).
    auto base = (a.peer ? *a.peer : a.address.address).to_v4().to_uint();
    std::uint32_t host_mask =
        a.address.length == 0 ? 0xffffffffu : (0xffffffffu >> a.address.length);
    a.broadcast =
        boost::asio::ip::address_v4(brd_mode > 0 ? (base | host_mask) : (base & ~host_mask));
  } else if (brd_mode != 0) {
    ctx.diag.error(a.location, "address prefix length " + std::to_string(a.address.length) +
                                   " is too long for a broadcast address");
  }
  if (v6) {
    if (a.scope) {
      ctx.diag.warning(a.location, "cannot give a scope for IPv6 address " + q(addr_text) +
                                       "; ignoring the scope");
      a.scope.reset();
    }
    if (a.label) {
      ctx.diag.warning(a.location, "cannot give a label for IPv6 address " + q(addr_text) +
                                       "; ignoring the label");
      a.label.reset();
    }
    // keepalived's historical default: a /128 is deprecated (preferred_lft 0).
    if (!preferred_lft_set && a.address.length == 128) a.preferred_lft = 0;
  } else if (!preferred_lft_set) {
    a.preferred_lft.reset();
  }
  if (!a.track_group.empty() && a.dev.empty()) {
    ctx.diag.error(a.location,
                   "a static address with track_group needs 'dev'; ignoring "
                   "track_group " +
                       q(a.track_group));
    a.track_group.clear();
  }
  return a;
}

// ---------------------------------------------------------------------------------------

namespace {

bool valid_table(std::string_view s) {
  for (std::string_view name : {"main", "local", "default", "unspec"}) {
    if (s == name) return true;
  }
  return number(s, UINT32_MAX).has_value();
}

bool valid_protocol(std::string_view s) {
  for (std::string_view name :
       {"redirect", "kernel", "boot",     "static", "gated", "ra",   "mrt",
        "zebra",    "bird",   "dnrouted", "xorp",   "ntk",   "dhcp", "keepalived",
        "babel",    "bgp",    "isis",     "ospf",   "rip",   "eigrp"}) {
    if (s == name) return true;
  }
  return number(s, 255).has_value();
}

bool valid_tos(std::string_view s) {
  // rt_dsfield names are host specific; numbers (decimal or 0x) always work.
  for (std::string_view name : {"default", "lowdelay", "throughput", "reliability", "mincost"}) {
    if (s == name) return true;
  }
  return number(s, 255, 0).has_value();
}

constexpr std::string_view kRouteTypes[] = {"unicast", "local",       "broadcast", "multicast",
                                            "throw",   "unreachable", "prohibit",  "blackhole",
                                            "nat",     "anycast"};

bool is_route_type(std::string_view s) {
  return std::find(std::begin(kRouteTypes), std::end(kRouteTypes), s) != std::end(kRouteTypes);
}

// Metrics that take "[lock] VALUE"; kept as written.
constexpr std::string_view kLockableMetrics[] = {"advmss", "rtt",      "rttvar",  "reordering",
                                                 "cwnd",   "ssthresh", "rto_min", "congctl"};
constexpr std::string_view kPlainMetrics[] = {
    "hoplimit", "window",  "initcwnd",      "initrwnd",           "features", "quickack",
    "pref",     "expires", "ttl-propagate", "fastopen_no_cookie", "realms"};

bool set_family(Family f, std::optional<Family>& family, const Token& at, BindContext& ctx) {
  if (!family) {
    family = f;
    return true;
  }
  if (*family == f) return true;
  ctx.diag.error(at.location, "cannot mix IPv4 and IPv6 addresses in a route (" + q(at.text) +
                                  "); route ignored");
  return false;
}

bool parse_nexthops(const Node& line, std::size_t i, Route& r, std::optional<Family>& family,
                    BindContext& ctx) {
  const std::size_t n = line.words.size();
  while (i < n && line.words[i].text == "nexthop") {
    config::Nexthop nh;
    nh.location = line.words[i].location;
    ++i;
    while (i < n && line.words[i].text != "nexthop") {
      const Token& w = line.words[i];
      if (i + 1 >= n && w.text != "onlink") {
        ctx.diag.error(w.location, "nexthop " + q(w.text) + " needs a value; route ignored");
        return false;
      }
      if (w.text == "via") {
        const Token* v = &line.words[++i];
        if ((v->text == "inet" || v->text == "inet6") && i + 1 < n) v = &line.words[++i];
        auto a = core::parse_ip_address(v->text);
        if (!a) {
          ctx.diag.error(v->location, "invalid nexthop address " + q(v->text) + "; route ignored");
          return false;
        }
        if (!set_family(core::family_of(*a), family, *v, ctx)) return false;
        nh.via = *a;
      } else if (w.text == "dev") {
        const Token& d = line.words[++i];
        nh.dev = d.text;
        ctx.host.interfaces.push_back({d.text, d.location, "VROUTE nexthop"});
      } else if (w.text == "weight") {
        auto v = number(line.words[++i].text, 256);
        if (!v || *v == 0) {
          ctx.diag.error(line.words[i].location, "invalid nexthop weight " + q(line.words[i].text) +
                                                     " (expected 1..256); route ignored");
          return false;
        }
        nh.weight = static_cast<std::uint32_t>(*v);
      } else if (w.text == "onlink") {
        nh.onlink = true;
      } else if (w.text == "realms") {
        nh.realms = line.words[++i].text;
      } else {
        ctx.diag.error(w.location, "unexpected " + q(w.text) + " in nexthop; route ignored");
        return false;
      }
      ++i;
    }
    r.nexthops.push_back(std::move(nh));
  }
  return true;
}

}  // namespace

std::optional<Route> parse_route_line(const Node& line, AddressUse use, BindContext& ctx) {
  if (line.has_block) {
    ctx.diag.error(line.block_location, "unexpected '{' block in a route");
    return std::nullopt;
  }
  Route r;
  r.location = line.location();
  std::optional<Family> family;
  bool have_dst = false;
  bool protocol_given = false;
  std::string dest_text;
  const std::size_t n = line.words.size();
  for (std::size_t i = 0; i < n; ++i) {
    const Token& w = line.words[i];
    const std::string& opt = w.text;
    auto value = [&]() -> const Token* {
      if (i + 1 >= n) {
        ctx.diag.error(w.location, "route option " + q(opt) + " needs a value; route ignored");
        return nullptr;
      }
      return &line.words[++i];
    };
    if (opt == "inet" || opt == "inet6") {
      if (!set_family(opt == "inet" ? Family::kIPv4 : Family::kIPv6, family, w, ctx)) {
        return std::nullopt;
      }
    } else if (opt == "src") {
      const Token* v = value();
      if (!v) return std::nullopt;
      auto a = core::parse_ip_address(v->text);
      if (!a) {
        ctx.diag.error(v->location, "invalid route src address " + q(v->text) + "; route ignored");
        return std::nullopt;
      }
      if (!set_family(core::family_of(*a), family, *v, ctx)) return std::nullopt;
      r.src = *a;
    } else if (opt == "via" || opt == "gw") {
      if (opt == "gw") {
        ctx.diag.warning(w.location, "\"gw\" for routes is deprecated; use \"via\"");
      }
      const Token* v = value();
      if (!v) return std::nullopt;
      if ((v->text == "inet" || v->text == "inet6") && i + 1 < n) {
        if (!set_family(v->text == "inet" ? Family::kIPv4 : Family::kIPv6, family, *v, ctx)) {
          return std::nullopt;
        }
        v = &line.words[++i];
      }
      auto a = core::parse_ip_address(v->text);
      if (!a) {
        ctx.diag.error(v->location, "invalid route via address " + q(v->text) + "; route ignored");
        return std::nullopt;
      }
      if (!set_family(core::family_of(*a), family, *v, ctx)) return std::nullopt;
      r.via = *a;
    } else if (opt == "from") {
      const Token* v = value();
      if (!v) return std::nullopt;
      Destination d = destination(*v, "route from address", ctx);
      if (!d.ok) return std::nullopt;
      if (d.family != Family::kIPv6) {
        ctx.diag.error(v->location, "route 'from' is only supported for IPv6 (" + q(v->text) +
                                        "); route ignored");
        return std::nullopt;
      }
      if (!set_family(Family::kIPv6, family, *v, ctx)) return std::nullopt;
      r.from = d.prefix;
    } else if (opt == "tos" || opt == "dsfield") {
      const Token* v = value();
      if (!v) return std::nullopt;
      if (!valid_tos(v->text)) {
        ctx.diag.error(v->location, "invalid TOS value " + q(v->text) + "; route ignored");
        return std::nullopt;
      }
      r.tos = v->text;
    } else if (opt == "table") {
      const Token* v = value();
      if (!v) return std::nullopt;
      if (!valid_table(v->text)) {
        ctx.diag.error(v->location, "routing table " + q(v->text) +
                                        " not found (expected a number or main, local, "
                                        "default); route ignored");
        return std::nullopt;
      }
      r.table = v->text;
    } else if (opt == "protocol" || opt == "proto") {
      const Token* v = value();
      if (!v) return std::nullopt;
      if (!valid_protocol(v->text)) {
        ctx.diag.error(v->location,
                       "route protocol " + q(v->text) + " not found or invalid; route ignored");
        return std::nullopt;
      }
      r.protocol = v->text;
      protocol_given = true;
    } else if (opt == "scope") {
      const Token* v = value();
      if (!v) return std::nullopt;
      if (!valid_scope(v->text)) {
        ctx.diag.error(v->location,
                       "route scope " + q(v->text) + " not found or invalid; route ignored");
        return std::nullopt;
      }
      r.scope = v->text;
    } else if (opt == "metric" || opt == "priority" || opt == "preference") {
      const Token* v = value();
      if (!v) return std::nullopt;
      auto m = number(v->text, UINT32_MAX);
      if (!m) {
        ctx.diag.error(v->location, "invalid route metric " + q(v->text) +
                                        " (expected 0..4294967295); route ignored");
        return std::nullopt;
      }
      r.metric = static_cast<std::uint32_t>(*m);
    } else if (opt == "dev" || opt == "oif") {
      const Token* v = value();
      if (!v) return std::nullopt;
      r.dev = v->text;
      ctx.host.interfaces.push_back({v->text, v->location, "VROUTE nexthop"});
    } else if (opt == "onlink") {
      r.onlink = true;
    } else if (opt == "mtu") {
      const Token* v = value();
      if (!v) return std::nullopt;
      if (v->text == "lock" && i + 1 < n) {
        r.mtu_lock = true;
        v = &line.words[++i];
      }
      auto m = number(v->text, UINT32_MAX);
      if (!m) {
        ctx.diag.error(v->location, "invalid route MTU " + q(v->text) + "; route ignored");
        return std::nullopt;
      }
      r.mtu = static_cast<std::uint32_t>(*m);
    } else if (std::find(std::begin(kLockableMetrics), std::end(kLockableMetrics), opt) !=
               std::end(kLockableMetrics)) {
      const Token* v = value();
      if (!v) return std::nullopt;
      std::string val = v->text;
      if (val == "lock" && i + 1 < n) val += " " + line.words[++i].text;
      r.options.emplace_back(opt, val);
    } else if (std::find(std::begin(kPlainMetrics), std::end(kPlainMetrics), opt) !=
               std::end(kPlainMetrics)) {
      const Token* v = value();
      if (!v) return std::nullopt;
      r.options.emplace_back(opt, v->text);
    } else if (opt == "encap" || opt == "as") {
      ctx.diag.error(w.location, "route option " + q(opt) +
                                     " is not supported by vigil; "
                                     "route ignored");
      return std::nullopt;
    } else if (opt == "or") {
      // keepalived: "or" is the deprecated way to give a second nexthop.
      ctx.diag.warning(w.location, "\"or\" for routes is deprecated; use \"nexthop\"");
      const Token* v = value();
      if (!v) return std::nullopt;
      if (!r.nexthops.empty()) {
        ctx.diag.error(w.location, "\"or\" route already specified; ignoring this one");
        continue;
      }
      auto a = core::parse_ip_address(v->text);
      if (!a) {
        ctx.diag.error(v->location, "invalid \"or\" address " + q(v->text) + "; route ignored");
        return std::nullopt;
      }
      config::Nexthop first, second;
      first.via = r.via;
      first.location = w.location;
      second.via = *a;
      second.location = v->location;
      r.via.reset();
      r.nexthops.push_back(first);
      r.nexthops.push_back(second);
    } else if (opt == "nexthop") {
      if (!r.nexthops.empty()) {
        ctx.diag.error(w.location, "cannot give nexthops with an \"or\" route; route ignored");
        return std::nullopt;
      }
      if (!parse_nexthops(line, i, r, family, ctx)) return std::nullopt;
      break;
    } else if (opt == "no_track") {
      r.no_track = true;
    } else if (use == AddressUse::kStatic && opt == "track_group") {
      const Token* v = value();
      if (!v) return std::nullopt;
      r.track_group = v->text;
    } else {
      // [to] [TYPE] DESTINATION
      std::size_t j = i;
      if (line.words[j].text == "to" && j + 1 < n) ++j;
      if (is_route_type(line.words[j].text) && j + 1 < n) {
        r.type = line.words[j].text;
        ++j;
      }
      const Token& d = line.words[j];
      if (!core::parse_ip_address(d.text.substr(0, d.text.find('/'))) && d.text != "default" &&
          d.text != "any" && d.text != "all" && d.text != "default6") {
        ctx.diag.error(d.location, "unknown route keyword or invalid destination " + q(d.text) +
                                       "; route ignored");
        return std::nullopt;
      }
      Destination dest = destination(d, "route destination", ctx);
      if (!dest.ok) return std::nullopt;
      if (dest.family && !set_family(*dest.family, family, d, ctx)) return std::nullopt;
      r.to = dest.prefix;
      have_dst = true;
      dest_text = d.text;
      i = j;
    }
  }
  if (!have_dst) {
    ctx.diag.error(r.location, "a route needs a destination; route ignored");
    return std::nullopt;
  }
  if (!r.no_track) {
    // keepalived tracks routes it added with protocol keepalived (RTPROT_KEEPALIVED, 18).
    if (protocol_given && *r.protocol != "keepalived" && *r.protocol != "18") {
      ctx.diag.warning(r.location,
                       "a tracked route must use protocol keepalived (18); "
                       "resetting the protocol");
    }
    r.protocol = "keepalived";
    if (r.dev.empty()) {
      ctx.diag.warning(r.location, "cannot track route " + dest_text +
                                       " with no interface specified; not tracking it");
      r.no_track = true;
    }
  }
  if (!r.track_group.empty() && r.dev.empty()) {
    ctx.diag.error(r.location,
                   "a static route with track_group needs 'dev'; ignoring "
                   "track_group " +
                       q(r.track_group));
    r.track_group.clear();
  }
  r.family = family.value_or(Family::kIPv4);
  return r;
}

// ---------------------------------------------------------------------------------------

namespace {

std::uint32_t assigned_rules(const std::vector<Rule>& rules, Family f) {
  std::uint32_t n = 0;
  for (const Rule& r : rules) n += (r.preference_assigned && r.family == f) ? 1 : 0;
  return n;
}

}  // namespace

std::optional<Rule> parse_rule_line(const Node& line, AddressUse use, const config::Config& config,
                                    BindContext& ctx) {
  if (line.has_block) {
    ctx.diag.error(line.block_location, "unexpected '{' block in a rule");
    return std::nullopt;
  }
  Rule r;
  r.location = line.location();
  std::optional<Family> family;
  bool table_option = false;  // realms / suppress_*: only with a table lookup
  const std::size_t n = line.words.size();
  auto set_action = [&](const Token& at, std::string action) {
    if (!r.action.empty()) {
      ctx.diag.error(at.location,
                     "a rule can have only one of table, goto, nop, blackhole, "
                     "prohibit, unreachable, l3mdev; rule ignored");
      return false;
    }
    r.action = std::move(action);
    return true;
  };
  auto family_of_rule = [&](Family f, const Token& at) {
    if (!family) family = f;
    if (*family == f) return true;
    ctx.diag.error(at.location,
                   "a rule cannot mix IPv4 and IPv6 (" + q(at.text) + "); rule ignored");
    return false;
  };
  for (std::size_t i = 0; i < n; ++i) {
    const Token& w = line.words[i];
    const std::string& opt = w.text;
    const bool no_value = opt == "inet" || opt == "inet6" || opt == "not" || opt == "l3mdev" ||
                          opt == "no_track" || opt == "nop" || opt == "blackhole" ||
                          opt == "unreachable" || opt == "prohibit";
    if (!no_value && i + 1 >= n) {
      ctx.diag.error(w.location, "rule option " + q(opt) + " needs a value; rule ignored");
      return std::nullopt;
    }
    if (opt == "inet" || opt == "inet6") {
      if (!family_of_rule(opt == "inet" ? Family::kIPv4 : Family::kIPv6, w)) return std::nullopt;
    } else if (opt == "from" || opt == "to") {
      const Token& v = line.words[++i];
      Destination d = destination(v, "rule " + opt + " address", ctx);
      if (!d.ok) return std::nullopt;
      if (d.family && !family_of_rule(*d.family, v)) return std::nullopt;
      (opt == "from" ? r.from : r.to) = d.prefix;
    } else if (opt == "table" || opt == "lookup") {
      const Token& v = line.words[++i];
      if (!valid_table(v.text) || v.text == "unspec" || v.text == "0") {
        ctx.diag.error(v.location, "routing table " + q(v.text) +
                                       " not found or invalid for rule (expected 1..4294967295 "
                                       "or main, local, default); rule ignored");
        return std::nullopt;
      }
      if (!set_action(w, "lookup")) return std::nullopt;
      r.table = v.text;
    } else if (opt == "not") {
      r.invert = true;
    } else if (opt == "preference" || opt == "order" || opt == "priority") {
      const Token& v = line.words[++i];
      auto p = number(v.text, UINT32_MAX, 0);
      if (!p) {
        ctx.diag.error(v.location, "invalid rule preference " + q(v.text) + "; rule ignored");
        return std::nullopt;
      }
      r.preference = static_cast<std::uint32_t>(*p);
    } else if (opt == "tos" || opt == "dsfield") {
      const Token& v = line.words[++i];
      if (!valid_tos(v.text)) {
        ctx.diag.error(v.location, "invalid TOS value " + q(v.text) + "; rule ignored");
        return std::nullopt;
      }
      r.tos = v.text;
    } else if (opt == "fwmark") {
      const Token& v = line.words[++i];
      std::string_view s = v.text;
      std::size_t slash = s.find('/');
      auto mark = number(s.substr(0, slash), UINT32_MAX, 0);
      std::optional<std::uint64_t> mask;
      if (slash != std::string_view::npos) mask = number(s.substr(slash + 1), UINT32_MAX, 0);
      if (!mark || (slash != std::string_view::npos && !mask)) {
        ctx.diag.error(v.location, "invalid rule fwmark " + q(v.text) +
                                       " (expected MARK[/MASK]); rule ignored");
        return std::nullopt;
      }
      r.fwmark = static_cast<std::uint32_t>(*mark);
      if (mask) r.fwmask = static_cast<std::uint32_t>(*mask);
    } else if (opt == "realms") {
      r.realms = line.words[++i].text;
      table_option = true;
      if (!family_of_rule(Family::kIPv4, w)) return std::nullopt;
    } else if (opt == "suppress_prefixlength" || opt == "sup_pl") {
      const Token& v = line.words[++i];
      auto p = number(v.text, INT32_MAX);
      if (!p) {
        ctx.diag.error(v.location, "invalid suppress_prefixlength " + q(v.text) + "; rule ignored");
        return std::nullopt;
      }
      r.suppress_prefixlength = static_cast<std::uint32_t>(*p);
      table_option = true;
    } else if (opt == "suppress_ifgroup" || opt == "sup_group") {
      r.suppress_ifgroup = line.words[++i].text;
      table_option = true;
    } else if (opt == "dev" || opt == "iif" || opt == "oif") {
      const Token& v = line.words[++i];
      (opt == "oif" ? r.oif : r.iif) = v.text;
      ctx.host.interfaces.push_back({v.text, v.location, "rule"});
    } else if (opt == "tunnel-id") {
      const Token& v = line.words[++i];
      auto t = number(v.text, UINT64_MAX);
      if (!t) {
        ctx.diag.error(v.location, "invalid tunnel-id " + q(v.text) + "; rule ignored");
        return std::nullopt;
      }
      r.tunnel_id = *t;
    } else if (opt == "uidrange") {
      const Token& v = line.words[++i];
      std::size_t dash = v.text.find('-');
      if (dash == std::string::npos || !number(v.text.substr(0, dash), UINT32_MAX) ||
          !number(v.text.substr(dash + 1), UINT32_MAX)) {
        ctx.diag.error(v.location,
                       "invalid uidrange " + q(v.text) + " (expected START-END); rule ignored");
        return std::nullopt;
      }
      r.uidrange = v.text;
    } else if (opt == "l3mdev") {
      if (!set_action(w, "l3mdev")) return std::nullopt;
      r.l3mdev = true;
    } else if (opt == "protocol") {
      const Token& v = line.words[++i];
      if (auto p = number(v.text, 255)) {
        r.protocol = static_cast<std::uint32_t>(*p);
      } else {
        ctx.diag.error(v.location, "invalid rule protocol " + q(v.text) + " (expected 0..255)");
      }
    } else if (opt == "ipproto") {
      r.ipproto = line.words[++i].text;
    } else if (opt == "sport" || opt == "dport") {
      const Token& v = line.words[++i];
      std::size_t dash = v.text.find('-');
      bool ok = number(v.text.substr(0, dash), 65535).has_value() &&
                (dash == std::string::npos || number(v.text.substr(dash + 1), 65535));
      if (!ok) {
        ctx.diag.error(v.location,
                       "invalid " + opt + " range " + q(v.text) + " (expected PORT or PORT-PORT)");
      } else {
        (opt == "sport" ? r.sport : r.dport) = v.text;
      }
    } else if (opt == "no_track") {
      r.no_track = true;
    } else if (use == AddressUse::kStatic && opt == "track_group") {
      r.track_group = line.words[++i].text;
    } else {
      const Token* a = &w;
      if (opt == "type") a = &line.words[++i];
      if (a->text == "goto") {
        if (i + 1 >= n) {
          ctx.diag.error(a->location, "rule goto needs a target; rule ignored");
          return std::nullopt;
        }
        const Token& v = line.words[++i];
        auto t = number(v.text, UINT32_MAX);
        if (!t) {
          ctx.diag.error(v.location, "invalid rule goto target " + q(v.text) + "; rule ignored");
          return std::nullopt;
        }
        if (!set_action(*a, "goto")) return std::nullopt;
        r.goto_target = static_cast<std::uint32_t>(*t);
      } else if (a->text == "nop" || a->text == "blackhole" || a->text == "unreachable" ||
                 a->text == "prohibit") {
        if (!set_action(*a, a->text)) return std::nullopt;
      } else {
        ctx.diag.error(a->location, "unknown rule option " + q(a->text) + "; rule ignored");
        return std::nullopt;
      }
    }
  }
  if (r.action == "goto") {
    if (!r.preference) {
      ctx.diag.error(r.location, "rule goto target " + std::to_string(*r.goto_target) +
                                     " given without a preference; rule ignored");
      return std::nullopt;
    }
    if (*r.preference >= *r.goto_target) {
      ctx.diag.error(r.location, "rule preference " + std::to_string(*r.preference) +
                                     " must be lower than its goto target " +
                                     std::to_string(*r.goto_target) + "; rule ignored");
      return std::nullopt;
    }
  }
  if (r.action.empty()) {
    ctx.diag.error(r.location,
                   "no action given for rule (table, goto, nop, blackhole, ...); "
                   "rule ignored");
    return std::nullopt;
  }
  if (table_option && r.action != "lookup") {
    ctx.diag.error(r.location, "realms/suppress_* need a table action; rule ignored");
    return std::nullopt;
  }
  if (!r.track_group.empty() && r.iif.empty()) {
    ctx.diag.error(r.location,
                   "a static rule with track_group needs 'dev'/'iif'; ignoring "
                   "track_group " +
                       q(r.track_group));
    r.track_group.clear();
  }
  r.family = family.value_or(Family::kIPv4);
  if (!r.preference) {
    // keepalived numbers unordered rules 16384, 16383, ... per family and warns, since the
    // order rules are added in then depends on instance transitions.
    std::uint32_t used = assigned_rules(config.vrrp.static_rules, r.family);
    for (const auto& inst : config.vrrp.instances) {
      used += assigned_rules(inst.virtual_rules, r.family);
    }
    r.preference = 16384 - used;
    r.preference_assigned = true;
    ctx.diag.warning(r.location, "rule has no preference; setting it to " +
                                     std::to_string(*r.preference) +
                                     ", which is probably not what you want");
  }
  return r;
}

}  // namespace vigil::parser::detail
