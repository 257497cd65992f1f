// The names checkers use in logs and FIFO lines (keepalived FMT_RS / FMT_VS) and the endpoint a
// connection-based check connects to.
#include "checkers/check.h"

#include <gtest/gtest.h>

namespace vigil::checkers {
namespace {

core::IpAddress ip(const char* s) { return *core::parse_ip_address(s); }

TEST(CheckNames, KeepalivedFormats) {
  config::VirtualServer vs;
  vs.address = ip("10.0.0.1");
  vs.port = 80;
  vs.protocol = config::LvsProtocol::kTcp;
  config::RealServer rs;
  rs.address = ip("fd00::2");
  rs.port = 8080;
  EXPECT_EQ(virtual_server_name(vs), "[10.0.0.1]:tcp:80");
  EXPECT_EQ(real_server_name(rs, vs), "[fd00::2]:tcp:8080");
  vs.kind = config::VirtualServer::Kind::kFwmark;
  vs.fwmark = 7;
  EXPECT_EQ(virtual_server_name(vs), "FWM 7");
  vs.kind = config::VirtualServer::Kind::kGroup;
  vs.group = "web";
  EXPECT_EQ(virtual_server_name(vs), "[web]:80");
  EXPECT_EQ(server_name(ip("10.0.0.2"), 443), "[10.0.0.2]:443");
  EXPECT_EQ(type_name(config::CheckerType::kSsl), "SSL_GET");
}

TEST(CheckEndpoint, ConnectOptionsOverrideTheRealServer) {
  config::RealServer rs;
  rs.address = ip("10.0.0.2");
  rs.port = 80;
  config::Checker c;
  Endpoint plain = endpoint_of(c, rs);
  EXPECT_EQ(plain.address, ip("10.0.0.2"));
  EXPECT_EQ(plain.port, 80);
  config::ConnectionOptions o;
  o.connect_ip = ip("10.0.0.9");
  o.connect_port = 8080;
  o.bindto = ip("10.0.0.1");
  o.bind_port = 5000;
  o.fwmark = 3;
  o.connect_timeout = std::chrono::seconds(2);
  c.connection = o;
  Endpoint e = endpoint_of(c, rs);
  EXPECT_EQ(e.address, ip("10.0.0.9"));
  EXPECT_EQ(e.port, 8080);
  EXPECT_EQ(e.bind_address, ip("10.0.0.1"));
  EXPECT_EQ(e.bind_port, 5000);
  EXPECT_EQ(e.fwmark, 3u);
  EXPECT_EQ(e.connect_timeout, std::chrono::seconds(2));
}

}  // namespace
}  // namespace vigil::checkers
