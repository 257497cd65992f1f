// The VRRP raw socket's receive timestamps: the kernel's CLOCK_REALTIME stamp moved onto the
// steady clock (pure), and a real socket in a namespace handing it over with each packet.
#include "vrrp/raw_socket.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "netns_fixture.h"
#include "vrrp/auth_ah.h"
#include "vrrp/ipv4_packet.h"
#include "vrrp/packet.h"

namespace vigil::vrrp {
namespace {

using std::chrono::microseconds;
using std::chrono::system_clock;

TEST(ReceivedOnSteadyClock, TakesThePacketsAgeOffNow) {
  const system_clock::time_point real_now{std::chrono::seconds(1'700'000'000)};
  const core::TimePoint steady_now{std::chrono::hours(5)};
  EXPECT_EQ(received_on_steady_clock(real_now - microseconds(730), real_now, steady_now),
            steady_now - microseconds(730));
  EXPECT_EQ(received_on_steady_clock(real_now, real_now, steady_now), steady_now);
}

TEST(ReceivedOnSteadyClock, AStampFromTheFutureCountsAsNow) {
  // The wall clock stepped back between the kernel's stamp and our reading of the clock.
  const system_clock::time_point real_now{std::chrono::seconds(1'700'000'000)};
  const core::TimePoint steady_now{std::chrono::hours(5)};
  EXPECT_EQ(received_on_steady_clock(real_now + std::chrono::seconds(3), real_now, steady_now),
            steady_now);
}

class RawSocketNetns : public testing::NetnsTest {};

TEST_F(RawSocketNetns, HandsOverTheKernelReceiveTime) {
  boost::asio::io_context io;
  RawSocketOptions options;
  options.interface = "lo";
  options.ifindex = 1;
  std::error_code ec;
  auto socket = RawSocket::open(io, options, ec);
  ASSERT_TRUE(socket) << ec.message();
  std::optional<ReceivedPacket> got;
  core::TimePoint handled{};
  socket->start([&](const ReceivedPacket& p) {
    if (got) return;
    got = p;
    handled = std::chrono::steady_clock::now();
  });

  Advert a;
  a.vrid = 7;
  a.priority = 100;
  a.interval = 1;
  a.addresses = {*core::parse_ip_address("10.0.0.100")};
  const auto source = *core::parse_ip_address("127.0.0.1");
  const std::vector<std::uint8_t> message = encode(a, {source, source});
  Ipv4SendParams params;
  params.source = source.to_v4();
  params.destination = source.to_v4();
  params.id = 1;
  const core::TimePoint before = std::chrono::steady_clock::now();
  ASSERT_FALSE(socket->send(build_ipv4_packet(message, params), source, source, 255));
  ASSERT_TRUE(testing::run_until(io, [&] { return got.has_value(); }));
  ASSERT_TRUE(got->received_at.has_value());
  // Causality only (no timing): stamped after the send began, before the handler ran. The two
  // clocks are read a few nanoseconds apart, hence the microsecond of slack.
  EXPECT_GE(*got->received_at, before - microseconds(1));
  EXPECT_LE(*got->received_at, handled + microseconds(1));
}

// The urgent socket's BPF filter and is_priority_zero_advert agree: with reading deferred, a
// routine advert waits in the queue until drain(), a priority 0 advert wakes the loop at once
// (handed over after what was queued before it), and every packet is handed over exactly once.
// IPv4 (protocol 112), IPv4 with IPsec AH (protocol 51) and IPv6, on the namespace's loopback.
struct DeferredCase {
  const char* name;
  core::Family family;
  std::uint8_t protocol;
};

class RawSocketDeferred : public testing::NetnsTest,
                          public ::testing::WithParamInterface<DeferredCase> {};

TEST_P(RawSocketDeferred, HoldsRoutineAdvertsAndWakesForPriorityZero) {
  const DeferredCase& c = GetParam();
  const bool v4 = c.family == core::Family::kIPv4;
  boost::asio::io_context io;
  RawSocketOptions options;
  options.family = c.family;
  options.protocol = c.protocol;
  options.interface = "lo";
  options.ifindex = 1;
  std::error_code ec;
  auto socket = RawSocket::open(io, options, ec);
  ASSERT_TRUE(socket) << ec.message();
  ASSERT_TRUE(socket->can_defer());
  socket->set_expected_rate(0.01);  // no safety drain during the test
  socket->set_deferred(true);
  std::vector<int> got;  // priorities, in the order handed over
  socket->start([&](const ReceivedPacket& p) {
    std::span<const std::uint8_t> message = p.bytes;
    if (v4) {
      const Ipv4ParseResult parsed = parse_ipv4_packet(p.bytes);
      ASSERT_TRUE(parsed.packet);
      message = parsed.packet->message;
    }
    ASSERT_GT(message.size(), 2u);
    got.push_back(message[2]);
    EXPECT_EQ(is_priority_zero_advert(p.bytes, c.family, c.protocol), message[2] == 0);
  });
  const auto source = *core::parse_ip_address(v4 ? "127.0.0.1" : "::1");
  std::uint32_t sequence = 1;
  const auto send = [&](std::uint8_t priority) {
    Advert a;
    a.version = v4 ? Version::kV2 : Version::kV3;
    a.vrid = 7;
    a.priority = priority;
    a.interval = v4 ? 1 : 100;
    a.addresses = {*core::parse_ip_address(v4 ? "10.0.0.100" : "2001:db8::100")};
    if (c.protocol == kIpProtoAh) a.auth_type = AuthType::kIpAh;
    const std::vector<std::uint8_t> message = encode(a, {source, source});
    if (!v4) return socket->send(message, source, source, 255);
    Ipv4SendParams params;
    params.source = source.to_v4();
    params.destination = source.to_v4();
    params.id = static_cast<std::uint16_t>(sequence);
    if (c.protocol == kIpProtoAh) params.ah = AhSendParams{ah_key("secret"), sequence, true};
    ++sequence;
    return socket->send(build_ipv4_packet(message, params), source, source, 255);
  };
  const auto settle = [&] {  // long enough for loopback; the assertions do not depend on it
    io.restart();
    io.run_for(std::chrono::milliseconds(50));
  };

  ASSERT_FALSE(send(100));
  settle();
  EXPECT_TRUE(got.empty());  // held back
  ASSERT_FALSE(send(0));
  ASSERT_TRUE(testing::run_until(io, [&] { return got.size() >= 2; }));
  // In arrival order by the kernel's stamps. On loopback the kernel stamps IPv4 packets sent
  // with IP_HDRINCL only when they are read (no receive stamp), so there the order is the
  // reading order; packets from a real interface are stamped on arrival.
  if (!v4) {
    EXPECT_EQ(got, (std::vector<int>{100, 0}));
  }
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<int>{0, 100}));
  ASSERT_FALSE(send(50));
  settle();
  EXPECT_EQ(got.size(), 2u);
  socket->drain();
  EXPECT_EQ(got, (std::vector<int>{0, 100, 50}));
  settle();
  socket->drain();
  EXPECT_EQ(got, (std::vector<int>{0, 100, 50}));  // priority 0 once, not again from the main queue

  socket->set_deferred(false);  // immediate: the next advert is handed over without a drain
  ASSERT_FALSE(send(90));
  ASSERT_TRUE(testing::run_until(io, [&] { return got.size() >= 4; }));
  EXPECT_EQ(got.back(), 90);
  EXPECT_EQ(socket->overflows(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Families, RawSocketDeferred,
                         ::testing::Values(DeferredCase{"Ipv4", core::Family::kIPv4, kIpProtoVrrp},
                                           DeferredCase{"Ipv4Ah", core::Family::kIPv4, kIpProtoAh},
                                           DeferredCase{"Ipv6", core::Family::kIPv6, kIpProtoVrrp}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(PriorityZeroAdvert, ReadsThePriorityAfterTheHeaders) {
  // IPv4 with a 24-byte header (options), VRRP priority at 24 + 2.
  std::vector<std::uint8_t> v4(40, 0xff);
  v4[0] = 0x46;
  v4[26] = 0;
  EXPECT_TRUE(is_priority_zero_advert(v4, core::Family::kIPv4, kIpProtoVrrp));
  v4[26] = 100;
  EXPECT_FALSE(is_priority_zero_advert(v4, core::Family::kIPv4, kIpProtoVrrp));
  // AH after a 20-byte header: payload length 4 -> (4 + 2) * 4 = 24 bytes; priority at 46.
  std::vector<std::uint8_t> ah(60, 0xff);
  ah[0] = 0x45;
  ah[21] = 4;
  ah[46] = 0;
  EXPECT_TRUE(is_priority_zero_advert(ah, core::Family::kIPv4, kIpProtoAh));
  ah.resize(46);  // too short to say
  EXPECT_FALSE(is_priority_zero_advert(ah, core::Family::kIPv4, kIpProtoAh));
  const std::vector<std::uint8_t> v6{0x31, 7, 0, 1};
  EXPECT_TRUE(is_priority_zero_advert(v6, core::Family::kIPv6, kIpProtoVrrp));
  EXPECT_FALSE(is_priority_zero_advert(std::span(v6).first(2), core::Family::kIPv6, kIpProtoVrrp));
}

}  // namespace
}  // namespace vigil::vrrp
