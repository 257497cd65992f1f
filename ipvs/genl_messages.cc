#include "ipvs/genl_messages.h"

#include <arpa/inet.h>
#include <linux/genetlink.h>
#include <linux/ip_vs.h>
#include <netinet/in.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <sys/socket.h>

#include <array>
#include <cstring>

namespace vigil::ipvs {

namespace {

using core::NlMsgPtr;

std::uint16_t af_of(core::Family f) { return f == core::Family::kIPv6 ? AF_INET6 : AF_INET; }

// union nf_inet_addr: 16 bytes, an IPv4 address in the first four.
std::array<std::uint8_t, 16> inet_addr_bytes(const core::IpAddress& a) {
  std::array<std::uint8_t, 16> out{};
  if (a.is_v4()) {
    const auto b = a.to_v4().to_bytes();
    std::memcpy(out.data(), b.data(), b.size());
  } else {
    const auto b = a.to_v6().to_bytes();
    std::memcpy(out.data(), b.data(), b.size());
  }
  return out;
}

// Room for any IPVS request: the largest, a destination with its service's key, is under 300
// bytes (names are at most 16). nlmsg_alloc() would calloc a page per message, and a push
// builds thousands of messages at a time.
constexpr std::size_t kRequestRoom = 512;

NlMsgPtr start(int family, std::uint8_t cmd, int flags = 0) {
  NlMsgPtr msg(nlmsg_alloc_size(kRequestRoom));
  if (!msg) return nullptr;
  if (genlmsg_put(msg.get(), NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, flags, cmd, kFamilyVersion) ==
      nullptr) {
    return nullptr;
  }
  return msg;
}

bool put_service_key(nl_msg* m, const ServiceKey& k) {
  if (nla_put_u16(m, IPVS_SVC_ATTR_AF, af_of(k.family)) < 0) return false;
  if (k.is_fwmark()) return nla_put_u32(m, IPVS_SVC_ATTR_FWMARK, k.fwmark) == 0;
  const auto addr = inet_addr_bytes(k.address);
  return nla_put_u16(m, IPVS_SVC_ATTR_PROTOCOL, k.protocol) == 0 &&
         nla_put(m, IPVS_SVC_ATTR_ADDR, static_cast<int>(addr.size()), addr.data()) == 0 &&
         nla_put_u16(m, IPVS_SVC_ATTR_PORT, htons(k.port)) == 0;
}

bool put_service_params(nl_msg* m, const ServiceKey& k, const ServiceParams& p) {
  // The mask says which flags the value sets: all of them (libipvs does the same).
  ip_vs_flags flags{p.flags & ~kFlagHashed, ~0U};
  const std::uint32_t netmask = k.family == core::Family::kIPv4 ? htonl(p.netmask) : p.netmask;
  if (nla_put_string(m, IPVS_SVC_ATTR_SCHED_NAME, p.scheduler.c_str()) < 0) return false;
  if (!p.pe_name.empty() && nla_put_string(m, IPVS_SVC_ATTR_PE_NAME, p.pe_name.c_str()) < 0) {
    return false;
  }
  return nla_put(m, IPVS_SVC_ATTR_FLAGS, sizeof(flags), &flags) == 0 &&
         nla_put_u32(m, IPVS_SVC_ATTR_TIMEOUT, p.timeout) == 0 &&
         nla_put_u32(m, IPVS_SVC_ATTR_NETMASK, netmask) == 0;
}

bool put_service(nl_msg* m, const ServiceKey& k, const ServiceParams* params) {
  nlattr* nest = nla_nest_start(m, IPVS_CMD_ATTR_SERVICE);
  if (nest == nullptr || !put_service_key(m, k)) return false;
  if (params != nullptr && !put_service_params(m, k, *params)) return false;
  return nla_nest_end(m, nest) == 0;
}

bool put_dest(nl_msg* m, const DestKey& k, const DestParams* p) {
  nlattr* nest = nla_nest_start(m, IPVS_CMD_ATTR_DEST);
  if (nest == nullptr) return false;
  const auto addr = inet_addr_bytes(k.address);
  if (nla_put(m, IPVS_DEST_ATTR_ADDR, static_cast<int>(addr.size()), addr.data()) < 0 ||
      nla_put_u16(m, IPVS_DEST_ATTR_PORT, htons(k.port)) < 0 ||
      nla_put_u16(m, IPVS_DEST_ATTR_ADDR_FAMILY, af_of(core::family_of(k.address))) < 0) {
    return false;
  }
  if (p != nullptr) {
    if (nla_put_u32(m, IPVS_DEST_ATTR_FWD_METHOD, static_cast<std::uint32_t>(p->forward)) < 0 ||
        nla_put_u32(m, IPVS_DEST_ATTR_WEIGHT, p->weight) < 0 ||
        nla_put_u32(m, IPVS_DEST_ATTR_U_THRESH, p->upper_threshold) < 0 ||
        nla_put_u32(m, IPVS_DEST_ATTR_L_THRESH, p->lower_threshold) < 0) {
      return false;
    }
    // Tunnel options mean something only to a tunnel (kernel 5.2 and later); others leave
    // them out, so that older kernels see what ipvsadm of their time sent.
    if (p->forward == Forward::kTunnel &&
        (nla_put_u8(m, IPVS_DEST_ATTR_TUN_TYPE, p->tunnel_type) < 0 ||
         nla_put_u16(m, IPVS_DEST_ATTR_TUN_PORT, htons(p->tunnel_port)) < 0 ||
         nla_put_u16(m, IPVS_DEST_ATTR_TUN_FLAGS, p->tunnel_flags) < 0)) {
      return false;
    }
  }
  return nla_nest_end(m, nest) == 0;
}

std::uint8_t command_of(Op::Kind k) {
  switch (k) {
    case Op::Kind::kAddService:
      return IPVS_CMD_NEW_SERVICE;
    case Op::Kind::kEditService:
      return IPVS_CMD_SET_SERVICE;
    case Op::Kind::kDeleteService:
      return IPVS_CMD_DEL_SERVICE;
    case Op::Kind::kAddDest:
      return IPVS_CMD_NEW_DEST;
    case Op::Kind::kEditDest:
      return IPVS_CMD_SET_DEST;
    case Op::Kind::kDeleteDest:
      return IPVS_CMD_DEL_DEST;
  }
  return IPVS_CMD_UNSPEC;
}

// ---- parsing ----

template <typename T>
std::optional<T> get(const nlattr* a) {
  if (a == nullptr || nla_len(a) < static_cast<int>(sizeof(T))) return std::nullopt;
  T v;
  std::memcpy(&v, nla_data(a), sizeof(T));
  return v;
}

std::optional<core::IpAddress> get_address(const nlattr* a, std::uint16_t af) {
  if (a == nullptr) return std::nullopt;
  const int len = nla_len(a);
  if (af == AF_INET && len >= 4) {
    boost::asio::ip::address_v4::bytes_type b;
    std::memcpy(b.data(), nla_data(a), b.size());
    return core::IpAddress(boost::asio::ip::address_v4(b));
  }
  if (af == AF_INET6 && len >= 16) {
    boost::asio::ip::address_v6::bytes_type b;
    std::memcpy(b.data(), nla_data(a), b.size());
    return core::IpAddress(boost::asio::ip::address_v6(b));
  }
  return std::nullopt;
}

std::optional<core::Family> family_of_af(std::uint16_t af) {
  if (af == AF_INET) return core::Family::kIPv4;
  if (af == AF_INET6) return core::Family::kIPv6;
  return std::nullopt;
}

std::string get_string(const nlattr* a) {
  if (a == nullptr || nla_len(a) <= 0) return {};
  const char* s = static_cast<const char*>(nla_data(a));
  return std::string(s, strnlen(s, static_cast<std::size_t>(nla_len(a))));
}

// IPVS_*_ATTR_STATS64 (all u64) when present, else the 32-bit IPVS_*_ATTR_STATS.
Counters get_counters(const nlattr* stats64, const nlattr* stats32) {
  Counters c;
  const nlattr* source = stats64 != nullptr ? stats64 : stats32;
  if (source == nullptr) return c;
  nlattr* tb[IPVS_STATS_ATTR_MAX + 1] = {};
  if (nla_parse_nested(tb, IPVS_STATS_ATTR_MAX, const_cast<nlattr*>(source), nullptr) < 0) {
    return c;
  }
  auto value = [&](int attr) -> std::uint64_t {
    const nlattr* a = tb[attr];
    if (a == nullptr) return 0;
    if (nla_len(a) >= 8) return *get<std::uint64_t>(a);
    if (nla_len(a) >= 4) return *get<std::uint32_t>(a);
    return 0;
  };
  c.connections = value(IPVS_STATS_ATTR_CONNS);
  c.packets_in = value(IPVS_STATS_ATTR_INPKTS);
  c.packets_out = value(IPVS_STATS_ATTR_OUTPKTS);
  c.bytes_in = value(IPVS_STATS_ATTR_INBYTES);
  c.bytes_out = value(IPVS_STATS_ATTR_OUTBYTES);
  c.connections_rate = value(IPVS_STATS_ATTR_CPS);
  c.packets_in_rate = value(IPVS_STATS_ATTR_INPPS);
  c.packets_out_rate = value(IPVS_STATS_ATTR_OUTPPS);
  c.bytes_in_rate = value(IPVS_STATS_ATTR_INBPS);
  c.bytes_out_rate = value(IPVS_STATS_ATTR_OUTBPS);
  return c;
}

// The command attributes of a reply of `cmd` from the IPVS family, or nullptr.
bool parse_command(nlmsghdr* h, std::uint8_t cmd, nlattr** tb) {
  if (h == nullptr || !genlmsg_valid_hdr(h, 0)) return false;
  const auto* g = static_cast<const genlmsghdr*>(nlmsg_data(h));
  if (g->cmd != cmd) return false;
  return genlmsg_parse(h, 0, tb, IPVS_CMD_ATTR_MAX, nullptr) == 0;
}

}  // namespace

NlMsgPtr build_get_family(const std::string& name) {
  NlMsgPtr msg = start(GENL_ID_CTRL, CTRL_CMD_GETFAMILY);
  if (!msg) return nullptr;
  // The controller speaks version 1 too; genlmsg_put wrote kFamilyVersion (1).
  if (nla_put_string(msg.get(), CTRL_ATTR_FAMILY_NAME, name.c_str()) < 0) return nullptr;
  return msg;
}

NlMsgPtr build_op(int family, const Op& op) {
  NlMsgPtr msg = start(family, command_of(op.kind));
  if (!msg) return nullptr;
  const bool full_service = op.kind == Op::Kind::kAddService || op.kind == Op::Kind::kEditService;
  if (!put_service(msg.get(), op.service, full_service ? &op.service_params : nullptr)) {
    return nullptr;
  }
  const bool dest = op.kind == Op::Kind::kAddDest || op.kind == Op::Kind::kEditDest ||
                    op.kind == Op::Kind::kDeleteDest;
  const bool full_dest = op.kind == Op::Kind::kAddDest || op.kind == Op::Kind::kEditDest;
  if (dest && !put_dest(msg.get(), op.dest, full_dest ? &op.dest_params : nullptr)) {
    return nullptr;
  }
  return msg;
}

NlMsgPtr build_get_services(int family) { return start(family, IPVS_CMD_GET_SERVICE, NLM_F_DUMP); }

NlMsgPtr build_get_dests(int family, const ServiceKey& service) {
  NlMsgPtr msg = start(family, IPVS_CMD_GET_DEST, NLM_F_DUMP);
  if (!msg || !put_service(msg.get(), service, nullptr)) return nullptr;
  return msg;
}

NlMsgPtr build_set_timeouts(int family, const Timeouts& t) {
  NlMsgPtr msg = start(family, IPVS_CMD_SET_CONFIG);
  if (!msg) return nullptr;
  // The kernel keeps its value for an attribute that is absent or 0.
  if ((t.tcp != 0 && nla_put_u32(msg.get(), IPVS_CMD_ATTR_TIMEOUT_TCP, t.tcp) < 0) ||
      (t.tcp_fin != 0 && nla_put_u32(msg.get(), IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, t.tcp_fin) < 0) ||
      (t.udp != 0 && nla_put_u32(msg.get(), IPVS_CMD_ATTR_TIMEOUT_UDP, t.udp) < 0)) {
    return nullptr;
  }
  return msg;
}

NlMsgPtr build_new_daemon(int family, const SyncDaemon& d) {
  NlMsgPtr msg = start(family, IPVS_CMD_NEW_DAEMON);
  if (!msg) return nullptr;
  nl_msg* m = msg.get();
  nlattr* nest = nla_nest_start(m, IPVS_CMD_ATTR_DAEMON);
  if (nest == nullptr ||
      nla_put_u32(m, IPVS_DAEMON_ATTR_STATE, static_cast<std::uint32_t>(d.role)) < 0 ||
      nla_put_string(m, IPVS_DAEMON_ATTR_MCAST_IFN, d.interface.c_str()) < 0 ||
      nla_put_u32(m, IPVS_DAEMON_ATTR_SYNC_ID, d.sync_id) < 0) {
    return nullptr;
  }
  if (d.max_length != 0 && nla_put_u16(m, IPVS_DAEMON_ATTR_SYNC_MAXLEN, d.max_length) < 0) {
    return nullptr;
  }
  if (d.group) {
    if (d.group->is_v4()) {
      const auto b = d.group->to_v4().to_bytes();
      if (nla_put(m, IPVS_DAEMON_ATTR_MCAST_GROUP, 4, b.data()) < 0) return nullptr;
    } else {
      const auto b = d.group->to_v6().to_bytes();
      if (nla_put(m, IPVS_DAEMON_ATTR_MCAST_GROUP6, 16, b.data()) < 0) return nullptr;
    }
  }
  if (d.port != 0 && nla_put_u16(m, IPVS_DAEMON_ATTR_MCAST_PORT, htons(d.port)) < 0) {
    return nullptr;
  }
  if (d.ttl != 0 && nla_put_u8(m, IPVS_DAEMON_ATTR_MCAST_TTL, d.ttl) < 0) return nullptr;
  if (nla_nest_end(m, nest) < 0) return nullptr;
  return msg;
}

NlMsgPtr build_del_daemon(int family, SyncDaemon::Role role) {
  NlMsgPtr msg = start(family, IPVS_CMD_DEL_DAEMON);
  if (!msg) return nullptr;
  nlattr* nest = nla_nest_start(msg.get(), IPVS_CMD_ATTR_DAEMON);
  if (nest == nullptr ||
      nla_put_u32(msg.get(), IPVS_DAEMON_ATTR_STATE, static_cast<std::uint32_t>(role)) < 0 ||
      nla_nest_end(msg.get(), nest) < 0) {
    return nullptr;
  }
  return msg;
}

NlMsgPtr build_flush(int family) { return start(family, IPVS_CMD_FLUSH); }

std::optional<int> parse_family_id(nlmsghdr* h) {
  if (h == nullptr || h->nlmsg_type != GENL_ID_CTRL || !genlmsg_valid_hdr(h, 0)) {
    return std::nullopt;
  }
  nlattr* tb[CTRL_ATTR_MAX + 1] = {};
  if (genlmsg_parse(h, 0, tb, CTRL_ATTR_MAX, nullptr) < 0) return std::nullopt;
  auto id = get<std::uint16_t>(tb[CTRL_ATTR_FAMILY_ID]);
  if (!id) return std::nullopt;
  return *id;
}

std::optional<std::pair<ServiceKey, ServiceState>> parse_service(nlmsghdr* h) {
  nlattr* cmd[IPVS_CMD_ATTR_MAX + 1] = {};
  if (!parse_command(h, IPVS_CMD_NEW_SERVICE, cmd) || cmd[IPVS_CMD_ATTR_SERVICE] == nullptr) {
    return std::nullopt;
  }
  nlattr* tb[IPVS_SVC_ATTR_MAX + 1] = {};
  if (nla_parse_nested(tb, IPVS_SVC_ATTR_MAX, cmd[IPVS_CMD_ATTR_SERVICE], nullptr) < 0) {
    return std::nullopt;
  }
  auto af = get<std::uint16_t>(tb[IPVS_SVC_ATTR_AF]);
  auto family = af ? family_of_af(*af) : std::nullopt;
  if (!family) return std::nullopt;
  ServiceKey key;
  key.family = *family;
  if (auto fwmark = get<std::uint32_t>(tb[IPVS_SVC_ATTR_FWMARK]); fwmark && *fwmark != 0) {
    key.fwmark = *fwmark;
    key.address = *family == core::Family::kIPv4 ? core::IpAddress(boost::asio::ip::address_v4())
                                                 : core::IpAddress(boost::asio::ip::address_v6());
  } else {
    auto protocol = get<std::uint16_t>(tb[IPVS_SVC_ATTR_PROTOCOL]);
    auto address = get_address(tb[IPVS_SVC_ATTR_ADDR], *af);
    auto port = get<std::uint16_t>(tb[IPVS_SVC_ATTR_PORT]);
    if (!protocol || !address || !port) return std::nullopt;
    key.protocol = *protocol;
    key.address = *address;
    key.port = ntohs(*port);
  }
  ServiceState state;
  state.params.scheduler = get_string(tb[IPVS_SVC_ATTR_SCHED_NAME]);
  state.params.pe_name = get_string(tb[IPVS_SVC_ATTR_PE_NAME]);
  auto flags = get<ip_vs_flags>(tb[IPVS_SVC_ATTR_FLAGS]);
  auto timeout = get<std::uint32_t>(tb[IPVS_SVC_ATTR_TIMEOUT]);
  auto netmask = get<std::uint32_t>(tb[IPVS_SVC_ATTR_NETMASK]);
  if (!flags || !timeout || !netmask) return std::nullopt;
  state.params.flags = flags->flags & ~kFlagHashed;
  state.params.timeout = *timeout;
  state.params.netmask = key.family == core::Family::kIPv4 ? ntohl(*netmask) : *netmask;
  state.counters = get_counters(tb[IPVS_SVC_ATTR_STATS64], tb[IPVS_SVC_ATTR_STATS]);
  return std::make_pair(std::move(key), std::move(state));
}

std::optional<std::pair<DestKey, DestState>> parse_dest(nlmsghdr* h) {
  nlattr* cmd[IPVS_CMD_ATTR_MAX + 1] = {};
  if (!parse_command(h, IPVS_CMD_NEW_DEST, cmd) || cmd[IPVS_CMD_ATTR_DEST] == nullptr) {
    return std::nullopt;
  }
  nlattr* tb[IPVS_DEST_ATTR_MAX + 1] = {};
  if (nla_parse_nested(tb, IPVS_DEST_ATTR_MAX, cmd[IPVS_CMD_ATTR_DEST], nullptr) < 0) {
    return std::nullopt;
  }
  // Kernels before 4.3 send no ADDR_FAMILY: the destination is of the service's family then,
  // which the 16 address bytes cannot tell; IPv4 is assumed when the last 12 are zero.
  std::uint16_t af = AF_INET;
  if (auto a = get<std::uint16_t>(tb[IPVS_DEST_ATTR_ADDR_FAMILY])) {
    af = *a;
  } else if (tb[IPVS_DEST_ATTR_ADDR] != nullptr && nla_len(tb[IPVS_DEST_ATTR_ADDR]) >= 16) {
    const auto* b = static_cast<const std::uint8_t*>(nla_data(tb[IPVS_DEST_ATTR_ADDR]));
    for (int i = 4; i < 16; ++i) {
      if (b[i] != 0) af = AF_INET6;
    }
  }
  auto address = get_address(tb[IPVS_DEST_ATTR_ADDR], af);
  auto port = get<std::uint16_t>(tb[IPVS_DEST_ATTR_PORT]);
  auto forward = get<std::uint32_t>(tb[IPVS_DEST_ATTR_FWD_METHOD]);
  auto weight = get<std::uint32_t>(tb[IPVS_DEST_ATTR_WEIGHT]);
  if (!address || !port || !forward || !weight) return std::nullopt;
  DestKey key{*address, ntohs(*port)};
  DestState state;
  state.params.forward = static_cast<Forward>(*forward & IP_VS_CONN_F_FWD_MASK);
  state.params.weight = *weight;
  state.params.upper_threshold = get<std::uint32_t>(tb[IPVS_DEST_ATTR_U_THRESH]).value_or(0);
  state.params.lower_threshold = get<std::uint32_t>(tb[IPVS_DEST_ATTR_L_THRESH]).value_or(0);
  // The kernel reports tunnel settings for every destination; they matter only to a tunnel.
  if (state.params.forward == Forward::kTunnel) {
    state.params.tunnel_type = get<std::uint8_t>(tb[IPVS_DEST_ATTR_TUN_TYPE]).value_or(0);
    state.params.tunnel_port = ntohs(get<std::uint16_t>(tb[IPVS_DEST_ATTR_TUN_PORT]).value_or(0));
    state.params.tunnel_flags = get<std::uint16_t>(tb[IPVS_DEST_ATTR_TUN_FLAGS]).value_or(0);
  }
  state.active_connections = get<std::uint32_t>(tb[IPVS_DEST_ATTR_ACTIVE_CONNS]).value_or(0);
  state.inactive_connections = get<std::uint32_t>(tb[IPVS_DEST_ATTR_INACT_CONNS]).value_or(0);
  state.persistent_connections = get<std::uint32_t>(tb[IPVS_DEST_ATTR_PERSIST_CONNS]).value_or(0);
  state.counters = get_counters(tb[IPVS_DEST_ATTR_STATS64], tb[IPVS_DEST_ATTR_STATS]);
  return std::make_pair(std::move(key), std::move(state));
}

}  // namespace vigil::ipvs
