#include "daemon/smtp_client.h"

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <exception>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/cancel_deadline.h"
#include "core/ip_address.h"
#include "core/smtp_dialogue.h"
#include "core/tls_error.h"

namespace vigil::daemon {
namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
namespace smtp = core::smtp;
using asio::ip::tcp;
constexpr auto kAsTuple = asio::as_tuple(asio::use_awaitable);

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    const std::size_t start = i;
    while (i < s.size() && s[i] != ' ') ++i;
    if (i > start) out.emplace_back(s.substr(start, i - start));
  }
  return out;
}

// What EHLO told us (RFC 5321 4.1.1.1: the lines after the first name the extensions).
struct Extensions {
  bool starttls = false;
  bool auth_plain = false;
  bool auth_login = false;
};

Extensions parse_extensions(const smtp::Reply& reply) {
  Extensions e;
  for (std::size_t i = 1; i < reply.lines.size(); ++i) {
    const auto w = words(reply.lines[i]);
    if (w.empty()) continue;
    const std::string keyword = upper(w[0]);
    if (keyword == "STARTTLS") e.starttls = true;
    // "AUTH PLAIN LOGIN", and the pre-standard "AUTH=LOGIN PLAIN" some servers still send.
    if (keyword == "AUTH" || keyword.starts_with("AUTH=")) {
      std::vector<std::string> mechanisms(w.begin() + 1, w.end());
      if (keyword.size() > 5) mechanisms.push_back(keyword.substr(5));
      for (const auto& m : mechanisms) {
        const std::string u = upper(m);
        if (u == "PLAIN") e.auth_plain = true;
        if (u == "LOGIN") e.auth_login = true;
      }
    }
  }
  return e;
}

bool positive(const smtp::Reply& r) { return r.code && *r.code >= 200 && *r.code < 400; }

// g++ 12 mishandles temporaries that live across a co_await (and co_await inside conditions and
// co_return expressions): every co_await below is a statement of its own whose arguments are
// named objects.
class Session {
 public:
  Session(asio::any_io_executor executor, const SmtpClientSettings& settings)
      : settings_(settings), resolver_(executor), socket_(executor) {}

  asio::awaitable<SmtpSessionResult> run(const std::vector<Mail>& mails) {
    result_.mails.resize(mails.size());
    const bool opened = co_await open();
    if (opened) {
      for (std::size_t i = 0; i < mails.size() && error_.empty(); ++i) {
        MailResult r = co_await deliver(mails[i]);
        result_.mails[i] = std::move(r);
      }
      if (error_.empty()) co_await quit();
    }
    close();
    result_.error = error_;
    for (auto& m : result_.mails) {
      if (!m.delivered && m.error.empty()) m.error = error_;
    }
    co_return std::move(result_);
  }

 private:
  // Connect, greeting, EHLO/HELO, STARTTLS, AUTH. False with error_ set.
  asio::awaitable<bool> open() {
    bool ok = co_await connect();
    if (!ok) co_return false;
    std::optional<smtp::Reply> greeting = co_await read("greeting");
    if (!greeting) co_return false;
    if (greeting->code != 220u) co_return fail("greeting: " + greeting->last_line);
    ok = co_await hello();
    if (!ok) co_return false;

    using config::SmtpStartTls;
    if (settings_.starttls != SmtpStartTls::kOff && extensions_.starttls && settings_.tls) {
      const std::string starttls = "STARTTLS";
      std::optional<smtp::Reply> reply = co_await command(starttls, "STARTTLS");
      if (!reply) co_return false;
      if (reply->code == 220u) {
        ok = co_await start_tls();
        if (!ok) co_return false;
        ok = co_await hello();
        if (!ok) co_return false;
      } else if (settings_.starttls == SmtpStartTls::kRequired) {
        co_return fail("STARTTLS refused: " + reply->last_line);
      }
    }
    if (settings_.starttls == SmtpStartTls::kRequired && !tls_) {
      co_return fail(settings_.tls ? "the server does not offer STARTTLS (smtp_starttls required)"
                                   : "no TLS context (smtp_starttls required)");
    }
    if (settings_.auth) {
      ok = co_await authenticate(*settings_.auth);
      co_return ok;
    }
    co_return true;
  }

  asio::awaitable<bool> connect() {
    std::vector<tcp::endpoint> endpoints;
    if (auto address = core::parse_ip_address(settings_.server)) {
      endpoints.emplace_back(*address, settings_.port);
    } else {
      // getaddrinfo runs on Asio's resolver thread; a hung resolver is cancelled at the limit.
      const std::string service = std::to_string(settings_.port);
      auto cancel = [this] { resolver_.cancel(); };
      auto r = co_await core::with_cancel_deadline(
          cancel, resolver_.async_resolve(settings_.server, service, kAsTuple),
          settings_.step_timeout);
      if (!r) co_return fail("resolve " + settings_.server + ": timeout");
      auto& [ec, results] = *r;
      if (ec) co_return fail("resolve " + settings_.server + ": " + ec.message());
      for (const auto& entry : results) endpoints.push_back(entry.endpoint());
    }
    // Each address in turn, all within one smtp_connect_timeout (asio's range connect would
    // move on to the next address after a cancelled one, unbounded).
    const auto deadline = std::chrono::steady_clock::now() + settings_.step_timeout;
    boost::system::error_code last = asio::error::host_not_found;
    for (const tcp::endpoint& endpoint : endpoints) {
      const auto left =
          std::chrono::duration_cast<core::Duration>(deadline - std::chrono::steady_clock::now());
      if (left <= core::Duration::zero()) break;
      boost::system::error_code ec;
      socket_.close(ec);
      socket_.open(endpoint.protocol(), ec);
      if (ec) {
        last = ec;
        continue;
      }
      auto r = co_await core::with_socket_deadline(socket_,
                                                   socket_.async_connect(endpoint, kAsTuple), left);
      if (!r) co_return fail("connect to " + where() + ": timeout");
      last = std::get<0>(*r);
      if (!last) co_return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      co_return fail("connect to " + where() + ": timeout");
    }
    co_return fail("connect to " + where() + ": " + last.message());
  }

  // EHLO, or HELO when the server does not know EHLO (a 5xx reply).
  asio::awaitable<bool> hello() {
    const std::string ehlo = "EHLO " + settings_.helo_name;
    std::optional<smtp::Reply> reply = co_await command(ehlo, "EHLO");
    if (!reply) co_return false;
    if (reply->code == 250u) {
      extensions_ = parse_extensions(*reply);
      co_return true;
    }
    if (!reply->code || *reply->code < 500) co_return fail("EHLO: " + reply->last_line);
    extensions_ = {};
    const std::string helo = "HELO " + settings_.helo_name;
    reply = co_await command(helo, "HELO");
    if (!reply) co_return false;
    if (reply->code != 250u) co_return fail("HELO: " + reply->last_line);
    co_return true;
  }

  asio::awaitable<bool> start_tls() {
    // Plaintext the server sent after its 220 would be read as if it came over TLS.
    if (!buffer_.empty()) co_return fail("the server sent data after its STARTTLS reply");
    try {
      tls_.emplace(socket_, *settings_.tls);
    } catch (const std::exception& e) {
      co_return fail(std::string("TLS: ") + e.what());
    }
    SSL* ssl = tls_->native_handle();
    const auto address = core::parse_ip_address(settings_.server);
    if (!address) SSL_set_tlsext_host_name(ssl, settings_.server.c_str());
    if (settings_.verify) {
      // The certificate must name the server as configured (RFC 6125 through OpenSSL).
      X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
      if (address) {
        X509_VERIFY_PARAM_set1_ip_asc(param, settings_.server.c_str());
      } else {
        X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        SSL_set1_host(ssl, settings_.server.c_str());
      }
      SSL_set_verify(ssl, SSL_VERIFY_PEER, nullptr);
    } else {
      SSL_set_verify(ssl, SSL_VERIFY_NONE, nullptr);
    }
    auto r = co_await core::with_socket_deadline(
        socket_, tls_->async_handshake(ssl::stream_base::client, kAsTuple), settings_.step_timeout);
    if (!r) co_return fail("TLS handshake: timeout");
    if (auto ec = std::get<0>(*r)) {
      std::string why = core::tls_error_text(ec);
      const long verify = SSL_get_verify_result(ssl);
      if (verify != X509_V_OK) why += std::string(": ") + X509_verify_cert_error_string(verify);
      co_return fail("TLS handshake: " + why);
    }
    result_.tls = true;
    co_return true;
  }

  asio::awaitable<bool> authenticate(const SmtpCredentials& credentials) {
    if (!tls_ && settings_.starttls != config::SmtpStartTls::kOff) {
      co_return fail(
          "refusing to send the SMTP password without TLS (the server offered no "
          "STARTTLS; set smtp_starttls off to allow it)");
    }
    if (extensions_.auth_plain) {
      std::string token;
      token += '\0';
      token += credentials.user;
      token += '\0';
      token += credentials.password;
      const std::string line = "AUTH PLAIN " + base64(token);
      std::optional<smtp::Reply> reply = co_await command(line, "AUTH PLAIN");
      if (!reply) co_return false;
      if (reply->code != 235u) co_return fail("AUTH PLAIN: " + reply->last_line);
    } else if (extensions_.auth_login) {
      const std::string login = "AUTH LOGIN";
      std::optional<smtp::Reply> reply = co_await command(login, "AUTH LOGIN");
      if (!reply) co_return false;
      if (reply->code == 334u) {
        const std::string user = base64(credentials.user);
        reply = co_await command(user, "AUTH LOGIN");
        if (!reply) co_return false;
      }
      if (reply->code == 334u) {
        const std::string password = base64(credentials.password);
        reply = co_await command(password, "AUTH LOGIN");
        if (!reply) co_return false;
      }
      if (reply->code != 235u) co_return fail("AUTH LOGIN: " + reply->last_line);
    } else {
      co_return fail("the server offers neither AUTH PLAIN nor AUTH LOGIN");
    }
    result_.authenticated = true;
    co_return true;
  }

  asio::awaitable<MailResult> deliver(const Mail& mail) {
    MailResult out;
    const std::string from = "MAIL FROM:<" + mail.from + ">";
    std::optional<smtp::Reply> reply = co_await command(from, "MAIL FROM");
    if (!reply) co_return out;
    if (!positive(*reply)) {
      out.error = "MAIL FROM: " + reply->last_line;
      co_await reset();
      co_return out;
    }
    std::size_t accepted = 0;
    std::string rejected;
    for (const auto& to : mail.to) {
      const std::string rcpt = "RCPT TO:<" + to + ">";
      reply = co_await command(rcpt, "RCPT TO");
      if (!reply) co_return out;
      if (positive(*reply)) {
        ++accepted;
      } else if (rejected.empty()) {
        rejected = rcpt + ": " + reply->last_line;
      }
    }
    if (accepted == 0) {
      out.error = rejected.empty() ? "no recipients" : rejected;
      co_await reset();
      co_return out;
    }
    const std::string data = "DATA";
    reply = co_await command(data, "DATA");
    if (!reply) co_return out;
    if (reply->code != 354u) {
      out.error = "DATA: " + reply->last_line;
      co_await reset();
      co_return out;
    }
    const std::string block = smtp::data_block(mail.message);
    const bool sent = co_await write(block, "message");
    if (!sent) co_return out;
    reply = co_await read("reply to the message");
    if (!reply) co_return out;
    if (!positive(*reply)) {
      out.error = "message: " + reply->last_line;
      co_await reset();
      co_return out;
    }
    out.delivered = true;
    // Some recipients refused: the mail went to the others.
    if (!rejected.empty()) out.error = rejected;
    co_return out;
  }

  // The server refused a mail: RSET so the next one starts clean.
  asio::awaitable<void> reset() {
    const std::string rset = "RSET";
    std::optional<smtp::Reply> reply = co_await command(rset, "RSET");
    if (reply && reply->code != 250u) fail("RSET: " + reply->last_line);
  }

  asio::awaitable<void> quit() {
    // The answer does not matter any more; a server that does not give one costs one timeout.
    const std::string quit = "QUIT\r\n";
    const bool sent = co_await write(quit, "QUIT");
    if (sent) {
      std::optional<smtp::Reply> ignored = co_await read("QUIT reply");
    }
  }

  void close() {
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  asio::awaitable<std::optional<smtp::Reply>> command(const std::string& line,
                                                      std::string_view what) {
    const std::string text = line + "\r\n";
    const bool sent = co_await write(text, what);
    if (!sent) co_return std::nullopt;
    const std::string label = std::string(what) + " reply";
    std::optional<smtp::Reply> reply = co_await read(label);
    co_return reply;
  }

  asio::awaitable<bool> write(const std::string& text, std::string_view what) {
    smtp::WriteOutcome w;
    if (tls_) {
      w = co_await smtp::write_text(*tls_, socket_, text, settings_.step_timeout);
    } else {
      w = co_await smtp::write_text(socket_, socket_, text, settings_.step_timeout);
    }
    if (w.ok()) co_return true;
    co_return fail("send " + std::string(what) + ": " +
                   (w.timed_out ? std::string("timeout") : w.error.message()));
  }

  asio::awaitable<std::optional<smtp::Reply>> read(std::string_view what) {
    smtp::ReadOutcome r;
    if (tls_) {
      r = co_await smtp::read_reply(*tls_, socket_, buffer_, settings_.step_timeout);
    } else {
      r = co_await smtp::read_reply(socket_, socket_, buffer_, settings_.step_timeout);
    }
    if (r.ok()) co_return std::move(r.reply);
    std::string why = r.timed_out  ? std::string("timeout")
                      : r.too_long ? std::string("reply too long")
                                   : r.error.message();
    if (r.error == std::error_code(boost::system::error_code(asio::error::eof))) {
      why = "connection closed";
    }
    fail("read " + std::string(what) + ": " + why);
    co_return std::nullopt;
  }

  bool fail(std::string why) {
    if (error_.empty()) error_ = std::move(why);
    return false;
  }

  std::string where() const { return settings_.server + " port " + std::to_string(settings_.port); }

  const SmtpClientSettings& settings_;
  tcp::resolver resolver_;
  tcp::socket socket_;
  std::optional<ssl::stream<tcp::socket&>> tls_;
  std::string buffer_;
  Extensions extensions_;
  std::string error_;
  SmtpSessionResult result_;
};

}  // namespace

std::shared_ptr<ssl::context> make_smtp_tls_context(bool verify, const std::string& ca_file,
                                                    std::string* why) {
  std::shared_ptr<ssl::context> ctx;
  try {
    ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  } catch (const std::exception& e) {
    if (why) *why = std::string("TLS context: ") + e.what();
    return nullptr;
  }
  boost::system::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                   ec);
  if (!verify) return ctx;
  if (ca_file.empty()) {
    ctx->set_default_verify_paths(ec);
  } else {
    ctx->load_verify_file(ca_file, ec);
  }
  if (ec) {
    if (why) {
      *why = (ca_file.empty() ? std::string("the system's CA store") : "CA file " + ca_file) +
             ": " + core::tls_error_text(ec);
    }
    return nullptr;
  }
  return ctx;
}

asio::awaitable<SmtpSessionResult> smtp_send(const SmtpClientSettings& settings,
                                             const std::vector<Mail>& mails) {
  // A cancelled session ends its steps with operation_aborted, never with an exception.
  co_await asio::this_coro::throw_if_cancelled(false);
  auto executor = co_await asio::this_coro::executor;
  Session session(executor, settings);
  SmtpSessionResult result = co_await session.run(mails);
  co_return result;
}

std::string base64(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3), '\0');
  const int n = ::EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(data.data()),
                                  static_cast<int>(data.size()));
  out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return out;
}

}  // namespace vigil::daemon
