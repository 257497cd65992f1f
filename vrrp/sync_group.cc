#include "vrrp/sync_group.h"

#include <algorithm>
#include <utility>

#include "core/logging.h"

namespace vigil::vrrp {

std::string_view sync_order_name(SyncOrder o) {
  switch (o) {
    case SyncOrder::kGotoFault:
      return "goto FAULT";
    case SyncOrder::kLeaveFault:
      return "leave FAULT";
    case SyncOrder::kGotoBackup:
      return "goto BACKUP";
    case SyncOrder::kGotoMaster:
      return "goto MASTER";
  }
  return "?";
}

SyncGroup::SyncGroup(std::string name, std::vector<std::string> members)
    : name_(std::move(name)), members_(std::move(members)) {
  for (const auto& m : members_) states_.emplace(m, State::kInit);
}

bool SyncGroup::has_member(std::string_view member) const {
  return states_.find(member) != states_.end();
}

void SyncGroup::restore(const std::map<std::string, State, std::less<>>& member_states,
                        std::optional<State> previous) {
  std::optional<State> shared;
  bool same = true;
  for (auto& [name, state] : states_) {
    auto it = member_states.find(name);
    if (it != member_states.end()) state = it->second;
    if (shared && *shared != state) same = false;
    shared = state;
  }
  if (previous) {
    state_ = *previous;
  } else if (same && shared && *shared != State::kInit) {
    state_ = *shared;
  }
}

bool SyncGroup::member_faulted(std::string_view member) const {
  return faulted_.find(member) != faulted_.end();
}

std::optional<State> SyncGroup::member_state(std::string_view member) const {
  auto it = states_.find(member);
  if (it == states_.end()) return std::nullopt;
  return it->second;
}

SyncGroup::Outcome SyncGroup::set_state(State s, Outcome out) {
  if (s == state_) return out;
  state_ = s;
  out.entered = s;
  core::logger("vrrp")->info("VRRP_Group({}) Syncing instances to {} state", name_, state_name(s));
  return out;
}

SyncGroup::Outcome SyncGroup::order_others(std::string_view except, SyncOrder order,
                                           bool (*applies)(State)) {
  Outcome out;
  for (const auto& m : members_) {
    if (m == except) continue;
    if (applies(states_[m])) out.orders.push_back({m, order});
  }
  return out;
}

SyncGroup::Outcome SyncGroup::member_fault(std::string_view member, bool fault) {
  if (!has_member(member)) return {};
  if (fault) {
    faulted_.emplace(member);
    want_master_.erase(std::string(member));
    if (state_ == State::kFault) return {};
    // keepalived vrrp_sync_fault: every other member not yet in FAULT follows.
    Outcome out = order_others(member, SyncOrder::kGotoFault,
                               [](State s) { return s != State::kFault && s != State::kStop; });
    return set_state(State::kFault, std::move(out));
  }
  faulted_.erase(std::string(member));
  if (!faulted_.empty() || state_ != State::kFault) return {};
  // The last member fault cleared: the group and every member leave FAULT (try_up_instance).
  Outcome out =
      order_others(member, SyncOrder::kLeaveFault, [](State s) { return s != State::kStop; });
  return set_state(State::kBackup, std::move(out));
}

bool SyncGroup::member_wants_master(std::string_view member, Outcome& out) {
  out = {};
  if (!has_member(member) || state_ == State::kFault || member_faulted(member)) return false;
  if (state_ == State::kMaster) return true;
  want_master_.emplace(member);
  for (const auto& m : members_) {
    if (want_master_.count(m) == 0 && states_[m] != State::kMaster) return false;
  }
  // vrrp_sync_can_goto_master: everyone wants it, so everyone goes.
  want_master_.clear();
  out = order_others(member, SyncOrder::kGotoMaster, [](State s) { return s != State::kMaster; });
  out = set_state(State::kMaster, std::move(out));
  return true;
}

void SyncGroup::member_yields(std::string_view member) { want_master_.erase(std::string(member)); }

SyncGroup::Outcome SyncGroup::member_entered(std::string_view member, State s) {
  auto it = states_.find(member);
  if (it == states_.end()) return {};
  const State before = it->second;
  it->second = s;
  const std::string name(member);
  switch (s) {
    case State::kMaster: {
      want_master_.erase(name);
      if (state_ == State::kMaster || state_ == State::kFault) return {};
      // A member that got to MASTER on its own (address owner, start-up) takes the group.
      Outcome out =
          order_others(member, SyncOrder::kGotoMaster, [](State m) { return m != State::kMaster; });
      return set_state(State::kMaster, std::move(out));
    }
    case State::kBackup: {
      want_master_.erase(name);
      // Only a member that leaves MASTER takes the others along; one that a reload added to a
      // master group starts in BACKUP (init) and takes over with the group later.
      if (state_ == State::kMaster && before == State::kMaster) {
        // keepalived vrrp_sync_backup: the other masters yield too.
        Outcome out = order_others(member, SyncOrder::kGotoBackup,
                                   [](State m) { return m == State::kMaster; });
        return set_state(State::kBackup, std::move(out));
      }
      if (state_ == State::kInit) {
        const bool all = std::all_of(states_.begin(), states_.end(),
                                     [](const auto& kv) { return kv.second == State::kBackup; });
        if (all) return set_state(State::kBackup, {});
      }
      return {};
    }
    case State::kFault: {
      want_master_.erase(name);
      if (state_ == State::kFault) return {};
      Outcome out = order_others(member, SyncOrder::kGotoFault,
                                 [](State m) { return m != State::kFault && m != State::kStop; });
      return set_state(State::kFault, std::move(out));
    }
    case State::kStop: {
      const bool all = std::all_of(states_.begin(), states_.end(),
                                   [](const auto& kv) { return kv.second == State::kStop; });
      if (all) return set_state(State::kStop, {});
      return {};
    }
    case State::kInit:
      return {};
  }
  return {};
}

namespace {

std::vector<std::string> names_of(const std::vector<Instance*>& members) {
  std::vector<std::string> names;
  for (const Instance* m : members) names.push_back(m->name());
  return names;
}

}  // namespace

SyncGroupBinding::SyncGroupBinding(std::string name, std::vector<Instance*> members,
                                   Listener listener)
    : group_(std::move(name), names_of(members)),
      members_(std::move(members)),
      listener_(std::move(listener)) {}

void SyncGroupBinding::restore(std::optional<State> previous) {
  std::map<std::string, State, std::less<>> states;
  for (const Instance* m : members_) states.emplace(m->name(), m->state());
  group_.restore(states, previous);
}

bool SyncGroupBinding::may_take_over(const std::string& member) {
  SyncGroup::Outcome out;
  const bool go = group_.member_wants_master(member, out);
  apply(out);
  return go;
}

void SyncGroupBinding::apply(const SyncGroup::Outcome& outcome) {
  for (const auto& order : outcome.orders) {
    for (Instance* m : members_) {
      if (m->name() != order.member) continue;
      switch (order.order) {
        case SyncOrder::kGotoMaster:
          m->sync_master();
          break;
        case SyncOrder::kGotoBackup:
          m->sync_backup();
          break;
        case SyncOrder::kGotoFault:
        case SyncOrder::kLeaveFault:
          // FAULT is level-triggered: the owner feeds the group's fault to every member through
          // its tracking (Instance::set_fault), so it holds until the last member's own fault
          // clears.
          break;
      }
    }
  }
  if (outcome.entered && listener_) listener_(group_, *outcome.entered);
}

}  // namespace vigil::vrrp
