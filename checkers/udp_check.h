#pragma once

// UDP_CHECK, as keepalived 2.2.7 does it (check/check_udp.c udp_connect_thread,
// udp_check_thread, check_udp_reply; lib/layer4.c udp_bind_connect, udp_socket_state,
// udp_socket_error): one datagram (`payload`, else 32 octets of "keepalived check - ") on a
// connected socket with IP_RECVERR, then a wait of connect_timeout:
//  - without require_reply the server passes unless an ICMP destination unreachable comes back
//    (any datagram, or silence until the timeout, is a pass);
//  - with require_reply a datagram must arrive in time, its length within min_reply_length..
//    max_reply_length, and its first min(length, reply length) octets must match `reply` outside
//    the wildcard nibbles.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "checkers/check.h"

namespace vigil::checkers {

// keepalived check_udp_reply(): empty when `reply` is acceptable, else why not.
std::string udp_reply_mismatch(std::span<const std::uint8_t> reply, const config::UdpCheck& udp);

std::unique_ptr<Check> make_udp_check(const config::Checker& checker, const config::RealServer& rs,
                                      const config::VirtualServer& vs, CheckContext& context,
                                      std::string* why);

}  // namespace vigil::checkers
