// The syncer against an in-memory kernel under simulated time: first push, minimal changes,
// adoption, foreign entries, drift repair, a kernel without IPVS, failures and shutdown.
#include <gtest/gtest.h>

#include <string>

#include "core/simulated_clock.h"
#include "ipvs/diff.h"
#include "ipvs/syncer.h"
#include "parser/parse.h"
#include "tests/ipvs/fake_kernel.h"
#include "tests/ipvs/table_util.h"

namespace vigil::ipvs {
namespace {

using namespace testing;  // NOLINT
using std::chrono::seconds;

constexpr const char* kTwoServices = R"(
virtual_server 10.0.0.1 80 {
  lvs_sched wrr
  lvs_method DR
  protocol TCP
  real_server 10.0.1.1 80 { weight 1 }
  real_server 10.0.1.2 80 { weight 2 }
}
virtual_server fwmark 7 {
  lvs_sched rr
  lvs_method DR
  real_server 10.0.1.3 0 { weight 1 }
}
)";

class SyncerTest : public ::testing::Test {
 protected:
  static config::Config parse(const std::string& text) {
    parser::ParseOptions o;
    o.host_checks = false;
    auto r = parser::parse_config_text(text, "t.conf", o);
    EXPECT_EQ(r.diagnostics.error_count(), 0u);
    return std::move(r.config);
  }
  void load(const std::string& text, SyncerOptions options = {}) {
    config = parse(text);
    syncer = std::make_unique<Syncer>(clock, kernel, options);
  }
  // SIGHUP with `text`: the syncer gets the new configuration, then (as the checkers do) every
  // virtual server's destinations.
  void reload(const std::string& text) {
    next = parse(text);
    syncer->reload(next);
    std::swap(config, next);
    all_up();
    clock.advance(core::Duration(0));
  }
  // Every real server alive with its configured weight, as the checkers publish at start.
  void all_up() {
    for (const auto& vs : config.lvs.virtual_servers) {
      std::vector<LiveDestination> live;
      for (const auto& rs : vs.real_servers) {
        live.push_back({rs.address, rs.port, rs.weight.value_or(vs.weight)});
      }
      syncer->set_destinations(vs, live);
    }
  }
  void start_all_up() {
    syncer->start(config);
    all_up();
    clock.advance(core::Duration(0));
  }
  const config::VirtualServer& vs(std::size_t i) { return config.lvs.virtual_servers.at(i); }

  core::SimulatedClock clock;
  FakeKernel kernel;
  config::Config config;
  config::Config next;  // the previous configuration after a reload, kept alive like the daemon's
  std::unique_ptr<Syncer> syncer;
};

TEST_F(SyncerTest, FirstPushIsOneBatchOfServicesAndDestinations) {
  load(kTwoServices);
  start_all_up();
  EXPECT_EQ(kernel.apply_calls, 1u);
  EXPECT_EQ(kernel.count(Op::Kind::kAddService), 2u);
  EXPECT_EQ(kernel.count(Op::Kind::kAddDest), 3u);
  EXPECT_EQ(kernel.ops.size(), 5u);
  ASSERT_TRUE(kernel.table.contains(tcp("10.0.0.1", 80)));
  EXPECT_EQ(kernel.table.at(tcp("10.0.0.1", 80)).dests.at(dest("10.0.1.2", 80)).params.weight, 2u);
  EXPECT_EQ(kernel.table.at(fwmark(7)).params.scheduler, "rr");
  EXPECT_TRUE(syncer->settled());
}

TEST_F(SyncerTest, OneWeightChangeIsExactlyOneEdit) {
  load(kTwoServices);
  start_all_up();
  kernel.ops.clear();
  syncer->set_destinations(vs(0), {{ip("10.0.1.1"), 80, 1}, {ip("10.0.1.2"), 80, 0}});
  clock.advance(core::Duration(0));
  ASSERT_EQ(kernel.ops.size(), 1u);
  EXPECT_EQ(kernel.ops[0].kind, Op::Kind::kEditDest);
  EXPECT_EQ(kernel.ops[0].dest, dest("10.0.1.2", 80));
  EXPECT_EQ(kernel.ops[0].dest_params.weight, 0u);
}

TEST_F(SyncerTest, ARealServerGoingDownIsExactlyOneDelete) {
  load(kTwoServices);
  start_all_up();
  kernel.ops.clear();
  syncer->set_destinations(vs(0), {{ip("10.0.1.2"), 80, 2}});
  clock.advance(core::Duration(0));
  ASSERT_EQ(kernel.ops.size(), 1u);
  EXPECT_EQ(kernel.ops[0].kind, Op::Kind::kDeleteDest);
  EXPECT_EQ(kernel.ops[0].dest, dest("10.0.1.1", 80));
}

TEST_F(SyncerTest, ChangesWithinOneLoopTurnCoalesce) {
  load(kTwoServices);
  start_all_up();
  kernel.ops.clear();
  syncer->set_destinations(vs(0), {{ip("10.0.1.2"), 80, 2}});
  syncer->set_destinations(vs(0), {{ip("10.0.1.1"), 80, 1}, {ip("10.0.1.2"), 80, 2}});
  clock.advance(core::Duration(0));
  EXPECT_TRUE(kernel.ops.empty());  // down and up again before anything was sent
}

TEST_F(SyncerTest, TheSameDestinationsPublishedAgainAreNoWork) {
  // After a reload the checkers publish every virtual server again, mostly unchanged.
  load(kTwoServices);
  start_all_up();
  kernel.ops.clear();
  all_up();
  EXPECT_TRUE(syncer->settled());  // nothing marked to diff
  clock.advance(core::Duration(0));
  EXPECT_TRUE(kernel.ops.empty());
}

TEST_F(SyncerTest, AdoptsMatchingEntriesFixesDifferentOnesAndLeavesForeignOnes) {
  load(kTwoServices);
  // Already there: the TCP service exactly, the fwmark one with a wrong scheduler, and a
  // service the configuration does not know.
  auto& a = kernel.table[tcp("10.0.0.1", 80)] = service("wrr");
  a.dests[dest("10.0.1.1", 80)] = weight(1);
  a.dests[dest("10.0.1.2", 80)] = weight(2);
  a.dests[dest("10.0.1.2", 80)].active_connections = 42;
  auto& b = kernel.table[fwmark(7)] = service("wlc");
  b.dests[dest("10.0.1.3", 0)] = weight(1);
  kernel.table[tcp("192.0.2.1", 22)] = service("rr");
  start_all_up();
  ASSERT_EQ(kernel.ops.size(), 1u);
  EXPECT_EQ(kernel.ops[0].kind, Op::Kind::kEditService);
  EXPECT_EQ(kernel.ops[0].service, fwmark(7));
  EXPECT_TRUE(kernel.table.contains(tcp("192.0.2.1", 22)));
  EXPECT_EQ(syncer->foreign().size(), 1u);
  // The adopted destination kept its connections: it was never removed.
  EXPECT_EQ(kernel.table.at(tcp("10.0.0.1", 80)).dests.at(dest("10.0.1.2", 80)).active_connections,
            42u);
}

TEST_F(SyncerTest, DriftIsRepairedAtTheNextReconcile) {
  SyncerOptions options;
  options.reconcile_interval = seconds(10);
  load(kTwoServices, options);
  start_all_up();
  kernel.ops.clear();
  // ipvsadm -e ... -w 9; ipvsadm -a (an extra destination); ipvsadm -D (a whole service).
  kernel.table[tcp("10.0.0.1", 80)].dests[dest("10.0.1.1", 80)].params.weight = 9;
  kernel.table[tcp("10.0.0.1", 80)].dests[dest("10.0.1.99", 80)] = weight(1);
  kernel.table.erase(fwmark(7));
  clock.advance(seconds(9));
  EXPECT_TRUE(kernel.ops.empty());
  clock.advance(seconds(1));
  EXPECT_EQ(syncer->stats().drift_repairs, 2u);  // two services changed
  EXPECT_EQ(kernel.count(Op::Kind::kEditDest), 1u);
  EXPECT_EQ(kernel.count(Op::Kind::kDeleteDest), 1u);
  EXPECT_EQ(kernel.count(Op::Kind::kAddService), 1u);
  EXPECT_EQ(kernel.count(Op::Kind::kAddDest), 1u);
  EXPECT_TRUE(diff_tables(syncer->desired(), kernel.table).empty());
  // Repaired: the next reconcile finds nothing.
  kernel.ops.clear();
  clock.advance(seconds(10));
  EXPECT_TRUE(kernel.ops.empty());
  EXPECT_EQ(syncer->stats().drift_repairs, 2u);
}

// The daemon's reader runs on a worker thread; here the test decides when the read happens
// (take) and when its result reaches the loop (deliver).
struct ManualReader : TableReader {
  void read(Done d) override { pending.push_back(std::move(d)); }
  Table taken;
  void take(const FakeKernel& k) { taken = k.table; }
  void deliver() {
    ASSERT_FALSE(pending.empty());
    Done d = std::move(pending.front());
    pending.erase(pending.begin());
    d({}, taken);
  }
  std::vector<Done> pending;
};

TEST_F(SyncerTest, BackgroundReadsRepairDriftButNotWhatChangedDuringTheRead) {
  SyncerOptions options;
  options.reconcile_interval = seconds(10);
  load(kTwoServices, options);
  ManualReader reader;
  syncer->set_reader(&reader);
  start_all_up();  // the first reconcile reads synchronously
  EXPECT_EQ(kernel.dumps, 1u);
  EXPECT_TRUE(reader.pending.empty());
  kernel.ops.clear();
  // Someone changes the fwmark service's weight by hand; the read sees that and the TCP
  // service as pushed.
  kernel.table[fwmark(7)].dests[dest("10.0.1.3", 0)].params.weight = 9;
  clock.advance(seconds(10));
  ASSERT_EQ(reader.pending.size(), 1u);
  EXPECT_EQ(kernel.dumps, 1u);  // not on the loop
  reader.take(kernel);
  // While the result travels back, a real server of the TCP service goes down: one delete.
  syncer->set_destinations(vs(0), {{ip("10.0.1.2"), 80, 2}});
  clock.advance(core::Duration(0));
  ASSERT_EQ(kernel.ops.size(), 1u);
  kernel.ops.clear();
  // The read predates that delete: the TCP service is left out, not "repaired" back.
  reader.deliver();
  clock.advance(core::Duration(0));
  EXPECT_EQ(syncer->stats().drift_repairs, 1u);
  ASSERT_EQ(kernel.ops.size(), 1u);
  EXPECT_EQ(kernel.ops[0].kind, Op::Kind::kEditDest);
  EXPECT_EQ(kernel.ops[0].service, fwmark(7));
  EXPECT_TRUE(diff_tables(syncer->desired(), kernel.table).empty());
  // The next read compares everything again and finds nothing.
  kernel.ops.clear();
  clock.advance(seconds(10));
  reader.take(kernel);
  reader.deliver();
  clock.advance(core::Duration(0));
  EXPECT_TRUE(kernel.ops.empty());
  EXPECT_EQ(syncer->stats().drift_repairs, 1u);
  EXPECT_EQ(kernel.dumps, 1u);
}

TEST_F(SyncerTest, ABackgroundReadThatReturnsAfterTheSyncerIsGoneIsIgnored) {
  load(kTwoServices);
  ManualReader reader;
  syncer->set_reader(&reader);
  start_all_up();
  clock.advance(seconds(10));
  ASSERT_EQ(reader.pending.size(), 1u);
  syncer->stop(true);
  syncer.reset();
  reader.take(kernel);
  reader.deliver();  // must not touch the destroyed syncer (ASan would say)
  EXPECT_TRUE(kernel.table.empty());
}

TEST_F(SyncerTest, AKernelWithoutIpvsIsProgrammedWhenItAppears) {
  SyncerOptions options;
  options.retry_interval = seconds(5);
  load(kTwoServices, options);
  kernel.has_ipvs = false;
  start_all_up();
  EXPECT_FALSE(syncer->available());
  EXPECT_TRUE(kernel.ops.empty());
  // Health keeps changing while IPVS is missing.
  syncer->set_destinations(vs(0), {{ip("10.0.1.2"), 80, 2}});
  clock.advance(seconds(5));
  EXPECT_TRUE(kernel.ops.empty());
  kernel.has_ipvs = true;  // modprobe ip_vs
  clock.advance(seconds(5));
  EXPECT_TRUE(syncer->available());
  EXPECT_EQ(kernel.count(Op::Kind::kAddService), 2u);
  EXPECT_EQ(kernel.count(Op::Kind::kAddDest), 2u);  // the latest health, not the first
  EXPECT_FALSE(kernel.table.at(tcp("10.0.0.1", 80)).dests.contains(dest("10.0.1.1", 80)));
}

TEST_F(SyncerTest, AFailedServiceDoesNotStopTheOthersAndIsRetried) {
  SyncerOptions options;
  options.reconcile_interval = seconds(10);
  load(kTwoServices, options);
  // The scheduler module is missing: the kernel says ENOENT.
  kernel.fail = [](const Op& op) -> std::optional<std::error_code> {
    if (op.kind == Op::Kind::kAddService && op.service.is_fwmark()) {
      return std::error_code(ENOENT, std::system_category());
    }
    return std::nullopt;
  };
  start_all_up();
  EXPECT_TRUE(kernel.table.contains(tcp("10.0.0.1", 80)));
  EXPECT_FALSE(kernel.table.contains(fwmark(7)));
  EXPECT_FALSE(syncer->settled());
  EXPECT_EQ(syncer->stats().drift_repairs, 0u);
  kernel.fail = nullptr;  // module now available
  clock.advance(seconds(10));
  EXPECT_TRUE(kernel.table.contains(fwmark(7)));
  EXPECT_EQ(kernel.table.at(fwmark(7)).dests.size(), 1u);
  EXPECT_TRUE(syncer->settled());
  EXPECT_EQ(syncer->stats().drift_repairs, 0u);  // a retry, not drift
}

TEST_F(SyncerTest, AnAddThatCollidesReadsTheTableBackAtOnce) {
  SyncerOptions options;
  options.reconcile_interval = seconds(60);
  load(kTwoServices, options);
  start_all_up();
  syncer->set_destinations(vs(0), {{ip("10.0.1.2"), 80, 2}});  // 10.0.1.1 down: deleted
  clock.advance(core::Duration(0));
  // Meanwhile someone adds it back by hand, with another weight.
  kernel.table[tcp("10.0.0.1", 80)].dests[dest("10.0.1.1", 80)] = weight(7);
  kernel.ops.clear();
  const auto dumps = kernel.dumps;
  syncer->set_destinations(vs(0), {{ip("10.0.1.1"), 80, 1}, {ip("10.0.1.2"), 80, 2}});
  clock.advance(core::Duration(0));
  // Our add failed with EEXIST; the table was read back at once and the weight edited.
  EXPECT_EQ(kernel.dumps, dumps + 1);
  ASSERT_EQ(kernel.ops.size(), 2u);
  EXPECT_EQ(kernel.ops[0].kind, Op::Kind::kAddDest);
  EXPECT_EQ(kernel.ops[1].kind, Op::Kind::kEditDest);
  EXPECT_TRUE(diff_tables(syncer->desired(), kernel.table).empty());
  EXPECT_TRUE(syncer->settled());
}

TEST_F(SyncerTest, LargePushesYieldBetweenTurns) {
  std::string text;
  for (int i = 0; i < 50; ++i) {
    text += "virtual_server 10.0.0." + std::to_string(i + 1) +
            " 80 {\n lvs_sched rr\n lvs_method DR\n protocol TCP\n";
    for (int r = 0; r < 4; ++r) {
      text += " real_server 10.1." + std::to_string(i) + "." + std::to_string(r + 1) + " 80 { }\n";
    }
    text += "}\n";
  }
  SyncerOptions options;
  options.ops_per_turn = 40;
  load(text, options);
  syncer->start(config);
  all_up();
  // Each turn takes whole services until 40 ops: 8 services (40 ops) per turn.
  EXPECT_TRUE(clock.step());
  EXPECT_EQ(kernel.apply_calls, 1u);
  EXPECT_EQ(kernel.ops.size(), 40u);
  clock.advance(core::Duration(0));
  EXPECT_EQ(kernel.ops.size(), 250u);
  EXPECT_EQ(kernel.apply_calls, 7u);
  EXPECT_TRUE(syncer->settled());
}

TEST_F(SyncerTest, StopRemovesOnlyWhatWeOwn) {
  load(kTwoServices);
  kernel.table[tcp("192.0.2.1", 22)] = service("rr");
  start_all_up();
  kernel.ops.clear();
  syncer->stop(true);
  EXPECT_EQ(kernel.ops.size(), 2u);
  EXPECT_EQ(kernel.count(Op::Kind::kDeleteService), 2u);
  ASSERT_EQ(kernel.table.size(), 1u);
  EXPECT_TRUE(kernel.table.contains(tcp("192.0.2.1", 22)));
}

TEST_F(SyncerTest, StopCanKeepTheTable) {
  load(kTwoServices);
  start_all_up();
  syncer->stop(false);  // --dont-release-ipvs
  EXPECT_EQ(kernel.table.size(), 2u);
}

TEST_F(SyncerTest, FlushesAndTimeoutsFromGlobalDefs) {
  load(std::string(R"(
global_defs {
  lvs_flush
  lvs_flush_on_stop
  lvs_timeouts tcp 900 udp 60
}
)") + kTwoServices);
  kernel.table[tcp("192.0.2.1", 22)] = service("rr");
  start_all_up();
  EXPECT_EQ(kernel.flushes, 1u);
  EXPECT_FALSE(kernel.table.contains(tcp("192.0.2.1", 22)));
  ASSERT_EQ(kernel.timeouts.size(), 1u);
  EXPECT_EQ(kernel.timeouts[0], (Timeouts{900, 0, 60}));
  syncer->stop(true);
  EXPECT_EQ(kernel.flushes, 2u);
  EXPECT_TRUE(kernel.table.empty());
}

std::string replace(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST_F(SyncerTest, ReloadWithOneDestinationRemovedIsExactlyOneDelete) {
  load(kTwoServices);
  start_all_up();
  kernel.ops.clear();
  reload(replace(kTwoServices, "  real_server 10.0.1.1 80 { weight 1 }\n", ""));
  ASSERT_EQ(kernel.ops.size(), 1u);
  EXPECT_EQ(kernel.ops[0].kind, Op::Kind::kDeleteDest);
  EXPECT_EQ(kernel.ops[0].dest, dest("10.0.1.1", 80));
}

TEST_F(SyncerTest, ReloadEditsInPlaceAndAddsAndRemovesServices) {
  load(kTwoServices);
  start_all_up();
  kernel.table[tcp("10.0.0.1", 80)].dests[dest("10.0.1.2", 80)].active_connections = 17;
  kernel.ops.clear();
  std::string next = replace(kTwoServices, "{ weight 2 }", "{ weight 5 }");
  next = replace(next, "  lvs_sched rr\n", "  lvs_sched wlc\n");  // fwmark 7's scheduler
  next = replace(next, "virtual_server fwmark 7 {", "virtual_server fwmark 8 {");
  reload(next);
  // fwmark 7 is gone (one delete), fwmark 8 is new (service + destination), the weight is one
  // edit; the unchanged destination 10.0.1.1 is not touched.
  EXPECT_EQ(kernel.ops.size(), 4u);
  EXPECT_EQ(kernel.count(Op::Kind::kDeleteService), 1u);
  EXPECT_EQ(kernel.count(Op::Kind::kAddService), 1u);
  EXPECT_EQ(kernel.count(Op::Kind::kAddDest), 1u);
  EXPECT_EQ(kernel.count(Op::Kind::kEditDest), 1u);
  EXPECT_EQ(kernel.table.at(tcp("10.0.0.1", 80)).dests.at(dest("10.0.1.2", 80)).active_connections,
            17u);
  EXPECT_EQ(kernel.table.at(fwmark(8)).params.scheduler, "wlc");
  EXPECT_TRUE(diff_tables(syncer->desired(), kernel.table).empty());
}

TEST_F(SyncerTest, ReloadOfTheSameFileChangesNothing) {
  load(kTwoServices);
  start_all_up();
  kernel.ops.clear();
  reload(kTwoServices);
  EXPECT_TRUE(kernel.ops.empty());
}

}  // namespace
}  // namespace vigil::ipvs
