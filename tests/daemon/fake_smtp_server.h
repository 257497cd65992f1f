#pragma once

// SMTP servers on 127.0.0.1 for the SMTP client and alert tests, on the test's io_context:
//  - ScriptedSmtpServer: one connection, a fixed script of expected commands and replies
//    (STARTTLS through a server-side TLS stream, silence, closing);
//  - RecordingSmtpServer: any number of connections, accepts every mail and records it.
// Also a throw-away self-signed certificate for STARTTLS (made with the openssl command).

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace vigil::daemon::testing {

namespace asio = boost::asio;
using asio::ip::tcp;

struct SmtpStep {
  enum class Then { kContinue, kStartTls, kSilent, kClose };
  std::string expect;  // the line received must start with this; "<data>": a whole message
  std::string reply;   // sent after it (empty: nothing), before `then`
  Then then = Then::kContinue;
};

// g++ 12 takes the coroutine frame's operator new and operator delete of serve() (Asio's matched
// pair) for a mismatch wherever it inlines them (GCC bug 109224); the warning is false here.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
class ScriptedSmtpServer {
 public:
  ScriptedSmtpServer(asio::io_context& io, std::string greeting, std::vector<SmtpStep> steps,
                     std::shared_ptr<asio::ssl::context> tls = nullptr)
      : acceptor_(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        greeting_(std::move(greeting)),
        steps_(std::move(steps)),
        tls_context_(std::move(tls)) {
    asio::co_spawn(io, serve(), asio::detached);
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  // What the client sent: each command line (with CR LF), each message whole.
  const std::vector<std::string>& received() const { return received_; }
  const std::vector<std::string>& mismatches() const { return mismatches_; }
  bool tls_used() const { return tls_used_; }

 private:
  // One connection, plain or (after STARTTLS) over TLS. g++ 12: co_await only as a statement of
  // its own, with named arguments.
  struct Conn {
    explicit Conn(tcp::socket s) : socket(std::move(s)) {}
    tcp::socket socket;
    std::optional<asio::ssl::stream<tcp::socket&>> tls;
    std::string buffer;
  };

  static asio::awaitable<bool> send(Conn& c, const std::string& text) {
    constexpr auto tuple = asio::as_tuple(asio::use_awaitable);
    boost::system::error_code ec;
    if (c.tls) {
      std::tie(ec, std::ignore) = co_await asio::async_write(*c.tls, asio::buffer(text), tuple);
    } else {
      std::tie(ec, std::ignore) = co_await asio::async_write(c.socket, asio::buffer(text), tuple);
    }
    co_return !ec;
  }

  static asio::awaitable<std::optional<std::string>> receive(Conn& c, const std::string& until) {
    constexpr auto tuple = asio::as_tuple(asio::use_awaitable);
    boost::system::error_code ec;
    std::size_t n = 0;
    if (c.tls) {
      std::tie(ec, n) =
          co_await asio::async_read_until(*c.tls, asio::dynamic_buffer(c.buffer), until, tuple);
    } else {
      std::tie(ec, n) =
          co_await asio::async_read_until(c.socket, asio::dynamic_buffer(c.buffer), until, tuple);
    }
    if (ec) co_return std::nullopt;
    std::string line = c.buffer.substr(0, n);
    c.buffer.erase(0, n);
    co_return line;
  }

  asio::awaitable<void> serve() {
    auto [ec, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    Conn c(std::move(socket));
    if (!greeting_.empty()) {
      const bool sent = co_await send(c, greeting_);
      if (!sent) co_return;
    }
    const std::string line_end = "\r\n";
    const std::string data_end = "\r\n.\r\n";
    for (const SmtpStep& step : steps_) {
      const bool data = step.expect == "<data>";
      std::optional<std::string> got = co_await receive(c, data ? data_end : line_end);
      if (!got) co_return;
      received_.push_back(*got);
      if (!data && got->rfind(step.expect, 0) != 0) {
        mismatches_.push_back("expected '" + step.expect + "', got '" + *got + "'");
      }
      if (!step.reply.empty()) {
        const bool sent = co_await send(c, step.reply);
        if (!sent) co_return;
      }
      if (step.then == SmtpStep::Then::kSilent) break;
      if (step.then == SmtpStep::Then::kClose) co_return;
      if (step.then == SmtpStep::Then::kStartTls) {
        c.tls.emplace(c.socket, *tls_context_);
        auto [hec] = co_await c.tls->async_handshake(asio::ssl::stream_base::server,
                                                     asio::as_tuple(asio::use_awaitable));
        if (hec) co_return;
        tls_used_ = true;
      }
    }
    // Keep the connection until the client goes (or the test ends).
    while (true) {
      std::optional<std::string> more = co_await receive(c, line_end);
      if (!more) co_return;
    }
  }

  tcp::acceptor acceptor_;
  std::string greeting_;
  std::vector<SmtpStep> steps_;
  std::shared_ptr<asio::ssl::context> tls_context_;
  std::vector<std::string> received_;
  std::vector<std::string> mismatches_;
  bool tls_used_ = false;
};
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

// Accepts every mail of every connection: 220, 250 to EHLO/HELO/MAIL/RCPT/RSET, 354 to DATA,
// 250 after the message, 221 to QUIT. Records each message (as sent, dot-stuffed) and counts
// connections.
class RecordingSmtpServer {
 public:
  explicit RecordingSmtpServer(asio::io_context& io)
      : acceptor_(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    asio::co_spawn(io, accept(), asio::detached);
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  const std::vector<std::string>& messages() const { return messages_; }
  std::size_t connections() const { return connections_; }
  // The Subject of every message, in order.
  std::vector<std::string> subjects() const {
    std::vector<std::string> out;
    for (const auto& m : messages_) {
      const auto at = m.find("Subject: ");
      out.push_back(at == std::string::npos ? "" : m.substr(at + 9, m.find("\r\n", at) - at - 9));
    }
    return out;
  }

 private:
  asio::awaitable<void> accept() {
    while (true) {
      auto [ec, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      ++connections_;
      asio::co_spawn(acceptor_.get_executor(), session(std::move(socket)), asio::detached);
    }
  }
  asio::awaitable<void> session(tcp::socket socket) {
    constexpr auto tuple = asio::as_tuple(asio::use_awaitable);
    const std::string greeting = "220 recorder ESMTP\r\n";
    const std::string go = "354 go\r\n";
    const std::string bye = "221 bye\r\n";
    const std::string ok = "250 ok\r\n";
    std::string buffer;
    co_await asio::async_write(socket, asio::buffer(greeting), tuple);
    while (true) {
      auto [ec, n] =
          co_await asio::async_read_until(socket, asio::dynamic_buffer(buffer), "\r\n", tuple);
      if (ec) co_return;
      const std::string line = buffer.substr(0, n);
      buffer.erase(0, n);
      if (line.rfind("DATA", 0) == 0) {
        co_await asio::async_write(socket, asio::buffer(go), tuple);
        auto [dec, m] = co_await asio::async_read_until(socket, asio::dynamic_buffer(buffer),
                                                        "\r\n.\r\n", tuple);
        if (dec) co_return;
        messages_.push_back(buffer.substr(0, m));
        buffer.erase(0, m);
      } else if (line.rfind("QUIT", 0) == 0) {
        co_await asio::async_write(socket, asio::buffer(bye), tuple);
        co_return;
      }
      co_await asio::async_write(socket, asio::buffer(ok), tuple);
    }
  }

  tcp::acceptor acceptor_;
  std::vector<std::string> messages_;
  std::size_t connections_ = 0;
};

// A self-signed certificate for CN mx.test (also valid for 127.0.0.1, not for localhost) in `dir`:
// dir/cert.pem, dir/key.pem. False when the openssl command is missing or failed.
inline bool make_test_certificate(const std::string& dir) {
  const std::string cmd =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
      "-subj /CN=mx.test -addext subjectAltName=DNS:mx.test,IP:127.0.0.1 "
      "-keyout " +
      dir + "/key.pem -out " + dir + "/cert.pem >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

// The server side TLS context of that certificate.
inline std::shared_ptr<asio::ssl::context> server_tls_context(const std::string& dir) {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  ctx->use_certificate_chain_file(dir + "/cert.pem");
  ctx->use_private_key_file(dir + "/key.pem", asio::ssl::context::pem);
  return ctx;
}

}  // namespace vigil::daemon::testing
