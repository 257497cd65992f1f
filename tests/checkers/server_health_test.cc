// A virtual server's health: real servers alive from their checkers, misc_dynamic weights,
// inhibit_on_failure, quorum with hysteresis, the sorry server, omega at shutdown, and the IPVS
// destinations that follow.

#include "checkers/server_health.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace vigil::checkers {
namespace {

using namespace std::chrono_literals;
using Kind = HealthEventKind;

const core::TimePoint kT0{std::chrono::hours(1)};

config::Checker checker(bool alpha = false, std::uint32_t retry = 0) {
  config::Checker c;
  c.type = config::CheckerType::kTcp;
  c.delay_loop = std::chrono::seconds(10);
  c.warmup = std::chrono::seconds(0);
  c.retry = retry;
  c.delay_before_retry = std::chrono::seconds(2);
  c.alpha = alpha;
  return c;
}

config::Checker dynamic_misc() {
  config::Checker c = checker();
  c.type = config::CheckerType::kMisc;
  config::MiscCheck misc;
  misc.dynamic = true;
  c.details = misc;
  return c;
}

core::IpAddress ip(const std::string& s) { return boost::asio::ip::make_address(s); }

config::RealServer real(int n, std::uint32_t weight = 1, std::size_t checkers = 1,
                        bool inhibit = false, bool alpha = false) {
  config::RealServer rs;
  rs.address = ip("10.0.0." + std::to_string(n));
  rs.port = 80;
  rs.weight = weight;
  rs.inhibit_on_failure = inhibit;
  for (std::size_t i = 0; i < checkers; ++i) rs.checkers.push_back(checker(alpha));
  return rs;
}

config::VirtualServer virtual_server(std::vector<config::RealServer> servers,
                                     std::uint32_t quorum = 1, std::uint32_t hysteresis = 0) {
  config::VirtualServer vs;
  vs.address = ip("192.0.2.1");
  vs.port = 80;
  vs.quorum = quorum;
  vs.hysteresis = hysteresis;
  vs.real_servers = std::move(servers);
  return vs;
}

void add_sorry(config::VirtualServer& vs, bool inhibit = false) {
  config::SorryServer s;
  s.address = ip("10.0.9.9");
  s.port = 8080;
  s.inhibit = inhibit;
  vs.sorry_server = s;
}

Destination dest(int n, std::uint32_t weight) {
  return {ip("10.0.0." + std::to_string(n)), 80, weight};
}
Destination sorry(std::uint32_t weight) { return {ip("10.0.9.9"), 8080, weight}; }

CheckResult ok() { return CheckResult{true, "", "", std::nullopt, 0s}; }
CheckResult fail() {
  return CheckResult{false, "connect: Connection refused", "", std::nullopt, 0s};
}
CheckResult exit_weight(std::uint32_t w) { return CheckResult{true, "", "", w, 0s}; }

std::vector<Kind> kinds(const std::vector<HealthEvent>& events) {
  std::vector<Kind> out;
  for (const auto& e : events) out.push_back(e.kind);
  return out;
}

const HealthEvent* find(const std::vector<HealthEvent>& events, Kind kind) {
  for (const auto& e : events) {
    if (e.kind == kind) return &e;
  }
  return nullptr;
}

TEST(ServerHealth, StartsWithEveryRealServerAliveAndTheQuorumUp) {
  VirtualServerHealth h(virtual_server({real(1), real(2, 3), real(3, 1, /*checkers=*/0)}));
  EXPECT_TRUE(h.destinations().empty());  // nothing before init_service_vs()
  const auto events = h.start(kT0);
  // init_service_rs() (initial RS UP, sent only with rs_init_notifies), then
  // update_quorum_state(init): "Starting with quorum up".
  EXPECT_EQ(kinds(events), (std::vector<Kind>{Kind::kRealServerUp, Kind::kRealServerUp,
                                              Kind::kRealServerUp, Kind::kQuorumUp}));
  EXPECT_TRUE(events[0].initial);
  EXPECT_TRUE(events[3].initial);
  EXPECT_EQ(events[3].weight_sum, 5);
  EXPECT_EQ(events[3].threshold, 1);
  EXPECT_EQ(events[3].at, kT0);
  EXPECT_TRUE(h.quorum_up());
  EXPECT_EQ(h.destinations(), (std::vector<Destination>{dest(1, 1), dest(2, 3), dest(3, 1)}));
}

TEST(ServerHealth, ARealServerWithoutCheckersStaysAlive) {
  VirtualServerHealth h(virtual_server({real(1, 1, 0)}));
  h.start(kT0);
  EXPECT_TRUE(h.alive(0));
  EXPECT_EQ(h.destinations(), std::vector<Destination>{dest(1, 1)});
}

TEST(ServerHealth, ARealServerIsAliveOnlyWhileEveryCheckerIsUp) {
  VirtualServerHealth h(virtual_server({real(1, 1, 2), real(2)}));
  h.start(kT0);
  auto u = h.record(0, 0, fail(), kT0 + 1s);
  EXPECT_EQ(kinds(u.events), (std::vector<Kind>{Kind::kCheckerDown, Kind::kRealServerDown}));
  EXPECT_EQ(u.events[1].at, kT0 + 1s);
  EXPECT_EQ(u.events[1].real_server, 0u);
  EXPECT_FALSE(h.alive(0));
  EXPECT_EQ(h.destinations(), std::vector<Destination>{dest(2, 1)});
  // The second checker fails too: no new RS event; the first recovers: still down.
  EXPECT_EQ(kinds(h.record(0, 1, fail(), kT0 + 2s).events), std::vector<Kind>{Kind::kCheckerDown});
  EXPECT_EQ(kinds(h.record(0, 0, ok(), kT0 + 11s).events), std::vector<Kind>{Kind::kCheckerUp});
  EXPECT_FALSE(h.alive(0));
  u = h.record(0, 1, ok(), kT0 + 12s);
  EXPECT_EQ(kinds(u.events), (std::vector<Kind>{Kind::kCheckerUp, Kind::kRealServerUp}));
  EXPECT_EQ(u.events[1].at, kT0 + 12s);
  EXPECT_EQ(h.destinations(), (std::vector<Destination>{dest(1, 1), dest(2, 1)}));
}

TEST(ServerHealth, RecordReturnsTheCheckersNextDelay) {
  auto vs = virtual_server({real(1)});
  vs.real_servers[0].checkers[0].retry = 1;
  VirtualServerHealth h(vs);
  h.start(kT0);
  EXPECT_EQ(h.record(0, 0, ok(), kT0).next_delay, 10s);
  EXPECT_EQ(h.record(0, 0, fail(), kT0 + 10s).next_delay, 2s);  // delay_before_retry
  EXPECT_TRUE(h.alive(0));
  EXPECT_EQ(h.record(0, 0, fail(), kT0 + 12s).next_delay, 10s);
  EXPECT_FALSE(h.alive(0));
}

TEST(ServerHealth, InhibitOnFailureKeepsADeadRealServerWithWeightZero) {
  VirtualServerHealth h(virtual_server({real(1, 5, 1, /*inhibit=*/true), real(2)}));
  h.start(kT0);
  h.record(0, 0, fail(), kT0 + 1s);
  EXPECT_EQ(h.destinations(), (std::vector<Destination>{dest(1, 0), dest(2, 1)}));
  h.record(0, 0, ok(), kT0 + 11s);
  EXPECT_EQ(h.destinations(), (std::vector<Destination>{dest(1, 5), dest(2, 1)}));
}

TEST(ServerHealth, AlphaStartsTheRealServerDownAndReportsTheFirstFailure) {
  VirtualServerHealth h(virtual_server(
      {real(1, 1, 1, /*inhibit=*/true, /*alpha=*/true), real(2, 1, 1, false, true), real(3)}));
  const auto events = h.start(kT0);
  EXPECT_EQ(kinds(events), (std::vector<Kind>{Kind::kRealServerUp, Kind::kQuorumUp}));
  EXPECT_EQ(events[0].real_server, 2u);
  // init_service_rs(): an inhibited real server that starts down is added with weight 0.
  EXPECT_EQ(h.destinations(), (std::vector<Destination>{dest(1, 0), dest(3, 1)}));
  // The first failure is reported (update_svr_checker_state(): alpha, has_run == false).
  auto u = h.record(1, 0, fail(), kT0 + 1s);
  ASSERT_EQ(kinds(u.events), std::vector<Kind>{Kind::kRealServerDown});
  EXPECT_TRUE(u.events[0].initial);
  EXPECT_TRUE(h.record(1, 0, fail(), kT0 + 11s).events.empty());
  u = h.record(0, 0, ok(), kT0 + 1s);
  EXPECT_EQ(kinds(u.events), (std::vector<Kind>{Kind::kCheckerUp, Kind::kRealServerUp}));
  EXPECT_EQ(h.destinations(), (std::vector<Destination>{dest(1, 1), dest(3, 1)}));
}

TEST(ServerHealth, MiscDynamicSetsTheWeightFromTheExitCode) {
  auto vs = virtual_server({real(1, 4, 0), real(2)}, /*quorum=*/3);
  vs.real_servers[0].checkers.push_back(dynamic_misc());
  VirtualServerHealth h(vs);
  h.start(kT0);
  EXPECT_TRUE(h.quorum_up());  // 4 + 1 >= 3
  // Exit 9 -> weight 7 (the probe converts code - 2).
  auto u = h.record(0, 0, exit_weight(7), kT0 + 1s);
  ASSERT_EQ(kinds(u.events), std::vector<Kind>{Kind::kWeightChanged});
  EXPECT_EQ(u.events[0].old_weight, 4u);
  EXPECT_EQ(u.events[0].new_weight, 7u);
  EXPECT_EQ(h.destinations(), (std::vector<Destination>{dest(1, 7), dest(2, 1)}));
  // Same weight: nothing. Exit 2 -> weight 0: present with weight 0, quorum lost (1 < 3).
  EXPECT_TRUE(h.record(0, 0, exit_weight(7), kT0 + 11s).events.empty());
  u = h.record(0, 0, exit_weight(0), kT0 + 21s);
  EXPECT_EQ(kinds(u.events), (std::vector<Kind>{Kind::kWeightChanged, Kind::kQuorumDown}));
  EXPECT_EQ(u.events[1].weight_sum, 1);
  EXPECT_TRUE(h.alive(0));
  EXPECT_EQ(h.destinations(), (std::vector<Destination>{dest(1, 0), dest(2, 1)}));
  // A failure keeps the weight; exit 0 restores the configured weight (and the quorum).
  h.record(0, 0, fail(), kT0 + 31s);
  EXPECT_EQ(h.weight(0), 0u);
  u = h.record(0, 0, ok(), kT0 + 41s);
  EXPECT_EQ(h.weight(0), 4u);
  EXPECT_EQ(kinds(u.events), (std::vector<Kind>{Kind::kWeightChanged, Kind::kCheckerUp,
                                                Kind::kRealServerUp, Kind::kQuorumUp}));
}

TEST(ServerHealth, AResultWeightIsIgnoredWithoutMiscDynamic) {
  VirtualServerHealth h(virtual_server({real(1, 4)}));
  h.start(kT0);
  EXPECT_TRUE(h.record(0, 0, exit_weight(9), kT0 + 1s).events.empty());
  EXPECT_EQ(h.weight(0), 4u);
}

TEST(ServerHealth, QuorumWithoutHysteresis) {
  VirtualServerHealth h(virtual_server({real(1), real(2), real(3)}, /*quorum=*/2));
  h.start(kT0);
  EXPECT_EQ(kinds(h.record(0, 0, fail(), kT0 + 1s).events),
            (std::vector<Kind>{Kind::kCheckerDown, Kind::kRealServerDown}));
  EXPECT_TRUE(h.quorum_up());  // 2 >= 2
  auto u = h.record(1, 0, fail(), kT0 + 2s);
  const HealthEvent* down = find(u.events, Kind::kQuorumDown);
  ASSERT_NE(down, nullptr);
  EXPECT_EQ(down->at, kT0 + 2s);
  EXPECT_EQ(down->weight_sum, 1);
  EXPECT_EQ(down->threshold, 2);
  EXPECT_FALSE(down->initial);
  // Without a sorry server a lost quorum only notifies: the alive server stays.
  EXPECT_EQ(h.destinations(), std::vector<Destination>{dest(3, 1)});
  u = h.record(1, 0, ok(), kT0 + 12s);
  const HealthEvent* up = find(u.events, Kind::kQuorumUp);
  ASSERT_NE(up, nullptr);
  EXPECT_EQ(up->at, kT0 + 12s);
  EXPECT_EQ(up->weight_sum, 2);
}

TEST(ServerHealth, HysteresisStopsTheVirtualServerFlapping) {
  // quorum 3, hysteresis 1: up at >= 4, down below 2.
  VirtualServerHealth h(
      virtual_server({real(1), real(2), real(3), real(4), real(5)}, /*quorum=*/3, 1));
  h.start(kT0);
  EXPECT_TRUE(h.quorum_up());
  int quorum_events = 0;
  auto t = kT0;
  auto step = [&](std::size_t rs, bool good) {
    t += 1s;
    for (const auto& e : h.record(rs, 0, good ? ok() : fail(), t).events) {
      if (e.kind == Kind::kQuorumUp || e.kind == Kind::kQuorumDown) ++quorum_events;
    }
  };
  step(0, false);
  step(1, false);                // 3 alive
  for (int i = 0; i < 5; ++i) {  // flapping between 3 and 2 alive: 2 < 3 - 1 is false
    step(2, false);
    step(2, true);
  }
  EXPECT_EQ(quorum_events, 0);
  EXPECT_TRUE(h.quorum_up());
  step(2, false);
  step(3, false);  // 1 alive: lost
  EXPECT_FALSE(h.quorum_up());
  EXPECT_EQ(quorum_events, 1);
  for (int i = 0; i < 5; ++i) {  // flapping between 1 and 3 alive: needs 4
    step(3, true);
    step(2, true);
    step(2, false);
    step(3, false);
  }
  EXPECT_EQ(quorum_events, 1);
  step(3, true);
  step(2, true);
  step(1, true);  // 4 alive: gained
  EXPECT_TRUE(h.quorum_up());
  EXPECT_EQ(quorum_events, 2);
}

TEST(ServerHealth, QuorumUpThresholdIsQuorumPlusHysteresis) {
  VirtualServerHealth h(virtual_server({real(1), real(2), real(3)}, 2, 1));
  const auto events = h.start(kT0);
  const HealthEvent* up = find(events, Kind::kQuorumUp);
  ASSERT_NE(up, nullptr);
  EXPECT_EQ(up->threshold, 3);
  h.record(0, 0, fail(), kT0 + 1s);
  h.record(1, 0, fail(), kT0 + 1s);
  EXPECT_TRUE(h.quorum_up());  // 1 < 2 - 1 is false
  const auto u = h.record(2, 0, fail(), kT0 + 1s);
  const HealthEvent* down = find(u.events, Kind::kQuorumDown);
  ASSERT_NE(down, nullptr);  // sum 0 always loses the quorum
  EXPECT_EQ(down->threshold, 1);
}

TEST(ServerHealth, StartingWithoutQuorumIsSilentWithoutASorryServer) {
  VirtualServerHealth h(virtual_server({real(1, 1, 1, false, true), real(2)}, 2));
  const auto events = h.start(kT0);
  EXPECT_EQ(kinds(events), std::vector<Kind>{Kind::kRealServerUp});
  EXPECT_FALSE(h.quorum_up());
  EXPECT_EQ(h.destinations(), std::vector<Destination>{dest(2, 1)});
}

TEST(ServerHealth, StartingWithoutQuorumAddsTheSorryServer) {
  auto vs = virtual_server({real(1, 1, 1, false, true), real(2)}, 2);
  add_sorry(vs);
  VirtualServerHealth h(vs);
  const auto events = h.start(kT0);
  EXPECT_EQ(kinds(events), (std::vector<Kind>{Kind::kRealServerUp, Kind::kQuorumDown}));
  EXPECT_TRUE(events[1].initial);  // "Starting with quorum down"
  EXPECT_TRUE(h.sorry_active());
  // The sorry server replaces the alive real servers.
  EXPECT_EQ(h.destinations(), std::vector<Destination>{sorry(1)});
  const auto u = h.record(0, 0, ok(), kT0 + 1s);
  EXPECT_EQ(kinds(u.events),
            (std::vector<Kind>{Kind::kCheckerUp, Kind::kRealServerUp, Kind::kQuorumUp}));
  EXPECT_FALSE(h.sorry_active());
  EXPECT_EQ(h.destinations(), (std::vector<Destination>{dest(1, 1), dest(2, 1)}));
}

TEST(ServerHealth, SorryServerStandsInWhileTheQuorumIsLost) {
  auto vs = virtual_server({real(1), real(2, 1, 1, /*inhibit=*/true), real(3)}, 3);
  add_sorry(vs);
  VirtualServerHealth h(vs);
  h.start(kT0);
  EXPECT_EQ(h.destinations(), (std::vector<Destination>{dest(1, 1), dest(2, 1), dest(3, 1)}));
  h.record(2, 0, fail(), kT0 + 1s);
  // perform_quorum_state(remove): the alive ones leave, the inhibited one stays at weight 0.
  EXPECT_EQ(h.destinations(), (std::vector<Destination>{dest(2, 0), sorry(1)}));
  // Changes while the sorry server is in use do not touch the pool.
  h.record(0, 0, fail(), kT0 + 2s);
  h.record(0, 0, ok(), kT0 + 12s);
  EXPECT_EQ(h.destinations(), (std::vector<Destination>{dest(2, 0), sorry(1)}));
  h.record(2, 0, ok(), kT0 + 13s);
  EXPECT_EQ(h.destinations(), (std::vector<Destination>{dest(1, 1), dest(2, 1), dest(3, 1)}));
}

TEST(ServerHealth, SorryServerInhibitKeepsItWithWeightZero) {
  auto vs = virtual_server({real(1), real(2)}, 2);
  add_sorry(vs, /*inhibit=*/true);
  VirtualServerHealth h(vs);
  h.start(kT0);
  EXPECT_EQ(h.destinations(), (std::vector<Destination>{dest(1, 1), dest(2, 1), sorry(0)}));
  h.record(0, 0, fail(), kT0 + 1s);
  EXPECT_EQ(h.destinations(), std::vector<Destination>{sorry(1)});
  h.record(0, 0, ok(), kT0 + 11s);
  EXPECT_EQ(h.destinations(), (std::vector<Destination>{dest(1, 1), dest(2, 1), sorry(0)}));
}

TEST(ServerHealth, ASorryServerThatIsARealServerIsOneDestination) {
  auto vs = virtual_server({real(1), real(2)}, 2);
  config::SorryServer s;
  s.address = ip("10.0.0.2");
  s.port = 80;
  vs.sorry_server = s;
  VirtualServerHealth h(vs);
  h.start(kT0);
  EXPECT_EQ(h.destinations(), (std::vector<Destination>{dest(1, 1), dest(2, 1)}));
  h.record(0, 0, fail(), kT0 + 1s);
  EXPECT_EQ(h.destinations(), std::vector<Destination>{dest(2, 1)});
}

TEST(ServerHealth, OmegaNotifiesEveryAliveServerAndTheQuorumAtShutdown) {
  auto vs = virtual_server({real(1), real(2), real(3)});
  vs.omega = true;
  VirtualServerHealth h(vs);
  h.start(kT0);
  h.record(1, 0, fail(), kT0 + 1s);
  const auto events = h.stop(kT0 + 5s);
  EXPECT_EQ(kinds(events),
            (std::vector<Kind>{Kind::kRealServerDown, Kind::kRealServerDown, Kind::kQuorumDown}));
  EXPECT_EQ(events[0].real_server, 0u);
  EXPECT_EQ(events[1].real_server, 2u);
  for (const auto& e : events) {
    EXPECT_TRUE(e.stopping);
    EXPECT_EQ(e.at, kT0 + 5s);
  }
  EXPECT_TRUE(h.destinations().empty());
  EXPECT_TRUE(h.stop(kT0 + 6s).empty());  // once
}

TEST(ServerHealth, OmegaSendsQuorumDownAtShutdownEvenWhenAlreadyDown) {
  auto vs = virtual_server({real(1)});
  vs.omega = true;
  VirtualServerHealth h(vs);
  h.start(kT0);
  h.record(0, 0, fail(), kT0 + 1s);
  EXPECT_FALSE(h.quorum_up());
  EXPECT_EQ(kinds(h.stop(kT0 + 2s)), std::vector<Kind>{Kind::kQuorumDown});
}

TEST(ServerHealth, WithLvsFlushOnStopOnlyTheQuorumIsNotified) {
  auto vs = virtual_server({real(1), real(2)});
  vs.omega = true;
  VirtualServerHealth h(vs);
  h.start(kT0);
  const auto events = h.stop(kT0 + 1s, config::LvsFlushOnStop::kFull);
  ASSERT_EQ(kinds(events), std::vector<Kind>{Kind::kQuorumDown});
  EXPECT_EQ(events[0].weight_sum, 2);
}

TEST(ServerHealth, WithoutOmegaShutdownIsSilent) {
  VirtualServerHealth h(virtual_server({real(1), real(2)}));
  h.start(kT0);
  EXPECT_TRUE(h.stop(kT0 + 1s).empty());
  EXPECT_TRUE(h.destinations().empty());
  EXPECT_TRUE(h.record(0, 0, fail(), kT0 + 2s).events.empty());
}

TEST(ServerHealth, RecordBeforeStartStartsFirst) {
  VirtualServerHealth h(virtual_server({real(1)}));
  const auto u = h.record(0, 0, fail(), kT0);
  EXPECT_EQ(kinds(u.events),
            (std::vector<Kind>{Kind::kRealServerUp, Kind::kQuorumUp, Kind::kCheckerDown,
                               Kind::kRealServerDown, Kind::kQuorumDown}));
}

}  // namespace
}  // namespace vigil::checkers
