#pragma once

#include "parser/binder.h"
#include "parser/config/config.h"

namespace vigil::parser {

// What keepalived -t checks on the running host: every interface the file names exists, and
// every script exists, is executable and (with or without enable_script_security) would be
// safe to run as its user. Returns true when scripts would run insecurely while
// enable_script_security is off (keepalived's exit 6).
bool check_host(const config::Config& config, const HostReferences& refs, Diagnostics& diag);

}  // namespace vigil::parser
