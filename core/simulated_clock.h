#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <utility>

#include "core/clock.h"

namespace vigil::core {

// Simulated time for tests. Time moves only through advance()/run_until(); due timers fire in
// deadline order (ties in arming order), each seeing now() equal to its own deadline, so a test
// observes the exact instant of every transition.
class SimulatedClock final : public Clock {
 public:
  explicit SimulatedClock(TimePoint start = TimePoint(std::chrono::hours(1)));
  ~SimulatedClock() override;

  TimePoint now() const override { return now_; }
  std::unique_ptr<Timer> make_timer() override;

  // Fires every timer due within `d` (including timers armed by callbacks meanwhile), then
  // leaves now() at start + d. Returns the number of callbacks run.
  std::size_t advance(Duration d);
  std::size_t run_until(TimePoint t);
  // Fires only the earliest pending timer (moving time to it). False when none is pending.
  bool step();
  // Deadline of the earliest pending timer, if any.
  bool next_deadline(TimePoint& out) const;
  std::size_t pending() const { return queue_.size(); }

 private:
  class SimTimer;
  friend class SimTimer;
  using Key = std::pair<TimePoint, std::uint64_t>;

  Key schedule(TimePoint at, SimTimer* timer);
  void unschedule(const Key& key);

  TimePoint now_;
  std::uint64_t sequence_ = 0;
  std::map<Key, SimTimer*> queue_;
  // Timers outlive neither the clock nor their owner; `alive_` lets a timer that outlives the
  // clock (a test bug) fail safe instead of touching freed memory.
  std::shared_ptr<bool> alive_;
};

}  // namespace vigil::core
