#pragma once

// PING_CHECK: one ICMP / ICMPv6 echo request, passing on an echo reply within connect_timeout,
// as keepalived 2.2.7 does (check/check_ping.c icmp_connect_thread, ping_it, ping6_it, recv_it,
// recv6_it, icmp_check_thread): an unprivileged ICMP datagram socket
// (socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP) / IPPROTO_ICMPV6), 128 octets of
// "keepalived check - " after the header, and the first message received decides: an echo reply
// passes, anything else (an ICMP error, another type) fails.
//
// Those sockets need the daemon's group inside net.ipv4.ping_group_range. keepalived widens that
// sysctl to start at gid 0 when it reads a PING_CHECK (set_ping_group_range); we leave system
// settings alone and fall back to a raw socket (root / CAP_NET_RAW) when the datagram socket is
// refused, matching replies by identifier, sequence and source ourselves.

#include <memory>
#include <string>

#include "checkers/check.h"

namespace vigil::checkers {

std::unique_ptr<Check> make_ping_check(const config::Checker& checker, const config::RealServer& rs,
                                       const config::VirtualServer& vs, CheckContext& context,
                                       std::string* why);

}  // namespace vigil::checkers
