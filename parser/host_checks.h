#pragma once

#include <string>

#include "core/script_command.h"
#include "parser/binder.h"
#include "parser/config/config.h"

namespace vigil::parser {

// What keepalived -t checks on the running host: every interface the file names exists, and
// every script exists, is executable and (with or without enable_script_security) would be
// safe to run as its user. Returns true when scripts would run insecurely while
// enable_script_security is off (keepalived's exit 6).
bool check_host(const config::Config& config, const HostReferences& refs, Diagnostics& diag);

// The parts of the configuration the host checks depend on, separated from the model so the
// checks can be tested on their own.
struct HostCheckSettings {
  bool script_security = false;  // global_defs enable_script_security
  std::string script_user;       // global_defs script_user (empty: keepalived's default)
  std::string script_group;      // its optional group
  SourceLocation script_user_location;
  // keepalived's VRRP process checks its scripts only when there is a vrrp_instance.
  bool has_vrrp_instances = true;
  // Likewise the checker process and virtual_server.
  bool has_virtual_servers = true;
  std::string search_path;  // PATH for bare program names; empty: the environment's
  std::string default_user = core::kDefaultScriptUser;  // keepalived's built-in default
};

bool check_host(const HostReferences& refs, const HostCheckSettings& settings, Diagnostics& diag);

}  // namespace vigil::parser
