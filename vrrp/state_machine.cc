#include "vrrp/state_machine.h"

#include <algorithm>
#include <type_traits>
#include <utility>

#include <spdlog/spdlog.h>

#include "core/logging.h"

// Rules follow RFC 5798 / RFC 9568 section 6.4 (RFC 3768 6.4 for v2) and keepalived 2.2.7's
// vrrp.c (vrrp_state_backup, vrrp_state_master_rx, vrrp_state_master_tx,
// vrrp_state_leave_master, vrrp_state_leave_fault), vrrp_scheduler.c (vrrp_init_state,
// try_up_instance, vrrp_dispatcher_read) and vrrp_track.c (down_instance,
// vrrp_set_effective_priority). Where keepalived departs from the RFC it is said so below.

namespace vigil::vrrp {
namespace {

spdlog::logger& log() {
  static const std::shared_ptr<spdlog::logger> logger = core::logger("vrrp");
  return *logger;
}

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace

std::string_view state_name(State s) {
  switch (s) {
    case State::kInit:
      return "INIT";
    case State::kBackup:
      return "BACKUP";
    case State::kMaster:
      return "MASTER";
    case State::kFault:
      return "FAULT";
    case State::kStop:
      return "STOP";
  }
  return "?";
}

int compare_addresses(const core::IpAddress& a, const core::IpAddress& b) {
  if (a.is_v4() && b.is_v4()) {
    const auto x = a.to_v4().to_uint();
    const auto y = b.to_v4().to_uint();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.is_v6() && b.is_v6()) {
    const auto x = a.to_v6().to_bytes();
    const auto y = b.to_v6().to_bytes();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  return 0;  // keepalived's vrrp_saddr_cmp: "simple sanity", families differ
}

namespace {

// The adjustments keepalived makes to a vrrp_instance's settings (vrrp_complete_instance).
void normalise(InstanceParams& p) {
  // The config layer validates 1..255; never let a zero here turn every advert into a
  // "master stopping" advert.
  if (p.priority == kPriorityStop) p.priority = 1;
  if (p.down_timer_adverts < 1 || p.down_timer_adverts > 100) {
    p.down_timer_adverts = kDefaultDownTimerAdverts;
  }
  // keepalived vrrp_complete_instance: "nopreempt is incompatible with priority 255 - resetting
  // nopreempt"; and with `state MASTER`, "nopreempt will not work with initial state MASTER -
  // clearing", likewise preempt_delay.
  if (p.priority == kPriorityOwner || p.initial_master) {
    p.nopreempt = false;
    p.preempt_delay = Micros(0);
  }
  if (p.nopreempt) p.preempt_delay = Micros(0);  // "incompatible with nopreempt"
}

}  // namespace

StateMachine::StateMachine(InstanceParams params) : params_(std::move(params)) {
  normalise(params_);
  base_priority_ = params_.priority;
  effective_priority_ = params_.priority;
  master_adver_interval_ = params_.advert_interval;
}

Micros StateMachine::skew() const {
  return skew_time(params_.version, effective_priority_, master_adver_interval_);
}

Micros StateMachine::master_down_interval() const {
  return vrrp::master_down_interval(params_.version, effective_priority_, master_adver_interval_,
                                    params_.down_timer_adverts);
}

Actions StateMachine::handle(const Event& event, core::TimePoint now) {
  Actions out;
  std::visit(Overloaded{
                 [&](const event::Startup&) { on_startup(now, out); },
                 [&](const event::AdvertReceived& e) { on_advert(e.advert, now, out); },
                 [&](const event::MasterDownTimerExpired&) { on_master_down(out); },
                 [&](const event::AdverTimerExpired&) { on_adver_timer(out); },
                 [&](const event::Shutdown&) { on_shutdown(out); },
                 [&](const event::FaultDetected&) { on_fault(out); },
                 [&](const event::FaultCleared&) { on_fault_cleared(now, out); },
                 [&](const event::PriorityChanged& e) { on_priority(e.priority, now, out); },
                 [&](const event::SyncHold&) { on_sync_hold(now, out); },
                 [&](const event::SyncMaster&) { on_sync_master(out); },
                 [&](const event::SyncBackup&) { on_sync_backup(now, out); },
                 [&](const event::Reconfigure& e) { on_reconfigure(e.params, now, out); },
             },
             event);
  return out;
}

// RFC 5798 6.4.1. The owner (priority 255) sends an advert, announces and becomes master at
// once; everyone else becomes backup with Master_Down_Timer = Master_Down_Interval. keepalived
// 2.2.7 (vrrp_init_state) does the same with two nuances: the owner goes through a 1 us backup
// timer, and `state MASTER` without priority 255 starts as BACKUP like any other instance
// ("Entering BACKUP STATE (init)", confirmed on Debian's 2.2.7).
void StateMachine::on_startup(core::TimePoint now, Actions& out) {
  if (state_ != State::kInit && state_ != State::kStop) return;
  master_adver_interval_ = params_.advert_interval;
  master_address_.reset();
  preempt_deadline_.reset();
  if (faulted_) {
    set_state(State::kFault, out);
    return;
  }
  if (base_priority_ == kPriorityOwner) {
    become_master(out);
    return;
  }
  enter_backup(now, out);
}

void StateMachine::on_advert(const ReceivedAdvert& advert, core::TimePoint now, Actions& out) {
  // keepalived's dispatcher ignores adverts in FAULT and INIT (and there is no socket in STOP).
  if (state_ != State::kBackup && state_ != State::kMaster) return;
  ++stats_.adverts_received;
  if (advert.priority == kPriorityStop) ++stats_.priority_zero_received;
  if (state_ == State::kBackup) {
    on_advert_as_backup(advert, now, out);
  } else {
    on_advert_as_master(advert, now, out);
  }
}

// RFC 5798 6.4.2, Backup receiving an ADVERTISEMENT:
//  - priority 0: Master_Down_Timer = Skew_Time;
//  - Preempt_Mode false, or priority >= local: Master_Adver_Interval = advert's (v3), recompute
//    Master_Down_Interval, reset Master_Down_Timer;
//  - otherwise (lower priority, preempting): discard, the timer keeps running.
// keepalived's preempt_delay: the first lower-priority advert starts a delay during which lower
// adverts are still accepted as from a legitimate master; an advert of priority >= ours stops
// it; once it has passed, lower adverts are discarded as above. keepalived compares times
// (preempt_time > now) rather than running a timer, and so does this.
void StateMachine::on_advert_as_backup(const ReceivedAdvert& advert, core::TimePoint now,
                                       Actions& out) {
  if (advert.priority == kPriorityStop) {
    arm_master_down(skew(), /*skew_only=*/true, now, out);
    return;
  }
  const bool delaying =
      params_.preempt_delay > Micros(0) && (!preempt_deadline_ || *preempt_deadline_ > now);
  if (!preempts() || advert.priority >= effective_priority_ || delaying) {
    if (params_.version == Version::kV3 && advert.interval > Micros(0)) {
      master_adver_interval_ = advert.interval;
    }
    master_address_ = advert.source;
    if (params_.preempt_delay > Micros(0)) {
      if (advert.priority >= effective_priority_) {
        preempt_deadline_.reset();
      } else if (!preempt_deadline_) {
        preempt_deadline_ = now + params_.preempt_delay;
        log().debug("({}) start preempt delay", params_.name);
      }
    }
    arm_master_down(master_down_interval(), /*skew_only=*/false, now, out);
    return;
  }
  ++stats_.lower_priority_discarded;
  master_address_ = advert.source;  // keepalived records it for SNMP
  log().info("({}) received lower priority ({}) advert from {} - discarding", params_.name,
             advert.priority, advert.source.to_string());
}

// RFC 5798 6.4.3, Master receiving an ADVERTISEMENT:
//  - priority 0: send an advert, reset the Adver_Timer;
//  - higher priority, or equal priority and a higher primary address (unsigned, network byte
//    order): cancel the Adver_Timer, learn Master_Adver_Interval (v3), Master_Down_Timer =
//    Master_Down_Interval, transition to Backup;
//  - otherwise discard.
// keepalived adds: a lower-priority advert (or equal priority from a lower address) is answered
// at once with an advert, "forcing new election" (not with lower_prio_no_advert / strict mode),
// plus garp_lower_prio_repeat GARPs and notify_master_rx_lower_pri; higher_prio_send_advert sends
// one advert before yielding; two owners (both 255) is a configuration error and the local one
// drops to 254.
void StateMachine::on_advert_as_master(const ReceivedAdvert& advert, core::TimePoint now,
                                       Actions& out) {
  const int cmp = compare_addresses(advert.source, params_.primary_address);
  const auto higher = [&] {
    return advert.priority > effective_priority_ ||
           (advert.priority == effective_priority_ && cmp > 0);
  };
  if (advert.priority == kPriorityStop) {
    send_advert(effective_priority_, out);
    // RFC: reset the Adver_Timer. keepalived with lower_prio_no_advert keeps the old deadline
    // (its dispatcher only restarts the timer when !lower_prio_no_advert); vigil follows the RFC.
    arm_adver_timer(out);
    return;
  }
  if (params_.higher_prio_send_advert && higher()) send_advert(effective_priority_, out);

  if (advert.priority == effective_priority_) {
    if (cmp == 0) {
      log().warn(
          "({}) WARNING - equal priority advert received from remote host with our IP "
          "address.",
          params_.name);
    } else if (effective_priority_ == kPriorityOwner) {
      log().error(
          "({}) CONFIGURATION ERROR: local instance and a remote instance are both "
          "configured as address owner, please fix - reducing local priority",
          params_.name);
      base_priority_ = kPriorityOwner - 1;
      effective_priority_ = kPriorityOwner - 1;
    }
  }

  if (advert.priority < effective_priority_ ||
      (advert.priority == effective_priority_ && cmp < 0)) {
    log().info("({}) Received advert from {} with lower priority {}, ours {}{}", params_.name,
               advert.source.to_string(), advert.priority, effective_priority_,
               params_.lower_prio_no_advert ? "" : ", forcing new election");
    if (!params_.lower_prio_no_advert) {
      send_advert(effective_priority_, out);
      arm_adver_timer(out);  // vrrp_dispatcher_read re-inits sands after sending
    }
    out.emplace_back(action::MasterRxLowerPriority{advert.source, advert.priority});
    return;
  }

  if (higher()) {
    log().info("({}) Master received advert from {} with {} priority {}, ours {}", params_.name,
               advert.source.to_string(),
               advert.priority > effective_priority_ ? "higher" : "same (higher address)",
               advert.priority, effective_priority_);
    if (params_.version == Version::kV3 && advert.interval > Micros(0)) {
      master_adver_interval_ = advert.interval;
    }
    master_address_ = advert.source;
    leave_master_for_backup(now, out);
  }
  // Equal priority from our own address: stay master, nothing to do.
}

void StateMachine::on_master_down(Actions& out) {
  if (state_ != State::kBackup) return;  // stale expiry
  log().debug("({}) Receive advertisement timeout", params_.name);
  become_master(out);
}

// keepalived vrrp_sync_can_goto_master: "the timer here doesn't really matter, since we are
// waiting for other instances to be ready"; it re-arms 3 x Master_Adver_Interval + Skew_Time,
// which is the Master_Down_Interval.
void StateMachine::on_sync_hold(core::TimePoint now, Actions& out) {
  if (state_ != State::kBackup) return;
  arm_master_down(master_down_interval(), /*skew_only=*/false, now, out);
}

void StateMachine::on_sync_master(Actions& out) {
  if (state_ != State::kBackup) return;  // FAULT, INIT and STOP members do not follow
  log().debug("({}) entering MASTER with its sync group", params_.name);
  become_master(out);
}

void StateMachine::on_sync_backup(core::TimePoint now, Actions& out) {
  if (state_ != State::kMaster) return;
  master_address_.reset();  // which router becomes master is not known yet
  leave_master_for_backup(now, out);
}

// RFC 5798 6.4.3: on Adver_Timer expiry send an advert and restart the timer.
void StateMachine::on_adver_timer(Actions& out) {
  if (state_ != State::kMaster) return;  // stale expiry
  send_advert(effective_priority_, out);
  arm_adver_timer(out);
}

// RFC 5798 6.4.3 Shutdown: a master cancels the Adver_Timer and sends a priority 0 advert; it
// then leaves its addresses (keepalived restore_vrrp_interfaces: priority 0 advert, VIPs,
// routes and rules removed) and runs notify_stop.
void StateMachine::on_shutdown(Actions& out) {
  if (state_ == State::kStop) return;
  cancel_timer(out);
  if (state_ == State::kMaster) {
    send_advert(kPriorityStop, out);
    out.emplace_back(action::RemoveVips{});
  }
  set_state(State::kStop, out);
}

// keepalived down_instance: a master leaves with a priority 0 advert (so a backup takes over
// after Skew_Time) and removes its addresses; FAULT runs no timer and ignores adverts.
// keepalived sends that priority 0 advert twice (vrrp_state_leave_master, then
// vrrp_restore_interface); one is enough for the backups and the RFC.
void StateMachine::on_fault(Actions& out) {
  if (faulted_) return;
  faulted_ = true;
  if (state_ == State::kMaster) {
    cancel_timer(out);
    send_advert(kPriorityStop, out);
    out.emplace_back(action::RemoveVips{});
    ++stats_.release_master;
    set_state(State::kFault, out);
  } else if (state_ == State::kBackup) {
    cancel_timer(out);
    set_state(State::kFault, out);
  }
  // INIT and STOP remember the fault for the next Startup.
}

// keepalived try_up_instance / vrrp_state_leave_fault: back to BACKUP with Master_Adver_Interval
// reset to our own interval and a full Master_Down_Timer; the owner goes straight to MASTER.
void StateMachine::on_fault_cleared(core::TimePoint now, Actions& out) {
  if (!faulted_) return;
  faulted_ = false;
  if (state_ != State::kFault) return;
  master_adver_interval_ = params_.advert_interval;
  preempt_deadline_.reset();
  if (base_priority_ == kPriorityOwner) {
    become_master(out);
    return;
  }
  enter_backup(now, out);
}

// keepalived vrrp_set_effective_priority: the owner's priority never changes; others are clamped
// to 1..254. A running Master_Down_Timer is recomputed from the instant it was started, so it
// expires where it would have with the new priority from the start (keepalived moves its
// deadline by the difference of the two intervals, which is the same thing). The master simply
// advertises the new priority from its next advert.
void StateMachine::on_priority(std::uint8_t priority, core::TimePoint now, Actions& out) {
  if (base_priority_ == kPriorityOwner) return;
  const std::uint8_t clamped = std::clamp<std::uint8_t>(priority, 1, kPriorityOwner - 1);
  if (clamped == effective_priority_) return;
  log().info("({}) Changing effective priority from {} to {}", params_.name, effective_priority_,
             clamped);
  effective_priority_ = clamped;
  rearm_master_down(now, out);
}

// A backup's running Master_Down_Timer, recomputed for the current priority and interval from
// the instant it was started.
void StateMachine::rearm_master_down(core::TimePoint now, Actions& out) {
  if (state_ != State::kBackup) return;
  const Micros interval = down_timer_skew_only_ ? skew() : master_down_interval();
  const core::TimePoint deadline = down_timer_start_ + interval;
  const auto after = std::max(Micros(0), std::chrono::ceil<Micros>(deadline - now));
  out.emplace_back(action::ArmMasterDownTimer{after});
}

// Reload: nothing is sent and no state changes here. keepalived resets every instance's timers
// on reload and so sends an extra advert from each master; vigil leaves a master's Adver_Timer
// alone (its next advert carries the new values) and only moves a backup's Master_Down_Timer
// when its length changed. A v3 backup keeps the interval it learned from the master; a v2
// backup (or one whose version changed) uses its own.
void StateMachine::on_reconfigure(InstanceParams params, core::TimePoint now, Actions& out) {
  normalise(params);
  const bool was_owner = base_priority_ == kPriorityOwner;
  const Micros down_before = down_timer_skew_only_ ? skew() : master_down_interval();
  const bool version_changed = params.version != params_.version;
  params_ = std::move(params);
  base_priority_ = params_.priority;
  if (base_priority_ == kPriorityOwner) {
    effective_priority_ = kPriorityOwner;
  } else if (was_owner) {
    effective_priority_ = base_priority_;  // tracking adjusts it right after
  }
  if (params_.nopreempt || params_.preempt_delay == Micros(0)) preempt_deadline_.reset();
  if (state_ == State::kMaster) {
    master_adver_interval_ = params_.advert_interval;
    master_address_ = params_.primary_address;
    return;
  }
  if (state_ != State::kBackup) {
    master_adver_interval_ = params_.advert_interval;
    return;
  }
  if (params_.version == Version::kV2 || version_changed) {
    master_adver_interval_ = params_.advert_interval;
  }
  const Micros down_after = down_timer_skew_only_ ? skew() : master_down_interval();
  if (down_after != down_before) rearm_master_down(now, out);
}

// keepalived vrrp_state_goto_master + vrrp_state_master_tx + vrrp_state_become_master: the
// advert goes out first (so the old master drops the VIPs before our GARPs), then the VIPs are
// added, announced, the notifications run, and the Adver_Timer starts (RFC 5798 6.4.2).
void StateMachine::become_master(Actions& out) {
  // As master we advertise our own Advertisement_Interval (RFC 5798 6.4.3).
  master_adver_interval_ = params_.advert_interval;
  master_address_ = params_.primary_address;
  send_advert(effective_priority_, out);
  out.emplace_back(action::AddVips{});
  out.emplace_back(action::SendGratuitous{});
  ++stats_.become_master;
  set_state(State::kMaster, out);
  arm_adver_timer(out);
}

// keepalived vrrp_state_leave_master (wantstate BACKUP): VIPs removed, preempt delay cleared,
// Master_Down_Timer = Master_Down_Interval from the interval just learned.
void StateMachine::leave_master_for_backup(core::TimePoint now, Actions& out) {
  preempt_deadline_.reset();
  out.emplace_back(action::RemoveVips{});
  ++stats_.release_master;
  set_state(State::kBackup, out);
  arm_master_down(master_down_interval(), /*skew_only=*/false, now, out);
}

void StateMachine::enter_backup(core::TimePoint now, Actions& out) {
  set_state(State::kBackup, out);
  arm_master_down(master_down_interval(), /*skew_only=*/false, now, out);
}

void StateMachine::send_advert(std::uint8_t priority, Actions& out) {
  if (priority == kPriorityStop) {
    ++stats_.priority_zero_sent;
    log().debug("({}) sent 0 priority", params_.name);
  }
  out.emplace_back(action::SendAdvert{priority});
}

void StateMachine::arm_adver_timer(Actions& out) {
  out.emplace_back(action::ArmAdverTimer{params_.advert_interval});
}

void StateMachine::arm_master_down(Micros after, bool skew_only, core::TimePoint now,
                                   Actions& out) {
  down_timer_start_ = now;
  down_timer_skew_only_ = skew_only;
  out.emplace_back(action::ArmMasterDownTimer{after});
}

void StateMachine::cancel_timer(Actions& out) { out.emplace_back(action::CancelTimers{}); }

// The state change is logged by whoever performs the Notify action: on a takeover that comes
// after the advert, the VIPs and the announcements, so the log writer's wake-up never delays them.
void StateMachine::set_state(State s, Actions& out) {
  if (s == state_) return;
  state_ = s;
  out.emplace_back(action::Notify{s});
}

}  // namespace vigil::vrrp
