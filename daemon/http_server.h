#pragma once

// A small HTTP/1.1 server on the daemon's event loop for the status endpoints: one request per
// connection (Connection: close), no request bodies, a bounded request head, a deadline on
// every read and write and a bound on open connections, so that a slow or hostile client costs
// a socket and a coroutine frame and never stalls the loop. It listens on a unix socket (the
// control socket: root only, by file mode 0600 and by the peer's credentials) and optionally
// on TCP (read-only). Nothing here throws on the runtime path; errors are error codes and logs.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "core/clock.h"

namespace vigil::daemon {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // the target without its query
  std::string query;   // after '?', may be empty
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;

  static HttpResponse text(int status, std::string body);
};

// What a peer may do: read the status (HTTP listener), or also reload and dump (control socket
// peers that are root or the daemon's own user).
enum class Access { kReadOnly, kControl };

// The request line of a request head ("GET /status HTTP/1.1\r\nHost: x\r\n\r\n"); headers are
// read past and ignored. nullopt when it is not HTTP/1.x.
std::optional<HttpRequest> parse_request_head(std::string_view head);
// Status line, Content-Type, Content-Length, Cache-Control: no-store, Connection: close; the
// body unless `head_only`.
std::string response_text(const HttpResponse& response, bool head_only = false);
// "OK", "Not Found", ... for the codes the server uses.
std::string_view reason_phrase(int status);

struct HttpServerLimits {
  std::size_t max_connections = 64;  // more are closed at once
  std::size_t max_head = 8192;       // bytes of request line and headers
  core::Duration read_timeout = std::chrono::seconds(5);
  core::Duration write_timeout = std::chrono::seconds(30);
};

struct HttpServerStats {
  std::uint64_t requests = 0;  // requests handed to the handler
  std::uint64_t refused = 0;   // control socket peers that are not allowed
  std::uint64_t busy = 0;      // connections closed at once: too many open
};

struct HttpServerState;

class HttpServer {
 public:
  // Runs on the loop for each request. It must not touch objects that may be gone once it
  // resumes after a co_await (the server may have been stopped meanwhile).
  using Handler = std::function<boost::asio::awaitable<HttpResponse>(HttpRequest, Access)>;

  HttpServer(boost::asio::io_context& io, Handler handler, HttpServerLimits limits = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The control socket at `path`, mode 0600. A stale socket file (nobody answers) is replaced;
  // a socket another process answers on, or a file that is not a socket, is an error
  // (`error` says which). Peers whose uid is neither 0 nor the daemon's get 403.
  bool listen_unix(const std::string& path, std::string& error);
  // The read-only HTTP listener. Port 0 picks a free port (tests): see tcp_endpoint().
  bool listen_tcp(const boost::asio::ip::tcp::endpoint& endpoint, std::string& error);
  // Closes the listeners and removes the socket file (if it is still ours). Connections in
  // flight end without a response.
  void stop();

  std::optional<boost::asio::ip::tcp::endpoint> tcp_endpoint() const;
  const HttpServerStats& stats() const;

 private:
  boost::asio::io_context& io_;
  // Shared with the accept loops and connections, which may outlive a stopped server.
  std::shared_ptr<HttpServerState> state_;
};

}  // namespace vigil::daemon
