#pragma once

// The IPv4 packet around a VRRP message, built for a raw IP_HDRINCL socket and parsed as a raw
// socket hands it over (header included). keepalived 2.2.7 (vrrp.c vrrp_build_ip4,
// vrrp_build_ipsecah, vrrp_update_pkt) sends:
//
//   version 4, IHL 5, TOS 0xc0 (IPTOS_PREC_INTERNETCONTROL), DF clear, fragment offset 0,
//   ID = a per-instance counter incremented before each advert (never 0: the kernel would pick
//   one), TTL 255 (unicast: unicast_ttl), protocol 112, or 51 with the AH header (auth_ah.h)
//   between the IP header and the VRRP message.
//
// The kernel fills the header checksum of an IP_HDRINCL packet; the builder computes it anyway
// so that its output is byte-identical to what appears on the wire. Pure.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include <boost/asio/ip/address_v4.hpp>

#include "vrrp/auth_ah.h"
#include "vrrp/packet.h"

namespace vigil::vrrp {

inline constexpr std::size_t kIpv4HeaderSize = 20;
inline constexpr std::uint8_t kTosInternetControl = 0xc0;  // IPTOS_PREC_INTERNETCONTROL
inline constexpr std::uint8_t kVrrpTtl = 255;              // RFC 5798 5.1.1.3

struct AhSendParams {
  AhKey key{};
  std::uint32_t sequence = 0;  // AhSequence::next_for_send()
  bool zero_ttl = false;       // the instance has unicast peers (see auth_ah.h)
};

struct Ipv4SendParams {
  boost::asio::ip::address_v4 source;
  boost::asio::ip::address_v4 destination;  // the group, or one unicast peer
  std::uint16_t id = 0;                     // Ipv4IdSequence::next()
  std::uint8_t ttl = kVrrpTtl;
  std::uint8_t tos = kTosInternetControl;
  std::optional<AhSendParams> ah;  // set: protocol 51, AH header, ICV computed; SPI = source
};

// `vrrp_message` is packet.h's encode() output (for AH: auth type kIpAh, auth data zero).
std::vector<std::uint8_t> build_ipv4_packet(std::span<const std::uint8_t> vrrp_message,
                                            const Ipv4SendParams& params);

// keepalived's IP ID: pre-incremented per advert, skipping 0 (vrrp_update_pkt).
class Ipv4IdSequence {
 public:
  std::uint16_t next() {
    if (++value_ == 0) ++value_;
    return value_;
  }

 private:
  std::uint16_t value_ = 0;
};

// Why a received IPv4 packet was dropped before the VRRP checks. Each has a per-instance counter;
// keepalived counts all of them as packet_len_err except the AH ones.
enum class Ipv4Error {
  kNone,
  kTooShort,         // shorter than 20 bytes or than its IHL
  kVersion,          // not 4
  kHeaderLength,     // IHL below 5
  kTotalLength,      // total length differs from the received length (keepalived's check)
  kFragment,         // MF set or a fragment offset (raw sockets see reassembled packets)
  kProtocol,         // neither 112 nor 51
  kAhTooShort,       // protocol 51 without room for the 24-byte AH header
  kAhNextHeader,     // AH for another protocol (keepalived ignores such packets)
  kAhPayloadLength,  // AH length other than 4 (not the HMAC-MD5-96 layout)
};
std::string_view ipv4_error_name(Ipv4Error e);

struct Ipv4Packet {
  boost::asio::ip::address_v4 source;
  boost::asio::ip::address_v4 destination;
  std::uint8_t tos = 0;
  std::uint8_t ttl = 0;
  std::uint8_t protocol = 0;
  std::uint16_t id = 0;
  std::size_t header_length = 0;           // IHL * 4
  std::optional<AhHeader> ah;              // protocol 51
  std::span<const std::uint8_t> datagram;  // the whole packet (what AH verification hashes)
  std::span<const std::uint8_t> message;   // the VRRP message

  IpEnvelope envelope() const { return {core::IpAddress(source), core::IpAddress(destination)}; }
};

struct Ipv4ParseResult {
  std::optional<Ipv4Packet> packet;
  Ipv4Error error = Ipv4Error::kNone;
};
// The spans in the result point into `datagram`.
Ipv4ParseResult parse_ipv4_packet(std::span<const std::uint8_t> datagram);

// The AH checks of keepalived's vrrp_in_chk_ipsecah, in its order: the ICV (computed with the
// receiving instance's key), then SPI == source address, then the replay check against the
// instance's AhSequence, which adopts the number only when all three pass. Every failure is an
// auth_failure for the instance.
enum class AhVerdict { kOk, kNotAh, kIcv, kSpi, kReplay };
std::string_view ah_verdict_name(AhVerdict v);
AhVerdict check_ah(const Ipv4Packet& packet, const AhKey& key, bool unicast, AhSequence& sequence,
                   bool in_backup_state);

}  // namespace vigil::vrrp
