#include "core/netlink.h"

#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <boost/asio/posix/stream_descriptor.hpp>

#include "core/logging.h"

namespace vigil::core {

namespace {

constexpr std::size_t kInitialBuffer = 32 * 1024;
// Notifications can come in bursts (an interface going down flushes all its IPv6 addresses);
// a large buffer makes ENOBUFS rare. SO_RCVBUFFORCE needs CAP_NET_ADMIN, which vigild has.
constexpr int kMonitorBuffer = 4 * 1024 * 1024;
// Datagrams handled per wake-up before yielding the loop to other work.
constexpr int kMonitorBatch = 256;
// Batches stay well below the default socket send buffer (212992 bytes; netlink_sendmsg refuses
// a datagram larger than it) and their acks below the receive buffer: the kernel queues every
// ack as its own skb, which even without a copy of the request (NETLINK_CAP_ACK) costs about
// 1-2 KiB of buffer (truesize), and drops what does not fit (ENOBUFS).
constexpr std::size_t kBatchBytes = 32 * 1024;
constexpr std::size_t kAckTruesize = 2048;
constexpr std::size_t kMaxBatchMessages = 1024;

std::error_code sys_error(int e) { return {e, std::system_category()}; }

// Receives one datagram from the kernel into `buf` without blocking. Returns its length, 0 when
// there was nothing from the kernel to read, or -errno (EAGAIN when nothing is pending).
ssize_t receive_datagram(int fd, std::vector<char>& buf) {
  for (;;) {
    // Size first, so that a large dump reply is never truncated.
    ssize_t need = ::recv(fd, nullptr, 0, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
    if (need < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    if (static_cast<std::size_t>(need) > buf.size()) buf.resize(static_cast<std::size_t>(need));
    sockaddr_nl from{};
    iovec iov{buf.data(), buf.size()};
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof(from);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    ssize_t n = ::recvmsg(fd, &msg, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    if (msg.msg_flags & MSG_TRUNC) return -EMSGSIZE;
    // Only the kernel talks to us; anything else is dropped.
    if (msg.msg_namelen != sizeof(from) || from.nl_pid != 0) return 0;
    return n;
  }
}

std::optional<std::uint32_t> get_u32(const nlattr* a) {
  if (a == nullptr || nla_len(a) < static_cast<int>(sizeof(std::uint32_t))) return std::nullopt;
  std::uint32_t v;
  std::memcpy(&v, nla_data(a), sizeof(v));
  return v;
}

std::optional<std::uint8_t> get_u8(const nlattr* a) {
  if (a == nullptr || nla_len(a) < 1) return std::nullopt;
  return *static_cast<const std::uint8_t*>(nla_data(a));
}

std::string get_string(const nlattr* a) {
  if (a == nullptr || nla_len(a) <= 0) return {};
  const char* p = static_cast<const char*>(nla_data(a));
  return std::string(p, strnlen(p, static_cast<std::size_t>(nla_len(a))));
}

std::optional<IpAddress> get_address(const nlattr* a, int family) {
  if (a == nullptr) return std::nullopt;
  if (family == AF_INET && nla_len(a) == 4) {
    boost::asio::ip::address_v4::bytes_type b;
    std::memcpy(b.data(), nla_data(a), 4);
    return IpAddress(boost::asio::ip::address_v4(b));
  }
  if (family == AF_INET6 && nla_len(a) == 16) {
    boost::asio::ip::address_v6::bytes_type b;
    std::memcpy(b.data(), nla_data(a), 16);
    return IpAddress(boost::asio::ip::address_v6(b));
  }
  return std::nullopt;
}

class LibnlCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "libnl"; }
  std::string message(int code) const override { return nl_geterror(code); }
};

}  // namespace

std::string mac_to_string(const MacAddress& mac) {
  return hw_address_to_string(std::vector<std::uint8_t>(mac.begin(), mac.end()));
}

std::string hw_address_to_string(const std::vector<std::uint8_t>& hw) {
  std::string out;
  char part[4];
  for (std::size_t i = 0; i < hw.size(); ++i) {
    std::snprintf(part, sizeof(part), i == 0 ? "%02x" : ":%02x", hw[i]);
    out += part;
  }
  return out;
}

const std::error_category& libnl_category() {
  static const LibnlCategory category;
  return category;
}

std::error_code make_libnl_error(int nle) { return {nle < 0 ? -nle : nle, libnl_category()}; }

bool is_already_exists(const std::error_code& ec) { return ec == std::errc::file_exists; }

bool is_already_absent(const std::error_code& ec) {
  return ec == std::errc::no_such_process || ec == std::errc::no_such_file_or_directory ||
         ec == std::errc::address_not_available || ec == std::errc::no_such_device;
}

bool LinkInfo::admin_up() const { return (flags & IFF_UP) != 0; }
bool LinkInfo::running() const { return (flags & IFF_RUNNING) != 0; }

std::optional<MacAddress> LinkInfo::mac() const {
  if (hw_address.size() != 6) return std::nullopt;
  MacAddress m;
  std::copy(hw_address.begin(), hw_address.end(), m.begin());
  return m;
}

std::optional<LinkEvent> parse_link_message(nlmsghdr* hdr) {
  if (hdr == nullptr || (hdr->nlmsg_type != RTM_NEWLINK && hdr->nlmsg_type != RTM_DELLINK)) {
    return std::nullopt;
  }
  nlattr* tb[IFLA_MAX + 1] = {};
  if (nlmsg_parse(hdr, sizeof(ifinfomsg), tb, IFLA_MAX, nullptr) < 0) return std::nullopt;
  const auto* ifi = static_cast<const ifinfomsg*>(nlmsg_data(hdr));
  LinkEvent ev;
  ev.removed = hdr->nlmsg_type == RTM_DELLINK;
  LinkInfo& l = ev.link;
  l.index = ifi->ifi_index;
  l.flags = ifi->ifi_flags;
  l.name = get_string(tb[IFLA_IFNAME]);
  if (l.index <= 0 || l.name.empty()) return std::nullopt;
  if (tb[IFLA_ADDRESS] != nullptr) {
    const auto* p = static_cast<const std::uint8_t*>(nla_data(tb[IFLA_ADDRESS]));
    l.hw_address.assign(p, p + std::max(0, nla_len(tb[IFLA_ADDRESS])));
  }
  l.parent = static_cast<int>(get_u32(tb[IFLA_LINK]).value_or(0));
  l.master = static_cast<int>(get_u32(tb[IFLA_MASTER]).value_or(0));
  l.mtu = get_u32(tb[IFLA_MTU]).value_or(0);
  l.operstate = get_u8(tb[IFLA_OPERSTATE]).value_or(0);
  if (tb[IFLA_LINKINFO] != nullptr) {
    nlattr* info[IFLA_INFO_MAX + 1] = {};
    if (nla_parse_nested(info, IFLA_INFO_MAX, tb[IFLA_LINKINFO], nullptr) == 0) {
      l.kind = get_string(info[IFLA_INFO_KIND]);
      if (l.kind == "macvlan" && info[IFLA_INFO_DATA] != nullptr) {
        nlattr* data[IFLA_MACVLAN_MAX + 1] = {};
        if (nla_parse_nested(data, IFLA_MACVLAN_MAX, info[IFLA_INFO_DATA], nullptr) == 0) {
          l.macvlan_mode = get_u32(data[IFLA_MACVLAN_MODE]).value_or(0);
        }
      }
    }
  }
  return ev;
}

std::optional<AddressEvent> parse_address_message(nlmsghdr* hdr) {
  if (hdr == nullptr || (hdr->nlmsg_type != RTM_NEWADDR && hdr->nlmsg_type != RTM_DELADDR)) {
    return std::nullopt;
  }
  nlattr* tb[IFA_MAX + 1] = {};
  if (nlmsg_parse(hdr, sizeof(ifaddrmsg), tb, IFA_MAX, nullptr) < 0) return std::nullopt;
  const auto* ifa = static_cast<const ifaddrmsg*>(nlmsg_data(hdr));
  if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6) return std::nullopt;
  AddressEvent ev;
  ev.removed = hdr->nlmsg_type == RTM_DELADDR;
  AddressInfo& a = ev.address;
  a.index = static_cast<int>(ifa->ifa_index);
  a.scope = ifa->ifa_scope;
  a.flags = get_u32(tb[IFA_FLAGS]).value_or(ifa->ifa_flags);
  auto local = get_address(tb[IFA_LOCAL], ifa->ifa_family);
  auto address = get_address(tb[IFA_ADDRESS], ifa->ifa_family);
  if (!local) local = address;
  if (!local) return std::nullopt;
  a.local = IpPrefix{*local, ifa->ifa_prefixlen};
  if (address && *address != *local) a.peer = address;
  a.broadcast = get_address(tb[IFA_BROADCAST], ifa->ifa_family);
  a.label = get_string(tb[IFA_LABEL]);
  return ev;
}

void NlMsgDeleter::operator()(nl_msg* m) const { nlmsg_free(m); }

// ---------------------------------------------------------------------------------------------
// NetlinkSocket

NetlinkSocket::NetlinkSocket() = default;

NetlinkSocket::~NetlinkSocket() { close(); }

std::error_code NetlinkSocket::open(std::chrono::milliseconds timeout, int protocol,
                                    int receive_buffer) {
  close();
  timeout_ = timeout;
  sock_ = nl_socket_alloc();
  if (sock_ == nullptr) return std::make_error_code(std::errc::not_enough_memory);
  // Acks are asked for explicitly (request() yes, dumps no) and sequence numbers are checked
  // here, against the request being waited for.
  nl_socket_disable_auto_ack(sock_);
  if (int err = nl_connect(sock_, protocol); err < 0) {
    close();
    return make_libnl_error(err);
  }
  if (receive_buffer > 0) {
    const int fd = nl_socket_get_fd(sock_);
    if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &receive_buffer, sizeof(receive_buffer)) < 0) {
      ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof(receive_buffer));
    }
  }
  if (int err = nl_socket_set_nonblocking(sock_); err < 0) {
    close();
    return make_libnl_error(err);
  }
  // Errors come back without a copy of the request.
  int one = 1;
  ::setsockopt(nl_socket_get_fd(sock_), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
  int rcvbuf = 0;
  socklen_t len = sizeof(rcvbuf);
  if (::getsockopt(nl_socket_get_fd(sock_), SOL_SOCKET, SO_RCVBUF, &rcvbuf, &len) < 0) rcvbuf = 0;
  batch_limit_ = std::clamp<std::size_t>(static_cast<std::size_t>(rcvbuf) / kAckTruesize, 8,
                                         kMaxBatchMessages);
  buffer_.resize(kInitialBuffer);
  return {};
}

void NetlinkSocket::close() {
  if (sock_ != nullptr) {
    nl_socket_free(sock_);  // closes the fd
    sock_ = nullptr;
  }
}

bool NetlinkSocket::is_open() const { return sock_ != nullptr; }

std::error_code NetlinkSocket::send(nl_msg* msg, std::uint32_t& seq) {
  if (sock_ == nullptr) return std::make_error_code(std::errc::bad_file_descriptor);
  if (msg == nullptr) return std::make_error_code(std::errc::invalid_argument);
  int sent = nl_send_auto(sock_, msg);  // fills in port id and the next sequence number
  if (sent < 0) return make_libnl_error(sent);
  seq = nlmsg_hdr(msg)->nlmsg_seq;
  return {};
}

std::error_code NetlinkSocket::receive_until_done(std::uint32_t seq,
                                                  const std::function<void(nlmsghdr*)>* each) {
  using Clock = std::chrono::steady_clock;
  const int fd = nl_socket_get_fd(sock_);
  auto deadline = Clock::now() + timeout_;
  std::error_code result;
  for (;;) {
    auto now = Clock::now();
    if (now >= deadline) {
      ++stats_.timeouts;
      return std::make_error_code(std::errc::timed_out);
    }
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0) {
      if (errno == EINTR) continue;
      return sys_error(errno);
    }
    if (r == 0) continue;
    ssize_t n = receive_datagram(fd, buffer_);
    if (n == -EAGAIN || n == -EWOULDBLOCK || n == 0) continue;
    if (n < 0) return sys_error(static_cast<int>(-n));
    // Progress: a long dump is bounded per reply, not as a whole.
    deadline = Clock::now() + timeout_;
    int len = static_cast<int>(n);
    for (auto* h = reinterpret_cast<nlmsghdr*>(buffer_.data()); nlmsg_ok(h, len);
         h = nlmsg_next(h, &len)) {
      if (h->nlmsg_seq != seq) {
        ++stats_.stale_replies;
        continue;
      }
      if (h->nlmsg_type == NLMSG_DONE) {
        // A dump that failed half-way reports the error in NLMSG_DONE.
        if (nlmsg_datalen(h) >= static_cast<int>(sizeof(int))) {
          int err;
          std::memcpy(&err, nlmsg_data(h), sizeof(err));
          if (err < 0 && !result) result = sys_error(-err);
        }
        return result;
      }
      if (h->nlmsg_type == NLMSG_ERROR) {
        if (nlmsg_datalen(h) < static_cast<int>(sizeof(nlmsgerr))) {
          return make_libnl_error(NLE_MSG_TRUNC);
        }
        const auto* e = static_cast<const nlmsgerr*>(nlmsg_data(h));
        if (e->error != 0 && !result) result = sys_error(-e->error);
        return result;  // the ack (error 0) or the error ends the request
      }
      if (h->nlmsg_type == NLMSG_NOOP || h->nlmsg_type == NLMSG_OVERRUN) continue;
      if (each != nullptr && *each) (*each)(h);
    }
  }
}

std::error_code NetlinkSocket::request(nl_msg* msg) {
  ++stats_.requests;
  if (msg != nullptr) nlmsg_hdr(msg)->nlmsg_flags |= NLM_F_ACK;
  std::uint32_t seq = 0;
  std::error_code ec = send(msg, seq);
  if (!ec) ec = receive_until_done(seq, nullptr);
  if (ec) ++stats_.failures;
  return ec;
}

std::error_code NetlinkSocket::transact(nl_msg* msg, const std::function<void(nlmsghdr*)>& each) {
  ++stats_.requests;
  if (msg != nullptr && (nlmsg_hdr(msg)->nlmsg_flags & NLM_F_DUMP) != NLM_F_DUMP) {
    nlmsg_hdr(msg)->nlmsg_flags |= NLM_F_ACK;  // a single GET ends with the ack
  }
  std::uint32_t seq = 0;
  std::error_code ec = send(msg, seq);
  if (!ec) ec = receive_until_done(seq, &each);
  if (ec) ++stats_.failures;
  return ec;
}

std::error_code NetlinkSocket::request_batch(const std::vector<nl_msg*>& msgs,
                                             std::vector<std::error_code>& results) {
  results.assign(msgs.size(), std::error_code{});
  auto fail_from = [&](std::size_t from, std::error_code ec) {
    for (std::size_t j = from; j < results.size(); ++j) results[j] = ec;
    stats_.failures += results.size() - from;
    return ec;
  };
  if (sock_ == nullptr) return fail_from(0, std::make_error_code(std::errc::bad_file_descriptor));
  const int fd = nl_socket_get_fd(sock_);
  const std::uint32_t port = nl_socket_get_local_port(sock_);
  std::vector<char> out;
  std::size_t i = 0;
  while (i < msgs.size()) {
    out.clear();
    const std::size_t base = i;
    std::uint32_t first_seq = 0;
    while (i < msgs.size() && i - base < batch_limit_) {
      if (msgs[i] == nullptr)
        return fail_from(i, std::make_error_code(std::errc::invalid_argument));
      nlmsghdr* h = nlmsg_hdr(msgs[i]);
      const std::size_t len = NLMSG_ALIGN(h->nlmsg_len);
      if (!out.empty() && out.size() + len > kBatchBytes) break;
      h->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
      h->nlmsg_pid = port;
      h->nlmsg_seq = nl_socket_use_seq(sock_);
      if (i == base) first_seq = h->nlmsg_seq;
      const std::size_t at = out.size();
      out.resize(at + len, 0);
      std::memcpy(out.data() + at, h, h->nlmsg_len);
      ++i;
    }
    stats_.requests += i - base;
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    ssize_t sent;
    do {
      sent = ::sendto(fd, out.data(), out.size(), 0, reinterpret_cast<sockaddr*>(&kernel),
                      sizeof(kernel));
    } while (sent < 0 && errno == EINTR);
    if (sent < 0) return fail_from(base, sys_error(errno));
    if (std::error_code ec = receive_acks(first_seq, i - base, base, results)) {
      return fail_from(base, ec);
    }
  }
  for (const auto& r : results) {
    if (r) ++stats_.failures;
  }
  return {};
}

std::error_code NetlinkSocket::receive_acks(std::uint32_t first, std::size_t count,
                                            std::size_t base,
                                            std::vector<std::error_code>& results) {
  using Clock = std::chrono::steady_clock;
  const int fd = nl_socket_get_fd(sock_);
  std::vector<bool> seen(count, false);
  std::size_t left = count;
  auto deadline = Clock::now() + timeout_;
  while (left > 0) {
    auto now = Clock::now();
    if (now >= deadline) {
      ++stats_.timeouts;
      return std::make_error_code(std::errc::timed_out);
    }
    auto wait = std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(wait.count()));
    if (r < 0) {
      if (errno == EINTR) continue;
      return sys_error(errno);
    }
    if (r == 0) continue;
    ssize_t n = receive_datagram(fd, buffer_);
    if (n == -EAGAIN || n == -EWOULDBLOCK || n == 0) continue;
    if (n < 0) return sys_error(static_cast<int>(-n));
    deadline = Clock::now() + timeout_;
    int len = static_cast<int>(n);
    for (auto* h = reinterpret_cast<nlmsghdr*>(buffer_.data()); nlmsg_ok(h, len);
         h = nlmsg_next(h, &len)) {
      const std::uint32_t index = h->nlmsg_seq - first;  // wraps like the sequence numbers
      if (index >= count || seen[index] || h->nlmsg_type != NLMSG_ERROR) {
        ++stats_.stale_replies;
        continue;
      }
      if (nlmsg_datalen(h) < static_cast<int>(sizeof(nlmsgerr))) {
        results[base + index] = make_libnl_error(NLE_MSG_TRUNC);
      } else {
        const auto* e = static_cast<const nlmsgerr*>(nlmsg_data(h));
        if (e->error != 0) results[base + index] = sys_error(-e->error);
      }
      seen[index] = true;
      --left;
    }
  }
  return {};
}

std::error_code NetlinkSocket::dump_links(std::vector<LinkInfo>& out) {
  out.clear();
  NlMsgPtr msg(nlmsg_alloc_simple(RTM_GETLINK, NLM_F_DUMP));
  if (!msg) return std::make_error_code(std::errc::not_enough_memory);
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  if (nlmsg_append(msg.get(), &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
      nla_put_u32(msg.get(), IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS) < 0) {
    return make_libnl_error(NLE_NOMEM);
  }
  return transact(msg.get(), [&out](nlmsghdr* h) {
    if (auto ev = parse_link_message(h); ev && !ev->removed) out.push_back(std::move(ev->link));
  });
}

std::error_code NetlinkSocket::dump_addresses(std::vector<AddressInfo>& out) {
  out.clear();
  NlMsgPtr msg(nlmsg_alloc_simple(RTM_GETADDR, NLM_F_DUMP));
  if (!msg) return std::make_error_code(std::errc::not_enough_memory);
  ifaddrmsg ifa{};
  ifa.ifa_family = AF_UNSPEC;
  if (nlmsg_append(msg.get(), &ifa, sizeof(ifa), NLMSG_ALIGNTO) < 0) {
    return make_libnl_error(NLE_NOMEM);
  }
  return transact(msg.get(), [&out](nlmsghdr* h) {
    if (auto ev = parse_address_message(h); ev && !ev->removed) {
      out.push_back(std::move(ev->address));
    }
  });
}

std::error_code NetlinkSocket::get_link(std::string_view name, LinkInfo& out) {
  if (name.empty() || name.size() >= IFNAMSIZ) {
    return std::make_error_code(std::errc::no_such_device);
  }
  NlMsgPtr msg(nlmsg_alloc_simple(RTM_GETLINK, 0));
  if (!msg) return std::make_error_code(std::errc::not_enough_memory);
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  std::string n(name);
  if (nlmsg_append(msg.get(), &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
      nla_put_string(msg.get(), IFLA_IFNAME, n.c_str()) < 0 ||
      nla_put_u32(msg.get(), IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS) < 0) {
    return make_libnl_error(NLE_NOMEM);
  }
  bool found = false;
  std::error_code ec = transact(msg.get(), [&](nlmsghdr* h) {
    if (auto ev = parse_link_message(h); ev && !ev->removed) {
      out = std::move(ev->link);
      found = true;
    }
  });
  if (ec) return ec;
  if (!found) return std::make_error_code(std::errc::no_such_device);
  return {};
}

// ---------------------------------------------------------------------------------------------
// NetlinkMonitor

struct NetlinkMonitor::Impl : std::enable_shared_from_this<Impl> {
  explicit Impl(boost::asio::io_context& io) : descriptor(io) {}

  boost::asio::posix::stream_descriptor descriptor;
  nl_sock* sock = nullptr;
  Handlers handlers;
  Stats stats;
  bool running = false;
  std::vector<char> buffer = std::vector<char>(kInitialBuffer);

  void wait() {
    descriptor.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                          [self = shared_from_this()](const boost::system::error_code& ec) {
                            self->on_readable(ec);
                          });
  }

  void on_readable(const boost::system::error_code& ec) {
    if (!running || ec == boost::asio::error::operation_aborted) return;
    if (ec) {
      ++stats.receive_errors;
      logger("netlink")->error("netlink monitor: wait failed: {}", ec.message());
      return;
    }
    drain();
    if (running) wait();
  }

  void drain() {
    const int fd = nl_socket_get_fd(sock);
    for (int i = 0; i < kMonitorBatch && running; ++i) {
      ssize_t n = receive_datagram(fd, buffer);
      if (n == -EAGAIN || n == -EWOULDBLOCK) return;
      if (n == 0) continue;
      if (n == -ENOBUFS) {
        ++stats.overruns;
        logger("netlink")->warn(
            "netlink monitor: kernel notifications lost (socket buffer full); re-reading "
            "interfaces");
        if (handlers.overrun) handlers.overrun();
        continue;
      }
      if (n < 0) {
        ++stats.receive_errors;
        logger("netlink")->error("netlink monitor: receive failed: {}",
                                 std::strerror(static_cast<int>(-n)));
        return;
      }
      int len = static_cast<int>(n);
      for (auto* h = reinterpret_cast<nlmsghdr*>(buffer.data()); nlmsg_ok(h, len) && running;
           h = nlmsg_next(h, &len)) {
        ++stats.messages;
        dispatch(h);
      }
    }
  }

  void dispatch(nlmsghdr* h) {
    switch (h->nlmsg_type) {
      case RTM_NEWLINK:
      case RTM_DELLINK:
        if (auto ev = parse_link_message(h)) {
          ++stats.link_events;
          if (handlers.link) handlers.link(*ev);
        } else {
          ++stats.parse_errors;
        }
        break;
      case RTM_NEWADDR:
      case RTM_DELADDR:
        if (auto ev = parse_address_message(h)) {
          ++stats.address_events;
          if (handlers.address) handlers.address(*ev);
        } else {
          ++stats.parse_errors;
        }
        break;
      default:
        break;
    }
  }

  void close() {
    running = false;
    if (descriptor.is_open()) {
      boost::system::error_code ignored;
      descriptor.cancel(ignored);
      descriptor.release();  // the fd belongs to libnl's socket
    }
    if (sock != nullptr) {
      nl_socket_free(sock);
      sock = nullptr;
    }
  }
};

NetlinkMonitor::NetlinkMonitor(boost::asio::io_context& io) : io_(io) {}

NetlinkMonitor::~NetlinkMonitor() { stop(); }

std::error_code NetlinkMonitor::start(Handlers handlers) {
  stop();
  auto impl = std::make_shared<Impl>(io_);
  impl->handlers = std::move(handlers);
  impl->sock = nl_socket_alloc();
  if (impl->sock == nullptr) return std::make_error_code(std::errc::not_enough_memory);
  nl_socket_disable_seq_check(impl->sock);
  nl_socket_disable_auto_ack(impl->sock);
  auto fail = [&impl](int err) {
    impl->close();
    return make_libnl_error(err);
  };
  if (int err = nl_connect(impl->sock, NETLINK_ROUTE); err < 0) return fail(err);
  if (int err = nl_socket_add_memberships(impl->sock, RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR,
                                          RTNLGRP_IPV6_IFADDR, 0);
      err < 0) {
    return fail(err);
  }
  if (int err = nl_socket_set_nonblocking(impl->sock); err < 0) return fail(err);
  const int fd = nl_socket_get_fd(impl->sock);
  int size = kMonitorBuffer;
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0) {
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
  }
  boost::system::error_code ec;
  impl->descriptor.assign(fd, ec);
  if (ec) {
    impl->close();
    return ec;
  }
  impl->running = true;
  impl_ = impl;
  impl_->wait();
  return {};
}

void NetlinkMonitor::stop() {
  if (impl_) {
    impl_->close();
    impl_.reset();
  }
}

bool NetlinkMonitor::running() const { return impl_ && impl_->running; }

const NetlinkMonitor::Stats& NetlinkMonitor::stats() const {
  static const Stats kNone;
  return impl_ ? impl_->stats : kNone;
}

}  // namespace vigil::core
