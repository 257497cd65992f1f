#include "checkers/http_check.h"

#include <chrono>
#include <optional>
#include <vector>

#include "checkers/http_fetch.h"
#include "checkers/http_message.h"
#include "core/stream_regex.h"

namespace vigil::checkers {

namespace {

struct UrlPlan {
  std::string path;
  std::string host;                        // Host header
  std::optional<std::string> sni;          // TLS server name (enable_sni and a virtualhost)
  std::optional<std::string> verify_name;  // the name the certificate must be for (verify)
  std::optional<std::string> digest;       // expected, lower-case hex
  config::HttpUrl accepted;                // only status_codes is used
  std::optional<core::CompiledRegex> regex;
  bool regex_no_match = false;
  std::size_t regex_min_offset = 0;
  std::optional<std::size_t> regex_max_offset;  // as written: the last acceptable start
};

class HttpCheck final : public Check {
 public:
  HttpCheck(boost::asio::io_context& io, Endpoint endpoint, config::HttpProtocol protocol,
            std::shared_ptr<boost::asio::ssl::context> tls, std::vector<UrlPlan> urls)
      : io_(io),
        endpoint_(std::move(endpoint)),
        protocol_(protocol),
        tls_(std::move(tls)),
        urls_(std::move(urls)) {}

  boost::asio::awaitable<CheckResult> run() override {
    const auto start = std::chrono::steady_clock::now();
    CheckResult result;
    result.ok = true;
    for (const UrlPlan& url : urls_) {
      std::string why = co_await check_url(url);
      if (!why.empty()) {
        result.ok = false;
        result.reason = "url(" + url.path + "): " + why;
        break;
      }
    }
    result.latency = std::chrono::steady_clock::now() - start;
    co_return result;
  }

 private:
  // Empty when the url passes; else keepalived's verdict in words.
  boost::asio::awaitable<std::string> check_url(const UrlPlan& url) {
    HttpFetchRequest request;
    request.endpoint = endpoint_;
    request.tls = tls_;
    request.sni = url.sni;
    request.verify_name = url.verify_name;
    request.protocol = protocol_;
    request.path = url.path;
    request.host = url.host;
    request.digest = url.digest.has_value();
    std::optional<core::StreamSearch> search;
    if (url.regex) {
      search.emplace(*url.regex, url.regex_min_offset, url.regex_max_offset);
      request.raw_observer = [&search](std::string_view bytes) { search->feed(bytes); };
    }
    const HttpFetchResult r = co_await http_fetch(io_, request);
    if (!r.transport_ok) co_return r.error;
    // keepalived: "HTTP status code error to ..." when the code is not in status_code.
    if (!url.accepted.accepts(r.status))
      co_return "HTTP status code " + std::to_string(r.status) + " not accepted";
    if (url.digest && r.digest != *url.digest)
      co_return "MD5 digest mismatch (got " + r.digest + ", expected " + *url.digest + ")";
    if (search) {
      search->finish();
      if (search->state() == core::StreamSearch::State::kError)
        co_return "regex match error: " + search->error();
      const bool matched = search->state() == core::StreamSearch::State::kMatched;
      // keepalived: "Regex match failed" when matched == regex_no_match.
      if (matched == url.regex_no_match) {
        if (url.regex_no_match)
          co_return "regex matched at offset " + std::to_string(search->match_offset()) +
              " (regex_no_match)";
        co_return search->truncated()
            ? "regex did not match (a partial match longer than 64 KiB was given up)"
            : "regex did not match";
      }
    }
    co_return std::string();
  }

  boost::asio::io_context& io_;
  Endpoint endpoint_;
  config::HttpProtocol protocol_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  std::vector<UrlPlan> urls_;
};

std::optional<core::CompiledRegex> compile_regex(const config::HttpRegex& r, std::string* why) {
  core::CompiledRegex::Options options;
  options.names = r.options;
  options.offset_limit = r.max_offset.has_value();
  options.jit_stack = r.stack;
  std::string error;
  auto compiled = core::CompiledRegex::compile(r.pattern, options, &error);
  if (!compiled && why) *why = "invalid regex '" + r.pattern + "': " + error;
  return compiled;
}

}  // namespace

std::unique_ptr<Check> make_http_check(const config::Checker& checker, const config::RealServer& rs,
                                       const config::VirtualServer& /*vs*/, CheckContext& context,
                                       std::string* why) {
  const auto* http = std::get_if<config::HttpCheck>(&checker.details);
  if (!http) {
    if (why) *why = "not an HTTP_GET / SSL_GET checker";
    return nullptr;
  }
  if (http->urls.empty()) {
    if (why) *why = "HTTP/SSL_GET checker has no urls";
    return nullptr;
  }
  Endpoint endpoint = endpoint_of(checker, rs);
  if (endpoint.port == 0) {
    if (why) *why = "no port to connect to (set connect_port)";
    return nullptr;
  }
  std::shared_ptr<boost::asio::ssl::context> tls;
  if (checker.type == config::CheckerType::kSsl) {
    tls = make_client_tls_context(context.ssl, http->verify.get(), why);
    if (!tls) return nullptr;
  }
  std::vector<UrlPlan> urls;
  urls.reserve(http->urls.size());
  for (const config::HttpUrl& u : http->urls) {
    UrlPlan plan;
    plan.path = u.path;
    // After finalize, a url's virtualhost is the effective one (url, checker, real server,
    // virtual server), keepalived's order for the Host header.
    const std::string* vhost = u.virtualhost.get();
    plan.host = http_host(vhost, endpoint.address, endpoint.port);
    if (http->enable_sni && vhost) plan.sni = *vhost;
    if (tls && http->verify && http->verify->enabled) {
      // verify_host, else the name the request is for, else the address connected to.
      plan.verify_name = !http->verify->host.empty() ? http->verify->host
                         : vhost                     ? *vhost
                                                     : endpoint.address.to_string();
    }
    plan.digest = u.digest;
    plan.accepted.status_codes = u.status_codes;
    if (plan.accepted.status_codes.none()) {
      // keepalived's default when no status_code is given: 200-299.
      for (unsigned code = 200; code <= 299; ++code)
        plan.accepted.status_codes.set(code - config::HttpUrl::kMinStatus);
    }
    if (const config::HttpRegex* r = u.regex.get()) {
      plan.regex = compile_regex(*r, why);
      if (!plan.regex) return nullptr;
      plan.regex_no_match = r->no_match;
      plan.regex_min_offset = r->min_offset;
      plan.regex_max_offset = r->max_offset;
    }
    urls.push_back(std::move(plan));
  }
  return std::make_unique<HttpCheck>(context.io, std::move(endpoint), http->http_protocol,
                                     std::move(tls), std::move(urls));
}

}  // namespace vigil::checkers
