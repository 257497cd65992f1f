#include "ipvs/desired.h"

#include <linux/ip_vs.h>
#include <netinet/in.h>

#include <algorithm>

namespace vigil::ipvs {

namespace {

using config::VirtualServer;

// A range longer than this is a configuration mistake the parser has reported; never loop on it.
constexpr std::size_t kMaxRange = 65536;

std::uint16_t protocol_number(const std::optional<config::LvsProtocol>& p) {
  if (!p) return 0;
  switch (*p) {
    case config::LvsProtocol::kTcp:
      return IPPROTO_TCP;
    case config::LvsProtocol::kUdp:
      return IPPROTO_UDP;
    case config::LvsProtocol::kSctp:
      return IPPROTO_SCTP;
  }
  return 0;
}

core::IpAddress any_of(core::Family f) {
  return f == core::Family::kIPv6 ? core::IpAddress(boost::asio::ip::address_v6())
                                  : core::IpAddress(boost::asio::ip::address_v4());
}

ServiceKey fwmark_key(std::uint32_t mark, core::Family f) {
  ServiceKey k;
  k.family = f;
  k.fwmark = mark;
  k.address = any_of(f);
  return k;
}

ServiceKey address_key(const core::IpAddress& a, std::uint16_t port, std::uint16_t protocol) {
  ServiceKey k;
  k.family = core::family_of(a);
  k.protocol = protocol;
  k.address = a;
  k.port = port;
  return k;
}

// keepalived ipvs_group_range_cmd: IPv4 steps the address, IPv6 its last 16 bits only.
void expand_range(const config::VirtualServerGroupEntry& e, std::uint16_t protocol,
                  std::vector<ServiceKey>& out) {
  core::IpAddress a = e.first;
  for (std::size_t n = 0; n < kMaxRange; ++n) {
    out.push_back(address_key(a, e.port, protocol));
    if (a == e.last) return;
    if (a.is_v6()) {
      auto b = a.to_v6().to_bytes();
      if (b[14] == 0xff && b[15] == 0xff) return;  // the last 16 bits wrap: end of the range
      const unsigned low = ((b[14] << 8) | b[15]) + 1U;
      b[14] = static_cast<unsigned char>(low >> 8);
      b[15] = static_cast<unsigned char>(low & 0xff);
      a = boost::asio::ip::address_v6(b);
    } else {
      auto next = core::offset_address(a, 1);
      if (!next) return;
      a = *next;
    }
  }
}

std::uint32_t scheduler_flags(const VirtualServer& vs) {
  std::uint32_t f = 0;
  if (vs.ops) f |= kFlagOnePacket;
  if (vs.flag_1 || vs.sh_fallback || vs.mh_fallback) f |= kFlagSched1;
  if (vs.flag_2 || vs.sh_port || vs.mh_port) f |= kFlagSched2;
  if (vs.flag_3) f |= kFlagSched3;
  return f;
}

ServiceParams params_of(const VirtualServer& vs, core::Family family) {
  ServiceParams p;
  p.scheduler = scheduler_name(vs.scheduler.value_or(config::LvsScheduler::kWlc));
  p.flags = scheduler_flags(vs);
  p.netmask = family == core::Family::kIPv6 ? 128 : 0xffffffffU;
  if (vs.persistence_timeout != 0) {
    p.flags |= kFlagPersistent;
    p.timeout = vs.persistence_timeout;
    if (family == core::Family::kIPv4 && vs.persistence_granularity_mask &&
        vs.persistence_granularity_mask->is_v4()) {
      p.netmask = vs.persistence_granularity_mask->to_v4().to_uint();
    } else if (family == core::Family::kIPv6 && vs.persistence_granularity_prefix) {
      p.netmask = *vs.persistence_granularity_prefix;
    }
  }
  if (vs.persistence_engine) p.pe_name = *vs.persistence_engine;
  return p;
}

DestParams forwarding_params(const config::ForwardingMethod& fm) {
  DestParams p;
  switch (fm.method) {
    case config::LvsMethod::kNat:
      p.forward = Forward::kMasq;
      break;
    case config::LvsMethod::kDr:
      p.forward = Forward::kRoute;
      break;
    case config::LvsMethod::kTun:
      p.forward = Forward::kTunnel;
      switch (fm.tunnel_type) {
        case config::TunnelType::kIpip:
          p.tunnel_type = IP_VS_CONN_F_TUNNEL_TYPE_IPIP;
          break;
        case config::TunnelType::kGue:
          p.tunnel_type = IP_VS_CONN_F_TUNNEL_TYPE_GUE;
          p.tunnel_port = fm.tunnel_port;
          break;
        case config::TunnelType::kGre:
          p.tunnel_type = IP_VS_CONN_F_TUNNEL_TYPE_GRE;
          break;
      }
      switch (fm.tunnel_checksum) {
        case config::TunnelChecksum::kNoCsum:
          p.tunnel_flags = IP_VS_TUNNEL_ENCAP_FLAG_NOCSUM;
          break;
        case config::TunnelChecksum::kCsum:
          p.tunnel_flags = IP_VS_TUNNEL_ENCAP_FLAG_CSUM;
          break;
        case config::TunnelChecksum::kRemCsum:
          p.tunnel_flags = IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM;
          break;
      }
      break;
  }
  return p;
}

}  // namespace

std::string scheduler_name(config::LvsScheduler s) {
  using S = config::LvsScheduler;
  switch (s) {
    case S::kRr:
      return "rr";
    case S::kWrr:
      return "wrr";
    case S::kLc:
      return "lc";
    case S::kWlc:
      return "wlc";
    case S::kLblc:
      return "lblc";
    case S::kSh:
      return "sh";
    case S::kMh:
      return "mh";
    case S::kDh:
      return "dh";
    case S::kFo:
      return "fo";
    case S::kOvf:
      return "ovf";
    case S::kLblcr:
      return "lblcr";
    case S::kSed:
      return "sed";
    case S::kNq:
      return "nq";
    case S::kTwos:
      return "twos";
  }
  return "wlc";
}

VirtualService services_of(const VirtualServer& vs, const config::Lvs& lvs) {
  VirtualService out;
  const std::uint16_t protocol = protocol_number(vs.protocol);
  const core::Family vs_family = vs.family.value_or(core::Family::kIPv4);
  switch (vs.kind) {
    case VirtualServer::Kind::kAddress:
      out.keys.push_back(address_key(vs.address, vs.port, protocol));
      break;
    case VirtualServer::Kind::kFwmark:
      out.keys.push_back(fwmark_key(vs.fwmark, vs_family));
      break;
    case VirtualServer::Kind::kGroup: {
      auto g =
          std::find_if(lvs.groups.begin(), lvs.groups.end(),
                       [&](const config::VirtualServerGroup& x) { return x.name == vs.group; });
      if (g == lvs.groups.end()) break;
      // keepalived visits a group's addresses and ranges first, then its fwmarks.
      for (const auto& e : g->entries) {
        if (!e.is_fwmark) expand_range(e, protocol, out.keys);
      }
      for (const auto& e : g->entries) {
        if (e.is_fwmark)
          out.keys.push_back(fwmark_key(e.fwmark, e.fwmark_family.value_or(vs_family)));
      }
      break;
    }
  }
  const core::Family family = out.keys.empty() ? vs_family : out.keys.front().family;
  out.params = params_of(vs, family);
  return out;
}

DestTemplates dest_templates_of(const VirtualServer& vs) {
  DestTemplates out;
  const config::ForwardingMethod vs_forwarding = vs.forwarding.value_or(config::ForwardingMethod{});
  if (vs.sorry_server) {
    out.insert_or_assign(DestKey{vs.sorry_server->address, vs.sorry_server->port},
                         forwarding_params(vs.sorry_server->forwarding.value_or(vs_forwarding)));
  }
  // A real server at the sorry server's address and port takes precedence.
  for (const config::RealServer& rs : vs.real_servers) {
    DestParams p = forwarding_params(rs.forwarding.value_or(vs_forwarding));
    p.upper_threshold = rs.uthreshold;
    p.lower_threshold = rs.lthreshold;
    out.insert_or_assign(DestKey{rs.address, rs.port}, p);
  }
  return out;
}

std::map<DestKey, DestState> dests_of(const DestTemplates& templates,
                                      const std::vector<LiveDestination>& live,
                                      const ServiceKey& service) {
  std::map<DestKey, DestState> out;
  for (const LiveDestination& d : live) {
    auto t = templates.find(DestKey{d.address, d.port});
    if (t == templates.end()) continue;
    DestState state;
    state.params = t->second;
    state.params.weight = d.weight;
    // keepalived ipvs_cmd / ipvs_group_cmd: only NAT keeps the real server's port; otherwise
    // the destination takes the service's port (0 for a fwmark service), per group entry.
    std::uint16_t port = d.port;
    if (state.params.forward != Forward::kMasq) port = service.is_fwmark() ? 0 : service.port;
    out.insert_or_assign(DestKey{d.address, port}, std::move(state));
  }
  return out;
}

}  // namespace vigil::ipvs
