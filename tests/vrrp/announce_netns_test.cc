// The real AF_PACKET sender in a network namespace: a GARP and an unsolicited NA sent through
// an Announcer on one end of a veth pair arrive, decodable and as built, at a packet socket in
// the peer namespace. Needs root (skipped otherwise); namespaces carry the test's pid in their
// names and are removed even when an assertion fails.
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/simulated_clock.h"
#include "vrrp/announce.h"
#include "vrrp/announce_socket.h"

namespace vigil::vrrp {
namespace {

bool run(const std::string& command) {
  return std::system((command + " >/dev/null 2>&1").c_str()) == 0;
}

// Two namespaces joined by a veth pair; removed on destruction.
struct VethLab {
  std::string ns_a = "vga" + std::to_string(getpid());
  std::string ns_b = "vgb" + std::to_string(getpid());
  std::string if_a = "vga" + std::to_string(getpid());
  std::string if_b = "vgb" + std::to_string(getpid());
  bool ok = false;

  VethLab() {
    cleanup();
    ok = run("ip netns add " + ns_a) && run("ip netns add " + ns_b) &&
         run("ip link add " + if_a + " netns " + ns_a + " type veth peer name " + if_b + " netns " +
             ns_b) &&
         run("ip -n " + ns_a + " link set " + if_a + " address 02:00:00:00:00:01") &&
         run("ip -n " + ns_a + " link set " + if_a + " up") &&
         run("ip -n " + ns_b + " link set " + if_b + " up");
  }
  ~VethLab() { cleanup(); }
  void cleanup() {
    run("ip netns del " + ns_a);
    run("ip netns del " + ns_b);
  }
};

// Runs `f` with the calling thread inside namespace `ns`; sockets made there stay there.
template <typename F>
bool in_netns(const std::string& ns, F&& f) {
  const int self = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  const int target = ::open(("/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
  bool ok = self >= 0 && target >= 0 && ::setns(target, CLONE_NEWNET) == 0;
  if (ok) {
    f();
    ok = ::setns(self, CLONE_NEWNET) == 0;
  }
  if (self >= 0) ::close(self);
  if (target >= 0) ::close(target);
  return ok;
}

TEST(AnnounceNetns, RealSenderReachesPeerNamespace) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root for network namespaces";
  VethLab lab;
  if (!lab.ok) GTEST_SKIP() << "cannot create namespaces / veth here";

  std::unique_ptr<PacketSocketSender> sender;
  std::error_code open_error;
  int ifindex_a = 0;
  bool forwarding = true;
  ASSERT_TRUE(in_netns(lab.ns_a, [&] {
    sender = PacketSocketSender::open(open_error);
    ifindex_a = static_cast<int>(if_nametoindex(lab.if_a.c_str()));
    forwarding = ipv6_forwarding_enabled(lab.if_a);
  }));
  ASSERT_TRUE(sender) << open_error.message();
  ASSERT_GT(ifindex_a, 0);
  EXPECT_FALSE(forwarding);  // a new namespace does not forward IPv6

  int capture = -1;
  ASSERT_TRUE(in_netns(lab.ns_b, [&] {
    capture = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
    sockaddr_ll sll{};
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ALL);
    sll.sll_ifindex = static_cast<int>(if_nametoindex(lab.if_b.c_str()));
    if (capture >= 0 && ::bind(capture, reinterpret_cast<const sockaddr*>(&sll), sizeof sll) != 0) {
      ::close(capture);
      capture = -1;
    }
  }));
  ASSERT_GE(capture, 0);
  timeval tv{0, 100000};
  ::setsockopt(capture, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);

  const MacAddress mac{0x02, 0, 0, 0, 0, 0x01};
  const auto vip4 = boost::asio::ip::make_address_v4("192.0.2.10");
  const auto vip6 = boost::asio::ip::make_address_v6("2001:db8::10");
  core::SimulatedClock clock;
  AnnouncePacer pacer(clock, *sender);
  AnnounceSettings settings;
  settings.repeat = 1;
  settings.delay = std::chrono::seconds(0);
  Announcer announcer(clock, pacer, settings, "VI_NETNS");

  std::optional<ArpFrame> arp;
  std::optional<NeighbourAdvertFrame> na;
  std::vector<std::uint8_t> arp_bytes;
  std::vector<std::uint8_t> na_bytes;
  // The link may take a moment to pass traffic: announce again until both have arrived.
  for (int attempt = 0; attempt < 50 && !(arp && na); ++attempt) {
    announcer.start({{core::IpAddress(vip4), ifindex_a, mac, forwarding},
                     {core::IpAddress(vip6), ifindex_a, mac, forwarding}});
    for (;;) {
      std::uint8_t buffer[2048];
      const ssize_t n = ::recv(capture, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      std::span<const std::uint8_t> frame(buffer, static_cast<std::size_t>(n));
      if (auto a = parse_arp_frame(frame); a && a->sender_ip == vip4) {
        arp = a;
        arp_bytes.assign(frame.begin(), frame.end());
      }
      if (auto v = parse_neighbour_advert_frame(frame); v && v->target == vip6) {
        na = v;
        na_bytes.assign(frame.begin(), frame.end());
      }
    }
  }
  ::close(capture);

  ASSERT_TRUE(arp.has_value());
  ASSERT_TRUE(na.has_value());
  const auto expected_arp = build_gratuitous_arp(vip4, mac);
  const auto expected_na = build_unsolicited_na(vip6, mac, false);
  EXPECT_EQ(arp_bytes, std::vector<std::uint8_t>(expected_arp.begin(), expected_arp.end()));
  EXPECT_EQ(na_bytes, std::vector<std::uint8_t>(expected_na.begin(), expected_na.end()));
  EXPECT_EQ(arp->ether_source, mac);
  EXPECT_EQ(arp->operation, 1);
  EXPECT_EQ(arp->target_ip, vip4);
  EXPECT_TRUE(na->checksum_ok);
  EXPECT_TRUE(na->override_flag);
  EXPECT_EQ(na->hop_limit, 255);
  EXPECT_EQ(na->target_link_layer, mac);
  EXPECT_GE(announcer.stats().arp_sent, 1u);
  EXPECT_GE(announcer.stats().na_sent, 1u);
  EXPECT_EQ(announcer.stats().send_errors, 0u);
}

TEST(AnnounceNetns, SendOnMissingInterfaceIsAnError) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root for packet sockets";
  std::error_code error;
  auto sender = PacketSocketSender::open(error);
  ASSERT_TRUE(sender) << error.message();
  const auto frame = build_gratuitous_arp(boost::asio::ip::make_address_v4("192.0.2.1"),
                                          MacAddress{0x02, 0, 0, 0, 0, 1});
  // An ifindex no interface has: the frame goes nowhere and the caller learns why.
  EXPECT_TRUE(sender->send(0x7ffffff0, frame));
  EXPECT_TRUE(sender->send(1, std::span(frame).first(10)));  // not even an Ethernet header
}

}  // namespace
}  // namespace vigil::vrrp
