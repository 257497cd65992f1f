// vrrp_to_json: the effective VRRP side, keys in model order (conventions in parser/binders.h).
#include "parser/bind_vrrp_internal.h"
#include "parser/binders.h"

namespace vigil::parser {
namespace {

using namespace detail;

Json str_or_null(const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); }

Json prefix_json(const std::optional<core::IpPrefix>& p) {
  return p ? Json(p->str()) : Json(nullptr);
}

Json address_line(const config::VirtualAddress& a) {
  Json j;
  j["address"] = a.address.str();
  j["broadcast"] = address_json(a.broadcast);
  j["dev"] = str_or_null(a.dev);
  j["scope"] = opt_json(a.scope);
  j["label"] = opt_json(a.label);
  j["peer"] = address_json(a.peer);
  j["home"] = a.home;
  j["nodad"] = a.nodad;
  j["mngtmpaddr"] = a.mngtmpaddr;
  j["noprefixroute"] = a.noprefixroute;
  j["autojoin"] = a.autojoin;
  j["no_track"] = a.no_track;
  j["use_vmac"] = a.use_vmac;
  if (a.address.address.is_v6()) {
    j["preferred_lft"] = a.preferred_lft ? Json(*a.preferred_lft) : Json("forever");
  } else {
    j["preferred_lft"] = nullptr;
  }
  j["track_group"] = str_or_null(a.track_group);
  return j;
}

Json route_line(const config::Route& r) {
  Json j;
  j["family"] = std::string(core::family_name(r.family));
  j["to"] = r.to ? Json(r.to->str()) : Json("default");
  j["type"] = r.type;
  j["src"] = address_json(r.src);
  j["from"] = prefix_json(r.from);
  j["via"] = address_json(r.via);
  j["dev"] = str_or_null(r.dev);
  j["table"] = r.table;
  j["protocol"] = opt_json(r.protocol);
  j["scope"] = opt_json(r.scope);
  j["metric"] = opt_json(r.metric);
  j["tos"] = opt_json(r.tos);
  j["onlink"] = r.onlink;
  j["mtu"] = opt_json(r.mtu);
  j["mtu_lock"] = r.mtu_lock;
  Json opts = Json::object();
  for (const auto& [k, v] : r.options) opts[k] = v;
  j["options"] = opts;
  Json hops = Json::array();
  for (const auto& n : r.nexthops) {
    Json h;
    h["via"] = address_json(n.via);
    h["dev"] = str_or_null(n.dev);
    h["weight"] = opt_json(n.weight);
    h["onlink"] = n.onlink;
    h["realms"] = opt_json(n.realms);
    hops.push_back(h);
  }
  j["nexthops"] = hops;
  j["no_track"] = r.no_track;
  j["track_group"] = str_or_null(r.track_group);
  return j;
}

Json rule_line(const config::Rule& r) {
  Json j;
  j["family"] = std::string(core::family_name(r.family));
  j["from"] = r.from ? Json(r.from->str()) : Json("all");
  j["to"] = r.to ? Json(r.to->str()) : Json("all");
  j["not"] = r.invert;
  j["action"] = r.action;
  j["table"] = str_or_null(r.table);
  j["goto"] = opt_json(r.goto_target);
  j["preference"] = opt_json(r.preference);
  j["preference_assigned"] = r.preference_assigned;
  j["tos"] = opt_json(r.tos);
  j["fwmark"] = opt_json(r.fwmark);
  j["fwmask"] = opt_json(r.fwmask);
  j["iif"] = str_or_null(r.iif);
  j["oif"] = str_or_null(r.oif);
  j["realms"] = opt_json(r.realms);
  j["suppress_prefixlength"] = opt_json(r.suppress_prefixlength);
  j["suppress_ifgroup"] = opt_json(r.suppress_ifgroup);
  j["uidrange"] = opt_json(r.uidrange);
  j["tunnel_id"] = opt_json(r.tunnel_id);
  j["l3mdev"] = r.l3mdev;
  j["protocol"] = opt_json(r.protocol);
  j["ipproto"] = opt_json(r.ipproto);
  j["sport"] = opt_json(r.sport);
  j["dport"] = opt_json(r.dport);
  j["no_track"] = r.no_track;
  j["track_group"] = str_or_null(r.track_group);
  return j;
}

template <class T, class F>
Json list(const std::vector<T>& v, F f) {
  Json a = Json::array();
  for (const auto& x : v) a.push_back(f(x));
  return a;
}

Json tracking(const std::vector<config::TrackedInterface>& ifs,
              const std::vector<config::TrackedScript>& scripts,
              const std::vector<config::TrackedFile>& files, Json& j) {
  j["track_interface"] = list(ifs, [](const config::TrackedInterface& t) {
    Json o;
    o["name"] = t.name;
    o["weight"] = t.weight;
    o["reverse"] = t.reverse;
    return o;
  });
  j["track_script"] = list(scripts, [](const config::TrackedScript& t) {
    Json o;
    o["name"] = t.name;
    o["weight"] = opt_json(t.weight);
    o["reverse"] = opt_json(t.reverse);
    return o;
  });
  j["track_file"] = list(files, [](const config::TrackedFile& t) {
    Json o;
    o["name"] = t.name;
    o["weight"] = opt_json(t.weight);
    o["reverse"] = opt_json(t.reverse);
    return o;
  });
  return j;
}

const char* state_name(config::InstanceState s) {
  return s == config::InstanceState::kMaster ? "MASTER" : "BACKUP";
}

Json instance_json(const config::VrrpInstance& i, const config::GlobalDefs& g) {
  Json j;
  j["name"] = i.name;
  j["virtual_router_id"] = opt_json(i.virtual_router_id);
  j["family"] = std::string(core::family_name(i.family));
  j["version"] = i.version;
  j["state"] = state_name(i.state);
  j["priority"] = i.priority;
  j["advert_int_configured"] = seconds_json(i.configured_advert_int);
  j["advert_int"] = seconds_json(i.advert_int);

  j["interface"] = str_or_null(i.interface);
  j["vrf"] = str_or_null(i.vrf);
  j["dont_track_primary"] = i.dont_track_primary;
  j["use_vmac"] = i.use_vmac;
  j["vmac_name"] =
      i.use_vmac
          ? (i.vmac_name.empty()
                 ? Json(g.vmac_prefix + "." + std::to_string(i.virtual_router_id.value_or(0)))
                 : Json(i.vmac_name))
          : Json(nullptr);
  j["vmac_mac"] = str_or_null(i.vmac_mac);
  j["use_vmac_addr"] = i.use_vmac_addr;
  j["vmac_xmit_base"] = i.vmac_xmit_base;
  j["use_ipvlan"] = i.use_ipvlan;
  j["ipvlan_name"] = str_or_null(i.ipvlan_name);
  j["ipvlan_address"] = prefix_json(i.ipvlan_address);
  j["ipvlan_mode"] = str_or_null(i.ipvlan_mode);
  j["native_ipv6"] = i.native_ipv6;
  j["promote_secondaries"] = i.promote_secondaries;
  j["linkbeat_use_polling"] = i.linkbeat_use_polling;
  j["kernel_rx_buf_size"] = opt_json(i.kernel_rx_buf_size);

  j["mcast_src_ip"] = address_json(i.mcast_src_ip);
  j["unicast_src_ip"] = address_json(i.unicast_src_ip);
  // The destination actually used: unicast peers, else the configured or global group.
  if (i.unicast_peers.empty()) {
    j["mcast_dst_ip"] = i.mcast_dst_ip                    ? i.mcast_dst_ip->to_string()
                        : i.family == core::Family::kIPv4 ? g.vrrp_mcast_group4.to_string()
                                                          : g.vrrp_mcast_group6.to_string();
  } else {
    j["mcast_dst_ip"] = nullptr;
  }
  j["track_src_ip"] = i.track_src_ip;
  j["unicast_peer"] = list(i.unicast_peers, [](const config::UnicastPeer& p) {
    Json o;
    o["address"] = p.address.to_string();
    o["min_ttl"] = opt_json(p.min_ttl);
    o["max_ttl"] = opt_json(p.max_ttl);
    return o;
  });
  j["unicast_fault_no_peer"] = i.unicast_fault_no_peer;
  j["unicast_ttl"] = opt_json(i.unicast_ttl);
  j["check_unicast_src"] = opt_json(i.check_unicast_src);
  j["old_unicast_checksum"] = str_or_null(i.old_unicast_checksum);

  j["virtual_ipaddress"] = list(i.virtual_ipaddress, address_line);
  j["virtual_ipaddress_excluded"] = list(i.virtual_ipaddress_excluded, address_line);
  j["virtual_routes"] = list(i.virtual_routes, route_line);
  j["virtual_rules"] = list(i.virtual_rules, rule_line);
  tracking(i.track_interfaces, i.track_scripts, i.track_files, j);
  j["sync_group"] = str_or_null(i.sync_group);

  if (i.authentication) {
    Json a;
    a["auth_type"] = i.authentication->type == config::AuthType::kPass ? "PASS" : "AH";
    a["auth_pass"] = i.authentication->password;
    j["authentication"] = a;
  } else {
    j["authentication"] = nullptr;
  }
  j["nopreempt"] = i.nopreempt;
  j["preempt_delay"] = seconds_json(i.preempt_delay);
  j["accept"] = opt_json(i.accept);
  j["strict_mode"] = opt_json(i.strict_mode);
  j["skip_check_adv_addr"] = opt_json(i.skip_check_adv_addr);
  j["lower_prio_no_advert"] = opt_json(i.lower_prio_no_advert);
  j["higher_prio_send_advert"] = opt_json(i.higher_prio_send_advert);
  j["down_timer_adverts"] = opt_json(i.down_timer_adverts);
  j["garp_master_delay"] = seconds_json(i.garp_master_delay);
  j["garp_master_repeat"] = opt_json(i.garp_master_repeat);
  j["garp_master_refresh"] = seconds_json(i.garp_master_refresh);
  j["garp_master_refresh_repeat"] = opt_json(i.garp_master_refresh_repeat);
  j["garp_lower_prio_delay"] = seconds_json(i.garp_lower_prio_delay);
  j["garp_lower_prio_repeat"] = opt_json(i.garp_lower_prio_repeat);
  j["garp_extra_if"] = seconds_json(i.garp_extra_if);
  j["garp_extra_if_all"] = i.garp_extra_if_all;
  j["debug"] = i.debug;

  j["notify_master"] = script_json(i.notify_master);
  j["notify_backup"] = script_json(i.notify_backup);
  j["notify_fault"] = script_json(i.notify_fault);
  j["notify_stop"] = script_json(i.notify_stop);
  j["notify"] = script_json(i.notify);
  j["notify_master_rx_lower_pri"] = script_json(i.notify_master_rx_lower_pri);
  j["notify_deleted"] = i.notify_deleted;
  j["notify_deleted_script"] = script_json(i.notify_deleted_script);
  j["smtp_alert"] = opt_json(i.smtp_alert);
  j["notify_priority_changes"] = opt_json(i.notify_priority_changes);
  return j;
}

}  // namespace

nlohmann::ordered_json vrrp_to_json(const config::Config& config) {
  const config::Vrrp& v = config.vrrp;
  Json j;
  j["static_ipaddress"] = list(v.static_addresses, address_line);
  j["static_routes"] = list(v.static_routes, route_line);
  j["static_rules"] = list(v.static_rules, rule_line);
  j["track_group"] = list(v.track_groups, [](const config::TrackGroup& t) {
    Json o;
    o["name"] = t.name;
    o["group"] = t.members;
    return o;
  });
  j["vrrp_script"] = list(v.scripts, [](const config::VrrpScript& s) {
    Json o;
    o["name"] = s.name;
    o["script"] = s.script.command;
    o["user"] = str_or_null(s.script.user);
    o["group"] = str_or_null(s.script.group);
    o["interval"] = seconds_json(s.interval);
    o["timeout"] = seconds_json(s.timeout);
    o["weight"] = s.weight;
    o["weight_reverse"] = s.weight_reverse;
    o["rise"] = s.rise;
    o["fall"] = s.fall;
    o["init_fail"] = s.init_fail;
    return o;
  });
  j["track_file"] = list(v.track_files, [](const config::TrackFile& f) {
    Json o;
    o["name"] = f.name;
    o["file"] = f.file;
    o["weight"] = f.weight;
    o["weight_reverse"] = f.weight_reverse;
    o["init_file"] = f.init_file;
    o["init_value"] = f.init_value;
    o["init_overwrite"] = f.init_overwrite;
    return o;
  });
  j["vrrp_sync_group"] = list(v.sync_groups, [](const config::SyncGroup& g) {
    Json o;
    o["name"] = g.name;
    o["group"] = g.members;
    tracking(g.track_interfaces, g.track_scripts, g.track_files, o);
    o["notify_master"] = script_json(g.notify_master);
    o["notify_backup"] = script_json(g.notify_backup);
    o["notify_fault"] = script_json(g.notify_fault);
    o["notify_stop"] = script_json(g.notify_stop);
    o["notify"] = script_json(g.notify);
    o["smtp_alert"] = opt_json(g.smtp_alert);
    o["sync_group_tracking_weight"] = g.sync_group_tracking_weight;
    o["notify_priority_changes"] = opt_json(g.notify_priority_changes);
    return o;
  });
  j["garp_group"] = list(v.garp_groups, [](const config::GarpGroup& g) {
    Json o;
    o["garp_interval"] = seconds_json(g.garp_interval);
    o["gna_interval"] = seconds_json(g.gna_interval);
    o["interfaces"] = g.interfaces;
    o["aggregate"] = g.aggregate;
    return o;
  });
  j["linkbeat_interfaces"] = list(v.linkbeat_interfaces, [](const config::LinkbeatInterface& l) {
    Json o;
    o["name"] = l.name;
    o["type"] = str_or_null(l.type);
    return o;
  });
  j["interface_up_down_delays"] =
      list(v.interface_up_down_delays, [](const config::InterfaceDelays& d) {
        Json o;
        o["name"] = d.name;
        o["down_delay"] = seconds_json(d.down_delay);
        o["up_delay"] = seconds_json(d.up_delay);
        return o;
      });
  j["vrrp_instance"] = list(
      v.instances, [&](const config::VrrpInstance& i) { return instance_json(i, config.global); });
  return j;
}

}  // namespace vigil::parser
