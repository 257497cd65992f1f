// finalize_lvs: keepalived 2.2.7's defaults, inheritance and corrections for virtual servers,
// real servers and checkers (vs_end_handler/rs_end_handler in check_parser.c and
// validate_check_config() in check_data.c), applied in the same order so that vigil reports
// the same things. Wording is vigil's; where keepalived is careless vigil is stricter and says
// why next to the check.
#include <algorithm>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>

#include "parser/bind_lvs_internal.h"
#include "parser/binders.h"

namespace vigil::parser {
namespace {

using config::Checker;
using config::CheckerType;
using config::Duration;
using config::LvsMethod;
using config::RealServer;
using config::VirtualServer;
using config::VirtualServerGroup;

constexpr std::uint32_t kDefaultPersistence = 360;  // IPVS_SVC_PERSISTENT_TIMEOUT

std::string endpoint(const core::IpAddress& a, std::uint16_t port) {
  std::string s = a.to_string();
  if (a.is_v6()) s = "[" + s + "]";
  return port ? s + ":" + std::to_string(port) : s;
}

std::string vs_label(const VirtualServer& vs) { return "virtual_server " + vs.name(); }

const VirtualServerGroup* find_group(const config::Lvs& lvs, const std::string& name) {
  for (const auto& g : lvs.groups) {
    if (g.name == name) return &g;
  }
  return nullptr;
}

bool group_has_addresses(const VirtualServerGroup* g) {
  return g && std::any_of(g->entries.begin(), g->entries.end(),
                          [](const auto& e) { return !e.is_fwmark; });
}
bool group_has_fwmarks(const VirtualServerGroup* g) {
  return g && std::any_of(g->entries.begin(), g->entries.end(),
                          [](const auto& e) { return e.is_fwmark; });
}

LvsMethod method_of(const std::optional<config::ForwardingMethod>& own,
                    const std::optional<config::ForwardingMethod>& vs) {
  if (own) return own->method;
  return vs ? vs->method : LvsMethod::kNat;
}

// The address family (keepalived: rs_end_handler and vs_end_handler). Real and sorry servers
// that are not tunnelled must share the virtual server's family and set it when it is not
// known yet; a mismatching one is dropped.
void settle_family(VirtualServer& vs, BindContext& ctx) {
  std::optional<core::Family> af = vs.family;
  for (auto it = vs.real_servers.begin(); it != vs.real_servers.end();) {
    core::Family f = core::family_of(it->address);
    if (method_of(it->forwarding, vs.forwarding) != LvsMethod::kTun) {
      if (!af) {
        af = f;
      } else if (*af != f) {
        ctx.diag.warning(it->location, "real_server " + endpoint(it->address, it->port) +
                                           ": address family differs from " + vs_label(vs) +
                                           " (only tunnelled servers may differ); it is ignored");
        it = vs.real_servers.erase(it);
        continue;
      }
    }
    ++it;
  }
  if (vs.sorry_server && method_of(vs.sorry_server->forwarding, vs.forwarding) != LvsMethod::kTun) {
    core::Family f = core::family_of(vs.sorry_server->address);
    if (!af) {
      af = f;
    } else if (*af != f) {
      ctx.diag.warning(vs.sorry_server->location,
                       "sorry_server " + vs.sorry_server->address.to_string() +
                           ": address family differs from " + vs_label(vs) + "; it is ignored");
      vs.sorry_server.reset();
    }
  }
  if (!af && vs.kind != VirtualServer::Kind::kGroup) {
    // Only tunnelled servers (or none): their common family, else IPv4.
    std::optional<core::Family> common;
    bool mixed = false;
    if (vs.sorry_server) common = core::family_of(vs.sorry_server->address);
    for (const auto& rs : vs.real_servers) {
      core::Family f = core::family_of(rs.address);
      if (!common)
        common = f;
      else if (*common != f)
        mixed = true;
    }
    af = (!common || mixed) ? core::Family::kIPv4 : *common;
  }
  vs.family = af;
  // keepalived decided the granularity's form by the family known when it read the keyword.
  if (af && ((*af == core::Family::kIPv4 && vs.persistence_granularity_prefix) ||
             (*af == core::Family::kIPv6 && vs.persistence_granularity_mask))) {
    ctx.diag.warning(vs.location, "'persistence_granularity' of " + vs_label(vs) +
                                      " does not fit its address family (IPv4 takes a netmask, "
                                      "IPv6 a prefix length); it is ignored");
    vs.persistence_granularity_mask.reset();
    vs.persistence_granularity_prefix.reset();
  }
  // keepalived 2.2.7 programs a group's services with the full mask whatever the granularity
  // (measured under a real IPVS kernel: tests/integration/vm/); -t says nothing about it.
  if (vs.kind == VirtualServer::Kind::kGroup &&
      (vs.persistence_granularity_mask || vs.persistence_granularity_prefix)) {
    lvs::notice(ctx, vs.location,
                "'persistence_granularity' has no effect on " + vs_label(vs) +
                    ": keepalived programs a group's services without it; ignored");
    vs.persistence_granularity_mask.reset();
    vs.persistence_granularity_prefix.reset();
  }
}

void check_service(VirtualServer& vs, const VirtualServerGroup* group, BindContext& ctx) {
  const bool fwmark_only = vs.kind == VirtualServer::Kind::kFwmark ||
                           (vs.kind == VirtualServer::Kind::kGroup && !group_has_addresses(group) &&
                            group_has_fwmarks(group));
  const bool by_address = vs.kind == VirtualServer::Kind::kAddress ||
                          (vs.kind == VirtualServer::Kind::kGroup && group_has_addresses(group));
  if (vs.ha_suspend && (vs.kind == VirtualServer::Kind::kFwmark || group_has_fwmarks(group))) {
    ctx.diag.warning(vs.location, vs_label(vs) +
                                      ": 'ha_suspend' cannot be used with fwmarks; "
                                      "it is cleared");
    vs.ha_suspend = false;
  }
  if (by_address) {
    if (!vs.protocol) {
      // The kernel takes protocol 0 as UDP; keepalived sets it explicitly and complains.
      ctx.diag.warning(vs.location, vs_label(vs) + ": no 'protocol' set; defaulting to UDP");
      vs.protocol = config::LvsProtocol::kUdp;
    }
    if (vs.ops && vs.protocol != config::LvsProtocol::kUdp) {
      ctx.diag.warning(vs.location, vs_label(vs) +
                                        ": 'ops' (one-packet scheduling) needs "
                                        "protocol UDP; it is cleared");
      vs.ops = false;
    }
    if (vs.persistence_timeout == 0 && vs.kind == VirtualServer::Kind::kAddress && vs.port == 0) {
      ctx.diag.warning(vs.location, vs_label(vs) +
                                        ": a service without a port must be "
                                        "persistent; persistence_timeout set to 360");
      vs.persistence_timeout = kDefaultPersistence;
    }
  }
  if (vs.persistence_timeout == 0 && group) {
    for (const auto& e : group->entries) {
      if (!e.is_fwmark && e.port == 0) {
        ctx.diag.warning(vs.location, vs_label(vs) +
                                          ": virtual_server_group entry without a "
                                          "port needs persistence; "
                                          "persistence_timeout set to 360");
        vs.persistence_timeout = kDefaultPersistence;
        break;
      }
    }
  }
  if (fwmark_only && vs.protocol) {
    ctx.diag.warning(vs.location, vs_label(vs) + ": 'protocol' is ignored for a fwmark service");
    vs.protocol.reset();
  }
  if (!vs.scheduler) {
    ctx.diag.warning(vs.location, vs_label(vs) + ": no 'lvs_sched' set; defaulting to wlc");
    vs.scheduler = config::LvsScheduler::kWlc;
  }
  // keepalived checks these flags against the scheduler when it reads them, so their meaning
  // depends on the order of the lines; vigil checks the final scheduler.
  auto sched_flag = [&](bool& flag, config::LvsScheduler needed, std::string_view name,
                        std::string_view sched) {
    if (flag && vs.scheduler != needed) {
      ctx.diag.warning(vs.location, vs_label(vs) + ": '" + std::string(name) +
                                        "' only applies "
                                        "to the " +
                                        std::string(sched) + " scheduler; ignored");
      flag = false;
    }
  };
  sched_flag(vs.sh_port, config::LvsScheduler::kSh, "sh-port", "sh");
  sched_flag(vs.sh_fallback, config::LvsScheduler::kSh, "sh-fallback", "sh");
  sched_flag(vs.mh_port, config::LvsScheduler::kMh, "mh-port", "mh");
  sched_flag(vs.mh_fallback, config::LvsScheduler::kMh, "mh-fallback", "mh");
  if (vs.hashed) {
    // keepalived 2.2.7 accepts the keyword but never sets the flag (it complains unless the
    // scheduler is sh); vigil reports it in every case rather than silently doing nothing.
    ctx.diag.warning(vs.location, vs_label(vs) + ": 'hashed' has no effect; ignored");
    vs.hashed = false;
  }
}

// Real servers of one service are the same when address and port are (after completion).
struct ServerKey {
  core::IpAddress address;
  std::uint16_t port = 0;
  bool operator==(const ServerKey&) const = default;
};
struct ServerKeyHash {
  std::size_t operator()(const ServerKey& k) const {
    return std::hash<core::IpAddress>()(k.address) * 31 + k.port;
  }
};

std::uint32_t default_retry(CheckerType t) {
  switch (t) {
    case CheckerType::kMisc:
      return 0;  // check_misc.c
    case CheckerType::kDns:
      return 3;  // DNS_DEFAULT_RETRY
    default:
      return 1;  // queue_checker()
  }
}

// Expands SMTP_CHECK host blocks into checkers of their own (keepalived's
// smtp_check_end_handler): without direct connection options the first host is the checker's.
void expand_smtp_hosts(RealServer& rs) {
  std::vector<Checker> out;
  for (auto& ch : rs.checkers) {
    auto* smtp = std::get_if<config::SmtpCheck>(&ch.details);
    if (!smtp || smtp->hosts.empty()) {
      out.push_back(std::move(ch));
      continue;
    }
    const auto& co = *ch.connection;
    const bool direct = co.connect_ip || co.connect_port || co.bindto || co.bind_port ||
                        !co.bind_if.empty() || co.fwmark || co.connect_timeout;
    auto hosts = std::move(smtp->hosts);
    smtp->hosts.clear();
    auto with_host = [&](const config::SmtpHost& h) {
      Checker c = ch;
      config::ConnectionOptions merged = h.connection;
      // A host starts from the checker's own options (keepalived copies them when the block
      // opens; vigil does not depend on the order of lines).
      if (!merged.connect_ip) merged.connect_ip = co.connect_ip;
      if (!merged.connect_port) merged.connect_port = co.connect_port;
      if (!merged.bindto) merged.bindto = co.bindto;
      if (!merged.bind_port) merged.bind_port = co.bind_port;
      if (merged.bind_if.empty()) merged.bind_if = co.bind_if;
      if (!merged.fwmark) merged.fwmark = co.fwmark;
      if (!merged.connect_timeout) merged.connect_timeout = co.connect_timeout;
      c.location = h.location;
      c.connection = merged;
      return c;
    };
    if (direct) out.push_back(ch);
    for (const auto& h : hosts) out.push_back(with_host(h));
  }
  rs.checkers = std::move(out);
}

// FILE_CHECK takes the weight of its track_file unless it gives one (check_file.c).
bool settle_file_check(const config::Config& config, Checker& ch, BindContext& ctx) {
  auto& f = std::get<config::FileCheck>(ch.details);
  for (const auto& tf : config.vrrp.track_files) {
    if (tf.name != f.track_file) continue;
    if (!f.weight) {
      f.weight = tf.weight;
      f.reverse = tf.weight_reverse;
    }
    return true;
  }
  ctx.diag.error(ch.location, "FILE_CHECK: no track_file '" + f.track_file + "' is defined");
  return false;
}

void finalize_checkers(const config::Config& config, const VirtualServer& vs, RealServer& rs,
                       BindContext& ctx) {
  expand_smtp_hosts(rs);
  std::erase_if(rs.checkers, [&](Checker& ch) {
    return ch.type == CheckerType::kFile && !settle_file_check(config, ch, ctx);
  });
  int dynamic_misc = 0;
  for (auto& ch : rs.checkers) {
    if (ch.type == CheckerType::kFile) continue;  // no timing settings
    if (!ch.alpha) ch.alpha = rs.alpha;
    if (!ch.retry) ch.retry = rs.retry ? *rs.retry : default_retry(ch.type);
    if (!ch.delay_loop) ch.delay_loop = rs.delay_loop;
    if (!ch.warmup) ch.warmup = rs.warmup ? *rs.warmup : *ch.delay_loop;
    if (!ch.delay_before_retry) {
      if (rs.delay_before_retry)
        ch.delay_before_retry = *rs.delay_before_retry;
      else if (ch.type == CheckerType::kHttp || ch.type == CheckerType::kSsl)
        ch.delay_before_retry = std::chrono::seconds(3);
      else if (ch.type == CheckerType::kDns)
        ch.delay_before_retry = *ch.delay_loop;
      else
        ch.delay_before_retry = std::chrono::seconds(1);
    }
    if (ch.connection) {
      auto& co = *ch.connection;
      if (!co.connect_timeout) co.connect_timeout = rs.connect_timeout;
      if (!co.connect_ip) co.connect_ip = rs.address;
      if (!co.connect_port) co.connect_port = rs.port;
      // keepalived connects to port 0 here and the check can never succeed (a fwmark service
      // whose real server has no port); vigil says so.
      if (*co.connect_port == 0 && ch.type != CheckerType::kPing && ch.type != CheckerType::kDns) {
        ctx.diag.warning(ch.location, "checker of real_server " + endpoint(rs.address, rs.port) +
                                          " has no port to connect to; set 'connect_port'");
      }
    }
    if (auto* h = std::get_if<config::HttpCheck>(&ch.details)) {
      if (!h->virtualhost) h->virtualhost = rs.virtualhost;
      for (auto& u : h->urls) {
        if (!u.virtualhost) u.virtualhost = h->virtualhost;
      }
    }
    if (auto* m = std::get_if<config::MiscCheck>(&ch.details)) {
      if (!m->timeout) m->timeout = vs.delay_loop;  // check_misc.c: vs->delay_loop
      if (m->dynamic && ++dynamic_misc == 2) {
        ctx.diag.warning(ch.location,
                         "more than one MISC_CHECK with 'misc_dynamic' on "
                         "real_server " +
                             endpoint(rs.address, rs.port) + "; their weights will fight");
      }
    }
  }
}

void fix_ports(VirtualServer& vs, const VirtualServerGroup* group, BindContext& ctx) {
  if (group) {
    for (const auto& e : group->entries) {
      for (const auto& rs : vs.real_servers) {
        if (rs.forwarding->method == LvsMethod::kNat || rs.port == 0) continue;
        if (e.is_fwmark) {
          ctx.diag.warning(rs.location, vs_label(vs) +
                                            " has fwmark entries: the port of "
                                            "real_server " +
                                            endpoint(rs.address, rs.port) + " is ignored for them");
        } else if (e.port != rs.port) {
          ctx.diag.warning(rs.location, vs_label(vs) + ": port of real_server " +
                                            endpoint(rs.address, rs.port) + " differs from " +
                                            "group entry at " + e.location.str());
        }
      }
    }
    return;
  }
  auto fix = [&](const char* what, const core::IpAddress& addr, std::uint16_t& port,
                 const parser::SourceLocation& at, LvsMethod method) {
    if (vs.kind == VirtualServer::Kind::kFwmark) {
      if (method != LvsMethod::kNat && port != 0) {
        ctx.diag.warning(at, std::string(what) + " " + endpoint(addr, port) + " of " +
                                 vs_label(vs) + ": a port is meaningless without NAT; cleared");
        port = 0;
      }
      return;
    }
    if (port == 0) {
      port = vs.port;
    } else if (method != LvsMethod::kNat && port != vs.port) {
      ctx.diag.warning(at, std::string(what) + " " + endpoint(addr, port) + " of " + vs_label(vs) +
                               ": port differs from the virtual server's and "
                               "only NAT can change it; reset to " +
                               std::to_string(vs.port));
      port = vs.port;
    }
  };
  for (auto& rs : vs.real_servers)
    fix("real_server", rs.address, rs.port, rs.location, rs.forwarding->method);
  if (vs.sorry_server) {
    fix("sorry_server", vs.sorry_server->address, vs.sorry_server->port, vs.sorry_server->location,
        vs.sorry_server->forwarding->method);
  }
}

void finalize_virtual_server(const config::Config& config, VirtualServer& vs,
                             const VirtualServerGroup* group, BindContext& ctx) {
  check_service(vs, group, ctx);
  // smtp_alert (validate_check_config): global smtp_alert_checker, else smtp_alert, else off
  // for a virtual server and on for a real server (keepalived keeps that for compatibility).
  const auto& global = config.global;
  const std::optional<bool> global_alert =
      global.smtp_alert_checker ? global.smtp_alert_checker : global.smtp_alert;
  if (!vs.smtp_alert) vs.smtp_alert = global_alert.value_or(false);
  auto default_forwarding = [&]() -> config::ForwardingMethod {
    if (!vs.forwarding) {
      ctx.diag.warning(vs.location, vs_label(vs) + ": no 'lvs_method' set; defaulting to NAT");
      vs.forwarding = config::ForwardingMethod{};
    }
    return *vs.forwarding;
  };
  std::uint64_t weight_sum = 0;
  for (auto& rs : vs.real_servers) {
    if (!rs.forwarding) rs.forwarding = default_forwarding();
    if (!rs.alpha) rs.alpha = vs.alpha;
    if (!rs.inhibit_on_failure) rs.inhibit_on_failure = vs.inhibit_on_failure;
    if (!rs.retry) rs.retry = vs.retry;
    if (!rs.connect_timeout) rs.connect_timeout = vs.connect_timeout;
    if (!rs.delay_loop) rs.delay_loop = vs.delay_loop;
    if (!rs.warmup) rs.warmup = vs.warmup;
    if (!rs.delay_before_retry) rs.delay_before_retry = vs.delay_before_retry;
    if (!rs.weight) rs.weight = vs.weight;
    if (!rs.virtualhost) rs.virtualhost = vs.virtualhost;
    if (!rs.smtp_alert) rs.smtp_alert = global_alert.value_or(true);
    weight_sum += *rs.weight;
  }
  if (vs.sorry_server && !vs.sorry_server->forwarding) {
    vs.sorry_server->forwarding = default_forwarding();
  }
  fix_ports(vs, group, ctx);
  // keepalived compares before it completes the ports, so 10.0.0.2 and 10.0.0.2:80 of a
  // service on port 80 both get through to IPVS, which refuses the second; vigil compares
  // the completed addresses. (A hash of the ones kept, so that a service with thousands of
  // real servers is not quadratic.)
  {
    std::unordered_map<ServerKey, std::size_t, ServerKeyHash> seen;
    seen.reserve(vs.real_servers.size());
    auto& list = vs.real_servers;
    std::size_t kept = 0;
    for (std::size_t i = 0; i < list.size(); ++i) {
      RealServer& rs = list[i];
      auto [at, inserted] = seen.try_emplace(ServerKey{rs.address, rs.port}, kept);
      if (!inserted) {
        ctx.diag.warning(rs.location, "real_server " + endpoint(rs.address, rs.port) +
                                          " duplicates the one at " +
                                          list[at->second].location.str() +
                                          "; the second is ignored");
        weight_sum -= *rs.weight;
        continue;
      }
      if (kept != i) list[kept] = std::move(rs);
      ++kept;
    }
    list.erase(list.begin() + static_cast<std::ptrdiff_t>(kept), list.end());
  }
  for (auto& rs : vs.real_servers) {
    if (vs.sorry_server && vs.sorry_server->address == rs.address &&
        vs.sorry_server->port == rs.port && vs.sorry_server->inhibit != *rs.inhibit_on_failure) {
      ctx.diag.warning(vs.sorry_server->location,
                       "sorry_server of " + vs_label(vs) + " is real_server " +
                           endpoint(rs.address, rs.port) +
                           " but its inhibit setting differs; using the real server's");
      vs.sorry_server->inhibit = *rs.inhibit_on_failure;
    }
    finalize_checkers(config, vs, rs, ctx);
  }
  if (vs.quorum > weight_sum) {
    ctx.diag.warning(vs.location, vs_label(vs) + ": quorum " + std::to_string(vs.quorum) +
                                      " exceeds the total weight of its real servers (" +
                                      std::to_string(weight_sum) + "); reduced to " +
                                      std::to_string(weight_sum));
    vs.quorum = static_cast<std::uint32_t>(weight_sum);
  }
  if (vs.hysteresis >= vs.quorum && (vs.hysteresis != 0 || vs.quorum != 0)) {
    // keepalived sets quorum - 1, which wraps to 4294967295 when the quorum is 0.
    std::uint32_t h = vs.quorum == 0 ? 0 : vs.quorum - 1;
    ctx.diag.warning(vs.location, vs_label(vs) + ": hysteresis " + std::to_string(vs.hysteresis) +
                                      " must be below the quorum " + std::to_string(vs.quorum) +
                                      "; set to " + std::to_string(h));
    vs.hysteresis = h;
  }
}

// What makes two virtual servers one IPVS service: the fields that identify it for its kind.
struct ServiceKey {
  VirtualServer::Kind kind = VirtualServer::Kind::kAddress;
  core::IpAddress address;
  std::uint16_t port = 0;
  std::optional<config::LvsProtocol> protocol;
  std::uint32_t fwmark = 0;
  std::optional<core::Family> family;
  std::string group;
  bool operator==(const ServiceKey&) const = default;
};

ServiceKey service_key(const VirtualServer& vs) {
  ServiceKey k;
  k.kind = vs.kind;
  switch (vs.kind) {
    case VirtualServer::Kind::kAddress:
      k.address = vs.address;
      k.port = vs.port;
      k.protocol = vs.protocol;
      break;
    case VirtualServer::Kind::kFwmark:
      k.fwmark = vs.fwmark;
      k.family = vs.family;
      break;
    case VirtualServer::Kind::kGroup:
      k.group = vs.group;
      k.protocol = vs.protocol;
      k.family = vs.family;
      break;
  }
  return k;
}

struct ServiceKeyHash {
  std::size_t operator()(const ServiceKey& k) const {
    std::size_t h = std::hash<core::IpAddress>()(k.address);
    auto mix = [&h](std::size_t v) { h = h * 1000003 ^ v; };
    mix(static_cast<std::size_t>(k.kind));
    mix(k.port);
    mix(k.protocol ? static_cast<std::size_t>(*k.protocol) + 1 : 0);
    mix(k.fwmark);
    mix(k.family ? static_cast<std::size_t>(*k.family) + 1 : 0);
    mix(std::hash<std::string>()(k.group));
    return h;
  }
};

}  // namespace

void finalize_lvs(config::Config& config, BindContext& ctx) {
  auto& list = config.lvs.virtual_servers;
  // Services dropped here are compacted away in one pass (erasing each from the middle of
  // the list is quadratic in a large configuration).
  std::size_t kept = 0;
  for (std::size_t i = 0; i < list.size(); ++i) {
    VirtualServer& vs = list[i];
    const VirtualServerGroup* group = nullptr;
    if (vs.kind == VirtualServer::Kind::kGroup) {
      group = find_group(config.lvs, vs.group);
      if (!group) {
        // keepalived only finds this when it starts ("specified but not configured - ignoring
        // virtual server"); `-t` passes the file. vigil reports it.
        ctx.diag.error(vs.location,
                       vs_label(vs) + ": no virtual_server_group '" + vs.group + "' is defined");
        continue;
      }
    }
    settle_family(vs, ctx);
    if (vs.real_servers.empty()) {
      ctx.diag.warning(vs.location, vs_label(vs) + " has no real servers; it is ignored");
      continue;
    }
    finalize_virtual_server(config, vs, group, ctx);
    if (kept != i) list[kept] = std::move(vs);
    ++kept;
  }
  list.erase(list.begin() + static_cast<std::ptrdiff_t>(kept), list.end());
  // Two definitions of one IPVS service. keepalived -t passes the file (exit 0) and then both
  // definitions manage the same kernel service; vigil keeps the first and says so, without
  // changing the exit code keepalived users rely on.
  std::unordered_map<ServiceKey, std::size_t, ServiceKeyHash> seen;
  seen.reserve(list.size());
  kept = 0;
  for (std::size_t i = 0; i < list.size(); ++i) {
    VirtualServer& vs = list[i];
    auto [at, inserted] = seen.try_emplace(service_key(vs), kept);
    if (!inserted) {
      lvs::notice(ctx, vs.location,
                  vs_label(vs) + " is already defined at " + list[at->second].location.str() +
                      "; the second is ignored");
      continue;
    }
    if (kept != i) list[kept] = std::move(vs);
    ++kept;
  }
  list.erase(list.begin() + static_cast<std::ptrdiff_t>(kept), list.end());
}

}  // namespace vigil::parser
