// IPv4 framing and keepalived's IPsec AH against packets captured from Debian's keepalived 2.2.7
// on a veth pair between two namespaces (AF_PACKET capture, Ethernet header stripped here):
// interface 192.168.77.1, VRID 51 priority 150 advert_int 1 with `auth_type AH auth_pass
// secret1`, VIP 192.168.77.100 (multicast) or 192.168.77.100 + .101 (unicast to .2); and
// VRID 53 priority 120 with `auth_type PASS auth_pass secret12`, VIPs .101 and .102.
#include "vrrp/ipv4_packet.h"

#include <gtest/gtest.h>

#include <string>

#include "vrrp/auth_ah.h"
#include "vrrp/packet.h"

#include "tests/vrrp/hex.h"

namespace vigil::vrrp {
namespace {

using testing::hex;

boost::asio::ip::address_v4 v4(const char* s) { return boost::asio::ip::make_address_v4(s); }

// Multicast AH adverts: ID and sequence number 1 and 2 (the first two after start).
constexpr const char* kAhMulticast1 =
    "45c0004000010000ff33cd0dc0a84d01e0000012"
    "70040000c0a84d0100000001e0458d3c97372f5eacf872f5"
    "21339601020138bdc0a84d640000000000000000";
constexpr const char* kAhMulticast2 =
    "45c0004000020000ff33cd0cc0a84d01e0000012"
    "70040000c0a84d01000000029d089c2bfce1058a3a4afa1e"
    "21339601020138bdc0a84d640000000000000000";
// Unicast to 192.168.77.2: keepalived zeroes the TTL in the ICV input.
constexpr const char* kAhUnicast1 =
    "45c0004400010000ff339f71c0a84d01c0a84d02"
    "70040000c0a84d01000000019a80b6c7fae819208e3f9081"
    "2133960202012aaec0a84d64c0a84d650000000000000000";
constexpr const char* kPass1 =
    "45c0002c00010000ff70cce4c0a84d01e0000012"
    "213578020101dc2bc0a84d65c0a84d667365637265743132";

TEST(VrrpIpv4Packet, ParsesKeepalivedAhAdvert) {
  auto bytes = hex(kAhMulticast1);
  auto r = parse_ipv4_packet(bytes);
  ASSERT_EQ(r.error, Ipv4Error::kNone);
  const Ipv4Packet& p = *r.packet;
  EXPECT_EQ(p.source, v4("192.168.77.1"));
  EXPECT_EQ(p.destination, v4("224.0.0.18"));
  EXPECT_EQ(p.tos, 0xc0);
  EXPECT_EQ(p.ttl, 255);
  EXPECT_EQ(p.protocol, kIpProtoAh);
  EXPECT_EQ(p.id, 1);
  EXPECT_EQ(p.header_length, 20u);
  ASSERT_TRUE(p.ah.has_value());
  EXPECT_EQ(p.ah->next_header, kIpProtoVrrp);
  EXPECT_EQ(p.ah->payload_length, 4);
  EXPECT_EQ(p.ah->spi, v4("192.168.77.1").to_uint());
  EXPECT_EQ(p.ah->sequence, 1u);
  EXPECT_EQ(p.message.size(), 20u);

  auto advert = decode(p.message, p.envelope());
  ASSERT_EQ(advert.error, DecodeError::kNone);
  EXPECT_EQ(advert.advert->auth_type, AuthType::kIpAh);
  EXPECT_EQ(advert.advert->vrid, 51);
  EXPECT_EQ(advert.advert->priority, 150);
}

TEST(VrrpIpv4Packet, KeepalivedAhIcvVerifies) {
  const AhKey key = ah_key("secret1");
  for (const char* capture : {kAhMulticast1, kAhMulticast2}) {
    auto bytes = hex(capture);
    EXPECT_TRUE(ah_verify_icv(bytes, key, /*zero_ttl=*/false)) << capture;
    EXPECT_FALSE(ah_verify_icv(bytes, key, /*zero_ttl=*/true)) << capture;
    EXPECT_FALSE(ah_verify_icv(bytes, ah_key("secret2"), false)) << capture;
  }
  auto unicast = hex(kAhUnicast1);
  EXPECT_TRUE(ah_verify_icv(unicast, key, /*zero_ttl=*/true));
  EXPECT_FALSE(ah_verify_icv(unicast, key, /*zero_ttl=*/false));
}

TEST(VrrpIpv4Packet, AhIcvIgnoresMutableFieldsOnly) {
  const AhKey key = ah_key("secret1");
  auto bytes = hex(kAhMulticast1);
  auto mutate = [&](std::size_t i, std::uint8_t v) {
    auto b = bytes;
    b[i] = v;
    return b;
  };
  EXPECT_TRUE(ah_verify_icv(mutate(1, 0x00), key, false));   // TOS
  EXPECT_TRUE(ah_verify_icv(mutate(6, 0x40), key, false));   // DF
  EXPECT_TRUE(ah_verify_icv(mutate(10, 0x12), key, false));  // header checksum
  EXPECT_FALSE(ah_verify_icv(mutate(5, 0x02), key, false));  // ID is covered
  EXPECT_FALSE(ah_verify_icv(mutate(8, 254), key, false));   // TTL is covered (multicast)
  auto unicast = hex(kAhUnicast1);
  unicast[8] = 64;  // ... but not for unicast, where TTL is mutable
  EXPECT_TRUE(ah_verify_icv(unicast, key, true));
  EXPECT_FALSE(ah_verify_icv(mutate(31, 0x02), key, false));  // sequence number
  EXPECT_FALSE(ah_verify_icv(mutate(46, 0x97), key, false));  // priority
  // Too short for the AH header: never valid.
  EXPECT_FALSE(ah_verify_icv(std::span(bytes).first(40), key, false));
  EXPECT_FALSE(ah_compute_icv(std::span(bytes).first(40), key, false).has_value());
}

TEST(VrrpIpv4Packet, AhKeyIsPasswordTruncatedAndPadded) {
  EXPECT_EQ(ah_key("secret1"), (AhKey{'s', 'e', 'c', 'r', 'e', 't', '1', 0}));
  EXPECT_EQ(ah_key("longpassword"), (AhKey{'l', 'o', 'n', 'g', 'p', 'a', 's', 's'}));
  EXPECT_EQ(ah_key(""), AhKey{});
}

Advert ah_advert(std::vector<core::IpAddress> vips) {
  Advert a;
  a.version = Version::kV2;
  a.vrid = 51;
  a.priority = 150;
  a.interval = 1;
  a.auth_type = AuthType::kIpAh;
  a.addresses = std::move(vips);
  return a;
}

TEST(VrrpIpv4Packet, BuildsByteIdenticalAhAdverts) {
  const IpEnvelope env{core::IpAddress(v4("192.168.77.1")), core::IpAddress(v4("224.0.0.18"))};
  auto message = encode(ah_advert({core::IpAddress(v4("192.168.77.100"))}), env);

  Ipv4IdSequence ids;
  AhSequence sequence;
  for (const char* capture : {kAhMulticast1, kAhMulticast2}) {
    Ipv4SendParams params;
    params.source = v4("192.168.77.1");
    params.destination = v4("224.0.0.18");
    params.id = ids.next();
    params.ah = AhSendParams{ah_key("secret1"), sequence.next_for_send(), false};
    EXPECT_EQ(build_ipv4_packet(message, params), hex(capture));
  }

  const IpEnvelope uni{core::IpAddress(v4("192.168.77.1")), core::IpAddress(v4("192.168.77.2"))};
  auto uni_message = encode(
      ah_advert({core::IpAddress(v4("192.168.77.100")), core::IpAddress(v4("192.168.77.101"))}),
      uni);
  Ipv4SendParams params;
  params.source = v4("192.168.77.1");
  params.destination = v4("192.168.77.2");
  params.id = 1;
  params.ah = AhSendParams{ah_key("secret1"), 1, /*zero_ttl=*/true};
  EXPECT_EQ(build_ipv4_packet(uni_message, params), hex(kAhUnicast1));
}

TEST(VrrpIpv4Packet, BuildsByteIdenticalPassAdvert) {
  const IpEnvelope env{core::IpAddress(v4("192.168.77.1")), core::IpAddress(v4("224.0.0.18"))};
  Advert a;
  a.version = Version::kV2;
  a.vrid = 53;
  a.priority = 120;
  a.interval = 1;
  a.auth_type = AuthType::kSimpleText;
  const std::string pass = "secret12";
  std::copy(pass.begin(), pass.end(), a.auth_data.begin());
  a.addresses = {core::IpAddress(v4("192.168.77.101")), core::IpAddress(v4("192.168.77.102"))};

  Ipv4SendParams params;
  params.source = v4("192.168.77.1");
  params.destination = v4("224.0.0.18");
  params.id = 1;
  auto built = build_ipv4_packet(encode(a, env), params);
  EXPECT_EQ(built, hex(kPass1));

  auto r = parse_ipv4_packet(built);
  ASSERT_EQ(r.error, Ipv4Error::kNone);
  EXPECT_FALSE(r.packet->ah.has_value());
  EXPECT_EQ(r.packet->protocol, kIpProtoVrrp);
  auto d = decode(r.packet->message, r.packet->envelope());
  ASSERT_EQ(d.error, DecodeError::kNone);
  EXPECT_EQ(*d.advert, a);
  // The header checksum is valid (RFC 1071: summing it in gives zero).
  EXPECT_EQ(internet_checksum(std::span(built).first(20)), 0);
}

TEST(VrrpIpv4Packet, UnicastTtlAndTos) {
  Ipv4SendParams params;
  params.source = v4("10.0.0.1");
  params.destination = v4("10.0.0.2");
  params.id = 7;
  params.ttl = 64;
  params.tos = 0;
  const std::vector<std::uint8_t> message(20, 0);
  auto built = build_ipv4_packet(message, params);
  auto r = parse_ipv4_packet(built);
  ASSERT_EQ(r.error, Ipv4Error::kNone);
  EXPECT_EQ(r.packet->ttl, 64);
  EXPECT_EQ(r.packet->tos, 0);
  EXPECT_EQ(r.packet->id, 7);
}

TEST(VrrpIpv4Packet, RejectsMalformed) {
  auto good = hex(kAhMulticast1);
  auto with = [&](std::size_t i, std::uint8_t v) {
    auto b = good;
    b[i] = v;
    return parse_ipv4_packet(b).error;
  };
  EXPECT_EQ(parse_ipv4_packet(std::span(good).first(19)).error, Ipv4Error::kTooShort);
  EXPECT_EQ(with(0, 0x65), Ipv4Error::kVersion);
  EXPECT_EQ(with(0, 0x44), Ipv4Error::kHeaderLength);
  EXPECT_EQ(with(0, 0x4f), Ipv4Error::kAhTooShort);  // IHL 15: AH would start at byte 60
  EXPECT_EQ(with(3, 0x41), Ipv4Error::kTotalLength);
  EXPECT_EQ(parse_ipv4_packet(std::span(good).first(63)).error, Ipv4Error::kTotalLength);
  EXPECT_EQ(with(6, 0x20), Ipv4Error::kFragment);  // MF
  EXPECT_EQ(with(7, 0x01), Ipv4Error::kFragment);  // offset
  EXPECT_EQ(with(6, 0x40), Ipv4Error::kNone);      // DF alone is fine
  EXPECT_EQ(with(9, 6), Ipv4Error::kProtocol);
  EXPECT_EQ(with(20, 17), Ipv4Error::kAhNextHeader);
  EXPECT_EQ(with(21, 5), Ipv4Error::kAhPayloadLength);

  // AH announced but no room for it.
  auto tiny = hex("45c0002000010000ff33cd0dc0a84d01e000001270040000c0a84d0100000001");
  EXPECT_EQ(parse_ipv4_packet(tiny).error, Ipv4Error::kAhTooShort);

  for (auto e : {Ipv4Error::kNone, Ipv4Error::kTooShort, Ipv4Error::kAhPayloadLength}) {
    EXPECT_FALSE(ipv4_error_name(e).empty());
  }
}

TEST(VrrpIpv4Packet, HeaderWithOptions) {
  // IHL 6 (one word of options, e.g. router alert): the AH and message follow the options.
  auto base = hex(kAhMulticast1);
  std::vector<std::uint8_t> b(base.begin(), base.begin() + 20);
  b[0] = 0x46;
  b[3] = 0x44;  // total 68
  for (std::uint8_t o : {0x94, 0x04, 0x00, 0x00}) b.push_back(o);
  b.insert(b.end(), base.begin() + 20, base.end());
  auto r = parse_ipv4_packet(b);
  ASSERT_EQ(r.error, Ipv4Error::kNone);
  EXPECT_EQ(r.packet->header_length, 24u);
  EXPECT_EQ(r.packet->ah->sequence, 1u);
  EXPECT_EQ(r.packet->message.size(), 20u);
}

TEST(VrrpIpv4Packet, CheckAhInKeepalivedOrder) {
  const AhKey key = ah_key("secret1");
  auto first = hex(kAhMulticast1);
  auto second = hex(kAhMulticast2);
  AhSequence seq;
  auto check = [&](const std::vector<std::uint8_t>& bytes, const AhKey& k) {
    auto r = parse_ipv4_packet(bytes);
    EXPECT_EQ(r.error, Ipv4Error::kNone);
    return check_ah(*r.packet, k, /*unicast=*/false, seq, /*in_backup_state=*/true);
  };
  EXPECT_EQ(check(first, ah_key("wrong")), AhVerdict::kIcv);
  EXPECT_EQ(seq.value(), 0u);  // a failed ICV never touches the counter
  EXPECT_EQ(check(first, key), AhVerdict::kOk);
  EXPECT_EQ(seq.value(), 1u);
  EXPECT_EQ(check(first, key), AhVerdict::kReplay);
  EXPECT_EQ(check(second, key), AhVerdict::kOk);
  EXPECT_EQ(seq.value(), 2u);

  // An SPI that is not the source address (rebuilt so the ICV is right).
  Ipv4SendParams params;
  params.source = v4("192.168.77.1");
  params.destination = v4("224.0.0.18");
  params.id = 3;
  params.ah = AhSendParams{key, 3, false};
  const IpEnvelope env{core::IpAddress(params.source), core::IpAddress(params.destination)};
  auto built =
      build_ipv4_packet(encode(ah_advert({core::IpAddress(v4("192.168.77.100"))}), env), params);
  built[27] ^= 1;  // SPI's last byte
  auto icv = ah_compute_icv(built, key, false);
  ASSERT_TRUE(icv.has_value());
  std::copy(icv->begin(), icv->end(), built.begin() + 32);
  EXPECT_EQ(check(built, key), AhVerdict::kSpi);
  EXPECT_EQ(seq.value(), 2u);

  auto pass_bytes = hex(kPass1);
  auto pass = parse_ipv4_packet(pass_bytes);
  EXPECT_EQ(check_ah(*pass.packet, key, false, seq, true), AhVerdict::kNotAh);
  EXPECT_EQ(ah_verdict_name(AhVerdict::kReplay), "ah_replay");
}

TEST(VrrpAhSequence, KeepalivedCounterSemantics) {
  AhSequence s;
  EXPECT_EQ(s.next_for_send(), 1u);
  EXPECT_EQ(s.next_for_send(), 2u);
  // Only strictly greater numbers pass the replay check; they are adopted.
  EXPECT_FALSE(s.accept(2, false));
  EXPECT_FALSE(s.accept(1, false));
  EXPECT_TRUE(s.accept(10, false));
  EXPECT_EQ(s.value(), 10u);
  // A router that takes over continues above the numbers it accepted.
  EXPECT_EQ(s.next_for_send(), 11u);
  // A master that hears a lower-priority router resynchronises past its number.
  s.sync_from_lower_priority(3);
  EXPECT_EQ(s.value(), 4u);
  EXPECT_EQ(s.next_for_send(), 5u);
}

TEST(VrrpAhSequence, RestartedPeerIsRefusedUntilItAdoptsTheCounter) {
  AhSequence master;
  for (int i = 0; i < 100; ++i) master.next_for_send();
  AhSequence restarted;  // a peer starting again from 0
  // Its own adverts (1, 2, ...) are replays for the master ...
  EXPECT_FALSE(master.accept(restarted.next_for_send(), false));
  // ... until, as backup, it accepts the master's numbers and continues above them.
  AhSequence peer;
  EXPECT_TRUE(peer.accept(master.next_for_send(), true));
  EXPECT_TRUE(master.accept(peer.next_for_send(), false));
}

TEST(VrrpAhSequence, CycleStopsIncrementingAndResetsOnBecomingMaster) {
  AhSequence s;
  s.sync_from_lower_priority(0xFFFFFFFCu);  // value 0xFFFFFFFD
  EXPECT_EQ(s.next_for_send(), 0xFFFFFFFEu);
  EXPECT_FALSE(s.cycled());
  EXPECT_EQ(s.next_for_send(), 0xFFFFFFFEu);
  EXPECT_TRUE(s.cycled());
  EXPECT_EQ(s.next_for_send(), 0xFFFFFFFEu);
  s.on_become_master();
  EXPECT_FALSE(s.cycled());
  EXPECT_EQ(s.next_for_send(), 1u);

  // A backup that accepts a newer number clears the mark without a reset.
  AhSequence b;
  b.sync_from_lower_priority(0xFFFFFFFCu);
  b.next_for_send();
  b.next_for_send();
  ASSERT_TRUE(b.cycled());
  EXPECT_FALSE(b.accept(5, true));
  EXPECT_TRUE(b.cycled());
  EXPECT_TRUE(b.accept(0xFFFFFFFFu, true));
  EXPECT_FALSE(b.cycled());
  b.on_become_master();
  EXPECT_EQ(b.value(), 0xFFFFFFFFu);
}

TEST(VrrpAhHeader, RoundTrips) {
  AhHeader h;
  h.spi = 0xc0a84d01;
  h.sequence = 0x01020304;
  h.icv = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  std::array<std::uint8_t, kAhHeaderSize> bytes{};
  write_ah_header(h, bytes);
  EXPECT_EQ(bytes[0], 112);
  EXPECT_EQ(bytes[1], 4);
  EXPECT_EQ(read_ah_header(bytes), h);
  EXPECT_FALSE(read_ah_header(std::span(bytes).first(23)).has_value());
}

}  // namespace
}  // namespace vigil::vrrp
