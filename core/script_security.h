#pragma once

// What keepalived 2.2.7 finds out about a script before it agrees to run it (lib/notify.c:
// find_path, check_script_secure, check_security): where the program is, whether the user it
// runs as may execute it, and whether anyone but root could change it or a directory above it.

#include <sys/types.h>

#include <string>
#include <string_view>

namespace vigil::parser {

struct ScriptIdentity {
  uid_t uid = 0;
  gid_t gid = 0;
};

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
ScriptInspection inspect_script(std::string_view command, const ScriptIdentity& who,
                                std::string_view search_path);

// The PATH keepalived would search: $PATH, else the system default.
std::string default_search_path();

}  // namespace vigil::parser
