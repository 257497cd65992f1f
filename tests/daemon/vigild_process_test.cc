// Runs the real vigild binary: exit codes, -t output, pid-file exclusivity, clean SIGTERM exit.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

namespace {

struct Run {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

Run run(const std::string& args) {
  Run r;
  std::string cmd = std::string(VIGILD_PATH) + " " + args + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  std::array<char, 4096> buf{};
  while (std::size_t n = std::fread(buf.data(), 1, buf.size(), p)) r.output.append(buf.data(), n);
  int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::filesystem::path temp_dir() {
  auto d = std::filesystem::temp_directory_path() / ("vigild_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(d);
  return d;
}

TEST(Vigild, VersionAndSignum) {
  EXPECT_EQ(run("-v").exit_code, 0);
  auto s = run("--signum=RELOAD");
  EXPECT_EQ(s.exit_code, 0);
  EXPECT_EQ(s.output, "1\n");
  EXPECT_EQ(run("--signum=NOPE").exit_code, 1);
  EXPECT_EQ(run("--bogus").exit_code, 1);
}

TEST(Vigild, MissingConfigFileIsAnError) {
  // keepalived 2.2.7 returns 0 here; vigil is strict.
  auto r = run("-t -f /nonexistent/keepalived.conf");
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_NE(r.output.find("/nonexistent/keepalived.conf"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("error"), std::string::npos) << r.output;
}

TEST(Vigild, ConfigTestWritesToTheGivenLogFile) {
  auto dir = temp_dir();
  auto log = dir / "t.log";
  auto r = run("--config-test=" + log.string() + " -f /nonexistent.conf");
  EXPECT_EQ(r.exit_code, 5);
  std::ifstream in(log);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("/nonexistent.conf"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(Vigild, SecondInstanceWithSamePidFileRefusesAndSigtermExitsCleanly) {
  auto dir = temp_dir();
  auto conf = dir / "k.conf";
  std::ofstream(conf) << "! empty configuration\n";
  auto pid = dir / "vigild.pid";
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::execl(VIGILD_PATH, VIGILD_PATH, "-n", "-G", "-f", conf.c_str(), "-p", pid.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Wait (bounded) until the pid file names the first instance: it holds the lock by then.
  auto pid_in_file = [&] {
    std::ifstream in(pid);
    std::string text;
    std::getline(in, text);
    return text;
  };
  for (int i = 0; i < 500 && pid_in_file() != std::to_string(child); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(pid_in_file(), std::to_string(child));
  auto second = run("-n -G -f " + conf.string() + " -p " + pid.string());
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_NE(second.output.find("another vigild (pid " + std::to_string(child) + ")"),
            std::string::npos)
      << second.output;
  ASSERT_EQ(::kill(child, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_FALSE(std::filesystem::exists(pid));
  std::filesystem::remove_all(dir);
}

}  // namespace
