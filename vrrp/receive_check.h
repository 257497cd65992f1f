#pragma once

// The receive checks an instance applies to an advertisement before its state machine sees it:
// RFC 5798 / RFC 9568 section 7.1 (RFC 3768 7.1 for v2) in keepalived 2.2.7's order and with its
// leniencies (vrrp.c vrrp_in_chk). Pure: a decoded datagram and the instance's expectations in,
// the advert or the reason it is dropped out. Every reason has a counter in the instance.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

#include "core/clock.h"
#include "core/ip_address.h"
#include "vrrp/packet.h"
#include "vrrp/timers.h"

namespace vigil::vrrp {

// Why an instance dropped a received packet. The names follow RFC 6527's vrrpv3Statistics and
// keepalived's vrrp_stats where one exists.
enum class DropReason : std::uint8_t {
  kTooShort,          // packet_len_err: shorter than the headers it announces
  kLength,            // packet_len_err: length differs from what the VIP count implies
  kTtl,               // ip_ttl_err: TTL/hop limit not 255 (multicast) or outside a peer's range
  kVersion,           // vers_err
  kType,              // invalid_type_rcvd
  kChecksum,          // chk_err
  kAddressCount,      // addr_list_err: naddr differs from the configured VIP count
  kAddressList,       // addr_list_err: a configured VIP missing from the advert
  kInvalidAuthType,   // invalid_authtype: not 0, 1 or 2
  kAuthTypeMismatch,  // authtype_mismatch
  kAuthFailure,       // auth_failure: wrong password / bad AH ICV / replayed AH sequence
  kInterval,          // v2 Adver Int differs from ours (keepalived logs and drops)
  kUnicastSource,     // vrrp_check_unicast_src: sender is not a configured unicast peer
  kFamily,            // IPv4 packet on an IPv6 instance or the reverse
  kOwnAdvert,         // our own advert looped back (not an error; not counted as received)
};
inline constexpr std::size_t kDropReasonCount =
    static_cast<std::size_t>(DropReason::kOwnAdvert) + 1;
std::string_view drop_reason_name(DropReason r);

// A received VRRP message with the IP-level facts the checks need. The transport fills it from
// the IP header (IPv4) or the ancillary data (IPv6: IPV6_PKTINFO, IPV6_HOPLIMIT).
struct Datagram {
  IpEnvelope ip;
  std::uint8_t ttl = 0;  // TTL / hop limit as received
  int ifindex = 0;
  std::span<const std::uint8_t> message;  // the VRRP message (after the IP header and any AH)
  bool via_ah = false;                    // carried in IPsec AH that the transport verified
  // When the kernel received the packet (SO_TIMESTAMPNS), on the steady clock. The RFC's timers
  // run from the advert's arrival, not from the moment the loop got round to it; empty when the
  // transport has no timestamp (then the instance uses its clock's now()).
  std::optional<core::TimePoint> received_at;
};

struct UnicastPeerCheck {
  core::IpAddress address;
  std::optional<std::uint8_t> min_ttl;
  std::optional<std::uint8_t> max_ttl;
};

// What one instance expects of the adverts of its virtual router.
struct ReceiveExpectations {
  Version version = Version::kV2;
  std::uint8_t vrid = 0;
  Micros advert_interval = std::chrono::seconds(1);       // v2: must match the advert's
  AuthType auth_type = AuthType::kNone;                   // v2 only
  std::array<std::uint8_t, kV2AuthDataSize> auth_data{};  // PASS: password, zero padded
  std::vector<core::IpAddress> vips;                      // virtual_ipaddress, in order
  std::vector<UnicastPeerCheck> unicast_peers;            // empty: multicast (TTL must be 255)
  bool check_unicast_source = false;  // vrrp_check_unicast_src / check_unicast_src
  ChecksumOptions checksum;
};

// `check_addresses` is false when keepalived's skip_check_adv_addr applies (the sender is the
// master we already know). Returns the decoded advert or the reason to drop it.
std::variant<Advert, DropReason> check_advert(const ReceiveExpectations& expect,
                                              const Datagram& datagram, bool check_addresses);

}  // namespace vigil::vrrp
