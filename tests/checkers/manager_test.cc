// The checkers manager under simulated time with scripted checks: the first probe after the
// bootstrap delay and warmup, retries delay_before_retry apart, the real server removed after
// 1 + retry failures at that exact moment, the quorum lost and regained, and probes stopped by
// stop().
#include "checkers/manager.h"

#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/simulated_clock.h"

namespace vigil::checkers {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

core::IpAddress ip(const char* s) { return *core::parse_ip_address(s); }

class NoLauncher final : public core::ProcessLauncher {
 public:
  core::RunId run(const core::Command&, const core::RunOptions&, Callback) override { return 0; }
  std::size_t running() const override { return 0; }
};

// Answers each probe with the next scripted verdict (success once the script runs out), after
// one trip through the io_context like a real check.
struct Script {
  std::deque<bool> verdicts;
  std::vector<core::TimePoint> probed_at;
};

class ScriptedCheck final : public Check {
 public:
  ScriptedCheck(Script& script, core::Clock& clock) : script_(script), clock_(clock) {}
  boost::asio::awaitable<CheckResult> run() override {
    script_.probed_at.push_back(clock_.now());
    co_await boost::asio::post(co_await boost::asio::this_coro::executor,
                               boost::asio::use_awaitable);
    bool ok = true;
    if (!script_.verdicts.empty()) {
      ok = script_.verdicts.front();
      script_.verdicts.pop_front();
    }
    co_return CheckResult{ok, ok ? "" : "scripted failure", {}, {}};
  }

 private:
  Script& script_;
  core::Clock& clock_;
};

config::Lvs one_service(std::uint32_t retry) {
  config::Lvs lvs;
  config::VirtualServer vs;
  vs.address = ip("10.0.0.1");
  vs.port = 80;
  vs.protocol = config::LvsProtocol::kTcp;
  vs.quorum = 2;
  for (const char* a : {"10.0.0.2", "10.0.0.3"}) {
    config::RealServer rs;
    rs.address = ip(a);
    rs.port = 80;
    rs.weight = 1;
    config::Checker c;
    c.type = config::CheckerType::kTcp;
    c.delay_loop = seconds(10);
    c.warmup = seconds(0);
    c.retry = retry;
    c.delay_before_retry = seconds(2);
    c.alpha = false;
    rs.checkers.push_back(c);
    vs.real_servers.push_back(rs);
  }
  lvs.virtual_servers.push_back(vs);
  return lvs;
}

struct CheckersManager : ::testing::Test {
  boost::asio::io_context io;
  core::SimulatedClock clock;
  core::TimePoint t0 = clock.now();
  NoLauncher launcher;
  config::GlobalDefs global;
  Script scripts[2];
  std::vector<std::pair<core::TimePoint, HealthEvent>> events;
  std::vector<std::uint16_t> event_ports;  // the virtual server of each event
  std::vector<std::vector<Destination>> tables;

  std::unique_ptr<Manager> make() {
    Manager::Listener l;
    l.event = [this](const config::VirtualServer& vs, const HealthEvent& e) {
      events.emplace_back(clock.now(), e);
      event_ports.push_back(vs.port);
    };
    l.destinations = [this](const config::VirtualServer&, const std::vector<Destination>& d) {
      tables.push_back(d);
    };
    return std::make_unique<Manager>(
        io, clock, CheckContext{io, launcher, {}, nullptr}, std::move(l),
        [this](const config::Checker&, const config::RealServer& rs, const config::VirtualServer&,
               CheckContext&, std::string*) -> std::unique_ptr<Check> {
          return std::make_unique<ScriptedCheck>(scripts[rs.address == ip("10.0.0.2") ? 0 : 1],
                                                 clock);
        });
  }
  // Simulated time in small steps, running the io_context's ready work at each.
  void run_for(core::Duration d) {
    const core::TimePoint end = clock.now() + d;
    while (clock.now() < end) {
      io.poll();
      io.restart();
      clock.advance(milliseconds(10));
    }
    io.poll();
    io.restart();
  }
  std::vector<HealthEventKind> kinds() const {
    std::vector<HealthEventKind> k;
    for (const auto& [at, e] : events) k.push_back(e.kind);
    return k;
  }
};

TEST_F(CheckersManager, FailuresRetriedThenRealServerRemovedAndQuorumLost) {
  scripts[0].verdicts = {true, false, false, true};
  const config::Lvs lvs = one_service(/*retry=*/1);
  auto m = make();
  m->start(lvs, global);
  // Both alive at start, quorum 2 reached.
  ASSERT_EQ(kinds(), (std::vector<HealthEventKind>{HealthEventKind::kRealServerUp,
                                                   HealthEventKind::kRealServerUp,
                                                   HealthEventKind::kQuorumUp}));
  ASSERT_EQ(tables.size(), 1u);
  EXPECT_EQ(tables[0].size(), 2u);
  events.clear();
  run_for(seconds(30));
  // Probes: 1 s bootstrap (warmup 0): success; +10 s: failure; +2 s (delay_before_retry):
  // failure -> down; +10 s: success -> up.
  ASSERT_GE(scripts[0].probed_at.size(), 4u);
  EXPECT_EQ(scripts[0].probed_at[0], t0 + seconds(1));
  EXPECT_EQ(scripts[0].probed_at[1], t0 + seconds(11));
  EXPECT_EQ(scripts[0].probed_at[2], t0 + seconds(13));
  EXPECT_EQ(scripts[0].probed_at[3], t0 + seconds(23));
  ASSERT_GE(events.size(), 3u);
  EXPECT_EQ(events[0].second.kind, HealthEventKind::kCheckerDown);
  EXPECT_EQ(events[1].second.kind, HealthEventKind::kRealServerDown);
  EXPECT_EQ(events[1].first, t0 + seconds(13));
  EXPECT_EQ(events[2].second.kind, HealthEventKind::kQuorumDown);
  EXPECT_EQ(m->stats().probes_failed, 2u);
  // Status: per checker the verdicts in a row and in all; per check type every verdict's
  // latency and the failures.
  std::uint64_t probes = 0;
  for (const CheckerStatus& st : m->checker_status()) {
    probes += st.probes;
    if (st.real_server != 0) continue;
    EXPECT_EQ(st.probes, 4u);
    EXPECT_EQ(st.failures, 2u);
    EXPECT_EQ(st.consecutive_successes, 1u);
    EXPECT_EQ(st.consecutive_failures, 0u);
  }
  const auto type = lvs.virtual_servers[0].real_servers[0].checkers[0].type;
  const CheckTypeStats& by_type = m->stats().by_type[static_cast<std::size_t>(type)];
  EXPECT_EQ(by_type.failures, 2u);
  EXPECT_EQ(by_type.latency.count(), probes);
  // Back at 23 s: RS up, quorum regained, the table holds both again.
  const auto& last = tables.back();
  EXPECT_EQ(last.size(), 2u);
  EXPECT_TRUE(m->health(0).quorum_up());
  m->stop();
}

TEST_F(CheckersManager, StopEndsProbing) {
  const config::Lvs lvs = one_service(1);
  auto m = make();
  m->start(lvs, global);
  run_for(seconds(12));
  const auto probes = scripts[0].probed_at.size();
  m->stop();
  run_for(seconds(60));
  EXPECT_EQ(scripts[0].probed_at.size(), probes);
}

TEST_F(CheckersManager, CheckerThatCannotBeBuiltIsLeftOut) {
  const config::Lvs lvs = one_service(1);
  Manager m(io, clock, CheckContext{io, launcher, {}, nullptr}, {},
            [](const config::Checker&, const config::RealServer&, const config::VirtualServer&,
               CheckContext&, std::string* why) -> std::unique_ptr<Check> {
              *why = "no";
              return nullptr;
            });
  m.start(lvs, global);
  EXPECT_EQ(m.stats().checkers_disabled, 2u);
  EXPECT_TRUE(m.checker_status().empty());
  m.stop();
}

// Reload: a real server that was down stays down (no flap, no event), the schedule goes on
// where it was, a weight change and a new real server are what the destinations show.
TEST_F(CheckersManager, ReloadKeepsTheStateOfUnchangedCheckers) {
  // 10.0.0.2 fails its first probe at 1 s: down at once (keepalived: before the first success
  // one failure is enough), next probe at 11 s. The quorum (2) is lost.
  scripts[0].verdicts = {false};
  const config::Lvs lvs = one_service(/*retry=*/1);
  auto m = make();
  m->start(lvs, global);
  run_for(seconds(4));
  ASSERT_FALSE(m->health(0).alive(0));
  ASSERT_FALSE(m->health(0).quorum_up());
  ASSERT_EQ(scripts[0].probed_at.size(), 1u);
  events.clear();
  tables.clear();

  config::Lvs next = one_service(1);
  next.virtual_servers[0].real_servers[1].weight = 5;  // 10.0.0.3: weight only
  config::RealServer extra = next.virtual_servers[0].real_servers[1];
  extra.address = ip("10.0.0.4");
  next.virtual_servers[0].real_servers.push_back(extra);  // new, probed by script 1 too
  m->reload(next, global);
  // Only the new real server reports (an initial UP, which notifies only with
  // rs_init_notifies) and the quorum it brings back; 10.0.0.3, alive before and after, says
  // nothing.
  ASSERT_EQ(kinds(), (std::vector<HealthEventKind>{HealthEventKind::kRealServerUp,
                                                   HealthEventKind::kQuorumUp}));
  EXPECT_TRUE(events[0].second.initial);
  EXPECT_EQ(events[0].second.real_server, 2u);
  EXPECT_FALSE(m->health(0).alive(0));  // still down: no flap
  EXPECT_TRUE(m->health(0).alive(1));
  EXPECT_EQ(m->health(0).weight(1), 5u);
  ASSERT_EQ(tables.size(), 1u);
  EXPECT_EQ(tables[0],
            (std::vector<Destination>{{ip("10.0.0.3"), 80, 5}, {ip("10.0.0.4"), 80, 5}}));
  // The down checker's next probe is still at 11 s, not a fresh start's 1 s bootstrap.
  scripts[0].verdicts = {true};
  run_for(seconds(8));
  ASSERT_EQ(scripts[0].probed_at.size(), 2u);
  EXPECT_EQ(scripts[0].probed_at[1], t0 + seconds(11));
  EXPECT_TRUE(m->health(0).alive(0));
  m->stop();
}

TEST_F(CheckersManager, ReloadWithChangedCheckerStartsItAfresh) {
  scripts[0].verdicts = {false};
  const config::Lvs lvs = one_service(1);
  auto m = make();
  m->start(lvs, global);
  run_for(seconds(4));
  ASSERT_FALSE(m->health(0).alive(0));
  config::Lvs next = one_service(1);
  next.virtual_servers[0].real_servers[0].checkers[0].delay_loop = seconds(20);
  events.clear();
  m->reload(next, global);
  // A different checker: it starts as at start-up (up, not alpha), so the real server returns,
  // and with it the quorum.
  EXPECT_TRUE(m->health(0).alive(0));
  ASSERT_EQ(kinds(), (std::vector<HealthEventKind>{HealthEventKind::kRealServerUp,
                                                   HealthEventKind::kQuorumUp}));
  m->stop();
}

// Stopped and destroyed while probes are in flight, from outside the loop: the cancellation
// co_spawn posts still finds its signal (a use-after-free under ASan otherwise).
TEST_F(CheckersManager, DestroyedWithProbesInFlightAfterStop) {
  const config::Lvs lvs = one_service(1);
  auto m = make();
  m->start(lvs, global);
  clock.advance(seconds(1));
  io.restart();
  io.run_one();
  io.run_one();
  m->stop();
  m.reset();
  run_for(milliseconds(100));
}

TEST_F(CheckersManager, ReloadCancelsProbesInFlightAndRunsThemAgain) {
  const config::Lvs lvs = one_service(1);
  auto m = make();
  m->start(lvs, global);
  // The first probes start at 1 s; reload while they are in flight (before the io_context runs
  // their completion).
  clock.advance(seconds(1));
  io.restart();
  io.run_one();  // each probe runs to its first suspension
  io.run_one();
  ASSERT_EQ(scripts[0].probed_at.size(), 1u);
  config::Lvs next = one_service(1);
  m->reload(next, global);
  run_for(milliseconds(100));
  EXPECT_EQ(m->stats().probes_cancelled, 2u);
  EXPECT_EQ(scripts[0].probed_at.size(), 2u);  // run again at once
  m->stop();
}

// rise 3 (vigil extension): a real server that went down comes back only on the third
// consecutive success, at that probe's moment; a failure in between starts the count again.
TEST_F(CheckersManager, RiseNeedsConsecutiveSuccessesBeforeTheRealServerReturns) {
  // 1 s: failure -> down (retry 0). 11, 21: successes 1 and 2. 31: failure (count reset).
  // 41, 51: successes 1, 2. 61: success 3 -> up.
  scripts[0].verdicts = {false, true, true, false, true, true, true};
  config::Lvs lvs = one_service(/*retry=*/0);
  lvs.virtual_servers[0].real_servers[0].checkers[0].rise = 3;
  auto m = make();
  m->start(lvs, global);
  events.clear();
  run_for(seconds(60));
  EXPECT_FALSE(m->health(0).alive(0));
  ASSERT_EQ(events.size(), 3u);  // checker down, RS down, quorum down at 1 s
  EXPECT_EQ(events[1].second.kind, HealthEventKind::kRealServerDown);
  EXPECT_EQ(events[1].first, t0 + seconds(1));
  EXPECT_EQ(m->health(0).checker(0, 0).successes(), 2u);
  run_for(milliseconds(990));  // 60.99 s: still down
  EXPECT_FALSE(m->health(0).alive(0));
  run_for(milliseconds(10));  // 61 s: the third success
  EXPECT_TRUE(m->health(0).alive(0));
  ASSERT_EQ(events.size(), 6u);
  EXPECT_EQ(events[3].second.kind, HealthEventKind::kCheckerUp);
  EXPECT_EQ(events[4].second.kind, HealthEventKind::kRealServerUp);
  EXPECT_EQ(events[4].first, t0 + seconds(61));
  EXPECT_EQ(events[5].second.kind, HealthEventKind::kQuorumUp);
  // Successes short of rise are probed delay_loop apart, as any probe of a down checker.
  ASSERT_EQ(scripts[0].probed_at.size(), 7u);
  for (std::size_t i = 0; i < 7; ++i) {
    EXPECT_EQ(scripts[0].probed_at[i], t0 + seconds(1 + 10 * static_cast<int>(i))) << i;
  }
  m->stop();
}

// Virtual servers 10.0.0.1:80, :81, ... with one real server 10.0.0.2:80 and one TCP_CHECK each,
// as `checker` says.
config::Lvs services_sharing(const std::vector<config::Checker>& checkers) {
  config::Lvs lvs;
  for (std::size_t i = 0; i < checkers.size(); ++i) {
    config::VirtualServer vs;
    vs.address = ip("10.0.0.1");
    vs.port = static_cast<std::uint16_t>(80 + i);
    vs.protocol = config::LvsProtocol::kTcp;
    config::RealServer rs;
    rs.address = ip("10.0.0.2");
    rs.port = 80;
    rs.weight = 1;
    rs.checkers.push_back(checkers[i]);
    vs.real_servers.push_back(rs);
    lvs.virtual_servers.push_back(vs);
  }
  return lvs;
}

config::Checker tcp_checker(std::uint32_t retry, core::Duration delay_loop = seconds(10)) {
  config::Checker c;
  c.type = config::CheckerType::kTcp;
  c.connection.emplace();
  c.connection->connect_ip = ip("10.0.0.2");
  c.connection->connect_port = 80;
  c.connection->connect_timeout = seconds(1);
  c.delay_loop = std::chrono::duration_cast<config::Duration>(delay_loop);
  c.warmup = seconds(5);  // a random start in 1..6 s, the same for checkers sharing a probe
  c.retry = retry;
  c.delay_before_retry = seconds(2);
  c.alpha = false;
  return c;
}

// Shared probes: four identical checkers of one real server in four virtual servers make one
// probe per delay_loop, and every virtual server takes each verdict at the same moment.
TEST_F(CheckersManager, IdenticalCheckersShareOneProbePerDelayLoop) {
  scripts[0].verdicts = {true, false, true};
  const config::Checker c = tcp_checker(/*retry=*/0);
  const config::Lvs lvs = services_sharing({c, c, c, c});
  auto m = make();
  m->start(lvs, global);
  events.clear();
  run_for(seconds(60));
  // The first probe between 1 and 6 s, then every 10 s: six in 60 s, for all four.
  const auto& probed = scripts[0].probed_at;
  ASSERT_EQ(probed.size(), 6u);
  for (std::size_t i = 1; i < probed.size(); ++i) EXPECT_EQ(probed[i] - probed[i - 1], seconds(10));
  EXPECT_EQ(m->stats().probes_started, 6u);
  EXPECT_EQ(m->stats().probes_shared, 18u);
  // The failure of the second probe takes the real server down in every virtual server at
  // that moment; the third brings it back in all.
  std::vector<core::TimePoint> down, up;
  for (const auto& [at, e] : events) {
    if (e.kind == HealthEventKind::kRealServerDown) down.push_back(at);
    if (e.kind == HealthEventKind::kRealServerUp) up.push_back(at);
  }
  EXPECT_EQ(down, std::vector<core::TimePoint>(4, probed[1]));
  EXPECT_EQ(up, std::vector<core::TimePoint>(4, probed[2]));
  for (std::size_t v = 0; v < 4; ++v) EXPECT_TRUE(m->health(v).alive(0));
  m->stop();
}

// Owners of a shared probe keep keepalived's logic each: with retry 0 one goes down on the
// first failure, with retry 2 the other retries (alone: its retries fall due when nobody else
// probes) and goes down two retries later; each comes back on its own next probe.
TEST_F(CheckersManager, SharedProbeOwnersKeepTheirOwnRetryLogic) {
  config::Checker quick = tcp_checker(/*retry=*/0);
  config::Checker patient = tcp_checker(/*retry=*/2);
  quick.warmup = patient.warmup = seconds(0);
  // Runs: 1 s (both) ok; 11 s (both) fails; 13 s, 15 s (patient's retries) fail; 21 s (quick)
  // ok; 25 s (patient) ok.
  scripts[0].verdicts = {true, false, false, false, true, true};
  const config::Lvs lvs = services_sharing({quick, patient});
  auto m = make();
  m->start(lvs, global);
  events.clear();
  event_ports.clear();
  run_for(seconds(26));
  const auto& probed = scripts[0].probed_at;
  ASSERT_EQ(probed.size(), 6u);
  const std::vector<core::Duration> runs = {seconds(1),  seconds(11), seconds(13),
                                            seconds(15), seconds(21), seconds(25)};
  for (std::size_t i = 0; i < probed.size(); ++i) EXPECT_EQ(probed[i] - t0, runs[i]) << i;
  // Real server transitions per virtual server (80: retry 0, 81: retry 2).
  std::vector<std::tuple<std::uint16_t, HealthEventKind, core::Duration>> rs_events;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto kind = events[i].second.kind;
    if (kind == HealthEventKind::kRealServerDown || kind == HealthEventKind::kRealServerUp)
      rs_events.emplace_back(event_ports[i], kind, events[i].first - t0);
  }
  EXPECT_EQ(rs_events, (std::vector<std::tuple<std::uint16_t, HealthEventKind, core::Duration>>{
                           {80, HealthEventKind::kRealServerDown, seconds(11)},
                           {81, HealthEventKind::kRealServerDown, seconds(15)},
                           {80, HealthEventKind::kRealServerUp, seconds(21)},
                           {81, HealthEventKind::kRealServerUp, seconds(25)}}));
  EXPECT_EQ(m->stats().probes_started, 6u);
  EXPECT_EQ(m->stats().probes_shared, 2u);  // at 1 s and 11 s
  EXPECT_TRUE(m->health(0).alive(0));
  EXPECT_TRUE(m->health(1).alive(0));
  m->stop();
}

// Checkers whose probes differ in anything that shapes the probe never share; ones that differ
// only in timing share the probes that fall due together.
TEST_F(CheckersManager, DifferentProbesDoNotShare) {
  config::Checker a = tcp_checker(1);
  config::Checker b = tcp_checker(1);
  b.connection->connect_timeout = seconds(2);
  config::Checker d = tcp_checker(1);
  d.connection->connect_port = 8080;
  const config::Lvs lvs = services_sharing({a, b, d});
  auto m = make();
  m->start(lvs, global);
  run_for(seconds(60));
  EXPECT_EQ(m->stats().probes_shared, 0u);
  EXPECT_EQ(m->stats().probes_started, scripts[0].probed_at.size());
  EXPECT_EQ(m->stats().probes_started, 18u);  // six each
  m->stop();
}

TEST_F(CheckersManager, CheckersDifferingOnlyInTimingShareTheProbesThatCoincide) {
  config::Checker every10 = tcp_checker(1, seconds(10));
  config::Checker every20 = tcp_checker(1, seconds(20));
  every10.warmup = every20.warmup = seconds(0);
  const config::Lvs lvs = services_sharing({every10, every20});
  auto m = make();
  m->start(lvs, global);
  run_for(seconds(50));
  // 1 (both), 11, 21 (both), 31, 41 (both).
  const auto& probed = scripts[0].probed_at;
  ASSERT_EQ(probed.size(), 5u);
  EXPECT_EQ(probed[4] - t0, seconds(41));
  EXPECT_EQ(m->stats().probes_shared, 3u);
  m->stop();
}

}  // namespace
}  // namespace vigil::checkers
