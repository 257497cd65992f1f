#pragma once

// The VRRP subsystem of the daemon: every vrrp_instance of the configuration bound to the real
// world. Owns the netlink sockets and the interface table, the shared raw sockets (one per
// interface, family, protocol and unicast/multicast, as keepalived's socket pool) and their
// demultiplexing by VRID, the process-wide announcement pacer, the track_script scheduler and
// the track_file watcher, and one InstanceDriver per instance.

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "core/clock.h"
#include "core/file_watcher.h"
#include "core/netlink.h"
#include "core/process_runner.h"
#include "parser/config/config.h"
#include "vrrp/announce.h"
#include "vrrp/instance_driver.h"
#include "vrrp/interfaces.h"
#include "vrrp/ipv4_packet.h"
#include "vrrp/raw_socket.h"
#include "vrrp/script_scheduler.h"
#include "vrrp/sync_group.h"
#include "vrrp/vmac.h"

namespace vigil::vrrp {

struct EngineStats {
  std::uint64_t unknown_vrid = 0;    // a packet for a VRID no instance on that socket runs
  std::uint64_t malformed_ipv4 = 0;  // IPv4/AH header problems (before any instance)
  std::uint64_t too_short = 0;       // not even a VRID
};

class Engine {
 public:
  using StateListener = InstanceDriver::StateListener;
  // A vrrp_sync_group entered a state (its notify scripts and FIFO line).
  using GroupListener = std::function<void(const SyncGroup&, State)>;
  // A reload removed the instance (it has stopped as at shutdown). keepalived notifies FAULT,
  // or DELETED with the instance's `notify_deleted`, instead of STOP.
  using RemovedListener = std::function<void(const Instance&, bool notify_deleted)>;

  Engine(boost::asio::io_context& io, core::Clock& clock, core::ProcessLauncher& launcher);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  void set_state_listener(StateListener listener) { listener_ = std::move(listener); }
  void set_group_listener(GroupListener listener) { group_listener_ = std::move(listener); }
  void set_removed_listener(RemovedListener listener) { removed_listener_ = std::move(listener); }

  // Start-up: opens the sockets, removes stale VIPs of the configured instances and starts every
  // instance. `config` must outlive the engine. On failure nothing is left running and `error`
  // says why.
  bool start(const config::Config& config, std::string& error);
  // SIGTERM: masters send priority 0 and remove their addresses (kept with `release_addresses`
  // false: keepalived -V); every instance ends in STOP.
  void stop(bool release_addresses = true);

  // SIGHUP with a validated configuration, once started; `next` must outlive the engine (or the
  // next reload), and the previous configuration is no longer referenced when this returns.
  // Instances are matched as keepalived matches them (reload_plan.h): a matched instance keeps
  // its state and takes the new settings in place (VIPs, routes and rules by difference with
  // only the added VIPs announced, priority, interval, authentication, peers, tracking, sync
  // group); a removed one stops as at shutdown (priority 0, addresses removed, the removed
  // listener instead of STOP); a new one starts as at start-up. `after_removals` runs once the
  // removed instances have stopped and before anything new starts (the notifier takes the new
  // notify scripts there). False with `error`, and nothing changed, when a new instance cannot
  // run here (missing interface or source address).
  bool reload(const config::Config& next, std::string& error,
              const std::function<void()>& after_removals = {});

  std::vector<const InstanceDriver*> drivers() const;
  std::vector<const SyncGroup*> sync_groups() const;
  const EngineStats& stats() const { return stats_; }

 private:
  struct SocketKey {
    core::Family family;
    int ifindex;
    std::uint8_t protocol;
    bool unicast;
    auto operator<=>(const SocketKey&) const = default;
  };
  struct GroupRun {
    std::unique_ptr<SyncGroupBinding> binding;
    std::vector<InstanceDriver*> members;
  };
  struct SocketEntry {
    std::unique_ptr<RawSocket> socket;
    std::array<InstanceDriver*, 256> by_vrid{};
    bool started = false;
    bool unsettled = false;  // a backup on it has not heard a master yet
  };
  // Where an instance's adverts go, on which shared socket.
  struct AdvertPath {
    SocketKey key{};
    RawSocketOptions options;
  };

  bool create_instance(const config::VrrpInstance& inst, std::string& error);
  // The address the instance's adverts leave from (unicast_src_ip / mcast_src_ip, else the
  // interface's own), without side effects.
  bool find_source(const config::VrrpInstance& inst, core::IpAddress& source,
                   std::string& error) const;
  // Fills the setup's destinations and TTL and says which socket the instance uses.
  AdvertPath advert_path(const config::VrrpInstance& inst, const std::string& if_name,
                         DriverSetup& setup) const;
  void track_primary(InstanceDriver& driver) const;
  SocketEntry* socket_for(const SocketKey& key, const RawSocketOptions& options,
                          std::string& error);
  SocketEntry* entry_of(const InstanceDriver& driver);
  void start_sockets();
  // Deferred reading on the sockets where no instance is MASTER, immediate elsewhere; and the
  // expected advert rate of each (raw_socket.h). After every state change.
  void update_socket_modes();
  // Reload steps.
  void remove_instance(InstanceDriver& driver);
  void reconfigure_instance(InstanceDriver& driver, const config::VrrpInstance& inst);
  void sync_scripts_and_files(const config::Config& config);
  void seed_tracker(InstanceDriver& driver);
  void on_packet(SocketEntry& entry, const ReceivedPacket& packet);
  void on_link(const Interface& itf, const LinkChange& change);
  void on_script(const std::string& name, ScriptStatus status);
  void on_file(const std::string& name, long value);
  // Re-applies tracking to every instance after a tracked object changed, propagating FAULT
  // through sync groups first.
  void apply_tracking();
  void propagate_group_faults();
  // `previous`: the groups' states before a reload, by name.
  void build_sync_groups(const config::Config& config,
                         const std::map<std::string, State, std::less<>>& previous = {});
  void on_state(const Instance& instance, State from, State to);

  boost::asio::io_context& io_;
  core::Clock& clock_;
  core::ProcessLauncher& launcher_;
  const config::Config* config_ = nullptr;
  StateListener listener_;
  GroupListener group_listener_;
  RemovedListener removed_listener_;
  // The instance a reload is removing, and whether it says DELETED.
  const Instance* removing_ = nullptr;
  bool removing_deleted_ = false;

  core::NetlinkSocket netlink_;
  std::unique_ptr<InterfaceTable> interfaces_;
  InterfaceTable::Subscription link_subscription_;
  std::unique_ptr<FrameSender> frame_sender_;
  std::unique_ptr<AnnouncePacer> pacer_;
  std::unique_ptr<ScriptScheduler> scripts_;
  std::unique_ptr<core::FileWatcher> files_;
  SysctlRestorer sysctls_;
  // use_vmac, by instance: removed again at stop, or when a reload removes the instance.
  std::map<const InstanceDriver*, std::unique_ptr<Vmac>> vmacs_;
  std::map<std::string, std::string, std::less<>> watched_files_;  // track_file name -> path
  std::map<SocketKey, SocketEntry> sockets_;
  std::vector<std::unique_ptr<InstanceDriver>> drivers_;
  std::vector<GroupRun> groups_;  // every vrrp_sync_group of 2+ members
  std::map<std::string, SyncGroupBinding*, std::less<>> group_of_;  // by member instance
  EngineStats stats_;
  bool started_ = false;
};

}  // namespace vigil::vrrp
