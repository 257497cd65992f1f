#include "core/simulated_clock.h"

#include <functional>

namespace vigil::core {

class SimulatedClock::SimTimer final : public Timer {
 public:
  SimTimer(SimulatedClock& clock, std::shared_ptr<bool> alive)
      : clock_(clock), alive_(std::move(alive)) {}
  ~SimTimer() override { cancel(); }

  void arm(Duration after, std::function<void()> callback) override {
    cancel();
    if (after < Duration::zero()) after = Duration::zero();
    callback_ = std::move(callback);
    key_ = clock_.schedule(clock_.now() + after, this);
    armed_ = true;
  }

  void cancel() override {
    if (armed_ && *alive_) clock_.unschedule(key_);
    armed_ = false;
    callback_ = nullptr;
  }

  bool armed() const override { return armed_; }

  // Called by the clock after it removed this timer from its queue.
  void fire() {
    armed_ = false;
    auto cb = std::move(callback_);
    callback_ = nullptr;
    if (cb) cb();
  }

 private:
  SimulatedClock& clock_;
  std::shared_ptr<bool> alive_;
  std::function<void()> callback_;
  Key key_{};
  bool armed_ = false;
};

SimulatedClock::SimulatedClock(TimePoint start)
    : now_(start), alive_(std::make_shared<bool>(true)) {}

SimulatedClock::~SimulatedClock() { *alive_ = false; }

std::unique_ptr<Timer> SimulatedClock::make_timer() {
  return std::make_unique<SimTimer>(*this, alive_);
}

SimulatedClock::Key SimulatedClock::schedule(TimePoint at, SimTimer* timer) {
  Key key{at, sequence_++};
  queue_.emplace(key, timer);
  return key;
}

void SimulatedClock::unschedule(const Key& key) { queue_.erase(key); }

bool SimulatedClock::step() {
  if (queue_.empty()) return false;
  auto it = queue_.begin();
  SimTimer* timer = it->second;
  if (it->first.first > now_) now_ = it->first.first;
  queue_.erase(it);
  timer->fire();
  return true;
}

std::size_t SimulatedClock::run_until(TimePoint t) {
  std::size_t fired = 0;
  while (!queue_.empty() && queue_.begin()->first.first <= t) {
    step();
    ++fired;
  }
  if (t > now_) now_ = t;
  return fired;
}

std::size_t SimulatedClock::advance(Duration d) { return run_until(now_ + d); }

bool SimulatedClock::next_deadline(TimePoint& out) const {
  if (queue_.empty()) return false;
  out = queue_.begin()->first.first;
  return true;
}

}  // namespace vigil::core
