// The takeover announcement schedule under simulated time, with a recording sender. The shape
// follows what Debian's keepalived 2.2.7 was seen sending in the namespace lab: the burst right
// after the transition, rounds interleaving the addresses, the second burst garp_master_delay
// later, refreshes every garp_master_refresh.
#include "vrrp/announce.h"

#include <gtest/gtest.h>

#include <chrono>
#include <vector>

#include "core/simulated_clock.h"
#include "parser/config/global.h"
#include "parser/config/vrrp_instance.h"

namespace vigil::vrrp {
namespace {

using namespace std::chrono_literals;

struct Sent {
  core::TimePoint at;
  int ifindex = 0;
  std::vector<std::uint8_t> frame;
};

class RecordingSender : public FrameSender {
 public:
  explicit RecordingSender(core::Clock& clock) : clock_(clock) {}
  std::error_code send(int ifindex, std::span<const std::uint8_t> frame) override {
    sent.push_back({clock_.now(), ifindex, {frame.begin(), frame.end()}});
    if (fail) return std::make_error_code(std::errc::network_down);
    return {};
  }
  std::vector<Sent> sent;
  bool fail = false;

 private:
  core::Clock& clock_;
};

const MacAddress kMac{0x02, 0, 0, 0, 0, 0x01};

AnnounceTarget target(const char* address, int ifindex = 3) {
  return {*core::parse_ip_address(address), ifindex, kMac, false};
}

// The announced address of a recorded frame, as text.
std::string address_of(const Sent& s) {
  if (auto a = parse_arp_frame(s.frame)) return a->sender_ip.to_string();
  if (auto n = parse_neighbour_advert_frame(s.frame)) return n->target.to_string();
  return "?";
}

class AnnounceTest : public ::testing::Test {
 protected:
  core::SimulatedClock clock;
  RecordingSender sender{clock};
  core::TimePoint t0 = clock.now();

  std::vector<std::string> addresses_between(core::Duration from, core::Duration to) const {
    std::vector<std::string> out;
    for (const Sent& s : sender.sent) {
      if (s.at >= t0 + from && s.at < t0 + to) out.push_back(address_of(s));
    }
    return out;
  }
};

TEST_F(AnnounceTest, TakeoverBurstThenSecondBurstAfterDelay) {
  AnnouncePacer pacer(clock, sender);
  Announcer a(clock, pacer, AnnounceSettings{}, "VI_1");  // keepalived defaults: 5 rounds, 5 s
  a.start({target("192.168.77.100"), target("192.168.77.101"), target("fd00::100")});

  // Synchronous with zero intervals: the whole burst is out before start() returns.
  ASSERT_EQ(sender.sent.size(), 15u);
  for (const Sent& s : sender.sent) {
    EXPECT_EQ(s.at, t0);
    EXPECT_EQ(s.ifindex, 3);
  }
  EXPECT_EQ(addresses_between(0s, 1s),
            (std::vector<std::string>{
                "192.168.77.100", "192.168.77.101", "fd00::100", "192.168.77.100", "192.168.77.101",
                "fd00::100", "192.168.77.100", "192.168.77.101", "fd00::100", "192.168.77.100",
                "192.168.77.101", "fd00::100", "192.168.77.100", "192.168.77.101", "fd00::100"}));

  clock.advance(5s - 1us);
  EXPECT_EQ(sender.sent.size(), 15u);
  clock.advance(1us);
  ASSERT_EQ(sender.sent.size(), 30u);
  EXPECT_EQ(sender.sent.back().at, t0 + 5s);

  clock.advance(1h);  // no refresh by default
  EXPECT_EQ(sender.sent.size(), 30u);
  EXPECT_EQ(a.stats().arp_sent, 20u);
  EXPECT_EQ(a.stats().na_sent, 10u);
  EXPECT_EQ(a.stats().bursts, 2u);
  EXPECT_EQ(a.stats().send_errors, 0u);
  EXPECT_EQ(pacer.stats().arp_sent, 20u);
}

TEST_F(AnnounceTest, RefreshRepeatsPeriodically) {
  AnnouncePacer pacer(clock, sender);
  AnnounceSettings s;
  s.repeat = 1;
  s.delay = 0s;  // no second burst
  s.refresh = 10s;
  s.refresh_repeat = 2;
  Announcer a(clock, pacer, s, "VI_1");
  a.start({target("10.0.0.1")});
  EXPECT_EQ(sender.sent.size(), 1u);
  clock.advance(35s);
  // Refreshes at 10, 20 and 30 s, two frames each.
  ASSERT_EQ(sender.sent.size(), 7u);
  EXPECT_EQ(sender.sent[1].at, t0 + 10s);
  EXPECT_EQ(sender.sent[2].at, t0 + 10s);
  EXPECT_EQ(sender.sent[3].at, t0 + 20s);
  EXPECT_EQ(sender.sent[6].at, t0 + 30s);
}

// garp_extra_if: one round for the addresses on extra interfaces every interval, the first one
// interval after the takeover (keepalived 2.2.7 in the lab), independent of the second burst.
TEST_F(AnnounceTest, ExtraInterfacesAreAnnouncedEveryInterval) {
  AnnouncePacer pacer(clock, sender);
  AnnounceSettings s;
  s.repeat = 2;
  s.delay = 5s;
  s.extra_if = 3s;
  Announcer a(clock, pacer, s, "VI_1");
  AnnounceTarget on_vmac = target("10.0.0.1", 7);
  on_vmac.extra_if = true;
  AnnounceTarget on_eth1 = target("10.1.0.1", 8);
  on_eth1.extra_if = true;
  a.start({target("10.0.0.2"), on_vmac, on_eth1});
  EXPECT_EQ(addresses_between(0s, 1s),
            (std::vector<std::string>{"10.0.0.2", "10.0.0.1", "10.1.0.1", "10.0.0.2", "10.0.0.1",
                                      "10.1.0.1"}));
  clock.advance(10s);
  EXPECT_EQ(addresses_between(1s, 4s), (std::vector<std::string>{"10.0.0.1", "10.1.0.1"}));
  EXPECT_EQ(addresses_between(4s, 6s).size(), 6u);  // the second burst at 5 s, every address
  EXPECT_EQ(addresses_between(6s, 7s), (std::vector<std::string>{"10.0.0.1", "10.1.0.1"}));
  EXPECT_EQ(addresses_between(9s, 10s), (std::vector<std::string>{"10.0.0.1", "10.1.0.1"}));
  for (const Sent& sent : sender.sent) {
    if (sent.at == t0 + 3s) {
      EXPECT_NE(sent.ifindex, 3);
    }
  }
  a.stop();
  const auto before = sender.sent.size();
  clock.advance(1h);
  EXPECT_EQ(sender.sent.size(), before);
}

TEST_F(AnnounceTest, NoExtraRoundsWithoutExtraInterfacesOrInterval) {
  AnnouncePacer pacer(clock, sender);
  AnnounceSettings s;
  s.repeat = 1;
  s.delay = 0s;
  s.extra_if = 1s;
  Announcer a(clock, pacer, s, "VI_1");
  a.start({target("10.0.0.1")});  // the advert interface only
  clock.advance(10s);
  EXPECT_EQ(sender.sent.size(), 1u);
  EXPECT_EQ(clock.pending(), 0u);

  s.extra_if = 0s;
  Announcer b(clock, pacer, s, "VI_2");
  AnnounceTarget elsewhere = target("10.1.0.1", 8);
  elsewhere.extra_if = true;
  b.start({elsewhere});
  clock.advance(10s);
  EXPECT_EQ(sender.sent.size(), 2u);
}

// A reload that adds an address on an extra interface, or turns garp_extra_if on, starts the
// rounds while master; one that turns it off stops them.
TEST_F(AnnounceTest, ReloadStartsAndStopsExtraRounds) {
  AnnouncePacer pacer(clock, sender);
  AnnounceSettings s;
  s.repeat = 1;
  s.delay = 0s;
  s.extra_if = 2s;
  Announcer a(clock, pacer, s, "VI_1");
  a.start({target("10.0.0.1")});
  clock.advance(5s);
  ASSERT_EQ(sender.sent.size(), 1u);
  AnnounceTarget elsewhere = target("10.1.0.1", 8);
  elsewhere.extra_if = true;
  a.update_targets({target("10.0.0.1"), elsewhere}, {elsewhere});  // t0 + 5 s: one round
  clock.advance(5s);
  EXPECT_EQ(addresses_between(5s, 10s),
            (std::vector<std::string>{"10.1.0.1", "10.1.0.1", "10.1.0.1"}));  // 5, 7, 9 s

  s.extra_if = 0s;
  a.set_settings(s);
  const auto before = sender.sent.size();
  clock.advance(10s);
  EXPECT_EQ(sender.sent.size(), before);

  s.extra_if = 4s;
  a.set_settings(s);  // t0 + 20 s
  clock.advance(5s);
  EXPECT_EQ(addresses_between(20s, 25s), (std::vector<std::string>{"10.1.0.1"}));  // 24 s
}

TEST_F(AnnounceTest, StopCancelsPendingBursts) {
  AnnouncePacer pacer(clock, sender);
  AnnounceSettings s;
  s.refresh = 2s;
  Announcer a(clock, pacer, s, "VI_1");
  a.start({target("10.0.0.1")});
  EXPECT_EQ(sender.sent.size(), 5u);
  EXPECT_TRUE(a.active());
  clock.advance(1s);
  a.stop();
  EXPECT_FALSE(a.active());
  clock.advance(1h);
  EXPECT_EQ(sender.sent.size(), 5u);
  EXPECT_EQ(clock.pending(), 0u);
  // A lower-priority advert after leaving master sends nothing.
  a.lower_priority_advert();
  EXPECT_EQ(sender.sent.size(), 5u);
}

TEST_F(AnnounceTest, RestartReplacesTheSchedule) {
  AnnouncePacer pacer(clock, sender);
  Announcer a(clock, pacer, AnnounceSettings{}, "VI_1");
  a.start({target("10.0.0.1")});
  clock.advance(3s);
  a.start({target("10.0.0.2")});  // master again (e.g. after a quick BACKUP/MASTER flip)
  EXPECT_EQ(sender.sent.size(), 10u);
  clock.advance(2s);  // the first schedule's second burst was cancelled
  EXPECT_EQ(sender.sent.size(), 10u);
  clock.advance(3s);
  ASSERT_EQ(sender.sent.size(), 15u);
  EXPECT_EQ(address_of(sender.sent.back()), "10.0.0.2");
  EXPECT_EQ(sender.sent.back().at, t0 + 8s);
}

// Reload of a master with a new VIP: one burst for the new address only; the second burst of
// the takeover, still pending, then covers the whole new list; a dropped VIP is announced no
// more.
TEST_F(AnnounceTest, ReloadAnnouncesOnlyTheAddedAddresses) {
  AnnouncePacer pacer(clock, sender);
  Announcer a(clock, pacer, AnnounceSettings{}, "VI_1");
  a.start({target("10.0.0.1"), target("10.0.0.2")});
  ASSERT_EQ(sender.sent.size(), 10u);
  clock.advance(1s);
  a.update_targets({target("10.0.0.1"), target("10.0.0.3")}, {target("10.0.0.3")});
  EXPECT_EQ(addresses_between(1s, 2s),
            (std::vector<std::string>{"10.0.0.3", "10.0.0.3", "10.0.0.3", "10.0.0.3", "10.0.0.3"}));
  a.update_targets({target("10.0.0.1"), target("10.0.0.3")}, {});  // nothing new: silence
  EXPECT_EQ(sender.sent.size(), 15u);
  clock.advance(4s);
  EXPECT_EQ(addresses_between(5s, 6s),
            (std::vector<std::string>{"10.0.0.1", "10.0.0.3", "10.0.0.1", "10.0.0.3", "10.0.0.1",
                                      "10.0.0.3", "10.0.0.1", "10.0.0.3", "10.0.0.1", "10.0.0.3"}));
  a.stop();
  a.update_targets({target("10.0.0.4")}, {target("10.0.0.4")});  // backup: nothing sent
  clock.advance(1h);
  EXPECT_EQ(sender.sent.size(), 25u);
}

TEST_F(AnnounceTest, ReloadWithAnotherRefreshRestartsIt) {
  AnnouncePacer pacer(clock, sender);
  AnnounceSettings s;
  s.repeat = 1;
  s.delay = 0s;
  Announcer a(clock, pacer, s, "VI_1");
  a.start({target("10.0.0.1")});
  clock.advance(10s);
  s.refresh = 3s;
  a.set_settings(s);
  clock.advance(7s);
  ASSERT_EQ(sender.sent.size(), 3u);
  EXPECT_EQ(sender.sent[1].at, t0 + 13s);
  EXPECT_EQ(sender.sent[2].at, t0 + 16s);
}

TEST_F(AnnounceTest, LowerPriorityAdvertBurstsNowAndAfterDelay) {
  AnnouncePacer pacer(clock, sender);
  AnnounceSettings s;
  s.repeat = 1;
  s.delay = 0s;
  s.lower_prio_repeat = 2;
  s.lower_prio_delay = 3s;
  Announcer a(clock, pacer, s, "VI_1");
  a.start({target("10.0.0.1")});
  clock.advance(10s);
  ASSERT_EQ(sender.sent.size(), 1u);
  a.lower_priority_advert();
  EXPECT_EQ(sender.sent.size(), 3u);
  clock.advance(3s);
  EXPECT_EQ(sender.sent.size(), 5u);
  EXPECT_EQ(sender.sent.back().at, t0 + 13s);

  s.lower_prio_repeat = 0;  // off
  a.set_settings(s);
  a.lower_priority_advert();
  clock.advance(1h);
  EXPECT_EQ(sender.sent.size(), 5u);
}

TEST_F(AnnounceTest, IntervalsSpaceFramesPerInterfaceAndKind) {
  AnnouncePacer pacer(clock, sender, PacingIntervals{100ms, 300ms});
  AnnounceSettings s;
  s.repeat = 2;
  s.delay = 0s;
  Announcer a(clock, pacer, s, "VI_1");
  a.start({target("10.0.0.1"), target("10.0.0.2"), target("fd00::1")});
  // First ARP and first NA go at once; the rest queue.
  EXPECT_EQ(sender.sent.size(), 2u);
  EXPECT_EQ(pacer.queued(), 4u);
  clock.advance(1s);
  ASSERT_EQ(sender.sent.size(), 6u);
  std::vector<std::pair<std::string, core::Duration>> got;
  for (const Sent& x : sender.sent) got.emplace_back(address_of(x), x.at - t0);
  EXPECT_EQ(got, (std::vector<std::pair<std::string, core::Duration>>{
                     {"10.0.0.1", 0ms},
                     {"fd00::1", 0ms},
                     {"10.0.0.2", 100ms},
                     {"10.0.0.1", 200ms},
                     {"fd00::1", 300ms},
                     {"10.0.0.2", 300ms},
                 }));
  EXPECT_EQ(a.stats().arp_sent, 4u);
  EXPECT_EQ(a.stats().na_sent, 2u);

  // Spacing counts from the last frame sent: a burst that starts 50 ms after one waits 50 ms.
  sender.sent.clear();
  a.start({target("10.0.0.9")});  // the lane has been idle since 300 ms: immediate
  ASSERT_EQ(sender.sent.size(), 1u);
  clock.advance(50ms);
  a.start({target("10.0.0.8")});  // replaces the queued round of 10.0.0.9
  EXPECT_EQ(sender.sent.size(), 1u);
  clock.advance(50ms);
  ASSERT_EQ(sender.sent.size(), 2u);
  EXPECT_EQ(address_of(sender.sent[1]), "10.0.0.8");
  EXPECT_EQ(sender.sent[1].at, t0 + 1100ms);
  clock.advance(100ms);
  EXPECT_EQ(sender.sent.size(), 3u);
  clock.advance(1s);
  EXPECT_EQ(sender.sent.size(), 3u);
}

TEST_F(AnnounceTest, InstancesOnOneInterfaceShareTheSpacing) {
  AnnouncePacer pacer(clock, sender, PacingIntervals{100ms, 0s});
  AnnounceSettings s;
  s.repeat = 1;
  s.delay = 0s;
  Announcer a(clock, pacer, s, "VI_1");
  Announcer b(clock, pacer, s, "VI_2");
  Announcer c(clock, pacer, s, "VI_3");
  a.start({target("10.0.0.1", 3)});
  b.start({target("10.0.0.2", 3)});
  c.start({target("10.0.1.1", 4)});  // another interface: its own spacing
  ASSERT_EQ(sender.sent.size(), 2u);
  EXPECT_EQ(address_of(sender.sent[1]), "10.0.1.1");
  clock.advance(100ms);
  ASSERT_EQ(sender.sent.size(), 3u);
  EXPECT_EQ(address_of(sender.sent[2]), "10.0.0.2");
  EXPECT_EQ(b.stats().arp_sent, 1u);
}

TEST_F(AnnounceTest, GarpGroupIntervalsAndSharedLanes) {
  AnnouncePacer pacer(clock, sender);  // no global spacing
  pacer.set_intervals(3, PacingIntervals{200ms, 0s}, /*group=*/1);
  pacer.set_intervals(4, PacingIntervals{200ms, 0s}, /*group=*/1);
  AnnounceSettings s;
  s.repeat = 1;
  s.delay = 0s;
  Announcer a(clock, pacer, s, "VI_1");
  a.start({target("10.0.0.1", 3), target("10.0.1.1", 4), target("10.0.2.1", 5)});
  ASSERT_EQ(sender.sent.size(), 2u);  // ifindex 3 and the unpaced ifindex 5
  clock.advance(200ms);
  ASSERT_EQ(sender.sent.size(), 3u);
  EXPECT_EQ(sender.sent[2].ifindex, 4);
  EXPECT_EQ(sender.sent[2].at, t0 + 200ms);
}

TEST_F(AnnounceTest, StopDropsQueuedFramesOfThatInstanceOnly) {
  AnnouncePacer pacer(clock, sender, PacingIntervals{100ms, 100ms});
  AnnounceSettings s;
  s.delay = 0s;
  Announcer a(clock, pacer, s, "VI_1");
  Announcer b(clock, pacer, s, "VI_2");
  a.start({target("10.0.0.1")});
  b.start({target("10.0.0.2")});
  EXPECT_EQ(sender.sent.size(), 1u);
  EXPECT_EQ(pacer.queued(), 9u);
  a.stop();
  EXPECT_EQ(pacer.queued(), 5u);
  EXPECT_EQ(a.stats().dropped, 4u);
  clock.advance(1s);
  ASSERT_EQ(sender.sent.size(), 6u);
  for (std::size_t i = 1; i < 6; ++i) EXPECT_EQ(address_of(sender.sent[i]), "10.0.0.2");
  EXPECT_EQ(clock.pending(), 0u);
}

TEST_F(AnnounceTest, SendErrorsAreCounted) {
  AnnouncePacer pacer(clock, sender);
  AnnounceSettings s;
  s.delay = 0s;
  Announcer a(clock, pacer, s, "VI_1");
  sender.fail = true;
  a.start({target("10.0.0.1"), target("fd00::1")});
  EXPECT_EQ(a.stats().send_errors, 10u);
  EXPECT_EQ(a.stats().arp_sent, 0u);
  EXPECT_EQ(pacer.stats().send_errors, 10u);
}

TEST_F(AnnounceTest, NothingToAnnounce) {
  AnnouncePacer pacer(clock, sender);
  Announcer a(clock, pacer, AnnounceSettings{}, "VI_1");
  a.start({});
  clock.advance(1h);
  EXPECT_TRUE(sender.sent.empty());
  EXPECT_EQ(a.stats().bursts, 0u);
}

TEST_F(AnnounceTest, FramesCarryTheTargetMacAndRouterFlag) {
  AnnouncePacer pacer(clock, sender);
  AnnounceSettings s;
  s.repeat = 1;
  s.delay = 0s;
  Announcer a(clock, pacer, s, "VI_1");
  const MacAddress vmac{0x00, 0x00, 0x5e, 0x00, 0x02, 0x07};
  a.start({{*core::parse_ip_address("fd00::7"), 9, vmac, true}});
  ASSERT_EQ(sender.sent.size(), 1u);
  auto n = parse_neighbour_advert_frame(sender.sent[0].frame);
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(n->ether_source, vmac);
  EXPECT_EQ(n->target_link_layer, vmac);
  EXPECT_TRUE(n->router);
  EXPECT_EQ(sender.sent[0].ifindex, 9);
}

TEST(AnnounceSettingsTest, FromConfig) {
  config::GlobalDefs g;
  config::VrrpInstance i;
  auto s = announce_settings(i, g);
  EXPECT_EQ(s.repeat, 5u);
  EXPECT_EQ(s.delay, 5s);
  EXPECT_EQ(s.refresh, 0s);
  EXPECT_EQ(s.refresh_repeat, 1u);
  EXPECT_EQ(s.lower_prio_repeat, 5u);
  EXPECT_EQ(s.lower_prio_delay, 5s);
  EXPECT_EQ(s.extra_if, 0s);

  g.vrrp_garp_extra_if = std::chrono::seconds(100);
  EXPECT_EQ(announce_settings(i, g).extra_if, 100s);
  i.garp_extra_if = std::chrono::seconds(0);  // the instance's 0 turns the global one off
  EXPECT_EQ(announce_settings(i, g).extra_if, 0s);
  i.garp_extra_if = std::chrono::seconds(30);
  EXPECT_EQ(announce_settings(i, g).extra_if, 30s);

  g.vrrp_garp_master_repeat = 3;
  g.vrrp_garp_lower_prio_repeat = 1;
  i.garp_master_delay = std::chrono::seconds(2);
  i.garp_master_refresh = std::chrono::seconds(60);
  i.garp_master_refresh_repeat = 2;
  i.garp_lower_prio_delay = std::chrono::seconds(0);
  s = announce_settings(i, g);
  EXPECT_EQ(s.repeat, 3u);
  EXPECT_EQ(s.delay, 2s);
  EXPECT_EQ(s.refresh, 60s);
  EXPECT_EQ(s.refresh_repeat, 2u);
  EXPECT_EQ(s.lower_prio_repeat, 1u);
  EXPECT_EQ(s.lower_prio_delay, 0s);
}

}  // namespace
}  // namespace vigil::vrrp
