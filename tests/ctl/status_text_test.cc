// vigilctl's rendering of the status document and its reading of the daemon's answers.
#include "ctl/status_text.h"

#include <gtest/gtest.h>

#include "ctl/client.h"

namespace vigil::ctl {
namespace {

const char* kStatus = R"({
  "daemon": {"version": "0.1.0", "pid": 42, "router_id": "lb1", "uptime_seconds": 3725.5},
  "config": {"file": "/etc/keepalived/keepalived.conf", "loaded": "2024-05-01T12:00:00.000Z",
             "last_reload": {"time": "2024-05-01T12:05:00.000Z", "trigger": "control socket",
                             "result": "refused", "errors": 1, "warnings": 0, "exit_code": 5,
                             "diagnostics": ["k.conf:3:12: error: 'priority': invalid value '300'",
                                             "k.conf: 1 error, 0 warnings"]}},
  "vrrp": {"running": true, "sync_groups": [],
           "instances": [{"name": "VI_1", "interface": "eth0", "vrid": 51, "state": "BACKUP",
                          "base_priority": 100, "effective_priority": 90, "master": "10.0.0.1",
                          "in_state_seconds": 75, "vips": ["10.0.0.100/32"],
                          "tracked": [{"kind": "interface", "name": "eth1", "state": "DOWN",
                                       "fault": false, "contribution": -10}],
                          "counters": {"transitions": 2, "dropped_total": 4,
                                       "dropped": {"ttl": 3, "own_advert": 1, "checksum": 0}}}]},
  "checkers": {"running": true, "virtual_servers": [
    {"name": "[10.0.0.100]:tcp:80", "quorum_up": true, "quorum": 1, "alive_weight": 1,
     "sorry_server_active": false,
     "real_servers": [
       {"name": "[10.0.0.2]:tcp:8080", "address": "10.0.0.2", "port": 8080, "alive": true,
        "weight": 1, "checks": [{"type": "TCP_CHECK", "state": "UP", "scheduled": true,
                                 "last": {"result": "success", "reason": "",
                                          "latency_seconds": 0.00041},
                                 "consecutive_failures": 0}]},
       {"name": "[10.0.0.3]:tcp:8080", "address": "10.0.0.3", "port": 8080, "alive": false,
        "weight": 1, "checks": [{"type": "TCP_CHECK", "state": "DOWN", "scheduled": true,
                                 "last": {"result": "failure",
                                          "reason": "connect: Connection refused",
                                          "latency_seconds": 0.0002},
                                 "consecutive_failures": 3}]}]}]},
  "ipvs": {"running": true, "available": true, "settled": false, "counters_age_seconds": 4.2,
           "services": [{"service": "TCP 10.0.0.100:80", "protocol": "TCP",
                         "address": "10.0.0.100", "port": 80, "fwmark": 0, "scheduler": "rr",
                         "configured": true, "in_kernel": true,
                         "destinations": [{"address": "10.0.0.2", "port": 8080,
                                           "forward": "Masq", "desired_weight": 1,
                                           "applied_weight": 1, "active_connections": 7,
                                           "inactive_connections": 2},
                                          {"address": "10.0.0.3", "port": 8080,
                                           "forward": "Masq", "desired_weight": null,
                                           "applied_weight": 1, "active_connections": 0,
                                           "inactive_connections": 0}]}]}
})";

bool has_line(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

TEST(StatusText, ReadsLikeIpvsadmPlusVrrp) {
  const std::string t = render_status(nlohmann::json::parse(kStatus));
  EXPECT_TRUE(has_line(t, "vigild 0.1.0 on lb1 (pid 42), up 1h 2m")) << t;
  EXPECT_TRUE(has_line(t, "  k.conf:3:12: error: 'priority': invalid value '300'")) << t;
  EXPECT_TRUE(has_line(t,
                       "VI_1      BACKUP   90/100  10.0.0.1         eth0         51  1m 15s   "
                       "       2  10.0.0.100/32"))
      << t;
  EXPECT_TRUE(has_line(t, "    tracking: interface eth1 DOWN -10")) << t;
  EXPECT_TRUE(has_line(t, "    dropped: ttl 3")) << t;  // own adverts are not a problem
  EXPECT_TRUE(has_line(t,
                       "[10.0.0.100]:tcp:80  quorum up, 1 of 2 real servers up (alive weight "
                       "1, quorum 1)"))
      << t;
  EXPECT_TRUE(has_line(t, "  -> [10.0.0.2]:tcp:8080  UP    weight 1     TCP_CHECK ok 0.41 ms"))
      << t;
  EXPECT_TRUE(has_line(t,
                       "  -> [10.0.0.3]:tcp:8080  DOWN  weight 1     TCP_CHECK failed 3x: "
                       "connect: Connection refused"))
      << t;
  EXPECT_TRUE(has_line(t, "IP Virtual Server table (changes pending, counters 4s old)")) << t;
  EXPECT_TRUE(has_line(t, "TCP  10.0.0.100:80 rr")) << t;
  EXPECT_TRUE(has_line(t, "  -> 10.0.0.2:8080                Masq    1      7          2         "))
      << t;
  EXPECT_TRUE(has_line(
      t, "  -> 10.0.0.3:8080                Masq    1      0          0          (to be removed)"))
      << t;
}

TEST(StatusText, IpvsAbsentAndSubsystemsOff) {
  auto j = nlohmann::json::parse(kStatus);
  j["ipvs"]["available"] = false;
  j["vrrp"] = {{"running", false}};
  const std::string t = render_status(j);
  EXPECT_TRUE(has_line(t, "  not running (no vrrp_instance, or -C)")) << t;
  EXPECT_NE(t.find("IPVS is not available in this kernel"), std::string::npos) << t;
}

TEST(StatusText, ShortDuration) {
  EXPECT_EQ(short_duration(0.4), "0s");
  EXPECT_EQ(short_duration(75), "1m 15s");
  EXPECT_EQ(short_duration(3 * 3600 + 61), "3h 1m");
  EXPECT_EQ(short_duration(2 * 86400 + 7200), "2d 2h");
}

TEST(ParseReply, ChecksLengthAndStatus) {
  Reply r;
  ASSERT_TRUE(
      parse_reply("HTTP/1.1 422 Unprocessable Content\r\nContent-Type: application/json\r\n"
                  "Content-Length: 3\r\n\r\n{}\n",
                  r));
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, "{}\n");
  EXPECT_FALSE(parse_reply("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", r));
  EXPECT_FALSE(parse_reply("garbage", r));
}

}  // namespace
}  // namespace vigil::ctl
