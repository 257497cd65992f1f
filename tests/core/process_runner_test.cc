#include "core/process_runner.h"

#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/asio_clock.h"
#include "core/script_command.h"

namespace vigil::core {
namespace {

using namespace std::chrono_literals;

// True when `pid` no longer runs: absent, or a zombie waiting for its (new) parent. Waits a
// little for the kernel to finish delivering a SIGKILL.
bool gone_or_zombie(pid_t pid) {
  for (int i = 0; i < 500; ++i) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string pid_s, comm, state;
    if (!(stat >> pid_s >> comm >> state) || state == "Z" || state == "X") return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

class ProcessRunnerTest : public ::testing::Test {
 protected:
  // Runs `argv` and drives the loop until the callback ran (or a generous safety limit passed,
  // which only guards against a hung test; nothing asserts on timing).
  ProcessResult run(std::vector<std::string> argv, RunOptions options = {},
                    std::optional<Credentials> credentials = std::nullopt,
                    std::optional<std::vector<std::string>> env = std::nullopt) {
    Command c;
    c.argv = std::move(argv);
    c.credentials = credentials;
    c.environment = std::move(env);
    std::optional<ProcessResult> result;
    runner_.run(c, options, [&](const ProcessResult& r) { result = r; });
    drive([&] { return result.has_value(); });
    EXPECT_TRUE(result.has_value());
    return result.value_or(ProcessResult{});
  }

  template <typename Pred>
  void drive(Pred done) {
    const auto limit = std::chrono::steady_clock::now() + 60s;
    while (!done() && std::chrono::steady_clock::now() < limit) {
      if (io_.stopped()) io_.restart();
      io_.run_one_for(100ms);
    }
  }

  boost::asio::io_context io_;
  AsioClock clock_{io_};
  ProcessRunner runner_{io_, clock_};
};

TEST_F(ProcessRunnerTest, ReportsExitStatus) {
  auto ok = run({"/bin/true"});
  EXPECT_EQ(ok.kind, ExitKind::kExited);
  EXPECT_EQ(ok.exit_status, 0);
  EXPECT_TRUE(ok.success());
  EXPECT_GT(ok.pid, 0);

  auto bad = run({"/bin/false"});
  EXPECT_EQ(bad.kind, ExitKind::kExited);
  EXPECT_EQ(bad.exit_status, 1);
  EXPECT_FALSE(bad.success());

  auto seven = run({"/bin/sh", "-c", "exit 7"});
  EXPECT_EQ(seven.exit_status, 7);
  EXPECT_EQ(runner_.running(), 0u);
  EXPECT_EQ(runner_.stats().started, 3u);
}

TEST_F(ProcessRunnerTest, PassesArgumentsWithoutAShell) {
  // "$1" must arrive as one word with its spaces and no expansion.
  auto r = run({"/bin/sh", "-c", "test \"$1\" = 'a b $HOME *'", "sh", "a b $HOME *"});
  EXPECT_TRUE(r.success()) << r.exit_status;
}

TEST_F(ProcessRunnerTest, ReportsDeathBySignal) {
  auto r = run({"/bin/sh", "-c", "kill -USR1 $$"});
  EXPECT_EQ(r.kind, ExitKind::kSignaled);
  EXPECT_EQ(r.signal, SIGUSR1);
  EXPECT_FALSE(r.success());
}

TEST_F(ProcessRunnerTest, NonexistentProgramFailsToStart) {
  auto r = run({"/nonexistent/vigil-test-program"});
  EXPECT_EQ(r.kind, ExitKind::kFailedToStart);
  EXPECT_EQ(r.error, std::errc::no_such_file_or_directory);
  EXPECT_FALSE(r.success());
  EXPECT_EQ(runner_.stats().failed_to_start, 1u);

  auto empty = run({});
  EXPECT_EQ(empty.kind, ExitKind::kFailedToStart);
}

TEST_F(ProcessRunnerTest, NonExecutableFileFailsToStart) {
  char path[] = "/tmp/vigil-noexec-XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ::close(fd);
  ::chmod(path, 0644);
  auto r = run({path});
  ::unlink(path);
  EXPECT_EQ(r.kind, ExitKind::kFailedToStart);
  EXPECT_EQ(r.error, std::errc::permission_denied);
}

TEST_F(ProcessRunnerTest, StandardDescriptorsAreDevNull) {
  auto r = run({"/bin/sh", "-c",
                "for f in 0 1 2; do test \"$(readlink /proc/$$/fd/$f)\" = /dev/null || exit 1; "
                "done"});
  EXPECT_TRUE(r.success()) << r.exit_status;
}

TEST_F(ProcessRunnerTest, RunsInItsOwnProcessGroup) {
  // Field 5 of /proc/PID/stat is the process group.
  auto r = run({"/bin/sh", "-c",
                "read pid comm state ppid pgrp rest < /proc/$$/stat; "
                "test \"$pgrp\" = \"$$\""});
  EXPECT_TRUE(r.success()) << r.exit_status;
}

TEST_F(ProcessRunnerTest, ResetsIgnoredSignals) {
  struct sigaction old {};
  struct sigaction ign {};
  ign.sa_handler = SIG_IGN;
  ::sigaction(SIGUSR2, &ign, &old);
  // With SIGUSR2 still ignored the shell would survive its own kill.
  auto r = run({"/bin/sh", "-c", "kill -USR2 $$; exit 0"});
  ::sigaction(SIGUSR2, &old, nullptr);
  EXPECT_EQ(r.kind, ExitKind::kSignaled);
  EXPECT_EQ(r.signal, SIGUSR2);
}

TEST_F(ProcessRunnerTest, UsesTheGivenEnvironment) {
  auto r = run({"/bin/sh", "-c", "test \"$VIGIL_X\" = 'y z' && test -z \"$HOME\""}, {},
               std::nullopt, std::vector<std::string>{"VIGIL_X=y z"});
  EXPECT_TRUE(r.success()) << r.exit_status;
}

TEST_F(ProcessRunnerTest, TimeoutSendsSigterm) {
  RunOptions o;
  o.timeout = 100ms;
  auto r = run({"/bin/sleep", "30"}, o);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.kind, ExitKind::kSignaled);
  EXPECT_EQ(r.signal, SIGTERM);
  EXPECT_FALSE(r.success());
  EXPECT_EQ(runner_.stats().timed_out, 1u);
  EXPECT_EQ(runner_.stats().killed, 0u);
}

TEST_F(ProcessRunnerTest, ChildIgnoringSigtermIsKilled) {
  RunOptions o;
  o.timeout = 100ms;
  o.kill_grace = 200ms;
  // The ignored SIGTERM is inherited by the sleep too: only SIGKILL ends them.
  auto r = run({"/bin/sh", "-c", "trap '' TERM; sleep 30; exit 0"}, o);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.kind, ExitKind::kSignaled);
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_EQ(runner_.stats().killed, 1u);
}

TEST_F(ProcessRunnerTest, TimeoutKillsGrandchildren) {
  char path[] = "/tmp/vigil-pids-XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ::close(fd);
  RunOptions o;
  o.timeout = 2s;  // ample time for the shell to start both sleeps
  auto r = run({"/bin/sh", "-c", "sleep 30 & echo $! > \"$1\"; sleep 30 & echo $! >> \"$1\"; wait",
                "sh", path},
               o);
  EXPECT_TRUE(r.timed_out);
  std::ifstream in(path);
  std::vector<pid_t> pids;
  for (pid_t p; in >> p;) pids.push_back(p);
  ::unlink(path);
  ASSERT_EQ(pids.size(), 2u);
  // Orphans are reaped by whoever init is here (maybe never): dead or a zombie both count.
  for (pid_t p : pids) EXPECT_TRUE(gone_or_zombie(p)) << p;
}

TEST_F(ProcessRunnerTest, CountsRunningChildrenAndTerminatesAll) {
  std::vector<ProcessResult> results;
  Command c;
  c.argv = {"/bin/sleep", "30"};
  runner_.run(c, {}, [&](const ProcessResult& r) { results.push_back(r); });
  runner_.run(c, {}, [&](const ProcessResult& r) { results.push_back(r); });
  EXPECT_EQ(runner_.running(), 2u);
  runner_.terminate_all(5s);
  drive([&] { return results.size() == 2; });
  ASSERT_EQ(results.size(), 2u);
  for (const auto& r : results) {
    EXPECT_EQ(r.kind, ExitKind::kSignaled);
    EXPECT_EQ(r.signal, SIGTERM);
    EXPECT_FALSE(r.timed_out);
  }
  EXPECT_EQ(runner_.running(), 0u);
}

TEST_F(ProcessRunnerTest, TerminateAllSparesChildrenStartedFromAGivenRun) {
  // Shutdown: in-flight scripts are stopped, the notify_stop scripts it starts itself are not.
  std::vector<ProcessResult> old_results;
  std::vector<ProcessResult> new_results;
  Command sleeper;
  sleeper.argv = {"/bin/sleep", "30"};
  runner_.run(sleeper, {}, [&](const ProcessResult& r) { old_results.push_back(r); });
  const RunId spare_from = runner_.next_id();
  Command quick;
  quick.argv = {"/bin/sh", "-c", "sleep 0.2; exit 3"};
  runner_.run(quick, {}, [&](const ProcessResult& r) { new_results.push_back(r); });
  runner_.terminate_all(5s, spare_from);
  drive([&] { return old_results.size() == 1 && new_results.size() == 1; });
  ASSERT_EQ(old_results.size(), 1u);
  ASSERT_EQ(new_results.size(), 1u);
  EXPECT_EQ(old_results[0].kind, ExitKind::kSignaled);
  EXPECT_EQ(new_results[0].kind, ExitKind::kExited);
  EXPECT_EQ(new_results[0].exit_status, 3);
}

TEST(ProcessRunnerLifetime, DestructorKillsAndReapsChildren) {
  boost::asio::io_context io;
  AsioClock clock(io);
  bool called = false;
  {
    ProcessRunner runner(io, clock);
    Command c;
    c.argv = {"/bin/sleep", "30"};
    runner.run(c, {}, [&](const ProcessResult&) { called = true; });
    ASSERT_EQ(runner.running(), 1u);
    io.run_for(20ms);
  }
  io.run_for(20ms);
  EXPECT_FALSE(called);
  // No live child and no zombie left behind.
  siginfo_t info{};
  EXPECT_EQ(::waitid(P_ALL, 0, &info, WEXITED | WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

TEST_F(ProcessRunnerTest, RunsAsNobodyWhenRoot) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  auto nobody = lookup_credentials("nobody", "");
  if (!nobody) GTEST_SKIP() << "no user nobody";
  const std::string uid = std::to_string(nobody->uid);
  const std::string gid = std::to_string(nobody->gid);
  auto r = run({"/bin/sh", "-c",
                "test \"$(id -u)\" = " + uid + " && test \"$(id -g)\" = " + gid +
                    " && test \"$(id -G)\" = " + gid},
               {}, nobody);
  EXPECT_TRUE(r.success()) << r.exit_status;
}

TEST_F(ProcessRunnerTest, RunsWithOwnCredentialsWithoutPrivileges) {
  // Our own identity needs no privilege at all (setgroups is skipped unless root).
  auto r = run({"/bin/true"}, {}, Credentials{::geteuid(), ::getegid()});
  EXPECT_TRUE(r.success()) << r.error.message();
}

TEST_F(ProcessRunnerTest, SetuidFailureIsAFailureToStart) {
  if (::geteuid() == 0) GTEST_SKIP() << "root may switch to any user";
  auto r = run({"/bin/true"}, {}, Credentials{0, 0});
  EXPECT_EQ(r.kind, ExitKind::kFailedToStart);
  EXPECT_EQ(r.error, std::errc::operation_not_permitted);
}

TEST_F(ProcessRunnerTest, AwaitableForm) {
  std::optional<ProcessResult> result;
  Command c;
  c.argv = {"/bin/sh", "-c", "exit 3"};
  boost::asio::co_spawn(
      io_,
      [&]() -> boost::asio::awaitable<void> {
        result = co_await async_run(runner_, c, RunOptions{}, boost::asio::use_awaitable);
      },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  drive([&] { return result.has_value(); });
  ASSERT_TRUE(result);
  EXPECT_EQ(result->exit_status, 3);
}

}  // namespace
}  // namespace vigil::core
