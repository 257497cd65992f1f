// From keepalived.conf text to IPVS services and destinations, as keepalived programs them.
#include <gtest/gtest.h>

#include <string>

#include "ipvs/desired.h"
#include "parser/parse.h"
#include "tests/ipvs/table_util.h"

namespace vigil::ipvs {
namespace {

using namespace testing;  // NOLINT

config::Config parse(const std::string& text) {
  parser::ParseOptions o;
  o.host_checks = false;
  auto r = parser::parse_config_text(text, "t.conf", o);
  EXPECT_EQ(r.diagnostics.error_count(), 0u);
  return std::move(r.config);
}

TEST(Desired, AddressServiceWithSchedulerFlagsAndPersistence) {
  auto c = parse(R"(
virtual_server 10.0.0.1 80 {
  lvs_sched sh
  lvs_method DR
  protocol TCP
  sh-port
  sh-fallback
  persistence_timeout 600
  persistence_granularity 255.255.255.0
  real_server 10.0.1.1 80 { weight 3 }
})");
  const auto& vs = c.lvs.virtual_servers.at(0);
  VirtualService s = services_of(vs, c.lvs);
  ASSERT_EQ(s.keys.size(), 1u);
  EXPECT_EQ(s.keys[0], tcp("10.0.0.1", 80));
  EXPECT_EQ(s.params.scheduler, "sh");
  EXPECT_EQ(s.params.flags, kFlagSched1 | kFlagSched2 | kFlagPersistent);
  EXPECT_EQ(s.params.timeout, 600u);
  EXPECT_EQ(s.params.netmask, 0xffffff00u);
}

TEST(Desired, NetmaskOnlyWithPersistence) {
  auto c = parse(R"(
virtual_server fd00::1 443 {
  lvs_sched wrr
  lvs_method NAT
  protocol TCP
  real_server fd00::10 443 { }
})");
  VirtualService s = services_of(c.lvs.virtual_servers.at(0), c.lvs);
  EXPECT_EQ(s.params.netmask, 128u);
  EXPECT_EQ(s.params.flags, 0u);
  EXPECT_EQ(s.params.timeout, 0u);
}

TEST(Desired, OnePacketSchedulingAndEngine) {
  auto c = parse(R"(
virtual_server 10.0.0.1 5060 {
  lvs_sched rr
  lvs_method NAT
  protocol UDP
  ops
  persistence_timeout 30
  persistence_engine sip
  real_server 10.0.1.1 5060 { }
})");
  VirtualService s = services_of(c.lvs.virtual_servers.at(0), c.lvs);
  EXPECT_EQ(s.keys.at(0).protocol, 17);
  EXPECT_EQ(s.params.flags, kFlagOnePacket | kFlagPersistent);
  EXPECT_EQ(s.params.pe_name, "sip");
}

TEST(Desired, GroupExpandsRangesThenFwmarks) {
  auto c = parse(R"(
virtual_server_group G {
  fwmark 9
  10.0.0.1-3 80
  10.0.0.254-10.0.1.1 80
}
virtual_server group G {
  lvs_sched rr
  lvs_method DR
  protocol TCP
  real_server 10.0.1.1 80 { }
})");
  VirtualService s = services_of(c.lvs.virtual_servers.at(0), c.lvs);
  std::vector<ServiceKey> expected{
      tcp("10.0.0.1", 80),   tcp("10.0.0.2", 80), tcp("10.0.0.3", 80), tcp("10.0.0.254", 80),
      tcp("10.0.0.255", 80), tcp("10.0.1.0", 80), tcp("10.0.1.1", 80), fwmark(9)};
  EXPECT_EQ(s.keys, expected);
}

TEST(Desired, IPv6RangesStepTheLast16Bits) {
  auto c = parse(R"(
virtual_server_group G6 {
  fd00::fffe-ffff 443
}
virtual_server group G6 {
  lvs_sched rr
  lvs_method DR
  protocol TCP
  real_server fd00::1:10 443 { }
})");
  VirtualService s = services_of(c.lvs.virtual_servers.at(0), c.lvs);
  std::vector<ServiceKey> expected{tcp("fd00::fffe", 443), tcp("fd00::ffff", 443)};
  EXPECT_EQ(s.keys, expected);
  EXPECT_EQ(s.params.netmask, 128u);
}

TEST(Desired, DestinationsTakeTheRealServersMethodAndThresholds) {
  auto c = parse(R"(
virtual_server 10.0.0.1 80 {
  lvs_sched wlc
  lvs_method DR
  protocol TCP
  sorry_server 10.0.9.9 8080
  sorry_server_lvs_method NAT
  real_server 10.0.1.1 80 {
    uthreshold 100
    lthreshold 10
  }
  real_server 10.0.1.2 80 {
    lvs_method TUN type gue port 5555 remcsum
  }
})");
  const auto& vs = c.lvs.virtual_servers.at(0);
  DestTemplates t = dest_templates_of(vs);
  auto dests = dests_of(t,
                        {{ip("10.0.1.1"), 80, 1},
                         {ip("10.0.1.2"), 80, 0},
                         {ip("10.0.9.9"), 8080, 1},
                         {ip("10.5.5.5"), 80, 1}},  // not of this virtual server: ignored
                        tcp("10.0.0.1", 80));
  ASSERT_EQ(dests.size(), 3u);
  const auto& a = dests.at(dest("10.0.1.1", 80)).params;
  EXPECT_EQ(a.forward, Forward::kRoute);
  EXPECT_EQ(a.upper_threshold, 100u);
  EXPECT_EQ(a.lower_threshold, 10u);
  const auto& b = dests.at(dest("10.0.1.2", 80)).params;
  EXPECT_EQ(b.forward, Forward::kTunnel);
  EXPECT_EQ(b.weight, 0u);
  EXPECT_EQ(b.tunnel_type, 1);
  EXPECT_EQ(b.tunnel_port, 5555);
  EXPECT_EQ(b.tunnel_flags, 2);
  EXPECT_EQ(dests.at(dest("10.0.9.9", 8080)).params.forward, Forward::kMasq);
}

TEST(Desired, FwmarkServiceOfIPv6) {
  auto c = parse(R"(
virtual_server fwmark 5 {
  ip_family inet6
  lvs_sched rr
  lvs_method DR
  real_server fd00::10 { }
})");
  VirtualService s = services_of(c.lvs.virtual_servers.at(0), c.lvs);
  ASSERT_EQ(s.keys.size(), 1u);
  EXPECT_EQ(s.keys[0], fwmark(5, core::Family::kIPv6));
  EXPECT_EQ(s.params.netmask, 128u);
}

// keepalived ipvs_group_cmd: a real server of a group has one destination port per entry; only
// NAT keeps its own port. Group services never take persistence_granularity.
TEST(Desired, GroupDestinationPortsFollowEachEntry) {
  auto c = parse(R"(
virtual_server_group G {
  10.0.0.1 80
  10.0.0.2 443
  fwmark 9
}
virtual_server group G {
  lvs_sched rr
  lvs_method DR
  protocol TCP
  persistence_timeout 60
  persistence_granularity 255.255.255.0
  real_server 10.0.1.1 8080 {
  }
  real_server 10.0.1.2 8080 {
    lvs_method NAT
  }
})");
  const auto& vs = c.lvs.virtual_servers.at(0);
  VirtualService s = services_of(vs, c.lvs);
  EXPECT_EQ(s.params.netmask, 0xffffffffu);
  EXPECT_EQ(s.params.timeout, 60u);
  DestTemplates t = dest_templates_of(vs);
  std::vector<LiveDestination> live{{ip("10.0.1.1"), 8080, 1}, {ip("10.0.1.2"), 8080, 1}};
  auto keys = [](const std::map<DestKey, DestState>& m) {
    std::vector<DestKey> out;
    for (const auto& [k, v] : m) out.push_back(k);
    return out;
  };
  EXPECT_EQ(keys(dests_of(t, live, tcp("10.0.0.1", 80))),
            (std::vector<DestKey>{dest("10.0.1.1", 80), dest("10.0.1.2", 8080)}));
  EXPECT_EQ(keys(dests_of(t, live, tcp("10.0.0.2", 443))),
            (std::vector<DestKey>{dest("10.0.1.1", 443), dest("10.0.1.2", 8080)}));
  EXPECT_EQ(keys(dests_of(t, live, fwmark(9))),
            (std::vector<DestKey>{dest("10.0.1.1", 0), dest("10.0.1.2", 8080)}));
}

}  // namespace
}  // namespace vigil::ipvs
