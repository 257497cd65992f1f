#pragma once

// Byte vectors from hex text, for tests that compare against captured packets and frames.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::vrrp::testing {

// "2133960101" -> {0x21, 0x33, 0x96, 0x01, 0x01}; a trailing odd digit is ignored.
inline std::vector<std::uint8_t> hex(std::string_view s) {
  std::vector<std::uint8_t> out;
  out.reserve(s.size() / 2);
  for (std::size_t i = 0; i + 1 < s.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoul(std::string(s.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

}  // namespace vigil::vrrp::testing
