// The status serialisations from a hand-made snapshot: the JSON document (what vigilctl and the
// web page read) and the Prometheus text (checked by promtool when it is installed).
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <netinet/in.h>

#include "daemon/metrics.h"
#include "daemon/status_json.h"
#include "daemon/status_model.h"
#include "parser/parse.h"

namespace vigil::daemon {
namespace {

using namespace std::chrono_literals;

std::shared_ptr<const config::Config> lvs_config() {
  parser::ParseOptions o;
  o.host_checks = false;
  auto r = parser::parse_config_text(R"(
virtual_server 10.0.0.100 80 {
  lb_algo rr
  lb_kind NAT
  protocol TCP
  quorum 2
  real_server 10.0.0.2 8080 {
    weight 3
    TCP_CHECK {
      connect_timeout 1
    }
  }
  real_server 10.0.0.3 8080 {
    TCP_CHECK {
      connect_timeout 1
    }
    HTTP_GET {
      url {
        path /
        status_code 200
      }
    }
  }
}
)",
                                     "t.conf", o);
  EXPECT_FALSE(r.diagnostics.has_errors());
  return std::make_shared<const config::Config>(std::move(r.config));
}

StatusSnapshot sample() {
  StatusSnapshot s;
  s.taken = WallTime(std::chrono::seconds(1'700'000'100));
  s.daemon = {"0.1.0", 42, "lb1", WallTime(std::chrono::seconds(1'700'000'000))};
  s.config.file = "/etc/keepalived/keepalived.conf";
  s.config.loaded_at = s.daemon.started;
  ReloadRecord r;
  r.at = WallTime(std::chrono::seconds(1'700'000'050));
  r.trigger = "control socket";
  r.errors = 1;
  r.exit_code = 5;
  r.diagnostics = {"k.conf:3:12: error: 'priority': invalid value '300'", "k.conf: 1 error"};
  s.config.last_reload = r;
  s.config.reloads_refused = 1;

  s.vrrp.running = true;
  VrrpInstanceStatus i;
  i.name = "VI_1";
  i.interface = "eth0";
  i.vrid = 51;
  i.vips = {*core::parse_ip_prefix("10.0.0.100/32")};
  i.state = vrrp::State::kMaster;
  i.base_priority = 100;
  i.effective_priority = 110;
  i.master_address = *core::parse_ip_address("10.0.0.1");
  i.advert_interval = 1s;
  i.in_state = 40s;
  i.tracked = {vrrp::TrackedObject{.kind = vrrp::TrackedObject::Kind::kScript,
                                   .name = "chk \"web\"",
                                   .weight = {10, false},
                                   .state = "GOOD",
                                   .contribution = 10}};
  i.counters.adverts_sent = 40;
  i.counters.transitions = 2;
  i.counters.dropped[static_cast<std::size_t>(vrrp::DropReason::kTtl)] = 3;
  i.machine.become_master = 1;
  s.vrrp.instances.push_back(i);

  s.checkers.running = true;
  s.checkers.config = lvs_config();
  VirtualServerStatus vs;
  vs.quorum_up = false;
  vs.alive_weight = 1;
  RealServerStatus up;
  up.alive = true;
  up.weight = 3;
  CheckStatus ok;
  ok.scheduled = ok.has_run = ok.ok = true;
  ok.latency = 400us;
  ok.since_change = 30s;
  ok.consecutive_successes = 5;
  ok.probes = 5;
  up.checks = {ok};
  RealServerStatus down;
  down.weight = 1;
  CheckStatus refused = ok;
  refused.up = false;
  refused.ok = false;
  refused.reason = "connect: Connection refused";
  refused.consecutive_successes = 0;
  refused.consecutive_failures = 2;
  refused.failures = 2;
  CheckStatus never;
  never.scheduled = true;
  down.checks = {refused, never};
  vs.real_servers = {up, down};
  s.checkers.virtual_servers = {vs};
  auto& tcp = s.checkers.stats.by_type[static_cast<std::size_t>(config::CheckerType::kTcp)];
  tcp.latency.observe(400us);
  tcp.latency.observe(3ms);
  tcp.latency.observe(20s);
  tcp.failures = 1;

  s.ipvs.running = true;
  s.ipvs.available = false;
  IpvsServiceStatus svc;
  svc.key.protocol = IPPROTO_TCP;
  svc.key.address = *core::parse_ip_address("10.0.0.100");
  svc.key.port = 80;
  svc.scheduler = "rr";
  IpvsDestinationStatus d;
  d.key = {*core::parse_ip_address("10.0.0.2"), 8080};
  d.desired_weight = 3;
  svc.destinations = {d};
  s.ipvs.services = {svc};
  s.control.snapshot_time.observe(200us);
  s.alerts.enabled = true;
  s.alerts.smtp = {.queued = 5, .delivered = 3, .failed = 1, .dropped = 0};
  s.alerts.pending = 1;
  return s;
}

TEST(StatusJson, CarriesTheLiveState) {
  const auto j = status_json(sample());
  EXPECT_EQ(j["daemon"]["router_id"], "lb1");
  EXPECT_DOUBLE_EQ(j["daemon"]["uptime_seconds"].get<double>(), 100.0);
  EXPECT_EQ(j["daemon"]["started"], "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(j["config"]["last_reload"]["result"], "refused");
  EXPECT_EQ(j["config"]["last_reload"]["diagnostics"][0],
            "k.conf:3:12: error: 'priority': invalid value '300'");

  const auto& i = j["vrrp"]["instances"][0];
  EXPECT_EQ(i["state"], "MASTER");
  EXPECT_EQ(i["effective_priority"], 110);
  EXPECT_EQ(i["base_priority"], 100);
  EXPECT_EQ(i["master"], "10.0.0.1");
  EXPECT_EQ(i["vips"][0], "10.0.0.100/32");
  EXPECT_EQ(i["since"], "2023-11-14T22:14:20.000Z");  // taken - 40 s
  EXPECT_EQ(i["tracked"][0]["contribution"], 10);
  EXPECT_EQ(i["counters"]["dropped"]["ttl"], 3);
  EXPECT_EQ(i["counters"]["dropped_total"], 3);
  EXPECT_EQ(i["counters"]["transitions"], 2);

  const auto& vs = j["checkers"]["virtual_servers"][0];
  EXPECT_EQ(vs["name"], "[10.0.0.100]:tcp:80");
  EXPECT_EQ(vs["quorum_up"], false);
  EXPECT_EQ(vs["quorum"], 2);
  const auto& rs = vs["real_servers"][1];
  EXPECT_EQ(rs["name"], "[10.0.0.3]:tcp:8080");
  EXPECT_EQ(rs["alive"], false);
  EXPECT_EQ(rs["checks"][0]["type"], "TCP_CHECK");
  EXPECT_EQ(rs["checks"][0]["state"], "DOWN");
  EXPECT_EQ(rs["checks"][0]["last"]["reason"], "connect: Connection refused");
  EXPECT_EQ(rs["checks"][0]["consecutive_failures"], 2);
  EXPECT_EQ(rs["checks"][1]["type"], "HTTP_GET");
  EXPECT_TRUE(rs["checks"][1]["last"].is_null());  // not run yet
  EXPECT_DOUBLE_EQ(vs["real_servers"][0]["checks"][0]["last"]["latency_seconds"].get<double>(),
                   0.0004);

  const auto& p = j["ipvs"];
  EXPECT_EQ(p["available"], false);
  EXPECT_EQ(p["services"][0]["service"], "TCP 10.0.0.100:80");
  EXPECT_EQ(p["services"][0]["destinations"][0]["desired_weight"], 3);
  EXPECT_TRUE(p["services"][0]["destinations"][0]["applied_weight"].is_null());

  const auto& a = j["alerts"];
  EXPECT_EQ(a["smtp_enabled"], true);
  EXPECT_EQ(a["queued"], 5);
  EXPECT_EQ(a["delivered"], 3);
  EXPECT_EQ(a["failed"], 1);
  EXPECT_EQ(a["pending"], 1);
  EXPECT_EQ(a["sending"], false);
}

TEST(StatusJson, InvalidUtf8InACheckReasonDoesNotBreakTheDocument) {
  auto s = sample();
  s.checkers.virtual_servers[0].real_servers[1].checks[0].reason = "bad \xff byte";
  const std::string text =
      status_json(s).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  EXPECT_NE(text.find("bad \xef\xbf\xbd byte"), std::string::npos);
}

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

TEST(Metrics, ConventionalNamesStatesAndCounters) {
  const std::string m = metrics_text(sample());
  EXPECT_TRUE(has_line(m, "vigil_config_last_reload_successful 0")) << m;
  EXPECT_TRUE(has_line(m, "vigil_config_reloads_total{result=\"refused\"} 1"));
  EXPECT_TRUE(has_line(m, "# TYPE vigil_vrrp_instance_state gauge"));
  EXPECT_TRUE(has_line(m, "vigil_vrrp_instance_state{instance=\"VI_1\",state=\"MASTER\"} 1"));
  EXPECT_TRUE(has_line(m, "vigil_vrrp_instance_state{instance=\"VI_1\",state=\"BACKUP\"} 0"));
  EXPECT_TRUE(has_line(m, "vigil_vrrp_instance_priority{instance=\"VI_1\"} 110"));
  EXPECT_TRUE(has_line(m, "# TYPE vigil_vrrp_adverts_sent_total counter"));
  EXPECT_TRUE(has_line(m, "vigil_vrrp_adverts_sent_total{instance=\"VI_1\"} 40"));
  EXPECT_TRUE(has_line(m, "vigil_vrrp_packets_dropped_total{instance=\"VI_1\",reason=\"ttl\"} 3"));
  // Label values are escaped.
  EXPECT_TRUE(has_line(m,
                       "vigil_vrrp_track_priority_contribution{instance=\"VI_1\",kind=\"script\","
                       "name=\"chk \\\"web\\\"\"} 10"));
  EXPECT_TRUE(has_line(m,
                       "vigil_real_server_up{virtual_server=\"[10.0.0.100]:tcp:80\","
                       "real_server=\"[10.0.0.3]:tcp:8080\"} 0"));
  EXPECT_TRUE(has_line(m,
                       "vigil_check_up{virtual_server=\"[10.0.0.100]:tcp:80\","
                       "real_server=\"[10.0.0.3]:tcp:8080\",checker=\"1\",type=\"HTTP_GET\"} 1"));
  EXPECT_TRUE(
      has_line(m, "vigil_virtual_server_quorum_up{virtual_server=\"[10.0.0.100]:tcp:80\"} 0"));
  EXPECT_TRUE(has_line(m, "vigil_ipvs_available 0"));
  EXPECT_TRUE(has_line(m,
                       "vigil_ipvs_destination_desired_weight{service=\"TCP 10.0.0.100:80\","
                       "destination=\"10.0.0.2:8080\"} 3"));
  EXPECT_TRUE(has_line(m, "vigil_smtp_alerts_enabled 1"));
  EXPECT_TRUE(has_line(m, "vigil_smtp_alerts_total{result=\"delivered\"} 3"));
  EXPECT_TRUE(has_line(m, "vigil_smtp_alerts_total{result=\"failed\"} 1"));
  EXPECT_TRUE(has_line(m, "vigil_smtp_alerts_pending 1"));
  // Not in the kernel: no applied weight sample.
  EXPECT_EQ(m.find("vigil_ipvs_destination_weight{"), std::string::npos);
}

TEST(Metrics, LatencyHistogramIsCumulativeInSeconds) {
  const std::string m = metrics_text(sample());
  EXPECT_TRUE(has_line(m, "# TYPE vigil_check_duration_seconds histogram"));
  EXPECT_TRUE(
      has_line(m, "vigil_check_duration_seconds_bucket{type=\"TCP_CHECK\",le=\"0.0005\"} 1"));
  EXPECT_TRUE(
      has_line(m, "vigil_check_duration_seconds_bucket{type=\"TCP_CHECK\",le=\"0.001\"} 1"));
  EXPECT_TRUE(
      has_line(m, "vigil_check_duration_seconds_bucket{type=\"TCP_CHECK\",le=\"0.005\"} 2"));
  EXPECT_TRUE(has_line(m, "vigil_check_duration_seconds_bucket{type=\"TCP_CHECK\",le=\"10\"} 2"));
  EXPECT_TRUE(has_line(m, "vigil_check_duration_seconds_bucket{type=\"TCP_CHECK\",le=\"+Inf\"} 3"));
  EXPECT_TRUE(has_line(m, "vigil_check_duration_seconds_count{type=\"TCP_CHECK\"} 3"));
  EXPECT_TRUE(has_line(m, "vigil_check_duration_seconds_sum{type=\"TCP_CHECK\"} 20.0034"));
  EXPECT_TRUE(has_line(m, "vigil_check_failures_total{type=\"TCP_CHECK\"} 1"));
  // Types that never ran have no series.
  EXPECT_EQ(m.find("type=\"HTTP_GET\",le="), std::string::npos);
}

TEST(Metrics, EscapeLabelValue) { EXPECT_EQ(escape_label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd"); }

// promtool (Debian's prometheus package) parses the text and lints names, units and help.
TEST(Metrics, PromtoolAcceptsTheText) {
  if (!std::filesystem::exists("/usr/bin/promtool")) GTEST_SKIP() << "promtool not installed";
  const auto path = std::filesystem::temp_directory_path() /
                    ("vigil_metrics_" + std::to_string(::getpid()) + ".prom");
  std::ofstream(path) << metrics_text(sample());
  const std::string cmd = "/usr/bin/promtool check metrics < " + path.string() + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int status = ::pclose(p);
  std::filesystem::remove(path);
  EXPECT_EQ(status, 0) << out;
  EXPECT_EQ(out, "") << out;  // no lint findings either
}

}  // namespace
}  // namespace vigil::daemon
