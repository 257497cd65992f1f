#include "checkers/udp_check.h"

#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <utility>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "checkers/deadline.h"
#include "checkers/udp_socket.h"

namespace vigil::checkers {
namespace {

using boost::asio::as_tuple;
using boost::asio::use_awaitable;

// keepalived layer4.c UDP_BUFSIZE: the size of the default payload.
constexpr std::size_t kDefaultPayloadSize = 32;

class UdpCheckImpl final : public Check {
 public:
  UdpCheckImpl(boost::asio::io_context& io, Endpoint endpoint, config::UdpCheck udp)
      : io_(io), endpoint_(std::move(endpoint)), udp_(std::move(udp)) {
    payload_ = udp_.payload ? udp_.payload->bytes : filler_payload(kDefaultPayloadSize);
  }

  boost::asio::awaitable<CheckResult> run() override {
    const auto start = std::chrono::steady_clock::now();
    CheckResult result = co_await probe();
    result.latency = std::chrono::steady_clock::now() - start;
    co_return result;
  }

 private:
  boost::asio::awaitable<CheckResult> probe() {
    boost::asio::ip::udp::socket socket(io_);
    if (auto ec = open_udp_socket(socket, endpoint_, true)) {
      co_return CheckResult::failed("socket: " + ec.message());
    }
    // keepalived sends synchronously right after connect (udp_bind_connect); a datagram socket
    // with an empty send queue never blocks here.
    boost::system::error_code ec;
    const std::size_t sent = socket.send(boost::asio::buffer(payload_), 0, ec);
    if (ec) co_return CheckResult::failed("send: " + ec.message());
    if (sent != payload_.size()) co_return CheckResult::failed("send: short write");
    auto r = co_await with_deadline(await_reply(socket), endpoint_.connect_timeout);
    if (!r) {
      // keepalived udp_socket_state: a read timeout is a success unless a reply is required.
      if (!udp_.require_reply) co_return CheckResult::passed();
      co_return CheckResult::failed("no reply: " + timeout_after(endpoint_.connect_timeout));
    }
    co_return std::move(*r);
  }

  boost::asio::awaitable<CheckResult> await_reply(boost::asio::ip::udp::socket& socket) {
    std::vector<std::uint8_t> buffer(65536);
    while (true) {
      auto [ec, n] =
          co_await socket.async_receive(boost::asio::buffer(buffer), as_tuple(use_awaitable));
      if (!ec) {
        if (!udp_.require_reply) co_return CheckResult::passed();
        std::string why = udp_reply_mismatch(std::span(buffer.data(), n), udp_);
        if (why.empty()) co_return CheckResult::passed();
        co_return CheckResult::failed(std::move(why));
      }
      if (ec == boost::asio::error::operation_aborted) co_return CheckResult::failed("cancelled");
      // An ICMP error: with IP_RECVERR it waits on the error queue. keepalived's
      // udp_socket_error() fails the check only for destination unreachable (port, host,
      // network, ...); other ICMP errors (time exceeded, ...) leave the outcome to the timeout.
      int code = 0;
      bool queued = false;
      for (QueuedError e;
           (e = pop_queued_error(socket.native_handle(), &code)) != QueuedError::kNone;) {
        if (e == QueuedError::kDestinationUnreachable) {
          co_return CheckResult::failed("ICMP destination unreachable (code " +
                                        std::to_string(code) + "): " + ec.message());
        }
        queued = true;
      }
      if (!queued) co_return CheckResult::failed("receive: " + ec.message());
    }
  }

  boost::asio::io_context& io_;
  Endpoint endpoint_;
  config::UdpCheck udp_;
  std::vector<std::uint8_t> payload_;
};

}  // namespace

std::string udp_reply_mismatch(std::span<const std::uint8_t> reply, const config::UdpCheck& udp) {
  if (reply.size() < udp.min_reply_length || reply.size() > udp.max_reply_length) {
    return "reply length " + std::to_string(reply.size()) + " outside " +
           std::to_string(udp.min_reply_length) + ".." + std::to_string(udp.max_reply_length);
  }
  if (!udp.reply) return {};
  // keepalived compares only the lesser of the reply's and the pattern's length.
  const auto& want = *udp.reply;
  const std::size_t n = std::min(reply.size(), want.bytes.size());
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t care = want.mask.empty() ? 0xff : static_cast<std::uint8_t>(~want.mask[i]);
    if (((reply[i] ^ want.bytes[i]) & care) != 0) {
      return "reply data mismatch at octet " + std::to_string(i);
    }
  }
  return {};
}

std::unique_ptr<Check> make_udp_check(const config::Checker& checker, const config::RealServer& rs,
                                      const config::VirtualServer& /*vs*/, CheckContext& context,
                                      std::string* why) {
  const auto* udp = std::get_if<config::UdpCheck>(&checker.details);
  if (!udp) {
    if (why) *why = "not a UDP_CHECK";
    return nullptr;
  }
  return std::make_unique<UdpCheckImpl>(context.io, endpoint_of(checker, rs), *udp);
}

}  // namespace vigil::checkers
