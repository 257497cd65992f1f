#include "vrrp/tracking.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>

namespace vigil::vrrp {

std::string_view script_status_name(ScriptStatus s) {
  switch (s) {
    case ScriptStatus::kInit:
      return "INIT";
    case ScriptStatus::kUp:
      return "GOOD";
    case ScriptStatus::kDown:
      return "BAD";
  }
  return "?";
}

// keepalived vrrp_init_script: without init_fail result = rise - 1 ("one success is enough"),
// with it result = 0 ("assume failed by config").
ScriptResultCounter::ScriptResultCounter(unsigned rise, unsigned fall, bool init_fail)
    : rise_(std::max(rise, 1u)),
      fall_(std::max(fall, 1u)),
      result_(init_fail ? 0 : rise_ - 1),
      status_(init_fail ? ScriptStatus::kDown : ScriptStatus::kInit) {}

std::optional<ScriptStatus> ScriptResultCounter::record(bool success) {
  // keepalived vrrp_script_child_thread. `result` counts towards rise below `rise` and holds
  // the remaining failures above it; the transitions happen at the edges.
  const ScriptStatus before = status_;
  const unsigned top = rise_ + fall_ - 1;
  if (success) {
    if (result_ < rise_ - 1) {
      ++result_;
    } else if (result_ != top) {
      if (result_ < rise_) status_ = ScriptStatus::kUp;
      result_ = top;
    }
  } else {
    if (result_ > rise_) {
      --result_;
    } else {
      if (result_ == rise_ || initial_) status_ = ScriptStatus::kDown;
      result_ = 0;
    }
  }
  initial_ = false;
  if (status_ == before) return std::nullopt;
  return status_;
}

void ScriptResultCounter::carry_over(ScriptStatus status) {
  if (status == ScriptStatus::kInit) return;
  status_ = status;
  result_ = status == ScriptStatus::kUp ? rise_ + fall_ - 1 : 0;
  initial_ = false;
}

int weighted_contribution(bool up, TrackWeight w) {
  // keepalived initialise_*_tracking_priorities / process_if_status_change: a positive weight
  // counts while up, a negative one while down; reverse flips the sign of what is added.
  const int multiplier = w.reverse ? -1 : 1;
  if (w.weight > 0 && up) return w.weight * multiplier;
  if (w.weight < 0 && !up) return w.weight * multiplier;
  return 0;
}

std::optional<int> track_file_status(long value, TrackWeight w) {
  // keepalived update_track_file_status: weight 0 makes a non-zero value a failure (reverse: a
  // zero value); otherwise value * weight * multiplier, clamped, where -254 means FAULT.
  if (w.weight == 0) {
    const bool failed = (value != 0) == !w.reverse;
    if (failed) return std::nullopt;
    return 0;
  }
  long status = value * w.weight * (w.reverse ? -1 : 1);
  status = std::clamp(status, -254L, 253L);
  if (status == -254) return std::nullopt;
  return static_cast<int>(status);
}

Tracker::Tracker(std::uint8_t base_priority) : base_(base_priority) {}

void Tracker::track_script(const std::string& name, TrackWeight w) {
  scripts_.push_back({name, w, ScriptStatus::kInit});
}

void Tracker::track_interface(const std::string& name, TrackWeight w) {
  interfaces_.push_back({name, w, true});
}

void Tracker::track_file(const std::string& name, TrackWeight w) { files_.push_back({name, w, 0}); }

void Tracker::forget_script(std::string_view name) {
  std::erase_if(scripts_, [&](const auto& s) { return s.name == name; });
}

bool Tracker::script_status(std::string_view name, ScriptStatus status) {
  const Verdict before = verdict();
  for (auto& s : scripts_) {
    if (s.name == name) s.status = status;
  }
  return verdict() != before;
}

bool Tracker::interface_state(std::string_view name, bool up) {
  const Verdict before = verdict();
  for (auto& i : interfaces_) {
    if (i.name == name) i.up = up;
  }
  return verdict() != before;
}

bool Tracker::file_value(std::string_view name, long value) {
  const Verdict before = verdict();
  for (auto& f : files_) {
    // value * weight saturates at the priority range anyway; clamping first keeps it small.
    if (f.name == name) f.value = std::clamp(value, -254L, 254L);
  }
  return verdict() != before;
}

Tracker::Verdict Tracker::verdict() const {
  Verdict v;
  int total = base_;
  for (const auto& s : scripts_) {
    if (s.status == ScriptStatus::kInit) {
      // keepalived num_script_init: a weight-0 script that never ran holds the instance back;
      // a weighted one contributes nothing yet.
      if (s.w.weight == 0) v.pending = true;
      continue;
    }
    const bool up = s.status == ScriptStatus::kUp;
    if (s.w.weight == 0) {
      if (up == s.w.reverse) v.fault = true;
    } else {
      total += weighted_contribution(up, s.w);
    }
  }
  for (const auto& i : interfaces_) {
    if (i.w.weight == 0) {
      if (i.up == i.w.reverse) v.fault = true;
    } else {
      total += weighted_contribution(i.up, i.w);
    }
  }
  for (const auto& f : files_) {
    auto status = track_file_status(f.value, f.w);
    if (!status) {
      v.fault = true;
    } else {
      total += *status;
    }
  }
  v.total = total;
  // keepalived vrrp_set_effective_priority: the address owner never changes priority.
  if (base_ == 255) {
    v.priority = 255;
  } else {
    v.priority = static_cast<std::uint8_t>(std::clamp(total, 1, 254));
  }
  return v;
}

std::vector<std::string> Tracker::fault_reasons() const {
  std::vector<std::string> out;
  for (const TrackedObject& o : objects()) {
    if (o.fault) out.push_back(std::string(tracked_kind_name(o.kind)) + " " + o.name);
  }
  return out;
}

std::string_view tracked_kind_name(TrackedObject::Kind k) {
  switch (k) {
    case TrackedObject::Kind::kScript:
      return "script";
    case TrackedObject::Kind::kInterface:
      return "interface";
    case TrackedObject::Kind::kFile:
      return "file";
  }
  return "?";
}

std::vector<TrackedObject> Tracker::objects() const {
  using Kind = TrackedObject::Kind;
  std::vector<TrackedObject> out;
  out.reserve(scripts_.size() + interfaces_.size() + files_.size());
  for (const auto& s : scripts_) {
    TrackedObject o{.kind = Kind::kScript,
                    .name = s.name,
                    .weight = s.w,
                    .state = std::string(script_status_name(s.status))};
    if (s.status != ScriptStatus::kInit) {
      const bool up = s.status == ScriptStatus::kUp;
      o.fault = s.w.weight == 0 && up == s.w.reverse;
      o.contribution = weighted_contribution(up, s.w);
    }
    out.push_back(std::move(o));
  }
  for (const auto& i : interfaces_) {
    TrackedObject o{
        .kind = Kind::kInterface, .name = i.name, .weight = i.w, .state = i.up ? "UP" : "DOWN"};
    o.fault = i.w.weight == 0 && i.up == i.w.reverse;
    o.contribution = weighted_contribution(i.up, i.w);
    out.push_back(std::move(o));
  }
  for (const auto& f : files_) {
    TrackedObject o{
        .kind = Kind::kFile, .name = f.name, .weight = f.w, .state = std::to_string(f.value)};
    const auto status = track_file_status(f.value, f.w);
    o.fault = !status;
    o.contribution = status.value_or(0);
    out.push_back(std::move(o));
  }
  return out;
}

bool Tracker::tracks_script(std::string_view name) const {
  return std::any_of(scripts_.begin(), scripts_.end(),
                     [&](const auto& s) { return s.name == name; });
}

bool Tracker::tracks_interface(std::string_view name) const {
  return std::any_of(interfaces_.begin(), interfaces_.end(),
                     [&](const auto& i) { return i.name == name; });
}

bool Tracker::tracks_file(std::string_view name) const {
  return std::any_of(files_.begin(), files_.end(), [&](const auto& f) { return f.name == name; });
}

}  // namespace vigil::vrrp
