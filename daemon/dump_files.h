#pragma once

// keepalived's signal-driven dump files, as keepalived 2.2.7 writes them (measured), under the
// same names so that runbooks and tools keep working, in $TMPDIR (default /tmp), mode 0600, each
// file replaced whole:
//   SIGUSR1     (--signum=DATA)        keepalived.data: global settings and the VRRP instances
//                                      with their live state, then the effective configuration
//                                      as `vigild -d` prints it; keepalived_check.data: every
//                                      virtual and real server with its live health
//   SIGUSR2     (--signum=STATS)       keepalived.stats: each VRRP instance's counters, in
//                                      keepalived's layout
//   SIGRTMAX-1  (--signum=STATS_CLEAR) the same, then the counters start again from 0 for later
//                                      dumps ("Printing and clearing VRRP stats")
//   SIGRTMIN+2  (--signum=JSON)        keepalived.json: the VRRP instances as keepalived's JSON
//                                      array of {"data": {...}, "stats": {...}}
// The text of keepalived.data and keepalived_check.data is vigil's own (its sections follow
// keepalived's "------< ... >------" layout); keepalived.stats and keepalived.json have
// keepalived's shape and key names.
//
// Never blocking the loop: on the loop only the live values are copied (a few numbers per
// instance and per checker); formatting, the configuration dump and the file writes run on a
// worker thread, which reads the immutable configuration through a shared_ptr. One dump runs at a
// time; signals that arrive meanwhile are merged and served by one more dump afterwards. A file
// is written to a fresh mkstemp name and renamed into place, so a reader never sees half a file
// and a symlink planted in /tmp is never followed.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "checkers/manager.h"
#include "parser/config/config.h"
#include "vrrp/engine.h"

namespace vigil::daemon {

enum DumpKind : unsigned {
  kDumpData = 1u << 0,
  kDumpStats = 1u << 1,
  kDumpStatsClear = 1u << 2,
  kDumpJson = 1u << 3,
};

// The live values of one VRRP instance, copied on the loop.
struct InstanceSnapshot {
  std::string name;
  vrrp::State state = vrrp::State::kInit;
  std::uint8_t base_priority = 0;
  std::uint8_t effective_priority = 0;
  std::chrono::microseconds master_adver_int{0};
  std::optional<core::IpAddress> master;
  vrrp::StateMachineStats machine;
  vrrp::InstanceCounters counters;
  std::uint64_t send_errors = 0;
};

struct RealServerSnapshot {
  bool alive = false;
  std::uint32_t weight = 0;
};

struct VirtualServerSnapshot {
  bool quorum_up = false;
  bool sorry_active = false;
  std::vector<RealServerSnapshot> real_servers;
};

struct DumpSnapshot {
  std::shared_ptr<const config::Config> config;
  std::chrono::system_clock::time_point taken;
  std::vector<InstanceSnapshot> instances;
  bool checkers_running = false;
  std::vector<VirtualServerSnapshot> virtual_servers;
  std::vector<checkers::CheckerStatus> checkers;
};

// Copies the live values (on the loop). The checkers' (one entry per checker) only when
// `with_checkers`: the stats and JSON dumps show VRRP only.
DumpSnapshot take_snapshot(std::shared_ptr<const config::Config> config, const vrrp::Engine& vrrp,
                           const checkers::Manager* checkers, bool with_checkers = true);

// The file contents (pure; tests call them directly).
std::string render_stats(const DumpSnapshot& s);
std::string render_json(const DumpSnapshot& s);
std::string render_vrrp_data(const DumpSnapshot& s);
std::string render_check_data(const DumpSnapshot& s);

// keepalived's KA_TMP_DIR: $TMPDIR, else /tmp.
std::string dump_directory();

// Writes `text` to dir/name through a temporary file and rename(2). Mode 0600.
std::error_code write_file_atomically(const std::string& dir, const std::string& name,
                                      const std::string& text);

class DumpSignals {
 public:
  // Called on the loop when a dump is due; the argument says whether the checkers are needed.
  using SnapshotSource = std::function<DumpSnapshot(bool with_checkers)>;

  DumpSignals(boost::asio::io_context& io, SnapshotSource source);
  // Waits for a dump in progress (bounded by its file writes).
  ~DumpSignals();
  DumpSignals(const DumpSignals&) = delete;
  DumpSignals& operator=(const DumpSignals&) = delete;

  // Shutdown: no more dumps start.
  void stop();
  // A dump of `kinds` (a DumpKind mask), as if the signals had arrived.
  void request(unsigned kinds);

  std::uint64_t dumps_written() const { return written_.load(); }

 private:
  void wait();
  void start_next();
  void finished();

  boost::asio::io_context& io_;
  SnapshotSource source_;
  boost::asio::signal_set signals_;
  std::string directory_;
  std::thread worker_;
  bool busy_ = false;
  bool stopped_ = false;
  unsigned pending_ = 0;
  // STATS_CLEAR: the counters at the last clear, subtracted from later dumps (the subsystems'
  // own counters are never reset).
  std::map<std::string, InstanceSnapshot, std::less<>> baseline_;
  std::atomic<std::uint64_t> written_{0};
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace vigil::daemon
