#pragma once

#include <string>
#include <system_error>

namespace vigil::daemon {

// A pid file held with an exclusive lock for the life of the process, so that a second vigild
// with the same pid file refuses to start instead of fighting the first over the VIPs.
class PidFile {
 public:
  PidFile() = default;
  ~PidFile();
  PidFile(const PidFile&) = delete;
  PidFile& operator=(const PidFile&) = delete;

  // Locks `path` and writes the current pid. On failure `error` says why (naming the pid of
  // the running instance when another holds the lock).
  bool acquire(const std::string& path, std::string& error);
  // Rewrites the pid (after fork).
  void update();
  void release();

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace vigil::daemon
