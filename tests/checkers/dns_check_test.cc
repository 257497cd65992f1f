#include "checkers/dns_check.h"

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

#include "checkers/dns_message.h"
#include "core/asio_clock.h"
#include "tests/checkers/run_probe.h"

namespace vigil::checkers {
namespace {

using namespace std::chrono_literals;
namespace ip = boost::asio::ip;
using boost::asio::as_tuple;
using boost::asio::use_awaitable;

// ---- the pure message part --------------------------------------------------------------------

TEST(DnsMessage, EncodesQueryAsKeepalived) {
  auto q = dns::encode_query(0x1234, "www.example.test", 1);
  ASSERT_TRUE(q);
  const std::vector<std::uint8_t> want = {
      0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // header, RD
      3,    'w',  'w',  'w',  7,    'e',  'x',  'a',  'm',  'p',  'l',  'e',
      4,    't',  'e',  's',  't',  0,    0x00, 0x01, 0x00, 0x01};  // A, IN
  EXPECT_EQ(*q, want);
}

TEST(DnsMessage, RootAndTrailingDot) {
  auto root = dns::encode_query(1, ".", 6);
  ASSERT_TRUE(root);
  EXPECT_EQ(root->size(), dns::kHeaderSize + 1 + 4);
  EXPECT_EQ((*root)[dns::kHeaderSize], 0);
  EXPECT_EQ(dns::encode_query(1, "a.b.", 1), dns::encode_query(1, "a.b", 1));
  EXPECT_TRUE(dns::encode_query(1, "", 1));
}

TEST(DnsMessage, RejectsUnencodableNames) {
  EXPECT_FALSE(dns::encode_query(1, "a..b", 1));
  EXPECT_FALSE(dns::encode_query(1, ".a", 1));
  EXPECT_FALSE(dns::encode_query(1, "a..", 1));
  EXPECT_FALSE(dns::encode_query(1, std::string(64, 'x') + ".test", 1));
  EXPECT_TRUE(dns::encode_query(1, std::string(63, 'x') + ".test", 1));
  std::string long_name;
  for (int i = 0; i < 60; ++i) long_name += "abcd.";
  EXPECT_FALSE(dns::encode_query(1, long_name, 1));
}

TEST(DnsMessage, TypeCodes) {
  EXPECT_EQ(dns::type_code(config::DnsType::kA), 1);
  EXPECT_EQ(dns::type_code(config::DnsType::kNs), 2);
  EXPECT_EQ(dns::type_code(config::DnsType::kCname), 5);
  EXPECT_EQ(dns::type_code(config::DnsType::kSoa), 6);
  EXPECT_EQ(dns::type_code(config::DnsType::kMx), 15);
  EXPECT_EQ(dns::type_code(config::DnsType::kTxt), 16);
  EXPECT_EQ(dns::type_code(config::DnsType::kAaaa), 28);
  EXPECT_EQ(dns::type_code(config::DnsType::kRrsig), 46);
  EXPECT_EQ(dns::type_code(config::DnsType::kDnskey), 48);
}

std::vector<std::uint8_t> header(std::uint16_t id, std::uint16_t flags) {
  return {static_cast<std::uint8_t>(id >> 8),
          static_cast<std::uint8_t>(id),
          static_cast<std::uint8_t>(flags >> 8),
          static_cast<std::uint8_t>(flags),
          0,
          1,
          0,
          0,
          0,
          0,
          0,
          0};
}

TEST(DnsMessage, JudgesReplies) {
  using V = dns::ReplyVerdict;
  EXPECT_EQ(dns::judge_reply(7, header(7, 0x8180)).verdict, V::kPass);
  EXPECT_EQ(dns::judge_reply(7, header(8, 0x8180)).verdict, V::kIgnore);  // another ID
  EXPECT_EQ(dns::judge_reply(7, header(7, 0x0100)).verdict, V::kIgnore);  // a query
  auto nx = dns::judge_reply(7, header(7, 0x8183));
  EXPECT_EQ(nx.verdict, V::kFail);
  EXPECT_EQ(nx.rcode, 3u);
  auto h = header(7, 0x8180);
  h.pop_back();
  EXPECT_EQ(dns::judge_reply(7, h).verdict, V::kIgnore);  // shorter than a header
}

// ---- probes against a responder on loopback ----------------------------------------------------

enum class Mode { kAnswer, kNxdomain, kWrongIdFirst, kQueryFlag, kSilent };

// A one-query DNS responder: answers the first datagram according to `mode`.
class Responder {
 public:
  Responder(boost::asio::io_context& io, Mode mode)
      : socket_(io, ip::udp::endpoint(ip::make_address("127.0.0.1"), 0)), mode_(mode) {
    boost::asio::co_spawn(io, serve(), boost::asio::detached);
  }
  std::uint16_t port() const { return socket_.local_endpoint().port(); }
  const std::vector<std::uint8_t>& query() const { return query_; }

 private:
  boost::asio::awaitable<void> serve() {
    std::vector<std::uint8_t> buf(1500);
    ip::udp::endpoint from;
    auto [ec, n] = co_await socket_.async_receive_from(boost::asio::buffer(buf), from,
                                                       as_tuple(use_awaitable));
    if (ec) co_return;
    query_.assign(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
    if (mode_ == Mode::kSilent || n < dns::kHeaderSize) co_return;
    std::vector<std::uint8_t> reply = query_;
    reply[2] |= 0x80;  // QR
    if (mode_ == Mode::kNxdomain) reply[3] = (reply[3] & 0xf0) | 3;
    if (mode_ == Mode::kQueryFlag) reply[2] &= 0x7f;
    if (mode_ == Mode::kWrongIdFirst) {
      std::vector<std::uint8_t> wrong = reply;
      wrong[0] ^= 0xff;
      co_await socket_.async_send_to(boost::asio::buffer(wrong), from, as_tuple(use_awaitable));
    }
    co_await socket_.async_send_to(boost::asio::buffer(reply), from, as_tuple(use_awaitable));
  }

  ip::udp::socket socket_;
  Mode mode_;
  std::vector<std::uint8_t> query_;
};

class DnsCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    rs_.address = ip::make_address("127.0.0.1");
    checker_.type = config::CheckerType::kDns;
    checker_.connection.emplace();
    checker_.connection->connect_timeout = std::chrono::milliseconds(500);
    checker_.details = config::DnsCheck{config::DnsType::kA, "example.test"};
  }

  CheckResult probe(std::uint16_t port) {
    rs_.port = port;
    std::string why;
    auto check = make_dns_check(checker_, rs_, vs_, context_, &why);
    EXPECT_TRUE(check) << why;
    if (!check) return {};
    auto r = testing::run_probe(io_, *check);
    EXPECT_TRUE(r);
    return r.value_or(CheckResult{});
  }

  boost::asio::io_context io_;
  core::AsioClock clock_{io_};
  core::ProcessRunner runner_{io_, clock_};
  CheckContext context_{io_, runner_, core::ScriptDefaults{}, nullptr};
  config::VirtualServer vs_;
  config::RealServer rs_;
  config::Checker checker_;
};

TEST_F(DnsCheckTest, PassesOnNoError) {
  Responder server(io_, Mode::kAnswer);
  auto r = probe(server.port());
  EXPECT_TRUE(r.ok) << r.reason;
  // The query the server saw: RD set, one question for example.test A IN.
  ASSERT_GE(server.query().size(), dns::kHeaderSize);
  EXPECT_EQ(server.query()[2], 0x01);
  auto expected = dns::encode_query(0, "example.test", 1);
  ASSERT_TRUE(expected);
  EXPECT_TRUE(std::equal(server.query().begin() + 2, server.query().end(), expected->begin() + 2,
                         expected->end()));
}

TEST_F(DnsCheckTest, FailsOnNxdomain) {
  Responder server(io_, Mode::kNxdomain);
  auto r = probe(server.port());
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reason, "rcode 3 (NXDOMAIN)");
}

TEST_F(DnsCheckTest, IgnoresAReplyWithAnotherId) {
  Responder server(io_, Mode::kWrongIdFirst);
  auto r = probe(server.port());
  EXPECT_TRUE(r.ok) << r.reason;
}

TEST_F(DnsCheckTest, AnswerWithoutQrTimesOut) {
  Responder server(io_, Mode::kQueryFlag);
  auto r = probe(server.port());
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.reason.find("timeout"), std::string::npos) << r.reason;
}

TEST_F(DnsCheckTest, SilentServerTimesOut) {
  Responder server(io_, Mode::kSilent);
  auto r = probe(server.port());
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.reason.find("timeout"), std::string::npos) << r.reason;
}

TEST_F(DnsCheckTest, ClosedPortIsRefused) {
  std::uint16_t port;
  {
    ip::udp::socket s(io_, ip::udp::endpoint(ip::make_address("127.0.0.1"), 0));
    port = s.local_endpoint().port();
  }
  auto r = probe(port);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.reason.find("refused"), std::string::npos) << r.reason;
}

TEST_F(DnsCheckTest, RejectsAnUnencodableName) {
  checker_.details = config::DnsCheck{config::DnsType::kA, "a..b"};
  std::string why;
  EXPECT_FALSE(make_dns_check(checker_, rs_, vs_, context_, &why));
  EXPECT_FALSE(why.empty());
}

}  // namespace
}  // namespace vigil::checkers
