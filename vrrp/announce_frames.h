#pragma once

// The Ethernet frames a new master sends so that neighbours move a VIP to its MAC, exactly as
// keepalived 2.2.7 builds them (verified against frames captured from Debian's keepalived):
//
// Gratuitous ARP (vrrp_arp.c), 42 bytes:
//   Ethernet  dst ff:ff:ff:ff:ff:ff, src = interface (or VMAC) MAC, type 0x0806
//   ARP       htype 1, ptype 0x0800, hlen 6, plen 4, op 1 (request),
//             sender MAC = the same MAC, sender IP = VIP,
//             target MAC = ff:ff:ff:ff:ff:ff (keepalived's choice, not RFC 5227's zeros),
//             target IP = VIP
//
// Unsolicited Neighbour Advertisement (vrrp_ndisc.c, RFC 4861 4.4 / 7.2.6), 86 bytes:
//   Ethernet  dst 33:33:00:00:00:01, src = MAC, type 0x86dd
//   IPv6      traffic class 0, flow 0, payload 32, next header 58, hop limit 255,
//             source = the VIP itself, destination ff02::1
//   ICMPv6    type 136, code 0, checksum, flags R (when the interface forwards IPv6) O=1 S=0,
//             target = VIP, option 2 (target link-layer address) length 1 = MAC
//
// Pure builders and parsers (the parsers serve tests and diagnostics).

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/address_v6.hpp>

namespace vigil::vrrp {

// The same type as core::MacAddress (core/netlink.h), without pulling netlink into a pure header.
// Text forms: core::mac_to_string, vrrp::parse_mac (vmac.h).
using MacAddress = std::array<std::uint8_t, 6>;
inline constexpr MacAddress kBroadcastMac{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
inline constexpr MacAddress kAllNodesMac{0x33, 0x33, 0x00, 0x00, 0x00, 0x01};  // RFC 2464 7

inline constexpr std::size_t kGratuitousArpSize = 42;
inline constexpr std::size_t kUnsolicitedNaSize = 86;
inline constexpr std::uint16_t kEtherTypeArp = 0x0806;
inline constexpr std::uint16_t kEtherTypeIpv6 = 0x86dd;

using GratuitousArpFrame = std::array<std::uint8_t, kGratuitousArpSize>;
using UnsolicitedNaFrame = std::array<std::uint8_t, kUnsolicitedNaSize>;

GratuitousArpFrame build_gratuitous_arp(const boost::asio::ip::address_v4& vip,
                                        const MacAddress& mac);
// `router`: keepalived sets the Router flag when IPv6 forwarding is on for the interface
// (read when the instance becomes master).
UnsolicitedNaFrame build_unsolicited_na(const boost::asio::ip::address_v6& vip,
                                        const MacAddress& mac, bool router);

struct ArpFrame {
  MacAddress ether_destination{};
  MacAddress ether_source{};
  std::uint16_t operation = 0;  // 1 request, 2 reply
  MacAddress sender_mac{};
  boost::asio::ip::address_v4 sender_ip;
  MacAddress target_mac{};
  boost::asio::ip::address_v4 target_ip;
};
// An Ethernet/IPv4 ARP frame (trailing padding allowed); nullopt for anything else.
std::optional<ArpFrame> parse_arp_frame(std::span<const std::uint8_t> frame);

struct NeighbourAdvertFrame {
  MacAddress ether_destination{};
  MacAddress ether_source{};
  boost::asio::ip::address_v6 source;
  boost::asio::ip::address_v6 destination;
  std::uint8_t hop_limit = 0;
  bool router = false;
  bool solicited = false;
  bool override_flag = false;
  boost::asio::ip::address_v6 target;
  std::optional<MacAddress> target_link_layer;  // option 2
  bool checksum_ok = false;
};
// An Ethernet/IPv6 ICMPv6 Neighbour Advertisement without extension headers; nullopt otherwise.
std::optional<NeighbourAdvertFrame> parse_neighbour_advert_frame(
    std::span<const std::uint8_t> frame);

}  // namespace vigil::vrrp
