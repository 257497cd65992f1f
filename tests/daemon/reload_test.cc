// The reload path shared by SIGHUP and the control socket: the parse on a worker thread, the
// apply on the loop, requests during a parse merged into one more parse, and every requester
// told the result of the reload that served it.

#include "daemon/reload.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "daemon/options.h"
#include "daemon/services.h"
#include "tests/common/temp_dir.h"

namespace vigil::daemon {
namespace {

// Nothing that needs the host's interfaces: the test checks the reload path, not the binding.
constexpr const char* kGood = "global_defs {\n  router_id reload-test\n}\n";

class ReloaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.config_file = dir_.path() + "/keepalived.conf";
    write(kGood);
  }

  void write(const std::string& text) { std::ofstream(options_.config_file) << text; }

  // Runs the loop until `n` completions arrived (bounded, so a lost completion fails).
  void run_until(const std::vector<ReloadRecord>& got, std::size_t n) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (got.size() < n && std::chrono::steady_clock::now() < give_up) {
      // Polled: the worker holds no work on the loop while it parses, so run_for would not wait.
      if (io_.poll() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      io_.restart();
    }
  }

  test_support::TempDir dir_;
  boost::asio::io_context io_;
  Options options_;
};

TEST_F(ReloaderTest, BackgroundReloadTellsTheRequesterTheResult) {
  Services services(io_, options_);
  Reloader reloader(options_, services, nullptr, {});
  reloader.set_hooks({[] { return false; }, {}, {}});  // nothing started: only the config
  std::vector<ReloadRecord> got;
  reloader.reload_in_background(io_, "control socket",
                                [&](const ReloadRecord& r) { got.push_back(r); });
  EXPECT_TRUE(got.empty()) << "the completion ran before the parse";
  run_until(got, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].applied);
  EXPECT_EQ(got[0].trigger, "control socket");
  EXPECT_EQ(reloader.status().reloads_applied, 1u);
  ASSERT_NE(reloader.config(), nullptr);

  // A broken file: refused, the running configuration kept, the requester told why.
  const auto running = reloader.config();
  write("global_defs {\n  router_id reload-test\n}\nvrrp_instance VI_1 {\n  priority 300\n}\n");
  reloader.reload_in_background(io_, "control socket",
                                [&](const ReloadRecord& r) { got.push_back(r); });
  run_until(got, 2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_FALSE(got[1].applied);
  EXPECT_GE(got[1].errors, 1u);
  EXPECT_EQ(reloader.config(), running);
  bool named = false;
  for (const std::string& line : got[1].diagnostics) {
    named = named || (line.find("keepalived.conf:5:") != std::string::npos &&
                      line.find("priority") != std::string::npos);
  }
  EXPECT_TRUE(named) << "no file:line diagnostic naming the keyword";
}

TEST_F(ReloaderTest, RequestsDuringAParseShareOneMoreParse) {
  Services services(io_, options_);
  Reloader reloader(options_, services, nullptr, {});
  int begun = 0;
  reloader.set_hooks({[] { return false; }, [&] { ++begun; }, {}});
  std::vector<ReloadRecord> got;
  std::vector<std::string> who;
  const auto done = [&](std::string name) {
    return [&, name](const ReloadRecord& r) {
      got.push_back(r);
      who.push_back(name);
    };
  };
  // Without running the loop in between, the first parse cannot have been applied: the next
  // two requests arrive during it.
  reloader.reload_in_background(io_, "SIGHUP", done("first"));
  reloader.reload_in_background(io_, "control socket", done("second"));
  reloader.reload_in_background(io_, "SIGHUP", done("third"));
  run_until(got, 3);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(begun, 2) << "the two requests during the parse were not merged into one parse";
  EXPECT_EQ(reloader.status().reloads_applied, 2u);
  EXPECT_EQ(who[0], "first");
  EXPECT_EQ(got[0].trigger, "SIGHUP");
  // Both later requesters get the one record of the merged parse (the last trigger's).
  EXPECT_EQ(got[1].at, got[2].at);
  EXPECT_EQ(got[1].trigger, "SIGHUP");
}

TEST_F(ReloaderTest, AbandonedParseIsNeitherAppliedNorReported) {
  Services services(io_, options_);
  Reloader reloader(options_, services, nullptr, {});
  reloader.set_hooks({[] { return false; }, {}, {}});
  std::vector<ReloadRecord> got;
  reloader.reload_in_background(io_, "SIGHUP", [&](const ReloadRecord& r) { got.push_back(r); });
  reloader.abandon();
  // The worker posts its result to the loop when the parse is done: run that handler.
  std::size_t handled = 0;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (handled == 0 && std::chrono::steady_clock::now() < give_up) {
    handled = io_.poll();
    io_.restart();
    if (handled == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_GT(handled, 0u) << "the parse never finished";
  EXPECT_TRUE(got.empty());
  EXPECT_EQ(reloader.status().reloads_applied, 0u);
}

}  // namespace
}  // namespace vigil::daemon
