#pragma once

// vrrp_sync_group: its member instances move together, as keepalived 2.2.7 does (vrrp_sync.c,
// vrrp_track.c down_instance / try_up_instance). Pure logic: the engine reports what happens
// to each member and applies the orders that come back.
//  - FAULT: one member in FAULT pulls every other member into FAULT ("VRRP_Group(%s) Syncing
//    instances to FAULT state"); the group leaves FAULT only when no member has a fault of its
//    own any more, and then every member goes back to BACKUP.
//  - MASTER: a member whose Master_Down timer fires may only take over when every other member
//    wants to as well (vrrp_sync_can_goto_master: "prefer backup state to avoid thrashing");
//    until then it stays BACKUP and re-arms its timer. Once all want it, all go MASTER.
//  - BACKUP: a master member that falls back to BACKUP (a higher-priority advert) takes the
//    others with it ("Syncing instances to BACKUP state").
// Group state changes are reported so the group's notify scripts and FIFO line run (priority 0).

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "vrrp/instance.h"
#include "vrrp/state_machine.h"

namespace vigil::vrrp {

enum class SyncOrder : std::uint8_t {
  kGotoFault,   // enter FAULT because of the group (feed FaultDetected)
  kLeaveFault,  // the group left FAULT: leave it too (feed FaultCleared), back to BACKUP
  kGotoBackup,  // a master member yielded: leave MASTER for BACKUP
  kGotoMaster,  // every member wants MASTER: take over now
};
std::string_view sync_order_name(SyncOrder o);

class SyncGroup {
 public:
  struct Order {
    std::string member;
    SyncOrder order;
    bool operator==(const Order&) const = default;
  };
  struct Outcome {
    std::vector<Order> orders;
    std::optional<State> entered;  // the group's new state, when it changed
  };

  SyncGroup(std::string name, std::vector<std::string> members);

  const std::string& name() const { return name_; }
  const std::vector<std::string>& members() const { return members_; }
  bool has_member(std::string_view member) const;
  // kInit until the members settle, then kBackup, kMaster, kFault or kStop.
  State state() const { return state_; }

  // A member's own tracking verdict changed (keepalived num_member_fault).
  Outcome member_fault(std::string_view member, bool fault);
  // A member's Master_Down timer fired. True: it may become master now (the outcome orders
  // the others to follow); false: it must stay BACKUP and re-arm its timer.
  bool member_wants_master(std::string_view member, Outcome& out);
  // The member no longer wants MASTER (it heard a better master while holding back).
  void member_yields(std::string_view member);
  // A member's state machine entered `s`.
  Outcome member_entered(std::string_view member, State s);

  // Reload: the group is built again around members that are already running. Their states,
  // and the group's own when a group of that name ran before, are recorded without orders or
  // notifications; a new group takes the state its members share, if they all share one. The
  // group's rules apply from the next event on.
  void restore(const std::map<std::string, State, std::less<>>& member_states,
               std::optional<State> previous);

  bool member_faulted(std::string_view member) const;
  std::optional<State> member_state(std::string_view member) const;

 private:
  Outcome set_state(State s, Outcome out);
  Outcome order_others(std::string_view except, SyncOrder order,
                       bool (*applies)(State member_state));

  std::string name_;
  std::vector<std::string> members_;
  std::map<std::string, State, std::less<>> states_;
  std::set<std::string, std::less<>> faulted_;
  std::set<std::string, std::less<>> want_master_;
  State state_ = State::kInit;
};

// A SyncGroup bound to its running members: asks it the members' questions and carries out its
// orders on them. The engine binds each member's InstanceHooks (may_take_over, master_heard,
// state_changed) and tracking faults to it; the simulated LAN tests do the same.
class SyncGroupBinding {
 public:
  using Listener = std::function<void(const SyncGroup&, State)>;

  // `members` outlive the binding; their names are the group's members.
  SyncGroupBinding(std::string name, std::vector<Instance*> members, Listener listener);

  const SyncGroup& group() const { return group_; }
  const std::vector<Instance*>& members() const { return members_; }

  bool may_take_over(const std::string& member);
  void master_heard(const std::string& member) { group_.member_yields(member); }
  void entered(const std::string& member, State s) { apply(group_.member_entered(member, s)); }
  // A member's own fault (its tracking, not the group's) is now `fault`.
  void fault(const std::string& member, bool fault) { apply(group_.member_fault(member, fault)); }
  // Reload: takes the members' current states (SyncGroup::restore).
  void restore(std::optional<State> previous);

 private:
  void apply(const SyncGroup::Outcome& outcome);

  SyncGroup group_;
  std::vector<Instance*> members_;
  Listener listener_;
};

}  // namespace vigil::vrrp
