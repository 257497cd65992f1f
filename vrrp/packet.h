#pragma once

// Pure encode/decode of VRRP advertisements: VRRPv2 (RFC 3768, IPv4) and VRRPv3 (RFC 5798 /
// RFC 9568, IPv4 and IPv6). No I/O: bytes in, values out, so every rule is unit-testable
// against captured packets.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "core/ip_address.h"

namespace vigil::vrrp {

inline constexpr std::uint8_t kIpProtoVrrp = 112;
inline constexpr std::uint8_t kAdvertisementType = 1;
inline constexpr std::size_t kHeaderSize = 8;
inline constexpr std::size_t kV2AuthDataSize = 8;

enum class Version : std::uint8_t { kV2 = 2, kV3 = 3 };

// RFC 3768 5.3.6 (v2 only; RFC 2338's type 2 is IPsec AH, carried outside this message).
enum class AuthType : std::uint8_t { kNone = 0, kSimpleText = 1, kIpAh = 2 };

struct Advert {
  Version version = Version::kV3;
  std::uint8_t vrid = 0;
  std::uint8_t priority = 0;
  // v2: Adver Int in seconds (8 bits). v3: Max Adver Int in centiseconds (12 bits).
  std::uint16_t interval = 0;
  AuthType auth_type = AuthType::kNone;                   // v2 only
  std::array<std::uint8_t, kV2AuthDataSize> auth_data{};  // v2 only
  std::vector<core::IpAddress> addresses;

  bool operator==(const Advert&) const = default;
};

// The IP header fields the checksum and the checks need.
struct IpEnvelope {
  core::IpAddress source;
  core::IpAddress destination;
};

// Why a received packet was dropped by the codec (the instance adds its own reasons: TTL, VRID,
// auth, interval, address list). Names follow RFC 6527's counters where one exists.
enum class DecodeError {
  kNone,
  kTooShort,      // shorter than the fixed header or the address list it announces
  kVersion,       // not 2 or 3, or v2 over IPv6
  kType,          // not an advertisement (vrrpStatsInvalidTypePktsRcvd)
  kLength,        // trailing bytes, or (v2) a missing authentication field
  kChecksum,      // vrrpStatsChecksumErrors... (RFC 6527 vrrpRouterChecksumErrors)
  kAddressCount,  // zero addresses (RFC 5798 5.2.5 requires at least one in practice)
  kFamily,        // envelope source/destination families differ
};
std::string_view decode_error_name(DecodeError e);

// Options affecting checksums, for interop with old keepalived peers.
struct ChecksumOptions {
  // keepalived's `v3_checksum_as_v2`: VRRPv3 over IPv4 checksummed without the pseudo-header
  // (as keepalived before 1.2.20 did). On receive, accept either form when set.
  bool v3_ipv4_without_pseudo_header = false;
};

// Serialises `advert` (the VRRP message only, without IP header). Addresses must all be of the
// envelope's family.
std::vector<std::uint8_t> encode(const Advert& advert, const IpEnvelope& ip,
                                 const ChecksumOptions& options = {});

struct DecodeResult {
  std::optional<Advert> advert;
  DecodeError error = DecodeError::kNone;
};
DecodeResult decode(std::span<const std::uint8_t> message, const IpEnvelope& ip,
                    const ChecksumOptions& options = {});

// RFC 1071 one's complement sum, folded; `initial` carries a pseudo-header's partial sum.
std::uint16_t internet_checksum(std::span<const std::uint8_t> data, std::uint32_t initial = 0);

}  // namespace vigil::vrrp
