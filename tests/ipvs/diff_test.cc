// Minimal diffs, and the kernel's semantics of each command on a table.
#include <gtest/gtest.h>

#include "ipvs/diff.h"
#include "tests/ipvs/table_util.h"

namespace vigil::ipvs {
namespace {

using namespace testing;  // NOLINT

Table two_services() {
  Table t;
  auto& a = t[tcp("10.0.0.1", 80)] = service();
  a.dests[dest("10.0.1.1", 80)] = weight(1);
  a.dests[dest("10.0.1.2", 80)] = weight(1);
  auto& b = t[fwmark(7)] = service("rr");
  b.dests[dest("10.0.1.3", 0)] = weight(2);
  return t;
}

TEST(Diff, EqualTablesNeedNothing) {
  EXPECT_TRUE(diff_tables(two_services(), two_services()).empty());
}

TEST(Diff, CountersNeverCauseChanges) {
  Table kernel = two_services();
  kernel[tcp("10.0.0.1", 80)].dests[dest("10.0.1.1", 80)].active_connections = 99;
  kernel[tcp("10.0.0.1", 80)].counters.connections = 1234;
  EXPECT_TRUE(diff_tables(two_services(), kernel).empty());
}

TEST(Diff, WeightChangeIsOneEdit) {
  Table desired = two_services();
  desired[tcp("10.0.0.1", 80)].dests[dest("10.0.1.2", 80)].params.weight = 0;
  auto ops = diff_tables(desired, two_services());
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].kind, Op::Kind::kEditDest);
  EXPECT_EQ(ops[0].dest, dest("10.0.1.2", 80));
  EXPECT_EQ(ops[0].dest_params.weight, 0u);
}

TEST(Diff, RemovedDestinationIsOneDelete) {
  Table desired = two_services();
  desired[tcp("10.0.0.1", 80)].dests.erase(dest("10.0.1.1", 80));
  auto ops = diff_tables(desired, two_services());
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].kind, Op::Kind::kDeleteDest);
  EXPECT_EQ(ops[0].service, tcp("10.0.0.1", 80));
}

TEST(Diff, SchedulerChangeEditsTheServiceInPlace) {
  Table desired = two_services();
  desired[fwmark(7)].params.scheduler = "wlc";
  desired[fwmark(7)].params.flags = kFlagPersistent;
  desired[fwmark(7)].params.timeout = 300;
  auto ops = diff_tables(desired, two_services());
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].kind, Op::Kind::kEditService);
  EXPECT_EQ(ops[0].service_params.scheduler, "wlc");
}

TEST(Diff, NewAndRemovedServices) {
  Table desired = two_services();
  desired.erase(fwmark(7));
  auto& c = desired[tcp("fd00::1", 443)] = service();
  c.dests[dest("fd00::10", 443)] = weight(1);
  c.dests[dest("fd00::11", 443)] = weight(1);
  auto ops = diff_tables(desired, two_services());
  ASSERT_EQ(ops.size(), 4u);
  // The delete takes the service's destinations with it: one op, not three.
  EXPECT_EQ(ops[0].kind, Op::Kind::kDeleteService);
  EXPECT_EQ(ops[0].service, fwmark(7));
  EXPECT_EQ(ops[1].kind, Op::Kind::kAddService);
  EXPECT_EQ(ops[2].kind, Op::Kind::kAddDest);
  EXPECT_EQ(ops[3].kind, Op::Kind::kAddDest);
}

TEST(Diff, AppliedOpsReachTheDesiredTable) {
  Table desired = two_services();
  desired[tcp("10.0.0.1", 80)].dests.erase(dest("10.0.1.1", 80));
  desired[tcp("10.0.0.1", 80)].dests[dest("10.0.1.9", 80)] = weight(4, Forward::kMasq);
  desired[fwmark(7)].params.scheduler = "lc";
  desired[tcp("10.0.0.5", 25)] = service();
  Table kernel = two_services();
  kernel[tcp("10.0.0.9", 9)] = service();
  for (const Op& op : diff_tables(desired, kernel)) {
    EXPECT_FALSE(apply_op(kernel, op)) << op.str();
  }
  EXPECT_TRUE(diff_tables(desired, kernel).empty());
}

TEST(ApplyOp, KernelErrors) {
  Table t = two_services();
  Op op;
  op.kind = Op::Kind::kAddService;
  op.service = tcp("10.0.0.1", 80);
  EXPECT_EQ(apply_op(t, op), std::errc::file_exists);
  op.kind = Op::Kind::kEditService;
  op.service = tcp("10.9.9.9", 80);
  EXPECT_EQ(apply_op(t, op), std::errc::no_such_process);
  op.kind = Op::Kind::kAddDest;
  EXPECT_EQ(apply_op(t, op), std::errc::no_such_process);
  op.service = tcp("10.0.0.1", 80);
  op.dest = dest("10.0.1.1", 80);
  EXPECT_EQ(apply_op(t, op), std::errc::file_exists);
  op.kind = Op::Kind::kEditDest;
  op.dest = dest("10.0.1.7", 80);
  EXPECT_EQ(apply_op(t, op), std::errc::no_such_file_or_directory);
  op.kind = Op::Kind::kDeleteDest;
  EXPECT_EQ(apply_op(t, op), std::errc::no_such_file_or_directory);
  EXPECT_EQ(t, two_services());
}

}  // namespace
}  // namespace vigil::ipvs
