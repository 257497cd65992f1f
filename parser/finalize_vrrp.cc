// finalize_vrrp: what keepalived 2.2.7 does once the whole file is read (vrrp.c
// vrrp_complete_init / vrrp_complete_instance, vrrp_sync.c): minimum configuration, sync group
// membership, per-instance defaults from global_defs and the adjustments keepalived makes with
// a counted message, then VRID conflicts. The order of the checks follows keepalived's.
#include <algorithm>
#include <cstdio>

#include "parser/bind_vrrp_internal.h"
#include "parser/binders.h"

namespace vigil::parser {
namespace {

using config::Config;
using config::Duration;
using config::InstanceState;
using config::VrrpInstance;
using core::Family;
using namespace detail;

constexpr std::uint8_t kOwner = 255;  // RFC 5798 5.2.4: the address owner's priority

std::string pre(const VrrpInstance& i) { return "(" + i.name + ") "; }

std::string secs(Duration d, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, static_cast<double>(d.count()) / 1e6);
  return buf;
}

// keepalived's chk_min_cfg, run over every instance before anything else.
bool minimum_config(std::vector<VrrpInstance>& instances, BindContext& ctx) {
  bool ok = true;
  for (const VrrpInstance& i : instances) {
    if (!i.virtual_router_id) {
      ctx.diag.error(i.location, pre(i) +
                                     "the virtual router id must be set (virtual_router_id "
                                     "1..255)");
      ok = false;
    } else if (i.interface.empty() && i.unicast_peers.empty()) {
      ctx.diag.error(i.location, pre(i) +
                                     "no interface given (an interface is required "
                                     "unless unicast peers are configured)");
      ok = false;
    }
  }
  return ok;
}

VrrpInstance* find_instance(Config& c, std::string_view name) {
  for (auto& i : c.vrrp.instances) {
    if (i.name == name) return &i;
  }
  return nullptr;
}

void resolve_sync_groups(Config& c, BindContext& ctx) {
  auto& groups = c.vrrp.sync_groups;
  for (auto it = groups.begin(); it != groups.end();) {
    config::SyncGroup& g = *it;
    if (g.members.empty()) {
      ctx.diag.warning(g.location, "sync group " + q(g.name) +
                                       " has no virtual routers "
                                       "(members go in a 'group { }' "
                                       "block); removing it");
      it = groups.erase(it);
      continue;
    }
    std::vector<std::string> members;
    std::vector<SourceLocation> locations;
    for (std::size_t m = 0; m < g.members.size(); ++m) {
      VrrpInstance* inst = find_instance(c, g.members[m]);
      if (inst == nullptr) {
        ctx.diag.warning(g.member_locations[m], "virtual router " + q(g.members[m]) +
                                                    " specified in sync group " + q(g.name) +
                                                    " doesn't exist; ignoring it");
      } else if (!inst->sync_group.empty()) {
        ctx.diag.warning(g.member_locations[m], "virtual router " + q(g.members[m]) +
                                                    " cannot be in more than one "
                                                    "sync group (already in " +
                                                    q(inst->sync_group) + "); ignoring it in " +
                                                    q(g.name));
      } else if (std::find(members.begin(), members.end(), g.members[m]) == members.end()) {
        inst->sync_group = g.name;
        members.push_back(g.members[m]);
        locations.push_back(g.member_locations[m]);
      }
    }
    if (members.empty()) {
      ctx.diag.warning(g.location, "sync group " + q(g.name) +
                                       ": no matching virtual router "
                                       "found; removing it");
      it = groups.erase(it);
      continue;
    }
    if (members.size() == 1) {
      ctx.diag.warning(g.location, "sync group " + q(g.name) +
                                       " has only 1 virtual router - "
                                       "this probably isn't what you "
                                       "want");
    }
    g.members = std::move(members);
    g.member_locations = std::move(locations);
    ++it;
  }
}

const config::SyncGroup* group_of(const Config& c, const VrrpInstance& i) {
  for (const auto& g : c.vrrp.sync_groups) {
    if (g.name == i.sync_group) return &g;
  }
  return nullptr;
}

// VRRPv2 (RFC 3768) carries whole seconds in 8 bits, VRRPv3 (RFC 5798 5.2.7) centiseconds in
// 12 bits; keepalived rounds to the nearest unit and clamps with a counted message.
void settle_advert_int(VrrpInstance& i, BindContext& ctx) {
  const SourceLocation& at = i.location;
  Duration a = i.configured_advert_int.value_or(std::chrono::seconds(1));
  if (i.version == 2) {
    const Duration unit = std::chrono::seconds(1);
    if (a >= 256 * unit) {
      ctx.diag.warning(at, pre(i) + "VRRPv2 advertisement interval " + secs(a, 2) +
                               "s is out of range (must be less than 256s); using 255s");
      a = 255 * unit;
    } else if (a % unit != Duration(0)) {
      Duration r = ((a + unit / 2) / unit) * unit;
      if (r == Duration(0)) r = unit;
      ctx.diag.warning(at, pre(i) + "VRRPv2 advertisement interval " + secs(a, 6) +
                               "s must be an integer; rounding to " + secs(r, 0) + "s");
      a = r;
    }
  } else {
    const Duration unit = std::chrono::milliseconds(10);
    if (a >= 4096 * unit) {
      ctx.diag.warning(at, pre(i) + "VRRPv3 advertisement interval " + secs(a, 2) +
                               "s is out of range (must be less than 40.96s); using 40.95s");
      a = 4095 * unit;
    } else if (a % unit != Duration(0)) {
      Duration r = ((a + unit / 2) / unit) * unit;
      if (r == Duration(0)) r = unit;
      ctx.diag.warning(at, pre(i) + "VRRPv3 advertisement interval " + secs(a, 6) +
                               "s must be in units of 10ms; rounding to " + secs(r, 2) + "s");
      a = r;
    }
  }
  i.advert_int = a;
}

void complete_instance(Config& c, VrrpInstance& i, BindContext& ctx) {
  const config::GlobalDefs& g = c.global;
  const SourceLocation& at = i.location;
  const bool strict = i.strict_mode.value_or(g.vrrp_strict);
  i.strict_mode = strict;

  // Version: IPv6 needs VRRPv3 (RFC 5798; VRRPv2 is IPv4 only). keepalived only corrects an
  // explicit `version 2` of an IPv6 instance in strict mode and otherwise runs an IPv6
  // VRRPv2 instance that no peer can understand; vigil always corrects it.
  if (i.family == Family::kIPv6) {
    if (i.configured_version == 2) {
      ctx.diag.warning(at, pre(i) + "cannot use IPv6 with VRRP version 2; using version 3");
    }
    i.version = 3;
  } else {
    i.version = i.configured_version.value_or(g.vrrp_version);
  }

  if (i.virtual_ipaddress.empty()) {
    if (i.version == 3 || strict) {
      ctx.diag.error(at, pre(i) +
                             "no VIP specified; at least one is required (VRRPv3 or "
                             "strict mode)");
    } else {
      ctx.diag.warning(at, pre(i) + "no VIP specified; at least one is sensible");
    }
  }

  // Priority and initial state imply each other when only one is given.
  if (i.configured_priority) {
    i.priority = *i.configured_priority;
  } else {
    i.priority = i.configured_state == InstanceState::kMaster ? kOwner : 100;
  }
  if (!i.configured_state) {
    i.state = i.priority == kOwner ? InstanceState::kMaster : InstanceState::kBackup;
  } else {
    i.state = *i.configured_state;
    if (strict && ((i.state == InstanceState::kMaster) != (i.priority == kOwner))) {
      ctx.diag.warning(at, pre(i) +
                               "strict mode: state MASTER must match being the address "
                               "owner (priority 255); using state " +
                               std::string(i.priority == kOwner ? "MASTER" : "BACKUP"));
      i.state = i.priority == kOwner ? InstanceState::kMaster : InstanceState::kBackup;
    }
  }

  if (i.authentication) {
    const auto& auth = *i.authentication;
    std::string why;
    if (strict) {
      why = "strict mode does not support authentication";
    } else if (i.version == 3) {
      why = "VRRP version 3 does not support authentication";
    } else if (auth.password.empty()) {
      why = "authentication specified but no password given";
    } else if (i.family == Family::kIPv6 && auth.type == config::AuthType::kAh) {
      why = "cannot use AH authentication with IPv6";
    }
    if (!why.empty()) {
      ctx.diag.warning(auth.location, pre(i) + why + "; ignoring it");
      i.authentication.reset();
    } else if (auth.type == config::AuthType::kAh && i.state == InstanceState::kMaster &&
               i.priority != kOwner) {
      // An AH master must first learn the sequence number from a received advert.
      ctx.diag.warning(at, pre(i) +
                               "initial state MASTER is incompatible with AH "
                               "authentication; using BACKUP");
      i.state = InstanceState::kBackup;
    }
  }

  if (strict && !i.unicast_peers.empty()) {
    ctx.diag.error(at, pre(i) + "unicast peers are not supported in strict mode");
  }
  const auto& src = i.unicast_src_ip ? i.unicast_src_ip : i.mcast_src_ip;
  if (i.interface.empty()) {
    if (!src) {
      ctx.diag.error(at, pre(i) + "unicast instances must have unicast_src_ip or interface");
    } else if (src->is_v6() && src->to_v6().is_link_local()) {
      ctx.diag.error(at, pre(i) +
                             "a non link-local unicast_src_ip is required when the "
                             "interface is omitted");
    }
  }
  if (i.unicast_peers.empty() && i.unicast_keyword_used && !i.unicast_fault_no_peer) {
    ctx.diag.warning(at, pre(i) +
                             "a unicast keyword has been specified without any unicast "
                             "peers; defaulting to multicast (deprecated: add "
                             "unicast_peer or unicast_fault_no_peer)");
  }
  if (!i.unicast_peers.empty() && i.mcast_dst_ip) {
    ctx.diag.warning(at, pre(i) + "mcast_dst_ip given with unicast peers; ignoring it");
    i.mcast_dst_ip.reset();
  }

  // RFC 5798 5.2.9: with IPv6 the first address is the link-local one.
  if (i.family == Family::kIPv6 && i.unicast_peers.empty() && !i.virtual_ipaddress.empty() &&
      !i.virtual_ipaddress.front().address.address.to_v6().is_link_local()) {
    if (strict) {
      ctx.diag.warning(i.virtual_ipaddress.front().location,
                       pre(i) + "the first IPv6 VIP address must be link local");
    } else {
      notice(ctx, i.virtual_ipaddress.front().location,
             pre(i) + "the first IPv6 VIP address should be link local");
    }
  }

  // The advert carries at most 255 addresses and must fit a 1500-byte frame (keepalived uses
  // the interface MTU; 1500 when unknown). Extra addresses become excluded ones.
  std::size_t hdr = 14 + (i.family == Family::kIPv4 ? 20 : 40) + 8;
  if (i.family == Family::kIPv4 && i.version == 2) {
    hdr += 8;
    if (i.authentication && i.authentication->type == config::AuthType::kAh) hdr += 24;
  }
  std::size_t max_addr =
      std::min<std::size_t>(255, (1500 - hdr) / (i.family == Family::kIPv4 ? 4 : 16));
  if (i.virtual_ipaddress.size() > max_addr) {
    ctx.diag.warning(at, pre(i) + "number of VIPs (" + std::to_string(i.virtual_ipaddress.size()) +
                             ") exceeds the space in an advert (max " + std::to_string(max_addr) +
                             " addresses); the excess become virtual_ipaddress_excluded");
    i.virtual_ipaddress_excluded.insert(i.virtual_ipaddress_excluded.begin(),
                                        i.virtual_ipaddress.begin() + max_addr,
                                        i.virtual_ipaddress.end());
    i.virtual_ipaddress.resize(max_addr);
  }

  if (i.priority == kOwner && i.nopreempt) {
    ctx.diag.warning(at, pre(i) +
                             "nopreempt is incompatible with priority 255; ignoring "
                             "nopreempt");
    i.nopreempt = false;
  }
  if (i.state == InstanceState::kMaster) {
    if (i.nopreempt) {
      ctx.diag.warning(at, pre(i) +
                               "nopreempt will not work with initial state MASTER; "
                               "ignoring nopreempt");
      i.nopreempt = false;
    }
    if (i.preempt_delay != Duration(0)) {
      ctx.diag.warning(at, pre(i) +
                               "preempt_delay will not work with initial state MASTER; "
                               "ignoring preempt_delay");
      i.preempt_delay = {};
    }
  }
  if (i.preempt_delay != Duration(0)) {
    if (strict) {
      ctx.diag.warning(at, pre(i) +
                               "preempt_delay is incompatible with strict mode; ignoring "
                               "it");
      i.preempt_delay = {};
    }
    if (i.nopreempt) {
      ctx.diag.warning(at, pre(i) +
                               "preempt_delay is incompatible with nopreempt; ignoring "
                               "it");
      i.preempt_delay = {};
    }
  }

  // Accept mode (RFC 5798 6.1): on by default unless strict, always for the owner.
  if (!i.accept) i.accept = i.priority == kOwner ? true : !strict;
  if (*i.accept && i.priority != kOwner && strict && i.version == 2) {
    ctx.diag.warning(at, pre(i) +
                             "accept mode with VRRP version 2 does not comply with "
                             "RFC 3768; disabling it");
    i.accept = false;
  }

  if (!i.garp_lower_prio_repeat) {
    i.garp_lower_prio_repeat = strict ? 0 : *g.vrrp_garp_lower_prio_repeat;
  } else if (strict && *i.garp_lower_prio_repeat != 0) {
    ctx.diag.warning(at, pre(i) +
                             "strict mode requires no repeat GARPs "
                             "(garp_lower_prio_repeat); using 0");
    i.garp_lower_prio_repeat = 0;
  }
  if (!i.garp_lower_prio_delay) {
    i.garp_lower_prio_delay = strict ? Duration(0) : *g.vrrp_garp_lower_prio_delay;
  } else if (strict && *i.garp_lower_prio_delay != Duration(0)) {
    ctx.diag.warning(at, pre(i) +
                             "strict mode requires no repeat GARP delay "
                             "(garp_lower_prio_delay); using 0");
    i.garp_lower_prio_delay = Duration(0);
  }
  if (!i.lower_prio_no_advert) {
    i.lower_prio_no_advert = strict ? true : g.vrrp_lower_prio_no_advert;
  } else if (strict && !*i.lower_prio_no_advert) {
    ctx.diag.warning(at, pre(i) + "strict mode requires lower_prio_no_advert; setting it");
    i.lower_prio_no_advert = true;
  }
  if (!i.higher_prio_send_advert) {
    i.higher_prio_send_advert = strict ? false : g.vrrp_higher_prio_send_advert;
  } else if (strict && *i.higher_prio_send_advert) {
    ctx.diag.warning(at, pre(i) +
                             "strict mode requires higher_prio_send_advert to be clear; "
                             "clearing it");
    i.higher_prio_send_advert = false;
  }

  const config::SyncGroup* sg = group_of(c, i);
  if (!i.smtp_alert) i.smtp_alert = g.smtp_alert_vrrp.value_or(g.smtp_alert.value_or(false));
  if (!i.notify_priority_changes) {
    i.notify_priority_changes = (sg && sg->notify_priority_changes)
                                    ? *sg->notify_priority_changes
                                    : g.vrrp_notify_priority_changes;
  }

  settle_advert_int(i, ctx);

  // Settings keepalived copies from global_defs when it allocates the instance. (keepalived
  // copies them at that moment, so a global_defs placed after the instance does not reach
  // it; vigil applies global_defs wherever it is.)
  if (!i.garp_master_delay) i.garp_master_delay = g.vrrp_garp_master_delay;
  if (!i.garp_master_repeat) i.garp_master_repeat = g.vrrp_garp_master_repeat;
  if (!i.garp_master_refresh) i.garp_master_refresh = g.vrrp_garp_master_refresh;
  if (!i.garp_master_refresh_repeat) {
    i.garp_master_refresh_repeat = g.vrrp_garp_master_refresh_repeat;
  }
  if (!i.skip_check_adv_addr) i.skip_check_adv_addr = g.vrrp_skip_check_adv_addr;
  if (!i.check_unicast_src) i.check_unicast_src = g.vrrp_check_unicast_src;
  if (!i.down_timer_adverts) i.down_timer_adverts = g.vrrp_down_timer_adverts;
  if (strict && *i.down_timer_adverts != 3) {
    ctx.diag.warning(at, pre(i) +
                             "down_timer_adverts is incompatible with strict mode; using "
                             "3");
    i.down_timer_adverts = 3;
  }
  if (!i.garp_extra_if) {
    i.garp_extra_if = g.vrrp_garp_extra_if;
    i.garp_extra_if_all = g.vrrp_garp_extra_if_all;
  }

  if (!src) i.track_src_ip = false;
  if (i.vmac_xmit_base && !i.use_vmac) {
    ctx.diag.warning(at, pre(i) + "vmac_xmit_base is only valid with use_vmac; ignoring it");
    i.vmac_xmit_base = false;
  }
  if (i.promote_secondaries && (i.use_vmac || i.use_ipvlan)) {
    ctx.diag.warning(at, pre(i) +
                             "promote_secondaries is automatically set for VMACs; "
                             "ignoring it");
    i.promote_secondaries = false;
  }
  if (i.use_ipvlan && i.family == Family::kIPv4 && !i.ipvlan_address) {
    ctx.diag.warning(at, pre(i) +
                             "an IPv4 ipvlan requires a source address; the instance "
                             "will stay in FAULT state");
  }

  if (!i.interface.empty()) {
    std::erase_if(i.track_interfaces, [&](const config::TrackedInterface& t) {
      if (t.name != i.interface) return false;
      ctx.diag.warning(t.location, pre(i) + "ignoring track_interface " + q(t.name) +
                                       " since it is the instance's own interface");
      return true;
    });
  }

  // Without an interface of their own, addresses have nowhere to go.
  if (i.interface.empty()) {
    for (auto* list : {&i.virtual_ipaddress, &i.virtual_ipaddress_excluded}) {
      const bool excluded = list == &i.virtual_ipaddress_excluded;
      std::erase_if(*list, [&](const config::VirtualAddress& a) {
        if (!a.dev.empty()) return false;
        ctx.diag.error(a.location, pre(i) + "no interface for " + (excluded ? "e" : "") + "VIP " +
                                       a.address.address.to_string() +
                                       " (give 'dev' or an instance interface); removing it");
        return true;
      });
    }
  }

  // Members of a sync group (unless sync_group_tracking_weight) and address owners must not
  // have their priority changed by tracking (keepalived.conf(5), vrrp_sync_group).
  const bool sync_no_weight = sg && !sg->sync_group_tracking_weight;
  if (sync_no_weight || i.priority == kOwner) {
    const std::string why = sync_no_weight ? "SYNC group" : "address owner";
    std::erase_if(i.track_interfaces, [&](config::TrackedInterface& t) {
      if (t.weight == 0) return false;
      ctx.diag.warning(t.location, pre(i) + "ignoring " +
                                       std::string(sync_no_weight ? "weight of " : "") +
                                       "tracked interface " + q(t.name) + " due to " + why);
      t.weight = 0;
      return !sync_no_weight;
    });
    std::erase_if(i.track_scripts, [&](const config::TrackedScript& t) {
      if (t.weight.value_or(0) == 0) return false;
      ctx.diag.warning(t.location, pre(i) + "ignoring tracked script " + q(t.name) +
                                       " with weights due to " + why);
      return true;
    });
    std::erase_if(i.track_files, [&](config::TrackedFile& t) {
      if (t.weight.value_or(0) == 0) return false;
      if (t.weight == 1) {  // 1 is track_file's default weight
        ctx.diag.warning(t.location, pre(i) + "ignoring weight from tracked file " + q(t.name) +
                                         " due to " + why + "; specify weight 0");
        t.weight = 0;
        return false;
      }
      ctx.diag.warning(t.location, pre(i) + "ignoring tracked file " + q(t.name) + " with weight " +
                                       std::to_string(*t.weight) + " due to " + why);
      return true;
    });
  }
}

// Fills unset track_script/track_file weights from their definitions. Done before the
// sync-group and owner checks, which look at effective weights.
void resolve_track_weights(Config& c) {
  auto fill = [&](std::vector<config::TrackedScript>& scripts,
                  std::vector<config::TrackedFile>& files) {
    for (auto& t : scripts) {
      for (const auto& s : c.vrrp.scripts) {
        if (s.name != t.name) continue;
        if (!t.weight) t.weight = s.weight;
        if (!t.reverse) t.reverse = s.weight_reverse;
      }
    }
    for (auto& t : files) {
      for (const auto& f : c.vrrp.track_files) {
        if (f.name != t.name) continue;
        if (!t.weight) t.weight = f.weight;
        if (!t.reverse) t.reverse = f.weight_reverse;
      }
    }
  };
  for (auto& i : c.vrrp.instances) fill(i.track_scripts, i.track_files);
  for (auto& g : c.vrrp.sync_groups) fill(g.track_scripts, g.track_files);
}

void complete_sync_groups(Config& c, BindContext& ctx) {
  for (auto& g : c.vrrp.sync_groups) {
    bool has_owner = false;
    for (const auto& m : g.members) {
      if (const VrrpInstance* i = find_instance(c, m)) has_owner |= i->priority == kOwner;
    }
    const std::string owner_msg = " with a member having priority 255";
    if (has_owner) {
      for (auto& t : g.track_scripts) {
        if (t.weight.value_or(0) == 0) continue;
        ctx.diag.warning(t.location, "(" + g.name + ") cannot have weighted track script " +
                                         q(t.name) + owner_msg + "; clearing the weight");
        t.weight = 0;
      }
      for (auto& t : g.track_files) {
        if (t.weight.value_or(0) == 0) continue;
        ctx.diag.warning(t.location, "(" + g.name + ") cannot have weighted track file " +
                                         q(t.name) + owner_msg + "; setting weight 0");
        t.weight = 0;
      }
      for (auto& t : g.track_interfaces) {
        if (t.weight == 0) continue;
        ctx.diag.warning(t.location, "(" + g.name + ") cannot have weighted track interface " +
                                         q(t.name) + owner_msg + "; clearing the weight");
        t.weight = 0;
      }
    }
    // Tracking configured on both the group and a member: keepalived only logs this.
    for (const auto& m : g.members) {
      const VrrpInstance* i = find_instance(c, m);
      if (i == nullptr) continue;
      for (const auto& t : g.track_scripts) {
        for (const auto& it : i->track_scripts) {
          if (it.name == t.name) {
            notice(ctx, it.location,
                   pre(*i) + "track_script " + q(t.name) +
                       " is configured on "
                       "the VRRP instance "
                       "and its sync "
                       "group; remove the "
                       "instance's");
          }
        }
      }
    }
    if (!g.smtp_alert) {
      g.smtp_alert = c.global.smtp_alert_vrrp.value_or(c.global.smtp_alert.value_or(false));
    }
  }
}

// keepalived's check_vrid_conflicts: one VRID per interface, family and multicast/unicast
// space; unicast instances conflict only when their local addresses are the same.
void check_vrid_conflicts(Config& c, BindContext& ctx) {
  auto& v = c.vrrp.instances;
  for (std::size_t a = 0; a < v.size(); ++a) {
    for (std::size_t b = a + 1; b < v.size(); ++b) {
      const VrrpInstance& x = v[a];
      const VrrpInstance& y = v[b];
      if (x.family != y.family || x.virtual_router_id != y.virtual_router_id) continue;
      if (x.unicast_peers.empty() != y.unicast_peers.empty()) continue;
      const std::string fam = x.family == Family::kIPv4 ? "4" : "6";
      if (!x.unicast_peers.empty()) {
        if (!x.interface.empty() && !y.interface.empty() && x.interface != y.interface) continue;
        auto xs = x.unicast_src_ip ? x.unicast_src_ip : x.mcast_src_ip;
        auto ys = y.unicast_src_ip ? y.unicast_src_ip : y.mcast_src_ip;
        // Without configured source addresses they come from the interface: the same
        // interface gives the same address.
        bool same = (xs && ys) ? *xs == *ys : (!xs && !ys && x.interface == y.interface);
        if (!same) continue;
        ctx.diag.error(y.location, pre(x) + "duplicate VRID conflict with " + y.name + " VRID " +
                                       std::to_string(*x.virtual_router_id));
        continue;
      }
      if (x.interface != y.interface) continue;
      ctx.diag.error(y.location, x.name + " and " + y.name + " both use VRID " +
                                     std::to_string(*x.virtual_router_id) + " with IPv" + fam +
                                     " on interface " + x.interface);
    }
  }
}

void record_scripts(const Config& c, BindContext& ctx) {
  const std::string& default_user = c.global.script_user;
  auto user_of = [&](const config::ScriptSpec& s) {
    return s.user.empty() ? default_user : s.user;
  };
  for (const auto& s : c.vrrp.scripts) {
    ctx.host.scripts.push_back({s.script.command, user_of(s.script), ScriptKind::kTrack,
                                s.script.location, "vrrp_script " + s.name});
  }
  auto notify = [&](const config::Boxed<config::ScriptSpec>& s, std::string what) {
    if (!s) return;
    ctx.host.scripts.push_back(
        {s->command, user_of(*s), ScriptKind::kNotify, s->location, std::move(what)});
  };
  for (const auto& i : c.vrrp.instances) {
    notify(i.notify_master, "notify_master of " + i.name);
    notify(i.notify_backup, "notify_backup of " + i.name);
    notify(i.notify_fault, "notify_fault of " + i.name);
    notify(i.notify_stop, "notify_stop of " + i.name);
    notify(i.notify, "notify of " + i.name);
    notify(i.notify_master_rx_lower_pri, "notify_master_rx_lower_pri of " + i.name);
    notify(i.notify_deleted_script, "notify_deleted of " + i.name);
  }
  for (const auto& g : c.vrrp.sync_groups) {
    notify(g.notify_master, "notify_master of " + g.name);
    notify(g.notify_backup, "notify_backup of " + g.name);
    notify(g.notify_fault, "notify_fault of " + g.name);
    notify(g.notify_stop, "notify_stop of " + g.name);
    notify(g.notify, "notify of " + g.name);
  }
}

void check_track_groups(Config& c, BindContext& ctx) {
  for (auto& tg : c.vrrp.track_groups) {
    std::erase_if(tg.members, [&](const std::string& m) {
      if (find_instance(c, m)) return false;
      ctx.diag.warning(tg.location, "vrrp instance " + q(m) + " specified in track_group " +
                                        q(tg.name) + " doesn't exist; ignoring it");
      return true;
    });
  }
  auto known = [&](const std::string& name) {
    if (name.empty()) return true;
    for (const auto& tg : c.vrrp.track_groups) {
      if (tg.name == name) return true;
    }
    return false;
  };
  auto check = [&](std::string& name, const SourceLocation& at) {
    if (known(name)) return;
    ctx.diag.error(at, "track_group " + q(name) + " not found");
    name.clear();
  };
  for (auto& a : c.vrrp.static_addresses) check(a.track_group, a.location);
  for (auto& r : c.vrrp.static_routes) check(r.track_group, r.location);
  for (auto& r : c.vrrp.static_rules) check(r.track_group, r.location);
  // A static address without dev goes on default_interface.
  for (const auto& a : c.vrrp.static_addresses) {
    if (a.dev.empty()) {
      ctx.host.interfaces.push_back(
          {c.global.default_interface, a.location,
           "default_interface (static address " + a.address.address.to_string() + ")"});
    }
  }
}

}  // namespace

void finalize_vrrp(config::Config& config, BindContext& ctx) {
  for (auto& s : config.vrrp.scripts) {
    if (!s.timeout) s.timeout = s.interval;
  }
  check_track_groups(config, ctx);
  if (minimum_config(config.vrrp.instances, ctx)) {
    resolve_sync_groups(config, ctx);
    resolve_track_weights(config);
    for (auto& i : config.vrrp.instances) complete_instance(config, i, ctx);
    complete_sync_groups(config, ctx);
    check_vrid_conflicts(config, ctx);
  } else {
    // keepalived stops at the first instance without the minimum configuration; vigil still
    // resolves what it can so that the dump is meaningful, without further messages.
    Diagnostics scratch;
    HostReferences scratch_host;
    BindContext quiet{scratch, ctx.options, scratch_host};
    resolve_sync_groups(config, quiet);
    resolve_track_weights(config);
    for (auto& i : config.vrrp.instances) complete_instance(config, i, quiet);
    complete_sync_groups(config, quiet);
  }
  if (config.global.lvs_sync_daemon && !config.global.lvs_sync_daemon->instance.empty() &&
      find_instance(config, config.global.lvs_sync_daemon->instance) == nullptr) {
    // keepalived clears the setting when it starts the sync daemon; -t does not report it.
    notice(ctx, config.global.lvs_sync_daemon->location,
           "unable to find vrrp_instance " + q(config.global.lvs_sync_daemon->instance) +
               " for lvs_sync_daemon; clearing the lvs_sync_daemon configuration");
    config.global.lvs_sync_daemon.reset();
  }
  record_scripts(config, ctx);
}

}  // namespace vigil::parser
