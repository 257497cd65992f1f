#include "vrrp/raw_socket.h"

#include <arpa/inet.h>
#include <linux/filter.h>
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
#include <boost/asio/post.hpp>

#include "core/logging.h"
#include "vrrp/auth_ah.h"

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

bool is_priority_zero_advert(std::span<const std::uint8_t> bytes, core::Family family,
                             std::uint8_t protocol) {
  std::size_t vrrp = 0;
  if (family == core::Family::kIPv4) {
    if (bytes.empty()) return false;
    vrrp = 4 * (bytes[0] & 0x0fu);  // BPF_MSH: the IP header length
    if (protocol == kIpProtoAh) {
      if (bytes.size() <= vrrp + 1) return false;
      vrrp += (std::size_t{bytes[vrrp + 1]} + 2) * 4;  // RFC 4302 2.2: AH length - 2, in words
    }
  }
  return bytes.size() > vrrp + 2 && bytes[vrrp + 2] == 0;
}

namespace {

// The urgent socket's filter: the same test as is_priority_zero_advert, in classic BPF. A load
// beyond the packet ends the program with 0 (drop), which is the "too short to say" case. IPv4
// raw sockets filter from the IP header, IPv6 ones from the transport header (the VRRP message).
std::vector<sock_filter> priority_zero_filter(core::Family family, std::uint8_t protocol) {
  constexpr std::uint32_t kAccept = 0xffffffff;
  std::vector<sock_filter> f;
  if (family == core::Family::kIPv6) {
    f.push_back(BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 2));
  } else {
    f.push_back(BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0));  // X = IP header length
    if (protocol == kIpProtoAh) {
      f.push_back(BPF_STMT(BPF_LD | BPF_B | BPF_IND, 1));  // AH payload length
      f.push_back(BPF_STMT(BPF_ALU | BPF_ADD | BPF_K, 2));
      f.push_back(BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 2));
      f.push_back(BPF_STMT(BPF_ALU | BPF_ADD | BPF_X, 0));
      f.push_back(BPF_STMT(BPF_MISC | BPF_TAX, 0));  // X = IP + AH header length
    }
    f.push_back(BPF_STMT(BPF_LD | BPF_B | BPF_IND, 2));
  }
  f.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1));
  f.push_back(BPF_STMT(BPF_RET | BPF_K, kAccept));
  f.push_back(BPF_STMT(BPF_RET | BPF_K, 0));
  return f;
}

// A socket bound and configured for `options` (device, timestamps, groups), or -1 with `error`.
int open_configured(const RawSocketOptions& options, std::error_code& error) {
  const int domain = options.family == core::Family::kIPv4 ? AF_INET : AF_INET6;
  const int fd = ::socket(domain, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, options.protocol);
  if (fd < 0) {
    error = last_error();
    return -1;
  }
  auto fail = [&] {
    ::close(fd);
    return -1;
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
  const bool ok = options.family == core::Family::kIPv4 ? configure_ipv4(fd, options, error)
                                                        : configure_ipv6(fd, options, error);
  if (!ok) return fail();
  return fd;
}

// The priority 0 socket, or -1 if the kernel refuses the filter (reading then stays immediate).
int open_urgent(const RawSocketOptions& options) {
  std::error_code error;
  const int fd = open_configured(options, error);
  if (fd < 0) return -1;
  std::vector<sock_filter> filter = priority_zero_filter(options.family, options.protocol);
  sock_fprog program{static_cast<unsigned short>(filter.size()), filter.data()};
  if (!set_option(fd, SOL_SOCKET, SO_ATTACH_FILTER, program, error)) {
    log().warn("VRRP socket on {}: no priority 0 filter ({}); reading every advert at once",
               options.interface, error.message());
    ::close(fd);
    return -1;
  }
  // Whatever arrived before the filter was attached went through unfiltered.
  std::uint8_t scratch[64];
  while (::recv(fd, scratch, sizeof(scratch), MSG_DONTWAIT) >= 0) {
  }
  return fd;
}

constexpr std::size_t kBatchSlots = 16;
constexpr std::size_t kUrgentSlots = 4;
// Packets handed over per drain at most: a flood cannot starve the loop; the rest follows at
// once, after the other handlers.
constexpr std::size_t kDrainBudget = 1024;
// The receive buffer one small packet takes in the kernel, skb overhead included (generous).
constexpr double kPacketTruesize = 2304;
constexpr double kBufferedSeconds = 4;
constexpr int kMaxAutoBuffer = 4 << 20;
constexpr core::Duration kMinPeriod = std::chrono::milliseconds(10);
constexpr core::Duration kMaxPeriod = std::chrono::seconds(10);

int receive_buffer_size(int fd) {
  int value = 0;
  socklen_t len = sizeof(value);
  if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &value, &len) != 0) return 0;
  return value;
}

}  // namespace

// One recvmmsg's worth of packets and their ancillary data. The buffer is left uninitialised, so
// only the pages packets land in become resident.
struct RawSocket::Batch {
  struct Control {
    alignas(cmsghdr) char bytes[256];
  };
  Batch(std::size_t slots, std::size_t slot_size)
      : slot_size(slot_size),
        data(new std::uint8_t[slots * slot_size]),
        headers(slots),
        iov(slots),
        names(slots),
        controls(slots),
        packets(slots),
        valid(slots) {
    for (std::size_t i = 0; i < slots; ++i) iov[i] = {data.get() + i * slot_size, slot_size};
  }
  std::size_t slots() const { return headers.size(); }

  std::size_t slot_size;
  std::unique_ptr<std::uint8_t[]> data;
  std::vector<mmsghdr> headers;
  std::vector<iovec> iov;
  std::vector<sockaddr_storage> names;
  std::vector<Control> controls;
  std::vector<ReceivedPacket> packets;
  std::vector<bool> valid;
  std::size_t count = 0;
  std::size_t next = 0;  // the next one to hand over
};

std::unique_ptr<RawSocket> RawSocket::open(boost::asio::io_context& io,
                                           const RawSocketOptions& options,
                                           std::error_code& error) {
  const int fd = open_configured(options, error);
  if (fd < 0) return nullptr;
  if (options.receive_buffer > 0 &&
      !set_option(fd, SOL_SOCKET, SO_RCVBUF, options.receive_buffer, error)) {
    ::close(fd);
    return nullptr;
  }
  // The kernel's count of packets dropped on a full queue, with every packet.
  const int on = 1;
  std::error_code ignored;
  set_option(fd, SOL_SOCKET, SO_RXQ_OVFL, on, ignored);
  return std::unique_ptr<RawSocket>(new RawSocket(io, fd, open_urgent(options), options));
}

RawSocket::RawSocket(boost::asio::io_context& io, int fd, int urgent_fd, RawSocketOptions options)
    : io_(io), fd_(fd), descriptor_(io), urgent_(io), safety_(io), options_(std::move(options)) {
  // The largest VRRP packet: IPv4 with 255 addresses, IP options and AH is under 1.2 kB; IPv6
  // with 255 addresses is 4 088 bytes.
  const std::size_t slot = options_.family == core::Family::kIPv4 ? 2048 : 4096 + 64;
  batch_ = std::make_unique<Batch>(kBatchSlots, slot);
  if (urgent_fd >= 0) {
    urgent_.assign(urgent_fd);
    urgent_batch_ = std::make_unique<Batch>(kUrgentSlots, slot);
  }
}

RawSocket::~RawSocket() {
  *alive_ = false;
  close();
}

void RawSocket::close() {
  boost::system::error_code ignored;
  if (descriptor_.is_open()) descriptor_.release();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  waiting_ = false;
  urgent_.close(ignored);
  safety_.cancel();
}

bool RawSocket::join(const core::IpAddress& group, std::error_code& error) {
  auto& groups = options_.multicast_groups;
  if (std::find(groups.begin(), groups.end(), group) != groups.end()) return true;
  if (!join_group(fd_, options_.ifindex, group, error)) return false;
  if (urgent_.is_open() && !join_group(urgent_.native_handle(), options_.ifindex, group, error)) {
    return false;
  }
  groups.push_back(group);
  return true;
}

void RawSocket::start(Handler handler) {
  handler_ = std::move(handler);
  started_ = true;
  if (urgent_.is_open()) wait_urgent();
  if (deferred_) {
    arm_safety_drain();
  } else {
    wait();
  }
}

void RawSocket::set_deferred(bool deferred) {
  deferred_ = deferred && can_defer();
  if (!started_) return;
  if (deferred_) {
    // Out of the reactor altogether: asio registers descriptors edge-triggered, so every
    // arriving packet would still wake epoll_wait, with no operation to run.
    if (descriptor_.is_open()) {
      descriptor_.release();  // the pending wait completes as aborted
      waiting_ = false;
    }
    arm_safety_drain();
  } else if (!waiting_) {
    wait();  // completes at once if adverts are queued
  }
}

void RawSocket::set_expected_rate(double adverts_per_second) {
  if (adverts_per_second == rate_) return;
  rate_ = adverts_per_second;
  const int fd = fd_;
  int size = receive_buffer_size(fd);
  const double bytes_per_second = std::max(1.0, adverts_per_second) * kPacketTruesize;
  if (options_.receive_buffer == 0) {
    const int want =
        static_cast<int>(std::min<double>(kMaxAutoBuffer, bytes_per_second * kBufferedSeconds));
    if (want > size) {
      // The kernel doubles the value (and reports it doubled). Root may exceed rmem_max.
      const int value = want / 2;
      std::error_code ignored;
      if (!set_option(fd, SOL_SOCKET, SO_RCVBUFFORCE, value, ignored)) {
        set_option(fd, SOL_SOCKET, SO_RCVBUF, value, ignored);
      }
      size = receive_buffer_size(fd);
    }
  }
  const auto half_full = std::chrono::duration_cast<core::Duration>(
      std::chrono::duration<double>(size / 2.0 / bytes_per_second));
  period_ = std::clamp(half_full, kMinPeriod, kMaxPeriod);
}

void RawSocket::wait() {
  if (fd_ < 0) return;
  if (!descriptor_.is_open()) {
    boost::system::error_code ec;
    descriptor_.assign(fd_, ec);
    if (ec) {
      ++receive_errors_;
      log().warn("VRRP socket on {}: {}", options_.interface, ec.message());
      return;
    }
  }
  waiting_ = true;
  descriptor_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                         [this, alive = alive_](const boost::system::error_code& ec) {
                           if (!*alive || ec == boost::asio::error::operation_aborted) return;
                           waiting_ = false;
                           if (ec) {
                             ++receive_errors_;
                             log().warn("VRRP socket on {}: {}", options_.interface, ec.message());
                           }
                           ++wakeups_;
                           drain();
                           if (!deferred_ && !waiting_) wait();
                         });
}

void RawSocket::wait_urgent() {
  urgent_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                     [this, alive = alive_](const boost::system::error_code& ec) {
                       if (!*alive || ec == boost::asio::error::operation_aborted) return;
                       if (ec) ++receive_errors_;
                       ++wakeups_;
                       drain();
                       if (urgent_.is_open()) wait_urgent();
                     });
}

// (Re-)aims the safety drain one period from now: every drain pushes it on, so it wakes the loop
// only when nothing else drained the queue for a whole period.
void RawSocket::arm_safety_drain() {
  if (fd_ < 0) return;
  const std::uint64_t generation = ++safety_generation_;
  safety_armed_ = true;
  safety_.expires_after(period_);  // a pending wait completes as aborted, its generation stale
  safety_.async_wait([this, alive = alive_, generation](const boost::system::error_code& ec) {
    if (!*alive || generation != safety_generation_) return;
    safety_armed_ = false;
    if (ec || !deferred_) return;
    ++wakeups_;
    drain();
    if (!safety_armed_) arm_safety_drain();
  });
}

bool RawSocket::read_batch(int fd, Batch& batch, core::TimePoint& empty_at) {
  batch.count = 0;
  batch.next = 0;
  for (std::size_t i = 0; i < batch.slots(); ++i) {
    msghdr& m = batch.headers[i].msg_hdr;
    m = msghdr{};
    m.msg_name = &batch.names[i];
    m.msg_namelen = sizeof(sockaddr_storage);
    m.msg_iov = &batch.iov[i];
    m.msg_iovlen = 1;
    m.msg_control = batch.controls[i].bytes;
    m.msg_controllen = sizeof(batch.controls[i].bytes);
    batch.headers[i].msg_len = 0;
  }
  const core::TimePoint before = std::chrono::steady_clock::now();
  const int n = ::recvmmsg(fd, batch.headers.data(), static_cast<unsigned>(batch.slots()),
                           MSG_DONTWAIT, nullptr);
  if (n <= 0) {
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      ++receive_errors_;
      return false;
    }
    empty_at = before;
    return false;
  }
  // Whatever was read arrived after the queue was last seen empty.
  const core::TimePoint not_before = empty_at;
  const auto real_now = std::chrono::system_clock::now();
  const core::TimePoint steady_now = std::chrono::steady_clock::now();
  batch.count = static_cast<std::size_t>(n);
  for (std::size_t i = 0; i < batch.count; ++i) {
    msghdr& msg = batch.headers[i].msg_hdr;
    ReceivedPacket& packet = batch.packets[i];
    packet = ReceivedPacket{};
    batch.valid[i] = false;
    if (msg.msg_flags & MSG_TRUNC) {
      ++receive_errors_;
      continue;
    }
    packet.bytes = std::span<const std::uint8_t>(batch.data.get() + i * batch.slot_size,
                                                 batch.headers[i].msg_len);
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
        std::uint32_t dropped = 0;
        std::memcpy(&dropped, CMSG_DATA(c), sizeof(dropped));
        on_overflow_count(dropped);
        continue;
      }
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS) continue;
      timespec ts;
      std::memcpy(&ts, CMSG_DATA(c), sizeof(ts));
      const std::chrono::system_clock::time_point received{
          std::chrono::duration_cast<std::chrono::system_clock::duration>(
              std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec))};
      packet.received_at =
          std::max(received_on_steady_clock(received, real_now, steady_now), not_before);
    }
    const sockaddr_storage& from = batch.names[i];
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
    batch.valid[i] = true;
  }
  if (batch.count < batch.slots()) empty_at = before;
  return batch.count == batch.slots();
}

void RawSocket::on_overflow_count(std::uint32_t count) {
  if (count == last_overflow_count_) return;
  const std::uint32_t lost = count - last_overflow_count_;
  last_overflow_count_ = count;
  overflows_ += lost;
  if (deferred_ && period_ > kMinPeriod) period_ = std::max(kMinPeriod, period_ / 2);
  log().warn("VRRP socket on {}: receive queue full, {} packet(s) lost; safety drain every {} ms",
             options_.interface, lost,
             std::chrono::duration_cast<std::chrono::milliseconds>(period_).count());
}

// Hands over the queued packets of both sockets in order of arrival. The priority 0 adverts
// reach the main socket too; they are handed over from the urgent one only.
void RawSocket::drain() {
  if (draining_ || fd_ < 0 || !handler_) return;
  draining_ = true;
  const bool urgent = urgent_.is_open();
  Batch& u = *(urgent ? urgent_batch_ : batch_);
  bool more_urgent = false;
  if (urgent) more_urgent = read_batch(urgent_.native_handle(), u, urgent_empty_at_);
  const auto stamp = [](const ReceivedPacket& p) {
    return p.received_at.value_or(core::TimePoint::max());
  };
  const auto hand_over_urgent_until = [&](core::TimePoint t) {
    for (; urgent && u.next < u.count; ++u.next) {
      if (!u.valid[u.next]) continue;
      if (stamp(u.packets[u.next]) > t) return;
      handler_(u.packets[u.next]);
    }
  };
  Batch& m = *batch_;
  std::size_t budget = kDrainBudget;
  bool more = true;
  while (more && budget > 0 && fd_ >= 0) {
    more = read_batch(fd_, m, main_empty_at_);
    budget -= std::min(budget, m.count);
    for (std::size_t i = 0; i < m.count; ++i) {
      if (!m.valid[i]) continue;
      const ReceivedPacket& p = m.packets[i];
      if (urgent && is_priority_zero_advert(p.bytes, options_.family, options_.protocol)) continue;
      hand_over_urgent_until(stamp(p));
      handler_(p);
    }
  }
  hand_over_urgent_until(core::TimePoint::max());
  draining_ = false;
  if (deferred_ && fd_ >= 0) arm_safety_drain();
  if (more || more_urgent) {
    boost::asio::post(io_, [this, alive = alive_] {
      if (*alive) drain();
    });
  }
}

std::error_code RawSocket::send(std::span<const std::uint8_t> bytes, const core::IpAddress& source,
                                const core::IpAddress& destination, std::uint8_t hop_limit) {
  const int fd = fd_;
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
