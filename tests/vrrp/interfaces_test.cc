#include "vrrp/interfaces.h"

#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include "core/netlink.h"
#include "netns_fixture.h"

namespace vigil::vrrp {
namespace {

core::LinkEvent link(int index, const std::string& name, unsigned flags) {
  core::LinkEvent ev;
  ev.link.index = index;
  ev.link.name = name;
  ev.link.flags = flags;
  ev.link.hw_address = {0x02, 0, 0, 0, 0, static_cast<std::uint8_t>(index)};
  return ev;
}

core::AddressEvent address(int index, const char* prefix, bool removed = false) {
  core::AddressEvent ev;
  ev.removed = removed;
  ev.address.index = index;
  ev.address.local = *core::parse_ip_prefix(prefix);
  return ev;
}

// Drives the table with events only: no kernel.
class InterfaceTableUnit : public ::testing::Test {
 protected:
  boost::asio::io_context io_;
  core::NetlinkSocket nl_;  // never opened
  InterfaceTable table_{io_, nl_};
};

TEST_F(InterfaceTableUnit, PrimaryIpv4IsTheFirstAddressThatIsNotAVip) {
  table_.apply(link(2, "eth0", IFF_UP | IFF_RUNNING));
  table_.add_managed(*core::parse_ip_address("10.0.0.100"));
  table_.apply(address(2, "10.0.0.100/32"));  // a VIP first (left over, or added early)
  table_.apply(address(2, "fe80::1/64"));
  table_.apply(address(2, "10.0.0.1/24"));
  table_.apply(address(2, "10.0.0.2/24"));
  EXPECT_EQ(table_.primary_ipv4(2)->to_string(), "10.0.0.1");
  EXPECT_EQ(table_.link_local_ipv6(2)->to_string(), "fe80::1");
  table_.apply(address(2, "10.0.0.1/24", true));
  EXPECT_EQ(table_.primary_ipv4(2)->to_string(), "10.0.0.2");
  table_.remove_managed(*core::parse_ip_address("10.0.0.100"));
  EXPECT_EQ(table_.primary_ipv4(2)->to_string(), "10.0.0.100");
  EXPECT_FALSE(table_.primary_ipv4(3));
}

TEST_F(InterfaceTableUnit, LinkChangesArePublished) {
  std::vector<LinkChange> changes;
  auto sub = table_.on_link([&](const Interface&, const LinkChange& c) { changes.push_back(c); });
  table_.apply(link(2, "eth0", IFF_UP | IFF_RUNNING));
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_TRUE(changes[0].added);
  EXPECT_EQ(table_.find("eth0")->index, 2);
  EXPECT_TRUE(table_.find(2)->up());

  table_.apply(link(2, "eth0", IFF_UP | IFF_RUNNING));  // no change: nothing published
  EXPECT_EQ(changes.size(), 1u);

  table_.apply(link(2, "eth0", IFF_UP));  // carrier lost
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_TRUE(changes[1].running_changed);
  EXPECT_FALSE(changes[1].admin_changed);
  EXPECT_FALSE(table_.find(2)->up());

  table_.apply(link(2, "wan0", IFF_UP));
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_TRUE(changes[2].renamed);
  EXPECT_EQ(table_.find("eth0"), nullptr);

  core::LinkEvent gone = link(2, "wan0", 0);
  gone.removed = true;
  table_.apply(gone);
  ASSERT_EQ(changes.size(), 4u);
  EXPECT_TRUE(changes[3].removed);
  EXPECT_EQ(table_.find(2), nullptr);

  sub.reset();
  table_.apply(link(3, "eth1", 0));
  EXPECT_EQ(changes.size(), 4u);
}

TEST_F(InterfaceTableUnit, AddressEventsAndUnsubscribingWhileCalled) {
  table_.apply(link(2, "eth0", IFF_UP | IFF_RUNNING));
  int calls = 0;
  InterfaceTable::Subscription self;
  self = table_.on_address([&](const Interface& itf, const core::AddressInfo& a, bool removed) {
    ++calls;
    EXPECT_EQ(itf.name, "eth0");
    EXPECT_EQ(a.local.str(), "10.0.0.1/24");
    EXPECT_FALSE(removed);
    self.reset();  // unsubscribing from inside the handler is fine
  });
  int others = 0;
  auto other =
      table_.on_address([&](const Interface&, const core::AddressInfo&, bool) { ++others; });
  table_.apply(address(2, "10.0.0.1/24"));
  table_.apply(address(2, "10.0.0.1/24"));  // an update, not news
  table_.apply(address(2, "10.0.0.1/24", true));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(others, 2);
  EXPECT_FALSE(table_.find(2)->has_address(*core::parse_ip_address("10.0.0.1")));
}

TEST_F(InterfaceTableUnit, ARecreatedInterfaceReplacesTheOldIndexAndLateNewsIsIgnored) {
  table_.apply(link(5, "vrrp.8", IFF_UP));
  table_.apply(link(6, "vrrp.8", IFF_UP));  // deleted and created again; refresh() ran first
  EXPECT_EQ(table_.find("vrrp.8")->index, 6);
  EXPECT_EQ(table_.find(5), nullptr);
  table_.apply(link(5, "vrrp.8", 0));  // a notification about the old one, still queued
  EXPECT_EQ(table_.find("vrrp.8")->index, 6);
  EXPECT_EQ(table_.find(5), nullptr);
}

// ---- in a network namespace (root) ----

class InterfaceTableNetns : public testing::NetnsTest {};

TEST_F(InterfaceTableNetns, DumpThenFollowLinkAndAddressChanges) {
  ASSERT_EQ(sh(ip("link add veth0 type veth peer name veth1")), 0);
  ASSERT_EQ(sh(ip("link set veth0 up")), 0);
  ASSERT_EQ(sh(ip("link set veth1 up")), 0);
  ASSERT_EQ(sh(ip("addr add 10.0.0.1/24 dev veth0")), 0);

  boost::asio::io_context io;
  core::NetlinkSocket nl;
  ASSERT_FALSE(nl.open());
  InterfaceTable table(io, nl);
  ASSERT_FALSE(table.start());
  const Interface* lo = table.find("lo");
  ASSERT_NE(lo, nullptr);
  EXPECT_EQ(lo->index, 1);
  const Interface* veth0 = table.find("veth0");
  ASSERT_NE(veth0, nullptr);
  const int index = veth0->index;
  EXPECT_EQ(veth0->kind, "veth");
  EXPECT_TRUE(veth0->mac());
  EXPECT_EQ(table.primary_ipv4(index)->to_string(), "10.0.0.1");
  // veth0 comes up with carrier once veth1 is up.
  ASSERT_TRUE(testing::run_until(io, [&] { return table.find(index)->up(); }));

  std::vector<LinkChange> changes;
  auto sub = table.on_link([&](const Interface& itf, const LinkChange& c) {
    if (itf.index == index) changes.push_back(c);
  });
  ASSERT_EQ(sh(ip("link set veth1 down")), 0);  // veth0 loses carrier
  ASSERT_TRUE(testing::run_until(io, [&] { return !table.find(index)->running(); }));
  EXPECT_TRUE(table.find(index)->admin_up());
  ASSERT_FALSE(changes.empty());
  EXPECT_TRUE(changes.back().running_changed);

  ASSERT_EQ(sh(ip("link set veth1 up")), 0);
  ASSERT_TRUE(testing::run_until(io, [&] { return table.find(index)->up(); }));
  ASSERT_EQ(sh(ip("link set veth0 down")), 0);
  ASSERT_TRUE(testing::run_until(io, [&] { return !table.find(index)->admin_up(); }));

  std::vector<std::string> removed;
  auto asub = table.on_address([&](const Interface&, const core::AddressInfo& a, bool gone) {
    if (gone) removed.push_back(a.local.str());
  });
  ASSERT_EQ(sh(ip("addr add 10.0.0.7/24 dev veth0")), 0);
  ASSERT_TRUE(testing::run_until(
      io, [&] { return table.find(index)->has_address(*core::parse_ip_address("10.0.0.7")); }));
  ASSERT_EQ(sh(ip("addr del 10.0.0.7/24 dev veth0")), 0);
  ASSERT_TRUE(testing::run_until(io, [&] { return !removed.empty(); }));
  EXPECT_EQ(removed.front(), "10.0.0.7/24");

  ASSERT_EQ(sh(ip("link del veth0")), 0);
  ASSERT_TRUE(testing::run_until(io, [&] { return table.find("veth0") == nullptr; }));
  EXPECT_EQ(table.find("veth1"), nullptr);  // the peer goes with it
}

TEST_F(InterfaceTableNetns, RequestSocketReportsKernelErrorsAndRefresh) {
  boost::asio::io_context io;
  core::NetlinkSocket nl;
  ASSERT_FALSE(nl.open());
  core::LinkInfo info;
  EXPECT_EQ(nl.get_link("nosuch0", info), std::errc::no_such_device);
  ASSERT_FALSE(nl.get_link("lo", info));
  EXPECT_EQ(info.index, 1);
  InterfaceTable table(io, nl);
  ASSERT_FALSE(table.start());
  ASSERT_EQ(sh(ip("link add dummyv type veth peer name dummyp")), 0);
  ASSERT_FALSE(table.refresh("dummyv"));  // known at once, before the notification
  EXPECT_NE(table.find("dummyv"), nullptr);
  EXPECT_GE(nl.stats().requests, 3u);
}

// Many requests per datagram, one ack each, in order: more than one datagram's worth (about 100
// with the default receive buffer), with two that the kernel refuses in the middle.
TEST_F(InterfaceTableNetns, RequestBatchCollectsOneResultPerMessage) {
  core::NetlinkSocket nl;
  ASSERT_FALSE(nl.open());
  std::vector<core::NlMsgPtr> owned;
  std::vector<nl_msg*> msgs;
  for (int i = 0; i < 300; ++i) {
    // 10.200.x.y/32 on lo; numbers 100 and 250 repeat an earlier address: EEXIST.
    const int n = i == 100 ? 3 : i == 250 ? 7 : i;
    core::NlMsgPtr m(nlmsg_alloc_simple(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL));
    ASSERT_TRUE(m);
    ifaddrmsg ifa{};
    ifa.ifa_family = AF_INET;
    ifa.ifa_prefixlen = 32;
    ifa.ifa_index = 1;
    ASSERT_EQ(nlmsg_append(m.get(), &ifa, sizeof(ifa), NLMSG_ALIGNTO), 0);
    const std::uint8_t a[4] = {10, 200, static_cast<std::uint8_t>(n / 256),
                               static_cast<std::uint8_t>(n % 256)};
    ASSERT_EQ(nla_put(m.get(), IFA_LOCAL, 4, a), 0);
    msgs.push_back(m.get());
    owned.push_back(std::move(m));
  }
  std::vector<std::error_code> results;
  std::error_code transport = nl.request_batch(msgs, results);
  ASSERT_FALSE(transport) << transport.message();
  ASSERT_EQ(results.size(), 300u);
  for (int i = 0; i < 300; ++i) {
    if (i == 100 || i == 250) {
      EXPECT_EQ(results[i], std::errc::file_exists) << i;
    } else {
      EXPECT_FALSE(results[i]) << i << ": " << results[i].message();
    }
  }
  std::vector<core::AddressInfo> addresses;
  ASSERT_FALSE(nl.dump_addresses(addresses));
  std::size_t ours = 0;
  for (const auto& a : addresses) {
    if (a.local.address.is_v4() && (a.local.address.to_v4().to_uint() >> 16) == 0x0ac8) ++ours;
  }
  EXPECT_EQ(ours, 298u);
  EXPECT_EQ(nl.stats().failures, 2u);
}

}  // namespace
}  // namespace vigil::vrrp
