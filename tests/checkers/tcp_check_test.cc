#include "checkers/tcp_check.h"

#include <sys/socket.h>

#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>

#include "check_test_util.h"
#include "checkers/connect.h"

namespace vigil::checkers {
namespace {

using namespace std::chrono_literals;
using boost::asio::ip::tcp;
using testing::checker_of;
using testing::real_server;
using testing::run_check;

class TcpCheckTest : public ::testing::Test {
 protected:
  std::unique_ptr<Check> make(const config::Checker& c, const config::RealServer& rs) {
    std::string why;
    auto check = make_tcp_check(c, rs, vs_, context_, &why);
    EXPECT_TRUE(check) << why;
    return check;
  }

  boost::asio::io_context io_;
  testing::NoLauncher launcher_;
  config::VirtualServer vs_;
  CheckContext context_{io_, launcher_, {}, nullptr};
};

TEST_F(TcpCheckTest, SucceedsWhenTheServerAccepts) {
  tcp::acceptor listener(io_, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  auto check = make(checker_of(config::CheckerType::kTcp, 2s),
                    real_server("127.0.0.1", listener.local_endpoint().port()));
  const CheckResult r = run_check(io_, *check);
  EXPECT_TRUE(r.ok) << r.reason;
  EXPECT_TRUE(r.reason.empty());
}

TEST_F(TcpCheckTest, SucceedsOverIpv6) {
  boost::system::error_code ec;
  tcp::acceptor listener(io_);
  listener.open(tcp::v6(), ec);
  if (!ec) listener.bind(tcp::endpoint(boost::asio::ip::make_address("::1"), 0), ec);
  if (ec) GTEST_SKIP() << "no IPv6 loopback: " << ec.message();
  listener.listen();
  auto check = make(checker_of(config::CheckerType::kTcp, 2s),
                    real_server("::1", listener.local_endpoint().port()));
  EXPECT_TRUE(run_check(io_, *check).ok);
}

TEST_F(TcpCheckTest, ConnectPortOverridesTheRealServerPort) {
  tcp::acceptor listener(io_, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  auto c = checker_of(config::CheckerType::kTcp, 2s);
  c.connection->connect_port = listener.local_endpoint().port();
  auto check = make(c, real_server("127.0.0.1", testing::closed_port(io_)));
  EXPECT_TRUE(run_check(io_, *check).ok);
}

// One socket per checker, kept from probe to probe: each connection ends with a reset (the
// server's read fails with ECONNRESET, and neither side keeps a TIME_WAIT socket), a refused
// attempt leaves the socket ready for the next one, and the next success works again.
TEST_F(TcpCheckTest, ProbesAgainOnItsSocketAndEndsEachConnectionWithAReset) {
  const auto loopback = boost::asio::ip::make_address("127.0.0.1");
  auto listener = std::make_unique<tcp::acceptor>(io_, tcp::endpoint(loopback, 0));
  const std::uint16_t port = listener->local_endpoint().port();
  auto check = make(checker_of(config::CheckerType::kTcp, 2s), real_server("127.0.0.1", port));
  for (int round = 0; round < 2; ++round) {
    const CheckResult r = run_check(io_, *check);
    ASSERT_TRUE(r.ok) << r.reason;
    tcp::socket accepted(io_);
    listener->accept(accepted);
    char byte = 0;
    boost::system::error_code ec;
    accepted.read_some(boost::asio::buffer(&byte, 1), ec);
    EXPECT_EQ(ec, boost::asio::error::connection_reset) << ec.message();
  }
  listener.reset();
  const CheckResult refused = run_check(io_, *check);
  EXPECT_FALSE(refused.ok);
  EXPECT_NE(refused.reason.find("refused"), std::string::npos) << refused.reason;
  EXPECT_FALSE(run_check(io_, *check).ok);
  // The same port again at once: no TIME_WAIT socket of ours stands in the way of the bind.
  listener = std::make_unique<tcp::acceptor>(io_, tcp::endpoint(loopback, port));
  const CheckResult back = run_check(io_, *check);
  EXPECT_TRUE(back.ok) << back.reason;
}

TEST_F(TcpCheckTest, RefusedWhenNothingListens) {
  auto check = make(checker_of(config::CheckerType::kTcp, 2s),
                    real_server("127.0.0.1", testing::closed_port(io_)));
  const CheckResult r = run_check(io_, *check);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.reason.find("refused"), std::string::npos) << r.reason;
}

TEST_F(TcpCheckTest, TimeoutWhenTheServerDropsTheSyn) {
  // A listener with a full accept queue: Linux drops further SYNs (tcp_abort_on_overflow = 0),
  // so the connect neither succeeds nor fails until our connect_timeout fires.
  tcp::acceptor listener(io_, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  listener.listen(0);
  const auto port = listener.local_endpoint().port();
  std::vector<std::unique_ptr<tcp::socket>> fillers;
  for (int i = 0; i < 2; ++i) {
    auto s = std::make_unique<tcp::socket>(io_);
    s->open(tcp::v4());
    s->non_blocking(true);
    // A raw non-blocking connect: asio's own connect would wait for the handshake.
    const auto peer = tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port);
    (void)::connect(s->native_handle(), peer.data(), peer.size());
    fillers.push_back(std::move(s));
  }
  auto check = make(checker_of(config::CheckerType::kTcp, 300ms), real_server("127.0.0.1", port));
  const CheckResult r = run_check(io_, *check);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.reason.find("timeout"), std::string::npos) << r.reason;
}

TEST_F(TcpCheckTest, BindsToTheConfiguredSourceAddressAndPort) {
  tcp::acceptor listener(io_, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  auto c = checker_of(config::CheckerType::kTcp, 2s);
  c.connection->bindto = boost::asio::ip::make_address("127.0.0.2");
  const auto source_port = testing::closed_port(io_, "127.0.0.2");
  c.connection->bind_port = source_port;
  auto check = make(c, real_server("127.0.0.1", listener.local_endpoint().port()));
  tcp::socket peer(io_);
  // The address accept() gives: the probe has reset the connection by the time it is accepted,
  // so getpeername() would find it gone.
  tcp::endpoint from;
  listener.async_accept(peer, from, [](boost::system::error_code) {});
  EXPECT_TRUE(run_check(io_, *check).ok);
  while (!peer.is_open()) io_.run_one();
  EXPECT_EQ(from.address().to_string(), "127.0.0.2");
  EXPECT_EQ(from.port(), source_port);
}

TEST_F(TcpCheckTest, BindIfAndFwmarkAreApplied) {
  if (!testing::is_root()) GTEST_SKIP() << "SO_MARK needs CAP_NET_ADMIN";
  tcp::acceptor listener(io_, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  auto c = checker_of(config::CheckerType::kTcp, 2s);
  c.connection->bind_if = "lo";
  c.connection->fwmark = 0x42;
  auto check = make(c, real_server("127.0.0.1", listener.local_endpoint().port()));
  EXPECT_TRUE(run_check(io_, *check).ok);

  // The options really land on the socket.
  tcp::socket s(io_);
  ASSERT_FALSE(prepare_socket(s, endpoint_of(c, real_server("127.0.0.1", 1))));
  std::uint32_t mark = 0;
  socklen_t len = sizeof mark;
  ASSERT_EQ(::getsockopt(s.native_handle(), SOL_SOCKET, SO_MARK, &mark, &len), 0);
  EXPECT_EQ(mark, 0x42u);
  char dev[32] = {};
  len = sizeof dev;
  ASSERT_EQ(::getsockopt(s.native_handle(), SOL_SOCKET, SO_BINDTODEVICE, dev, &len), 0);
  EXPECT_STREQ(dev, "lo");
}

TEST_F(TcpCheckTest, UnknownBindInterfaceFailsWithItsError) {
  auto c = checker_of(config::CheckerType::kTcp, 2s);
  c.connection->bind_if = "nosuchif0";
  auto check = make(c, real_server("127.0.0.1", testing::closed_port(io_)));
  const CheckResult r = run_check(io_, *check);
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.reason.empty());
}

TEST(FormatDuration, ReadsAsKeepalivedWouldSayIt) {
  EXPECT_EQ(format_duration(std::chrono::seconds(5)), "5 s");
  EXPECT_EQ(format_duration(std::chrono::milliseconds(1500)), "1.5 s");
  EXPECT_EQ(format_duration(std::chrono::milliseconds(250)), "250 ms");
}

}  // namespace
}  // namespace vigil::checkers
