#include "checkers/manager.h"

#include <algorithm>
#include <exception>
#include <unordered_map>
#include <utility>
#include <variant>

#include <spdlog/spdlog.h>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>

#include "checkers/file_check.h"
#include "checkers/make_check.h"
#include "core/logging.h"
#include "core/random_seed.h"
#include "parser/config/script_defaults.h"
#include "parser/dump_json.h"

namespace vigil::checkers {
namespace {

spdlog::logger& log() {
  static const std::shared_ptr<spdlog::logger> logger = core::logger("checkers");
  return *logger;
}

// How late a probe may start (core::Timer::set_slack): probes due within the same 10 ms start
// in one wake-up of the loop, as keepalived's do within one turn of its scheduler. 1% of the
// shortest delay_loop (1 s).
constexpr core::Duration kProbeSlack = std::chrono::milliseconds(10);

// The coroutine owns its Check: a probe still in flight when the manager goes away keeps its
// Check alive until it has unwound.
boost::asio::awaitable<CheckResult> run_probe(std::shared_ptr<Check> check) {
  co_return co_await check->run();
}

// Checkers that may share their probes: the same probe identity against the same real server
// and, for a MISC_CHECK without misc_timeout, the same timeout (the virtual server's
// delay_loop: keepalived misc_check_thread).
std::string shared_probe_key(const config::Checker& checker, const config::RealServer& rs,
                             const config::VirtualServer& vs) {
  std::string key = parser::probe_identity(checker);
  key += '|';
  key += server_name(rs.address, rs.port);
  if (const auto* misc = std::get_if<config::MiscCheck>(&checker.details);
      misc && !(misc->timeout && misc->timeout->count() > 0)) {
    key += '|';
    key += std::to_string(vs.delay_loop.count());
  }
  return key;
}

}  // namespace

Manager::Manager(boost::asio::io_context& io, core::Clock& clock, CheckContext context,
                 Listener listener, CheckFactory factory)
    : io_(io),
      clock_(clock),
      context_(std::move(context)),
      listener_(std::move(listener)),
      factory_(factory ? std::move(factory) : CheckFactory(make_check)),
      random_(core::random_seed()) {}

Manager::~Manager() {
  stop();
  *alive_ = false;
}

void Manager::start(const config::Lvs& lvs, const config::GlobalDefs& global,
                    const std::vector<config::TrackFile>& track_files) {
  global_ = &global;
  running_ = true;
  watch_files(lvs, track_files);
  populate(lvs, nullptr);
  log().info("Activating {} healthchecker(s) for {} virtual server(s)",
             slots_.size() + file_slots_.size(), services_.size());
  log_sharing();
}

void Manager::log_sharing() const {
  std::size_t sharing = 0;
  std::size_t probes = 0;
  std::vector<const SharedProbe*> seen;
  for (const auto& slot : slots_) {
    if (slot->shared->owners < 2) continue;
    ++sharing;
    if (std::find(seen.begin(), seen.end(), slot->shared.get()) == seen.end()) {
      seen.push_back(slot->shared.get());
      ++probes;
    }
  }
  if (sharing > 0) {
    log().info("{} healthchecker(s) share {} probe(s) with identical checkers", sharing, probes);
  }
}

void Manager::populate(const config::Lvs& lvs, Previous* previous) {
  const core::TimePoint now = clock_.now();
  std::uniform_real_distribution<double> fraction(0.0, 1.0);
  std::unordered_map<const Slot*, core::TimePoint> carried_due;
  std::unordered_map<std::string, std::shared_ptr<SharedProbe>> shared;
  for (const auto& vs : lvs.virtual_servers) {
    auto service = std::make_unique<Service>(Service{&vs, VirtualServerHealth(vs), {}});
    const std::size_t index = services_.size();
    const std::string vs_name = virtual_server_name(vs);
    for (std::size_t r = 0; r < vs.real_servers.size(); ++r) {
      const auto& rs = vs.real_servers[r];
      for (std::size_t c = 0; c < rs.checkers.size(); ++c) {
        if (const auto* file = std::get_if<config::FileCheck>(&rs.checkers[c].details)) {
          file_slots_.push_back(
              {index, r, c, file->track_file, file->weight.value_or(0), file->reverse});
          continue;
        }
        std::string why;
        std::unique_ptr<Check> check = factory_(rs.checkers[c], rs, vs, context_, &why);
        if (!check) {
          ++stats_.checkers_disabled;
          log().warn("{} of {} in VS {} disabled: {}", type_name(rs.checkers[c].type),
                     real_server_name(rs, vs), vs_name, why);
          continue;
        }
        auto slot = std::make_unique<Slot>();
        slot->manager = this;
        slot->service = index;
        slot->real_server = r;
        slot->checker = c;
        slot->check = std::move(check);
        auto& group = shared[shared_probe_key(rs.checkers[c], rs, vs)];
        if (!group) {
          group = std::make_shared<SharedProbe>();
          group->warmup_fraction = fraction(random_);
        }
        ++group->owners;
        slot->shared = group;
        slot->timer = clock_.make_timer();
        slot->timer->set_slack(kProbeSlack);
        slot->cancel = std::make_shared<boost::asio::cancellation_signal>();
        slot->status = CheckerStatus{};
        slot->status.virtual_server = index;
        slot->status.real_server = r;
        slot->status.checker = c;
        slot->status.up = !rs.checkers[c].alpha.value_or(false);
        slot->status.last_change = now;
        if (previous != nullptr) {
          const std::string key = vs_name + "|" + real_server_name(rs, vs) + "|" +
                                  parser::checker_identity(rs.checkers[c]);
          auto it = previous->checkers.find(key);
          if (it != previous->checkers.end() && !it->second.empty()) {
            Carried& carried = it->second.front();
            service->health.carry(r, c, carried.health, carried.dynamic_weight);
            slot->status = carried.status;
            slot->status.virtual_server = index;
            slot->status.real_server = r;
            slot->status.checker = c;
            // A probe that was in flight was cancelled: it runs again at once.
            carried_due.emplace(slot.get(), carried.due.value_or(now));
            it->second.erase(it->second.begin());
          }
        }
        slots_.push_back(std::move(slot));
      }
    }
    services_.push_back(std::move(service));
    Service& s = *services_.back();
    // The files' values at start-up decide their checkers' initial states.
    for (const FileSlot& f : file_slots_) {
      if (f.service != index) continue;
      const long value = files_ ? files_->value(f.file) : 0;
      s.health.file_status(f.real_server, f.checker, file_check_share(value, f.weight, f.reverse),
                           now);
    }
    std::vector<HealthEvent> events = s.health.start(now);
    if (previous != nullptr) {
      // A reload reports only what changed: a real server alive before and after, or a quorum
      // in the same state, says nothing.
      if (auto old = previous->services.find(vs_name); old != previous->services.end()) {
        const auto& [alive, quorum_up] = old->second;
        std::erase_if(events, [&](const HealthEvent& e) {
          switch (e.kind) {
            case HealthEventKind::kRealServerUp: {
              const auto& rs = vs.real_servers[e.real_server];
              return std::find(alive.begin(), alive.end(), std::make_pair(rs.address, rs.port)) !=
                     alive.end();
            }
            case HealthEventKind::kQuorumUp:
              return quorum_up;
            case HealthEventKind::kQuorumDown:
              return !quorum_up;
            default:
              return false;
          }
        });
      }
    }
    report(s, events);
  }
  // After a reload, a new checker that shares its probe with a carried one of the same
  // delay_loop starts with it, so that they keep probing together.
  std::unordered_map<const SharedProbe*, std::pair<core::Duration, core::TimePoint>> carried_phase;
  const auto settings = [this](const Slot& slot) {
    const auto& vs = *services_[slot.service]->config;
    return settings_of(vs.real_servers[slot.real_server].checkers[slot.checker]);
  };
  for (auto& slot : slots_) {
    if (auto carried = carried_due.find(slot.get()); carried != carried_due.end()) {
      schedule(*slot, std::max(core::Duration(0), core::Duration(carried->second - now)), now);
      carried_phase.emplace(slot->shared.get(),
                            std::make_pair(settings(*slot).delay_loop, carried->second));
    }
  }
  for (auto& slot : slots_) {
    if (carried_due.contains(slot.get())) continue;
    const CheckerSettings s = settings(*slot);
    if (auto phase = carried_phase.find(slot->shared.get()); phase != carried_phase.end() &&
                                                             phase->second.first == s.delay_loop &&
                                                             phase->second.second >= now) {
      schedule(*slot, phase->second.second - now, now);
      continue;
    }
    schedule(*slot, first_delay(s, slot->shared->warmup_fraction), now);
  }
}

Manager::Previous Manager::take_previous() {
  Previous previous;
  for (auto& slot : slots_) {
    const Service& service = *services_[slot->service];
    const auto& vs = *service.config;
    const auto& rs = vs.real_servers[slot->real_server];
    const std::string key = virtual_server_name(vs) + "|" + real_server_name(rs, vs) + "|" +
                            parser::checker_identity(rs.checkers[slot->checker]);
    std::optional<core::TimePoint> due;
    if (!slot->running) due = slot->due;
    previous.checkers[key].push_back(
        Carried{service.health.checker(slot->real_server, slot->checker), slot->status, due,
                service.health.dynamic_weight(slot->real_server)});
  }
  for (const auto& service : services_) {
    const auto& vs = *service->config;
    std::vector<std::pair<core::IpAddress, std::uint16_t>> alive;
    for (std::size_t r = 0; r < vs.real_servers.size(); ++r) {
      const auto& rs = vs.real_servers[r];
      if (service->health.alive(r)) alive.emplace_back(rs.address, rs.port);
    }
    previous.services.emplace(virtual_server_name(vs),
                              std::make_pair(std::move(alive), service->health.quorum_up()));
  }
  return previous;
}

void Manager::reload(const config::Lvs& lvs, const config::GlobalDefs& global,
                     const std::vector<config::TrackFile>& track_files) {
  if (!running_) return;
  Previous previous = take_previous();
  std::size_t before = 0;
  for (const auto& [key, list] : previous.checkers) before += list.size();
  // The old generation's probes are cancelled; their completions see a dead flag and return.
  cancel_probes();
  *alive_ = false;
  alive_ = std::make_shared<bool>(true);
  slots_.clear();
  services_.clear();
  file_slots_.clear();
  files_.reset();
  global_ = &global;
  context_.ssl = lvs.ssl ? &*lvs.ssl : nullptr;
  context_.script_defaults = config::script_defaults(global);
  watch_files(lvs, track_files);
  populate(lvs, &previous);
  std::size_t left = 0;
  for (const auto& [key, list] : previous.checkers) left += list.size();
  log().info("Reloaded: {} healthchecker(s) for {} virtual server(s), {} kept their state",
             slots_.size() + file_slots_.size(), services_.size(), before - left);
  log_sharing();
}

void Manager::watch_files(const config::Lvs& lvs,
                          const std::vector<config::TrackFile>& track_files) {
  std::vector<const config::TrackFile*> used;
  for (const auto& vs : lvs.virtual_servers) {
    for (const auto& rs : vs.real_servers) {
      for (const auto& c : rs.checkers) {
        const auto* file = std::get_if<config::FileCheck>(&c.details);
        if (!file) continue;
        for (const auto& t : track_files) {
          if (t.name == file->track_file && std::find(used.begin(), used.end(), &t) == used.end()) {
            used.push_back(&t);
          }
        }
      }
    }
  }
  if (used.empty()) return;
  files_ = std::make_unique<core::FileWatcher>(
      io_, [this](const std::string& name, long value) { on_file(name, value); });
  for (const config::TrackFile* t : used) {
    if (t->init_file) core::initialise_track_file(t->file, t->init_value, t->init_overwrite);
    if (auto e = files_->add(t->name, t->file)) {
      log().warn("track_file {}: cannot watch {}: {}", t->name, t->file, e.message());
    }
  }
}

void Manager::on_file(const std::string& name, long value) {
  if (!running_) return;
  const core::TimePoint now = clock_.now();
  for (const FileSlot& f : file_slots_) {
    if (f.file != name) continue;
    Service& service = *services_[f.service];
    const auto share = file_check_share(value, f.weight, f.reverse);
    const auto& vs = *service.config;
    log().info("FILE_CHECK on {}: track_file {} is {}{}",
               real_server_name(vs.real_servers[f.real_server], vs), name, value,
               share ? "" : " (FAULT)");
    report(service, service.health.file_status(f.real_server, f.checker, share, now).events);
  }
}

void Manager::stop() {
  if (!running_) return;
  running_ = false;
  cancel_probes();
  const core::TimePoint now = clock_.now();
  for (auto& service : services_) {
    report(*service, service->health.stop(now, global_ ? global_->lvs_flush_on_stop
                                                       : config::LvsFlushOnStop::kNone));
  }
}

void Manager::cancel_probes() {
  for (auto& slot : slots_) {
    slot->timer->cancel();
    if (slot->started) {
      ++stats_.probes_cancelled;
      if (slot->current) {
        // Started through Check::start(): its sink will not be called.
        slot->check->cancel();
        slot->current.reset();
        slot->started = false;
      } else {
        slot->cancel->emit(boost::asio::cancellation_type::terminal);
      }
    }
  }
}

void Manager::schedule(Slot& slot, core::Duration after, core::TimePoint from) {
  Slot* s = &slot;
  slot.due = from + after;
  // Armed for the absolute time, so that checkers given the same `from` fall due together.
  slot.timer->arm(std::max(core::Duration(0), core::Duration(slot.due - clock_.now())),
                  [this, s] { probe(*s); });
}

void Manager::probe(Slot& slot) {
  if (!running_ || slot.running) return;
  // A probe of the shared group started at or after this checker's due time is as good as one
  // of its own started then: take its verdict (now, or when it comes).
  if (const std::shared_ptr<Run>& latest = slot.shared->latest;
      latest && latest->nominal >= slot.due) {
    ++stats_.probes_shared;
    if (latest->result) {
      finished(slot, *latest->result, latest->completed);
    } else {
      slot.running = true;
      latest->owners.push_back(&slot);
    }
    return;
  }
  slot.running = true;
  slot.started = true;
  ++stats_.probes_started;
  auto run = std::make_shared<Run>();
  run->nominal = slot.due;
  run->owners.push_back(&slot);
  slot.shared->latest = run;
  if (slot.check->start(slot)) {
    slot.current = std::move(run);
    return;
  }
  std::weak_ptr<bool> alive = alive_;
  Slot* s = &slot;
  // The completion holds the cancellation signal, so it outlives the operation it is bound to;
  // and one loop turn longer: an emit() from outside the loop (stop, reload) reaches the
  // coroutine through a handler co_spawn posts, which may still be queued when the probe has
  // completed, and which needs the signal's handler (Asio 1.81 co_spawn.hpp).
  auto signal = slot.cancel;
  auto executor = io_.get_executor();
  boost::asio::co_spawn(
      io_, run_probe(slot.check),
      boost::asio::bind_cancellation_slot(
          signal->slot(),
          [this, s, run, alive, signal, executor](std::exception_ptr e, CheckResult result) {
            boost::asio::post(executor, [signal] {});
            auto a = alive.lock();
            if (!a || !*a) return;
            if (e) {
              // Checks never throw; if one did, it is a bug: fail the probe, keep the daemon.
              try {
                std::rethrow_exception(e);
              } catch (const std::exception& x) {
                result = CheckResult{false, std::string("internal error: ") + x.what(), {}, {}};
              } catch (...) {
                result = CheckResult{false, "internal error", {}, {}};
              }
              log().error("probe raised an exception: {}", result.reason);
            }
            completed(*s, run, std::move(result));
          }));
}

void Manager::Slot::probe_done(CheckResult&& result) {
  const std::shared_ptr<Run> run = std::move(current);
  manager->completed(*this, run, std::move(result));
}

void Manager::completed(Slot& slot, const std::shared_ptr<Run>& run, CheckResult&& result) {
  slot.started = false;
  run->result = std::move(result);
  run->completed = clock_.now();
  deliver(run);
}

void Manager::deliver(const std::shared_ptr<Run>& run) {
  // Every owner gets the verdict at the same time, so their next probes stay together.
  for (Slot* owner : run->owners) {
    owner->running = false;
    finished(*owner, *run->result, run->completed);
  }
  run->owners.clear();
}

void Manager::finished(Slot& slot, const CheckResult& result, core::TimePoint now) {
  if (!running_) return;  // cancelled by stop()
  if (!result.ok) ++stats_.probes_failed;
  Service& service = *services_[slot.service];
  const bool was_up = service.health.checker(slot.real_server, slot.checker).up();
  const bool was_alive = service.health.alive(slot.real_server);
  const bool first = !slot.status.has_run;
  HealthUpdate update = service.health.record(slot.real_server, slot.checker, result, now);
  const CheckerHealth& checker = service.health.checker(slot.real_server, slot.checker);
  if (checker.up() != slot.status.up) slot.status.last_change = now;
  slot.status.up = checker.up();
  slot.status.has_run = true;
  slot.status.last = result;
  ++slot.status.probes;
  if (result.ok) {
    ++slot.status.consecutive_successes;
    slot.status.consecutive_failures = 0;
  } else {
    ++slot.status.failures;
    ++slot.status.consecutive_failures;
    slot.status.consecutive_successes = 0;
  }
  const auto type = service.config->real_servers[slot.real_server].checkers[slot.checker].type;
  CheckTypeStats& by_type = stats_.by_type[static_cast<std::size_t>(type)];
  by_type.latency.observe(result.latency);
  if (!result.ok) ++by_type.failures;
  log_probe(slot, result, was_up, checker);
  if (listener_.probe) {
    listener_.probe(*service.config,
                    ProbeReport{slot.real_server, slot.checker, result, first, was_up, checker.up(),
                                was_alive, service.health.alive(slot.real_server)});
  }
  // Without an event nothing changed that the destinations depend on (state, weight, quorum):
  // most probes end here, and a virtual server of many real servers is not rebuilt for them.
  if (!update.events.empty()) report(service, update.events);
  schedule(slot, update.next_delay, now);
}

void Manager::log_probe(const Slot& slot, const CheckResult& result, bool was_up,
                        const CheckerHealth& checker) const {
  if (result.ok) return;
  const auto& vs = *services_[slot.service]->config;
  const auto& rs = vs.real_servers[slot.real_server];
  const auto& config = rs.checkers[slot.checker];
  if (was_up && !checker.up()) {
    log().info("{} on {} failed: {}", type_name(config.type), real_server_name(rs, vs),
               result.reason);
  } else if (config.log_all_failures) {
    log().info("{} on {} failed{}: {}", type_name(config.type), real_server_name(rs, vs),
               checker.up() ? " (retrying)" : "", result.reason);
  } else {
    log().debug("{} on {} failed{}: {}", type_name(config.type), real_server_name(rs, vs),
                checker.up() ? " (retrying)" : "", result.reason);
  }
}

void Manager::report(Service& service, const std::vector<HealthEvent>& events) {
  const auto& vs = *service.config;
  const std::string vs_name = events.empty() ? std::string() : virtual_server_name(vs);
  for (const HealthEvent& e : events) {
    const auto rs_name = [&] { return real_server_name(vs.real_servers[e.real_server], vs); };
    const auto inhibit = [&] {
      return vs.real_servers[e.real_server].inhibit_on_failure.value_or(vs.inhibit_on_failure);
    };
    switch (e.kind) {
      case HealthEventKind::kCheckerUp:
        log().info("{} on {} succeeded",
                   type_name(vs.real_servers[e.real_server].checkers[e.checker].type), rs_name());
        break;
      case HealthEventKind::kCheckerDown:  // logged with its reason by finished()
        break;
      case HealthEventKind::kRealServerUp:
        // keepalived does not log the real servers that are up at start (36,800 lines at
        // start-up for issue #2318's size, formatted on the loop and sent to syslog).
        if (e.initial) {
          if (log().should_log(spdlog::level::debug)) {
            log().debug("{} service {} to VS {}", inhibit() ? "Enabling" : "Adding", rs_name(),
                        vs_name);
          }
        } else {
          log().info("{} service {} to VS {}", inhibit() ? "Enabling" : "Adding", rs_name(),
                     vs_name);
        }
        break;
      case HealthEventKind::kRealServerDown:
        log().info("{} service {} from VS {}", inhibit() ? "Disabling" : "Removing", rs_name(),
                   vs_name);
        break;
      case HealthEventKind::kWeightChanged:
        log().info("Changing weight from {} to {} for {} of VS {}", e.old_weight, e.new_weight,
                   rs_name(), vs_name);
        break;
      case HealthEventKind::kQuorumUp:
        log().info("Gained quorum (alive weight {} >= {}) for VS {}", e.weight_sum, e.threshold,
                   vs_name);
        break;
      case HealthEventKind::kQuorumDown:
        log().info("Lost quorum (alive weight {} < {}) for VS {}", e.weight_sum, e.threshold,
                   vs_name);
        break;
    }
    if (listener_.event) listener_.event(vs, e);
  }
  std::vector<Destination> now = service.health.destinations();
  if (now != service.destinations) {
    service.destinations = std::move(now);
    if (listener_.destinations) listener_.destinations(vs, service.destinations);
  }
}

std::vector<CheckerStatus> Manager::checker_status() const {
  std::vector<CheckerStatus> out;
  out.reserve(slots_.size());
  for (const auto& slot : slots_) out.push_back(slot->status);
  return out;
}

std::size_t Manager::probes_in_flight() const {
  return static_cast<std::size_t>(
      std::count_if(slots_.begin(), slots_.end(), [](const auto& slot) { return slot->started; }));
}

const VirtualServerHealth& Manager::health(std::size_t virtual_server) const {
  return services_.at(virtual_server)->health;
}

}  // namespace vigil::checkers
