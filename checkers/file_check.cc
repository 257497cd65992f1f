#include "checkers/file_check.h"

#include <algorithm>
#include <limits>

namespace vigil::checkers {

std::optional<std::int64_t> file_check_share(long value, std::int32_t weight, bool reverse) {
  if (weight == 0) {
    const bool fault = (value != 0) != reverse;
    if (fault) return std::nullopt;
    return 0;
  }
  constexpr std::int64_t kMin = std::numeric_limits<std::int32_t>::min();
  constexpr std::int64_t kMax = std::numeric_limits<std::int32_t>::max();
  const std::int64_t status = std::clamp<std::int64_t>(
      static_cast<std::int64_t>(value) * weight * (reverse ? -1 : 1), kMin, kMax);
  if (status == kMin) return std::nullopt;
  return status;
}

}  // namespace vigil::checkers
