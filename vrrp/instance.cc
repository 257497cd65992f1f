#include "vrrp/instance.h"

#include <algorithm>
#include <chrono>
#include <numeric>
#include <type_traits>
#include <utility>
#include <variant>

#include <spdlog/spdlog.h>

#include "core/logging.h"

namespace vigil::vrrp {
namespace {

spdlog::logger& log() {
  static const std::shared_ptr<spdlog::logger> logger = core::logger("vrrp");
  return *logger;
}

// The advert's interval field: whole seconds in v2 (RFC 3768 5.3.7), centiseconds in v3
// (RFC 5798 5.2.7, 12 bits).
std::uint16_t interval_field(Version version, Micros interval) {
  if (version == Version::kV2) {
    return static_cast<std::uint16_t>(
        std::chrono::duration_cast<std::chrono::seconds>(interval).count());
  }
  return static_cast<std::uint16_t>(std::min<std::int64_t>(interval.count() / 10'000, 0x0fff));
}

}  // namespace

std::uint64_t InstanceCounters::dropped_total() const {
  return std::accumulate(dropped.begin(), dropped.end(), std::uint64_t{0});
}

Instance::Instance(InstanceConfig config, core::Clock& clock, InstanceHooks& hooks)
    : config_(std::move(config)),
      clock_(clock),
      hooks_(hooks),
      machine_(config_.params),
      timer_(clock.make_timer()),
      state_since_(clock.now()) {}

void Instance::start() { dispatch(event::Startup{}); }

void Instance::stop() {
  dispatch(event::Shutdown{});
  timer_->cancel();
}

void Instance::set_fault(bool fault) {
  if (fault) {
    dispatch(event::FaultDetected{});
  } else {
    dispatch(event::FaultCleared{});
  }
}

void Instance::set_priority(std::uint8_t priority) { dispatch(event::PriorityChanged{priority}); }

void Instance::sync_master() { dispatch(event::SyncMaster{}); }

void Instance::sync_backup() { dispatch(event::SyncBackup{}); }

void Instance::reconfigure(InstanceConfig config) {
  config_ = std::move(config);
  dispatch(event::Reconfigure{config_.params});
}

void Instance::on_master_down_timer() {
  // Adverts that arrived in time but were held back by the transport restart the timer.
  hooks_.catch_up();
  if (timer_->armed()) return;
  if (machine_.state() == State::kBackup && !hooks_.may_take_over()) {
    log().debug("({}) stays BACKUP until every member of its sync group is ready", name());
    dispatch(event::SyncHold{});
    return;
  }
  dispatch(event::MasterDownTimerExpired{});
}

void Instance::receive(const Datagram& datagram) {
  ++counters_.packets_received;
  if (datagram.ip.source == config_.params.primary_address) {
    // Our own advert (multicast loopback on a shared segment, or a unicast peer list naming us).
    ++counters_.dropped[static_cast<std::size_t>(DropReason::kOwnAdvert)];
    return;
  }
  // keepalived skip_check_adv_addr: adverts from the master we already follow skip the address
  // list check.
  const bool known_master = machine_.master_address() == datagram.ip.source;
  const bool check_addresses = !(config_.skip_check_adv_addr && known_master);
  auto checked = check_advert(config_.receive, datagram, check_addresses);
  if (const auto* reason = std::get_if<DropReason>(&checked)) {
    ++counters_.dropped[static_cast<std::size_t>(*reason)];
    log().debug("({}) dropped advert from {}: {}", name(), datagram.ip.source.to_string(),
                drop_reason_name(*reason));
    return;
  }
  // Deferred reading may hand an advert over after a state change: one that arrived while the
  // instance was in INIT or FAULT, which ignore adverts, is ignored as it would have been then.
  if (datagram.received_at && *datagram.received_at < state_since_ &&
      (entered_from_ == State::kInit || entered_from_ == State::kFault)) {
    return;
  }
  const Advert& advert = std::get<Advert>(checked);
  ReceivedAdvert received{datagram.ip.source, advert.priority,
                          advert.version == Version::kV3 ? from_centiseconds(advert.interval)
                                                         : config_.params.advert_interval};
  const State before = machine_.state();
  const auto discarded = machine_.stats().lower_priority_discarded;
  const core::TimePoint now = clock_.now();
  core::TimePoint at = now;
  if (datagram.received_at) {
    const Micros adver = machine_.master_adver_interval();
    const Micros trusted = std::max(adver, machine_.master_down_interval() - adver);
    at = std::clamp(*datagram.received_at, now - trusted, now);
  }
  dispatch(event::AdvertReceived{received}, at);
  // A BACKUP that accepted the advert (neither a lower priority one it discards nor a master's
  // priority 0 farewell) follows a live master again.
  if (before == State::kBackup && machine_.state() == State::kBackup &&
      advert.priority != kPriorityStop && machine_.stats().lower_priority_discarded == discarded) {
    hooks_.master_heard();
  }
}

void Instance::count_drop(DropReason reason) {
  ++counters_.packets_received;
  ++counters_.dropped[static_cast<std::size_t>(reason)];
}

void Instance::dispatch(const Event& event) { dispatch(event, clock_.now()); }

void Instance::dispatch(const Event& event, core::TimePoint at) {
  // Hooks never call back synchronously into the instance; a re-entrant call would mean a hook
  // broke that rule, so it is refused rather than run against a half-applied action list.
  if (dispatching_) {
    log().error("({}) re-entrant VRRP event ignored", name());
    return;
  }
  dispatching_ = true;
  event_at_ = at;
  for (const Action& action : machine_.handle(event, at)) perform(action);
  dispatching_ = false;
}

core::Duration Instance::remaining(Micros after) const {
  return std::max(core::Duration::zero(), event_at_ + after - clock_.now());
}

void Instance::perform(const Action& action) {
  std::visit(
      [&](const auto& a) {
        using T = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<T, action::SendAdvert>) {
          send(a.priority);
        } else if constexpr (std::is_same_v<T, action::ArmAdverTimer>) {
          timer_->arm(remaining(a.after), [this] { dispatch(event::AdverTimerExpired{}); });
        } else if constexpr (std::is_same_v<T, action::ArmMasterDownTimer>) {
          timer_->arm(remaining(a.after), [this] { on_master_down_timer(); });
        } else if constexpr (std::is_same_v<T, action::CancelTimers>) {
          timer_->cancel();
        } else if constexpr (std::is_same_v<T, action::AddVips>) {
          hooks_.install_addresses();
        } else if constexpr (std::is_same_v<T, action::RemoveVips>) {
          hooks_.stop_announcements();
          hooks_.remove_addresses();
        } else if constexpr (std::is_same_v<T, action::SendGratuitous>) {
          hooks_.start_announcements();
        } else if constexpr (std::is_same_v<T, action::MasterRxLowerPriority>) {
          hooks_.lower_priority_advert(a.from, a.priority);
        } else if constexpr (std::is_same_v<T, action::Notify>) {
          if (a.state == State::kStop) {
            log().info("({}) Stopping", name());
          } else {
            log().info("({}) Entering {} STATE", name(), state_name(a.state));
          }
          ++counters_.transitions;
          state_since_ = clock_.now();
          hooks_.state_changed(previous_state_, a.state);
          entered_from_ = previous_state_;
          previous_state_ = a.state;
        }
      },
      action);
}

void Instance::send(std::uint8_t priority) {
  const ReceiveExpectations& r = config_.receive;
  Advert advert;
  advert.version = config_.params.version;
  advert.vrid = config_.params.vrid;
  advert.priority = priority;
  advert.interval = interval_field(advert.version, config_.params.advert_interval);
  if (advert.version == Version::kV2) {
    advert.auth_type = r.auth_type;
    if (r.auth_type == AuthType::kSimpleText) advert.auth_data = r.auth_data;
  }
  advert.addresses = r.vips;
  ++counters_.adverts_sent;
  hooks_.send_advert(advert);
}

}  // namespace vigil::vrrp
