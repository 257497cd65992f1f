#pragma once

// What the configuration asks of IPVS, as keepalived 2.2.7 programs it (check/ipvswrapper.c
// ipvs_set_srule / ipvs_set_drule / ipvs_group_cmd):
//  - a virtual_server is one service, or one per address of each range and one per fwmark of
//    its virtual_server_group (IPv4 ranges step the whole address, IPv6 ranges the last 16 bits);
//  - scheduler, flags (ops -> one-packet; flag-1..3, sh-/mh-fallback -> SCHED1, sh-/mh-port ->
//    SCHED2; persistent when persistence_timeout is set), persistence timeout, netmask
//    (0xffffffff / 128 unless persistent with a persistence_granularity), persistence engine;
//  - destinations are the live ones (checker health decides presence and weight): a real
//    server's lvs_method (else the virtual server's), tunnel options and thresholds, or the sorry
//    server's sorry_server_lvs_method.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/ip_address.h"
#include "ipvs/model.h"
#include "parser/config/lvs.h"

namespace vigil::ipvs {

// One live destination of a virtual server: present in IPVS with this weight (0: inhibited).
struct LiveDestination {
  core::IpAddress address;
  std::uint16_t port = 0;
  std::uint32_t weight = 0;
  bool operator==(const LiveDestination&) const = default;
};

// The services of one virtual server.
struct VirtualService {
  std::vector<ServiceKey> keys;
  ServiceParams params;
};

// A group's ranges are expanded; a group that is not defined yields no keys (the parser has
// reported it).
VirtualService services_of(const config::VirtualServer& vs, const config::Lvs& lvs);

// Every destination `vs` may have (its real servers and sorry server) with its parameters; the
// weight is the live one's.
using DestTemplates = std::map<DestKey, DestParams>;
DestTemplates dest_templates_of(const config::VirtualServer& vs);

// Destinations of `service` for the live list (keyed by the real servers' configured address
// and port). An address that is neither a real server nor the sorry server is left out. Only
// NAT keeps the configured port: direct routing and tunnels take the service's port, or 0 for a
// fwmark service, so one real server of a group has a destination port per group entry.
std::map<DestKey, DestState> dests_of(const DestTemplates& templates,
                                      const std::vector<LiveDestination>& live,
                                      const ServiceKey& service);

// The kernel's scheduler name: "rr", "wlc", "mh", ...
std::string scheduler_name(config::LvsScheduler s);

}  // namespace vigil::ipvs
