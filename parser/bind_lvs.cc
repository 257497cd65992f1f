// LVS top-level keywords (SSL, virtual_server_group, virtual_server) and the virtual_server
// block, as keepalived 2.2.7 reads them (keepalived/check/check_parser.c).
#include <algorithm>
#include <climits>

#include "parser/bind_lvs_internal.h"
#include "parser/binders.h"

namespace vigil::parser {
namespace lvs {
void bind_virtual_server_group(const Node& node, BindContext& ctx, config::Config& config);
void bind_real_server(const Node& node, BindContext& ctx, config::VirtualServer& vs);
void bind_sorry_server(const Node& node, BindContext& ctx, config::VirtualServer& vs);
}  // namespace lvs

namespace {

using config::Duration;
using config::VirtualServer;
using namespace lvs;

std::string squote(std::string_view s) { return "'" + std::string(s) + "'"; }

// ---- SSL ---------------------------------------------------------------------------------

void bind_ssl_file(const Node& node, BindContext& ctx, std::optional<std::string>& field) {
  if (!expect_no_block(node, ctx) || !expect_args(node, ctx, 1)) return;
  if (field) {
    // keepalived: "SSL %s already specified - replacing" (counted as a config error).
    ctx.diag.warning(node.location(), squote(node.keyword()) +
                                          " given twice in SSL; the last "
                                          "one is used");
  }
  field = node.arg(0).text;
}

const Keyword<config::SslConfig> kSslKeywords[] = {
    {"password",
     [](const Node& n, BindContext& c, config::SslConfig& s) { bind_ssl_file(n, c, s.password); }},
    {"ca", [](const Node& n, BindContext& c, config::SslConfig& s) { bind_ssl_file(n, c, s.ca); }},
    {"certificate", [](const Node& n, BindContext& c,
                       config::SslConfig& s) { bind_ssl_file(n, c, s.certificate); }},
    {"key",
     [](const Node& n, BindContext& c, config::SslConfig& s) { bind_ssl_file(n, c, s.key); }},
};

void bind_ssl(const Node& node, BindContext& ctx, config::Config& config) {
  if (!expect_args(node, ctx, 0) || !expect_block(node, ctx)) return;
  if (config.lvs.ssl) {
    ctx.diag.warning(node.location(), "'SSL' block given twice; the last one replaces the first");
  }
  config::SslConfig ssl;
  ssl.location = node.location();
  bind_block(node, std::span<const Keyword<config::SslConfig>>(kSslKeywords), "SSL", ctx, ssl);
  config.lvs.ssl = std::move(ssl);
}

// ---- virtual_server keywords ----------------------------------------------------------------

void set_flag(const Node& n, BindContext& c, bool& flag) {
  if (auto v = parse_bool_arg(n, c)) flag = *v;
}

std::optional<config::LvsScheduler> parse_scheduler(const Node& n, BindContext& c) {
  using S = config::LvsScheduler;
  if (!expect_args(n, c, 1)) return std::nullopt;
  return parse_choice<S>(n, 0,
                         {{"rr", S::kRr},
                          {"wrr", S::kWrr},
                          {"lc", S::kLc},
                          {"wlc", S::kWlc},
                          {"lblc", S::kLblc},
                          {"sh", S::kSh},
                          {"mh", S::kMh},
                          {"dh", S::kDh},
                          {"fo", S::kFo},
                          {"ovf", S::kOvf},
                          {"lblcr", S::kLblcr},
                          {"sed", S::kSed},
                          {"nq", S::kNq},
                          {"twos", S::kTwos}},
                         c);
}

void bind_persistence_granularity(const Node& n, BindContext& c, VirtualServer& vs) {
  if (!expect_args(n, c, 1)) return;
  const std::string& t = n.arg(0).text;
  // keepalived decides by the VS family, or when that is not known yet by a '.' in the value:
  // IPv4 takes a netmask, IPv6 a prefix length.
  bool v4 = vs.family ? *vs.family == core::Family::kIPv4 : t.find('.') != std::string::npos;
  if (v4) {
    auto a = core::parse_ip_address(t);
    if (!a || !a->is_v4()) {
      c.diag.error(n.arg(0).location, "'persistence_granularity': invalid value " + squote(t) +
                                          " (expected an IPv4 netmask such as 255.255.255.0)");
      return;
    }
    vs.persistence_granularity_mask = *a;
    vs.persistence_granularity_prefix.reset();
  } else {
    auto p = parse_uint(n, 0, 1, 128, c);
    if (!p) return;
    vs.persistence_granularity_prefix = static_cast<std::uint8_t>(*p);
    vs.persistence_granularity_mask.reset();
  }
  if (!vs.family) vs.family = v4 ? core::Family::kIPv4 : core::Family::kIPv6;
  // keepalived: a granularity makes the service persistent (default timeout) if it was not.
  if (vs.persistence_timeout == 0) vs.persistence_timeout = 360;
}

void bind_ip_family(const Node& n, BindContext& c, VirtualServer& vs) {
  if (!expect_args(n, c, 1)) return;
  auto f = parse_choice<core::Family>(
      n, 0, {{"inet", core::Family::kIPv4}, {"inet6", core::Family::kIPv6}}, c);
  if (!f) return;
  if (vs.family && *vs.family != *f) {
    c.diag.error(n.arg(0).location, "'ip_family': " + n.arg(0).text +
                                        " conflicts with the virtual server's family " +
                                        std::string(core::family_name(*vs.family)));
    return;
  }
  vs.family = *f;
}

void bind_vs_notify(const Node& n, BindContext& c, std::optional<config::ScriptCommand>& slot,
                    const VirtualServer& vs) {
  if (slot) {
    // keepalived keeps the first: "quorum_up script already specified - ignoring".
    c.diag.warning(n.location(), squote(n.keyword()) + " given twice for virtual_server " +
                                     vs.name() + "; the first one is used");
    return;
  }
  auto s = parse_notify_script(n, c);
  if (!s) return;
  c.host.scripts.push_back(
      ScriptReference{s->command, s->user, ScriptKind::kCheckNotify, s->location,
                      std::string(n.keyword()) + " of virtual_server " + vs.name()});
  slot = std::move(*s);
}

using VsKeyword = Keyword<VirtualServer>;

const VsKeyword kVirtualServerKeywords[] = {
    {"ip_family", bind_ip_family},
    {"rise", [](const Node& n, BindContext& c, VirtualServer&) { report_misplaced_rise(n, c); }},
    {"retry",
     [](const Node& n, BindContext& c, VirtualServer& vs) {
       if (!expect_args(n, c, 1)) return;
       if (auto v = parse_uint(n, 0, 1, UINT32_MAX, c)) vs.retry = static_cast<std::uint32_t>(*v);
     }},
    {"delay_before_retry",
     [](const Node& n, BindContext& c, VirtualServer& vs) {
       if (auto d = parse_timer(n, Duration{0}, kMaxTimer, c)) vs.delay_before_retry = *d;
     }},
    {"warmup",
     [](const Node& n, BindContext& c, VirtualServer& vs) {
       if (auto d = parse_timer(n, Duration{0}, kMaxTimer, c)) vs.warmup = *d;
     }},
    {"connect_timeout",
     [](const Node& n, BindContext& c, VirtualServer& vs) {
       if (auto d = parse_timer(n, Duration{1}, kMaxConnectTimeout, c)) vs.connect_timeout = *d;
     }},
    {"delay_loop",
     [](const Node& n, BindContext& c, VirtualServer& vs) {
       if (auto d = parse_timer(n, Duration{1}, kMaxTimer, c)) vs.delay_loop = *d;
     }},
    {"inhibit_on_failure", [](const Node& n, BindContext& c,
                              VirtualServer& vs) { set_flag(n, c, vs.inhibit_on_failure); }},
    {"lb_algo",
     [](const Node& n, BindContext& c, VirtualServer& vs) {
       if (auto s = parse_scheduler(n, c)) vs.scheduler = *s;
     }},
    {"lvs_sched",
     [](const Node& n, BindContext& c, VirtualServer& vs) {
       if (auto s = parse_scheduler(n, c)) vs.scheduler = *s;
     }},
    {"hashed", [](const Node& n, BindContext& c, VirtualServer& vs) { set_flag(n, c, vs.hashed); }},
    {"ops", [](const Node& n, BindContext& c, VirtualServer& vs) { set_flag(n, c, vs.ops); }},
    {"flag-1", [](const Node& n, BindContext& c, VirtualServer& vs) { set_flag(n, c, vs.flag_1); }},
    {"flag-2", [](const Node& n, BindContext& c, VirtualServer& vs) { set_flag(n, c, vs.flag_2); }},
    {"flag-3", [](const Node& n, BindContext& c, VirtualServer& vs) { set_flag(n, c, vs.flag_3); }},
    {"sh-port",
     [](const Node& n, BindContext& c, VirtualServer& vs) { set_flag(n, c, vs.sh_port); }},
    {"sh-fallback",
     [](const Node& n, BindContext& c, VirtualServer& vs) { set_flag(n, c, vs.sh_fallback); }},
    {"mh-port",
     [](const Node& n, BindContext& c, VirtualServer& vs) { set_flag(n, c, vs.mh_port); }},
    {"mh-fallback",
     [](const Node& n, BindContext& c, VirtualServer& vs) { set_flag(n, c, vs.mh_fallback); }},
    {"lb_kind",
     [](const Node& n, BindContext& c, VirtualServer& vs) {
       if (auto f = parse_forwarding(n, c)) vs.forwarding = *f;
     }},
    {"lvs_method",
     [](const Node& n, BindContext& c, VirtualServer& vs) {
       if (auto f = parse_forwarding(n, c)) vs.forwarding = *f;
     }},
    {"persistence_engine",
     [](const Node& n, BindContext& c, VirtualServer& vs) {
       if (!expect_args(n, c, 1)) return;
       // IP_VS_PENAME_MAXLEN is 16 including the terminator; keepalived truncates.
       if (n.arg(0).text.size() > 15) {
         c.diag.error(n.arg(0).location, "'persistence_engine': name " + squote(n.arg(0).text) +
                                             " is longer than 15 characters");
         return;
       }
       vs.persistence_engine = n.arg(0).text;
     }},
    {"persistence_timeout",
     [](const Node& n, BindContext& c, VirtualServer& vs) {
       if (!expect_args(n, c, 0, 1)) return;
       if (n.argc() == 0) {
         vs.persistence_timeout = 360;  // IPVS_SVC_PERSISTENT_TIMEOUT, 6 minutes
         return;
       }
       // LVS_MAX_TIMEOUT: 31 days.
       if (auto v = parse_uint(n, 0, 1, 2678400, c)) {
         vs.persistence_timeout = static_cast<std::uint32_t>(*v);
       }
     }},
    {"persistence_granularity", bind_persistence_granularity},
    {"protocol",
     [](const Node& n, BindContext& c, VirtualServer& vs) {
       using P = config::LvsProtocol;
       if (!expect_args(n, c, 1)) return;
       if (auto p = parse_choice<P>(n, 0, {{"TCP", P::kTcp}, {"UDP", P::kUdp}, {"SCTP", P::kSctp}},
                                    c, /*ignore_case=*/true)) {
         vs.protocol = *p;
       }
     }},
    {"ha_suspend",
     [](const Node& n, BindContext& c, VirtualServer& vs) { set_flag(n, c, vs.ha_suspend); }},
    {"smtp_alert",
     [](const Node& n, BindContext& c, VirtualServer& vs) {
       if (auto v = parse_bool_arg(n, c)) vs.smtp_alert = *v;
     }},
    {"virtualhost",
     [](const Node& n, BindContext& c, VirtualServer& vs) {
       if (expect_args(n, c, 1)) vs.virtualhost = n.arg(0).text;
     }},
    {"snmp_name", nullptr, KeywordKind::kUnsupported, "SNMP"},
    {"alpha", [](const Node& n, BindContext& c, VirtualServer& vs) { set_flag(n, c, vs.alpha); }},
    {"omega", [](const Node& n, BindContext& c, VirtualServer& vs) { set_flag(n, c, vs.omega); }},
    {"quorum_up", [](const Node& n, BindContext& c,
                     VirtualServer& vs) { bind_vs_notify(n, c, vs.quorum_up, vs); }},
    {"quorum_down", [](const Node& n, BindContext& c,
                       VirtualServer& vs) { bind_vs_notify(n, c, vs.quorum_down, vs); }},
    {"quorum",
     [](const Node& n, BindContext& c, VirtualServer& vs) {
       if (!expect_args(n, c, 1)) return;
       if (auto v = parse_uint(n, 0, 1, UINT32_MAX, c)) vs.quorum = static_cast<std::uint32_t>(*v);
     }},
    {"hysteresis",
     [](const Node& n, BindContext& c, VirtualServer& vs) {
       if (!expect_args(n, c, 1)) return;
       if (auto v = parse_uint(n, 0, 0, UINT32_MAX, c)) {
         vs.hysteresis = static_cast<std::uint32_t>(*v);
       }
     }},
    {"weight",
     [](const Node& n, BindContext& c, VirtualServer& vs) {
       if (!expect_args(n, c, 1)) return;
       // IPVS_WEIGHT_LIMIT is INT_MAX.
       if (auto v = parse_uint(n, 0, 1, INT_MAX, c)) vs.weight = static_cast<std::uint32_t>(*v);
     }},
    {"sorry_server", bind_sorry_server},
    {"sorry_server_inhibit",
     [](const Node& n, BindContext& c, VirtualServer& vs) {
       if (!expect_args(n, c, 0, 1)) return;
       if (!vs.sorry_server) {
         c.diag.error(n.location(), "'sorry_server_inhibit' before or without 'sorry_server'");
         return;
       }
       set_flag(n, c, vs.sorry_server->inhibit);
     }},
    {"sorry_server_lvs_method",
     [](const Node& n, BindContext& c, VirtualServer& vs) {
       if (!vs.sorry_server) {
         c.diag.error(n.location(), "'sorry_server_lvs_method' before or without 'sorry_server'");
         return;
       }
       if (auto f = parse_forwarding(n, c)) vs.sorry_server->forwarding = *f;
     }},
    {"real_server", bind_real_server},
};

// `virtual_server ADDR [PORT] | fwmark N | group NAME { ... }`
void bind_virtual_server(const Node& node, BindContext& ctx, config::Config& config) {
  if (!expect_args(node, ctx, 1, 2)) return;
  // Bound in place: a virtual server is large, and moving each into the list costs.
  auto& list = config.lvs.virtual_servers;
  VirtualServer& vs = list.emplace_back();
  vs.location = node.location();
  const std::string& first = node.arg(0).text;
  if (first == "fwmark" || first == "group") {
    if (!expect_args(node, ctx, 2)) {
      list.pop_back();
      return;
    }
    if (first == "fwmark") {
      vs.kind = VirtualServer::Kind::kFwmark;
      // keepalived accepts 0, but a mark of 0 is "no mark" to the kernel and keepalived then
      // treats the service as an address service of 0.0.0.0.
      auto m = parse_uint(node, 1, 1, UINT32_MAX, ctx);
      if (!m) {
        list.pop_back();
        return;
      }
      vs.fwmark = static_cast<std::uint32_t>(*m);
    } else {
      vs.kind = VirtualServer::Kind::kGroup;
      vs.group = node.arg(1).text;
    }
  } else {
    auto a = parse_address(node, 0, ctx);
    auto p = parse_optional_port(node, 1, ctx);
    if (!a || !p) {  // keepalived skips the whole block
      list.pop_back();
      return;
    }
    vs.kind = VirtualServer::Kind::kAddress;
    vs.address = *a;
    vs.port = *p;
    vs.family = core::family_of(*a);
  }
  if (node.has_block) {
    // Room for exactly the real servers written: grown by doubling, a service of ten would
    // carry six spare ones, which is much of the model's size in a large configuration.
    vs.real_servers.reserve(static_cast<std::size_t>(
        std::count_if(node.children.begin(), node.children.end(),
                      [](const Node& c) { return c.keyword() == "real_server"; })));
    bind_block(node, std::span<const VsKeyword>(kVirtualServerKeywords), "virtual_server", ctx, vs);
  }
}

const Keyword<config::Config> kTopLevel[] = {
    {"SSL", bind_ssl},
    {"virtual_server_group", lvs::bind_virtual_server_group},
    {"virtual_server", bind_virtual_server},
};

}  // namespace

std::span<const Keyword<config::Config>> lvs_top_level_keywords() { return kTopLevel; }

}  // namespace vigil::parser
