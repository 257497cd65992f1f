#pragma once

// HTTP_GET and SSL_GET (keepalived check_http.c / check_ssl.c): every url { } in order, each
// over its own connection (http_fetch.h); the real server is up when every url answers with an
// accepted status code (default 200-299), the body's MD5 equals `digest` when one is set, and
// the body matches `regex` (or does not, with regex_no_match) when one is set. The first failing
// url ends the probe, as in keepalived, where a failed url is retried before any other is
// tried.
//
// regex: keepalived matches with PCRE2 over the whole streamed body. Here std::regex
// (ECMAScript syntax, which covers the usual PCRE patterns but not lookbehind, possessive
// quantifiers or named groups) searches the first kRegexWindow bytes of the body (from
// regex_min_offset); regex_options caseless and multiline are supported, others make the
// checker unbuildable with a reason.

#include <cstddef>
#include <memory>
#include <string>

#include "checkers/check.h"

namespace vigil::checkers {

inline constexpr std::size_t kRegexWindow = 64 * 1024;

// HTTP_GET and SSL_GET share it; checker.type says which.
std::unique_ptr<Check> make_http_check(const config::Checker& checker, const config::RealServer& rs,
                                       const config::VirtualServer& vs, CheckContext& context,
                                       std::string* why);

inline std::unique_ptr<Check> make_ssl_check(const config::Checker& checker,
                                             const config::RealServer& rs,
                                             const config::VirtualServer& vs, CheckContext& context,
                                             std::string* why) {
  return make_http_check(checker, rs, vs, context, why);
}

}  // namespace vigil::checkers
