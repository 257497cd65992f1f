#pragma once

// DNS_CHECK: one UDP query for `name` / `type` to the server (default port 53), passing on a
// reply with our ID, QR set and RCODE 0, as keepalived 2.2.7 does (check/check_dns.c
// dns_connect_thread, dns_send_thread, dns_recv_thread). One datagram, no retransmission: the
// checker's retry (keepalived's DNS default is 3) covers a lost packet. connect_timeout bounds
// the whole exchange (keepalived carries the remaining time from the send to the receive).

#include <memory>
#include <string>

#include "checkers/check.h"

namespace vigil::checkers {

std::unique_ptr<Check> make_dns_check(const config::Checker& checker, const config::RealServer& rs,
                                      const config::VirtualServer& vs, CheckContext& context,
                                      std::string* why);

}  // namespace vigil::checkers
