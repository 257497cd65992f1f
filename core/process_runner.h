#pragma once

// Runs external programs (track scripts, notify scripts, MISC_CHECK) the way keepalived 2.2.7
// does (lib/notify.c system_call_script), without a shell and without blocking the event loop:
//  - fork, then in the child: reset signal dispositions and mask, drop to the configured
//    group/user (setgid, setgroups to that one group, setuid), stdin/stdout/stderr on /dev/null,
//    a new process group (so a timeout kills the script and everything it started),
//    PR_SET_PDEATHSIG SIGTERM (the script dies with the daemon), execve(argv, environ);
//  - the parent watches a pidfd (pidfd_open, Linux 5.3+) on the io_context and reaps only that
//    pid with waitpid(pid, WNOHANG): no SIGCHLD handler, nothing that disturbs the daemon's
//    signal_set, and never a blocking wait on the loop;
//  - a timeout sends SIGTERM to the process group, then SIGKILL to the group after a grace
//    period (keepalived vrrp_script_child_thread: TERM, 2 s, KILL). A script that dies from our
//    SIGTERM also gets its group SIGKILLed, so no grandchild outlives it.
// A failure to start (fork, setuid, execve, ...) is reported with its errno through the same
// callback; the child sends the errno over a close-on-exec pipe, read without blocking after the
// child has exited.

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <boost/asio/async_result.hpp>
#include <boost/asio/io_context.hpp>

#include "core/clock.h"

namespace vigil::core {

// Who a program runs as. Unset fields mean "as the daemon itself".
struct Credentials {
  uid_t uid = 0;
  gid_t gid = 0;
};

// What to run. argv[0] is the program path handed to execve (no PATH search at run time: see
// make_script_command in core/script_command.h, which resolves bare names once, as keepalived
// does at configuration time).
struct Command {
  std::vector<std::string> argv;
  std::optional<Credentials> credentials;
  // Environment "NAME=value" entries; unset: the daemon's own environment (keepalived passes
  // `environ` to execve unchanged).
  std::optional<std::vector<std::string>> environment;
};

struct RunOptions {
  // Unset: no time limit (notify scripts). keepalived gives notify_stop scripts 1 s at shutdown.
  std::optional<Duration> timeout;
  // Between SIGTERM and SIGKILL once the timeout fired.
  Duration kill_grace = std::chrono::seconds(2);
};

enum class ExitKind : std::uint8_t {
  kExited,         // exit_status is valid
  kSignaled,       // signal is valid
  kFailedToStart,  // error holds the errno of fork/pidfd_open/setuid/execve/...
};

struct ProcessResult {
  ExitKind kind = ExitKind::kFailedToStart;
  int exit_status = 0;
  int signal = 0;
  std::error_code error;
  // The timeout fired (we sent SIGTERM, maybe SIGKILL). keepalived counts a timed-out track
  // script as a failure whatever the exit status.
  bool timed_out = false;
  pid_t pid = -1;

  bool success() const { return kind == ExitKind::kExited && exit_status == 0 && !timed_out; }
};

using RunId = std::uint64_t;

// The seam for code that runs programs (track script scheduler, notifier, MISC_CHECK), so their
// logic runs under SimulatedClock with a fake launcher in unit tests.
class ProcessLauncher {
 public:
  using Callback = std::function<void(const ProcessResult&)>;
  virtual ~ProcessLauncher() = default;
  // Starts `command`. The callback runs exactly once, on the io_context, never from inside
  // run() (also for a failure to start), unless the launcher is destroyed first.
  virtual RunId run(const Command& command, const RunOptions& options, Callback callback) = 0;
  // Children started and not yet reaped.
  virtual std::size_t running() const = 0;
};

// The same as a completion token, for coroutines:
//   ProcessResult r = co_await async_run(launcher, cmd, options, boost::asio::use_awaitable);
// The launcher runs the completion on its io_context.
template <typename CompletionToken>
auto async_run(ProcessLauncher& launcher, Command command, RunOptions options,
               CompletionToken&& token) {
  return boost::asio::async_initiate<CompletionToken, void(ProcessResult)>(
      [&launcher](auto handler, Command c, RunOptions o) {
        // ProcessLauncher::Callback is a std::function, which needs a copyable target.
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        launcher.run(c, o, [shared](const ProcessResult& r) { (*shared)(r); });
      },
      token, std::move(command), std::move(options));
}

struct ProcessRunnerStats {
  std::uint64_t started = 0;
  std::uint64_t failed_to_start = 0;
  std::uint64_t timed_out = 0;
  std::uint64_t killed = 0;  // needed SIGKILL after the grace period
};

class ProcessRunner final : public ProcessLauncher {
 public:
  // `clock` times the timeouts (AsioClock in the daemon).
  ProcessRunner(boost::asio::io_context& io, Clock& clock);
  // SIGKILLs every remaining process group and reaps what died within a short bounded wait;
  // pending callbacks are dropped.
  ~ProcessRunner() override;
  ProcessRunner(const ProcessRunner&) = delete;
  ProcessRunner& operator=(const ProcessRunner&) = delete;

  RunId run(const Command& command, const RunOptions& options, Callback callback) override;
  std::size_t running() const override { return children_.size(); }

  // Shutdown (keepalived script_killall): SIGTERM to every child's process group now, SIGKILL
  // to those still alive after `grace`. Callbacks still run as the children are reaped.
  // Children started at or after run id `spare_from` are left alone (the notify_stop scripts
  // that shutdown itself starts, which have their own timeout).
  void terminate_all(Duration grace = std::chrono::seconds(1),
                     RunId spare_from = std::numeric_limits<RunId>::max());
  // The id the next run() will get.
  RunId next_id() const { return next_id_; }

  const ProcessRunnerStats& stats() const { return stats_; }

 private:
  struct Child;
  void watch(Child& child);
  void on_exit(RunId id);
  void on_timeout(RunId id);
  void on_grace_expired(RunId id);
  void finish(RunId id, ProcessResult result);

  boost::asio::io_context& io_;
  Clock& clock_;
  RunId next_id_ = 1;
  std::map<RunId, std::unique_ptr<Child>> children_;
  ProcessRunnerStats stats_;
  // Posted completions (failures to start) check this so none runs after destruction.
  std::shared_ptr<bool> alive_;
};

}  // namespace vigil::core
