#pragma once

// A simulated LAN for VRRP tests, in the spirit of Open/R's MockIoProvider: several routers, each
// a StateMachine bound to a core::Timer of one SimulatedClock, exchange real encoded adverts over
// an in-process multicast segment with a fixed latency. Time only moves when the test advances
// the clock, and every timer fires at its exact instant, so takeovers can be asserted to the
// microsecond. Test-only: the daemon's instance binds the state machine to sockets instead.

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
#include "vrrp/packet.h"
#include "vrrp/state_machine.h"

namespace vigil::vrrp::testing {

class FakeLan;

// One router: a state machine, its VRRP timer and what it did, timestamped.
class Node {
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

  void start() { dispatch(event::Startup{}); }
  // SIGKILL: the process is gone at once; no advert, no timer, the VIPs stay where they were.
  void kill();
  // A new process with the same configuration (optionally another priority) starting now.
  void restart(std::optional<std::uint8_t> priority = std::nullopt);
  void shutdown() { dispatch(event::Shutdown{}); }  // SIGTERM
  void set_fault(bool fault) {
    fault ? dispatch(event::FaultDetected{}) : dispatch(event::FaultCleared{});
  }
  void set_priority(std::uint8_t p) { dispatch(event::PriorityChanged{p}); }
  // Unplugged from the segment without noticing (no FAULT): neither sends nor receives.
  void set_connected(bool connected) { connected_ = connected; }

  bool alive() const { return alive_; }
  bool connected() const { return alive_ && connected_; }
  State state() const { return sm_->state(); }
  bool holds_vips() const { return holds_vips_; }
  const StateMachine& sm() const { return *sm_; }
  const core::IpAddress& address() const { return params_.primary_address; }
  const std::vector<Transition>& transitions() const { return transitions_; }
  const std::vector<Sent>& sent() const { return sent_; }
  std::size_t dropped() const { return dropped_; }
  // When this node last entered `s`, if ever.
  std::optional<core::TimePoint> last_entered(State s) const {
    for (auto it = transitions_.rbegin(); it != transitions_.rend(); ++it) {
      if (it->state == s) return it->at;
    }
    return std::nullopt;
  }

  // Called by the LAN when a frame reaches this node.
  void receive(const std::vector<std::uint8_t>& bytes, const IpEnvelope& ip);

 private:
  void dispatch(const Event& e);
  void perform(const Action& a);
  void send(std::uint8_t priority);

  FakeLan& lan_;
  InstanceParams params_;
  std::vector<core::IpAddress> vips_;
  std::unique_ptr<StateMachine> sm_;
  std::unique_ptr<core::Timer> timer_;
  bool alive_ = true;
  bool connected_ = true;
  bool holds_vips_ = false;
  std::vector<Transition> transitions_;
  std::vector<Sent> sent_;
  std::size_t dropped_ = 0;
};

class FakeLan {
 public:
  explicit FakeLan(core::SimulatedClock& clock, core::Duration latency = {})
      : clock_(clock), latency_(latency) {
    history_.push_back({clock.now(), 0});
  }

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
  std::vector<std::unique_ptr<Node>> nodes_;
  std::list<std::unique_ptr<core::Timer>> in_flight_;
  std::vector<std::pair<core::TimePoint, std::size_t>> history_;
};

inline Node::Node(FakeLan& lan, InstanceParams params, std::vector<core::IpAddress> vips)
    : lan_(lan),
      params_(std::move(params)),
      vips_(std::move(vips)),
      sm_(std::make_unique<StateMachine>(params_)),
      timer_(lan.clock().make_timer()) {
  if (vips_.empty()) {
    // RFC 5798 5.2.5: an advert carries at least one address.
    vips_.push_back(params_.primary_address.is_v4() ? *core::parse_ip_address("192.0.2.100")
                                                    : *core::parse_ip_address("2001:db8::100"));
  }
}

inline void Node::kill() {
  alive_ = false;
  timer_->cancel();
  lan_.note_change();
}

inline void Node::restart(std::optional<std::uint8_t> priority) {
  if (priority) params_.priority = *priority;
  timer_->cancel();
  sm_ = std::make_unique<StateMachine>(params_);
  alive_ = true;
  holds_vips_ = false;  // a new keepalived removes stale VIPs at start
  start();
}

inline void Node::dispatch(const Event& e) {
  if (!alive_) return;
  for (const Action& a : sm_->handle(e, lan_.now())) perform(a);
  lan_.note_change();
}

inline void Node::perform(const Action& a) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, action::SendAdvert>) {
          send(x.priority);
        } else if constexpr (std::is_same_v<T, action::ArmAdverTimer>) {
          timer_->arm(x.after, [this] { dispatch(event::AdverTimerExpired{}); });
        } else if constexpr (std::is_same_v<T, action::ArmMasterDownTimer>) {
          timer_->arm(x.after, [this] { dispatch(event::MasterDownTimerExpired{}); });
        } else if constexpr (std::is_same_v<T, action::CancelTimers>) {
          timer_->cancel();
        } else if constexpr (std::is_same_v<T, action::AddVips>) {
          holds_vips_ = true;
        } else if constexpr (std::is_same_v<T, action::RemoveVips>) {
          holds_vips_ = false;
        } else if constexpr (std::is_same_v<T, action::Notify>) {
          transitions_.push_back({lan_.now(), x.state});
        }
      },
      a);
}

inline void Node::send(std::uint8_t priority) {
  sent_.push_back({lan_.now(), priority});
  if (!connected()) return;
  Advert advert;
  advert.version = params_.version;
  advert.vrid = params_.vrid;
  advert.priority = priority;
  advert.interval =
      params_.version == Version::kV2
          ? static_cast<std::uint16_t>(
                std::chrono::duration_cast<std::chrono::seconds>(params_.advert_interval).count())
          : static_cast<std::uint16_t>(params_.advert_interval.count() / 10'000);
  advert.addresses = vips_;
  const IpEnvelope ip{
      params_.primary_address,
      *core::parse_ip_address(params_.primary_address.is_v4() ? "224.0.0.18" : "ff02::12")};
  lan_.transmit(*this, encode(advert, ip), ip);
}

// The receive checks the instance will make before the state machine sees an advert (RFC 5798
// 7.1): it decodes, belongs to our VRID and version, and for v2 carries our interval.
inline void Node::receive(const std::vector<std::uint8_t>& bytes, const IpEnvelope& ip) {
  const DecodeResult r = decode(bytes, ip);
  if (!r.advert) {
    ++dropped_;
    return;
  }
  const Advert& a = *r.advert;
  if (a.vrid != params_.vrid) return;  // another virtual router on the segment
  Micros interval = params_.version == Version::kV2 ? Micros(std::chrono::seconds(a.interval))
                                                    : from_centiseconds(a.interval);
  if (a.version != params_.version ||
      (params_.version == Version::kV2 && interval != params_.advert_interval)) {
    ++dropped_;
    return;
  }
  dispatch(event::AdvertReceived{ReceivedAdvert{ip.source, a.priority, interval}});
}

}  // namespace vigil::vrrp::testing
