#pragma once

// One vrrp_instance at run time: its StateMachine bound to the one VRRP timer, the receive checks
// and counters, and the side effects (send an advert, install the VIPs, announce them, notify)
// performed through InstanceHooks. The hooks are the seam: the engine binds them to raw sockets,
// netlink and the announcer; tests bind them to a recording fake under a SimulatedClock.

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "core/clock.h"
#include "vrrp/packet.h"
#include "vrrp/receive_check.h"
#include "vrrp/state_machine.h"

namespace vigil::vrrp {

struct InstanceConfig {
  InstanceParams params;        // for the state machine
  ReceiveExpectations receive;  // for the receive checks (and the adverts we send)
  // keepalived `skip_check_adv_addr`: do not re-check the address list of adverts from the
  // master we already know.
  bool skip_check_adv_addr = false;
};

class InstanceHooks {
 public:
  virtual ~InstanceHooks() = default;
  // Send `advert` to the instance's multicast group or to each unicast peer.
  virtual void send_advert(const Advert& advert) = 0;
  virtual void install_addresses() = 0;  // VIPs, excluded VIPs, virtual routes and rules
  virtual void remove_addresses() = 0;
  virtual void start_announcements() = 0;  // gratuitous ARP / unsolicited NA takeover bursts
  virtual void stop_announcements() = 0;
  // As master, an advert of lower priority arrived (keepalived: garp_lower_prio_repeat GARPs and
  // notify_master_rx_lower_pri).
  virtual void lower_priority_advert(const core::IpAddress& from, std::uint8_t priority) = 0;
  // After every state change (notify scripts, FIFO, sync group, status).
  virtual void state_changed(State from, State to) = 0;
  // vrrp_sync_group seams; an instance outside a group keeps these defaults.
  // The Master_Down_Timer fired: may this BACKUP take over now? False holds it in BACKUP for
  // another Master_Down_Interval while the group's other members are not ready.
  virtual bool may_take_over() { return true; }
  // As BACKUP, an advert from a master was accepted (the Master_Down_Timer restarted): the
  // instance no longer wants to take over.
  virtual void master_heard() {}
  // The Master_Down_Timer is about to fire: the transport hands over the adverts it holds back
  // (deferred reading, raw_socket.h) before the instance decides, through receive(). Default:
  // nothing is held back.
  virtual void catch_up() {}
};

struct InstanceCounters {
  std::uint64_t adverts_sent = 0;
  std::uint64_t packets_received = 0;  // everything handed to receive(), valid or not
  std::array<std::uint64_t, kDropReasonCount> dropped{};
  std::uint64_t transitions = 0;  // state changes (each notify), INIT -> first state included
  std::uint64_t dropped_total() const;
};

class Instance {
 public:
  Instance(InstanceConfig config, core::Clock& clock, InstanceHooks& hooks);
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  void start();
  // SIGTERM or removal: a master sends priority 0 and gives up its addresses; then STOP.
  void stop();
  // The advert counts from `datagram.received_at` when the transport has it, else from now. The
  // transport may hold routine adverts back until the Master_Down_Timer is due (catch_up), so a
  // stamp is trusted back to Master_Down_Interval - Master_Adver_Interval (at least one
  // Master_Adver_Interval): a stepped wall clock cannot make an advert look old enough to fire
  // the timer before the next advert is due.
  void receive(const Datagram& datagram);
  // A packet for this instance dropped before receive() (IPsec AH failed in the transport).
  void count_drop(DropReason reason);
  void set_fault(bool fault);
  // The effective priority from tracking (keepalived clamps to 1..254; the owner never changes).
  void set_priority(std::uint8_t priority);
  // vrrp_sync_group orders: take over with the group (from BACKUP), or yield with it (from
  // MASTER). Other states ignore them.
  void sync_master();
  void sync_backup();
  // SIGHUP reload of this instance (same identity): the new parameters and receive
  // expectations apply in place; the state, the running timer and the counters are kept
  // (StateMachine's event::Reconfigure). Adverts carry the new VIP list, authentication and
  // interval from the next one on.
  void reconfigure(InstanceConfig config);

  const std::string& name() const { return config_.params.name; }
  State state() const { return machine_.state(); }
  const StateMachine& machine() const { return machine_; }
  const InstanceConfig& config() const { return config_; }
  const InstanceCounters& counters() const { return counters_; }
  // When the instance entered its current state (its creation while still in INIT).
  core::TimePoint state_since() const { return state_since_; }

 private:
  void dispatch(const Event& event);
  // `at`: the instant the event happened (an advert's kernel receive time); the state machine
  // computes its timers from it, and they are armed to expire that long after `at`.
  void dispatch(const Event& event, core::TimePoint at);
  void perform(const Action& action);
  // What is left of `after` counted from the event being dispatched.
  core::Duration remaining(Micros after) const;
  void on_master_down_timer();
  void send(std::uint8_t priority);

  InstanceConfig config_;
  core::Clock& clock_;
  InstanceHooks& hooks_;
  StateMachine machine_;
  std::unique_ptr<core::Timer> timer_;
  InstanceCounters counters_;
  State previous_state_ = State::kInit;
  State entered_from_ = State::kInit;  // the state before the current one
  core::TimePoint state_since_;
  core::TimePoint event_at_{};  // `at` of the event being dispatched
  bool dispatching_ = false;
};

}  // namespace vigil::vrrp
