#pragma once

// The pure HTTP side of HTTP_GET / SSL_GET (no sockets): the request keepalived sends, and an
// incremental parser of the response that hands each body byte to a sink (the MD5 digest)
// without ever holding the whole body.
//
// keepalived 2.2.7 (check_http.c, lib/html.c) for reference:
//  - request: "GET <path> HTTP/1.<0|1>\r\nUser-Agent: KeepAliveClient\r\n"
//    ["Connection: close\r\n" for 1.0C and 1.1] "Host: <host>\r\n\r\n", where <host> is the
//    virtualhost as written (no port), else "<address>:<port>" ("[<v6>]:<port>").
//  - the header ends at the first "\r\n\r\n"; the status code is the token after the first
//    space; a Content-Length caps how many body bytes are digested; the body is read until the
//    server closes the connection.
// Differences, on purpose: header names are matched case-insensitively (keepalived looks for
// "Content-Length:" exactly), and a "Transfer-Encoding: chunked" body (HTTP/1.1 servers) is
// de-chunked before it reaches the digest, where keepalived digests the chunk framing too.

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/ip_address.h"
#include "parser/config/checkers.h"

namespace vigil::checkers {

// The Host header value: `virtualhost` if set, else "address:port" with IPv6 in brackets.
std::string http_host(const std::string* virtualhost, const core::IpAddress& address,
                      std::uint16_t port);

std::string http_request(std::string_view path, config::HttpProtocol protocol,
                         std::string_view host);

class HttpResponseParser {
 public:
  // Receives de-framed body bytes in order.
  using BodySink = std::function<void(std::string_view)>;

  // Header bytes beyond this are a malformed response (keepalived's read buffer is 4 KiB; we
  // are more generous with servers that send many headers).
  static constexpr std::size_t kMaxHeaderBytes = 64 * 1024;

  explicit HttpResponseParser(BodySink sink) : sink_(std::move(sink)) {}

  // Ready for the next response (same sink); the strings keep their capacity.
  void reset();

  // Feeds the next bytes received. Returns false once the response is malformed (error() says
  // why); later calls are ignored.
  bool feed(std::string_view bytes);

  bool header_complete() const { return state_ != State::kHeader; }
  // The body is known to be complete (Content-Length reached, or the last chunk seen), so the
  // caller need not wait for the server to close.
  bool body_complete() const { return state_ == State::kDone; }
  bool failed() const { return state_ == State::kError; }
  const std::string& error() const { return error_; }

  unsigned status() const { return status_; }
  const std::string& status_line() const { return status_line_; }
  std::optional<std::size_t> content_length() const { return content_length_; }
  bool chunked() const { return chunked_; }
  std::size_t body_bytes() const { return body_bytes_; }
  // The raw header block (status line included), for genhash -v.
  const std::string& header_text() const { return header_; }

 private:
  enum class State {
    kHeader,
    kBody,
    kChunkSize,
    kChunkData,
    kChunkDataEnd,
    kTrailer,
    kDone,
    kError
  };

  bool parse_header();
  bool fail(std::string why);
  void deliver(std::string_view bytes);
  std::size_t feed_body(std::string_view bytes);

  BodySink sink_;
  State state_ = State::kHeader;
  std::string header_;  // until the blank line; then kept for header_text()
  std::string line_;    // chunk-size / trailer line being assembled
  std::string error_;
  std::string status_line_;
  unsigned status_ = 0;
  std::optional<std::size_t> content_length_;
  bool chunked_ = false;
  std::size_t chunk_left_ = 0;
  std::size_t body_bytes_ = 0;
};

// MD5 of a byte stream through OpenSSL's EVP interface (keepalived uses EVP_md5 too).
class Md5 {
 public:
  static constexpr std::size_t kSize = 16;
  Md5();
  ~Md5();
  Md5(const Md5&) = delete;
  Md5& operator=(const Md5&) = delete;

  // Starts a new digest (the context is reused).
  void reset();
  void update(std::string_view bytes);
  // 32 lower-case hex characters, as `digest` is written in keepalived.conf and as genhash
  // prints it. Ends the computation.
  std::string hex_final();
  void hex_final(std::string& out);

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

}  // namespace vigil::checkers
