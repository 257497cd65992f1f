#include "vrrp/engine.h"

#include <algorithm>
#include <optional>
#include <set>
#include <span>

#include <spdlog/spdlog.h>

#include "core/logging.h"
#include "core/script_command.h"
#include "parser/config/script_defaults.h"
#include "vrrp/announce_socket.h"
#include "vrrp/instance_config.h"

namespace vigil::vrrp {
namespace {

spdlog::logger& log() {
  static const std::shared_ptr<spdlog::logger> logger = core::logger("vrrp");
  return *logger;
}

}  // namespace

Engine::Engine(boost::asio::io_context& io, core::Clock& clock, core::ProcessLauncher& launcher)
    : io_(io), clock_(clock), launcher_(launcher) {}

Engine::~Engine() {
  if (scripts_) scripts_->stop();
  link_subscription_.reset();
  drivers_.clear();
  sockets_.clear();
  vmacs_.clear();
  sysctls_.restore_all();
  if (interfaces_) interfaces_->stop();
}

std::vector<const InstanceDriver*> Engine::drivers() const {
  std::vector<const InstanceDriver*> out;
  out.reserve(drivers_.size());
  for (const auto& d : drivers_) out.push_back(d.get());
  return out;
}

bool Engine::start(const config::Config& config, std::string& error) {
  config_ = &config;
  if (config.vrrp.instances.empty() || started_) return true;
  // A start that failed halfway (the daemon may try again at a reload) keeps what it opened.
  if (!netlink_.is_open()) {
    if (auto ec = netlink_.open()) {
      error = "netlink: " + ec.message();
      return false;
    }
  }
  if (!interfaces_) {
    auto interfaces = std::make_unique<InterfaceTable>(io_, netlink_);
    if (auto ec = interfaces->start()) {
      error = "reading interfaces: " + ec.message();
      return false;
    }
    interfaces_ = std::move(interfaces);
  }
  if (!frame_sender_) {
    std::error_code ec;
    auto sender = PacketSocketSender::open(ec);
    if (!sender) {
      error = "packet socket for gratuitous ARP/NA: " + ec.message();
      return false;
    }
    frame_sender_ = std::move(sender);
  }
  const auto& global = config.global;
  pacer_ = std::make_unique<AnnouncePacer>(
      clock_, *frame_sender_, PacingIntervals{global.vrrp_garp_interval, global.vrrp_gna_interval});
  scripts_ = std::make_unique<ScriptScheduler>(
      launcher_, clock_,
      [this](const std::string& name, ScriptStatus status) { on_script(name, status); });
  if (!files_) {
    files_ = std::make_unique<core::FileWatcher>(
        io_, [this](const std::string& name, long value) { on_file(name, value); });
  }
  watched_files_.clear();

  for (const auto& inst : config.vrrp.instances) {
    if (!create_instance(inst, error)) {
      error = "(" + inst.name + ") " + error;
      drivers_.clear();
      sockets_.clear();
      vmacs_.clear();
      sysctls_.restore_all();
      return false;
    }
  }

  build_sync_groups(config);
  sync_scripts_and_files(config);
  for (auto& d : drivers_) seed_tracker(*d);
  link_subscription_ = interfaces_->on_link(
      [this](const Interface& itf, const LinkChange& change) { on_link(itf, change); });

  start_sockets();
  for (auto& d : drivers_) d->addresses().remove_stale();
  propagate_group_faults();
  for (auto& d : drivers_) d->start();
  scripts_->start();
  started_ = true;
  return true;
}

// The source of our adverts: unicast_src_ip / mcast_src_ip, else the interface's primary IPv4
// address or its IPv6 link-local address (keepalived vrrp_complete_instance). With use_vmac the
// base interface's (the VMAC never has an address of its own).
bool Engine::find_source(const config::VrrpInstance& inst, core::IpAddress& source,
                         std::string& error) const {
  if (inst.unicast_src_ip) {
    source = *inst.unicast_src_ip;
    return true;
  }
  if (inst.mcast_src_ip) {
    source = *inst.mcast_src_ip;
    return true;
  }
  if (inst.interface.empty()) {
    error = "no interface and no unicast_src_ip";
    return false;
  }
  const Interface* itf = interfaces_->find(inst.interface);
  if (itf == nullptr) {
    error = "interface " + inst.interface + " does not exist";
    return false;
  }
  auto a = inst.family == core::Family::kIPv4 ? interfaces_->primary_ipv4(itf->index)
                                              : interfaces_->link_local_ipv6(itf->index);
  if (!a) {
    error = "interface " + inst.interface + " has no " +
            (inst.family == core::Family::kIPv4 ? "IPv4 address" : "IPv6 link-local address");
    return false;
  }
  source = *a;
  return true;
}

Engine::AdvertPath Engine::advert_path(const config::VrrpInstance& inst, const std::string& if_name,
                                       DriverSetup& setup) const {
  const bool unicast = !inst.unicast_peers.empty();
  setup.destinations.clear();
  if (unicast) {
    for (const auto& p : inst.unicast_peers) setup.destinations.push_back(p.address);
    setup.ttl = inst.unicast_ttl.value_or(255);
  } else {
    setup.destinations.push_back(multicast_group(inst, config_->global));
    setup.ttl = 255;
  }
  const bool ah = inst.authentication && inst.authentication->type == config::AuthType::kAh &&
                  inst.version == 2 && inst.family == core::Family::kIPv4;
  AdvertPath path;
  path.key = SocketKey{inst.family, setup.ifindex, ah ? kIpProtoAh : kIpProtoVrrp, unicast};
  path.options.family = inst.family;
  path.options.protocol = path.key.protocol;
  path.options.interface = inst.use_vmac && inst.vmac_xmit_base ? inst.interface : if_name;
  path.options.ifindex = setup.ifindex;
  if (!unicast) path.options.multicast_groups.push_back(setup.destinations.front());
  if (inst.kernel_rx_buf_size) {
    path.options.receive_buffer = static_cast<int>(*inst.kernel_rx_buf_size);
  }
  return path;
}

// keepalived tracks the instance's own interface unless dont_track_primary.
void Engine::track_primary(InstanceDriver& driver) const {
  const config::VrrpInstance& inst = driver.config();
  if (!inst.interface.empty() && !inst.dont_track_primary) {
    driver.tracker().track_interface(inst.interface, TrackWeight{});
  }
}

bool Engine::create_instance(const config::VrrpInstance& inst, std::string& error) {
  const auto& global = config_->global;
  DriverSetup setup;
  setup.config = &inst;
  setup.global = &global;

  // The interface adverts, VIPs and announcements use: the instance's, or its VMAC.
  std::string if_name = inst.interface;
  std::unique_ptr<Vmac> vmac;
  if (!inst.interface.empty()) {
    const Interface* itf = interfaces_->find(inst.interface);
    if (itf == nullptr) {
      error = "interface " + inst.interface + " does not exist";
      return false;
    }
    setup.ifindex = itf->index;
    if (inst.use_vmac) {
      const std::uint8_t vrid = inst.virtual_router_id.value_or(0);
      Vmac::Options o;
      o.instance = inst.name;
      o.name = inst.vmac_name.empty() ? default_vmac_name(vrid) : inst.vmac_name;
      o.base = inst.interface;
      o.vrid = vrid;
      o.family = inst.family;
      if (!inst.vmac_mac.empty()) o.mac = parse_mac(inst.vmac_mac);
      o.keep_ipv6 = inst.family == core::Family::kIPv4 &&
                    std::any_of(inst.virtual_ipaddress_excluded.begin(),
                                inst.virtual_ipaddress_excluded.end(),
                                [](const auto& a) { return a.address.address.is_v6(); });
      vmac = std::make_unique<Vmac>(netlink_, *interfaces_, sysctls_, o);
      if (auto ec = vmac->create()) {
        error = "creating VMAC " + o.name + ": " + ec.message();
        return false;
      }
      interfaces_->refresh(vmac->name());
      if_name = vmac->name();
      // vmac_xmit_base: the VIPs and their announcements use the VMAC, the adverts go out and
      // come in on the base interface, from its own MAC and primary address (as keepalived).
      if (!inst.vmac_xmit_base) setup.ifindex = vmac->index();
    }
  }
  if (!find_source(inst, setup.source, error)) return false;

  const AdvertPath path = advert_path(inst, if_name, setup);
  SocketEntry* entry = socket_for(path.key, path.options, error);
  if (entry == nullptr) return false;
  const std::uint8_t vrid = inst.virtual_router_id.value_or(0);
  if (entry->by_vrid[vrid] != nullptr) {
    error = "VRID " + std::to_string(vrid) + " is already used on " + if_name + " by (" +
            entry->by_vrid[vrid]->instance().name() + ")";
    return false;
  }
  setup.socket = entry->socket.get();

  auto addresses = AddressSet::for_instance(netlink_, *interfaces_, inst, if_name);
  auto announcer =
      std::make_unique<Announcer>(clock_, *pacer_, announce_settings(inst, global), inst.name);
  auto driver = std::make_unique<InstanceDriver>(
      setup, clock_, *interfaces_, std::move(addresses), std::move(announcer),
      [this](const Instance& i, State from, State to) { on_state(i, from, to); });
  track_primary(*driver);
  entry->by_vrid[vrid] = driver.get();
  if (vmac) vmacs_[driver.get()] = std::move(vmac);
  drivers_.push_back(std::move(driver));
  return true;
}

Engine::SocketEntry* Engine::socket_for(const SocketKey& key, const RawSocketOptions& options,
                                        std::string& error) {
  auto it = sockets_.find(key);
  if (it != sockets_.end()) {
    // Another group on the same interface: join it on the shared socket.
    for (const auto& g : options.multicast_groups) {
      std::error_code ec;
      if (!it->second.socket->join(g, ec)) {
        error = "joining " + g.to_string() + ": " + ec.message();
        return nullptr;
      }
    }
    return &it->second;
  }
  std::error_code ec;
  auto socket = RawSocket::open(io_, options, ec);
  if (!socket) {
    error = "VRRP socket on " +
            (options.interface.empty() ? std::string("(any)") : options.interface) + ": " +
            ec.message();
    return nullptr;
  }
  SocketEntry& entry = sockets_[key];
  entry.socket = std::move(socket);
  return &entry;
}

Engine::SocketEntry* Engine::entry_of(const InstanceDriver& driver) {
  for (auto& [key, entry] : sockets_) {
    if (entry.by_vrid[driver.instance().machine().params().vrid] == &driver) return &entry;
  }
  return nullptr;
}

void Engine::start_sockets() {
  update_socket_modes();
  for (auto& [key, entry] : sockets_) {
    if (entry.started) continue;
    entry.started = true;
    SocketEntry* e = &entry;
    entry.socket->start([this, e](const ReceivedPacket& p) { on_packet(*e, p); });
  }
}

// A master must answer some adverts at once (a higher priority one: yield; a lower one:
// advertise); a backup only restarts its Master_Down_Timer, which the deferred reading does
// when the timer is due, and priority 0 adverts wake the loop on every socket. A backup that
// has not heard a master yet reads at once: a v3 master may advertise a shorter interval than
// the backup's own, which the backup must learn from the first advert.
void Engine::update_socket_modes() {
  for (auto& [key, entry] : sockets_) {
    bool deferred = true;
    entry.unsettled = false;
    double rate = 0;
    for (const InstanceDriver* d : entry.by_vrid) {
      if (d == nullptr) continue;
      const Instance& i = d->instance();
      if (i.state() == State::kMaster) deferred = false;
      if (i.state() == State::kBackup && !i.machine().master_address()) entry.unsettled = true;
      rate +=
          1.0 /
          std::chrono::duration<double>(d->instance().machine().master_adver_interval()).count();
    }
    entry.socket->set_expected_rate(rate);
    entry.socket->set_deferred(deferred && !entry.unsettled);
  }
}

void Engine::on_packet(SocketEntry& entry, const ReceivedPacket& packet) {
  const bool v4 = entry.socket->options().family == core::Family::kIPv4;
  std::optional<Ipv4Packet> ipv4;
  std::span<const std::uint8_t> message = packet.bytes;
  if (v4) {
    Ipv4ParseResult parsed = parse_ipv4_packet(packet.bytes);
    if (!parsed.packet) {
      ++stats_.malformed_ipv4;
      log().debug("dropped IPv4 packet from {}: {}", packet.source.to_string(),
                  ipv4_error_name(parsed.error));
      return;
    }
    ipv4 = std::move(parsed.packet);
    message = ipv4->message;
  }
  // Demultiplex by the VRID, the second byte of every VRRP message.
  if (message.size() < 2) {
    ++stats_.too_short;
    return;
  }
  InstanceDriver* d = entry.by_vrid[message[1]];
  if (d == nullptr) {
    ++stats_.unknown_vrid;
    return;
  }
  if (ipv4) {
    d->receive_ipv4(*ipv4, packet.ifindex, packet.received_at);
  } else {
    d->receive_ipv6(packet);
  }
  if (entry.unsettled && d->instance().machine().master_address()) update_socket_modes();
}

void Engine::on_link(const Interface& itf, const LinkChange& change) {
  if (!change.up_changed()) return;
  log().info("Netlink reports {} {}", itf.name, itf.up() ? "up" : "down");
  bool changed = false;
  for (auto& d : drivers_) changed = d->tracker().interface_state(itf.name, itf.up()) || changed;
  if (changed) apply_tracking();
}

void Engine::on_script(const std::string& name, ScriptStatus status) {
  bool changed = false;
  for (auto& d : drivers_) changed = d->tracker().script_status(name, status) || changed;
  if (changed) apply_tracking();
}

void Engine::on_file(const std::string& name, long value) {
  bool changed = false;
  for (auto& d : drivers_) changed = d->tracker().file_value(name, value) || changed;
  if (changed) apply_tracking();
}

void Engine::apply_tracking() {
  propagate_group_faults();
  for (auto& d : drivers_) d->apply_tracking();
}

// vrrp_sync_group: the group's own track_* apply to every member (keepalived), a member's
// FAULT pulls the whole group into FAULT, and MASTER and BACKUP are taken together.
void Engine::build_sync_groups(const config::Config& config,
                               const std::map<std::string, State, std::less<>>& previous) {
  for (const auto& group : config.vrrp.sync_groups) {
    std::vector<InstanceDriver*> members;
    for (const auto& name : group.members) {
      for (auto& d : drivers_) {
        if (d->instance().name() == name) members.push_back(d.get());
      }
    }
    for (InstanceDriver* d : members) {
      for (const auto& t : group.track_interfaces) {
        d->tracker().track_interface(t.name, TrackWeight{t.weight, t.reverse});
      }
      for (const auto& t : group.track_scripts) {
        d->tracker().track_script(t.name,
                                  TrackWeight{t.weight.value_or(0), t.reverse.value_or(false)});
      }
      for (const auto& t : group.track_files) {
        d->tracker().track_file(t.name,
                                TrackWeight{t.weight.value_or(0), t.reverse.value_or(false)});
      }
    }
    // keepalived: "Sync group %s has only %d virtual router(s) - removing".
    if (members.size() < 2) continue;
    std::vector<Instance*> instances;
    for (InstanceDriver* d : members) instances.push_back(&d->instance());
    auto binding = std::make_unique<SyncGroupBinding>(group.name, std::move(instances),
                                                      [this](const SyncGroup& g, State s) {
                                                        if (group_listener_) group_listener_(g, s);
                                                      });
    SyncGroupBinding* g = binding.get();
    if (started_) {
      auto it = previous.find(group.name);
      g->restore(it == previous.end() ? std::nullopt : std::optional<State>(it->second));
    }
    for (InstanceDriver* d : members) {
      const std::string name = d->instance().name();
      d->set_sync_link(InstanceDriver::SyncLink{[g, name] { return g->may_take_over(name); },
                                                [g, name] { g->master_heard(name); }});
      group_of_[name] = g;
    }
    groups_.push_back(GroupRun{std::move(binding), std::move(members)});
  }
}

// The track_scripts and track_files some instance uses: new ones start, changed ones take
// their new settings (a script keeps its status, keepalived's "considered successful on
// reload"), unused ones stop.
void Engine::sync_scripts_and_files(const config::Config& config) {
  const core::ScriptDefaults defaults = config::script_defaults(config.global);
  std::set<std::string, std::less<>> scripts;
  for (const auto& script : config.vrrp.scripts) {
    bool used = false;
    for (const auto& d : drivers_) used = used || d->tracker().tracks_script(script.name);
    if (!used) continue;
    std::string why;
    if (auto spec = make_track_script_spec(script, defaults, &why)) {
      scripts.insert(script.name);
      scripts_->update(std::move(*spec));
    } else {
      log().warn("Disabling track script {}: {}", script.name, why);
      for (auto& d : drivers_) d->tracker().forget_script(script.name);
    }
  }
  for (const auto& name : scripts_->names()) {
    if (scripts.count(name) == 0) scripts_->remove(name);
  }

  std::set<std::string, std::less<>> files;
  for (const auto& file : config.vrrp.track_files) {
    bool used = false;
    for (const auto& d : drivers_) used = used || d->tracker().tracks_file(file.name);
    if (!used) continue;
    files.insert(file.name);
    auto it = watched_files_.find(file.name);
    if (it != watched_files_.end() && it->second == file.file) continue;
    if (it != watched_files_.end()) files_->remove(file.name);
    if (file.init_file) {
      core::initialise_track_file(file.file, file.init_value, file.init_overwrite);
    }
    watched_files_[file.name] = file.file;
    if (auto e = files_->add(file.name, file.file)) {
      log().warn("track_file {}: cannot watch {}: {}", file.name, file.file, e.message());
    }
  }
  for (auto it = watched_files_.begin(); it != watched_files_.end();) {
    if (files.count(it->first) != 0) {
      ++it;
      continue;
    }
    files_->remove(it->first);
    it = watched_files_.erase(it);
  }
}

// A tracker learns the current state of what it tracks: script results so far, file values,
// interface links (changes come from the monitors).
void Engine::seed_tracker(InstanceDriver& driver) {
  Tracker& t = driver.tracker();
  for (const auto& name : scripts_->names()) t.script_status(name, scripts_->status(name));
  for (const auto& [name, path] : watched_files_) t.file_value(name, files_->value(name));
  for (const auto& [index, itf] : interfaces_->all()) t.interface_state(itf.name, itf.up());
}

void Engine::on_state(const Instance& instance, State from, State to) {
  update_socket_modes();
  if (&instance == removing_) {
    if (to == State::kStop && removed_listener_) removed_listener_(instance, removing_deleted_);
    return;
  }
  if (listener_) listener_(instance, from, to);
  if (auto it = group_of_.find(instance.name()); it != group_of_.end()) {
    it->second->entered(instance.name(), to);
  }
}

void Engine::propagate_group_faults() {
  for (auto& group : groups_) {
    bool fault = false;
    for (InstanceDriver* d : group.members) {
      group.binding->fault(d->instance().name(), d->own_fault());
      fault = fault || d->own_fault();
    }
    for (InstanceDriver* d : group.members) d->set_group_fault(fault && !d->own_fault());
  }
}

std::vector<const SyncGroup*> Engine::sync_groups() const {
  std::vector<const SyncGroup*> out;
  for (const auto& g : groups_) out.push_back(&g.binding->group());
  return out;
}

void Engine::stop(bool release_addresses) {
  if (!started_) return;
  started_ = false;
  if (scripts_) scripts_->stop();
  for (auto& d : drivers_) {
    d->set_keep_addresses(!release_addresses);
    d->instance().stop();
  }
  // keepalived removes its VMACs at exit and puts the sysctls back.
  vmacs_.clear();
  sysctls_.restore_all();
}

}  // namespace vigil::vrrp
