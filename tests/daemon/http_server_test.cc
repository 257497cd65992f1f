// The status endpoints' HTTP server: request parsing, responses, the control socket file (mode,
// stale and live sockets) and the limits, over real unix and TCP sockets on loopback.
#include "daemon/http_server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

namespace vigil::daemon {
namespace {

namespace asio = boost::asio;
using Local = asio::local::stream_protocol;

TEST(HttpRequestHead, RequestLine) {
  auto r = parse_request_head("GET /status.json?x=1 HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->method, "GET");
  EXPECT_EQ(r->path, "/status.json");
  EXPECT_EQ(r->query, "x=1");
  r = parse_request_head("POST /reload HTTP/1.0\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->method, "POST");
  EXPECT_EQ(r->path, "/reload");
  EXPECT_FALSE(parse_request_head("GET /x\r\n\r\n"));            // HTTP/0.9
  EXPECT_FALSE(parse_request_head("GET x HTTP/1.1\r\n\r\n"));    // not a path
  EXPECT_FALSE(parse_request_head("get /x HTTP/1.1\r\n\r\n"));   // method case
  EXPECT_FALSE(parse_request_head("GET  /x HTTP/1.1\r\n\r\n"));  // empty target
  EXPECT_FALSE(parse_request_head("GET /x HTTP/2\r\n\r\n"));     // not 1.x
  EXPECT_FALSE(parse_request_head("\r\n\r\n"));
}

TEST(HttpResponseText, HeadersAndBody) {
  HttpResponse r = HttpResponse::text(404, "not found\n");
  EXPECT_EQ(response_text(r),
            "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Content-Length: 10\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n"
            "Connection: close\r\n\r\nnot found\n");
  EXPECT_EQ(response_text(r, true).find("not found\n"), std::string::npos);
}

// A server on its own thread; requests from the test's thread with plain blocking sockets.
class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("vigil_http_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    if (server_) {
      asio::post(io_, [this] { server_->stop(); });
    }
    work_.reset();
    if (thread_.joinable()) thread_.join();
    server_.reset();
    std::filesystem::remove_all(dir_);
  }
  void make(HttpServerLimits limits = {}) {
    server_ = std::make_unique<HttpServer>(
        io_,
        [](HttpRequest r, Access a) -> asio::awaitable<HttpResponse> {
          co_return HttpResponse::text(
              200, r.method + " " + r.path + (a == Access::kControl ? " control" : " read") + "\n");
        },
        limits);
  }
  void run() {
    thread_ = std::thread([this] { io_.run(); });
  }
  std::string unix_request(const std::string& path, const std::string& raw) {
    asio::io_context io;
    Local::socket s(io);
    s.connect(Local::endpoint(path));
    asio::write(s, asio::buffer(raw));
    std::string out;
    boost::system::error_code ec;
    asio::read(s, asio::dynamic_buffer(out), ec);
    return out;
  }

  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{
      asio::make_work_guard(io_)};
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  std::filesystem::path dir_;
};

TEST_F(HttpServerTest, ControlSocketIsRootOnlyAndServesTheDaemonsUser) {
  make();
  const std::string path = (dir_ / "c.sock").string();
  std::string error;
  ASSERT_TRUE(server_->listen_unix(path, error)) << error;
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  run();
  // The test runs as the daemon's user, so it is allowed the control endpoints.
  const std::string out = unix_request(path, "POST /reload HTTP/1.1\r\n\r\n");
  EXPECT_NE(out.find("HTTP/1.1 200 OK\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("\r\n\r\nPOST /reload control\n"), std::string::npos) << out;
  asio::post(io_, [this] { server_->stop(); });
  work_.reset();
  thread_.join();
  EXPECT_FALSE(std::filesystem::exists(path));  // removed at stop
}

TEST_F(HttpServerTest, StaleSocketIsReplacedLiveOneAndOtherFilesAreNot) {
  make();
  const std::string stale = (dir_ / "stale.sock").string();
  {
    // A socket file nobody listens on any more (a daemon that was killed).
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strcpy(a.sun_path, stale.c_str());
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ::close(fd);
  }
  std::string error;
  EXPECT_TRUE(server_->listen_unix(stale, error)) << error;

  HttpServer other(io_, [](HttpRequest, Access) -> asio::awaitable<HttpResponse> {
    co_return HttpResponse::text(200, "");
  });
  EXPECT_FALSE(other.listen_unix(stale, error));
  EXPECT_EQ(error, stale + " is in use by a running process");

  const std::string plain = (dir_ / "plain").string();
  std::ofstream(plain) << "x";
  EXPECT_FALSE(other.listen_unix(plain, error));
  EXPECT_EQ(error, plain + " exists and is not a socket");
  EXPECT_TRUE(std::filesystem::exists(plain));
  other.stop();
}

TEST_F(HttpServerTest, TcpListenerIsReadOnlyAndAnswersHeadAndBadRequests) {
  HttpServerLimits limits;
  limits.max_head = 256;
  make(limits);
  std::string error;
  ASSERT_TRUE(server_->listen_tcp({asio::ip::make_address("127.0.0.1"), 0}, error)) << error;
  const auto ep = *server_->tcp_endpoint();
  run();
  auto ask = [&](const std::string& raw) {
    asio::io_context io;
    asio::ip::tcp::socket s(io);
    s.connect(ep);
    asio::write(s, asio::buffer(raw));
    std::string out;
    boost::system::error_code ec;
    asio::read(s, asio::dynamic_buffer(out), ec);
    return out;
  };
  std::string out = ask("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_NE(out.find("\r\n\r\nGET /metrics read\n"), std::string::npos) << out;
  out = ask("HEAD /metrics HTTP/1.1\r\n\r\n");
  EXPECT_NE(out.find("Content-Length: 18\r\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("GET /metrics"), std::string::npos) << out;
  out = ask("BOGUS\r\n\r\n");
  EXPECT_EQ(out.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << out;
  out = ask("GET /" + std::string(300, 'x') + " HTTP/1.1\r\n\r\n");
  EXPECT_EQ(out.rfind("HTTP/1.1 431 ", 0), 0u) << out;
  EXPECT_EQ(server_->stats().requests, 2u);
}

TEST_F(HttpServerTest, SilentClientIsClosedAfterTheReadTimeout) {
  HttpServerLimits limits;
  limits.read_timeout = std::chrono::milliseconds(100);
  make(limits);
  std::string error;
  ASSERT_TRUE(server_->listen_tcp({asio::ip::make_address("127.0.0.1"), 0}, error)) << error;
  const auto ep = *server_->tcp_endpoint();
  run();
  asio::io_context io;
  asio::ip::tcp::socket s(io);
  s.connect(ep);
  std::string out;
  boost::system::error_code ec;
  asio::read(s, asio::dynamic_buffer(out), ec);  // returns once the server closes
  EXPECT_EQ(ec, asio::error::eof);
  EXPECT_EQ(out, "");
}

}  // namespace
}  // namespace vigil::daemon
