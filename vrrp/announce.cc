#include "vrrp/announce.h"

#include <algorithm>
#include <deque>

#include "core/logging.h"
#include "parser/config/global.h"
#include "parser/config/vrrp_instance.h"

namespace vigil::vrrp {
namespace {

std::shared_ptr<spdlog::logger> log() {
  static const auto logger = core::logger("vrrp");
  return logger;
}

}  // namespace

AnnounceSettings announce_settings(const config::VrrpInstance& instance,
                                   const config::GlobalDefs& global) {
  AnnounceSettings s;
  s.repeat = instance.garp_master_repeat.value_or(global.vrrp_garp_master_repeat);
  s.delay = instance.garp_master_delay.value_or(global.vrrp_garp_master_delay);
  s.refresh = instance.garp_master_refresh.value_or(global.vrrp_garp_master_refresh);
  s.refresh_repeat =
      instance.garp_master_refresh_repeat.value_or(global.vrrp_garp_master_refresh_repeat);
  s.lower_prio_repeat = instance.garp_lower_prio_repeat.value_or(
      global.vrrp_garp_lower_prio_repeat.value_or(s.repeat));
  s.lower_prio_delay = instance.garp_lower_prio_delay.value_or(
      global.vrrp_garp_lower_prio_delay.value_or(global.vrrp_garp_master_delay));
  s.extra_if = instance.garp_extra_if.value_or(global.vrrp_garp_extra_if);
  return s;
}

// ---- AnnouncePacer ----

struct AnnouncePacer::Entry {
  Announcer* owner = nullptr;
  int ifindex = 0;
  std::vector<std::uint8_t> frame;
};

struct AnnouncePacer::Lane {
  Kind kind = Kind::kArp;
  core::Duration interval{0};
  core::TimePoint next_allowed{};  // earliest time of the next frame on this lane
  std::deque<Entry> queue;
  std::unique_ptr<core::Timer> timer;
};

AnnouncePacer::AnnouncePacer(core::Clock& clock, FrameSender& sender, PacingIntervals defaults)
    : clock_(clock), sender_(sender), defaults_(defaults) {}

AnnouncePacer::~AnnouncePacer() = default;

void AnnouncePacer::set_intervals(int ifindex, PacingIntervals intervals, int group) {
  per_interface_[ifindex] = {intervals, group};
}

std::size_t AnnouncePacer::queued() const {
  std::size_t n = 0;
  for (const auto& [key, lane] : lanes_) n += lane->queue.size();
  return n;
}

core::Duration AnnouncePacer::interval_for(int ifindex, Kind kind) const {
  auto it = per_interface_.find(ifindex);
  const PacingIntervals& p = it != per_interface_.end() ? it->second.first : defaults_;
  return kind == Kind::kArp ? p.garp : p.gna;
}

AnnouncePacer::Lane& AnnouncePacer::lane_for(int ifindex, Kind kind) {
  auto it = per_interface_.find(ifindex);
  const int group = it != per_interface_.end() ? it->second.second : 0;
  const LaneKey key{group != 0 ? -group : ifindex, kind};
  auto& lane = lanes_[key];
  if (!lane) {
    lane = std::make_unique<Lane>();
    lane->kind = kind;
    lane->timer = clock_.make_timer();
  }
  lane->interval = interval_for(ifindex, kind);
  return *lane;
}

void AnnouncePacer::submit(Announcer* owner, int ifindex, Kind kind,
                           std::span<const std::uint8_t> frame) {
  Lane& lane = lane_for(ifindex, kind);
  const core::TimePoint now = clock_.now();
  if (lane.interval <= core::Duration::zero() || (lane.queue.empty() && now >= lane.next_allowed)) {
    transmit(owner, ifindex, kind, frame);
    if (lane.interval > core::Duration::zero()) lane.next_allowed = now + lane.interval;
    return;
  }
  lane.queue.push_back(
      Entry{owner, ifindex, std::vector<std::uint8_t>(frame.begin(), frame.end())});
  if (!lane.timer->armed()) {
    const auto wait = lane.next_allowed > now ? lane.next_allowed - now : core::Duration::zero();
    lane.timer->arm(wait, [this, &lane] { drain(lane); });
  }
}

void AnnouncePacer::drain(Lane& lane) {
  if (lane.queue.empty()) return;
  Entry entry = std::move(lane.queue.front());
  lane.queue.pop_front();
  transmit(entry.owner, entry.ifindex, lane.kind, entry.frame);
  lane.next_allowed = clock_.now() + lane.interval;
  if (!lane.queue.empty()) lane.timer->arm(lane.interval, [this, &lane] { drain(lane); });
}

void AnnouncePacer::transmit(Announcer* owner, int ifindex, Kind kind,
                             std::span<const std::uint8_t> frame) {
  const std::error_code result = sender_.send(ifindex, frame);
  if (result) {
    ++stats_.send_errors;
  } else if (kind == Kind::kArp) {
    ++stats_.arp_sent;
  } else {
    ++stats_.na_sent;
  }
  if (owner != nullptr) owner->record(kind, result);
}

std::size_t AnnouncePacer::cancel(Announcer* owner) {
  std::size_t removed = 0;
  for (auto& [key, lane] : lanes_) {
    auto& q = lane->queue;
    for (auto it = q.begin(); it != q.end();) {
      if (it->owner == owner) {
        it = q.erase(it);
        ++removed;
      } else {
        ++it;
      }
    }
    if (q.empty()) lane->timer->cancel();
  }
  stats_.dropped += removed;
  return removed;
}

// ---- Announcer ----

Announcer::Announcer(core::Clock& clock, AnnouncePacer& pacer, AnnounceSettings settings,
                     std::string instance_name)
    : pacer_(pacer),
      settings_(settings),
      name_(std::move(instance_name)),
      second_burst_(clock.make_timer()),
      refresh_(clock.make_timer()),
      lower_prio_(clock.make_timer()),
      extra_if_(clock.make_timer()) {}

Announcer::~Announcer() { stop(); }

std::vector<Announcer::Frame> Announcer::frames_for(const std::vector<AnnounceTarget>& targets) {
  std::vector<Frame> frames;
  frames.reserve(targets.size());
  for (const AnnounceTarget& t : targets) {
    Frame f;
    f.ifindex = t.ifindex;
    f.extra_if = t.extra_if;
    if (t.address.is_v4()) {
      const auto bytes = build_gratuitous_arp(t.address.to_v4(), t.mac);
      f.kind = AnnouncePacer::Kind::kArp;
      f.bytes.assign(bytes.begin(), bytes.end());
    } else {
      const auto bytes = build_unsolicited_na(t.address.to_v6(), t.mac, t.ipv6_router);
      f.kind = AnnouncePacer::Kind::kNa;
      f.bytes.assign(bytes.begin(), bytes.end());
    }
    frames.push_back(std::move(f));
  }
  return frames;
}

void Announcer::start(const std::vector<AnnounceTarget>& targets) {
  stop();
  frames_ = frames_for(targets);
  active_ = true;
  log()->debug("({}) Sending/queueing gratuitous ARPs and unsolicited NAs for {} address(es)",
               name_, frames_.size());
  burst(settings_.repeat);
  // keepalived vrrp_state_master_tx: the second set garp_master_delay after the transition.
  if (settings_.delay > core::Duration::zero()) {
    second_burst_->arm(settings_.delay, [this] { burst(settings_.repeat); });
  }
  arm_refresh();
  arm_extra_if();
}

void Announcer::arm_extra_if() {
  if (settings_.extra_if <= core::Duration::zero()) return;
  if (std::none_of(frames_.begin(), frames_.end(), [](const Frame& f) { return f.extra_if; })) {
    return;
  }
  extra_if_->arm(settings_.extra_if, [this] {
    if (!active_) return;
    for (const Frame& f : frames_) {
      if (!f.extra_if) continue;
      pacer_.submit(this, f.ifindex, f.kind, f.bytes);
      if (!active_) return;
    }
    arm_extra_if();
  });
}

void Announcer::set_settings(const AnnounceSettings& settings) {
  const bool refresh_changed = settings.refresh != settings_.refresh;
  const bool extra_if_changed = settings.extra_if != settings_.extra_if;
  settings_ = settings;
  if (!active_) return;
  if (refresh_changed) {
    refresh_->cancel();
    arm_refresh();
  }
  if (extra_if_changed) {
    extra_if_->cancel();
    arm_extra_if();
  }
}

void Announcer::update_targets(const std::vector<AnnounceTarget>& targets,
                               const std::vector<AnnounceTarget>& added) {
  if (!active_) return;
  frames_ = frames_for(targets);
  if (!extra_if_->armed()) arm_extra_if();  // the first address on an extra interface
  if (added.empty()) return;
  log()->debug("({}) Sending/queueing gratuitous ARPs and unsolicited NAs for {} new address(es)",
               name_, added.size());
  ++stats_.bursts;
  send_rounds(frames_for(added), settings_.repeat);
}

void Announcer::arm_refresh() {
  if (settings_.refresh <= core::Duration::zero()) return;
  refresh_->arm(settings_.refresh, [this] {
    burst(settings_.refresh_repeat);
    arm_refresh();
  });
}

void Announcer::lower_priority_advert() {
  if (!active_ || settings_.lower_prio_repeat == 0) return;
  burst(settings_.lower_prio_repeat);
  if (settings_.lower_prio_delay > core::Duration::zero()) {
    lower_prio_->arm(settings_.lower_prio_delay, [this] { burst(settings_.lower_prio_repeat); });
  }
}

void Announcer::stop() {
  active_ = false;
  second_burst_->cancel();
  refresh_->cancel();
  lower_prio_->cancel();
  extra_if_->cancel();
  stats_.dropped += pacer_.cancel(this);
}

void Announcer::burst(std::uint32_t rounds) {
  if (!active_ || frames_.empty() || rounds == 0) return;
  ++stats_.bursts;
  send_rounds(frames_, rounds);
}

void Announcer::send_rounds(const std::vector<Frame>& frames, std::uint32_t rounds) {
  for (std::uint32_t r = 0; r < rounds; ++r) {
    for (const Frame& f : frames) {
      pacer_.submit(this, f.ifindex, f.kind, f.bytes);
      // A sender fake (or a future sender) may stop us from inside the call.
      if (!active_) return;
    }
  }
}

void Announcer::record(AnnouncePacer::Kind kind, const std::error_code& result) {
  if (result) {
    // Counted every time; logged at debug so a missing interface cannot flood the log.
    ++stats_.send_errors;
    log()->debug("({}) Error sending {}: {}", name_,
                 kind == AnnouncePacer::Kind::kArp ? "gratuitous ARP" : "unsolicited NA",
                 result.message());
  } else if (kind == AnnouncePacer::Kind::kArp) {
    ++stats_.arp_sent;
  } else {
    ++stats_.na_sent;
  }
}

}  // namespace vigil::vrrp
