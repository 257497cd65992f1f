#include "checkers/checker_health.h"

#include <algorithm>
#include <cmath>
#include <variant>

namespace vigil::checkers {

CheckerSettings settings_of(const config::Checker& checker) {
  CheckerSettings s;
  if (checker.delay_loop) s.delay_loop = *checker.delay_loop;
  // Unset warmup means the checker's delay_loop (validate_check_config() in check_data.c).
  s.warmup = checker.warmup ? core::Duration(*checker.warmup) : s.delay_loop;
  if (checker.retry) s.retry = *checker.retry;
  if (checker.delay_before_retry) s.delay_before_retry = *checker.delay_before_retry;
  s.alpha = checker.alpha.value_or(false);
  s.rise = checker.rise;
  if (const auto* misc = std::get_if<config::MiscCheck>(&checker.details)) {
    s.dynamic_weight = misc->dynamic;
    s.delay_from_start = true;
  }
  return s;
}

core::Duration first_delay(const CheckerSettings& settings, double fraction) {
  if (!(fraction >= 0.0)) fraction = 0.0;  // also catches NaN
  fraction = std::min(fraction, 1.0);
  const auto warmup = std::chrono::duration<double, std::nano>(settings.warmup) * fraction;
  return kBootstrapDelay + std::chrono::duration_cast<core::Duration>(warmup);
}

CheckerHealth::CheckerHealth(const CheckerSettings& settings)
    : settings_(settings),
      // queue_checker() starts every checker up; validate_check_config() sets alpha ones down.
      up_(!settings.alpha),
      // validate_check_config(): "For non alpha mode, one failure is enough initially".
      retry_it_(settings.retry) {
  if (settings_.rise == 0) settings_.rise = 1;
}

core::Duration CheckerHealth::after(core::Duration delay, core::Duration latency) const {
  if (!settings_.delay_from_start) return delay;
  // misc_check_child_thread(): at least 1 us after the script ended.
  return std::max<core::Duration>(delay - latency, std::chrono::microseconds(1));
}

CheckerVerdict CheckerHealth::record(bool ok, core::Duration latency) {
  CheckerVerdict v;
  core::Duration delay = settings_.delay_loop;
  const bool first = !has_run_;
  if (ok || ((up_ || first) && retry_it_ >= settings_.retry)) {
    // tcp_epilog(): a success, or a failure with the retries used up (or the first probe).
    retry_it_ = 0;
    if (ok) {
      if (!up_ && ++successes_ >= settings_.rise) {
        up_ = true;
        successes_ = 0;
        v.changed = true;
      }
    } else {
      successes_ = 0;
      if (up_) {
        up_ = false;
        v.changed = true;
      } else if (first) {
        v.report_down = true;  // alpha: first probe failed, RS reported DOWN
      }
    }
  } else {
    successes_ = 0;
    if (up_) {
      // Still up: retry sooner.
      delay = settings_.delay_before_retry;
      ++retry_it_;
    }
  }
  has_run_ = true;
  v.up = up_;
  v.next_delay = after(delay, latency);
  return v;
}

bool CheckerHealth::set_up(bool up) {
  has_run_ = true;
  retry_it_ = settings_.retry;
  successes_ = 0;
  if (up_ == up) return false;
  up_ = up;
  return true;
}

}  // namespace vigil::checkers
