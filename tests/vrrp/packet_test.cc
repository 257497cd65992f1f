// Codec tests against adverts captured from Debian's keepalived 2.2.7 on a namespace lab
// (veth, AF_PACKET capture): VRID 51, priority 150, advert_int 1.
#include "vrrp/packet.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/vrrp/hex.h"

namespace vigil::vrrp {
namespace {

using testing::hex;

core::IpAddress ip(const char* s) { return *core::parse_ip_address(s); }

const IpEnvelope kV4{ip("192.168.77.1"), ip("224.0.0.18")};
const IpEnvelope kV6{ip("fe80::b441:86ff:fee0:4bff"), ip("ff02::12")};

TEST(VrrpPacket, DecodesKeepalivedV2WithSimplePassword) {
  auto bytes =
      hex("2133960101"
          "01cc3ec0a84d64"
          "7365637265743132");
  auto r = decode(bytes, kV4);
  ASSERT_EQ(r.error, DecodeError::kNone);
  const Advert& a = *r.advert;
  EXPECT_EQ(a.version, Version::kV2);
  EXPECT_EQ(a.vrid, 51);
  EXPECT_EQ(a.priority, 150);
  EXPECT_EQ(a.interval, 1);
  EXPECT_EQ(a.auth_type, AuthType::kSimpleText);
  EXPECT_EQ(std::string(a.auth_data.begin(), a.auth_data.end()), "secret12");
  ASSERT_EQ(a.addresses.size(), 1u);
  EXPECT_EQ(a.addresses[0], ip("192.168.77.100"));
  EXPECT_EQ(encode(a, kV4), bytes);
}

TEST(VrrpPacket, RoundTripsKeepalivedCaptures) {
  struct Case {
    const char* name;
    const char* bytes;
    IpEnvelope env;
  } cases[] = {
      {"v2 no auth", "2133960100013abdc0a84d640000000000000000", kV4},
      {"v2 priority 0 on shutdown", "213300010101623fc0a84d647365637265743132", kV4},
      {"v3 IPv4 (pseudo-header checksum)", "3133960100643c21c0a84d64", kV4},
      {"v3 IPv6", "313396010064b626fd000000000000000000000000000100", kV6},
  };
  for (const auto& c : cases) {
    auto bytes = hex(c.bytes);
    auto r = decode(bytes, c.env);
    ASSERT_EQ(r.error, DecodeError::kNone) << c.name;
    EXPECT_EQ(encode(*r.advert, c.env), bytes) << c.name;
  }
  auto v3 = decode(hex("313396010064b626fd000000000000000000000000000100"), kV6);
  EXPECT_EQ(v3.advert->interval, 100);  // centiseconds
}

TEST(VrrpPacket, V3ChecksumAsV2Knob) {
  Advert a{Version::kV3, 51, 150, 100, AuthType::kNone, {}, {ip("192.168.77.100")}};
  ChecksumOptions as_v2{.v3_ipv4_without_pseudo_header = true};
  auto legacy = encode(a, kV4, as_v2);
  EXPECT_NE(legacy, encode(a, kV4));
  EXPECT_EQ(decode(legacy, kV4).error, DecodeError::kChecksum);
  EXPECT_EQ(decode(legacy, kV4, as_v2).error, DecodeError::kNone);
  // With the knob, the standard form is still accepted (mixed peers during an upgrade).
  EXPECT_EQ(decode(encode(a, kV4), kV4, as_v2).error, DecodeError::kNone);
}

TEST(VrrpPacket, RejectsMalformed) {
  auto good = hex("3133960100643c21c0a84d64");
  auto with = [&](std::size_t i, std::uint8_t v) {
    auto b = good;
    b[i] = v;
    return decode(b, kV4).error;
  };
  EXPECT_EQ(with(0, 0x41), DecodeError::kVersion);
  EXPECT_EQ(with(0, 0x32), DecodeError::kType);
  EXPECT_EQ(with(7, 0x22), DecodeError::kChecksum);
  EXPECT_EQ(with(3, 2), DecodeError::kTooShort);
  auto longer = good;
  longer.push_back(0);
  EXPECT_EQ(decode(longer, kV4).error, DecodeError::kLength);
  EXPECT_EQ(decode(std::span(good).first(5), kV4).error, DecodeError::kTooShort);
  EXPECT_EQ(decode({}, kV4).error, DecodeError::kTooShort);
  // v2 is IPv4 only (RFC 3768).
  Advert v2{Version::kV2, 1, 100, 1, AuthType::kNone, {}, {ip("fd00::1")}};
  EXPECT_EQ(decode(encode(v2, kV6), kV6).error, DecodeError::kVersion);
  // v2 without its authentication field.
  auto v2bytes = hex("2133960100013abdc0a84d640000000000000000");
  EXPECT_EQ(decode(std::span(v2bytes).first(12), kV4).error, DecodeError::kLength);
  // No addresses (checksum made valid so that the count is what fails).
  Advert none{Version::kV3, 1, 100, 100, AuthType::kNone, {}, {}};
  EXPECT_EQ(decode(encode(none, kV4), kV4).error, DecodeError::kAddressCount);
  EXPECT_EQ(decode(good, IpEnvelope{ip("192.168.77.1"), ip("ff02::12")}).error,
            DecodeError::kFamily);
}

TEST(VrrpPacket, ChecksumOfOddLengthData) {
  const std::uint8_t data[] = {0x01, 0x02, 0x03};
  // 0x0102 + 0x0300 = 0x0402 -> ~ = 0xfbfd
  EXPECT_EQ(internet_checksum(data), 0xfbfd);
}

}  // namespace
}  // namespace vigil::vrrp
