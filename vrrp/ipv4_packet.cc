#include "vrrp/ipv4_packet.h"

#include <algorithm>

namespace vigil::vrrp {
namespace {

void put16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}

std::uint16_t get16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

}  // namespace

std::vector<std::uint8_t> build_ipv4_packet(std::span<const std::uint8_t> vrrp_message,
                                            const Ipv4SendParams& params) {
  const std::size_t ah_size = params.ah ? kAhHeaderSize : 0;
  const std::size_t total = kIpv4HeaderSize + ah_size + vrrp_message.size();
  std::vector<std::uint8_t> out(total, 0);
  std::uint8_t* ip = out.data();

  ip[0] = 0x45;  // version 4, IHL 5
  ip[1] = params.tos;
  put16(ip + 2, static_cast<std::uint16_t>(total));
  put16(ip + 4, params.id);
  // ip[6..7]: flags and fragment offset stay 0 (keepalived does not set DF).
  ip[8] = params.ttl;
  ip[9] = params.ah ? kIpProtoAh : kIpProtoVrrp;
  const auto src = params.source.to_bytes();
  const auto dst = params.destination.to_bytes();
  std::copy(src.begin(), src.end(), ip + 12);
  std::copy(dst.begin(), dst.end(), ip + 16);
  std::copy(vrrp_message.begin(), vrrp_message.end(), out.begin() + kIpv4HeaderSize + ah_size);

  if (params.ah) {
    // vrrp_build_ipsecah: SPI = the source address; the ICV is computed with the ICV field and
    // the header checksum zero, so the checksum is filled in afterwards.
    AhHeader ah;
    ah.spi = params.source.to_uint();
    ah.sequence = params.ah->sequence;
    auto ah_bytes = std::span<std::uint8_t>(out).subspan(kIpv4HeaderSize, kAhHeaderSize);
    write_ah_header(ah, ah_bytes);
    if (auto icv = ah_compute_icv(out, params.ah->key, params.ah->zero_ttl)) {
      std::copy(icv->begin(), icv->end(), ah_bytes.begin() + 12);
    }
  }

  put16(ip + 10, internet_checksum(std::span<const std::uint8_t>(ip, kIpv4HeaderSize)));
  return out;
}

std::string_view ipv4_error_name(Ipv4Error e) {
  switch (e) {
    case Ipv4Error::kNone:
      return "none";
    case Ipv4Error::kTooShort:
      return "too_short";
    case Ipv4Error::kVersion:
      return "ip_version";
    case Ipv4Error::kHeaderLength:
      return "ip_header_length";
    case Ipv4Error::kTotalLength:
      return "ip_total_length";
    case Ipv4Error::kFragment:
      return "ip_fragment";
    case Ipv4Error::kProtocol:
      return "ip_protocol";
    case Ipv4Error::kAhTooShort:
      return "ah_too_short";
    case Ipv4Error::kAhNextHeader:
      return "ah_next_header";
    case Ipv4Error::kAhPayloadLength:
      return "ah_payload_length";
  }
  return "unknown";
}

Ipv4ParseResult parse_ipv4_packet(std::span<const std::uint8_t> datagram) {
  auto fail = [](Ipv4Error e) { return Ipv4ParseResult{std::nullopt, e}; };
  if (datagram.size() < kIpv4HeaderSize) return fail(Ipv4Error::kTooShort);
  const std::uint8_t* ip = datagram.data();
  if ((ip[0] >> 4) != 4) return fail(Ipv4Error::kVersion);
  const std::size_t ihl = static_cast<std::size_t>(ip[0] & 0x0f) * 4;
  if (ihl < kIpv4HeaderSize) return fail(Ipv4Error::kHeaderLength);
  if (datagram.size() < ihl) return fail(Ipv4Error::kTooShort);
  // keepalived: "ip_tot_len mismatch against received length".
  if (get16(ip + 2) != datagram.size()) return fail(Ipv4Error::kTotalLength);
  if ((get16(ip + 6) & 0x3fff) != 0) return fail(Ipv4Error::kFragment);  // MF or an offset

  Ipv4Packet p;
  p.tos = ip[1];
  p.id = get16(ip + 4);
  p.ttl = ip[8];
  p.protocol = ip[9];
  p.header_length = ihl;
  p.source = boost::asio::ip::address_v4({ip[12], ip[13], ip[14], ip[15]});
  p.destination = boost::asio::ip::address_v4({ip[16], ip[17], ip[18], ip[19]});
  p.datagram = datagram;

  std::size_t offset = ihl;
  if (p.protocol == kIpProtoAh) {
    auto ah = read_ah_header(datagram.subspan(ihl));
    if (!ah) return fail(Ipv4Error::kAhTooShort);
    if (ah->next_header != kIpProtoVrrp) return fail(Ipv4Error::kAhNextHeader);
    if (ah->payload_length != kAhPayloadLength) return fail(Ipv4Error::kAhPayloadLength);
    p.ah = *ah;
    offset += kAhHeaderSize;
  } else if (p.protocol != kIpProtoVrrp) {
    return fail(Ipv4Error::kProtocol);
  }
  p.message = datagram.subspan(offset);
  return {std::move(p), Ipv4Error::kNone};
}

std::string_view ah_verdict_name(AhVerdict v) {
  switch (v) {
    case AhVerdict::kOk:
      return "ok";
    case AhVerdict::kNotAh:
      return "not_ah";
    case AhVerdict::kIcv:
      return "ah_icv";
    case AhVerdict::kSpi:
      return "ah_spi";
    case AhVerdict::kReplay:
      return "ah_replay";
  }
  return "unknown";
}

AhVerdict check_ah(const Ipv4Packet& packet, const AhKey& key, bool unicast, AhSequence& sequence,
                   bool in_backup_state) {
  if (!packet.ah) return AhVerdict::kNotAh;
  // "IPSEC-AH : invalid IPSEC HMAC-MD5 value. Due to fields mutation or bad password !"
  if (!ah_verify_icv(packet.datagram, key, unicast)) return AhVerdict::kIcv;
  if (packet.ah->spi != packet.source.to_uint()) return AhVerdict::kSpi;
  // "IPSEC-AH : sequence number %u already processed. Packet dropped."
  if (!sequence.accept(packet.ah->sequence, in_backup_state)) return AhVerdict::kReplay;
  return AhVerdict::kOk;
}

}  // namespace vigil::vrrp
