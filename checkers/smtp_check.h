#pragma once

// SMTP_CHECK, as keepalived 2.2.7 does it (check/check_smtp.c smtp_connect_thread,
// smtp_check_thread, smtp_engine_thread, smtp_get_status): connect, a 220 greeting,
// "HELO <helo_name>", a 250 reply, "QUIT", and any reply line to that (keepalived does not look at
// the QUIT reply's code, only that one arrives). Each step (connect, every read and write) gets
// connect_timeout. The `host { }` blocks are separate checkers after finalize. A failure carries
// keepalived's words for it in CheckResult::alert (SMTP alerts). The reply reading is
// core/smtp_dialogue.h, shared with the SMTP alert client.

#include <memory>
#include <string>

#include "checkers/check.h"

namespace vigil::checkers {

std::unique_ptr<Check> make_smtp_check(const config::Checker& checker, const config::RealServer& rs,
                                       const config::VirtualServer& vs, CheckContext& context,
                                       std::string* why);

}  // namespace vigil::checkers
