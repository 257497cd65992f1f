#include "vrrp/script_scheduler.h"

#include <utility>

#include "core/logging.h"

namespace vigil::vrrp {

struct ScriptScheduler::Entry {
  Entry(TrackScriptSpec s) : spec(std::move(s)), counter(spec.rise, spec.fall, spec.init_fail) {}
  TrackScriptSpec spec;
  ScriptResultCounter counter;
  std::unique_ptr<core::Timer> timer;
  bool running = false;
  // Results of runs started before stop() or a replacement carry an older generation.
  std::uint64_t generation = 0;
  TrackScriptStats stats;
};

std::optional<TrackScriptSpec> make_track_script_spec(const config::VrrpScript& script,
                                                      const core::ScriptDefaults& defaults,
                                                      std::string* error) {
  auto command = core::make_script_command(script.script.command, script.script.user,
                                           script.script.group, defaults, error);
  if (!command) return std::nullopt;
  TrackScriptSpec spec;
  spec.name = script.name;
  spec.command = std::move(*command);
  spec.interval = script.interval;
  // keepalived vrrp_script_thread: a script without timeout gets its interval.
  spec.timeout = script.timeout.value_or(script.interval);
  spec.rise = script.rise;
  spec.fall = script.fall;
  spec.init_fail = script.init_fail;
  return spec;
}

ScriptScheduler::ScriptScheduler(core::ProcessLauncher& launcher, core::Clock& clock,
                                 Listener listener)
    : launcher_(launcher),
      clock_(clock),
      listener_(std::move(listener)),
      alive_(std::make_shared<bool>(true)) {}

ScriptScheduler::~ScriptScheduler() { *alive_ = false; }

void ScriptScheduler::add(TrackScriptSpec spec) {
  std::string name = spec.name;
  auto entry = std::make_unique<Entry>(std::move(spec));
  // Unique across names and replacements, so a late result never reaches a newer entry.
  entry->generation = ++generations_;
  entry->timer = clock_.make_timer();
  Entry& e = *entry;
  entries_[name] = std::move(entry);
  if (started_) run(e);
}

void ScriptScheduler::update(TrackScriptSpec spec) {
  auto it = entries_.find(spec.name);
  if (it == entries_.end()) {
    add(std::move(spec));
    return;
  }
  Entry& e = *it->second;
  const ScriptStatus status = e.counter.status();
  e.counter = ScriptResultCounter(spec.rise, spec.fall, spec.init_fail);
  e.counter.carry_over(status);
  if (status != ScriptStatus::kInit) {
    core::logger("vrrp")->info("VRRP_Script({}) considered {} on reload", spec.name,
                               status == ScriptStatus::kUp ? "successful" : "failed");
  }
  e.spec = std::move(spec);
}

void ScriptScheduler::remove(std::string_view name) {
  auto it = entries_.find(name);
  if (it == entries_.end()) return;
  it->second->timer->cancel();
  entries_.erase(it);
}

std::vector<std::string> ScriptScheduler::names() const {
  std::vector<std::string> out;
  for (const auto& [name, e] : entries_) out.push_back(name);
  return out;
}

void ScriptScheduler::start() {
  if (started_) return;
  started_ = true;
  // An init_fail script is down before it ever ran: trackers learn that first.
  for (auto& [name, e] : entries_) {
    if (e->counter.status() != ScriptStatus::kInit && listener_) {
      listener_(name, e->counter.status());
    }
  }
  // keepalived vrrp_init_script: every script runs at once (thread_add_event), then every
  // interval.
  for (auto& [name, e] : entries_) run(*e);
}

void ScriptScheduler::stop() {
  started_ = false;
  for (auto& [name, e] : entries_) {
    e->timer->cancel();
    e->generation = ++generations_;
    e->running = false;
  }
}

void ScriptScheduler::run(Entry& e) {
  // The next run is scheduled from this one's start, whatever this one does (keepalived
  // registers the next timer first).
  const std::string name = e.spec.name;
  e.timer->arm(e.spec.interval, [this, name] {
    auto it = entries_.find(name);
    if (it != entries_.end() && started_) run(*it->second);
  });
  if (e.running) {
    // keepalived: "Track script %s is already running, expect idle - skipping run".
    ++e.stats.skipped;
    core::logger("vrrp")->info("Track script {} is already running, expect idle - skipping run",
                               name);
    return;
  }
  e.running = true;
  ++e.stats.runs;
  core::RunOptions options;
  options.timeout = e.spec.timeout;
  std::weak_ptr<bool> alive = alive_;
  const std::uint64_t generation = e.generation;
  launcher_.run(e.spec.command, options,
                [this, alive, name, generation](const core::ProcessResult& r) {
                  auto a = alive.lock();
                  if (!a || !*a) return;
                  on_result(name, generation, r);
                });
}

void ScriptScheduler::on_result(const std::string& name, std::uint64_t generation,
                                const core::ProcessResult& r) {
  auto it = entries_.find(name);
  if (it == entries_.end() || it->second->generation != generation) return;
  Entry& e = *it->second;
  e.running = false;

  // A timed-out run is a failure whatever it exited with. keepalived counts a script that
  // cannot be executed as a success ("Script errors aren't server errors"); we count it as a
  // failure, so a missing check never keeps a broken master up.
  const bool ok = r.success();
  if (ok) {
    ++e.stats.successes;
  } else {
    ++e.stats.failures;
  }
  if (r.timed_out) ++e.stats.timeouts;
  if (r.kind == core::ExitKind::kFailedToStart) ++e.stats.failed_to_start;
  if (r.kind == core::ExitKind::kExited) {
    if (e.stats.last_exit_status != r.exit_status) {
      core::logger("vrrp")->info("Script `{}` now returning {}", name, r.exit_status);
    }
    e.stats.last_exit_status = r.exit_status;
  }

  auto changed = e.counter.record(ok);
  if (!changed) return;
  if (*changed == ScriptStatus::kUp) {
    core::logger("vrrp")->info("VRRP_Script({}) succeeded", name);
  } else if (r.timed_out) {
    core::logger("vrrp")->info("VRRP_Script({}) timed_out", name);
  } else if (r.kind == core::ExitKind::kExited) {
    core::logger("vrrp")->info("VRRP_Script({}) failed (exited with status {})", name,
                               r.exit_status);
  } else if (r.kind == core::ExitKind::kSignaled) {
    core::logger("vrrp")->info("VRRP_Script({}) failed (due to signal {})", name, r.signal);
  } else {
    core::logger("vrrp")->info("VRRP_Script({}) failed ({})", name, r.error.message());
  }
  if (listener_) listener_(name, *changed);
}

ScriptStatus ScriptScheduler::status(std::string_view name) const {
  auto it = entries_.find(name);
  return it == entries_.end() ? ScriptStatus::kInit : it->second->counter.status();
}

const TrackScriptStats* ScriptScheduler::stats(std::string_view name) const {
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : &it->second->stats;
}

bool ScriptScheduler::running(std::string_view name) const {
  auto it = entries_.find(name);
  return it != entries_.end() && it->second->running;
}

}  // namespace vigil::vrrp
