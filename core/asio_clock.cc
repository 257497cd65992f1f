#include "core/asio_clock.h"

#include <memory>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

namespace vigil::core {
namespace {

// One steady_timer per Timer. Re-arming a timer whose wait is pending re-aims that wait once the
// current handler is done (a posted re-aim, run before the loop sleeps again): a VRRP backup
// reads its adverts in batches (vrrp/raw_socket.h) and restarts the Master_Down_Timer of an
// instance once per advert in the batch, three or four times in a row, and only the last deadline
// needs a wait. Re-aiming cancels the pending wait (its handler runs with the loop awake and the
// generation makes it a no-op). A lazy re-arm that left the earlier wait pending, and waited
// again when it fired, woke the loop once per instance and interval instead.
class AsioTimer final : public Timer {
 public:
  explicit AsioTimer(boost::asio::io_context& io) : timer_(io) {}
  ~AsioTimer() override {
    // A wait that has already completed is queued with success and cannot be cancelled: its
    // handler still runs, after us. It must see that we are gone.
    *alive_ = false;
    timer_.cancel();
  }

  void arm(Duration after, std::function<void()> callback) override {
    deadline_ = std::chrono::steady_clock::now() + after;
    if (slack_.count() > 0) {
      const Duration late = deadline_.time_since_epoch() % slack_;
      if (late.count() != 0) deadline_ += slack_ - late;
    }
    armed_ = true;
    callback_ = std::move(callback);
    if (!waiting_) {
      wait();
    } else if (!reaim_posted_) {
      reaim_posted_ = true;
      boost::asio::post(timer_.get_executor(), [this, alive = alive_] {
        if (!*alive) return;
        reaim_posted_ = false;
        if (armed_ && waiting_ && timer_.expiry() != deadline_) wait();
      });
    }
  }

  void cancel() override {
    armed_ = false;
    callback_ = nullptr;
    if (waiting_) {
      waiting_ = false;
      ++generation_;
      timer_.cancel();
    }
  }

  bool armed() const override { return armed_; }
  void set_slack(Duration slack) override { slack_ = slack; }

 private:
  void wait() {
    // expires_at cancels a pending (later) wait. The generation guards against its completion
    // if it had already been queued with success when it was cancelled.
    const std::uint64_t generation = ++generation_;
    waiting_ = true;
    timer_.expires_at(deadline_);
    timer_.async_wait([this, generation, alive = alive_](const boost::system::error_code& ec) {
      // Destroyed, cancelled or re-aimed: `this` may be gone, so touch nothing else.
      if (!*alive || ec || generation != generation_) return;
      waiting_ = false;
      if (!armed_) return;
      if (std::chrono::steady_clock::now() < deadline_) {
        wait();  // the deadline moved later meanwhile
        return;
      }
      armed_ = false;
      auto cb = std::move(callback_);
      cb();
    });
  }

  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  boost::asio::steady_timer timer_;
  std::function<void()> callback_;
  std::chrono::steady_clock::time_point deadline_{};
  Duration slack_{0};
  std::uint64_t generation_ = 0;
  bool armed_ = false;
  bool waiting_ = false;       // an async_wait of ours is pending
  bool reaim_posted_ = false;  // a re-aim of that wait is queued on the loop
};

}  // namespace

TimePoint AsioClock::now() const { return std::chrono::steady_clock::now(); }

std::unique_ptr<Timer> AsioClock::make_timer() { return std::make_unique<AsioTimer>(io_); }

}  // namespace vigil::core
