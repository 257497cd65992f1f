// vrrp::Instance under simulated time with recording hooks: it turns the state machine's
// actions into hook calls, counts every dropped packet by reason, and sends well-formed adverts.
#include "vrrp/instance.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "core/simulated_clock.h"

namespace vigil::vrrp {
namespace {

core::IpAddress ip(const char* s) { return *core::parse_ip_address(s); }

class RecordingHooks : public InstanceHooks {
 public:
  void send_advert(const Advert& advert) override { adverts.push_back(advert); }
  void install_addresses() override {
    installed = true;
    calls.push_back("install");
  }
  void remove_addresses() override {
    installed = false;
    calls.push_back("remove");
  }
  void start_announcements() override { calls.push_back("announce"); }
  void stop_announcements() override { calls.push_back("stop_announce"); }
  void lower_priority_advert(const core::IpAddress&, std::uint8_t) override {
    calls.push_back("lower");
  }
  void state_changed(State from, State to) override { changes.emplace_back(from, to); }
  bool may_take_over() override {
    ++take_over_asked;
    return allow_take_over;
  }
  void master_heard() override { ++masters_heard; }

  std::vector<Advert> adverts;
  bool allow_take_over = true;
  int take_over_asked = 0;
  int masters_heard = 0;
  std::vector<std::string> calls;
  std::vector<std::pair<State, State>> changes;
  bool installed = false;
};

InstanceConfig config(std::uint8_t priority) {
  InstanceConfig c;
  c.params.name = "VI_1";
  c.params.vrid = 51;
  c.params.priority = priority;
  c.params.primary_address = ip("10.0.0.1");
  c.receive.version = Version::kV2;
  c.receive.vrid = 51;
  c.receive.auth_type = AuthType::kSimpleText;
  c.receive.auth_data = {'p', 'w', 0, 0, 0, 0, 0, 0};
  c.receive.vips = {ip("10.0.0.100")};
  return c;
}

struct Packet {
  std::vector<std::uint8_t> bytes;
  Datagram datagram;
};

Packet from_peer(const InstanceConfig& c, std::uint8_t priority, const char* source = "10.0.0.2") {
  Advert a;
  a.version = Version::kV2;
  a.vrid = c.receive.vrid;
  a.priority = priority;
  a.interval = 1;
  a.auth_type = c.receive.auth_type;
  a.auth_data = c.receive.auth_data;
  a.addresses = c.receive.vips;
  Packet p;
  p.datagram.ip = {ip(source), ip("224.0.0.18")};
  p.bytes = encode(a, p.datagram.ip);
  p.datagram.ttl = 255;
  p.datagram.message = p.bytes;
  return p;
}

TEST(VrrpInstance, BecomesMasterAfterMasterDownIntervalAndSendsAdverts) {
  core::SimulatedClock clock;
  RecordingHooks hooks;
  Instance instance(config(150), clock, hooks);
  instance.start();
  EXPECT_EQ(instance.state(), State::kBackup);
  // RFC 3768: 3 * 1 s + (256 - 150) / 256 s.
  clock.advance(std::chrono::microseconds(3'414'061));
  EXPECT_EQ(instance.state(), State::kBackup);
  clock.advance(std::chrono::microseconds(1));
  EXPECT_EQ(instance.state(), State::kMaster);
  EXPECT_TRUE(hooks.installed);
  ASSERT_FALSE(hooks.adverts.empty());
  const Advert& a = hooks.adverts.front();
  EXPECT_EQ(a.priority, 150);
  EXPECT_EQ(a.vrid, 51);
  EXPECT_EQ(a.interval, 1);
  EXPECT_EQ(a.auth_type, AuthType::kSimpleText);
  EXPECT_EQ(a.addresses, config(150).receive.vips);
  clock.advance(std::chrono::seconds(3));
  EXPECT_EQ(hooks.adverts.size(), 4u);
  EXPECT_EQ(instance.counters().adverts_sent, 4u);
  ASSERT_GE(hooks.changes.size(), 2u);
  EXPECT_EQ(hooks.changes.back(), std::make_pair(State::kBackup, State::kMaster));
}

TEST(VrrpInstance, HigherPriorityAdvertsKeepItBackup) {
  core::SimulatedClock clock;
  RecordingHooks hooks;
  const auto c = config(100);
  Instance instance(c, clock, hooks);
  instance.start();
  for (int i = 0; i < 10; ++i) {
    auto p = from_peer(c, 200);
    instance.receive(p.datagram);
    clock.advance(std::chrono::seconds(1));
  }
  EXPECT_EQ(instance.state(), State::kBackup);
  EXPECT_FALSE(hooks.installed);
  EXPECT_EQ(instance.machine().master_address(), ip("10.0.0.2"));
  EXPECT_EQ(instance.counters().dropped_total(), 0u);
}

TEST(VrrpInstance, CountsDropsByReasonWithoutStateChange) {
  core::SimulatedClock clock;
  RecordingHooks hooks;
  const auto c = config(100);
  Instance instance(c, clock, hooks);
  instance.start();
  auto bad_ttl = from_peer(c, 200);
  bad_ttl.datagram.ttl = 64;
  instance.receive(bad_ttl.datagram);
  auto bad_sum = from_peer(c, 200);
  bad_sum.bytes[6] ^= 1;
  instance.receive(bad_sum.datagram);
  auto own = from_peer(c, 200, "10.0.0.1");
  instance.receive(own.datagram);
  const auto& d = instance.counters().dropped;
  EXPECT_EQ(d[static_cast<std::size_t>(DropReason::kTtl)], 1u);
  EXPECT_EQ(d[static_cast<std::size_t>(DropReason::kChecksum)], 1u);
  EXPECT_EQ(d[static_cast<std::size_t>(DropReason::kOwnAdvert)], 1u);
  EXPECT_EQ(instance.counters().packets_received, 3u);
  EXPECT_EQ(instance.machine().master_address(), std::nullopt);
  // None of them counted as a master's advert: the instance still takes over on time.
  clock.advance(std::chrono::microseconds(3'609'375));
  EXPECT_EQ(instance.state(), State::kMaster);
}

TEST(VrrpInstance, StopAsMasterSendsPriorityZeroAndRemovesAddresses) {
  core::SimulatedClock clock;
  RecordingHooks hooks;
  Instance instance(config(255), clock, hooks);
  instance.start();
  EXPECT_EQ(instance.state(), State::kMaster);
  hooks.adverts.clear();
  instance.stop();
  ASSERT_EQ(hooks.adverts.size(), 1u);
  EXPECT_EQ(hooks.adverts[0].priority, 0);
  EXPECT_FALSE(hooks.installed);
  EXPECT_EQ(hooks.calls.back(), "remove");
  EXPECT_EQ(instance.state(), State::kStop);
  clock.advance(std::chrono::seconds(10));
  EXPECT_EQ(hooks.adverts.size(), 1u);
}

// vrrp_sync_group seam: a BACKUP whose group is not ready is held for another
// Master_Down_Interval each time its timer fires, and takes over once allowed.
TEST(VrrpInstance, SyncGroupHoldsTakeoverUntilAllowed) {
  core::SimulatedClock clock;
  RecordingHooks hooks;
  hooks.allow_take_over = false;
  Instance instance(config(150), clock, hooks);
  instance.start();
  clock.advance(std::chrono::microseconds(3'414'062 * 2));
  EXPECT_EQ(instance.state(), State::kBackup);
  EXPECT_EQ(hooks.take_over_asked, 2);
  EXPECT_TRUE(hooks.adverts.empty());
  hooks.allow_take_over = true;
  clock.advance(std::chrono::microseconds(3'414'062));
  EXPECT_EQ(instance.state(), State::kMaster);
  EXPECT_EQ(hooks.take_over_asked, 3);
}

// master_heard: only for adverts the BACKUP follows, not for a lower priority one it discards
// nor for a master's priority 0 farewell.
TEST(VrrpInstance, ReportsAcceptedMastersToItsSyncGroup) {
  core::SimulatedClock clock;
  RecordingHooks hooks;
  const auto c = config(150);
  Instance instance(c, clock, hooks);
  instance.start();
  instance.receive(from_peer(c, 200).datagram);
  EXPECT_EQ(hooks.masters_heard, 1);
  instance.receive(from_peer(c, 100).datagram);
  instance.receive(from_peer(c, 0).datagram);
  EXPECT_EQ(hooks.masters_heard, 1);
}

// Still BACKUP one microsecond before `at`, MASTER at `at`.
void expect_takeover_at(core::SimulatedClock& clock, const Instance& instance, core::TimePoint at) {
  clock.run_until(at - std::chrono::microseconds(1));
  EXPECT_EQ(instance.state(), State::kBackup);
  clock.run_until(at);
  EXPECT_EQ(instance.state(), State::kMaster);
}

// The Master_Down_Timer runs from the advert's arrival (the kernel's receive timestamp), not from
// the moment the loop handled it: RFC 5798 6.4.2 resets the timer when the advert is received.
TEST(VrrpInstance, MasterDownTimerRunsFromTheKernelReceiveTime) {
  core::SimulatedClock clock;
  RecordingHooks hooks;
  const auto c = config(100);
  Instance instance(c, clock, hooks);
  instance.start();
  clock.advance(std::chrono::seconds(1));
  auto p = from_peer(c, 200);
  const core::TimePoint arrived = clock.now() - std::chrono::microseconds(700);
  p.datagram.received_at = arrived;
  instance.receive(p.datagram);
  // RFC 3768: 3 * 1 s + (256 - 100) / 256 s = 3 609 375 us after the arrival.
  expect_takeover_at(clock, instance, arrived + std::chrono::microseconds(3'609'375));
}

// A priority 0 advert: Skew_Time from its arrival.
TEST(VrrpInstance, SkewTimerRunsFromTheKernelReceiveTime) {
  core::SimulatedClock clock;
  RecordingHooks hooks;
  const auto c = config(100);
  Instance instance(c, clock, hooks);
  instance.start();
  clock.advance(std::chrono::seconds(1));
  auto p = from_peer(c, 0);
  const core::TimePoint arrived = clock.now() - std::chrono::microseconds(250);
  p.datagram.received_at = arrived;
  instance.receive(p.datagram);
  expect_takeover_at(clock, instance, arrived + std::chrono::microseconds(609'375));
}

// A receive time is trusted back to Master_Down_Interval - Master_Adver_Interval at most (adverts
// may wait in the socket until the Master_Down_Timer is due, but a wall clock stepped forward
// between the kernel's stamp and its reading must not fire the timer before the next advert is
// due), and never in the future.
TEST(VrrpInstance, ReceiveTimeIsTrustedUntilTheNextAdvertWouldBeDue) {
  core::SimulatedClock clock;
  RecordingHooks hooks;
  const auto c = config(100);
  Instance instance(c, clock, hooks);
  const core::TimePoint started = clock.now();
  instance.start();
  clock.advance(std::chrono::seconds(3));
  auto held = from_peer(c, 200);
  // Held back 2.5 s (deferred reading): trusted as it is.
  const core::TimePoint arrived = started + std::chrono::milliseconds(500);
  held.datagram.received_at = arrived;
  instance.receive(held.datagram);
  expect_takeover_at(clock, instance, arrived + std::chrono::microseconds(3'609'375));

  // A stamp 30 s old (a wall clock stepped forward) counts as 2.609375 s old at most: the timer
  // then fires one advert interval from now.
  Instance old_one(c, clock, hooks);
  old_one.start();
  auto fresh = from_peer(c, 200);
  for (int i = 0; i < 35; ++i) {
    clock.advance(std::chrono::seconds(1));
    fresh.datagram.received_at = clock.now();
    old_one.receive(fresh.datagram);
  }
  auto old = from_peer(c, 200);
  old.datagram.received_at = clock.now() - std::chrono::seconds(30);
  const core::TimePoint now = clock.now();
  old_one.receive(old.datagram);
  expect_takeover_at(clock, old_one, now + std::chrono::seconds(1));

  Instance later(c, clock, hooks);
  later.start();
  auto future = from_peer(c, 200);
  future.datagram.received_at = clock.now() + std::chrono::seconds(30);
  const core::TimePoint then = clock.now();
  later.receive(future.datagram);
  expect_takeover_at(clock, later, then + std::chrono::microseconds(3'609'375));
}

// Deferred reading may hand over an advert that arrived before the instance left INIT (or
// FAULT): it is ignored, as it was when it arrived, though counted as received.
TEST(VrrpInstance, AdvertThatArrivedInInitIsIgnoredWhenHandedOverLate) {
  core::SimulatedClock clock;
  RecordingHooks hooks;
  const auto c = config(100);
  Instance instance(c, clock, hooks);
  const core::TimePoint created = clock.now();
  clock.advance(std::chrono::seconds(1));
  instance.start();
  auto p = from_peer(c, 200);
  p.datagram.received_at = created + std::chrono::milliseconds(500);
  instance.receive(p.datagram);
  EXPECT_EQ(instance.counters().packets_received, 1u);
  EXPECT_EQ(instance.machine().stats().adverts_received, 0u);
  EXPECT_EQ(hooks.masters_heard, 0);
  expect_takeover_at(clock, instance,
                     created + std::chrono::seconds(1) + std::chrono::microseconds(3'609'375));
}

// Deferred reading: when the Master_Down_Timer is due the transport first hands over what it
// held back; an advert that arrived in time restarts the timer from its arrival, and only when
// nothing came does the backup take over.
TEST(VrrpInstance, MasterDownTimerCatchesUpWithHeldBackAdvertsFirst) {
  core::SimulatedClock clock;
  struct HoldingHooks : RecordingHooks {
    void catch_up() override {
      ++catch_ups;
      if (held && instance) {
        auto d = *held;
        held.reset();
        instance->receive(d);
      }
    }
    Instance* instance = nullptr;
    std::optional<Datagram> held;
    int catch_ups = 0;
  } hooks;
  const auto c = config(100);
  Instance instance(c, clock, hooks);
  hooks.instance = &instance;
  const core::TimePoint t0 = clock.now();
  instance.start();
  auto p = from_peer(c, 200);
  p.datagram.received_at = t0 + std::chrono::seconds(3);
  hooks.held = p.datagram;
  // Due at 3.609375 s: catches up, and the advert of 3 s pushes the timer to 6.609375 s.
  clock.run_until(t0 + std::chrono::microseconds(3'609'375));
  EXPECT_EQ(hooks.catch_ups, 1);
  EXPECT_EQ(instance.state(), State::kBackup);
  EXPECT_EQ(instance.counters().packets_received, 1u);
  expect_takeover_at(clock, instance, t0 + std::chrono::microseconds(6'609'375));
  EXPECT_EQ(hooks.catch_ups, 2);
}

// On a takeover the advert goes out and the addresses are installed and announced before the
// state change is reported (notify scripts, FIFO, log), and the Adver_Timer runs from the expiry.
TEST(VrrpInstance, TakeoverSendsAndInstallsBeforeNotifying) {
  core::SimulatedClock clock;
  struct OrderHooks : RecordingHooks {
    void send_advert(const Advert& advert) override {
      RecordingHooks::send_advert(advert);
      calls.push_back("advert");
    }
    void state_changed(State from, State to) override {
      RecordingHooks::state_changed(from, to);
      calls.push_back(std::string("notify ") + std::string(state_name(to)));
    }
  } hooks;
  Instance instance(config(150), clock, hooks);
  instance.start();
  hooks.calls.clear();
  const core::TimePoint start = clock.now();
  clock.run_until(start + std::chrono::microseconds(3'414'062));
  ASSERT_EQ(instance.state(), State::kMaster);
  EXPECT_EQ(hooks.calls,
            (std::vector<std::string>{"advert", "install", "announce", "notify MASTER"}));
  clock.run_until(start + std::chrono::microseconds(4'414'061));
  EXPECT_EQ(hooks.adverts.size(), 1u);
  clock.run_until(start + std::chrono::microseconds(4'414'062));
  EXPECT_EQ(hooks.adverts.size(), 2u);
}

}  // namespace
}  // namespace vigil::vrrp
