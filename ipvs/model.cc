#include "ipvs/model.h"

#include <netinet/in.h>

#include <tuple>

namespace vigil::ipvs {

namespace {

std::string host_port(const core::IpAddress& a, std::uint16_t port) {
  if (a.is_v6()) return "[" + a.to_string() + "]:" + std::to_string(port);
  return a.to_string() + ":" + std::to_string(port);
}

}  // namespace

std::string protocol_name(std::uint16_t p) {
  switch (p) {
    case IPPROTO_TCP:
      return "TCP";
    case IPPROTO_UDP:
      return "UDP";
    case IPPROTO_SCTP:
      return "SCTP";
    default:
      return "proto " + std::to_string(p);
  }
}

bool ServiceKey::operator<(const ServiceKey& o) const {
  return std::tie(fwmark, family, protocol, address, port) <
         std::tie(o.fwmark, o.family, o.protocol, o.address, o.port);
}

std::string ServiceKey::str() const {
  if (is_fwmark()) {
    return "FWM " + std::to_string(fwmark) + (family == core::Family::kIPv6 ? " IPv6" : "");
  }
  return protocol_name(protocol) + " " + host_port(address, port);
}

bool DestKey::operator<(const DestKey& o) const {
  return std::tie(address, port) < std::tie(o.address, o.port);
}

std::string DestKey::str() const { return host_port(address, port); }

std::string forward_name(Forward f) {
  switch (f) {
    case Forward::kMasq:
      return "Masq";
    case Forward::kLocal:
      return "Local";
    case Forward::kTunnel:
      return "Tunnel";
    case Forward::kRoute:
      return "Route";
  }
  return "?";
}

}  // namespace vigil::ipvs
