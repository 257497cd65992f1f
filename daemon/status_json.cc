#include "daemon/status_json.h"

#include "checkers/check.h"
#include "vrrp/receive_check.h"

namespace vigil::daemon {
namespace {

using Json = nlohmann::ordered_json;

Json counters_json(const ipvs::Counters& c) {
  return Json{{"connections", c.connections},
              {"packets_in", c.packets_in},
              {"packets_out", c.packets_out},
              {"bytes_in", c.bytes_in},
              {"bytes_out", c.bytes_out},
              {"connections_per_second", c.connections_rate},
              {"packets_in_per_second", c.packets_in_rate},
              {"packets_out_per_second", c.packets_out_rate},
              {"bytes_in_per_second", c.bytes_in_rate},
              {"bytes_out_per_second", c.bytes_out_rate}};
}

Json instance_json(const StatusSnapshot& s, const VrrpInstanceStatus& i) {
  Json vips = Json::array();
  for (const auto& v : i.vips) vips.push_back(v.str());
  Json tracked = Json::array();
  for (const auto& t : i.tracked) {
    tracked.push_back(Json{{"kind", vrrp::tracked_kind_name(t.kind)},
                           {"name", t.name},
                           {"weight", t.weight.weight},
                           {"reverse", t.weight.reverse},
                           {"state", t.state},
                           {"fault", t.fault},
                           {"contribution", t.contribution}});
  }
  Json dropped = Json::object();
  for (std::size_t r = 0; r < vrrp::kDropReasonCount; ++r) {
    dropped[std::string(vrrp::drop_reason_name(static_cast<vrrp::DropReason>(r)))] =
        i.counters.dropped[r];
  }
  Json master = nullptr;
  if (i.master_address) master = i.master_address->to_string();
  return Json{
      {"name", i.name},
      {"interface", i.interface},
      {"vrid", i.vrid},
      {"version", i.version},
      {"family", core::family_name(i.family)},
      {"sync_group", i.sync_group},
      {"vips", std::move(vips)},
      {"state", vrrp::state_name(i.state)},
      {"base_priority", i.base_priority},
      {"effective_priority", i.effective_priority},
      {"master", std::move(master)},
      {"advert_interval_seconds", seconds(i.advert_interval)},
      {"in_state_seconds", seconds(i.in_state)},
      {"since", iso_time(wall_time_of(s, i.in_state))},
      {"fault", i.fault},
      {"tracked", std::move(tracked)},
      {"counters", Json{{"transitions", i.counters.transitions},
                        {"become_master", i.machine.become_master},
                        {"release_master", i.machine.release_master},
                        {"adverts_sent", i.counters.adverts_sent},
                        {"adverts_received", i.machine.adverts_received},
                        {"packets_received", i.counters.packets_received},
                        {"priority_zero_sent", i.machine.priority_zero_sent},
                        {"priority_zero_received", i.machine.priority_zero_received},
                        {"lower_priority_discarded", i.machine.lower_priority_discarded},
                        {"send_errors", i.send_errors},
                        {"dropped_total", i.counters.dropped_total()},
                        {"dropped", std::move(dropped)}}},
  };
}

Json vrrp_json(const StatusSnapshot& s) {
  Json instances = Json::array();
  for (const auto& i : s.vrrp.instances) instances.push_back(instance_json(s, i));
  Json groups = Json::array();
  for (const auto& g : s.vrrp.sync_groups) {
    groups.push_back(
        Json{{"name", g.name}, {"state", vrrp::state_name(g.state)}, {"members", g.members}});
  }
  return Json{{"running", s.vrrp.running},
              {"instances", std::move(instances)},
              {"sync_groups", std::move(groups)},
              {"engine", Json{{"unknown_vrid", s.vrrp.engine.unknown_vrid},
                              {"malformed_ipv4", s.vrrp.engine.malformed_ipv4},
                              {"too_short", s.vrrp.engine.too_short}}}};
}

Json check_json(const StatusSnapshot& s, const config::Checker& conf, const CheckStatus& c) {
  Json last = nullptr;
  if (c.has_run) {
    last = Json{{"result", c.ok ? "success" : "failure"},
                {"reason", c.reason},
                {"latency_seconds", seconds(c.latency)}};
  }
  Json out{{"type", checkers::type_name(conf.type)},
           {"state", c.up ? "UP" : "DOWN"},
           {"scheduled", c.scheduled},
           {"last", std::move(last)},
           {"consecutive_successes", c.consecutive_successes},
           {"consecutive_failures", c.consecutive_failures},
           {"probes", c.probes},
           {"failures", c.failures}};
  if (c.scheduled) {
    out["last_change"] = iso_time(wall_time_of(s, c.since_change));
    out["since_change_seconds"] = seconds(c.since_change);
  }
  return out;
}

Json checkers_json(const StatusSnapshot& s) {
  Json vss = Json::array();
  if (s.checkers.config) {
    const auto& conf = s.checkers.config->lvs.virtual_servers;
    for (std::size_t v = 0; v < s.checkers.virtual_servers.size(); ++v) {
      const VirtualServerStatus& vs = s.checkers.virtual_servers[v];
      const config::VirtualServer& vc = conf[v];
      Json rss = Json::array();
      for (std::size_t r = 0; r < vs.real_servers.size(); ++r) {
        const RealServerStatus& rs = vs.real_servers[r];
        const config::RealServer& rc = vc.real_servers[r];
        Json checks = Json::array();
        for (std::size_t c = 0; c < rs.checks.size(); ++c) {
          checks.push_back(check_json(s, rc.checkers[c], rs.checks[c]));
        }
        rss.push_back(Json{{"name", checkers::real_server_name(rc, vc)},
                           {"address", rc.address.to_string()},
                           {"port", rc.port},
                           {"alive", rs.alive},
                           {"weight", rs.weight},
                           {"checks", std::move(checks)}});
      }
      vss.push_back(Json{{"name", checkers::virtual_server_name(vc)},
                         {"quorum_up", vs.quorum_up},
                         {"quorum", vc.quorum},
                         {"alive_weight", vs.alive_weight},
                         {"sorry_server_active", vs.sorry_active},
                         {"real_servers", std::move(rss)}});
    }
  }
  const auto& st = s.checkers.stats;
  return Json{{"running", s.checkers.running},
              {"virtual_servers", std::move(vss)},
              {"stats", Json{{"probes_started", st.probes_started},
                             {"probes_failed", st.probes_failed},
                             {"probes_cancelled", st.probes_cancelled},
                             {"checkers_disabled", st.checkers_disabled}}}};
}

Json ipvs_json(const StatusSnapshot& s) {
  Json services = Json::array();
  for (const auto& svc : s.ipvs.services) {
    Json dests = Json::array();
    for (const auto& d : svc.destinations) {
      Json dj{{"address", d.key.address.to_string()},
              {"port", d.key.port},
              {"forward", ipvs::forward_name(d.forward)},
              {"desired_weight", d.desired_weight ? Json(*d.desired_weight) : Json(nullptr)},
              {"applied_weight", d.applied ? Json(d.applied->params.weight) : Json(nullptr)}};
      if (d.applied) {
        dj["active_connections"] = d.applied->active_connections;
        dj["inactive_connections"] = d.applied->inactive_connections;
        dj["counters"] = counters_json(d.applied->counters);
      }
      dests.push_back(std::move(dj));
    }
    Json sj{{"service", svc.key.str()},
            {"protocol",
             svc.key.is_fwmark() ? Json(nullptr) : Json(ipvs::protocol_name(svc.key.protocol))},
            {"address", svc.key.is_fwmark() ? Json(nullptr) : Json(svc.key.address.to_string())},
            {"port", svc.key.port},
            {"fwmark", svc.key.fwmark},
            {"scheduler", svc.scheduler},
            {"configured", svc.desired},
            {"in_kernel", svc.in_kernel}};
    if (svc.in_kernel) sj["counters"] = counters_json(svc.counters);
    sj["destinations"] = std::move(dests);
    services.push_back(std::move(sj));
  }
  const auto& st = s.ipvs.stats;
  return Json{
      {"running", s.ipvs.running},
      {"available", s.ipvs.available},
      {"settled", s.ipvs.settled},
      {"counters_age_seconds", s.ipvs.since_read ? Json(seconds(*s.ipvs.since_read)) : Json()},
      {"foreign_services", s.ipvs.foreign_services},
      {"stats", Json{{"ops_applied", st.ops_applied},
                     {"ops_failed", st.ops_failed},
                     {"batches", st.batches},
                     {"reconciles", st.reconciles},
                     {"drift_repairs", st.drift_repairs},
                     {"dump_failures", st.dump_failures},
                     {"transport_failures", st.transport_failures}}},
      {"services", std::move(services)}};
}

}  // namespace

Json reload_json(const ReloadRecord& r) {
  return Json{{"time", iso_time(r.at)},
              {"trigger", r.trigger},
              {"result", r.applied ? "applied" : "refused"},
              {"errors", r.errors},
              {"warnings", r.warnings},
              {"exit_code", r.exit_code},
              {"diagnostics", r.diagnostics}};
}

Json status_json(const StatusSnapshot& s) {
  Json config{{"file", s.config.file},
              {"loaded", iso_time(s.config.loaded_at)},
              {"reloads_applied", s.config.reloads_applied},
              {"reloads_refused", s.config.reloads_refused},
              {"last_reload", s.config.last_reload ? reload_json(*s.config.last_reload) : Json()}};
  return Json{{"daemon", Json{{"version", s.daemon.version},
                              {"pid", s.daemon.pid},
                              {"router_id", s.daemon.router_id},
                              {"started", iso_time(s.daemon.started)},
                              {"uptime_seconds", seconds(s.taken - s.daemon.started)},
                              {"time", iso_time(s.taken)}}},
              {"config", std::move(config)},
              {"vrrp", vrrp_json(s)},
              {"checkers", checkers_json(s)},
              {"ipvs", ipvs_json(s)},
              {"alerts", Json{{"smtp_enabled", s.alerts.enabled},
                              {"queued", s.alerts.smtp.queued},
                              {"delivered", s.alerts.smtp.delivered},
                              {"failed", s.alerts.smtp.failed},
                              {"dropped", s.alerts.smtp.dropped},
                              {"pending", s.alerts.pending},
                              {"sending", s.alerts.busy}}}};
}

}  // namespace vigil::daemon
