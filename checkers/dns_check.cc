#include "checkers/dns_check.h"

#include <array>
#include <chrono>
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "checkers/deadline.h"
#include "checkers/dns_message.h"
#include "checkers/udp_socket.h"
#include "core/random_seed.h"

namespace vigil::checkers {
namespace {

using boost::asio::as_tuple;
using boost::asio::use_awaitable;

// keepalived: header->id = htons(random()). Unpredictable enough that a stray or forged reply
// for an earlier probe is ignored; not a security boundary.
std::uint16_t random_id() {
  static std::mt19937 engine{core::random_seed()};
  return static_cast<std::uint16_t>(engine() & 0xffff);
}

std::string rcode_name(unsigned rcode) {
  static constexpr const char* kNames[] = {"NOERROR",  "FORMERR", "SERVFAIL",
                                           "NXDOMAIN", "NOTIMP",  "REFUSED"};
  std::string s = "rcode " + std::to_string(rcode);
  if (rcode < std::size(kNames)) s += std::string(" (") + kNames[rcode] + ")";
  return s;
}

class DnsCheckImpl final : public Check {
 public:
  DnsCheckImpl(boost::asio::io_context& io, Endpoint endpoint, std::string name, std::uint16_t type)
      : io_(io), endpoint_(std::move(endpoint)), name_(std::move(name)), type_(type) {}

  boost::asio::awaitable<CheckResult> run() override {
    const auto start = std::chrono::steady_clock::now();
    CheckResult result = co_await probe();
    result.latency = std::chrono::steady_clock::now() - start;
    co_return result;
  }

 private:
  boost::asio::awaitable<CheckResult> probe() {
    boost::asio::ip::udp::socket socket(io_);
    if (auto ec = open_udp_socket(socket, endpoint_, false)) {
      co_return CheckResult::failed("socket: " + ec.message());
    }
    const std::uint16_t id = random_id();
    auto query = dns::encode_query(id, name_, type_);
    if (!query) co_return CheckResult::failed("cannot encode name '" + name_ + "'");
    auto r =
        co_await with_deadline(exchange(socket, id, std::move(*query)), endpoint_.connect_timeout);
    if (!r) co_return CheckResult::failed(timeout_after(endpoint_.connect_timeout));
    co_return std::move(*r);
  }

  boost::asio::awaitable<CheckResult> exchange(boost::asio::ip::udp::socket& socket,
                                               std::uint16_t id, std::vector<std::uint8_t> query) {
    auto [send_ec, sent] =
        co_await socket.async_send(boost::asio::buffer(query), as_tuple(use_awaitable));
    if (send_ec) co_return CheckResult::failed("send: " + send_ec.message());
    if (sent != query.size()) co_return CheckResult::failed("send: short write");
    std::array<std::uint8_t, 512> buffer{};
    while (true) {
      auto [ec, n] =
          co_await socket.async_receive(boost::asio::buffer(buffer), as_tuple(use_awaitable));
      // A connected UDP socket reports ICMP port unreachable as ECONNREFUSED (keepalived:
      // "failed to read socket").
      if (ec) co_return CheckResult::failed("receive: " + ec.message());
      const dns::Reply reply = dns::judge_reply(id, std::span(buffer.data(), n));
      switch (reply.verdict) {
        case dns::ReplyVerdict::kIgnore:
          continue;  // not our reply: keep waiting (keepalived re-arms the read)
        case dns::ReplyVerdict::kPass:
          co_return CheckResult::passed();
        case dns::ReplyVerdict::kFail:
          co_return CheckResult::failed(rcode_name(reply.rcode));
      }
    }
  }

  boost::asio::io_context& io_;
  Endpoint endpoint_;
  std::string name_;
  std::uint16_t type_;
};

}  // namespace

std::unique_ptr<Check> make_dns_check(const config::Checker& checker, const config::RealServer& rs,
                                      const config::VirtualServer& /*vs*/, CheckContext& context,
                                      std::string* why) {
  const auto* dns_config = std::get_if<config::DnsCheck>(&checker.details);
  if (!dns_config) {
    if (why) *why = "not a DNS_CHECK";
    return nullptr;
  }
  const std::uint16_t type = dns::type_code(dns_config->type);
  if (!dns::encode_query(0, dns_config->name, type)) {
    if (why) *why = "DNS name '" + dns_config->name + "' cannot be encoded";
    return nullptr;
  }
  Endpoint endpoint = endpoint_of(checker, rs);
  // keepalived has no DNS default port: it queries connect_port, else the real server's port.
  // Port 0 (a fwmark virtual server without ports) can only mean the DNS port.
  if (endpoint.port == 0) endpoint.port = 53;
  return std::make_unique<DnsCheckImpl>(context.io, std::move(endpoint), dns_config->name, type);
}

}  // namespace vigil::checkers
