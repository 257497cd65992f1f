// HTTP_GET and SSL_GET, as keepalived 2.2.7 reads them (keepalived/check/check_http.c).
#include <charconv>
#include <climits>

#include "core/stream_regex.h"
#include "parser/bind_lvs_internal.h"

namespace vigil::parser::lvs {
namespace {

using config::Checker;
using config::HttpRegex;
using config::HttpUrl;

std::string squote(std::string_view s) { return "'" + std::string(s) + "'"; }

config::HttpCheck& http(Checker& ch) { return std::get<config::HttpCheck>(ch.details); }

bool parse_size(std::string_view t, std::size_t& out) {
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
  return !t.empty() && ec == std::errc() && p == t.data() + t.size();
}

void bind_status_code(const Node& n, BindContext& c, HttpUrl& url) {
  if (!expect_args(n, c, 1, SIZE_MAX)) return;
  for (std::size_t i = 0; i < n.argc(); ++i) {
    std::string_view t = n.arg(i).text;
    std::size_t dash = t.find('-');
    std::size_t lo = 0, hi = 0;
    bool ok = parse_size(t.substr(0, dash), lo);
    if (ok)
      ok = dash == std::string_view::npos ? (hi = lo, true) : parse_size(t.substr(dash + 1), hi);
    if (!ok || lo < HttpUrl::kMinStatus || hi > HttpUrl::kMaxStatus || lo > hi) {
      c.diag.error(n.arg(i).location, "'status_code': invalid value " + squote(t) +
                                          " (expected a code or range LOW-HIGH within 100..599)");
      continue;  // keepalived carries on with the other codes
    }
    for (std::size_t code = lo; code <= hi; ++code)
      url.status_codes.set(code - HttpUrl::kMinStatus);
  }
}

HttpRegex& regex_of(HttpUrl& u) {
  if (!u.regex) u.regex = HttpRegex{};
  return *u.regex;
}

const Keyword<HttpUrl> kUrlKeywords[] = {
    {"path",
     [](const Node& n, BindContext& c, HttpUrl& u) {
       if (expect_args(n, c, 1)) u.path = n.arg(0).text;
     }},
    {"digest",
     [](const Node& n, BindContext& c, HttpUrl& u) {
       if (!expect_args(n, c, 1)) return;
       const std::string& d = n.arg(0).text;
       if (u.digest) {
         c.diag.error(n.arg(0).location, "'digest' given twice in one url; the first is kept");
         return;
       }
       bool hex = d.size() == 32;
       for (char ch : d) hex = hex && std::isxdigit(static_cast<unsigned char>(ch));
       if (!hex) {
         c.diag.error(n.arg(0).location, "'digest': invalid value " + squote(d) +
                                             " (expected 32 hex digits, an MD5 sum as genhash "
                                             "prints it)");
         return;
       }
       std::string lower = d;
       for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
       u.digest = lower;
     }},
    {"status_code", bind_status_code},
    {"virtualhost",
     [](const Node& n, BindContext& c, HttpUrl& u) {
       if (expect_args(n, c, 1)) u.virtualhost = n.arg(0).text;
     }},
    {"regex",
     [](const Node& n, BindContext& c, HttpUrl& u) {
       if (!expect_args(n, c, 1)) return;
       if (n.arg(0).text.empty()) {
         c.diag.error(n.arg(0).location, "'regex': empty pattern");
         return;
       }
       regex_of(u).pattern = n.arg(0).text;
       regex_of(u).location = n.arg(0).location;
     }},
    {"regex_no_match",
     [](const Node& n, BindContext& c, HttpUrl& u) {
       if (expect_args(n, c, 0)) regex_of(u).no_match = true;
     }},
    {"regex_options",
     [](const Node& n, BindContext& c, HttpUrl& u) {
       for (std::size_t i = 0; i < n.argc(); ++i) {
         // keepalived silently ignores unknown options; a typo there changes the match, so
         // vigil reports it.
         bool known = false;
         for (auto o : core::regex_option_names()) known = known || o == n.arg(i).text;
         if (!known) {
           report_bad_choice(n, i, core::regex_option_names(), c);
           continue;
         }
         regex_of(u).options.push_back(n.arg(i).text);
       }
     }},
    {"regex_min_offset",
     [](const Node& n, BindContext& c, HttpUrl& u) {
       if (!expect_args(n, c, 1)) return;
       if (auto v = parse_uint(n, 0, 0, UINT32_MAX, c)) regex_of(u).min_offset = *v;
     }},
    {"regex_max_offset",
     [](const Node& n, BindContext& c, HttpUrl& u) {
       if (!expect_args(n, c, 1)) return;
       if (auto v = parse_uint(n, 0, 0, UINT32_MAX, c)) regex_of(u).max_offset = *v;
     }},
    {"regex_stack",
     [](const Node& n, BindContext& c, HttpUrl& u) {
       if (!expect_args(n, c, 2)) return;
       auto start = parse_uint(n, 0, 0, UINT32_MAX, c);
       auto max = parse_uint(n, 1, 0, UINT32_MAX, c);
       if (!start || !max) return;
       if (*start > *max) {
         c.diag.error(n.arg(0).location, "'regex_stack': start " + std::to_string(*start) +
                                             " exceeds max " + std::to_string(*max));
         return;
       }
       regex_of(u).stack =
           std::make_pair(static_cast<std::size_t>(*start), static_cast<std::size_t>(*max));
     }},
};

void bind_url(const Node& node, BindContext& ctx, Checker& ch) {
  if (!expect_args(node, ctx, 0) || !expect_block(node, ctx)) return;
  HttpUrl url;
  url.location = node.location();
  bind_block(node, std::span<const Keyword<HttpUrl>>(kUrlKeywords), "url", ctx, url);
  // keepalived's url_check().
  if (url.path.empty()) {
    ctx.diag.warning(node.location(), "url has no 'path'; it is ignored");
    return;
  }
  if (url.status_codes.none()) {
    for (unsigned code = 200; code <= 299; ++code) url.status_codes.set(code - HttpUrl::kMinStatus);
  }
  if (url.regex && url.regex->pattern.empty()) {
    const HttpRegex& r = *url.regex;
    if (!r.options.empty() || r.no_match || r.min_offset != 0 || r.max_offset || r.stack) {
      notice(ctx, node.location(), "regex options given without 'regex'; they are ignored");
    }
    url.regex.reset();
  }
  if (url.regex) {
    // keepalived compiles the pattern only when the checker starts (keepalived -t says
    // nothing); vigil compiles it here, with the url's regex_options, and says where it is
    // wrong.
    const HttpRegex& r = *url.regex;
    std::string error;
    if (!core::CompiledRegex::compile(r.pattern, {r.options, r.max_offset.has_value(), {}},
                                      &error)) {
      ctx.diag.error(r.location, "'regex': invalid pattern " + squote(r.pattern) + ": " + error +
                                     " (PCRE2 syntax); the checker is disabled");
    }
  }
  if (url.regex && url.regex->max_offset && url.regex->min_offset > *url.regex->max_offset) {
    HttpRegex& r = *url.regex;
    notice(ctx, node.location(),
           "regex_min_offset " + std::to_string(r.min_offset) + " > regex_max_offset " +
               std::to_string(*r.max_offset) + "; both are ignored");
    r.min_offset = 0;
    r.max_offset.reset();
  }
  http(ch).urls.push_back(std::move(url));
}

// The checker's verification settings; null for HTTP_GET, which has none (reported).
config::TlsVerify* verify_of(const Node& n, BindContext& c, Checker& ch) {
  if (ch.type != config::CheckerType::kSsl) {
    c.diag.warning(n.location(), "'" + std::string(n.keyword()) +
                                     "' applies to SSL_GET only (vigil extension); ignored");
    return nullptr;
  }
  if (!http(ch).verify) http(ch).verify = config::TlsVerify{};
  return &*http(ch).verify;
}

const Keyword<Checker> kHttpKeywords[] = {
    {"nb_get_retry",
     [](const Node& n, BindContext& c, Checker& ch) {
       // keepalived counts the deprecation against the file.
       c.diag.warning(n.location(), "'nb_get_retry' is deprecated; use 'retry'");
       if (!expect_args(n, c, 1)) return;
       if (auto v = parse_uint(n, 0, 0, UINT32_MAX, c)) ch.retry = static_cast<std::uint32_t>(*v);
     }},
    {"virtualhost",
     [](const Node& n, BindContext& c, Checker& ch) {
       if (expect_args(n, c, 1)) http(ch).virtualhost = n.arg(0).text;
     }},
    {"http_protocol",
     [](const Node& n, BindContext& c, Checker& ch) {
       using P = config::HttpProtocol;
       if (!expect_args(n, c, 1)) return;
       if (auto p = parse_choice<P>(
               n, 0, {{"1.0", P::k1_0}, {"1.1", P::k1_1}, {"1.0C", P::k1_0C}, {"1.0c", P::k1_0C}},
               c)) {
         http(ch).http_protocol = *p;
       }
     }},
    {"enable_sni",
     [](const Node& n, BindContext& c, Checker& ch) {
       if (auto v = parse_bool_arg(n, c)) http(ch).enable_sni = *v;
     }},
    {"fast_recovery",
     [](const Node& n, BindContext& c, Checker& ch) {
       if (auto v = parse_bool_arg(n, c)) http(ch).fast_recovery = *v;
     }},
    {"url", bind_url},
    // vigil extensions: certificate verification for SSL_GET.
    {"verify_certificate",
     [](const Node& n, BindContext& c, Checker& ch) {
       auto* v = verify_of(n, c, ch);
       if (auto on = v ? parse_bool_arg(n, c) : std::nullopt) v->enabled = *on;
     }},
    {"verify_ca_file",
     [](const Node& n, BindContext& c, Checker& ch) {
       auto* v = verify_of(n, c, ch);
       if (v && expect_args(n, c, 1)) v->ca_file = n.arg(0).text;
     }},
    {"verify_ca_path",
     [](const Node& n, BindContext& c, Checker& ch) {
       auto* v = verify_of(n, c, ch);
       if (v && expect_args(n, c, 1)) v->ca_path = n.arg(0).text;
     }},
    {"verify_host",
     [](const Node& n, BindContext& c, Checker& ch) {
       auto* v = verify_of(n, c, ch);
       if (v && expect_args(n, c, 1)) v->host = n.arg(0).text;
     }},
};

}  // namespace

std::span<const Keyword<Checker>> http_checker_keywords() { return kHttpKeywords; }

bool finish_http_checker(const Node& node, Checker& ch, BindContext& ctx) {
  if (const config::TlsVerify* v = http(ch).verify.get();
      v && !v->enabled && (!v->ca_file.empty() || !v->ca_path.empty() || !v->host.empty())) {
    ctx.diag.warning(node.location(),
                     "SSL_GET: verify_ca_file, verify_ca_path and verify_host have no effect "
                     "without 'verify_certificate'");
  }
  if (http(ch).urls.empty()) {
    ctx.diag.warning(node.location(), std::string(node.keyword()) +
                                          " has no url with a path; the checker is ignored");
    return false;
  }
  return true;
}

}  // namespace vigil::parser::lvs
