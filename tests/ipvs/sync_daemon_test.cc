// lvs_sync_daemon follows its VRRP instance as keepalived's does.
#include <gtest/gtest.h>

#include "ipvs/sync_daemon.h"
#include "parser/parse.h"
#include "tests/ipvs/fake_kernel.h"

namespace vigil::ipvs {
namespace {

using Role = SyncDaemon::Role;

config::Config parse(const std::string& text) {
  parser::ParseOptions o;
  o.host_checks = false;
  auto r = parser::parse_config_text(text, "t.conf", o);
  EXPECT_EQ(r.diagnostics.error_count(), 0u);
  return std::move(r.config);
}

constexpr const char* kInstance = R"(
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority 100
  advert_int 1
  virtual_ipaddress { 10.0.0.100 }
}
)";

TEST(SyncDaemon, BackupFirstThenSwapsWithTheInstance) {
  auto c =
      parse(std::string("global_defs {\n lvs_sync_daemon eth1 VI_1 maxlen 1400 port 9000 ttl 3 "
                        "group 224.0.0.90\n}\n") +
            kInstance);
  ASSERT_TRUE(c.global.lvs_sync_daemon);
  testing::FakeKernel kernel;
  SyncDaemonControl control(kernel, *c.global.lvs_sync_daemon, sync_id_of(c));
  control.start();
  ASSERT_EQ(kernel.daemons_started.size(), 1u);
  const SyncDaemon& d = kernel.daemons_started[0];
  EXPECT_EQ(d.role, Role::kBackup);
  EXPECT_EQ(d.interface, "eth1");
  EXPECT_EQ(d.sync_id, 51u);  // the instance's VRID
  EXPECT_EQ(d.max_length, 1400);
  EXPECT_EQ(d.port, 9000);
  EXPECT_EQ(d.ttl, 3);
  EXPECT_EQ(d.group, boost::asio::ip::make_address("224.0.0.90"));

  control.set_master(true);
  EXPECT_EQ(kernel.daemons_stopped, std::vector<Role>{Role::kBackup});
  ASSERT_EQ(kernel.daemons_started.size(), 2u);
  EXPECT_EQ(kernel.daemons_started[1].role, Role::kMaster);
  control.set_master(true);  // no change, nothing sent
  EXPECT_EQ(kernel.daemons_started.size(), 2u);

  control.set_master(false);
  EXPECT_EQ(kernel.daemons_stopped, (std::vector<Role>{Role::kBackup, Role::kMaster}));
  EXPECT_EQ(kernel.daemons_started.back().role, Role::kBackup);

  control.stop();
  EXPECT_EQ(kernel.daemons_stopped.back(), Role::kBackup);
  EXPECT_FALSE(control.master_running() || control.backup_running());
}

TEST(SyncDaemon, ExplicitIdAndNoKernel) {
  auto c = parse(std::string("global_defs {\n lvs_sync_daemon eth1 VI_1 id 7\n}\n") + kInstance);
  testing::FakeKernel kernel;
  kernel.has_ipvs = false;
  SyncDaemonControl control(kernel, *c.global.lvs_sync_daemon, sync_id_of(c));
  EXPECT_EQ(sync_id_of(c), 7u);
  control.start();  // logged, nothing running
  EXPECT_TRUE(kernel.daemons_started.empty());
  EXPECT_FALSE(control.backup_running());
  kernel.has_ipvs = true;
  control.set_master(true);
  ASSERT_EQ(kernel.daemons_started.size(), 1u);
  EXPECT_EQ(kernel.daemons_started[0].role, Role::kMaster);
}

}  // namespace
}  // namespace vigil::ipvs
