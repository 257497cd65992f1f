#pragma once

#include "daemon/options.h"

namespace vigil::daemon {

// Runs vigild: parse, prepare the process (namespace, umask, core dumps, pid file, fork),
// then the event loop until SIGTERM/SIGINT. Returns the process exit code.
int run_daemon(const Options& options);

}  // namespace vigil::daemon
