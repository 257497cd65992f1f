#pragma once

// A simulated LAN for VRRP tests, in the spirit of Open/R's MockIoProvider: several routers, each
// a vrrp::Instance (the daemon's own: state machine, VRRP timer, receive checks) whose hooks are
// bound to an in-process multicast segment with a fixed latency instead of sockets and netlink,
// all on one SimulatedClock. Time only moves when the test advances the clock, and every timer
// fires at its exact instant, so takeovers can be asserted to the microsecond. Routers can be
// members of a SyncGroupBinding, bound as the engine binds them.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "core/simulated_clock.h"
#include "vrrp/instance.h"
#include "vrrp/packet.h"
#include "vrrp/state_machine.h"
#include "vrrp/sync_group.h"

namespace vigil::vrrp::testing {

class FakeLan;

// One router: an Instance on the LAN and what it did, timestamped.
class Node final : public InstanceHooks {
 public:
  struct Transition {
    core::TimePoint at;
    State state;
  };
  struct Sent {
    core::TimePoint at;
    std::uint8_t priority;
  };

  Node(FakeLan& lan, InstanceParams params, std::vector<core::IpAddress> vips);

  void start() { instance_->start(); }
  // SIGKILL: the process is gone at once; no advert, no timer, the VIPs stay where they were.
  void kill();
  // A new process with the same configuration (optionally another priority) starting now.
  void restart(std::optional<std::uint8_t> priority = std::nullopt);
  void shutdown() { instance_->stop(); }  // SIGTERM
  // SIGHUP with new settings for this instance, as the engine applies them to a matched one:
  // the instance reconfigured in place, then the new priority from tracking (none here).
  void reload(InstanceParams params, std::vector<core::IpAddress> vips = {});
  void set_fault(bool fault) { instance_->set_fault(fault); }
  void set_priority(std::uint8_t p) { instance_->set_priority(p); }
  // Unplugged from the segment without noticing (no FAULT): neither sends nor receives.
  void set_connected(bool connected) { connected_ = connected; }
  // vrrp_sync_group membership, bound as the engine binds it.
  void join(SyncGroupBinding& group) { group_ = &group; }

  Instance& instance() { return *instance_; }
  bool alive() const { return alive_; }
  bool connected() const { return alive_ && connected_; }
  State state() const { return instance_ ? instance_->state() : State::kStop; }
  bool holds_vips() const { return holds_vips_; }
  const StateMachine& sm() const { return instance_->machine(); }
  const core::IpAddress& address() const { return params_.primary_address; }
  const std::vector<Transition>& transitions() const { return transitions_; }
  const std::vector<Sent>& sent() const { return sent_; }
  std::uint64_t dropped() const { return instance_ ? instance_->counters().dropped_total() : 0; }
  // When this node last entered `s`, if ever.
  std::optional<core::TimePoint> last_entered(State s) const {
    for (auto it = transitions_.rbegin(); it != transitions_.rend(); ++it) {
      if (it->state == s) return it->at;
    }
    return std::nullopt;
  }

  // Called by the LAN when a frame reaches this node.
  void receive(const std::vector<std::uint8_t>& bytes, const IpEnvelope& ip);
  // Frames received but held back (deferred reading), not yet seen by the instance.
  std::size_t held_back() const { return held_.size(); }
  std::size_t catch_ups() const { return catch_ups_; }

  // InstanceHooks
  void send_advert(const Advert& advert) override;
  void install_addresses() override { holds_vips_ = true; }
  void remove_addresses() override { holds_vips_ = false; }
  void start_announcements() override {}
  void stop_announcements() override {}
  void lower_priority_advert(const core::IpAddress&, std::uint8_t) override {}
  void state_changed(State from, State to) override;
  bool may_take_over() override { return !group_ || group_->may_take_over(params_.name); }
  void master_heard() override {
    if (group_) group_->master_heard(params_.name);
  }
  void catch_up() override;

 private:
  struct Held {
    std::vector<std::uint8_t> bytes;
    IpEnvelope ip;
    core::TimePoint arrived;
  };
  InstanceConfig instance_config() const;
  void deliver(const std::vector<std::uint8_t>& bytes, const IpEnvelope& ip,
               std::optional<core::TimePoint> arrived);

  FakeLan& lan_;
  InstanceParams params_;
  std::vector<core::IpAddress> vips_;
  // Emplaced in place on restart, so a SyncGroupBinding's pointer stays valid; empty while
  // killed.
  std::optional<Instance> instance_;
  SyncGroupBinding* group_ = nullptr;
  bool alive_ = true;
  bool connected_ = true;
  bool holds_vips_ = false;
  std::vector<Transition> transitions_;
  std::vector<Sent> sent_;
  std::vector<Held> held_;
  std::size_t catch_ups_ = 0;
};

// How routers read the segment. kImmediate: every frame reaches the instance when it arrives.
// kDeferred: as the daemon's RawSocket reads when every instance on it is a backup that has heard
// a master, such a router holds routine adverts back, stamped with their arrival, until its
// Master_Down_Timer is due (InstanceHooks::catch_up); a priority 0 advert is handed over at once,
// after those held.
enum class Reading { kImmediate, kDeferred };

class FakeLan {
 public:
  explicit FakeLan(core::SimulatedClock& clock, core::Duration latency = {},
                   Reading reading = Reading::kImmediate)
      : clock_(clock), latency_(latency), reading_(reading) {
    history_.push_back({clock.now(), 0});
  }
  Reading reading() const { return reading_; }

  // Routers are addressed 10.0.0.<n> (or fe80::<n> for IPv6) unless params say otherwise.
  Node& add(InstanceParams params, std::vector<core::IpAddress> vips = {}) {
    nodes_.push_back(std::make_unique<Node>(*this, std::move(params), std::move(vips)));
    return *nodes_.back();
  }

  core::SimulatedClock& clock() { return clock_; }
  core::TimePoint now() const { return clock_.now(); }
  void run_for(core::Duration d) { clock_.advance(d); }
  void run_until(core::TimePoint t) { clock_.run_until(t); }

  // Multicast: every other connected router receives the frame `latency` later (never
  // synchronously, so a state machine is never re-entered while its actions run).
  void transmit(const Node& from, std::vector<std::uint8_t> bytes, const IpEnvelope& ip) {
    std::erase_if(in_flight_, [](const auto& t) { return !t->armed(); });
    for (auto& node : nodes_) {
      if (node.get() == &from) continue;
      auto timer = clock_.make_timer();
      Node* to = node.get();
      timer->arm(latency_, [to, bytes, ip] {
        if (to->connected()) to->receive(bytes, ip);
      });
      in_flight_.push_back(std::move(timer));
    }
  }

  // Number of live routers in MASTER state now, and the largest number seen from `since` on.
  std::size_t masters() const { return history_.back().second; }
  std::size_t max_masters_since(core::TimePoint since) const {
    std::size_t max = 0;
    for (std::size_t i = 0; i < history_.size(); ++i) {
      const bool last = i + 1 == history_.size();
      // The count recorded at history_[i] holds until history_[i + 1].
      if (last || history_[i + 1].first > since) max = std::max(max, history_[i].second);
    }
    return max;
  }
  // Live routers holding the VIPs.
  std::size_t vip_holders() const {
    return std::count_if(nodes_.begin(), nodes_.end(),
                         [](const auto& n) { return n->alive() && n->holds_vips(); });
  }

  void note_change() {
    const auto count =
        static_cast<std::size_t>(std::count_if(nodes_.begin(), nodes_.end(), [](const auto& n) {
          return n->alive() && n->state() == State::kMaster;
        }));
    if (count != history_.back().second) history_.push_back({clock_.now(), count});
  }

 private:
  core::SimulatedClock& clock_;
  core::Duration latency_;
  Reading reading_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::list<std::unique_ptr<core::Timer>> in_flight_;
  std::vector<std::pair<core::TimePoint, std::size_t>> history_;
};

inline Node::Node(FakeLan& lan, InstanceParams params, std::vector<core::IpAddress> vips)
    : lan_(lan), params_(std::move(params)), vips_(std::move(vips)) {
  if (vips_.empty()) {
    // RFC 5798 5.2.5: an advert carries at least one address.
    vips_.push_back(params_.primary_address.is_v4() ? *core::parse_ip_address("192.0.2.100")
                                                    : *core::parse_ip_address("2001:db8::100"));
  }
  instance_.emplace(instance_config(), lan_.clock(), *this);
}

inline InstanceConfig Node::instance_config() const {
  InstanceConfig c;
  c.params = params_;
  c.receive.version = params_.version;
  c.receive.vrid = params_.vrid;
  c.receive.advert_interval = params_.advert_interval;
  c.receive.vips = vips_;
  return c;
}

inline void Node::reload(InstanceParams params, std::vector<core::IpAddress> vips) {
  params_ = std::move(params);
  if (!vips.empty()) vips_ = std::move(vips);
  instance_->reconfigure(instance_config());
  if (params_.priority != instance_->machine().effective_priority()) {
    instance_->set_priority(params_.priority);
  }
}

inline void Node::kill() {
  alive_ = false;
  held_.clear();
  instance_.reset();  // its timer with it
  lan_.note_change();
}

inline void Node::restart(std::optional<std::uint8_t> priority) {
  if (priority) params_.priority = *priority;
  instance_.reset();
  held_.clear();
  instance_.emplace(instance_config(), lan_.clock(), *this);
  alive_ = true;
  holds_vips_ = false;  // a new keepalived removes stale VIPs at start
  start();
}

inline void Node::state_changed(State, State to) {
  transitions_.push_back({lan_.now(), to});
  lan_.note_change();
  if (group_) group_->entered(params_.name, to);
}

inline void Node::send_advert(const Advert& advert) {
  sent_.push_back({lan_.now(), advert.priority});
  if (!connected()) return;
  const IpEnvelope ip{
      params_.primary_address,
      *core::parse_ip_address(params_.primary_address.is_v4() ? "224.0.0.18" : "ff02::12")};
  lan_.transmit(*this, encode(advert, ip), ip);
}

inline void Node::receive(const std::vector<std::uint8_t>& bytes, const IpEnvelope& ip) {
  if (!instance_) return;
  // Only this router's VRID reaches its instance, as the engine demultiplexes by VRID.
  if (bytes.size() > 1 && bytes[1] != params_.vrid) return;
  const bool priority_zero = bytes.size() > 2 && bytes[2] == 0;
  // As the engine: only a backup that has heard a master defers (until then it must learn the
  // master's interval at once); INIT and FAULT read at once and ignore the adverts.
  if (lan_.reading() == Reading::kDeferred && instance_->state() == State::kBackup &&
      instance_->machine().master_address() && !priority_zero) {
    held_.push_back({bytes, ip, lan_.now()});
    return;
  }
  catch_up();  // what was held back arrived first
  deliver(bytes, ip, lan_.now());
}

inline void Node::catch_up() {
  ++catch_ups_;
  std::vector<Held> held = std::move(held_);
  held_.clear();
  for (const auto& h : held) {
    if (instance_) deliver(h.bytes, h.ip, h.arrived);
  }
}

inline void Node::deliver(const std::vector<std::uint8_t>& bytes, const IpEnvelope& ip,
                          std::optional<core::TimePoint> arrived) {
  Datagram d;
  d.ip = ip;
  d.ttl = 255;
  d.message = bytes;
  d.received_at = arrived;
  instance_->receive(d);
}

}  // namespace vigil::vrrp::testing
