#include "checkers/http_check.h"

#include <chrono>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include <boost/asio/write.hpp>

#include "checkers/connection_probe.h"

#include "checkers/http_fetch.h"
#include "checkers/http_message.h"
#include "checkers/read_buffer.h"
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

// Empty when a response with `status` and `digest` (lower-case hex; empty without `digest`)
// passes the url's tests, `search` having seen the whole response; else keepalived's verdict in
// words.
std::string url_verdict(const UrlPlan& url, unsigned status, const std::string& digest,
                        std::optional<core::StreamSearch>& search) {
  // keepalived: "HTTP status code error to ..." when the code is not in status_code.
  if (!url.accepted.accepts(status))
    return "HTTP status code " + std::to_string(status) + " not accepted";
  if (url.digest && digest != *url.digest)
    return "MD5 digest mismatch (got " + digest + ", expected " + *url.digest + ")";
  if (search) {
    search->finish();
    if (search->state() == core::StreamSearch::State::kError)
      return "regex match error: " + search->error();
    const bool matched = search->state() == core::StreamSearch::State::kMatched;
    // keepalived: "Regex match failed" when matched == regex_no_match.
    if (matched == url.regex_no_match) {
      if (url.regex_no_match)
        return "regex matched at offset " + std::to_string(search->match_offset()) +
               " (regex_no_match)";
      return search->truncated()
                 ? "regex did not match (a partial match longer than 64 KiB was given up)"
                 : "regex did not match";
    }
  }
  return {};
}

using Urls = std::shared_ptr<const std::vector<UrlPlan>>;

std::string url_failure(const UrlPlan& url, const std::string& why) {
  return "url(" + url.path + "): " + why;
}

// HTTP_GET over plain HTTP as callbacks (connection_probe.h): the exchange http_fetch() makes
// (request, then reads of at most 4 KiB until the body is complete or the server closes, each
// within connect_timeout), with the parser, the MD5 context and the buffer kept from probe to
// probe.
class HttpProbe final : public ConnectionProbe {
 public:
  HttpProbe(boost::asio::io_context& io, Endpoint endpoint, config::HttpProtocol protocol,
            Urls urls)
      : ConnectionProbe(io, std::move(endpoint)),
        urls_(std::move(urls)),
        parser_([this](std::string_view body) {
          if (digesting_) md5_.update(body);
        }) {
    requests_.reserve(urls_->size());
    for (const UrlPlan& url : *urls_)
      requests_.push_back(http_request(url.path, protocol, url.host));
    set_request_carries_ack();
  }

 private:
  void begin() override {
    url_ = 0;
    begin_url();
  }

  void begin_url() {
    const UrlPlan& url = (*urls_)[url_];
    parser_.reset();
    digesting_ = url.digest.has_value();
    if (digesting_) md5_.reset();
    search_.reset();
    if (url.regex) search_.emplace(*url.regex, url.regex_min_offset, url.regex_max_offset);
    connect(requests_[url_]);
  }

  // The request went out with the connect (a send that fails also says why the connect did).
  void connected(const StepOutcome& outcome) override {
    if (!outcome.ok()) {
      fail(describe(outcome, "connect", endpoint_.connect_timeout));
      return;
    }
    read();
  }

  void read() {
    begin_step();
    if (!buffer_) buffer_.emplace();
    socket_.async_read_some(
        boost::asio::buffer(buffer_->data(), ReadBuffer::kSize),
        bind([](ConnectionProbe* p, const boost::system::error_code& ec, std::size_t n) {
          static_cast<HttpProbe*>(p)->received(ec, n);
        }));
  }

  void received(const boost::system::error_code& ec, std::size_t n) {
    if (end_step()) {
      fail(describe({true, {}}, "read", endpoint_.connect_timeout));
      return;
    }
    const std::string_view bytes(buffer_->data(), n);
    if (n > 0 && search_) search_->feed(bytes);
    if (n > 0 && !parser_.feed(bytes)) {
      fail("bad response: " + parser_.error());
      return;
    }
    if (ec == boost::asio::error::eof) {
      response_complete();
      return;
    }
    if (ec) {
      fail("read: " + ec.message());
      return;
    }
    if (parser_.body_complete()) {
      response_complete();
      return;
    }
    read();
  }

  void response_complete() {
    buffer_.reset();
    // keepalived: "Read, no data received from" (no complete header before the close).
    if (!parser_.header_complete()) {
      fail("read: no data received");
      return;
    }
    close();
    if (digesting_) md5_.hex_final(digest_);
    std::string why =
        url_verdict((*urls_)[url_], parser_.status(), digesting_ ? digest_ : empty_, search_);
    if (!why.empty()) {
      fail(why);
      return;
    }
    if (++url_ < urls_->size()) {
      begin_url();
      return;
    }
    finish(CheckResult::passed());
  }

  // The first failing url ends the probe.
  void fail(const std::string& why) {
    buffer_.reset();
    finish(CheckResult::failed(url_failure((*urls_)[url_], why)));
  }

  Urls urls_;
  std::vector<std::string> requests_;  // one per url, made once
  std::size_t url_ = 0;
  HttpResponseParser parser_;
  Md5 md5_;
  bool digesting_ = false;
  std::string digest_;
  const std::string empty_;
  std::optional<core::StreamSearch> search_;
  std::optional<ReadBuffer> buffer_;  // lent while a response is read
};

class HttpCheck final : public Check {
 public:
  HttpCheck(boost::asio::io_context& io, Endpoint endpoint, config::HttpProtocol protocol,
            std::shared_ptr<boost::asio::ssl::context> tls, Urls urls)
      : io_(io), endpoint_(endpoint), protocol_(protocol), tls_(std::move(tls)), urls_(urls) {
    if (!tls_) probe_ = std::make_shared<HttpProbe>(io, std::move(endpoint), protocol, urls);
  }
  ~HttpCheck() override {
    if (probe_) probe_->cancel();
  }

  boost::asio::awaitable<CheckResult> run() override {
    if (probe_) return run_started(io_, *this);
    return run_tls();
  }
  bool start(ProbeSink& sink) override {
    if (!probe_) return false;
    probe_->start(sink);
    return true;
  }
  void cancel() override {
    if (probe_) probe_->cancel();
  }

 private:
  // SSL_GET: every url through http_fetch().
  boost::asio::awaitable<CheckResult> run_tls() {
    const auto start = std::chrono::steady_clock::now();
    CheckResult result;
    result.ok = true;
    for (const UrlPlan& url : *urls_) {
      std::string why = co_await check_url(url);
      if (!why.empty()) {
        result.ok = false;
        result.reason = url_failure(url, why);
        break;
      }
    }
    result.latency = std::chrono::steady_clock::now() - start;
    co_return result;
  }

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
    co_return url_verdict(url, r.status, r.digest, search);
  }

  boost::asio::io_context& io_;
  Endpoint endpoint_;
  config::HttpProtocol protocol_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  Urls urls_;
  std::shared_ptr<HttpProbe> probe_;  // plain HTTP
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
                                     std::move(tls),
                                     std::make_shared<const std::vector<UrlPlan>>(std::move(urls)));
}

}  // namespace vigil::checkers
