#pragma once

// Helpers shared by the connection-based check tests: run a Check to its verdict on a private
// io_context, build checker/real-server models, reserve free loopback ports.

#include <unistd.h>

#include <optional>
#include <string>

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "checkers/check.h"
#include "core/process_runner.h"
#include "parser/config/checkers.h"
#include "parser/config/lvs.h"

namespace vigil::checkers::testing {

// Connection-based checks never start programs.
class NoLauncher final : public core::ProcessLauncher {
 public:
  core::RunId run(const core::Command&, const core::RunOptions&, Callback) override {
    ADD_FAILURE() << "a connection check started a program";
    return 0;
  }
  std::size_t running() const override { return 0; }
};

// Runs check.run() until it completes (other work on `io`, such as test servers, keeps going
// meanwhile and is left pending afterwards).
inline CheckResult run_check(boost::asio::io_context& io, Check& check) {
  std::optional<CheckResult> out;
  std::exception_ptr error;
  boost::asio::co_spawn(io, check.run(), [&](std::exception_ptr e, CheckResult r) {
    error = e;
    out = std::move(r);
  });
  io.restart();
  while (!out && !error) io.run_one();
  if (error) std::rethrow_exception(error);
  return *out;
}

inline config::RealServer real_server(const std::string& address, std::uint16_t port) {
  config::RealServer rs;
  rs.address = boost::asio::ip::make_address(address);
  rs.port = port;
  return rs;
}

inline config::Checker checker_of(config::CheckerType type, core::Duration connect_timeout) {
  config::Checker c;
  c.type = type;
  c.connection.emplace();
  c.connection->connect_timeout = std::chrono::duration_cast<config::Duration>(connect_timeout);
  return c;
}

// A port on which nothing listens: bound once by the kernel's choice, then released.
inline std::uint16_t closed_port(boost::asio::io_context& io, const char* address = "127.0.0.1") {
  boost::asio::ip::tcp::acceptor a(
      io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address(address), 0));
  const auto port = a.local_endpoint().port();
  a.close();
  return port;
}

inline bool is_root() { return ::geteuid() == 0; }

}  // namespace vigil::checkers::testing
