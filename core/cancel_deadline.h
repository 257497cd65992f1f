#pragma once

// A time limit around one asynchronous step (a connect, a read, a write, a TLS handshake, a name
// resolution) that stops the step by cancelling the object it runs on: when the limit passes
// first, `cancel()` is called (socket.cancel(), resolver.cancel()) and the step's own completion
// then arrives with operation_aborted. Unlike a race with Asio's awaitable operators it does not
// depend on the step honouring per-operation cancellation, which matters for composed operations
// (async_write, the TLS handshake and reads of an ssl::stream, whose inner socket operations must
// all be stopped) and for the resolver (which has no per-operation cancellation).
//
//   auto r = co_await with_socket_deadline(socket, async_write(s, buf, as_tuple(use_awaitable)),
//                                          limit);
//   if (!r) -> timed out; else r->... is the step's own result (errors are values).

#include <memory>
#include <optional>
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include "core/clock.h"

namespace vigil::core {

// `cancel` must stay callable while `step` is pending; it is never called after the step has
// completed, even when the timer's handler runs later (it is queued with operation_aborted when
// the timer dies with this frame).
template <typename T, typename Cancel>
boost::asio::awaitable<std::optional<T>> with_cancel_deadline(Cancel cancel,
                                                              boost::asio::awaitable<T> step,
                                                              Duration limit) {
  struct State {
    bool done = false;
    bool timed_out = false;
  };
  auto state = std::make_shared<State>();
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, limit);
  timer.async_wait([state, cancel = std::move(cancel)](const boost::system::error_code& ec) {
    if (ec || state->done) return;
    state->timed_out = true;
    cancel();
  });
  T result = co_await std::move(step);
  state->done = true;
  timer.cancel();
  if (state->timed_out) co_return std::nullopt;
  co_return result;
}

// The step runs on `socket` (the lowest layer of the stream: the tcp::socket under a TLS stream);
// every operation on it is cancelled when the limit passes.
template <typename T>
boost::asio::awaitable<std::optional<T>> with_socket_deadline(boost::asio::ip::tcp::socket& socket,
                                                              boost::asio::awaitable<T> step,
                                                              Duration limit) {
  return with_cancel_deadline(
      [&socket] {
        boost::system::error_code ignored;
        socket.cancel(ignored);
      },
      std::move(step), limit);
}

}  // namespace vigil::core
