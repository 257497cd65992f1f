// keepalived's own sample configurations (Debian: /usr/share/doc/keepalived/samples): the VRRP
// side binds with the diagnostics keepalived 2.2.7 gives for each (`keepalived -t -f FILE` in
// a namespace with eth0..eth3; keepalived's wording in the comments). Host checks are off here:
// missing interfaces and scripts are host_checks_test's business.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/parser/bind_vrrp_test_util.h"

namespace vigil::parser {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

const fs::path kSamples = "/usr/share/doc/keepalived/samples";

struct Sample {
  ParseResult result;
  std::vector<std::string> diagnostics;
};

Sample load(std::string_view name) {
  ParseOptions opts;
  opts.host_checks = false;
  opts.config_id = "test";
  Sample s{parse_config_file((kSamples / name).string(), opts), {}};
  s.diagnostics = testing::diags(s.result);
  return s;
}

#define REQUIRE_SAMPLES()                                                        \
  if (!fs::exists(kSamples / "keepalived.conf.vrrp")) {                          \
    GTEST_SKIP() << "keepalived samples not installed (apt install keepalived)"; \
  }

TEST(BindVrrpSamples, Vrrp) {
  REQUIRE_SAMPLES();
  auto s = load("keepalived.conf.vrrp");
  EXPECT_THAT(s.diagnostics, IsEmpty());  // keepalived: exit 0, no message
  const auto& c = s.result.config;
  EXPECT_EQ(c.global.router_id, "LVS_DEVEL");
  EXPECT_THAT(c.global.notification_email, ElementsAre("acassen"));
  ASSERT_EQ(c.vrrp.instances.size(), 4u);
  const auto& vi1 = c.vrrp.instances[0];
  EXPECT_EQ(vi1.state, config::InstanceState::kMaster);
  EXPECT_EQ(vi1.priority, 100);
  EXPECT_EQ(vi1.garp_master_delay, std::chrono::seconds(10));
  EXPECT_EQ(vi1.authentication->password, "1111");
  ASSERT_EQ(vi1.virtual_ipaddress.size(), 4u);
  EXPECT_EQ(vi1.virtual_ipaddress[3].label, "eth0:1");
  EXPECT_EQ(c.vrrp.instances[1].state, config::InstanceState::kBackup);
}

TEST(BindVrrpSamples, Localcheck) {
  REQUIRE_SAMPLES();
  // keepalived exits 6 (scripts without enable_script_security): a host-check matter.
  auto s = load("keepalived.conf.vrrp.localcheck");
  EXPECT_THAT(s.diagnostics, IsEmpty());
  const auto& c = s.result.config;
  ASSERT_EQ(c.vrrp.scripts.size(), 5u);
  EXPECT_EQ(c.vrrp.scripts[0].script.command, "killall -0 sshd");
  EXPECT_EQ(c.vrrp.scripts[0].weight, -4);
  EXPECT_EQ(c.vrrp.scripts[2].script.command, "</dev/tcp/127.0.0.1/80");
  const auto& vi1 = c.vrrp.instances.at(0);
  ASSERT_EQ(vi1.track_interfaces.size(), 3u);
  EXPECT_EQ(vi1.track_interfaces[1].weight, -2);
  ASSERT_EQ(vi1.track_scripts.size(), 5u);
  EXPECT_EQ(vi1.track_scripts[0].weight, -4);  // the script's own weight
  EXPECT_EQ(vi1.track_scripts[1].weight, 2);
}

TEST(BindVrrpSamples, LvsSyncd) {
  REQUIRE_SAMPLES();
  auto s = load("keepalived.conf.vrrp.lvs_syncd");
  EXPECT_THAT(
      s.diagnostics,
      ElementsAre(
          // (Line 4) Unknown keyword 'VI_2'  -- the members are not inside `group { }`
          "4:3: warning: unknown keyword 'VI_2' in vrrp_sync_group",
          // (Line 5) Unknown keyword 'VI_3'
          "5:3: warning: unknown keyword 'VI_3' in vrrp_sync_group",
          // (Line 11) (VI_1) Specifying lvs_sync_daemon_interface against a vrrp is
          // deprecated. Please use global lvs_sync_daemon
          "11:5: warning: (VI_1) lvs_sync_daemon_interface in a vrrp_instance is deprecated; use "
          "global_defs lvs_sync_daemon",
          // Sync group VG1 has no virtual router(s). removing
          "3:1: warning: sync group 'VG1' has no virtual routers (members go in a 'group { }' "
          "block); removing it"));
  EXPECT_EQ(s.result.exit_code(), ExitCode::kConfigError);  // keepalived: 5
  const auto& c = s.result.config;
  EXPECT_TRUE(c.vrrp.sync_groups.empty());
  ASSERT_TRUE(c.global.lvs_sync_daemon);
  EXPECT_EQ(c.global.lvs_sync_daemon->interface, "eth1");
  EXPECT_EQ(c.global.lvs_sync_daemon->instance, "VI_1");
}

TEST(BindVrrpSamples, Routes) {
  REQUIRE_SAMPLES();
  auto s = load("keepalived.conf.vrrp.routes");
  EXPECT_THAT(
      s.diagnostics,
      ElementsAre(
          // (Line 29) Warning - cannot track route 192.168.112.0/24 with no interface ...
          "29:9: warning: cannot track route 192.168.112.0/24 with no interface specified; not "
          "tracking it",
          // (Line 30) "or" for routes is deprecated. Please use "nexthop"
          "30:46: warning: \"or\" for routes is deprecated; use \"nexthop\"",
          "30:9: warning: cannot track route 192.168.113.0/24 with no interface specified; not "
          "tracking it",
          "31:2: warning: cannot track route 192.168.113.1/32 with no interface specified; not "
          "tracking it",
          // (Line 32) "gw" for routes is deprecated. Please use "via"
          "32:19: warning: \"gw\" for routes is deprecated; use \"via\"",
          "32:9: warning: cannot track route 0.0.0.0/0 with no interface specified; not "
          "tracking it"));
  const auto& c = s.result.config;
  ASSERT_EQ(c.vrrp.static_routes.size(), 5u);
  EXPECT_EQ(c.vrrp.static_routes[0].src->to_string(), "192.168.100.1");
  EXPECT_EQ(c.vrrp.static_routes[3].scope, "site");
  const auto& routes = c.vrrp.instances.at(0).virtual_routes;
  ASSERT_EQ(routes.size(), 7u);
  EXPECT_EQ(routes[4].nexthops.size(), 2u);
  EXPECT_EQ(routes[5].type, "blackhole");
  EXPECT_EQ(routes[6].table, "100");
}

TEST(BindVrrpSamples, Rules) {
  REQUIRE_SAMPLES();
  auto s = load("keepalived.conf.vrrp.rules");
  EXPECT_THAT(
      s.diagnostics,
      ElementsAre(
          // (Line 10) Rule has no preference specified - setting to 16384. ...
          "10:5: warning: rule has no preference; setting it to 16384, which is probably not "
          "what you want",
          // (Line 11) VRRP parsed invalid IP 192.168.100./24. skipping IP...
          // (Line 11) Invalid rule to address 192.168.100./24
          "11:8: error: invalid rule to address '192.168.100./24' (expected an IPv4 or IPv6 "
          "address with optional /prefix-length)",
          // (Line 25) Rule has no preference specified - setting to 16383. ...
          "25:9: warning: rule has no preference; setting it to 16383, which is probably not "
          "what you want",
          // (Line 26) VRRP parsed invalid IP 192.168.200./24. skipping IP...
          "26:12: error: invalid rule to address '192.168.200./24' (expected an IPv4 or IPv6 "
          "address with optional /prefix-length)"));
  EXPECT_EQ(s.result.config.vrrp.static_rules.size(), 1u);
  EXPECT_EQ(s.result.config.vrrp.instances.at(0).virtual_rules.size(), 1u);
}

TEST(BindVrrpSamples, Scripts) {
  REQUIRE_SAMPLES();
  auto s = load("keepalived.conf.vrrp.scripts");
  EXPECT_THAT(s.diagnostics, IsEmpty());
  const auto& c = s.result.config;
  ASSERT_EQ(c.vrrp.sync_groups.size(), 1u);
  EXPECT_THAT(c.vrrp.sync_groups[0].members, ElementsAre("VI_2", "VI_3"));
  EXPECT_EQ(c.vrrp.sync_groups[0].notify_backup->command, "/usr/local/bin/vrrp.back arg1 arg2");
  // Quoted commands keep their inner spacing.
  EXPECT_EQ(c.vrrp.instances.at(0).notify_backup->command, "/usr/local/bin/vrrp.sh  BACKUP   VI_1");
}

TEST(BindVrrpSamples, StaticIpaddress) {
  REQUIRE_SAMPLES();
  auto s = load("keepalived.conf.vrrp.static_ipaddress");
  EXPECT_THAT(s.diagnostics,
              ElementsAre("25:9: warning: cannot track route 192.168.112.0/24 with no interface "
                          "specified; not tracking it"));
  EXPECT_EQ(s.result.config.vrrp.static_addresses.size(), 3u);
  EXPECT_EQ(s.result.config.vrrp.static_addresses[0].scope, "link");
}

TEST(BindVrrpSamples, Sync) {
  REQUIRE_SAMPLES();
  auto s = load("keepalived.conf.vrrp.sync");
  EXPECT_THAT(s.diagnostics, IsEmpty());
  const auto& c = s.result.config;
  ASSERT_EQ(c.vrrp.sync_groups.size(), 2u);
  EXPECT_EQ(c.vrrp.sync_groups[0].members.size(), 7u);
  EXPECT_EQ(c.vrrp.instances.at(2).sync_group, "G2");
}

TEST(BindVrrpSamples, TrackInterface) {
  REQUIRE_SAMPLES();
  auto s = load("keepalived.conf.track_interface");
  // keepalived also says the interface eth0.1 does not exist (a host check).
  EXPECT_THAT(s.diagnostics,
              ElementsAre("31:9: warning: cannot track route 192.168.112.0/24 with no interface "
                          "specified; not tracking it"));
  EXPECT_EQ(s.result.config.vrrp.instances.at(0).interface, "eth0.1");
  EXPECT_EQ(s.result.config.vrrp.instances.at(0).track_interfaces.size(), 2u);
}

TEST(BindVrrpSamples, ConditionalConf) {
  REQUIRE_SAMPLES();
  // Without -i high/low neither script line applies, as keepalived reports.
  auto s = load("keepalived.conf.conditional_conf");
  EXPECT_THAT(s.diagnostics,
              ElementsAre(
                  // (Line 13) No script set for vrrp_script check_VI_0 - removing
                  "6:1: warning: no script set for vrrp_script 'check_VI_0'; removing it",
                  // (Line 25) (VI_0) track script check_VI_0 not found, ignoring...
                  "25:3: warning: (VI_0) track script 'check_VI_0' not found (a vrrp_script "
                  "must be defined before it is used); ignoring it"));
  const auto& vi0 = s.result.config.vrrp.instances.at(0);
  EXPECT_EQ(vi0.version, 3);
  EXPECT_TRUE(vi0.use_vmac);
  EXPECT_EQ(vi0.advert_int, std::chrono::seconds(12));
}

TEST(BindVrrpSamples, SslGetAhMaster) {
  REQUIRE_SAMPLES();
  auto s = load("keepalived.conf.SSL_GET");
  // (VI_1) Initial state master is incompatible with AH authentication - clearing
  EXPECT_THAT(s.diagnostics, ElementsAre("13:1: warning: (VI_1) initial state MASTER is "
                                         "incompatible with AH authentication; using BACKUP"));
  EXPECT_EQ(s.result.config.vrrp.instances.at(0).state, config::InstanceState::kBackup);
}

}  // namespace
}  // namespace vigil::parser
