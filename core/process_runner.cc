#include "core/process_runner.h"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>

#include "core/logging.h"

extern char** environ;

namespace vigil::core {
namespace {

int open_pidfd(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0U)); }

// Everything the child does between fork and execve is async-signal-safe: no allocation, no
// locks (the daemon has other threads, e.g. the logger's), only system calls.
[[noreturn]] void child_fail(int fd) {
  const int err = errno;
  // A 4-byte write into an empty pipe cannot block or be split.
  [[maybe_unused]] ssize_t n = ::write(fd, &err, sizeof err);
  ::_exit(127);
}

[[noreturn]] void child_main(char* const* argv, char* const* envp, const Command& command,
                             pid_t parent, int error_fd) {
  // The daemon's signal mask and dispositions must not leak into scripts (SIG_IGN survives
  // execve; keepalived signal_handler_script resets them).
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  ::sigemptyset(&dfl.sa_mask);
  for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &dfl, nullptr);

  // Own process group, so a timeout kills everything the script started.
  ::setpgid(0, 0);
  // The script dies with the daemon (keepalived: prctl(PR_SET_PDEATHSIG, SIGTERM)); if the
  // daemon already died between fork and prctl, give up.
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (::getppid() != parent) ::_exit(127);

  // keepalived reset_process_priorities: no real-time scheduling for scripts.
  if (::sched_getscheduler(0) != SCHED_OTHER) {
    struct sched_param param {};
    ::sched_setscheduler(0, SCHED_OTHER, &param);
  }

  // Keep the error pipe clear of the standard descriptors we are about to replace.
  if (error_fd <= STDERR_FILENO) {
    const int moved = ::fcntl(error_fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
    if (moved < 0) ::_exit(127);
    error_fd = moved;
  }

  if (command.credentials) {
    const Credentials& c = *command.credentials;
    // keepalived set_script_env: setgid, supplementary groups reduced to that one group,
    // setuid last (after it we could not change groups any more).
    if (c.gid != ::getegid() && ::setgid(c.gid) != 0) child_fail(error_fd);
    if (::geteuid() == 0 && ::setgroups(1, &c.gid) != 0) child_fail(error_fd);
    if (c.uid != ::geteuid() && ::setuid(c.uid) != 0) child_fail(error_fd);
  }

  // keepalived set_std_fd(false): stdin, stdout and stderr on /dev/null.
  const int null_fd = ::open("/dev/null", O_RDWR);
  if (null_fd < 0) child_fail(error_fd);
  for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; ++fd) {
    if (null_fd != fd && ::dup2(null_fd, fd) < 0) child_fail(error_fd);
  }
  if (null_fd > STDERR_FILENO) ::close(null_fd);
  // Whatever the daemon opened without O_CLOEXEC stays out of the script.
  ::syscall(SYS_close_range, STDERR_FILENO + 1, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */);

  ::execve(argv[0], argv, envp);
  child_fail(error_fd);
}

}  // namespace

struct ProcessRunner::Child {
  RunId id = 0;
  pid_t pid = -1;
  int error_fd = -1;  // read end of the close-on-exec error pipe
  std::unique_ptr<boost::asio::posix::stream_descriptor> pidfd;
  std::unique_ptr<Timer> timer;
  Callback callback;
  RunOptions options;
  bool timed_out = false;
  bool killed = false;
  std::string program;
};

ProcessRunner::ProcessRunner(boost::asio::io_context& io, Clock& clock)
    : io_(io), clock_(clock), alive_(std::make_shared<bool>(true)) {}

ProcessRunner::~ProcessRunner() {
  *alive_ = false;
  for (auto& [id, child] : children_) {
    ::kill(-child->pid, SIGKILL);
    ::kill(child->pid, SIGKILL);
  }
  // Reap what dies within a bounded wait; never hang shutdown on an unkillable process.
  for (int round = 0; round < 1000 && !children_.empty(); ++round) {
    for (auto it = children_.begin(); it != children_.end();) {
      int status = 0;
      const pid_t r = ::waitpid(it->second->pid, &status, WNOHANG);
      if (r == it->second->pid || (r < 0 && errno == ECHILD)) {
        if (it->second->error_fd >= 0) ::close(it->second->error_fd);
        it = children_.erase(it);
      } else {
        ++it;
      }
    }
    if (!children_.empty()) {
      struct timespec ms {
        0, 1'000'000
      };
      ::nanosleep(&ms, nullptr);
    }
  }
  for (auto& [id, child] : children_) {
    if (child->error_fd >= 0) ::close(child->error_fd);
  }
}

RunId ProcessRunner::run(const Command& command, const RunOptions& options, Callback callback) {
  const RunId id = next_id_++;
  auto fail = [&](int err, const char* what) {
    ++stats_.failed_to_start;
    core::logger("process")->warn("cannot run {}: {} failed: {}",
                                  command.argv.empty() ? std::string("(empty)") : command.argv[0],
                                  what, std::generic_category().message(err));
    ProcessResult r;
    r.kind = ExitKind::kFailedToStart;
    r.error = std::error_code(err, std::generic_category());
    std::weak_ptr<bool> alive = alive_;
    boost::asio::post(io_, [alive, cb = std::move(callback), r]() {
      auto a = alive.lock();
      if (a && *a && cb) cb(r);
    });
    return id;
  };
  if (command.argv.empty() || command.argv[0].empty()) return fail(ENOENT, "empty command");

  // Everything the child needs is built before fork: the child must not allocate.
  std::vector<char*> argv;
  argv.reserve(command.argv.size() + 1);
  for (const auto& a : command.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envv;
  char* const* envp = environ;
  if (command.environment) {
    for (const auto& e : *command.environment) envv.push_back(const_cast<char*>(e.c_str()));
    envv.push_back(nullptr);
    envp = envv.data();
  }

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) != 0) return fail(errno, "pipe2");
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    return fail(err, "fork");
  }
  if (pid == 0) {
    ::close(pipe_fds[0]);
    child_main(argv.data(), envp, command, parent, pipe_fds[1]);
  }
  ::close(pipe_fds[1]);
  // Both sides set the group, so a timeout can never signal a group that does not exist yet.
  // After the child's execve this fails with EACCES, which is fine: the child did it first.
  ::setpgid(pid, pid);

  const int pidfd = open_pidfd(pid);
  if (pidfd < 0) {
    const int err = errno;
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);  // just killed: returns at once
    ::close(pipe_fds[0]);
    return fail(err, "pidfd_open");
  }

  ++stats_.started;
  auto child = std::make_unique<Child>();
  child->id = id;
  child->pid = pid;
  child->error_fd = pipe_fds[0];
  child->pidfd = std::make_unique<boost::asio::posix::stream_descriptor>(io_, pidfd);
  child->callback = std::move(callback);
  child->options = options;
  child->program = command.argv[0];
  Child& c = *child;
  children_.emplace(id, std::move(child));
  core::logger("process")->debug("started {} (pid {})", c.program, pid);

  watch(c);
  if (options.timeout) {
    c.timer = clock_.make_timer();
    c.timer->arm(*options.timeout, [this, id] { on_timeout(id); });
  }
  return id;
}

void ProcessRunner::watch(Child& child) {
  std::weak_ptr<bool> alive = alive_;
  const RunId id = child.id;
  child.pidfd->async_wait(boost::asio::posix::stream_descriptor::wait_read,
                          [this, alive, id](const boost::system::error_code& ec) {
                            auto a = alive.lock();
                            if (!a || !*a || ec == boost::asio::error::operation_aborted) return;
                            on_exit(id);
                          });
}

void ProcessRunner::on_exit(RunId id) {
  auto it = children_.find(id);
  if (it == children_.end()) return;
  Child& c = *it->second;
  // While the leader is a zombie its pid (= the group id) cannot be reused, so this is the
  // moment to clear out what it left behind after a timeout (keepalived: kill(-pid, SIGKILL)
  // once the script died of our SIGTERM).
  if (c.timed_out) ::kill(-c.pid, SIGKILL);

  int status = 0;
  const pid_t r = ::waitpid(c.pid, &status, WNOHANG);
  if (r == 0) {  // readable but not yet waitable: wait again
    watch(c);
    return;
  }
  ProcessResult result;
  result.pid = c.pid;
  result.timed_out = c.timed_out;
  int err = 0;
  if (r < 0) {
    // Someone else reaped our child (a waitpid(-1) elsewhere in the process): the status is
    // lost. Report it as a failure rather than guess.
    result.kind = ExitKind::kFailedToStart;
    result.error = std::error_code(errno, std::generic_category());
    core::logger("process")->warn("{} (pid {}) was reaped elsewhere", c.program, c.pid);
  } else if (::read(c.error_fd, &err, sizeof err) == static_cast<ssize_t>(sizeof err)) {
    result.kind = ExitKind::kFailedToStart;
    result.error = std::error_code(err, std::generic_category());
    ++stats_.failed_to_start;
    core::logger("process")->warn("cannot run {}: {}", c.program, result.error.message());
  } else if (WIFEXITED(status)) {
    result.kind = ExitKind::kExited;
    result.exit_status = WEXITSTATUS(status);
  } else {
    result.kind = ExitKind::kSignaled;
    result.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  }
  finish(id, result);
}

void ProcessRunner::on_timeout(RunId id) {
  auto it = children_.find(id);
  if (it == children_.end()) return;
  Child& c = *it->second;
  c.timed_out = true;
  ++stats_.timed_out;
  core::logger("process")->info("{} (pid {}) timed out, sending SIGTERM", c.program, c.pid);
  ::kill(-c.pid, SIGTERM);
  c.timer->arm(c.options.kill_grace, [this, id] { on_grace_expired(id); });
}

void ProcessRunner::on_grace_expired(RunId id) {
  auto it = children_.find(id);
  if (it == children_.end()) return;
  Child& c = *it->second;
  if (!c.killed) ++stats_.killed;
  c.killed = true;
  core::logger("process")->warn("{} (pid {}) ignored SIGTERM, sending SIGKILL", c.program, c.pid);
  ::kill(-c.pid, SIGKILL);
  ::kill(c.pid, SIGKILL);
}

void ProcessRunner::terminate_all(Duration grace, RunId spare_from) {
  for (auto& [id, child] : children_) {
    if (id >= spare_from) continue;
    ::kill(-child->pid, SIGTERM);
    if (!child->timer) child->timer = clock_.make_timer();
    const RunId rid = id;
    child->timer->arm(grace, [this, rid] { on_grace_expired(rid); });
  }
}

void ProcessRunner::finish(RunId id, ProcessResult result) {
  auto it = children_.find(id);
  if (it == children_.end()) return;
  std::unique_ptr<Child> c = std::move(it->second);
  children_.erase(it);
  if (c->timer) c->timer->cancel();
  if (c->error_fd >= 0) ::close(c->error_fd);
  c->pidfd.reset();
  core::logger("process")->debug("{} (pid {}) finished: kind {} status {} signal {}", c->program,
                                 c->pid, static_cast<int>(result.kind), result.exit_status,
                                 result.signal);
  if (c->callback) c->callback(result);
}

}  // namespace vigil::core
