#pragma once

// One health check of one real server (TCP_CHECK, HTTP_GET, SSL_GET, MISC_CHECK, ...): the
// interface the manager schedules. A check is a C++20 coroutine on the daemon's io_context; it
// never blocks the loop, never throws (errors become a failed CheckResult with its reason), and
// enforces its own time limits (connect_timeout, misc_timeout) inside run(). The manager never
// runs two probes of one Check at once and keeps the Check alive until run() has finished; it
// stops a probe early through the coroutine's cancellation slot (reload, shutdown).

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "core/clock.h"
#include "core/ip_address.h"
#include "core/process_runner.h"
#include "core/script_command.h"
#include "parser/config/checkers.h"
#include "parser/config/lvs.h"

namespace vigil::checkers {

struct CheckResult {
  bool ok = false;
  // Why it failed, for the log and status ("connect: Connection refused", "HTTP status 503",
  // "digest mismatch", "timeout after 5 s"); empty on success.
  std::string reason;
  // keepalived's SMTP alert body for this failure where it depends on the failure (SMTP_CHECK:
  // "CHECK failed on service : Read timeout from server [10.0.0.2]:25", MISC_CHECK: "MISC CHECK
  // timed out on service"); empty: the check type's usual words.
  std::string alert;
  // MISC_CHECK with misc_dynamic: exit 2..255 sets the real server's weight to code - 2.
  std::optional<std::uint32_t> weight;
  core::Duration latency{0};  // from the start of the probe to its verdict

  static CheckResult passed() {
    CheckResult r;
    r.ok = true;
    return r;
  }
  static CheckResult failed(std::string why) {
    CheckResult r;
    r.reason = std::move(why);
    return r;
  }
};

// What every check may need from the daemon.
struct CheckContext {
  boost::asio::io_context& io;
  core::ProcessLauncher& launcher;         // MISC_CHECK
  core::ScriptDefaults script_defaults;    // MISC_CHECK's default user
  const config::SslConfig* ssl = nullptr;  // the global SSL { } block, if any (SSL_GET)
};

// Where a connection-based check connects: keepalived's connect_ip / connect_port, else the real
// server's address and port; bindto / bind_port / bind_if / fwmark; connect_timeout.
struct Endpoint {
  core::IpAddress address;
  std::uint16_t port = 0;
  std::optional<core::IpAddress> bind_address;
  std::uint16_t bind_port = 0;
  std::string bind_interface;  // SO_BINDTODEVICE; empty: none
  std::uint32_t fwmark = 0;    // SO_MARK; 0: none
  core::Duration connect_timeout = std::chrono::seconds(5);
};
Endpoint endpoint_of(const config::Checker& checker, const config::RealServer& rs);

// keepalived's names for the check types, as in its logs and in keepalived.conf.
std::string_view type_name(config::CheckerType type);

// "[10.0.0.2]:80" / "[fd00::2]:80" (keepalived inet_sockaddrtopair), for connection logs.
std::string server_name(const core::IpAddress& address, std::uint16_t port);
// keepalived's FMT_RS and FMT_VS, as in its logs and FIFO lines: a real server
// "[10.0.0.2]:tcp:80" (with its virtual server's protocol); a virtual server "[10.0.0.1]:tcp:80",
// "FWM 7" or "[GROUP]:80".
std::string real_server_name(const config::RealServer& rs, const config::VirtualServer& vs);
std::string virtual_server_name(const config::VirtualServer& vs);

// Where a probe started with Check::start() delivers its verdict.
class ProbeSink {
 public:
  virtual void probe_done(CheckResult&& result) = 0;

 protected:
  ~ProbeSink() = default;
};

class Check {
 public:
  virtual ~Check() = default;
  virtual boost::asio::awaitable<CheckResult> run() = 0;
  // The cheaper way to probe, for the checks that have one (TCP_CHECK, plain HTTP_GET:
  // connection_probe.h): starts a probe whose verdict goes to `sink` (never from within
  // start()), and returns true; false: this check only has run().
  virtual bool start(ProbeSink& /*sink*/) { return false; }
  // Stops the probe start() began: its sink is not called.
  virtual void cancel() {}
};

}  // namespace vigil::checkers
