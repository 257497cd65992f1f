#pragma once

// From a script as configured (command line text, user, group) to a core::Command, as keepalived
// 2.2.7 prepares one once at configuration time (lib/notify.c notify_script_init,
// set_script_params_array, find_path; lib/parser.c alloc_strvec_quoted_escaped).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/process_runner.h"

namespace vigil::core {

// keepalived's alloc_strvec_quoted_escaped: words split on blanks; '...' and "..." group (the
// quotes are removed and may sit inside a word: a"b c"d is one word `ab cd`); a backslash
// escapes the next character, with C escapes \a \b \E \f \n \r \t \v, octal \NNN, hex \xHH and
// control \cX. nullopt on an unterminated quote or a trailing backslash, or no words at all.
std::optional<std::vector<std::string>> split_command(std::string_view command);

// Resolves a user name (and an optional group name; empty: the user's primary group) with
// getpwnam_r/getgrnam_r. nullopt when either is unknown.
std::optional<Credentials> lookup_credentials(const std::string& user, const std::string& group);

// keepalived's built-in default script user (used when it exists and no script_user is set).
inline constexpr const char* kDefaultScriptUser = "keepalived_script";

// The global script settings that decide who a script without its own `user` runs as.
struct ScriptDefaults {
  std::string script_user;   // global_defs script_user; empty: keepalived_script, else ourselves
  std::string script_group;  // global_defs script_user's optional group
  // PATH used to resolve bare program names; empty: $PATH, else confstr(_CS_PATH).
  std::string search_path;
  // global_defs enable_script_security: make_script_command refuses a script that would run
  // with root privileges from a path a non-root user can modify, and a script without a user
  // when neither script_user nor the keepalived_script user exists.
  bool script_security = false;
};

// The identity a script runs as (keepalived notify_script_init / get_default_script_user): its
// own user/group when given, else the global script_user, else `keepalived_script` when that
// user exists, else the daemon's own euid/egid. nullopt when a named user or group does not
// exist.
std::optional<Credentials> script_identity(const std::string& user, const std::string& group,
                                           const ScriptDefaults& defaults);

// Splits `command_line`, resolves a bare program name through the search path (keepalived
// find_path: the first regular, executable file; it logs "Please specify full path") and the
// identity. nullopt with `*error` set when the command cannot run, or when it must not under
// `defaults.script_security` (keepalived: "Unsafe permissions found for script '...' -
// disabling."). The check happens here, once per configuration load, as keepalived does it.
std::optional<Command> make_script_command(std::string_view command_line, const std::string& user,
                                           const std::string& group, const ScriptDefaults& defaults,
                                           std::string* error = nullptr);

}  // namespace vigil::core
