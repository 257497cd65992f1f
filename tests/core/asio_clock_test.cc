// The real clock's timers on an io_context: re-arming later, earlier, cancelling and re-arming
// from the callback. Only orderings and "never before the deadline" are asserted, never speed.
#include "core/asio_clock.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
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

// With slack, timers armed for nearby moments fire at the same boundary, never before it.
TEST(AsioClock, SlackRoundsTheDeadlineUpToItsBoundary) {
  boost::asio::io_context io;
  AsioClock clock(io);
  const auto slack = milliseconds(50);
  auto first = clock.make_timer();
  auto second = clock.make_timer();
  first->set_slack(slack);
  second->set_slack(slack);
  const auto armed = steady_clock::now();
  // The boundary both round up to is at least this one (arm reads the clock after `armed`).
  const auto due = armed + milliseconds(7);
  const auto into = due.time_since_epoch() % slack;
  const auto boundary = into.count() == 0 ? due : due + (slack - into);
  steady_clock::time_point fired_first{};
  steady_clock::time_point fired_second{};
  first->arm(milliseconds(1), [&] { fired_first = steady_clock::now(); });
  second->arm(milliseconds(7), [&] { fired_second = steady_clock::now(); });
  io.run();
  EXPECT_GE(fired_second, boundary);
  // The first, due 6 ms earlier, still waited for the boundary of its own deadline.
  const auto due_first = armed + milliseconds(1);
  const auto into_first = due_first.time_since_epoch() % slack;
  EXPECT_GE(fired_first, into_first.count() == 0 ? due_first : due_first + (slack - into_first));
}

// A backup's batch of adverts restarts a timer several times within one handler: the wait is
// re-aimed once, after the handler, at the last deadline.
TEST(AsioClock, SeveralArmsInOneHandlerFireOnceAtTheLastDeadline) {
  boost::asio::io_context io;
  AsioClock clock(io);
  auto timer = clock.make_timer();
  int calls = 0;
  int which = 0;
  steady_clock::time_point last_armed{};
  timer->arm(milliseconds(5), [&] { ++calls; });
  boost::asio::post(io, [&] {
    timer->arm(milliseconds(10), [&] { ++calls, which = 1; });
    timer->arm(milliseconds(20), [&] { ++calls, which = 2; });
    last_armed = steady_clock::now();
    timer->arm(milliseconds(40), [&] { ++calls, which = 3; });
  });
  io.run();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(which, 3);
  EXPECT_GE(steady_clock::now() - last_armed, milliseconds(40));
}

TEST(AsioClock, ReArmedThenCancelledInOneHandlerNeverFires) {
  boost::asio::io_context io;
  AsioClock clock(io);
  auto timer = clock.make_timer();
  bool fired = false;
  timer->arm(milliseconds(5), [&] { fired = true; });
  boost::asio::post(io, [&] {
    timer->arm(milliseconds(10), [&] { fired = true; });
    timer->cancel();
  });
  io.run();
  EXPECT_FALSE(fired);
  EXPECT_FALSE(timer->armed());
}

TEST(AsioClock, DestroyedWithAReAimQueuedIsSafe) {
  boost::asio::io_context io;
  AsioClock clock(io);
  bool fired = false;
  {
    auto timer = clock.make_timer();
    timer->arm(milliseconds(5), [&] { fired = true; });
    timer->arm(milliseconds(10), [&] { fired = true; });  // queues the re-aim
  }
  io.run();
  EXPECT_FALSE(fired);
}

}  // namespace
}  // namespace vigil::core
