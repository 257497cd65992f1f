#include "core/ip_address.h"

#include <charconv>

namespace vigil::core {

std::string_view family_name(Family f) { return f == Family::kIPv4 ? "inet" : "inet6"; }

std::string IpPrefix::str() const { return address.to_string() + "/" + std::to_string(length); }

std::optional<IpAddress> parse_ip_address(std::string_view text) {
  if (text.empty() || text.find('%') != std::string_view::npos) return std::nullopt;
  boost::system::error_code ec;
  auto a = boost::asio::ip::make_address(std::string(text), ec);
  if (ec) return std::nullopt;
  return a;
}

std::optional<IpPrefix> parse_ip_prefix(std::string_view text) {
  auto slash = text.find('/');
  auto addr = parse_ip_address(text.substr(0, slash));
  if (!addr) return std::nullopt;
  unsigned max = addr->is_v4() ? 32 : 128;
  if (slash == std::string_view::npos) return IpPrefix{*addr, static_cast<std::uint8_t>(max)};
  auto len_text = text.substr(slash + 1);
  unsigned len = 0;
  auto [ptr, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
  if (len_text.empty() || ec != std::errc() || ptr != len_text.data() + len_text.size() ||
      len > max) {
    return std::nullopt;
  }
  return IpPrefix{*addr, static_cast<std::uint8_t>(len)};
}

std::optional<IpAddress> offset_address(const IpAddress& a, std::uint64_t n) {
  if (a.is_v4()) {
    std::uint64_t v = a.to_v4().to_uint() + n;
    if (v > 0xffffffffULL) return std::nullopt;
    return IpAddress(boost::asio::ip::address_v4(static_cast<std::uint32_t>(v)));
  }
  auto bytes = a.to_v6().to_bytes();
  std::uint64_t carry = n;
  for (int i = 15; i >= 0 && carry != 0; --i) {
    std::uint64_t sum = bytes[i] + (carry & 0xff);
    bytes[i] = static_cast<unsigned char>(sum & 0xff);
    carry = (carry >> 8) + (sum >> 8);
  }
  if (carry != 0) return std::nullopt;
  return IpAddress(boost::asio::ip::address_v6(bytes));
}

}  // namespace vigil::core
