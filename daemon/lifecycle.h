#pragma once

// global_defs startup_script and shutdown_script around the subsystems' life, in keepalived
// 2.2.7's order (measured):
//  - start: startup_script runs before anything else starts and is waited for, at most
//    startup_script_timeout (default 10 s; then "startup script timed out", the script's process
//    group gets SIGTERM, SIGKILL after 2 s); the subsystems start once it has finished, whatever
//    its exit status;
//  - stop: the subsystems stop first (masters send priority 0, VIPs go, notify_stop scripts run
//    and are waited for), then shutdown_script runs and is waited for, at most
//    shutdown_script_timeout; then the process exits.
// keepalived blocks its parent process while it waits; vigild waits on the event loop, so
// signals are handled meanwhile: a SIGTERM during startup_script stops it (it is one of the
// children the shutdown terminates) and the subsystems are never started.
// Both scripts are resolved like every other script (make_script_command): with
// enable_script_security an insecure one is refused and not run.

#include <functional>
#include <memory>
#include <string>

#include "core/clock.h"
#include "core/process_runner.h"
#include "core/script_command.h"
#include "parser/config/global.h"

namespace vigil::daemon {

class Lifecycle {
 public:
  // How long the shutdown waits for the scripts it started (notify_stop: 1 s plus the 2 s
  // SIGTERM-to-SIGKILL grace) before it goes on regardless.
  static constexpr core::Duration kDrainLimit = std::chrono::seconds(5);

  Lifecycle(core::ProcessLauncher& launcher, core::Clock& clock);
  ~Lifecycle();
  Lifecycle(const Lifecycle&) = delete;
  Lifecycle& operator=(const Lifecycle&) = delete;

  // Runs startup_script (if configured and allowed), then `then`. `then` does not run once
  // abandon_startup() was called.
  void run_startup(const config::GlobalDefs& global, std::function<void()> then);
  // Shutdown began before the startup finished: its continuation is dropped.
  void abandon_startup();
  bool started() const { return started_; }

  // After the subsystems were told to stop: waits until `running()` is 0 (polled, at most
  // kDrainLimit), runs shutdown_script (if configured and allowed), then `then`.
  void run_shutdown(const config::GlobalDefs& global, std::function<std::size_t()> running,
                    std::function<void()> then);

 private:
  // Runs `spec` as `what` within `timeout`, then `then` (also when it cannot run).
  void run_script(const std::string& what, const config::ScriptSpec& spec, core::Duration timeout,
                  const core::ScriptDefaults& defaults, std::function<void()> then);
  void drain(std::function<std::size_t()> running, core::TimePoint deadline,
             std::function<void()> then);

  core::ProcessLauncher& launcher_;
  core::Clock& clock_;
  std::unique_ptr<core::Timer> drain_timer_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  bool startup_abandoned_ = false;
  bool started_ = false;
};

}  // namespace vigil::daemon
