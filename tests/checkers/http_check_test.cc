#include "checkers/http_check.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "check_test_util.h"
#include "checkers/http_message.h"
#include "child_process.h"

namespace vigil::checkers {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
using asio::ip::tcp;
using testing::real_server;
using testing::run_check;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// A tiny HTTP server on the test's io_context: records each request and answers with a fixed
// response, after `delay`, in two halves `gap` apart; `silent` never answers.
struct ScriptedServer {
  explicit ScriptedServer(asio::io_context& io)
      : acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {}
  std::uint16_t port() const { return acceptor.local_endpoint().port(); }

  tcp::acceptor acceptor;
  std::string response = "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello";
  core::Duration delay{0};
  core::Duration gap{0};
  bool silent = false;
  std::vector<std::string> requests;
  // Segments the server's socket had received when the request was complete (TCP_INFO).
  std::vector<std::uint32_t> segments_in;
  std::vector<std::shared_ptr<tcp::socket>> held;
};

asio::awaitable<void> answer(ScriptedServer& s, std::shared_ptr<tcp::socket> socket) {
  asio::streambuf buf;
  auto [ec, n] = co_await asio::async_read_until(*socket, buf, "\r\n\r\n", kTuple);
  if (ec) co_return;
  s.requests.emplace_back(asio::buffers_begin(buf.data()), asio::buffers_begin(buf.data()) + n);
  // glibc's struct tcp_info stops before the kernel's (append-only, stable ABI) segment counts.
  struct {
    tcp_info base;
    std::uint64_t pacing_rate, max_pacing_rate, bytes_acked, bytes_received;
    std::uint32_t segs_out, segs_in;
  } info{};
  socklen_t size = sizeof info;
  if (::getsockopt(socket->native_handle(), IPPROTO_TCP, TCP_INFO, &info, &size) == 0 &&
      size >= sizeof info) {
    s.segments_in.push_back(info.segs_in);
  }
  if (s.silent) {
    s.held.push_back(socket);
    co_return;
  }
  asio::steady_timer timer(socket->get_executor());
  timer.expires_after(s.delay);
  co_await timer.async_wait(kTuple);
  const std::size_t half = s.response.size() / 2;
  co_await asio::async_write(*socket, asio::buffer(s.response.data(), half), kTuple);
  timer.expires_after(s.gap);
  co_await timer.async_wait(kTuple);
  co_await asio::async_write(
      *socket, asio::buffer(s.response.data() + half, s.response.size() - half), kTuple);
  boost::system::error_code ignored;
  socket->shutdown(tcp::socket::shutdown_both, ignored);
}

asio::awaitable<void> serve(ScriptedServer& s) {
  for (;;) {
    auto socket = std::make_shared<tcp::socket>(s.acceptor.get_executor());
    auto [ec] = co_await s.acceptor.async_accept(*socket, kTuple);
    if (ec) co_return;
    asio::co_spawn(s.acceptor.get_executor(), answer(s, socket), asio::detached);
  }
}

std::string md5_of(std::string_view text) {
  Md5 m;
  m.update(text);
  return m.hex_final();
}

config::HttpUrl url(std::string path) {
  config::HttpUrl u;
  u.path = std::move(path);
  for (unsigned c = 200; c <= 299; ++c) u.status_codes.set(c - config::HttpUrl::kMinStatus);
  return u;
}

config::Checker http_checker(config::CheckerType type, std::vector<config::HttpUrl> urls,
                             core::Duration timeout = 2s) {
  config::Checker c = testing::checker_of(type, timeout);
  config::HttpCheck h;
  h.urls = std::move(urls);
  c.details = std::move(h);
  return c;
}

class HttpCheckTest : public ::testing::Test {
 protected:
  CheckResult check(const config::Checker& c, std::uint16_t port,
                    const config::SslConfig* ssl = nullptr) {
    context_.ssl = ssl;
    std::string why;
    auto check = make_http_check(c, real_server("127.0.0.1", port), vs_, context_, &why);
    if (!check) {
      ADD_FAILURE() << why;
      return {};
    }
    return run_check(io_, *check);
  }

  asio::io_context io_;
  testing::NoLauncher launcher_;
  config::VirtualServer vs_;
  CheckContext context_{io_, launcher_, {}, nullptr};
};

TEST_F(HttpCheckTest, SendsKeepalivedsRequestAndAcceptsTheDigest) {
  ScriptedServer server(io_);
  asio::co_spawn(io_, serve(server), asio::detached);
  auto u = url("/health");
  u.digest = md5_of("hello");
  const CheckResult r = check(http_checker(config::CheckerType::kHttp, {u}), server.port());
  EXPECT_TRUE(r.ok) << r.reason;
  ASSERT_EQ(server.requests.size(), 1u);
  EXPECT_EQ(server.requests[0],
            "GET /health HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: "
            "127.0.0.1:" +
                std::to_string(server.port()) + "\r\n\r\n");
}

// The request carries the handshake's last ACK (TCP_DEFER_ACCEPT on the probe's socket): the
// server's connection receives one segment less than from a client that sends the ACK alone and
// then the same request (the kernel's count, which differs between kernels, is compared, not
// assumed). Also on the kept socket of a second probe.
TEST_F(HttpCheckTest, RequestCarriesTheHandshakesLastAck) {
  ScriptedServer server(io_);
  asio::co_spawn(io_, serve(server), asio::detached);
  std::string why;
  auto check = make_http_check(http_checker(config::CheckerType::kHttp, {url("/health")}),
                               real_server("127.0.0.1", server.port()), vs_, context_, &why);
  ASSERT_TRUE(check) << why;
  for (int probe = 0; probe < 2; ++probe) {
    const CheckResult r = run_check(io_, *check);
    EXPECT_TRUE(r.ok) << r.reason;
  }
  // The baseline: an ordinary client, connect() then the same request.
  tcp::socket client(io_);
  client.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server.port()));
  asio::write(client, asio::buffer(server.requests.at(0)));
  const auto give_up = std::chrono::steady_clock::now() + 20s;
  while (server.segments_in.size() < 3 && std::chrono::steady_clock::now() < give_up) {
    io_.run_one_for(10ms);
  }
  ASSERT_EQ(server.segments_in.size(), 3u);
  const std::uint32_t ordinary = server.segments_in[2];
  EXPECT_EQ(server.segments_in[0] + 1, ordinary) << "a bare ACK came before the request";
  EXPECT_EQ(server.segments_in[1] + 1, ordinary) << "the same on the kept socket";
}

// The probe state (socket, parser, digest, read buffer) is kept from probe to probe: a second
// probe of the same checker, and one after a failure, give the same verdicts as a first.
TEST_F(HttpCheckTest, ProbesAgainWithTheSameCheck) {
  ScriptedServer server(io_);
  asio::co_spawn(io_, serve(server), asio::detached);
  auto u = url("/health");
  u.digest = md5_of("hello");
  std::string why;
  auto check = make_http_check(http_checker(config::CheckerType::kHttp, {u}),
                               real_server("127.0.0.1", server.port()), vs_, context_, &why);
  ASSERT_TRUE(check) << why;
  CheckResult r = run_check(io_, *check);
  EXPECT_TRUE(r.ok) << r.reason;
  server.response = "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhellO";
  r = run_check(io_, *check);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.reason.find("MD5 digest mismatch"), std::string::npos) << r.reason;
  server.response = "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello";
  r = run_check(io_, *check);
  EXPECT_TRUE(r.ok) << r.reason;
  EXPECT_EQ(server.requests.size(), 3u);
}

TEST_F(HttpCheckTest, VirtualhostAndProtocol11InTheRequest) {
  ScriptedServer server(io_);
  asio::co_spawn(io_, serve(server), asio::detached);
  auto u = url("/");
  u.virtualhost = std::string("www.example.com");
  auto c = http_checker(config::CheckerType::kHttp, {u});
  std::get<config::HttpCheck>(c.details).http_protocol = config::HttpProtocol::k1_1;
  EXPECT_TRUE(check(c, server.port()).ok);
  ASSERT_EQ(server.requests.size(), 1u);
  EXPECT_EQ(server.requests[0],
            "GET / HTTP/1.1\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\n"
            "Host: www.example.com\r\n\r\n");
}

TEST_F(HttpCheckTest, WrongStatusFails) {
  ScriptedServer server(io_);
  server.response = "HTTP/1.0 503 Service Unavailable\r\n\r\nbusy";
  asio::co_spawn(io_, serve(server), asio::detached);
  const CheckResult r = check(http_checker(config::CheckerType::kHttp, {url("/")}), server.port());
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.reason.find("503"), std::string::npos) << r.reason;
}

TEST_F(HttpCheckTest, ConfiguredStatusCodesAreAccepted) {
  ScriptedServer server(io_);
  server.response = "HTTP/1.0 503 Service Unavailable\r\n\r\nbusy";
  asio::co_spawn(io_, serve(server), asio::detached);
  auto u = url("/");
  u.status_codes.reset();
  u.status_codes.set(503 - config::HttpUrl::kMinStatus);
  EXPECT_TRUE(check(http_checker(config::CheckerType::kHttp, {u}), server.port()).ok);
}

TEST_F(HttpCheckTest, WrongDigestFails) {
  ScriptedServer server(io_);
  asio::co_spawn(io_, serve(server), asio::detached);
  auto u = url("/");
  u.digest = md5_of("something else");
  const CheckResult r = check(http_checker(config::CheckerType::kHttp, {u}), server.port());
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.reason.find("digest"), std::string::npos) << r.reason;
}

TEST_F(HttpCheckTest, ChunkedBodyIsDigestedDecoded) {
  ScriptedServer server(io_);
  server.response =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n";
  asio::co_spawn(io_, serve(server), asio::detached);
  auto u = url("/");
  u.digest = md5_of("hello");
  auto c = http_checker(config::CheckerType::kHttp, {u});
  std::get<config::HttpCheck>(c.details).http_protocol = config::HttpProtocol::k1_1;
  const CheckResult r = check(c, server.port());
  EXPECT_TRUE(r.ok) << r.reason;
}

TEST_F(HttpCheckTest, EveryUrlIsCheckedAndTheFirstFailureIsReported) {
  ScriptedServer server(io_);
  asio::co_spawn(io_, serve(server), asio::detached);
  auto bad = url("/second");
  bad.digest = md5_of("nope");
  const CheckResult r = check(
      http_checker(config::CheckerType::kHttp, {url("/first"), bad, url("/third")}), server.port());
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.reason.find("url(/second)"), std::string::npos) << r.reason;
  EXPECT_EQ(server.requests.size(), 2u);  // stops at the failing url
}

TEST_F(HttpCheckTest, ServerThatNeverAnswersTimesOut) {
  ScriptedServer server(io_);
  server.silent = true;
  asio::co_spawn(io_, serve(server), asio::detached);
  const CheckResult r =
      check(http_checker(config::CheckerType::kHttp, {url("/")}, 300ms), server.port());
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.reason.find("read: timeout"), std::string::npos) << r.reason;
}

TEST_F(HttpCheckTest, SlowAnswerWithinTheTimeoutPasses) {
  ScriptedServer server(io_);
  server.delay = 100ms;
  server.gap = 100ms;
  asio::co_spawn(io_, serve(server), asio::detached);
  const CheckResult r =
      check(http_checker(config::CheckerType::kHttp, {url("/")}, 5s), server.port());
  EXPECT_TRUE(r.ok) << r.reason;
}

TEST_F(HttpCheckTest, SlowAnswerBeyondTheTimeoutFails) {
  ScriptedServer server(io_);
  server.gap = 3s;  // the header half arrives, the rest too late: the per-read limit applies
  asio::co_spawn(io_, serve(server), asio::detached);
  const CheckResult r =
      check(http_checker(config::CheckerType::kHttp, {url("/")}, 300ms), server.port());
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.reason.find("timeout"), std::string::npos) << r.reason;
}

TEST_F(HttpCheckTest, ClosedPortIsRefused) {
  const CheckResult r =
      check(http_checker(config::CheckerType::kHttp, {url("/")}), testing::closed_port(io_));
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.reason.find("refused"), std::string::npos) << r.reason;
}

TEST_F(HttpCheckTest, CloseWithoutAnswerIsNoData) {
  ScriptedServer server(io_);
  server.response = "";
  asio::co_spawn(io_, serve(server), asio::detached);
  const CheckResult r = check(http_checker(config::CheckerType::kHttp, {url("/")}), server.port());
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.reason.find("no data"), std::string::npos) << r.reason;
}

TEST_F(HttpCheckTest, RegexMatchAndNoMatch) {
  ScriptedServer server(io_);
  server.response = "HTTP/1.0 200 OK\r\n\r\n<html>status: GREEN</html>";
  asio::co_spawn(io_, serve(server), asio::detached);
  auto u = url("/");
  u.regex =
      config::HttpRegex{"status: (GREEN|AMBER)", false, {}, 0, std::nullopt, std::nullopt, {}};
  EXPECT_TRUE(check(http_checker(config::CheckerType::kHttp, {u}), server.port()).ok);
  u.regex->no_match = true;
  EXPECT_FALSE(check(http_checker(config::CheckerType::kHttp, {u}), server.port()).ok);
  u.regex->no_match = false;
  u.regex->pattern = "green";
  EXPECT_FALSE(check(http_checker(config::CheckerType::kHttp, {u}), server.port()).ok);
  u.regex->options = {"caseless"};
  EXPECT_TRUE(check(http_checker(config::CheckerType::kHttp, {u}), server.port()).ok);
  u.regex->max_offset = 3;  // "GREEN" starts at 33 of the response
  EXPECT_FALSE(check(http_checker(config::CheckerType::kHttp, {u}), server.port()).ok);
}

// PCRE2 syntax std::regex lacks (lookbehind, possessive quantifiers, named groups), over a body
// that arrives in two writes split inside the match, with the options keepalived names.
TEST_F(HttpCheckTest, RegexIsPcre2OverTheStreamedBody) {
  ScriptedServer server(io_);
  server.response = "HTTP/1.0 200 OK\r\n\r\n<html>\nstatus: GREEN\nload: 42\nend</html>\n";
  server.gap = 5ms;
  asio::co_spawn(io_, serve(server), asio::detached);
  const auto ok = [&](const std::string& pattern, std::vector<std::string> options = {}) {
    auto u = url("/");
    u.regex =
        config::HttpRegex{pattern, false, std::move(options), 0, std::nullopt, std::nullopt, {}};
    return check(http_checker(config::CheckerType::kHttp, {u}), server.port()).ok;
  };
  EXPECT_TRUE(ok("(?<=status: )GREEN"));
  EXPECT_FALSE(ok("(?<!status: )GREEN"));
  EXPECT_TRUE(ok("load: \\d++\\n"));
  EXPECT_TRUE(ok("(?<word>GR)EEN\\nload: (?!0)\\d+"));
  EXPECT_TRUE(ok("^load", {"multiline"}));
  EXPECT_FALSE(ok("^load"));  // ^ is the start of the response
  EXPECT_FALSE(ok("^<html>"));
  EXPECT_TRUE(ok("green.load", {"caseless", "dotall"}));
  EXPECT_FALSE(ok("green.load", {"caseless"}));
  EXPECT_TRUE(ok("g r e e n", {"caseless", "extended"}));
  EXPECT_TRUE(ok("</html>$"));  // $ before the final newline, at the end of the body
  EXPECT_FALSE(ok("</html>$", {"dollar_endonly"}));
}

// As keepalived 2.2.7 (measured against nginx): the regex searches the response from its first
// byte, status line and header included, and regex_min_offset / regex_max_offset count from there.
TEST_F(HttpCheckTest, RegexSearchesTheWholeResponseAndOffsetsCountFromItsStart) {
  ScriptedServer server(io_);
  server.response = "HTTP/1.0 200 OK\r\n\r\nabc GREEN xyz GREEN";  // GREEN at 23 and 33
  asio::co_spawn(io_, serve(server), asio::detached);
  auto u = url("/");
  const auto run = [&](std::string pattern, std::size_t min, std::optional<std::size_t> max) {
    u.regex = config::HttpRegex{std::move(pattern), false, {}, min, max, std::nullopt, {}};
    return check(http_checker(config::CheckerType::kHttp, {u}), server.port());
  };
  EXPECT_TRUE(run("^HTTP/1\\.0 200 OK", 0, std::nullopt).ok);
  EXPECT_TRUE(run("GREEN", 23, 23).ok);
  EXPECT_TRUE(run("GREEN", 24, 33).ok);
  const CheckResult r = run("GREEN", 24, 32);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reason, "url(/): regex did not match");
  u.regex = config::HttpRegex{"GREEN", true, {}, 24, std::nullopt, std::nullopt, {}};
  const CheckResult n = check(http_checker(config::CheckerType::kHttp, {u}), server.port());
  EXPECT_FALSE(n.ok);
  EXPECT_EQ(n.reason, "url(/): regex matched at offset 33 (regex_no_match)");
}

TEST_F(HttpCheckTest, InvalidRegexIsRefusedAtBuild) {
  auto u = url("/");
  u.regex = config::HttpRegex{"a(b", false, {}, 0, std::nullopt, std::nullopt, {}};
  std::string why;
  EXPECT_FALSE(make_http_check(http_checker(config::CheckerType::kHttp, {u}),
                               real_server("127.0.0.1", 80), vs_, context_, &why));
  EXPECT_EQ(why, "invalid regex 'a(b': missing closing parenthesis at offset 3");
}

// Real servers: python3's http.server and openssl s_server, in a temporary directory.
class RealServerTest : public HttpCheckTest {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("vigil-http-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "index.txt") << body_;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  bool make_certificate() {
    const std::string cmd =
        "openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=test -days 1 "
        "-keyout '" +
        (dir_ / "key.pem").string() + "' -out '" + (dir_ / "cert.pem").string() +
        "' >/dev/null 2>&1";
    return std::system(cmd.c_str()) == 0;
  }

  // Servers of dir_ on 127.0.0.1:port (the caller waits until they listen).
  testing::ChildProcess web_server(std::uint16_t port) const {
    return testing::ChildProcess(
        {"/usr/bin/python3", "-m", "http.server", "--bind", "127.0.0.1", std::to_string(port)},
        dir_.string());
  }
  testing::ChildProcess tls_server(std::uint16_t port) const {  // cert.pem and key.pem of dir_
    return testing::ChildProcess(
        {"/usr/bin/openssl", "s_server", "-accept", "127.0.0.1:" + std::to_string(port), "-cert",
         "cert.pem", "-key", "key.pem", "-WWW", "-quiet"},
        dir_.string());
  }

  std::filesystem::path dir_;
  const std::string body_ = "vigil health page\n";
};

TEST_F(RealServerTest, PythonHttpServerDigestAnd404) {
  const auto port = testing::closed_port(io_);
  testing::ChildProcess server = web_server(port);
  ASSERT_TRUE(server.wait_listening(port));
  auto u = url("/index.txt");
  u.digest = md5_of(body_);
  CheckResult r = check(http_checker(config::CheckerType::kHttp, {u}), port);
  EXPECT_TRUE(r.ok) << r.reason;
  r = check(http_checker(config::CheckerType::kHttp, {url("/missing")}), port);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.reason.find("404"), std::string::npos) << r.reason;
}

TEST_F(RealServerTest, SslGetAgainstOpensslServer) {
  ASSERT_TRUE(make_certificate());
  const auto port = testing::closed_port(io_);
  testing::ChildProcess server = tls_server(port);
  ASSERT_TRUE(server.wait_listening(port));
  auto u = url("/index.txt");
  u.digest = md5_of(body_);
  u.virtualhost = std::string("test");
  auto c = http_checker(config::CheckerType::kSsl, {u});
  std::get<config::HttpCheck>(c.details).enable_sni = true;
  CheckResult r = check(c, port);
  EXPECT_TRUE(r.ok) << r.reason;

  // The global SSL { } block's client certificate and key load and are offered.
  config::SslConfig ssl;
  ssl.certificate = (dir_ / "cert.pem").string();
  ssl.key = (dir_ / "key.pem").string();
  r = check(c, port, &ssl);
  EXPECT_TRUE(r.ok) << r.reason;
}

// verify_certificate (vigil extension): a CA made here signs the server's certificate for
// server.test and 127.0.0.1. The right CA (as a file or a hashed directory) and name pass; a
// wrong CA or name fails with OpenSSL's reason; without verification anything goes, as in
// keepalived.
TEST_F(RealServerTest, SslGetVerifiesTheCertificateWhenAsked) {
  const std::string d = "'" + dir_.string() + "'";
  const std::string cmd =
      "cd " + d +
      " && mkdir capath && "
      "openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=vigil-test-ca -days 1 "
      "-keyout ca.key -out ca.pem && "
      "openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=other-ca -days 1 "
      "-keyout other.key -out other.pem && "
      "openssl req -newkey rsa:2048 -nodes -subj /CN=server.test -keyout key.pem -out srv.csr && "
      "printf 'subjectAltName=DNS:server.test,IP:127.0.0.1\n' >san.ext && "
      "openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 "
      "-extfile san.ext -out cert.pem && cp ca.pem capath/ && openssl rehash capath";
  ASSERT_EQ(std::system(("(" + cmd + ") >/dev/null 2>&1").c_str()), 0);
  const auto port = testing::closed_port(io_);
  testing::ChildProcess server = tls_server(port);
  ASSERT_TRUE(server.wait_listening(port));
  const auto run = [&](config::TlsVerify verify, std::optional<std::string> vhost = {}) {
    auto u = url("/index.txt");
    if (vhost) u.virtualhost = *vhost;
    auto c = http_checker(config::CheckerType::kSsl, {u});
    std::get<config::HttpCheck>(c.details).verify = std::move(verify);
    return check(c, port);
  };
  const std::string ca = (dir_ / "ca.pem").string();
  const std::string other = (dir_ / "other.pem").string();
  CheckResult r = run({true, ca, "", ""});  // the address, an IP subjectAltName
  EXPECT_TRUE(r.ok) << r.reason;
  r = run({true, ca, "", "server.test"});
  EXPECT_TRUE(r.ok) << r.reason;
  r = run({true, ca, "", ""}, "server.test");  // the url's virtualhost
  EXPECT_TRUE(r.ok) << r.reason;
  r = run({true, "", (dir_ / "capath").string(), "server.test"});
  EXPECT_TRUE(r.ok) << r.reason;

  r = run({true, other, "", "server.test"});
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.reason.find("unable to get local issuer certificate"), std::string::npos) << r.reason;
  r = run({true, ca, "", "www.example.com"});
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.reason.find("hostname mismatch"), std::string::npos) << r.reason;
  r = run({true, ca, "", "127.0.0.2"});
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.reason.find("IP address mismatch"), std::string::npos) << r.reason;
  r = run({true, ca, "", ""}, "wrong.test");
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.reason.find("hostname mismatch"), std::string::npos) << r.reason;
  // Off (keepalived's behaviour): the same wrong CA and name pass.
  r = run({false, other, "", "www.example.com"});
  EXPECT_TRUE(r.ok) << r.reason;

  std::string why;
  auto c = http_checker(config::CheckerType::kSsl, {url("/")});
  std::get<config::HttpCheck>(c.details).verify =
      config::TlsVerify{true, "/nonexistent.pem", "", ""};
  EXPECT_FALSE(make_http_check(c, real_server("127.0.0.1", port), vs_, context_, &why));
  EXPECT_NE(why.find("verify_ca_file '/nonexistent.pem'"), std::string::npos) << why;
}

TEST_F(RealServerTest, SslGetAgainstPlainHttpFailsTheHandshake) {
  const auto port = testing::closed_port(io_);
  testing::ChildProcess server = web_server(port);
  ASSERT_TRUE(server.wait_listening(port));
  const CheckResult r = check(http_checker(config::CheckerType::kSsl, {url("/index.txt")}), port);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.reason.find("TLS handshake"), std::string::npos) << r.reason;
}

TEST_F(HttpCheckTest, SslHandshakeAgainstASilentServerTimesOut) {
  ScriptedServer server(io_);
  server.silent = true;  // accepts, reads nothing useful (no "\r\n\r\n" ever comes), never answers
  asio::co_spawn(io_, serve(server), asio::detached);
  const CheckResult r =
      check(http_checker(config::CheckerType::kSsl, {url("/")}, 300ms), server.port());
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.reason.find("TLS handshake: timeout"), std::string::npos) << r.reason;
}

TEST_F(HttpCheckTest, MissingCertificateFileIsRefusedAtBuild) {
  config::SslConfig ssl;
  ssl.certificate = "/nonexistent/cert.pem";
  context_.ssl = &ssl;
  std::string why;
  EXPECT_FALSE(make_http_check(http_checker(config::CheckerType::kSsl, {url("/")}),
                               real_server("127.0.0.1", 443), vs_, context_, &why));
  EXPECT_NE(why.find("certificate"), std::string::npos) << why;
}

}  // namespace
}  // namespace vigil::checkers
