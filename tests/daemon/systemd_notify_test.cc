// The systemd notification protocol against a real AF_UNIX datagram socket standing in for the
// service manager: what sd_notify_send puts on the wire, the environment systemd passes, and
// the watchdog pings driven by the event loop.
#include "daemon/systemd_notify.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include <boost/asio/io_context.hpp>

namespace vigil::daemon {
namespace {

// A bound datagram socket, as systemd's notify socket.
class FakeManager {
 public:
  explicit FakeManager(std::string address) : address_(std::move(address)) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::memcpy(a.sun_path, address_.data(), address_.size());
    if (a.sun_path[0] == '@') a.sun_path[0] = '\0';
    const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address_.size());
    bound_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&a), len) == 0;
  }
  ~FakeManager() {
    ::close(fd_);
    if (address_[0] == '/') ::unlink(address_.c_str());
  }
  bool bound() const { return bound_; }
  // The next datagram, or "" when none is waiting (non-blocking).
  std::string next() {
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof(buf), MSG_DONTWAIT);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
  }
  const std::string& address() const { return address_; }

 private:
  std::string address_;
  int fd_ = -1;
  bool bound_ = false;
};

std::string temp_socket_path() {
  return "/tmp/vigil-notify-test-" + std::to_string(::getpid()) + ".sock";
}

TEST(SdNotify, SendsOneDatagramToAPathSocket) {
  FakeManager manager(temp_socket_path());
  ASSERT_TRUE(manager.bound());
  EXPECT_FALSE(sd_notify_send(manager.address(), "READY=1\nSTATUS=up"));
  EXPECT_EQ(manager.next(), "READY=1\nSTATUS=up");
  EXPECT_EQ(manager.next(), "");
}

TEST(SdNotify, AbstractNamespaceSocket) {
  FakeManager manager("@vigil-notify-test-" + std::to_string(::getpid()));
  ASSERT_TRUE(manager.bound());
  EXPECT_FALSE(sd_notify_send(manager.address(), "WATCHDOG=1"));
  EXPECT_EQ(manager.next(), "WATCHDOG=1");
}

TEST(SdNotify, BadAddressesAreErrorsNotCrashes) {
  EXPECT_TRUE(sd_notify_send("relative/path", "READY=1"));
  EXPECT_TRUE(sd_notify_send("", "READY=1"));
  EXPECT_TRUE(sd_notify_send("/nonexistent/dir/notify.sock", "READY=1"));
  EXPECT_TRUE(sd_notify_send("/" + std::string(200, 'x'), "READY=1"));
}

TEST(SystemdEnvironment, TakesAndClearsTheVariables) {
  ::setenv("NOTIFY_SOCKET", "/run/systemd/notify", 1);
  ::setenv("WATCHDOG_USEC", "3000000", 1);
  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  SystemdEnvironment env = take_systemd_environment();
  EXPECT_EQ(env.notify_socket, "/run/systemd/notify");
  ASSERT_TRUE(env.watchdog);
  EXPECT_EQ(env.watchdog->count(), 3000000);
  // Scripts vigild starts must not inherit them.
  EXPECT_EQ(std::getenv("NOTIFY_SOCKET"), nullptr);
  EXPECT_EQ(std::getenv("WATCHDOG_USEC"), nullptr);
  EXPECT_EQ(std::getenv("WATCHDOG_PID"), nullptr);
}

TEST(SystemdEnvironment, WatchdogOfAnotherProcessIsNotOurs) {
  ::setenv("NOTIFY_SOCKET", "/run/systemd/notify", 1);
  ::setenv("WATCHDOG_USEC", "3000000", 1);
  ::setenv("WATCHDOG_PID", "1", 1);
  EXPECT_FALSE(take_systemd_environment().watchdog);
  ::setenv("WATCHDOG_USEC", "garbage", 1);
  EXPECT_FALSE(take_systemd_environment().watchdog);
  EXPECT_EQ(take_systemd_environment().notify_socket, "");
}

TEST(SystemdNotifier, ReadyReloadingStopping) {
  FakeManager manager(temp_socket_path());
  ASSERT_TRUE(manager.bound());
  boost::asio::io_context io;
  SystemdNotifier n(io, SystemdEnvironment{manager.address(), std::nullopt});
  EXPECT_TRUE(n.enabled());
  n.ready("Running\nsecond line");
  EXPECT_EQ(manager.next(), "READY=1\nSTATUS=Running second line");
  timespec before{};
  ::clock_gettime(CLOCK_MONOTONIC, &before);
  n.reloading("Reloading");
  timespec after{};
  ::clock_gettime(CLOCK_MONOTONIC, &after);
  const std::string msg = manager.next();
  ASSERT_EQ(msg.rfind("RELOADING=1\nMONOTONIC_USEC=", 0), 0u) << msg;
  const std::uint64_t usec = std::stoull(msg.substr(msg.find('=', 12) + 1));
  auto to_usec = [](const timespec& t) {
    return static_cast<std::uint64_t>(t.tv_sec) * 1000000u +
           static_cast<std::uint64_t>(t.tv_nsec) / 1000u;
  };
  EXPECT_GE(usec, to_usec(before));
  EXPECT_LE(usec, to_usec(after));
  EXPECT_NE(msg.find("\nSTATUS=Reloading"), std::string::npos);
  n.stopping("Stopping");
  EXPECT_EQ(manager.next(), "STOPPING=1\nSTATUS=Stopping");
  EXPECT_EQ(n.sent(), 3u);
  EXPECT_EQ(n.failed(), 0u);
}

TEST(SystemdNotifier, WithoutNotifySocketNothingIsSent) {
  boost::asio::io_context io;
  SystemdNotifier n(io, SystemdEnvironment{});
  EXPECT_FALSE(n.enabled());
  n.ready("x");
  n.start_watchdog();
  io.poll();
  EXPECT_EQ(n.sent(), 0u);
}

TEST(SystemdNotifier, WatchdogPingsComeFromTheLoop) {
  FakeManager manager(temp_socket_path());
  ASSERT_TRUE(manager.bound());
  boost::asio::io_context io;
  SystemdNotifier n(io, SystemdEnvironment{manager.address(), std::chrono::microseconds(2000)});
  n.start_watchdog();
  // The first ping goes at once; the next ones only while the loop runs.
  EXPECT_EQ(manager.next(), "WATCHDOG=1");
  EXPECT_EQ(manager.next(), "");
  int pings = 0;
  for (int i = 0; i < 2000 && pings < 3; ++i) {
    io.run_one_for(std::chrono::milliseconds(10));
    for (std::string m = manager.next(); !m.empty(); m = manager.next()) {
      EXPECT_EQ(m, "WATCHDOG=1");
      ++pings;
    }
  }
  EXPECT_GE(pings, 3);
  // STOPPING=1 ends the pings.
  n.stopping("bye");
  EXPECT_EQ(manager.next(), "STOPPING=1\nSTATUS=bye");
  io.poll();
  EXPECT_EQ(manager.next(), "");
}

TEST(SystemdNotifier, AManagerThatIsGoneIsCountedNotFatal) {
  boost::asio::io_context io;
  SystemdNotifier n(io, SystemdEnvironment{temp_socket_path() + ".gone", std::nullopt});
  n.ready("x");
  n.status("y");
  EXPECT_EQ(n.sent(), 0u);
  EXPECT_EQ(n.failed(), 2u);
}

}  // namespace
}  // namespace vigil::daemon
