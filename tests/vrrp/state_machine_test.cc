// Every transition of the pure VRRP state machine, event by event, with the exact actions it asks
// for. Expected values come from RFC 5798 / RFC 3768 section 6 and keepalived 2.2.7's vrrp.c.
#include "vrrp/state_machine.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <type_traits>

namespace vigil::vrrp {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

core::IpAddress ip(const char* s) { return *core::parse_ip_address(s); }

const core::TimePoint t0{std::chrono::hours(1)};

std::string describe(const Actions& actions) {
  std::ostringstream os;
  for (const Action& a : actions) {
    if (os.tellp() > 0) os << ' ';
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, action::SendAdvert>) {
            os << "send(" << int{x.priority} << ')';
          } else if constexpr (std::is_same_v<T, action::ArmAdverTimer>) {
            os << "adver(" << x.after.count() << ')';
          } else if constexpr (std::is_same_v<T, action::ArmMasterDownTimer>) {
            os << "down(" << x.after.count() << ')';
          } else if constexpr (std::is_same_v<T, action::CancelTimers>) {
            os << "cancel";
          } else if constexpr (std::is_same_v<T, action::AddVips>) {
            os << "add_vips";
          } else if constexpr (std::is_same_v<T, action::RemoveVips>) {
            os << "remove_vips";
          } else if constexpr (std::is_same_v<T, action::SendGratuitous>) {
            os << "garp";
          } else if constexpr (std::is_same_v<T, action::MasterRxLowerPriority>) {
            os << "rx_lower(" << x.from.to_string() << ',' << int{x.priority} << ')';
          } else if constexpr (std::is_same_v<T, action::Notify>) {
            os << "notify(" << state_name(x.state) << ')';
          }
        },
        a);
  }
  return os.str();
}

InstanceParams params(std::uint8_t priority, Version version = Version::kV2) {
  InstanceParams p;
  p.name = "VI_1";
  p.version = version;
  p.vrid = 51;
  p.priority = priority;
  p.primary_address = ip("10.0.0.2");
  return p;
}

event::AdvertReceived advert(const char* from, std::uint8_t priority,
                             Micros interval = seconds(1)) {
  return {ReceivedAdvert{ip(from), priority, interval}};
}

// A state machine started at t0, as backup (or master for the owner).
StateMachine started(InstanceParams p) {
  StateMachine sm(std::move(p));
  sm.handle(event::Startup{}, t0);
  return sm;
}

StateMachine master(InstanceParams p) {
  StateMachine sm = started(std::move(p));
  if (sm.state() == State::kBackup) sm.handle(event::MasterDownTimerExpired{}, t0 + seconds(4));
  EXPECT_EQ(sm.state(), State::kMaster);
  return sm;
}

TEST(VrrpTimers, SkewAndMasterDownIntervalV2) {
  // RFC 3768 6.1: Skew_Time = (256 - Priority) / 256 s, independent of the interval.
  EXPECT_EQ(skew_time(Version::kV2, 100, seconds(1)), Micros(609'375));
  EXPECT_EQ(skew_time(Version::kV2, 100, seconds(5)), Micros(609'375));
  EXPECT_EQ(skew_time(Version::kV2, 150, seconds(1)), Micros(414'062));  // 106/256 s, rounded down
  EXPECT_EQ(master_down_interval(Version::kV2, 100, seconds(1)), Micros(3'609'375));
  EXPECT_EQ(master_down_interval(Version::kV2, 254, seconds(2)), Micros(6'007'812));
}

TEST(VrrpTimers, SkewAndMasterDownIntervalV3) {
  // RFC 5798 6.1: Skew_Time = ((256 - Priority) * Master_Adver_Interval) / 256.
  EXPECT_EQ(skew_time(Version::kV3, 100, seconds(1)), Micros(609'375));
  EXPECT_EQ(skew_time(Version::kV3, 100, milliseconds(10)), Micros(6'093));  // 6093.75 down
  EXPECT_EQ(master_down_interval(Version::kV3, 100, milliseconds(10)), Micros(36'093));
  EXPECT_EQ(master_down_interval(Version::kV3, 200, milliseconds(100)), Micros(321'875));
  // keepalived counts whole centiseconds of the interval.
  EXPECT_EQ(skew_time(Version::kV3, 1, Micros(19'999)), skew_time(Version::kV3, 1, Micros(10'000)));
  // down_timer_adverts replaces the 3.
  EXPECT_EQ(master_down_interval(Version::kV3, 100, seconds(1), 5), Micros(5'609'375));
  EXPECT_EQ(from_centiseconds(100), seconds(1));
}

TEST(VrrpStateMachine, StartsAsBackupWithMasterDownTimer) {
  StateMachine sm(params(100));
  EXPECT_EQ(sm.state(), State::kInit);
  EXPECT_EQ(describe(sm.handle(event::Startup{}, t0)), "notify(BACKUP) down(3609375)");
  EXPECT_EQ(sm.state(), State::kBackup);
  EXPECT_EQ(describe(sm.handle(event::Startup{}, t0)), "");  // only from INIT
}

TEST(VrrpStateMachine, OwnerStartsAsMasterAtOnce) {
  StateMachine sm(params(255));
  EXPECT_EQ(describe(sm.handle(event::Startup{}, t0)),
            "send(255) add_vips garp notify(MASTER) adver(1000000)");
  EXPECT_EQ(sm.stats().become_master, 1u);
}

TEST(VrrpStateMachine, StateMasterWithoutOwnershipStartsAsBackupAndClearsNopreempt) {
  InstanceParams p = params(100);
  p.initial_master = true;
  p.nopreempt = true;
  p.preempt_delay = seconds(5);
  StateMachine sm(p);
  EXPECT_FALSE(sm.params().nopreempt);
  EXPECT_EQ(sm.params().preempt_delay, Micros(0));
  EXPECT_EQ(describe(sm.handle(event::Startup{}, t0)), "notify(BACKUP) down(3609375)");
}

TEST(VrrpStateMachine, NopreemptIsClearedForTheOwner) {
  InstanceParams p = params(255);
  p.nopreempt = true;
  EXPECT_FALSE(StateMachine(p).params().nopreempt);
}

TEST(VrrpStateMachine, BackupBecomesMasterWhenMasterDownTimerExpires) {
  StateMachine sm = started(params(100));
  EXPECT_EQ(describe(sm.handle(event::MasterDownTimerExpired{}, t0 + Micros(3'609'375))),
            "send(100) add_vips garp notify(MASTER) adver(1000000)");
  EXPECT_EQ(sm.state(), State::kMaster);
  EXPECT_EQ(sm.master_address(), ip("10.0.0.2"));
}

TEST(VrrpStateMachine, BackupAcceptsHigherAndEqualPriorityAdverts) {
  StateMachine sm = started(params(100));
  EXPECT_EQ(describe(sm.handle(advert("10.0.0.1", 150), t0 + seconds(1))), "down(3609375)");
  EXPECT_EQ(sm.master_address(), ip("10.0.0.1"));
  // Equal priority: accepted whatever the address (only a master breaks ties).
  EXPECT_EQ(describe(sm.handle(advert("10.0.0.1", 100), t0 + seconds(2))), "down(3609375)");
  EXPECT_EQ(sm.state(), State::kBackup);
}

TEST(VrrpStateMachine, V3BackupLearnsTheMastersInterval) {
  InstanceParams p = params(100, Version::kV3);
  StateMachine sm = started(p);
  EXPECT_EQ(describe(sm.handle(advert("10.0.0.1", 150, milliseconds(10)), t0)), "down(36093)");
  EXPECT_EQ(sm.master_adver_interval(), milliseconds(10));
  // Priority 0: Skew_Time computed from the learned interval.
  EXPECT_EQ(describe(sm.handle(advert("10.0.0.1", 0, milliseconds(10)), t0)), "down(6093)");
  // As master it advertises its own interval again.
  EXPECT_EQ(describe(sm.handle(event::MasterDownTimerExpired{}, t0 + Micros(6093))),
            "send(100) add_vips garp notify(MASTER) adver(1000000)");
  EXPECT_EQ(sm.master_adver_interval(), seconds(1));
}

TEST(VrrpStateMachine, V2BackupKeepsItsOwnInterval) {
  StateMachine sm = started(params(100));
  EXPECT_EQ(describe(sm.handle(advert("10.0.0.1", 150, seconds(3)), t0)), "down(3609375)");
}

TEST(VrrpStateMachine, PreemptingBackupDiscardsLowerPriorityAdverts) {
  StateMachine sm = started(params(100));
  EXPECT_EQ(describe(sm.handle(advert("10.0.0.1", 50), t0 + seconds(1))), "");
  EXPECT_EQ(sm.stats().lower_priority_discarded, 1u);
  EXPECT_EQ(sm.state(), State::kBackup);
}

TEST(VrrpStateMachine, NopreemptBackupAcceptsLowerPriorityAdverts) {
  InstanceParams p = params(100);
  p.nopreempt = true;
  StateMachine sm = started(p);
  EXPECT_EQ(describe(sm.handle(advert("10.0.0.1", 50), t0 + seconds(1))), "down(3609375)");
}

TEST(VrrpStateMachine, PriorityZeroAdvertShortensBackupTimerToSkew) {
  StateMachine sm = started(params(100));
  EXPECT_EQ(describe(sm.handle(advert("10.0.0.1", 0), t0 + seconds(1))), "down(609375)");
  EXPECT_EQ(sm.stats().priority_zero_received, 1u);
}

TEST(VrrpStateMachine, PreemptDelayAcceptsLowerAdvertsUntilItPasses) {
  InstanceParams p = params(200);
  p.preempt_delay = seconds(2);
  StateMachine sm = started(p);
  const auto t = t0 + milliseconds(500);
  // First lower advert starts the delay and is treated as from a legitimate master.
  EXPECT_EQ(describe(sm.handle(advert("10.0.0.1", 100), t)), "down(3218750)");
  ASSERT_TRUE(sm.preempt_deadline());
  EXPECT_EQ(*sm.preempt_deadline(), t + seconds(2));
  EXPECT_EQ(describe(sm.handle(advert("10.0.0.1", 100), t + seconds(1))), "down(3218750)");
  // keepalived: accepted while preempt_time > now; at the deadline itself it is discarded.
  EXPECT_EQ(describe(sm.handle(advert("10.0.0.1", 100), t + seconds(2))), "");
  EXPECT_EQ(sm.stats().lower_priority_discarded, 1u);
}

TEST(VrrpStateMachine, PreemptDelayStopsOnHigherPriorityAdvert) {
  InstanceParams p = params(200);
  p.preempt_delay = seconds(2);
  StateMachine sm = started(p);
  sm.handle(advert("10.0.0.1", 100), t0);
  ASSERT_TRUE(sm.preempt_deadline());
  sm.handle(advert("10.0.0.1", 250), t0 + seconds(1));
  EXPECT_FALSE(sm.preempt_deadline());
  // A new lower master restarts the delay from scratch.
  sm.handle(advert("10.0.0.3", 100), t0 + seconds(5));
  EXPECT_EQ(*sm.preempt_deadline(), t0 + seconds(7));
}

TEST(VrrpStateMachine, MasterSendsAdvertOnAdverTimer) {
  StateMachine sm = master(params(100));
  EXPECT_EQ(describe(sm.handle(event::AdverTimerExpired{}, t0 + seconds(5))),
            "send(100) adver(1000000)");
}

TEST(VrrpStateMachine, MasterAnswersPriorityZeroWithAnAdvert) {
  StateMachine sm = master(params(100));
  EXPECT_EQ(describe(sm.handle(advert("10.0.0.1", 0), t0 + seconds(5))),
            "send(100) adver(1000000)");
  EXPECT_EQ(sm.state(), State::kMaster);
}

TEST(VrrpStateMachine, MasterReAdvertisesOnLowerPriorityAdvert) {
  StateMachine sm = master(params(100));
  EXPECT_EQ(describe(sm.handle(advert("10.0.0.1", 50), t0 + seconds(5))),
            "send(100) adver(1000000) rx_lower(10.0.0.1,50)");
  // Equal priority from a lower address counts as lower.
  EXPECT_EQ(describe(sm.handle(advert("10.0.0.1", 100), t0 + seconds(5))),
            "send(100) adver(1000000) rx_lower(10.0.0.1,100)");
  EXPECT_EQ(sm.state(), State::kMaster);
}

TEST(VrrpStateMachine, LowerPrioNoAdvertFollowsTheRfc) {
  InstanceParams p = params(100);
  p.lower_prio_no_advert = true;
  StateMachine sm = master(p);
  EXPECT_EQ(describe(sm.handle(advert("10.0.0.1", 50), t0 + seconds(5))), "rx_lower(10.0.0.1,50)");
}

TEST(VrrpStateMachine, MasterYieldsToHigherPriority) {
  StateMachine sm = master(params(100));
  EXPECT_EQ(describe(sm.handle(advert("10.0.0.1", 150), t0 + seconds(5))),
            "remove_vips notify(BACKUP) down(3609375)");
  EXPECT_EQ(sm.state(), State::kBackup);
  EXPECT_EQ(sm.master_address(), ip("10.0.0.1"));
  EXPECT_EQ(sm.stats().release_master, 1u);
}

// vrrp_sync_group orders. Held back: another Master_Down_Interval in BACKUP, nothing sent.
TEST(VrrpStateMachine, SyncHoldKeepsBackupForAnotherMasterDownInterval) {
  StateMachine sm = started(params(100));
  EXPECT_EQ(describe(sm.handle(event::SyncHold{}, t0 + Micros(3'609'375))), "down(3609375)");
  EXPECT_EQ(sm.state(), State::kBackup);
  StateMachine m = master(params(100));
  EXPECT_EQ(describe(m.handle(event::SyncHold{}, t0 + seconds(5))), "");  // BACKUP only
}

TEST(VrrpStateMachine, SyncMasterTakesOverFromBackupOnly) {
  StateMachine sm = started(params(100));
  EXPECT_EQ(describe(sm.handle(event::SyncMaster{}, t0 + seconds(1))),
            "send(100) add_vips garp notify(MASTER) adver(1000000)");
  StateMachine f(params(100));
  f.handle(event::FaultDetected{}, t0);
  f.handle(event::Startup{}, t0);
  EXPECT_EQ(describe(f.handle(event::SyncMaster{}, t0 + seconds(1))), "");
  EXPECT_EQ(f.state(), State::kFault);
}

// keepalived vrrp_sync_backup -> vrrp_state_leave_master(isync, false): no priority 0 advert.
TEST(VrrpStateMachine, SyncBackupLeavesMasterWithoutPriorityZero) {
  StateMachine sm = master(params(100));
  EXPECT_EQ(describe(sm.handle(event::SyncBackup{}, t0 + seconds(5))),
            "remove_vips notify(BACKUP) down(3609375)");
  EXPECT_EQ(sm.master_address(), std::nullopt);
  EXPECT_EQ(describe(sm.handle(event::SyncBackup{}, t0 + seconds(6))), "");
}

TEST(VrrpStateMachine, MasterYieldsToEqualPriorityFromHigherAddress) {
  StateMachine sm = master(params(100));
  EXPECT_EQ(describe(sm.handle(advert("10.0.0.3", 100), t0 + seconds(5))),
            "remove_vips notify(BACKUP) down(3609375)");
}

TEST(VrrpStateMachine, V3MasterYieldingLearnsTheNewMastersInterval) {
  StateMachine sm = master(params(100, Version::kV3));
  EXPECT_EQ(describe(sm.handle(advert("10.0.0.1", 150, milliseconds(100)), t0 + seconds(5))),
            "remove_vips notify(BACKUP) down(360937)");
}

TEST(VrrpStateMachine, HigherPrioSendAdvertSendsOneAdvertBeforeYielding) {
  InstanceParams p = params(100);
  p.higher_prio_send_advert = true;
  StateMachine sm = master(p);
  EXPECT_EQ(describe(sm.handle(advert("10.0.0.1", 150), t0 + seconds(5))),
            "send(100) remove_vips notify(BACKUP) down(3609375)");
}

TEST(VrrpStateMachine, TwoOwnersIsAConfigurationErrorAndTheLocalOneDropsTo254) {
  StateMachine sm = master(params(255));
  EXPECT_EQ(describe(sm.handle(advert("10.0.0.1", 255), t0 + seconds(1))),
            "remove_vips notify(BACKUP) down(3007812)");
  EXPECT_EQ(sm.effective_priority(), 254);
  EXPECT_EQ(sm.base_priority(), 254);
}

TEST(VrrpStateMachine, EqualPriorityFromOurOwnAddressChangesNothing) {
  StateMachine sm = master(params(100));
  EXPECT_EQ(describe(sm.handle(advert("10.0.0.2", 100), t0 + seconds(5))), "");
  EXPECT_EQ(sm.state(), State::kMaster);
}

TEST(VrrpStateMachine, ShutdownAsMasterSendsPriorityZeroAndReleasesVips) {
  StateMachine sm = master(params(100));
  EXPECT_EQ(describe(sm.handle(event::Shutdown{}, t0 + seconds(5))),
            "cancel send(0) remove_vips notify(STOP)");
  EXPECT_EQ(sm.state(), State::kStop);
  EXPECT_EQ(sm.stats().priority_zero_sent, 1u);
  EXPECT_EQ(describe(sm.handle(advert("10.0.0.1", 150), t0 + seconds(6))), "");
  EXPECT_EQ(describe(sm.handle(event::Shutdown{}, t0 + seconds(6))), "");
}

TEST(VrrpStateMachine, ShutdownAsBackupOnlyStops) {
  StateMachine sm = started(params(100));
  EXPECT_EQ(describe(sm.handle(event::Shutdown{}, t0 + seconds(1))), "cancel notify(STOP)");
  // A stopped instance can be started again (reload of an unchanged instance keeps it instead).
  EXPECT_EQ(describe(sm.handle(event::Startup{}, t0 + seconds(2))), "notify(BACKUP) down(3609375)");
}

TEST(VrrpStateMachine, MasterFaultSendsPriorityZeroAndReleasesVips) {
  StateMachine sm = master(params(100));
  EXPECT_EQ(describe(sm.handle(event::FaultDetected{}, t0 + seconds(5))),
            "cancel send(0) remove_vips notify(FAULT)");
  EXPECT_EQ(sm.state(), State::kFault);
  // FAULT ignores adverts, stale timers and repeated faults.
  EXPECT_EQ(describe(sm.handle(advert("10.0.0.1", 50), t0 + seconds(6))), "");
  EXPECT_EQ(describe(sm.handle(event::AdverTimerExpired{}, t0 + seconds(6))), "");
  EXPECT_EQ(describe(sm.handle(event::MasterDownTimerExpired{}, t0 + seconds(6))), "");
  EXPECT_EQ(describe(sm.handle(event::FaultDetected{}, t0 + seconds(6))), "");
  EXPECT_EQ(sm.stats().adverts_received, 0u);
}

TEST(VrrpStateMachine, BackupFaultAndRecovery) {
  StateMachine sm = started(params(100, Version::kV3));
  sm.handle(advert("10.0.0.1", 150, milliseconds(10)), t0);
  EXPECT_EQ(describe(sm.handle(event::FaultDetected{}, t0 + seconds(1))), "cancel notify(FAULT)");
  // Leaving FAULT: BACKUP with our own interval again and a full Master_Down_Timer.
  EXPECT_EQ(describe(sm.handle(event::FaultCleared{}, t0 + seconds(2))),
            "notify(BACKUP) down(3609375)");
  EXPECT_EQ(sm.master_adver_interval(), seconds(1));
  EXPECT_EQ(describe(sm.handle(event::FaultCleared{}, t0 + seconds(2))), "");
}

TEST(VrrpStateMachine, OwnerLeavesFaultAsMaster) {
  StateMachine sm = master(params(255));
  sm.handle(event::FaultDetected{}, t0 + seconds(1));
  EXPECT_EQ(describe(sm.handle(event::FaultCleared{}, t0 + seconds(2))),
            "send(255) add_vips garp notify(MASTER) adver(1000000)");
}

TEST(VrrpStateMachine, FaultBeforeStartupStartsInFault) {
  StateMachine sm(params(100));
  EXPECT_EQ(describe(sm.handle(event::FaultDetected{}, t0)), "");
  EXPECT_EQ(describe(sm.handle(event::Startup{}, t0)), "notify(FAULT)");
  EXPECT_EQ(sm.state(), State::kFault);
  EXPECT_EQ(describe(sm.handle(event::FaultCleared{}, t0 + seconds(1))),
            "notify(BACKUP) down(3609375)");
}

TEST(VrrpStateMachine, PriorityChangeRecomputesTheRunningMasterDownTimer) {
  StateMachine sm = started(params(100));
  sm.handle(advert("10.0.0.1", 200), t0);
  // 1 s later the priority becomes 150: the timer now ends at t0 + 3 + 106/256 s.
  EXPECT_EQ(describe(sm.handle(event::PriorityChanged{150}, t0 + seconds(1))), "down(2414062)");
  EXPECT_EQ(sm.effective_priority(), 150);
  // After a priority 0 advert the skew-only timer is recomputed as a skew.
  sm.handle(advert("10.0.0.1", 0), t0 + seconds(2));
  EXPECT_EQ(describe(sm.handle(event::PriorityChanged{254}, t0 + seconds(2))), "down(7812)");
}

TEST(VrrpStateMachine, PriorityChangeIsClampedAndIgnoredForTheOwner) {
  StateMachine sm = master(params(100));
  EXPECT_EQ(describe(sm.handle(event::PriorityChanged{255}, t0 + seconds(5))), "");
  EXPECT_EQ(sm.effective_priority(), 254);
  sm.handle(event::PriorityChanged{0}, t0 + seconds(5));
  EXPECT_EQ(sm.effective_priority(), 1);
  EXPECT_EQ(describe(sm.handle(event::AdverTimerExpired{}, t0 + seconds(6))),
            "send(1) adver(1000000)");
  StateMachine owner = master(params(255));
  owner.handle(event::PriorityChanged{10}, t0 + seconds(1));
  EXPECT_EQ(owner.effective_priority(), 255);
}

TEST(VrrpStateMachine, StaleTimerEventsAreIgnored) {
  StateMachine sm = started(params(100));
  EXPECT_EQ(describe(sm.handle(event::AdverTimerExpired{}, t0 + seconds(1))), "");
  StateMachine m = master(params(100));
  EXPECT_EQ(describe(m.handle(event::MasterDownTimerExpired{}, t0 + seconds(5))), "");
  StateMachine idle(params(100));
  EXPECT_EQ(describe(idle.handle(event::MasterDownTimerExpired{}, t0)), "");
  EXPECT_EQ(describe(idle.handle(advert("10.0.0.1", 150), t0)), "");
}

TEST(VrrpStateMachine, ComparesAddressesInNetworkByteOrder) {
  EXPECT_LT(compare_addresses(ip("10.0.0.2"), ip("10.0.0.10")), 0);
  EXPECT_GT(compare_addresses(ip("192.168.0.1"), ip("10.255.255.255")), 0);
  EXPECT_EQ(compare_addresses(ip("10.0.0.1"), ip("10.0.0.1")), 0);
  EXPECT_LT(compare_addresses(ip("fe80::2"), ip("fe80::1:1")), 0);
  EXPECT_EQ(compare_addresses(ip("10.0.0.1"), ip("fe80::1")), 0);
}

TEST(VrrpStateMachine, Ipv6TieBreakUsesTheSendersLinkLocalAddress) {
  InstanceParams p = params(100, Version::kV3);
  p.primary_address = ip("fe80::2");
  StateMachine sm = master(p);
  EXPECT_EQ(describe(sm.handle(advert("fe80::1", 100), t0 + seconds(5))),
            "send(100) adver(1000000) rx_lower(fe80::1,100)");
  EXPECT_EQ(describe(sm.handle(advert("fe80::3", 100), t0 + seconds(5))),
            "remove_vips notify(BACKUP) down(3609375)");
}

}  // namespace
}  // namespace vigil::vrrp
