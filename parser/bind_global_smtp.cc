// vigil's extension keywords for the SMTP alert client in global_defs (parser/config/
// smtp_client.h): smtp_starttls, smtp_tls_verify, smtp_tls_ca_file, smtp_auth_user,
// smtp_auth_password, smtp_auth_password_file. keepalived does not know them.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "parser/bind_global_internal.h"
#include "parser/parse.h"

namespace vigil::parser::detail {
namespace {

using config::GlobalDefs;
using config::SmtpStartTls;

void smtp_starttls(const Node& n, BindContext& ctx, GlobalDefs& g) {
  if (!line_args(n, ctx, 1, 1)) return;
  const std::string& v = n.arg(0).text;
  if (v == "opportunistic") {
    g.smtp_client.starttls = SmtpStartTls::kOpportunistic;
  } else if (v == "required") {
    g.smtp_client.starttls = SmtpStartTls::kRequired;
  } else if (v == "off") {
    g.smtp_client.starttls = SmtpStartTls::kOff;
  } else {
    ctx.diag.error(n.arg(0).location, "'smtp_starttls': invalid value " + q(v) +
                                          " (expected opportunistic, required or off)");
  }
}

void smtp_tls_verify(const Node& n, BindContext& ctx, GlobalDefs& g) {
  if (!line_args(n, ctx, 0, 1)) return;
  if (auto v = parse_flag(n, 0, ctx)) g.smtp_client.tls_verify = *v;
}

// A path argument: non-empty, absolute (vigild runs from / as a daemon).
bool path_arg(const Node& n, BindContext& ctx, std::string& into) {
  if (!line_args(n, ctx, 1, 1)) return false;
  const std::string& v = n.arg(0).text;
  if (v.empty() || v.front() != '/') {
    ctx.diag.error(n.arg(0).location, q(std::string(n.keyword())) + ": invalid value " + q(v) +
                                          " (expected an absolute path)");
    return false;
  }
  into = v;
  return true;
}

void smtp_tls_ca_file(const Node& n, BindContext& ctx, GlobalDefs& g) {
  if (path_arg(n, ctx, g.smtp_client.tls_ca_file)) g.smtp_client.ca_file_location = n.location();
}

void smtp_auth_user(const Node& n, BindContext& ctx, GlobalDefs& g) {
  if (!line_args(n, ctx, 1, 1)) return;
  if (n.arg(0).text.empty()) {
    ctx.diag.error(n.arg(0).location, "'smtp_auth_user': empty user name");
    return;
  }
  g.smtp_client.auth_user = n.arg(0).text;
  g.smtp_client.auth_location = n.location();
}

void smtp_auth_password(const Node& n, BindContext& ctx, GlobalDefs& g) {
  if (!line_args(n, ctx, 1, 1)) return;
  g.smtp_client.auth_password = n.arg(0).text;
  if (g.smtp_client.auth_location.line == 0) g.smtp_client.auth_location = n.location();
}

void smtp_auth_password_file(const Node& n, BindContext& ctx, GlobalDefs& g) {
  if (path_arg(n, ctx, g.smtp_client.auth_password_file)) {
    g.smtp_client.password_file_location = n.location();
    if (g.smtp_client.auth_location.line == 0) g.smtp_client.auth_location = n.location();
  }
}

// A file the daemon reads at start-up and reload: it must be a readable regular file.
bool check_readable(const std::string& path, const parser::SourceLocation& at,
                    std::string_view keyword, BindContext& ctx, struct stat& st) {
  if (::stat(path.c_str(), &st) != 0) {
    ctx.diag.error(
        at, q(std::string(keyword)) + ": cannot use " + q(path) + ": " + std::strerror(errno));
    return false;
  }
  if (!S_ISREG(st.st_mode) || ::access(path.c_str(), R_OK) != 0) {
    ctx.diag.error(at, q(std::string(keyword)) + ": " + q(path) + " is not a readable file");
    return false;
  }
  return true;
}

std::string octal_mode(const struct stat& st) {
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
  return mode;
}

}  // namespace

const std::vector<Keyword<GlobalDefs>>& global_smtp_keywords() {
  static const std::vector<Keyword<GlobalDefs>> table = {
      {"smtp_starttls", &smtp_starttls},
      {"smtp_tls_verify", &smtp_tls_verify},
      {"smtp_tls_ca_file", &smtp_tls_ca_file},
      {"smtp_auth_user", &smtp_auth_user},
      {"smtp_auth_password", &smtp_auth_password},
      {"smtp_auth_password_file", &smtp_auth_password_file},
  };
  return table;
}

void finalize_smtp_client(config::Config& config, BindContext& ctx) {
  const config::SmtpClientOptions& s = config.global.smtp_client;
  const bool has_password = s.auth_password.has_value();
  const bool has_file = !s.auth_password_file.empty();
  if (has_password && has_file) {
    ctx.diag.error(s.password_file_location,
                   "'smtp_auth_password_file' and 'smtp_auth_password' are both set; use one");
  }
  if (!s.auth_user.empty() && !has_password && !has_file) {
    ctx.diag.error(s.auth_location,
                   "'smtp_auth_user' needs 'smtp_auth_password' or 'smtp_auth_password_file'");
  }
  if (s.auth_user.empty() && (has_password || has_file)) {
    ctx.diag.error(s.auth_location, "an SMTP password is set without 'smtp_auth_user'");
  }
  if (s.starttls == SmtpStartTls::kOff &&
      (s.tls_verify.value_or(false) || !s.tls_ca_file.empty())) {
    ctx.diag.warning(s.ca_file_location.line ? s.ca_file_location : config.global.location,
                     "'smtp_tls_verify' and 'smtp_tls_ca_file' have no effect with "
                     "'smtp_starttls off'");
  }
  if (!ctx.options.host_checks) return;
  struct stat st {};
  if (has_file && check_readable(s.auth_password_file, s.password_file_location,
                                 "smtp_auth_password_file", ctx, st)) {
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
      ctx.diag.warning(s.password_file_location,
                       "'smtp_auth_password_file': " + q(s.auth_password_file) +
                           " can be read or changed by other users (mode " + octal_mode(st) +
                           "); make it 0600");
    }
  }
  if (!s.tls_ca_file.empty()) {
    check_readable(s.tls_ca_file, s.ca_file_location, "smtp_tls_ca_file", ctx, st);
  }
}

}  // namespace vigil::parser::detail
