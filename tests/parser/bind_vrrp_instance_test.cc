// vrrp_instance keywords and the checks finalize_vrrp makes, with keepalived 2.2.7's
// conditions (messages checked against keepalived -t on the same input).
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

const config::VrrpInstance& first(const ParseResult& r) { return r.config.vrrp.instances.at(0); }

TEST(BindVrrpInstance, DefaultsAndInheritanceInJson) {
  auto r = parse_text(
      "global_defs {\n  vrrp_version 3\n  vrrp_garp_master_delay 10\n  smtp_alert true\n}\n" +
      instance(""));
  EXPECT_THAT(diags(r), IsEmpty());
  auto j = vrrp_to_json(r.config)["vrrp_instance"][0];
  EXPECT_EQ(j["version"], 3);
  EXPECT_EQ(j["state"], "BACKUP");
  EXPECT_EQ(j["priority"], 100);
  EXPECT_EQ(j["advert_int_configured"], nullptr);
  EXPECT_EQ(j["advert_int"], 1);
  EXPECT_EQ(j["garp_master_delay"], 10);
  EXPECT_EQ(j["garp_lower_prio_delay"], 10);
  EXPECT_EQ(j["garp_master_repeat"], 5);
  EXPECT_EQ(j["mcast_dst_ip"], "224.0.0.18");
  EXPECT_EQ(j["accept"], true);
  EXPECT_EQ(j["strict_mode"], false);
  EXPECT_EQ(j["smtp_alert"], true);
  EXPECT_EQ(j["down_timer_adverts"], 3);
  EXPECT_EQ(j["preempt_delay"], 0);
}

TEST(BindVrrpInstance, PriorityAndStateImplyEachOther) {
  auto r = parse_text(instance("  state MASTER\n"));
  EXPECT_EQ(first(r).priority, 255);  // MASTER without priority: the address owner
  r = parse_text(instance("  priority 255\n"));
  EXPECT_EQ(first(r).state, config::InstanceState::kMaster);
  r = parse_text(instance("  state MASTER\n  priority 150\n"));
  EXPECT_EQ(first(r).state, config::InstanceState::kMaster);
  EXPECT_EQ(first(r).priority, 150);
  // An invalid priority falls back to 100, as keepalived does, so MASTER no longer means 255.
  r = parse_text(instance("  state MASTER\n  priority 300\n"));
  EXPECT_THAT(diags(r), ElementsAre("8:12: error: 'priority': invalid value '300' (expected an "
                                    "integer 1..255)"));
  EXPECT_EQ(first(r).priority, 100);
}

TEST(BindVrrpInstance, BadValues) {
  EXPECT_THAT(diags(instance("  virtual_router_id 0\n", "VI_2", "1")),
              ElementsAre("7:21: error: 'virtual_router_id': invalid value '0' (expected an "
                          "integer 1..255)"));
  EXPECT_THAT(diags(instance("  state SLAVE\n")),
              ElementsAre("7:9: error: 'state': invalid value 'SLAVE' (expected one of MASTER, "
                          "BACKUP); using BACKUP"));
  EXPECT_THAT(diags(instance("  advert_int 0.005\n")),
              ElementsAre("7:14: error: 'advert_int': invalid value '0.005' (expected seconds "
                          "0.01..255)"));
  EXPECT_THAT(diags(instance("  debug 5\n")),
              ElementsAre("7:9: error: 'debug': invalid value '5' (expected an integer 0..4)"));
  EXPECT_THAT(diags(instance("  version 4\n")),
              ElementsAre("7:11: error: 'version': invalid value '4' (expected an integer 2..3)"));
  EXPECT_THAT(diags(instance("  interface\n")),
              ElementsAre("7:3: error: 'interface' expects 1 argument, got 0"));
  EXPECT_THAT(diags(instance("  preempt_delay 1001\n")),
              ElementsAre("7:17: error: 'preempt_delay': invalid value '1001' (expected seconds "
                          "0..1000)"));
  EXPECT_THAT(diags(instance("  virtual_ipadress {\n  }\n")),
              ElementsAre("7:3: warning: unknown keyword 'virtual_ipadress' in vrrp_instance; did "
                          "you mean 'virtual_ipaddress'? (its block is skipped)"));
}

TEST(BindVrrpInstance, MissingVridAndInterface) {
  EXPECT_THAT(diags("vrrp_instance VI_1 {\n  interface eth0\n}\n"),
              ElementsAre("1:1: error: (VI_1) the virtual router id must be set "
                          "(virtual_router_id 1..255)"));
  EXPECT_THAT(diags("vrrp_instance VI_1 {\n  virtual_router_id 4\n  virtual_ipaddress {\n"
                    "    10.0.0.1\n  }\n}\n"),
              ElementsAre("1:1: error: (VI_1) no interface given (an interface is required "
                          "unless unicast peers are configured)"));
  EXPECT_THAT(diags("vrrp_instance {\n}\n"),
              ElementsAre("1:1: error: 'vrrp_instance' must have exactly one name; block "
                          "skipped"));
  EXPECT_THAT(diags(instance("") + instance("", "VI_1", "52")),
              ElementsAre("8:15: error: vrrp_instance 'VI_1' already defined at t.conf:1:1; "
                          "block skipped"));
}

TEST(BindVrrpInstance, AdvertIntRounding) {
  auto r = parse_text(instance("  advert_int 0.5\n"));
  EXPECT_THAT(diags(r), ElementsAre("1:1: warning: (VI_1) VRRPv2 advertisement interval "
                                    "0.500000s must be an integer; rounding to 1s"));
  EXPECT_EQ(first(r).configured_advert_int, std::chrono::milliseconds(500));
  EXPECT_EQ(first(r).advert_int, std::chrono::seconds(1));

  r = parse_text(instance("  advert_int 2.5\n"));
  EXPECT_EQ(first(r).advert_int, std::chrono::seconds(3));

  r = parse_text(instance("  version 3\n  advert_int 0.125\n"));
  EXPECT_THAT(diags(r), ElementsAre("1:1: warning: (VI_1) VRRPv3 advertisement interval "
                                    "0.125000s must be in units of 10ms; rounding to 0.13s"));
  EXPECT_EQ(first(r).advert_int, std::chrono::milliseconds(130));
  auto j = vrrp_to_json(r.config)["vrrp_instance"][0];
  EXPECT_EQ(j["advert_int_configured"], 0.125);
  EXPECT_EQ(j["advert_int"], 0.13);

  r = parse_text(instance("  version 3\n  advert_int 50\n"));
  EXPECT_THAT(diags(r), ElementsAre("1:1: warning: (VI_1) VRRPv3 advertisement interval 50.00s "
                                    "is out of range (must be less than 40.96s); using 40.95s"));
  EXPECT_EQ(first(r).advert_int, std::chrono::milliseconds(40950));

  r = parse_text(instance("  version 3\n  advert_int 0.01\n"));
  EXPECT_THAT(diags(r), IsEmpty());
  EXPECT_EQ(first(r).advert_int, std::chrono::milliseconds(10));
}

TEST(BindVrrpInstance, Authentication) {
  auto r =
      parse_text(instance("  authentication {\n    auth_type PASS\n    auth_pass "
                          "0123456789\n  }\n"));
  EXPECT_THAT(diags(r), ElementsAre("9:15: warning: 'auth_pass' is longer than 8 characters; "
                                    "truncating to '01234567'"));
  ASSERT_TRUE(first(r).authentication);
  EXPECT_EQ(first(r).authentication->password, "01234567");

  EXPECT_THAT(diags(instance("  authentication {\n    auth_type MD5\n  }\n")),
              ElementsAre("8:15: error: 'auth_type': invalid value 'MD5' (expected one of PASS, "
                          "AH)"));

  // AH needs a received advert for its sequence number first (keepalived clears MASTER).
  r =
      parse_text(instance("  state MASTER\n  priority 100\n  authentication {\n    auth_type "
                          "AH\n    auth_pass x\n  }\n"));
  EXPECT_THAT(diags(r), ElementsAre("1:1: warning: (VI_1) initial state MASTER is incompatible "
                                    "with AH authentication; using BACKUP"));
  EXPECT_EQ(first(r).state, config::InstanceState::kBackup);

  r =
      parse_text(instance("  version 3\n  authentication {\n    auth_type PASS\n    auth_pass "
                          "x\n  }\n"));
  EXPECT_THAT(diags(r), ElementsAre("8:3: warning: (VI_1) VRRP version 3 does not support "
                                    "authentication; ignoring it"));
  EXPECT_FALSE(first(r).authentication);
}

TEST(BindVrrpInstance, PreemptRules) {
  EXPECT_THAT(diags(instance("  priority 255\n  nopreempt\n")),
              ElementsAre("1:1: warning: (VI_1) nopreempt is incompatible with priority 255; "
                          "ignoring nopreempt"));
  EXPECT_THAT(diags(instance("  state MASTER\n  priority 100\n  nopreempt\n")),
              ElementsAre("1:1: warning: (VI_1) nopreempt will not work with initial state "
                          "MASTER; ignoring nopreempt"));
  EXPECT_THAT(diags(instance("  nopreempt\n  preempt_delay 5\n")),
              ElementsAre("1:1: warning: (VI_1) preempt_delay is incompatible with nopreempt; "
                          "ignoring it"));
  auto r = parse_text(instance("  nopreempt\n  preempt\n  preempt_delay 4.12\n"));
  EXPECT_THAT(diags(r), IsEmpty());
  EXPECT_FALSE(first(r).nopreempt);
  EXPECT_EQ(first(r).preempt_delay, std::chrono::milliseconds(4120));
}

TEST(BindVrrpInstance, StrictMode) {
  auto r = parse_text("global_defs {\n  vrrp_strict\n}\n" +
                      instance("  lower_prio_no_advert off\n  garp_lower_prio_repeat 2\n"));
  EXPECT_THAT(diags(r),
              ElementsAre("4:1: warning: (VI_1) strict mode requires no repeat GARPs "
                          "(garp_lower_prio_repeat); using 0",
                          "4:1: warning: (VI_1) strict mode requires lower_prio_no_advert; "
                          "setting it"));
  EXPECT_EQ(first(r).accept, false);  // strict and not the owner
  EXPECT_EQ(first(r).lower_prio_no_advert, true);
  EXPECT_EQ(first(r).higher_prio_send_advert, false);

  EXPECT_THAT(diags(instance("  strict_mode\n  state MASTER\n  priority 100\n")),
              ElementsAre("1:1: warning: (VI_1) strict mode: state MASTER must match being the "
                          "address owner (priority 255); using state BACKUP"));
  EXPECT_THAT(diags("vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 1\n"
                    "  strict_mode\n}\n"),
              ElementsAre("1:1: error: (VI_1) no VIP specified; at least one is required (VRRPv3 "
                          "or strict mode)"));
}

TEST(BindVrrpInstance, NoVipIsSensibleForV2) {
  auto r = parse_text("vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 1\n}\n");
  EXPECT_THAT(diags(r), ElementsAre("1:1: warning: (VI_1) no VIP specified; at least one is "
                                    "sensible"));
}

TEST(BindVrrpInstance, Ipv6InstanceUsesVersion3) {
  auto r = parse_text(
      "vrrp_instance VI_6 {\n  interface eth0\n  virtual_router_id 1\n"
      "  virtual_ipaddress {\n    fe80::1\n    2001:db8::1/64\n  }\n}\n");
  EXPECT_THAT(diags(r), IsEmpty());
  EXPECT_EQ(first(r).family, core::Family::kIPv6);
  EXPECT_EQ(first(r).version, 3);
  EXPECT_EQ(vrrp_to_json(r.config)["vrrp_instance"][0]["mcast_dst_ip"], "ff02::12");

  // The first IPv6 VIP should be link-local (RFC 5798 5.2.9): keepalived only logs it.
  r = parse_text(
      "vrrp_instance VI_6 {\n  interface eth0\n  virtual_router_id 1\n"
      "  virtual_ipaddress {\n    2001:db8::1\n  }\n}\n");
  EXPECT_THAT(diags(r), ElementsAre("note 5:5: warning: (VI_6) the first IPv6 VIP address should "
                                    "be link local"));
  EXPECT_TRUE(r.diagnostics.clean());

  // vigil always corrects an explicit version 2 (keepalived only in strict mode).
  r = parse_text(
      "vrrp_instance VI_6 {\n  interface eth0\n  version 2\n  virtual_router_id 1\n"
      "  virtual_ipaddress {\n    fe80::1\n  }\n}\n");
  EXPECT_THAT(diags(r), ElementsAre("1:1: warning: (VI_6) cannot use IPv6 with VRRP version 2; "
                                    "using version 3"));
}

TEST(BindVrrpInstance, VipFamiliesMustMatch) {
  auto r =
      parse_text(instance("  virtual_ipaddress_excluded {\n    2001:db8::5\n  }\n"
                          "  virtual_ipaddress {\n    fe80::1\n  }\n"));
  EXPECT_THAT(diags(r), ElementsAre("11:5: error: (VI_1) address family must match the VRRP "
                                    "instance [fe80::1]; ignoring it"));
  EXPECT_EQ(first(r).virtual_ipaddress.size(), 1u);
  EXPECT_EQ(first(r).virtual_ipaddress_excluded.size(), 1u);  // excluded ones may mix
}

TEST(BindVrrpInstance, UnicastPeers) {
  auto r =
      parse_text(instance("  unicast_src_ip 10.0.0.2\n  unicast_peer {\n    10.0.0.3\n"
                          "    10.0.0.4 min_ttl 10 max_ttl 20\n    2001:db8::1\n  }\n"
                          "  unicast_ttl 5\n"));
  EXPECT_THAT(diags(r), ElementsAre("11:5: error: (VI_1) unicast peer address '2001:db8::1' must "
                                    "be of the instance's address family; skipping it"));
  const auto& i = first(r);
  ASSERT_EQ(i.unicast_peers.size(), 2u);
  EXPECT_EQ(i.unicast_peers[1].min_ttl, 10);
  EXPECT_EQ(i.check_unicast_src, true);  // implied by a TTL range
  EXPECT_EQ(i.unicast_ttl, 5);
  EXPECT_EQ(vrrp_to_json(r.config)["vrrp_instance"][0]["mcast_dst_ip"], nullptr);

  EXPECT_THAT(diags(instance("  unicast_src_ip 10.0.0.2\n")),
              ElementsAre("1:1: warning: (VI_1) a unicast keyword has been specified without any "
                          "unicast peers; defaulting to multicast (deprecated: add unicast_peer "
                          "or unicast_fault_no_peer)"));
  EXPECT_THAT(diags(instance("  unicast_ttl 5\n")),
              ElementsAre("1:1: warning: (VI_1) cannot use unicast_ttl without unicast peers; "
                          "ignoring it"));
  // Unicast without an interface needs a source address.
  EXPECT_THAT(diags("vrrp_instance VI_1 {\n  virtual_router_id 4\n  unicast_peer {\n"
                    "    10.0.0.3\n  }\n  virtual_ipaddress {\n    10.0.0.1 dev eth0\n  }\n}\n"),
              ElementsAre("1:1: error: (VI_1) unicast instances must have unicast_src_ip or "
                          "interface"));
}

TEST(BindVrrpInstance, McastDstIp) {
  auto r = parse_text(instance("  mcast_dst_ip 224.0.0.99\n"));
  EXPECT_THAT(diags(r), IsEmpty());
  EXPECT_EQ(vrrp_to_json(r.config)["vrrp_instance"][0]["mcast_dst_ip"], "224.0.0.99");
  EXPECT_THAT(diags(instance("  mcast_dst_ip 10.0.0.9\n")),
              ElementsAre("7:16: error: (VI_1) mcast_dst_ip '10.0.0.9' is not multicast; "
                          "skipping it"));
}

TEST(BindVrrpInstance, TrackingLists) {
  auto r = parse_text(
      "vrrp_script chk {\n  script /bin/true\n  weight -20\n}\n"
      "track_file tf {\n  file /run/tf\n}\n" +
      instance("  track_interface {\n    eth1 weight 10\n    eth2 weight 254\n    eth3 weight\n"
               "    eth0\n  }\n  track_script {\n    chk\n    nochk weight 5\n  }\n"
               "  track_file {\n    tf weight 3 reverse\n  }\n"));
  EXPECT_THAT(diags(r),
              ElementsAre("16:17: warning: (VI_1) weight for 'eth2' cannot be +/-254; using "
                          "+/-253",
                          "17:10: error: (VI_1) weight without value for track_interface 'eth3'; "
                          "ignoring it",
                          "22:5: warning: (VI_1) track script 'nochk' not found (a vrrp_script "
                          "must be defined before it is used); ignoring it",
                          "18:5: warning: (VI_1) ignoring track_interface 'eth0' since it is the "
                          "instance's own interface"));
  const auto& i = first(r);
  ASSERT_EQ(i.track_interfaces.size(), 2u);
  EXPECT_EQ(i.track_interfaces[1].weight, 253);
  ASSERT_EQ(i.track_scripts.size(), 1u);
  EXPECT_EQ(i.track_scripts[0].weight, -20);  // from the vrrp_script
  ASSERT_EQ(i.track_files.size(), 1u);
  EXPECT_EQ(i.track_files[0].weight, 3);
  EXPECT_EQ(i.track_files[0].reverse, true);
}

TEST(BindVrrpInstance, AddressOwnerIgnoresWeights) {
  auto r = parse_text("vrrp_script chk {\n  script /bin/true\n  weight 10\n}\n" +
                      instance("  priority 255\n  track_script {\n    chk\n  }\n"
                               "  track_interface {\n    eth1 weight 5\n  }\n"));
  EXPECT_THAT(diags(r),
              ElementsAre("16:5: warning: (VI_1) ignoring tracked interface 'eth1' due to address "
                          "owner",
                          "13:5: warning: (VI_1) ignoring tracked script 'chk' with weights due to "
                          "address owner"));
  EXPECT_TRUE(first(r).track_scripts.empty());
  EXPECT_TRUE(first(r).track_interfaces.empty());
}

TEST(BindVrrpInstance, NotifyScripts) {
  auto b = testing::bind_text("global_defs {\n  script_user keepalived_script\n}\n" +
                              instance("  notify_master \"/bin/notify.sh master\" root\n"
                                       "  notify /bin/n\n  notify_deleted\n"
                                       "  notify_master /other\n"));
  std::vector<std::string> d;
  for (const auto& e : b.diagnostics.entries()) d.push_back(testing::short_str(e));
  EXPECT_THAT(d, ElementsAre("13:3: error: (VI_1) 'notify_master' script already specified; "
                             "ignoring this one"));
  const auto& i = b.config.vrrp.instances.at(0);
  EXPECT_EQ(i.notify_master->command, "/bin/notify.sh master");
  EXPECT_EQ(i.notify_master->user, "root");
  EXPECT_TRUE(i.notify_deleted);
  EXPECT_FALSE(i.notify_deleted_script);
  std::vector<std::string> refs;
  for (const auto& s : b.host.scripts) refs.push_back(s.what + "=" + s.command + "@" + s.user);
  EXPECT_THAT(refs, ElementsAre("notify_master of VI_1=/bin/notify.sh master@root",
                                "notify of VI_1=/bin/n@keepalived_script"));
}

TEST(BindVrrpInstance, InterfaceReferences) {
  auto b = testing::bind_text(
      instance("  track_interface {\n    eth1\n  }\n  virtual_ipaddress_excluded {\n"
               "    10.1.0.1 dev eth2\n  }\n  virtual_routes {\n    10.2.0.0/16 dev eth3\n  }\n"
               "  virtual_rules {\n    from 10.3.0.0/16 table 5 iif eth4 preference 10\n  }\n"));
  std::vector<std::string> refs;
  for (const auto& r : b.host.interfaces) refs.push_back(r.name + "/" + r.what);
  EXPECT_THAT(refs, ElementsAre("eth0/vrrp_instance VI_1", "eth1/track_interface of VI_1",
                                "eth2/ip address 10.1.0.1", "eth3/VROUTE nexthop", "eth4/rule"));
}

TEST(BindVrrpInstance, VmacAndMisc) {
  auto r =
      parse_text(instance("  use_vmac vrrp51 00:00:5e:00:01:\n  vmac_xmit_base\n"
                          "  garp_master_repeat 0\n  garp_extra_if all 60\n"
                          "  kernel_rx_buf_size 65536\n  lvs_sync_daemon_interface eth1\n"));
  EXPECT_THAT(diags(r),
              ElementsAre("9:22: warning: (VI_1) 'garp_master_repeat' must be greater than 0; "
                          "using 1",
                          "12:3: warning: (VI_1) lvs_sync_daemon_interface in a vrrp_instance is "
                          "deprecated; use global_defs lvs_sync_daemon"));
  const auto& i = first(r);
  EXPECT_TRUE(i.use_vmac);
  EXPECT_EQ(i.vmac_name, "vrrp51");
  EXPECT_EQ(i.vmac_mac, "00:00:5e:00:01:");
  EXPECT_EQ(i.garp_master_repeat, 1u);
  EXPECT_EQ(i.garp_extra_if, std::chrono::seconds(60));
  EXPECT_EQ(r.config.global.lvs_sync_daemon->instance, "VI_1");

  EXPECT_THAT(diags(instance("  vmac_xmit_base\n")),
              ElementsAre("1:1: warning: (VI_1) vmac_xmit_base is only valid with use_vmac; "
                          "ignoring it"));
  EXPECT_THAT(diags(instance("  use_vmac bad/name\n")),
              ElementsAre("7:12: error: VMAC interface name 'bad/name' is too long or has "
                          "invalid characters; ignoring it"));
}

TEST(BindVrrpInstance, UnsupportedTracking) {
  auto r = parse_text(instance("  track_process {\n    nginx\n  }\n  track_bfd {\n    b1\n  }\n"));
  EXPECT_THAT(diags(r), ElementsAre("note 7:3: warning: 'track_process' is accepted but vigil "
                                    "does not implement process tracking; it has no effect",
                                    "note 10:3: warning: 'track_bfd' is accepted but vigil does "
                                    "not implement BFD; it has no effect"));
}

TEST(BindVrrpInstance, VridConflicts) {
  EXPECT_THAT(diags(instance("") + instance("", "VI_2")),
              ElementsAre("8:1: error: VI_1 and VI_2 both use VRID 51 with IPv4 on interface "
                          "eth0"));
  // Different families or interfaces are separate VRID spaces.
  EXPECT_THAT(diags(instance("") + "vrrp_instance VI_2 {\n  interface eth0\n  "
                                   "virtual_router_id 51\n  virtual_ipaddress {\n    fe80::1\n"
                                   "  }\n}\n"),
              IsEmpty());
}

}  // namespace
}  // namespace vigil::parser
