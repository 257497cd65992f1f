#include "checkers/misc_check.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>

#include "core/asio_clock.h"
#include "tests/checkers/run_probe.h"

namespace vigil::checkers {
namespace {

using namespace std::chrono_literals;

class MiscCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("vigil-misc-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    vs_.delay_loop = 60s;
    vs_.weight = 3;
    rs_.address = core::IpAddress(boost::asio::ip::make_address("127.0.0.1"));
    checker_.type = config::CheckerType::kMisc;
  }
  void TearDown() override {
    // The runner's destructor SIGKILLs and reaps whatever a failed test left running.
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // An executable shell script in the test's directory.
  std::string script(const std::string& name, const std::string& body) {
    const auto path = dir_ / name;
    std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
    ::chmod(path.c_str(), 0755);
    return path.string();
  }

  config::MiscCheck& misc() {
    if (!std::holds_alternative<config::MiscCheck>(checker_.details)) {
      checker_.details = config::MiscCheck{};
    }
    return std::get<config::MiscCheck>(checker_.details);
  }

  std::unique_ptr<Check> make(std::string* why = nullptr) {
    std::string ignored;
    return make_misc_check(checker_, rs_, vs_, context_, why ? why : &ignored);
  }

  CheckResult probe(Check& check) {
    auto r = testing::run_probe(io_, check);
    EXPECT_TRUE(r.has_value()) << "probe did not finish";
    return r.value_or(CheckResult{});
  }

  std::filesystem::path dir_;
  boost::asio::io_context io_;
  core::AsioClock clock_{io_};
  core::ProcessRunner runner_{io_, clock_};
  CheckContext context_{io_, runner_, core::ScriptDefaults{}, nullptr};
  config::VirtualServer vs_;
  config::RealServer rs_;
  config::Checker checker_;
};

TEST_F(MiscCheckTest, ExitZeroPasses) {
  misc().path = script("ok.sh", "exit 0");
  auto check = make();
  ASSERT_TRUE(check);
  auto r = probe(*check);
  EXPECT_TRUE(r.ok) << r.reason;
  EXPECT_TRUE(r.reason.empty());
  EXPECT_FALSE(r.weight);
}

TEST_F(MiscCheckTest, ExitOneFails) {
  misc().path = script("one.sh", "exit 1");
  auto check = make();
  ASSERT_TRUE(check);
  auto r = probe(*check);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reason, "exited with status 1");
}

TEST_F(MiscCheckTest, NonZeroWithoutDynamicFails) {
  misc().path = script("seven.sh", "exit 7");
  auto check = make();
  ASSERT_TRUE(check);
  auto r = probe(*check);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reason, "exited with status 7");
  EXPECT_FALSE(r.weight);
}

TEST_F(MiscCheckTest, DynamicExitCodesSetTheWeight) {
  misc().dynamic = true;
  misc().path = script("dyn.sh", "exit \"$1\"");
  const std::string path = misc().path;
  struct Case {
    int code;
    bool ok;
    std::optional<std::uint32_t> weight;
  };
  for (const Case& c : {Case{0, true, std::nullopt}, Case{1, false, std::nullopt},
                        Case{2, true, 0u}, Case{7, true, 5u}, Case{255, true, 253u}}) {
    misc().path = path + " " + std::to_string(c.code);
    auto check = make();
    ASSERT_TRUE(check);
    auto r = probe(*check);
    EXPECT_EQ(r.ok, c.ok) << c.code;
    EXPECT_EQ(r.weight, c.weight) << c.code;
  }
}

TEST_F(MiscCheckTest, RunsWithoutAShell) {
  // A shell would expand $HOME and split the quoted argument.
  misc().path =
      script("args.sh", "test \"$#\" = 2 && test \"$1\" = 'a b' && test \"$2\" = '$HOME'") +
      " 'a b' '$HOME'";
  auto check = make();
  ASSERT_TRUE(check);
  auto r = probe(*check);
  EXPECT_TRUE(r.ok) << r.reason;
}

TEST_F(MiscCheckTest, HungScriptTimesOutAndFails) {
  misc().path = script("hang.sh", "exec sleep 600");
  misc().timeout = std::chrono::milliseconds(200);
  auto check = make();
  ASSERT_TRUE(check);
  auto r = probe(*check);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reason, "timeout");
  EXPECT_EQ(r.alert, "MISC CHECK timed out on service");  // keepalived's SMTP alert body
  EXPECT_EQ(runner_.running(), 0u);
}

TEST_F(MiscCheckTest, ScriptIgnoringSigtermIsKilledAndFails) {
  misc().path = script("stubborn.sh", "trap '' TERM\nwhile :; do sleep 1; done");
  misc().timeout = std::chrono::milliseconds(200);
  auto check = make();
  ASSERT_TRUE(check);
  auto r = probe(*check);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reason, "timeout");
}

TEST_F(MiscCheckTest, DeathBySignalFails) {
  misc().path = script("segv.sh", "kill -USR1 $$");
  auto check = make();
  ASSERT_TRUE(check);
  auto r = probe(*check);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reason, "due to signal " + std::to_string(SIGUSR1));
}

TEST_F(MiscCheckTest, MissingProgramIsRejectedAtStartUp) {
  misc().path = (dir_ / "no-such-script").string();
  std::string why;
  EXPECT_FALSE(make(&why));
  EXPECT_NE(why.find("not found"), std::string::npos) << why;

  misc().path = "no-such-program-in-path-" + std::to_string(::getpid());
  why.clear();
  EXPECT_FALSE(make(&why));
  EXPECT_FALSE(why.empty());
}

TEST_F(MiscCheckTest, ProgramRemovedAfterStartUpFails) {
  misc().path = script("gone.sh", "exit 0");
  auto check = make();
  ASSERT_TRUE(check);
  std::filesystem::remove(misc().path);
  auto r = probe(*check);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.reason.find("cannot run"), std::string::npos) << r.reason;
}

TEST(MiscVerdict, TrappedSigtermJudgedByExitStatus) {
  // keepalived only calls it "timed out" when the script died of the signal.
  core::ProcessResult r;
  r.kind = core::ExitKind::kExited;
  r.exit_status = 0;
  r.timed_out = true;
  EXPECT_TRUE(misc_verdict(r, false).ok);
  r.exit_status = 1;
  EXPECT_FALSE(misc_verdict(r, false).ok);
}

}  // namespace
}  // namespace vigil::checkers
