#pragma once

// The DNS messages of DNS_CHECK (RFC 1035 4.1), as keepalived 2.2.7 builds and judges them
// (check/check_dns.c dns_make_query, dns_recv_thread). Pure: no sockets, for unit tests.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "parser/config/checkers.h"

namespace vigil::checkers::dns {

inline constexpr std::size_t kHeaderSize = 12;  // RFC 1035 4.1.1

// RFC 1035 3.2.2 / RFC 3596 / RFC 4034 type codes.
std::uint16_t type_code(config::DnsType type);

// One question, class IN, RD set (keepalived: DNS_SET_RD(flags, 1)), QDCOUNT 1, the other counts
// 0. `name` is a dotted name; a trailing dot is optional and "." is the root. nullopt when the
// name cannot be encoded: an empty label ("a..b"), a label over 63 octets or a name over 255
// (RFC 1035 2.3.4).
std::optional<std::vector<std::uint8_t>> encode_query(std::uint16_t id, std::string_view name,
                                                      std::uint16_t type);

// What keepalived's dns_recv_thread does with one datagram on the query's socket.
enum class ReplyVerdict {
  kIgnore,  // shorter than a header, another ID, or QR clear: keep waiting for the reply
  kPass,    // our ID, QR set, RCODE 0 (NOERROR); keepalived looks at nothing else
  kFail,    // our ID, QR set, RCODE != 0 (rcode says which)
};

struct Reply {
  ReplyVerdict verdict = ReplyVerdict::kIgnore;
  unsigned rcode = 0;
};

Reply judge_reply(std::uint16_t id, std::span<const std::uint8_t> datagram);

}  // namespace vigil::checkers::dns
