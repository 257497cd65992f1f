#pragma once

// The Check for one configured checker: dispatches on its type to the check's own factory.

#include <memory>
#include <string>

#include "checkers/check.h"

namespace vigil::checkers {

// nullptr with `*why` set when the checker cannot run (bad TLS settings, a script that cannot
// be resolved, a check type that is not a probe: the manager runs FILE_CHECK itself).
std::unique_ptr<Check> make_check(const config::Checker& checker, const config::RealServer& rs,
                                  const config::VirtualServer& vs, CheckContext& context,
                                  std::string* why);

}  // namespace vigil::checkers
