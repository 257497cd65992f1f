#include "checkers/smtp_check.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "core/asio_clock.h"
#include "tests/checkers/run_probe.h"

namespace vigil::checkers {
namespace {

namespace ip = boost::asio::ip;
using boost::asio::as_tuple;
using boost::asio::use_awaitable;

// A scripted SMTP server for one connection: sends `greeting`, then answers each command line
// with the next entry of `replies` and records the commands.
class Responder {
 public:
  Responder(boost::asio::io_context& io, std::string greeting, std::vector<std::string> replies)
      : acceptor_(io, ip::tcp::endpoint(ip::make_address("127.0.0.1"), 0)),
        greeting_(std::move(greeting)),
        replies_(std::move(replies)) {
    boost::asio::co_spawn(io, serve(), boost::asio::detached);
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  const std::vector<std::string>& commands() const { return commands_; }

 private:
  boost::asio::awaitable<void> serve() {
    auto [ec, socket] = co_await acceptor_.async_accept(as_tuple(use_awaitable));
    if (ec) co_return;
    if (!greeting_.empty()) {
      co_await boost::asio::async_write(socket, boost::asio::buffer(greeting_),
                                        as_tuple(use_awaitable));
    }
    std::string buffer;
    for (const std::string& reply : replies_) {
      auto [rec, n] = co_await boost::asio::async_read_until(
          socket, boost::asio::dynamic_buffer(buffer), "\r\n", as_tuple(use_awaitable));
      if (rec) co_return;
      commands_.push_back(buffer.substr(0, n));
      buffer.erase(0, n);
      co_await boost::asio::async_write(socket, boost::asio::buffer(reply),
                                        as_tuple(use_awaitable));
    }
    // Keep the connection open until the client closes it.
    co_await boost::asio::async_read_until(socket, boost::asio::dynamic_buffer(buffer), "\n",
                                           as_tuple(use_awaitable));
  }

  ip::tcp::acceptor acceptor_;
  std::string greeting_;
  std::vector<std::string> replies_;
  std::vector<std::string> commands_;
};

class SmtpCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    rs_.address = ip::make_address("127.0.0.1");
    checker_.type = config::CheckerType::kSmtp;
    checker_.connection.emplace();
    checker_.connection->connect_timeout = std::chrono::seconds(1);
    config::SmtpCheck smtp;
    smtp.helo_name = "checker.test";
    checker_.details = smtp;
  }

  CheckResult probe(std::uint16_t port, std::chrono::seconds limit = std::chrono::seconds(60)) {
    rs_.port = port;
    std::string why;
    auto check = make_smtp_check(checker_, rs_, vs_, context_, &why);
    EXPECT_TRUE(check) << why;
    if (!check) return {};
    auto r = testing::run_probe(io_, *check, limit);
    EXPECT_TRUE(r);
    return r.value_or(CheckResult{});
  }

  boost::asio::io_context io_;
  core::AsioClock clock_{io_};
  core::ProcessRunner runner_{io_, clock_};
  CheckContext context_{io_, runner_, core::ScriptDefaults{}, nullptr};
  config::VirtualServer vs_;
  config::RealServer rs_;
  config::Checker checker_;
};

TEST_F(SmtpCheckTest, HeloAndQuit) {
  Responder server(io_, "220-mail.test ESMTP\r\n220 ready\r\n",
                   {"250 mail.test\r\n", "221 bye\r\n"});
  auto r = probe(server.port());
  EXPECT_TRUE(r.ok) << r.reason;
  ASSERT_EQ(server.commands().size(), 2u);
  EXPECT_EQ(server.commands()[0], "HELO checker.test\r\n");
  EXPECT_EQ(server.commands()[1], "QUIT\r\n");
}

TEST_F(SmtpCheckTest, RejectingGreetingFails) {
  Responder server(io_, "554 no service\r\n", {});
  auto r = probe(server.port());
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reason, "bad greeting: 554 no service");
  // keepalived's SMTP alert text for it.
  EXPECT_EQ(r.alert, "CHECK failed on service : Bad greeting banner from server [127.0.0.1]:" +
                         std::to_string(server.port()));
}

TEST_F(SmtpCheckTest, RejectedHeloFails) {
  Responder server(io_, "220 ready\r\n", {"501 syntax\r\n"});
  auto r = probe(server.port());
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reason, "bad HELO reply: 501 syntax");
  EXPECT_EQ(r.alert, "CHECK failed on service : Bad HELO response from server [127.0.0.1]:" +
                         std::to_string(server.port()));
}

TEST_F(SmtpCheckTest, AnyQuitReplyPasses) {
  // keepalived does not look at the code of the QUIT reply.
  Responder server(io_, "220 ready\r\n", {"250 ok\r\n", "500 whatever\r\n"});
  auto r = probe(server.port());
  EXPECT_TRUE(r.ok) << r.reason;
}

TEST_F(SmtpCheckTest, SilentServerTimesOut) {
  checker_.connection->connect_timeout = std::chrono::milliseconds(300);
  Responder server(io_, "", {});
  auto r = probe(server.port());
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reason, "read greeting: timeout after 300 ms");
  EXPECT_EQ(r.alert, "CHECK failed on service : Read timeout from server [127.0.0.1]:" +
                         std::to_string(server.port()));
}

TEST_F(SmtpCheckTest, ClosedPortIsRefused) {
  std::uint16_t port;
  {
    ip::tcp::acceptor a(io_, ip::tcp::endpoint(ip::make_address("127.0.0.1"), 0));
    port = a.local_endpoint().port();
  }
  auto r = probe(port);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.reason.find("connect"), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find("refused"), std::string::npos) << r.reason;
  EXPECT_EQ(r.alert, "CHECK failed on service : Could not connect to server [127.0.0.1]:" +
                         std::to_string(port));
}

TEST_F(SmtpCheckTest, ClosedBeforeQuitReplyIsAReadFailure) {
  // The server closes instead of answering QUIT (keepalived: "Read failure from server").
  Responder server(io_, "220 ready\r\n", {"250 ok\r\n"});
  auto r = probe(server.port());
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.alert, "CHECK failed on service : Read failure from server [127.0.0.1]:" +
                         std::to_string(server.port()));
}

// Against a real SMTP server: python3-aiosmtpd (scripts/install-deps.sh installs it).
TEST_F(SmtpCheckTest, Aiosmtpd) {
  if (::system("/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "python3-aiosmtpd is not installed";
  }
  std::uint16_t port;
  {
    ip::tcp::acceptor a(io_, ip::tcp::endpoint(ip::make_address("127.0.0.1"), 0));
    port = a.local_endpoint().port();
  }
  const std::string listen = "127.0.0.1:" + std::to_string(port);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::setpgid(0, 0);
    ::execl("/usr/bin/python3", "python3", "-m", "aiosmtpd", "-n", "-l", listen.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  struct Reaper {
    pid_t pid;
    ~Reaper() {
      ::kill(-pid, SIGKILL);
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  } reaper{pid};
  // Wait until it listens (the probe itself must not race the server's start-up).
  bool listening = false;
  for (int i = 0; i < 300 && !listening; ++i) {
    ip::tcp::socket s(io_);
    boost::system::error_code ec;
    s.connect(ip::tcp::endpoint(ip::make_address("127.0.0.1"), port), ec);
    listening = !ec;
    if (!listening) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(listening) << "aiosmtpd did not start";
  checker_.connection->connect_timeout = std::chrono::seconds(5);
  auto r = probe(port);
  EXPECT_TRUE(r.ok) << r.reason;
}

}  // namespace
}  // namespace vigil::checkers
