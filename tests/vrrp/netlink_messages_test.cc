// Pure message building and parsing: no kernel, no privileges.

#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <sys/socket.h>

#include <cstring>

#include <gtest/gtest.h>

#include "core/netlink.h"
#include "vrrp/addresses.h"
#include "vrrp/vmac.h"

namespace vigil::vrrp {
namespace {

config::VirtualAddress vip(const char* text) {
  config::VirtualAddress a;
  a.address = *core::parse_ip_prefix(text);
  return a;
}

TEST(AddressMessage, Ipv4AddCarriesLocalAddressBroadcastLabelScope) {
  auto a = vip("10.0.0.1/32");
  a.broadcast = core::parse_ip_address("10.0.0.255");
  a.label = "eth0:vip";
  a.scope = "link";
  auto msg = build_address_message(a, 7, true);
  ASSERT_TRUE(msg);
  nlmsghdr* h = nlmsg_hdr(msg.get());
  EXPECT_EQ(h->nlmsg_type, RTM_NEWADDR);
  EXPECT_EQ(h->nlmsg_flags & (NLM_F_CREATE | NLM_F_EXCL), NLM_F_CREATE | NLM_F_EXCL);
  auto* ifa = static_cast<ifaddrmsg*>(nlmsg_data(h));
  EXPECT_EQ(ifa->ifa_family, AF_INET);
  EXPECT_EQ(ifa->ifa_prefixlen, 32);
  EXPECT_EQ(ifa->ifa_index, 7u);
  EXPECT_EQ(ifa->ifa_scope, RT_SCOPE_LINK);
  nlattr* tb[IFA_MAX + 1] = {};
  ASSERT_EQ(nlmsg_parse(h, sizeof(ifaddrmsg), tb, IFA_MAX, nullptr), 0);
  ASSERT_TRUE(tb[IFA_LOCAL]);
  ASSERT_TRUE(tb[IFA_ADDRESS]);
  ASSERT_TRUE(tb[IFA_BROADCAST]);
  EXPECT_STREQ(static_cast<const char*>(nla_data(tb[IFA_LABEL])), "eth0:vip");
  EXPECT_FALSE(tb[IFA_FLAGS]);      // no flags for a plain IPv4 VIP
  EXPECT_FALSE(tb[IFA_CACHEINFO]);  // lifetimes are IPv6 only

  // The parser used by the monitor reads the same message back.
  auto ev = core::parse_address_message(h);
  ASSERT_TRUE(ev);
  EXPECT_FALSE(ev->removed);
  EXPECT_EQ(ev->address.local.str(), "10.0.0.1/32");
  EXPECT_EQ(ev->address.index, 7);
  EXPECT_EQ(ev->address.label, "eth0:vip");
  EXPECT_EQ(ev->address.broadcast->to_string(), "10.0.0.255");
  EXPECT_FALSE(ev->address.peer);
}

TEST(AddressMessage, Ipv4DeleteMatchesTheAddressOnly) {
  auto a = vip("10.0.0.1/32");
  a.label = "x";
  auto msg = build_address_message(a, 7, false);
  ASSERT_TRUE(msg);
  nlmsghdr* h = nlmsg_hdr(msg.get());
  EXPECT_EQ(h->nlmsg_type, RTM_DELADDR);
  nlattr* tb[IFA_MAX + 1] = {};
  ASSERT_EQ(nlmsg_parse(h, sizeof(ifaddrmsg), tb, IFA_MAX, nullptr), 0);
  EXPECT_TRUE(tb[IFA_LOCAL]);
  EXPECT_TRUE(tb[IFA_ADDRESS]);
  EXPECT_FALSE(tb[IFA_LABEL]);
}

TEST(AddressMessage, Ipv6HostVipIsNodadAndDeprecatedLikeKeepalived) {
  auto a = vip("2001:db8::1/128");
  a.preferred_lft = 0;  // what the parser sets for a /128
  auto msg = build_address_message(a, 3, true);
  ASSERT_TRUE(msg);
  nlmsghdr* h = nlmsg_hdr(msg.get());
  auto* ifa = static_cast<ifaddrmsg*>(nlmsg_data(h));
  EXPECT_EQ(ifa->ifa_family, AF_INET6);
  EXPECT_EQ(ifa->ifa_prefixlen, 128);
  EXPECT_TRUE(ifa->ifa_flags & IFA_F_NODAD);
  nlattr* tb[IFA_MAX + 1] = {};
  ASSERT_EQ(nlmsg_parse(h, sizeof(ifaddrmsg), tb, IFA_MAX, nullptr), 0);
  ASSERT_TRUE(tb[IFA_FLAGS]);
  EXPECT_TRUE(nla_get_u32(tb[IFA_FLAGS]) & IFA_F_NODAD);
  ASSERT_TRUE(tb[IFA_CACHEINFO]);
  ifa_cacheinfo ci;
  std::memcpy(&ci, nla_data(tb[IFA_CACHEINFO]), sizeof(ci));
  EXPECT_EQ(ci.ifa_prefered, 0u);
  EXPECT_EQ(ci.ifa_valid, 0xffffffffu);
}

TEST(AddressMessage, Ipv6MinusNodadKeepsDad) {
  auto a = vip("2001:db8::1/64");
  a.nodad = true;  // "-nodad"
  a.noprefixroute = true;
  auto msg = build_address_message(a, 3, true);
  ASSERT_TRUE(msg);
  nlmsghdr* h = nlmsg_hdr(msg.get());
  nlattr* tb[IFA_MAX + 1] = {};
  ASSERT_EQ(nlmsg_parse(h, sizeof(ifaddrmsg), tb, IFA_MAX, nullptr), 0);
  ASSERT_TRUE(tb[IFA_FLAGS]);
  EXPECT_EQ(nla_get_u32(tb[IFA_FLAGS]), static_cast<std::uint32_t>(IFA_F_NOPREFIXROUTE));
  EXPECT_FALSE(tb[IFA_CACHEINFO]);  // preferred_lft forever
}

TEST(RouteMessage, GatewayRouteInABigTableTaggedKeepalived) {
  config::Route r;
  r.to = core::parse_ip_prefix("10.9.0.0/16");
  r.via = core::parse_ip_address("10.0.0.254");
  r.table = "1000";
  r.metric = 5;
  r.mtu = 1400;
  r.mtu_lock = true;
  r.options.emplace_back("advmss", "lock 1360");
  r.options.emplace_back("rtt", "10ms");  // time units: not supported
  std::string error;
  std::vector<std::string> unsupported;
  auto msg = build_route_message(r, 4, {}, true, error, unsupported);
  ASSERT_TRUE(msg) << error;
  EXPECT_EQ(unsupported, std::vector<std::string>{"rtt 10ms"});
  nlmsghdr* h = nlmsg_hdr(msg.get());
  auto* rtm = static_cast<rtmsg*>(nlmsg_data(h));
  EXPECT_EQ(rtm->rtm_family, AF_INET);
  EXPECT_EQ(rtm->rtm_dst_len, 16);
  EXPECT_EQ(rtm->rtm_table, RT_TABLE_UNSPEC);
  EXPECT_EQ(rtm->rtm_protocol, kRtprotKeepalived);
  EXPECT_EQ(rtm->rtm_scope, RT_SCOPE_UNIVERSE);
  EXPECT_EQ(rtm->rtm_type, RTN_UNICAST);
  nlattr* tb[RTA_MAX + 1] = {};
  ASSERT_EQ(nlmsg_parse(h, sizeof(rtmsg), tb, RTA_MAX, nullptr), 0);
  EXPECT_EQ(nla_get_u32(tb[RTA_TABLE]), 1000u);
  EXPECT_EQ(nla_get_u32(tb[RTA_OIF]), 4u);
  EXPECT_EQ(nla_get_u32(tb[RTA_PRIORITY]), 5u);
  ASSERT_TRUE(tb[RTA_GATEWAY]);
  ASSERT_TRUE(tb[RTA_METRICS]);
  nlattr* mx[RTAX_MAX + 1] = {};
  ASSERT_EQ(nla_parse_nested(mx, RTAX_MAX, tb[RTA_METRICS], nullptr), 0);
  EXPECT_EQ(nla_get_u32(mx[RTAX_MTU]), 1400u);
  EXPECT_EQ(nla_get_u32(mx[RTAX_ADVMSS]), 1360u);
  EXPECT_EQ(nla_get_u32(mx[RTAX_LOCK]), (1u << RTAX_MTU) | (1u << RTAX_ADVMSS));
}

TEST(RouteMessage, ConnectedRouteIsLinkScopeAndDeleteMatchesAnyScope) {
  config::Route r;
  r.to = core::parse_ip_prefix("192.168.5.0/24");
  r.dev = "eth0";
  std::string error;
  std::vector<std::string> unsupported;
  auto add = build_route_message(r, 2, {}, true, error, unsupported);
  ASSERT_TRUE(add);
  EXPECT_EQ(static_cast<rtmsg*>(nlmsg_data(nlmsg_hdr(add.get())))->rtm_scope, RT_SCOPE_LINK);
  EXPECT_EQ(static_cast<rtmsg*>(nlmsg_data(nlmsg_hdr(add.get())))->rtm_table, RT_TABLE_MAIN);
  auto del = build_route_message(r, 2, {}, false, error, unsupported);
  ASSERT_TRUE(del);
  EXPECT_EQ(nlmsg_hdr(del.get())->nlmsg_type, RTM_DELROUTE);
  EXPECT_EQ(static_cast<rtmsg*>(nlmsg_data(nlmsg_hdr(del.get())))->rtm_scope, RT_SCOPE_NOWHERE);
}

TEST(RouteMessage, MultipathNexthops) {
  config::Route r;
  r.to = core::parse_ip_prefix("10.20.0.0/16");
  config::Nexthop a, b;
  a.via = core::parse_ip_address("10.0.0.1");
  a.weight = 2;
  b.via = core::parse_ip_address("10.0.0.2");
  r.nexthops = {a, b};
  std::string error;
  std::vector<std::string> unsupported;
  auto msg = build_route_message(r, 0, {5, 6}, true, error, unsupported);
  ASSERT_TRUE(msg) << error;
  nlattr* tb[RTA_MAX + 1] = {};
  ASSERT_EQ(nlmsg_parse(nlmsg_hdr(msg.get()), sizeof(rtmsg), tb, RTA_MAX, nullptr), 0);
  ASSERT_TRUE(tb[RTA_MULTIPATH]);
  auto* nh = static_cast<rtnexthop*>(nla_data(tb[RTA_MULTIPATH]));
  int left = nla_len(tb[RTA_MULTIPATH]);
  std::vector<std::pair<int, int>> seen;  // ifindex, hops
  while (left >= static_cast<int>(sizeof(rtnexthop)) && nh->rtnh_len >= sizeof(rtnexthop)) {
    seen.emplace_back(nh->rtnh_ifindex, nh->rtnh_hops);
    EXPECT_GT(nh->rtnh_len, sizeof(rtnexthop));  // carries RTA_GATEWAY
    left -= RTNH_ALIGN(nh->rtnh_len);
    nh = RTNH_NEXT(nh);
  }
  EXPECT_EQ(seen, (std::vector<std::pair<int, int>>{{5, 1}, {6, 0}}));
}

TEST(RuleMessage, FromLookupTablePreference) {
  config::Rule r;
  r.from = core::parse_ip_prefix("10.0.0.0/24");
  r.action = "lookup";
  r.table = "100";
  r.preference = 200;
  r.fwmark = 7;
  r.uidrange = "1000-2000";
  r.sport = "1024-2048";
  std::string error;
  std::vector<std::string> unsupported;
  auto msg = build_rule_message(r, true, error, unsupported);
  ASSERT_TRUE(msg) << error;
  EXPECT_TRUE(unsupported.empty());
  nlmsghdr* h = nlmsg_hdr(msg.get());
  EXPECT_EQ(h->nlmsg_type, RTM_NEWRULE);
  auto* frh = static_cast<fib_rule_hdr*>(nlmsg_data(h));
  EXPECT_EQ(frh->action, FR_ACT_TO_TBL);
  EXPECT_EQ(frh->src_len, 24);
  EXPECT_EQ(frh->table, 100);
  nlattr* tb[FRA_MAX + 1] = {};
  ASSERT_EQ(nlmsg_parse(h, sizeof(fib_rule_hdr), tb, FRA_MAX, nullptr), 0);
  EXPECT_EQ(nla_get_u32(tb[FRA_PRIORITY]), 200u);
  EXPECT_EQ(nla_get_u32(tb[FRA_TABLE]), 100u);
  EXPECT_EQ(nla_get_u32(tb[FRA_FWMARK]), 7u);
  EXPECT_EQ(nla_get_u8(tb[FRA_PROTOCOL]), kRtprotKeepalived);
  EXPECT_TRUE(tb[FRA_SRC]);
  EXPECT_TRUE(tb[FRA_UID_RANGE]);
  EXPECT_TRUE(tb[FRA_SPORT_RANGE]);
}

TEST(RuleMessage, UnknownTableIsAnError) {
  config::Rule r;
  r.action = "lookup";
  r.table = "no-such-table-anywhere";
  std::string error;
  std::vector<std::string> unsupported;
  EXPECT_FALSE(build_rule_message(r, true, error, unsupported));
  EXPECT_NE(error.find("no-such-table-anywhere"), std::string::npos);
}

TEST(Names, ScopesTablesProtocolsTypes) {
  EXPECT_EQ(parse_scope("host"), RT_SCOPE_HOST);
  EXPECT_EQ(parse_scope("link"), RT_SCOPE_LINK);
  EXPECT_EQ(parse_scope("global"), RT_SCOPE_UNIVERSE);
  EXPECT_EQ(parse_scope("200"), 200);
  EXPECT_FALSE(parse_scope("galaxy"));
  EXPECT_EQ(parse_route_table("main"), RT_TABLE_MAIN);
  EXPECT_EQ(parse_route_table("local"), RT_TABLE_LOCAL);
  EXPECT_EQ(parse_route_table("0x10"), 16u);
  EXPECT_EQ(parse_route_protocol("keepalived"), 18);
  EXPECT_EQ(parse_route_protocol("static"), RTPROT_STATIC);
  EXPECT_EQ(parse_route_type("blackhole"), RTN_BLACKHOLE);
  EXPECT_FALSE(parse_route_type("teleport"));
}

TEST(Vmac, NamesAndRfc5798Macs) {
  EXPECT_EQ(default_vmac_name(7), "vrrp.7");
  EXPECT_EQ(default_vmac_name(51, "vm."), "vm.51");
  EXPECT_EQ(core::mac_to_string(virtual_router_mac(core::Family::kIPv4, 7)), "00:00:5e:00:01:07");
  EXPECT_EQ(core::mac_to_string(virtual_router_mac(core::Family::kIPv6, 255)), "00:00:5e:00:02:ff");
  EXPECT_EQ(parse_mac("02:AB:cd:00:01:ff"), (core::MacAddress{0x02, 0xab, 0xcd, 0x00, 0x01, 0xff}));
  EXPECT_EQ(parse_mac("02-ab-cd-00-01-ff"), (core::MacAddress{0x02, 0xab, 0xcd, 0x00, 0x01, 0xff}));
  EXPECT_FALSE(parse_mac("02:ab:cd:00:01"));
  EXPECT_FALSE(parse_mac("02:ab:cd:00:01:fg"));
}

TEST(Vmac, MacvlanMessageIsPrivateModeOnTheBase) {
  auto msg = build_macvlan_message("vrrp.7", 3, virtual_router_mac(core::Family::kIPv4, 7));
  ASSERT_TRUE(msg);
  nlmsghdr* h = nlmsg_hdr(msg.get());
  EXPECT_EQ(h->nlmsg_type, RTM_NEWLINK);
  EXPECT_EQ(h->nlmsg_flags & (NLM_F_CREATE | NLM_F_EXCL), NLM_F_CREATE | NLM_F_EXCL);
  nlattr* tb[IFLA_MAX + 1] = {};
  ASSERT_EQ(nlmsg_parse(h, sizeof(ifinfomsg), tb, IFLA_MAX, nullptr), 0);
  EXPECT_STREQ(static_cast<const char*>(nla_data(tb[IFLA_IFNAME])), "vrrp.7");
  EXPECT_EQ(nla_get_u32(tb[IFLA_LINK]), 3u);
  ASSERT_EQ(nla_len(tb[IFLA_ADDRESS]), 6);
  // The link parser (used for the monitor) reads kind and mode back.
  h->nlmsg_type = RTM_NEWLINK;
  auto* ifi = static_cast<ifinfomsg*>(nlmsg_data(h));
  ifi->ifi_index = 9;
  auto ev = core::parse_link_message(h);
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->link.name, "vrrp.7");
  EXPECT_EQ(ev->link.kind, "macvlan");
  EXPECT_EQ(ev->link.macvlan_mode, static_cast<std::uint32_t>(MACVLAN_MODE_PRIVATE));
  EXPECT_EQ(ev->link.parent, 3);
  EXPECT_EQ(ev->link.mac(), virtual_router_mac(core::Family::kIPv4, 7));
}

TEST(Errors, IdempotentOutcomes) {
  EXPECT_TRUE(core::is_already_exists({EEXIST, std::system_category()}));
  EXPECT_TRUE(core::is_already_absent({EADDRNOTAVAIL, std::system_category()}));
  EXPECT_TRUE(core::is_already_absent({ESRCH, std::system_category()}));
  EXPECT_TRUE(core::is_already_absent({ENOENT, std::system_category()}));
  EXPECT_TRUE(core::is_already_absent({ENODEV, std::system_category()}));
  EXPECT_FALSE(core::is_already_absent({EPERM, std::system_category()}));
}

}  // namespace
}  // namespace vigil::vrrp
