#include "core/asio_clock.h"

#include <boost/asio/steady_timer.hpp>

namespace vigil::core {
namespace {

class AsioTimer final : public Timer {
 public:
  explicit AsioTimer(boost::asio::io_context& io) : timer_(io) {}
  ~AsioTimer() override { timer_.cancel(); }

  void arm(Duration after, std::function<void()> callback) override {
    // The generation guards against a completion that was already queued when the timer was
    // cancelled or re-armed: asio then delivers operation_aborted, but a completion that raced
    // the cancel may still arrive with success.
    std::uint64_t generation = ++generation_;
    armed_ = true;
    callback_ = std::move(callback);
    timer_.expires_after(after);
    timer_.async_wait([this, generation](const boost::system::error_code& ec) {
      if (ec || generation != generation_ || !armed_) return;
      armed_ = false;
      auto cb = std::move(callback_);
      cb();
    });
  }

  void cancel() override {
    ++generation_;
    armed_ = false;
    callback_ = nullptr;
    timer_.cancel();
  }

  bool armed() const override { return armed_; }

 private:
  boost::asio::steady_timer timer_;
  std::function<void()> callback_;
  std::uint64_t generation_ = 0;
  bool armed_ = false;
};

}  // namespace

TimePoint AsioClock::now() const { return std::chrono::steady_clock::now(); }

std::unique_ptr<Timer> AsioClock::make_timer() { return std::make_unique<AsioTimer>(io_); }

}  // namespace vigil::core
