#pragma once

// Addresses, routes and rules: static_ipaddress/static_routes/static_rules and a vrrp_instance's
// virtual_ipaddress(_excluded)/virtual_routes/virtual_rules. The syntax follows `ip address`,
// `ip route` and `ip rule` as keepalived 2.2.7 parses it (vrrp_ipaddress.c, vrrp_iproute.c,
// vrrp_iprule.c).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ip_address.h"
#include "parser/source_location.h"

namespace vigil::config {

// One line of virtual_ipaddress / virtual_ipaddress_excluded / static_ipaddress.
struct VirtualAddress {
  core::IpPrefix address;                    // /len defaults to 32 or 128
  std::optional<core::IpAddress> broadcast;  // brd ADDR (or computed from '+' / '-')
  std::string dev;                           // empty: the instance's interface (VMAC) or default
  std::optional<std::string> scope;          // host|link|site|global|nowhere or a number
  std::optional<std::string> label;          // IPv4 only
  std::optional<core::IpAddress> peer;       // point-to-point peer; prefix length from the peer
  bool home = false;
  bool nodad = false;
  bool mngtmpaddr = false;
  bool noprefixroute = false;
  bool autojoin = false;
  bool no_track = false;
  bool use_vmac = false;  // virtual addresses only
  // IPv6 preferred lifetime in seconds; keepalived defaults to 0 (deprecated) for /128 and to
  // forever otherwise. nullopt = forever.
  std::optional<std::uint32_t> preferred_lft;
  std::string track_group;  // static addresses only
  parser::SourceLocation location;
};

struct Nexthop {
  std::optional<core::IpAddress> via;
  std::string dev;
  std::optional<std::uint32_t> weight;  // 1..256
  bool onlink = false;
  std::optional<std::string> realms;
  parser::SourceLocation location;
};

// One line of virtual_routes / static_routes.
struct Route {
  core::Family family = core::Family::kIPv4;
  // Destination; nullopt with `default`/`any`/`all` (then the family's default route).
  std::optional<core::IpPrefix> to;
  std::string type = "unicast";        // unicast|blackhole|unreachable|prohibit|local|...
  std::optional<core::IpAddress> src;  // preferred source (`src`)
  std::optional<core::IpPrefix> from;  // IPv6 source routing (`from`)
  std::optional<core::IpAddress> via;
  std::string dev;
  std::string table = "main";  // name or number as written
  std::optional<std::string> protocol;
  std::optional<std::string> scope;
  std::optional<std::uint32_t> metric;
  std::optional<std::string> tos;
  bool onlink = false;
  std::optional<std::uint32_t> mtu;
  bool mtu_lock = false;
  // Less common metrics (advmss, hoplimit, rtt, window, ...) kept as written, in order.
  std::vector<std::pair<std::string, std::string>> options;
  std::vector<Nexthop> nexthops;
  bool no_track = false;
  std::string track_group;  // static routes only
  parser::SourceLocation location;
};

// One line of virtual_rules / static_rules.
struct Rule {
  core::Family family = core::Family::kIPv4;
  std::optional<core::IpPrefix> from;  // `all`/`default` leave it unset
  std::optional<core::IpPrefix> to;
  bool invert = false;  // `not`
  // What the rule does: lookup TABLE, goto N, nop, blackhole, unreachable, prohibit.
  std::string action;
  std::string table;  // with action "lookup"
  std::optional<std::uint32_t> goto_target;
  std::optional<std::uint32_t> preference;  // keepalived assigns 16384, 16383, ... if unset
  bool preference_assigned = false;         // true when keepalived's counter chose it
  std::optional<std::string> tos;
  std::optional<std::uint32_t> fwmark;
  std::optional<std::uint32_t> fwmask;
  std::string iif;
  std::string oif;
  std::optional<std::string> realms;
  std::optional<std::uint32_t> suppress_prefixlength;
  std::optional<std::string> suppress_ifgroup;
  std::optional<std::string> uidrange;
  std::optional<std::uint64_t> tunnel_id;
  bool l3mdev = false;
  std::optional<std::uint32_t> protocol;
  std::optional<std::string> ipproto;
  std::optional<std::string> sport;
  std::optional<std::string> dport;
  bool no_track = false;
  std::string track_group;
  parser::SourceLocation location;
};

}  // namespace vigil::config
