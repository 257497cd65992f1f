#pragma once

// Tracking: what vrrp_script results, track_interface link states and track_file values do to a
// VRRP instance, as keepalived 2.2.7 computes it (vrrp_track.c, vrrp_scheduler.c, vrrp_if.c,
// track_file.c). Pure logic: the ScriptScheduler, the FileWatcher and the interface monitor feed
// it; the instance turns its Verdict into FaultDetected / FaultCleared / PriorityChanged events.
//
// Rules (keepalived.conf(5) and the code):
//  - weight 0: the object being down means FAULT (with `reverse`: being up means FAULT). A
//    weight-0 script that has not reported yet holds the instance back (keepalived
//    num_script_init) until its first result.
//  - weight > 0: added (with reverse: subtracted) while the object is up; weight < 0: added
//    (with reverse: subtracted, i.e. the priority rises) while it is down. A script that has not
//    reported yet adds nothing.
//  - track_file: the value (an integer, strtol base 0, missing/unreadable = 0, clamped to
//    -254..254) times weight (times -1 with reverse), clamped to -254..253; -254 means FAULT.
//    With weight 0 a non-zero value means FAULT (reverse: zero means FAULT).
//  - effective priority = base + sum of contributions, clamped to 1..254; an address owner
//    (base 255) keeps 255 (vrrp_set_effective_priority), though FAULT still applies.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::vrrp {

enum class ScriptStatus : std::uint8_t {
  kInit,  // not run yet (contributes nothing; a weight-0 script holds the instance back)
  kUp,
  kDown,
};
std::string_view script_status_name(ScriptStatus s);  // "INIT", "GOOD", "BAD" (keepalived dump)

// keepalived's vrrp_script result counter (vrrp_script_child_thread): `rise` consecutive
// successes take a script from down to up, `fall` consecutive failures from up to down. Without
// init_fail the first result decides at once ("one success is enough", and one failure);
// with init_fail the script starts down and needs `rise` successes.
class ScriptResultCounter {
 public:
  ScriptResultCounter(unsigned rise, unsigned fall, bool init_fail);
  // Records one finished run; success means exit status 0 and not timed out. Returns the new
  // status when the run changed it.
  std::optional<ScriptStatus> record(bool success);
  ScriptStatus status() const { return status_; }
  // Reload with another rise/fall: a script that has reported keeps its status, fully counted
  // (keepalived: "VRRP_Script(chk) considered successful on reload").
  void carry_over(ScriptStatus status);

 private:
  unsigned rise_;
  unsigned fall_;
  unsigned result_;  // 0 .. rise+fall-1; up when >= rise
  ScriptStatus status_;
  bool initial_ = true;  // keepalived SCRIPT_INIT_STATE_INIT: no result seen yet
};

// `weight N [reverse]` of one tracked object.
struct TrackWeight {
  int weight = 0;
  bool reverse = false;
};

// Priority contribution of an up/down object with a non-zero weight (0 for weight 0).
int weighted_contribution(bool up, TrackWeight w);

// The status one track_file value gives a tracker: nullopt means FAULT, otherwise the priority
// contribution (keepalived update_track_file_status).
std::optional<int> track_file_status(long value, TrackWeight w);

// One tracked object as it stands now (status output): its state and what it does to the
// instance.
struct TrackedObject {
  enum class Kind : std::uint8_t { kScript, kInterface, kFile };
  Kind kind = Kind::kScript;
  std::string name;
  TrackWeight weight;
  std::string state;     // script INIT/GOOD/BAD, interface UP/DOWN, file: its value
  bool fault = false;    // it puts the instance in FAULT
  int contribution = 0;  // what it adds to the base priority now (negative: subtracts)
};
std::string_view tracked_kind_name(TrackedObject::Kind k);  // "script", "interface", "file"

// The tracked objects of one VRRP instance (its own track_* lists plus its sync group's).
class Tracker {
 public:
  explicit Tracker(std::uint8_t base_priority);

  // Registration, before use. Initial states: scripts kInit, interfaces up, files 0; feed the
  // real initial states through the update calls (keepalived reads interfaces and files at
  // start-up). The same name may be registered more than once (instance and sync group).
  void track_script(const std::string& name, TrackWeight w);
  void track_interface(const std::string& name, TrackWeight w);
  void track_file(const std::string& name, TrackWeight w);

  // A script keepalived disables at start-up (not found, or refused by enable_script_security)
  // is no longer tracked: it neither holds the instance in INIT nor adds a weight.
  void forget_script(std::string_view name);

  // Updates. Each returns true when verdict() changed; unknown names are ignored (false).
  bool script_status(std::string_view name, ScriptStatus status);
  bool interface_state(std::string_view name, bool up);
  bool file_value(std::string_view name, long value);

  struct Verdict {
    bool fault = false;         // some weight-0 object is down (or a file says FAULT)
    bool pending = false;       // some weight-0 script has not reported yet
    std::uint8_t priority = 0;  // effective priority
    int total = 0;              // base + contributions, before clamping
    bool operator==(const Verdict&) const = default;
  };
  Verdict verdict() const;

  // What puts the instance in FAULT, for the log: "script chk_nginx", "interface eth1",
  // "file f1".
  std::vector<std::string> fault_reasons() const;
  // Every tracked object: scripts, interfaces, files, each in registration order.
  std::vector<TrackedObject> objects() const;

  std::uint8_t base_priority() const { return base_; }
  bool tracks_script(std::string_view name) const;
  bool tracks_interface(std::string_view name) const;
  bool tracks_file(std::string_view name) const;

 private:
  struct ScriptEntry {
    std::string name;
    TrackWeight w;
    ScriptStatus status = ScriptStatus::kInit;
  };
  struct InterfaceEntry {
    std::string name;
    TrackWeight w;
    bool up = true;
  };
  struct FileEntry {
    std::string name;
    TrackWeight w;
    long value = 0;
  };

  std::uint8_t base_;
  std::vector<ScriptEntry> scripts_;
  std::vector<InterfaceEntry> interfaces_;
  std::vector<FileEntry> files_;
};

}  // namespace vigil::vrrp
