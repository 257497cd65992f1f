// virtual_server, real_server, sorry_server, virtual_server_group and SSL: keyword binding,
// keepalived 2.2.7's defaults and corrections (finalize_lvs), and the JSON dump.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "parser/binders.h"
#include "parser/parse.h"

namespace vigil::parser {
namespace {

ParseResult parse(std::string_view text) {
  ParseOptions o;
  o.host_checks = false;
  return parse_config_text(text, "t.conf", o);
}

std::vector<std::string> diags(const ParseResult& r) {
  std::vector<std::string> out;
  for (const auto& d : r.diagnostics.entries()) out.push_back(d.str());
  return out;
}

using Strings = std::vector<std::string>;

// A virtual server with every keyword keepalived complains about when missing.
std::string vs(std::string_view header, std::string_view body) {
  return std::string("virtual_server ") + std::string(header) +
         " {\n  protocol TCP\n  lb_algo rr\n  lb_kind DR\n" + std::string(body) + "}\n";
}

TEST(BindLvs, CompleteVirtualServerIsClean) {
  auto r = parse(vs("10.0.0.1 80", "  real_server 10.0.0.2 80 {\n  }\n"));
  EXPECT_EQ(diags(r), Strings{});
  EXPECT_EQ(r.exit_code(), ExitCode::kOk);
  ASSERT_EQ(r.config.lvs.virtual_servers.size(), 1u);
  const auto& v = r.config.lvs.virtual_servers[0];
  EXPECT_EQ(v.name(), "10.0.0.1:80");
  EXPECT_EQ(v.delay_loop, std::chrono::seconds(60));
  EXPECT_EQ(v.connect_timeout, std::chrono::seconds(5));
  ASSERT_EQ(v.real_servers.size(), 1u);
  EXPECT_EQ(v.real_servers[0].weight, 1u);
  EXPECT_EQ(v.real_servers[0].forwarding->method, config::LvsMethod::kDr);
}

TEST(BindLvs, MissingProtocolSchedulerAndMethodDefaultAsKeepalived) {
  auto r = parse("virtual_server 10.0.0.1 80 {\n  real_server 10.0.0.2 80\n}\n");
  EXPECT_EQ(diags(r),
            (Strings{"t.conf:1:1: warning: virtual_server 10.0.0.1:80: no 'protocol' set; "
                     "defaulting to UDP",
                     "t.conf:1:1: warning: virtual_server 10.0.0.1:80: no 'lvs_sched' set; "
                     "defaulting to wlc",
                     "t.conf:1:1: warning: virtual_server 10.0.0.1:80: no 'lvs_method' set; "
                     "defaulting to NAT"}));
  EXPECT_EQ(r.exit_code(), ExitCode::kConfigError);  // keepalived -t exits 5 too
  auto j = lvs_to_json(r.config)["virtual_servers"][0];
  EXPECT_EQ(j["protocol"], "UDP");
  EXPECT_EQ(j["lvs_sched"], "wlc");
  EXPECT_EQ(j["lvs_method"]["method"], "NAT");
  EXPECT_EQ(j["real_servers"][0]["lvs_method"]["method"], "NAT");
}

TEST(BindLvs, BadSchedulerSuggests) {
  auto r = parse(vs("10.0.0.1 80", "  lb_algo wrrr\n  real_server 10.0.0.2 80\n"));
  EXPECT_EQ(diags(r), Strings{"t.conf:5:11: error: 'lb_algo': invalid value 'wrrr' (expected one "
                              "of rr, wrr, lc, wlc, lblc, sh, mh, dh, fo, ovf, lblcr, sed, nq, "
                              "twos); did you mean 'wrr'?"});
  EXPECT_EQ(r.config.lvs.virtual_servers[0].scheduler, config::LvsScheduler::kRr);
}

TEST(BindLvs, ValueRanges) {
  auto r = parse(vs("10.0.0.1 80",
                    "  delay_loop 0\n  retry 0\n  quorum 0\n  persistence_timeout 2678401\n"
                    "  weight 0\n  connect_timeout 5000\n"
                    "  real_server 10.0.0.2 80 {\n    weight 2147483648\n  }\n"));
  EXPECT_EQ(
      diags(r),
      (Strings{"t.conf:5:14: error: 'delay_loop': invalid value '0' (expected seconds "
               "0.000001..1000000000)",
               "t.conf:6:9: error: 'retry': invalid value '0' (expected an integer 1..4294967295)",
               "t.conf:7:10: error: 'quorum': invalid value '0' (expected an integer "
               "1..4294967295)",
               "t.conf:8:23: error: 'persistence_timeout': invalid value '2678401' (expected an "
               "integer 1..2678400)",
               "t.conf:9:10: error: 'weight': invalid value '0' (expected an integer "
               "1..2147483647)",
               "t.conf:10:19: error: 'connect_timeout': invalid value '5000' (expected seconds "
               "0.000001..4294.967295)",
               "t.conf:12:12: error: 'weight': invalid value '2147483648' (expected an integer "
               "0..2147483647)"}));
}

TEST(BindLvs, FwmarkWithProtocolWarns) {
  auto r = parse(vs("fwmark 1", "  real_server 10.0.0.2 {\n  }\n"));
  EXPECT_EQ(diags(r), Strings{"t.conf:1:1: warning: virtual_server fwmark 1: 'protocol' is "
                              "ignored for a fwmark service"});
  const auto& v = r.config.lvs.virtual_servers[0];
  EXPECT_FALSE(v.protocol);
  EXPECT_EQ(v.family, core::Family::kIPv4);  // from its real server
  EXPECT_EQ(v.real_servers[0].port, 0);
}

TEST(BindLvs, FwmarkRealServerPortClearedUnlessNat) {
  std::string text =
      "virtual_server fwmark 5 {\n  lb_algo rr\n  lb_kind DR\n"
      "  real_server 10.0.0.2 80\n  real_server 10.0.0.3 80 {\n    lvs_method NAT\n  }\n}\n";
  auto r = parse(text);
  EXPECT_EQ(diags(r), Strings{"t.conf:4:3: warning: real_server 10.0.0.2:80 of virtual_server "
                              "fwmark 5: a port is meaningless without NAT; cleared"});
  const auto& rss = r.config.lvs.virtual_servers[0].real_servers;
  EXPECT_EQ(rss[0].port, 0);
  EXPECT_EQ(rss[1].port, 80);
}

TEST(BindLvs, RealServerPortsCompletedAndReset) {
  auto r = parse(vs("10.0.0.1 80",
                    "  real_server 10.0.0.2\n  real_server 10.0.0.3 81\n"
                    "  real_server 10.0.0.4 8080 {\n    lvs_method NAT\n  }\n"));
  EXPECT_EQ(diags(r), Strings{"t.conf:6:3: warning: real_server 10.0.0.3:81 of virtual_server "
                              "10.0.0.1:80: port differs from the virtual server's and only NAT "
                              "can change it; reset to 80"});
  const auto& rss = r.config.lvs.virtual_servers[0].real_servers;
  EXPECT_EQ(rss[0].port, 80);
  EXPECT_EQ(rss[1].port, 80);
  EXPECT_EQ(rss[2].port, 8080);
}

TEST(BindLvs, DuplicateRealServerAfterPortCompletion) {
  auto r = parse(vs("10.0.0.1 80", "  real_server 10.0.0.2 80\n  real_server 10.0.0.2\n"));
  EXPECT_EQ(diags(r), Strings{"t.conf:6:3: warning: real_server 10.0.0.2:80 duplicates the one "
                              "at t.conf:5:3; the second is ignored"});
  EXPECT_EQ(r.config.lvs.virtual_servers[0].real_servers.size(), 1u);
}

TEST(BindLvs, RealServerFamilyMismatchDroppedUnlessTunnelled) {
  auto r = parse(vs("10.0.0.1 80",
                    "  real_server 2001:db8::2 80\n"
                    "  real_server 2001:db8::3 80 {\n    lvs_method TUN\n  }\n"
                    "  real_server 10.0.0.4 80\n"));
  EXPECT_EQ(diags(r), Strings{"t.conf:5:3: warning: real_server [2001:db8::2]:80: address family "
                              "differs from virtual_server 10.0.0.1:80 (only tunnelled servers "
                              "may differ); it is ignored"});
  EXPECT_EQ(r.config.lvs.virtual_servers[0].real_servers.size(), 2u);
}

TEST(BindLvs, NoRealServersIgnoresVirtualServer) {
  auto r = parse(vs("10.0.0.1 80", ""));
  EXPECT_EQ(diags(r), Strings{"t.conf:1:1: warning: virtual_server 10.0.0.1:80 has no real "
                              "servers; it is ignored"});
  EXPECT_TRUE(r.config.lvs.virtual_servers.empty());
}

TEST(BindLvs, InvalidAddressSkipsBlock) {
  auto r = parse(vs("10.0.0.300 80", "  real_server 10.0.0.2 80\n"));
  EXPECT_EQ(diags(r), Strings{"t.conf:1:16: error: 'virtual_server': invalid value '10.0.0.300' "
                              "(expected an IPv4 or IPv6 address)"});
  EXPECT_TRUE(r.config.lvs.virtual_servers.empty());
}

TEST(BindLvs, ZeroPortNeedsPersistence) {
  auto r = parse(vs("10.0.0.1 0", "  real_server 10.0.0.2\n"));
  EXPECT_EQ(diags(r), Strings{"t.conf:1:1: warning: virtual_server 10.0.0.1: a service without a "
                              "port must be persistent; persistence_timeout set to 360"});
  EXPECT_EQ(r.config.lvs.virtual_servers[0].persistence_timeout, 360u);
}

TEST(BindLvs, PersistenceDefaultsAndGranularity) {
  auto r = parse(vs("10.0.0.1 80",
                    "  persistence_timeout\n  persistence_granularity 255.255.255.0\n"
                    "  real_server 10.0.0.2 80\n"));
  EXPECT_EQ(diags(r), Strings{});
  auto j = lvs_to_json(r.config)["virtual_servers"][0];
  EXPECT_EQ(j["persistence_timeout"], 360);
  EXPECT_EQ(j["persistence_granularity"], "255.255.255.0");

  auto r6 =
      parse(vs("2001:db8::1 80", "  persistence_granularity 64\n  real_server 2001:db8::2 80\n"));
  EXPECT_EQ(diags(r6), Strings{});
  EXPECT_EQ(r6.config.lvs.virtual_servers[0].persistence_granularity_prefix, 64);
  EXPECT_EQ(r6.config.lvs.virtual_servers[0].persistence_timeout, 360u);  // as keepalived
}

TEST(BindLvs, SchedulerFlagsNeedTheirScheduler) {
  auto r =
      parse(vs("10.0.0.1 80", "  sh-port\n  mh-fallback\n  flag-1\n  real_server 10.0.0.2 80\n"));
  EXPECT_EQ(diags(r),
            (Strings{"t.conf:1:1: warning: virtual_server 10.0.0.1:80: 'sh-port' only applies to "
                     "the sh scheduler; ignored",
                     "t.conf:1:1: warning: virtual_server 10.0.0.1:80: 'mh-fallback' only applies "
                     "to the mh scheduler; ignored"}));
  // Order does not matter to vigil (keepalived checks the scheduler known at that line).
  auto ok = parse(vs("10.0.0.1 80", "  sh-port\n  lb_algo sh\n  real_server 10.0.0.2 80\n"));
  EXPECT_EQ(diags(ok), Strings{});
  EXPECT_TRUE(ok.config.lvs.virtual_servers[0].sh_port);
  EXPECT_TRUE(r.config.lvs.virtual_servers[0].flag_1);
}

TEST(BindLvs, OpsNeedsUdp) {
  auto r = parse(vs("10.0.0.1 80", "  ops\n  real_server 10.0.0.2 80\n"));
  EXPECT_EQ(diags(r), Strings{"t.conf:1:1: warning: virtual_server 10.0.0.1:80: 'ops' (one-packet "
                              "scheduling) needs protocol UDP; it is cleared"});
}

TEST(BindLvs, TunnelOptions) {
  auto r = parse(vs("10.0.0.1 80",
                    "  lvs_method TUN type gue\n"
                    "  real_server 10.0.0.2 80 {\n    lvs_method TUN type ipip csum\n  }\n"
                    "  real_server 10.0.0.3 80 {\n    lvs_method TUN type gre remcsum\n  }\n"
                    "  real_server 10.0.0.4 80 {\n    lvs_method TUN type gue port 6080 csum\n  }\n"
                    "  real_server 10.0.0.5 80 {\n    lvs_method TUN type vxlan\n  }\n"));
  EXPECT_EQ(diags(r),
            (Strings{"t.conf:5:3: error: 'lvs_method': a gue tunnel needs 'port N'",
                     "t.conf:7:5: error: 'lvs_method': ipip tunnels take no checksum option",
                     "t.conf:10:5: error: 'lvs_method': gre tunnels do not support remcsum",
                     "t.conf:16:25: error: 'lvs_method': invalid value 'vxlan' (expected one of "
                     "ipip, gue, gre)"}));
  auto j = lvs_to_json(r.config)["virtual_servers"][0]["real_servers"];
  EXPECT_EQ(j[2]["lvs_method"]["method"], "TUN");
  EXPECT_EQ(j[2]["lvs_method"]["tunnel_type"], "gue");
  EXPECT_EQ(j[2]["lvs_method"]["tunnel_port"], 6080);
  EXPECT_EQ(j[2]["lvs_method"]["tunnel_checksum"], "csum");
  EXPECT_EQ(j[0]["lvs_method"]["method"], "DR");  // the VS's (its TUN line was refused)
}

TEST(BindLvs, QuorumAndHysteresis) {
  auto r = parse(vs("10.0.0.1 80",
                    "  quorum 5\n  hysteresis 9\n  real_server 10.0.0.2 80 {\n    weight 2\n  }\n"
                    "  real_server 10.0.0.3 80\n"));
  EXPECT_EQ(diags(r),
            (Strings{"t.conf:1:1: warning: virtual_server 10.0.0.1:80: quorum 5 exceeds the total "
                     "weight of its real servers (3); reduced to 3",
                     "t.conf:1:1: warning: virtual_server 10.0.0.1:80: hysteresis 9 must be below "
                     "the quorum 3; set to 2"}));
  const auto& v = r.config.lvs.virtual_servers[0];
  EXPECT_EQ(v.quorum, 3u);
  EXPECT_EQ(v.hysteresis, 2u);
}

TEST(BindLvs, SorryServer) {
  auto r = parse(vs("10.0.0.1 80",
                    "  sorry_server_inhibit\n  sorry_server 10.0.0.9\n  sorry_server_inhibit\n"
                    "  real_server 10.0.0.2 80\n"));
  EXPECT_EQ(diags(r), Strings{"t.conf:5:3: error: 'sorry_server_inhibit' before or without "
                              "'sorry_server'"});
  auto j = lvs_to_json(r.config)["virtual_servers"][0]["sorry_server"];
  EXPECT_EQ(j["address"], "10.0.0.9");
  EXPECT_EQ(j["port"], 80);
  EXPECT_EQ(j["inhibit"], true);
  EXPECT_EQ(j["lvs_method"]["method"], "DR");

  auto mixed =
      parse(vs("10.0.0.1 80", "  sorry_server 2001:db8::9 80\n  real_server 10.0.0.2 80\n"));
  EXPECT_EQ(diags(mixed), Strings{"t.conf:5:3: warning: sorry_server 2001:db8::9: address family "
                                  "differs from virtual_server 10.0.0.1:80; it is ignored"});
}

TEST(BindLvs, NotifyScriptsKeepTheFirst) {
  auto r = parse(vs("10.0.0.1 80",
                    "  quorum_up /bin/up.sh nobody nogroup\n"
                    "  real_server 10.0.0.2 80 {\n    notify_up /bin/a\n    notify_up /bin/b\n"
                    "  }\n"));
  EXPECT_EQ(diags(r), Strings{"t.conf:8:5: warning: 'notify_up' given twice for real_server "
                              "10.0.0.2:80; the first one is used"});
  const auto& v = r.config.lvs.virtual_servers[0];
  EXPECT_EQ(v.quorum_up->command, "/bin/up.sh");
  EXPECT_EQ(v.quorum_up->user, "nobody");
  EXPECT_EQ(v.quorum_up->group, "nogroup");
  EXPECT_EQ(v.real_servers[0].notify_up->command, "/bin/a");
}

TEST(BindLvs, IpFamilyConflict) {
  auto r = parse(vs("10.0.0.1 80", "  ip_family inet6\n  real_server 10.0.0.2 80\n"));
  EXPECT_EQ(diags(r), Strings{"t.conf:5:13: error: 'ip_family': inet6 conflicts with the virtual "
                              "server's family inet"});
}

TEST(BindLvs, UnknownKeywordSuggests) {
  auto r =
      parse(vs("10.0.0.1 80", "  delay_lop 5\n  real_server 10.0.0.2 80 {\n    wight 3\n  }\n"));
  EXPECT_EQ(diags(r),
            (Strings{"t.conf:5:3: warning: unknown keyword 'delay_lop' in virtual_server; did you "
                     "mean 'delay_loop'?",
                     "t.conf:7:5: warning: unknown keyword 'wight' in real_server; did you mean "
                     "'weight'?"}));
}

TEST(BindLvs, SnmpNameIsUnsupportedButClean) {
  auto r = parse(vs("10.0.0.1 80", "  snmp_name web\n  real_server 10.0.0.2 80\n"));
  ASSERT_EQ(r.diagnostics.entries().size(), 1u);
  EXPECT_EQ(r.exit_code(), ExitCode::kOk);
}

TEST(BindLvs, VirtualServerGroups) {
  std::string text =
      "virtual_server_group G {\n"
      "  192.168.1.1-10 80\n"       // 2
      "  10.0.0.0/30 443\n"         // 3
      "  10.0.0.5/24 80\n"          // 4: host bits set
      "  10.0.0.9-3 80\n"           // 5: end below start
      "  10.0.1.250-10.0.2.5 80\n"  // 6
      "  fwmark 6 inet7\n"          // 7
      "  bogus\n"                   // 8
      "  fwmark 7 inet\n"           // 9
      "  10.1.1.1\n"                // 10: no port
      "}\n"
      "virtual_server_group E {\n}\n" +
      vs("group G", "  real_server 10.0.0.2 80\n");
  auto r = parse(text);
  EXPECT_EQ(
      diags(r),
      (Strings{"t.conf:4:3: error: virtual_server_group entry '10.0.0.5/24': address has bits "
               "set beyond the /24 prefix",
               "t.conf:5:3: error: virtual_server_group entry '10.0.0.9-3': range end is not "
               "above its start",
               "t.conf:7:12: error: 'fwmark': invalid value 'inet7' (expected one of inet, "
               "inet6); did you mean 'inet'?",
               "t.conf:8:3: error: virtual_server_group entry 'bogus': invalid address "
               "(expected ADDR, ADDR-END or ADDR/LEN)",
               "t.conf:12:1: warning: virtual_server_group 'E' has no valid entries; it is "
               "ignored",
               "t.conf:14:1: warning: virtual_server group G: virtual_server_group entry "
               "without a port needs persistence; persistence_timeout set to 360",
               "t.conf:18:3: warning: virtual_server group G: port of real_server 10.0.0.2:80 "
               "differs from group entry at t.conf:3:3",
               "t.conf:18:3: warning: virtual_server group G has fwmark entries: the port of "
               "real_server 10.0.0.2:80 is ignored for them",
               "t.conf:18:3: warning: virtual_server group G: port of real_server 10.0.0.2:80 "
               "differs from group entry at t.conf:10:3"}));
  auto g = lvs_to_json(r.config)["virtual_server_groups"];
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0]["entries"][0]["first"], "192.168.1.1");
  EXPECT_EQ(g[0]["entries"][0]["last"], "192.168.1.10");
  EXPECT_EQ(g[0]["entries"][1]["last"], "10.0.0.3");
  EXPECT_EQ(g[0]["entries"][2]["last"], "10.0.2.5");
  EXPECT_EQ(g[0]["entries"][3]["fwmark"], 7);
  EXPECT_EQ(g[0]["entries"][3]["ip_family"], "inet");
}

TEST(BindLvs, UnknownGroupIsAnError) {
  auto r = parse(vs("group NOPE", "  real_server 10.0.0.2 80\n"));
  EXPECT_EQ(diags(r), Strings{"t.conf:1:1: error: virtual_server group NOPE: no "
                              "virtual_server_group 'NOPE' is defined"});
  EXPECT_TRUE(r.config.lvs.virtual_servers.empty());
}

TEST(BindLvs, DuplicateVirtualServer) {
  auto r = parse(vs("10.0.0.1 80", "  real_server 10.0.0.2 80\n") +
                 vs("10.0.0.1 80", "  real_server 10.0.0.3 80\n"));
  EXPECT_EQ(diags(r), Strings{"t.conf:7:1: warning: virtual_server 10.0.0.1:80 is already defined "
                              "at t.conf:1:1; the second is ignored"});
  EXPECT_EQ(r.exit_code(), ExitCode::kOk);  // keepalived -t passes it
}

TEST(BindLvs, SslBlock) {
  auto r = parse("SSL {\n  password\n  ca /etc/ca.pem\n  key /k\n  key /k2\n}\n");
  EXPECT_EQ(diags(r),
            (Strings{"t.conf:2:3: error: 'password' expects 1 argument, got 0",
                     "t.conf:5:3: warning: 'key' given twice in SSL; the last one is used"}));
  auto j = lvs_to_json(r.config)["ssl"];
  EXPECT_EQ(j["ca"], "/etc/ca.pem");
  EXPECT_EQ(j["key"], "/k2");
  EXPECT_EQ(j["password"], nullptr);
}

TEST(BindLvs, JsonKeyOrderFollowsTheModel) {
  auto r = parse(vs("10.0.0.1 80", "  real_server 10.0.0.2 80\n"));
  auto j = lvs_to_json(r.config);
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
  EXPECT_EQ(keys, (Strings{"ssl", "virtual_server_groups", "virtual_servers"}));
  auto v = j["virtual_servers"][0];
  EXPECT_EQ(v.begin().key(), "name");
  EXPECT_EQ(v["delay_loop"], 60);
  EXPECT_EQ(v["connect_timeout"], 5);
}

}  // namespace
}  // namespace vigil::parser
