#pragma once

// A time limit around one asynchronous step of a check (connect, a read, a TLS handshake):
// keepalived applies connect_timeout to each of them. Boost 1.81 has no cancel_after, so the
// step races a timer with Asio's awaitable operators; the loser is cancelled.
//
//   auto [ec, n] = ...;  // steps use as_tuple(use_awaitable): errors are values, never thrown
//   auto r = co_await with_deadline(sock.async_connect(ep, as_tuple(use_awaitable)), timeout);
//   if (!r) -> timed out; else r->... is the step's own result.

#include <optional>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/clock.h"

namespace vigil::checkers {

template <typename T>
boost::asio::awaitable<std::optional<T>> with_deadline(boost::asio::awaitable<T> step,
                                                       core::Duration limit) {
  using namespace boost::asio::experimental::awaitable_operators;
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, limit);
  auto r = co_await (std::move(step) ||
                     timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable)));
  if (r.index() == 0) co_return std::get<0>(std::move(r));
  co_return std::nullopt;
}

}  // namespace vigil::checkers
