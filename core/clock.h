#pragma once

// The time seam. Everything that waits goes through a Clock, so state machines and checkers run
// under SimulatedClock in unit tests (exact, instant) and under AsioClock in the daemon.

#include <chrono>
#include <functional>
#include <memory>

namespace vigil::core {

using Duration = std::chrono::nanoseconds;
using TimePoint = std::chrono::steady_clock::time_point;

// A one-shot timer. Arming an armed timer replaces its deadline and callback; the callback of a
// cancelled or re-armed timer never runs. Destroying a timer cancels it.
class Timer {
 public:
  virtual ~Timer() = default;
  virtual void arm(Duration after, std::function<void()> callback) = 0;
  virtual void cancel() = 0;
  virtual bool armed() const = 0;
  // Lets the timer fire up to `slack` late, so that timers armed for nearby moments fire together
  // (one wake-up for many): the real clock rounds each deadline up to a multiple of `slack`; the
  // simulated clock ignores it, so tests see exact times. 0 (the default): no slack.
  virtual void set_slack(Duration /*slack*/) {}
};

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
  virtual std::unique_ptr<Timer> make_timer() = 0;
};

}  // namespace vigil::core
