#pragma once

// keepalived's IPsec AH for VRRPv2 (RFC 2338 5.3.6.3 / RFC 2402, as keepalived 2.2.7 implements
// it in vrrp.c and vrrp_ipsecah.c). Not kernel IPsec: the AH header is built and checked by the
// VRRP process itself, with a fixed layout and a key taken from `auth_pass`:
//
//   IPv4 header (protocol 51) | AH (24 bytes) | VRRP message (auth type 2, auth data zero)
//   AH = next header 112, payload length 4, reserved 0, SPI = the sender's IPv4 address,
//        sequence number, ICV = the first 12 bytes of HMAC-MD5 (RFC 2403 HMAC-MD5-96).
//
// The ICV covers the whole datagram with the IPv4 mutable fields TOS, flags/fragment offset and
// header checksum zeroed, the ICV field zeroed, and - only for an instance with unicast peers -
// the TTL zeroed (keepalived keeps the TTL for multicast, where it is always 255). The key is the
// 8-byte auth_data buffer: the password truncated to 8 bytes and zero padded (HMAC pads the key
// with zeros anyway, so "secret1" and "secret1\0" give the same ICV).
//
// Pure: bytes in, bytes out. Verified against adverts captured from Debian's keepalived 2.2.7.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace vigil::vrrp {

inline constexpr std::uint8_t kIpProtoAh = 51;
inline constexpr std::size_t kAhHeaderSize = 24;
inline constexpr std::size_t kAhIcvSize = 12;  // HMAC-MD5-96, RFC 2403 2
// RFC 2402 2.2: AH length in 32-bit words minus 2: (12 + 12) / 4 - 2.
inline constexpr std::uint8_t kAhPayloadLength = 4;
inline constexpr std::size_t kAhKeySize = 8;

using AhKey = std::array<std::uint8_t, kAhKeySize>;
using AhIcv = std::array<std::uint8_t, kAhIcvSize>;

// keepalived's auth_data from `auth_pass`: at most 8 bytes, zero padded.
AhKey ah_key(std::string_view auth_pass);

struct AhHeader {
  std::uint8_t next_header = 112;  // IPPROTO_VRRP
  std::uint8_t payload_length = kAhPayloadLength;
  std::uint16_t reserved = 0;
  std::uint32_t spi = 0;  // host order; keepalived puts the sender's IPv4 address here
  std::uint32_t sequence = 0;
  AhIcv icv{};

  bool operator==(const AhHeader&) const = default;
};

// `out` must hold kAhHeaderSize bytes.
void write_ah_header(const AhHeader& header, std::span<std::uint8_t> out);
// nullopt when `in` is shorter than kAhHeaderSize. No field is checked here.
std::optional<AhHeader> read_ah_header(std::span<const std::uint8_t> in);

// `datagram` is a whole IPv4 packet as on the wire: header (IHL words, options included), the
// AH header right after it, then the VRRP message. `zero_ttl`: the instance has unicast peers.
// A datagram too short to hold the IP and AH headers yields nullopt.
std::optional<AhIcv> ah_compute_icv(std::span<const std::uint8_t> datagram, const AhKey& key,
                                    bool zero_ttl);
// Compares in constant time. False for a datagram too short to carry AH.
bool ah_verify_icv(std::span<const std::uint8_t> datagram, const AhKey& key, bool zero_ttl);

// keepalived's anti-replay counter (seq_counter_t). One counter per instance serves both
// directions: it is the last sequence number sent as master and the last one accepted from the
// master as backup, so a router that takes over continues above the numbers the old master used
// and its peers accept it. A peer that restarts begins again at 1; its adverts are refused (the
// replay check) until it has heard the master and adopted its counter, or until a master sees it
// as a lower-priority router and resynchronises (keepalived: "IPSEC-AH : Syncing seq_num").
class AhSequence {
 public:
  // The number for the next advert (vrrp_update_pkt, once per advert even with several unicast
  // peers, which then all get the same number). Past 0xFFFFFFFD it no longer increments and the
  // counter is marked cycled; peers then refuse the repeated number and take over.
  std::uint32_t next_for_send();

  // A received advert whose ICV and SPI were verified: accepted only if its number is strictly
  // greater than the counter (vrrp_in_chk_ipsecah), which then adopts it. A backup that accepts a
  // number clears the cycled mark (vrrp_in_chk).
  bool accept(std::uint32_t received, bool in_backup_state);

  // As master, after a lower-priority advert: counter = its number + 1 (vrrp_state_master_rx).
  void sync_from_lower_priority(std::uint32_t received);

  // On becoming master, a cycled counter starts again from 0 (vrrp_state_goto_master).
  void on_become_master();

  std::uint32_t value() const { return value_; }
  bool cycled() const { return cycled_; }

 private:
  std::uint32_t value_ = 0;
  bool cycled_ = false;
};

}  // namespace vigil::vrrp
