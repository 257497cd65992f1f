#include "daemon/systemd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>

#include "core/logging.h"

namespace vigil::daemon {
namespace {

std::optional<std::uint64_t> parse_unsigned(const char* text) {
  if (text == nullptr || *text == '\0') return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(text, &end, 10);
  if (errno != 0 || *end != '\0') return std::nullopt;
  return v;
}

// A STATUS= value is one line.
std::string one_line(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c == '\n') c = ' ';
  }
  return out;
}

}  // namespace

SystemdEnvironment take_systemd_environment() {
  SystemdEnvironment env;
  if (const char* s = std::getenv("NOTIFY_SOCKET")) env.notify_socket = s;
  const auto usec = parse_unsigned(std::getenv("WATCHDOG_USEC"));
  const char* pid_text = std::getenv("WATCHDOG_PID");
  const auto pid = parse_unsigned(pid_text);
  const bool ours = pid_text == nullptr || (pid && *pid == static_cast<std::uint64_t>(::getpid()));
  if (usec && *usec > 0 && ours) env.watchdog = std::chrono::microseconds(*usec);
  ::unsetenv("NOTIFY_SOCKET");
  ::unsetenv("WATCHDOG_USEC");
  ::unsetenv("WATCHDOG_PID");
  return env;
}

std::error_code sd_notify_send(const std::string& socket_path, std::string_view message) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  // sd_notify(3): an absolute path, or '@' for the abstract namespace (a leading NUL byte).
  if (socket_path.size() < 2 || socket_path.size() >= sizeof(addr.sun_path) ||
      (socket_path[0] != '/' && socket_path[0] != '@')) {
    return std::make_error_code(std::errc::invalid_argument);
  }
  std::memcpy(addr.sun_path, socket_path.data(), socket_path.size());
  if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';
  const socklen_t len =
      static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_path.size());
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return {errno, std::system_category()};
  ssize_t n;
  do {
    n = ::sendto(fd, message.data(), message.size(), MSG_NOSIGNAL | MSG_DONTWAIT,
                 reinterpret_cast<const sockaddr*>(&addr), len);
  } while (n < 0 && errno == EINTR);
  const int saved = errno;
  ::close(fd);
  if (n < 0) return {saved, std::system_category()};
  return {};
}

SystemdNotifier::SystemdNotifier(boost::asio::io_context& io, SystemdEnvironment env)
    : env_(std::move(env)), watchdog_timer_(io) {}

SystemdNotifier::~SystemdNotifier() { watchdog_timer_.cancel(); }

void SystemdNotifier::send(std::string message) {
  if (!enabled()) return;
  if (auto ec = sd_notify_send(env_.notify_socket, message)) {
    ++failed_;
    // Once: a manager that went away must not fill the log every watchdog period.
    if (!warned_) {
      core::logger("daemon")->warn("cannot notify systemd through {}: {}", env_.notify_socket,
                                   ec.message());
      warned_ = true;
    }
    return;
  }
  ++sent_;
}

void SystemdNotifier::ready(std::string_view status) {
  send("READY=1\nSTATUS=" + one_line(status));
}

void SystemdNotifier::reloading(std::string_view status) {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  const std::uint64_t usec = static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000u +
                             static_cast<std::uint64_t>(ts.tv_nsec) / 1000u;
  send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec) + "\nSTATUS=" + one_line(status));
}

void SystemdNotifier::stopping(std::string_view status) {
  watchdog_timer_.cancel();
  send("STOPPING=1\nSTATUS=" + one_line(status));
}

void SystemdNotifier::status(std::string_view status) { send("STATUS=" + one_line(status)); }

void SystemdNotifier::start_watchdog() {
  if (!enabled() || !env_.watchdog) return;
  core::logger("daemon")->info("systemd watchdog: pinging every {} ms",
                               env_.watchdog->count() / 2000);
  ping();
}

// sd_watchdog_enabled(3) recommends pinging at half the interval.
void SystemdNotifier::ping() {
  send("WATCHDOG=1");
  watchdog_timer_.expires_after(*env_.watchdog / 2);
  watchdog_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) ping();
  });
}

}  // namespace vigil::daemon
