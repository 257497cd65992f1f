#include "core/simulated_clock.h"

#include <gtest/gtest.h>

#include <vector>

namespace vigil::core {
namespace {

using std::chrono::milliseconds;

TEST(SimulatedClock, FiresInDeadlineOrderAtExactInstants) {
  SimulatedClock clock;
  const TimePoint start = clock.now();
  auto a = clock.make_timer();
  auto b = clock.make_timer();
  std::vector<std::pair<char, Duration>> fired;
  a->arm(milliseconds(30), [&] { fired.push_back({'a', clock.now() - start}); });
  b->arm(milliseconds(10), [&] { fired.push_back({'b', clock.now() - start}); });
  EXPECT_EQ(clock.advance(milliseconds(100)), 2u);
  ASSERT_EQ(fired.size(), 2u);
  EXPECT_EQ(fired[0], (std::pair<char, Duration>{'b', milliseconds(10)}));
  EXPECT_EQ(fired[1], (std::pair<char, Duration>{'a', milliseconds(30)}));
  EXPECT_EQ(clock.now() - start, milliseconds(100));
}

TEST(SimulatedClock, RearmAndCancelReplacePendingCallbacks) {
  SimulatedClock clock;
  auto t = clock.make_timer();
  int first = 0, second = 0;
  t->arm(milliseconds(10), [&] { ++first; });
  t->arm(milliseconds(20), [&] { ++second; });
  clock.advance(milliseconds(15));
  EXPECT_EQ(first, 0);
  EXPECT_TRUE(t->armed());
  t->cancel();
  clock.advance(milliseconds(100));
  EXPECT_EQ(second, 0);
  EXPECT_FALSE(t->armed());
  EXPECT_EQ(clock.pending(), 0u);
}

TEST(SimulatedClock, CallbacksMayArmTimersThatFireWithinTheSameAdvance) {
  SimulatedClock clock;
  const TimePoint start = clock.now();
  auto t = clock.make_timer();
  std::vector<Duration> ticks;
  std::function<void()> tick = [&] {
    ticks.push_back(clock.now() - start);
    if (ticks.size() < 3) t->arm(milliseconds(7), tick);
  };
  t->arm(milliseconds(7), tick);
  clock.advance(milliseconds(50));
  EXPECT_EQ(ticks, (std::vector<Duration>{milliseconds(7), milliseconds(14), milliseconds(21)}));
}

TEST(SimulatedClock, DestroyedTimerNeverFires) {
  SimulatedClock clock;
  int fired = 0;
  {
    auto t = clock.make_timer();
    t->arm(milliseconds(1), [&] { ++fired; });
  }
  clock.advance(milliseconds(5));
  EXPECT_EQ(fired, 0);
}

}  // namespace
}  // namespace vigil::core
