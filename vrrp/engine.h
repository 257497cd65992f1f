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

  Engine(boost::asio::io_context& io, core::Clock& clock, core::ProcessLauncher& launcher);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  void set_state_listener(StateListener listener) { listener_ = std::move(listener); }
  void set_group_listener(GroupListener listener) { group_listener_ = std::move(listener); }

  // Start-up: opens the sockets, removes stale VIPs of the configured instances and starts every
  // instance. `config` must outlive the engine. On failure nothing is left running and `error`
  // says why.
  bool start(const config::Config& config, std::string& error);
  // SIGTERM: masters send priority 0 and remove their addresses (kept with `release_addresses`
  // false: keepalived -V); every instance ends in STOP.
  void stop(bool release_addresses = true);

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
  };

  bool create_instance(const config::VrrpInstance& inst, std::string& error);
  SocketEntry* socket_for(const SocketKey& key, const RawSocketOptions& options,
                          std::string& error);
  void on_packet(SocketEntry& entry, const ReceivedPacket& packet);
  void on_link(const Interface& itf, const LinkChange& change);
  void on_script(const std::string& name, ScriptStatus status);
  void on_file(const std::string& name, long value);
  // Re-applies tracking to every instance after a tracked object changed, propagating FAULT
  // through sync groups first.
  void apply_tracking();
  void propagate_group_faults();
  void build_sync_groups(const config::Config& config);
  void on_state(const Instance& instance, State from, State to);

  boost::asio::io_context& io_;
  core::Clock& clock_;
  core::ProcessLauncher& launcher_;
  const config::Config* config_ = nullptr;
  StateListener listener_;
  GroupListener group_listener_;

  core::NetlinkSocket netlink_;
  std::unique_ptr<InterfaceTable> interfaces_;
  InterfaceTable::Subscription link_subscription_;
  std::unique_ptr<FrameSender> frame_sender_;
  std::unique_ptr<AnnouncePacer> pacer_;
  std::unique_ptr<ScriptScheduler> scripts_;
  std::unique_ptr<core::FileWatcher> files_;
  SysctlRestorer sysctls_;
  std::vector<std::unique_ptr<Vmac>> vmacs_;  // use_vmac: removed again at stop
  std::map<SocketKey, SocketEntry> sockets_;
  std::vector<std::unique_ptr<InstanceDriver>> drivers_;
  std::vector<GroupRun> groups_;  // every vrrp_sync_group of 2+ members
  std::map<std::string, SyncGroupBinding*, std::less<>> group_of_;  // by member instance
  EngineStats stats_;
  bool started_ = false;
};

}  // namespace vigil::vrrp
