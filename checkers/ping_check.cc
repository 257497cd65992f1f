#include "checkers/ping_check.h"

#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstring>
#include <random>
#include <utility>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/generic/raw_protocol.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "checkers/deadline.h"
#include "checkers/udp_socket.h"
#include "core/random_seed.h"

namespace vigil::checkers {
namespace {

using boost::asio::as_tuple;
using boost::asio::use_awaitable;

constexpr std::size_t kIcmpHeader = 8;
// keepalived check_ping.c ICMP_BUFSIZE: the echo request's data.
constexpr std::size_t kPayloadSize = 128;
constexpr std::uint8_t kEchoRequest4 = 8, kEchoReply4 = 0;
constexpr std::uint8_t kEchoRequest6 = 128, kEchoReply6 = 129;

std::error_code last_errno() { return {errno, std::system_category()}; }

// RFC 1071 Internet checksum. The kernel fills it in for ICMP datagram sockets and for ICMPv6;
// a raw IPv4 socket sends what we give it.
std::uint16_t internet_checksum(const std::vector<std::uint8_t>& data) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i + 1 < data.size(); i += 2) sum += (data[i] << 8) | data[i + 1];
  if (data.size() % 2) sum += data.back() << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

std::uint16_t next_sequence() {
  // keepalived: one static seq_no shared by all ping checks.
  static std::atomic<std::uint16_t> seq{0};
  return seq++;
}

class PingCheckImpl final : public Check {
 public:
  PingCheckImpl(boost::asio::io_context& io, Endpoint endpoint)
      : io_(io), endpoint_(std::move(endpoint)) {}

  boost::asio::awaitable<CheckResult> run() override {
    const auto start = std::chrono::steady_clock::now();
    CheckResult result = co_await probe();
    result.latency = std::chrono::steady_clock::now() - start;
    co_return result;
  }

 private:
  struct Probe {
    bool raw = false;
    std::uint16_t id = 0;
    std::uint16_t sequence = 0;
  };

  boost::asio::awaitable<CheckResult> probe() {
    const bool v6 = endpoint_.address.is_v6();
    const int family = v6 ? AF_INET6 : AF_INET;
    const int protocol = v6 ? int{IPPROTO_ICMPV6} : int{IPPROTO_ICMP};
    Probe p;
    int fd = ::socket(family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, protocol);
    if (fd < 0 && (errno == EACCES || errno == EPERM)) {
      // Our group is outside net.ipv4.ping_group_range: a raw socket needs CAP_NET_RAW.
      fd = ::socket(family, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, protocol);
      p.raw = true;
    }
    if (fd < 0) co_return CheckResult::failed("socket: " + last_errno().message());
    boost::asio::generic::raw_protocol::socket socket(io_);
    boost::system::error_code ec;
    socket.assign(boost::asio::generic::raw_protocol(family, protocol), fd, ec);
    if (ec) {
      ::close(fd);
      co_return CheckResult::failed("socket: " + ec.message());
    }
    if (auto e = prepare(fd)) co_return CheckResult::failed("socket: " + e.message());

    static std::mt19937 engine{core::random_seed()};
    p.id = static_cast<std::uint16_t>(engine() & 0xffff);  // a datagram socket uses its own
    p.sequence = next_sequence();
    std::vector<std::uint8_t> packet(kIcmpHeader);
    packet[0] = v6 ? kEchoRequest6 : kEchoRequest4;
    packet[4] = static_cast<std::uint8_t>(p.id >> 8);
    packet[5] = static_cast<std::uint8_t>(p.id & 0xff);
    packet[6] = static_cast<std::uint8_t>(p.sequence >> 8);
    packet[7] = static_cast<std::uint8_t>(p.sequence & 0xff);
    const auto body = filler_payload(kPayloadSize);
    packet.insert(packet.end(), body.begin(), body.end());
    if (!v6) {
      const std::uint16_t sum = internet_checksum(packet);
      packet[2] = static_cast<std::uint8_t>(sum >> 8);
      packet[3] = static_cast<std::uint8_t>(sum & 0xff);
    }
    const boost::asio::ip::udp::endpoint to(endpoint_.address, 0);
    if (::sendto(fd, packet.data(), packet.size(), 0, to.data(),
                 static_cast<socklen_t>(to.size())) < 0) {
      co_return CheckResult::failed("send: " + last_errno().message());
    }
    auto r = co_await with_deadline(await_reply(socket, p), endpoint_.connect_timeout);
    if (!r) co_return CheckResult::failed(timeout_after(endpoint_.connect_timeout));
    co_return std::move(*r);
  }

  std::error_code prepare(int fd) {
    if (endpoint_.fwmark != 0) {
      const std::uint32_t mark = endpoint_.fwmark;
      if (::setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) != 0) return last_errno();
    }
    if (!endpoint_.bind_interface.empty()) {
      if (::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, endpoint_.bind_interface.c_str(),
                       static_cast<socklen_t>(endpoint_.bind_interface.size() + 1)) != 0) {
        return last_errno();
      }
    }
    if (endpoint_.bind_address) {
      const boost::asio::ip::udp::endpoint local(*endpoint_.bind_address, 0);
      if (::bind(fd, local.data(), static_cast<socklen_t>(local.size())) != 0) {
        return last_errno();
      }
    }
    return {};
  }

  boost::asio::awaitable<CheckResult> await_reply(
      boost::asio::generic::raw_protocol::socket& socket, const Probe& p) {
    const bool v6 = endpoint_.address.is_v6();
    std::array<std::uint8_t, 1024> buffer{};
    while (true) {
      auto [ec] =
          co_await socket.async_wait(boost::asio::socket_base::wait_read, as_tuple(use_awaitable));
      if (ec) co_return CheckResult::failed("receive: " + ec.message());
      boost::asio::ip::udp::endpoint from;
      socklen_t from_len = static_cast<socklen_t>(from.capacity());
      const ssize_t n = ::recvfrom(socket.native_handle(), buffer.data(), buffer.size(),
                                   MSG_DONTWAIT, from.data(), &from_len);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
        co_return CheckResult::failed("receive: " + last_errno().message());
      }
      std::size_t offset = 0;
      if (p.raw && !v6) {
        // A raw IPv4 socket hands over the IP header too.
        if (n < 1) continue;
        offset = static_cast<std::size_t>(buffer[0] & 0x0f) * 4;
      }
      if (static_cast<std::size_t>(n) < offset + kIcmpHeader) {
        // keepalived: "got short ICMP packet" fails the check.
        if (!p.raw) co_return CheckResult::failed("short ICMP packet");
        continue;
      }
      const std::uint8_t type = buffer[offset];
      const std::uint8_t reply_type = v6 ? kEchoReply6 : kEchoReply4;
      if (p.raw) {
        // A raw socket sees every ICMP message of the host (our own request on loopback too):
        // only our reply counts, as the kernel does for a datagram socket.
        from.resize(from_len);
        const std::uint16_t id =
            static_cast<std::uint16_t>((buffer[offset + 4] << 8) | buffer[offset + 5]);
        const std::uint16_t seq =
            static_cast<std::uint16_t>((buffer[offset + 6] << 8) | buffer[offset + 7]);
        if (type != reply_type || id != p.id || seq != p.sequence ||
            from.address() != endpoint_.address) {
          continue;
        }
        co_return CheckResult::passed();
      }
      // keepalived recv_it / recv6_it: the first message decides.
      if (type != reply_type) co_return CheckResult::failed("ICMP type " + std::to_string(type));
      co_return CheckResult::passed();
    }
  }

  boost::asio::io_context& io_;
  Endpoint endpoint_;
};

}  // namespace

std::unique_ptr<Check> make_ping_check(const config::Checker& checker, const config::RealServer& rs,
                                       const config::VirtualServer& /*vs*/, CheckContext& context,
                                       std::string* why) {
  if (!std::holds_alternative<config::PingCheck>(checker.details)) {
    if (why) *why = "not a PING_CHECK";
    return nullptr;
  }
  return std::make_unique<PingCheckImpl>(context.io, endpoint_of(checker, rs));
}

}  // namespace vigil::checkers
