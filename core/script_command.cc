#include "core/script_command.h"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>

#include "core/logging.h"
#include "core/script_security.h"

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
  if (auto c = lookup_credentials(kDefaultScriptUser, "")) return c;
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
  if (defaults.script_security && user.empty() && defaults.script_user.empty() &&
      !lookup_credentials(kDefaultScriptUser, "")) {
    // keepalived: "Unable to set default user for scripts" and, with script security, the
    // scripts that rely on the default user are not run.
    return set_error(std::string("enable_script_security is set, no script_user is configured "
                                 "and the default script user '") +
                     kDefaultScriptUser + "' does not exist");
  }
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
    const std::string path =
        defaults.search_path.empty() ? default_search_path() : defaults.search_path;
    std::optional<std::string> found = find_in_path((*words)[0], *who, path);
    if (!found) return set_error("cannot find '" + (*words)[0] + "' in path");
    core::logger("process")->info(
        "WARNING - script `{}` resolved by path search to `{}`. Please "
        "specify full path.",
        (*words)[0], *found);
    (*words)[0] = std::move(*found);
  }
  if (defaults.script_security) {
    const ScriptInspection seen = inspect_program((*words)[0], *who);
    if (seen.state == ScriptState::kInsecure) {
      return set_error("Unsafe permissions found for script '" + (*words)[0] + "' ('" +
                       seen.unsafe_path +
                       "' can be modified by a non-root user) - disabling under "
                       "enable_script_security");
    }
  }
  cmd.argv = std::move(*words);
  return cmd;
}

}  // namespace vigil::core
