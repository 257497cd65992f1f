#pragma once

// MISC_CHECK: runs `misc_path` (no shell) and judges the real server by its exit status, as
// keepalived 2.2.7 does (check/check_misc.c misc_check_thread, misc_check_child_thread).

#include <cstdint>
#include <memory>
#include <string>

#include "checkers/check.h"
#include "core/process_runner.h"

namespace vigil::checkers {

// The verdict on one finished run (pure, for unit tests):
//  - exit 0: success; with misc_dynamic the weight goes back to the configured one
//    (keepalived sets rs->iweight again): CheckResult::weight is left unset, and the real
//    server's health restores the weight it knows (so one run can serve several owners);
//  - misc_dynamic and exit 2..255: success with weight = code - 2 (0..253, not capped);
//  - any other exit status: failure "exited with status N";
//  - killed after misc_timeout (SIGTERM, then SIGKILL): failure "timeout". A script that traps
//    our SIGTERM and exits normally is judged by its exit status, as keepalived does (it only
//    looks at the timeout state when WIFSIGNALED);
//  - any other signal: failure "due to signal N";
//  - failed to start: failure with the errno text.
CheckResult misc_verdict(const core::ProcessResult& result, bool dynamic);

std::unique_ptr<Check> make_misc_check(const config::Checker& checker, const config::RealServer& rs,
                                       const config::VirtualServer& vs, CheckContext& context,
                                       std::string* why);

}  // namespace vigil::checkers
