#pragma once

// The VRRP protocol state machine of one virtual router (RFC 5798 / RFC 9568 section 6, RFC 3768
// for v2), with keepalived 2.2.7's additions. Pure: an event and the current time go in, the new
// state and a list of actions come out. No sockets, no timers, no clock: the instance that owns a
// StateMachine performs the actions (send an advert, arm the one VRRP timer, add the VIPs, ...)
// and feeds back what happens (an advert arrived, the timer fired), so every rule is testable
// with plain values and a whole LAN of routers runs under simulated time.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/clock.h"
#include "core/ip_address.h"
#include "vrrp/packet.h"
#include "vrrp/timers.h"

namespace vigil::vrrp {

// keepalived's VRRP_STATE_* (vrrp.h); kStop is its internal "stopped" state, reported by
// notify_stop and the notify FIFO as STOP.
enum class State : std::uint8_t { kInit, kBackup, kMaster, kFault, kStop };
std::string_view state_name(State s);  // "INIT", "BACKUP", "MASTER", "FAULT", "STOP"

// What the state machine needs of a vrrp_instance. The daemon fills it from config::Config.
struct InstanceParams {
  std::string name;  // the vrrp_instance name, for logs ("(VI_1) Entering MASTER STATE")
  Version version = Version::kV2;
  std::uint8_t vrid = 0;
  // Configured `priority` (1..255). 255 is the address owner (RFC 5798 5.2.4): it starts as
  // master at once and its priority is never changed by tracking.
  std::uint8_t priority = 100;
  // `advert_int`: Advertisement_Interval (v2: whole seconds; v3: centisecond resolution).
  Micros advert_interval = std::chrono::seconds(1);
  // `state MASTER`. keepalived 2.x does not start a non-owner as master: it only clears
  // `nopreempt` and `preempt_delay` ("will not work with initial state MASTER - clearing").
  bool initial_master = false;
  bool nopreempt = false;   // RFC 5798 Preempt_Mode = !nopreempt
  Micros preempt_delay{0};  // keepalived `preempt_delay`
  // The address this router sends adverts from (the primary address of the interface, or
  // `unicast_src_ip`); compared with the sender's on equal priority (RFC 5798 6.4.3).
  core::IpAddress primary_address;
  // keepalived: as master, do not answer a lower-priority advert with an immediate advert
  // (strict mode sets it).
  bool lower_prio_no_advert = false;
  // keepalived: as master, send one advert before yielding to a higher-priority advert.
  bool higher_prio_send_advert = false;
  unsigned down_timer_adverts = kDefaultDownTimerAdverts;  // keepalived `down_timer_adverts`
};

// A received advertisement that passed every receive check of RFC 5798 7.1 (TTL, version,
// checksum, VRID, auth, ...). Those checks belong to the instance, which counts what it drops.
struct ReceivedAdvert {
  core::IpAddress source;  // IP source address of the packet
  std::uint8_t priority = 0;
  // v3: the advert's Max Adver Int (from_centiseconds(advert.interval)); ignored for v2, whose
  // receiver drops adverts with another interval before they get here.
  Micros interval{0};
};

namespace event {
struct Startup {};  // RFC 5798 6.4.1 Initialize
struct AdvertReceived {
  ReceivedAdvert advert;
};
struct MasterDownTimerExpired {};
struct AdverTimerExpired {};
struct Shutdown {};       // SIGTERM / instance removed: a master sends priority 0
struct FaultDetected {};  // aggregated by tracking: interface down, script failed, ...
struct FaultCleared {};
struct PriorityChanged {  // new effective priority from tracking (keepalived clamps to 1..254)
  std::uint8_t priority = 0;
};
// vrrp_sync_group orders (keepalived vrrp_sync.c). SyncHold: the Master_Down_Timer fired but the
// group is not ready for every member to take over ("prefer backup state to avoid thrashing"),
// so stay BACKUP and wait another Master_Down_Interval. SyncMaster: every member takes over
// together (vrrp_sync_master). SyncBackup: another member yielded, so leave MASTER too, without
// a priority 0 advert (vrrp_sync_backup -> vrrp_state_leave_master(isync, false)).
struct SyncHold {};
struct SyncMaster {};
struct SyncBackup {};
// SIGHUP reload of a matched instance: the new configuration applies in place and the state is
// kept (keepalived does not restart an instance whose interface, VRID and family are unchanged).
// A backup's running Master_Down_Timer is recomputed from the instant it started for the new
// priority and interval; a master advertises the new values from its next advert. The
// effective priority follows with the PriorityChanged that tracking sends next.
struct Reconfigure {
  InstanceParams params;
};
}  // namespace event

using Event = std::variant<event::Startup, event::AdvertReceived, event::MasterDownTimerExpired,
                           event::AdverTimerExpired, event::Shutdown, event::FaultDetected,
                           event::FaultCleared, event::PriorityChanged, event::SyncHold,
                           event::SyncMaster, event::SyncBackup, event::Reconfigure>;

// An instance has one VRRP timer, as keepalived's `sands`: the Adver_Timer while master, the
// Master_Down_Timer while backup. Arming either replaces whichever is running; when it fires
// the instance feeds back the matching *Expired event.
namespace action {
struct SendAdvert {
  std::uint8_t priority = 0;
};
struct ArmAdverTimer {
  Micros after{0};
};
struct ArmMasterDownTimer {
  Micros after{0};
};
struct CancelTimers {};
struct AddVips {};  // virtual_ipaddress(_excluded), virtual_routes, virtual_rules
struct RemoveVips {};
// Takeover announcements: gratuitous ARP / unsolicited NA for every VIP. The burst size
// (garp_master_repeat) and the delayed second burst (garp_master_delay) are the announcer's.
struct SendGratuitous {};
// keepalived, master receiving a lower-priority advert: garp_lower_prio_repeat GARPs and the
// notify_master_rx_lower_pri script.
struct MasterRxLowerPriority {
  core::IpAddress from;
  std::uint8_t priority = 0;
};
struct Notify {  // notify_master / _backup / _fault / _stop, the FIFO and the state log line
  State state = State::kInit;
};
}  // namespace action

using Action = std::variant<action::SendAdvert, action::ArmAdverTimer, action::ArmMasterDownTimer,
                            action::CancelTimers, action::AddVips, action::RemoveVips,
                            action::SendGratuitous, action::MasterRxLowerPriority, action::Notify>;
using Actions = std::vector<Action>;

// Counters in the spirit of RFC 6527 (vrrpv3Statistics) and keepalived's vrrp_stats.
struct StateMachineStats {
  std::uint64_t become_master = 0;             // vrrpv3StatisticsMasterTransitions
  std::uint64_t release_master = 0;            // keepalived release_master
  std::uint64_t adverts_received = 0;          // valid adverts handled (any state)
  std::uint64_t priority_zero_received = 0;    // vrrpv3StatisticsRcvdPriZeroPackets
  std::uint64_t priority_zero_sent = 0;        // vrrpv3StatisticsSentPriZeroPackets
  std::uint64_t lower_priority_discarded = 0;  // backup with preemption ignoring a lower master
};

class StateMachine {
 public:
  explicit StateMachine(InstanceParams params);

  Actions handle(const Event& event, core::TimePoint now);

  State state() const { return state_; }
  const InstanceParams& params() const { return params_; }
  std::uint8_t base_priority() const { return base_priority_; }
  std::uint8_t effective_priority() const { return effective_priority_; }
  // Master_Adver_Interval: learned from the master's adverts (v3) while backup.
  Micros master_adver_interval() const { return master_adver_interval_; }
  // Master_Down_Interval for the current priority and Master_Adver_Interval.
  Micros master_down_interval() const;
  Micros skew() const;
  // The sender of the last advert accepted from a master (for status output).
  const std::optional<core::IpAddress>& master_address() const { return master_address_; }
  // The preempt_delay deadline, while one is running.
  const std::optional<core::TimePoint>& preempt_deadline() const { return preempt_deadline_; }
  bool faulted() const { return faulted_; }
  const StateMachineStats& stats() const { return stats_; }

 private:
  void on_startup(core::TimePoint now, Actions& out);
  void on_advert(const ReceivedAdvert& advert, core::TimePoint now, Actions& out);
  void on_advert_as_backup(const ReceivedAdvert& advert, core::TimePoint now, Actions& out);
  void on_advert_as_master(const ReceivedAdvert& advert, core::TimePoint now, Actions& out);
  void on_master_down(Actions& out);
  void on_adver_timer(Actions& out);
  void on_shutdown(Actions& out);
  void on_fault(Actions& out);
  void on_fault_cleared(core::TimePoint now, Actions& out);
  void on_priority(std::uint8_t priority, core::TimePoint now, Actions& out);
  void on_sync_hold(core::TimePoint now, Actions& out);
  void on_sync_master(Actions& out);
  void on_sync_backup(core::TimePoint now, Actions& out);
  void on_reconfigure(InstanceParams params, core::TimePoint now, Actions& out);
  void rearm_master_down(core::TimePoint now, Actions& out);

  void become_master(Actions& out);
  void leave_master_for_backup(core::TimePoint now, Actions& out);
  void enter_backup(core::TimePoint now, Actions& out);
  void send_advert(std::uint8_t priority, Actions& out);
  void arm_adver_timer(Actions& out);
  void arm_master_down(Micros after, bool skew_only, core::TimePoint now, Actions& out);
  void cancel_timer(Actions& out);
  void set_state(State s, Actions& out);
  bool preempts() const { return !params_.nopreempt; }

  InstanceParams params_;
  State state_ = State::kInit;
  std::uint8_t base_priority_;
  std::uint8_t effective_priority_;
  Micros master_adver_interval_;
  bool faulted_ = false;
  std::optional<core::IpAddress> master_address_;
  std::optional<core::TimePoint> preempt_deadline_;
  // The running Master_Down_Timer: when it was (re)started and whether it is the skew-only timer
  // set by a priority 0 advert, so a priority change can recompute it from the same start.
  core::TimePoint down_timer_start_{};
  bool down_timer_skew_only_ = false;
  StateMachineStats stats_;
};

// -1, 0, 1 as `a` is numerically lower than, equal to or higher than `b` (network byte order,
// as keepalived's inet_inaddrcmp); addresses of different families compare equal.
int compare_addresses(const core::IpAddress& a, const core::IpAddress& b);

}  // namespace vigil::vrrp
