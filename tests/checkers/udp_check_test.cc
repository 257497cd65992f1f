#include "checkers/udp_check.h"

#include <chrono>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "checkers/udp_socket.h"
#include "core/asio_clock.h"
#include "tests/checkers/run_probe.h"

namespace vigil::checkers {
namespace {

namespace ip = boost::asio::ip;
using boost::asio::as_tuple;
using boost::asio::use_awaitable;

config::HexData hex(std::vector<std::uint8_t> bytes, std::vector<std::uint8_t> mask = {}) {
  return config::HexData{std::move(bytes), std::move(mask)};
}

// ---- reply matching (keepalived check_udp_reply) -----------------------------------------------

TEST(UdpReply, LengthBounds) {
  config::UdpCheck udp;
  udp.require_reply = true;
  udp.min_reply_length = 2;
  udp.max_reply_length = 4;
  const std::vector<std::uint8_t> one{1}, three{1, 2, 3}, five{1, 2, 3, 4, 5};
  EXPECT_FALSE(udp_reply_mismatch(one, udp).empty());
  EXPECT_TRUE(udp_reply_mismatch(three, udp).empty());
  EXPECT_FALSE(udp_reply_mismatch(five, udp).empty());
}

TEST(UdpReply, WildcardNibbles) {
  config::UdpCheck udp;
  udp.require_reply = true;
  // "1x x2 33": keepalived read_hex_str marks the x nibbles in the mask.
  udp.reply = hex({0x10, 0x02, 0x33}, {0x0f, 0xf0, 0x00});
  const std::vector<std::uint8_t> good{0x1a, 0xb2, 0x33}, bad_fixed{0x2a, 0xb2, 0x33},
      bad_last{0x1a, 0xb2, 0x34};
  EXPECT_TRUE(udp_reply_mismatch(good, udp).empty());
  EXPECT_FALSE(udp_reply_mismatch(bad_fixed, udp).empty());
  EXPECT_FALSE(udp_reply_mismatch(bad_last, udp).empty());
}

TEST(UdpReply, ComparesOnlyTheShorterLength) {
  config::UdpCheck udp;
  udp.require_reply = true;
  udp.reply = hex({0xaa, 0xbb, 0xcc});
  const std::vector<std::uint8_t> prefix{0xaa}, longer{0xaa, 0xbb, 0xcc, 0xdd}, empty{};
  EXPECT_TRUE(udp_reply_mismatch(prefix, udp).empty());
  EXPECT_TRUE(udp_reply_mismatch(longer, udp).empty());
  EXPECT_TRUE(udp_reply_mismatch(empty, udp).empty());
}

TEST(UdpReply, DefaultPayloadIsKeepalivedsFiller) {
  auto p = filler_payload(32);
  EXPECT_EQ(std::string(p.begin(), p.end()), "keepalived check - keepalived ch");
}

// ---- probes on loopback -----------------------------------------------------------------------

enum class Mode { kEcho, kFixed, kSilent };

class Responder {
 public:
  Responder(boost::asio::io_context& io, Mode mode, std::vector<std::uint8_t> fixed = {})
      : socket_(io, ip::udp::endpoint(ip::make_address("127.0.0.1"), 0)),
        mode_(mode),
        fixed_(std::move(fixed)) {
    boost::asio::co_spawn(io, serve(), boost::asio::detached);
  }
  std::uint16_t port() const { return socket_.local_endpoint().port(); }
  const std::vector<std::uint8_t>& received() const { return received_; }

 private:
  boost::asio::awaitable<void> serve() {
    std::vector<std::uint8_t> buf(65536);
    ip::udp::endpoint from;
    auto [ec, n] = co_await socket_.async_receive_from(boost::asio::buffer(buf), from,
                                                       as_tuple(use_awaitable));
    if (ec) co_return;
    received_.assign(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
    if (mode_ == Mode::kSilent) co_return;
    const auto& reply = mode_ == Mode::kEcho ? received_ : fixed_;
    co_await socket_.async_send_to(boost::asio::buffer(reply), from, as_tuple(use_awaitable));
  }

  ip::udp::socket socket_;
  Mode mode_;
  std::vector<std::uint8_t> fixed_;
  std::vector<std::uint8_t> received_;
};

class UdpCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    rs_.address = ip::make_address("127.0.0.1");
    checker_.type = config::CheckerType::kUdp;
    checker_.connection.emplace();
    checker_.connection->connect_timeout = std::chrono::milliseconds(500);
    checker_.details = config::UdpCheck{};
  }
  config::UdpCheck& udp() { return std::get<config::UdpCheck>(checker_.details); }

  CheckResult probe(std::uint16_t port) {
    rs_.port = port;
    std::string why;
    auto check = make_udp_check(checker_, rs_, vs_, context_, &why);
    EXPECT_TRUE(check) << why;
    if (!check) return {};
    auto r = testing::run_probe(io_, *check);
    EXPECT_TRUE(r);
    return r.value_or(CheckResult{});
  }

  std::uint16_t closed_port() {
    ip::udp::socket s(io_, ip::udp::endpoint(ip::make_address("127.0.0.1"), 0));
    return s.local_endpoint().port();
  }

  boost::asio::io_context io_;
  core::AsioClock clock_{io_};
  core::ProcessRunner runner_{io_, clock_};
  CheckContext context_{io_, runner_, core::ScriptDefaults{}, nullptr};
  config::VirtualServer vs_;
  config::RealServer rs_;
  config::Checker checker_;
};

TEST_F(UdpCheckTest, SendsTheDefaultPayloadAndPassesOnAnyReply) {
  Responder server(io_, Mode::kEcho);
  auto r = probe(server.port());
  EXPECT_TRUE(r.ok) << r.reason;
  EXPECT_EQ(server.received(), filler_payload(32));
}

TEST_F(UdpCheckTest, SilenceIsAPassWithoutRequireReply) {
  Responder server(io_, Mode::kSilent);
  auto r = probe(server.port());
  EXPECT_TRUE(r.ok) << r.reason;
}

TEST_F(UdpCheckTest, ClosedPortFailsWithoutRequireReply) {
  auto r = probe(closed_port());
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.reason.find("unreachable"), std::string::npos) << r.reason;
}

TEST_F(UdpCheckTest, RequireReplyFailsOnSilence) {
  udp().require_reply = true;
  Responder server(io_, Mode::kSilent);
  auto r = probe(server.port());
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.reason.find("timeout"), std::string::npos) << r.reason;
}

TEST_F(UdpCheckTest, RequireReplyMatchesThePattern) {
  udp().payload = hex({0xde, 0xad, 0xbe, 0xef});
  udp().require_reply = true;
  udp().reply = hex({0xde, 0x0d, 0xbe}, {0x00, 0xf0, 0x00});  // "de xd be"
  {
    Responder server(io_, Mode::kEcho);
    auto r = probe(server.port());
    EXPECT_TRUE(r.ok) << r.reason;
    EXPECT_EQ(server.received(), (std::vector<std::uint8_t>{0xde, 0xad, 0xbe, 0xef}));
  }
  {
    Responder server(io_, Mode::kFixed, {0xde, 0xae, 0xbe});
    auto r = probe(server.port());
    EXPECT_FALSE(r.ok);
    EXPECT_NE(r.reason.find("mismatch"), std::string::npos) << r.reason;
  }
}

TEST_F(UdpCheckTest, RequireReplyChecksLength) {
  udp().require_reply = true;
  udp().max_reply_length = 8;
  Responder server(io_, Mode::kEcho);  // echoes 32 octets
  auto r = probe(server.port());
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.reason.find("length"), std::string::npos) << r.reason;
}

TEST_F(UdpCheckTest, RequireReplyClosedPortFails) {
  udp().require_reply = true;
  auto r = probe(closed_port());
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.reason.find("unreachable"), std::string::npos) << r.reason;
}

}  // namespace
}  // namespace vigil::checkers
