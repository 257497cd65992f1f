#pragma once

// SMTP_CHECK, as keepalived 2.2.7 does it (check/check_smtp.c smtp_connect_thread,
// smtp_check_thread, smtp_engine_thread, smtp_get_status): connect, a 220 greeting,
// "HELO <helo_name>", a 250 reply, "QUIT", and any reply line to that (keepalived does not look at
// the QUIT reply's code, only that one arrives). Each step (connect, every read and write) gets
// connect_timeout. The `host { }` blocks are separate checkers after finalize.

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "checkers/check.h"

namespace vigil::checkers {

// The reply code of an SMTP reply line: its first three characters when they are digits
// (keepalived smtp_get_status), else nullopt.
std::optional<unsigned> smtp_reply_code(std::string_view line);

std::unique_ptr<Check> make_smtp_check(const config::Checker& checker, const config::RealServer& rs,
                                       const config::VirtualServer& vs, CheckContext& context,
                                       std::string* why);

}  // namespace vigil::checkers
