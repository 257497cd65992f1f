#pragma once

// Runs every vrrp_script periodically, as keepalived 2.2.7's vrrp_script_thread /
// vrrp_script_child_thread do: the first run at start-up, then one every `interval` counted
// from the previous start; a run that is still going when the next is due is not overlapped
// (that turn is skipped and counted); a run still going after `timeout` is killed (SIGTERM to
// its process group, SIGKILL 2 s later) and counted as a failure. Results go through a
// ScriptResultCounter (rise/fall/init_fail) and every status change reaches the listener, which
// forwards it to each Tracker that tracks the script.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/process_runner.h"
#include "core/script_command.h"
#include "parser/config/vrrp.h"
#include "vrrp/tracking.h"

namespace vigil::vrrp {

struct TrackScriptSpec {
  std::string name;
  core::Command command;
  core::Duration interval = std::chrono::seconds(1);
  core::Duration timeout = std::chrono::seconds(1);  // keepalived: the interval when unset
  unsigned rise = 1;
  unsigned fall = 1;
  bool init_fail = false;
};

// From the configuration: resolves the command line and the user (keepalived's default script
// user rules). nullopt with `*error` set when it cannot run (the caller logs and, like
// keepalived, disables the script).
std::optional<TrackScriptSpec> make_track_script_spec(const config::VrrpScript& script,
                                                      const core::ScriptDefaults& defaults,
                                                      std::string* error = nullptr);

struct TrackScriptStats {
  std::uint64_t runs = 0;
  std::uint64_t successes = 0;
  std::uint64_t failures = 0;  // non-zero exit, signal, timeout or failure to start
  std::uint64_t timeouts = 0;
  std::uint64_t failed_to_start = 0;
  std::uint64_t skipped = 0;  // due while the previous run was still going
  std::optional<int> last_exit_status;
};

class ScriptScheduler {
 public:
  using Listener = std::function<void(const std::string& script, ScriptStatus status)>;

  ScriptScheduler(core::ProcessLauncher& launcher, core::Clock& clock, Listener listener);
  ~ScriptScheduler();
  ScriptScheduler(const ScriptScheduler&) = delete;
  ScriptScheduler& operator=(const ScriptScheduler&) = delete;

  // Registers a script (before or after start(); after start it runs at once). A second
  // script with the same name replaces the first.
  void add(TrackScriptSpec spec);
  // Reload: a script of that name keeps its status (rise/fall start from it), its schedule and
  // a run in progress; the new command, interval and timeout apply from the next run. A new
  // name is add()ed.
  void update(TrackScriptSpec spec);
  // Reload: the script is no longer tracked; a run in progress is left to finish, unheard.
  void remove(std::string_view name);
  std::vector<std::string> names() const;
  // Tells the listener the status of every init_fail script (down before any run), then runs
  // every registered script now and schedules the next runs.
  void start();
  // No further runs; results of runs still going are ignored. Killing the children is the
  // launcher's business (ProcessRunner::terminate_all at shutdown).
  void stop();

  // kInit for unknown names.
  ScriptStatus status(std::string_view name) const;
  const TrackScriptStats* stats(std::string_view name) const;
  bool running(std::string_view name) const;

 private:
  struct Entry;
  void run(Entry& e);
  void on_result(const std::string& name, std::uint64_t generation,
                 const core::ProcessResult& result);

  core::ProcessLauncher& launcher_;
  core::Clock& clock_;
  Listener listener_;
  bool started_ = false;
  std::uint64_t generations_ = 0;
  std::map<std::string, std::unique_ptr<Entry>, std::less<>> entries_;
  // Results arriving after destruction/stop are dropped through this.
  std::shared_ptr<bool> alive_;
};

}  // namespace vigil::vrrp
