#include "core/script_command.h"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>

#include "core/logging.h"

namespace vigil::core {
namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return 10 + c - 'a';
  return 10 + c - 'A';
}

// One backslash escape starting after the backslash at text[i]; appends the character and
// advances i past the escape.
void unescape(std::string_view text, std::size_t& i, std::string& out) {
  const char c = text[i];
  if (c == 'x' && i + 1 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1]))) {
    // keepalived keeps shifting while hex digits follow; the char keeps the low 8 bits.
    unsigned v = 0;
    ++i;
    while (i < text.size() && std::isxdigit(static_cast<unsigned char>(text[i]))) {
      v = (v << 4) | static_cast<unsigned>(hex_digit(text[i]));
      ++i;
    }
    out.push_back(static_cast<char>(v & 0xff));
    return;
  }
  if (c == 'c' && i + 1 < text.size()) {
    out.push_back(static_cast<char>(text[i + 1] & 0x1f));
    i += 2;
    return;
  }
  if (c >= '0' && c <= '7') {
    unsigned v = static_cast<unsigned>(c - '0');
    ++i;
    for (int k = 0; k < 2 && i < text.size() && text[i] >= '0' && text[i] <= '7'; ++k, ++i) {
      v = (v << 3) + static_cast<unsigned>(text[i] - '0');
    }
    out.push_back(static_cast<char>(v & 0xff));
    return;
  }
  char r = c;
  switch (c) {
    case 'a':
      r = '\a';
      break;
    case 'b':
      r = '\b';
      break;
    case 'E':
      r = 0x1b;
      break;
    case 'f':
      r = '\f';
      break;
    case 'n':
      r = '\n';
      break;
    case 'r':
      r = '\r';
      break;
    case 't':
      r = '\t';
      break;
    case 'v':
      r = '\v';
      break;
    default:
      break;  // \\ \" \' and anything else: the character itself
  }
  out.push_back(r);
  ++i;
}

bool executable_by(const struct stat& st, const Credentials& who) {
  const mode_t m = st.st_mode;
  if (who.uid == 0) return (m & (S_IXUSR | S_IXGRP | S_IXOTH)) != 0;
  if (who.uid == st.st_uid) return (m & S_IXUSR) != 0;
  if (who.gid == st.st_gid) return (m & S_IXGRP) != 0;
  return (m & S_IXOTH) != 0;
}

std::string search_path_or_default(const std::string& configured) {
  if (!configured.empty()) return configured;
  if (const char* p = std::getenv("PATH")) return p;
  const std::size_t n = ::confstr(_CS_PATH, nullptr, 0);
  std::string path(n, '\0');
  if (n > 0) {
    ::confstr(_CS_PATH, path.data(), n);
    path.resize(n - 1);
  }
  return path;
}

}  // namespace

std::optional<std::vector<std::string>> split_command(std::string_view text) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (true) {
    while (i < text.size() && is_blank(text[i])) ++i;
    if (i >= text.size()) break;
    std::string word;
    char quote = 0;
    while (i < text.size()) {
      const char c = text[i];
      if (c == '\\') {
        ++i;
        if (i >= text.size()) return std::nullopt;  // "Missing escape char at end"
        unescape(text, i, word);
        continue;
      }
      if (quote) {
        if (c == quote)
          quote = 0;
        else
          word.push_back(c);
        ++i;
        continue;
      }
      if (c == '"' || c == '\'') {
        quote = c;
        ++i;
        continue;
      }
      if (is_blank(c)) break;
      word.push_back(c);
      ++i;
    }
    if (quote) return std::nullopt;  // "missing terminating quote"
    words.push_back(std::move(word));
  }
  if (words.empty()) return std::nullopt;
  return words;
}

std::optional<Credentials> lookup_credentials(const std::string& user, const std::string& group) {
  long size = ::sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buf(size > 0 ? static_cast<std::size_t>(size) : 16384);
  struct passwd pwd {};
  struct passwd* found = nullptr;
  if (::getpwnam_r(user.c_str(), &pwd, buf.data(), buf.size(), &found) != 0 || !found) {
    return std::nullopt;
  }
  Credentials c{pwd.pw_uid, pwd.pw_gid};
  if (!group.empty()) {
    long gsize = ::sysconf(_SC_GETGR_R_SIZE_MAX);
    std::vector<char> gbuf(gsize > 0 ? static_cast<std::size_t>(gsize) : 16384);
    struct group grp {};
    struct group* gfound = nullptr;
    if (::getgrnam_r(group.c_str(), &grp, gbuf.data(), gbuf.size(), &gfound) != 0 || !gfound) {
      return std::nullopt;
    }
    c.gid = grp.gr_gid;
  }
  return c;
}

std::optional<Credentials> script_identity(const std::string& user, const std::string& group,
                                           const ScriptDefaults& defaults) {
  if (!user.empty()) return lookup_credentials(user, group);
  if (!defaults.script_user.empty()) {
    return lookup_credentials(defaults.script_user, defaults.script_group);
  }
  // keepalived get_default_script_user: keepalived_script when it exists, else ourselves.
  if (auto c = lookup_credentials("keepalived_script", "")) return c;
  return Credentials{::geteuid(), ::getegid()};
}

std::optional<Command> make_script_command(std::string_view command_line, const std::string& user,
                                           const std::string& group, const ScriptDefaults& defaults,
                                           std::string* error) {
  auto set_error = [&](std::string message) {
    if (error) *error = std::move(message);
    return std::nullopt;
  };
  auto words = split_command(command_line);
  if (!words) return set_error("cannot parse command '" + std::string(command_line) + "'");
  auto who = script_identity(user, group, defaults);
  if (!who) {
    return set_error("unknown user or group '" + (user.empty() ? defaults.script_user : user) +
                     "'");
  }
  Command cmd;
  cmd.credentials = who;
  if ((*words)[0].find('/') == std::string::npos) {
    // keepalived find_path: execvp-style search, done once; the first regular file the script's
    // user may execute wins.
    const std::string path = search_path_or_default(defaults.search_path);
    std::string found;
    std::size_t start = 0;
    while (start <= path.size()) {
      std::size_t end = path.find(':', start);
      if (end == std::string::npos) end = path.size();
      const std::string dir = path.substr(start, end - start);
      std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + (*words)[0];
      struct stat st {};
      if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && executable_by(st, *who)) {
        found = std::move(candidate);
        break;
      }
      start = end + 1;
    }
    if (found.empty()) return set_error("cannot find '" + (*words)[0] + "' in path");
    core::logger("process")->info(
        "WARNING - script `{}` resolved by path search to `{}`. Please "
        "specify full path.",
        (*words)[0], found);
    (*words)[0] = std::move(found);
  }
  cmd.argv = std::move(*words);
  return cmd;
}

}  // namespace vigil::core
