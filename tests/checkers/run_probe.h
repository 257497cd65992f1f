#pragma once

// Test helper: runs one probe (Check::run) on an io_context until it has finished, with a
// generous safety limit that only guards against a hung test (nothing asserts on timing).

#include <chrono>
#include <exception>
#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "checkers/check.h"

namespace vigil::checkers::testing {

inline std::optional<CheckResult> run_probe(boost::asio::io_context& io, Check& check,
                                            std::chrono::seconds limit = std::chrono::seconds(60)) {
  std::optional<CheckResult> result;
  std::exception_ptr error;
  boost::asio::co_spawn(io, check.run(), [&](std::exception_ptr e, CheckResult r) {
    if (e) {
      error = e;
    } else {
      result = std::move(r);
    }
  });
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!result && !error && std::chrono::steady_clock::now() < deadline) {
    if (io.stopped()) io.restart();
    io.run_one_for(std::chrono::milliseconds(100));
  }
  if (error) std::rethrow_exception(error);
  return result;
}

}  // namespace vigil::checkers::testing
