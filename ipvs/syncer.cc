#include "ipvs/syncer.h"

#include <cerrno>

#include "core/logging.h"
#include "ipvs/diff.h"

namespace vigil::ipvs {

namespace {

auto log() { return core::logger("ipvs"); }

bool same_dests(const ServiceState& a, const ServiceState& b) {
  if (a.dests.size() != b.dests.size()) return false;
  for (auto i = a.dests.begin(), j = b.dests.begin(); i != a.dests.end(); ++i, ++j) {
    if (!(i->first == j->first) || !(i->second.params == j->second.params)) return false;
  }
  return true;
}

bool same_state(const ServiceState& a, const ServiceState& b) {
  return a.params == b.params && same_dests(a, b);
}

// What an op that failed with `ec` tells: the kernel already is as the op wanted.
bool already_done(const Op& op, const std::error_code& ec) {
  const int e = ec.category() == std::system_category() ? ec.value() : 0;
  switch (op.kind) {
    case Op::Kind::kDeleteService:
      return e == ESRCH || e == ENOENT;
    case Op::Kind::kDeleteDest:
      return e == ENOENT || e == ESRCH;
    default:
      return false;
  }
}

// What an op that failed with `ec` tells: our view of the kernel is stale.
bool view_stale(const Op& op, const std::error_code& ec) {
  const int e = ec.category() == std::system_category() ? ec.value() : 0;
  switch (op.kind) {
    case Op::Kind::kAddService:
    case Op::Kind::kAddDest:
      return e == EEXIST;
    case Op::Kind::kEditService:
    case Op::Kind::kEditDest:
      return e == ESRCH || e == ENOENT;
    default:
      return false;
  }
}

// "weight 1 -> 5", "scheduler wlc -> rr" and friends for the drift log.
std::string describe_drift(const ServiceKey& key, const ServiceState* kernel,
                           const ServiceState& ours) {
  if (kernel == nullptr) return key.str() + " was removed";
  std::vector<Op> ops;
  diff_service(key, &ours, kernel, ops);
  std::string what;
  for (const Op& op : ops) {
    if (!what.empty()) what += "; ";
    switch (op.kind) {
      case Op::Kind::kEditService:
        what += "its settings were changed";
        break;
      case Op::Kind::kAddDest:
        what += "destination " + op.dest.str() + " was removed";
        break;
      case Op::Kind::kDeleteDest:
        what += "destination " + op.dest.str() + " was added";
        break;
      case Op::Kind::kEditDest: {
        const auto& theirs = kernel->dests.at(op.dest).params;
        if (theirs.weight != op.dest_params.weight) {
          what += "destination " + op.dest.str() + " weight " +
                  std::to_string(op.dest_params.weight) + " -> " + std::to_string(theirs.weight);
        } else {
          what += "destination " + op.dest.str() + " was changed";
        }
        break;
      }
      default:
        break;
    }
  }
  return key.str() + ": " + what;
}

}  // namespace

Syncer::Syncer(core::Clock& clock, Kernel& kernel, SyncerOptions options)
    : clock_(clock),
      kernel_(kernel),
      options_(options),
      apply_timer_(clock.make_timer()),
      reconcile_timer_(clock.make_timer()),
      retry_timer_(clock.make_timer()) {}

Syncer::~Syncer() { *alive_ = false; }

void Syncer::start(const config::Config& config) {
  running_ = true;
  load(config);
  connect();
}

void Syncer::load(const config::Config& config) {
  config_ = &config;
  // A virtual server of the old configuration with the same first service keeps its live
  // destinations until the checkers publish again.
  std::map<ServiceKey, std::vector<LiveDestination>> previous;
  for (auto& v : virtuals_) {
    if (!v.owned.empty()) previous.emplace(v.owned.front(), std::move(v.live));
  }
  virtuals_.clear();
  index_.clear();
  desired_.clear();
  std::map<ServiceKey, std::size_t> owner;
  for (const auto& vs : config.lvs.virtual_servers) {
    Virtual v;
    v.config = &vs;
    v.services = services_of(vs, config.lvs);
    v.templates = dest_templates_of(vs);
    const std::size_t i = virtuals_.size();
    for (const ServiceKey& key : v.services.keys) {
      auto [it, fresh] = owner.emplace(key, i);
      if (!fresh) {
        log()->warn("{} of virtual server {} is already programmed for {}; left to that one",
                    key.str(), vs.name(), virtuals_[it->second].config->name());
        continue;
      }
      v.owned.push_back(key);
    }
    if (!v.owned.empty()) {
      if (auto p = previous.find(v.owned.front()); p != previous.end())
        v.live = std::move(p->second);
    }
    for (const ServiceKey& key : v.owned) {
      desired_.emplace(key,
                       ServiceState{v.services.params, dests_of(v.templates, v.live, key), {}});
    }
    index_.emplace(&vs, i);
    virtuals_.push_back(std::move(v));
  }
}

void Syncer::reload(const config::Config& config) {
  if (!running_) return;
  load(config);
  if (!available_) return;
  apply_timeouts();
  for (const auto& [key, state] : desired_) dirty_.insert(key);
  for (const auto& [key, state] : applied_) {
    if (!desired_.contains(key)) dirty_.insert(key);
  }
  schedule_apply();
}

void Syncer::connect() {
  if (!running_) return;
  if (std::error_code ec = kernel_.open()) {
    if (!said_unavailable_) {
      said_unavailable_ = true;
      if (ec == std::errc::protocol_not_supported) {
        log()->warn(
            "IPVS is not available in this kernel (no ip_vs module): the virtual servers are "
            "health-checked but not programmed; they will be as soon as IPVS appears");
      } else {
        log()->warn(
            "cannot open IPVS ({}); retrying every {} s", ec.message(),
            std::chrono::duration_cast<std::chrono::seconds>(options_.retry_interval).count());
      }
    }
    retry_timer_->arm(options_.retry_interval, [this] { connect(); });
    return;
  }
  on_available();
}

void Syncer::on_available() {
  available_ = true;
  if (said_unavailable_) log()->info("IPVS is now available: programming the virtual servers");
  const auto& global = config_->global;
  if (global.lvs_flush && !flushed_at_start_) {
    flushed_at_start_ = true;
    if (std::error_code ec = kernel_.flush()) {
      log()->warn("lvs_flush: cannot flush the IPVS table: {}", ec.message());
    }
  }
  apply_timeouts();
  reconcile(true);
}

void Syncer::apply_timeouts() {
  const auto& t = config_->global.lvs_timeouts;
  if (!t.tcp && !t.tcpfin && !t.udp) return;
  const Timeouts timeouts{t.tcp.value_or(0), t.tcpfin.value_or(0), t.udp.value_or(0)};
  if (std::error_code ec = kernel_.set_timeouts(timeouts)) {
    log()->warn("lvs_timeouts: cannot set the IPVS timeouts: {}", ec.message());
  }
}

void Syncer::arm_reconcile(core::Duration after, bool periodic) {
  if (!running_ || !available_) return;
  reconcile_timer_->arm(after, [this, periodic] {
    // A push still in progress (thousands of ops over several loop turns) is what the table is
    // about to become: reading it back now would cost a dump per service and tell nothing.
    if (periodic && !dirty_.empty()) {
      arm_reconcile(options_.reconcile_interval, true);
      return;
    }
    reconcile(false);
  });
}

void Syncer::reconcile(bool initial) {
  if (!running_ || !available_) return;
  if (!initial && reader_ != nullptr) {
    read_in_background();
    return;
  }
  ++stats_.reconciles;
  ++read_generation_;
  Table kernel;
  if (std::error_code ec = kernel_.dump(kernel)) {
    ++stats_.dump_failures;
    log()->warn("cannot read the IPVS table back: {}", ec.message());
    arm_reconcile(options_.retry_interval);
    return;
  }
  reconciled(kernel, initial, {});
}

void Syncer::read_in_background() {
  if (reading_) {  // read again once the one in flight is back
    read_again_ = true;
    return;
  }
  reading_ = true;
  touched_.clear();
  ++stats_.reconciles;
  reader_->read(
      [this, alive = alive_, generation = read_generation_](std::error_code ec, Table kernel) {
        if (!*alive) return;
        reading_ = false;
        if (!running_ || !available_) return;
        if (generation != read_generation_) return;  // a synchronous read came in between
        if (ec) {
          ++stats_.dump_failures;
          log()->warn("cannot read the IPVS table back: {}", ec.message());
          arm_reconcile(options_.retry_interval);
          return;
        }
        std::set<ServiceKey> skip = std::move(touched_);
        touched_.clear();
        reconciled(kernel, false, skip);
        if (read_again_) {
          read_again_ = false;
          arm_reconcile(core::Duration(0));
        }
      });
}

void Syncer::reconciled(Table& kernel, bool initial, const std::set<ServiceKey>& skip) {
  last_read_ = clock_.now();
  std::size_t adopted = 0;
  std::set<ServiceKey> foreign;
  for (auto& [key, state] : kernel) {
    if (!desired_.contains(key)) foreign.insert(key);
  }
  for (const ServiceKey& key : foreign) {
    if (!foreign_.contains(key)) {
      log()->info("IPVS service {} is not in the configuration; left alone", key.str());
    }
  }
  foreign_ = std::move(foreign);

  for (const auto& [key, ours] : desired_) {
    if (skip.contains(key)) continue;
    auto k = kernel.find(key);
    const ServiceState* theirs = k == kernel.end() ? nullptr : &k->second;
    if (initial) {
      if (theirs != nullptr) ++adopted;
    } else {
      // Drift is a difference between the kernel and what we last applied, not a change we
      // have yet to make.
      auto a = applied_.find(key);
      const bool we_had = a != applied_.end();
      const bool differs =
          we_had ? (theirs == nullptr || !same_state(*theirs, a->second)) : theirs != nullptr;
      if (differs && !failed_.contains(key) && !dirty_.contains(key)) {
        ++stats_.drift_repairs;
        log()->warn("IPVS changed outside vigil, repairing: {}",
                    we_had ? describe_drift(key, theirs, a->second)
                           : key.str() + " was added by someone else");
      }
    }
    if (theirs != nullptr) {
      applied_.insert_or_assign(key, std::move(k->second));
    } else {
      applied_.erase(key);
    }
  }
  // Services we applied that the configuration no longer has (a reload) stay in applied_ until
  // their delete is acknowledged.
  for (auto it = applied_.begin(); it != applied_.end();) {
    if (!desired_.contains(it->first) && !kernel.contains(it->first) && !skip.contains(it->first)) {
      it = applied_.erase(it);
    } else {
      ++it;
    }
  }
  if (initial && adopted > 0) {
    log()->info("{} of {} configured IPVS service(s) already in the kernel: adopted", adopted,
                desired_.size());
  }
  for (const auto& [key, ours] : desired_) {
    auto a = applied_.find(key);
    if (a == applied_.end() || !same_state(a->second, ours)) dirty_.insert(key);
  }
  for (const auto& [key, state] : applied_) {
    if (!desired_.contains(key)) dirty_.insert(key);
  }
  if (options_.reconcile_interval.count() > 0) arm_reconcile(options_.reconcile_interval, true);
  schedule_apply();
}

void Syncer::set_destinations(const config::VirtualServer& vs,
                              const std::vector<LiveDestination>& live) {
  auto it = index_.find(&vs);
  if (it == index_.end()) return;
  Virtual& v = virtuals_[it->second];
  // desired_ is always dests_of(v.live): the same list changes nothing. After a reload every
  // virtual server publishes again (the checkers rebuild), mostly what load() carried over.
  if (live == v.live) return;
  v.live = live;
  for (const ServiceKey& key : v.owned) {
    desired_[key].dests = dests_of(v.templates, live, key);
    dirty_.insert(key);
  }
  schedule_apply();
}

void Syncer::schedule_apply() {
  if (!running_ || !available_ || dirty_.empty() || apply_timer_->armed()) return;
  apply_timer_->arm(core::Duration(0), [this] { apply_some(); });
}

void Syncer::apply_some() {
  if (!running_ || !available_) return;
  std::vector<Op> ops;
  std::vector<ServiceKey> keys;
  while (!dirty_.empty() && ops.size() < options_.ops_per_turn) {
    keys.push_back(*dirty_.begin());
    dirty_.erase(dirty_.begin());
    const ServiceKey& key = keys.back();
    auto d = desired_.find(key);
    auto a = applied_.find(key);
    diff_service(key, d == desired_.end() ? nullptr : &d->second,
                 a == applied_.end() ? nullptr : &a->second, ops);
  }
  if (!ops.empty()) {
    ++stats_.batches;
    if (reading_) {
      for (const Op& op : ops) touched_.insert(op.service);
    }
    std::vector<std::error_code> results;
    std::error_code transport = kernel_.apply(ops, results);
    bool stale = false;
    std::map<ServiceKey, const std::error_code*> first_error;
    for (std::size_t i = 0; i < ops.size(); ++i) {
      const std::error_code& ec = i < results.size() ? results[i] : transport;
      if (!ec || already_done(ops[i], ec)) {
        ++stats_.ops_applied;
        apply_op(applied_, ops[i]);
        continue;
      }
      ++stats_.ops_failed;
      if (view_stale(ops[i], ec)) stale = true;
      if (first_error.emplace(ops[i].service, &ec).second && !failed_.contains(ops[i].service)) {
        // Once per service and outage; the service is retried at every reconcile.
        log()->error("IPVS: cannot {}: {}", ops[i].str(), ec.message());
      }
    }
    for (const ServiceKey& key : keys) {
      if (first_error.contains(key)) {
        failed_.insert(key);
      } else if (failed_.erase(key) > 0) {
        log()->info("IPVS: {} programmed after an earlier failure", key.str());
      }
    }
    if (transport) {
      ++stats_.transport_failures;
      log()->warn(
          "IPVS request failed: {}; the table is read back in {} s", transport.message(),
          std::chrono::duration_cast<std::chrono::seconds>(options_.retry_interval).count());
      arm_reconcile(options_.retry_interval);
    } else if (stale) {
      // Someone else changed the table between our dump and now: read it again right away.
      arm_reconcile(core::Duration(0));
    }
  }
  schedule_apply();
}

void Syncer::stop(bool release) {
  if (!running_) return;
  running_ = false;
  apply_timer_->cancel();
  reconcile_timer_->cancel();
  retry_timer_->cancel();
  if (!available_ || !release) return;
  if (config_->global.lvs_flush_on_stop == config::LvsFlushOnStop::kFull) {
    log()->info("Flushing the IPVS table on shutdown (lvs_flush_on_stop)");
    if (std::error_code ec = kernel_.flush()) {
      log()->warn("cannot flush the IPVS table: {}", ec.message());
    }
    applied_.clear();
    return;
  }
  std::vector<Op> ops;
  for (const auto& [key, state] : applied_) diff_service(key, nullptr, &state, ops);
  if (ops.empty()) return;
  std::vector<std::error_code> results;
  std::error_code transport = kernel_.apply(ops, results);
  std::size_t removed = 0;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const std::error_code& ec = i < results.size() ? results[i] : transport;
    if (!ec || already_done(ops[i], ec)) {
      ++removed;
      continue;
    }
    log()->warn("IPVS: cannot {}: {}", ops[i].str(), ec.message());
  }
  log()->info("Removed {} IPVS service(s) on shutdown", removed);
  applied_.clear();
}

}  // namespace vigil::ipvs
