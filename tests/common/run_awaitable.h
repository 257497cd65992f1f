#pragma once

// Test helper: runs one coroutine on an io_context until it has finished, with a generous safety
// limit that only guards against a hung test (nothing asserts on timing). Empty when it threw or
// did not finish within the limit.

#include <chrono>
#include <exception>
#include <optional>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

namespace vigil::test_support {

template <typename T>
std::optional<T> run_awaitable(boost::asio::io_context& io, boost::asio::awaitable<T> op,
                               std::chrono::seconds limit = std::chrono::seconds(60)) {
  std::optional<T> out;
  bool done = false;
  boost::asio::co_spawn(io, std::move(op), [&](std::exception_ptr e, T value) {
    done = true;
    if (!e) out = std::move(value);
  });
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_one_for(std::chrono::milliseconds(100));
  }
  return out;
}

}  // namespace vigil::test_support
