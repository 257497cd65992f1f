#pragma once

// The IPVS table as vigil reasons about it: services (virtual servers) and their destinations
// (real servers), keyed the way the kernel keys them, with the attributes the kernel lets us
// set. Pure values: the desired table (from the configuration and live health), the table read
// back from the kernel and the fake kernel of the tests are all a Table.
//
// Equality of the *Params is what the syncer diffs on: a difference in a ServiceParams is one
// IPVS_CMD_SET_SERVICE, in a DestParams one IPVS_CMD_SET_DEST. Counters are read back for
// status and never take part in a diff.

#include <cstdint>
#include <map>
#include <string>

#include "core/ip_address.h"

namespace vigil::ipvs {

// The kernel's IP_VS_SVC_F_* (linux/ip_vs.h).
inline constexpr std::uint32_t kFlagPersistent = 0x0001;
inline constexpr std::uint32_t kFlagHashed = 0x0002;  // set by the kernel itself, never by us
inline constexpr std::uint32_t kFlagOnePacket = 0x0004;
inline constexpr std::uint32_t kFlagSched1 = 0x0008;  // sh-fallback, mh-fallback, flag-1
inline constexpr std::uint32_t kFlagSched2 = 0x0010;  // sh-port, mh-port, flag-2
inline constexpr std::uint32_t kFlagSched3 = 0x0020;  // flag-3

// IP_VS_CONN_F_* forwarding methods.
enum class Forward : std::uint32_t { kMasq = 0, kLocal = 1, kTunnel = 2, kRoute = 3 };

// A service is either protocol + address + port, or a firewall mark of one family.
struct ServiceKey {
  core::Family family = core::Family::kIPv4;
  std::uint16_t protocol = 0;  // IPPROTO_TCP / UDP / SCTP; 0 for fwmark services
  core::IpAddress address;     // unspecified (of the family) for fwmark services
  std::uint16_t port = 0;
  std::uint32_t fwmark = 0;  // non-zero: a fwmark service

  bool is_fwmark() const { return fwmark != 0; }
  bool operator==(const ServiceKey&) const = default;
  bool operator<(const ServiceKey& o) const;
  // ipvsadm's shape: "TCP 10.0.0.1:80", "UDP [fd00::1]:53", "FWM 7", "FWM 7 IPv6".
  std::string str() const;
};

struct ServiceParams {
  std::string scheduler = "wlc";
  std::uint32_t flags = 0;    // IP_VS_SVC_F_* without kFlagHashed
  std::uint32_t timeout = 0;  // persistence, seconds
  // IPv4: the persistence netmask in host order (0xffffffff: none); IPv6: a prefix length.
  std::uint32_t netmask = 0xffffffff;
  std::string pe_name;  // persistence engine ("sip"), empty for none
  bool operator==(const ServiceParams&) const = default;
};

struct DestKey {
  core::IpAddress address;
  std::uint16_t port = 0;
  bool operator==(const DestKey&) const = default;
  bool operator<(const DestKey& o) const;
  std::string str() const;  // "10.0.0.2:80", "[fd00::2]:80"
};

struct DestParams {
  Forward forward = Forward::kMasq;
  std::uint32_t weight = 1;
  std::uint32_t upper_threshold = 0;
  std::uint32_t lower_threshold = 0;
  std::uint8_t tunnel_type = 0;    // IP_VS_CONN_F_TUNNEL_TYPE_*: ipip 0, gue 1, gre 2
  std::uint16_t tunnel_port = 0;   // GUE
  std::uint16_t tunnel_flags = 0;  // IP_VS_TUNNEL_ENCAP_FLAG_*
  bool operator==(const DestParams&) const = default;
};

// Traffic counters the kernel keeps (IPVS_STATS_ATTR_*, the 64-bit set).
struct Counters {
  std::uint64_t connections = 0;
  std::uint64_t packets_in = 0;
  std::uint64_t packets_out = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::uint64_t connections_rate = 0;  // per second, the kernel's estimator
  std::uint64_t packets_in_rate = 0;
  std::uint64_t packets_out_rate = 0;
  std::uint64_t bytes_in_rate = 0;
  std::uint64_t bytes_out_rate = 0;
  bool operator==(const Counters&) const = default;
};

struct DestState {
  DestParams params;
  // Read back only.
  std::uint32_t active_connections = 0;
  std::uint32_t inactive_connections = 0;
  std::uint32_t persistent_connections = 0;
  Counters counters;
  bool operator==(const DestState&) const = default;  // counters included: tests only
};

struct ServiceState {
  ServiceParams params;
  std::map<DestKey, DestState> dests;
  Counters counters;                                     // read back only
  bool operator==(const ServiceState&) const = default;  // counters included: tests only
};

using Table = std::map<ServiceKey, ServiceState>;

std::string forward_name(Forward f);  // "Masq", "Route", "Tunnel", "Local"
// "TCP", "UDP", "SCTP", "proto N"
std::string protocol_name(std::uint16_t protocol);

}  // namespace vigil::ipvs
