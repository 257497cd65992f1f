// Matching running VRRP instances with the instances of a reloaded configuration, as keepalived
// 2.2.7 does (observed on Debian's keepalived, see docs/vrrp.md "Reload"), and the keyed list
// difference used for VIPs, routes and rules.
#include "vrrp/reload_plan.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vigil::vrrp {
namespace {

config::VrrpInstance instance(const char* name, std::uint8_t vrid, const char* itf = "eth0") {
  config::VrrpInstance i;
  i.name = name;
  i.virtual_router_id = vrid;
  i.interface = itf;
  return i;
}

std::vector<const config::VrrpInstance*> pointers(const std::vector<config::VrrpInstance>& v) {
  std::vector<const config::VrrpInstance*> out;
  for (const auto& i : v) out.push_back(&i);
  return out;
}

ReloadPlan plan(const std::vector<config::VrrpInstance>& running,
                const std::vector<config::VrrpInstance>& next) {
  return plan_reload(pointers(running), next);
}

using Kept = ReloadPlan::Kept;
using Indices = std::vector<std::size_t>;

TEST(ReloadPlan, UnchangedInstancesAreKept) {
  const std::vector<config::VrrpInstance> v{instance("VI_1", 51), instance("VI_2", 52)};
  const ReloadPlan p = plan(v, v);
  EXPECT_EQ(p.kept, (std::vector<Kept>{{0, 0}, {1, 1}}));
  EXPECT_TRUE(p.removed.empty());
  EXPECT_TRUE(p.added.empty());
}

// keepalived keeps the state of an instance whose settings change, even its name and version.
TEST(ReloadPlan, SettingsAndNameAreNotPartOfTheIdentity) {
  std::vector<config::VrrpInstance> before{instance("VI_1", 51), instance("VI_2", 52)};
  std::vector<config::VrrpInstance> after = before;
  after[0].name = "VI_X";
  after[0].version = 3;
  after[0].priority = 50;
  after[0].advert_int = std::chrono::milliseconds(100);
  after[1].virtual_ipaddress.emplace_back();
  after[1].authentication = config::Authentication{config::AuthType::kAh, "secret", {}};
  after[1].nopreempt = true;
  after[1].track_scripts.push_back({"chk", 0, false, {}});
  after[1].sync_group = "G1";
  // Reordered in the file: still matched.
  std::swap(after[0], after[1]);
  const ReloadPlan p = plan(before, after);
  EXPECT_EQ(p.kept, (std::vector<Kept>{{1, 0}, {0, 1}}));
  EXPECT_TRUE(p.removed.empty());
  EXPECT_TRUE(p.added.empty());
}

TEST(ReloadPlan, UnicastPeerListChangesKeepTheInstance) {
  auto a = instance("VI_1", 51);
  a.unicast_peers.push_back({*core::parse_ip_address("10.0.0.2"), {}, {}, {}});
  auto b = a;
  b.unicast_peers.push_back({*core::parse_ip_address("10.0.0.3"), {}, {}, {}});
  EXPECT_EQ(plan({a}, {b}).kept, (std::vector<Kept>{{0, 0}}));
}

// keepalived stops the old instance (priority 0) and starts a new one in BACKUP.
TEST(ReloadPlan, ChangedIdentityRestartsUnderTheSameName) {
  const auto base = instance("VI_1", 51);
  std::vector<config::VrrpInstance> changed;
  changed.push_back(instance("VI_1", 61));          // VRID
  changed.push_back(instance("VI_1", 51, "eth1"));  // interface
  changed.push_back(base);
  changed.back().family = core::Family::kIPv6;  // family
  changed.push_back(base);
  changed.back().use_vmac = true;  // use_vmac
  changed.push_back(base);
  changed.back().unicast_peers.push_back({*core::parse_ip_address("10.0.0.2"), {}, {}, {}});
  changed.push_back(base);
  changed.back().unicast_src_ip = core::parse_ip_address("10.0.0.9");
  for (const auto& c : changed) {
    const ReloadPlan p = plan({base}, {c});
    EXPECT_TRUE(p.kept.empty()) << identity_change(base, c);
    EXPECT_EQ(p.removed, Indices{0});
    EXPECT_EQ(p.added, Indices{0});
    EXPECT_FALSE(identity_change(base, c).empty());
  }
  EXPECT_EQ(identity_change(base, changed[0]), "virtual_router_id 51 -> 61");
  EXPECT_EQ(identity_change(base, changed[3]), "use_vmac off -> on");
  EXPECT_EQ(identity_change(base, changed[4]), "transport multicast -> unicast");
  EXPECT_EQ(identity_change(base, changed[5]), "source address (interface address) -> 10.0.0.9");
  EXPECT_EQ(identity_change(base, base), "");
}

TEST(ReloadPlan, VmacNameAndMacCountOnlyWithUseVmac) {
  auto a = instance("VI_1", 51);
  auto b = a;
  b.vmac_name = "vrrp.x";  // ignored without use_vmac
  EXPECT_EQ(plan({a}, {b}).kept.size(), 1u);
  a.use_vmac = b.use_vmac = true;
  EXPECT_EQ(plan({a}, {b}).kept.size(), 0u);
}

TEST(ReloadPlan, AddedAndRemovedInstances) {
  const std::vector<config::VrrpInstance> before{instance("VI_1", 51), instance("VI_2", 52),
                                                 instance("VI_3", 53)};
  const std::vector<config::VrrpInstance> after{instance("VI_1", 51), instance("VI_4", 54),
                                                instance("VI_3", 53)};
  const ReloadPlan p = plan(before, after);
  EXPECT_EQ(p.kept, (std::vector<Kept>{{0, 0}, {2, 2}}));
  EXPECT_EQ(p.removed, Indices{1});
  EXPECT_EQ(p.added, Indices{1});
}

// The same identity twice (unicast and AH instances may share a VRID on one interface): the
// instance of the same name is taken first, and no running instance is taken twice.
TEST(ReloadPlan, SameIdentityPrefersTheSameName) {
  const std::vector<config::VrrpInstance> before{instance("A", 51), instance("B", 51)};
  const std::vector<config::VrrpInstance> after{instance("B", 51), instance("C", 51),
                                                instance("D", 51)};
  const ReloadPlan p = plan(before, after);
  EXPECT_EQ(p.kept, (std::vector<Kept>{{1, 0}, {0, 1}}));
  EXPECT_TRUE(p.removed.empty());
  EXPECT_EQ(p.added, Indices{2});
}

TEST(KeyedDiff, KeptRemovedAdded) {
  const std::vector<std::string> before{"a", "b", "c"};
  const std::vector<std::string> after{"c", "d", "a"};
  const KeyedDiff d = diff_by_key(before, after);
  EXPECT_EQ(d.kept, (std::vector<std::pair<std::size_t, std::size_t>>{{2, 0}, {0, 2}}));
  EXPECT_EQ(d.removed, Indices{1});
  EXPECT_EQ(d.added, Indices{1});
}

TEST(KeyedDiff, DuplicatesPairUpOneByOne) {
  const std::vector<std::string> before{"a", "a", "b"};
  const std::vector<std::string> after{"a", "b", "b"};
  const KeyedDiff d = diff_by_key(before, after);
  EXPECT_EQ(d.kept, (std::vector<std::pair<std::size_t, std::size_t>>{{0, 0}, {2, 1}}));
  EXPECT_EQ(d.removed, Indices{1});
  EXPECT_EQ(d.added, Indices{2});
  const KeyedDiff empty = diff_by_key({}, {});
  EXPECT_TRUE(empty.kept.empty() && empty.removed.empty() && empty.added.empty());
}

}  // namespace
}  // namespace vigil::vrrp
