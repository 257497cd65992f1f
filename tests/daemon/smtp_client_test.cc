#include "daemon/smtp_client.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include "tests/common/run_awaitable.h"
#include "tests/daemon/fake_smtp_server.h"

namespace vigil::daemon {
namespace {

using testing::ScriptedSmtpServer;
using testing::SmtpStep;
using Then = SmtpStep::Then;
using config::SmtpStartTls;

const std::string kMessage =
    "Subject: [R1] VRRP Instance VI_1 - Entering MASTER state\r\n\r\n.dotted line\r\n\r\n";

Mail mail(std::vector<std::string> to = {"ops@example.org"}) {
  return Mail{"vigil@example.net", std::move(to), kMessage};
}

// `head` (the greeting's answer, STARTTLS, AUTH, ...), then one mail to ops@example.org and QUIT.
std::vector<SmtpStep> then_one_mail(std::vector<SmtpStep> head) {
  const std::vector<SmtpStep> tail = {{"MAIL FROM:<vigil@example.net>\r\n", "250 ok\r\n"},
                                      {"RCPT TO:<ops@example.org>\r\n", "250 ok\r\n"},
                                      {"DATA\r\n", "354 go\r\n"},
                                      {"<data>", "250 queued\r\n"},
                                      {"QUIT\r\n", "221 bye\r\n"}};
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

// A whole plain session: EHLO, MAIL, RCPT, DATA with dot-stuffing, QUIT.
std::vector<SmtpStep> plain_delivery() {
  return then_one_mail({{"EHLO director.test\r\n", "250-mx.test\r\n250 8BITMIME\r\n"}});
}

class SmtpClientTest : public ::testing::Test {
 protected:
  SmtpClientSettings settings(std::uint16_t port) {
    SmtpClientSettings s;
    s.server = "127.0.0.1";
    s.port = port;
    s.helo_name = "director.test";
    s.step_timeout = std::chrono::seconds(5);
    s.starttls = SmtpStartTls::kOff;
    return s;
  }

  SmtpSessionResult send(const SmtpClientSettings& s, const std::vector<Mail>& mails) {
    std::optional<SmtpSessionResult> out = test_support::run_awaitable(io_, smtp_send(s, mails));
    EXPECT_TRUE(out) << "smtp_send threw or did not end";
    // Let the server see the client's last bytes and its close.
    for (int i = 0; i < 20; ++i) {
      io_.restart();
      io_.poll();
    }
    return out.value_or(SmtpSessionResult{});
  }

  // A TLS context of a fresh self-signed certificate (server side) and its directory.
  std::shared_ptr<boost::asio::ssl::context> server_tls() {
    dir_ = std::filesystem::temp_directory_path() / ("vigil-smtp-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    if (!testing::make_test_certificate(dir_)) return nullptr;
    return testing::server_tls_context(dir_);
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // Alice's credentials over a connection without TLS (smtp_starttls off): authenticated, the
  // mail delivered, the script followed.
  void delivers_with_auth(const ScriptedSmtpServer& server) {
    auto s = settings(server.port());
    s.auth = SmtpCredentials{"alice", "s3cret"};
    const auto r = send(s, {mail()});
    EXPECT_TRUE(r.authenticated) << r.error;
    EXPECT_TRUE(r.mails.at(0).delivered);
    EXPECT_TRUE(server.mismatches().empty()) << server.mismatches()[0];
  }

  // STARTTLS required and verified, to a scripted server with the test certificate (`tls`)
  // reached as `server`, trusting `ca_file` ("": the system's store).
  SmtpSessionResult verified_starttls(std::shared_ptr<boost::asio::ssl::context> tls,
                                      const std::string& server, const std::string& ca_file) {
    std::vector<SmtpStep> steps = plain_delivery();
    steps.insert(steps.begin(), {{"EHLO", "250-mx.test\r\n250 STARTTLS\r\n"},
                                 {"STARTTLS\r\n", "220 go ahead\r\n", Then::kStartTls}});
    ScriptedSmtpServer scripted(io_, "220 mx.test\r\n", steps, std::move(tls));
    auto s = settings(scripted.port());
    s.server = server;
    s.starttls = SmtpStartTls::kRequired;
    s.verify = true;
    std::string why;
    s.tls = make_smtp_tls_context(true, ca_file, &why);
    EXPECT_TRUE(s.tls) << why;
    return send(s, {mail()});
  }

  boost::asio::io_context io_;
  std::filesystem::path dir_;
};

TEST_F(SmtpClientTest, DeliversAMail) {
  ScriptedSmtpServer server(io_, "220 mx.test ESMTP\r\n", plain_delivery());
  const auto r = send(settings(server.port()), {mail()});
  EXPECT_TRUE(r.error.empty()) << r.error;
  ASSERT_EQ(r.mails.size(), 1u);
  EXPECT_TRUE(r.mails[0].delivered) << r.mails[0].error;
  EXPECT_FALSE(r.tls);
  EXPECT_TRUE(server.mismatches().empty()) << server.mismatches()[0];
  ASSERT_EQ(server.received().size(), 6u);
  // RFC 5321 4.5.2: the line starting with '.' went out as "..".
  EXPECT_EQ(server.received()[4],
            "Subject: [R1] VRRP Instance VI_1 - Entering MASTER state\r\n\r\n..dotted "
            "line\r\n\r\n.\r\n");
}

TEST_F(SmtpClientTest, NameIsResolved) {
  ScriptedSmtpServer server(io_, "220 mx.test ESMTP\r\n", plain_delivery());
  auto s = settings(server.port());
  s.server = "localhost";  // may resolve to ::1 first, which refuses; 127.0.0.1 is tried next
  const auto r = send(s, {mail()});
  EXPECT_TRUE(r.error.empty()) << r.error;
  EXPECT_TRUE(r.mails.at(0).delivered);
}

TEST_F(SmtpClientTest, UnknownNameFails) {
  auto s = settings(25);
  s.server = "no-such-host.invalid";
  const auto r = send(s, {mail()});
  EXPECT_EQ(r.error.rfind("resolve no-such-host.invalid: ", 0), 0u) << r.error;
  EXPECT_FALSE(r.mails.at(0).delivered);
  EXPECT_EQ(r.mails[0].error, r.error);
}

TEST_F(SmtpClientTest, RefusedConnection) {
  std::uint16_t port;
  {
    testing::tcp::acceptor a(io_, {boost::asio::ip::make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }
  const auto r = send(settings(port), {mail()});
  EXPECT_EQ(r.error.rfind("connect to 127.0.0.1 port " + std::to_string(port) + ": ", 0), 0u)
      << r.error;
  EXPECT_NE(r.error.find("refused"), std::string::npos) << r.error;
}

TEST_F(SmtpClientTest, GreetingErrorEndsTheSession) {
  ScriptedSmtpServer server(io_, "554 no service here\r\n", {});
  const auto r = send(settings(server.port()), {mail(), mail()});
  EXPECT_EQ(r.error, "greeting: 554 no service here");
  ASSERT_EQ(r.mails.size(), 2u);
  EXPECT_FALSE(r.mails[0].delivered);
  EXPECT_FALSE(r.mails[1].delivered);
  EXPECT_TRUE(server.received().empty());
}

TEST_F(SmtpClientTest, MultiLineGreeting) {
  ScriptedSmtpServer server(io_, "220-mx.test\r\n220 ready\r\n", plain_delivery());
  const auto r = send(settings(server.port()), {mail()});
  EXPECT_TRUE(r.mails.at(0).delivered) << r.error;
}

TEST_F(SmtpClientTest, EhloRejectedFallsBackToHelo) {
  ScriptedSmtpServer server(
      io_, "220 old.test SMTP\r\n",
      then_one_mail({{"EHLO director.test\r\n", "502 command not implemented\r\n"},
                     {"HELO director.test\r\n", "250 old.test\r\n"}}));
  const auto r = send(settings(server.port()), {mail()});
  EXPECT_TRUE(r.mails.at(0).delivered) << r.error;
  EXPECT_TRUE(server.mismatches().empty()) << server.mismatches()[0];
}

TEST_F(SmtpClientTest, EhloTransientErrorIsNotRetriedAsHelo) {
  ScriptedSmtpServer server(io_, "220 mx.test\r\n",
                            {{"EHLO", "421 shutting down\r\n", Then::kClose}});
  const auto r = send(settings(server.port()), {mail()});
  EXPECT_EQ(r.error, "EHLO: 421 shutting down");
  EXPECT_EQ(server.received().size(), 1u);
}

TEST_F(SmtpClientTest, SilentServerTimesOut) {
  ScriptedSmtpServer server(io_, "220 mx.test\r\n", {{"EHLO", "", Then::kSilent}});
  auto s = settings(server.port());
  s.step_timeout = std::chrono::milliseconds(200);
  const auto r = send(s, {mail()});
  EXPECT_EQ(r.error, "read EHLO reply: timeout");
  EXPECT_FALSE(r.mails.at(0).delivered);
}

TEST_F(SmtpClientTest, NoGreetingTimesOut) {
  ScriptedSmtpServer server(io_, "", {});
  auto s = settings(server.port());
  s.step_timeout = std::chrono::milliseconds(200);
  const auto r = send(s, {mail()});
  EXPECT_EQ(r.error, "read greeting: timeout");
}

TEST_F(SmtpClientTest, ClosedConnectionIsReported) {
  ScriptedSmtpServer server(io_, "220 mx.test\r\n",
                            {{"EHLO", "250 mx.test\r\n"}, {"MAIL FROM:", "", Then::kClose}});
  const auto r = send(settings(server.port()), {mail()});
  EXPECT_EQ(r.error, "read MAIL FROM reply: connection closed");
}

TEST_F(SmtpClientTest, RefusedMailIsResetAndTheNextOneGoes) {
  ScriptedSmtpServer server(io_, "220 mx.test\r\n",
                            {{"EHLO", "250 mx.test\r\n"},
                             {"MAIL FROM:", "250 ok\r\n"},
                             {"RCPT TO:<bad@example.org>", "550 5.1.1 no such user\r\n"},
                             {"RSET\r\n", "250 ok\r\n"},
                             {"MAIL FROM:", "250 ok\r\n"},
                             {"RCPT TO:<ops@example.org>", "250 ok\r\n"},
                             {"DATA", "354 go\r\n"},
                             {"<data>", "451 4.3.0 try later\r\n"},
                             {"RSET\r\n", "250 ok\r\n"},
                             {"MAIL FROM:", "250 ok\r\n"},
                             {"RCPT TO:<ops@example.org>", "250 ok\r\n"},
                             {"DATA", "354 go\r\n"},
                             {"<data>", "250 queued\r\n"},
                             {"QUIT", "221 bye\r\n"}});
  const auto r = send(settings(server.port()), {mail({"bad@example.org"}), mail(), mail()});
  EXPECT_TRUE(r.error.empty()) << r.error;
  ASSERT_EQ(r.mails.size(), 3u);
  EXPECT_FALSE(r.mails[0].delivered);
  EXPECT_EQ(r.mails[0].error, "RCPT TO:<bad@example.org>: 550 5.1.1 no such user");
  EXPECT_FALSE(r.mails[1].delivered);
  EXPECT_EQ(r.mails[1].error, "message: 451 4.3.0 try later");
  EXPECT_TRUE(r.mails[2].delivered);
  EXPECT_TRUE(server.mismatches().empty()) << server.mismatches()[0];
}

TEST_F(SmtpClientTest, OneRecipientRefusedTheOtherGetsIt) {
  ScriptedSmtpServer server(io_, "220 mx.test\r\n",
                            {{"EHLO", "250 mx.test\r\n"},
                             {"MAIL FROM:", "250 ok\r\n"},
                             {"RCPT TO:<bad@example.org>", "550 no such user\r\n"},
                             {"RCPT TO:<ops@example.org>", "250 ok\r\n"},
                             {"DATA", "354 go\r\n"},
                             {"<data>", "250 queued\r\n"},
                             {"QUIT", "221 bye\r\n"}});
  const auto r = send(settings(server.port()), {mail({"bad@example.org", "ops@example.org"})});
  ASSERT_EQ(r.mails.size(), 1u);
  EXPECT_TRUE(r.mails[0].delivered);
  EXPECT_EQ(r.mails[0].error, "RCPT TO:<bad@example.org>: 550 no such user");
}

TEST_F(SmtpClientTest, MailFromRefused) {
  ScriptedSmtpServer server(io_, "220 mx.test\r\n",
                            {{"EHLO", "250 mx.test\r\n"},
                             {"MAIL FROM:", "553 sender rejected\r\n"},
                             {"RSET", "250 ok\r\n"},
                             {"QUIT", "221 bye\r\n"}});
  const auto r = send(settings(server.port()), {mail()});
  EXPECT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.mails.at(0).error, "MAIL FROM: 553 sender rejected");
}

TEST_F(SmtpClientTest, StartTlsRequiredButNotOffered) {
  ScriptedSmtpServer server(io_, "220 mx.test\r\n", {{"EHLO", "250 mx.test\r\n"}});
  auto s = settings(server.port());
  s.starttls = SmtpStartTls::kRequired;
  s.tls = make_smtp_tls_context(false, "", nullptr);
  const auto r = send(s, {mail()});
  EXPECT_EQ(r.error, "the server does not offer STARTTLS (smtp_starttls required)");
  EXPECT_EQ(server.received().size(), 1u);  // no MAIL went out in clear text
}

TEST_F(SmtpClientTest, OpportunisticWithoutStartTlsSendsInClear) {
  ScriptedSmtpServer server(io_, "220 mx.test ESMTP\r\n", plain_delivery());
  auto s = settings(server.port());
  s.starttls = SmtpStartTls::kOpportunistic;
  s.tls = make_smtp_tls_context(false, "", nullptr);
  const auto r = send(s, {mail()});
  EXPECT_TRUE(r.mails.at(0).delivered) << r.error;
  EXPECT_FALSE(r.tls);
}

TEST_F(SmtpClientTest, CredentialsAreNotSentInClearText) {
  ScriptedSmtpServer server(io_, "220 mx.test\r\n",
                            {{"EHLO", "250-mx.test\r\n250 AUTH PLAIN LOGIN\r\n"}});
  auto s = settings(server.port());
  s.starttls = SmtpStartTls::kOpportunistic;
  s.tls = make_smtp_tls_context(false, "", nullptr);
  s.auth = SmtpCredentials{"alice", "s3cret"};
  const auto r = send(s, {mail()});
  EXPECT_NE(r.error.find("refusing to send the SMTP password without TLS"), std::string::npos)
      << r.error;
  EXPECT_EQ(server.received().size(), 1u);
}

TEST_F(SmtpClientTest, AuthPlainWhenTlsIsOffOnPurpose) {
  ScriptedSmtpServer server(io_, "220 mx.test\r\n",
                            then_one_mail({{"EHLO", "250-mx.test\r\n250 AUTH LOGIN PLAIN\r\n"},
                                           // base64("\0alice\0s3cret")
                                           {"AUTH PLAIN AGFsaWNlAHMzY3JldA==\r\n", "235 ok\r\n"}}));
  delivers_with_auth(server);
}

TEST_F(SmtpClientTest, AuthLogin) {
  ScriptedSmtpServer server(io_, "220 mx.test\r\n",
                            then_one_mail({{"EHLO", "250-mx.test\r\n250 AUTH=LOGIN\r\n"},
                                           {"AUTH LOGIN\r\n", "334 VXNlcm5hbWU6\r\n"},
                                           {"YWxpY2U=\r\n", "334 UGFzc3dvcmQ6\r\n"},
                                           {"czNjcmV0\r\n", "235 ok\r\n"}}));
  delivers_with_auth(server);
}

TEST_F(SmtpClientTest, AuthRejected) {
  ScriptedSmtpServer server(io_, "220 mx.test\r\n",
                            {{"EHLO", "250-mx.test\r\n250 AUTH PLAIN\r\n"},
                             {"AUTH PLAIN", "535 5.7.8 authentication failed\r\n"}});
  auto s = settings(server.port());
  s.auth = SmtpCredentials{"alice", "wrong"};
  const auto r = send(s, {mail()});
  EXPECT_EQ(r.error, "AUTH PLAIN: 535 5.7.8 authentication failed");
  EXPECT_FALSE(r.mails.at(0).delivered);
}

TEST_F(SmtpClientTest, NoAuthMechanismWeKnow) {
  ScriptedSmtpServer server(io_, "220 mx.test\r\n",
                            {{"EHLO", "250-mx.test\r\n250 AUTH CRAM-MD5\r\n"}});
  auto s = settings(server.port());
  s.auth = SmtpCredentials{"alice", "s3cret"};
  const auto r = send(s, {mail()});
  EXPECT_EQ(r.error, "the server offers neither AUTH PLAIN nor AUTH LOGIN");
}

TEST_F(SmtpClientTest, StartTlsThenEhloAgainThenAuth) {
  auto tls = server_tls();
  if (!tls) GTEST_SKIP() << "no openssl command to make a test certificate";
  ScriptedSmtpServer server(
      io_, "220 mx.test ESMTP\r\n",
      then_one_mail({{"EHLO director.test\r\n", "250-mx.test\r\n250 STARTTLS\r\n"},
                     {"STARTTLS\r\n", "220 go ahead\r\n", Then::kStartTls},
                     {"EHLO director.test\r\n", "250-mx.test\r\n250 AUTH PLAIN\r\n"},
                     {"AUTH PLAIN AGFsaWNlAHMzY3JldA==\r\n", "235 ok\r\n"}}),
      tls);
  auto s = settings(server.port());
  s.starttls = SmtpStartTls::kOpportunistic;
  s.tls = make_smtp_tls_context(false, "", nullptr);
  s.auth = SmtpCredentials{"alice", "s3cret"};
  const auto r = send(s, {mail()});
  EXPECT_TRUE(r.error.empty()) << r.error;
  EXPECT_TRUE(r.tls);
  EXPECT_TRUE(r.authenticated);
  EXPECT_TRUE(server.tls_used());
  EXPECT_TRUE(r.mails.at(0).delivered);
  EXPECT_TRUE(server.mismatches().empty()) << server.mismatches()[0];
}

TEST_F(SmtpClientTest, VerifiedCertificateWithTheRightName) {
  auto tls = server_tls();
  if (!tls) GTEST_SKIP() << "no openssl command to make a test certificate";
  // 127.0.0.1 is in the certificate's subjectAltName.
  const auto r = verified_starttls(tls, "127.0.0.1", (dir_ / "cert.pem").string());
  EXPECT_TRUE(r.error.empty()) << r.error;
  EXPECT_TRUE(r.tls);
  EXPECT_TRUE(r.mails.at(0).delivered);
}

TEST_F(SmtpClientTest, UntrustedCertificateIsRefused) {
  auto tls = server_tls();
  if (!tls) GTEST_SKIP() << "no openssl command to make a test certificate";
  // The system's CA store does not know the test certificate.
  const auto r = verified_starttls(tls, "127.0.0.1", "");
  EXPECT_EQ(r.error.rfind("TLS handshake: certificate verify failed", 0), 0u) << r.error;
  EXPECT_FALSE(r.mails.at(0).delivered);
}

TEST_F(SmtpClientTest, WrongNameIsRefused) {
  auto tls = server_tls();
  if (!tls) GTEST_SKIP() << "no openssl command to make a test certificate";
  // Reaches the listener, but the certificate names mx.test and 127.0.0.1 only.
  const auto r = verified_starttls(tls, "localhost", (dir_ / "cert.pem").string());
  EXPECT_EQ(r.error, "TLS handshake: certificate verify failed: hostname mismatch");
  EXPECT_FALSE(r.mails.at(0).delivered);
}

TEST_F(SmtpClientTest, BytesAfterStartTlsReplyEndTheSession) {
  auto tls = server_tls();
  if (!tls) GTEST_SKIP() << "no openssl command to make a test certificate";
  // A man in the middle appends a reply in clear text after "220" (CVE-2011-0411 style).
  ScriptedSmtpServer server(io_, "220 mx.test\r\n",
                            {{"EHLO", "250-mx.test\r\n250 STARTTLS\r\n"},
                             {"STARTTLS\r\n", "220 go ahead\r\n250 injected\r\n"}},
                            tls);
  auto s = settings(server.port());
  s.starttls = SmtpStartTls::kOpportunistic;
  s.tls = make_smtp_tls_context(false, "", nullptr);
  const auto r = send(s, {mail()});
  EXPECT_EQ(r.error, "the server sent data after its STARTTLS reply");
}

TEST(Base64, Rfc4648Vectors) {
  EXPECT_EQ(base64(""), "");
  EXPECT_EQ(base64("f"), "Zg==");
  EXPECT_EQ(base64("fo"), "Zm8=");
  EXPECT_EQ(base64("foo"), "Zm9v");
  EXPECT_EQ(base64("foobar"), "Zm9vYmFy");
}

}  // namespace
}  // namespace vigil::daemon
