#pragma once

// One GET over a fresh connection, as HTTP_GET / SSL_GET / genhash make it (keepalived
// check_http.c, check_ssl.c): connect within connect_timeout, the TLS handshake (SSL_GET) within
// what is left of it, the request write and then every read each within connect_timeout again;
// the body is streamed through MD5 and an optional observer, never held whole. The connection
// is closed after each URL. Errors come back as values with keepalived-like reasons.

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "checkers/check.h"
#include "parser/config/checkers.h"
#include "parser/config/lvs.h"

namespace boost::asio::ssl {
class context;
}

namespace vigil::checkers {

// The client side TLS context of SSL_GET: keepalived's global SSL { } block gives the client
// certificate (chain), its key, the key's password and a CA file. The server's certificate is
// not verified (keepalived never verifies) unless `verify` (vigil extension) enables it: then
// the chain must lead to verify_ca_file / verify_ca_path, else the SSL block's ca, else the
// system's trusted certificates; the name is checked per connection (HttpFetchRequest).
std::shared_ptr<boost::asio::ssl::context> make_client_tls_context(const config::SslConfig* ssl,
                                                                   const config::TlsVerify* verify,
                                                                   std::string* why);

struct HttpFetchRequest {
  Endpoint endpoint;
  std::shared_ptr<boost::asio::ssl::context> tls;  // null: plain HTTP
  std::optional<std::string> sni;                  // TLS server name to send
  // With certificate verification: the DNS name or IP address the certificate must be for.
  std::optional<std::string> verify_name;
  config::HttpProtocol protocol = config::HttpProtocol::k1_0;
  std::string path = "/";
  std::string host;  // Host header value (http_host())
  bool digest = false;
  bool keep_header = false;  // fill HttpFetchResult::header (genhash -v)
  // Every de-framed body byte, in order (genhash -v).
  std::function<void(std::string_view)> body_observer;
  // Every byte of the response as it was received: status line, header and body with any chunk
  // framing (regex: keepalived searches the data it reads, from its first byte).
  std::function<void(std::string_view)> raw_observer;
};

struct HttpFetchResult {
  // The exchange failed before a response header arrived whole, or a read failed: the reason is
  // in `error`. A response that ends early (fewer bytes than Content-Length) is not an error,
  // as in keepalived; the digest then covers what arrived.
  bool transport_ok = false;
  bool timed_out = false;
  std::string error;  // "connect: Connection refused", "read: timeout after 5 s", ...
  unsigned status = 0;
  std::string header;  // the raw response header, with keep_header
  std::optional<std::size_t> content_length;
  std::size_t body_bytes = 0;
  std::string digest;  // lower-case hex MD5 of the body when requested
};

boost::asio::awaitable<HttpFetchResult> http_fetch(boost::asio::io_context& io,
                                                   const HttpFetchRequest& request);

}  // namespace vigil::checkers
