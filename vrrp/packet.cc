#include "vrrp/packet.h"

namespace vigil::vrrp {
namespace {

std::uint32_t sum_bytes(std::span<const std::uint8_t> data, std::uint32_t sum) {
  std::size_t i = 0;
  for (; i + 1 < data.size(); i += 2) sum += (std::uint32_t{data[i]} << 8) | data[i + 1];
  if (i < data.size()) sum += std::uint32_t{data[i]} << 8;
  return sum;
}

template <std::size_t N>
std::uint32_t sum_array(const std::array<unsigned char, N>& a, std::uint32_t sum) {
  return sum_bytes(std::span<const std::uint8_t>(a.data(), a.size()), sum);
}

// RFC 5798 5.2.8: the v3 checksum covers an IPv4 or IPv6 pseudo-header (RFC 2460 8.1);
// RFC 3768 5.3.8: v2 covers the VRRP message only.
std::uint32_t pseudo_header_sum(const IpEnvelope& ip, std::size_t length) {
  std::uint32_t sum = 0;
  if (ip.source.is_v4()) {
    sum = sum_array(ip.source.to_v4().to_bytes(), sum);
    sum = sum_array(ip.destination.to_v4().to_bytes(), sum);
    sum += kIpProtoVrrp;
    sum += static_cast<std::uint32_t>(length);
  } else {
    sum = sum_array(ip.source.to_v6().to_bytes(), sum);
    sum = sum_array(ip.destination.to_v6().to_bytes(), sum);
    sum += static_cast<std::uint32_t>(length >> 16) + static_cast<std::uint32_t>(length & 0xffff);
    sum += kIpProtoVrrp;
  }
  return sum;
}

bool uses_pseudo_header(Version v, const IpEnvelope& ip, const ChecksumOptions& o) {
  if (v == Version::kV2) return false;
  return !(ip.source.is_v4() && o.v3_ipv4_without_pseudo_header);
}

std::size_t address_size(const IpEnvelope& ip) { return ip.source.is_v4() ? 4 : 16; }

}  // namespace

std::uint16_t internet_checksum(std::span<const std::uint8_t> data, std::uint32_t initial) {
  std::uint32_t sum = sum_bytes(data, initial);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum & 0xffff);
}

std::string_view decode_error_name(DecodeError e) {
  switch (e) {
    case DecodeError::kNone:
      return "none";
    case DecodeError::kTooShort:
      return "too_short";
    case DecodeError::kVersion:
      return "version";
    case DecodeError::kType:
      return "type";
    case DecodeError::kLength:
      return "length";
    case DecodeError::kChecksum:
      return "checksum";
    case DecodeError::kAddressCount:
      return "address_count";
    case DecodeError::kFamily:
      return "family";
  }
  return "unknown";
}

std::vector<std::uint8_t> encode(const Advert& advert, const IpEnvelope& ip,
                                 const ChecksumOptions& options) {
  const std::size_t addr_size = address_size(ip);
  const bool v2 = advert.version == Version::kV2;
  std::vector<std::uint8_t> out;
  out.reserve(kHeaderSize + advert.addresses.size() * addr_size + (v2 ? kV2AuthDataSize : 0));
  out.push_back(
      static_cast<std::uint8_t>((static_cast<unsigned>(advert.version) << 4) | kAdvertisementType));
  out.push_back(advert.vrid);
  out.push_back(advert.priority);
  out.push_back(static_cast<std::uint8_t>(advert.addresses.size()));
  if (v2) {
    out.push_back(static_cast<std::uint8_t>(advert.auth_type));
    out.push_back(static_cast<std::uint8_t>(advert.interval));
  } else {
    // RFC 5798 5.2.4/5.2.7: 4 reserved bits, then Max Adver Int in centiseconds (12 bits).
    out.push_back(static_cast<std::uint8_t>((advert.interval >> 8) & 0x0f));
    out.push_back(static_cast<std::uint8_t>(advert.interval & 0xff));
  }
  out.push_back(0);
  out.push_back(0);
  for (const auto& a : advert.addresses) {
    if (a.is_v4()) {
      auto b = a.to_v4().to_bytes();
      out.insert(out.end(), b.begin(), b.end());
    } else {
      auto b = a.to_v6().to_bytes();
      out.insert(out.end(), b.begin(), b.end());
    }
  }
  if (v2) out.insert(out.end(), advert.auth_data.begin(), advert.auth_data.end());
  std::uint32_t initial =
      uses_pseudo_header(advert.version, ip, options) ? pseudo_header_sum(ip, out.size()) : 0;
  std::uint16_t sum = internet_checksum(out, initial);
  out[6] = static_cast<std::uint8_t>(sum >> 8);
  out[7] = static_cast<std::uint8_t>(sum & 0xff);
  return out;
}

DecodeResult decode(std::span<const std::uint8_t> m, const IpEnvelope& ip,
                    const ChecksumOptions& options) {
  DecodeResult r;
  auto fail = [&](DecodeError e) {
    r.error = e;
    return r;
  };
  if (ip.source.is_v4() != ip.destination.is_v4()) return fail(DecodeError::kFamily);
  if (m.size() < kHeaderSize) return fail(DecodeError::kTooShort);
  const unsigned version = m[0] >> 4;
  if (version != 2 && version != 3) return fail(DecodeError::kVersion);
  const Version v = static_cast<Version>(version);
  if (v == Version::kV2 && !ip.source.is_v4()) return fail(DecodeError::kVersion);
  if ((m[0] & 0x0f) != kAdvertisementType) return fail(DecodeError::kType);
  const std::size_t count = m[3];
  const std::size_t addr_size = address_size(ip);
  const std::size_t expected =
      kHeaderSize + count * addr_size + (v == Version::kV2 ? kV2AuthDataSize : 0);
  if (m.size() < kHeaderSize + count * addr_size) return fail(DecodeError::kTooShort);
  if (m.size() != expected) return fail(DecodeError::kLength);

  // A correct checksum sums (with the pseudo-header, where used) to zero.
  bool ok = internet_checksum(
                m, uses_pseudo_header(v, ip, options) ? pseudo_header_sum(ip, m.size()) : 0) == 0;
  if (!ok && v == Version::kV3 && ip.source.is_v4() && options.v3_ipv4_without_pseudo_header) {
    ok = internet_checksum(m, pseudo_header_sum(ip, m.size())) == 0;
  }
  if (!ok) return fail(DecodeError::kChecksum);
  if (count == 0) return fail(DecodeError::kAddressCount);

  Advert a;
  a.version = v;
  a.vrid = m[1];
  a.priority = m[2];
  if (v == Version::kV2) {
    a.auth_type = static_cast<AuthType>(m[4]);
    a.interval = m[5];
  } else {
    a.interval = static_cast<std::uint16_t>(((m[4] & 0x0f) << 8) | m[5]);
  }
  a.addresses.reserve(count);
  std::size_t off = kHeaderSize;
  for (std::size_t i = 0; i < count; ++i, off += addr_size) {
    if (addr_size == 4) {
      boost::asio::ip::address_v4::bytes_type b;
      std::copy_n(m.begin() + static_cast<std::ptrdiff_t>(off), 4, b.begin());
      a.addresses.emplace_back(boost::asio::ip::address_v4(b));
    } else {
      boost::asio::ip::address_v6::bytes_type b;
      std::copy_n(m.begin() + static_cast<std::ptrdiff_t>(off), 16, b.begin());
      a.addresses.emplace_back(boost::asio::ip::address_v6(b));
    }
  }
  if (v == Version::kV2) {
    std::copy_n(m.begin() + static_cast<std::ptrdiff_t>(off), kV2AuthDataSize, a.auth_data.begin());
  }
  r.advert = std::move(a);
  return r;
}

}  // namespace vigil::vrrp
