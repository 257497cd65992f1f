#include "daemon/control_server.h"

#include <pthread.h>

#include <chrono>
#include <exception>
#include <functional>
#include <utility>

#include <spdlog/spdlog.h>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/logging.h"
#include "daemon/metrics.h"
#include "daemon/reload.h"
#include "daemon/services.h"
#include "daemon/status_json.h"
#include "daemon/web_page.h"
#include "parser/dump_json.h"

namespace vigil::daemon {
namespace {

namespace asio = boost::asio;

constexpr std::string_view kJson = "application/json";

std::string json_text(const nlohmann::ordered_json& j) {
  // Check reasons and script output may hold any bytes: replaced, never thrown on.
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

HttpResponse make(int status, std::string_view type, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = type;
  r.body = std::move(body);
  return r;
}

// Runs `format` on the worker thread; the awaiting coroutine resumes on its own executor (the
// loop) with the text, or with the exception `format` threw. A plain initiation, not a coroutine
// lambda: g++ 12 mishandles lambda temporaries that live across a co_await.
template <typename F>
auto on_worker(asio::thread_pool& pool, F format) {
  return asio::async_initiate<const asio::use_awaitable_t<>&,
                              void(std::exception_ptr, std::string)>(
      [&pool](auto handler, F job) {
        asio::post(pool, [handler = std::move(handler), job = std::move(job)]() mutable {
          std::exception_ptr error;
          std::string text;
          try {
            text = job();
          } catch (...) {
            error = std::current_exception();
          }
          const auto loop = asio::get_associated_executor(handler);
          asio::post(loop, [handler = std::move(handler), error, text = std::move(text)]() mutable {
            std::move(handler)(error, std::move(text));
          });
        });
      },
      asio::use_awaitable, std::move(format));
}

// Reloads through the reloader's background path (the parse on its worker thread, the apply on the
// loop, merged with a reload already in flight); the coroutine resumes with the record.
auto reload_in_background(asio::io_context& io, Reloader& reloader) {
  return asio::async_initiate<const asio::use_awaitable_t<>&, void(ReloadRecord)>(
      [&io, &reloader](auto handler) {
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        reloader.reload_in_background(io, "control socket", [h](const ReloadRecord& r) {
          const auto loop = asio::get_associated_executor(*h);
          asio::post(loop, [h, r]() mutable { std::move (*h)(std::move(r)); });
        });
      },
      asio::use_awaitable);
}

}  // namespace

ControlServer::ControlServer(asio::io_context& io, const Options& options, const Services& services,
                             Reloader& reloader, DaemonStatus daemon)
    : io_(io),
      options_(options),
      services_(services),
      reloader_(reloader),
      daemon_(std::move(daemon)),
      server_(io, [this](HttpRequest r, Access a) { return handle(std::move(r), a); }) {}

ControlServer::~ControlServer() {
  stop();
  if (formatter_) formatter_->join();
}

// Started with the first request that needs it: a daemon nobody asks costs no thread.
asio::thread_pool& ControlServer::formatter() {
  if (!formatter_) {
    formatter_.emplace(1);
    // Named for `top -H` and the status benchmark, which reads its CPU time.
    asio::post(*formatter_, [] { ::pthread_setname_np(::pthread_self(), "vigild-status"); });
  }
  return *formatter_;
}

void ControlServer::start() {
  auto log = core::logger("control");
  std::string error;
  if (const std::string path = control_socket_path(options_); !path.empty()) {
    if (server_.listen_unix(path, error)) {
      log->info("control socket {}", path);
    } else {
      log->error("no control socket: {}", error);
    }
  }
  if (options_.status_http) {
    const asio::ip::tcp::endpoint ep(options_.status_http->address, options_.status_http->port);
    if (server_.listen_tcp(ep, error)) {
      const auto bound = server_.tcp_endpoint().value_or(ep);
      log->info("status page on http://{}:{}/",
                bound.address().is_v6() ? "[" + bound.address().to_string() + "]"
                                        : bound.address().to_string(),
                bound.port());
    } else {
      log->error("no status page: {}", error);
    }
  }
}

void ControlServer::stop() { server_.stop(); }

std::optional<asio::ip::tcp::endpoint> ControlServer::http_endpoint() const {
  return server_.tcp_endpoint();
}

std::shared_ptr<const StatusSnapshot> ControlServer::snapshot() {
  const auto start = std::chrono::steady_clock::now();
  // A burst of requests (many pages open, a scraper and vigilctl at once) shares one snapshot:
  // the loop pays for at most one copy per kSnapshotReuse, whatever the request rate.
  // A reload applied or refused since makes it stale at once.
  const std::uint64_t reloads =
      reloader_.status().reloads_applied + reloader_.status().reloads_refused;
  if (cached_ && start - cached_at_ < kSnapshotReuse && cached_reloads_ == reloads) return cached_;
  stats_.requests = server_.stats().requests;
  stats_.refused = server_.stats().refused;
  auto s = std::make_shared<StatusSnapshot>(
      take_snapshot(services_, daemon_, reloader_.status(), stats_, services_.clock().now()));
  stats_.snapshot_time.observe(std::chrono::steady_clock::now() - start);
  cached_ = s;
  cached_at_ = start;
  cached_reloads_ = reloads;
  return s;
}

// Nothing here touches `this` after a co_await: the server may be gone by then.
asio::awaitable<HttpResponse> ControlServer::handle(HttpRequest request, Access access) {
  const std::string& path = request.path;
  const bool control_only = path == "/reload" || path == "/config-test" || path == "/dump";
  const bool post = path == "/reload" || path == "/config-test";
  const bool known = control_only || path == "/" || path == "/status.json" || path == "/metrics" ||
                     path == "/healthz";
  if (!known) co_return HttpResponse::text(404, "not found\n");
  if (control_only && access != Access::kControl) {
    co_return HttpResponse::text(403, "only on the control socket\n");
  }
  if (request.method != (post ? "POST" : "GET")) {
    co_return HttpResponse::text(405, post ? "use POST\n" : "use GET\n");
  }
  if (path == "/") co_return make(200, "text/html; charset=utf-8", std::string(kStatusPage));
  if (path == "/healthz") co_return HttpResponse::text(200, "ok\n");
  // Everything below runs off the loop: formatting on the worker, a reload's parse on the
  // reloader's thread (named locals only across the co_await, see on_worker).
  std::function<std::string()> job;
  std::string_view type = kJson;
  if (path == "/reload") {
    const ReloadRecord result = co_await reload_in_background(io_, reloader_);
    co_return make(result.applied ? 200 : 422, kJson, json_text(reload_json(result)));
  } else if (path == "/config-test") {
    // Reloader::check() changes nothing and only reads the options: safe on the worker.
    job = [&reloader = reloader_] { return json_text(reload_json(reloader.check())); };
  } else if (path == "/dump") {
    job = [config = services_.config()] {
      return config ? parser::config_json_text(*config) + "\n" : std::string("null\n");
    };
  } else if (path == "/metrics") {
    type = kMetricsContentType;
    job = [s = snapshot()] { return metrics_text(*s); };
  } else {
    job = [s = snapshot()] { return json_text(status_json(*s)); };
  }
  HttpResponse response;
  try {
    std::string body = co_await on_worker(formatter(), std::move(job));
    response = make(200, type, std::move(body));
  } catch (const std::exception& e) {
    response = HttpResponse::text(500, std::string("vigild: ") + e.what() + "\n");
  }
  co_return response;
}

}  // namespace vigil::daemon
