#pragma once

// The connected UDP socket of DNS_CHECK and UDP_CHECK, set up as keepalived's
// socket_bind_connect / udp_bind_connect (lib/layer4.c) do: a socket of the endpoint's family,
// SO_MARK (fwmark), SO_BINDTODEVICE (bind_if), bind() to bindto / bind_port when given, then
// connect() so that only the server's datagrams (and ICMP errors about them) reach us.

#include <cstddef>
#include <cstdint>
#include <string>
#include <system_error>
#include <vector>

#include <boost/asio/ip/udp.hpp>

#include "checkers/check.h"

namespace vigil::checkers {

// With `receive_errors`, IP_RECVERR / IPV6_RECVERR is set (keepalived udp_bind_connect) so that
// every ICMP error about our datagrams is queued on the socket, not only port unreachable.
std::error_code open_udp_socket(boost::asio::ip::udp::socket& socket, const Endpoint& endpoint,
                                bool receive_errors);

// "timeout after 5 s" / "timeout after 500 ms": the reason of a probe that ran out of time.
// (Same wording as checkers/connect.h describe(); kept here so the datagram checks do not depend
// on the TCP connect helper.)
std::string timeout_after(core::Duration limit);

// keepalived set_buf(): "keepalived check - " repeated to `size` octets. It is what UDP_CHECK
// sends without a payload (32 octets) and the body of PING_CHECK's echo request (128 octets).
std::vector<std::uint8_t> filler_payload(std::size_t size);

enum class QueuedError {
  kNone,                    // the error queue is empty
  kDestinationUnreachable,  // ICMP / ICMPv6 destination unreachable, any code
  kOther,                   // another error (time exceeded, ...)
};

// Reads one entry of the socket's error queue (MSG_ERRQUEUE) without blocking. Destination
// unreachable is the only ICMP error keepalived's udp_socket_error() counts as a failure;
// `*icmp_code` receives its code.
QueuedError pop_queued_error(int fd, int* icmp_code = nullptr);

}  // namespace vigil::checkers
