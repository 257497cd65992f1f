#pragma once

// The global script settings every subsystem resolves its scripts with (track scripts, notify
// scripts, MISC_CHECK, startup/shutdown scripts): one place, so that enable_script_security is
// enforced by all of them.

#include "core/script_command.h"
#include "parser/config/global.h"

namespace vigil::config {

inline core::ScriptDefaults script_defaults(const GlobalDefs& global) {
  core::ScriptDefaults d;
  d.script_user = global.script_user;
  d.script_group = global.script_group;
  d.script_security = global.enable_script_security;
  return d;
}

}  // namespace vigil::config
