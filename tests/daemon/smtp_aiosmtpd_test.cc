// The SMTP client against a real SMTP server: Debian's python3-aiosmtpd (under /usr/bin/python3)
// through tests/integration/smtp_sink.py on loopback, plain, with STARTTLS (a self-signed
// certificate made here) and with AUTH.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "daemon/smtp_client.h"
#include "daemon/smtp_message.h"
#include "tests/common/run_awaitable.h"
#include "tests/daemon/fake_smtp_server.h"

namespace vigil::daemon {
namespace {

namespace fs = std::filesystem;
using config::SmtpStartTls;

bool have_aiosmtpd() {
  return std::system("/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1") == 0;
}

class AiosmtpdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_aiosmtpd()) GTEST_SKIP() << "python3-aiosmtpd is not installed";
    dir_ = fs::temp_directory_path() / ("vigil-aiosmtpd-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    testing::tcp::acceptor a(io_, {boost::asio::ip::make_address("127.0.0.1"), 0});
    port_ = a.local_endpoint().port();
  }
  void TearDown() override {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  // Starts the sink with `extra` arguments; false when it did not come up.
  bool start_sink(std::vector<std::string> extra) {
    std::vector<std::string> args = {
        "/usr/bin/python3",
        std::string(VIGIL_SOURCE_DIR) + "/tests/integration/smtp_sink.py",
        "--listen",
        "127.0.0.1:" + std::to_string(port_),
        "--out",
        (dir_ / "mails.jsonl").string(),
        "--ready",
        (dir_ / "ready").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    pid_ = ::fork();
    if (pid_ < 0) return false;
    if (pid_ == 0) {
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      const std::string log = (dir_ / "sink.log").string();
      FILE* out = std::freopen(log.c_str(), "w", stderr);
      (void)out;
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    for (int i = 0; i < 200; ++i) {
      if (fs::exists(dir_ / "ready")) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  std::vector<nlohmann::json> mails() {
    std::vector<nlohmann::json> out;
    std::ifstream in(dir_ / "mails.jsonl");
    std::string line;
    while (std::getline(in, line)) out.push_back(nlohmann::json::parse(line));
    return out;
  }

  SmtpClientSettings settings() {
    SmtpClientSettings s;
    s.server = "127.0.0.1";
    s.port = port_;
    s.helo_name = "director.test";
    s.step_timeout = std::chrono::seconds(10);
    return s;
  }

  SmtpSessionResult send(const SmtpClientSettings& s, const std::vector<Mail>& mails) {
    std::optional<SmtpSessionResult> out = test_support::run_awaitable(io_, smtp_send(s, mails));
    EXPECT_TRUE(out) << "smtp_send threw or did not end";
    return out.value_or(SmtpSessionResult{});
  }

  Mail alert() {
    const std::string message = format_mail("Mon, 07 Dec 2026 01:16:16 +0000", "vigil@example.net",
                                            {"ops@example.org", "admin@example.com"},
                                            vrrp_instance_mail("LVS_DEVEL", "VI_1", "MASTER"));
    return Mail{"vigil@example.net", {"ops@example.org", "admin@example.com"}, message};
  }

  boost::asio::io_context io_;
  fs::path dir_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

TEST_F(AiosmtpdTest, PlainMailArrivesAsSent) {
  ASSERT_TRUE(start_sink({}));
  const Mail m = alert();
  const auto r = send(settings(), {m, m});
  EXPECT_TRUE(r.error.empty()) << r.error;
  EXPECT_FALSE(r.tls);
  const auto got = mails();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0]["from"], "vigil@example.net");
  EXPECT_EQ(got[0]["to"], nlohmann::json({"ops@example.org", "admin@example.com"}));
  EXPECT_EQ(got[0]["helo"], "director.test");
  EXPECT_EQ(got[0]["data"], m.message);
  EXPECT_EQ(got[1]["data"], m.message);
}

TEST_F(AiosmtpdTest, StartTlsWhenOffered) {
  if (!testing::make_test_certificate(dir_)) GTEST_SKIP() << "no openssl command";
  ASSERT_TRUE(start_sink({"--tls", (dir_ / "cert.pem").string(), (dir_ / "key.pem").string()}));
  auto s = settings();
  s.starttls = SmtpStartTls::kOpportunistic;
  s.tls = make_smtp_tls_context(false, "", nullptr);
  const auto r = send(s, {alert()});
  EXPECT_TRUE(r.error.empty()) << r.error;
  EXPECT_TRUE(r.tls);
  const auto got = mails();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]["tls"], true);
  EXPECT_EQ(got[0]["data"], alert().message);
}

TEST_F(AiosmtpdTest, RequiredStartTlsWithVerifiedCertificateAndAuth) {
  if (!testing::make_test_certificate(dir_)) GTEST_SKIP() << "no openssl command";
  ASSERT_TRUE(start_sink({"--tls", (dir_ / "cert.pem").string(), (dir_ / "key.pem").string(),
                          "--require-starttls", "--auth", "alice:s3cret"}));
  auto s = settings();
  s.starttls = SmtpStartTls::kRequired;
  s.verify = true;
  std::string why;
  s.tls = make_smtp_tls_context(true, (dir_ / "cert.pem").string(), &why);
  ASSERT_TRUE(s.tls) << why;
  s.auth = SmtpCredentials{"alice", "s3cret"};
  const auto r = send(s, {alert()});
  EXPECT_TRUE(r.error.empty()) << r.error;
  EXPECT_TRUE(r.tls);
  EXPECT_TRUE(r.authenticated);
  const auto got = mails();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]["tls"], true);
  EXPECT_EQ(got[0]["auth"], "alice");
}

TEST_F(AiosmtpdTest, WrongPasswordIsRefused) {
  if (!testing::make_test_certificate(dir_)) GTEST_SKIP() << "no openssl command";
  ASSERT_TRUE(start_sink({"--tls", (dir_ / "cert.pem").string(), (dir_ / "key.pem").string(),
                          "--auth", "alice:s3cret"}));
  auto s = settings();
  s.tls = make_smtp_tls_context(false, "", nullptr);
  s.auth = SmtpCredentials{"alice", "wrong"};
  const auto r = send(s, {alert()});
  EXPECT_EQ(r.error.rfind("AUTH PLAIN: 535", 0), 0u) << r.error;
  EXPECT_TRUE(mails().empty());
}

TEST_F(AiosmtpdTest, ServerWantsAuthButNoneConfigured) {
  if (!testing::make_test_certificate(dir_)) GTEST_SKIP() << "no openssl command";
  ASSERT_TRUE(start_sink({"--tls", (dir_ / "cert.pem").string(), (dir_ / "key.pem").string(),
                          "--auth", "alice:s3cret"}));
  auto s = settings();
  s.tls = make_smtp_tls_context(false, "", nullptr);
  const auto r = send(s, {alert()});
  EXPECT_TRUE(r.error.empty()) << r.error;
  ASSERT_EQ(r.mails.size(), 1u);
  EXPECT_FALSE(r.mails[0].delivered);
  EXPECT_EQ(r.mails[0].error.rfind("MAIL FROM: 530", 0), 0u) << r.mails[0].error;
}

}  // namespace
}  // namespace vigil::daemon
