// Address/route/rule lines and the top-level VRRP blocks (static_*, vrrp_script, track_file,
// vrrp_sync_group, garp_group, track_group, ...), with keepalived 2.2.7's conditions.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/parser/bind_vrrp_test_util.h"

namespace vigil::parser {
namespace {

using testing::diags;
using ::testing::ElementsAre;
using testing::instance;
using ::testing::IsEmpty;
using testing::parse_text;

std::string vips(std::string_view lines) {
  return "vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n"
         "  virtual_ipaddress {\n" +
         std::string(lines) + "  }\n}\n";
}

TEST(BindVrrpAddresses, AddressOptions) {
  auto r =
      parse_text(vips("    192.168.1.10/24 brd + dev eth1 scope link label eth1:vip "
                      "noprefixroute no_track\n    10.0.0.2 peer 10.0.0.3\n"));
  EXPECT_THAT(diags(r), IsEmpty());
  const auto& v = r.config.vrrp.instances.at(0).virtual_ipaddress;
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].address.str(), "192.168.1.10/24");
  EXPECT_EQ(v[0].broadcast->to_string(), "192.168.1.255");
  EXPECT_EQ(v[0].dev, "eth1");
  EXPECT_EQ(v[0].scope, "link");
  EXPECT_EQ(v[0].label, "eth1:vip");
  EXPECT_TRUE(v[0].noprefixroute);
  EXPECT_TRUE(v[0].no_track);
  EXPECT_EQ(v[1].peer->to_string(), "10.0.0.3");
}

TEST(BindVrrpAddresses, AddressErrors) {
  // keepalived rejects `192.168.100./24` (inet_pton): so does vigil.
  EXPECT_THAT(diags(vips("    192.168.100./24\n")),
              ElementsAre("5:5: error: invalid address '192.168.100./24' (expected an IPv4 or IPv6 "
                          "address with optional /prefix-length)",
                          "1:1: warning: (VI_1) no VIP specified; at least one is sensible"));
  EXPECT_THAT(diags(vips("    10.0.0.2/33\n")),
              ElementsAre("5:5: warning: invalid prefix length in '10.0.0.2/33'; using /32"));
  EXPECT_THAT(diags(vips("    10.0.0.1\n    10.0.0.3 dev eth1 dev eth2\n")),
              ElementsAre("6:23: error: 'dev' given more than once for address '10.0.0.3'; "
                          "address ignored"));
  EXPECT_THAT(diags(vips("    10.0.0.4 brd 1.2.3.4 peer 10.0.0.9\n")),
              ElementsAre("5:5: warning: cannot give both broadcast and peer addresses; ignoring "
                          "the broadcast address of '10.0.0.4'"));
  EXPECT_THAT(diags(vips("    10.0.0.5 foo\n")),
              ElementsAre("5:14: error: unknown option 'foo' for ip address '10.0.0.5'; ignoring "
                          "it"));
  EXPECT_THAT(diags(vips("    10.0.0.1\n    10.0.0.6 label\n")),
              ElementsAre("6:14: error: no label value given for address '10.0.0.6'; address "
                          "ignored"));
  EXPECT_THAT(diags(vips("    10.0.0.1\n    10.0.0.6 scope planet\n")),
              ElementsAre("6:20: error: invalid scope 'planet' for address '10.0.0.6' (expected "
                          "host, link, site, global, nowhere or 0..255); scope ignored"));
  EXPECT_THAT(diags(vips("    fe80::1\n    fe80::2 brd 1.2.3.4\n")),
              ElementsAre("6:13: error: a broadcast address cannot be given for IPv6 address "
                          "'fe80::2'; address ignored"));
}

TEST(BindVrrpAddresses, Ipv6AddressDefaults) {
  auto r =
      parse_text(instance("  virtual_ipaddress_excluded {\n    2001:db8::1 scope link label "
                          "x\n    2001:db8::2/64\n    2001:db8::3 preferred_lft forever\n"
                          "  }\n"));
  EXPECT_THAT(diags(r), ElementsAre("8:5: warning: cannot give a scope for IPv6 address "
                                    "'2001:db8::1'; ignoring the scope",
                                    "8:5: warning: cannot give a label for IPv6 address "
                                    "'2001:db8::1'; ignoring the label"));
  const auto& e = r.config.vrrp.instances.at(0).virtual_ipaddress_excluded;
  EXPECT_EQ(e[0].preferred_lft, 0u);            // a /128 is deprecated by default
  EXPECT_EQ(e[1].preferred_lft, std::nullopt);  // forever
  EXPECT_EQ(e[2].preferred_lft, std::nullopt);
}

TEST(BindVrrpRoutes, SampleRoutes) {
  auto r = parse_text(instance(
      "  virtual_routes {\n    src 192.168.100.1 192.168.109.0/24 via 192.168.200.254 dev eth1\n"
      "    192.168.113.0/24 via 192.168.100.252 or 192.168.100.253\n"
      "    blackhole 192.168.113.1/32\n    0.0.0.0/0 gw 192.168.0.1 table 100\n"
      "    inet6 default via fe80::1 dev eth1 metric 5 mtu lock 1400 advmss 1300\n"
      "    10.9.0.0/16 nexthop via 10.0.0.1 dev eth1 weight 2 nexthop via 10.0.0.2 dev eth2\n"
      "  }\n"));
  EXPECT_THAT(diags(r),
              ElementsAre("9:42: warning: \"or\" for routes is deprecated; use \"nexthop\"",
                          "9:5: warning: cannot track route 192.168.113.0/24 with no interface "
                          "specified; not tracking it",
                          "10:5: warning: cannot track route 192.168.113.1/32 with no interface "
                          "specified; not tracking it",
                          "11:15: warning: \"gw\" for routes is deprecated; use \"via\"",
                          "11:5: warning: cannot track route 0.0.0.0/0 with no interface "
                          "specified; not tracking it",
                          "13:5: warning: cannot track route 10.9.0.0/16 with no interface "
                          "specified; not tracking it"));
  const auto& v = r.config.vrrp.instances.at(0).virtual_routes;
  ASSERT_EQ(v.size(), 6u);
  EXPECT_EQ(v[0].src->to_string(), "192.168.100.1");
  EXPECT_EQ(v[0].to->str(), "192.168.109.0/24");
  EXPECT_EQ(v[0].protocol, "keepalived");
  EXPECT_FALSE(v[0].no_track);
  EXPECT_EQ(v[1].nexthops.size(), 2u);
  EXPECT_EQ(v[2].type, "blackhole");
  EXPECT_EQ(v[3].table, "100");
  EXPECT_EQ(v[4].family, core::Family::kIPv6);
  EXPECT_FALSE(v[4].to);  // default
  EXPECT_EQ(v[4].metric, 5u);
  EXPECT_TRUE(v[4].mtu_lock);
  ASSERT_EQ(v[5].nexthops.size(), 2u);
  EXPECT_EQ(v[5].nexthops[0].weight, 2u);
}

TEST(BindVrrpRoutes, RouteErrors) {
  auto route = [](std::string_view line) {
    return diags(instance("  virtual_routes {\n    " + std::string(line) + "\n  }\n"));
  };
  EXPECT_THAT(route("10.1.0.0/16 via 2001:db8::1 dev eth1"),
              ElementsAre("8:21: error: cannot mix IPv4 and IPv6 addresses in a route "
                          "('2001:db8::1'); route ignored"));
  EXPECT_THAT(route("10.2.0.0/16 dev eth1 table foo"),
              ElementsAre("8:32: error: routing table 'foo' not found (expected a number or "
                          "main, local, default); route ignored"));
  EXPECT_THAT(route("10.3.0.0/16 dev eth1 metric x"),
              ElementsAre("8:33: error: invalid route metric 'x' (expected 0..4294967295); route "
                          "ignored"));
  EXPECT_THAT(route("dev eth1"),
              ElementsAre("8:5: error: a route needs a destination; route ignored"));
  EXPECT_THAT(route("10.4.0.0/16 dev eth1 bogus"),
              ElementsAre("8:26: error: unknown route keyword or invalid destination 'bogus'; "
                          "route ignored"));
  EXPECT_THAT(route("192.168.100./24 dev eth1"),
              ElementsAre("8:5: error: unknown route keyword or invalid destination "
                          "'192.168.100./24'; route ignored"));
  EXPECT_THAT(route("10.5.0.0/16 dev eth1 protocol bird"),
              ElementsAre("8:5: warning: a tracked route must use protocol keepalived (18); "
                          "resetting the protocol"));
  EXPECT_THAT(route("10.6.0.0/16 dev eth1 protocol bird no_track"), IsEmpty());
}

TEST(BindVrrpRules, PreferencesAndActions) {
  auto r = parse_text(
      "static_rules {\n  from 192.168.100.0/24 table 1\n  to 192.168.100./24 table 1\n"
      "  from 10.0.0.0/8 lookup main preference 100 fwmark 0x10/0xff iif eth0\n}\n" +
      instance("  virtual_rules {\n    from 192.168.200.0/24 table 2\n"
               "    to 10.1.0.0/16 preference 5 goto 3\n    from all\n"
               "    inet6 from 2001:db8::/32 prohibit\n  }\n"));
  EXPECT_THAT(diags(r),
              ElementsAre("2:3: warning: rule has no preference; setting it to 16384, which is "
                          "probably not what you want",
                          "3:6: error: invalid rule to address '192.168.100./24' (expected an "
                          "IPv4 or IPv6 address with optional /prefix-length)",
                          "13:5: warning: rule has no preference; setting it to 16383, which is "
                          "probably not what you want",
                          "14:5: error: rule preference 5 must be lower than its goto target 3; "
                          "rule ignored",
                          "15:5: error: no action given for rule (table, goto, nop, blackhole, "
                          "...); rule ignored",
                          "16:5: warning: rule has no preference; setting it to 16384, which is "
                          "probably not what you want"));
  const auto& s = r.config.vrrp.static_rules;
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].preference, 16384u);
  EXPECT_TRUE(s[0].preference_assigned);
  EXPECT_EQ(s[1].action, "lookup");
  EXPECT_EQ(s[1].table, "main");
  EXPECT_EQ(s[1].fwmark, 0x10u);
  EXPECT_EQ(s[1].fwmask, 0xffu);
  const auto& v = r.config.vrrp.instances.at(0).virtual_rules;
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].preference, 16383u);
  EXPECT_EQ(v[1].family, core::Family::kIPv6);  // IPv6 has its own counter
  EXPECT_EQ(v[1].action, "prohibit");
}

TEST(BindVrrpBlocks, StaticBlocks) {
  auto b = testing::bind_text(
      "global_defs {\n  default_interface eth9\n}\n"
      "static_ipaddress {\n  192.168.200.16 dev eth0 scope link\n  192.168.200.18\n}\n"
      "static_routes {\n  192.168.210.0/24 via 192.168.200.254 dev eth0\n}\n");
  EXPECT_TRUE(b.diagnostics.entries().empty());
  EXPECT_EQ(b.config.vrrp.static_addresses.size(), 2u);
  EXPECT_EQ(b.config.vrrp.static_routes.size(), 1u);
  std::vector<std::string> refs;
  for (const auto& r : b.host.interfaces) refs.push_back(r.name + "/" + r.what);
  EXPECT_THAT(refs, ElementsAre("eth0/ip address 192.168.200.16", "eth0/VROUTE nexthop",
                                "eth9/default_interface (static address 192.168.200.18)"));
  EXPECT_THAT(diags("static_ipaddress foo {\n}\n"),
              ElementsAre("1:18: error: block 'static_ipaddress' has extra parameters 'foo'; "
                          "block skipped"));
}

TEST(BindVrrpBlocks, VrrpScript) {
  auto b = testing::bind_text(
      "global_defs {\n  script_user nobody\n}\n"
      "vrrp_script chk {\n  script \"killall -0 sshd\"\n  interval 2\n  weight -4 reverse\n"
      "  fall 2\n  rise 3\n  init_fail\n}\n"
      "vrrp_script chk2 {\n  script /bin/check --port 80\n  user root wheel\n  timeout 0\n}\n"
      "vrrp_script empty {\n  interval 1\n}\n");
  std::vector<std::string> d;
  for (const auto& e : b.diagnostics.entries()) d.push_back(testing::short_str(e));
  EXPECT_THAT(d, ElementsAre("15:11: warning: (chk2) vrrp_script timeout must be greater than "
                             "0; using 1",
                             "17:1: warning: no script set for vrrp_script 'empty'; removing it"));
  const auto& s = b.config.vrrp.scripts;
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].script.command, "killall -0 sshd");
  EXPECT_EQ(s[0].interval, std::chrono::seconds(2));
  EXPECT_EQ(s[0].timeout, std::chrono::seconds(2));  // defaults to the interval
  EXPECT_EQ(s[0].weight, -4);
  EXPECT_TRUE(s[0].weight_reverse);
  EXPECT_EQ(s[0].rise, 3u);
  EXPECT_TRUE(s[0].init_fail);
  EXPECT_EQ(s[1].script.command, "/bin/check --port 80");
  std::vector<std::string> refs;
  for (const auto& r : b.host.scripts) refs.push_back(r.what + "=" + r.command + "@" + r.user);
  EXPECT_THAT(refs, ElementsAre("vrrp_script chk=killall -0 sshd@nobody",
                                "vrrp_script chk2=/bin/check --port 80@root"));
  EXPECT_EQ(b.host.scripts[0].kind, ScriptKind::kTrack);

  EXPECT_THAT(diags("vrrp_script c {\n  script /bin/true\n  weight 300\n}\n"),
              ElementsAre("3:10: error: 'weight': invalid value '300' (expected an integer "
                          "-253..253)"));
}

TEST(BindVrrpBlocks, TrackFile) {
  auto r = parse_text(
      "track_file tf {\n  file /run/tf\n  weight -10 reverse\n"
      "  init_file 5 overwrite\n}\nvrrp_track_file old {\n}\n");
  EXPECT_THAT(diags(r), ElementsAre("note 6:1: warning: \"vrrp_track_file\" is deprecated; use "
                                    "\"track_file\"",
                                    "6:1: warning: no file set for track_file 'old'; ignoring it"));
  const auto& f = r.config.vrrp.track_files.at(0);
  EXPECT_EQ(f.file, "/run/tf");
  EXPECT_EQ(f.weight, -10);
  EXPECT_TRUE(f.weight_reverse);
  EXPECT_TRUE(f.init_file);
  EXPECT_EQ(f.init_value, 5);
  EXPECT_TRUE(f.init_overwrite);
}

TEST(BindVrrpBlocks, SyncGroups) {
  auto r = parse_text(
      "vrrp_sync_group G1 {\n  group {\n    VI_1 VI_X\n    VI_2\n  }\n"
      "  notify_master \"/bin/m arg\"\n  smtp_alert\n  global_tracking\n}\n"
      "vrrp_sync_group G2 {\n  group {\n    VI_1\n  }\n}\n" +
      instance("") + instance("", "VI_2", "52"));
  EXPECT_THAT(diags(r),
              ElementsAre("8:3: warning: (G1) global_tracking is deprecated; use "
                          "track_interface/script/file on the sync group",
                          "3:10: warning: virtual router 'VI_X' specified in sync group 'G1' "
                          "doesn't exist; ignoring it",
                          "12:5: warning: virtual router 'VI_1' cannot be in more than one sync "
                          "group (already in 'G1'); ignoring it in 'G2'",
                          "10:1: warning: sync group 'G2': no matching virtual router found; "
                          "removing it"));
  ASSERT_EQ(r.config.vrrp.sync_groups.size(), 1u);
  const auto& g = r.config.vrrp.sync_groups[0];
  EXPECT_THAT(g.members, ElementsAre("VI_1", "VI_2"));
  EXPECT_EQ(g.notify_master->command, "/bin/m arg");
  EXPECT_TRUE(g.sync_group_tracking_weight);
  EXPECT_EQ(r.config.vrrp.instances[1].sync_group, "G1");
}

// keepalived's sample keepalived.conf.vrrp.lvs_syncd lists the members directly in the block,
// without `group { }`: keepalived reports each as an unknown keyword and then drops the group.
TEST(BindVrrpBlocks, SyncGroupWithoutGroupBlock) {
  auto r = parse_text("vrrp_sync_group VG1 {\n  VI_2\n  VI_3\n}\n" + instance(""));
  EXPECT_THAT(diags(r),
              ElementsAre("2:3: warning: unknown keyword 'VI_2' in vrrp_sync_group",
                          "3:3: warning: unknown keyword 'VI_3' in vrrp_sync_group",
                          "1:1: warning: sync group 'VG1' has no virtual routers (members go in a "
                          "'group { }' block); removing it"));
  EXPECT_TRUE(r.config.vrrp.sync_groups.empty());
}

TEST(BindVrrpBlocks, SyncGroupClearsMemberWeights) {
  auto r = parse_text(
      "vrrp_script chk {\n  script /bin/true\n  weight 10\n}\n"
      "vrrp_sync_group G {\n  group {\n    VI_1\n    VI_2\n  }\n}\n" +
      instance("  track_script {\n    chk\n  }\n") + instance("", "VI_2", "52"));
  EXPECT_THAT(diags(r), ElementsAre("18:5: warning: (VI_1) ignoring tracked script 'chk' with "
                                    "weights due to SYNC group"));
}

TEST(BindVrrpBlocks, GarpTrackGroupLinkbeatDelays) {
  auto r = parse_text(
      "garp_group {\n  garp_interval 0.001\n  interfaces {\n    eth0\n    eth1\n  }\n}\n"
      "garp_group {\n  interface eth2\n}\n"
      "track_group TG {\n  group {\n    VI_1\n  }\n}\n"
      "linkbeat_interfaces {\n  eth0\n  eth1 ETHTOOL\n  eth2 FOO\n}\n"
      "interface_up_down_delays {\n  eth0 0.5 2\n  eth1 bad\n}\n" +
      instance(""));
  EXPECT_THAT(diags(r),
              ElementsAre("8:1: warning: garp_group has neither garp_interval nor gna_interval; "
                          "removing it",
                          "19:8: error: 'eth2': invalid value 'FOO' (expected one of MII, ETHTOOL, "
                          "IOCTL)",
                          "note 23:8: warning: invalid down delay 'bad' for 'eth1' (expected "
                          "seconds 0..255)"));
  const auto& v = r.config.vrrp;
  ASSERT_EQ(v.garp_groups.size(), 1u);
  EXPECT_TRUE(v.garp_groups[0].aggregate);
  EXPECT_EQ(v.garp_groups[0].garp_interval, std::chrono::milliseconds(1));
  EXPECT_THAT(v.track_groups.at(0).members, ElementsAre("VI_1"));
  EXPECT_EQ(v.linkbeat_interfaces.size(), 3u);
  EXPECT_EQ(v.linkbeat_interfaces[1].type, "ETHTOOL");
  ASSERT_EQ(v.interface_up_down_delays.size(), 1u);
  EXPECT_EQ(v.interface_up_down_delays[0].down_delay, std::chrono::milliseconds(500));
  EXPECT_EQ(v.interface_up_down_delays[0].up_delay, std::chrono::seconds(2));
}

TEST(BindVrrpBlocks, UnsupportedTopLevel) {
  auto r = parse_text(
      "vrrp_track_process nginx {\n  process nginx\n}\n"
      "bfd_instance b1 {\n  neighbor_ip 10.0.0.1\n}\n");
  EXPECT_THAT(diags(r), ElementsAre("note 1:1: warning: 'vrrp_track_process' is accepted but "
                                    "vigil does not implement process tracking; it has no effect",
                                    "note 4:1: warning: 'bfd_instance' is accepted but vigil does "
                                    "not implement BFD; it has no effect"));
  EXPECT_TRUE(r.diagnostics.clean());
}

TEST(BindVrrpBlocks, JsonShape) {
  auto r = parse_text("vrrp_script chk {\n  script /bin/true\n}\n" +
                      instance("  track_script {\n    chk weight 5\n  }\n"));
  auto j = vrrp_to_json(r.config);
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.push_back(k);
  EXPECT_THAT(keys,
              ElementsAre("static_ipaddress", "static_routes", "static_rules", "track_group",
                          "vrrp_script", "track_file", "vrrp_sync_group", "garp_group",
                          "linkbeat_interfaces", "interface_up_down_delays", "vrrp_instance"));
  EXPECT_EQ(j["vrrp_script"][0]["interval"], 1);
  EXPECT_EQ(j["vrrp_script"][0]["timeout"], 1);
  EXPECT_EQ(j["vrrp_instance"][0]["track_script"][0]["weight"], 5);
  EXPECT_EQ(j["vrrp_instance"][0]["virtual_ipaddress"][0]["address"], "10.0.0.1/32");
}

}  // namespace
}  // namespace vigil::parser
