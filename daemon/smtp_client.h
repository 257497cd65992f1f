#pragma once

// The SMTP client of the alerts: one session delivers a batch of mails (RFC 5321), as a
// coroutine on the daemon's event loop that never blocks it and never throws:
//  - the server's name is resolved on Asio's resolver thread; each address is tried in turn,
//    the connect bounded by smtp_connect_timeout as a whole;
//  - a 220 greeting, then EHLO; a server that rejects EHLO with 5xx gets HELO (keepalived only
//    ever says HELO);
//  - STARTTLS when the server offers it (vigil extension `smtp_starttls`: opportunistic by
//    default, `required`: no mail without TLS, `off`), through OpenSSL, with SNI and, when
//    asked (`smtp_tls_verify`), the certificate checked against the CA store and the server's
//    name; then EHLO again. Bytes the server sent after its 220 to STARTTLS end the session
//    (a man in the middle could have injected them);
//  - AUTH PLAIN, else AUTH LOGIN, with the configured credentials; credentials are never sent
//    over a connection without TLS unless `smtp_starttls off` was chosen explicitly;
//  - per mail MAIL FROM, RCPT TO for every recipient (at least one must be accepted), DATA with
//    dot-stuffing; a mail the server refuses is reported and RSET, the next one still goes;
//  - QUIT.
// Every step (connect, each command and reply, the TLS handshake) has smtp_connect_timeout,
// as keepalived gives it to each of its steps.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "core/clock.h"
#include "parser/config/smtp_client.h"

namespace boost::asio::ssl {
class context;
}

namespace vigil::daemon {

struct SmtpCredentials {
  std::string user;
  std::string password;
};

struct SmtpClientSettings {
  std::string server;  // a host name or an address literal
  std::uint16_t port = 25;
  std::string helo_name;
  core::Duration step_timeout = std::chrono::seconds(30);
  config::SmtpStartTls starttls = config::SmtpStartTls::kOpportunistic;
  std::shared_ptr<boost::asio::ssl::context> tls;  // null: no STARTTLS possible
  bool verify = false;  // check the server's certificate (the context must trust its CA)
  std::optional<SmtpCredentials> auth;
};

// The client side TLS context: TLS 1.2 or later; with `verify`, peers are checked against
// `ca_file` (empty: the system's default CA store). Null with `why` when the CA file cannot be
// loaded.
std::shared_ptr<boost::asio::ssl::context> make_smtp_tls_context(bool verify,
                                                                 const std::string& ca_file,
                                                                 std::string* why);

struct Mail {
  std::string from;
  std::vector<std::string> to;
  std::string message;  // headers, empty line, body; line ends CR LF (not yet dot-stuffed)
};

struct MailResult {
  bool delivered = false;
  std::string error;  // why not
};

struct SmtpSessionResult {
  // Why the session ended early (connect, greeting, TLS, AUTH, a broken connection); the
  // mails not delivered then carry the same reason. Empty when every mail got its answer.
  std::string error;
  bool tls = false;            // the mails went over TLS
  bool authenticated = false;  // AUTH succeeded
  std::vector<MailResult> mails;
};

// Delivers `mails` in one session. Runs on the calling coroutine's executor; cancel it by
// destroying the io_context or through the coroutine's cancellation slot (every pending step is
// bounded by step_timeout anyway).
boost::asio::awaitable<SmtpSessionResult> smtp_send(const SmtpClientSettings& settings,
                                                    const std::vector<Mail>& mails);

// Base64 (RFC 4648), for AUTH.
std::string base64(std::string_view data);

}  // namespace vigil::daemon
