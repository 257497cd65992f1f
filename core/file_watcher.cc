#include "core/file_watcher.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include "core/logging.h"

namespace vigil::core {

long parse_track_file_value(std::string_view text) {
  std::string buf(text.substr(0, 127));
  errno = 0;
  long v = std::strtol(buf.c_str(), nullptr, 0);
  if (errno == ERANGE)
    v = v < 0 ? std::numeric_limits<std::int32_t>::min() : std::numeric_limits<std::int32_t>::max();
  return std::clamp<long>(v, std::numeric_limits<std::int32_t>::min(),
                          std::numeric_limits<std::int32_t>::max());
}
namespace {

std::error_code last_error() { return std::error_code(errno, std::generic_category()); }

std::optional<std::string> real_path(const std::string& path) {
  char* resolved = ::realpath(path.c_str(), nullptr);
  if (!resolved) return std::nullopt;
  std::string out(resolved);
  std::free(resolved);
  return out;
}

constexpr std::uint32_t kWatchMask = IN_CLOSE_WRITE | IN_DELETE | IN_MOVE;

}  // namespace

long read_track_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[128];
  const ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return 0;
  return parse_track_file_value(std::string_view(buf, static_cast<std::size_t>(n)));
}

std::error_code initialise_track_file(const std::string& path, std::int64_t value, bool overwrite) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (!S_ISREG(st.st_mode)) return std::make_error_code(std::errc::invalid_argument);
    if (!overwrite) return {};
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) return last_error();
  const std::string text = std::to_string(value) + "\n";
  const ssize_t n = ::write(fd, text.data(), text.size());
  std::error_code ec = n == static_cast<ssize_t>(text.size()) ? std::error_code{} : last_error();
  ::close(fd);
  return ec;
}

FileWatcher::FileWatcher(boost::asio::io_context& io, Listener listener)
    : io_(io),
      listener_(std::move(listener)),
      buffer_(sizeof(struct inotify_event) + NAME_MAX + 1 + 4096),
      alive_(std::make_shared<bool>(true)) {}

FileWatcher::~FileWatcher() {
  *alive_ = false;
  stream_.reset();  // closes the inotify descriptor
}

std::error_code FileWatcher::add(const std::string& name, const std::string& path) {
  // keepalived init_track_files: resolve the file if it exists, else its directory, which must
  // exist ("Track file directory for %s does not exist - removing").
  File f;
  f.name = name;
  if (auto resolved = real_path(path)) {
    f.path = *resolved;
  } else if (errno == ENOENT) {
    const std::size_t slash = path.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + (slash == 0));
    auto resolved_dir = real_path(dir);
    struct stat st {};
    if (!resolved_dir || ::stat(resolved_dir->c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      return std::make_error_code(std::errc::no_such_file_or_directory);
    }
    const std::string file = slash == std::string::npos ? path : path.substr(slash + 1);
    f.path = (*resolved_dir == "/" ? "" : *resolved_dir) + "/" + file;
  } else {
    return last_error();
  }
  const std::size_t slash = f.path.rfind('/');
  f.directory = slash == 0 ? "/" : f.path.substr(0, slash);
  f.file_part = f.path.substr(slash + 1);

  if (inotify_fd_ < 0) {
    inotify_fd_ = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (inotify_fd_ < 0) return last_error();
    stream_ = std::make_unique<boost::asio::posix::stream_descriptor>(io_, inotify_fd_);
  }
  f.wd = ::inotify_add_watch(inotify_fd_, f.directory.c_str(), kWatchMask);
  if (f.wd < 0) return last_error();
  f.value = read_track_file(f.path);
  files_.push_back(std::move(f));
  if (!reading_) start_read();
  return {};
}

void FileWatcher::remove(std::string_view name) {
  for (auto it = files_.begin(); it != files_.end();) {
    if (it->name != name) {
      ++it;
      continue;
    }
    const int wd = it->wd;
    it = files_.erase(it);
    // One watch per directory, shared by the files in it (inotify returns the same descriptor).
    const bool shared =
        std::any_of(files_.begin(), files_.end(), [wd](const File& f) { return f.wd == wd; });
    if (!shared && inotify_fd_ >= 0) ::inotify_rm_watch(inotify_fd_, wd);
  }
}

long FileWatcher::value(std::string_view name) const {
  for (const auto& f : files_) {
    if (f.name == name) return f.value;
  }
  return 0;
}

void FileWatcher::start_read() {
  reading_ = true;
  std::weak_ptr<bool> alive = alive_;
  stream_->async_wait(boost::asio::posix::stream_descriptor::wait_read,
                      [this, alive](const boost::system::error_code& ec) {
                        auto a = alive.lock();
                        if (!a || !*a) return;
                        reading_ = false;
                        if (ec) {
                          if (ec != boost::asio::error::operation_aborted) {
                            logger("vrrp")->warn("inotify wait failed: {}", ec.message());
                          }
                          return;
                        }
                        while (true) {
                          const ssize_t n = ::read(inotify_fd_, buffer_.data(), buffer_.size());
                          if (n < 0 && errno == EINTR) continue;
                          if (n <= 0) break;
                          handle_events(static_cast<std::size_t>(n));
                        }
                        start_read();
                      });
}

void FileWatcher::handle_events(std::size_t bytes) {
  // Listeners run after the whole batch, so one may add files without invalidating our loop.
  std::vector<std::pair<std::string, long>> changes;
  std::size_t offset = 0;
  while (offset + sizeof(struct inotify_event) <= bytes) {
    struct inotify_event ev {};
    std::memcpy(&ev, buffer_.data() + offset, sizeof ev);
    const char* name_ptr = buffer_.data() + offset + sizeof ev;
    std::string_view name(name_ptr, ev.len ? ::strnlen(name_ptr, ev.len) : 0);
    offset += sizeof ev + ev.len;
    if (ev.mask & IN_ISDIR) continue;
    if (!(ev.mask & kWatchMask)) continue;  // IN_IGNORED, IN_Q_OVERFLOW
    for (auto& f : files_) {
      if (f.wd != ev.wd || f.file_part != name) continue;
      // keepalived process_inotify: deleted or moved away counts as 0; written or moved in is
      // read again.
      const long value = (ev.mask & (IN_MOVED_FROM | IN_DELETE)) ? 0 : read_track_file(f.path);
      if (f.value == value) continue;
      f.value = value;
      logger("vrrp")->info("Track file {} now has value {}", f.name, value);
      changes.emplace_back(f.name, value);
    }
  }
  if (!listener_) return;
  for (const auto& [name, value] : changes) listener_(name, value);
}

}  // namespace vigil::core
