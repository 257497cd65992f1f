#pragma once

// The daemon's status and control endpoints, on the control socket (root only) and the
// optional HTTP listener (read only):
//
//   GET  /              the live status page (HTML, polls /status.json)
//   GET  /status.json   the status as JSON (status_json.h)
//   GET  /metrics       Prometheus text (metrics.h)
//   GET  /healthz       "ok"
//   GET  /dump          the running configuration as JSON, as `vigild -d` shows a file
//                       (control socket only: it holds passwords)
//   POST /reload        reload as SIGHUP does; the result and diagnostics as JSON
//                       (control socket only)
//   POST /config-test   parse the configuration file as a reload would, change nothing
//                       (control socket only)
//
// A status request costs the event loop one snapshot (a copy of plain values, linear in the
// number of real servers), shared by the requests of the next 100 ms; the JSON or Prometheus
// text is built from it on a worker thread (started with the first such request). A reload
// takes SIGHUP's path: the file is parsed on a worker thread and applied on the loop, and a
// request during a reload in flight is served by one more parse after it; config-test parses on
// the status worker. The loop keeps running VRRP, checkers and IPVS meanwhile.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <boost/asio/thread_pool.hpp>

#include "daemon/http_server.h"
#include "daemon/options.h"
#include "daemon/status_model.h"

namespace vigil::daemon {

class Services;
class Reloader;

class ControlServer {
 public:
  ControlServer(boost::asio::io_context& io, const Options& options, const Services& services,
                Reloader& reloader, DaemonStatus daemon);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Opens the control socket and, with --status-http, the HTTP listener. A listener that cannot
  // open is logged and left out: the daemon runs on without it.
  void start();
  void stop();

  // The HTTP listener's address once open (port 0 in tests picks one).
  std::optional<boost::asio::ip::tcp::endpoint> http_endpoint() const;

 private:
  boost::asio::awaitable<HttpResponse> handle(HttpRequest request, Access access);
  std::shared_ptr<const StatusSnapshot> snapshot();
  boost::asio::thread_pool& formatter();

  static constexpr auto kSnapshotReuse = std::chrono::milliseconds(100);

  boost::asio::io_context& io_;
  const Options& options_;
  const Services& services_;
  Reloader& reloader_;
  DaemonStatus daemon_;
  ControlStats stats_;
  std::shared_ptr<const StatusSnapshot> cached_;
  std::chrono::steady_clock::time_point cached_at_;
  std::uint64_t cached_reloads_ = 0;
  HttpServer server_;
  std::optional<boost::asio::thread_pool> formatter_;  // see formatter()
};

}  // namespace vigil::daemon
