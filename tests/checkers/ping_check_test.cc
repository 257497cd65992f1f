#include "checkers/ping_check.h"

#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>

#include "core/asio_clock.h"
#include "tests/checkers/run_probe.h"

namespace vigil::checkers {
namespace {

namespace ip = boost::asio::ip;

class PingCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    checker_.type = config::CheckerType::kPing;
    checker_.connection.emplace();
    checker_.connection->connect_timeout = std::chrono::seconds(2);
    checker_.details = config::PingCheck{};
  }

  CheckResult probe(const char* address) {
    rs_.address = ip::make_address(address);
    std::string why;
    auto check = make_ping_check(checker_, rs_, vs_, context_, &why);
    EXPECT_TRUE(check) << why;
    if (!check) return {};
    auto r = testing::run_probe(io_, *check);
    EXPECT_TRUE(r);
    return r.value_or(CheckResult{});
  }

  // Neither an ICMP datagram socket (net.ipv4.ping_group_range) nor a raw socket (CAP_NET_RAW)
  // is available to an unprivileged user outside the group range.
  static bool can_ping(int family, int protocol) {
    for (int type : {SOCK_DGRAM, SOCK_RAW}) {
      const int fd = ::socket(family, type, protocol);
      if (fd >= 0) {
        ::close(fd);
        return true;
      }
    }
    return false;
  }

  boost::asio::io_context io_;
  core::AsioClock clock_{io_};
  core::ProcessRunner runner_{io_, clock_};
  CheckContext context_{io_, runner_, core::ScriptDefaults{}, nullptr};
  config::VirtualServer vs_;
  config::RealServer rs_;
  config::Checker checker_;
};

TEST_F(PingCheckTest, LoopbackV4Answers) {
  if (!can_ping(AF_INET, IPPROTO_ICMP)) GTEST_SKIP() << "no ICMP socket for this user";
  auto r = probe("127.0.0.1");
  EXPECT_TRUE(r.ok) << r.reason;
}

TEST_F(PingCheckTest, LoopbackV6Answers) {
  if (!can_ping(AF_INET6, IPPROTO_ICMPV6)) GTEST_SKIP() << "no ICMPv6 socket for this user";
  auto r = probe("::1");
  EXPECT_TRUE(r.ok) << r.reason;
}

TEST_F(PingCheckTest, BindToLoopbackAddress) {
  if (!can_ping(AF_INET, IPPROTO_ICMP)) GTEST_SKIP() << "no ICMP socket for this user";
  checker_.connection->bindto = ip::make_address("127.0.0.1");
  auto r = probe("127.0.0.1");
  EXPECT_TRUE(r.ok) << r.reason;
}

// With our group outside net.ipv4.ping_group_range the datagram socket is refused and the check
// falls back to a raw socket. The sysctl is per network namespace: the probe runs in a child
// process inside a namespace of its own, so the host's setting is never touched.
TEST(PingCheckRawFallback, PingsWhenDatagramSocketsAreRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (network namespace, raw socket)";
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // Exit codes: 0 pass, 1 probe failed, 2 the datagram socket was not refused, 3 setup.
    if (::unshare(CLONE_NEWNET) != 0) ::_exit(3);
    if (std::FILE* f = std::fopen("/proc/sys/net/ipv4/ping_group_range", "w")) {
      std::fputs("1 0\n", f);
      std::fclose(f);
    } else {
      ::_exit(3);
    }
    if (std::system("ip link set lo up") != 0) ::_exit(3);
    const int dgram = ::socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
    if (dgram >= 0) ::_exit(2);
    int status = 0;
    for (const char* address : {"127.0.0.1", "::1"}) {
      boost::asio::io_context io;
      core::AsioClock clock(io);
      core::ProcessRunner runner(io, clock);
      CheckContext context{io, runner, core::ScriptDefaults{}, nullptr};
      config::Checker checker;
      checker.type = config::CheckerType::kPing;
      checker.connection.emplace();
      checker.connection->connect_timeout = std::chrono::seconds(2);
      checker.details = config::PingCheck{};
      config::RealServer rs;
      rs.address = ip::make_address(address);
      config::VirtualServer vs;
      std::string why;
      auto check = make_ping_check(checker, rs, vs, context, &why);
      auto r = check ? testing::run_probe(io, *check) : std::nullopt;
      if (!r || !r->ok) {
        std::fprintf(stderr, "%s: %s\n", address, r ? r->reason.c_str() : "no result");
        status = 1;
      }
    }
    ::_exit(status);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  if (WEXITSTATUS(status) == 3) GTEST_SKIP() << "cannot set up a network namespace";
  EXPECT_NE(WEXITSTATUS(status), 2) << "datagram ICMP socket not refused";
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

// A namespace whose loopback is down has no route anywhere: the probe fails (it never passes on
// silence).
TEST(PingCheckUnreachable, FailsWithoutARoute) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (network namespace)";
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (::unshare(CLONE_NEWNET) != 0) ::_exit(3);
    boost::asio::io_context io;
    core::AsioClock clock(io);
    core::ProcessRunner runner(io, clock);
    CheckContext context{io, runner, core::ScriptDefaults{}, nullptr};
    config::Checker checker;
    checker.type = config::CheckerType::kPing;
    checker.connection.emplace();
    checker.connection->connect_timeout = std::chrono::milliseconds(300);
    checker.details = config::PingCheck{};
    config::RealServer rs;
    rs.address = ip::make_address("127.0.0.1");
    config::VirtualServer vs;
    std::string why;
    auto check = make_ping_check(checker, rs, vs, context, &why);
    auto r = check ? testing::run_probe(io, *check) : std::nullopt;
    ::_exit(r && !r->ok && !r->reason.empty() ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  if (WEXITSTATUS(status) == 3) GTEST_SKIP() << "cannot set up a network namespace";
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace vigil::checkers
