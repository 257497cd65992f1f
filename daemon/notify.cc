#include "daemon/notify.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "core/logging.h"

namespace vigil::daemon {
namespace {

std::error_code last_error() { return std::error_code(errno, std::generic_category()); }

// keepalived runs notify_stop scripts (and the generic notify with STOP) as children with a
// one-second timeout at shutdown (system_call_script(..., TIMER_HZ, ...)).
constexpr auto kStopScriptTimeout = std::chrono::seconds(1);

}  // namespace

std::string_view notify_target_name(NotifyTarget t) {
  return t == NotifyTarget::kGroup ? "GROUP" : "INSTANCE";
}

std::vector<std::string> generic_notify_argv(const std::vector<std::string>& words,
                                             NotifyTarget target, std::string_view name,
                                             std::string_view state, int priority) {
  // keepalived notify_script_exec: script {GROUP|INSTANCE} NAME STATE PRIO.
  std::vector<std::string> argv = words;
  argv.emplace_back(notify_target_name(target));
  argv.emplace_back(name);
  argv.emplace_back(state);
  argv.push_back(std::to_string(priority));
  return argv;
}

std::string notify_fifo_line(NotifyTarget target, std::string_view name, std::string_view state,
                             int priority) {
  // keepalived notify_fifo: "%s \"%s\" %s %d\n".
  std::string line(notify_target_name(target));
  line += " \"";
  line += name;
  line += "\" ";
  line += state;
  line += ' ';
  line += std::to_string(priority);
  line += '\n';
  return line;
}

NotifyFifo::~NotifyFifo() { close(); }

std::error_code NotifyFifo::open(const std::string& path,
                                 const std::optional<core::Credentials>& owner) {
  close();
  path_ = path;
  if (::mkfifo(path.c_str(), S_IRUSR | S_IWUSR | S_IRGRP | S_IROTH) == 0) {
    created_ = true;
    if (owner && (owner->uid != ::geteuid() || owner->gid != ::getegid()) &&
        ::chown(path.c_str(), owner->uid, owner->gid) != 0) {
      core::logger("daemon")->info("Failed to set uid:gid for fifo {}", path);
    }
  } else if (errno != EEXIST) {
    const auto ec = last_error();
    core::logger("daemon")->warn("Unable to create notify fifo {}: {}", path, ec.message());
    return ec;
  }
  fd_ = ::open(path.c_str(), O_RDWR | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
  if (fd_ < 0) {
    const auto ec = last_error();
    core::logger("daemon")->warn("Unable to open notify fifo {}: {}", path, ec.message());
    if (created_) ::unlink(path.c_str());
    created_ = false;
    return ec;
  }
  struct stat st {};
  if (::fstat(fd_, &st) != 0 || !S_ISFIFO(st.st_mode)) {
    // An existing regular file of that name: keepalived would append to it; refuse instead,
    // a file grows without bound.
    ::close(fd_);
    fd_ = -1;
    core::logger("daemon")->warn("Notify fifo {} is not a FIFO", path);
    return std::make_error_code(std::errc::invalid_argument);
  }
  return {};
}

void NotifyFifo::close() {
  // Unlink first so a reader that loops reopening the FIFO cannot reopen this one
  // (keepalived fifo_close).
  if (created_) ::unlink(path_.c_str());
  created_ = false;
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool NotifyFifo::write(std::string_view line) {
  if (fd_ < 0) {
    ++dropped_;
    return false;
  }
  ssize_t n;
  do {
    n = ::write(fd_, line.data(), line.size());
  } while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(line.size())) {
    ++dropped_;
    return false;
  }
  return true;
}

Notifier::Notifier(core::ProcessLauncher& launcher)
    : launcher_(launcher), alive_(std::make_shared<bool>(true)) {}

Notifier::~Notifier() {
  *alive_ = false;
  close_fifos();
}

namespace {

// S: std::optional<ScriptSpec> (notify FIFOs) or Boxed<ScriptSpec> (instances, sync groups).
template <typename S>
std::optional<core::Command> resolve(const S& s, const core::ScriptDefaults& defaults,
                                     const std::string& what, std::vector<std::string>& problems) {
  if (!s) return std::nullopt;
  std::string error;
  auto c = core::make_script_command(s->command, s->user, s->group, defaults, &error);
  if (!c) problems.push_back("Disabling " + what + ": " + error);
  return c;
}

template <typename T>
NotifyScripts resolve_all(const T& x, const core::ScriptDefaults& defaults,
                          std::vector<std::string>& problems) {
  NotifyScripts s;
  s.master = resolve(x.notify_master, defaults, "notify_master of " + x.name, problems);
  s.backup = resolve(x.notify_backup, defaults, "notify_backup of " + x.name, problems);
  s.fault = resolve(x.notify_fault, defaults, "notify_fault of " + x.name, problems);
  s.stop = resolve(x.notify_stop, defaults, "notify_stop of " + x.name, problems);
  s.generic = resolve(x.notify, defaults, "notify of " + x.name, problems);
  return s;
}

}  // namespace

std::vector<std::string> Notifier::configure_scripts(const config::Config& config,
                                                     const core::ScriptDefaults& defaults) {
  std::vector<std::string> problems;
  instances_.clear();
  groups_.clear();
  for (const auto& i : config.vrrp.instances) {
    NotifyScripts s = resolve_all(i, defaults, problems);
    s.master_rx_lower_pri = resolve(i.notify_master_rx_lower_pri, defaults,
                                    "notify_master_rx_lower_pri of " + i.name, problems);
    s.deleted = resolve(i.notify_deleted_script, defaults, "notify_deleted of " + i.name, problems);
    set_instance_scripts(i.name, std::move(s));
  }
  for (const auto& g : config.vrrp.sync_groups) {
    set_group_scripts(g.name, resolve_all(g, defaults, problems));
  }
  return problems;
}

std::vector<std::string> Notifier::configure(const config::Config& config,
                                             const core::ScriptDefaults& defaults) {
  std::vector<std::string> problems = configure_scripts(config, defaults);
  // keepalived notify_fifo_open: the global FIFO first, then vrrp_notify_fifo; each FIFO's
  // script starts before the FIFO is opened, with the FIFO name as its last word.
  defaults_ = defaults;
  const std::pair<const config::NotifyFifo*, FifoScope> fifos[] = {
      {&config.global.notify_fifo, FifoScope::kAll},
      {&config.global.vrrp_notify_fifo, FifoScope::kVrrp},
      {&config.global.lvs_notify_fifo, FifoScope::kLvs}};
  for (const auto& [f, scope] : fifos) {
    if (f->name.empty()) continue;
    std::optional<core::Credentials> owner;
    if (!f->user.empty()) {
      owner = core::lookup_credentials(f->user, f->group);
      if (!owner) problems.push_back("unknown user or group for notify fifo " + f->name);
    }
    if (f->script) {
      if (auto c = resolve(f->script, defaults, "notify fifo script of " + f->name, problems)) {
        c->argv.push_back(f->name);
        run(*c, false);
      }
    }
    auto fifo = std::make_unique<NotifyFifo>();
    if (auto ec = fifo->open(f->name, owner)) {
      problems.push_back("cannot open notify fifo " + f->name + ": " + ec.message());
      continue;
    }
    add_fifo(std::move(fifo), scope);
  }
  for (const auto& p : problems) core::logger("daemon")->warn("{}", p);
  return problems;
}

namespace {

// An instance or group without any script gets no entry (about 600 bytes each: 0.12 MB of a
// 200-instance director that runs no notify script).
void store_scripts(std::map<std::string, NotifyScripts, std::less<>>& m, const std::string& name,
                   NotifyScripts scripts) {
  if (scripts.empty()) {
    m.erase(name);
  } else {
    m.insert_or_assign(name, std::move(scripts));
  }
}

}  // namespace

void Notifier::set_instance_scripts(const std::string& name, NotifyScripts scripts) {
  store_scripts(instances_, name, std::move(scripts));
}

void Notifier::set_group_scripts(const std::string& name, NotifyScripts scripts) {
  store_scripts(groups_, name, std::move(scripts));
}

void Notifier::add_fifo(std::unique_ptr<NotifyFifo> fifo, FifoScope scope) {
  fifos_.emplace_back(std::move(fifo), scope);
}

const NotifyScripts* Notifier::find(const std::map<std::string, NotifyScripts, std::less<>>& m,
                                    const std::string& name) const {
  auto it = m.find(name);
  return it == m.end() ? nullptr : &it->second;
}

namespace {

const std::optional<core::Command>* state_script(const NotifyScripts& s, std::string_view state) {
  if (state == "MASTER") return &s.master;
  if (state == "BACKUP") return &s.backup;
  if (state == "FAULT") return &s.fault;
  if (state == "STOP") return &s.stop;
  if (state == "DELETED") return &s.deleted;
  return nullptr;
}

}  // namespace

void Notifier::run(const core::Command& command, bool stopping) {
  core::RunOptions options;
  if (stopping) options.timeout = kStopScriptTimeout;
  ++stats_.scripts_started;
  std::weak_ptr<bool> alive = alive_;
  const std::string program = command.argv.empty() ? std::string() : command.argv[0];
  launcher_.run(command, options, [this, alive, program](const core::ProcessResult& r) {
    auto a = alive.lock();
    if (!a || !*a || r.success()) return;
    ++stats_.scripts_failed;
    core::logger("daemon")->info("notify script {} failed (kind {}, status {}, signal {})", program,
                                 static_cast<int>(r.kind), r.exit_status, r.signal);
  });
}

void Notifier::write_fifos(const std::string& line, FifoScope scope) {
  for (auto& [f, fifo_scope] : fifos_) {
    if (fifo_scope != FifoScope::kAll && fifo_scope != scope) continue;
    if (f->write(line)) {
      ++stats_.fifo_lines;
    } else {
      ++stats_.fifo_dropped;
    }
  }
}

void Notifier::instance_state(const std::string& name, std::string_view state, int priority) {
  const bool stopping = state == "STOP";
  if (const NotifyScripts* s = find(instances_, name)) {
    // keepalived send_instance_notifies: the state's script, then the generic one.
    if (const auto* script = state_script(*s, state); script && *script) run(**script, stopping);
    if (s->generic) {
      core::Command c = *s->generic;
      c.argv = generic_notify_argv(c.argv, NotifyTarget::kInstance, name, state, priority);
      run(c, stopping);
    }
  }
  write_fifos(notify_fifo_line(NotifyTarget::kInstance, name, state, priority), FifoScope::kVrrp);
}

void Notifier::instance_removed(const std::string& name, bool deleted, int priority) {
  const std::string_view state = deleted ? "DELETED" : "FAULT";
  if (const NotifyScripts* s = find(instances_, name)) {
    if (deleted && s->deleted) run(*s->deleted, false);
    if (s->generic) {
      core::Command c = *s->generic;
      c.argv = generic_notify_argv(c.argv, NotifyTarget::kInstance, name, state, priority);
      run(c, false);
    }
  }
  write_fifos(notify_fifo_line(NotifyTarget::kInstance, name, state, priority), FifoScope::kVrrp);
}

void Notifier::group_state(const std::string& name, std::string_view state) {
  const bool stopping = state == "STOP";
  if (const NotifyScripts* s = find(groups_, name)) {
    if (const auto* script = state_script(*s, state); script && *script) run(**script, stopping);
    if (s->generic) {
      core::Command c = *s->generic;
      c.argv = generic_notify_argv(c.argv, NotifyTarget::kGroup, name, state, 0);
      run(c, stopping);
    }
  }
  write_fifos(notify_fifo_line(NotifyTarget::kGroup, name, state, 0), FifoScope::kVrrp);
}

void Notifier::instance_priority(const std::string& name, bool master, int priority) {
  write_fifos(notify_fifo_line(NotifyTarget::kInstance, name,
                               master ? "MASTER_PRIORITY" : "BACKUP_PRIORITY", priority),
              FifoScope::kVrrp);
}

void Notifier::master_rx_lower_priority(const std::string& name, int priority) {
  if (const NotifyScripts* s = find(instances_, name); s && s->master_rx_lower_pri) {
    run(*s->master_rx_lower_pri, false);
  }
  write_fifos(notify_fifo_line(NotifyTarget::kInstance, name, "MASTER_RX_LOWER_PRI", priority),
              FifoScope::kVrrp);
}

void Notifier::close_fifos() {
  for (auto& entry : fifos_) entry.first->close();
}

std::string rs_fifo_line(std::string_view rs, std::string_view vs, bool up) {
  return "RS " + std::string(rs) + " " + std::string(vs) + (up ? " UP\n" : " DOWN\n");
}

std::string vs_fifo_line(std::string_view vs, bool up) {
  return "VS " + std::string(vs) + (up ? " UP\n" : " DOWN\n");
}

void Notifier::run_checker_script(const config::ScriptCommand& script, std::string_view what) {
  std::string why;
  auto command =
      core::make_script_command(script.command, script.user, script.group, defaults_, &why);
  if (!command) {
    core::logger("checkers")->warn("{} cannot run: {}", what, why);
    return;
  }
  run(*command, false);
}

void Notifier::real_server_state(std::string_view rs, std::string_view vs, bool up,
                                 const config::ScriptCommand* script) {
  if (script) {
    run_checker_script(*script,
                       std::string(up ? "notify_up" : "notify_down") + " of " + std::string(rs));
  }
  write_fifos(rs_fifo_line(rs, vs, up), FifoScope::kLvs);
}

void Notifier::virtual_server_quorum(std::string_view vs, bool up,
                                     const config::ScriptCommand* script) {
  if (script) {
    run_checker_script(*script,
                       std::string(up ? "quorum_up" : "quorum_down") + " of " + std::string(vs));
  }
  write_fifos(vs_fifo_line(vs, up), FifoScope::kLvs);
}

}  // namespace vigil::daemon
