#include "daemon/fd_limit.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace vigil::daemon {

namespace {

rlim_t read_nr_open() {
  std::ifstream in("/proc/sys/fs/nr_open");
  unsigned long long v = 0;
  if (in >> v && v > 0) return static_cast<rlim_t>(v);
  return 1024 * 1024;  // the kernel's default
}

}  // namespace

std::size_t descriptors_needed(const config::Config& config) {
  std::size_t checkers = 0;
  for (const auto& vs : config.lvs.virtual_servers) {
    for (const auto& rs : vs.real_servers) checkers += rs.checkers.size();
  }
  return kBaseDescriptors + kDescriptorsPerChecker * checkers;
}

std::optional<rlimit> fd_limit_for(std::size_t needed, const rlimit& current, rlim_t nr_open) {
  const auto want = static_cast<rlim_t>(needed);
  if (current.rlim_cur == RLIM_INFINITY || current.rlim_cur >= want) return std::nullopt;
  rlimit next = current;
  if (current.rlim_max == RLIM_INFINITY || current.rlim_max >= want) {
    next.rlim_cur = want;
  } else {
    next.rlim_max = std::max(current.rlim_max, std::min(want, nr_open));
    next.rlim_cur = next.rlim_max;
  }
  return next;
}

void ensure_fd_limit(std::size_t needed, spdlog::logger& log) {
  rlimit current{};
  if (::getrlimit(RLIMIT_NOFILE, &current) != 0) return;
  const auto next = fd_limit_for(needed, current, read_nr_open());
  if (!next) return;
  if (::setrlimit(RLIMIT_NOFILE, &*next) == 0) {
    log.info("open-file limit raised from {} to {} (the checkers need up to {})", current.rlim_cur,
             next->rlim_cur, needed);
    if (next->rlim_cur < needed) {
      log.warn("open-file limit {} is below the {} descriptors the checkers may need",
               next->rlim_cur, needed);
    }
    return;
  }
  const int err = errno;
  // Not allowed to raise the hard limit: take all of it.
  if (current.rlim_cur < current.rlim_max) {
    rlimit all = current;
    all.rlim_cur = current.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &all) == 0) current = all;
  }
  log.warn(
      "cannot raise the open-file limit to {} ({}); it is {}: checks may fail with \"Too "
      "many open files\"",
      needed, std::strerror(err), current.rlim_cur);
}

}  // namespace vigil::daemon
