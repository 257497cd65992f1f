#pragma once

// VRRP state-change notifications as keepalived 2.2.7 sends them (vrrp_notify.c, lib/notify.c):
//  - the state's own script (notify_master / notify_backup / notify_fault / notify_stop) runs
//    with its configured words only;
//  - then the generic `notify` script runs with four words appended: "INSTANCE" or "GROUP", the
//    name, the state ("MASTER", "BACKUP", "FAULT", "STOP", "DELETED") and the priority (the
//    instance's effective priority; 0 for a group);
//  - then one line goes to each open notify FIFO (global notify_fifo and vrrp_notify_fifo):
//    `INSTANCE "VI_1" MASTER 100\n` (name in double quotes), also MASTER_RX_LOWER_PRI and, with
//    notify_priority_changes, MASTER_PRIORITY / BACKUP_PRIORITY lines.
// Every script runs asynchronously through the ProcessLauncher; STOP scripts get 1 s before
// they are killed (keepalived runs them with a TIMER_HZ child timeout at shutdown). The FIFO is
// created when missing (mode 0644, chowned to the configured user), its script started with the
// FIFO name as last word, and it is opened O_RDWR | O_NONBLOCK so a missing or slow reader never
// blocks the loop: a line that does not fit is dropped and counted.
//
// Checker notifications (keepalived check_notify.c / ipwrapper.c): a real server's notify_up /
// notify_down and a virtual server's quorum_up / quorum_down run as configured (no words added);
// the FIFO lines are `RS [10.0.0.2]:tcp:80 [10.0.0.1]:tcp:80 UP\n` and
// `VS [10.0.0.1]:tcp:80 DOWN\n` (keepalived notify_fifo_rs / notify_fifo_vs), written to the
// global notify_fifo and lvs_notify_fifo; VRRP lines go to notify_fifo and vrrp_notify_fifo.
//
// The state is a word, not a vrrp::State, so this file does not depend on the VRRP library
// (callers pass vrrp::state_name(s)).

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/process_runner.h"
#include "core/script_command.h"
#include "parser/config/config.h"

namespace vigil::daemon {

enum class NotifyTarget : std::uint8_t { kInstance, kGroup };
std::string_view notify_target_name(NotifyTarget t);  // "INSTANCE", "GROUP"

// The generic notify script's argv: the configured words plus type, name, state, priority.
std::vector<std::string> generic_notify_argv(const std::vector<std::string>& words,
                                             NotifyTarget target, std::string_view name,
                                             std::string_view state, int priority);

// One notify FIFO line, newline included.
std::string notify_fifo_line(NotifyTarget target, std::string_view name, std::string_view state,
                             int priority);
// The checker FIFO lines. `rs` and `vs` as keepalived's FMT_RS / FMT_VS.
std::string rs_fifo_line(std::string_view rs, std::string_view vs, bool up);
std::string vs_fifo_line(std::string_view vs, bool up);

// Which events a FIFO receives: the global notify_fifo all, vrrp_notify_fifo VRRP's,
// lvs_notify_fifo the checkers'.
enum class FifoScope : std::uint8_t { kAll, kVrrp, kLvs };

// One notify FIFO, written without ever blocking.
class NotifyFifo {
 public:
  NotifyFifo() = default;
  ~NotifyFifo();
  NotifyFifo(const NotifyFifo&) = delete;
  NotifyFifo& operator=(const NotifyFifo&) = delete;

  // keepalived fifo_open: mkfifo(path, 0644) unless it exists (a FIFO we create is chowned to
  // `owner` and removed again by close()), then open(O_RDWR | O_NONBLOCK | O_CLOEXEC |
  // O_NOFOLLOW). Opening O_RDWR never waits for a reader.
  std::error_code open(const std::string& path, const std::optional<core::Credentials>& owner);
  // Unlinks the FIFO first if we created it (so a reader looping on reopen cannot reopen it),
  // then closes it.
  void close();
  bool is_open() const { return fd_ >= 0; }
  const std::string& path() const { return path_; }

  // Writes the whole line or nothing (lines are shorter than PIPE_BUF, so writes are atomic).
  // False when the FIFO is full or closed; the line is dropped and counted.
  bool write(std::string_view line);
  std::uint64_t dropped() const { return dropped_; }

 private:
  std::string path_;
  int fd_ = -1;
  bool created_ = false;
  std::uint64_t dropped_ = 0;
};

// The notify scripts of one vrrp_instance or vrrp_sync_group, resolved to commands.
struct NotifyScripts {
  std::optional<core::Command> master;
  std::optional<core::Command> backup;
  std::optional<core::Command> fault;
  std::optional<core::Command> stop;
  std::optional<core::Command> generic;  // `notify`: four words get appended
  std::optional<core::Command> master_rx_lower_pri;
  std::optional<core::Command> deleted;  // notify_deleted's optional script

  // No script at all: the Notifier keeps no entry for it.
  bool empty() const {
    return !master && !backup && !fault && !stop && !generic && !master_rx_lower_pri && !deleted;
  }
};

struct NotifierStats {
  std::uint64_t scripts_started = 0;
  std::uint64_t scripts_failed = 0;  // non-zero exit, signal, timeout or failure to start
  std::uint64_t fifo_lines = 0;
  std::uint64_t fifo_dropped = 0;
};

class Notifier {
 public:
  explicit Notifier(core::ProcessLauncher& launcher);
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // Resolves every instance and sync group's notify scripts and opens notify_fifo and
  // vrrp_notify_fifo (running their scripts). Scripts that cannot run are logged and left out,
  // as keepalived disables them. Returns the problems found, one line each.
  std::vector<std::string> configure(const config::Config& config,
                                     const core::ScriptDefaults& defaults);
  // The instance and sync group scripts alone, replacing the previous ones (reload; the FIFOs
  // stay as they are). Returns the problems found.
  std::vector<std::string> configure_scripts(const config::Config& config,
                                             const core::ScriptDefaults& defaults);

  // Direct registration (tests, reload).
  void set_instance_scripts(const std::string& name, NotifyScripts scripts);
  void set_group_scripts(const std::string& name, NotifyScripts scripts);
  // Adds an open FIFO (takes ownership).
  void add_fifo(std::unique_ptr<NotifyFifo> fifo, FifoScope scope = FifoScope::kAll);

  // An instance entered `state` ("MASTER", "BACKUP", "FAULT", "STOP" or "DELETED") with
  // effective priority `priority`.
  void instance_state(const std::string& name, std::string_view state, int priority);
  // A reload removed the instance. keepalived notifies FAULT without running notify_fault, or
  // with `notify_deleted` (`deleted`) DELETED and notify_deleted's script; the generic notify
  // script and the FIFOs get that state.
  void instance_removed(const std::string& name, bool deleted, int priority);
  // A sync group entered `state`.
  void group_state(const std::string& name, std::string_view state);
  // notify_priority_changes: the FIFO gets MASTER_PRIORITY or BACKUP_PRIORITY.
  void instance_priority(const std::string& name, bool master, int priority);
  // A master received a lower-priority advert: notify_master_rx_lower_pri's script and the
  // FIFO line MASTER_RX_LOWER_PRI.
  void master_rx_lower_priority(const std::string& name, int priority);

  // A real server of a virtual server went UP or DOWN: its notify_up / notify_down script (as
  // configured, resolved against `defaults`) and the RS FIFO line. `rs` and `vs` are FMT_RS /
  // FMT_VS.
  void real_server_state(std::string_view rs, std::string_view vs, bool up,
                         const config::ScriptCommand* script);
  // A virtual server gained or lost its quorum: quorum_up / quorum_down and the VS FIFO line.
  void virtual_server_quorum(std::string_view vs, bool up, const config::ScriptCommand* script);
  void set_script_defaults(core::ScriptDefaults defaults) { defaults_ = std::move(defaults); }

  // Closes (and removes, if created) the FIFOs.
  void close_fifos();

  const NotifierStats& stats() const { return stats_; }

 private:
  void run(const core::Command& command, bool stopping);
  void write_fifos(const std::string& line, FifoScope scope);
  void run_checker_script(const config::ScriptCommand& script, std::string_view what);
  const NotifyScripts* find(const std::map<std::string, NotifyScripts, std::less<>>& m,
                            const std::string& name) const;

  core::ProcessLauncher& launcher_;
  std::map<std::string, NotifyScripts, std::less<>> instances_;
  std::map<std::string, NotifyScripts, std::less<>> groups_;
  std::vector<std::pair<std::unique_ptr<NotifyFifo>, FifoScope>> fifos_;
  core::ScriptDefaults defaults_;
  NotifierStats stats_;
  std::shared_ptr<bool> alive_;
};

}  // namespace vigil::daemon
