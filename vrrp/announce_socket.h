#pragma once

// The real FrameSender: one AF_PACKET SOCK_RAW socket (protocol 0, so it receives nothing) that
// sends complete Ethernet frames on any interface by index, as keepalived does with its shared
// gratuitous ARP / NDISC channels (vrrp_arp.c gratuitous_arp_init, vrrp_ndisc.c ndisc_init).
// Sends never block: a full device queue is an error, counted by the Announcer.

#include <memory>
#include <span>
#include <string_view>
#include <system_error>

#include "vrrp/announce.h"

namespace vigil::vrrp {

class PacketSocketSender final : public FrameSender {
 public:
  // Start-up path: EPERM without CAP_NET_RAW.
  static std::unique_ptr<PacketSocketSender> open(std::error_code& error);
  ~PacketSocketSender() override;
  PacketSocketSender(const PacketSocketSender&) = delete;
  PacketSocketSender& operator=(const PacketSocketSender&) = delete;

  std::error_code send(int ifindex, std::span<const std::uint8_t> frame) override;

 private:
  explicit PacketSocketSender(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// /proc/sys/net/ipv6/conf/<ifname>/forwarding is 1: the NA Router flag (keepalived
// get_ipv6_forwarding, read when the instance becomes master). False when unreadable.
bool ipv6_forwarding_enabled(std::string_view ifname);

}  // namespace vigil::vrrp
