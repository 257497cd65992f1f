#include "daemon/lifecycle.h"

#include <utility>

#include "core/logging.h"
#include "core/script_command.h"
#include "parser/config/script_defaults.h"

namespace vigil::daemon {
namespace {

// Polling the child count is enough here: it only runs during a shutdown, for a few seconds.
constexpr core::Duration kDrainPoll = std::chrono::milliseconds(20);

}  // namespace

Lifecycle::Lifecycle(core::ProcessLauncher& launcher, core::Clock& clock)
    : launcher_(launcher), clock_(clock), drain_timer_(clock.make_timer()) {}

Lifecycle::~Lifecycle() { *alive_ = false; }

void Lifecycle::run_startup(const config::GlobalDefs& global, std::function<void()> then) {
  auto go = [this, then = std::move(then)] {
    if (startup_abandoned_) return;
    started_ = true;
    then();
  };
  if (!global.startup_script) {
    go();
    return;
  }
  run_script("startup", *global.startup_script, global.startup_script_timeout,
             config::script_defaults(global), std::move(go));
}

void Lifecycle::abandon_startup() { startup_abandoned_ = true; }

void Lifecycle::run_shutdown(const config::GlobalDefs& global, std::function<std::size_t()> running,
                             std::function<void()> then) {
  std::optional<config::ScriptSpec> script = global.shutdown_script;
  const core::Duration timeout = global.shutdown_script_timeout;
  // The script is resolved now: `global` may not outlive the wait.
  auto after_drain = [this, script, timeout, defaults = config::script_defaults(global),
                      then = std::move(then)]() mutable {
    if (!script) {
      then();
      return;
    }
    run_script("shutdown", *script, timeout, defaults, std::move(then));
  };
  drain(std::move(running), clock_.now() + kDrainLimit, std::move(after_drain));
}

void Lifecycle::drain(std::function<std::size_t()> running, core::TimePoint deadline,
                      std::function<void()> then) {
  const std::size_t left = running();
  if (left == 0) {
    then();
    return;
  }
  if (clock_.now() >= deadline) {
    core::logger("daemon")->warn(
        "{} script(s) still running after {} s; going on without them", left,
        std::chrono::duration_cast<std::chrono::seconds>(kDrainLimit).count());
    then();
    return;
  }
  drain_timer_->arm(
      kDrainPoll, [this, running = std::move(running), deadline, then = std::move(then)]() mutable {
        drain(std::move(running), deadline, std::move(then));
      });
}

void Lifecycle::run_script(const std::string& what, const config::ScriptSpec& spec,
                           core::Duration timeout, const core::ScriptDefaults& defaults,
                           std::function<void()> then) {
  auto log = core::logger("daemon");
  std::string error;
  auto command = core::make_script_command(spec.command, spec.user, spec.group, defaults, &error);
  if (!command) {
    log->error("Disabling {} script: {}", what, error);
    then();
    return;
  }
  log->info("Running {} script {}", what, command->argv[0]);
  std::weak_ptr<bool> alive = alive_;
  launcher_.run(*command, core::RunOptions{timeout},
                [alive, what, then = std::move(then)](const core::ProcessResult& r) {
                  auto a = alive.lock();
                  if (!a || !*a) return;
                  auto log = core::logger("daemon");
                  if (r.timed_out) {
                    log->warn("{} script timed out", what);
                  } else if (r.success()) {
                    log->info("{} script succeeded", what);
                  } else if (r.kind == core::ExitKind::kFailedToStart) {
                    log->error("{} script could not start: {}", what, r.error.message());
                  } else if (r.kind == core::ExitKind::kSignaled) {
                    log->warn("{} script killed by signal {}", what, r.signal);
                  } else {
                    log->warn("{} script failed with exit status {}", what, r.exit_status);
                  }
                  then();
                });
}

}  // namespace vigil::daemon
