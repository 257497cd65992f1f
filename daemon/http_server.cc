#include "daemon/http_server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <type_traits>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "checkers/deadline.h"
#include "core/logging.h"

namespace vigil::daemon {
namespace {

namespace asio = boost::asio;
using asio::use_awaitable;
using Local = asio::local::stream_protocol;
using Tcp = asio::ip::tcp;

spdlog::logger& log() {
  static const std::shared_ptr<spdlog::logger> logger = core::logger("control");
  return *logger;
}

// The peer of a unix socket connection may control the daemon when it is root or the daemon's
// own user (SO_PEERCRED: the credentials at connect time, which the peer cannot forge).
bool peer_allowed(Local::socket& socket) {
  ucred cred{};
  socklen_t len = sizeof cred;
  if (::getsockopt(socket.native_handle(), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    return false;
  }
  return cred.uid == 0 || cred.uid == ::geteuid();
}

// The completion of a co_spawned coroutine: nothing in them throws by design, but an exception
// (bad_alloc) must be said, not lost.
auto log_exception(std::string_view what) {
  return [what](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      log().error("control: {}: {}", what, x.what());
    }
  };
}

}  // namespace

HttpResponse HttpResponse::text(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

std::optional<HttpRequest> parse_request_head(std::string_view head) {
  const auto eol = head.find("\r\n");
  const std::string_view line = head.substr(0, eol);
  const auto sp1 = line.find(' ');
  if (sp1 == std::string_view::npos || sp1 == 0) return std::nullopt;
  const auto sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || sp2 == sp1 + 1) return std::nullopt;
  const std::string_view version = line.substr(sp2 + 1);
  if (version != "HTTP/1.1" && version != "HTTP/1.0") return std::nullopt;
  HttpRequest r;
  r.method = line.substr(0, sp1);
  for (char c : r.method) {
    if (c < 'A' || c > 'Z') return std::nullopt;
  }
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (target.front() != '/') return std::nullopt;
  const auto q = target.find('?');
  if (q != std::string_view::npos) {
    r.query = target.substr(q + 1);
    target = target.substr(0, q);
  }
  r.path = target;
  return r;
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 422:
      return "Unprocessable Content";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Unknown";
  }
}

namespace {

std::string response_head(const HttpResponse& r) {
  return fmt::format(
      "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\n"
      "X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n",
      r.status, reason_phrase(r.status), r.content_type, r.body.size());
}

}  // namespace

std::string response_text(const HttpResponse& r, bool head_only) {
  std::string out = response_head(r);
  if (!head_only) out += r.body;
  return out;
}

struct HttpServerState {
  HttpServer::Handler handler;
  HttpServerLimits limits;
  HttpServerStats stats;
  std::size_t open = 0;
  bool stopped = false;
  std::unique_ptr<Local::acceptor> unix_acceptor;
  std::unique_ptr<Tcp::acceptor> tcp_acceptor;
  std::string unix_path;
  ino_t unix_inode = 0;
};

namespace {

using StatePtr = std::shared_ptr<HttpServerState>;

template <typename Socket>
asio::awaitable<void> write_response(Socket& socket, const HttpResponse& response, bool head_only,
                                     core::Duration limit) {
  // Head and body as two buffers: a status document of several MB is not copied again.
  const std::string head = response_head(response);
  const std::array<asio::const_buffer, 2> buffers{
      asio::buffer(head), head_only ? asio::const_buffer() : asio::buffer(response.body)};
  co_await checkers::with_deadline(
      asio::async_write(socket, buffers, asio::as_tuple(use_awaitable)), limit);
  // Lingering close: closing with unread bytes (a request we refused unread, a body) would reset
  // the connection and the peer could lose the answer. Stop sending, read until the peer closes
  // (bounded in time and bytes), then close.
  boost::system::error_code ignored;
  socket.shutdown(Socket::shutdown_send, ignored);
  std::array<char, 4096> sink;
  for (std::size_t drained = 0; drained < 65536;) {
    auto r = co_await checkers::with_deadline(
        socket.async_read_some(asio::buffer(sink), asio::as_tuple(use_awaitable)),
        std::chrono::seconds(1));
    if (!r || std::get<0>(*r)) break;
    drained += std::get<1>(*r);
  }
  socket.close(ignored);
}

// One connection: read the head, answer, close.
template <typename Socket>
asio::awaitable<void> serve(StatePtr st, Socket socket, std::optional<Access> access) {
  struct Open {
    HttpServerState& s;
    ~Open() { --s.open; }
  } open{*st};
  if (!access) {
    ++st->stats.refused;
    const HttpResponse refused =
        HttpResponse::text(403, "vigild: the control socket is for root\n");
    co_await write_response(socket, refused, false, st->limits.read_timeout);
    co_return;
  }
  std::string buffer;
  auto read = co_await checkers::with_deadline(
      asio::async_read_until(socket, asio::dynamic_buffer(buffer, st->limits.max_head), "\r\n\r\n",
                             asio::as_tuple(use_awaitable)),
      st->limits.read_timeout);
  if (!read || st->stopped) co_return;  // too slow, or the server stopped
  const auto [ec, n] = *read;
  HttpResponse response;
  bool head_only = false;
  if (ec == asio::error::not_found) {
    response = HttpResponse::text(431, "request head too large\n");
  } else if (ec) {
    co_return;  // the peer went away
  } else if (auto request = parse_request_head(std::string_view(buffer).substr(0, n))) {
    ++st->stats.requests;
    head_only = request->method == "HEAD";
    if (head_only) request->method = "GET";
    // The handler is copied: the server may stop (and its state stay alive only through `st`)
    // while the request is served.
    HttpServer::Handler handler = st->handler;
    response = co_await handler(std::move(*request), *access);
    if (st->stopped) co_return;
  } else {
    response = HttpResponse::text(400, "bad request\n");
  }
  co_await write_response(socket, response, head_only, st->limits.write_timeout);
}

template <typename Acceptor>
asio::awaitable<void> accept_loop(StatePtr st, Acceptor& acceptor, bool check_peer) {
  using Socket = typename Acceptor::protocol_type::socket;
  asio::steady_timer backoff(co_await asio::this_coro::executor);
  while (!st->stopped) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(use_awaitable));
    if (st->stopped || ec == asio::error::operation_aborted) co_return;
    if (ec) {
      // Out of descriptors or memory: say so and let the loop breathe before trying again.
      log().warn("control: accept failed: {}", ec.message());
      backoff.expires_after(std::chrono::milliseconds(100));
      co_await backoff.async_wait(asio::as_tuple(use_awaitable));
      continue;
    }
    if (st->open >= st->limits.max_connections) {
      ++st->stats.busy;
      boost::system::error_code ignored;
      socket.close(ignored);
      continue;
    }
    std::optional<Access> access = Access::kReadOnly;
    if constexpr (std::is_same_v<Socket, Local::socket>) {
      if (check_peer)
        access = peer_allowed(socket) ? std::optional(Access::kControl) : std::nullopt;
    }
    ++st->open;
    asio::co_spawn(acceptor.get_executor(), serve(st, std::move(socket), access),
                   log_exception("request failed"));
  }
}

}  // namespace

HttpServer::HttpServer(asio::io_context& io, Handler handler, HttpServerLimits limits)
    : io_(io), state_(std::make_shared<HttpServerState>()) {
  state_->handler = std::move(handler);
  state_->limits = limits;
}

HttpServer::~HttpServer() { stop(); }

bool HttpServer::listen_unix(const std::string& path, std::string& error) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      error = path + " exists and is not a socket";
      return false;
    }
    // A socket file: in use if someone answers, else left over by a process that died.
    Local::socket probe(io_);
    boost::system::error_code ec;
    probe.connect(Local::endpoint(path), ec);
    if (!ec) {
      error = path + " is in use by a running process";
      return false;
    }
    ::unlink(path.c_str());
  }
  auto acceptor = std::make_unique<Local::acceptor>(io_);
  boost::system::error_code ec;
  acceptor->open(Local(), ec);
  if (!ec) {
    // Created 0600 (no window in which others could connect), then made sure of.
    const mode_t old = ::umask(0177);
    acceptor->bind(Local::endpoint(path), ec);
    ::umask(old);
  }
  if (!ec && ::chmod(path.c_str(), 0600) != 0) {
    ec.assign(errno, boost::system::system_category());
  }
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error = "cannot listen on " + path + ": " + ec.message();
    return false;
  }
  state_->unix_path = path;
  if (::stat(path.c_str(), &st) == 0) state_->unix_inode = st.st_ino;
  state_->unix_acceptor = std::move(acceptor);
  asio::co_spawn(io_, accept_loop(state_, *state_->unix_acceptor, true),
                 log_exception("listener stopped"));
  return true;
}

bool HttpServer::listen_tcp(const Tcp::endpoint& endpoint, std::string& error) {
  auto acceptor = std::make_unique<Tcp::acceptor>(io_);
  boost::system::error_code ec;
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec && endpoint.address().is_v6()) acceptor->set_option(asio::ip::v6_only(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error =
        fmt::format("cannot listen on {}: {}",
                    endpoint.address().is_v6()
                        ? fmt::format("[{}]:{}", endpoint.address().to_string(), endpoint.port())
                        : fmt::format("{}:{}", endpoint.address().to_string(), endpoint.port()),
                    ec.message());
    return false;
  }
  state_->tcp_acceptor = std::move(acceptor);
  asio::co_spawn(io_, accept_loop(state_, *state_->tcp_acceptor, false),
                 log_exception("listener stopped"));
  return true;
}

void HttpServer::stop() {
  if (state_->stopped) return;
  state_->stopped = true;
  boost::system::error_code ignored;
  if (state_->unix_acceptor) state_->unix_acceptor->close(ignored);
  if (state_->tcp_acceptor) state_->tcp_acceptor->close(ignored);
  if (!state_->unix_path.empty()) {
    // Only our own socket file: another daemon may have replaced it meanwhile.
    struct stat st {};
    if (::stat(state_->unix_path.c_str(), &st) == 0 && st.st_ino == state_->unix_inode) {
      ::unlink(state_->unix_path.c_str());
    }
  }
}

std::optional<Tcp::endpoint> HttpServer::tcp_endpoint() const {
  if (!state_->tcp_acceptor) return std::nullopt;
  boost::system::error_code ec;
  auto ep = state_->tcp_acceptor->local_endpoint(ec);
  if (ec) return std::nullopt;
  return ep;
}

const HttpServerStats& HttpServer::stats() const { return state_->stats; }

}  // namespace vigil::daemon
