#pragma once

// Small builders for IPVS tables in the tests.

#include <string>

#include "ipvs/model.h"

namespace vigil::ipvs::testing {

inline core::IpAddress ip(const std::string& s) { return boost::asio::ip::make_address(s); }

inline ServiceKey tcp(const std::string& address, std::uint16_t port) {
  ServiceKey k;
  k.family = core::family_of(ip(address));
  k.protocol = 6;
  k.address = ip(address);
  k.port = port;
  return k;
}

inline ServiceKey fwmark(std::uint32_t mark, core::Family f = core::Family::kIPv4) {
  ServiceKey k;
  k.family = f;
  k.fwmark = mark;
  k.address = f == core::Family::kIPv4 ? ip("0.0.0.0") : ip("::");
  return k;
}

inline DestKey dest(const std::string& address, std::uint16_t port) {
  return DestKey{ip(address), port};
}

inline DestState weight(std::uint32_t w, Forward f = Forward::kRoute) {
  DestState s;
  s.params.forward = f;
  s.params.weight = w;
  return s;
}

inline ServiceState service(const std::string& scheduler = "wrr") {
  ServiceState s;
  s.params.scheduler = scheduler;
  return s;
}

}  // namespace vigil::ipvs::testing
