#pragma once

// Keeps the kernel's IPVS table equal to the configuration plus live checker health, by minimal
// diffs (ipvs/diff.h).
//
//  - Desired: every virtual_server's services (ipvs/desired.h) with the destinations the
//    checkers last published for it (set_destinations).
//  - Owned: the services of the configuration. Services in the kernel that the configuration
//    does not name are never touched (reported once); within an owned service everything is
//    ours, so a destination added by hand is drift.
//  - Applied: what vigil believes the kernel holds for owned services: the last dump, updated by
//    every op the kernel acknowledged. Changes are diffs of desired against applied, applied a
//    bounded number of ops per loop turn so that a large push never stalls VRRP.
//  - Reconcile: at start (adopting entries that already match, fixing those that differ), every
//    `reconcile_interval` (drift: an owned entry changed by hand is logged and repaired) and
//    after an error that says the view is stale (EEXIST, ESRCH, ENOENT). With a TableReader
//    (the daemon's reads on a worker thread) every reconcile after the first reads the table
//    off the loop: one service dump per service, 2,300 of them for keepalived issue #2318's
//    size, held the loop for seconds in the qemu guest. A service the syncer changed while the
//    read was in flight is left out of that comparison (the read may predate the change).
//  - A kernel without IPVS: said once, then open() is retried every `retry_interval`; the table
//    is programmed as soon as the family appears. Health keeps flowing meanwhile.
//  - Stop: owned services are removed (unless kept: --dont-release-ipvs); lvs_flush_on_stop
//    FULL flushes the whole table, VS removes ours (keepalived's clear_services()).
//
// Everything runs on the caller's thread through the Clock's timers; nothing throws.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "ipvs/desired.h"
#include "ipvs/kernel.h"
#include "ipvs/model.h"
#include "parser/config/config.h"

namespace vigil::ipvs {

struct SyncerOptions {
  core::Duration reconcile_interval = std::chrono::seconds(10);  // 0: only after errors
  core::Duration retry_interval = std::chrono::seconds(5);       // IPVS not available
  std::size_t ops_per_turn = 2048;  // a service's ops are never split across turns
};

struct SyncerStats {
  std::uint64_t ops_applied = 0;
  std::uint64_t ops_failed = 0;
  std::uint64_t batches = 0;
  std::uint64_t reconciles = 0;
  std::uint64_t drift_repairs = 0;  // owned services found changed behind our back
  std::uint64_t dump_failures = 0;
  std::uint64_t transport_failures = 0;
};

// Reads the kernel's table away from the caller's loop and calls `done` back on it.
class TableReader {
 public:
  using Done = std::function<void(std::error_code, Table)>;
  virtual ~TableReader() = default;
  // One read at a time: the syncer waits for `done` before asking again.
  virtual void read(Done done) = 0;
};

class Syncer {
 public:
  Syncer(core::Clock& clock, Kernel& kernel, SyncerOptions options = {});
  ~Syncer();
  Syncer(const Syncer&) = delete;
  Syncer& operator=(const Syncer&) = delete;

  // `config` must outlive the syncer (or the next start). Services have no destinations until
  // set_destinations() gives them; call it for every virtual server before the loop runs (the
  // checkers' start-up does) so that the first push is whole.
  void start(const config::Config& config);
  // A new configuration (SIGHUP), validated by the caller; `config` replaces the one given to
  // start and must outlive the syncer. Only the difference reaches the kernel: services and
  // destinations that the new file leaves as they were are not touched; services it no longer
  // has are deleted. A virtual server keeps its live destinations (under its new settings) until
  // set_destinations() gives new ones.
  void reload(const config::Config& config);
  // The live destinations of `vs` (a virtual server of the configuration given to start).
  void set_destinations(const config::VirtualServer& vs, const std::vector<LiveDestination>& live);
  // Shutdown, synchronous. `release`: remove what we own (keepalived without -I).
  void stop(bool release);
  // Reconciles after the first read through `reader` (nullptr: synchronously, the default).
  // `reader` must outlive the syncer; its callbacks after the syncer is gone are ignored.
  void set_reader(TableReader* reader) { reader_ = reader; }

  bool available() const { return available_; }
  // Nothing left to push: every owned service as desired, as far as vigil knows.
  bool settled() const { return available_ && dirty_.empty() && failed_.empty(); }
  const Table& desired() const { return desired_; }
  const Table& applied() const { return applied_; }
  const std::set<ServiceKey>& foreign() const { return foreign_; }
  const SyncerStats& stats() const { return stats_; }
  // When the kernel's table was last read back (the connection counters of applied() are as of
  // then); nullopt before the first read.
  const std::optional<core::TimePoint>& last_read() const { return last_read_; }

 private:
  struct Virtual {
    const config::VirtualServer* config = nullptr;
    VirtualService services;
    DestTemplates templates;
    std::vector<ServiceKey> owned;  // the keys this virtual server won (duplicates go to the first)
    std::vector<LiveDestination> live;
  };

  void load(const config::Config& config);
  void connect();
  void on_available();
  void reconcile(bool initial);
  void read_in_background();
  // The comparison of a reconcile; services in `skip` keep their applied state.
  void reconciled(Table& kernel, bool initial, const std::set<ServiceKey>& skip);
  void schedule_apply();
  void apply_some();
  // `periodic`: the drift check, put off while changes are still being pushed.
  void arm_reconcile(core::Duration after, bool periodic = false);
  void apply_timeouts();

  core::Clock& clock_;
  Kernel& kernel_;
  SyncerOptions options_;
  const config::Config* config_ = nullptr;
  std::vector<Virtual> virtuals_;
  std::unordered_map<const config::VirtualServer*, std::size_t> index_;
  Table desired_;
  Table applied_;
  std::set<ServiceKey> dirty_;   // to diff and apply
  std::set<ServiceKey> failed_;  // an op failed: retried at every reconcile, logged once
  std::set<ServiceKey> foreign_;
  std::unique_ptr<core::Timer> apply_timer_;
  std::unique_ptr<core::Timer> reconcile_timer_;
  std::unique_ptr<core::Timer> retry_timer_;
  bool available_ = false;
  bool said_unavailable_ = false;
  bool flushed_at_start_ = false;
  bool running_ = false;
  SyncerStats stats_;
  std::optional<core::TimePoint> last_read_;
  TableReader* reader_ = nullptr;
  bool reading_ = false;               // a background read is in flight
  bool read_again_ = false;            // a reconcile was asked for meanwhile
  std::uint64_t read_generation_ = 0;  // a synchronous read makes the one in flight void
  std::set<ServiceKey> touched_;       // services changed while the read is in flight
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace vigil::ipvs
