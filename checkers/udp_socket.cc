#include "checkers/udp_socket.h"

#include <linux/errqueue.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <sys/socket.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "checkers/connect.h"
namespace vigil::checkers {
namespace {

std::error_code last_errno() { return {errno, std::system_category()}; }

}  // namespace

std::error_code open_udp_socket(boost::asio::ip::udp::socket& socket, const Endpoint& endpoint,
                                bool receive_errors) {
  namespace ip = boost::asio::ip;
  boost::system::error_code ec;
  if (socket.is_open()) socket.close(ec);
  const bool v6 = endpoint.address.is_v6();
  socket.open(v6 ? ip::udp::v6() : ip::udp::v4(), ec);
  if (ec) return ec;
  // A full send buffer must fail the probe, never block the event loop.
  socket.non_blocking(true, ec);
  if (ec) return ec;
  const int fd = socket.native_handle();
  if (receive_errors) {
    const int on = 1;
    // Not fatal: keepalived only logs it; port unreachable still arrives on a connected socket.
    if (v6) {
      ::setsockopt(fd, SOL_IPV6, IPV6_RECVERR, &on, sizeof on);
    } else {
      ::setsockopt(fd, SOL_IP, IP_RECVERR, &on, sizeof on);
    }
  }
  if (endpoint.fwmark != 0) {
    const std::uint32_t mark = endpoint.fwmark;
    if (::setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) != 0) return last_errno();
  }
  if (!endpoint.bind_interface.empty()) {
    if (::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, endpoint.bind_interface.c_str(),
                     static_cast<socklen_t>(endpoint.bind_interface.size() + 1)) != 0) {
      return last_errno();
    }
  }
  if (endpoint.bind_address || endpoint.bind_port != 0) {
    const ip::address local = endpoint.bind_address.value_or(
        v6 ? ip::address(ip::address_v6::any()) : ip::address(ip::address_v4::any()));
    socket.bind(ip::udp::endpoint(local, endpoint.bind_port), ec);
    if (ec) return ec;
  }
  socket.connect(ip::udp::endpoint(endpoint.address, endpoint.port), ec);
  return ec;
}

std::string timeout_after(core::Duration limit) {
  return "timeout after " + format_duration(limit);
}

std::vector<std::uint8_t> filler_payload(std::size_t size) {
  constexpr std::string_view kText = "keepalived check - ";
  std::vector<std::uint8_t> out(size);
  for (std::size_t i = 0; i < size; ++i) {
    out[i] = static_cast<std::uint8_t>(kText[i % kText.size()]);
  }
  return out;
}

QueuedError pop_queued_error(int fd, int* icmp_code) {
  std::array<std::uint8_t, 512> data{};
  alignas(struct cmsghdr) std::array<char, 1024> control{};
  sockaddr_storage from{};
  iovec iov{data.data(), data.size()};
  msghdr msg{};
  msg.msg_name = &from;
  msg.msg_namelen = sizeof from;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.data();
  msg.msg_controllen = control.size();
  if (::recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) return QueuedError::kNone;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    const bool v4 = c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR;
    const bool v6 = c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR;
    if (!v4 && !v6) continue;
    sock_extended_err err{};
    std::memcpy(&err, CMSG_DATA(c), sizeof err);
    if ((v4 && err.ee_origin == SO_EE_ORIGIN_ICMP && err.ee_type == ICMP_DEST_UNREACH) ||
        (v6 && err.ee_origin == SO_EE_ORIGIN_ICMP6 && err.ee_type == ICMP6_DST_UNREACH)) {
      if (icmp_code) *icmp_code = err.ee_code;
      return QueuedError::kDestinationUnreachable;
    }
  }
  return QueuedError::kOther;
}

}  // namespace vigil::checkers
