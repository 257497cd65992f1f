#include "core/script_security.h"

#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <optional>
#include <vector>

namespace vigil::core {
namespace {

// Root privileges: run as uid or gid 0, or a set-uid/set-gid root file.
bool runs_privileged(const struct stat& st, const Credentials& who) {
  if (who.uid == 0 || who.gid == 0) return true;
  if (st.st_uid == 0 && (st.st_mode & S_IXUSR) && (st.st_mode & S_ISUID)) return true;
  return st.st_gid == 0 && (st.st_mode & S_IXGRP) && (st.st_mode & S_ISGID);
}

// keepalived's check_security() on one path component: owned by a non-root user, or writable
// by a non-root group or by anyone, counts as unsafe; a directory with the sticky bit (/tmp)
// may be world-writable.
bool component_unsafe(const struct stat& st) {
  if (st.st_uid != 0) return true;
  const bool sticky_dir = S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX);
  if (sticky_dir) return false;
  if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) return false;
  return (st.st_gid != 0 && (st.st_mode & S_IWGRP)) || (st.st_mode & S_IWOTH);
}

std::optional<std::string> real_path(const std::string& path) {
  char buf[PATH_MAX];
  if (::realpath(path.c_str(), buf) == nullptr) return std::nullopt;
  return std::string(buf);
}

}  // namespace

bool executable_by(const struct stat& st, const Credentials& who) {
  const mode_t m = st.st_mode;
  if (who.uid == 0) return (m & (S_IXUSR | S_IXGRP | S_IXOTH)) != 0;
  if (who.uid == st.st_uid) return (m & S_IXUSR) != 0;
  if (who.gid == st.st_gid) return (m & S_IXGRP) != 0;
  return (m & S_IXOTH) != 0;
}

std::optional<std::string> find_in_path(const std::string& name, const Credentials& who,
                                        std::string_view search_path) {
  std::size_t start = 0;
  while (start <= search_path.size()) {
    std::size_t end = search_path.find(':', start);
    if (end == std::string_view::npos) end = search_path.size();
    std::string dir(search_path.substr(start, end - start));
    std::string candidate = dir.empty() ? name : dir + "/" + name;
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && executable_by(st, who)) {
      return candidate;
    }
    start = end + 1;
  }
  return std::nullopt;
}

std::string program_of(std::string_view command) {
  std::size_t i = command.find_first_not_of(" \t");
  if (i == std::string_view::npos) return {};
  if (command[i] == '"' || command[i] == '\'') {
    const char quote = command[i];
    std::size_t close = command.find(quote, i + 1);
    if (close == std::string_view::npos) close = command.size();
    return std::string(command.substr(i + 1, close - i - 1));
  }
  std::size_t end = command.find_first_of(" \t", i);
  if (end == std::string_view::npos) end = command.size();
  return std::string(command.substr(i, end - i));
}

std::string default_search_path() {
  if (const char* p = std::getenv("PATH"); p != nullptr) return p;
  std::size_t n = ::confstr(_CS_PATH, nullptr, 0);
  if (n == 0) return "/bin:/usr/bin";
  std::string out(n, '\0');
  ::confstr(_CS_PATH, out.data(), n);
  out.resize(n - 1);
  return out;
}

ScriptInspection inspect_script(std::string_view command, const Credentials& who,
                                std::string_view search_path) {
  ScriptInspection out;
  // keepalived 2.2.7 skips `</dev/tcp/...`-style commands: `<`, optional blanks, then `/`.
  if (!command.empty() && command[0] == '<') {
    std::size_t j = command.find_first_not_of(" \t", 1);
    if (j != std::string_view::npos && command[j] == '/') {
      out.state = ScriptState::kNotAScript;
      return out;
    }
  }
  std::string program = program_of(command);
  out.program = program;
  if (program.empty()) return out;  // kMissing
  bool searched = false;
  if (program.find('/') == std::string::npos) {
    auto found = find_in_path(program, who, search_path);
    if (!found) return out;
    program = *found;
    searched = true;
  }
  out = inspect_program(program, who);
  out.from_path_search = searched;
  return out;
}

ScriptInspection inspect_program(const std::string& program, const Credentials& who) {
  ScriptInspection out;
  out.program = program;
  // Symlinks are followed before the ownership walk: /bin/true on a merged-/usr system is
  // checked as /usr/bin/true (measured: a link in a world-writable directory to a root-owned
  // binary is accepted under enable_script_security).
  auto resolved = real_path(program);
  struct stat st {};
  if (!resolved || ::stat(resolved->c_str(), &st) != 0) return out;
  out.program = *resolved;
  if (!executable_by(st, who)) {
    out.state = ScriptState::kNotExecutable;
    return out;
  }
  if (!runs_privileged(st, who)) {
    out.state = ScriptState::kUnprivileged;
    return out;
  }
  // Walk "/", "/usr", "/usr/bin", "/usr/bin/true": the first unsafe component decides.
  const std::string& path = *resolved;
  std::vector<std::string> prefixes{"/"};
  for (std::size_t i = 1; i < path.size(); ++i) {
    if (path[i] == '/') prefixes.push_back(path.substr(0, i));
  }
  if (path != "/") prefixes.push_back(path);
  for (const std::string& prefix : prefixes) {
    struct stat cs {};
    if (::lstat(prefix.c_str(), &cs) != 0 || component_unsafe(cs)) {
      out.state = ScriptState::kInsecure;
      out.unsafe_path = prefix;
      return out;
    }
  }
  // A directory (or device) named as a script is refused as keepalived does (measured).
  if (!S_ISREG(st.st_mode)) {
    out.state = ScriptState::kInsecure;
    out.unsafe_path = path;
    return out;
  }
  out.state = ScriptState::kSecure;
  return out;
}

}  // namespace vigil::core
