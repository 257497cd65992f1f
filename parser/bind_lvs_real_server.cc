// real_server and sorry_server of a virtual_server, as keepalived 2.2.7 reads them
// (rs_* handlers in keepalived/check/check_parser.c).
#include <climits>
#include <vector>

#include "parser/bind_lvs_internal.h"

namespace vigil::parser::lvs {
namespace {

using config::Duration;
using config::RealServer;

std::string squote(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string rs_name(const RealServer& rs) {
  std::string a = rs.address.to_string();
  if (rs.address.is_v6()) a = "[" + a + "]";
  return rs.port ? a + ":" + std::to_string(rs.port) : a;
}

void bind_rs_notify(const Node& n, BindContext& c, config::Boxed<config::ScriptCommand>& slot,
                    const RealServer& rs) {
  if (slot) {
    // keepalived keeps the first: "notify_up script already specified - ignoring".
    c.diag.warning(n.location(), squote(n.keyword()) + " given twice for real_server " +
                                     rs_name(rs) + "; the first one is used");
    return;
  }
  auto s = parse_notify_script(n, c);
  if (!s) return;
  c.host.scripts.push_back(
      ScriptReference{s->command, s->user, ScriptKind::kCheckNotify, s->location,
                      std::string(n.keyword()) + " of real_server " + rs_name(rs)});
  slot = std::move(*s);
}

void set_optional_flag(const Node& n, BindContext& c, std::optional<bool>& flag) {
  if (auto v = parse_bool_arg(n, c)) flag = *v;
}

using RsKeyword = Keyword<RealServer>;

const RsKeyword kRealServerKeywords[] = {
    {"weight",
     [](const Node& n, BindContext& c, RealServer& rs) {
       if (!expect_args(n, c, 1)) return;
       if (auto v = parse_uint(n, 0, 0, INT_MAX, c)) rs.weight = static_cast<std::uint32_t>(*v);
     }},
    {"lvs_method",
     [](const Node& n, BindContext& c, RealServer& rs) {
       if (auto f = parse_forwarding(n, c)) rs.forwarding = *f;
     }},
    {"uthreshold",
     [](const Node& n, BindContext& c, RealServer& rs) {
       if (!expect_args(n, c, 1)) return;
       if (auto v = parse_uint(n, 0, 0, UINT32_MAX, c)) {
         rs.uthreshold = static_cast<std::uint32_t>(*v);
       }
     }},
    {"lthreshold",
     [](const Node& n, BindContext& c, RealServer& rs) {
       if (!expect_args(n, c, 1)) return;
       if (auto v = parse_uint(n, 0, 0, UINT32_MAX, c)) {
         rs.lthreshold = static_cast<std::uint32_t>(*v);
       }
     }},
    {"inhibit_on_failure", [](const Node& n, BindContext& c,
                              RealServer& rs) { set_optional_flag(n, c, rs.inhibit_on_failure); }},
    {"notify_up",
     [](const Node& n, BindContext& c, RealServer& rs) { bind_rs_notify(n, c, rs.notify_up, rs); }},
    {"notify_down", [](const Node& n, BindContext& c,
                       RealServer& rs) { bind_rs_notify(n, c, rs.notify_down, rs); }},
    {"alpha",
     [](const Node& n, BindContext& c, RealServer& rs) { set_optional_flag(n, c, rs.alpha); }},
    {"rise", [](const Node& n, BindContext& c, RealServer&) { report_misplaced_rise(n, c); }},
    {"retry",
     [](const Node& n, BindContext& c, RealServer& rs) {
       if (!expect_args(n, c, 1)) return;
       if (auto v = parse_uint(n, 0, 1, UINT32_MAX, c)) rs.retry = static_cast<std::uint32_t>(*v);
     }},
    {"delay_before_retry",
     [](const Node& n, BindContext& c, RealServer& rs) {
       if (auto d = parse_timer(n, Duration{0}, kMaxTimer, c)) rs.delay_before_retry = *d;
     }},
    {"warmup",
     [](const Node& n, BindContext& c, RealServer& rs) {
       if (auto d = parse_timer(n, Duration{0}, kMaxTimer, c)) rs.warmup = *d;
     }},
    {"connect_timeout",
     [](const Node& n, BindContext& c, RealServer& rs) {
       if (auto d = parse_timer(n, Duration{1}, kMaxConnectTimeout, c)) rs.connect_timeout = *d;
     }},
    {"delay_loop",
     [](const Node& n, BindContext& c, RealServer& rs) {
       if (auto d = parse_timer(n, Duration{1}, kMaxTimer, c)) rs.delay_loop = *d;
     }},
    {"smtp_alert",
     [](const Node& n, BindContext& c, RealServer& rs) { set_optional_flag(n, c, rs.smtp_alert); }},
    {"virtualhost",
     [](const Node& n, BindContext& c, RealServer& rs) {
       if (expect_args(n, c, 1)) rs.virtualhost = n.arg(0).text;
     }},
    {"snmp_name", nullptr, KeywordKind::kUnsupported, "SNMP"},
};

const std::vector<RsKeyword>& real_server_table() {
  static const std::vector<RsKeyword> table = [] {
    std::vector<RsKeyword> t(std::begin(kRealServerKeywords), std::end(kRealServerKeywords));
    auto checkers = checker_keywords();
    t.insert(t.end(), checkers.begin(), checkers.end());
    return t;
  }();
  return table;
}

}  // namespace

// `real_server ADDR [PORT] { ... }`
void bind_real_server(const Node& node, BindContext& ctx, config::VirtualServer& vs) {
  if (!expect_args(node, ctx, 1, 2)) return;
  auto a = parse_address(node, 0, ctx);
  auto p = parse_optional_port(node, 1, ctx);
  if (!a || !p) return;  // keepalived skips the block
  RealServer rs;
  rs.location = node.location();
  rs.address = *a;
  rs.port = *p;
  if (node.has_block) {
    bind_block(node, std::span<const RsKeyword>(real_server_table()), "real_server", ctx, rs);
  }
  vs.real_servers.push_back(std::move(rs));
}

// `sorry_server ADDR [PORT]`
void bind_sorry_server(const Node& node, BindContext& ctx, config::VirtualServer& vs) {
  if (!expect_no_block(node, ctx) || !expect_args(node, ctx, 1, 2)) return;
  auto a = parse_address(node, 0, ctx);
  auto p = parse_optional_port(node, 1, ctx);
  if (!a || !p) return;
  if (vs.sorry_server) {
    ctx.diag.warning(node.location(), "'sorry_server' given twice for virtual_server " + vs.name() +
                                          "; the last one is used");
  }
  config::SorryServer s;
  s.location = node.location();
  s.address = *a;
  s.port = *p;
  vs.sorry_server = std::move(s);
}

}  // namespace vigil::parser::lvs
