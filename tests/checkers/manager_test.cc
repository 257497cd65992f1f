// The checkers manager under simulated time with scripted checks: the first probe after the
// bootstrap delay and warmup, retries delay_before_retry apart, the real server removed after
// 1 + retry failures at that exact moment, the quorum lost and regained, and probes stopped by
// stop().
#include "checkers/manager.h"

#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <string>
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
  std::vector<std::vector<Destination>> tables;

  std::unique_ptr<Manager> make() {
    Manager::Listener l;
    l.event = [this](const config::VirtualServer&, const HealthEvent& e) {
      events.emplace_back(clock.now(), e);
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

}  // namespace
}  // namespace vigil::checkers
