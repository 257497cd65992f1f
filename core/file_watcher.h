#pragma once

// track_file (VRRP tracking and the checkers' FILE_CHECK): keepalived 2.2.7 (track_file.c)
// watches the directory of each tracked file with
// inotify (IN_CLOSE_WRITE | IN_DELETE | IN_MOVE) and re-reads the file when it is written and
// closed or moved in; a file deleted or moved away counts as value 0. We do the same, with the
// inotify descriptor on the io_context. A file is read once when added.

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

namespace vigil::core {

// A track_file's text as keepalived reads it (process_track_file): strtol(text, NULL, 0) of the
// first 127 bytes, 0 when unparsable; saturated to the 32-bit range keepalived accepts. Each user
// clamps further (VRRP to -254..254).
long parse_track_file_value(std::string_view text);

// The value of a track file now: its text through parse_track_file_value, 0 when missing.
long read_track_file(const std::string& path);

// keepalived `init_file [VALUE] [overwrite]`: writes "VALUE\n" when the file does not exist, or
// always with `overwrite`. An existing non-regular file is left alone (error returned).
std::error_code initialise_track_file(const std::string& path, std::int64_t value, bool overwrite);

class FileWatcher {
 public:
  using Listener = std::function<void(const std::string& name, long value)>;

  // The listener runs on the io_context for every change of a file's value (not for writes
  // that leave the value unchanged).
  FileWatcher(boost::asio::io_context& io, Listener listener);
  ~FileWatcher();
  FileWatcher(const FileWatcher&) = delete;
  FileWatcher& operator=(const FileWatcher&) = delete;

  // Watches `path` as track_file `name` and reads its value now. The directory must exist
  // (keepalived: "Track file directory for %s does not exist - removing"); the file need not.
  std::error_code add(const std::string& name, const std::string& path);
  // Stops watching `name` (a reload that no longer tracks it, or tracks another path).
  void remove(std::string_view name);
  // The last value read (0 for unknown names).
  long value(std::string_view name) const;

 private:
  struct File {
    std::string name;
    std::string path;       // as resolved (directory realpath + file name)
    std::string directory;  // watched directory
    std::string file_part;
    int wd = -1;
    long value = 0;
  };
  void start_read();
  void handle_events(std::size_t bytes);

  boost::asio::io_context& io_;
  Listener listener_;
  int inotify_fd_ = -1;
  std::unique_ptr<boost::asio::posix::stream_descriptor> stream_;
  std::vector<File> files_;
  std::vector<char> buffer_;
  bool reading_ = false;
  std::shared_ptr<bool> alive_;
};

}  // namespace vigil::core
