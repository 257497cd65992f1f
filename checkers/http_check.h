#pragma once

// HTTP_GET and SSL_GET (keepalived check_http.c / check_ssl.c): every url { } in order, each
// over its own connection (http_fetch.h); the real server is up when every url answers with an
// accepted status code (default 200-299), the body's MD5 equals `digest` when one is set, and
// the body matches `regex` (or does not, with regex_no_match) when one is set. The first failing
// url ends the probe, as in keepalived, where a failed url is retried before any other is
// tried.
//
// regex: PCRE2 with keepalived's regex_options, searched over the response as it streams in
// (core/stream_regex.h). keepalived searches the data it reads, status line and header included,
// and its regex_min_offset / regex_max_offset count from the response's first byte (measured
// with keepalived 2.2.7); so does vigil, and gives the result pcre2_match() gives on the whole
// response (keepalived, matching read by read, misses a match that reaches the end of the
// response or is longer than about 4 KiB). regex_stack sizes the JIT stack. A pattern that
// does not compile makes the checker unbuildable with the reason.

#include <cstddef>
#include <memory>
#include <string>

#include "checkers/check.h"

namespace vigil::checkers {

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
