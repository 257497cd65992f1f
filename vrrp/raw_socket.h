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
#include <boost/asio/steady_timer.hpp>

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

// True for a priority 0 advert (a master leaving): the byte at offset 2 of the VRRP message is 0.
// `bytes` as a RawSocket hands them over: IPv4 from the IP header (then, for protocol 51, the AH
// header), IPv6 from the VRRP message. A packet too short to say is not one. This is exactly
// the classic BPF filter of the socket that wakes vigil for such adverts (raw_socket.cc); the
// two must agree, or a priority 0 advert would be handed over twice or not at all.
bool is_priority_zero_advert(std::span<const std::uint8_t> bytes, core::Family family,
                             std::uint8_t protocol);

// Reading is immediate (every packet wakes the loop, as keepalived) or deferred. Deferred is for
// sockets on which every instance is a backup: a backup's answer to a routine advert is only to
// push its Master_Down_Timer on, so the adverts may wait in the kernel's queue, stamped with
// their arrival (SO_TIMESTAMPNS), until the timer is due; drain() then hands them over in order
// and the instance restarts its timer from the last one's arrival, exactly as if it had read each
// at once. Adverts that need an answer at once still wake the loop: priority 0 (Skew_Time) comes
// through a second socket whose BPF filter passes nothing else, and a master's socket is never
// deferred. A safety drain runs when no drain emptied the queue for drain_period(), so the queue
// cannot overflow.
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

  // Starts reading; `handler` runs on the loop for every packet, in arrival order.
  void start(Handler handler);
  void close();
  // Joins one more multicast group on the socket's interface (a second instance on the same
  // interface with another mcast_dst_ip). Joining a group already joined is a no-op.
  bool join(const core::IpAddress& group, std::error_code& error);

  // Deferred or immediate reading (see above). Without the priority 0 socket (its filter
  // refused by the kernel) reading stays immediate.
  void set_deferred(bool deferred);
  bool deferred() const { return deferred_; }
  bool can_defer() const { return urgent_.is_open(); }
  // The adverts per second the instances on this socket expect to receive. Sizes the receive
  // buffer (unless `receive_buffer` is configured) to hold a few seconds of them, and the period
  // of the safety drain to fill at most half of it.
  void set_expected_rate(double adverts_per_second);
  // Hands every queued packet to the handler now (a Master_Down_Timer about to fire catches up).
  // Packets are counted and checked as they are handed over. Not re-entrant: a call from a
  // handler returns at once.
  void drain();
  core::Duration drain_period() const { return period_; }

  // IPv4: `bytes` is a complete IP packet (IP_HDRINCL) and `destination` its destination.
  // IPv6: `bytes` is the VRRP message, sent from `source` with hop limit `hop_limit`.
  std::error_code send(std::span<const std::uint8_t> bytes, const core::IpAddress& source,
                       const core::IpAddress& destination, std::uint8_t hop_limit);

  const RawSocketOptions& options() const { return options_; }
  std::uint64_t receive_errors() const { return receive_errors_; }
  std::uint64_t send_errors() const { return send_errors_; }
  // Packets the kernel dropped because the receive queue was full (SO_RXQ_OVFL).
  std::uint64_t overflows() const { return overflows_; }
  std::uint64_t wakeups() const { return wakeups_; }

 private:
  struct Batch;
  RawSocket(boost::asio::io_context& io, int fd, int urgent_fd, RawSocketOptions options);
  void wait();
  void wait_urgent();
  void arm_safety_drain();
  // Reads up to a batch from `fd`; false once the queue was found empty.
  bool read_batch(int fd, Batch& batch, core::TimePoint& empty_at);
  void on_overflow_count(std::uint32_t count);

  boost::asio::io_context& io_;
  int fd_ = -1;
  // fd_ in the reactor, while reading is immediate.
  boost::asio::posix::stream_descriptor descriptor_;
  boost::asio::posix::stream_descriptor urgent_;  // priority 0 adverts only (BPF)
  boost::asio::steady_timer safety_;
  RawSocketOptions options_;
  Handler handler_;
  std::unique_ptr<Batch> batch_;
  std::unique_ptr<Batch> urgent_batch_;
  // The last instant each queue was seen empty: whatever is read later arrived after it, which
  // bounds a receive stamp that a stepped wall clock would make look older.
  core::TimePoint main_empty_at_{};
  core::TimePoint urgent_empty_at_{};
  core::Duration period_ = std::chrono::seconds(1);
  double rate_ = -1;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::uint64_t receive_errors_ = 0;
  std::uint64_t send_errors_ = 0;
  std::uint64_t overflows_ = 0;
  std::uint64_t wakeups_ = 0;
  std::uint32_t last_overflow_count_ = 0;
  std::uint64_t safety_generation_ = 0;
  bool deferred_ = false;
  bool waiting_ = false;
  bool safety_armed_ = false;
  bool draining_ = false;
  bool started_ = false;
};

}  // namespace vigil::vrrp
