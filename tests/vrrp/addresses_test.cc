// AddressSet against a real kernel, in a network namespace (root).

#include "vrrp/addresses.h"

#include <gtest/gtest.h>

#include "interface_netns_fixture.h"

namespace vigil::vrrp {
namespace {

config::VirtualAddress vip(const char* text) {
  config::VirtualAddress a;
  a.address = *core::parse_ip_prefix(text);
  return a;
}

using testing::contains;

class AddressSetNetns : public testing::InterfaceNetnsTest {
 protected:
  std::string addrs() { return out(ip("addr show dev eth0")); }
};

TEST_F(AddressSetNetns, InstallRemoveIdempotentAndNeverAPrimary) {
  auto v4 = vip("10.0.0.100/32");
  v4.label = "eth0:vip";
  auto v6 = vip("2001:db8::100/128");
  v6.preferred_lft = 0;
  AddressSet set(nl_, *table_, "VI_1", "eth0", {v4, v6}, {}, {});
  EXPECT_FALSE(set.installed());
  ASSERT_FALSE(set.install());
  EXPECT_TRUE(set.installed());
  std::string s = addrs();
  EXPECT_TRUE(contains(s, "inet 10.0.0.100/32 scope global eth0:vip")) << s;
  EXPECT_TRUE(contains(s, "inet6 2001:db8::100/128")) << s;
  EXPECT_TRUE(contains(s, "nodad")) << s;
  EXPECT_TRUE(contains(s, "deprecated")) << s;  // preferred_lft 0, as keepalived
  ASSERT_FALSE(set.install());                  // EEXIST is fine
  for (const auto& item : set.items()) EXPECT_TRUE(item.installed) << item.text;

  // A VIP never becomes the interface's own address.
  ASSERT_TRUE(testing::run_until(io_, [&] {
    return table_->find("eth0")->has_address(*core::parse_ip_address("10.0.0.100"));
  }));
  EXPECT_EQ(table_->primary_ipv4(table_->find("eth0")->index)->to_string(), "10.0.0.2");

  ASSERT_FALSE(set.remove());
  EXPECT_FALSE(set.installed());
  s = addrs();
  EXPECT_FALSE(contains(s, "10.0.0.100")) << s;
  EXPECT_FALSE(contains(s, "2001:db8::100")) << s;
  ASSERT_FALSE(set.remove());  // nothing to do
  EXPECT_EQ(set.stats().add_failures + set.stats().remove_failures, 0u);
}

TEST_F(AddressSetNetns, VipDeletedBySomeoneElseIsRestored) {
  AddressSet set(nl_, *table_, "VI_1", "eth0", {vip("10.0.0.100/32"), vip("10.0.0.101/32")}, {},
                 {});
  ASSERT_FALSE(set.install());
  ASSERT_EQ(sh(ip("addr del 10.0.0.100/32 dev eth0")), 0);
  ASSERT_TRUE(testing::run_until(io_, [&] { return set.stats().restored == 1; }));
  EXPECT_TRUE(contains(addrs(), "10.0.0.100/32"));

  // Not while backup: our own removal is not "someone else".
  ASSERT_FALSE(set.remove());
  ASSERT_EQ(sh(ip("addr add 10.0.0.101/32 dev eth0")), 0);
  ASSERT_EQ(sh(ip("addr del 10.0.0.101/32 dev eth0")), 0);
  testing::run_until(
      io_, [] { return false; }, std::chrono::milliseconds(200));
  EXPECT_EQ(set.stats().restored, 1u);
  EXPECT_FALSE(contains(addrs(), "10.0.0.10"));
}

TEST_F(AddressSetNetns, RoutesAndRulesTaggedKeepalived) {
  config::Route r;
  r.to = core::parse_ip_prefix("10.9.0.0/16");
  r.via = core::parse_ip_address("10.0.0.254");
  r.dev = "eth0";
  r.table = "100";
  r.metric = 5;
  config::Route connected;
  connected.to = core::parse_ip_prefix("192.168.50.0/24");
  connected.dev = "eth0";
  config::Rule rule;
  rule.from = core::parse_ip_prefix("10.0.0.0/24");
  rule.action = "lookup";
  rule.table = "100";
  rule.preference = 1000;
  AddressSet set(nl_, *table_, "VI_1", "eth0", {vip("10.0.0.100/32")}, {r, connected}, {rule});
  ASSERT_FALSE(set.install());
  std::string routes = out(ip("route show table 100"));
  EXPECT_TRUE(contains(routes, "10.9.0.0/16 via 10.0.0.254 dev eth0 proto keepalived metric 5"))
      << routes;
  std::string main = out(ip("route show"));
  EXPECT_TRUE(contains(main, "192.168.50.0/24 dev eth0 proto keepalived scope link")) << main;
  std::string rules = out(ip("rule show"));
  EXPECT_TRUE(contains(rules, "1000:\tfrom 10.0.0.0/24 lookup 100 proto keepalived")) << rules;
  ASSERT_FALSE(set.install());  // EEXIST everywhere

  ASSERT_FALSE(set.remove());
  EXPECT_FALSE(contains(out(ip("route show table 100")), "10.9.0.0"));
  EXPECT_FALSE(contains(out(ip("route show")), "192.168.50.0"));
  EXPECT_FALSE(contains(out(ip("rule show")), "1000:"));
}

TEST_F(AddressSetNetns, RemoveStaleClearsWhatAnEarlierRunLeft) {
  ASSERT_EQ(sh(ip("addr add 10.0.0.100/32 dev eth0")), 0);
  ASSERT_EQ(sh(ip("route add 10.9.0.0/16 via 10.0.0.254 proto keepalived")), 0);
  ASSERT_EQ(sh(ip("route add 10.8.0.0/16 via 10.0.0.254 proto static")), 0);  // not ours
  config::Route ours;
  ours.to = core::parse_ip_prefix("10.9.0.0/16");
  ours.via = core::parse_ip_address("10.0.0.254");
  config::Route theirs = ours;
  theirs.to = core::parse_ip_prefix("10.8.0.0/16");
  AddressSet set(nl_, *table_, "VI_1", "eth0", {vip("10.0.0.100/32"), vip("10.0.0.200/32")},
                 {ours, theirs}, {});
  set.remove_stale();
  EXPECT_FALSE(contains(addrs(), "10.0.0.100"));
  std::string routes = out(ip("route show"));
  EXPECT_FALSE(contains(routes, "10.9.0.0")) << routes;
  EXPECT_TRUE(contains(routes, "10.8.0.0")) << routes;  // protocol static: not keepalived's
  EXPECT_EQ(set.stats().remove_failures, 0u);
}

// Reload of a master: only the difference reaches the kernel. The kept VIP is never removed
// (a monitor of address events would see no RTM_DELADDR for it), the dropped one goes at once,
// the new one only with add_new(), which reports it for announcement.
TEST_F(AddressSetNetns, ReconfigureChangesOnlyTheDifference) {
  config::Route r;
  r.to = core::parse_ip_prefix("10.9.0.0/16");
  r.via = core::parse_ip_address("10.0.0.254");
  config::Route r2 = r;
  r2.to = core::parse_ip_prefix("10.7.0.0/16");
  AddressSet set(nl_, *table_, "VI_1", "eth0", {vip("10.0.0.100/32"), vip("10.0.0.101/32")}, {r},
                 {});
  ASSERT_FALSE(set.install());
  std::vector<std::string> removed;
  auto sub = table_->on_address([&](const Interface&, const core::AddressInfo& a, bool gone) {
    if (gone) removed.push_back(a.local.address.to_string());
  });

  auto labelled = vip("10.0.0.100/32");
  set.reconfigure({vip("10.0.0.100/32"), vip("10.0.0.102/32")}, {r, r2}, {});
  EXPECT_FALSE(contains(addrs(), "10.0.0.101/32"));
  EXPECT_FALSE(contains(addrs(), "10.0.0.102/32"));  // not before add_new()
  const auto added = set.add_new();
  ASSERT_EQ(added.size(), 1u);
  EXPECT_EQ(added[0].address.to_string(), "10.0.0.102");
  EXPECT_EQ(added[0].dev, "eth0");
  std::string s = addrs();
  EXPECT_TRUE(contains(s, "10.0.0.100/32")) << s;
  EXPECT_TRUE(contains(s, "10.0.0.102/32")) << s;
  EXPECT_TRUE(contains(out(ip("route show")), "10.7.0.0/16")) << out(ip("route show"));
  EXPECT_TRUE(contains(out(ip("route show")), "10.9.0.0/16"));
  ASSERT_TRUE(testing::run_until(io_, [&] { return !removed.empty(); }));
  testing::run_until(
      io_, [] { return false; }, std::chrono::milliseconds(100));
  EXPECT_EQ(removed, std::vector<std::string>{"10.0.0.101"});
  EXPECT_TRUE(set.add_new().empty());  // nothing new any more

  // Another option makes another address: the label changes it, so it is replaced.
  labelled.label = "eth0:v";
  set.reconfigure({labelled, vip("10.0.0.102/32")}, {r2}, {});
  EXPECT_EQ(set.add_new().size(), 1u);
  EXPECT_TRUE(contains(addrs(), "10.0.0.100/32 scope global eth0:v")) << addrs();
  EXPECT_FALSE(contains(out(ip("route show")), "10.9.0.0/16"));
  for (const auto& item : set.items()) EXPECT_TRUE(item.installed) << item.text;

  // Not installed (backup): nothing is added or removed, the new list is used at takeover.
  ASSERT_FALSE(set.remove());
  set.reconfigure({vip("10.0.0.103/32")}, {}, {});
  EXPECT_TRUE(set.add_new().empty());
  EXPECT_FALSE(contains(addrs(), "10.0.0.103"));
  ASSERT_FALSE(set.install());
  EXPECT_TRUE(contains(addrs(), "10.0.0.103/32"));
  EXPECT_FALSE(contains(addrs(), "10.0.0.100"));
  EXPECT_EQ(set.stats().add_failures + set.stats().remove_failures, 0u);
}

TEST_F(AddressSetNetns, MissingInterfaceIsAnErrorNotACrash) {
  auto a = vip("10.0.0.100/32");
  a.dev = "nosuch0";
  AddressSet set(nl_, *table_, "VI_1", "eth0", {a, vip("10.0.0.101/32")}, {}, {});
  EXPECT_EQ(set.install(), std::errc::no_such_device);
  EXPECT_EQ(set.stats().add_failures, 1u);
  EXPECT_TRUE(contains(addrs(), "10.0.0.101/32"));  // the others are still added
  EXPECT_FALSE(set.remove());
  ASSERT_EQ(set.vips().size(), 2u);
  EXPECT_EQ(set.vips()[0].dev, "nosuch0");
  EXPECT_EQ(set.vips()[1].dev, "eth0");
}

}  // namespace
}  // namespace vigil::vrrp
