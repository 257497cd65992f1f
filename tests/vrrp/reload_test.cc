// SIGHUP reload of matched VRRP instances under simulated time: the state machine keeps its
// state and timers, a master sends nothing extra and touches no address, and priority changes
// take effect by the RFC's rules at the exact instants RFC 3768's formulas give (in keepalived's
// integer microseconds, vrrp/timers.h).
#include <gtest/gtest.h>

#include <string>
#include <variant>
#include <vector>

#include "core/simulated_clock.h"
#include "fake_lan.h"
#include "vrrp/instance.h"
#include "vrrp/state_machine.h"

namespace vigil::vrrp {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::FakeLan;
using testing::Node;

core::IpAddress ip(const char* s) { return *core::parse_ip_address(s); }

InstanceParams router(const char* address, std::uint8_t priority) {
  InstanceParams p;
  p.name = std::string("VI_") + address;
  p.vrid = 51;
  p.priority = priority;
  p.primary_address = ip(address);
  return p;
}

template <typename T>
std::size_t count(const Actions& actions) {
  std::size_t n = 0;
  for (const auto& a : actions) n += std::holds_alternative<T>(a) ? 1 : 0;
  return n;
}

TEST(StateMachineReload, MasterKeepsItsStateAndDoesNothingAtOnce) {
  StateMachine sm(router("10.0.0.1", 255));
  const core::TimePoint t0{};
  sm.handle(event::Startup{}, t0);
  ASSERT_EQ(sm.state(), State::kMaster);
  const auto became = sm.stats().become_master;
  InstanceParams next = router("10.0.0.1", 150);
  next.name = "VI_renamed";
  next.advert_interval = milliseconds(2000);
  next.version = Version::kV3;
  const Actions actions = sm.handle(event::Reconfigure{next}, t0 + seconds(5));
  EXPECT_TRUE(actions.empty());  // no advert, no VIP change, no announcement, no notify
  EXPECT_EQ(sm.state(), State::kMaster);
  EXPECT_EQ(sm.stats().become_master, became);
  EXPECT_EQ(sm.base_priority(), 150);
  EXPECT_EQ(sm.effective_priority(), 150);  // no longer the owner
  EXPECT_EQ(sm.params().name, "VI_renamed");
  EXPECT_EQ(sm.master_adver_interval(), Micros(2'000'000));
  // The next Adver_Timer expiry advertises the new priority and arms the new interval.
  const Actions tick = sm.handle(event::AdverTimerExpired{}, t0 + seconds(6));
  ASSERT_EQ(tick.size(), 2u);
  EXPECT_EQ(std::get<action::SendAdvert>(tick[0]).priority, 150);
  EXPECT_EQ(std::get<action::ArmAdverTimer>(tick[1]).after, Micros(2'000'000));
}

TEST(StateMachineReload, BackupTimerIsRecomputedFromItsStartOnlyWhenItsLengthChanges) {
  StateMachine sm(router("10.0.0.2", 100));
  const core::TimePoint t0{};
  sm.handle(event::Startup{}, t0);
  ASSERT_EQ(sm.state(), State::kBackup);
  // Same priority and interval (other settings changed): the timer runs on untouched.
  InstanceParams same = router("10.0.0.2", 100);
  same.nopreempt = true;
  EXPECT_TRUE(sm.handle(event::Reconfigure{same}, t0 + seconds(1)).empty());
  // advert_int 1 -> 2 s: Master_Down_Interval 3 * 2 + (256 - 100) / 256 s (RFC 3768's
  // Skew_Time does not scale with the interval) from t0.
  InstanceParams slower = same;
  slower.advert_interval = seconds(2);
  const Actions a = sm.handle(event::Reconfigure{slower}, t0 + seconds(1));
  ASSERT_EQ(count<action::ArmMasterDownTimer>(a), 1u);
  EXPECT_EQ(std::get<action::ArmMasterDownTimer>(a[0]).after, Micros(6'609'375 - 1'000'000));
  EXPECT_EQ(sm.state(), State::kBackup);
  EXPECT_EQ(sm.master_down_interval(), Micros(6'609'375));
}

// A reloaded master with another VIP list: its next advert carries the new list, and nothing
// is installed, removed or announced by the state machine (the engine adds and removes only
// the difference, outside it).
TEST(InstanceReload, MasterAdvertisesTheNewVipListFromItsNextAdvert) {
  class Hooks : public InstanceHooks {
   public:
    void send_advert(const Advert& a) override { adverts.push_back(a); }
    void install_addresses() override { calls.push_back("install"); }
    void remove_addresses() override { calls.push_back("remove"); }
    void start_announcements() override { calls.push_back("announce"); }
    void stop_announcements() override { calls.push_back("stop_announce"); }
    void lower_priority_advert(const core::IpAddress&, std::uint8_t) override {}
    void state_changed(State, State to) override { states.push_back(to); }
    std::vector<Advert> adverts;
    std::vector<std::string> calls;
    std::vector<State> states;
  } hooks;
  core::SimulatedClock clock;
  InstanceConfig c;
  c.params = router("10.0.0.1", 255);
  c.receive.vrid = 51;
  c.receive.vips = {ip("10.0.0.100"), ip("10.0.0.101")};
  Instance instance(c, clock, hooks);
  instance.start();
  ASSERT_EQ(instance.state(), State::kMaster);
  clock.advance(milliseconds(2500));
  const std::size_t adverts = hooks.adverts.size();
  const auto calls = hooks.calls;
  const auto states = hooks.states;

  c.receive.vips = {ip("10.0.0.100"), ip("10.0.0.102")};
  instance.reconfigure(c);
  EXPECT_EQ(hooks.adverts.size(), adverts);  // nothing sent at the reload
  clock.advance(milliseconds(500));          // the Adver_Timer keeps its phase
  ASSERT_EQ(hooks.adverts.size(), adverts + 1);
  EXPECT_EQ(hooks.adverts.back().addresses,
            (std::vector<core::IpAddress>{ip("10.0.0.100"), ip("10.0.0.102")}));
  EXPECT_EQ(hooks.calls, calls);
  EXPECT_EQ(hooks.states, states);
  EXPECT_EQ(instance.state(), State::kMaster);
}

class SimulatedLanReload : public ::testing::Test {
 protected:
  core::SimulatedClock clock;
  core::TimePoint t0 = clock.now();
  core::TimePoint at(Micros us) const { return t0 + us; }
};

// Both directors reload with another VIP list at the same instant: no transition anywhere, no
// extra advert, the master's adverts keep their phase and the backup accepts them.
TEST_F(SimulatedLanReload, MasterKeepsMasterAndTheAdvertCadence) {
  FakeLan lan(clock);
  Node& a = lan.add(router("10.0.0.1", 150), {ip("10.0.0.100"), ip("10.0.0.101")});
  Node& b = lan.add(router("10.0.0.2", 100), {ip("10.0.0.100"), ip("10.0.0.101")});
  a.start();
  b.start();
  lan.run_for(seconds(10) + milliseconds(500));
  ASSERT_EQ(a.state(), State::kMaster);
  const auto a_transitions = a.transitions().size();
  const auto b_transitions = b.transitions().size();
  const auto a_sent = a.sent().size();

  b.reload(router("10.0.0.2", 100), {ip("10.0.0.100"), ip("10.0.0.102")});
  a.reload(router("10.0.0.1", 150), {ip("10.0.0.100"), ip("10.0.0.102")});
  EXPECT_EQ(a.sent().size(), a_sent);
  lan.run_for(seconds(10));

  EXPECT_EQ(a.transitions().size(), a_transitions);
  EXPECT_EQ(b.transitions().size(), b_transitions);
  EXPECT_EQ(a.state(), State::kMaster);
  EXPECT_TRUE(a.holds_vips());
  EXPECT_FALSE(b.holds_vips());
  EXPECT_EQ(b.dropped(), 0u);  // the new VIP list matches on both sides
  // One advert a second, at 3.414062 s + k s as before the reload.
  ASSERT_EQ(a.sent().size(), a_sent + 10);
  for (std::size_t i = a_sent; i < a.sent().size(); ++i) {
    EXPECT_EQ(a.sent()[i].at, at(Micros(3'414'062 + 1'000'000 * static_cast<std::int64_t>(i))));
  }
}

// keepalived: a master reloaded below its backup keeps MASTER and advertises the lower
// priority; the backup discards those adverts (it preempts) and takes over when its running
// Master_Down_Timer, started by the master's last higher advert, expires.
TEST_F(SimulatedLanReload, MasterLoweredBelowTheBackupIsPreemptedAfterMasterDownInterval) {
  FakeLan lan(clock);
  Node& a = lan.add(router("10.0.0.1", 150));
  Node& b = lan.add(router("10.0.0.2", 100));
  a.start();
  b.start();
  lan.run_for(seconds(10) + milliseconds(500));
  a.reload(router("10.0.0.1", 50));
  EXPECT_EQ(a.state(), State::kMaster);  // no transition at the reload
  lan.run_for(seconds(10));
  // The last advert at 150 left at 10.414062 s; Master_Down_Interval(100) = 3.609375 s.
  EXPECT_EQ(b.last_entered(State::kMaster), at(Micros(10'414'062 + 3'609'375)));
  EXPECT_EQ(a.last_entered(State::kBackup), at(Micros(10'414'062 + 3'609'375)));
  EXPECT_EQ(a.sent()[a.sent().size() - 1].priority, 50);
  EXPECT_EQ(lan.vip_holders(), 1u);
  EXPECT_TRUE(b.holds_vips());
}

// A backup reloaded above its master preempts when its Master_Down_Timer, recomputed for the
// new priority from its start (the master's last advert), expires.
TEST_F(SimulatedLanReload, BackupRaisedAboveTheMasterPreemptsAtTheRecomputedTimer) {
  FakeLan lan(clock);
  Node& a = lan.add(router("10.0.0.1", 150));
  Node& b = lan.add(router("10.0.0.2", 100));
  a.start();
  b.start();
  lan.run_for(seconds(10) + milliseconds(500));
  b.reload(router("10.0.0.2", 200));
  EXPECT_EQ(b.state(), State::kBackup);
  lan.run_for(seconds(10));
  // Master_Down_Interval(200) = 3 + 56/256 s = 3.218750 s after 10.414062 s.
  EXPECT_EQ(b.last_entered(State::kMaster), at(Micros(10'414'062 + 3'218'750)));
  EXPECT_EQ(a.last_entered(State::kBackup), at(Micros(10'414'062 + 3'218'750)));
  EXPECT_EQ(lan.vip_holders(), 1u);
}

// nopreempt added by a reload: the raised backup stays backup.
TEST_F(SimulatedLanReload, BackupRaisedWithNopreemptStaysBackup) {
  FakeLan lan(clock);
  Node& a = lan.add(router("10.0.0.1", 150));
  Node& b = lan.add(router("10.0.0.2", 100));
  a.start();
  b.start();
  lan.run_for(seconds(10) + milliseconds(500));
  InstanceParams p = router("10.0.0.2", 200);
  p.nopreempt = true;
  b.reload(p);
  lan.run_for(seconds(20));
  EXPECT_EQ(a.state(), State::kMaster);
  EXPECT_EQ(b.state(), State::kBackup);
  EXPECT_EQ(lan.max_masters_since(at(seconds(10))), 1u);
}

}  // namespace
}  // namespace vigil::vrrp
