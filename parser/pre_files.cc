// The include stack of the preprocessor engine (keepalived's open_glob_file(),
// open_conf_file(), end_file(), get_next_file()).
#include <glob.h>
#include <sys/stat.h>

#include "parser/parse.h"
#include "parser/pre_engine.h"
#include "parser/pre_include.h"

namespace vigil::parser {

void PreprocessorEngine::include_problem(unsigned kind, unsigned checks, const SourceLocation& at,
                                         std::string message) {
  if ((checks & kind) != 0) {
    diag_.error(at, std::move(message));
  } else {
    // keepalived prints these with `-t` but does not count them against the file.
    diag_.add(Diagnostic{Severity::kWarning, at, std::move(message), Impact::kInformational});
  }
}

std::string PreprocessorEngine::include_chain(std::string_view last) const {
  std::string chain;
  for (const IncludeFrame& frame : includes_) {
    if (!frame.file) continue;
    chain += std::string(frame.file->name) + " -> ";
  }
  chain += last;
  return chain;
}

bool PreprocessorEngine::check_include() {
  IncludeDirective directive;
  if (!parse_include(buf_.s, directive)) return false;
  const std::string pattern = buf_.s.substr(directive.pattern_offset);
  // Problems are reported at the pattern.
  open_glob(pattern, directive.checks, here(directive.pattern_offset));
  return true;
}

void PreprocessorEngine::open_glob(const std::string& pattern, unsigned checks,
                                   const SourceLocation& at) {
  if (includes_.size() > options_.max_include_depth) {
    diag_.error(at, "includes nest more than " + std::to_string(options_.max_include_depth) +
                        " levels deep: " + include_chain(pattern));
    return;
  }
  // keepalived chdir()s into the directory of each file it reads, so a relative pattern is
  // relative to the including file.
  std::string full = pattern;
  const std::string dir =
      includes_.empty() || !includes_.back().file ? std::string() : includes_.back().file->dir;
  if (!pattern.empty() && pattern[0] != '/' && !dir.empty()) {
    full = escape_glob(dir) + "/" + pattern;
  }
  const unsigned effective = include_check_ | checks;
  GlobResult g = run_glob(full);
  if (g.rc != 0) {
    if (g.rc == GLOB_NOMATCH) {
      if (g.missing_files != 0 || g.missing_directories != 0) {
        include_problem(has_brace(pattern) ? kIncludeBrace : kIncludeMatch, effective, at,
                        "config files missing '" + pattern + "'");
      } else if (g.wildcards && (effective & kIncludeWildcard) != 0) {
        include_problem(kIncludeWildcard, effective, at,
                        "no config files matched '" + pattern + "'");
      }
    } else {
      include_problem(kIncludeRead, effective, at,
                      "error reading config file(s): glob(\"" + pattern + "\") returned " +
                          std::to_string(g.rc) + ", skipping");
    }
    return;
  }
  if (g.missing_directories != 0 || g.missing_files != 0) {
    // Some alternatives of a {a,b} pattern were not found.
    include_problem(kIncludeBrace, effective, at, "some config files missing: '" + pattern + "'");
    if ((effective & kIncludeBrace) != 0) return;
  }

  IncludeFrame frame;
  frame.matches = std::move(g.paths);
  frame.checks = checks;
  frame.saved_include_check = include_check_;
  frame.at = at;
  includes_.push_back(std::move(frame));
  if (!open_next_match(includes_.back())) includes_.pop_back();
}

bool PreprocessorEngine::open_next_match(IncludeFrame& frame) {
  while (frame.next < frame.matches.size()) {
    const std::string& path = frame.matches[frame.next++];
    const unsigned effective = include_check_ | frame.checks;
    if (!path.empty() && path.back() == '/') {
      include_problem(kIncludeRead, effective, frame.at,
                      "configuration file '" + path + "' is a directory - skipping");
      continue;
    }
    struct stat st {};
    if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) ||
        (st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) != 0) {
      include_problem(
          kIncludeRead, effective, frame.at,
          "configuration file '" + path + "' is not a regular non-executable file - skipping");
      continue;
    }
    FileReader reader;
    std::string first;
    std::string error;
    if (!reader.open(path, first, error)) {
      include_problem(kIncludeRead, effective, frame.at,
                      "configuration file '" + path + "' open problem (" + error + ") - skipping");
      continue;
    }
    // keepalived has no guard against a file including itself and recurses until it runs
    // out of file descriptors.
    bool loop = false;
    for (const IncludeFrame& open : includes_) {
      if (open.file && open.file->dev == reader.dev() && open.file->ino == reader.ino()) {
        loop = true;
      }
    }
    if (loop) {
      diag_.error(frame.at, "include loop: " + include_chain(path));
      continue;
    }
    OpenFile file;
    file.path = path;
    file.name = intern_file_name(path);
    file.dir = directory_of(path);
    file.content = std::move(first);
    file.dev = reader.dev();
    file.ino = reader.ino();
    file.reader = std::move(reader);
    frame.file = std::move(file);
    return true;
  }
  return false;
}

void PreprocessorEngine::end_file() {
  IncludeFrame& frame = includes_.back();
  frame.file.reset();
  // The include_check in force when the include was read applies again.
  include_check_ = frame.saved_include_check;
  if (open_next_match(frame)) return;
  includes_.pop_back();
}

}  // namespace vigil::parser
