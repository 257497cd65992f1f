#pragma once

// rtnetlink through libnl-3 on the Asio loop.
//
// Two sockets, as keepalived has (nl_cmd and nl_kernel in keepalived_netlink.c):
// - NetlinkSocket: requests (add/delete an address, route, rule or link; dumps). Synchronous
//   request/ack like keepalived's netlink_talk(), but bounded: a reply that does not come within
//   the timeout is reported as std::errc::timed_out and never blocks the loop for longer. A late
//   reply to an abandoned request is recognised by its sequence number and dropped.
// - NetlinkMonitor: subscribed to RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR and RTNLGRP_IPV6_IFADDR; its
//   fd waits on the io_context (posix::stream_descriptor) and each notification is parsed and
//   delivered as a typed event. When the kernel drops notifications (ENOBUFS, the socket buffer
//   overflowed) the overrun handler says so: the owner must re-read the state with a dump.
//
// libnl builds and parses the messages (nlmsg_*/nla_*); receiving is done here with recvmsg() so
// that EAGAIN, ENOBUFS and truncation are seen exactly (libnl folds several of them together).
// Sockets live in the network namespace of the thread that opens them (see
// tests/vrrp/netns_fixture.h). Runtime paths never throw: errors are std::error_code, kernel
// errors as errno values in std::system_category() (EEXIST, EADDRNOTAVAIL, ESRCH, ...).

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "core/ip_address.h"

struct nl_msg;
struct nl_sock;
struct nlmsghdr;

namespace vigil::core {

using MacAddress = std::array<std::uint8_t, 6>;
std::string mac_to_string(const MacAddress& mac);  // "00:00:5e:00:01:07"
std::string hw_address_to_string(const std::vector<std::uint8_t>& hw);

// Failures inside libnl itself (NLE_* codes, e.g. out of memory building a message).
const std::error_category& libnl_category();
std::error_code make_libnl_error(int nle);  // sign ignored

// Outcomes that make an add or a delete idempotent.
bool is_already_exists(const std::error_code& ec);  // EEXIST
// ESRCH (route), ENOENT (rule), EADDRNOTAVAIL (address), ENODEV (interface gone).
bool is_already_absent(const std::error_code& ec);

// One RTM_NEWLINK/RTM_DELLINK.
struct LinkInfo {
  int index = 0;
  std::string name;
  unsigned flags = 0;                    // IFF_* (IFF_UP, IFF_RUNNING, IFF_LOWER_UP, ...)
  std::vector<std::uint8_t> hw_address;  // IFLA_ADDRESS, empty if none
  int parent = 0;                        // IFLA_LINK: macvlan/vlan base interface, 0 if none
  int master = 0;                        // IFLA_MASTER
  std::string kind;                      // IFLA_INFO_KIND: "macvlan", "veth", "bridge", ""
  std::uint32_t macvlan_mode = 0;        // IFLA_MACVLAN_MODE when kind == "macvlan"
  std::uint32_t mtu = 0;
  std::uint8_t operstate = 0;  // IF_OPER_*

  bool admin_up() const;                  // IFF_UP
  bool running() const;                   // IFF_RUNNING: operationally up (carrier, not dormant)
  std::optional<MacAddress> mac() const;  // when hw_address is 6 bytes
};

// One RTM_NEWADDR/RTM_DELADDR.
struct AddressInfo {
  int index = 0;
  IpPrefix local;                 // IFA_LOCAL (IFA_ADDRESS for IPv6) with ifa_prefixlen
  std::optional<IpAddress> peer;  // IFA_ADDRESS when it differs from IFA_LOCAL
  std::optional<IpAddress> broadcast;
  std::uint8_t scope = 0;   // RT_SCOPE_*
  std::uint32_t flags = 0;  // IFA_F_* (IFA_FLAGS when present)
  std::string label;        // IFA_LABEL (IPv4)
};

struct LinkEvent {
  bool removed = false;  // RTM_DELLINK
  LinkInfo link;
};

struct AddressEvent {
  bool removed = false;  // RTM_DELADDR
  AddressInfo address;
};

// Pure parsers of one message; nullopt for another type or a malformed message.
std::optional<LinkEvent> parse_link_message(nlmsghdr* hdr);
std::optional<AddressEvent> parse_address_message(nlmsghdr* hdr);

// Deleter for libnl messages built by callers (nlmsg_alloc_simple and friends).
struct NlMsgDeleter {
  void operator()(nl_msg* m) const;
};
using NlMsgPtr = std::unique_ptr<nl_msg, NlMsgDeleter>;

// The request socket. One per process (or per namespace in tests), used from the loop thread.
class NetlinkSocket {
 public:
  static constexpr std::chrono::milliseconds kDefaultTimeout{2000};
  static constexpr int kRouteProtocol = 0;  // NETLINK_ROUTE

  struct Stats {
    std::uint64_t requests = 0;
    std::uint64_t failures = 0;  // kernel errors, timeouts and local errors
    std::uint64_t timeouts = 0;
    std::uint64_t stale_replies = 0;  // replies to abandoned requests, dropped
  };

  NetlinkSocket();
  ~NetlinkSocket();
  NetlinkSocket(const NetlinkSocket&) = delete;
  NetlinkSocket& operator=(const NetlinkSocket&) = delete;

  // Opens a netlink socket of `protocol` (NETLINK_ROUTE, NETLINK_GENERIC) in the calling
  // thread's network namespace. `receive_buffer` (bytes, 0: the system default) is forced with
  // SO_RCVBUFFORCE where allowed: request_batch() needs room for one ack per message.
  std::error_code open(std::chrono::milliseconds timeout = kDefaultTimeout,
                       int protocol = kRouteProtocol, int receive_buffer = 0);
  void close();
  bool is_open() const;

  // Sends `msg` with NLM_F_ACK and waits for the kernel's answer: {} on success, else the
  // kernel's errno, std::errc::timed_out, or a local error. Does not take ownership.
  std::error_code request(nl_msg* msg);
  // Sends a request that has replies (a dump with NLM_F_DUMP, or a single GET) and hands every
  // reply message to `each` until NLMSG_DONE or the ack.
  std::error_code transact(nl_msg* msg, const std::function<void(nlmsghdr*)>& each);

  // Sends every message with NLM_F_ACK, many per datagram (the kernel processes them in order
  // within one sendmsg; as many per datagram as the receive buffer has room for acks), and collects
  // one result per message into `results`: {} or the kernel's errno for that message. The return
  // value is a transport failure (socket, timeout) that left the results from that message on
  // unknown (std::errc::timed_out in them). Does not take ownership.
  std::error_code request_batch(const std::vector<nl_msg*>& msgs,
                                std::vector<std::error_code>& results);

  // Convenience dumps and lookups.
  std::error_code dump_links(std::vector<LinkInfo>& out);
  std::error_code dump_addresses(std::vector<AddressInfo>& out);  // IPv4 and IPv6
  // One interface by name: std::errc::no_such_device if there is none.
  std::error_code get_link(std::string_view name, LinkInfo& out);

  const Stats& stats() const { return stats_; }

 private:
  std::error_code send(nl_msg* msg, std::uint32_t& seq);
  std::error_code receive_until_done(std::uint32_t seq, const std::function<void(nlmsghdr*)>* each);
  // Waits for the acks of sequence numbers [first, first + count) into results[base...].
  std::error_code receive_acks(std::uint32_t first, std::size_t count, std::size_t base,
                               std::vector<std::error_code>& results);

  nl_sock* sock_ = nullptr;
  std::chrono::milliseconds timeout_ = kDefaultTimeout;
  std::size_t batch_limit_ = 8;  // messages per datagram: as many acks as the receive buffer holds
  std::vector<char> buffer_;
  Stats stats_;
};

// The monitor socket on the io_context.
class NetlinkMonitor {
 public:
  struct Handlers {
    std::function<void(const LinkEvent&)> link;
    std::function<void(const AddressEvent&)> address;
    // Notifications were lost (ENOBUFS): re-read links and addresses with a dump.
    std::function<void()> overrun;
  };

  struct Stats {
    std::uint64_t messages = 0;
    std::uint64_t link_events = 0;
    std::uint64_t address_events = 0;
    std::uint64_t overruns = 0;
    std::uint64_t parse_errors = 0;
    std::uint64_t receive_errors = 0;
  };

  explicit NetlinkMonitor(boost::asio::io_context& io);
  ~NetlinkMonitor();
  NetlinkMonitor(const NetlinkMonitor&) = delete;
  NetlinkMonitor& operator=(const NetlinkMonitor&) = delete;

  // Opens the socket in the calling thread's network namespace, joins the groups and starts
  // waiting on the loop. Handlers run on the loop thread.
  std::error_code start(Handlers handlers);
  void stop();
  bool running() const;

  const Stats& stats() const;

 private:
  struct Impl;
  boost::asio::io_context& io_;
  std::shared_ptr<Impl> impl_;
};

}  // namespace vigil::core
