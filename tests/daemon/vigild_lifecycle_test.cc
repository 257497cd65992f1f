// The real vigild as systemd runs it (Type=notify, --dont-fork), with this test as the service
// manager: a datagram socket in $NOTIFY_SOCKET receives READY=1 once the configuration is applied,
// RELOADING=1 (with MONOTONIC_USEC) then READY=1 around a SIGHUP, WATCHDOG=1 with WATCHDOG_USEC,
// and STOPPING=1 on SIGTERM. Also: startup_script before READY=1, shutdown_script after the
// subsystems stopped, the keepalived dump files on SIGUSR1 / SIGUSR2 / the JSON signal in $TMPDIR,
// and a second instance refused by the pid file. No root needed: the configuration has no VRRP
// instance and no virtual server.
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class VigildUnderSystemd : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("vigild_lifecycle_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "tmp");
    ::chmod(dir_.c_str(), 0755);
    socket_path_ = (dir_ / "notify.sock").string();
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, socket_path_.c_str(), sizeof(a.sun_path) - 1);
    ASSERT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    timeval tv{0, 100'000};  // recv() waits at most 100 ms; callers bound the number of tries
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }
  void TearDown() override {
    if (child_ > 0) {
      ::kill(child_, SIGKILL);
      ::waitpid(child_, nullptr, 0);
    }
    ::close(fd_);
    fs::remove_all(dir_);
  }

  void write_script(const std::string& name, const std::string& body) {
    const fs::path p = dir_ / name;
    std::ofstream(p) << "#!/bin/sh\n" << body << "\n";
    ::chmod(p.c_str(), 0755);
  }

  void start(const std::string& config, const std::string& watchdog_usec = "") {
    conf_ = dir_ / "keepalived.conf";
    std::ofstream(conf_) << config;
    pid_file_ = dir_ / "vigild.pid";
    child_ = ::fork();
    ASSERT_GE(child_, 0);
    if (child_ == 0) {
      ::setenv("NOTIFY_SOCKET", socket_path_.c_str(), 1);
      if (!watchdog_usec.empty()) ::setenv("WATCHDOG_USEC", watchdog_usec.c_str(), 1);
      ::setenv("TMPDIR", (dir_ / "tmp").c_str(), 1);
      ::execl(VIGILD_PATH, VIGILD_PATH, "--dont-fork", "-l", "-G", "-f", conf_.c_str(), "-p",
              pid_file_.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }

  // The next notification containing `what` (earlier ones are kept in `seen_`), within ~10 s.
  std::string expect_message(const std::string& what) {
    for (int i = 0; i < 100; ++i) {
      char buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) continue;
      std::string m(buf, static_cast<std::size_t>(n));
      seen_.push_back(m);
      if (m.find(what) != std::string::npos) return m;
    }
    ADD_FAILURE() << "no notification with " << what;
    return {};
  }

  int stop_and_wait() {
    ::kill(child_, SIGTERM);
    int status = 0;
    ::waitpid(child_, &status, 0);
    child_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  bool wait_for_file(const fs::path& p) {
    for (int i = 0; i < 500; ++i) {
      if (fs::exists(p)) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

  fs::path dir_;
  fs::path conf_;
  fs::path pid_file_;
  std::string socket_path_;
  int fd_ = -1;
  pid_t child_ = -1;
  std::vector<std::string> seen_;
};

TEST_F(VigildUnderSystemd, ReadyReloadWatchdogStopping) {
  start("! nothing to run\n", "200000");
  const std::string ready = expect_message("READY=1");
  EXPECT_NE(ready.find("STATUS=Running 0 VRRP instance(s), 0 virtual server(s)"), std::string::npos)
      << ready;
  expect_message("WATCHDOG=1");
  expect_message("WATCHDOG=1");

  std::ofstream(conf_, std::ios::app) << "global_defs {\n  router_id reloaded\n}\n";
  timespec before{};
  ::clock_gettime(CLOCK_MONOTONIC, &before);
  ::kill(child_, SIGHUP);
  const std::string reloading = expect_message("RELOADING=1");
  const auto pos = reloading.find("MONOTONIC_USEC=");
  ASSERT_NE(pos, std::string::npos) << reloading;
  const std::uint64_t usec = std::stoull(reloading.substr(pos + 15));
  EXPECT_GE(usec, static_cast<std::uint64_t>(before.tv_sec) * 1000000u);
  expect_message("READY=1");

  // A broken file: the reload is refused and systemd still hears READY=1 with the reason.
  std::ofstream(conf_, std::ios::app) << "vrrp_instance {\n";
  ::kill(child_, SIGHUP);
  expect_message("RELOADING=1");
  const std::string refused = expect_message("READY=1");
  EXPECT_NE(refused.find("Reload refused"), std::string::npos) << refused;

  EXPECT_EQ(stop_and_wait(), 0);
  bool stopping = false;
  for (int i = 0; i < 1000 && !stopping; ++i) {
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof(buf), MSG_DONTWAIT);
    if (n <= 0) break;
    stopping = std::string(buf, static_cast<std::size_t>(n)).find("STOPPING=1") == 0;
  }
  EXPECT_TRUE(stopping);
}

TEST_F(VigildUnderSystemd, StartupScriptBeforeReadyShutdownScriptAfterStop) {
  const fs::path log = dir_ / "events";
  write_script("event.sh", "echo \"$1\" >> " + log.string());
  write_script("slow.sh", "sleep 0.3; echo \"$1\" >> " + log.string());
  start("global_defs {\n  startup_script \"" + (dir_ / "slow.sh").string() +
        " startup\"\n  shutdown_script \"" + (dir_ / "slow.sh").string() + " shutdown\"\n}\n");
  expect_message("READY=1");
  // The startup script finished before the daemon said it was ready.
  EXPECT_EQ(read_file(log), "startup\n");
  EXPECT_EQ(stop_and_wait(), 0);
  // ...and the shutdown script before it exited.
  EXPECT_EQ(read_file(log), "startup\nshutdown\n");
}

TEST_F(VigildUnderSystemd, StartupScriptTimeoutIsKilledAndStartGoesOn) {
  const fs::path log = dir_ / "events";
  write_script("hang.sh", "sleep 30; echo late >> " + log.string());
  start("global_defs {\n  startup_script " + (dir_ / "hang.sh").string() +
        "\n  startup_script_timeout 1\n}\n");
  expect_message("READY=1");
  EXPECT_EQ(stop_and_wait(), 0);
  EXPECT_FALSE(fs::exists(log));
}

TEST_F(VigildUnderSystemd, InsecureStartupScriptIsRefusedUnderScriptSecurity) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root-owned files";
  const fs::path log = dir_ / "events";
  write_script("event.sh", "echo \"$1\" >> " + log.string());
  ::chmod((dir_ / "event.sh").c_str(), 0777);  // anyone may rewrite it
  write_script("safe.sh", "echo \"$1\" >> " + log.string());
  start("global_defs {\n  enable_script_security\n  script_user root\n  startup_script \"" +
        (dir_ / "event.sh").string() + " startup\"\n  shutdown_script \"" +
        (dir_ / "safe.sh").string() + " shutdown\"\n}\n");
  expect_message("READY=1");
  EXPECT_EQ(stop_and_wait(), 0);
  EXPECT_EQ(read_file(log), "shutdown\n");
}

TEST_F(VigildUnderSystemd, DumpFilesOnSignals) {
  start("global_defs {\n  router_id dumper\n}\n");
  expect_message("READY=1");
  const fs::path tmp = dir_ / "tmp";
  ::kill(child_, SIGUSR1);
  ASSERT_TRUE(wait_for_file(tmp / "keepalived.data"));
  ASSERT_TRUE(wait_for_file(tmp / "keepalived_check.data"));
  const std::string data = read_file(tmp / "keepalived.data");
  EXPECT_NE(data.find("------< Global definitions >------"), std::string::npos) << data;
  EXPECT_NE(data.find(" Router ID = dumper"), std::string::npos) << data;
  EXPECT_NE(data.find("------< Configuration >------"), std::string::npos);
  EXPECT_EQ(fs::status(tmp / "keepalived.data").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);

  ::kill(child_, SIGUSR2);
  EXPECT_TRUE(wait_for_file(tmp / "keepalived.stats"));
  ::kill(child_, SIGRTMIN + 2);
  ASSERT_TRUE(wait_for_file(tmp / "keepalived.json"));
  EXPECT_TRUE(nlohmann::json::parse(read_file(tmp / "keepalived.json")).is_array());
  ::kill(child_, SIGRTMAX - 1);  // STATS_CLEAR: the daemon survives it
  EXPECT_EQ(stop_and_wait(), 0);
  // Nothing but the dumps was left in the directory (no temporary files).
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(tmp)) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"keepalived.data", "keepalived.json",
                                             "keepalived.stats", "keepalived_check.data"}));
}

}  // namespace
