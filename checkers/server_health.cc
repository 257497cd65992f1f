#include "checkers/server_health.h"

#include <algorithm>
#include <utility>

namespace vigil::checkers {

namespace {

// alloc_ssvr() in check_data.c.
constexpr std::uint32_t kSorryWeight = 1;

HealthEvent event(HealthEventKind kind, core::TimePoint at) {
  HealthEvent e;
  e.kind = kind;
  e.at = at;
  return e;
}

}  // namespace

VirtualServerHealth::VirtualServerHealth(const config::VirtualServer& vs)
    : quorum_(vs.quorum), hysteresis_(vs.hysteresis), omega_(vs.omega) {
  servers_.reserve(vs.real_servers.size());
  for (const auto& rs : vs.real_servers) {
    Server s;
    s.address = rs.address;
    s.port = rs.port;
    s.configured_weight = rs.weight.value_or(vs.weight);
    s.base_weight = s.configured_weight;
    s.weight = s.configured_weight;
    s.file_shares.assign(rs.checkers.size(), 0);
    s.inhibit = rs.inhibit_on_failure.value_or(vs.inhibit_on_failure);
    s.checkers.reserve(rs.checkers.size());
    for (const auto& ch : rs.checkers) {
      s.checkers.emplace_back(settings_of(ch));
      // validate_check_config(): an alpha checker starts failed.
      if (!s.checkers.back().up()) ++s.failed;
    }
    servers_.push_back(std::move(s));
  }
  if (vs.sorry_server) {
    sorry_ =
        Sorry{vs.sorry_server->address, vs.sorry_server->port, vs.sorry_server->inhibit, false};
  }
  // set_quorum_states() runs before init_service_rs() has made any real server alive.
  quorum_up_ = 0 >= quorum_ + hysteresis_;
}

std::int64_t VirtualServerHealth::alive_weight() const {
  // weigh_live_realservers()
  std::int64_t sum = 0;
  for (const auto& s : servers_) {
    if (s.alive) sum += s.weight;
  }
  return sum;
}

void VirtualServerHealth::carry(std::size_t rs, std::size_t checker, const CheckerHealth& state,
                                std::optional<std::uint32_t> dynamic_weight) {
  if (started_) return;
  auto& s = servers_.at(rs);
  auto& c = s.checkers.at(checker);
  if (!c.up()) --s.failed;
  c = state;
  if (!c.up()) ++s.failed;
  if (dynamic_weight && c.settings().dynamic_weight) {
    s.base_weight = *dynamic_weight;
    s.weight = effective_weight(s);
  }
}

std::optional<std::uint32_t> VirtualServerHealth::dynamic_weight(std::size_t rs) const {
  const auto& s = servers_.at(rs);
  if (s.base_weight == s.configured_weight) return std::nullopt;
  return s.base_weight;
}

std::vector<HealthEvent> VirtualServerHealth::start(core::TimePoint now) {
  std::vector<HealthEvent> events;
  if (started_) return events;
  started_ = true;
  // init_service_rs(): alive without update_quorum_state(); notified only with
  // rs_init_notifies, which the caller applies.
  for (std::size_t i = 0; i < servers_.size(); ++i) {
    auto& s = servers_[i];
    if (s.failed == 0 && !s.alive) {
      s.alive = true;
      auto e = event(HealthEventKind::kRealServerUp, now);
      e.real_server = i;
      e.initial = true;
      events.push_back(e);
    }
  }
  update_quorum(/*init=*/true, now, events);
  return events;
}

HealthUpdate VirtualServerHealth::record(std::size_t rs, std::size_t checker,
                                         const CheckResult& result, core::TimePoint now) {
  HealthUpdate update;
  if (!started_) update.events = start(now);
  auto& s = servers_.at(rs);
  auto& c = s.checkers.at(checker);
  if (stopped_) {
    update.next_delay = c.settings().delay_loop;
    return update;
  }
  // misc_check_child_thread(): the weight is updated before the checker's state.
  if (result.ok && c.settings().dynamic_weight) {
    s.base_weight = result.weight.value_or(s.configured_weight);
    set_weight(rs, effective_weight(s), now, update.events);
  }
  const CheckerVerdict v = c.record(result.ok, result.latency);
  update.next_delay = v.next_delay;
  if (v.changed) {
    checker_changed(rs, checker, v.up, now, update.events);
  } else if (v.report_down) {
    auto e = event(HealthEventKind::kRealServerDown, now);
    e.real_server = rs;
    e.initial = true;
    update.events.push_back(e);
  }
  return update;
}

void VirtualServerHealth::checker_changed(std::size_t rs, std::size_t checker, bool up,
                                          core::TimePoint now, std::vector<HealthEvent>& events) {
  auto& s = servers_[rs];
  auto e = event(up ? HealthEventKind::kCheckerUp : HealthEventKind::kCheckerDown, now);
  e.real_server = rs;
  e.checker = checker;
  events.push_back(e);
  // update_svr_checker_state() / set_checker_state()
  if (up) {
    if (s.failed <= 1) set_alive(rs, true, now, events);
    if (s.failed > 0) --s.failed;
  } else {
    if (s.failed == 0) set_alive(rs, false, now, events);
    ++s.failed;
  }
}

std::uint32_t VirtualServerHealth::effective_weight(const Server& s) const {
  std::int64_t w = s.base_weight;
  for (std::int64_t share : s.file_shares) w += share;
  // real_weight(): IPVS weights are 0..IPVS_WEIGHT_MAX (65535).
  return static_cast<std::uint32_t>(std::clamp<std::int64_t>(w, 0, 65535));
}

HealthUpdate VirtualServerHealth::file_status(std::size_t rs, std::size_t checker,
                                              std::optional<std::int64_t> share,
                                              core::TimePoint now) {
  HealthUpdate update;
  auto& s = servers_.at(rs);
  auto& c = s.checkers.at(checker);
  if (stopped_) return update;
  const bool up = share.has_value();
  const std::int64_t new_share = share.value_or(0);
  if (!started_) {
    // set_track_file_checkers_down() / set_track_file_weights(): the state at start-up.
    s.file_shares[checker] = new_share;
    s.weight = effective_weight(s);
    const bool was_up = c.up();
    if (c.set_up(up)) {
      if (was_up)
        ++s.failed;
      else if (s.failed > 0)
        --s.failed;
    }
    return update;
  }
  // Going to FAULT: the checker goes down, then its share is taken back; leaving FAULT: the
  // share is added, then the checker comes up; otherwise only the weight moves.
  if (!up && c.set_up(false)) checker_changed(rs, checker, false, now, update.events);
  if (s.file_shares[checker] != new_share) {
    s.file_shares[checker] = new_share;
    set_weight(rs, effective_weight(s), now, update.events);
  }
  if (up && c.set_up(true)) checker_changed(rs, checker, true, now, update.events);
  return update;
}

void VirtualServerHealth::set_weight(std::size_t rs, std::uint32_t weight, core::TimePoint now,
                                     std::vector<HealthEvent>& events) {
  // update_svr_wgt(..., update_quorum=true)
  auto& s = servers_[rs];
  if (s.weight == weight) return;
  auto e = event(HealthEventKind::kWeightChanged, now);
  e.real_server = rs;
  e.old_weight = s.weight;
  e.new_weight = weight;
  events.push_back(e);
  s.weight = weight;
  update_quorum(false, now, events);
}

void VirtualServerHealth::set_alive(std::size_t rs, bool alive, core::TimePoint now,
                                    std::vector<HealthEvent>& events) {
  // perform_svr_state(): the IPVS side follows from destinations().
  auto& s = servers_[rs];
  if (s.alive == alive) return;
  s.alive = alive;
  auto e = event(alive ? HealthEventKind::kRealServerUp : HealthEventKind::kRealServerDown, now);
  e.real_server = rs;
  events.push_back(e);
  update_quorum(false, now, events);
}

void VirtualServerHealth::update_quorum(bool init, core::TimePoint now,
                                        std::vector<HealthEvent>& events) {
  // update_quorum_state()
  const std::int64_t sum = alive_weight();
  const std::int64_t threshold = quorum_ + (quorum_up_ ? -hysteresis_ : hysteresis_);
  auto quorum_event = [&](HealthEventKind kind) {
    auto e = event(kind, now);
    e.initial = init;
    e.weight_sum = sum;
    e.threshold = threshold;
    events.push_back(e);
  };
  if (!quorum_up_ && sum >= threshold) {
    quorum_up_ = true;
    // The sorry server leaves (or drops to weight 0 with sorry_server_inhibit) and the alive
    // real servers come back.
    if (sorry_) sorry_->active = false;
    quorum_event(HealthEventKind::kQuorumUp);
  } else if ((quorum_up_ && (sum == 0 || sum < threshold)) ||
             (init && !quorum_up_ && sorry_ && !sorry_->active)) {
    quorum_up_ = false;
    // The alive real servers leave (weight 0 when inhibited) and the sorry server comes in.
    if (sorry_) sorry_->active = true;
    quorum_event(HealthEventKind::kQuorumDown);
  }
}

std::vector<HealthEvent> VirtualServerHealth::stop(core::TimePoint now,
                                                   config::LvsFlushOnStop flush) {
  std::vector<HealthEvent> events;
  if (stopped_) return events;
  stopped_ = true;
  if (!started_) return events;
  // clear_service_vs() -> clear_service_rs(): with lvs_flush_on_stop the real servers are not
  // visited (clear_services() / the flush branch), so they are not notified.
  if (flush == config::LvsFlushOnStop::kNone) {
    for (std::size_t i = 0; i < servers_.size(); ++i) {
      if (!servers_[i].alive) continue;
      servers_[i].alive = false;
      if (!omega_) continue;  // "We always want to send SNMP messages on shutdown" only
      auto e = event(HealthEventKind::kRealServerDown, now);
      e.real_server = i;
      e.stopping = true;
      events.push_back(e);
    }
  }
  // update_vs_notifies(vs, stopping=true): quorum_down whatever the previous state.
  const std::int64_t sum = alive_weight();
  quorum_up_ = false;
  if (sorry_) sorry_->active = false;
  for (auto& s : servers_) s.alive = false;
  if (omega_) {
    auto e = event(HealthEventKind::kQuorumDown, now);
    e.stopping = true;
    e.weight_sum = sum;
    e.threshold = quorum_ - hysteresis_;
    events.push_back(e);
  }
  return events;
}

std::vector<Destination> VirtualServerHealth::destinations() const {
  std::vector<Destination> out;
  if (!started_ || stopped_) return out;
  const bool sorry_in = sorry_active();
  out.reserve(servers_.size() + 1);
  for (const auto& s : servers_) {
    // perform_svr_state() changes IPVS only while the sorry server is out;
    // perform_quorum_state() takes the alive ones out and back with it.
    if (s.alive && !sorry_in) {
      out.push_back({s.address, s.port, s.weight});
    } else if (s.inhibit) {
      out.push_back({s.address, s.port, 0});
    }
  }
  if (sorry_ && (sorry_in || sorry_->inhibit)) {
    const Destination d{sorry_->address, sorry_->port, sorry_in ? kSorryWeight : 0};
    // A sorry server that is also a real server (keepalived's s_svr_duplicates_rs) is one
    // destination: the sorry server's while it is in use, the real server's otherwise.
    bool merged = false;
    for (auto& o : out) {
      if (o.address == d.address && o.port == d.port) {
        if (sorry_in) o.weight = d.weight;
        merged = true;
        break;
      }
    }
    if (!merged) out.push_back(d);
  }
  return out;
}

}  // namespace vigil::checkers
