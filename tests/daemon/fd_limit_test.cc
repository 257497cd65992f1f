#include "daemon/fd_limit.h"

#include <gtest/gtest.h>

namespace vigil::daemon {
namespace {

TEST(FdLimit, NeededCountsEveryChecker) {
  config::Config c;
  EXPECT_EQ(descriptors_needed(c), kBaseDescriptors);
  config::VirtualServer vs;
  config::RealServer rs;
  rs.checkers.resize(2);
  vs.real_servers.push_back(rs);
  vs.real_servers.push_back(rs);
  c.lvs.virtual_servers.push_back(vs);
  c.lvs.virtual_servers.push_back(vs);
  EXPECT_EQ(descriptors_needed(c), kBaseDescriptors + 8 * kDescriptorsPerChecker);
}

TEST(FdLimit, EnoughAlreadyChangesNothing) {
  EXPECT_FALSE(fd_limit_for(1000, rlimit{1024, 4096}, 1 << 20));
  EXPECT_FALSE(fd_limit_for(1024, rlimit{1024, 4096}, 1 << 20));
  EXPECT_FALSE(fd_limit_for(1 << 30, rlimit{RLIM_INFINITY, RLIM_INFINITY}, 1 << 20));
}

TEST(FdLimit, RaisesTheSoftLimitWithinTheHardOne) {
  const auto l = fd_limit_for(3456, rlimit{1024, 4096}, 1 << 20);
  ASSERT_TRUE(l);
  EXPECT_EQ(l->rlim_cur, 3456u);
  EXPECT_EQ(l->rlim_max, 4096u);
  const auto inf = fd_limit_for(3456, rlimit{1024, RLIM_INFINITY}, 1 << 20);
  ASSERT_TRUE(inf);
  EXPECT_EQ(inf->rlim_cur, 3456u);
  EXPECT_EQ(inf->rlim_max, RLIM_INFINITY);
}

TEST(FdLimit, RaisesTheHardLimitUpToNrOpen) {
  const auto l = fd_limit_for(10000, rlimit{1024, 4096}, 1 << 20);
  ASSERT_TRUE(l);
  EXPECT_EQ(l->rlim_cur, 10000u);
  EXPECT_EQ(l->rlim_max, 10000u);
  const auto capped = fd_limit_for(10000, rlimit{1024, 4096}, 8192);
  ASSERT_TRUE(capped);
  EXPECT_EQ(capped->rlim_cur, 8192u);
  EXPECT_EQ(capped->rlim_max, 8192u);
}

}  // namespace
}  // namespace vigil::daemon
