// virtual_server_group NAME { ADDR[-END|/LEN] [PORT] ... | fwmark N [inet|inet6] ... }, as
// keepalived 2.2.7's alloc_vsg_entry() (check_data.c) reads the entries.
#include <array>
#include <charconv>
#include <climits>

#include "parser/bind_lvs_internal.h"
#include "parser/config/config.h"

namespace vigil::parser::lvs {
namespace {

using config::VirtualServerGroupEntry;

std::string squote(std::string_view s) { return "'" + std::string(s) + "'"; }

// The address as a 128-bit big-endian value split in two halves, for comparisons and masks.
struct Wide {
  std::uint64_t hi = 0, lo = 0;
  auto operator<=>(const Wide&) const = default;
};

Wide to_wide(const core::IpAddress& a) {
  Wide w;
  if (a.is_v4()) {
    w.lo = a.to_v4().to_uint();
    return w;
  }
  auto b = a.to_v6().to_bytes();
  for (int i = 0; i < 8; ++i) w.hi = (w.hi << 8) | b[i];
  for (int i = 8; i < 16; ++i) w.lo = (w.lo << 8) | b[i];
  return w;
}

core::IpAddress from_wide(const Wide& w, bool v4) {
  if (v4) return boost::asio::ip::address_v4(static_cast<std::uint32_t>(w.lo));
  boost::asio::ip::address_v6::bytes_type b{};
  for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(w.hi >> (56 - 8 * i));
  for (int i = 0; i < 8; ++i) b[8 + i] = static_cast<unsigned char>(w.lo >> (56 - 8 * i));
  return boost::asio::ip::address_v6(b);
}

// Host bits of a /len prefix in an address of `bits` bits.
Wide host_mask(unsigned len, unsigned bits) {
  Wide m;
  unsigned host = bits - len;
  if (host >= 64) {
    m.lo = ~0ULL;
    m.hi = host >= 128 ? ~0ULL : (host == 64 ? 0 : (~0ULL >> (128 - host)));
  } else {
    m.lo = host == 0 ? 0 : (~0ULL >> (64 - host));
  }
  return m;
}

bool parse_entry_address(const Node& node, BindContext& ctx, VirtualServerGroupEntry& e) {
  const Token& tok = node.words[0];
  const std::string& text = tok.text;
  auto bad = [&](const std::string& why) {
    ctx.diag.error(tok.location, "virtual_server_group entry " + squote(text) + ": " + why);
    return false;
  };
  if (auto slash = text.find('/'); slash != std::string::npos) {
    auto base = core::parse_ip_address(std::string_view(text).substr(0, slash));
    if (!base) return bad("invalid address (expected ADDR, ADDR-END or ADDR/LEN)");
    unsigned bits = base->is_v4() ? 32 : 128;
    unsigned len = 0;
    std::string_view ls = std::string_view(text).substr(slash + 1);
    auto [p, ec] = std::from_chars(ls.data(), ls.data() + ls.size(), len);
    if (ls.empty() || ec != std::errc() || p != ls.data() + ls.size() || len == 0 || len > bits) {
      return bad("invalid prefix length (expected 1.." + std::to_string(bits) + ")");
    }
    Wide w = to_wide(*base), m = host_mask(len, bits);
    if ((w.hi & m.hi) != 0 || (w.lo & m.lo) != 0) {
      return bad("address has bits set beyond the /" + std::to_string(len) + " prefix");
    }
    e.first = *base;
    e.last = from_wide(Wide{w.hi | m.hi, w.lo | m.lo}, base->is_v4());
    return true;
  }
  auto dash = text.find('-');
  auto start = core::parse_ip_address(std::string_view(text).substr(0, dash));
  if (!start) return bad("invalid address (expected ADDR, ADDR-END or ADDR/LEN)");
  e.first = e.last = *start;
  if (dash == std::string::npos) return true;
  std::string_view end_text = std::string_view(text).substr(dash + 1);
  bool full_end = start->is_v4() ? end_text.find('.') != std::string_view::npos
                                 : end_text.find(':') != std::string_view::npos;
  if (full_end) {
    auto end = core::parse_ip_address(end_text);
    if (!end) return bad("invalid range end");
    if (end->is_v4() != start->is_v4()) return bad("range ends are of different families");
    if (to_wide(*end) < to_wide(*start)) return bad("range end is below its start");
    e.last = *end;
    return true;
  }
  // The last octet (IPv4, decimal) or last 16-bit group (IPv6, hex), as keepalived's inet_stor.
  unsigned last = 0;
  int base = start->is_v4() ? 10 : 16;
  unsigned limit = start->is_v4() ? 255 : 0xffff;
  auto [p, ec] = std::from_chars(end_text.data(), end_text.data() + end_text.size(), last, base);
  if (end_text.empty() || ec != std::errc() || p != end_text.data() + end_text.size() ||
      last > limit) {
    return bad(start->is_v4() ? "invalid range end (expected the last octet, 0..255)"
                              : "invalid range end (expected the last group, 0..ffff)");
  }
  Wide w = to_wide(*start);
  unsigned first_part = static_cast<unsigned>(w.lo & limit);
  if (first_part >= last) return bad("range end is not above its start");
  w.lo = (w.lo & ~static_cast<std::uint64_t>(limit)) | last;
  e.last = from_wide(w, start->is_v4());
  return true;
}

void bind_entry(const Node& node, BindContext& ctx, config::VirtualServerGroup& group) {
  if (!expect_no_block(node, ctx)) return;
  VirtualServerGroupEntry e;
  e.location = node.location();
  if (node.keyword() == "fwmark") {
    if (!expect_args(node, ctx, 1, 2)) return;
    auto m = parse_uint(node, 0, 1, UINT32_MAX, ctx);
    if (!m) return;
    e.is_fwmark = true;
    e.fwmark = static_cast<std::uint32_t>(*m);
    if (node.argc() == 2) {
      auto f = parse_choice<core::Family>(
          node, 1, {{"inet", core::Family::kIPv4}, {"inet6", core::Family::kIPv6}}, ctx);
      if (!f) return;
      e.fwmark_family = *f;
    }
  } else {
    if (!expect_args(node, ctx, 0, 1)) return;
    if (!parse_entry_address(node, ctx, e)) return;
    auto p = parse_optional_port(node, 0, ctx);
    if (!p) return;
    e.port = *p;
  }
  group.entries.push_back(std::move(e));
}

}  // namespace

void bind_virtual_server_group(const Node& node, BindContext& ctx, config::Config& config) {
  if (!expect_args(node, ctx, 1) || !expect_block(node, ctx)) return;
  config::VirtualServerGroup group;
  group.location = node.location();
  group.name = node.arg(0).text;
  for (const auto& g : config.lvs.groups) {
    if (g.name == group.name) {
      ctx.diag.error(node.arg(0).location, "virtual_server_group " + squote(group.name) +
                                               " is already defined at " + g.location.str());
      return;
    }
  }
  for (const Node& child : node.children) bind_entry(child, ctx, group);
  if (group.entries.empty()) {
    ctx.diag.warning(node.location(), "virtual_server_group " + squote(group.name) +
                                          " has no valid entries; it is ignored");
    return;
  }
  bool v4 = false, v6 = false, unfamilied_fwmark = false;
  for (const auto& e : group.entries) {
    if (e.is_fwmark) {
      if (!e.fwmark_family)
        unfamilied_fwmark = true;
      else
        (*e.fwmark_family == core::Family::kIPv4 ? v4 : v6) = true;
    } else {
      (e.first.is_v4() ? v4 : v6) = true;
    }
  }
  if (v4 && v6 && unfamilied_fwmark) {
    ctx.diag.warning(node.location(),
                     "virtual_server_group " + squote(group.name) +
                         " mixes IPv4 and IPv6 with a fwmark of no family (add inet or inet6); "
                         "it is ignored, as keepalived does");
    return;
  }
  config.lvs.groups.push_back(std::move(group));
}

}  // namespace vigil::parser::lvs
