#pragma once

// The open-file limit vigild needs. A check holds descriptors while it runs (a socket; a
// MISC_CHECK a pidfd and the error pipe of its child), and with `warmup 0` every checker's first
// check starts at the same moment: in the VM test, 1,600 MISC_CHECKs under the usual soft limit
// of 1,024 failed with "pipe2 failed: Too many open files" and their real servers went down
// while keepalived kept them up. So at start and after every reload the soft limit is raised to
// kBaseDescriptors plus kDescriptorsPerChecker for each checker when it is lower, and the hard
// limit with it when that is not enough and the process may (root; at most fs.nr_open).

#include <sys/resource.h>

#include <cstddef>
#include <optional>

#include <spdlog/logger.h>

#include "parser/config/config.h"

namespace vigil::daemon {

inline constexpr std::size_t kBaseDescriptors = 256;  // VRRP sockets, netlink, control, logs
inline constexpr std::size_t kDescriptorsPerChecker = 2;

// What `config` needs at most at one time.
std::size_t descriptors_needed(const config::Config& config);

// The limit to ask for, given the current one and fs.nr_open; nullopt when `current` already
// covers `needed`. Pure, for the tests.
std::optional<rlimit> fd_limit_for(std::size_t needed, const rlimit& current, rlim_t nr_open);

// Raises RLIMIT_NOFILE to cover `needed`; says what it did, or what it could not, in `log`.
// Never throws.
void ensure_fd_limit(std::size_t needed, spdlog::logger& log);

}  // namespace vigil::daemon
