// The real clock's timers on an io_context: re-arming later, earlier, cancelling and re-arming
// from the callback. Only orderings and "never before the deadline" are asserted, never speed.
#include "core/asio_clock.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace vigil::core {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

TEST(AsioClock, ReArmingLaterDelaysTheCallback) {
  boost::asio::io_context io;
  AsioClock clock(io);
  auto timer = clock.make_timer();
  const auto start = steady_clock::now();
  steady_clock::time_point fired{};
  int calls = 0;
  timer->arm(milliseconds(20), [&] {
    ++calls;
    fired = steady_clock::now();
  });
  // Pushed back three times before it is due, as adverts restart a backup's timer.
  boost::asio::steady_timer step(io);
  int pushes = 0;
  std::function<void()> push = [&] {
    step.expires_after(milliseconds(10));
    step.async_wait([&](const boost::system::error_code&) {
      timer->arm(milliseconds(20), [&] {
        ++calls;
        fired = steady_clock::now();
      });
      if (++pushes < 3) push();
    });
  };
  push();
  io.run();
  EXPECT_EQ(calls, 1);
  EXPECT_GE(fired - start, milliseconds(50));  // last push at >= 30 ms, + 20 ms
  EXPECT_FALSE(timer->armed());
}

TEST(AsioClock, ReArmingEarlierFiresAtTheNewDeadline) {
  boost::asio::io_context io;
  AsioClock clock(io);
  auto timer = clock.make_timer();
  int which = 0;
  timer->arm(std::chrono::seconds(30), [&] { which = 1; });
  timer->arm(milliseconds(5), [&] { which = 2; });
  const auto start = steady_clock::now();
  io.run();
  EXPECT_EQ(which, 2);
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(30));
}

TEST(AsioClock, CancelledTimerNeverFires) {
  boost::asio::io_context io;
  AsioClock clock(io);
  auto timer = clock.make_timer();
  bool fired = false;
  timer->arm(milliseconds(5), [&] { fired = true; });
  EXPECT_TRUE(timer->armed());
  timer->cancel();
  EXPECT_FALSE(timer->armed());
  io.run();
  EXPECT_FALSE(fired);
}

TEST(AsioClock, CallbackMayReArmItsOwnTimer) {
  boost::asio::io_context io;
  AsioClock clock(io);
  auto timer = clock.make_timer();
  int ticks = 0;
  std::function<void()> tick = [&] {
    if (++ticks < 5) timer->arm(milliseconds(1), tick);
  };
  timer->arm(milliseconds(1), tick);
  io.run();
  EXPECT_EQ(ticks, 5);
}

TEST(AsioClock, DestroyingAnArmedTimerIsSafe) {
  boost::asio::io_context io;
  AsioClock clock(io);
  bool fired = false;
  {
    auto timer = clock.make_timer();
    timer->arm(milliseconds(1), [&] { fired = true; });
  }
  io.run();
  EXPECT_FALSE(fired);
}

}  // namespace
}  // namespace vigil::core
