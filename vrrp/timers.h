#pragma once

// The VRRP timer formulas (RFC 3768 6.1, RFC 5798 6.1 / RFC 9568 6.1), in keepalived's integer
// arithmetic. keepalived keeps every VRRP time in microseconds (TIMER_HZ = 1000000) and rounds
// down where it divides; vigil does exactly the same, so a vigil backup and a keepalived backup
// configured alike take over at the same microsecond.

#include <chrono>
#include <cstdint>

#include "vrrp/packet.h"

namespace vigil::vrrp {

using Micros = std::chrono::microseconds;

// RFC 5798 5.2.4: priority 0 means "the current master stops participating"; 255 is reserved for
// the router that owns the virtual addresses.
inline constexpr std::uint8_t kPriorityStop = 0;
inline constexpr std::uint8_t kPriorityOwner = 255;
// RFC 5798 6.1's factor 3 in Master_Down_Interval; keepalived's `down_timer_adverts` (1..100)
// replaces it.
inline constexpr unsigned kDefaultDownTimerAdverts = 3;

// v3 Max Adver Int is carried in centiseconds (RFC 5798 5.2.7, 12 bits).
constexpr Micros from_centiseconds(std::uint16_t centiseconds) {
  return Micros(std::int64_t{centiseconds} * 10'000);
}

// Skew_Time, from the (effective) local priority.
//   v2, RFC 3768 6.1:  Skew_Time = (256 - Priority) / 256                  [seconds]
//   v3, RFC 5798 6.1:  Skew_Time = ((256 - Priority) * Master_Adver_Interval) / 256
// The v2 skew does not depend on the advertisement interval. keepalived (vrrp.h,
// VRRP_TIMER_SKEW_CALC) truncates the v3 interval to whole centiseconds and computes
// ((256 - Priority) * centiseconds * 625) / 16 microseconds (625/16 = 10000/256), rounding the
// result down once; the same expression is used here.
constexpr Micros skew_time(Version version, std::uint8_t priority, Micros master_adver_interval) {
  const std::int64_t weight = 256 - std::int64_t{priority};
  if (version == Version::kV2) return Micros(weight * 1'000'000 / 256);
  const std::int64_t centiseconds = master_adver_interval.count() / 10'000;
  return Micros(weight * centiseconds * 625 / 16);
}

// Master_Down_Interval = (3 * Master_Adver_Interval) + Skew_Time   (RFC 5798 6.1; RFC 3768 6.1
// with Advertisement_Interval). keepalived's VRRP_MS_DOWN_TIMER uses down_timer_adverts for the 3.
constexpr Micros master_down_interval(Version version, std::uint8_t priority,
                                      Micros master_adver_interval,
                                      unsigned down_timer_adverts = kDefaultDownTimerAdverts) {
  return master_adver_interval * down_timer_adverts +
         skew_time(version, priority, master_adver_interval);
}

}  // namespace vigil::vrrp
