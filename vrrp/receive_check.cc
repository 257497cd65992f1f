#include "vrrp/receive_check.h"

#include <algorithm>

namespace vigil::vrrp {

std::string_view drop_reason_name(DropReason r) {
  switch (r) {
    case DropReason::kTooShort:
      return "too_short";
    case DropReason::kLength:
      return "length";
    case DropReason::kTtl:
      return "ttl";
    case DropReason::kVersion:
      return "version";
    case DropReason::kType:
      return "type";
    case DropReason::kChecksum:
      return "checksum";
    case DropReason::kAddressCount:
      return "address_count";
    case DropReason::kAddressList:
      return "address_list";
    case DropReason::kInvalidAuthType:
      return "invalid_auth_type";
    case DropReason::kAuthTypeMismatch:
      return "auth_type_mismatch";
    case DropReason::kAuthFailure:
      return "auth_failure";
    case DropReason::kInterval:
      return "interval";
    case DropReason::kUnicastSource:
      return "unicast_source";
    case DropReason::kFamily:
      return "family";
    case DropReason::kOwnAdvert:
      return "own_advert";
  }
  return "unknown";
}

namespace {

DropReason from_decode_error(DecodeError e) {
  switch (e) {
    case DecodeError::kTooShort:
      return DropReason::kTooShort;
    case DecodeError::kVersion:
      return DropReason::kVersion;
    case DecodeError::kType:
      return DropReason::kType;
    case DecodeError::kLength:
      return DropReason::kLength;
    case DecodeError::kChecksum:
      return DropReason::kChecksum;
    case DecodeError::kAddressCount:
      return DropReason::kAddressCount;
    case DecodeError::kFamily:
    case DecodeError::kNone:
      break;
  }
  return DropReason::kFamily;
}

bool ttl_acceptable(const ReceiveExpectations& expect, const Datagram& d) {
  // RFC 5798 7.1: "MUST verify that the IP TTL is 255". keepalived applies it to multicast only;
  // a unicast peer may be several hops away, bounded by its optional min_ttl / max_ttl.
  if (expect.unicast_peers.empty()) return d.ttl == 255;
  for (const auto& peer : expect.unicast_peers) {
    if (peer.address != d.ip.source) continue;
    if (peer.min_ttl && d.ttl < *peer.min_ttl) return false;
    if (peer.max_ttl && d.ttl > *peer.max_ttl) return false;
    return true;
  }
  return true;  // not a configured peer: the unicast source check decides
}

}  // namespace

std::variant<Advert, DropReason> check_advert(const ReceiveExpectations& expect,
                                              const Datagram& datagram, bool check_addresses) {
  const bool want_v4 = expect.vips.empty() ? datagram.ip.source.is_v4() : expect.vips[0].is_v4();
  if (datagram.ip.source.is_v4() != want_v4) return DropReason::kFamily;
  if (!ttl_acceptable(expect, datagram)) return DropReason::kTtl;

  // The version first (keepalived checks it before the lengths): an advert of the other version
  // is a version mismatch, not a length error because v2 carries authentication data.
  if (!datagram.message.empty() &&
      (datagram.message[0] >> 4) != static_cast<std::uint8_t>(expect.version)) {
    return DropReason::kVersion;
  }
  DecodeResult decoded = decode(datagram.message, datagram.ip, expect.checksum);
  if (!decoded.advert) return from_decode_error(decoded.error);
  Advert& advert = *decoded.advert;
  if (advert.version != expect.version) return DropReason::kVersion;

  if (expect.version == Version::kV2) {
    // RFC 3768 7.1 / keepalived: authentication before anything else of the message.
    const auto type = static_cast<std::uint8_t>(advert.auth_type);
    if (type > static_cast<std::uint8_t>(AuthType::kIpAh)) return DropReason::kInvalidAuthType;
    if (advert.auth_type != expect.auth_type) return DropReason::kAuthTypeMismatch;
    if (expect.auth_type == AuthType::kSimpleText && advert.auth_data != expect.auth_data) {
      return DropReason::kAuthFailure;
    }
    // AH was verified by the transport, which saw the IP header and the AH header.
    if (expect.auth_type == AuthType::kIpAh && !datagram.via_ah) return DropReason::kAuthFailure;
    // RFC 3768 7.1: "MUST verify that the Adver Interval in the packet is the same as the locally
    // configured for this virtual router" (keepalived: avoids two masters in one VRID).
    if (Micros(std::int64_t{advert.interval} * 1'000'000) != expect.advert_interval) {
      return DropReason::kInterval;
    }
  }

  // keepalived: the number of addresses must equal the configured VIP count.
  if (advert.addresses.size() != expect.vips.size()) return DropReason::kAddressCount;
  if (check_addresses) {
    // RFC 5798 7.1: "MAY verify that the IPvX Address(es) associated with the VRID are valid".
    for (const auto& vip : expect.vips) {
      if (std::find(advert.addresses.begin(), advert.addresses.end(), vip) ==
          advert.addresses.end()) {
        return DropReason::kAddressList;
      }
    }
    if (expect.check_unicast_source && !expect.unicast_peers.empty() &&
        std::none_of(expect.unicast_peers.begin(), expect.unicast_peers.end(),
                     [&](const UnicastPeerCheck& p) { return p.address == datagram.ip.source; })) {
      return DropReason::kUnicastSource;
    }
  }
  return std::move(advert);
}

}  // namespace vigil::vrrp
