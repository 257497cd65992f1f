#pragma once

// The checkers subsystem at run time: every checker of every real server of every
// virtual_server, probed on the event loop. Each checker has its own timer: the first probe
// after keepalived's bootstrap delay plus a random part of its warmup, then the delay its
// CheckerHealth returns (delay_loop, or delay_before_retry while retrying). A probe is a
// coroutine (Check::run) spawned with a completion handler that feeds the virtual server's
// VirtualServerHealth and reports the events (real server and quorum up/down, weights) and the
// virtual server's new IPVS destinations to the listener. Thousands of checks cost a timer and
// a coroutine frame each, never a thread.
//
// Shared probes (vigil extension): checkers of the same real server whose probes are identical
// (same type, target and every setting that shapes the probe: parser::probe_identity), in any
// virtual servers, form one shared probe. Each keeps its own timer, state and schedule exactly as
// keepalived computes them; when one falls due at time D and the group's latest probe was
// started at or after D (it started it at that same moment, or took its result), it takes that
// probe's verdict instead of opening a connection of its own. Checkers with the same timing
// (delay_loop, warmup and the state their verdicts lead to) fall due together, so N of them cost
// one probe per delay_loop; ones that differ share the probes that coincide.

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>

#include "checkers/check.h"
#include "checkers/server_health.h"
#include "core/clock.h"
#include "core/file_watcher.h"
#include "core/histogram.h"
#include "core/ip_address.h"
#include "parser/config/global.h"
#include "parser/config/lvs.h"
#include "parser/config/vrrp.h"

namespace vigil::checkers {

inline constexpr std::size_t kCheckerTypeCount =
    static_cast<std::size_t>(config::CheckerType::kFile) + 1;

// The verdicts of one check type (status and metrics): their latency and how many failed.
struct CheckTypeStats {
  std::uint64_t failures = 0;
  core::Histogram latency;  // count() is the number of verdicts
};

struct ManagerStats {
  std::uint64_t probes_started = 0;
  // Verdicts a checker took from a probe started for an identical checker (shared probes).
  std::uint64_t probes_shared = 0;
  std::uint64_t probes_failed = 0;  // verdicts "failed"
  std::uint64_t probes_cancelled = 0;
  std::uint64_t checkers_disabled = 0;                      // could not be built (logged at start)
  std::array<CheckTypeStats, kCheckerTypeCount> by_type{};  // indexed by config::CheckerType
};

// The last verdict of one checker (status output, tests).
struct CheckerStatus {
  std::size_t virtual_server = 0;
  std::size_t real_server = 0;
  std::size_t checker = 0;
  bool up = true;
  bool has_run = false;
  CheckResult last;
  core::TimePoint last_change{};
  // Verdicts in a row of the kind of the last one (the other count is 0), and in all.
  std::uint32_t consecutive_successes = 0;
  std::uint32_t consecutive_failures = 0;
  std::uint64_t probes = 0;
  std::uint64_t failures = 0;
};

// One probe's verdict and what it did, for keepalived's SMTP alerts, which follow checker
// verdicts rather than real server changes (a mail per checker that changes state; MISC_CHECK
// also mails its first verdict).
struct ProbeReport {
  std::size_t real_server = 0;
  std::size_t checker = 0;
  const CheckResult& result;
  bool first = false;   // the checker's first verdict (keepalived: !has_run)
  bool was_up = false;  // the checker before and after the verdict
  bool up = false;
  bool server_was_alive = false;  // its real server before and after
  bool server_alive = false;
};

class Manager {
 public:
  struct Listener {
    // Every health event of a virtual server, in order.
    std::function<void(const config::VirtualServer&, const HealthEvent&)> event;
    // Every probe's verdict (optional), before the events it caused.
    std::function<void(const config::VirtualServer&, const ProbeReport&)> probe;
    // The virtual server's IPVS destinations changed (the IPVS syncer's input).
    std::function<void(const config::VirtualServer&, const std::vector<Destination>&)> destinations;
  };

  // Builds the Check of one checker; make_check unless a test injects fakes.
  using CheckFactory = std::function<std::unique_ptr<Check>(
      const config::Checker&, const config::RealServer&, const config::VirtualServer&,
      CheckContext&, std::string*)>;

  Manager(boost::asio::io_context& io, core::Clock& clock, CheckContext context, Listener listener,
          CheckFactory factory = {});
  ~Manager();
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  // `lvs` (and `global`) must outlive the manager. A checker that cannot run is logged and left
  // out (its real server's health ignores it), as keepalived drops checkers it cannot set up.
  // FILE_CHECKs follow the `track_files` they name (watched with inotify).
  void start(const config::Lvs& lvs, const config::GlobalDefs& global,
             const std::vector<config::TrackFile>& track_files = {});
  // SIGHUP with a validated configuration, replacing the one given to start (or the last
  // reload), which must stay alive until the probes it started have unwound (the daemon keeps
  // it until the next reload). A checker of the same real server (address and port) in the same
  // virtual server with the same settings (parser::checker_identity) keeps its state and its
  // next probe time; a real server or quorum whose state does not change reports nothing; new
  // checkers, real servers and virtual servers start as at start-up.
  void reload(const config::Lvs& lvs, const config::GlobalDefs& global,
              const std::vector<config::TrackFile>& track_files = {});
  // Shutdown: probes are cancelled; with `omega` the virtual servers report RS DOWN / VS DOWN.
  void stop();

  const ManagerStats& stats() const { return stats_; }
  std::vector<CheckerStatus> checker_status() const;
  // Probes running now (each its own connection or script; shared ones count once).
  std::size_t probes_in_flight() const;
  const VirtualServerHealth& health(std::size_t virtual_server) const;
  std::size_t virtual_server_count() const { return services_.size(); }

 private:
  struct Service {
    const config::VirtualServer* config;
    VirtualServerHealth health;
    std::vector<Destination> destinations;
  };
  struct Slot;
  // One probe started for the checkers of a shared probe: when it was due (its nominal start),
  // the checkers waiting for its verdict, and the verdict once it is in, with the time it came.
  struct Run {
    core::TimePoint nominal{};
    std::vector<Slot*> owners;
    std::optional<CheckResult> result;
    core::TimePoint completed{};
  };
  // The checkers with one probe identity and target (see "Shared probes" above).
  struct SharedProbe {
    double warmup_fraction = 0;  // one random part of warmup for all, so they start together
    std::size_t owners = 0;
    std::shared_ptr<Run> latest;
  };
  // A checker. It is the sink of its own probes when its Check has start() (connection_probe.h).
  struct Slot final : ProbeSink {
    void probe_done(CheckResult&& result) override;

    Manager* manager = nullptr;
    std::shared_ptr<Run> current;  // the probe start() began
    std::size_t service = 0;
    std::size_t real_server = 0;
    std::size_t checker = 0;
    std::shared_ptr<Check> check;
    std::shared_ptr<SharedProbe> shared;
    std::unique_ptr<core::Timer> timer;
    std::shared_ptr<boost::asio::cancellation_signal> cancel;
    bool running = false;   // waiting for a verdict (its own probe or a shared one)
    bool started = false;   // its own Check is running (a cancellable coroutine)
    core::TimePoint due{};  // of the next probe, while the timer is armed
    CheckerStatus status;
  };

  // The previous configuration's state, for reload().
  struct Carried {
    CheckerHealth health;
    CheckerStatus status;
    std::optional<core::TimePoint> due;  // nullopt: a probe was in flight
    std::optional<std::uint32_t> dynamic_weight;
  };
  struct Previous {
    // "virtual server|real server|checker identity" -> the checkers with that key, in order.
    std::map<std::string, std::vector<Carried>> checkers;
    // virtual server name -> its alive real servers (address and port: a real server's name
    // within its virtual server, without formatting 37,000 of them at a large reload) and its
    // quorum.
    std::map<std::string, std::pair<std::vector<std::pair<core::IpAddress, std::uint16_t>>, bool>>
        services;
  };

  // A FILE_CHECK: the checker follows the track_file `file`.
  struct FileSlot {
    std::size_t service = 0;
    std::size_t real_server = 0;
    std::size_t checker = 0;
    std::string file;
    std::int32_t weight = 0;
    bool reverse = false;
  };

  // Services and slots for `lvs`; carried-over state from `previous` (reload) if given.
  void populate(const config::Lvs& lvs, Previous* previous);
  Previous take_previous();
  void watch_files(const config::Lvs& lvs, const std::vector<config::TrackFile>& track_files);
  void on_file(const std::string& name, long value);
  // The next probe `after` from `from` (so that checkers given the same time stay together).
  void schedule(Slot& slot, core::Duration after, core::TimePoint from);
  void probe(Slot& slot);
  void completed(Slot& slot, const std::shared_ptr<Run>& run, CheckResult&& result);
  void deliver(const std::shared_ptr<Run>& run);
  void finished(Slot& slot, const CheckResult& result, core::TimePoint now);
  void cancel_probes();
  void log_sharing() const;
  void report(Service& service, const std::vector<HealthEvent>& events);
  void log_probe(const Slot& slot, const CheckResult& result, bool was_up,
                 const CheckerHealth& checker) const;

  boost::asio::io_context& io_;
  core::Clock& clock_;
  CheckContext context_;
  Listener listener_;
  CheckFactory factory_;
  const config::GlobalDefs* global_ = nullptr;
  std::vector<std::unique_ptr<Service>> services_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<FileSlot> file_slots_;
  std::unique_ptr<core::FileWatcher> files_;
  std::mt19937 random_;
  ManagerStats stats_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  bool running_ = false;
};

}  // namespace vigil::checkers
