#pragma once

// systemd's service notification protocol (sd_notify(3); systemd.io/NOTIFY): newline-separated
// VAR=value assignments sent as one datagram to the AF_UNIX socket named by $NOTIFY_SOCKET (a
// file system path, or "@name" for the abstract namespace). vigild sends
//   READY=1                       once the initial configuration is applied,
//   RELOADING=1 + MONOTONIC_USEC  when a SIGHUP reload starts (systemd >= 253 requires the
//                                 CLOCK_MONOTONIC timestamp for Type=notify-reload; older
//                                 versions ignore it), then READY=1 when it is done,
//   STOPPING=1                    when a SIGTERM/SIGINT shutdown starts,
//   WATCHDOG=1                    every WATCHDOG_USEC/2 from a timer on the event loop, so a
//                                 stuck loop stops the pings and systemd's WatchdogSec acts,
//   STATUS=...                    a one-line summary alongside the above.
//
// The protocol is implemented here instead of linking libsystemd: every send is MSG_DONTWAIT on a
// non-blocking socket, so a busy or stalled service manager can never block the event loop
// (libsystemd's sd_notify sends on a blocking socket), the daemon gains no dependency, and the
// datagram format is a documented, stable interface. Without $NOTIFY_SOCKET every call is a no-op.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace vigil::daemon {

// The notification settings systemd passes in the environment.
struct SystemdEnvironment {
  std::string notify_socket;                          // $NOTIFY_SOCKET; empty: not under systemd
  std::optional<std::chrono::microseconds> watchdog;  // $WATCHDOG_USEC, for this process only
};

// Reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID (the watchdog is ours only when
// WATCHDOG_PID is unset or names this process, as sd_watchdog_enabled(3) decides) and removes
// them from the environment, so that scripts vigild starts do not inherit them.
SystemdEnvironment take_systemd_environment();

// Sends one notification datagram to `socket_path` without blocking.
std::error_code sd_notify_send(const std::string& socket_path, std::string_view message);

class SystemdNotifier {
 public:
  SystemdNotifier(boost::asio::io_context& io, SystemdEnvironment env);
  ~SystemdNotifier();
  SystemdNotifier(const SystemdNotifier&) = delete;
  SystemdNotifier& operator=(const SystemdNotifier&) = delete;

  bool enabled() const { return !env_.notify_socket.empty(); }

  void ready(std::string_view status);
  void reloading(std::string_view status);
  void stopping(std::string_view status);
  void status(std::string_view status);
  // Starts the WATCHDOG=1 pings (when systemd asked for them). Call once the loop is about to
  // run.
  void start_watchdog();

  std::uint64_t sent() const { return sent_; }
  std::uint64_t failed() const { return failed_; }

 private:
  void send(std::string message);
  void ping();

  SystemdEnvironment env_;
  boost::asio::steady_timer watchdog_timer_;
  std::uint64_t sent_ = 0;
  std::uint64_t failed_ = 0;
  bool warned_ = false;
};

}  // namespace vigil::daemon
