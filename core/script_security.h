#pragma once

// What keepalived 2.2.7 finds out about a script before it agrees to run it (lib/notify.c:
// find_path, check_script_secure, check_security): where the program is, whether the user it
// runs as may execute it, and whether anyone but root could change it or a directory above it.
// `vigild -t` reports what it finds (parser/host_checks.cc); the running daemon refuses insecure
// scripts under enable_script_security (make_script_command, core/script_command.h).

#include <sys/stat.h>

#include <optional>
#include <string>
#include <string_view>

#include "core/process_runner.h"

namespace vigil::core {

enum class ScriptState {
  // `</dev/tcp/host/port`: a shell redirection that only tests a connection; keepalived does
  // not treat it as a script at all.
  kNotAScript,
  // Not found (bare names are searched in PATH like execvp does), or unreadable.
  kMissing,
  // Exists but the user it runs as cannot execute it. keepalived still counts it as a script.
  kNotExecutable,
  // Runs as a non-root user and is not set-uid/gid root: no protection needed.
  kUnprivileged,
  // Runs with root privileges and only root can change it.
  kSecure,
  // Runs with root privileges and a non-root user can change it (or a directory above it).
  kInsecure,
};

struct ScriptInspection {
  ScriptState state = ScriptState::kMissing;
  std::string program;      // the program as resolved (PATH search, symlinks followed)
  std::string unsafe_path;  // kInsecure: the first path component a non-root user controls
  bool from_path_search = false;
};

// The program a command line runs: its first word, honouring a leading quote.
std::string program_of(std::string_view command);

// Inspects `command` as it would run as `who`. `search_path` is the PATH used for bare program
// names (keepalived uses its own environment's PATH, or confstr(_CS_PATH) without one).
ScriptInspection inspect_script(std::string_view command, const Credentials& who,
                                std::string_view search_path);

// The same for a program already resolved to a path (no PATH search, no quoting).
ScriptInspection inspect_program(const std::string& program, const Credentials& who);

// The PATH keepalived would search: $PATH, else the system default.
std::string default_search_path();

// keepalived's is_executable(): root may run anything with any execute bit; otherwise the
// owner, group and other bits apply in the usual order.
bool executable_by(const struct stat& st, const Credentials& who);

// keepalived's find_path (modelled on glibc's execvp): the first regular file named `name` in
// `search_path` that `who` may execute.
std::optional<std::string> find_in_path(const std::string& name, const Credentials& who,
                                        std::string_view search_path);

}  // namespace vigil::core
