#pragma once

// Opens the TCP connection of a connection-based check (TCP_CHECK, HTTP_GET, SSL_GET,
// SMTP_CHECK) the way keepalived's tcp_bind_connect() (lib/layer4.c) does: a socket of the
// endpoint's family, SO_MARK (fwmark) and SO_BINDTODEVICE (bind_if) before anything else,
// bind() to bindto / bind_port when given, then a non-blocking connect that must finish within
// connect_timeout. Errors are values, never exceptions.

#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include "checkers/check.h"
#include "core/cancel_deadline.h"
#include "core/clock.h"

namespace vigil::checkers {

struct StepOutcome {
  bool timed_out = false;
  std::error_code error;  // set when the step failed for another reason

  bool ok() const { return !timed_out && !error; }
};

// with_socket_deadline() lives in core (the SMTP alert client uses it too).
using core::with_socket_deadline;

// Prepares `socket` (closed or open: it is re-opened) with the endpoint's socket options and
// local binding. A failure here is local (bad bind_if, address in use, no CAP_NET_ADMIN for
// SO_MARK), not the server's fault.
std::error_code prepare_socket(boost::asio::ip::tcp::socket& socket, const Endpoint& endpoint);

// prepare_socket(), then connect within endpoint.connect_timeout.
boost::asio::awaitable<StepOutcome> connect_endpoint(boost::asio::ip::tcp::socket& socket,
                                                     const Endpoint& endpoint);

// "5 s", "0.5 s", "250 ms": for reasons and logs.
std::string format_duration(core::Duration d);

// "<what>: timeout after 5 s" / "<what>: Connection refused"; empty when the step succeeded.
std::string describe(const StepOutcome& outcome, std::string_view what, core::Duration limit);

}  // namespace vigil::checkers
