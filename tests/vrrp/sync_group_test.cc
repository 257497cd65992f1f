#include "vrrp/sync_group.h"

#include <gtest/gtest.h>

namespace vigil::vrrp {
namespace {

using Order = SyncGroup::Order;
using Orders = std::vector<Order>;

class SyncGroupTest : public ::testing::Test {
 protected:
  SyncGroupTest() : g_("G1", {"VI_1", "VI_2", "VI_3"}) {}
  void all_backup() {
    for (const char* m : {"VI_1", "VI_2", "VI_3"}) g_.member_entered(m, State::kBackup);
  }
  SyncGroup g_;
};

TEST_F(SyncGroupTest, SettlesInBackupWhenAllMembersAre) {
  EXPECT_EQ(g_.state(), State::kInit);
  EXPECT_FALSE(g_.member_entered("VI_1", State::kBackup).entered);
  EXPECT_FALSE(g_.member_entered("VI_2", State::kBackup).entered);
  auto out = g_.member_entered("VI_3", State::kBackup);
  EXPECT_EQ(out.entered, State::kBackup);
  EXPECT_TRUE(out.orders.empty());
}

TEST_F(SyncGroupTest, OneFaultPullsAllToFault) {
  all_backup();
  g_.member_entered("VI_2", State::kMaster);  // takes the group to MASTER...
  g_.member_entered("VI_1", State::kMaster);
  g_.member_entered("VI_3", State::kMaster);
  ASSERT_EQ(g_.state(), State::kMaster);
  auto out = g_.member_fault("VI_1", true);
  EXPECT_EQ(out.entered, State::kFault);
  EXPECT_EQ(out.orders, (Orders{{"VI_2", SyncOrder::kGotoFault}, {"VI_3", SyncOrder::kGotoFault}}));
  // A second fault changes nothing more.
  auto again = g_.member_fault("VI_3", true);
  EXPECT_FALSE(again.entered);
  EXPECT_TRUE(again.orders.empty());
}

TEST_F(SyncGroupTest, LeavesFaultOnlyWhenNoMemberHasOne) {
  all_backup();
  g_.member_fault("VI_1", true);
  g_.member_fault("VI_2", true);
  for (const char* m : {"VI_1", "VI_2", "VI_3"}) g_.member_entered(m, State::kFault);
  auto first = g_.member_fault("VI_1", false);
  EXPECT_FALSE(first.entered);
  EXPECT_TRUE(first.orders.empty());
  EXPECT_EQ(g_.state(), State::kFault);
  auto last = g_.member_fault("VI_2", false);
  EXPECT_EQ(last.entered, State::kBackup);
  EXPECT_EQ(last.orders,
            (Orders{{"VI_1", SyncOrder::kLeaveFault}, {"VI_3", SyncOrder::kLeaveFault}}));
}

TEST_F(SyncGroupTest, MasterOnlyWhenEveryoneWantsIt) {
  all_backup();
  SyncGroup::Outcome out;
  EXPECT_FALSE(g_.member_wants_master("VI_1", out));
  EXPECT_FALSE(g_.member_wants_master("VI_2", out));
  g_.member_yields("VI_2");  // heard a better master meanwhile
  EXPECT_FALSE(g_.member_wants_master("VI_3", out));
  EXPECT_TRUE(out.orders.empty());
  EXPECT_TRUE(g_.member_wants_master("VI_2", out));
  EXPECT_EQ(out.entered, State::kMaster);
  EXPECT_EQ(out.orders,
            (Orders{{"VI_1", SyncOrder::kGotoMaster}, {"VI_3", SyncOrder::kGotoMaster}}));
  // Once the group is master, a member may always take over.
  EXPECT_TRUE(g_.member_wants_master("VI_1", out));
  EXPECT_TRUE(out.orders.empty());
}

TEST_F(SyncGroupTest, NoMasterWhileFaulted) {
  all_backup();
  g_.member_fault("VI_3", true);
  SyncGroup::Outcome out;
  EXPECT_FALSE(g_.member_wants_master("VI_1", out));
  EXPECT_FALSE(g_.member_wants_master("VI_2", out));
}

TEST_F(SyncGroupTest, OneMasterYieldingTakesTheOthersToBackup) {
  all_backup();
  for (const char* m : {"VI_1", "VI_2", "VI_3"}) g_.member_entered(m, State::kMaster);
  ASSERT_EQ(g_.state(), State::kMaster);
  auto out = g_.member_entered("VI_2", State::kBackup);
  EXPECT_EQ(out.entered, State::kBackup);
  EXPECT_EQ(out.orders,
            (Orders{{"VI_1", SyncOrder::kGotoBackup}, {"VI_3", SyncOrder::kGotoBackup}}));
  // The others following do not trigger more orders.
  EXPECT_TRUE(g_.member_entered("VI_1", State::kBackup).orders.empty());
}

TEST_F(SyncGroupTest, MemberEnteringMasterOnItsOwnTakesTheGroup) {
  all_backup();
  auto out = g_.member_entered("VI_3", State::kMaster);  // e.g. priority 255 owner
  EXPECT_EQ(out.entered, State::kMaster);
  EXPECT_EQ(out.orders,
            (Orders{{"VI_1", SyncOrder::kGotoMaster}, {"VI_2", SyncOrder::kGotoMaster}}));
}

TEST_F(SyncGroupTest, MemberEnteringFaultPullsOthers) {
  all_backup();
  auto out = g_.member_entered("VI_1", State::kFault);
  EXPECT_EQ(out.entered, State::kFault);
  EXPECT_EQ(out.orders.size(), 2u);
}

TEST_F(SyncGroupTest, StopsWhenAllStopped) {
  all_backup();
  EXPECT_FALSE(g_.member_entered("VI_1", State::kStop).entered);
  EXPECT_FALSE(g_.member_entered("VI_2", State::kStop).entered);
  EXPECT_EQ(g_.member_entered("VI_3", State::kStop).entered, State::kStop);
}

// Reload: a group rebuilt around running members takes their states without orders; a member
// the reload added starts (INIT -> BACKUP) without pulling the masters down, and may take over
// at once when its Master_Down_Timer fires.
TEST(SyncGroupReload, RestoredGroupKeepsItsMastersWhenANewMemberStarts) {
  SyncGroup g("G1", {"VI_1", "VI_2", "VI_3"});
  g.restore({{"VI_1", State::kMaster}, {"VI_2", State::kMaster}, {"VI_3", State::kInit}},
            State::kMaster);
  EXPECT_EQ(g.state(), State::kMaster);
  EXPECT_EQ(g.member_state("VI_1"), State::kMaster);
  auto out = g.member_entered("VI_3", State::kBackup);
  EXPECT_TRUE(out.orders.empty());
  EXPECT_FALSE(out.entered);
  EXPECT_TRUE(g.member_wants_master("VI_3", out));
  EXPECT_TRUE(out.orders.empty());
}

TEST(SyncGroupReload, NewGroupTakesTheStateItsMembersShare) {
  SyncGroup shared("G1", {"VI_1", "VI_2"});
  shared.restore({{"VI_1", State::kBackup}, {"VI_2", State::kBackup}}, std::nullopt);
  EXPECT_EQ(shared.state(), State::kBackup);
  SyncGroup mixed("G2", {"VI_1", "VI_2"});
  mixed.restore({{"VI_1", State::kMaster}, {"VI_2", State::kBackup}}, std::nullopt);
  EXPECT_EQ(mixed.state(), State::kInit);
  // The mixed group settles with the next event: the backup member's timer fires and, as the
  // other member is master, it goes too.
  SyncGroup::Outcome out;
  EXPECT_TRUE(mixed.member_wants_master("VI_2", out));
  EXPECT_EQ(out.entered, State::kMaster);
}

TEST_F(SyncGroupTest, UnknownMembersAreIgnored) {
  EXPECT_FALSE(g_.member_fault("VI_9", true).entered);
  SyncGroup::Outcome out;
  EXPECT_FALSE(g_.member_wants_master("VI_9", out));
  EXPECT_FALSE(g_.member_entered("VI_9", State::kMaster).entered);
  EXPECT_EQ(g_.state(), State::kInit);
}

}  // namespace
}  // namespace vigil::vrrp
