// Gratuitous ARP and unsolicited NA frames against frames captured from Debian's keepalived
// 2.2.7 (AF_PACKET capture on the peer end of a veth pair; the master's MAC 02:00:00:00:00:01,
// VIPs 192.168.77.100 and fd00::100 / fd00::200; the Router flag case with
// net.ipv6.conf.eth0.forwarding=1).
#include "vrrp/announce_frames.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/vrrp/hex.h"

namespace vigil::vrrp {
namespace {

using testing::hex;

template <std::size_t N>
std::vector<std::uint8_t> vec(const std::array<std::uint8_t, N>& a) {
  return {a.begin(), a.end()};
}

const MacAddress kMac{0x02, 0x00, 0x00, 0x00, 0x00, 0x01};

constexpr const char* kGarp =
    "ffffffffffff0200000000010806"
    "0001080006040001020000000001c0a84d64ffffffffffffc0a84d64";
constexpr const char* kNa =
    "33330000000102000000000186dd"
    "6000000000203afffd000000000000000000000000000100ff020000000000000000000000000001"
    "8800589d20000000fd000000000000000000000000000100"
    "0201020000000001";
constexpr const char* kNaRouter =
    "33330000000102000000000186dd"
    "6000000000203afffd000000000000000000000000000200ff020000000000000000000000000001"
    "8800d69ca0000000fd000000000000000000000000000200"
    "0201020000000001";

TEST(VrrpAnnounceFrames, GratuitousArpMatchesKeepalived) {
  auto frame = build_gratuitous_arp(boost::asio::ip::make_address_v4("192.168.77.100"), kMac);
  EXPECT_EQ(vec(frame), hex(kGarp));

  auto a = parse_arp_frame(frame);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->ether_destination, kBroadcastMac);
  EXPECT_EQ(a->ether_source, kMac);
  EXPECT_EQ(a->operation, 1);
  EXPECT_EQ(a->sender_mac, kMac);
  EXPECT_EQ(a->target_mac, kBroadcastMac);
  EXPECT_EQ(a->sender_ip, boost::asio::ip::make_address_v4("192.168.77.100"));
  EXPECT_EQ(a->target_ip, a->sender_ip);
}

TEST(VrrpAnnounceFrames, UnsolicitedNaMatchesKeepalived) {
  auto frame =
      build_unsolicited_na(boost::asio::ip::make_address_v6("fd00::100"), kMac, /*router=*/false);
  EXPECT_EQ(vec(frame), hex(kNa));
  auto router =
      build_unsolicited_na(boost::asio::ip::make_address_v6("fd00::200"), kMac, /*router=*/true);
  EXPECT_EQ(vec(router), hex(kNaRouter));

  auto n = parse_neighbour_advert_frame(frame);
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(n->ether_destination, kAllNodesMac);
  EXPECT_EQ(n->ether_source, kMac);
  EXPECT_EQ(n->source, boost::asio::ip::make_address_v6("fd00::100"));
  EXPECT_EQ(n->destination, boost::asio::ip::make_address_v6("ff02::1"));
  EXPECT_EQ(n->hop_limit, 255);
  EXPECT_FALSE(n->router);
  EXPECT_FALSE(n->solicited);
  EXPECT_TRUE(n->override_flag);
  EXPECT_EQ(n->target, boost::asio::ip::make_address_v6("fd00::100"));
  EXPECT_EQ(n->target_link_layer, kMac);
  EXPECT_TRUE(n->checksum_ok);
  EXPECT_TRUE(parse_neighbour_advert_frame(router)->router);
}

TEST(VrrpAnnounceFrames, ParsersRejectOtherFrames) {
  auto garp = build_gratuitous_arp(boost::asio::ip::make_address_v4("10.0.0.1"), kMac);
  auto na = build_unsolicited_na(boost::asio::ip::make_address_v6("fd00::1"), kMac, false);
  EXPECT_FALSE(parse_arp_frame(na).has_value());
  EXPECT_FALSE(parse_neighbour_advert_frame(garp).has_value());
  EXPECT_FALSE(parse_arp_frame(std::span(garp).first(41)).has_value());
  EXPECT_FALSE(parse_neighbour_advert_frame(std::span(na).first(60)).has_value());

  auto corrupted = vec(na);
  corrupted[80] ^= 0x01;  // a MAC byte in the option
  auto n = parse_neighbour_advert_frame(corrupted);
  ASSERT_TRUE(n.has_value());
  EXPECT_FALSE(n->checksum_ok);

  auto solicitation = vec(na);
  solicitation[54] = 135;
  EXPECT_FALSE(parse_neighbour_advert_frame(solicitation).has_value());

  // Ethernet minimum-size padding after an ARP is fine.
  auto padded = vec(garp);
  padded.resize(60, 0);
  EXPECT_TRUE(parse_arp_frame(padded).has_value());
}

}  // namespace
}  // namespace vigil::vrrp
