#include "checkers/connection_probe.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>

#include <optional>
#include <utility>

#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace vigil::checkers {

ConnectionProbe::ConnectionProbe(boost::asio::io_context& io, Endpoint endpoint)
    : io_(io), endpoint_(std::move(endpoint)), socket_(io), timer_(io) {}

void ConnectionProbe::start(ProbeSink& sink) {
  ++probe_;
  sink_ = &sink;
  started_ = std::chrono::steady_clock::now();
  begin();
}

void ConnectionProbe::cancel() {
  if (sink_ != nullptr) {
    sink_ = nullptr;
    ++probe_;
    in_step_ = false;
  }
  // The check may be going away: its socket with it.
  attempted_ = false;
  if (socket_.is_open()) {
    boost::system::error_code ignored;
    socket_.close(ignored);
  }
  // The pending wait holds the state: let it go now.
  if (waiting_) {
    waiting_ = false;
    ++wait_;
    timer_.cancel();
  }
}

void ConnectionProbe::connect(std::string_view request) {
  if (!socket_.is_open()) {
    std::error_code error = prepare_socket(socket_, endpoint_);
    if (!error) {
      boost::system::error_code ec;
      socket_.non_blocking(true, ec);
      error = ec;
    }
    if (!error && request_carries_ack_) {
      // Only an optimisation: without it the ACK goes out alone, as it always did.
      const int seconds = 1;
      ::setsockopt(socket_.native_handle(), IPPROTO_TCP, TCP_DEFER_ACCEPT, &seconds,
                   sizeof seconds);
    }
    if (error) {
      // A local failure (bind_if, bindto, SO_MARK): reported from the loop, not from start().
      boost::system::error_code ignored;
      socket_.close(ignored);
      report_connect(StepOutcome{false, error});
      return;
    }
  }
  const boost::asio::ip::tcp::endpoint to(endpoint_.address, endpoint_.port);
  attempted_ = true;
  const bool connected_now =
      ::connect(socket_.native_handle(), to.data(), static_cast<socklen_t>(to.size())) == 0;
  if (!connected_now && errno != EINPROGRESS) {
    report_connect(StepOutcome{false, std::error_code(errno, std::system_category())});
    return;
  }
  if (!request.empty()) {
    // Asio sends at once (the handshake usually ends within connect(2) on a near server), or
    // queues the send on the socket's existing registration for writability; a refused or
    // reset connection fails the send with its error.
    begin_step();
    boost::asio::async_write(
        socket_, boost::asio::buffer(request.data(), request.size()),
        bind([](ConnectionProbe* p, const boost::system::error_code& ec, std::size_t) {
          const bool timed_out = p->end_step();
          p->connected(timed_out ? StepOutcome{true, {}} : StepOutcome{false, ec});
        }));
    return;
  }
  if (connected_now) {
    report_connect(StepOutcome{});
    return;
  }
  // A wait for writability, then SO_ERROR: what Asio's async_connect does less its poll(2)
  // (epoll reports the socket's state as of the wait's end, so a writable socket has finished
  // its handshake one way or the other).
  begin_step();
  socket_.async_wait(
      boost::asio::socket_base::wait_write,
      bind([](ConnectionProbe* p, const boost::system::error_code& ec) {
        if (p->end_step()) {
          p->connected(StepOutcome{true, {}});
          return;
        }
        StepOutcome outcome{false, ec};
        if (!ec) {
          int error = 0;
          socklen_t size = sizeof error;
          if (::getsockopt(p->socket_.native_handle(), SOL_SOCKET, SO_ERROR, &error, &size) != 0)
            error = errno;
          if (error != 0) outcome.error = {error, std::system_category()};
        }
        p->connected(outcome);
      }));
}

void ConnectionProbe::report_connect(const StepOutcome& outcome) {
  boost::asio::post(io_, bind([outcome](ConnectionProbe* p) { p->connected(outcome); }));
}

void ConnectionProbe::close() {
  if (!socket_.is_open() || !attempted_) return;
  attempted_ = false;
  // The socket is kept for the next probe: connect(2) to AF_UNSPEC ends the connection with a
  // reset (tcp_disconnect: no FIN exchange, no TIME_WAIT on either side) and leaves the socket
  // unconnected, with its options, its binding and its epoll registration (after a refused or
  // timed-out attempt too: a socket whose connect failed must be disconnected before it can
  // connect again). The next connect picks a new ephemeral port and clears the reset's pending
  // error. Only if that fails is the socket closed (with a reset) and opened again next time.
  sockaddr unspec{};
  unspec.sa_family = AF_UNSPEC;
  if (::connect(socket_.native_handle(), &unspec, sizeof unspec) == 0) return;
  const linger reset{1, 0};
  ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
  boost::system::error_code ignored;
  socket_.close(ignored);
}

void ConnectionProbe::finish(CheckResult result) {
  close();
  in_step_ = false;
  ProbeSink* sink = sink_;
  sink_ = nullptr;
  result.latency = std::chrono::steady_clock::now() - started_;
  if (sink != nullptr) sink->probe_done(std::move(result));
}

void ConnectionProbe::begin_step() {
  deadline_ = std::chrono::steady_clock::now() + endpoint_.connect_timeout;
  in_step_ = true;
  timed_out_ = false;
  // A pending wait that ends before the new deadline waits again when it fires; only one that
  // would fire too late (a shorter connect_timeout cannot happen, but the clock may be coarse)
  // is re-aimed.
  if (waiting_ && timer_.expiry() <= deadline_) return;
  wait_deadline();
}

bool ConnectionProbe::end_step() {
  in_step_ = false;
  return timed_out_;
}

void ConnectionProbe::wait_deadline() {
  const std::uint64_t wait = ++wait_;
  waiting_ = true;
  timer_.expires_at(deadline_);
  timer_.async_wait([self = shared_from_this(), wait](const boost::system::error_code& ec) {
    if (ec || wait != self->wait_) return;  // re-aimed or cancelled
    self->waiting_ = false;
    if (!self->in_step_) return;  // idle: the next step arms it again
    if (std::chrono::steady_clock::now() < self->deadline_) {
      self->wait_deadline();
      return;
    }
    // The limit passed: the pending operation completes with operation_aborted.
    self->timed_out_ = true;
    boost::system::error_code ignored;
    self->socket_.cancel(ignored);
  });
}

namespace {

// The sink of one run_started() probe: resumes the awaiting coroutine with the verdict. The
// completion is posted, and the waiter lives until it runs: a cancellation handler must not
// clear the slot it runs in, so the posted completion clears it, and until then a second
// cancellation finds the waiter done.
template <typename Handler>
class Waiter final : public ProbeSink {
 public:
  Waiter(boost::asio::io_context& io, Check& check, Handler handler)
      : io_(io), check_(check), handler_(std::move(handler)) {}

  void begin() {
    auto slot = boost::asio::get_associated_cancellation_slot(handler_);
    if (slot.is_connected()) {
      slot.assign([this](boost::asio::cancellation_type) {
        if (done_) return;
        check_.cancel();
        complete(CheckResult::failed("cancelled"));
      });
    }
    if (!check_.start(*this)) complete(CheckResult::failed("check cannot start"));
  }

  void probe_done(CheckResult&& result) override { complete(std::move(result)); }

 private:
  void complete(CheckResult result) {
    done_ = true;
    result_ = std::move(result);
    boost::asio::post(io_, [this] {
      Handler handler = std::move(handler_);
      CheckResult result = std::move(result_);
      delete this;
      auto slot = boost::asio::get_associated_cancellation_slot(handler);
      if (slot.is_connected()) slot.clear();
      std::move(handler)(std::move(result));
    });
  }

  boost::asio::io_context& io_;
  Check& check_;
  Handler handler_;
  CheckResult result_;
  bool done_ = false;
};

}  // namespace

boost::asio::awaitable<CheckResult> run_started(boost::asio::io_context& io, Check& check) {
  co_return co_await boost::asio::async_initiate<decltype(boost::asio::use_awaitable),
                                                 void(CheckResult)>(
      [&io, &check](auto handler) {
        using Handler = decltype(handler);
        (new Waiter<Handler>(io, check, std::move(handler)))->begin();
      },
      boost::asio::use_awaitable);
}

}  // namespace vigil::checkers
