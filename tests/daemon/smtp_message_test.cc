#include "daemon/smtp_message.h"

#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "core/smtp_dialogue.h"

namespace vigil::daemon {
namespace {

// What Debian's keepalived 2.2.7 sent after DATA (terminator included), captured byte for byte
// at an SMTP sink; see data/keepalived_alerts/README.md.
std::string captured(const std::string& name) {
  std::ifstream in(std::string(VIGIL_TEST_DATA_DIR) + "/keepalived_alerts/" + name + ".eml",
                   std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  EXPECT_FALSE(s.str().empty()) << name;
  return s.str();
}

// The Date header of a capture (it is the one thing that depends on the clock).
std::string date_of(const std::string& mail) {
  const auto end = mail.find("\r\n");
  return mail.substr(6, end - 6);
}

// The bytes vigil sends after DATA for `text`, with the capture's date and addresses.
std::string sent(const std::string& capture, const std::string& from,
                 const std::vector<std::string>& to, const MailText& text) {
  return core::smtp::data_block(format_mail(date_of(capture), from, to, text));
}

const std::vector<std::string> kTwo = {"admin@example.com", "ops@example.org"};
const std::vector<std::string> kOne = {"admin@example.com"};

TEST(SmtpMessage, VrrpInstanceMailsAsKeepalived) {
  for (const char* state : {"MASTER", "BACKUP", "FAULT"}) {
    const std::string name = std::string("instance_") + (state[0] == 'M'   ? "master"
                                                         : state[0] == 'B' ? "backup"
                                                                           : "fault");
    const std::string c = captured(name);
    EXPECT_EQ(
        sent(c, "vigil-test@example.net", kTwo, vrrp_instance_mail("LVS_DEVEL", "VI_1", state)), c)
        << state;
  }
}

TEST(SmtpMessage, VrrpGroupMailsAsKeepalived) {
  for (const char* state : {"MASTER", "BACKUP", "FAULT"}) {
    const std::string name = std::string("group_") + (state[0] == 'M'   ? "master"
                                                      : state[0] == 'B' ? "backup"
                                                                        : "fault");
    const std::string c = captured(name);
    EXPECT_EQ(sent(c, "vigil-test@example.net", kTwo, vrrp_group_mail("LVS_DEVEL", "VG_1", state)),
              c)
        << state;
  }
}

TEST(SmtpMessage, VirtualServerQuorumMailsAsKeepalived) {
  // quorum 3, hysteresis 1, two real servers of weight 2.
  std::string c = captured("vs_starting_up");
  EXPECT_EQ(sent(c, "kad@example.net", kOne,
                 virtual_server_mail("LVS_DEVEL", "[10.0.2.110]:tcp:80", true, true, 3, 1, 4, 4)),
            c);
  c = captured("vs_lost");
  EXPECT_EQ(sent(c, "kad@example.net", kOne,
                 virtual_server_mail("LVS_DEVEL", "[10.0.2.110]:tcp:80", false, false, 3, 1, 2, 0)),
            c);
  c = captured("vs_gained");
  EXPECT_EQ(sent(c, "kad@example.net", kOne,
                 virtual_server_mail("LVS_DEVEL", "[10.0.2.110]:tcp:80", true, false, 3, 1, 4, 4)),
            c);
  // quorum 1 with a sorry server and its only real server down (alpha) at start.
  c = captured("vs_starting_down");
  EXPECT_EQ(sent(c, "kad@example.net", kOne,
                 virtual_server_mail("LVS_DEVEL", "[10.0.2.113]:tcp:80", false, true, 1, 0, 1, 0)),
            c);
}

struct RsCase {
  const char* capture;
  config::CheckerType type;
  bool ok;
  const char* alert;  // CheckResult::alert of the verdict
  const char* rs;
  const char* vs;
  bool alive;
};

TEST(SmtpMessage, RealServerMailsAsKeepalived) {
  using T = config::CheckerType;
  const RsCase cases[] = {
      {"rs_tcp_down", T::kTcp, false, "", "[127.0.0.1]:tcp:8081", "[10.0.2.110]:tcp:80", false},
      {"rs_tcp_up", T::kTcp, true, "", "[127.0.0.1]:tcp:8081", "[10.0.2.110]:tcp:80", true},
      {"rs_http_down", T::kHttp, false, "", "[127.0.0.1]:tcp:8087", "[10.0.2.112]:tcp:80", false},
      {"rs_http_up", T::kHttp, true, "", "[127.0.0.1]:tcp:8087", "[10.0.2.112]:tcp:80", true},
      {"rs_smtp_down", T::kSmtp, false,
       "CHECK failed on service : Could not connect to server [127.0.0.1]:2525",
       "[127.0.0.1]:tcp:2525", "[10.0.2.112]:tcp:80", false},
      {"rs_smtp_up", T::kSmtp, true, "", "[127.0.0.1]:tcp:2525", "[10.0.2.112]:tcp:80", true},
      {"rs_misc_down", T::kMisc, false, "", "[127.0.0.1]:tcp:8083", "[10.0.2.111]:tcp:80", false},
      // The MISC_CHECK of a real server whose TCP_CHECK still fails: "succeeded", but DOWN.
      {"rs_misc_up_while_down", T::kMisc, true, "", "[127.0.0.1]:tcp:8083", "[10.0.2.111]:tcp:80",
       false},
      {"rs_misc_timeout", T::kMisc, false, "MISC CHECK timed out on service",
       "[127.0.0.1]:tcp:8083", "[10.0.2.111]:tcp:80", false},
      {"rs_dns_up", T::kDns, true, "", "[10.0.2.2]:tcp:5053", "[10.0.2.112]:tcp:80", true},
      {"rs_dns_down", T::kDns, false, "", "[10.0.2.2]:tcp:5053", "[10.0.2.112]:tcp:80", false},
      {"rs_udp_up", T::kUdp, true, "", "[10.0.2.2]:tcp:5001", "[10.0.2.112]:tcp:80", true},
      {"rs_udp_down", T::kUdp, false, "", "[10.0.2.2]:tcp:5001", "[10.0.2.112]:tcp:80", false},
      {"rs_ping_up", T::kPing, true, "", "[10.0.2.50]:tcp:1", "[10.0.2.112]:tcp:80", true},
      {"rs_ping_down", T::kPing, false, "", "[10.0.2.50]:tcp:1", "[10.0.2.112]:tcp:80", false},
  };
  for (const RsCase& k : cases) {
    const std::string c = captured(k.capture);
    const auto text = checker_mail_text(k.type, k.ok, k.alert);
    ASSERT_TRUE(text) << k.capture;
    EXPECT_EQ(
        sent(c, "kad@example.net", kOne, real_server_mail("LVS_DEVEL", k.rs, k.vs, k.alive, *text)),
        c)
        << k.capture;
  }
}

TEST(SmtpMessage, FileCheckNeverMails) {
  // keepalived sends nothing when a FILE_CHECK's tracked file takes a real server down or up.
  EXPECT_FALSE(checker_mail_text(config::CheckerType::kFile, false, ""));
  EXPECT_FALSE(checker_mail_text(config::CheckerType::kFile, true, ""));
}

TEST(SmtpMessage, SslGetSaysWhatHttpGetSays) {
  EXPECT_EQ(checker_mail_text(config::CheckerType::kSsl, false, ""),
            "CHECK failed on service : HTTP request failed");
  EXPECT_EQ(checker_mail_text(config::CheckerType::kSsl, true, ""), "CHECK succeed on service");
}

TEST(SmtpMessage, DateInLocalTimeWithOffset) {
  std::tm t{};
  t.tm_year = 2026 - 1900;
  t.tm_mon = 11;
  t.tm_mday = 7;
  t.tm_wday = 1;
  t.tm_hour = 2;
  t.tm_min = 16;
  t.tm_sec = 52;
  // keepalived under TZ=Europe/Berlin wrote "Mon, 07 Dec 2026 02:16:52 +0100".
  EXPECT_EQ(mail_date(t, 3600), "Mon, 07 Dec 2026 02:16:52 +0100");
  EXPECT_EQ(mail_date(t, -(3 * 3600 + 30 * 60)), "Mon, 07 Dec 2026 02:16:52 -0330");
  t.tm_mday = 1;
  t.tm_mon = 0;
  t.tm_wday = 4;
  EXPECT_EQ(mail_date(t, 0), "Thu, 01 Jan 2026 02:16:52 +0000");
}

TEST(SmtpMessage, HeaderValuesCannotBreakLines) {
  MailText text{"[R1] VRRP Instance A\r\nBcc: x - Entering MASTER state", "=> b <="};
  const std::string m = format_mail("D", "f@x", {"t@x"}, text);
  EXPECT_EQ(m.find("\r\nBcc:"), std::string::npos) << m;
  EXPECT_NE(m.find("Subject: [R1] VRRP Instance A  Bcc: x"), std::string::npos) << m;
}

TEST(SmtpMessage, DefaultSenderIsUserAtHost) {
  const std::string from = default_mail_from();
  EXPECT_EQ(from.substr(from.find('@') + 1), local_host_name());
  EXPECT_GT(from.find('@'), 0u);
}

}  // namespace
}  // namespace vigil::daemon
