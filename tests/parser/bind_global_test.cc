// global_defs and the top-level global keywords: values, bad values with the exact
// diagnostic, defaults visible in the JSON dump. Expected messages were checked against what
// keepalived 2.2.7 reports for the same input (keepalived -t in a namespace).
#include <gtest/gtest.h>

#include <gmock/gmock.h>

#include "tests/parser/bind_vrrp_test_util.h"

namespace vigil::parser {
namespace {

using testing::diags;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::parse_text;

constexpr auto g = testing::global_defs;

TEST(BindGlobal, DefaultsAreVisibleInJson) {
  auto r = parse_text("global_defs {\n}\n");
  EXPECT_THAT(diags(r), IsEmpty());
  auto j = global_to_json(r.config);
  EXPECT_EQ(j["router_id"], nullptr);
  EXPECT_EQ(j["smtp_port"], 25);
  EXPECT_EQ(j["smtp_connect_timeout"], 30);
  EXPECT_EQ(j["vrrp_mcast_group4"], "224.0.0.18");
  EXPECT_EQ(j["vrrp_mcast_group6"], "ff02::12");
  EXPECT_EQ(j["vrrp_garp_master_delay"], 5);
  EXPECT_EQ(j["vrrp_garp_master_repeat"], 5);
  EXPECT_EQ(j["vrrp_garp_master_refresh"], 0);
  EXPECT_EQ(j["vrrp_garp_master_refresh_repeat"], 1);
  // The lower-priority GARP settings follow the master ones.
  EXPECT_EQ(j["vrrp_garp_lower_prio_delay"], 5);
  EXPECT_EQ(j["vrrp_garp_lower_prio_repeat"], 5);
  EXPECT_EQ(j["vrrp_version"], 2);
  EXPECT_EQ(j["vrrp_down_timer_adverts"], 3);
  EXPECT_EQ(j["default_interface"], "eth0");
  EXPECT_EQ(j["startup_script_timeout"], 10);
  EXPECT_EQ(j["child_wait_time"], 5);
  EXPECT_EQ(j["vmac_prefix"], "vrrp");
  EXPECT_EQ(j["vmac_addr_prefix"], "vrrp");
  EXPECT_EQ(j["lvs_flush_on_stop"], "none");
  EXPECT_EQ(j["vrrp_rx_bufs_multiplier"], 3);
}

TEST(BindGlobal, IdentityAndEmail) {
  auto r =
      parse_text(g("  router_id lb1\n  notification_email {\n    a@x\n    b@x c@x\n  }\n"
                   "  notification_email_from lb1@x\n  smtp_server mail.example.com 587\n"
                   "  smtp_helo_name lb1.example.com\n  smtp_connect_timeout 12\n"
                   "  smtp_alert\n  smtp_alert_vrrp off\n"));
  EXPECT_THAT(diags(r), IsEmpty());
  const auto& gd = r.config.global;
  EXPECT_EQ(gd.router_id, "lb1");
  EXPECT_THAT(gd.notification_email, ElementsAre("a@x", "b@x", "c@x"));
  EXPECT_EQ(gd.smtp_server, "mail.example.com");
  EXPECT_EQ(gd.smtp_port, 587);
  EXPECT_EQ(gd.smtp_connect_timeout, std::chrono::seconds(12));
  EXPECT_EQ(gd.smtp_alert, true);
  EXPECT_EQ(gd.smtp_alert_vrrp, false);
  EXPECT_EQ(gd.smtp_alert_checker, std::nullopt);
}

TEST(BindGlobal, BadValues) {
  EXPECT_THAT(diags(g("  router_id\n")), ElementsAre("2:3: error: 'router_id' expects 1 argument, "
                                                     "got 0"));
  EXPECT_THAT(diags(g("  smtp_server 10.0.0.1 70000\n")),
              ElementsAre("2:24: error: 'smtp_server': invalid value '70000' (expected an "
                          "integer 1..65535)"));
  EXPECT_THAT(diags(g("  smtp_server bad/host\n")),
              ElementsAre("2:15: error: 'smtp_server': invalid value 'bad/host' (expected an IP "
                          "address or a host name)"));
  EXPECT_THAT(diags(g("  smtp_connect_timeout 0\n")),
              ElementsAre("2:24: warning: 'smtp_connect_timeout' must be greater than 0; using 1"));
  EXPECT_THAT(diags(g("  notification_email {\n  }\n")),
              ElementsAre("2:3: warning: empty 'notification_email' block"));
  EXPECT_THAT(diags(g("  vrrp_version 4\n")),
              ElementsAre("2:16: error: 'vrrp_version': invalid value '4' (expected an integer "
                          "2..3)"));
  EXPECT_THAT(diags(g("  vrrp_garp_master_repeat 0\n")),
              ElementsAre("2:27: warning: 'vrrp_garp_master_repeat' must be greater than 0; "
                          "using 1"));
  EXPECT_THAT(diags(g("  vrrp_mcast_group4 10.0.0.1\n")),
              ElementsAre("2:21: error: 'vrrp_mcast_group4': invalid value '10.0.0.1' (expected "
                          "an IPv4 multicast address)"));
  EXPECT_THAT(diags(g("  vrrp_mcast_group6 224.0.0.9\n")),
              ElementsAre("2:21: error: 'vrrp_mcast_group6': invalid value '224.0.0.9' (expected "
                          "an IPv6 multicast address)"));
  EXPECT_THAT(diags(g("  vrrp_priority -21\n")),
              ElementsAre("2:17: error: 'vrrp_priority': invalid value '-21' (expected an integer "
                          "-20..19)"));
  EXPECT_THAT(diags(g("  vrrp_rt_priority 150\n")),
              ElementsAre("2:20: warning: 'vrrp_rt_priority': 150 is outside 1..99; using 99"));
  EXPECT_THAT(diags(g("  lvs_timeouts tcp 10 udp\n")),
              ElementsAre("2:23: error: 'lvs_timeouts': no value given for 'udp'"));
  EXPECT_THAT(diags(g("  umask IWGRP|IFOO\n")),
              ElementsAre("2:9: error: 'umask': unknown bit 'IFOO' (expected I{R,W,X}{USR,GRP,OTH} "
                          "joined by '|')"));
  EXPECT_THAT(diags(g("  max_auto_priority 100\n")),
              ElementsAre("2:21: error: 'max_auto_priority': invalid value '100' (expected an "
                          "integer -1..99)"));
  EXPECT_THAT(diags(g("  dynamic_interfaces allow\n")),
              ElementsAre("2:22: error: 'dynamic_interfaces': invalid value 'allow' (expected one "
                          "of allow_if_changes)"));
}

// keepalived ignores any argument of these flags, so `vrrp_strict off` would turn strict mode
// on; vigil refuses the argument instead.
TEST(BindGlobal, ArgumentlessFlagsRejectArguments) {
  EXPECT_THAT(diags(g("  vrrp_strict off\n")),
              ElementsAre("2:15: error: 'vrrp_strict' takes no arguments; unexpected 'off'"));
  auto r = parse_text(g("  vrrp_strict\n  vrrp_skip_check_adv_addr\n  vrrp_check_unicast_src\n"));
  EXPECT_TRUE(r.config.global.vrrp_strict);
  EXPECT_TRUE(r.config.global.vrrp_skip_check_adv_addr);
  EXPECT_TRUE(r.config.global.vrrp_check_unicast_src);
}

TEST(BindGlobal, GarpSettingsAndMinGarp) {
  auto r =
      parse_text(g("  vrrp_garp_master_delay 10\n  vrrp_garp_master_refresh 60\n"
                   "  vrrp_garp_interval 0.001\n  vrrp_gna_interval 0.000001\n"));
  EXPECT_THAT(diags(r), IsEmpty());
  auto j = global_to_json(r.config);
  EXPECT_EQ(j["vrrp_garp_master_delay"], 10);
  EXPECT_EQ(j["vrrp_garp_lower_prio_delay"], 10);
  EXPECT_EQ(j["vrrp_garp_master_refresh"], 60);
  EXPECT_EQ(j["vrrp_garp_interval"], 0.001);
  EXPECT_EQ(j["vrrp_gna_interval"], 0.000001);

  // vrrp_min_garp changes only what is still at its default.
  r = parse_text(g("  vrrp_garp_master_repeat 3\n  vrrp_min_garp\n"));
  EXPECT_EQ(r.config.global.vrrp_garp_master_repeat, 3u);
  EXPECT_EQ(r.config.global.vrrp_garp_master_delay, std::chrono::seconds(0));
  EXPECT_EQ(r.config.global.vrrp_garp_master_refresh_repeat, 0u);

  // keepalived only logs a very large interval: a note, not counted.
  r = parse_text(g("  vrrp_garp_interval 1.5\n"));
  EXPECT_THAT(diags(r), ElementsAre("note 2:22: warning: 'vrrp_garp_interval' is very large - 1.5 "
                                    "seconds"));
  EXPECT_TRUE(r.diagnostics.clean());
}

TEST(BindGlobal, ExtraIfAndDeprecatedSpelling) {
  auto r = parse_text(g("  vrrp_garp_extra_if all 120\n"));
  EXPECT_THAT(diags(r), IsEmpty());
  EXPECT_EQ(r.config.global.vrrp_garp_extra_if, std::chrono::seconds(120));
  EXPECT_TRUE(r.config.global.vrrp_garp_extra_if_all);
  EXPECT_THAT(diags(g("  vrrp_vmac_garp_intvl 30\n")),
              ElementsAre("2:3: warning: 'vrrp_vmac_garp_intvl' is deprecated; use "
                          "'vrrp_garp_extra_if'"));
  EXPECT_THAT(diags(g("  vrrp_garp_extra_if all\n")),
              ElementsAre("2:3: error: 'vrrp_garp_extra_if' needs an interval in seconds "
                          "(1..86400)"));
}

TEST(BindGlobal, LvsSettings) {
  auto r = parse_text(
      g("  lvs_timeouts tcp 900 tcpfin 120 udp 300\n  lvs_flush\n  lvs_flush_on_stop VS\n"
        "  lvs_sync_daemon eth1 inst VI_1 id 7 maxlen 1400 port 8849 ttl 2 group 224.0.0.82\n") +
      testing::instance(""));
  EXPECT_THAT(diags(r), IsEmpty());
  const auto& gd = r.config.global;
  EXPECT_EQ(gd.lvs_timeouts.tcp, 900u);
  EXPECT_EQ(gd.lvs_timeouts.tcpfin, 120u);
  EXPECT_EQ(gd.lvs_timeouts.udp, 300u);
  EXPECT_TRUE(gd.lvs_flush);
  EXPECT_EQ(gd.lvs_flush_on_stop, config::LvsFlushOnStop::kVirtualServers);
  ASSERT_TRUE(gd.lvs_sync_daemon);
  EXPECT_EQ(gd.lvs_sync_daemon->interface, "eth1");
  EXPECT_EQ(gd.lvs_sync_daemon->instance, "VI_1");
  EXPECT_EQ(gd.lvs_sync_daemon->syncid, 7);
  EXPECT_EQ(gd.lvs_sync_daemon->port, 8849);
  EXPECT_EQ(gd.lvs_sync_daemon->group->to_string(), "224.0.0.82");

  // The old positional form still works, with a counted hint for the sync id.
  r = parse_text(g("  lvs_sync_daemon eth1 VI_1 5\n") + testing::instance(""));
  EXPECT_THAT(diags(r), ElementsAre("2:29: warning: 'lvs_sync_daemon': give the sync id as 'id 5' "
                                    "(keyword \"id\" before SYNCID)"));
  EXPECT_EQ(r.config.global.lvs_sync_daemon->syncid, 5);

  // keepalived -t says nothing about an unknown instance; the daemon clears the setting.
  r = parse_text(g("  lvs_sync_daemon eth1 inst VI_9\n") + testing::instance(""));
  EXPECT_THAT(diags(r), ElementsAre("note 2:19: warning: unable to find vrrp_instance 'VI_9' for "
                                    "lvs_sync_daemon; clearing the lvs_sync_daemon "
                                    "configuration"));
  EXPECT_FALSE(r.config.global.lvs_sync_daemon);
}

TEST(BindGlobal, ScriptsAndFifos) {
  auto r =
      testing::bind_text(g("  script_user nobody nogroup\n  enable_script_security\n"
                           "  startup_script \"/usr/local/bin/up --fast\" root\n"
                           "  startup_script_timeout 20\n  shutdown_script /bin/down\n"
                           "  notify_fifo /run/k.fifo\n  notify_fifo_script /bin/fifo_reader\n"
                           "  vrrp_notify_fifo /run/v.fifo root\n"));
  EXPECT_TRUE(r.diagnostics.entries().empty());
  const auto& gd = r.config.global;
  EXPECT_EQ(gd.script_user, "nobody");
  EXPECT_EQ(gd.script_group, "nogroup");
  ASSERT_TRUE(gd.startup_script);
  EXPECT_EQ(gd.startup_script->command, "/usr/local/bin/up --fast");
  EXPECT_EQ(gd.startup_script->user, "root");
  EXPECT_EQ(gd.startup_script_timeout, std::chrono::seconds(20));
  EXPECT_EQ(gd.notify_fifo.name, "/run/k.fifo");
  EXPECT_EQ(gd.vrrp_notify_fifo.user, "root");

  // Script references for the host checks carry the effective user.
  std::vector<std::string> refs;
  for (const auto& s : r.host.scripts) refs.push_back(s.what + "=" + s.command + "@" + s.user);
  EXPECT_THAT(refs, ElementsAre("startup_script=/usr/local/bin/up --fast@root",
                                "shutdown_script=/bin/down@nobody",
                                "notify_fifo_script=/bin/fifo_reader@nobody"));

  EXPECT_THAT(diags(g("  startup_script /a\n  startup_script /b\n")),
              ElementsAre("3:3: error: startup script already specified at t.conf:2:18; "
                          "ignoring this one"));
  EXPECT_THAT(diags(g("  notify_fifo /run/a\n  vrrp_notify_fifo /run/a\n")),
              ElementsAre("3:20: error: notify FIFO '/run/a' is used twice; the FIFO names "
                          "must differ"));
}

TEST(BindGlobal, UnsupportedAndUnknown) {
  auto r = parse_text(g("  enable_snmp_vrrp\n  enable_dbus\n  bfd_priority 5\n"));
  EXPECT_THAT(diags(r),
              ElementsAre("note 2:3: warning: 'enable_snmp_vrrp' is accepted but vigil does not "
                          "implement SNMP; it has no effect",
                          "note 3:3: warning: 'enable_dbus' is accepted but vigil does not "
                          "implement DBus; it has no effect",
                          "note 4:3: warning: 'bfd_priority' is accepted but vigil does not "
                          "implement BFD; it has no effect"));
  EXPECT_TRUE(r.diagnostics.clean());
  // Top-level keywords are unknown inside global_defs, as in keepalived.
  EXPECT_THAT(diags(g("  linkbeat_use_polling\n")),
              ElementsAre("2:3: warning: unknown keyword 'linkbeat_use_polling' in global_defs"));
  // Debian's keepalived has no iptables/ipset support.
  EXPECT_THAT(diags(g("  vrrp_iptables\n")),
              ElementsAre("2:3: warning: 'vrrp_iptables' is not supported; using nftables "
                          "instead (replace 'vrrp_iptables' and 'vrrp_ipsets' with 'nftables')"));
}

TEST(BindGlobal, TopLevelGlobals) {
  auto r = parse_text(
      "net_namespace blue\ninstance lb1\nuse_pid_dir\nchild_wait_time 9\n"
      "linkbeat_use_polling\nnet_namespace_ipvs\nnamespace_with_ipsets\n");
  EXPECT_THAT(diags(r), IsEmpty());
  const auto& gd = r.config.global;
  EXPECT_EQ(gd.net_namespace, "blue");
  EXPECT_EQ(gd.instance, "lb1");
  EXPECT_TRUE(gd.use_pid_dir);
  EXPECT_EQ(gd.child_wait_time, std::chrono::seconds(9));
  EXPECT_TRUE(gd.linkbeat_use_polling);
  EXPECT_EQ(gd.net_namespace_ipvs, "");
  EXPECT_THAT(diags("net_namespace a\nnet_namespace b\n"),
              ElementsAre("2:15: error: duplicate 'net_namespace' 'b' (already 'a'); ignoring"));
  EXPECT_THAT(diags("use_pid_dir {\n}\n"),
              ElementsAre("1:13: error: 'use_pid_dir' does not take a '{' block"));
}

TEST(BindGlobal, ProcessSettings) {
  auto r =
      parse_text(g("  vrrp_priority -5\n  checker_no_swap\n  vrrp_cpu_affinity 0 1\n"
                   "  checker_rt_priority 10\n  vrrp_rlimit_rttime 1\n  process_names\n"
                   "  vrrp_process_name a_very_long_process_name\n"));
  EXPECT_THAT(diags(r), ElementsAre("8:21: warning: 'vrrp_process_name': "
                                    "'a_very_long_process_name' is longer than 15 characters; "
                                    "truncating"));
  const auto& gd = r.config.global;
  EXPECT_EQ(gd.vrrp_process.priority, -5);
  EXPECT_TRUE(gd.checker_process.no_swap);
  EXPECT_THAT(gd.vrrp_process.cpu_affinity, ElementsAre(0u, 1u));
  EXPECT_EQ(gd.checker_process.rt_priority, 10);
  EXPECT_EQ(gd.vrrp_process.rlimit_rttime, 2u);  // keepalived raises 1 to 2
  EXPECT_EQ(gd.vrrp_process.process_name, "a_very_long_pro");
  EXPECT_EQ(gd.checker_process.process_name, "keepalived_ipvs");
}

TEST(BindGlobal, SocketsUmaskReload) {
  auto r =
      parse_text(g("  vrrp_rx_bufs_policy MTU ADVERT\n  vrrp_netlink_cmd_rcv_bufs 1048576\n"
                   "  vrrp_netlink_cmd_rcv_bufs_force\n  umask 0022\n"
                   "  reload_check_config\n  random_seed 42\n"));
  EXPECT_THAT(diags(r), ElementsAre("2:3: warning: 'vrrp_rx_bufs_policy': cannot set both MTU "
                                    "and ADVERT; ignoring ADVERT"));
  const auto& gd = r.config.global;
  EXPECT_EQ(gd.vrrp_rx_bufs_policy, config::RxBufsPolicy::kMtu);
  EXPECT_EQ(gd.vrrp_netlink_cmd_rcv_bufs.size, 1048576u);
  EXPECT_TRUE(gd.vrrp_netlink_cmd_rcv_bufs.force);
  EXPECT_EQ(gd.umask, 022u);
  EXPECT_EQ(gd.reload_check_config, "/dev/null");
  EXPECT_EQ(gd.random_seed, 42u);
  r = parse_text(g("  umask IWGRP | IWOTH\n"));
  EXPECT_EQ(r.config.global.umask, 022u);
}

}  // namespace
}  // namespace vigil::parser
