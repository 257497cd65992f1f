#pragma once

// vigil extensions to keepalived's SMTP alert settings (global_defs): keepalived speaks plain
// SMTP with HELO only; vigil's alert client says EHLO, upgrades with STARTTLS and authenticates.
// keepalived rejects these keywords, so a file that uses them is for vigil only.

#include <optional>
#include <string>

#include "parser/source_location.h"

namespace vigil::config {

enum class SmtpStartTls {
  kOpportunistic,  // STARTTLS when the server offers it (default)
  kRequired,       // no mail without TLS
  kOff,            // never (keepalived's behaviour, apart from EHLO)
};

struct SmtpClientOptions {
  SmtpStartTls starttls = SmtpStartTls::kOpportunistic;  // smtp_starttls
  std::optional<bool> tls_verify;  // smtp_tls_verify; unset: verify when starttls is required
  std::string tls_ca_file;         // smtp_tls_ca_file; empty: the system's CA store
  std::string auth_user;           // smtp_auth_user; empty: no AUTH
  std::optional<std::string> auth_password;  // smtp_auth_password (never dumped)
  std::string auth_password_file;            // smtp_auth_password_file: its first line
  parser::SourceLocation auth_location;      // of smtp_auth_user, for diagnostics
  parser::SourceLocation password_file_location;
  parser::SourceLocation ca_file_location;

  bool verify() const { return tls_verify.value_or(starttls == SmtpStartTls::kRequired); }
};

}  // namespace vigil::config
