#include "parser/pre_include.h"

#include <dirent.h>
#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <utility>

namespace vigil::parser {
namespace {

// glob(3) calls these back; the counters belong to the glob running on this thread.
thread_local GlobResult* g_glob = nullptr;

void* glob_opendir(const char* name) {
  g_glob->wildcards = true;
  DIR* dir = opendir(name);
  if (dir == nullptr) ++g_glob->missing_directories;
  return dir;
}

struct dirent* glob_readdir(void* dir) {
  return readdir(static_cast<DIR*>(dir));
}

void glob_closedir(void* dir) { closedir(static_cast<DIR*>(dir)); }

int glob_lstat(const char* path, struct stat* st) {
  const int rc = lstat(path, st);
  if (rc != 0) ++g_glob->missing_files;
  return rc;
}

int glob_stat(const char* path, struct stat* st) { return stat(path, st); }

}  // namespace

bool parse_include(std::string_view line, IncludeDirective& out) {
  if (line.size() <= 7 || line.substr(0, 7) != "include") return false;
  auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  std::size_t p = 0;
  if (space(line[7])) {
    out.checks = 0;
    p = 8;
  } else if (line.size() > 8 && space(line[8])) {
    switch (line[7]) {
      case 'r':
        out.checks = kIncludeRead;
        break;
      case 'm':
        out.checks = kIncludeRead | kIncludeMatch;
        break;
      case 'w':
        out.checks = kIncludeRead | kIncludeMatch | kIncludeWildcard;
        break;
      case 'b':
        out.checks = kIncludeRead | kIncludeBrace;
        break;
      case 'a':
        out.checks = kIncludeAll;
        break;
      default:
        return false;
    }
    p = 9;
  } else {
    return false;
  }
  while (p < line.size() && (line[p] == ' ' || line[p] == '\t')) ++p;
  out.pattern_offset = p;
  return true;
}

GlobResult run_glob(const std::string& pattern) {
  GlobResult result;
  glob_t g{};
  g.gl_opendir = glob_opendir;
  g.gl_readdir = glob_readdir;
  g.gl_closedir = glob_closedir;
  g.gl_lstat = glob_lstat;
  g.gl_stat = glob_stat;
  GlobResult* saved = g_glob;
  g_glob = &result;
  result.rc = glob(pattern.c_str(), GLOB_MARK | GLOB_BRACE | GLOB_ALTDIRFUNC, nullptr, &g);
  g_glob = saved;
  if (result.rc == 0) {
    result.paths.reserve(g.gl_pathc);
    for (std::size_t i = 0; i < g.gl_pathc; ++i) result.paths.emplace_back(g.gl_pathv[i]);
  }
  globfree(&g);
  return result;
}

bool has_brace(std::string_view pattern) {
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\') {
      ++i;
    } else if (pattern[i] == '{') {
      return true;
    }
  }
  return false;
}

std::string escape_glob(std::string_view dir) {
  std::string out;
  out.reserve(dir.size() + 8);
  for (char c : dir) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '{' || c == '}' || c == '\\') {
      out.push_back('\\');
    }
    out.push_back(c);
  }
  return out;
}

std::string directory_of(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return {};
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

unsigned apply_include_check(const std::vector<Token>& words, unsigned current) {
  if (words.size() <= 1) return kIncludeAll;
  unsigned checks = current;
  for (std::size_t i = 1; i < words.size(); ++i) {
    std::string_view word = words[i].text;
    int add_remove = 0;
    if (!word.empty() && word[0] == '-') {
      add_remove = -1;
      word.remove_prefix(1);
    } else if (!word.empty() && word[0] == '+') {
      add_remove = 1;
      word.remove_prefix(1);
    } else if (i == 1) {
      checks = 0;
    } else {
      continue;  // keepalived: "Duplicate include_check ... - ignoring"
    }
    unsigned flag = 0;
    if (word == "read") {
      flag = kIncludeRead;
    } else if (word == "match") {
      flag = kIncludeMatch;
    } else if (word == "wildcard_match") {
      flag = kIncludeWildcard;
    } else if (word == "brace_match") {
      flag = kIncludeBrace;
    }
    if (flag == 0) continue;
    if (add_remove == 0) {
      checks = kIncludeRead | flag;
    } else if (add_remove > 0) {
      checks |= flag;
    } else {
      checks &= ~flag;
    }
  }
  return checks;
}

FileReader::FileReader(FileReader&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), dev_(other.dev_), ino_(other.ino_) {}

FileReader& FileReader::operator=(FileReader&& other) noexcept {
  if (this != &other) {
    close_fd();
    fd_ = std::exchange(other.fd_, -1);
    dev_ = other.dev_;
    ino_ = other.ino_;
  }
  return *this;
}

FileReader::~FileReader() { close_fd(); }

void FileReader::close_fd() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

bool FileReader::open(const std::string& path, std::string& buf, std::string& error) {
  close_fd();
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) {
    error = std::strerror(errno);
    return false;
  }
  struct stat st {};
  if (fstat(fd_, &st) != 0) {
    error = std::strerror(errno);
    close_fd();
    return false;
  }
  dev_ = st.st_dev;
  ino_ = st.st_ino;
  buf.clear();
  return read_more(buf, error) || error.empty();
}

bool FileReader::read_more(std::string& buf, std::string& error) {
  constexpr std::size_t kChunk = 64 * 1024;
  while (fd_ >= 0) {
    const std::size_t old = buf.size();
    buf.resize(old + kChunk);
    const ssize_t n = read(fd_, buf.data() + old, kChunk);
    buf.resize(old + static_cast<std::size_t>(n > 0 ? n : 0));
    if (n > 0) return true;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) error = std::strerror(errno);
    close_fd();
  }
  return false;
}

}  // namespace vigil::parser
