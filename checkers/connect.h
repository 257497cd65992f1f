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
#include "core/clock.h"

namespace vigil::checkers {

struct StepOutcome {
  bool timed_out = false;
  std::error_code error;  // set when the step failed for another reason

  bool ok() const { return !timed_out && !error; }
};

// A time limit around one step on `socket` (connect, a read, a write, a TLS handshake): when the
// limit passes first, every operation on the socket is cancelled with socket.cancel(). Unlike
// with_deadline() (deadline.h) it does not depend on the step honouring per-operation
// cancellation, which matters for composed operations (async_write, the TLS handshake and reads
// of an ssl::stream, whose inner socket operations must all be stopped). `socket` is the
// lowest layer (the tcp::socket) of the stream.
template <typename T>
boost::asio::awaitable<std::optional<T>> with_socket_deadline(boost::asio::ip::tcp::socket& socket,
                                                              boost::asio::awaitable<T> step,
                                                              core::Duration limit) {
  struct State {
    bool done = false;
    bool timed_out = false;
  };
  auto state = std::make_shared<State>();
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, limit);
  // The handler may run after this frame is gone (it is queued with operation_aborted when the
  // timer dies): it touches the socket only while the step is still pending.
  timer.async_wait([state, &socket](const boost::system::error_code& ec) {
    if (ec || state->done) return;
    state->timed_out = true;
    boost::system::error_code ignored;
    socket.cancel(ignored);
  });
  T result = co_await std::move(step);
  state->done = true;
  timer.cancel();
  if (state->timed_out) co_return std::nullopt;
  co_return result;
}

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
