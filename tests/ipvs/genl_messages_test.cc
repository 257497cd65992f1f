// The IPVS generic netlink messages byte for byte. The expected bytes are written out here from
// the netlink wire format (struct nlmsghdr, struct genlmsghdr, struct nlattr: little-endian
// lengths and types, 4-byte alignment) and the attribute numbers of linux/ip_vs.h, not from
// libnl, so that a wrong attribute, size, byte order or nesting shows.
#include <gtest/gtest.h>
#include <netlink/msg.h>

#include <cstdint>
#include <initializer_list>
#include <vector>

#include "ipvs/genl_messages.h"

namespace vigil::ipvs {
namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr int kFamily = 0x25;  // any id the controller could hand out

void put16(Bytes& b, std::uint16_t v) {
  b.push_back(v & 0xff);
  b.push_back(v >> 8);
}
void put32(Bytes& b, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back((v >> (8 * i)) & 0xff);
}

// One attribute: header, payload, padding to 4.
Bytes attr(std::uint16_t type, const Bytes& payload) {
  Bytes b;
  put16(b, static_cast<std::uint16_t>(4 + payload.size()));
  put16(b, type);
  b.insert(b.end(), payload.begin(), payload.end());
  while (b.size() % 4 != 0) b.push_back(0);
  return b;
}
// libnl marks nests with NLA_F_NESTED; the kernel masks the flag off (nla_type()).
Bytes nest(std::uint16_t type, const Bytes& payload) { return attr(type | 0x8000, payload); }
Bytes u8(std::uint8_t v) { return {v}; }
Bytes u16(std::uint16_t v) {
  Bytes b;
  put16(b, v);
  return b;
}
Bytes be16(std::uint16_t v) {
  return {static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}
Bytes u32(std::uint32_t v) {
  Bytes b;
  put32(b, v);
  return b;
}
Bytes str(const char* s) {
  Bytes b(s, s + std::char_traits<char>::length(s));
  b.push_back(0);
  return b;
}
Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes b;
  for (const auto& p : parts) b.insert(b.end(), p.begin(), p.end());
  return b;
}
Bytes addr16(std::initializer_list<std::uint8_t> head) {
  Bytes b(16, 0);
  std::size_t i = 0;
  for (std::uint8_t v : head) b.at(i++) = v;
  return b;
}

// nlmsghdr (port and sequence 0: filled in when sent) + genlmsghdr (cmd, version 1).
Bytes message(std::uint16_t type, std::uint16_t flags, std::uint8_t cmd, const Bytes& attrs) {
  Bytes b;
  put32(b, static_cast<std::uint32_t>(16 + 4 + attrs.size()));
  put16(b, type);
  put16(b, flags);
  put32(b, 0);  // seq
  put32(b, 0);  // port
  b.push_back(cmd);
  b.push_back(1);  // version
  put16(b, 0);
  b.insert(b.end(), attrs.begin(), attrs.end());
  return b;
}

Bytes bytes_of(const core::NlMsgPtr& m) {
  EXPECT_TRUE(m);
  if (!m) return {};
  const nlmsghdr* h = nlmsg_hdr(m.get());
  const auto* p = reinterpret_cast<const std::uint8_t*>(h);
  return Bytes(p, p + h->nlmsg_len);
}

core::IpAddress ip(const char* s) { return boost::asio::ip::make_address(s); }

ServiceKey tcp_service() {
  ServiceKey k;
  k.family = core::Family::kIPv4;
  k.protocol = 6;
  k.address = ip("10.0.0.1");
  k.port = 80;
  return k;
}

// Attribute numbers (linux/ip_vs.h).
enum : std::uint16_t {
  kCmdService = 1,
  kCmdDest = 2,
  kCmdDaemon = 3,
  kCmdTimeoutTcp = 4,
  kCmdTimeoutTcpFin = 5,
  kCmdTimeoutUdp = 6,
  kSvcAf = 1,
  kSvcProtocol = 2,
  kSvcAddr = 3,
  kSvcPort = 4,
  kSvcFwmark = 5,
  kSvcSched = 6,
  kSvcFlags = 7,
  kSvcTimeout = 8,
  kSvcNetmask = 9,
  kSvcStats = 10,
  kSvcPe = 11,
  kSvcStats64 = 12,
  kDestAddr = 1,
  kDestPort = 2,
  kDestFwd = 3,
  kDestWeight = 4,
  kDestUThresh = 5,
  kDestLThresh = 6,
  kDestActive = 7,
  kDestInactive = 8,
  kDestPersist = 9,
  kDestAf = 11,
  kDestTunType = 13,
  kDestTunPort = 14,
  kDestTunFlags = 15,
};

Bytes tcp_service_key() {
  return cat({attr(kSvcAf, u16(2)), attr(kSvcProtocol, u16(6)),
              attr(kSvcAddr, addr16({10, 0, 0, 1})), attr(kSvcPort, be16(80))});
}

TEST(GenlMessages, AddServiceCarriesEveryAttributeTheKernelRequires) {
  Op op;
  op.kind = Op::Kind::kAddService;
  op.service = tcp_service();
  op.service_params.scheduler = "wlc";
  op.service_params.flags = kFlagSched1 | kFlagSched2;
  Bytes flags = cat({u32(0x18), u32(0xffffffff)});  // struct ip_vs_flags {flags, mask}
  Bytes expected = message(
      kFamily, 0, /*IPVS_CMD_NEW_SERVICE*/ 1,
      nest(kCmdService,
           cat({tcp_service_key(), attr(kSvcSched, str("wlc")), attr(kSvcFlags, flags),
                attr(kSvcTimeout, u32(0)), attr(kSvcNetmask, Bytes{0xff, 0xff, 0xff, 0xff})})));
  EXPECT_EQ(bytes_of(build_op(kFamily, op)), expected);
}

TEST(GenlMessages, PersistentFwmarkServiceOfIPv6WithEngine) {
  Op op;
  op.kind = Op::Kind::kEditService;
  op.service.family = core::Family::kIPv6;
  op.service.fwmark = 7;
  op.service.address = ip("::");
  op.service_params.scheduler = "sh";
  op.service_params.flags = kFlagPersistent | kFlagHashed;  // the kernel's own flag is never sent
  op.service_params.timeout = 300;
  op.service_params.netmask = 64;  // IPv6: a prefix length, host order
  op.service_params.pe_name = "sip";
  Bytes expected =
      message(kFamily, 0, /*IPVS_CMD_SET_SERVICE*/ 2,
              nest(kCmdService,
                   cat({attr(kSvcAf, u16(10)), attr(kSvcFwmark, u32(7)), attr(kSvcSched, str("sh")),
                        attr(kSvcPe, str("sip")), attr(kSvcFlags, cat({u32(1), u32(0xffffffff)})),
                        attr(kSvcTimeout, u32(300)), attr(kSvcNetmask, u32(64))})));
  EXPECT_EQ(bytes_of(build_op(kFamily, op)), expected);
}

TEST(GenlMessages, IPv4NetmaskTravelsInNetworkOrder) {
  Op op;
  op.kind = Op::Kind::kAddService;
  op.service = tcp_service();
  op.service_params.scheduler = "rr";
  op.service_params.flags = kFlagPersistent;
  op.service_params.timeout = 60;
  op.service_params.netmask = 0xffffff00;
  Bytes got = bytes_of(build_op(kFamily, op));
  Bytes tail = attr(kSvcNetmask, Bytes{0xff, 0xff, 0xff, 0x00});
  ASSERT_GE(got.size(), tail.size());
  EXPECT_EQ(Bytes(got.end() - static_cast<long>(tail.size()), got.end()), tail);
}

TEST(GenlMessages, DeleteServiceIsIdentifiedOnly) {
  Op op;
  op.kind = Op::Kind::kDeleteService;
  op.service = tcp_service();
  EXPECT_EQ(bytes_of(build_op(kFamily, op)),
            message(kFamily, 0, /*IPVS_CMD_DEL_SERVICE*/ 3, nest(kCmdService, tcp_service_key())));
}

TEST(GenlMessages, AddDestinationDirectRouting) {
  Op op;
  op.kind = Op::Kind::kAddDest;
  op.service = tcp_service();
  op.dest = DestKey{ip("10.0.0.2"), 8080};
  op.dest_params.forward = Forward::kRoute;
  op.dest_params.weight = 3;
  op.dest_params.upper_threshold = 100;
  op.dest_params.lower_threshold = 10;
  Bytes expected = message(
      kFamily, 0, /*IPVS_CMD_NEW_DEST*/ 5,
      cat({nest(kCmdService, tcp_service_key()),
           nest(kCmdDest,
                cat({attr(kDestAddr, addr16({10, 0, 0, 2})), attr(kDestPort, be16(8080)),
                     attr(kDestAf, u16(2)), attr(kDestFwd, u32(3)), attr(kDestWeight, u32(3)),
                     attr(kDestUThresh, u32(100)), attr(kDestLThresh, u32(10))}))}));
  EXPECT_EQ(bytes_of(build_op(kFamily, op)), expected);
}

TEST(GenlMessages, EditDestinationTunnelWithGueAndChecksum) {
  Op op;
  op.kind = Op::Kind::kEditDest;
  op.service = tcp_service();
  op.dest = DestKey{ip("fd00::2"), 80};  // an IPv6 real server behind an IPv4 service (TUN)
  op.dest_params.forward = Forward::kTunnel;
  op.dest_params.weight = 0;
  op.dest_params.tunnel_type = 1;  // GUE
  op.dest_params.tunnel_port = 6080;
  op.dest_params.tunnel_flags = 1;  // csum
  Bytes v6 = addr16({0xfd, 0x00});
  v6[15] = 2;
  Bytes expected = message(
      kFamily, 0, /*IPVS_CMD_SET_DEST*/ 6,
      cat({nest(kCmdService, tcp_service_key()),
           nest(kCmdDest,
                cat({attr(kDestAddr, v6), attr(kDestPort, be16(80)), attr(kDestAf, u16(10)),
                     attr(kDestFwd, u32(2)), attr(kDestWeight, u32(0)), attr(kDestUThresh, u32(0)),
                     attr(kDestLThresh, u32(0)), attr(kDestTunType, u8(1)),
                     attr(kDestTunPort, be16(6080)), attr(kDestTunFlags, u16(1))}))}));
  EXPECT_EQ(bytes_of(build_op(kFamily, op)), expected);
}

TEST(GenlMessages, DeleteDestinationIsIdentifiedOnly) {
  Op op;
  op.kind = Op::Kind::kDeleteDest;
  op.service = tcp_service();
  op.dest = DestKey{ip("10.0.0.2"), 80};
  Bytes expected =
      message(kFamily, 0, /*IPVS_CMD_DEL_DEST*/ 7,
              cat({nest(kCmdService, tcp_service_key()),
                   nest(kCmdDest, cat({attr(kDestAddr, addr16({10, 0, 0, 2})),
                                       attr(kDestPort, be16(80)), attr(kDestAf, u16(2))}))}));
  EXPECT_EQ(bytes_of(build_op(kFamily, op)), expected);
}

TEST(GenlMessages, DumpsAndConfiguration) {
  constexpr std::uint16_t kDump = 0x300;  // NLM_F_DUMP
  EXPECT_EQ(bytes_of(build_get_services(kFamily)), message(kFamily, kDump, 4, {}));
  EXPECT_EQ(bytes_of(build_get_dests(kFamily, tcp_service())),
            message(kFamily, kDump, 8, nest(kCmdService, tcp_service_key())));
  EXPECT_EQ(bytes_of(build_flush(kFamily)), message(kFamily, 0, 17, {}));
  // An absent timeout keeps the kernel's value.
  EXPECT_EQ(bytes_of(build_set_timeouts(kFamily, Timeouts{900, 0, 300})),
            message(kFamily, 0, 12,
                    cat({attr(kCmdTimeoutTcp, u32(900)), attr(kCmdTimeoutUdp, u32(300))})));
  (void)kCmdTimeoutTcpFin;
}

TEST(GenlMessages, SyncDaemons) {
  SyncDaemon d;
  d.role = SyncDaemon::Role::kBackup;
  d.interface = "eth1";
  d.sync_id = 51;
  d.max_length = 1472;
  d.group = ip("224.0.0.81");
  d.port = 8848;
  d.ttl = 2;
  Bytes expected =
      message(kFamily, 0, /*IPVS_CMD_NEW_DAEMON*/ 9,
              nest(kCmdDaemon,
                   cat({attr(1, u32(2)), attr(2, str("eth1")), attr(3, u32(51)), attr(4, u16(1472)),
                        attr(5, Bytes{224, 0, 0, 81}), attr(7, be16(8848)), attr(8, u8(2))})));
  EXPECT_EQ(bytes_of(build_new_daemon(kFamily, d)), expected);
  EXPECT_EQ(bytes_of(build_del_daemon(kFamily, SyncDaemon::Role::kMaster)),
            message(kFamily, 0, 10, nest(kCmdDaemon, attr(1, u32(1)))));
}

TEST(GenlMessages, FamilyLookup) {
  EXPECT_EQ(bytes_of(build_get_family("IPVS")),
            message(/*GENL_ID_CTRL*/ 0x10, 0, /*CTRL_CMD_GETFAMILY*/ 3,
                    attr(/*CTRL_ATTR_FAMILY_NAME*/ 2, str("IPVS"))));
  Bytes reply =
      message(0x10, 0, /*CTRL_CMD_NEWFAMILY*/ 1, cat({attr(1, u16(0x25)), attr(2, str("IPVS"))}));
  EXPECT_EQ(parse_family_id(reinterpret_cast<nlmsghdr*>(reply.data())), 0x25);
}

// A service as the kernel dumps it (ip_vs_genl_fill_service): HASHED set, stats of both sizes.
Bytes dumped_service(bool with_af = true) {
  Bytes stats64 = cat({attr(1, cat({u32(5), u32(0)})), attr(2, cat({u32(40), u32(0)})),
                       attr(3, cat({u32(30), u32(0)})), attr(4, cat({u32(4000), u32(0)})),
                       attr(5, cat({u32(3000), u32(0)}))});
  Bytes body = cat({with_af ? attr(kSvcAf, u16(2)) : Bytes{}, attr(kSvcProtocol, u16(6)),
                    attr(kSvcAddr, addr16({10, 0, 0, 1})), attr(kSvcPort, be16(80)),
                    attr(kSvcSched, str("wrr")),
                    attr(kSvcFlags, cat({u32(kFlagPersistent | kFlagHashed), u32(0xffffffff)})),
                    attr(kSvcTimeout, u32(360)), attr(kSvcNetmask, Bytes{0xff, 0xff, 0xff, 0x00}),
                    attr(kSvcStats, attr(1, u32(1))), attr(kSvcStats64, stats64)});
  return message(kFamily, 0, /*IPVS_CMD_NEW_SERVICE*/ 1, nest(kCmdService, body));
}

TEST(GenlMessages, ParsesADumpedService) {
  Bytes m = dumped_service();
  auto s = parse_service(reinterpret_cast<nlmsghdr*>(m.data()));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->first, tcp_service());
  EXPECT_EQ(s->second.params.scheduler, "wrr");
  EXPECT_EQ(s->second.params.flags, kFlagPersistent);  // HASHED is the kernel's business
  EXPECT_EQ(s->second.params.timeout, 360u);
  EXPECT_EQ(s->second.params.netmask, 0xffffff00u);
  EXPECT_EQ(s->second.counters.connections, 5u);  // the 64-bit set wins
  EXPECT_EQ(s->second.counters.bytes_out, 3000u);
}

TEST(GenlMessages, RejectsMalformedServices) {
  Bytes no_af = dumped_service(false);
  EXPECT_FALSE(parse_service(reinterpret_cast<nlmsghdr*>(no_af.data())));
  // An attribute of the wrong size: FLAGS is struct ip_vs_flags (8 bytes), not a u32.
  Bytes body =
      cat({attr(kSvcAf, u16(2)), attr(kSvcProtocol, u16(6)), attr(kSvcAddr, addr16({10, 0, 0, 1})),
           attr(kSvcPort, be16(80)), attr(kSvcSched, str("wrr")), attr(kSvcFlags, u32(0)),
           attr(kSvcTimeout, u32(0)), attr(kSvcNetmask, u32(0xffffffff))});
  Bytes m = message(kFamily, 0, 1, nest(kCmdService, body));
  EXPECT_FALSE(parse_service(reinterpret_cast<nlmsghdr*>(m.data())));
  // An unknown address family.
  Bytes af = message(kFamily, 0, 1,
                     nest(kCmdService, cat({attr(kSvcAf, u16(99)), attr(kSvcFwmark, u32(1))})));
  EXPECT_FALSE(parse_service(reinterpret_cast<nlmsghdr*>(af.data())));
  // Another command.
  Bytes dest = message(kFamily, 0, 5, {});
  EXPECT_FALSE(parse_service(reinterpret_cast<nlmsghdr*>(dest.data())));
}

TEST(GenlMessages, ParsesADumpedDestination) {
  Bytes body =
      cat({attr(kDestAddr, addr16({10, 0, 0, 2})), attr(kDestPort, be16(8080)),
           attr(kDestFwd, u32(0)), attr(kDestWeight, u32(7)), attr(kDestTunType, u8(0)),
           attr(kDestTunPort, be16(0)), attr(kDestTunFlags, u16(0)), attr(kDestUThresh, u32(9)),
           attr(kDestLThresh, u32(1)), attr(kDestActive, u32(12)), attr(kDestInactive, u32(3)),
           attr(kDestPersist, u32(0)), attr(kDestAf, u16(2))});
  Bytes m = message(kFamily, 0, /*IPVS_CMD_NEW_DEST*/ 5, nest(kCmdDest, body));
  auto d = parse_dest(reinterpret_cast<nlmsghdr*>(m.data()));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->first, (DestKey{ip("10.0.0.2"), 8080}));
  EXPECT_EQ(d->second.params.forward, Forward::kMasq);
  EXPECT_EQ(d->second.params.weight, 7u);
  EXPECT_EQ(d->second.params.upper_threshold, 9u);
  EXPECT_EQ(d->second.params.lower_threshold, 1u);
  EXPECT_EQ(d->second.active_connections, 12u);
  EXPECT_EQ(d->second.inactive_connections, 3u);
}

TEST(GenlMessages, RoundTripsWhatItBuilds) {
  // What we send as an add parses back (as the kernel would report it) to the same values.
  Op op;
  op.kind = Op::Kind::kAddDest;
  op.service = tcp_service();
  op.dest = DestKey{ip("fd00::9"), 443};
  op.dest_params.forward = Forward::kTunnel;
  op.dest_params.weight = 5;
  op.dest_params.tunnel_type = 2;
  op.dest_params.tunnel_flags = 2;
  Bytes sent = bytes_of(build_op(kFamily, op));
  // Rewrite the command into a NEW_DEST reply with only the DEST nest.
  auto* h = reinterpret_cast<nlmsghdr*>(sent.data());
  auto* g = static_cast<std::uint8_t*>(nlmsg_data(h));
  g[0] = 5;
  auto d = parse_dest(h);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->first, op.dest);
  EXPECT_EQ(d->second.params, op.dest_params);
}

}  // namespace
}  // namespace vigil::ipvs
