#include "daemon/daemon.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "core/asio_clock.h"
#include "core/logging.h"
#include "daemon/config_check.h"
#include "daemon/control_server.h"
#include "daemon/dump_files.h"
#include "daemon/fd_limit.h"
#include "daemon/lifecycle.h"
#include "daemon/pid_file.h"
#include "daemon/reload.h"
#include "daemon/services.h"
#include "daemon/systemd_notify.h"
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

// systemd's STATUS= line: what runs.
std::string running_status(const config::Config& c) {
  return "Running " + std::to_string(c.vrrp.instances.size()) + " VRRP instance(s), " +
         std::to_string(c.lvs.virtual_servers.size()) + " virtual server(s) from " + c.source_file;
}

// Once the loop has ended, a repeated SIGTERM (a second `kill`, a second Ctrl-C) must not turn
// the clean exit that is under way into "killed by SIGTERM": the signal sets give the signals
// back to their default action when they are cleared or destroyed, and the teardown (and the
// sanitizer build's leak check at exit, seconds under emulation) still has to run. So they are
// cleared now and the signals ignored from here on, in every thread.
void ignore_stop_signals(boost::asio::signal_set& stop, boost::asio::signal_set& hup) {
  boost::system::error_code ignored;
  stop.clear(ignored);
  hup.clear(ignored);
  for (int s : {SIGTERM, SIGINT, SIGHUP}) ::signal(s, SIG_IGN);
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

  SystemdEnvironment systemd_env = take_systemd_environment();
  if (!systemd_env.notify_socket.empty() && !options.dont_fork) {
    log->warn("NOTIFY_SOCKET is set but vigild forked: systemd's Type=notify needs --dont-fork");
  }

  boost::asio::io_context io;
  // Signals first: a SIGTERM during start-up is handled once the loop runs.
  boost::asio::signal_set stop_signals(io, SIGTERM, SIGINT);
  boost::asio::signal_set hup(io, SIGHUP);
  auto running = std::make_shared<const config::Config>(std::move(parsed.config));
  ensure_fd_limit(descriptors_needed(*running), *log);
  Services services(io, options);
  core::AsioClock clock(io);
  Lifecycle lifecycle(services.processes(), clock);
  SystemdNotifier systemd(io, std::move(systemd_env));
  // The one reload path of SIGHUP and the control socket; it holds the running configuration.
  Reloader reloader(options, services, running, started);
  reloader.set_hooks(Reloader::Hooks{
      [&] { return lifecycle.started(); },
      [&] { systemd.reloading("Reloading " + options.config_file); },
      [&](const ReloadRecord& r) {
        // The new checkers run their first checks on a later turn of the loop.
        if (r.applied) ensure_fd_limit(descriptors_needed(*reloader.config()), *log);
        const std::string status = running_status(*reloader.config());
        systemd.ready(r.applied
                          ? status
                          : "Reload refused (errors in " + options.config_file + "); " + status);
      }});
  ControlServer control(io, options, services, reloader,
                        DaemonStatus{VIGIL_VERSION, static_cast<int>(::getpid()),
                                     running->global.router_id.value_or(host_name()), started});
  DumpSignals dumps(io, [&](bool with_checkers) {
    return take_snapshot(reloader.config(), services.vrrp(), services.checkers(), with_checkers);
  });
  std::string start_error;
  bool stopping = false;
  // startup_script first (waited for on the loop), then the subsystems, then READY=1.
  lifecycle.run_startup(running->global, [&] {
    if (!services.start(reloader.config(), start_error)) {
      stopping = true;
      services.stop();
      io.stop();
      return;
    }
    control.start();
    systemd.ready(running_status(*reloader.config()));
  });
  stop_signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    if (ec || stopping) return;
    stopping = true;
    log->info("Stopping on signal {}", signo);
    systemd.stopping("Stopping");
    hup.cancel();
    reloader.abandon();
    control.stop();
    dumps.stop();
    lifecycle.abandon_startup();
    // Masters send priority 0 and release their VIPs, notify_stop scripts run and are waited
    // for, then shutdown_script; then the loop ends.
    services.stop();
    lifecycle.run_shutdown(
        reloader.config()->global, [&] { return services.processes().running(); },
        [&] { io.stop(); });
  });
  // SIGHUP: parse the whole new file first (on a worker thread, the loop keeps running); on any
  // error keep the running configuration.
  std::function<void()> wait_hup = [&] {
    hup.async_wait([&](const boost::system::error_code& ec, int) {
      if (ec) return;
      reloader.reload_in_background(io, "SIGHUP");
      wait_hup();
    });
  };
  wait_hup();
  systemd.start_watchdog();
  io.run();
  ignore_stop_signals(stop_signals, hup);
  if (!start_error.empty()) {
    pid_file.release();
    return fail("cannot start: " + start_error);
  }

  pid_file.release();
  log->info("Stopped");
  core::shutdown_logging();
  return 0;
}

}  // namespace vigil::daemon
