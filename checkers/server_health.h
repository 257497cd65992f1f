#pragma once

// The health of one virtual server: its real servers' checkers, which real servers are alive,
// their weights, the quorum and the sorry server, and from those the IPVS destinations it
// should have. Pure (no I/O, no timers): the manager feeds it probe results with the time and
// acts on the events it returns (notify_up/notify_down, quorum_up/quorum_down, FIFO lines,
// SMTP alerts, logs); the IPVS syncer applies destinations().
//
// keepalived 2.2.7's rules (check/ipwrapper.c unless noted):
//  - A real server is alive iff none of its checkers is down (num_failed_checkers == 0); one
//    without checkers is always alive. update_svr_checker_state() / perform_svr_state().
//  - Its weight is the configured one; a MISC_CHECK with misc_dynamic sets it from the exit
//    code on every success (exit 0: the configured weight, 2..255: code - 2), before the
//    checker's state is updated (misc_check_child_thread() -> update_svr_wgt()).
//  - inhibit_on_failure: a real server that is not alive stays in IPVS with weight 0 instead of
//    being removed (ipvs_cmd() in ipvswrapper.c turns DEL_DEST into EDIT_DEST weight 0), and
//    one that starts down is added with weight 0 (init_service_rs()).
//  - Quorum: the sum of the alive real servers' weights. Gained when !up and
//    sum >= quorum + hysteresis; lost when up and (sum == 0 or sum < quorum - hysteresis)
//    (update_quorum_state()). Re-evaluated after every real server and weight change.
//  - Start-up: quorum starts down (set_quorum_states() runs before any real server is alive),
//    the real servers without failed checkers are added and alive (init_service_rs(), notified
//    only with rs_init_notifies), then update_quorum_state(init): quorum_up ("Starting with
//    quorum up") when reached; when not reached, quorum_down ("Starting with quorum down") only
//    if there is a sorry server, which is added.
//  - Sorry server (weight 1, alloc_ssvr()): while the quorum is down it replaces the alive real
//    servers (perform_quorum_state() removes them - weight 0 when inhibited - and adds it);
//    when the quorum returns it is removed and the alive real servers are added back.
//    sorry_server_inhibit keeps it in IPVS with weight 0 while not needed (init_service_vs()).
//    Without a sorry server a lost quorum only notifies.
//  - Shutdown (clear_services()): only with `omega` are notify scripts, FIFO lines and SMTP
//    alerts sent: RS DOWN for every alive real server (not when lvs_flush_on_stop flushes),
//    then VS DOWN (quorum_down) even if the quorum was already down.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "checkers/check.h"
#include "checkers/checker_health.h"
#include "core/clock.h"
#include "core/ip_address.h"
#include "parser/config/global.h"
#include "parser/config/lvs.h"

namespace vigil::checkers {

// One IPVS destination of a virtual server as it should be now. Weight 0 is "present but
// inhibited".
struct Destination {
  core::IpAddress address;
  std::uint16_t port = 0;
  std::uint32_t weight = 0;
  bool operator==(const Destination&) const = default;
};

enum class HealthEventKind {
  kCheckerUp,
  kCheckerDown,
  kRealServerUp,    // notify_up, FIFO "RS ... UP"
  kRealServerDown,  // notify_down, FIFO "RS ... DOWN"
  kWeightChanged,
  kQuorumUp,    // quorum_up, FIFO "VS ... UP"
  kQuorumDown,  // quorum_down, FIFO "VS ... DOWN"
};

struct HealthEvent {
  HealthEventKind kind = HealthEventKind::kRealServerUp;
  core::TimePoint at;
  std::size_t real_server = 0;  // index in VirtualServer::real_servers (not quorum events)
  std::size_t checker = 0;      // index in RealServer::checkers (checker events)
  // Start-up: an initial RS UP (send only with rs_init_notifies), "Starting with quorum up /
  // down"; or the RS DOWN report of an alpha checker whose first probe failed.
  bool initial = false;
  bool stopping = false;         // shutdown with omega ("=> Shutting down <=")
  std::uint32_t old_weight = 0;  // kWeightChanged
  std::uint32_t new_weight = 0;
  std::int64_t weight_sum = 0;  // quorum events: alive weight and the threshold crossed
  std::int64_t threshold = 0;
  bool operator==(const HealthEvent&) const = default;
};

struct HealthUpdate {
  core::Duration next_delay{0};  // when to probe this checker again
  std::vector<HealthEvent> events;
};

class VirtualServerHealth {
 public:
  // `vs` as finalized by the parser.
  explicit VirtualServerHealth(const config::VirtualServer& vs);

  // Reload, before start(): checker `checker` of real server `rs` continues from `state`, the
  // state of the same checker under the previous configuration; `dynamic_weight` is the weight
  // its misc_dynamic exit code had set, if any.
  void carry(std::size_t rs, std::size_t checker, const CheckerHealth& state,
             std::optional<std::uint32_t> dynamic_weight = std::nullopt);
  // The weight misc_dynamic set for `rs`, if it differs from the configured one.
  std::optional<std::uint32_t> dynamic_weight(std::size_t rs) const;

  // keepalived's init_service_vs(): real servers without failed checkers become alive, then the
  // quorum is evaluated. Call once, before any record().
  std::vector<HealthEvent> start(core::TimePoint now);

  // The verdict of one probe of checker `checker` of real server `rs`.
  HealthUpdate record(std::size_t rs, std::size_t checker, const CheckResult& result,
                      core::TimePoint now);

  // FILE_CHECK `checker` of real server `rs` (keepalived process_update_checker_track_file_status
  // in track_file.c): `share` is the tracked file's status for it, nullopt for FAULT (the checker
  // goes down and its weight share is taken back), otherwise value x weight (x -1 reversed),
  // added to the real server's weight (clamped to 0..65535); the checker is up. Before start()
  // it only sets the initial state (set_track_file_checkers_down / set_track_file_weights).
  HealthUpdate file_status(std::size_t rs, std::size_t checker, std::optional<std::int64_t> share,
                           core::TimePoint now);

  // keepalived's clear_service_vs(vs, stopping=true). Events only when omega is set. After it,
  // destinations() is empty.
  std::vector<HealthEvent> stop(core::TimePoint now,
                                config::LvsFlushOnStop flush = config::LvsFlushOnStop::kNone);

  // What IPVS should hold now, real servers in configuration order then the sorry server.
  std::vector<Destination> destinations() const;

  bool quorum_up() const { return quorum_up_; }
  bool sorry_active() const { return sorry_ && sorry_->active; }
  std::int64_t alive_weight() const;
  std::size_t real_server_count() const { return servers_.size(); }
  bool alive(std::size_t rs) const { return servers_.at(rs).alive; }
  std::uint32_t weight(std::size_t rs) const { return servers_.at(rs).weight; }
  const CheckerHealth& checker(std::size_t rs, std::size_t checker) const {
    return servers_.at(rs).checkers.at(checker);
  }

 private:
  struct Server {
    core::IpAddress address;
    std::uint16_t port = 0;
    std::uint32_t configured_weight = 1;
    std::uint32_t base_weight = 1;          // configured, or set by misc_dynamic
    std::uint32_t weight = 1;               // effective: base + FILE_CHECK shares, clamped
    std::vector<std::int64_t> file_shares;  // per checker (FILE_CHECK), 0 for the others
    bool inhibit = false;
    bool alive = false;
    std::vector<CheckerHealth> checkers;
    std::size_t failed = 0;  // num_failed_checkers
  };
  struct Sorry {
    core::IpAddress address;
    std::uint16_t port = 0;
    bool inhibit = false;
    bool active = false;
  };

  void set_weight(std::size_t rs, std::uint32_t weight, core::TimePoint now,
                  std::vector<HealthEvent>& events);
  // The effective weight from the base weight and the FILE_CHECK shares.
  std::uint32_t effective_weight(const Server& s) const;
  void checker_changed(std::size_t rs, std::size_t checker, bool up, core::TimePoint now,
                       std::vector<HealthEvent>& events);
  void set_alive(std::size_t rs, bool alive, core::TimePoint now, std::vector<HealthEvent>& events);
  void update_quorum(bool init, core::TimePoint now, std::vector<HealthEvent>& events);

  std::vector<Server> servers_;
  std::optional<Sorry> sorry_;
  std::int64_t quorum_ = 1;
  std::int64_t hysteresis_ = 0;
  bool omega_ = false;
  bool quorum_up_ = false;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace vigil::checkers
