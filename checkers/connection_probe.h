#pragma once

// The probe of a connection-based check that runs as plain Asio callbacks rather than a
// coroutine (TCP_CHECK, HTTP_GET over plain HTTP): these are the checks a director runs by the
// thousand every second, so a probe must cost the kernel's TCP work and little else. Its state
// (the socket object, the deadline timer, the HTTP parser, the MD5 context, the read buffer) is
// allocated once per checker and reused by every probe; a probe allocates no coroutine frame,
// no timer per step and, when it passes, no string.
//
// Time limits as connect_endpoint() and http_fetch() apply them: the connect, the request write
// and every read each within connect_timeout. One steady_timer per checker serves them all and
// is re-aimed lazily: a step that ends before the limit leaves the wait pending, and the next
// step's later deadline is only recorded (the wait, when it fires, waits again for the rest).
// So a healthy checker costs one timer wake-up per connect_timeout, not an arm and a cancel per
// step.
//
// The connection is ended with a TCP reset once the verdict is in, where keepalived closes it
// normally, and the socket is kept for the next probe: see docs/checkers.md ("How a probe
// closes its connection").

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "checkers/check.h"
#include "checkers/connect.h"

namespace vigil::checkers {

class ConnectionProbe : public std::enable_shared_from_this<ConnectionProbe> {
 public:
  ConnectionProbe(boost::asio::io_context& io, Endpoint endpoint);
  virtual ~ConnectionProbe() = default;
  ConnectionProbe(const ConnectionProbe&) = delete;
  ConnectionProbe& operator=(const ConnectionProbe&) = delete;

  // Starts a probe; `sink` gets its verdict once, never from within start(). At most one probe
  // runs at a time (the manager's rule).
  void start(ProbeSink& sink);
  // Stops the probe in flight, if any: its sink is never called.
  void cancel();

  const Endpoint& endpoint() const { return endpoint_; }

 protected:
  // The probe begins (connect() is the usual first step).
  virtual void begin() = 0;
  // connect()'s outcome; with a request, the outcome of the connect and of the request's send.
  virtual void connected(const StepOutcome& outcome) = 0;

  // Opens the socket (prepare_socket) and connects within connect_timeout. With a `request`
  // (a protocol whose client speaks first), the request is sent as soon as the connection is
  // up, under the same limit: a speculative send that waits for writability only if the
  // handshake has not ended, and that reports a failed connect as its own error. This spares the
  // wait's epoll_ctl(MOD) and the SO_ERROR read of a plain connect. `request` must outlive the
  // probe's step.
  void connect(std::string_view request = {});
  // For a protocol whose client speaks first (HTTP): the kernel holds back the handshake's last
  // ACK (TCP_DEFER_ACCEPT on the connecting socket) so that the request carries it, one packet
  // less per probe for both ends. connect() still completes on the SYN-ACK, as before. Not for
  // TCP_CHECK: a handshake it never completes would not fill a hung server's accept queue,
  // which is how a plain connect check notices a server that no longer accepts.
  void set_request_carries_ack() { request_carries_ack_ = true; }
  // The verdict: the connection is closed (reset) and the sink called.
  void finish(CheckResult result);
  // Ends the connection with a reset, keeping the socket for the next one (e.g. between urls).
  void close();

  // A step (an asynchronous operation on socket_) begins / has ended; end_step() says whether
  // the limit passed first (the operation was cancelled).
  void begin_step();
  bool end_step();

  // A completion handler for an operation of the current probe: runs `f(this, args...)` unless
  // the probe was cancelled meanwhile. Holds the state alive while the operation is pending.
  template <typename F>
  auto bind(F f) {
    return [self = shared_from_this(), probe = probe_, f](auto&&... args) {
      if (probe != self->probe_ || self->sink_ == nullptr) return;
      f(self.get(), std::forward<decltype(args)>(args)...);
    };
  }

  boost::asio::io_context& io_;
  Endpoint endpoint_;
  bool request_carries_ack_ = false;
  boost::asio::ip::tcp::socket socket_;

 private:
  void wait_deadline();
  void report_connect(const StepOutcome& outcome);  // from the loop, never from start()

  boost::asio::steady_timer timer_;
  std::chrono::steady_clock::time_point deadline_{};
  std::chrono::steady_clock::time_point started_{};
  ProbeSink* sink_ = nullptr;
  std::uint64_t probe_ = 0;  // generation: completions of an earlier probe are ignored
  std::uint64_t wait_ = 0;   // generation of the timer's pending wait
  bool waiting_ = false;     // the timer has a wait pending
  bool in_step_ = false;     // an operation on socket_ is pending under the limit
  bool timed_out_ = false;   // the limit passed while it was
  bool attempted_ = false;   // connect(2) was called since the last disconnect
};

// Check::run() of a check that implements start(): one probe through the callbacks, awaited.
// Cancelling the awaiting coroutine cancels the probe (it then ends "cancelled").
boost::asio::awaitable<CheckResult> run_started(boost::asio::io_context& io, Check& check);

}  // namespace vigil::checkers
