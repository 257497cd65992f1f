#include "daemon/status_model.h"

#include <ctime>

#include <fmt/format.h>

#include "daemon/services.h"

namespace vigil::daemon {
namespace {

VrrpStatus vrrp_status(const vrrp::Engine& engine, core::TimePoint now) {
  VrrpStatus out;
  const auto drivers = engine.drivers();
  out.running = !drivers.empty();
  out.instances.reserve(drivers.size());
  for (const vrrp::InstanceDriver* d : drivers) {
    const config::VrrpInstance& c = d->config();
    const vrrp::Instance& inst = d->instance();
    const vrrp::StateMachine& m = inst.machine();
    VrrpInstanceStatus s;
    s.name = c.name;
    s.interface = c.interface;
    s.sync_group = c.sync_group;
    s.vrid = c.virtual_router_id.value_or(0);
    s.version = c.version;
    s.family = c.family;
    s.vips.reserve(c.virtual_ipaddress.size());
    for (const auto& v : c.virtual_ipaddress) s.vips.push_back(v.address);
    s.state = inst.state();
    s.base_priority = m.base_priority();
    s.effective_priority = m.effective_priority();
    if (s.state == vrrp::State::kMaster) {
      s.master_address = m.params().primary_address;
      s.advert_interval = m.params().advert_interval;
    } else {
      s.master_address = m.master_address();
      s.advert_interval = m.master_adver_interval();
    }
    s.in_state = now - inst.state_since();
    s.fault = m.faulted();
    s.tracked = d->tracker().objects();
    s.counters = inst.counters();
    s.machine = m.stats();
    s.send_errors = d->send_errors();
    out.instances.push_back(std::move(s));
  }
  for (const vrrp::SyncGroup* g : engine.sync_groups()) {
    out.sync_groups.push_back({g->name(), g->members(), g->state()});
  }
  out.engine = engine.stats();
  return out;
}

CheckersStatus checkers_status(const checkers::Manager& manager,
                               std::shared_ptr<const config::Config> config, core::TimePoint now) {
  CheckersStatus out;
  out.running = true;
  out.stats = manager.stats();
  const auto& vss = config->lvs.virtual_servers;
  const std::size_t n = std::min(vss.size(), manager.virtual_server_count());
  out.virtual_servers.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const checkers::VirtualServerHealth& h = manager.health(i);
    VirtualServerStatus& vs = out.virtual_servers[i];
    vs.quorum_up = h.quorum_up();
    vs.sorry_active = h.sorry_active();
    vs.alive_weight = h.alive_weight();
    vs.real_servers.resize(std::min(h.real_server_count(), vss[i].real_servers.size()));
    for (std::size_t r = 0; r < vs.real_servers.size(); ++r) {
      RealServerStatus& rs = vs.real_servers[r];
      rs.alive = h.alive(r);
      rs.weight = h.weight(r);
      rs.checks.resize(vss[i].real_servers[r].checkers.size());
      for (std::size_t c = 0; c < rs.checks.size(); ++c) rs.checks[c].up = h.checker(r, c).up();
    }
  }
  for (const checkers::CheckerStatus& st : manager.checker_status()) {
    if (st.virtual_server >= n) continue;
    auto& servers = out.virtual_servers[st.virtual_server].real_servers;
    if (st.real_server >= servers.size() || st.checker >= servers[st.real_server].checks.size()) {
      continue;
    }
    CheckStatus& c = servers[st.real_server].checks[st.checker];
    c.scheduled = true;
    c.has_run = st.has_run;
    c.ok = st.last.ok;
    c.reason = st.last.reason;
    c.latency = st.last.latency;
    c.since_change = now - st.last_change;
    c.consecutive_successes = st.consecutive_successes;
    c.consecutive_failures = st.consecutive_failures;
    c.probes = st.probes;
    c.failures = st.failures;
  }
  out.config = std::move(config);
  return out;
}

IpvsServiceStatus service_status(const ipvs::ServiceKey& key, const ipvs::ServiceState* desired,
                                 const ipvs::ServiceState* applied) {
  IpvsServiceStatus s;
  s.key = key;
  s.desired = desired != nullptr;
  s.in_kernel = applied != nullptr;
  s.scheduler = (desired ? desired : applied)->params.scheduler;
  if (applied) s.counters = applied->counters;
  // Both destination maps are ordered by DestKey: one merge walk.
  static const std::map<ipvs::DestKey, ipvs::DestState> kNone;
  const auto& want = desired ? desired->dests : kNone;
  const auto& have = applied ? applied->dests : kNone;
  s.destinations.reserve(std::max(want.size(), have.size()));
  auto w = want.begin();
  auto h = have.begin();
  while (w != want.end() || h != have.end()) {
    IpvsDestinationStatus d;
    if (h == have.end() || (w != want.end() && w->first < h->first)) {
      d.key = w->first;
      d.forward = w->second.params.forward;
      d.desired_weight = w->second.params.weight;
      ++w;
    } else if (w == want.end() || h->first < w->first) {
      d.key = h->first;
      d.forward = h->second.params.forward;
      d.applied = h->second;
      ++h;
    } else {
      d.key = w->first;
      d.forward = w->second.params.forward;
      d.desired_weight = w->second.params.weight;
      d.applied = h->second;
      ++w;
      ++h;
    }
    s.destinations.push_back(std::move(d));
  }
  return s;
}

IpvsStatus ipvs_status(const ipvs::Syncer& syncer, core::TimePoint now) {
  IpvsStatus out;
  out.running = true;
  out.available = syncer.available();
  out.settled = syncer.settled();
  if (syncer.last_read()) out.since_read = now - *syncer.last_read();
  out.foreign_services = syncer.foreign().size();
  out.stats = syncer.stats();
  const ipvs::Table& want = syncer.desired();
  const ipvs::Table& have = syncer.applied();
  out.services.reserve(want.size());
  auto w = want.begin();
  auto h = have.begin();
  while (w != want.end() || h != have.end()) {
    if (h == have.end() || (w != want.end() && w->first < h->first)) {
      out.services.push_back(service_status(w->first, &w->second, nullptr));
      ++w;
    } else if (w == want.end() || h->first < w->first) {
      out.services.push_back(service_status(h->first, nullptr, &h->second));
      ++h;
    } else {
      out.services.push_back(service_status(w->first, &w->second, &h->second));
      ++w;
      ++h;
    }
  }
  return out;
}

}  // namespace

StatusSnapshot take_snapshot(const Services& services, const DaemonStatus& daemon,
                             const ConfigStatus& config, const ControlStats& control,
                             core::TimePoint now) {
  StatusSnapshot s;
  s.taken = std::chrono::system_clock::now();
  s.daemon = daemon;
  s.config = config;
  s.control = control;
  s.vrrp = vrrp_status(services.vrrp(), now);
  if (const checkers::Manager* m = services.checkers(); m && services.config()) {
    s.checkers = checkers_status(*m, services.config(), now);
  }
  if (const ipvs::Syncer* syncer = services.ipvs()) s.ipvs = ipvs_status(*syncer, now);
  const SmtpAlerts& alerts = services.alerts();
  s.alerts = AlertsStatus{alerts.enabled(), alerts.stats(), alerts.pending(), alerts.busy()};
  return s;
}

double seconds(core::Duration d) { return std::chrono::duration<double>(d).count(); }

WallTime wall_time_of(const StatusSnapshot& s, core::Duration age) {
  return s.taken - std::chrono::duration_cast<WallTime::duration>(age);
}

std::string iso_time(WallTime t) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms % 1000);
}

}  // namespace vigil::daemon
