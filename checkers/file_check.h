#pragma once

// FILE_CHECK: not a probe but a tracked file (a global `track_file` block) whose value decides
// a checker's state and a share of its real server's weight, as keepalived 2.2.7's
// update_track_file_status / process_update_checker_track_file_status (track_file.c).

#include <cstdint>
#include <optional>

namespace vigil::checkers {

// The status a track_file value gives a FILE_CHECK with `weight` (and `reverse`): nullopt is
// FAULT (the checker is down), otherwise the share added to the real server's weight.
//  - weight 0: a non-zero value is FAULT (reverse: a zero value), anything else adds 0;
//  - otherwise value x weight (x -1 reversed), saturated to the int range; INT_MIN is FAULT
//    (keepalived's IPVS_WEIGHT_FAULT).
std::optional<std::int64_t> file_check_share(long value, std::int32_t weight, bool reverse);

}  // namespace vigil::checkers
