// Engine::reload: SIGHUP applied to the running VRRP instances (see engine.h and
// reload_plan.h for the rules).
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "core/logging.h"
#include "vrrp/engine.h"
#include "vrrp/reload_plan.h"

namespace vigil::vrrp {
namespace {

spdlog::logger& log() {
  static const std::shared_ptr<spdlog::logger> logger = core::logger("vrrp");
  return *logger;
}

}  // namespace

bool Engine::reload(const config::Config& next, std::string& error,
                    const std::function<void()>& after_removals) {
  if (!started_) {
    error = "the VRRP engine is not running";
    return false;
  }
  std::vector<const config::VrrpInstance*> running;
  running.reserve(drivers_.size());
  for (const auto& d : drivers_) running.push_back(&d->config());
  const ReloadPlan plan = plan_reload(running, next.vrrp.instances);

  // Everything that can refuse a new instance is checked before anything changes.
  for (std::size_t i : plan.added) {
    const config::VrrpInstance& inst = next.vrrp.instances[i];
    core::IpAddress source;
    if (!inst.interface.empty() && interfaces_->find(inst.interface) == nullptr) {
      error = "(" + inst.name + ") interface " + inst.interface + " does not exist";
      return false;
    }
    if (!find_source(inst, source, error)) {
      error = "(" + inst.name + ") " + error;
      return false;
    }
  }

  // Sync groups are built again at the end; their members may go now.
  std::map<std::string, State, std::less<>> group_states;
  for (const auto& g : groups_)
    group_states.emplace(g.binding->group().name(), g.binding->group().state());
  for (auto& d : drivers_) {
    d->set_sync_link({});
    d->set_group_fault(false);
  }
  group_of_.clear();
  groups_.clear();

  std::vector<InstanceDriver*> kept(next.vrrp.instances.size(), nullptr);
  std::vector<InstanceDriver*> by_old(running.size());
  for (std::size_t i = 0; i < drivers_.size(); ++i) by_old[i] = drivers_[i].get();
  for (const auto& k : plan.kept) kept[k.to] = by_old[k.from];

  for (std::size_t i : plan.removed) {
    const bool restarted = std::any_of(plan.added.begin(), plan.added.end(), [&](std::size_t a) {
      return next.vrrp.instances[a].name == running[i]->name;
    });
    if (restarted) {
      const auto& after =
          *std::find_if(next.vrrp.instances.begin(), next.vrrp.instances.end(),
                        [&](const config::VrrpInstance& n) { return n.name == running[i]->name; });
      log().info("({}) restarting: {}", running[i]->name, identity_change(*running[i], after));
    } else {
      log().info("({}) no longer configured; stopping", running[i]->name);
    }
    remove_instance(*by_old[i]);
  }
  if (after_removals) after_removals();

  config_ = &next;
  pacer_->set_default_intervals(
      PacingIntervals{next.global.vrrp_garp_interval, next.global.vrrp_gna_interval});
  for (const auto& k : plan.kept) {
    reconfigure_instance(*kept[k.to], next.vrrp.instances[k.to]);
  }
  std::vector<InstanceDriver*> added;
  for (std::size_t i : plan.added) {
    const config::VrrpInstance& inst = next.vrrp.instances[i];
    std::string why;
    if (!create_instance(inst, why)) {
      log().error("({}) cannot start: {}", inst.name, why);
      continue;
    }
    added.push_back(drivers_.back().get());
    log().info("({}) added by the new configuration", inst.name);
  }
  // The drivers in the new configuration's order (dumps, and the order instances are handled).
  std::stable_sort(drivers_.begin(), drivers_.end(), [&next](const auto& a, const auto& b) {
    return &a->config() - next.vrrp.instances.data() < &b->config() - next.vrrp.instances.data();
  });

  build_sync_groups(next, group_states);
  sync_scripts_and_files(next);
  for (auto& d : drivers_) seed_tracker(*d);
  start_sockets();
  propagate_group_faults();
  // Kept instances: the new verdict first (a master that is now in fault releases everything),
  // then what their address lists gained, announced.
  for (const auto& k : plan.kept) kept[k.to]->apply_tracking();
  for (const auto& k : plan.kept) kept[k.to]->finish_reconfigure();
  for (InstanceDriver* d : added) d->start();

  // Sockets no instance uses any more.
  for (auto it = sockets_.begin(); it != sockets_.end();) {
    const auto& v = it->second.by_vrid;
    if (std::all_of(v.begin(), v.end(), [](const InstanceDriver* d) { return d == nullptr; })) {
      it = sockets_.erase(it);
    } else {
      ++it;
    }
  }
  return true;
}

// As at shutdown: a master sends priority 0 and removes its addresses; the instance ends in
// STOP, reported as removed; then its socket slot, its VMAC and the driver go.
void Engine::remove_instance(InstanceDriver& driver) {
  removing_ = &driver.instance();
  // keepalived notify_deleted: DELETED instead of FAULT (a restart is a removal too).
  removing_deleted_ = driver.config().notify_deleted;
  driver.set_keep_addresses(false);
  driver.instance().stop();
  removing_ = nullptr;
  if (SocketEntry* e = entry_of(driver))
    e->by_vrid[driver.instance().machine().params().vrid] = nullptr;
  auto it = std::find_if(drivers_.begin(), drivers_.end(),
                         [&driver](const auto& d) { return d.get() == &driver; });
  std::unique_ptr<InstanceDriver> owned = std::move(*it);
  drivers_.erase(it);
  owned.reset();
  vmacs_.erase(&driver);
}

// A kept instance takes its new configuration: the same interface (or VMAC) and VRID; the
// source, destinations and socket are worked out again (authentication or the peer list may
// have changed), then the driver applies the rest in place.
void Engine::reconfigure_instance(InstanceDriver& driver, const config::VrrpInstance& inst) {
  DriverSetup setup;
  setup.config = &inst;
  setup.global = &config_->global;
  std::string if_name = inst.interface;
  if (const Interface* itf = interfaces_->find(inst.interface)) setup.ifindex = itf->index;
  if (auto v = vmacs_.find(&driver); v != vmacs_.end()) {
    if_name = v->second->name();
    // vmac_xmit_base: the adverts stay on the base interface (as in create_instance).
    if (!inst.vmac_xmit_base) setup.ifindex = v->second->index();
  }
  std::string error;
  if (!find_source(inst, setup.source, error)) {
    log().warn("({}) {}; adverts keep their source address", inst.name, error);
    setup.source = driver.instance().machine().params().primary_address;
  }
  const AdvertPath path = advert_path(inst, if_name, setup);
  SocketEntry* entry = socket_for(path.key, path.options, error);
  SocketEntry* current = entry_of(driver);
  const std::uint8_t vrid = inst.virtual_router_id.value_or(0);
  if (entry == nullptr) {
    log().error("({}) {}; adverts stay on the previous socket", inst.name, error);
    entry = current;
  } else if (entry != current && entry->by_vrid[vrid] != nullptr) {
    log().error("({}) VRID {} is already used on {} by ({}); adverts stay on the previous socket",
                inst.name, vrid, if_name, entry->by_vrid[vrid]->instance().name());
    entry = current;
  }
  if (entry != current) {
    if (current != nullptr) current->by_vrid[vrid] = nullptr;
    entry->by_vrid[vrid] = &driver;
  }
  setup.socket = entry != nullptr ? entry->socket.get() : nullptr;
  driver.reconfigure(setup, announce_settings(inst, config_->global));
  track_primary(driver);
}

}  // namespace vigil::vrrp
