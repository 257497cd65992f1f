#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/ip/address.hpp>

namespace vigil::core {

using IpAddress = boost::asio::ip::address;

enum class Family { kIPv4, kIPv6 };

inline Family family_of(const IpAddress& a) { return a.is_v4() ? Family::kIPv4 : Family::kIPv6; }
std::string_view family_name(Family f);  // "inet" / "inet6"

// An address with a prefix length, as in `192.168.1.10/24`.
struct IpPrefix {
  IpAddress address;
  std::uint8_t length = 0;

  std::string str() const;  // "a/len"
  bool operator==(const IpPrefix&) const = default;
};

// Strict parsers: no surrounding space, no trailing garbage. IPv6 zone ids are rejected.
std::optional<IpAddress> parse_ip_address(std::string_view text);
// `a/len` or a bare `a` (then the full host length, 32 or 128).
std::optional<IpPrefix> parse_ip_prefix(std::string_view text);
// Adds `n` to an address (used by ranges such as `10.0.0.1-10`); nullopt on overflow.
std::optional<IpAddress> offset_address(const IpAddress& a, std::uint64_t n);

}  // namespace vigil::core
