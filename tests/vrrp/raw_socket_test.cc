// The VRRP raw socket's receive timestamps: the kernel's CLOCK_REALTIME stamp moved onto the
// steady clock (pure), and a real socket in a namespace handing it over with each packet.
#include "vrrp/raw_socket.h"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "netns_fixture.h"
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

}  // namespace
}  // namespace vigil::vrrp
