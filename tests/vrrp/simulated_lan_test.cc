// Several VRRP routers on a simulated LAN under simulated time. Every takeover is asserted at its
// exact instant, to the microsecond, from RFC 5798 / RFC 3768's formulas:
//   Skew_Time = ((256 - Priority) * Master_Adver_Interval) / 256   (v2: (256 - Priority) / 256 s)
//   Master_Down_Interval = 3 * Master_Adver_Interval + Skew_Time
// computed in keepalived's integer microseconds (see vrrp/timers.h).
#include <gtest/gtest.h>

#include "fake_lan.h"

namespace vigil::vrrp {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::FakeLan;
using testing::Node;

core::IpAddress ip(const char* s) { return *core::parse_ip_address(s); }

InstanceParams router(const char* address, std::uint8_t priority, Version version = Version::kV2,
                      Micros interval = seconds(1)) {
  InstanceParams p;
  p.name = std::string("VI_") + address;
  p.version = version;
  p.vrid = 51;
  p.priority = priority;
  p.advert_interval = interval;
  p.primary_address = ip(address);
  return p;
}

class SimulatedLan : public ::testing::TestWithParam<testing::Reading> {
 protected:
  core::SimulatedClock clock;
  core::TimePoint t0 = clock.now();
  core::TimePoint at(Micros us) const { return t0 + us; }
  // Time of the last advert `n` sent at or before `t`.
  static core::TimePoint last_sent_before(const Node& n, core::TimePoint t) {
    core::TimePoint last{};
    for (const auto& s : n.sent()) {
      if (s.at <= t) last = s.at;
    }
    return last;
  }
};

// Master 150 and backup 100, advert_int 1 s (v2). The master wins the first election after its
// own Master_Down_Interval (3 + 106/256 s), then the master is killed: the backup takes over
// exactly 3 + 156/256 s after the last advert it heard.
TEST_P(SimulatedLan, MasterKilledBackupTakesOverAfterMasterDownInterval) {
  FakeLan lan(clock, {}, GetParam());
  Node& a = lan.add(router("10.0.0.1", 150));
  Node& b = lan.add(router("10.0.0.2", 100));
  a.start();
  b.start();
  lan.run_for(seconds(10) + milliseconds(500));
  EXPECT_EQ(a.last_entered(State::kMaster), at(Micros(3'414'062)));
  EXPECT_EQ(b.state(), State::kBackup);
  EXPECT_FALSE(b.last_entered(State::kMaster));

  a.kill();
  lan.run_for(seconds(10));
  const core::TimePoint last_advert = last_sent_before(a, at(seconds(11)));
  EXPECT_EQ(last_advert, at(Micros(10'414'062)));
  EXPECT_EQ(b.last_entered(State::kMaster), last_advert + Micros(3'609'375));
  EXPECT_EQ(b.last_entered(State::kMaster), at(Micros(14'023'437)));
  EXPECT_TRUE(b.holds_vips());
  EXPECT_EQ(lan.max_masters_since(t0), 1u);
}

TEST_P(SimulatedLan, LatencyDelaysTheTakeoverByExactlyTheLatency) {
  FakeLan lan(clock, Micros(250), GetParam());
  Node& a = lan.add(router("10.0.0.1", 150));
  Node& b = lan.add(router("10.0.0.2", 100));
  a.start();
  b.start();
  lan.run_for(seconds(10) + milliseconds(500));
  a.kill();
  lan.run_for(seconds(10));
  EXPECT_EQ(b.last_entered(State::kMaster), at(Micros(10'414'062 + 250 + 3'609'375)));
}

// SIGTERM: the master sends priority 0 and the backup takes over after Skew_Time only.
TEST_P(SimulatedLan, PriorityZeroOnShutdownTakeoverAfterSkewTime) {
  FakeLan lan(clock, {}, GetParam());
  Node& a = lan.add(router("10.0.0.1", 150));
  Node& b = lan.add(router("10.0.0.2", 100));
  a.start();
  b.start();
  lan.run_for(seconds(10) + milliseconds(500));
  a.shutdown();
  EXPECT_EQ(a.state(), State::kStop);
  EXPECT_FALSE(a.holds_vips());
  ASSERT_FALSE(a.sent().empty());
  EXPECT_EQ(a.sent().back().priority, 0);
  lan.run_for(seconds(5));
  EXPECT_EQ(b.last_entered(State::kMaster), at(Micros(10'500'000 + 609'375)));
  EXPECT_EQ(lan.vip_holders(), 1u);
}

// VRRPv3 at 10 ms: Master_Down_Interval = 30 ms + 156 * 1 cs * 625 / 16 us = 36 093 us.
TEST_P(SimulatedLan, V3TenMillisecondIntervals) {
  FakeLan lan(clock, {}, GetParam());
  Node& a = lan.add(router("10.0.0.1", 150, Version::kV3, milliseconds(10)));
  Node& b = lan.add(router("10.0.0.2", 100, Version::kV3, milliseconds(10)));
  a.start();
  b.start();
  lan.run_for(seconds(1));
  EXPECT_EQ(a.last_entered(State::kMaster), at(Micros(30'000 + 4'140)));
  a.kill();
  lan.run_for(seconds(1));
  EXPECT_EQ(last_sent_before(a, at(seconds(1))), at(Micros(994'140)));
  EXPECT_EQ(b.last_entered(State::kMaster), at(Micros(994'140 + 36'093)));
  EXPECT_EQ(lan.max_masters_since(t0), 1u);
}

// A v3 backup configured with advert_int 1 s learns the master's 10 ms from its adverts, times
// out on that, and advertises its own 1 s once master.
TEST_P(SimulatedLan, V3BackupUsesTheMastersIntervalThenItsOwn) {
  FakeLan lan(clock, {}, GetParam());
  Node& a = lan.add(router("10.0.0.1", 150, Version::kV3, milliseconds(10)));
  Node& b = lan.add(router("10.0.0.2", 100, Version::kV3, seconds(1)));
  a.start();
  b.start();
  lan.run_for(milliseconds(500));
  EXPECT_EQ(b.sm().master_adver_interval(), milliseconds(10));
  a.kill();
  lan.run_for(seconds(3));
  const core::TimePoint took_over = last_sent_before(a, at(milliseconds(500))) + Micros(36'093);
  EXPECT_EQ(b.last_entered(State::kMaster), took_over);
  const auto& sent = b.sent();
  ASSERT_GE(sent.size(), 3u);
  EXPECT_EQ(sent[0].at, took_over);
  EXPECT_EQ(sent[1].at - sent[0].at, seconds(1));
}

// Equal priorities: both time out at the same instant and become master; the one with the lower
// primary address yields at once on the other's advert (RFC 5798 6.4.3), whatever the start order.
TEST_P(SimulatedLan, EqualPrioritiesTieBreakOnHigherAddress) {
  for (bool higher_first : {false, true}) {
    core::SimulatedClock c;
    const core::TimePoint start = c.now();
    FakeLan lan(c, {}, GetParam());
    Node& low = lan.add(router("10.0.0.1", 100));
    Node& high = lan.add(router("10.0.0.2", 100));
    if (higher_first) {
      high.start();
      low.start();
    } else {
      low.start();
      high.start();
    }
    lan.run_for(seconds(30));
    const core::TimePoint election = start + Micros(3'609'375);
    EXPECT_EQ(high.state(), State::kMaster);
    EXPECT_EQ(high.last_entered(State::kMaster), election);
    EXPECT_EQ(low.state(), State::kBackup);
    EXPECT_EQ(low.last_entered(State::kMaster), election);
    EXPECT_EQ(low.last_entered(State::kBackup), election);
    EXPECT_EQ(lan.max_masters_since(election), 1u);
    EXPECT_EQ(lan.vip_holders(), 1u);
  }
}

TEST_P(SimulatedLan, Ipv6V3TieBreak) {
  FakeLan lan(clock, Micros(100), GetParam());
  Node& low = lan.add(router("fe80::1", 100, Version::kV3));
  Node& high = lan.add(router("fe80::2", 100, Version::kV3));
  low.start();
  high.start();
  lan.run_for(seconds(10));
  EXPECT_EQ(high.state(), State::kMaster);
  EXPECT_EQ(low.state(), State::kBackup);
  // Both became master at 3.609375 s; the loser yields when the winner's advert arrives.
  EXPECT_EQ(low.last_entered(State::kBackup), at(Micros(3'609'375 + 100)));
  EXPECT_EQ(low.dropped(), 0u);
  EXPECT_EQ(lan.max_masters_since(at(Micros(3'609'375 + 100))), 1u);
}

// A higher-priority router joining later preempts: it discards the master's lower adverts and
// takes over when its own Master_Down_Timer from startup expires (3 + 56/256 s).
TEST_P(SimulatedLan, HigherPriorityJoinerPreempts) {
  FakeLan lan(clock, {}, GetParam());
  Node& a = lan.add(router("10.0.0.1", 100));
  Node& b = lan.add(router("10.0.0.2", 200));
  a.start();
  lan.run_for(milliseconds(10'200));
  b.start();
  lan.run_for(seconds(10));
  EXPECT_EQ(b.last_entered(State::kMaster), at(Micros(10'200'000 + 3'218'750)));
  EXPECT_EQ(a.last_entered(State::kBackup), b.last_entered(State::kMaster));
  EXPECT_EQ(b.sm().stats().lower_priority_discarded, 3u);  // at 10.609375, 11.609375, 12.609375
  EXPECT_EQ(lan.max_masters_since(at(Micros(10'200'000 + 3'218'750)) + Micros(1)), 1u);
}

// preempt_delay 2: the first lower advert (10.609375 s) starts the delay; adverts before
// 12.609375 are accepted and restart the timer; the one at 12.609375 is discarded, so the
// takeover comes Master_Down_Interval after the advert at 11.609375.
TEST_P(SimulatedLan, PreemptDelay) {
  FakeLan lan(clock, {}, GetParam());
  Node& a = lan.add(router("10.0.0.1", 100));
  InstanceParams pb = router("10.0.0.2", 200);
  pb.preempt_delay = seconds(2);
  Node& b = lan.add(pb);
  a.start();
  lan.run_for(milliseconds(10'200));
  b.start();
  lan.run_for(seconds(10));
  EXPECT_EQ(b.last_entered(State::kMaster), at(Micros(11'609'375 + 3'218'750)));
  EXPECT_EQ(a.state(), State::kBackup);
}

TEST_P(SimulatedLan, NopreemptKeepsTheCurrentMaster) {
  FakeLan lan(clock, {}, GetParam());
  Node& a = lan.add(router("10.0.0.1", 100));
  InstanceParams pb = router("10.0.0.2", 200);
  pb.nopreempt = true;
  Node& b = lan.add(pb);
  a.start();
  lan.run_for(milliseconds(10'200));
  b.start();
  lan.run_until(at(milliseconds(60'500)));
  EXPECT_EQ(a.state(), State::kMaster);
  EXPECT_EQ(b.state(), State::kBackup);
  a.kill();
  lan.run_for(seconds(10));
  EXPECT_EQ(b.last_entered(State::kMaster), at(Micros(59'609'375 + 3'218'750)));
}

// Three routers: when the master dies, the next highest priority wins because its
// Master_Down_Interval is the shortest; the lowest never becomes master.
TEST_P(SimulatedLan, ThreeRoutersNextHighestTakesOver) {
  FakeLan lan(clock, Micros(50), GetParam());
  Node& a = lan.add(router("10.0.0.1", 150));
  Node& b = lan.add(router("10.0.0.2", 100));
  Node& c = lan.add(router("10.0.0.3", 50));
  a.start();
  b.start();
  c.start();
  lan.run_for(seconds(10) + milliseconds(500));
  EXPECT_EQ(a.state(), State::kMaster);
  a.kill();
  lan.run_for(seconds(20));
  EXPECT_EQ(b.last_entered(State::kMaster), at(Micros(10'414'062 + 50 + 3'609'375)));
  EXPECT_FALSE(c.last_entered(State::kMaster));
  EXPECT_EQ(lan.max_masters_since(t0), 1u);
  // The old master comes back and preempts after its own Master_Down_Interval.
  a.restart();
  lan.run_for(seconds(10));
  EXPECT_EQ(a.last_entered(State::kMaster), at(Micros(30'500'000 + 3'414'062)));
  EXPECT_EQ(b.state(), State::kBackup);
  EXPECT_EQ(lan.max_masters_since(at(Micros(30'500'000 + 3'414'062 + 50))), 1u);
}

TEST_P(SimulatedLan, AddressOwnerIsMasterFromTheStart) {
  FakeLan lan(clock, {}, GetParam());
  Node& owner = lan.add(router("10.0.0.1", 255));
  Node& b = lan.add(router("10.0.0.2", 100));
  owner.start();
  b.start();
  EXPECT_EQ(owner.last_entered(State::kMaster), t0);
  lan.run_for(seconds(30));
  EXPECT_FALSE(b.last_entered(State::kMaster));
  EXPECT_EQ(lan.max_masters_since(t0), 1u);
}

// track_interface / track_script fault on the master: priority 0 advert, takeover after skew;
// when the fault clears the higher-priority router preempts again after its Master_Down_Interval.
TEST_P(SimulatedLan, FaultOnMasterAndRecovery) {
  FakeLan lan(clock, {}, GetParam());
  Node& a = lan.add(router("10.0.0.1", 150));
  Node& b = lan.add(router("10.0.0.2", 100));
  a.start();
  b.start();
  lan.run_for(seconds(10) + milliseconds(500));
  a.set_fault(true);
  EXPECT_EQ(a.state(), State::kFault);
  EXPECT_FALSE(a.holds_vips());
  lan.run_for(seconds(10));
  EXPECT_EQ(b.last_entered(State::kMaster), at(Micros(10'500'000 + 609'375)));
  a.set_fault(false);
  EXPECT_EQ(a.state(), State::kBackup);
  lan.run_for(seconds(10));
  EXPECT_EQ(a.last_entered(State::kMaster), at(Micros(20'500'000 + 3'414'062)));
  EXPECT_EQ(b.last_entered(State::kBackup), a.last_entered(State::kMaster));
  // Two masters only for the zero-latency instant of the handover itself.
  EXPECT_EQ(lan.max_masters_since(*a.last_entered(State::kMaster)), 1u);
}

// A track_script weight drops the master's priority below the backup's: the backup discards the
// now-lower adverts and takes over Master_Down_Interval after the last higher one.
TEST_P(SimulatedLan, PriorityDropHandsOverToTheBackup) {
  FakeLan lan(clock, {}, GetParam());
  Node& a = lan.add(router("10.0.0.1", 150));
  Node& b = lan.add(router("10.0.0.2", 100));
  a.start();
  b.start();
  lan.run_for(seconds(10) + milliseconds(500));
  a.set_priority(90);
  lan.run_for(seconds(10));
  EXPECT_EQ(b.last_entered(State::kMaster), at(Micros(10'414'062 + 3'609'375)));
  EXPECT_EQ(a.last_entered(State::kBackup), b.last_entered(State::kMaster));
  EXPECT_EQ(lan.max_masters_since(*b.last_entered(State::kMaster)), 1u);
}

// A partition makes two masters; when it heals, keepalived's master answers the lower advert at
// once ("forcing new election") and the lower one yields immediately. With lower_prio_no_advert
// (RFC behaviour) the lower one yields only at the higher master's next scheduled advert.
TEST_P(SimulatedLan, PartitionHealsIntoOneMaster) {
  for (bool no_advert : {false, true}) {
    core::SimulatedClock c;
    const core::TimePoint start = c.now();
    FakeLan lan(c, {}, GetParam());
    InstanceParams pa = router("10.0.0.1", 150);
    pa.lower_prio_no_advert = no_advert;
    Node& a = lan.add(pa);
    Node& b = lan.add(router("10.0.0.2", 100));
    a.start();
    b.start();
    lan.run_for(seconds(10) + milliseconds(500));
    b.set_connected(false);
    lan.run_for(seconds(10));
    EXPECT_EQ(b.last_entered(State::kMaster), start + Micros(10'414'062 + 3'609'375));
    EXPECT_EQ(lan.masters(), 2u);
    b.set_connected(true);
    lan.run_for(seconds(10));
    // b's first advert after healing is at 21.023437 s, a's at 21.414062 s.
    const Micros yield = no_advert ? Micros(21'414'062) : Micros(21'023'437);
    EXPECT_EQ(b.last_entered(State::kBackup), start + yield) << "no_advert=" << no_advert;
    EXPECT_EQ(a.state(), State::kMaster);
    EXPECT_EQ(lan.max_masters_since(start + yield), 1u);
  }
}

TEST_P(SimulatedLan, HigherPrioSendAdvertAnnouncesBeforeYielding) {
  FakeLan lan(clock, {}, GetParam());
  Node& a = lan.add(router("10.0.0.1", 150));
  InstanceParams pb = router("10.0.0.2", 100);
  pb.higher_prio_send_advert = true;
  Node& b = lan.add(pb);
  a.start();
  b.start();
  lan.run_for(seconds(10) + milliseconds(500));
  b.set_connected(false);
  lan.run_for(seconds(10));
  b.set_connected(true);
  lan.run_for(seconds(10));
  const core::TimePoint yield = at(Micros(21'023'437));
  EXPECT_EQ(b.last_entered(State::kBackup), yield);
  // b's scheduled advert, then (on a's immediate answer) one more before yielding.
  std::size_t at_yield = 0;
  for (const auto& s : b.sent()) at_yield += s.at == yield ? 1 : 0;
  EXPECT_EQ(at_yield, 2u);
}

// Different VRIDs on one segment are different virtual routers: both are master.
TEST_P(SimulatedLan, DifferentVridsDoNotInteract) {
  FakeLan lan(clock, {}, GetParam());
  Node& a = lan.add(router("10.0.0.1", 150));
  InstanceParams pb = router("10.0.0.2", 100);
  pb.vrid = 52;
  Node& b = lan.add(pb);
  a.start();
  b.start();
  lan.run_for(seconds(10));
  EXPECT_EQ(a.state(), State::kMaster);
  EXPECT_EQ(b.state(), State::kMaster);
  EXPECT_EQ(b.last_entered(State::kMaster), at(Micros(3'609'375)));
}

// v2 adverts with another interval are dropped by the receiver (RFC 3768 7.1), so a backup
// whose advert_int differs from the master's ignores it and becomes master too.
TEST_P(SimulatedLan, V2IntervalMismatchIsDropped) {
  FakeLan lan(clock, {}, GetParam());
  Node& a = lan.add(router("10.0.0.1", 150));
  Node& b = lan.add(router("10.0.0.2", 100, Version::kV2, seconds(2)));
  a.start();
  b.start();
  lan.run_for(seconds(10));
  EXPECT_EQ(b.state(), State::kMaster);
  EXPECT_GT(b.dropped(), 0u);
}

// Two address owners: each drops to 254 on the other's advert, both yield, and the next
// election is broken by the higher address.
TEST_P(SimulatedLan, TwoOwnersConvergeOnTheHigherAddress) {
  FakeLan lan(clock, {}, GetParam());
  Node& a = lan.add(router("10.0.0.1", 255));
  Node& b = lan.add(router("10.0.0.2", 255));
  a.start();
  b.start();
  lan.run_for(seconds(20));
  EXPECT_EQ(b.state(), State::kMaster);
  EXPECT_EQ(a.state(), State::kBackup);
  EXPECT_EQ(a.sm().effective_priority(), 254);
  EXPECT_EQ(lan.vip_holders(), 1u);
}

// Random-ish churn on three routers with latency: whatever happens, once the survivors have had
// Master_Down_Interval to converge there is exactly one master and one VIP holder.
TEST_P(SimulatedLan, NeverTwoMastersAfterConvergence) {
  FakeLan lan(clock, Micros(300), GetParam());
  Node& a = lan.add(router("10.0.0.1", 150, Version::kV3, milliseconds(100)));
  Node& b = lan.add(router("10.0.0.2", 120, Version::kV3, milliseconds(100)));
  Node& c = lan.add(router("10.0.0.3", 120, Version::kV3, milliseconds(100)));
  a.start();
  b.start();
  c.start();
  const Micros settle = master_down_interval(Version::kV3, 120, milliseconds(100)) + Micros(600);
  auto check = [&](const char* what) {
    lan.run_for(settle);
    const core::TimePoint converged = lan.now();
    lan.run_for(seconds(3));
    EXPECT_EQ(lan.max_masters_since(converged), 1u) << what;
    EXPECT_EQ(lan.masters(), 1u) << what;
    EXPECT_EQ(lan.vip_holders(), 1u) << what;
  };
  check("initial election");
  EXPECT_EQ(a.state(), State::kMaster);
  a.kill();
  check("master killed");
  EXPECT_EQ(c.state(), State::kMaster);  // equal priorities: higher address
  c.shutdown();
  check("master stopped");
  EXPECT_EQ(b.state(), State::kMaster);
  a.restart();
  c.restart();
  check("both back");
  EXPECT_EQ(a.state(), State::kMaster);
  a.set_priority(100);
  check("priority dropped");
  EXPECT_EQ(c.state(), State::kMaster);
  c.set_fault(true);
  check("master faulted");
  EXPECT_EQ(b.state(), State::kMaster);
  c.set_fault(false);
  check("fault cleared");
  EXPECT_EQ(b.state(), State::kMaster);  // equal priority does not preempt
  b.set_connected(false);                // b stays master alone, a and c elect c
  lan.run_for(seconds(2));
  EXPECT_EQ(c.state(), State::kMaster);
  EXPECT_EQ(lan.masters(), 2u);
  b.set_connected(true);
  check("partition healed");
  EXPECT_EQ(c.state(), State::kMaster);
}

// Deferred reading: the backup's instance sees the master's adverts only when its
// Master_Down_Timer is due, about once per Master_Down_Interval - Master_Adver_Interval instead
// of once per advert, and still never takes over from a live master.
TEST(SimulatedLanDeferred, BackupCatchesUpOncePerMasterDownInterval) {
  core::SimulatedClock clock;
  FakeLan lan(clock, Micros(100), testing::Reading::kDeferred);
  Node& a = lan.add(router("10.0.0.1", 150));
  Node& b = lan.add(router("10.0.0.2", 100));
  a.start();
  b.start();
  lan.run_for(seconds(5));
  ASSERT_EQ(a.state(), State::kMaster);
  const std::size_t before = b.catch_ups();
  lan.run_for(seconds(60));
  EXPECT_EQ(b.state(), State::kBackup);
  EXPECT_FALSE(b.last_entered(State::kMaster));
  // 60 adverts; the timer (3.609 s from the last advert) catches up every 2.6 to 3.6 s.
  EXPECT_GE(b.catch_ups() - before, 16u);
  EXPECT_LE(b.catch_ups() - before, 24u);
  EXPECT_GT(b.held_back(), 0u);
  EXPECT_EQ(b.instance().counters().packets_received + b.held_back(), a.sent().size());
}

INSTANTIATE_TEST_SUITE_P(Reading, SimulatedLan,
                         ::testing::Values(testing::Reading::kImmediate,
                                           testing::Reading::kDeferred),
                         [](const auto& info) {
                           return info.param == testing::Reading::kImmediate ? "Immediate"
                                                                             : "Deferred";
                         });

}  // namespace
}  // namespace vigil::vrrp
