#pragma once

#include <boost/asio/io_context.hpp>

#include "core/clock.h"

namespace vigil::core {

// Real time on an io_context (steady_clock, so wall-clock jumps never fire timers early).
class AsioClock final : public Clock {
 public:
  explicit AsioClock(boost::asio::io_context& io) : io_(io) {}
  TimePoint now() const override;
  std::unique_ptr<Timer> make_timer() override;

 private:
  boost::asio::io_context& io_;
};

}  // namespace vigil::core
