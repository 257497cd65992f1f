#include "vrrp/script_scheduler.h"

#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "core/simulated_clock.h"

namespace vigil::vrrp {
namespace {

using namespace std::chrono_literals;

// Records every run; the test decides how and when each one ends.
class FakeLauncher final : public core::ProcessLauncher {
 public:
  struct Run {
    core::Command command;
    core::RunOptions options;
    Callback callback;
  };
  core::RunId run(const core::Command& c, const core::RunOptions& o, Callback cb) override {
    runs.push_back({c, o, std::move(cb)});
    pending.push_back(runs.size() - 1);
    return runs.size();
  }
  std::size_t running() const override { return pending.size(); }

  // Ends the oldest pending run.
  void finish(int exit_status, bool timed_out = false) {
    core::ProcessResult r;
    r.kind = core::ExitKind::kExited;
    r.exit_status = exit_status;
    r.timed_out = timed_out;
    finish_with(r);
  }
  void finish_with(const core::ProcessResult& r) {
    ASSERT_FALSE(pending.empty());
    auto cb = runs[pending.front()].callback;
    pending.pop_front();
    cb(r);
  }

  std::vector<Run> runs;
  std::deque<std::size_t> pending;
};

TrackScriptSpec spec(std::string name, unsigned rise = 1, unsigned fall = 1,
                     bool init_fail = false) {
  TrackScriptSpec s;
  s.name = std::move(name);
  s.command.argv = {"/bin/check", "--x"};
  s.interval = 2s;
  s.timeout = 1s;
  s.rise = rise;
  s.fall = fall;
  s.init_fail = init_fail;
  return s;
}

class ScriptSchedulerTest : public ::testing::Test {
 protected:
  core::SimulatedClock clock_;
  FakeLauncher launcher_;
  std::vector<std::pair<std::string, ScriptStatus>> changes_;
  ScriptScheduler scheduler_{launcher_, clock_, [this](const std::string& n, ScriptStatus s) {
                               changes_.emplace_back(n, s);
                             }};
};

TEST_F(ScriptSchedulerTest, RunsAtStartThenEveryInterval) {
  scheduler_.add(spec("chk"));
  EXPECT_TRUE(launcher_.runs.empty());
  scheduler_.start();
  ASSERT_EQ(launcher_.runs.size(), 1u);
  EXPECT_EQ(launcher_.runs[0].command.argv, (std::vector<std::string>{"/bin/check", "--x"}));
  ASSERT_TRUE(launcher_.runs[0].options.timeout);
  EXPECT_EQ(*launcher_.runs[0].options.timeout, core::Duration(1s));
  launcher_.finish(0);
  clock_.advance(1999ms);
  EXPECT_EQ(launcher_.runs.size(), 1u);
  clock_.advance(1ms);
  EXPECT_EQ(launcher_.runs.size(), 2u);
  launcher_.finish(0);
  clock_.advance(2s);
  EXPECT_EQ(launcher_.runs.size(), 3u);
  EXPECT_EQ(scheduler_.stats("chk")->runs, 3u);
}

TEST_F(ScriptSchedulerTest, NeverOverlapsItself) {
  scheduler_.add(spec("slow"));
  scheduler_.start();
  clock_.advance(2s);  // first run still going: this turn is skipped
  EXPECT_EQ(launcher_.runs.size(), 1u);
  EXPECT_EQ(scheduler_.stats("slow")->skipped, 1u);
  EXPECT_TRUE(scheduler_.running("slow"));
  launcher_.finish(0);
  EXPECT_FALSE(scheduler_.running("slow"));
  clock_.advance(2s);  // the schedule keeps its phase from the start
  EXPECT_EQ(launcher_.runs.size(), 2u);
}

TEST_F(ScriptSchedulerTest, StatusChangesReachTheListener) {
  scheduler_.add(spec("chk", 2, 2));
  scheduler_.start();
  EXPECT_EQ(scheduler_.status("chk"), ScriptStatus::kInit);
  launcher_.finish(0);  // one success is enough at first
  ASSERT_EQ(changes_.size(), 1u);
  EXPECT_EQ(changes_[0], std::make_pair(std::string("chk"), ScriptStatus::kUp));
  clock_.advance(2s);
  launcher_.finish(1);  // fall 2: still up
  EXPECT_EQ(changes_.size(), 1u);
  clock_.advance(2s);
  launcher_.finish(3);
  ASSERT_EQ(changes_.size(), 2u);
  EXPECT_EQ(changes_[1].second, ScriptStatus::kDown);
  EXPECT_EQ(scheduler_.stats("chk")->last_exit_status, 3);
  clock_.advance(2s);
  launcher_.finish(0);  // rise 2
  EXPECT_EQ(changes_.size(), 2u);
  clock_.advance(2s);
  launcher_.finish(0);
  ASSERT_EQ(changes_.size(), 3u);
  EXPECT_EQ(changes_[2].second, ScriptStatus::kUp);
}

TEST_F(ScriptSchedulerTest, TimeoutIsAFailureEvenWithExitZero) {
  scheduler_.add(spec("chk"));
  scheduler_.start();
  launcher_.finish(0, /*timed_out=*/true);
  ASSERT_EQ(changes_.size(), 1u);
  EXPECT_EQ(changes_[0].second, ScriptStatus::kDown);
  EXPECT_EQ(scheduler_.stats("chk")->timeouts, 1u);
  EXPECT_EQ(scheduler_.stats("chk")->failures, 1u);
}

TEST_F(ScriptSchedulerTest, FailureToStartIsAFailure) {
  scheduler_.add(spec("chk"));
  scheduler_.start();
  core::ProcessResult r;
  r.kind = core::ExitKind::kFailedToStart;
  r.error = std::make_error_code(std::errc::no_such_file_or_directory);
  launcher_.finish_with(r);
  EXPECT_EQ(scheduler_.status("chk"), ScriptStatus::kDown);
  EXPECT_EQ(scheduler_.stats("chk")->failed_to_start, 1u);
}

TEST_F(ScriptSchedulerTest, InitFailIsAnnouncedDownAtStart) {
  scheduler_.add(spec("chk", 2, 1, /*init_fail=*/true));
  scheduler_.start();
  ASSERT_EQ(changes_.size(), 1u);
  EXPECT_EQ(changes_[0].second, ScriptStatus::kDown);
  launcher_.finish(0);
  EXPECT_EQ(scheduler_.status("chk"), ScriptStatus::kDown);
  clock_.advance(2s);
  launcher_.finish(0);
  EXPECT_EQ(scheduler_.status("chk"), ScriptStatus::kUp);
}

TEST_F(ScriptSchedulerTest, StopIgnoresLateResultsAndRunsNoMore) {
  scheduler_.add(spec("chk"));
  scheduler_.start();
  scheduler_.stop();
  launcher_.finish(0);
  EXPECT_TRUE(changes_.empty());
  clock_.advance(10s);
  EXPECT_EQ(launcher_.runs.size(), 1u);
}

// Reload: a script keeps its status ("considered successful on reload"), its schedule and the
// run in progress, under its new settings; a new one runs at once; a removed one never again.
TEST_F(ScriptSchedulerTest, ReloadKeepsStatusAndScheduleOfKeptScripts) {
  scheduler_.add(spec("chk"));
  scheduler_.add(spec("old"));
  scheduler_.start();
  launcher_.finish(0);
  launcher_.finish(1);
  ASSERT_EQ(scheduler_.status("chk"), ScriptStatus::kUp);
  ASSERT_EQ(scheduler_.status("old"), ScriptStatus::kDown);
  changes_.clear();
  clock_.advance(1s);
  auto changed = spec("chk", 1, 2);  // fall 2 now, another command
  changed.command.argv = {"/bin/check2"};
  scheduler_.update(changed);
  scheduler_.remove("old");
  scheduler_.update(spec("new"));
  EXPECT_EQ(scheduler_.status("chk"), ScriptStatus::kUp);
  EXPECT_EQ(scheduler_.status("old"), ScriptStatus::kInit);  // unknown now
  ASSERT_EQ(launcher_.runs.size(), 3u);                      // "new" runs at once
  EXPECT_EQ(launcher_.runs[2].command.argv[0], "/bin/check");
  EXPECT_EQ(scheduler_.names(), (std::vector<std::string>{"chk", "new"}));
  launcher_.finish(0);
  clock_.advance(1s);  // chk's next run, on its old phase, with its new command
  ASSERT_EQ(launcher_.runs.size(), 4u);
  EXPECT_EQ(launcher_.runs[3].command.argv, std::vector<std::string>{"/bin/check2"});
  launcher_.finish(1);  // fall 2: one failure keeps it up
  EXPECT_EQ(scheduler_.status("chk"), ScriptStatus::kUp);
  clock_.advance(2s);
  launcher_.finish(0);  // "new"
  launcher_.finish(1);
  EXPECT_EQ(scheduler_.status("chk"), ScriptStatus::kDown);
  EXPECT_EQ(changes_, (std::vector<std::pair<std::string, ScriptStatus>>{
                          {"new", ScriptStatus::kUp}, {"chk", ScriptStatus::kDown}}));
  EXPECT_EQ(launcher_.runs.size(), 6u);  // chk and new twice more since the reload, old never
}

TEST_F(ScriptSchedulerTest, ScriptsAreIndependent) {
  scheduler_.add(spec("a"));
  auto b = spec("b");
  b.interval = 3s;
  scheduler_.add(b);
  scheduler_.start();
  EXPECT_EQ(launcher_.runs.size(), 2u);
  launcher_.finish(0);
  launcher_.finish(1);
  // a runs again at 2 s and b at 3 s; neither second run ends, so later turns are skipped.
  clock_.advance(6s);
  EXPECT_EQ(scheduler_.stats("a")->runs, 2u);
  EXPECT_EQ(scheduler_.stats("a")->skipped, 2u);
  EXPECT_EQ(scheduler_.stats("b")->runs, 2u);
  EXPECT_EQ(scheduler_.stats("b")->skipped, 1u);
}

TEST(MakeTrackScriptSpec, FromConfig) {
  config::VrrpScript s;
  s.name = "chk";
  s.script.command = "/bin/true 'a b'";
  s.interval = std::chrono::seconds(5);
  s.rise = 3;
  s.fall = 2;
  s.init_fail = true;
  core::ScriptDefaults d;
  d.script_user = "root";
  std::string error;
  auto spec = make_track_script_spec(s, d, &error);
  ASSERT_TRUE(spec) << error;
  EXPECT_EQ(spec->command.argv, (std::vector<std::string>{"/bin/true", "a b"}));
  EXPECT_EQ(spec->interval, core::Duration(5s));
  EXPECT_EQ(spec->timeout, core::Duration(5s));  // unset timeout: the interval
  EXPECT_EQ(spec->rise, 3u);
  EXPECT_TRUE(spec->init_fail);
  s.timeout = std::chrono::seconds(2);
  EXPECT_EQ(make_track_script_spec(s, d)->timeout, core::Duration(2s));
  s.script.user = "no-such-user-vigil";
  EXPECT_FALSE(make_track_script_spec(s, d, &error));
}

}  // namespace
}  // namespace vigil::vrrp
