#pragma once

// Network namespaces for root integration tests.
//
// How it works, and why:
// - TestNetns creates a named namespace "vigil-t-<tag>-<pid>" with `ip netns add` (unique per
//   process: ctest runs every test case in its own process, in parallel).
// - enter() moves the *calling thread* into it with setns(CLONE_NEWNET). Linux keeps the network
//   namespace per thread, and a socket stays in the namespace it was created in, so every
//   NetlinkSocket, NetlinkMonitor or raw socket the test creates after enter() lives in the test
//   namespace, and /proc/sys/net shows that namespace's sysctls to this thread. Run the
//   io_context on the same thread (tests do: run_until() below).
// - Shell commands use `ip -n <name> ...` (ns_cmd()), which works from any namespace.
// - The destructor returns the thread to its original namespace (saved from
//   /proc/thread-self/ns/net) and deletes the namespace, which destroys the veths and macvlans
//   inside it. This happens on test failure too (fixture TearDown). Namespaces left by a crashed
//   run (their pid is gone) are deleted by the next TestNetns.
//
// NetnsTest is a gtest fixture that skips unless root, creates and enters a namespace per test.

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>

namespace vigil::testing {

class TestNetns {
 public:
  explicit TestNetns(const std::string& tag)
      : name_("vigil-t-" + tag + "-" + std::to_string(::getpid())) {
    remove_stale();
    std::system(("ip netns del " + name_ + " 2>/dev/null").c_str());
    ok_ = std::system(("ip netns add " + name_).c_str()) == 0;
    if (ok_) run("ip -n " + name_ + " link set lo up");
  }
  ~TestNetns() {
    leave();
    if (ok_) std::system(("ip netns del " + name_).c_str());
  }
  TestNetns(const TestNetns&) = delete;
  TestNetns& operator=(const TestNetns&) = delete;

  bool ok() const { return ok_; }
  const std::string& name() const { return name_; }

  // Moves this thread into the namespace.
  bool enter() {
    if (!ok_ || original_ >= 0) return false;
    original_ = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    int fd = ::open(("/var/run/netns/" + name_).c_str(), O_RDONLY | O_CLOEXEC);
    bool entered = original_ >= 0 && fd >= 0 && ::setns(fd, CLONE_NEWNET) == 0;
    if (fd >= 0) ::close(fd);
    if (!entered && original_ >= 0) {
      ::close(original_);
      original_ = -1;
    }
    return entered;
  }

  // Back to the namespace the thread came from.
  void leave() {
    if (original_ < 0) return;
    ::setns(original_, CLONE_NEWNET);
    ::close(original_);
    original_ = -1;
  }

  // "ip -n NAME " + args.
  std::string ip(const std::string& args) const { return "ip -n " + name_ + " " + args; }

  static int run(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()); }

  static std::string capture(const std::string& cmd) {
    std::string out;
    FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
    if (p == nullptr) return out;
    char buf[512];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
    ::pclose(p);
    return out;
  }

 private:
  // Namespaces of earlier runs that died before cleaning up.
  static void remove_stale() {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/var/run/netns", ec)) {
      const std::string n = entry.path().filename().string();
      if (n.rfind("vigil-t-", 0) != 0) continue;
      const std::string pid = n.substr(n.rfind('-') + 1);
      if (pid.empty() || pid.find_first_not_of("0123456789") != std::string::npos) continue;
      if (std::filesystem::exists("/proc/" + pid, ec)) continue;
      std::system(("ip netns del " + n + " 2>/dev/null").c_str());
    }
  }

  std::string name_;
  bool ok_ = false;
  int original_ = -1;
};

// Runs `io` until `done()` or `limit` (a safety net against hangs, not a timing assertion).
inline bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
                      std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= end) return false;
    io.restart();
    io.run_for(std::chrono::milliseconds(10));
  }
  return true;
}

class NetnsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces)";
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string tag = info->name();
    if (tag.size() > 20) tag.resize(20);
    ns_ = std::make_unique<TestNetns>(tag);
    ASSERT_TRUE(ns_->ok()) << "ip netns add failed";
    ASSERT_TRUE(ns_->enter()) << "setns failed";
  }
  void TearDown() override { ns_.reset(); }

  std::string ip(const std::string& args) const { return ns_->ip(args); }
  int sh(const std::string& cmd) const { return TestNetns::run(cmd); }
  std::string out(const std::string& cmd) const { return TestNetns::capture(cmd); }

  std::unique_ptr<TestNetns> ns_;
};

}  // namespace vigil::testing
