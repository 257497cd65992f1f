#include "checkers/check.h"

namespace vigil::checkers {

Endpoint endpoint_of(const config::Checker& checker, const config::RealServer& rs) {
  Endpoint e;
  e.address = rs.address;
  e.port = rs.port;
  if (const auto& c = checker.connection) {
    if (c->connect_ip) e.address = *c->connect_ip;
    if (c->connect_port) e.port = *c->connect_port;
    e.bind_address = c->bindto;
    e.bind_port = c->bind_port.value_or(0);
    e.bind_interface = c->bind_if;
    e.fwmark = c->fwmark;
    if (c->connect_timeout) e.connect_timeout = *c->connect_timeout;
  }
  return e;
}

std::string_view type_name(config::CheckerType type) {
  switch (type) {
    case config::CheckerType::kTcp:
      return "TCP_CHECK";
    case config::CheckerType::kHttp:
      return "HTTP_GET";
    case config::CheckerType::kSsl:
      return "SSL_GET";
    case config::CheckerType::kMisc:
      return "MISC_CHECK";
    case config::CheckerType::kSmtp:
      return "SMTP_CHECK";
    case config::CheckerType::kDns:
      return "DNS_CHECK";
    case config::CheckerType::kUdp:
      return "UDP_CHECK";
    case config::CheckerType::kPing:
      return "PING_CHECK";
    case config::CheckerType::kFile:
      return "FILE_CHECK";
  }
  return "?";
}

std::string server_name(const core::IpAddress& address, std::uint16_t port) {
  return "[" + address.to_string() + "]:" + std::to_string(port);
}

namespace {

// keepalived inet_sockaddrtotrio: "[address]:protocol:port".
std::string trio(const core::IpAddress& address, const config::VirtualServer& vs,
                 std::uint16_t port) {
  std::string_view protocol = "none";
  if (vs.protocol) {
    switch (*vs.protocol) {
      case config::LvsProtocol::kTcp:
        protocol = "tcp";
        break;
      case config::LvsProtocol::kUdp:
        protocol = "udp";
        break;
      case config::LvsProtocol::kSctp:
        protocol = "sctp";
        break;
    }
  }
  return "[" + address.to_string() + "]:" + std::string(protocol) + ":" + std::to_string(port);
}

}  // namespace

std::string real_server_name(const config::RealServer& rs, const config::VirtualServer& vs) {
  return trio(rs.address, vs, rs.port);
}

std::string virtual_server_name(const config::VirtualServer& vs) {
  switch (vs.kind) {
    case config::VirtualServer::Kind::kGroup:
      return "[" + vs.group + "]:" + std::to_string(vs.port);
    case config::VirtualServer::Kind::kFwmark:
      return "FWM " + std::to_string(vs.fwmark);
    case config::VirtualServer::Kind::kAddress:
      break;
  }
  return trio(vs.address, vs, vs.port);
}

}  // namespace vigil::checkers
