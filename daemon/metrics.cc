#include "daemon/metrics.h"

#include <array>
#include <chrono>
#include <initializer_list>
#include <iterator>
#include <utility>

#include <fmt/format.h>

#include "checkers/check.h"
#include "vrrp/receive_check.h"

namespace vigil::daemon {
namespace {

using Label = std::pair<std::string_view, std::string_view>;

constexpr std::array kStates = {vrrp::State::kInit, vrrp::State::kBackup, vrrp::State::kMaster,
                                vrrp::State::kFault, vrrp::State::kStop};

double unix_seconds(WallTime t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

void append_escaped(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

// Writes families one at a time: HELP and TYPE, then every sample of the family.
class Writer {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    fmt::format_to(std::back_inserter(out_), "# HELP {} {}\n# TYPE {} {}\n", name, help, name,
                   type);
  }
  template <typename V>
  void sample(std::string_view name, std::initializer_list<Label> labels, V value) {
    write(name, labels, {}, value);
  }
  // A family with one unlabelled sample.
  template <typename V>
  void single(std::string_view name, std::string_view type, std::string_view help, V value) {
    family(name, type, help);
    sample(name, {}, value);
  }
  // Cumulative buckets, sum and count of one labelled histogram of the family `name`.
  void histogram(std::string_view name, std::initializer_list<Label> labels,
                 const core::Histogram& h) {
    std::uint64_t cumulative = 0;
    const std::string bucket = std::string(name) + "_bucket";
    for (std::size_t i = 0; i <= core::Histogram::kBounds.size(); ++i) {
      cumulative += h.counts()[i];
      const std::string le = i < core::Histogram::kBounds.size()
                                 ? fmt::format("{}", core::Histogram::kBounds[i])
                                 : std::string("+Inf");
      write(bucket, labels, {"le", le}, cumulative);
    }
    write(std::string(name) + "_sum", labels, {}, h.sum_seconds());
    write(std::string(name) + "_count", labels, {}, h.count());
  }
  std::string take() { return std::move(out_); }

 private:
  template <typename V>
  void write(std::string_view name, std::initializer_list<Label> labels, Label extra, V value) {
    out_.append(name);
    bool first = true;
    auto label = [&](const Label& l) {
      out_.push_back(first ? '{' : ',');
      first = false;
      out_.append(l.first).append("=\"");
      append_escaped(out_, l.second);
      out_.push_back('"');
    };
    for (const Label& l : labels) label(l);
    if (!extra.first.empty()) label(extra);
    if (!first) out_.push_back('}');
    fmt::format_to(std::back_inserter(out_), " {}\n", value);
  }
  std::string out_;
};

void daemon_metrics(Writer& w, const StatusSnapshot& s) {
  w.family("vigil_build_info", "gauge", "vigild's version (always 1).");
  w.sample("vigil_build_info", {{"version", s.daemon.version}}, 1);
  w.single("vigil_start_time_seconds", "gauge", "When vigild started, as a Unix time.",
           unix_seconds(s.daemon.started));
  w.single("vigil_config_load_timestamp_seconds", "gauge",
           "When the running configuration was loaded, as a Unix time.",
           unix_seconds(s.config.loaded_at));
  const bool ok = !s.config.last_reload || s.config.last_reload->applied;
  w.single("vigil_config_last_reload_successful", "gauge",
           "1 unless the last reload was refused (the old configuration keeps running).",
           ok ? 1 : 0);
  w.family("vigil_config_reloads_total", "counter", "Reloads, by result.");
  w.sample("vigil_config_reloads_total", {{"result", "applied"}}, s.config.reloads_applied);
  w.sample("vigil_config_reloads_total", {{"result", "refused"}}, s.config.reloads_refused);
}

void vrrp_metrics(Writer& w, const StatusSnapshot& s) {
  const auto& instances = s.vrrp.instances;
  w.family("vigil_vrrp_instance_state", "gauge",
           "1 for the state the VRRP instance is in, 0 for the others.");
  for (const auto& i : instances) {
    for (vrrp::State st : kStates) {
      w.sample("vigil_vrrp_instance_state", {{"instance", i.name}, {"state", state_name(st)}},
               i.state == st ? 1 : 0);
    }
  }
  // One family per value, every instance in each.
  auto each = [&](std::string_view name, std::string_view type, std::string_view help, auto value) {
    w.family(name, type, help);
    for (const auto& i : instances) w.sample(name, {{"instance", i.name}}, value(i));
  };
  using I = VrrpInstanceStatus;
  each("vigil_vrrp_instance_priority", "gauge", "Effective priority (base plus tracking).",
       [](const I& i) { return unsigned{i.effective_priority}; });
  each("vigil_vrrp_instance_base_priority", "gauge", "Configured priority.",
       [](const I& i) { return unsigned{i.base_priority}; });
  each("vigil_vrrp_instance_fault", "gauge", "1 while tracking holds the instance in FAULT.",
       [](const I& i) { return i.fault ? 1 : 0; });
  each("vigil_vrrp_instance_advert_interval_seconds", "gauge",
       "Advertisement interval in use (the master's, as learnt, while backup).",
       [](const I& i) { return seconds(i.advert_interval); });
  each("vigil_vrrp_instance_last_transition_timestamp_seconds", "gauge",
       "When the instance entered its current state, as a Unix time.",
       [&](const I& i) { return unix_seconds(wall_time_of(s, i.in_state)); });
  each("vigil_vrrp_instance_transitions_total", "counter", "State changes.",
       [](const I& i) { return i.counters.transitions; });
  each("vigil_vrrp_instance_master_transitions_total", "counter",
       "Transitions to MASTER (RFC 6527 vrrpv3StatisticsMasterTransitions).",
       [](const I& i) { return i.machine.become_master; });
  each("vigil_vrrp_adverts_sent_total", "counter", "Advertisements sent.",
       [](const I& i) { return i.counters.adverts_sent; });
  each("vigil_vrrp_adverts_received_total", "counter", "Valid advertisements received and handled.",
       [](const I& i) { return i.machine.adverts_received; });
  each("vigil_vrrp_packets_received_total", "counter",
       "Packets handed to the instance, valid or not (its own looped-back adverts included).",
       [](const I& i) { return i.counters.packets_received; });
  each("vigil_vrrp_priority_zero_sent_total", "counter",
       "Priority 0 advertisements sent (RFC 6527 vrrpv3StatisticsSentPriZeroPackets).",
       [](const I& i) { return i.machine.priority_zero_sent; });
  each("vigil_vrrp_priority_zero_received_total", "counter",
       "Priority 0 advertisements received (RFC 6527 vrrpv3StatisticsRcvdPriZeroPackets).",
       [](const I& i) { return i.machine.priority_zero_received; });
  each("vigil_vrrp_send_errors_total", "counter", "Advertisements the socket refused.",
       [](const I& i) { return i.send_errors; });
  w.family("vigil_vrrp_packets_dropped_total", "counter",
           "Packets dropped by the receive checks, by reason (own_advert: our own advert looped "
           "back, not an error).");
  for (const auto& i : instances) {
    for (std::size_t r = 0; r < vrrp::kDropReasonCount; ++r) {
      w.sample("vigil_vrrp_packets_dropped_total",
               {{"instance", i.name},
                {"reason", vrrp::drop_reason_name(static_cast<vrrp::DropReason>(r))}},
               i.counters.dropped[r]);
    }
  }
  w.family("vigil_vrrp_track_priority_contribution", "gauge",
           "What a tracked object adds to the instance's base priority now.");
  for (const auto& i : instances) {
    for (const auto& t : i.tracked) {
      w.sample("vigil_vrrp_track_priority_contribution",
               {{"instance", i.name}, {"kind", vrrp::tracked_kind_name(t.kind)}, {"name", t.name}},
               t.contribution);
    }
  }
  w.family("vigil_vrrp_sync_group_state", "gauge",
           "1 for the state the sync group is in, 0 for the others.");
  for (const auto& g : s.vrrp.sync_groups) {
    for (vrrp::State st : kStates) {
      w.sample("vigil_vrrp_sync_group_state", {{"group", g.name}, {"state", state_name(st)}},
               g.state == st ? 1 : 0);
    }
  }
  w.family("vigil_vrrp_unmatched_packets_total", "counter",
           "Packets no instance took, by reason (unknown VRID, bad IPv4/AH header, too short).");
  w.sample("vigil_vrrp_unmatched_packets_total", {{"reason", "unknown_vrid"}},
           s.vrrp.engine.unknown_vrid);
  w.sample("vigil_vrrp_unmatched_packets_total", {{"reason", "malformed_ipv4"}},
           s.vrrp.engine.malformed_ipv4);
  w.sample("vigil_vrrp_unmatched_packets_total", {{"reason", "too_short"}},
           s.vrrp.engine.too_short);
}

void checker_metrics(Writer& w, const StatusSnapshot& s) {
  const CheckersStatus& c = s.checkers;
  if (!c.config) return;
  const auto& vsc = c.config->lvs.virtual_servers;
  // Names once, reused by every family.
  std::vector<std::string> vs_names(c.virtual_servers.size());
  std::vector<std::vector<std::string>> rs_names(c.virtual_servers.size());
  for (std::size_t v = 0; v < c.virtual_servers.size(); ++v) {
    vs_names[v] = checkers::virtual_server_name(vsc[v]);
    rs_names[v].reserve(c.virtual_servers[v].real_servers.size());
    for (std::size_t r = 0; r < c.virtual_servers[v].real_servers.size(); ++r) {
      rs_names[v].push_back(checkers::real_server_name(vsc[v].real_servers[r], vsc[v]));
    }
  }
  auto each_vs = [&](std::string_view name, std::string_view help, auto value) {
    w.family(name, "gauge", help);
    for (std::size_t v = 0; v < c.virtual_servers.size(); ++v) {
      w.sample(name, {{"virtual_server", vs_names[v]}}, value(c.virtual_servers[v]));
    }
  };
  each_vs("vigil_virtual_server_quorum_up", "1 while the virtual server has its quorum.",
          [](const VirtualServerStatus& v) { return v.quorum_up ? 1 : 0; });
  each_vs("vigil_virtual_server_alive_weight",
          "Sum of the weights of the alive real servers (what the quorum compares).",
          [](const VirtualServerStatus& v) { return v.alive_weight; });
  each_vs("vigil_virtual_server_sorry_server_active", "1 while the sorry server replaces it.",
          [](const VirtualServerStatus& v) { return v.sorry_active ? 1 : 0; });
  auto each_rs = [&](std::string_view name, std::string_view help, auto value) {
    w.family(name, "gauge", help);
    for (std::size_t v = 0; v < c.virtual_servers.size(); ++v) {
      const auto& rss = c.virtual_servers[v].real_servers;
      for (std::size_t r = 0; r < rss.size(); ++r) {
        w.sample(name, {{"virtual_server", vs_names[v]}, {"real_server", rs_names[v][r]}},
                 value(rss[r]));
      }
    }
  };
  each_rs("vigil_real_server_up", "1 while every checker of the real server is up.",
          [](const RealServerStatus& r) { return r.alive ? 1 : 0; });
  each_rs("vigil_real_server_weight", "Effective weight of the real server.",
          [](const RealServerStatus& r) { return r.weight; });
  auto each_check = [&](std::string_view name, std::string_view help, auto value) {
    w.family(name, "gauge", help);
    for (std::size_t v = 0; v < c.virtual_servers.size(); ++v) {
      const auto& rss = c.virtual_servers[v].real_servers;
      for (std::size_t r = 0; r < rss.size(); ++r) {
        for (std::size_t k = 0; k < rss[r].checks.size(); ++k) {
          const auto type = checkers::type_name(vsc[v].real_servers[r].checkers[k].type);
          const std::string index = std::to_string(k);
          w.sample(name,
                   {{"virtual_server", vs_names[v]},
                    {"real_server", rs_names[v][r]},
                    {"checker", index},
                    {"type", type}},
                   value(rss[r].checks[k]));
        }
      }
    }
  };
  each_check("vigil_check_up", "1 while the checker is up.",
             [](const CheckStatus& k) { return k.up ? 1 : 0; });
  each_check("vigil_check_last_duration_seconds", "Run time of the checker's last probe.",
             [](const CheckStatus& k) { return seconds(k.latency); });
  each_check("vigil_check_consecutive_failures", "Failed probes in a row, up to now.",
             [](const CheckStatus& k) { return k.consecutive_failures; });

  w.family("vigil_check_duration_seconds", "histogram", "Run time of probes, by check type.");
  for (std::size_t t = 0; t < checkers::kCheckerTypeCount; ++t) {
    const auto& by = c.stats.by_type[t];
    if (by.latency.count() == 0) continue;
    w.histogram("vigil_check_duration_seconds",
                {{"type", checkers::type_name(static_cast<config::CheckerType>(t))}}, by.latency);
  }
  w.family("vigil_check_failures_total", "counter", "Failed probes, by check type.");
  for (std::size_t t = 0; t < checkers::kCheckerTypeCount; ++t) {
    const auto& by = c.stats.by_type[t];
    if (by.latency.count() == 0) continue;
    w.sample("vigil_check_failures_total",
             {{"type", checkers::type_name(static_cast<config::CheckerType>(t))}}, by.failures);
  }
  w.single("vigil_checkers_disabled", "gauge",
           "Checkers that could not be set up (logged at start).", c.stats.checkers_disabled);
}

void ipvs_metrics(Writer& w, const StatusSnapshot& s) {
  const IpvsStatus& p = s.ipvs;
  if (!p.running) return;
  w.single("vigil_ipvs_available", "gauge", "1 when the kernel has IPVS.", p.available ? 1 : 0);
  w.single("vigil_ipvs_settled", "gauge", "1 when the kernel's table is as desired.",
           p.settled ? 1 : 0);
  if (p.since_read) {
    w.single("vigil_ipvs_last_read_timestamp_seconds", "gauge",
             "When the kernel's table and counters were last read, as a Unix time.",
             unix_seconds(wall_time_of(s, *p.since_read)));
  }
  w.family("vigil_ipvs_ops_total", "counter", "IPVS changes sent to the kernel, by result.");
  w.sample("vigil_ipvs_ops_total", {{"result", "applied"}}, p.stats.ops_applied);
  w.sample("vigil_ipvs_ops_total", {{"result", "failed"}}, p.stats.ops_failed);
  w.single("vigil_ipvs_reconciles_total", "counter", "Reads of the kernel's table.",
           p.stats.reconciles);
  w.single("vigil_ipvs_drift_repairs_total", "counter",
           "Owned services found changed outside vigil and repaired.", p.stats.drift_repairs);
  w.single("vigil_ipvs_foreign_services", "gauge",
           "Services in the kernel that the configuration does not name (left alone).",
           p.foreign_services);

  // Destinations' labels once.
  struct Dest {
    std::string service;
    std::string dest;
    const IpvsDestinationStatus* d;
  };
  std::vector<Dest> dests;
  for (const auto& svc : p.services) {
    const std::string service = svc.key.str();
    for (const auto& d : svc.destinations) dests.push_back({service, d.key.str(), &d});
  }
  w.family("vigil_ipvs_destination_desired_weight", "gauge",
           "Weight vigil wants for the destination (configuration plus health).");
  for (const auto& d : dests) {
    if (!d.d->desired_weight) continue;
    w.sample("vigil_ipvs_destination_desired_weight",
             {{"service", d.service}, {"destination", d.dest}}, *d.d->desired_weight);
  }
  auto applied = [&](std::string_view name, std::string_view type, std::string_view help,
                     auto value) {
    w.family(name, type, help);
    for (const auto& d : dests) {
      if (!d.d->applied) continue;
      w.sample(name, {{"service", d.service}, {"destination", d.dest}}, value(*d.d->applied));
    }
  };
  using D = ipvs::DestState;
  applied("vigil_ipvs_destination_weight", "gauge", "Weight of the destination in the kernel.",
          [](const D& d) { return d.params.weight; });
  applied("vigil_ipvs_destination_active_connections", "gauge", "Active connections.",
          [](const D& d) { return d.active_connections; });
  applied("vigil_ipvs_destination_inactive_connections", "gauge", "Inactive connections.",
          [](const D& d) { return d.inactive_connections; });
  applied("vigil_ipvs_destination_connections_total", "counter", "Connections scheduled.",
          [](const D& d) { return d.counters.connections; });
  struct Directional {
    std::string_view name;
    std::string_view help;
    std::uint64_t ipvs::Counters::*in;
    std::uint64_t ipvs::Counters::*out;
  };
  for (const Directional& f :
       {Directional{"vigil_ipvs_destination_packets_total", "Packets, by direction.",
                    &ipvs::Counters::packets_in, &ipvs::Counters::packets_out},
        Directional{"vigil_ipvs_destination_bytes_total", "Bytes, by direction.",
                    &ipvs::Counters::bytes_in, &ipvs::Counters::bytes_out}}) {
    w.family(f.name, "counter", f.help);
    for (const auto& d : dests) {
      if (!d.d->applied) continue;
      const auto& c = d.d->applied->counters;
      w.sample(f.name, {{"service", d.service}, {"destination", d.dest}, {"direction", "in"}},
               c.*f.in);
      w.sample(f.name, {{"service", d.service}, {"destination", d.dest}, {"direction", "out"}},
               c.*f.out);
    }
  }
  w.family("vigil_ipvs_service_connections_total", "counter",
           "Connections scheduled by the service.");
  for (const auto& svc : p.services) {
    if (!svc.in_kernel) continue;
    w.sample("vigil_ipvs_service_connections_total", {{"service", svc.key.str()}},
             svc.counters.connections);
  }
}

void alert_metrics(Writer& w, const StatusSnapshot& s) {
  const AlertsStatus& a = s.alerts;
  w.single("vigil_smtp_alerts_enabled", "gauge",
           "1 when SMTP alerts are configured (smtp_server and notification_email).",
           a.enabled ? 1 : 0);
  w.family("vigil_smtp_alerts_total", "counter",
           "SMTP alerts by outcome: queued, delivered (accepted by the server), failed (refused "
           "or unreachable) and dropped (queue full or pending at shutdown).");
  w.sample("vigil_smtp_alerts_total", {{"result", "queued"}}, a.smtp.queued);
  w.sample("vigil_smtp_alerts_total", {{"result", "delivered"}}, a.smtp.delivered);
  w.sample("vigil_smtp_alerts_total", {{"result", "failed"}}, a.smtp.failed);
  w.sample("vigil_smtp_alerts_total", {{"result", "dropped"}}, a.smtp.dropped);
  w.single("vigil_smtp_alerts_pending", "gauge", "SMTP alerts queued and not yet being sent.",
           a.pending);
}

void control_metrics(Writer& w, const StatusSnapshot& s) {
  w.single("vigil_control_requests_total", "counter",
           "Requests served by the control socket and the HTTP listener.", s.control.requests);
  w.single("vigil_control_refused_total", "counter",
           "Control socket connections refused (the peer is not root).", s.control.refused);
  w.family("vigil_status_snapshot_duration_seconds", "histogram",
           "Event loop time spent copying the live state for one status request.");
  w.histogram("vigil_status_snapshot_duration_seconds", {}, s.control.snapshot_time);
}

}  // namespace

std::string escape_label_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  append_escaped(out, v);
  return out;
}

std::string metrics_text(const StatusSnapshot& s) {
  Writer w;
  daemon_metrics(w, s);
  vrrp_metrics(w, s);
  checker_metrics(w, s);
  ipvs_metrics(w, s);
  alert_metrics(w, s);
  control_metrics(w, s);
  return w.take();
}

}  // namespace vigil::daemon
