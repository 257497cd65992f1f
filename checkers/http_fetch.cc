#include "checkers/http_fetch.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <memory>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "checkers/connect.h"
#include "checkers/http_message.h"
#include "checkers/read_buffer.h"
#include "core/tls_error.h"

namespace vigil::checkers {

namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using asio::ip::tcp;
constexpr auto kAsTuple = asio::as_tuple(asio::use_awaitable);

constexpr std::size_t kReadChunk = ReadBuffer::kSize;

using core::tls_error_text;

// The certificate must be for `name`: an IP address (its subjectAltName IP entries) or a DNS
// name (subjectAltName DNS entries, else the common name), no partial wildcards.
void expect_name(SSL* ssl, const std::string& name) {
  boost::system::error_code ec;
  asio::ip::make_address(name, ec);
  if (!ec) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str());
  } else {
    SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    SSL_set1_host(ssl, name.c_str());
  }
}

bool is_end_of_stream(const boost::system::error_code& ec) {
  // A server that closes without a TLS close_notify (most do after "Connection: close") ends the
  // response like a plain close: keepalived reads on to EOF and takes what it got.
  return ec == asio::error::eof || ec == ssl::error::stream_truncated;
}

tcp::socket& lowest(tcp::socket& s) { return s; }
tcp::socket& lowest(ssl::stream<tcp::socket>& s) { return s.next_layer(); }

// Write the request and read the response over `stream` (a tcp::socket or an ssl::stream).
template <typename Stream>
asio::awaitable<void> exchange(Stream& stream, const HttpFetchRequest& request,
                               HttpFetchResult& result) {
  const core::Duration limit = request.endpoint.connect_timeout;
  const std::string text = http_request(request.path, request.protocol, request.host);
  tcp::socket& socket = lowest(stream);
  auto w = co_await with_socket_deadline(
      socket, asio::async_write(stream, asio::buffer(text), kAsTuple), limit);
  if (!w || std::get<0>(*w)) {
    result.timed_out = !w;
    result.error =
        describe({!w, w ? std::get<0>(*w) : boost::system::error_code{}}, "send request", limit);
    co_return;
  }

  std::optional<Md5> md5;
  if (request.digest) md5.emplace();
  HttpResponseParser parser([&](std::string_view body) {
    if (md5) md5->update(body);
    if (request.body_observer) request.body_observer(body);
  });
  ReadBuffer buffer;
  while (!parser.body_complete()) {
    auto r = co_await with_socket_deadline(
        socket, stream.async_read_some(asio::buffer(buffer.data(), kReadChunk), kAsTuple), limit);
    if (!r) {
      result.timed_out = true;
      result.error = describe({true, {}}, "read", limit);
      co_return;
    }
    auto [ec, n] = *r;
    if (n > 0 && request.raw_observer) request.raw_observer(std::string_view(buffer.data(), n));
    if (n > 0 && !parser.feed(std::string_view(buffer.data(), n))) {
      result.error = "bad response: " + parser.error();
      co_return;
    }
    if (is_end_of_stream(ec)) break;
    if (ec) {
      result.error = "read: " + ec.message();
      co_return;
    }
  }
  if (!parser.header_complete()) {
    // keepalived: "Read, no data received from" (no complete header before the close).
    result.error = "read: no data received";
    co_return;
  }
  result.transport_ok = true;
  result.status = parser.status();
  if (request.keep_header) result.header = parser.header_text();
  result.content_length = parser.content_length();
  result.body_bytes = parser.body_bytes();
  if (md5) result.digest = md5->hex_final();
}

}  // namespace

std::shared_ptr<ssl::context> make_client_tls_context(const config::SslConfig* config,
                                                      const config::TlsVerify* verify,
                                                      std::string* why) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  ctx->set_verify_mode(ssl::verify_none);
  boost::system::error_code ec;
  auto failed = [&](const char* what, const std::string& file) {
    if (why) *why = std::string("SSL ") + what + " '" + file + "': " + tls_error_text(ec);
    return nullptr;
  };
  if (verify && verify->enabled) {
    ctx->set_verify_mode(ssl::verify_peer);
    if (!verify->ca_file.empty()) {
      ctx->load_verify_file(verify->ca_file, ec);
      if (ec) return failed("verify_ca_file", verify->ca_file);
    }
    if (!verify->ca_path.empty()) {
      ctx->add_verify_path(verify->ca_path, ec);
      if (ec) return failed("verify_ca_path", verify->ca_path);
    }
    if (verify->ca_file.empty() && verify->ca_path.empty() && !(config && config->ca)) {
      ctx->set_default_verify_paths(ec);
      if (ec) return failed("default CA store", "");
    }
  }
  if (!config) return ctx;
  if (config->password) {
    const std::string password = *config->password;
    ctx->set_password_callback(
        [password](std::size_t, ssl::context::password_purpose) { return password; }, ec);
  }
  if (config->certificate) {
    ctx->use_certificate_chain_file(*config->certificate, ec);
    if (ec) return failed("certificate", *config->certificate);
  }
  if (config->key) {
    ctx->use_private_key_file(*config->key, ssl::context::pem, ec);
    if (ec) return failed("key", *config->key);
  }
  if (config->ca) {
    ctx->load_verify_file(*config->ca, ec);
    if (ec) return failed("CA file", *config->ca);
  }
  return ctx;
}

asio::awaitable<HttpFetchResult> http_fetch(asio::io_context& io, const HttpFetchRequest& request) {
  HttpFetchResult result;
  const auto start = std::chrono::steady_clock::now();
  tcp::socket socket(io);
  const StepOutcome connected = co_await connect_endpoint(socket, request.endpoint);
  if (!connected.ok()) {
    result.timed_out = connected.timed_out;
    result.error = describe(connected, "connect", request.endpoint.connect_timeout);
    co_return result;
  }
  if (!request.tls) {
    co_await exchange(socket, request, result);
    boost::system::error_code ignored;
    socket.close(ignored);
    co_return result;
  }

  ssl::stream<tcp::socket> stream(std::move(socket), *request.tls);
  if (request.sni) SSL_set_tlsext_host_name(stream.native_handle(), request.sni->c_str());
  if (request.verify_name) expect_name(stream.native_handle(), *request.verify_name);
  // keepalived gives the handshake what is left of connect_timeout after the TCP connect.
  const core::Duration elapsed = std::chrono::steady_clock::now() - start;
  const core::Duration left = std::max(core::Duration(std::chrono::milliseconds(1)),
                                       request.endpoint.connect_timeout - elapsed);
  auto h = co_await with_socket_deadline(
      stream.next_layer(), stream.async_handshake(ssl::stream_base::client, kAsTuple), left);
  if (!h || std::get<0>(*h)) {
    result.timed_out = !h;
    result.error =
        h ? "TLS handshake: " + tls_error_text(std::get<0>(*h))
          : "TLS handshake: timeout after " + format_duration(request.endpoint.connect_timeout);
    // "certificate verify failed" says less than the reason the chain or name was refused.
    if (const long verdict = SSL_get_verify_result(stream.native_handle());
        h && request.verify_name && verdict != X509_V_OK) {
      result.error += ": " + std::string(X509_verify_cert_error_string(verdict));
    }
  } else {
    co_await exchange(stream, request, result);
  }
  boost::system::error_code ignored;
  stream.lowest_layer().close(ignored);
  co_return result;
}

}  // namespace vigil::checkers
