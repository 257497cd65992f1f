#include "daemon/daemon.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "core/logging.h"
#include "daemon/config_check.h"
#include "daemon/control_server.h"
#include "daemon/pid_file.h"
#include "daemon/reload.h"
#include "daemon/services.h"
#include "parser/dump_json.h"

namespace vigil::daemon {
namespace {

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "localhost";
  return name;
}

bool enter_namespace(const std::string& name, std::string& error) {
  std::string path = "/run/netns/" + name;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = "cannot open network namespace " + path + ": " + std::strerror(errno);
    return false;
  }
  int rc = ::setns(fd, CLONE_NEWNET);
  int saved = errno;
  ::close(fd);
  if (rc != 0) {
    error = "cannot enter network namespace " + name + ": " + std::strerror(saved);
    return false;
  }
  return true;
}

void enable_core_dumps(const Options& options, spdlog::logger& log) {
  rlimit unlimited{RLIM_INFINITY, RLIM_INFINITY};
  if (::setrlimit(RLIMIT_CORE, &unlimited) != 0) {
    log.warn("cannot raise the core size limit: {}", std::strerror(errno));
  }
  if (!options.core_dump_pattern.empty()) {
    std::ofstream f("/proc/sys/kernel/core_pattern");
    f << options.core_dump_pattern << '\n';
    if (!f) log.warn("cannot set kernel.core_pattern");
  }
}

// Classic double fork; the parent returns only in the grandchild.
bool daemonize(std::string& error) {
  pid_t pid = ::fork();
  if (pid < 0) {
    error = std::string("fork: ") + std::strerror(errno);
    return false;
  }
  if (pid > 0) ::_exit(0);
  ::setsid();
  pid = ::fork();
  if (pid < 0) ::_exit(1);
  if (pid > 0) ::_exit(0);
  if (::chdir("/") != 0) return true;
  int null = ::open("/dev/null", O_RDWR);
  if (null >= 0) {
    ::dup2(null, 0);
    ::dup2(null, 1);
    ::dup2(null, 2);
    if (null > 2) ::close(null);
  }
  return true;
}

}  // namespace

int run_daemon(const Options& options) {
  core::setup_logging(options.log);
  auto log = core::logger("daemon");
  auto fail = [&](const std::string& why) {
    log->critical("{}", why);
    if (!options.log.console) std::cerr << "vigild: " << why << '\n';
    core::shutdown_logging();
    return 1;
  };

  if (options.umask) ::umask(*options.umask);
  if (options.core_dump) enable_core_dumps(options, *log);
  std::string error;
  if (!options.net_namespace.empty() && !enter_namespace(options.net_namespace, error)) {
    return fail(error);
  }

  // The lock comes first, so that a second instance says so before anything else.
  PidFile pid_file;
  if (!pid_file.acquire(options.pid_file, error)) return fail(error);
  if (::access(options.config_file.c_str(), R_OK) != 0) {
    return fail("cannot read configuration file " + options.config_file + ": " +
                std::strerror(errno));
  }
  parser::ParseOptions parse_opts = parse_options_for(options);
  parser::ParseResult parsed = parser::parse_config_file(options.config_file, parse_opts);
  log_diagnostics(parsed, *log);
  for (const auto& notice : options.notices) log->warn("{}", notice);

  if (!options.dont_fork && !daemonize(error)) return fail(error);
  pid_file.update();  // the lock survived the fork; the pid changed

  log->info("Starting vigild {} with {}", VIGIL_VERSION, options.config_file);
  const auto started = std::chrono::system_clock::now();
  if (parsed.diagnostics.has_errors()) {
    log->warn(
        "configuration has {} error(s); the affected items are skipped, as keepalived "
        "does (vigild -t -f {} lists them)",
        parsed.diagnostics.error_count(), options.config_file);
  }

  boost::asio::io_context io;
  // Signals first: a SIGTERM during start-up is handled once the loop runs.
  boost::asio::signal_set stop_signals(io, SIGTERM, SIGINT);
  boost::asio::signal_set hup(io, SIGHUP);
  auto running = std::make_shared<const config::Config>(std::move(parsed.config));
  Services services(io, options);
  if (!services.start(running, error)) {
    services.stop();
    pid_file.release();
    return fail("cannot start: " + error);
  }
  Reloader reloader(options, services, started);
  ControlServer control(io, options, services, reloader,
                        DaemonStatus{VIGIL_VERSION, static_cast<int>(::getpid()),
                                     running->global.router_id.value_or(host_name()), started});
  control.start();
  stop_signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    log->info("Stopping on signal {}", signo);
    hup.cancel();
    control.stop();
    services.stop();
    io.stop();
  });
  // SIGHUP: parse the whole new file first; on any error keep the running configuration.
  std::function<void()> wait_hup = [&] {
    hup.async_wait([&](const boost::system::error_code& ec, int) {
      if (ec) return;
      reloader.reload("SIGHUP");
      wait_hup();
    });
  };
  wait_hup();
  io.run();

  pid_file.release();
  log->info("Stopped");
  core::shutdown_logging();
  return 0;
}

}  // namespace vigil::daemon
