// Host checks, as keepalived 2.2.7's `-t` does them. Measured in a network namespace with
// eth0..eth3 (the facts each rule below relies on):
//  - a missing interface (instance, track_interface, `dev` of an address or route) is reported
//    per reference, then "Non-existent interface specified in configuration": exit 5. The VRRP
//    side stops there, so its scripts are never checked (exit 5 even with insecure scripts);
//    the checker side is checked first and can still make it 6.
//    A checker's bind_if and lvs_sync_daemon's interface are not checked (exit 0).
//  - `interface lo` for a vrrp_instance is refused; `lo` in track_interface or as a VIP's
//    `dev` is fine.
//  - without enable_script_security, any script that exists (executable or not) makes the exit
//    code 6, overriding other errors; missing scripts do not count. vrrp_script, notify*, sync
//    group notify, MISC_CHECK, quorum_up/down, notify_up/down, startup/shutdown and notify FIFO
//    scripts count; `</dev/tcp/...` commands do not. VRRP scripts (vrrp_notify_fifo_script
//    included) only count when there is a vrrp_instance, checker scripts
//    (lvs_notify_fifo_script included) only when there is a virtual_server, notify_fifo_script
//    when there is either.
//  - a vrrp_script whose program is missing: "Disabling track script chk since not
//    found/accessible", exit 5. A missing notify, MISC_CHECK or startup script: exit 0.
//  - with enable_script_security, the default user is `keepalived_script`; when it does not
//    exist and no script_user is set, every script is refused at parse time (exit 5). An
//    insecure vrrp_script is disabled with an error (exit 5); an insecure notify, MISC_CHECK,
//    quorum or startup script is silently not run (exit 0).
#include "parser/host_checks.h"

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "core/script_security.h"

namespace vigil::parser {
namespace {

void note(Diagnostics& diag, const SourceLocation& at, std::string message) {
  diag.add({Severity::kWarning, at, std::move(message), Impact::kInformational});
}

enum class InterfaceState { kMissing, kLoopback, kPresent };

InterfaceState interface_state(const std::string& name) {
  if (name.empty() || name.size() >= IFNAMSIZ || ::if_nametoindex(name.c_str()) == 0) {
    return InterfaceState::kMissing;
  }
  // SIOCGIFFLAGS answers for the caller's network namespace (unlike /sys, which shows the
  // namespace it was mounted in).
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return InterfaceState::kPresent;
  struct ifreq ifr {};
  std::memcpy(ifr.ifr_name, name.data(), name.size());
  const bool loopback = ::ioctl(fd, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_LOOPBACK);
  ::close(fd);
  return loopback ? InterfaceState::kLoopback : InterfaceState::kPresent;
}

// The instance's own interface; the binders describe it as "vrrp_instance NAME".
bool is_instance_interface(const InterfaceReference& ref) {
  return std::string_view(ref.what).starts_with("vrrp_instance ");
}

// Returns true when an interface is missing (keepalived's fatal CONFIG_BAD_IF).
bool check_interfaces(const HostReferences& refs, Diagnostics& diag) {
  std::map<std::string, InterfaceState, std::less<>> cache;
  bool missing = false;
  for (const InterfaceReference& ref : refs.interfaces) {
    auto it = cache.find(ref.name);
    if (it == cache.end()) it = cache.emplace(ref.name, interface_state(ref.name)).first;
    switch (it->second) {
      case InterfaceState::kMissing:
        if (ref.keepalived_checks) {
          diag.error(ref.location, "interface '" + ref.name + "' for " + ref.what +
                                       " does not exist on this host");
          missing = true;
        } else {
          note(diag, ref.location,
               "interface '" + ref.name + "' for " + ref.what + " does not exist on this host");
        }
        break;
      case InterfaceState::kLoopback:
        if (is_instance_interface(ref)) {
          diag.error(ref.location,
                     ref.what + ": cannot use the loopback interface '" + ref.name + "' for VRRP");
        }
        break;
      case InterfaceState::kPresent:
        break;
    }
  }
  return missing;
}

// ---- script users ---------------------------------------------------------------------------

// "user [group]" as the binders record a per-script `user` override.
std::pair<std::string, std::string> split_user(std::string_view text) {
  std::size_t b = text.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  std::size_t e = text.find_first_of(" \t", b);
  std::string user(text.substr(b, e == std::string_view::npos ? e : e - b));
  std::string group;
  if (e != std::string_view::npos) {
    std::size_t gb = text.find_first_not_of(" \t", e);
    if (gb != std::string_view::npos) {
      std::size_t ge = text.find_first_of(" \t", gb);
      group = std::string(text.substr(gb, ge == std::string_view::npos ? ge : ge - gb));
    }
  }
  return {user, group};
}

// Which keepalived process checks a script: it decides when the check happens at all.
enum class Side { kVrrp, kChecker, kBoth, kGlobal };

Side side_of(ScriptKind kind) {
  switch (kind) {
    case ScriptKind::kTrack:
    case ScriptKind::kNotify:
      return Side::kVrrp;
    case ScriptKind::kCheck:
    case ScriptKind::kCheckNotify:
      return Side::kChecker;
    case ScriptKind::kGlobal:
      return Side::kGlobal;
    case ScriptKind::kFifo:
      return Side::kBoth;
  }
  return Side::kGlobal;
}

class ScriptChecker {
 public:
  ScriptChecker(const HostCheckSettings& settings, Diagnostics& diag)
      : settings_(settings),
        diag_(diag),
        search_path_(settings.search_path.empty() ? core::default_search_path()
                                                  : settings.search_path) {
    // A configured script_user is checked even without scripts; the default user is looked up
    // only when a script needs it, so a configuration without scripts never loads the NSS
    // modules (libnss_systemd and friends stay out of the daemon's memory).
    if (!settings_.script_user.empty()) resolve_default_identity();
  }

  // `vrrp_checked` / `checker_checked`: whether keepalived's VRRP / checker process gets as far
  // as checking its scripts.
  void check(const ScriptReference& s, bool vrrp_checked, bool checker_checked) {
    const Side side = side_of(s.kind);
    std::optional<core::Credentials> who = identity_for(s);
    if (!who) return;
    if (side == Side::kVrrp && !vrrp_checked) return;
    if (side == Side::kChecker && !checker_checked) return;
    if (side == Side::kBoth && !vrrp_checked && !checker_checked) return;
    core::ScriptInspection r = core::inspect_script(s.command, *who, search_path_);
    const std::string shown = "'" + core::program_of(s.command) + "'";
    switch (r.state) {
      case core::ScriptState::kNotAScript:
        return;
      case core::ScriptState::kMissing:
        if (s.kind == ScriptKind::kTrack) {
          diag_.error(s.location, "script " + shown + " of " + s.what +
                                      " not found or not accessible; the tracker is disabled");
        } else {
          note(diag_, s.location,
               "script " + shown + " of " + s.what + " not found; it will fail when run");
        }
        return;
      case core::ScriptState::kNotExecutable:
        note(diag_, s.location,
             "script " + shown + " of " + s.what + " is not executable by the user it runs as");
        count(s, false);
        return;
      case core::ScriptState::kUnprivileged:
      case core::ScriptState::kSecure:
        count(s, false);
        return;
      case core::ScriptState::kInsecure:
        count(s, true);
        if (!settings_.script_security) return;
        if (s.kind == ScriptKind::kTrack) {
          diag_.error(s.location, "script " + shown + " of " + s.what + " is not secure ('" +
                                      r.unsafe_path +
                                      "' can be modified by a non-root user); the tracker is "
                                      "disabled under enable_script_security");
        } else {
          note(diag_, s.location,
               "script " + shown + " of " + s.what + " is not secure ('" + r.unsafe_path +
                   "' can be modified by a non-root user); it will not be run");
        }
        return;
    }
  }

  // keepalived's "SECURITY VIOLATION - scripts are being executed but script_security not
  // enabled": true when some script exists and enable_script_security is off.
  bool violation() {
    if (settings_.script_security || counted_ == 0) return false;
    std::string msg = "enable_script_security is not set but " + std::to_string(counted_) +
                      (counted_ == 1 ? " script" : " scripts") +
                      " would run (first: " + first_what_ + ")";
    if (insecure_ != 0)
      msg += "; " + std::to_string(insecure_) + " of them can be modified by a non-root user";
    note(diag_, first_location_, std::move(msg));
    return true;
  }

 private:
  void resolve_default_identity() {
    default_resolved_ = true;
    if (!settings_.script_user.empty()) {
      default_identity_ = core::lookup_credentials(settings_.script_user, settings_.script_group);
      if (!default_identity_) {
        diag_.error(settings_.script_user_location,
                    "'script_user': unknown user or group '" + settings_.script_user +
                        (settings_.script_group.empty() ? "" : " " + settings_.script_group) +
                        "' on this host");
      }
      return;
    }
    default_identity_ = core::lookup_credentials(settings_.default_user, "");
    // Without script security keepalived falls back to root quietly; with it, the missing
    // default user makes every script that relies on it unusable (reported per script).
    if (!default_identity_ && !settings_.script_security) default_identity_ = core::Credentials{};
  }

  std::optional<core::Credentials> identity_for(const ScriptReference& s) {
    if (!s.user.empty()) {
      auto [user, group] = split_user(s.user);
      // Binders may copy the global script_user into the reference; it was reported once.
      if (user == settings_.script_user && !default_identity_) return std::nullopt;
      auto id = core::lookup_credentials(user, group);
      if (!id) diag_.error(s.location, "unknown user or group '" + s.user + "' for " + s.what);
      return id;
    }
    if (!default_resolved_) resolve_default_identity();
    if (default_identity_) return default_identity_;
    if (settings_.script_user.empty()) {
      diag_.error(s.location, "cannot run " + s.what + ": enable_script_security is set, no " +
                                  "script_user is configured and the default script user '" +
                                  settings_.default_user + "' does not exist");
    }
    return std::nullopt;
  }

  void count(const ScriptReference& s, bool insecure) {
    if (counted_++ == 0) {
      first_location_ = s.location;
      first_what_ = "'" + core::program_of(s.command) + "' of " + s.what;
    }
    if (insecure) ++insecure_;
  }

  const HostCheckSettings& settings_;
  Diagnostics& diag_;
  std::string search_path_;
  std::optional<core::Credentials> default_identity_;
  bool default_resolved_ = false;
  std::size_t counted_ = 0;
  std::size_t insecure_ = 0;
  SourceLocation first_location_;
  std::string first_what_;
};

HostCheckSettings settings_from(const config::Config& config) {
  HostCheckSettings s;
  s.script_security = config.global.enable_script_security;
  s.script_user = config.global.script_user;
  s.script_group = config.global.script_group;
  s.script_user_location = config.global.location;
  s.has_vrrp_instances = !config.vrrp.instances.empty();
  s.has_virtual_servers = !config.lvs.virtual_servers.empty();
  return s;
}

}  // namespace

bool check_host(const HostReferences& refs, const HostCheckSettings& settings, Diagnostics& diag) {
  const bool missing_interface = check_interfaces(refs, diag);
  ScriptChecker checker(settings, diag);
  // keepalived runs the checker's checks before the VRRP side, and the VRRP side stops at a
  // missing interface before it looks at its scripts.
  const bool vrrp_checked = settings.has_vrrp_instances && !missing_interface;
  for (const ScriptReference& s : refs.scripts) {
    checker.check(s, vrrp_checked, settings.has_virtual_servers);
  }
  return checker.violation();
}

bool check_host(const config::Config& config, const HostReferences& refs, Diagnostics& diag) {
  return check_host(refs, settings_from(config), diag);
}

}  // namespace vigil::parser
