#pragma once

// The up/down state of one checker of one real server, as keepalived 2.2.7 decides it: pure
// (no I/O, no timers). The manager feeds it the verdict of every probe and schedules the next
// probe after the delay it returns.
//
// keepalived's rules (the epilog of every check type, e.g. tcp_epilog() in check_tcp.c,
// udp_epilog() in check_udp.c, misc_check_child_thread() in check_misc.c, and the initial state
// set by queue_checker() in check_api.c and validate_check_config() in check_data.c):
//  - A checker starts up, unless `alpha`, which starts it down (and its real server not alive).
//  - retry_it starts at `retry`: the first probe's failure takes an up checker down at once
//    ("For non alpha mode, one failure is enough initially"). Once a probe has succeeded,
//    an up checker goes down only after 1 + retry consecutive failures; the probes between
//    them run delay_before_retry apart.
//  - A down checker that keeps failing is probed every delay_loop (no retries).
//  - Any success resets the retry count; a down checker goes up on its first success.
//  - An alpha checker (down, never run) whose first probe fails reports its real server DOWN
//    once although nothing changes (update_svr_checker_state(): "first check failed under
//    alpha mode" calls do_rs_notifies()).
//
// vigil extension (not in keepalived): `rise N` - a down checker goes up only after N
// consecutive successes (default 1, which is keepalived's behaviour). Successes short of N are
// probed delay_loop apart like any other.

#include <cstdint>

#include "core/clock.h"
#include "parser/config/checkers.h"

namespace vigil::checkers {

struct CheckerSettings {
  core::Duration delay_loop = std::chrono::seconds(60);
  core::Duration warmup = std::chrono::seconds(60);
  std::uint32_t retry = 1;
  core::Duration delay_before_retry = std::chrono::seconds(1);
  bool alpha = false;
  std::uint32_t rise = 1;  // vigil extension; 0 is taken as 1
  // MISC_CHECK with misc_dynamic: a success sets the real server's weight (CheckResult::weight,
  // or the configured weight when the script exited 0).
  bool dynamic_weight = false;
  // MISC_CHECK: keepalived times the next run from the start of the previous one
  // (misc_check_child_thread(): last_ran + delay), so the script's run time is subtracted.
  bool delay_from_start = false;
};

// The effective settings of a checker after finalize (the parser has resolved inheritance).
// FILE_CHECK has no timing settings and gets the defaults above.
CheckerSettings settings_of(const config::Checker& checker);

// keepalived's register_checkers_thread(): every checker's first probe runs BOOTSTRAP_DELAY
// (1 s) plus a random fraction of its warmup after start-up. `fraction` is in [0, 1]
// (keepalived: random() / RAND_MAX); values outside are clamped.
inline constexpr core::Duration kBootstrapDelay = std::chrono::seconds(1);
core::Duration first_delay(const CheckerSettings& settings, double fraction);

struct CheckerVerdict {
  bool changed = false;  // the checker went up or down with this probe
  bool up = true;        // its state after the probe
  // keepalived's do_rs_notifies() without a change: an alpha checker's first probe failed.
  bool report_down = false;
  // When to probe next, from the moment the probe finished.
  core::Duration next_delay{0};
};

class CheckerHealth {
 public:
  explicit CheckerHealth(const CheckerSettings& settings);

  // `latency` is the probe's run time (CheckResult::latency), used with delay_from_start.
  CheckerVerdict record(bool ok, core::Duration latency = core::Duration{0});

  // FILE_CHECK: no probes; the tracked file decides the state at once. True when it changed.
  bool set_up(bool up);

  bool up() const { return up_; }
  bool has_run() const { return has_run_; }
  std::uint32_t retries_done() const { return retry_it_; }
  std::uint32_t successes() const { return successes_; }
  const CheckerSettings& settings() const { return settings_; }

 private:
  core::Duration after(core::Duration delay, core::Duration latency) const;

  CheckerSettings settings_;
  bool up_;
  bool has_run_ = false;
  std::uint32_t retry_it_;
  std::uint32_t successes_ = 0;  // consecutive successes while down (rise)
};

}  // namespace vigil::checkers
