#include "vrrp/raw_socket.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>

#include <spdlog/spdlog.h>

#include "core/logging.h"

namespace vigil::vrrp {
namespace {

spdlog::logger& log() {
  static const std::shared_ptr<spdlog::logger> logger = core::logger("vrrp");
  return *logger;
}

std::error_code last_error() { return {errno, std::system_category()}; }

template <class T>
bool set_option(int fd, int level, int name, const T& value, std::error_code& error) {
  if (setsockopt(fd, level, name, &value, sizeof(value)) == 0) return true;
  error = last_error();
  return false;
}

bool join_group(int fd, int ifindex, const core::IpAddress& group, std::error_code& error) {
  if (group.is_v4()) {
    ip_mreqn mreq{};
    mreq.imr_multiaddr.s_addr = htonl(group.to_v4().to_uint());
    mreq.imr_ifindex = ifindex;
    return set_option(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, mreq, error);
  }
  ipv6_mreq mreq{};
  const auto bytes = group.to_v6().to_bytes();
  std::memcpy(&mreq.ipv6mr_multiaddr, bytes.data(), bytes.size());
  mreq.ipv6mr_interface = static_cast<unsigned>(ifindex);
  return set_option(fd, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, mreq, error);
}

bool configure_ipv4(int fd, const RawSocketOptions& o, std::error_code& error) {
  const int on = 1;
  const int off = 0;
  // We build the IP header ourselves (TOS 0xc0, TTL, ID, AH) as keepalived does.
  if (!set_option(fd, IPPROTO_IP, IP_HDRINCL, on, error)) return false;
  // Our own multicast adverts must not come back to us.
  if (!set_option(fd, IPPROTO_IP, IP_MULTICAST_LOOP, static_cast<unsigned char>(off), error)) {
    return false;
  }
  if (o.ifindex != 0) {
    ip_mreqn mreq{};
    mreq.imr_ifindex = o.ifindex;
    if (!set_option(fd, IPPROTO_IP, IP_MULTICAST_IF, mreq, error)) return false;
  }
  for (const auto& group : o.multicast_groups) {
    if (!join_group(fd, o.ifindex, group, error)) return false;
  }
  return true;
}

bool configure_ipv6(int fd, const RawSocketOptions& o, std::error_code& error) {
  const int on = 1;
  const int off = 0;
  const int hops = 255;
  if (!set_option(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, on, error)) return false;
  if (!set_option(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, on, error)) return false;
  if (!set_option(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, off, error)) return false;
  // RFC 5798 5.1.2.3: Hop Limit 255.
  if (!set_option(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, hops, error)) return false;
  if (!set_option(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, hops, error)) return false;
  // keepalived sends with traffic class 0xc0 (network control), like the IPv4 TOS.
  const int tclass = 0xc0;
  if (!set_option(fd, IPPROTO_IPV6, IPV6_TCLASS, tclass, error)) return false;
  if (o.ifindex != 0) {
    if (!set_option(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, o.ifindex, error)) return false;
  }
  for (const auto& group : o.multicast_groups) {
    if (!join_group(fd, o.ifindex, group, error)) return false;
  }
  return true;
}

core::IpAddress from_in6(const in6_addr& a) {
  boost::asio::ip::address_v6::bytes_type b;
  std::memcpy(b.data(), &a, b.size());
  return boost::asio::ip::address_v6(b);
}

}  // namespace

core::TimePoint received_on_steady_clock(std::chrono::system_clock::time_point realtime_received,
                                         std::chrono::system_clock::time_point realtime_now,
                                         core::TimePoint steady_now) {
  const auto age =
      std::max(realtime_now - realtime_received, std::chrono::system_clock::duration::zero());
  return steady_now - std::chrono::duration_cast<core::Duration>(age);
}

std::unique_ptr<RawSocket> RawSocket::open(boost::asio::io_context& io,
                                           const RawSocketOptions& options,
                                           std::error_code& error) {
  const int domain = options.family == core::Family::kIPv4 ? AF_INET : AF_INET6;
  const int fd = ::socket(domain, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, options.protocol);
  if (fd < 0) {
    error = last_error();
    return nullptr;
  }
  auto fail = [&] {
    ::close(fd);
    return nullptr;
  };
  if (!options.interface.empty() &&
      setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, options.interface.c_str(),
                 static_cast<socklen_t>(options.interface.size())) != 0) {
    error = last_error();
    return fail();
  }
  // Kernel receive timestamps: the Master_Down_Timer runs from the advert's arrival.
  const int on = 1;
  if (!set_option(fd, SOL_SOCKET, SO_TIMESTAMPNS, on, error)) return fail();
  if (options.receive_buffer > 0 &&
      !set_option(fd, SOL_SOCKET, SO_RCVBUF, options.receive_buffer, error)) {
    return fail();
  }
  const bool ok = options.family == core::Family::kIPv4 ? configure_ipv4(fd, options, error)
                                                        : configure_ipv6(fd, options, error);
  if (!ok) return fail();
  return std::unique_ptr<RawSocket>(new RawSocket(io, fd, options));
}

RawSocket::RawSocket(boost::asio::io_context& io, int fd, RawSocketOptions options)
    : descriptor_(io, fd), options_(std::move(options)), buffer_(65536) {}

RawSocket::~RawSocket() { close(); }

void RawSocket::close() {
  boost::system::error_code ignored;
  descriptor_.close(ignored);
}

bool RawSocket::join(const core::IpAddress& group, std::error_code& error) {
  auto& groups = options_.multicast_groups;
  if (std::find(groups.begin(), groups.end(), group) != groups.end()) return true;
  if (!join_group(descriptor_.native_handle(), options_.ifindex, group, error)) return false;
  groups.push_back(group);
  return true;
}

void RawSocket::start(Handler handler) {
  handler_ = std::move(handler);
  wait();
}

void RawSocket::wait() {
  descriptor_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                         [this](const boost::system::error_code& ec) {
                           if (ec == boost::asio::error::operation_aborted) return;
                           if (ec) {
                             ++receive_errors_;
                             log().warn("VRRP socket on {}: {}", options_.interface, ec.message());
                           }
                           drain();
                           if (descriptor_.is_open()) wait();
                         });
}

void RawSocket::drain() {
  const int fd = descriptor_.native_handle();
  // Bounded: a flood cannot starve the loop; the rest is read on the next wakeup.
  for (int i = 0; i < 64; ++i) {
    sockaddr_storage from{};
    iovec iov{buffer_.data(), buffer_.size()};
    alignas(cmsghdr) char control[256];
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof(from);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    const ssize_t n = ::recvmsg(fd, &msg, 0);
    if (n < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) ++receive_errors_;
      return;
    }
    if (msg.msg_flags & MSG_TRUNC) {
      ++receive_errors_;
      continue;
    }
    ReceivedPacket packet;
    packet.bytes = std::span<const std::uint8_t>(buffer_.data(), static_cast<std::size_t>(n));
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS) continue;
      timespec ts;
      std::memcpy(&ts, CMSG_DATA(c), sizeof(ts));
      const std::chrono::system_clock::time_point received{
          std::chrono::duration_cast<std::chrono::system_clock::duration>(
              std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec))};
      packet.received_at = received_on_steady_clock(received, std::chrono::system_clock::now(),
                                                    std::chrono::steady_clock::now());
    }
    if (options_.family == core::Family::kIPv4) {
      if (from.ss_family != AF_INET) continue;
      const auto* sin = reinterpret_cast<const sockaddr_in*>(&from);
      packet.source = boost::asio::ip::address_v4(ntohl(sin->sin_addr.s_addr));
      packet.ifindex = options_.ifindex;
    } else {
      if (from.ss_family != AF_INET6) continue;
      packet.source = from_in6(reinterpret_cast<const sockaddr_in6*>(&from)->sin6_addr);
      for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != IPPROTO_IPV6) continue;
        if (c->cmsg_type == IPV6_PKTINFO) {
          in6_pktinfo info;
          std::memcpy(&info, CMSG_DATA(c), sizeof(info));
          packet.destination = from_in6(info.ipi6_addr);
          packet.ifindex = static_cast<int>(info.ipi6_ifindex);
        } else if (c->cmsg_type == IPV6_HOPLIMIT) {
          int hops = 0;
          std::memcpy(&hops, CMSG_DATA(c), sizeof(hops));
          packet.hop_limit = static_cast<std::uint8_t>(hops);
        }
      }
    }
    if (handler_) handler_(packet);
  }
}

std::error_code RawSocket::send(std::span<const std::uint8_t> bytes, const core::IpAddress& source,
                                const core::IpAddress& destination, std::uint8_t hop_limit) {
  const int fd = descriptor_.native_handle();
  ssize_t n = -1;
  if (options_.family == core::Family::kIPv4) {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(destination.to_v4().to_uint());
    n = ::sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&to),
                 sizeof(to));
  } else {
    sockaddr_in6 to{};
    to.sin6_family = AF_INET6;
    const auto dst = destination.to_v6().to_bytes();
    std::memcpy(&to.sin6_addr, dst.data(), dst.size());
    if (destination.to_v6().is_link_local() || destination.to_v6().is_multicast_link_local()) {
      to.sin6_scope_id = static_cast<std::uint32_t>(options_.ifindex);
    }
    iovec iov{const_cast<std::uint8_t*>(bytes.data()), bytes.size()};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in6_pktinfo)) + CMSG_SPACE(sizeof(int))]{};
    msghdr msg{};
    msg.msg_name = &to;
    msg.msg_namelen = sizeof(to);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = IPPROTO_IPV6;
    c->cmsg_type = IPV6_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof(in6_pktinfo));
    in6_pktinfo info{};
    const auto src = source.to_v6().to_bytes();
    std::memcpy(&info.ipi6_addr, src.data(), src.size());
    info.ipi6_ifindex = static_cast<unsigned>(options_.ifindex);
    std::memcpy(CMSG_DATA(c), &info, sizeof(info));
    c = CMSG_NXTHDR(&msg, c);
    c->cmsg_level = IPPROTO_IPV6;
    c->cmsg_type = IPV6_HOPLIMIT;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    const int hops = hop_limit;
    std::memcpy(CMSG_DATA(c), &hops, sizeof(hops));
    n = ::sendmsg(fd, &msg, 0);
  }
  if (n < 0) {
    ++send_errors_;
    return last_error();
  }
  return {};
}

}  // namespace vigil::vrrp
