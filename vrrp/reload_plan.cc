#include "vrrp/reload_plan.h"

#include <algorithm>
#include <map>

namespace vigil::vrrp {

InstanceIdentity identity_of(const config::VrrpInstance& instance) {
  InstanceIdentity id;
  id.interface = instance.interface;
  id.vrid = instance.virtual_router_id.value_or(0);
  id.family = instance.family;
  id.unicast = !instance.unicast_peers.empty();
  id.use_vmac = instance.use_vmac;
  if (instance.use_vmac) {
    id.vmac_name = instance.vmac_name;
    id.vmac_mac = instance.vmac_mac;
  }
  // The engine's order: unicast_src_ip, else mcast_src_ip.
  if (instance.unicast_src_ip) {
    id.source = instance.unicast_src_ip;
  } else if (instance.mcast_src_ip) {
    id.source = instance.mcast_src_ip;
  }
  return id;
}

namespace {

std::string text_or(const std::string& s, const char* none) { return s.empty() ? none : s; }

std::string source_text(const std::optional<core::IpAddress>& a) {
  return a ? a->to_string() : std::string("(interface address)");
}

std::string family_text(core::Family f) { return f == core::Family::kIPv4 ? "IPv4" : "IPv6"; }

}  // namespace

std::string identity_change(const config::VrrpInstance& before, const config::VrrpInstance& after) {
  const InstanceIdentity a = identity_of(before);
  const InstanceIdentity b = identity_of(after);
  std::string out;
  auto add = [&out](const std::string& what, const std::string& from, const std::string& to) {
    if (from == to) return;
    if (!out.empty()) out += ", ";
    out += what + " " + from + " -> " + to;
  };
  add("interface", text_or(a.interface, "(none)"), text_or(b.interface, "(none)"));
  add("virtual_router_id", std::to_string(a.vrid), std::to_string(b.vrid));
  add("family", family_text(a.family), family_text(b.family));
  add("transport", a.unicast ? "unicast" : "multicast", b.unicast ? "unicast" : "multicast");
  add("use_vmac", a.use_vmac ? "on" : "off", b.use_vmac ? "on" : "off");
  add("vmac_name", text_or(a.vmac_name, "(default)"), text_or(b.vmac_name, "(default)"));
  add("vmac_mac", text_or(a.vmac_mac, "(default)"), text_or(b.vmac_mac, "(default)"));
  add("source address", source_text(a.source), source_text(b.source));
  return out;
}

ReloadPlan plan_reload(std::span<const config::VrrpInstance* const> running,
                       std::span<const config::VrrpInstance> next) {
  ReloadPlan plan;
  std::vector<bool> taken(running.size(), false);
  std::vector<InstanceIdentity> ids;
  ids.reserve(running.size());
  for (const auto* r : running) ids.push_back(identity_of(*r));
  for (std::size_t to = 0; to < next.size(); ++to) {
    const InstanceIdentity id = identity_of(next[to]);
    std::optional<std::size_t> match;
    for (std::size_t from = 0; from < running.size(); ++from) {
      if (taken[from] || ids[from] != id) continue;
      if (running[from]->name == next[to].name) {
        match = from;
        break;
      }
      if (!match) match = from;
    }
    if (match) {
      taken[*match] = true;
      plan.kept.push_back({*match, to});
    } else {
      plan.added.push_back(to);
    }
  }
  for (std::size_t from = 0; from < running.size(); ++from) {
    if (!taken[from]) plan.removed.push_back(from);
  }
  return plan;
}

KeyedDiff diff_by_key(std::span<const std::string> before, std::span<const std::string> after) {
  KeyedDiff diff;
  std::multimap<std::string_view, std::size_t> unmatched;
  for (std::size_t i = 0; i < before.size(); ++i) unmatched.emplace(before[i], i);
  for (std::size_t j = 0; j < after.size(); ++j) {
    auto it = unmatched.find(after[j]);
    if (it == unmatched.end()) {
      diff.added.push_back(j);
      continue;
    }
    diff.kept.emplace_back(it->second, j);
    unmatched.erase(it);
  }
  for (const auto& [key, i] : unmatched) diff.removed.push_back(i);
  std::sort(diff.removed.begin(), diff.removed.end());
  return diff;
}

}  // namespace vigil::vrrp
