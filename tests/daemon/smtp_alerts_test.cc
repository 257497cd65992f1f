// Which events become SMTP alerts, and how they are delivered: SmtpAlerts against a recording
// SMTP server on loopback, with configurations parsed from keepalived.conf text.
#include "daemon/smtp_alerts.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "parser/parse.h"
#include "tests/daemon/fake_smtp_server.h"

namespace vigil::daemon {
namespace {

using checkers::HealthEvent;
using checkers::HealthEventKind;
using checkers::ProbeReport;

class SmtpAlertsTest : public ::testing::Test {
 protected:
  // Parses `body` after a global_defs that sends alerts to the recording server.
  void configure(const std::string& global_extra, const std::string& body, std::uint16_t port = 0) {
    const std::string text =
        "global_defs {\n  router_id R1\n  notification_email {\n"
        "    ops@example.org\n  }\n  notification_email_from vigil@d1\n"
        "  smtp_server 127.0.0.1 " +
        std::to_string(port ? port : server_.port()) + "\n" + global_extra + "}\n" + body;
    parser::ParseOptions options;
    options.host_checks = false;
    parsed_ = parser::parse_config_text(text, "test.conf", options);
    ASSERT_FALSE(parsed_.diagnostics.has_errors()) << text;
    alerts_.set_time_source([] { return std::time_t{1796606176}; });
    const auto problems = alerts_.configure(parsed_.config);
    ASSERT_TRUE(problems.empty()) << problems[0];
  }

  // Runs the loop until every queued alert has been handled.
  void deliver() {
    const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while ((alerts_.busy() || alerts_.pending() > 0) && std::chrono::steady_clock::now() < limit) {
      io_.restart();
      io_.run_one_for(std::chrono::milliseconds(50));
    }
    for (int i = 0; i < 20; ++i) {
      io_.restart();
      io_.poll();
    }
  }

  std::vector<std::string> subjects() {
    deliver();
    return server_.subjects();
  }

  const config::VirtualServer& vs(std::size_t i = 0) {
    return parsed_.config.lvs.virtual_servers.at(i);
  }

  static ProbeReport verdict(std::size_t rs, std::size_t checker, const checkers::CheckResult& r,
                             bool first, bool was_up, bool up, bool was_alive, bool alive) {
    return ProbeReport{rs, checker, r, first, was_up, up, was_alive, alive};
  }

  boost::asio::io_context io_;
  testing::RecordingSmtpServer server_{io_};
  SmtpAlerts alerts_{io_};
  parser::ParseResult parsed_;
};

const char kInstances[] = R"(
vrrp_sync_group VG_1 {
  group {
    VI_1
  }
}
vrrp_instance VI_1 {
  interface lo
  virtual_router_id 51
  priority 100
  smtp_alert
  virtual_ipaddress {
    10.0.0.100
  }
}
vrrp_instance VI_2 {
  interface lo
  virtual_router_id 52
  priority 100
  virtual_ipaddress {
    10.0.0.101
  }
}
)";

TEST_F(SmtpAlertsTest, InstanceTransitionsMailExceptStop) {
  configure("", kInstances);
  for (const char* s : {"BACKUP", "MASTER", "FAULT", "BACKUP", "STOP"})
    alerts_.instance_state("VI_1", s);
  alerts_.instance_state("VI_2", "MASTER");  // smtp_alert off for VI_2
  alerts_.group_state("VG_1", "MASTER");     // the group has no smtp_alert either
  EXPECT_EQ(subjects(), (std::vector<std::string>{
                            "[R1] VRRP Instance VI_1 - Entering BACKUP state",
                            "[R1] VRRP Instance VI_1 - Entering MASTER state",
                            "[R1] VRRP Instance VI_1 - Entering FAULT state",
                            "[R1] VRRP Instance VI_1 - Entering BACKUP state",
                        }));
  // One session for the burst (the first alert may have gone on its own).
  EXPECT_LE(server_.connections(), 2u);
  EXPECT_EQ(alerts_.stats().delivered, 4u);
}

TEST_F(SmtpAlertsTest, GlobalSmtpAlertReachesInstancesAndGroups) {
  configure("  smtp_alert\n", kInstances);
  alerts_.instance_state("VI_2", "MASTER");
  alerts_.group_state("VG_1", "MASTER");
  EXPECT_EQ(subjects(), (std::vector<std::string>{
                            "[R1] VRRP Instance VI_2 - Entering MASTER state",
                            "[R1] VRRP Group VG_1 - Entering MASTER state",
                        }));
}

TEST_F(SmtpAlertsTest, SmtpAlertVrrpOffOverridesGlobal) {
  configure("  smtp_alert\n  smtp_alert_vrrp off\n", kInstances);
  alerts_.instance_state("VI_1", "MASTER");  // its own smtp_alert wins
  alerts_.instance_state("VI_2", "MASTER");
  alerts_.group_state("VG_1", "MASTER");
  EXPECT_EQ(subjects(),
            (std::vector<std::string>{"[R1] VRRP Instance VI_1 - Entering MASTER state"}));
}

TEST_F(SmtpAlertsTest, NoEmailFaultsSkipsFaultAndItsReturn) {
  configure("  no_email_faults\n", kInstances);
  // keepalived: BACKUP, FAULT (none), BACKUP (none: mailed last), MASTER, FAULT (none),
  // BACKUP (mailed: the last mail said MASTER).
  for (const char* s : {"BACKUP", "FAULT", "BACKUP", "MASTER", "FAULT", "BACKUP"}) {
    alerts_.instance_state("VI_1", s);
  }
  EXPECT_EQ(subjects(), (std::vector<std::string>{
                            "[R1] VRRP Instance VI_1 - Entering BACKUP state",
                            "[R1] VRRP Instance VI_1 - Entering MASTER state",
                            "[R1] VRRP Instance VI_1 - Entering BACKUP state",
                        }));
}

TEST_F(SmtpAlertsTest, NothingWithoutRecipients) {
  parser::ParseOptions options;
  options.host_checks = false;
  parsed_ = parser::parse_config_text("global_defs {\n  smtp_server 127.0.0.1 " +
                                          std::to_string(server_.port()) + "\n  smtp_alert\n}\n" +
                                          kInstances,
                                      "test.conf", options);
  EXPECT_TRUE(alerts_.configure(parsed_.config).empty());
  EXPECT_FALSE(alerts_.enabled());
  alerts_.instance_state("VI_1", "MASTER");
  EXPECT_TRUE(subjects().empty());
  EXPECT_EQ(server_.connections(), 0u);
}

TEST_F(SmtpAlertsTest, MessageShape) {
  configure("", kInstances);
  alerts_.instance_state("VI_1", "MASTER");
  deliver();
  ASSERT_EQ(server_.messages().size(), 1u);
  const std::string& m = server_.messages()[0];
  EXPECT_NE(m.find("\r\nFrom: vigil@d1\r\n"), std::string::npos) << m;
  EXPECT_NE(m.find("\r\nX-Mailer: Keepalived\r\nTo: ops@example.org\r\n\r\n"
                   "=> VRRP Instance is now owning VRRP VIPs <=\r\n\r\n.\r\n"),
            std::string::npos)
      << m;
  EXPECT_EQ(m.rfind("Date: ", 0), 0u) << m;
}

const char kServers[] = R"(
virtual_server 10.0.0.1 80 {
  lb_kind DR
  protocol TCP
  quorum 2
  smtp_alert
  real_server 10.0.0.2 80 {
    TCP_CHECK {
    }
    MISC_CHECK {
      misc_path /bin/true
    }
  }
  real_server 10.0.0.3 80 {
    smtp_alert off
    TCP_CHECK {
    }
  }
}
)";

TEST_F(SmtpAlertsTest, CheckerVerdictsThatChangeTheCheckerMail) {
  configure("", kServers);
  checkers::CheckResult fail = checkers::CheckResult::failed("connect: Connection refused");
  checkers::CheckResult pass = checkers::CheckResult::passed();
  // TCP_CHECK: a first success of an up checker says nothing; a retry neither.
  alerts_.checker_verdict(vs(), verdict(0, 0, pass, true, true, true, true, true));
  alerts_.checker_verdict(vs(), verdict(0, 0, fail, false, true, true, true, true));
  // It goes down, the server with it.
  alerts_.checker_verdict(vs(), verdict(0, 0, fail, false, true, false, true, false));
  // MISC_CHECK's first verdict mails although nothing changed; then it fails while the server
  // is already down: "DOWN" again, with the MISC words; then recovers, the server still down.
  alerts_.checker_verdict(vs(), verdict(0, 1, pass, true, true, true, false, false));
  alerts_.checker_verdict(vs(), verdict(0, 1, fail, false, true, false, false, false));
  alerts_.checker_verdict(vs(), verdict(0, 1, pass, false, false, true, false, false));
  // The TCP_CHECK comes back: UP.
  alerts_.checker_verdict(vs(), verdict(0, 0, pass, false, false, true, false, true));
  // The other real server has smtp_alert off.
  alerts_.checker_verdict(vs(), verdict(1, 0, fail, false, true, false, true, false));
  const std::string rs = "[R1] Realserver [10.0.0.2]:tcp:80 of virtual server [10.0.0.1]:tcp:80";
  EXPECT_EQ(subjects(), (std::vector<std::string>{rs + " - DOWN", rs + " - DOWN", rs + " - DOWN",
                                                  rs + " - DOWN", rs + " - UP"}));
  ASSERT_EQ(server_.messages().size(), 5u);
  EXPECT_NE(server_.messages()[0].find("=> TCP CHECK failed on service <="), std::string::npos);
  EXPECT_NE(server_.messages()[1].find("=> MISC CHECK succeeded on service <="), std::string::npos);
  EXPECT_NE(server_.messages()[2].find("=> MISC CHECK failed on service <="), std::string::npos);
  EXPECT_NE(server_.messages()[3].find("=> MISC CHECK succeeded on service <="), std::string::npos);
  EXPECT_NE(server_.messages()[4].find("=> TCP CHECK succeed on service <="), std::string::npos);
}

TEST_F(SmtpAlertsTest, AlphaFirstFailureMailsOnlyForMisc) {
  configure("", kServers);
  checkers::CheckResult fail = checkers::CheckResult::failed("x");
  alerts_.checker_verdict(vs(), verdict(0, 0, fail, true, false, false, false, false));
  alerts_.checker_verdict(vs(), verdict(0, 1, fail, true, false, false, false, false));
  const std::string rs = "[R1] Realserver [10.0.0.2]:tcp:80 of virtual server [10.0.0.1]:tcp:80";
  EXPECT_EQ(subjects(), (std::vector<std::string>{rs + " - DOWN"}));
  EXPECT_NE(server_.messages()[0].find("MISC CHECK failed"), std::string::npos);
}

TEST_F(SmtpAlertsTest, NoCheckerEmailsKeepsRealServerChangesOnly) {
  configure("  no_checker_emails\n", kServers);
  checkers::CheckResult fail = checkers::CheckResult::failed("x");
  checkers::CheckResult pass = checkers::CheckResult::passed();
  alerts_.checker_verdict(vs(), verdict(0, 1, pass, true, true, true, true, true));
  alerts_.checker_verdict(vs(), verdict(0, 1, fail, false, true, false, true, false));
  alerts_.checker_verdict(vs(), verdict(0, 0, fail, false, true, false, false, false));
  alerts_.checker_verdict(vs(), verdict(0, 1, pass, false, false, true, false, false));
  alerts_.checker_verdict(vs(), verdict(0, 0, pass, false, false, true, false, true));
  const std::string rs = "[R1] Realserver [10.0.0.2]:tcp:80 of virtual server [10.0.0.1]:tcp:80";
  EXPECT_EQ(subjects(), (std::vector<std::string>{rs + " - DOWN", rs + " - UP"}));
}

TEST_F(SmtpAlertsTest, SmtpCheckAndMiscTimeoutUseTheirOwnWords) {
  configure("", R"(
virtual_server 10.0.0.1 25 {
  lb_kind DR
  protocol TCP
  real_server 10.0.0.2 25 {
    SMTP_CHECK {
    }
    MISC_CHECK {
      misc_path /bin/true
    }
  }
}
)");
  checkers::CheckResult smtp = checkers::CheckResult::failed("read greeting: timeout after 5 s");
  smtp.alert = "CHECK failed on service : Read timeout from server [10.0.0.2]:25";
  checkers::CheckResult misc = checkers::CheckResult::failed("timeout");
  misc.alert = "MISC CHECK timed out on service";
  alerts_.checker_verdict(vs(), verdict(0, 0, smtp, false, true, false, true, false));
  alerts_.checker_verdict(vs(), verdict(0, 1, misc, false, true, false, false, false));
  deliver();
  ASSERT_EQ(server_.messages().size(), 2u);
  EXPECT_NE(server_.messages()[0].find(
                "=> CHECK failed on service : Read timeout from server [10.0.0.2]:25 <="),
            std::string::npos);
  EXPECT_NE(server_.messages()[1].find("=> MISC CHECK timed out on service <="), std::string::npos);
}

TEST_F(SmtpAlertsTest, QuorumChangesMailForVirtualServersWithSmtpAlert) {
  configure("", kServers);
  HealthEvent e;
  e.kind = HealthEventKind::kQuorumUp;
  e.initial = true;
  e.weight_sum = 2;
  e.threshold = 2;
  alerts_.health_event(vs(), e);
  e.kind = HealthEventKind::kQuorumDown;
  e.initial = false;
  e.weight_sum = 1;
  alerts_.health_event(vs(), e);
  // omega's report at shutdown is not mailed (keepalived exits before sending it).
  e.stopping = true;
  alerts_.health_event(vs(), e);
  // Real server events come through checker_verdict, not here.
  e = HealthEvent{};
  e.kind = HealthEventKind::kRealServerDown;
  alerts_.health_event(vs(), e);
  deliver();
  ASSERT_EQ(server_.messages().size(), 2u);
  EXPECT_EQ(server_.subjects()[0], "[R1] Virtualserver [10.0.0.1]:tcp:80 - UP");
  EXPECT_NE(server_.messages()[0].find("=> Starting with quorum up 2+0=2 <= 2 <="),
            std::string::npos);
  EXPECT_EQ(server_.subjects()[1], "[R1] Virtualserver [10.0.0.1]:tcp:80 - DOWN");
  EXPECT_NE(server_.messages()[1].find("=> Lost quorum 2+0=2 <= 1 <="), std::string::npos);
}

TEST_F(SmtpAlertsTest, VirtualServersStayQuietByDefault) {
  configure("", R"(
virtual_server 10.0.0.1 80 {
  lb_kind DR
  protocol TCP
  real_server 10.0.0.2 80 {
    TCP_CHECK {
    }
  }
}
)");
  HealthEvent e;
  e.kind = HealthEventKind::kQuorumDown;
  alerts_.health_event(vs(), e);
  checkers::CheckResult fail = checkers::CheckResult::failed("x");
  alerts_.checker_verdict(vs(), verdict(0, 0, fail, false, true, false, true, false));
  // keepalived: virtual servers default to no alerts, real servers to alerts.
  EXPECT_EQ(subjects(), (std::vector<std::string>{"[R1] Realserver [10.0.0.2]:tcp:80 of virtual "
                                                  "server [10.0.0.1]:tcp:80 - DOWN"}));
}

TEST_F(SmtpAlertsTest, FullQueueDropsTheOldest) {
  SmtpAlerts small(io_, 3);
  configure("", kInstances);
  ASSERT_TRUE(small.configure(parsed_.config).empty());
  // The loop does not run in between: nothing leaves the queue.
  for (const char* s : {"BACKUP", "MASTER", "FAULT", "BACKUP", "MASTER"}) {
    small.instance_state("VI_1", s);
  }
  EXPECT_EQ(small.pending(), 3u);
  EXPECT_EQ(small.stats().dropped, 2u);
  EXPECT_EQ(small.stats().queued, 5u);
  const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while ((small.busy() || small.pending() > 0) && std::chrono::steady_clock::now() < limit) {
    io_.restart();
    io_.run_one_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(small.stats().delivered, 3u);
  EXPECT_EQ(server_.subjects(), (std::vector<std::string>{
                                    "[R1] VRRP Instance VI_1 - Entering FAULT state",
                                    "[R1] VRRP Instance VI_1 - Entering BACKUP state",
                                    "[R1] VRRP Instance VI_1 - Entering MASTER state",
                                }));
}

TEST_F(SmtpAlertsTest, SilentServerHoldsNothingElseUp) {
  // A server that accepts and never greets: the session waits for its step timeout, while
  // alerts keep being queued and the loop keeps running other work.
  testing::ScriptedSmtpServer silent(io_, "", {});
  configure("  smtp_connect_timeout 1\n", kInstances, silent.port());
  alerts_.instance_state("VI_1", "BACKUP");
  bool timer_fired = false;
  boost::asio::steady_timer timer(io_, std::chrono::milliseconds(50));
  timer.async_wait([&](const boost::system::error_code&) { timer_fired = true; });
  const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!timer_fired && std::chrono::steady_clock::now() < limit) {
    io_.restart();
    io_.run_one_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(timer_fired);
  EXPECT_TRUE(alerts_.busy());  // the session still waits for the greeting
  alerts_.instance_state("VI_1", "MASTER");
  EXPECT_EQ(alerts_.pending(), 1u);
  deliver();  // the greeting times out; the session fails, then the next one too
  EXPECT_EQ(alerts_.stats().failed, 2u);
  EXPECT_EQ(alerts_.stats().delivered, 0u);
}

TEST_F(SmtpAlertsTest, StopDropsWhatIsQueuedAndIgnoresLaterEvents) {
  configure("", kInstances);
  alerts_.instance_state("VI_1", "BACKUP");
  alerts_.instance_state("VI_1", "MASTER");
  alerts_.stop();
  EXPECT_EQ(alerts_.stats().dropped, 2u);
  alerts_.instance_state("VI_1", "FAULT");
  EXPECT_EQ(alerts_.stats().queued, 2u);
  deliver();
  EXPECT_TRUE(server_.messages().empty());
}

TEST_F(SmtpAlertsTest, PasswordFileIsRead) {
  const std::string path = ::testing::TempDir() + "/vigil-smtp-password";
  {
    std::ofstream f(path);
    f << "s3cret\n";
  }
  configure("  smtp_starttls off\n  smtp_auth_user alice\n  smtp_auth_password_file " + path + "\n",
            kInstances);
  EXPECT_TRUE(alerts_.enabled());
  std::remove(path.c_str());
  // An unreadable file turns alerts off with a reason.
  const auto problems = alerts_.configure(parsed_.config);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("smtp_auth_password_file " + path), std::string::npos) << problems[0];
  EXPECT_FALSE(alerts_.enabled());
}

}  // namespace
}  // namespace vigil::daemon
