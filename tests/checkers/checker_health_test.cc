// One checker's state under simulated time: retry and delay_before_retry, alpha, rise, warmup.

#include "checkers/checker_health.h"

#include <gtest/gtest.h>

#include <chrono>
#include <vector>

#include "core/simulated_clock.h"

namespace vigil::checkers {
namespace {

using namespace std::chrono_literals;

CheckerSettings settings(std::uint32_t retry, bool alpha = false, std::uint32_t rise = 1) {
  CheckerSettings s;
  s.delay_loop = 10s;
  s.warmup = 10s;
  s.retry = retry;
  s.delay_before_retry = 2s;
  s.alpha = alpha;
  s.rise = rise;
  return s;
}

// Probes a checker at the delays it asks for under a SimulatedClock and records the moments it
// changes state.
struct ProbeLoop {
  struct Change {
    core::TimePoint at;
    bool up;
  };
  explicit ProbeLoop(const CheckerSettings& s) : health(s), timer(clock.make_timer()) {}

  // `ok(t)` is the probe result at time t. The first probe runs at start + first_delay(0).
  template <typename F>
  void until(core::Duration span, F ok) {
    const auto start = clock.now();
    arm(first_delay(health.settings(), 0.0), ok);
    clock.run_until(start + span);
    timer->cancel();
  }
  template <typename F>
  void arm(core::Duration after, F ok) {
    timer->arm(after, [this, ok] {
      const auto now = clock.now();
      probes.push_back(now);
      const auto v = health.record(ok(now));
      if (v.changed) changes.push_back({now, v.up});
      if (v.report_down) reports.push_back(now);
      arm(v.next_delay, ok);
    });
  }
  core::Duration since_start(core::TimePoint t) const { return t - t0; }

  core::SimulatedClock clock;
  core::TimePoint t0 = clock.now();
  CheckerHealth health;
  std::unique_ptr<core::Timer> timer;
  std::vector<core::TimePoint> probes;
  std::vector<Change> changes;
  std::vector<core::TimePoint> reports;
};

TEST(CheckerHealth, StartsUpAndOneFailureIsEnoughBeforeAnySuccess) {
  // validate_check_config(): retry_it starts at retry.
  CheckerHealth h(settings(3));
  EXPECT_TRUE(h.up());
  EXPECT_FALSE(h.has_run());
  const auto v = h.record(false);
  EXPECT_TRUE(v.changed);
  EXPECT_FALSE(v.up);
  EXPECT_FALSE(v.report_down);
  EXPECT_EQ(v.next_delay, 10s);  // down: delay_loop, no retries
}

TEST(CheckerHealth, GoesDownAfterOnePlusRetryFailuresSpacedByDelayBeforeRetry) {
  ProbeLoop run(settings(2));
  // Up until 30 s, then failing.
  run.until(60s, [&](core::TimePoint t) { return run.since_start(t) < 30s; });
  // Probes: 1 s (bootstrap), 11, 21, then failures at 31, 33 (retry), 35 (retry) -> DOWN at 35.
  ASSERT_GE(run.probes.size(), 6u);
  EXPECT_EQ(run.since_start(run.probes[3]), 31s);
  EXPECT_EQ(run.since_start(run.probes[4]), 33s);
  EXPECT_EQ(run.since_start(run.probes[5]), 35s);
  ASSERT_EQ(run.changes.size(), 1u);
  EXPECT_FALSE(run.changes[0].up);
  EXPECT_EQ(run.since_start(run.changes[0].at), 35s);
  // A down checker is probed every delay_loop: 45, 55.
  ASSERT_EQ(run.probes.size(), 8u);
  EXPECT_EQ(run.since_start(run.probes[6]), 45s);
  EXPECT_EQ(run.since_start(run.probes[7]), 55s);
}

TEST(CheckerHealth, ASuccessDuringRetriesResetsTheCount) {
  CheckerHealth h(settings(2));
  h.record(true);
  EXPECT_EQ(h.record(false).next_delay, 2s);
  EXPECT_EQ(h.retries_done(), 1u);
  const auto ok = h.record(true);
  EXPECT_FALSE(ok.changed);
  EXPECT_EQ(ok.next_delay, 10s);
  EXPECT_EQ(h.retries_done(), 0u);
  // Needs 3 failures again.
  EXPECT_FALSE(h.record(false).changed);
  EXPECT_FALSE(h.record(false).changed);
  const auto down = h.record(false);
  EXPECT_TRUE(down.changed);
  EXPECT_FALSE(down.up);
}

TEST(CheckerHealth, RetryZeroGoesDownOnTheFirstFailure) {
  CheckerHealth h(settings(0));
  h.record(true);
  const auto v = h.record(false);
  EXPECT_TRUE(v.changed);
  EXPECT_FALSE(v.up);
  EXPECT_EQ(v.next_delay, 10s);
}

TEST(CheckerHealth, ComesBackUpOnTheFirstSuccess) {
  ProbeLoop run(settings(1));
  // Fails from 0 s, recovers at 25 s.
  run.until(40s, [&](core::TimePoint t) { return run.since_start(t) >= 25s; });
  // 1 s: first probe fails -> DOWN at once; 11, 21 fail (no retries while down); 31 succeeds.
  ASSERT_EQ(run.changes.size(), 2u);
  EXPECT_EQ(run.since_start(run.changes[0].at), 1s);
  EXPECT_FALSE(run.changes[0].up);
  EXPECT_EQ(run.since_start(run.changes[1].at), 31s);
  EXPECT_TRUE(run.changes[1].up);
}

TEST(CheckerHealth, AlphaStartsDownAndReportsItsFirstFailureOnce) {
  ProbeLoop run(settings(3, /*alpha=*/true));
  EXPECT_FALSE(run.health.up());
  run.until(35s, [](core::TimePoint) { return false; });
  EXPECT_TRUE(run.changes.empty());
  // update_svr_checker_state(): the first failed probe of an alpha checker notifies DOWN, no
  // retries needed; later failures say nothing.
  ASSERT_EQ(run.reports.size(), 1u);
  EXPECT_EQ(run.since_start(run.reports[0]), 1s);
  ASSERT_EQ(run.probes.size(), 4u);  // 1, 11, 21, 31: every delay_loop
  EXPECT_EQ(run.since_start(run.probes[1]), 11s);
}

TEST(CheckerHealth, AlphaGoesUpOnItsFirstSuccess) {
  CheckerHealth h(settings(3, true));
  const auto v = h.record(true);
  EXPECT_TRUE(v.changed);
  EXPECT_TRUE(v.up);
  EXPECT_EQ(v.next_delay, 10s);
  // From now on, retries apply.
  EXPECT_FALSE(h.record(false).changed);
}

TEST(CheckerHealth, RiseNeedsConsecutiveSuccesses) {
  ProbeLoop run(settings(0, false, /*rise=*/3));
  // Fails until 15 s; succeeds 15-25 s; fails 25-35 s; then succeeds.
  run.until(90s, [&](core::TimePoint t) {
    const auto s = run.since_start(t);
    return (s >= 15s && s < 25s) || s >= 35s;
  });
  // 1: DOWN. 21: success 1. 31: failure resets. 41, 51, 61: successes -> UP at 61.
  ASSERT_EQ(run.changes.size(), 2u);
  EXPECT_EQ(run.since_start(run.changes[0].at), 1s);
  EXPECT_EQ(run.since_start(run.changes[1].at), 61s);
  EXPECT_TRUE(run.changes[1].up);
}

TEST(CheckerHealth, RiseAppliesToAlpha) {
  CheckerHealth h(settings(1, true, 2));
  EXPECT_FALSE(h.record(true).changed);
  EXPECT_EQ(h.successes(), 1u);
  EXPECT_TRUE(h.record(true).changed);
  EXPECT_TRUE(h.up());
}

TEST(CheckerHealth, RiseOfOneOrZeroIsKeepalived) {
  CheckerHealth h(settings(0, true, 0));
  EXPECT_TRUE(h.record(true).changed);
}

TEST(CheckerHealth, FirstDelayIsBootstrapPlusARandomPartOfWarmup) {
  // register_checkers_thread(): BOOTSTRAP_DELAY + warmup * random() / RAND_MAX.
  CheckerSettings s = settings(1);
  s.warmup = 8s;
  EXPECT_EQ(first_delay(s, 0.0), 1s);
  EXPECT_EQ(first_delay(s, 1.0), 9s);
  EXPECT_EQ(first_delay(s, 0.25), 3s);
  EXPECT_EQ(first_delay(s, -3.0), 1s);
  EXPECT_EQ(first_delay(s, 7.0), 9s);
  s.warmup = 0s;
  EXPECT_EQ(first_delay(s, 0.7), 1s);
}

TEST(CheckerHealth, SettingsComeFromTheFinalizedChecker) {
  config::Checker c;
  c.type = config::CheckerType::kTcp;
  c.delay_loop = std::chrono::seconds(7);
  c.retry = 4;
  c.delay_before_retry = std::chrono::milliseconds(1500);
  c.alpha = true;
  c.rise = 2;
  auto s = settings_of(c);
  EXPECT_EQ(s.delay_loop, 7s);
  EXPECT_EQ(s.warmup, 7s);  // unset warmup: the checker's delay_loop
  EXPECT_EQ(s.retry, 4u);
  EXPECT_EQ(s.delay_before_retry, 1500ms);
  EXPECT_TRUE(s.alpha);
  EXPECT_EQ(s.rise, 2u);
  EXPECT_FALSE(s.dynamic_weight);
  EXPECT_FALSE(s.delay_from_start);
  c.warmup = std::chrono::seconds(3);
  EXPECT_EQ(settings_of(c).warmup, 3s);

  c.type = config::CheckerType::kMisc;
  config::MiscCheck misc;
  misc.dynamic = true;
  c.details = misc;
  s = settings_of(c);
  EXPECT_TRUE(s.dynamic_weight);
  EXPECT_TRUE(s.delay_from_start);
}

TEST(CheckerHealth, MiscTimesTheNextRunFromTheStartOfTheScript) {
  CheckerSettings s = settings(1);
  s.delay_from_start = true;
  CheckerHealth h(s);
  EXPECT_EQ(h.record(true, 3s).next_delay, 7s);
  EXPECT_EQ(h.record(false, 500ms).next_delay, 1500ms);  // delay_before_retry 2 s
  // A script slower than the delay runs again at once (1 us).
  EXPECT_EQ(h.record(true, 30s).next_delay, 1us);
}

}  // namespace
}  // namespace vigil::checkers
