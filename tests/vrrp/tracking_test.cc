#include "vrrp/tracking.h"

#include <gtest/gtest.h>

namespace vigil::vrrp {
namespace {

using S = ScriptStatus;

// Feeds a sequence of results ('+' success, '-' failure) and returns the status after each.
std::string statuses(ScriptResultCounter& c, std::string_view runs) {
  std::string out;
  for (char r : runs) {
    c.record(r == '+');
    out += c.status() == S::kUp ? 'U' : c.status() == S::kDown ? 'D' : 'I';
  }
  return out;
}

TEST(ScriptResultCounter, FirstResultDecidesWithoutInitFail) {
  ScriptResultCounter a(3, 2, false);
  EXPECT_EQ(a.status(), S::kInit);
  EXPECT_EQ(statuses(a, "+"), "U");  // keepalived: "one success is enough"
  ScriptResultCounter b(3, 2, false);
  EXPECT_EQ(statuses(b, "-"), "D");  // and one failure
}

TEST(ScriptResultCounter, RiseAndFall) {
  ScriptResultCounter c(3, 2, false);
  // Up at once; a success refills the fall count, so only two failures in a row take it down;
  // then three successes in a row bring it back.
  EXPECT_EQ(statuses(c, "+-+--++-+++"), "UUUUDDDDDDU");
  ScriptResultCounter d(2, 3, false);
  EXPECT_EQ(statuses(d, "+---++"), "UUUDDU");
}

TEST(ScriptResultCounter, FailureResetsTheRiseCount) {
  ScriptResultCounter c(3, 1, false);
  EXPECT_EQ(statuses(c, "-++-+++"), "DDDDDDU");
}

TEST(ScriptResultCounter, InitFailStartsDownAndNeedsRise) {
  ScriptResultCounter c(2, 1, true);
  EXPECT_EQ(c.status(), S::kDown);
  EXPECT_EQ(statuses(c, "-+-++-"), "DDDDUD");
}

TEST(ScriptResultCounter, RecordReportsOnlyChanges) {
  ScriptResultCounter c(1, 1, false);
  EXPECT_EQ(c.record(true), S::kUp);
  EXPECT_EQ(c.record(true), std::nullopt);
  EXPECT_EQ(c.record(false), S::kDown);
  EXPECT_EQ(c.record(false), std::nullopt);
}

TEST(WeightedContribution, SignsAndReverse) {
  EXPECT_EQ(weighted_contribution(true, {10, false}), 10);
  EXPECT_EQ(weighted_contribution(false, {10, false}), 0);
  EXPECT_EQ(weighted_contribution(true, {-10, false}), 0);
  EXPECT_EQ(weighted_contribution(false, {-10, false}), -10);
  EXPECT_EQ(weighted_contribution(true, {10, true}), -10);
  EXPECT_EQ(weighted_contribution(false, {10, true}), 0);
  EXPECT_EQ(weighted_contribution(false, {-10, true}), 10);
  EXPECT_EQ(weighted_contribution(true, {0, false}), 0);
}

TEST(TrackFile, StatusRules) {
  // Weight 0: non-zero is FAULT; reverse: zero is FAULT.
  EXPECT_EQ(track_file_status(0, {0, false}), 0);
  EXPECT_EQ(track_file_status(5, {0, false}), std::nullopt);
  EXPECT_EQ(track_file_status(-5, {0, false}), std::nullopt);
  EXPECT_EQ(track_file_status(0, {0, true}), std::nullopt);
  EXPECT_EQ(track_file_status(3, {0, true}), 0);
  // Weighted: value * weight (* -1 reversed), clamped to -254..253, -254 = FAULT.
  EXPECT_EQ(track_file_status(3, {1, false}), 3);
  EXPECT_EQ(track_file_status(-3, {10, false}), -30);
  EXPECT_EQ(track_file_status(3, {10, true}), -30);
  EXPECT_EQ(track_file_status(100, {10, false}), 253);
  EXPECT_EQ(track_file_status(-253, {1, false}), -253);
  EXPECT_EQ(track_file_status(-254, {1, false}), std::nullopt);
  EXPECT_EQ(track_file_status(-30, {10, false}), std::nullopt);
  EXPECT_EQ(track_file_status(254, {-1, false}), std::nullopt);  // weight 254 idea of the man page
}

TEST(Tracker, NothingTrackedKeepsBasePriority) {
  Tracker t(100);
  auto v = t.verdict();
  EXPECT_FALSE(v.fault);
  EXPECT_FALSE(v.pending);
  EXPECT_EQ(v.priority, 100);
}

TEST(Tracker, WeightZeroScriptHoldsThenFaults) {
  Tracker t(100);
  t.track_script("chk", {0, false});
  EXPECT_TRUE(t.verdict().pending);
  EXPECT_FALSE(t.verdict().fault);
  EXPECT_TRUE(t.script_status("chk", S::kUp));
  EXPECT_FALSE(t.verdict().pending);
  EXPECT_FALSE(t.verdict().fault);
  EXPECT_TRUE(t.script_status("chk", S::kDown));
  EXPECT_TRUE(t.verdict().fault);
  EXPECT_EQ(t.fault_reasons(), std::vector<std::string>{"script chk"});
  EXPECT_FALSE(t.script_status("chk", S::kDown));  // no change
  EXPECT_FALSE(t.script_status("other", S::kUp));  // not tracked
}

TEST(Tracker, ObjectsSayWhatEachDoesToThePriority) {
  Tracker t(100);
  t.track_script("chk", {10, false});
  t.track_script("gate", {0, false});
  t.track_interface("eth1", {-20, false});
  t.track_file("f", {5, false});
  t.script_status("chk", S::kUp);
  t.interface_state("eth1", false);
  t.file_value("f", 3);
  const auto o = t.objects();
  ASSERT_EQ(o.size(), 4u);
  EXPECT_EQ(o[0].name, "chk");
  EXPECT_EQ(o[0].state, "GOOD");
  EXPECT_EQ(o[0].contribution, 10);
  EXPECT_FALSE(o[0].fault);
  EXPECT_EQ(o[1].state, "INIT");  // not reported yet: no fault, nothing added
  EXPECT_FALSE(o[1].fault);
  EXPECT_EQ(o[2].kind, TrackedObject::Kind::kInterface);
  EXPECT_EQ(o[2].state, "DOWN");
  EXPECT_EQ(o[2].contribution, -20);
  EXPECT_EQ(o[3].kind, TrackedObject::Kind::kFile);
  EXPECT_EQ(o[3].state, "3");
  EXPECT_EQ(o[3].contribution, 15);
  // The parts add up to the verdict.
  EXPECT_EQ(t.verdict().total, 100 + 10 - 20 + 15);
  t.script_status("gate", S::kDown);
  EXPECT_TRUE(t.objects()[1].fault);
  EXPECT_EQ(t.fault_reasons(), std::vector<std::string>{"script gate"});
}

TEST(Tracker, ForgottenScriptNeitherHoldsNorWeighs) {
  // keepalived "Disabling track script chk ...": a script that cannot run (missing, or refused
  // by enable_script_security) is dropped from tracking; the instance starts without it.
  Tracker t(100);
  t.track_script("chk", {0, false});
  t.track_script("weighted", {20, false});
  t.script_status("weighted", S::kUp);
  EXPECT_TRUE(t.verdict().pending);
  EXPECT_EQ(t.verdict().priority, 120);
  t.forget_script("chk");
  t.forget_script("weighted");
  EXPECT_FALSE(t.verdict().pending);
  EXPECT_EQ(t.verdict().priority, 100);
  EXPECT_FALSE(t.tracks_script("chk"));
}

TEST(Tracker, WeightZeroReverseFaultsWhileUp) {
  Tracker t(100);
  t.track_script("chk", {0, true});
  t.script_status("chk", S::kUp);
  EXPECT_TRUE(t.verdict().fault);
  t.script_status("chk", S::kDown);
  EXPECT_FALSE(t.verdict().fault);
}

TEST(Tracker, WeightedScriptsAdjustPriority) {
  Tracker t(100);
  t.track_script("plus", {20, false});
  t.track_script("minus", {-30, false});
  // Not run yet: no contribution.
  EXPECT_EQ(t.verdict().priority, 100);
  EXPECT_FALSE(t.verdict().pending);
  t.script_status("plus", S::kUp);
  t.script_status("minus", S::kUp);
  EXPECT_EQ(t.verdict().priority, 120);
  t.script_status("minus", S::kDown);
  EXPECT_EQ(t.verdict().priority, 90);
  t.script_status("plus", S::kDown);
  EXPECT_EQ(t.verdict().priority, 70);
  EXPECT_FALSE(t.verdict().fault);
}

TEST(Tracker, ReverseWeights) {
  Tracker t(100);
  t.track_script("s", {20, true});
  t.script_status("s", S::kUp);
  EXPECT_EQ(t.verdict().priority, 80);
  t.script_status("s", S::kDown);
  EXPECT_EQ(t.verdict().priority, 100);
  t.track_interface("eth1", {-10, true});
  t.interface_state("eth1", false);
  EXPECT_EQ(t.verdict().priority, 110);
}

TEST(Tracker, InterfacesFaultOrWeigh) {
  Tracker t(100);
  t.track_interface("eth0", {0, false});
  t.track_interface("eth1", {-50, false});
  EXPECT_FALSE(t.verdict().fault);  // interfaces start up
  EXPECT_TRUE(t.interface_state("eth1", false));
  EXPECT_EQ(t.verdict().priority, 50);
  EXPECT_TRUE(t.interface_state("eth0", false));
  EXPECT_TRUE(t.verdict().fault);
  EXPECT_EQ(t.fault_reasons(), std::vector<std::string>{"interface eth0"});
  t.interface_state("eth0", true);
  EXPECT_FALSE(t.verdict().fault);
}

TEST(Tracker, ClampsToOneAnd254) {
  Tracker low(10);
  low.track_interface("eth1", {-200, false});
  low.interface_state("eth1", false);
  EXPECT_EQ(low.verdict().total, -190);
  EXPECT_EQ(low.verdict().priority, 1);
  Tracker high(200);
  high.track_script("s", {100, false});
  high.script_status("s", S::kUp);
  EXPECT_EQ(high.verdict().total, 300);
  EXPECT_EQ(high.verdict().priority, 254);
}

TEST(Tracker, OwnerKeeps255ButCanFault) {
  Tracker t(255);
  t.track_script("s", {-100, false});
  t.track_interface("eth0", {0, false});
  t.script_status("s", S::kDown);
  EXPECT_EQ(t.verdict().priority, 255);
  t.interface_state("eth0", false);
  EXPECT_TRUE(t.verdict().fault);
  EXPECT_EQ(t.verdict().priority, 255);
}

TEST(Tracker, FilesAddValueTimesWeight) {
  Tracker t(100);
  t.track_file("f", {5, false});
  EXPECT_EQ(t.verdict().priority, 100);  // missing file / 0
  EXPECT_TRUE(t.file_value("f", 4));
  EXPECT_EQ(t.verdict().priority, 120);
  t.file_value("f", -10);
  EXPECT_EQ(t.verdict().priority, 50);
  t.file_value("f", -60);  // -300 → FAULT
  EXPECT_TRUE(t.verdict().fault);
  EXPECT_EQ(t.fault_reasons(), std::vector<std::string>{"file f"});
  t.file_value("f", 0);
  EXPECT_FALSE(t.verdict().fault);
  EXPECT_EQ(t.verdict().priority, 100);
}

TEST(Tracker, WeightZeroFile) {
  Tracker t(100);
  t.track_file("f", {0, false});
  EXPECT_FALSE(t.verdict().fault);
  t.file_value("f", 1);
  EXPECT_TRUE(t.verdict().fault);
  EXPECT_EQ(t.verdict().priority, 100);
}

TEST(Tracker, SameNameTrackedTwiceCountsTwice) {
  // An instance tracking a script its sync group also tracks: both entries apply.
  Tracker t(100);
  t.track_script("s", {10, false});
  t.track_script("s", {5, false});
  t.script_status("s", S::kUp);
  EXPECT_EQ(t.verdict().priority, 115);
  EXPECT_TRUE(t.tracks_script("s"));
  EXPECT_FALSE(t.tracks_file("s"));
}

TEST(Tracker, CombinesEverything) {
  Tracker t(150);
  t.track_script("web", {-60, false});
  t.track_script("db", {0, false});
  t.track_interface("eth0", {0, false});
  t.track_interface("eth1", {20, false});
  t.track_file("maint", {-1, false});
  t.script_status("db", S::kUp);
  t.script_status("web", S::kUp);
  EXPECT_EQ(t.verdict(), (Tracker::Verdict{false, false, 170, 170}));
  t.script_status("web", S::kDown);
  t.file_value("maint", 30);
  EXPECT_EQ(t.verdict(), (Tracker::Verdict{false, false, 80, 80}));
  t.script_status("db", S::kDown);
  EXPECT_EQ(t.verdict(), (Tracker::Verdict{true, false, 80, 80}));
}

}  // namespace
}  // namespace vigil::vrrp
