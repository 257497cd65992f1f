#pragma once

// keepalived 2.2.7's `include` handling (lib/parser.c is_include(), check_include(),
// open_and_check_glob(), check_glob_file(), include_check_set()).

#include <sys/types.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "parser/token.h"

namespace vigil::parser {

// Which include problems are errors (keepalived's include_t). Problems of a kind not selected
// are still reported, but do not fail `-t`.
enum IncludeCheck : unsigned {
  kIncludeRead = 0x01,      // a match is a directory, unreadable, not a regular file, ...
  kIncludeMatch = 0x02,     // a file or directory named without wildcards is missing
  kIncludeWildcard = 0x04,  // a wildcard pattern matches nothing
  kIncludeBrace = 0x08,     // some alternatives of a {a,b} pattern are missing
  kIncludeAll = kIncludeRead | kIncludeMatch | kIncludeWildcard | kIncludeBrace,
};

// `include PATTERN` and its variants includer (read), includem (read+match), includew
// (read+match+wildcard), includeb (read+brace), includea (all). The pattern is the rest of the
// line verbatim: quotes are not removed and blanks inside it are kept.
struct IncludeDirective {
  unsigned checks = 0;
  std::size_t pattern_offset = 0;
};
bool parse_include(std::string_view line, IncludeDirective& out);

// glob(3) with GLOB_MARK | GLOB_BRACE, counting the directories and files that were looked for
// and not found (keepalived does this with GLOB_ALTDIRFUNC).
struct GlobResult {
  int rc = 0;  // glob()'s return value
  std::vector<std::string> paths;
  unsigned missing_directories = 0;
  unsigned missing_files = 0;
  bool wildcards = false;  // glob had to read a directory
};
GlobResult run_glob(const std::string& pattern);

// True when the pattern has an unescaped '{' (keepalived's have_brace()).
bool has_brace(std::string_view pattern);
// `dir` with glob metacharacters escaped, so it can prefix a relative pattern.
std::string escape_glob(std::string_view dir);
std::string directory_of(std::string_view path);

// keepalived's include_check_set() for `include_check [[+|-]read|match|wildcard_match|
// brace_match ...]` in global_defs: no option selects all checks; a bare option sets the checks
// to read + that option; +/- add or remove one. Unknown options are left to the global_defs
// binder to report.
unsigned apply_include_check(const std::vector<Token>& words, unsigned current);

// A configuration file read in chunks as the preprocessor consumes it, so that a large file is
// never held whole next to the model built from it (keepalived reads it with fgets() too).
class FileReader {
 public:
  FileReader() = default;
  FileReader(FileReader&& other) noexcept;
  FileReader& operator=(FileReader&& other) noexcept;
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;
  ~FileReader();

  // Opens `path` and reads its first chunk into `buf`, so that a file that cannot be read at
  // all (a directory) fails here. On failure returns false with the strerror() text in `error`.
  bool open(const std::string& path, std::string& buf, std::string& error);
  // Appends the next chunk to `buf`; false at the end of the file, or on a read error (with
  // `error` set). The file is closed once this returned false.
  bool read_more(std::string& buf, std::string& error);
  bool at_end() const { return fd_ < 0; }
  dev_t dev() const { return dev_; }
  ino_t ino() const { return ino_; }

 private:
  void close_fd();

  int fd_ = -1;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
};

}  // namespace vigil::parser
