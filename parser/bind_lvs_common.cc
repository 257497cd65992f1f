// Value parsers shared by the LVS binders: forwarding methods, ports, scripts, timers.
#include <charconv>

#include "parser/bind_lvs_internal.h"

namespace vigil::parser::lvs {
namespace {

std::string squote(std::string_view s) { return "'" + std::string(s) + "'"; }

}  // namespace

void notice(BindContext& ctx, const SourceLocation& at, std::string message) {
  ctx.diag.add(Diagnostic{Severity::kWarning, at, std::move(message), Impact::kInformational});
}

std::string join_args(const Node& node, std::size_t first) {
  std::string out;
  for (std::size_t i = first; i < node.argc(); ++i) {
    if (!out.empty()) out += ' ';
    out += node.arg(i).text;
  }
  return out;
}

std::optional<bool> parse_bool_arg(const Node& node, BindContext& ctx) {
  if (!expect_args(node, ctx, 0, 1)) return std::nullopt;
  return parse_flag(node, 0, ctx);
}

std::optional<config::Duration> parse_timer(const Node& node, config::Duration min,
                                            config::Duration max, BindContext& ctx) {
  if (!expect_args(node, ctx, 1)) return std::nullopt;
  return parse_seconds(node, 0, min, max, ctx);
}

std::optional<std::uint16_t> parse_port(const Node& node, std::size_t arg, BindContext& ctx) {
  auto v = parse_uint(node, arg, 1, 65535, ctx);
  if (!v) return std::nullopt;
  return static_cast<std::uint16_t>(*v);
}

std::optional<std::uint16_t> parse_optional_port(const Node& node, std::size_t arg,
                                                 BindContext& ctx) {
  if (arg >= node.argc()) return std::uint16_t{0};
  auto v = parse_uint(node, arg, 0, 65535, ctx);
  if (!v) return std::nullopt;
  return static_cast<std::uint16_t>(*v);
}

std::optional<config::ScriptCommand> parse_notify_script(const Node& node, BindContext& ctx) {
  if (!expect_args(node, ctx, 1, 3)) return std::nullopt;
  config::ScriptCommand s;
  s.location = node.arg(0).location;
  s.command = node.arg(0).text;
  if (s.command.empty()) {
    ctx.diag.error(node.arg(0).location, squote(node.keyword()) + ": empty script");
    return std::nullopt;
  }
  if (node.argc() > 1) s.user = node.arg(1).text;
  if (node.argc() > 2) s.group = node.arg(2).text;
  return s;
}

std::optional<config::ForwardingMethod> parse_forwarding(const Node& node, BindContext& ctx) {
  using config::ForwardingMethod;
  using config::LvsMethod;
  using config::TunnelChecksum;
  using config::TunnelType;
  if (!expect_no_block(node, ctx)) return std::nullopt;
  auto method = parse_choice<LvsMethod>(
      node, 0, {{"NAT", LvsMethod::kNat}, {"DR", LvsMethod::kDr}, {"TUN", LvsMethod::kTun}}, ctx);
  if (!method) return std::nullopt;
  ForwardingMethod fm;
  fm.method = *method;
  if (fm.method != LvsMethod::kTun) {
    // keepalived parses tunnel options after NAT/DR too and then ignores them; they are
    // certainly a mistake, so vigil reports them.
    if (!expect_args(node, ctx, 1)) return std::nullopt;
    return fm;
  }
  bool have_port = false;
  bool have_csum = false;
  for (std::size_t i = 1; i < node.argc(); ++i) {
    const std::string& w = node.arg(i).text;
    if (w == "type") {
      if (i + 1 >= node.argc()) {
        ctx.diag.error(node.arg(i).location,
                       squote(node.keyword()) + ": 'type' needs a tunnel type (ipip, gue, gre)");
        return std::nullopt;
      }
      auto t = parse_choice<TunnelType>(
          node, i + 1,
          {{"ipip", TunnelType::kIpip}, {"gue", TunnelType::kGue}, {"gre", TunnelType::kGre}}, ctx);
      if (!t) return std::nullopt;
      fm.tunnel_type = *t;
      ++i;
    } else if (w == "port") {
      if (i + 1 >= node.argc()) {
        ctx.diag.error(node.arg(i).location,
                       squote(node.keyword()) + ": 'port' needs a port number 1..65535");
        return std::nullopt;
      }
      auto p = parse_port(node, i + 1, ctx);
      if (!p) return std::nullopt;
      fm.tunnel_port = *p;
      have_port = true;
      ++i;
    } else if (w == "nocsum" || w == "csum" || w == "remcsum") {
      fm.tunnel_checksum = w == "nocsum" ? TunnelChecksum::kNoCsum
                           : w == "csum" ? TunnelChecksum::kCsum
                                         : TunnelChecksum::kRemCsum;
      have_csum = true;
    } else {
      ctx.diag.error(node.arg(i).location, squote(node.keyword()) + ": invalid tunnel option " +
                                               squote(w) +
                                               " (expected type, port, nocsum, csum or remcsum)");
      return std::nullopt;
    }
  }
  const SourceLocation& at = node.location();
  // keepalived (svr_forwarding_handler): GUE needs a port and only GUE may have one; IPIP
  // takes no checksum option; GRE no remote checksum.
  if ((fm.tunnel_type == TunnelType::kGue) != have_port) {
    ctx.diag.error(
        at, squote(node.keyword()) + ": " +
                (have_port ? "only gue tunnels take a port" : "a gue tunnel needs 'port N'"));
    return std::nullopt;
  }
  if (fm.tunnel_type == TunnelType::kIpip && have_csum &&
      fm.tunnel_checksum != TunnelChecksum::kNoCsum) {
    ctx.diag.error(at, squote(node.keyword()) + ": ipip tunnels take no checksum option");
    return std::nullopt;
  }
  if (fm.tunnel_type == TunnelType::kGre && fm.tunnel_checksum == TunnelChecksum::kRemCsum) {
    ctx.diag.error(at, squote(node.keyword()) + ": gre tunnels do not support remcsum");
    return std::nullopt;
  }
  return fm;
}

}  // namespace vigil::parser::lvs
