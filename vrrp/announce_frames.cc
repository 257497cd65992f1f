#include "vrrp/announce_frames.h"

#include <algorithm>

#include "vrrp/packet.h"

namespace vigil::vrrp {
namespace {

constexpr std::size_t kEthernetHeaderSize = 14;
constexpr std::size_t kIpv6HeaderSize = 40;
constexpr std::uint8_t kIpProtoIcmpv6 = 58;
constexpr std::uint8_t kNeighbourAdvertisement = 136;  // RFC 4861 4.4
constexpr std::uint8_t kOptionTargetLinkLayer = 2;     // RFC 4861 4.6.1
constexpr std::uint8_t kNdHopLimit = 255;              // RFC 4861 7.1.2
// ICMPv6 NA (24) + target link-layer option (8).
constexpr std::size_t kNaPayloadSize = 32;

void put16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}

std::uint16_t get16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

void put_ethernet(std::uint8_t* p, const MacAddress& dst, const MacAddress& src,
                  std::uint16_t type) {
  std::copy(dst.begin(), dst.end(), p);
  std::copy(src.begin(), src.end(), p + 6);
  put16(p + 12, type);
}

MacAddress mac_at(const std::uint8_t* p) {
  MacAddress m;
  std::copy_n(p, m.size(), m.begin());
  return m;
}

boost::asio::ip::address_v6 v6_at(const std::uint8_t* p) {
  boost::asio::ip::address_v6::bytes_type b;
  std::copy_n(p, b.size(), b.begin());
  return boost::asio::ip::address_v6(b);
}

// RFC 4443 2.3: the ICMPv6 checksum covers the RFC 8200 8.1 pseudo-header.
std::uint16_t icmpv6_checksum(const std::uint8_t* ip6, std::span<const std::uint8_t> icmp) {
  std::uint8_t pseudo[40] = {};
  std::copy_n(ip6 + 8, 32, pseudo);  // source, destination
  pseudo[34] = static_cast<std::uint8_t>(icmp.size() >> 8);
  pseudo[35] = static_cast<std::uint8_t>(icmp.size());
  pseudo[39] = kIpProtoIcmpv6;
  std::uint32_t partial = 0;
  for (std::size_t i = 0; i < sizeof pseudo; i += 2) partial += get16(pseudo + i);
  return internet_checksum(icmp, partial);
}

}  // namespace

GratuitousArpFrame build_gratuitous_arp(const boost::asio::ip::address_v4& vip,
                                        const MacAddress& mac) {
  GratuitousArpFrame f{};
  put_ethernet(f.data(), kBroadcastMac, mac, kEtherTypeArp);
  std::uint8_t* arp = f.data() + kEthernetHeaderSize;
  put16(arp + 0, 1);       // ARPHRD_ETHER
  put16(arp + 2, 0x0800);  // ETHERTYPE_IP
  arp[4] = 6;
  arp[5] = 4;
  put16(arp + 6, 1);  // ARPOP_REQUEST
  const auto ip = vip.to_bytes();
  std::copy(mac.begin(), mac.end(), arp + 8);
  std::copy(ip.begin(), ip.end(), arp + 14);
  // keepalived send_gratuitous_arp_immediate: target hardware address all ones.
  std::copy(kBroadcastMac.begin(), kBroadcastMac.end(), arp + 18);
  std::copy(ip.begin(), ip.end(), arp + 24);
  return f;
}

UnsolicitedNaFrame build_unsolicited_na(const boost::asio::ip::address_v6& vip,
                                        const MacAddress& mac, bool router) {
  UnsolicitedNaFrame f{};
  put_ethernet(f.data(), kAllNodesMac, mac, kEtherTypeIpv6);
  std::uint8_t* ip6 = f.data() + kEthernetHeaderSize;
  ip6[0] = 0x60;  // version 6, traffic class 0, flow label 0
  put16(ip6 + 4, kNaPayloadSize);
  ip6[6] = kIpProtoIcmpv6;
  ip6[7] = kNdHopLimit;
  const auto target = vip.to_bytes();
  std::copy(target.begin(), target.end(), ip6 + 8);  // keepalived: the VIP is the source
  ip6[24] = 0xff;                                    // ff02::1, all nodes (RFC 4861 7.2.6)
  ip6[25] = 0x02;
  ip6[39] = 0x01;

  std::uint8_t* na = ip6 + kIpv6HeaderSize;
  na[0] = kNeighbourAdvertisement;
  // RFC 4861 4.4: R S O flags; unsolicited, so S = 0; O = 1 to replace cached entries.
  na[4] = static_cast<std::uint8_t>((router ? 0x80 : 0) | 0x20);
  std::copy(target.begin(), target.end(), na + 8);
  na[24] = kOptionTargetLinkLayer;
  na[25] = 1;  // in units of 8 bytes
  std::copy(mac.begin(), mac.end(), na + 26);
  put16(na + 2, icmpv6_checksum(ip6, std::span<const std::uint8_t>(na, kNaPayloadSize)));
  return f;
}

std::optional<ArpFrame> parse_arp_frame(std::span<const std::uint8_t> frame) {
  if (frame.size() < kGratuitousArpSize) return std::nullopt;
  const std::uint8_t* p = frame.data();
  if (get16(p + 12) != kEtherTypeArp) return std::nullopt;
  const std::uint8_t* arp = p + kEthernetHeaderSize;
  if (get16(arp) != 1 || get16(arp + 2) != 0x0800 || arp[4] != 6 || arp[5] != 4) {
    return std::nullopt;
  }
  ArpFrame a;
  a.ether_destination = mac_at(p);
  a.ether_source = mac_at(p + 6);
  a.operation = get16(arp + 6);
  a.sender_mac = mac_at(arp + 8);
  a.sender_ip = boost::asio::ip::address_v4({arp[14], arp[15], arp[16], arp[17]});
  a.target_mac = mac_at(arp + 18);
  a.target_ip = boost::asio::ip::address_v4({arp[24], arp[25], arp[26], arp[27]});
  return a;
}

std::optional<NeighbourAdvertFrame> parse_neighbour_advert_frame(
    std::span<const std::uint8_t> frame) {
  constexpr std::size_t kMinimum = kEthernetHeaderSize + kIpv6HeaderSize + 24;
  if (frame.size() < kMinimum) return std::nullopt;
  const std::uint8_t* p = frame.data();
  if (get16(p + 12) != kEtherTypeIpv6) return std::nullopt;
  const std::uint8_t* ip6 = p + kEthernetHeaderSize;
  if ((ip6[0] >> 4) != 6 || ip6[6] != kIpProtoIcmpv6) return std::nullopt;
  const std::size_t payload = get16(ip6 + 4);
  if (payload < 24 || kEthernetHeaderSize + kIpv6HeaderSize + payload > frame.size()) {
    return std::nullopt;
  }
  const std::uint8_t* na = ip6 + kIpv6HeaderSize;
  if (na[0] != kNeighbourAdvertisement) return std::nullopt;

  NeighbourAdvertFrame n;
  n.ether_destination = mac_at(p);
  n.ether_source = mac_at(p + 6);
  n.source = v6_at(ip6 + 8);
  n.destination = v6_at(ip6 + 24);
  n.hop_limit = ip6[7];
  n.router = (na[4] & 0x80) != 0;
  n.solicited = (na[4] & 0x40) != 0;
  n.override_flag = (na[4] & 0x20) != 0;
  n.target = v6_at(na + 8);
  n.checksum_ok = icmpv6_checksum(ip6, std::span<const std::uint8_t>(na, payload)) == 0;
  // RFC 4861 4.6: options in 8-byte units; a zero length is invalid.
  for (std::size_t off = 24; off + 2 <= payload;) {
    const std::size_t len = static_cast<std::size_t>(na[off + 1]) * 8;
    if (len == 0 || off + len > payload) break;
    if (na[off] == kOptionTargetLinkLayer && len >= 8) n.target_link_layer = mac_at(na + off + 2);
    off += len;
  }
  return n;
}

}  // namespace vigil::vrrp
