// use_vmac against a real kernel, in a network namespace (root).

#include "vrrp/vmac.h"

#include <gtest/gtest.h>

#include "interface_netns_fixture.h"

namespace vigil::vrrp {
namespace {

using testing::contains;

class VmacNetns : public testing::InterfaceNetnsTest {
 protected:
  Vmac::Options options(std::uint8_t vrid = 7) {
    Vmac::Options o;
    o.instance = "VI_1";
    o.name = default_vmac_name(vrid);
    o.base = "eth0";
    o.vrid = vrid;
    return o;
  }

  static int sysctl(const std::string& path) { return SysctlRestorer::read(path).value_or(-1); }

  SysctlRestorer sysctls_;
};

TEST_F(VmacNetns, CreatesPrivateMacvlanWithRfcMacAndRestoresSysctls) {
  // A non-zero all.rp_filter must be cleared without changing other interfaces' behaviour.
  ASSERT_FALSE(SysctlRestorer::write("net/ipv4/conf/all/rp_filter", 1));
  ASSERT_FALSE(SysctlRestorer::write("net/ipv4/conf/eth0/rp_filter", 0));
  ASSERT_FALSE(SysctlRestorer::write("net/ipv4/conf/eth0/arp_ignore", 0));
  ASSERT_FALSE(SysctlRestorer::write("net/ipv4/conf/eth0/arp_filter", 0));
  const int default_rp = sysctl("net/ipv4/conf/default/rp_filter");
  {
    Vmac vmac(nl_, *table_, sysctls_, options());
    ASSERT_FALSE(vmac.create());
    EXPECT_TRUE(vmac.created());
    std::string link = out(ip("-d link show vrrp.7"));
    EXPECT_TRUE(contains(link, "vrrp.7@eth0")) << link;
    EXPECT_TRUE(contains(link, "link/ether 00:00:5e:00:01:07")) << link;
    EXPECT_TRUE(contains(link, "macvlan mode private")) << link;
    EXPECT_TRUE(contains(link, "UP")) << link;
    EXPECT_EQ(table_->find("vrrp.7")->index, vmac.index());
    EXPECT_EQ(sysctl("net/ipv4/conf/vrrp.7/arp_ignore"), 1);
    EXPECT_EQ(sysctl("net/ipv4/conf/vrrp.7/accept_local"), 1);
    EXPECT_EQ(sysctl("net/ipv4/conf/vrrp.7/rp_filter"), 0);
    EXPECT_EQ(sysctl("net/ipv6/conf/vrrp.7/disable_ipv6"), 1);
    EXPECT_EQ(sysctl("net/ipv4/conf/eth0/arp_ignore"), 1);
    EXPECT_EQ(sysctl("net/ipv4/conf/eth0/arp_filter"), 1);
    EXPECT_EQ(sysctl("net/ipv4/conf/all/rp_filter"), 0);
    EXPECT_EQ(sysctl("net/ipv4/conf/eth0/rp_filter"), 1);  // raised to the old `all`
    EXPECT_GE(sysctl("net/ipv4/conf/default/rp_filter"), 1);
    ASSERT_FALSE(vmac.destroy());
    EXPECT_FALSE(vmac.created());
    ASSERT_FALSE(vmac.destroy());  // idempotent
  }
  EXPECT_FALSE(contains(out(ip("link show")), "vrrp.7"));
  EXPECT_EQ(sysctl("net/ipv4/conf/eth0/arp_ignore"), 0);
  EXPECT_EQ(sysctl("net/ipv4/conf/eth0/arp_filter"), 0);
  EXPECT_EQ(sysctl("net/ipv4/conf/all/rp_filter"), 1);
  EXPECT_EQ(sysctl("net/ipv4/conf/eth0/rp_filter"), 0);
  EXPECT_EQ(sysctl("net/ipv4/conf/default/rp_filter"), default_rp);
}

TEST_F(VmacNetns, BaseParametersRestoredOnlyWhenTheLastVmacGoes) {
  ASSERT_FALSE(SysctlRestorer::write("net/ipv4/conf/eth0/arp_ignore", 0));
  Vmac a(nl_, *table_, sysctls_, options(1));
  Vmac b(nl_, *table_, sysctls_, options(2));
  ASSERT_FALSE(a.create());
  ASSERT_FALSE(b.create());
  ASSERT_FALSE(a.destroy());
  EXPECT_EQ(sysctl("net/ipv4/conf/eth0/arp_ignore"), 1);
  ASSERT_FALSE(b.destroy());
  EXPECT_EQ(sysctl("net/ipv4/conf/eth0/arp_ignore"), 0);
}

TEST_F(VmacNetns, Ipv6VmacHasNoEui64LinkLocalButTheBaseOne) {
  auto o = options(9);
  o.family = core::Family::kIPv6;
  Vmac vmac(nl_, *table_, sysctls_, o);
  ASSERT_FALSE(vmac.create());
  std::string link = out(ip("-d link show vrrp.9"));
  EXPECT_TRUE(contains(link, "00:00:5e:00:02:09")) << link;
  EXPECT_TRUE(contains(link, "addrgenmode none")) << link;
  const auto base_ll = table_->link_local_ipv6(table_->find("eth0")->index);
  ASSERT_TRUE(base_ll);
  std::string addrs = out(ip("-6 addr show dev vrrp.9"));
  EXPECT_TRUE(contains(addrs, base_ll->to_string() + "/64")) << addrs;
  EXPECT_FALSE(contains(addrs, "fe80::200:5eff:fe00:209")) << addrs;
}

TEST_F(VmacNetns, ExistingInterfaceOfThatName) {
  // A macvlan with the right base and MAC is reused.
  ASSERT_EQ(sh(ip("link add link eth0 name vrrp.7 address 00:00:5e:00:01:07 type macvlan mode "
                  "private")),
            0);
  ASSERT_FALSE(table_->refresh("vrrp.7"));
  const int old_index = table_->find("vrrp.7")->index;
  {
    Vmac vmac(nl_, *table_, sysctls_, options(7));
    ASSERT_FALSE(vmac.create());
    EXPECT_EQ(vmac.index(), old_index);
  }
  EXPECT_FALSE(contains(out(ip("link show")), "vrrp.7"));  // deleted at destruction

  // A macvlan with another MAC is replaced.
  ASSERT_EQ(sh(ip("link add link eth0 name vrrp.8 address 02:00:00:00:00:08 type macvlan")), 0);
  {
    Vmac vmac(nl_, *table_, sysctls_, options(8));
    ASSERT_FALSE(vmac.create());
    EXPECT_TRUE(contains(out(ip("link show vrrp.8")), "00:00:5e:00:01:08"));
  }

  // Anything else is left alone.
  ASSERT_EQ(sh(ip("link add vrrp.9 type veth peer name other9")), 0);
  Vmac vmac(nl_, *table_, sysctls_, options(9));
  EXPECT_EQ(vmac.create(), std::errc::file_exists);
  EXPECT_FALSE(vmac.created());
  EXPECT_TRUE(contains(out(ip("link show vrrp.9")), "vrrp.9@other9"));
}

}  // namespace
}  // namespace vigil::vrrp
