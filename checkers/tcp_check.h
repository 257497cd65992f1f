#pragma once

// TCP_CHECK: the real server is up when a TCP connection to it is established within
// connect_timeout (keepalived check_tcp.c: connect, then close at once; nothing is sent).

#include <memory>
#include <string>

#include "checkers/check.h"

namespace vigil::checkers {

std::unique_ptr<Check> make_tcp_check(const config::Checker& checker, const config::RealServer& rs,
                                      const config::VirtualServer& vs, CheckContext& context,
                                      std::string* why);

}  // namespace vigil::checkers
