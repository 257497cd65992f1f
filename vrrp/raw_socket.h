#pragma once

// The VRRP transport: a raw IP socket for protocol 112 (or 51, IPsec AH) on one interface and
// address family, driven by the Asio loop. keepalived shares one socket per interface, family
// and protocol between all instances (its sock_t pool); so does vigil, which keeps the cost of
// 200 instances on one segment at one socket read per packet, not 200.
//
// IPv4 is sent with IP_HDRINCL (the caller builds the IP header: TOS, TTL, ID and the AH header
// must be exactly keepalived's) and received with the IP header. IPv6 sockets send the VRRP
// message alone with the source, interface and hop limit in ancillary data, and hand received
// messages over with IPV6_PKTINFO / IPV6_HOPLIMIT. Checksums are ours in both directions, so a
// bad one is counted rather than silently dropped by the kernel (no IPV6_CHECKSUM).

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include "core/clock.h"
#include "core/ip_address.h"

namespace vigil::vrrp {

struct RawSocketOptions {
  core::Family family = core::Family::kIPv4;
  std::uint8_t protocol = 112;  // IPPROTO_VRRP, or 51 (IPPROTO_AH) for AH-authenticated v2
  std::string interface;        // SO_BINDTODEVICE; empty: unicast without interface
  int ifindex = 0;
  std::vector<core::IpAddress> multicast_groups;  // joined on `ifindex`
  int receive_buffer = 0;                         // SO_RCVBUF; 0: the system default
};

struct ReceivedPacket {
  // IPv4: the whole IP packet, header included. IPv6: the VRRP message after the IPv6 header.
  std::span<const std::uint8_t> bytes;
  core::IpAddress source;
  core::IpAddress destination;  // IPv6 only (from IPV6_PKTINFO); IPv4 has it in the header
  std::uint8_t hop_limit = 0;   // IPv6 only; IPv4 has the TTL in the header
  int ifindex = 0;
  // The kernel's receive timestamp (SO_TIMESTAMPNS, CLOCK_REALTIME) moved onto the steady clock:
  // now minus the packet's age. Empty if the kernel gave none.
  std::optional<core::TimePoint> received_at;
};

// The kernel stamps received packets with CLOCK_REALTIME; vigil's timers run on the steady
// clock. The packet's age (`realtime_now` - `realtime_received`) is taken off `steady_now`. A
// negative age (the wall clock stepped back meanwhile) counts as 0.
core::TimePoint received_on_steady_clock(std::chrono::system_clock::time_point realtime_received,
                                         std::chrono::system_clock::time_point realtime_now,
                                         core::TimePoint steady_now);

class RawSocket {
 public:
  using Handler = std::function<void(const ReceivedPacket&)>;

  // Start-up path: a socket that cannot be opened is reported with the reason (EPERM without
  // CAP_NET_RAW, ENODEV for a missing interface, ...).
  static std::unique_ptr<RawSocket> open(boost::asio::io_context& io,
                                         const RawSocketOptions& options, std::error_code& error);
  ~RawSocket();
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  // Starts reading; `handler` runs on the loop for every packet.
  void start(Handler handler);
  void close();
  // Joins one more multicast group on the socket's interface (a second instance on the same
  // interface with another mcast_dst_ip). Joining a group already joined is a no-op.
  bool join(const core::IpAddress& group, std::error_code& error);

  // IPv4: `bytes` is a complete IP packet (IP_HDRINCL) and `destination` its destination.
  // IPv6: `bytes` is the VRRP message, sent from `source` with hop limit `hop_limit`.
  std::error_code send(std::span<const std::uint8_t> bytes, const core::IpAddress& source,
                       const core::IpAddress& destination, std::uint8_t hop_limit);

  const RawSocketOptions& options() const { return options_; }
  std::uint64_t receive_errors() const { return receive_errors_; }
  std::uint64_t send_errors() const { return send_errors_; }

 private:
  RawSocket(boost::asio::io_context& io, int fd, RawSocketOptions options);
  void wait();
  void drain();

  boost::asio::posix::stream_descriptor descriptor_;
  RawSocketOptions options_;
  Handler handler_;
  std::vector<std::uint8_t> buffer_;
  std::uint64_t receive_errors_ = 0;
  std::uint64_t send_errors_ = 0;
};

}  // namespace vigil::vrrp
