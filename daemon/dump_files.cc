#include "daemon/dump_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <sstream>
#include <utility>

#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include "checkers/check.h"
#include "core/logging.h"
#include "daemon/options.h"
#include "parser/dump_json.h"

namespace vigil::daemon {
namespace {

using Json = nlohmann::ordered_json;

const config::VrrpInstance* find_instance(const config::Config& c, const std::string& name) {
  for (const auto& i : c.vrrp.instances) {
    if (i.name == name) return &i;
  }
  return nullptr;
}

// keepalived's VRRP_STATE_* numbers, as its JSON dump shows them.
int keepalived_state_number(vrrp::State s) {
  switch (s) {
    case vrrp::State::kInit:
      return 0;
    case vrrp::State::kBackup:
      return 1;
    case vrrp::State::kMaster:
      return 2;
    case vrrp::State::kFault:
      return 3;
    case vrrp::State::kStop:
      return 98;
  }
  return 0;
}

std::uint64_t dropped(const vrrp::InstanceCounters& c, vrrp::DropReason r) {
  return c.dropped[static_cast<std::size_t>(r)];
}

// The counters keepalived keeps per instance (vrrp_stats), from vigil's.
struct KeepalivedStats {
  std::uint64_t advert_rcvd, advert_sent, become_master, release_master, packet_len_err,
      advert_interval_err, ip_ttl_err, invalid_type_rcvd, addr_list_err, invalid_authtype,
      authtype_mismatch, auth_failure, pri_zero_rcvd, pri_zero_sent;
};

KeepalivedStats keepalived_stats(const InstanceSnapshot& i) {
  using R = vrrp::DropReason;
  const auto& c = i.counters;
  return {i.machine.adverts_received,
          c.adverts_sent,
          i.machine.become_master,
          i.machine.release_master,
          dropped(c, R::kTooShort) + dropped(c, R::kLength),
          dropped(c, R::kInterval),
          dropped(c, R::kTtl),
          dropped(c, R::kType),
          dropped(c, R::kAddressCount) + dropped(c, R::kAddressList),
          dropped(c, R::kInvalidAuthType),
          dropped(c, R::kAuthTypeMismatch),
          dropped(c, R::kAuthFailure),
          i.machine.priority_zero_received,
          i.machine.priority_zero_sent};
}

Json seconds_json(std::chrono::microseconds us) {
  if (us.count() % 1'000'000 == 0) return Json(us.count() / 1'000'000);
  return Json(static_cast<double>(us.count()) / 1e6);
}

// keepalived's format_ipaddress: "10.0.0.1/24 dev eth0 scope global", and " set" while the
// address is installed (the instance is master).
std::string vip_text(const config::VirtualAddress& a, const config::VrrpInstance& i, bool set) {
  std::string t = a.address.str() + " dev " + (a.dev.empty() ? i.interface : a.dev);
  t += " scope " + a.scope.value_or("global");
  if (a.label) t += " label " + *a.label;
  if (set) t += " set";
  return t;
}

std::string timestamp(std::chrono::system_clock::time_point t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  ::localtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%a %b %e %H:%M:%S %Y", &tm);
  return buf;
}

template <typename T>
void subtract(T& value, T base) {
  value = value >= base ? value - base : 0;
}

}  // namespace

DumpSnapshot take_snapshot(std::shared_ptr<const config::Config> config, const vrrp::Engine& vrrp,
                           const checkers::Manager* checkers, bool with_checkers) {
  DumpSnapshot s;
  s.config = std::move(config);
  s.taken = std::chrono::system_clock::now();
  for (const vrrp::InstanceDriver* d : vrrp.drivers()) {
    const vrrp::Instance& in = d->instance();
    InstanceSnapshot i;
    i.name = in.name();
    i.state = in.state();
    i.base_priority = in.machine().base_priority();
    i.effective_priority = in.machine().effective_priority();
    i.master_adver_int = in.machine().master_adver_interval();
    i.master = in.machine().master_address();
    i.machine = in.machine().stats();
    i.counters = in.counters();
    i.send_errors = d->send_errors();
    s.instances.push_back(std::move(i));
  }
  if (checkers != nullptr && with_checkers) {
    s.checkers_running = true;
    s.virtual_servers.reserve(checkers->virtual_server_count());
    for (std::size_t v = 0; v < checkers->virtual_server_count(); ++v) {
      const auto& h = checkers->health(v);
      VirtualServerSnapshot vs{h.quorum_up(), h.sorry_active(), {}};
      vs.real_servers.reserve(h.real_server_count());
      for (std::size_t r = 0; r < h.real_server_count(); ++r) {
        vs.real_servers.push_back({h.alive(r), h.weight(r)});
      }
      s.virtual_servers.push_back(std::move(vs));
    }
    s.checkers = checkers->checker_status();
  }
  return s;
}

std::string render_stats(const DumpSnapshot& s) {
  std::ostringstream o;
  for (const auto& i : s.instances) {
    const KeepalivedStats k = keepalived_stats(i);
    o << "VRRP Instance: " << i.name << "\n"
      << "  Advertisements:\n"
      << "    Received: " << k.advert_rcvd << "\n"
      << "    Sent: " << k.advert_sent << "\n"
      << "  Became master: " << k.become_master << "\n"
      << "  Released master: " << k.release_master << "\n"
      << "  Packet Errors:\n"
      << "    Length: " << k.packet_len_err << "\n"
      << "    TTL: " << k.ip_ttl_err << "\n"
      << "    Invalid Type: " << k.invalid_type_rcvd << "\n"
      << "    Advertisement Interval: " << k.advert_interval_err << "\n"
      << "    Address List: " << k.addr_list_err << "\n"
      << "  Authentication Errors:\n"
      << "    Invalid Type: " << k.invalid_authtype << "\n"
      << "    Type Mismatch: " << k.authtype_mismatch << "\n"
      << "    Failure: " << k.auth_failure << "\n"
      << "  Priority Zero:\n"
      << "    Received: " << k.pri_zero_rcvd << "\n"
      << "    Sent: " << k.pri_zero_sent << "\n";
  }
  return o.str();
}

std::string render_json(const DumpSnapshot& s) {
  Json out = Json::array();
  for (const auto& i : s.instances) {
    const config::VrrpInstance* c = s.config ? find_instance(*s.config, i.name) : nullptr;
    Json data;
    data["iname"] = i.name;
    if (c != nullptr) {
      data["dont_track_primary"] = c->dont_track_primary ? 1 : 0;
      data["skip_check_adv_addr"] = c->skip_check_adv_addr.value_or(false) ? 1 : 0;
      data["strict_mode"] = c->strict_mode.value_or(false) ? 1 : 0;
      data["vmac_ifname"] =
          c->use_vmac
              ? (c->vmac_name.empty() ? "vrrp." + std::to_string(c->virtual_router_id.value_or(0))
                                      : c->vmac_name)
              : std::string();
      data["ifp_ifname"] = c->interface;
    }
    data["master_priority"] = i.state == vrrp::State::kMaster ? i.effective_priority : 0;
    if (c != nullptr) {
      data["lower_prio_no_advert"] = c->lower_prio_no_advert.value_or(false) ? 1 : 0;
      data["higher_prio_send_advert"] = c->higher_prio_send_advert.value_or(false) ? 1 : 0;
      data["vrid"] = c->virtual_router_id.value_or(0);
    }
    data["base_priority"] = i.base_priority;
    data["effective_priority"] = i.effective_priority;
    data["vipset"] = i.state == vrrp::State::kMaster;
    if (c != nullptr) {
      data["promote_secondaries"] = c->promote_secondaries;
      data["adver_int"] =
          seconds_json(std::chrono::duration_cast<std::chrono::microseconds>(c->advert_int));
    }
    data["master_adver_int"] = seconds_json(i.master_adver_int);
    if (c != nullptr) {
      data["accept"] = c->accept.value_or(true) ? 1 : 0;
      data["nopreempt"] = c->nopreempt;
    }
    data["state"] = keepalived_state_number(i.state);
    data["wantstate"] = keepalived_state_number(i.state);
    if (c != nullptr) {
      data["version"] = c->version;
      data["smtp_alert"] = c->smtp_alert.value_or(false);
      data["notify_deleted"] = c->notify_deleted;
      Json vips = Json::array();
      for (const auto& a : c->virtual_ipaddress) {
        vips.push_back(vip_text(a, *c, i.state == vrrp::State::kMaster));
      }
      data["vips"] = std::move(vips);
      int auth = 0;
      if (c->authentication) auth = c->authentication->type == config::AuthType::kPass ? 1 : 2;
      data["auth_type"] = auth;
    }
    const KeepalivedStats k = keepalived_stats(i);
    Json stats;
    stats["advert_rcvd"] = k.advert_rcvd;
    stats["advert_sent"] = k.advert_sent;
    stats["become_master"] = k.become_master;
    stats["release_master"] = k.release_master;
    stats["packet_len_err"] = k.packet_len_err;
    stats["advert_interval_err"] = k.advert_interval_err;
    stats["ip_ttl_err"] = k.ip_ttl_err;
    stats["invalid_type_rcvd"] = k.invalid_type_rcvd;
    stats["addr_list_err"] = k.addr_list_err;
    stats["invalid_authtype"] = k.invalid_authtype;
    stats["authtype_mismatch"] = k.authtype_mismatch;
    stats["auth_failure"] = k.auth_failure;
    stats["pri_zero_rcvd"] = k.pri_zero_rcvd;
    stats["pri_zero_sent"] = k.pri_zero_sent;
    Json entry;
    entry["data"] = std::move(data);
    entry["stats"] = std::move(stats);
    out.push_back(std::move(entry));
  }
  return out.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
}

std::string render_vrrp_data(const DumpSnapshot& s) {
  std::ostringstream o;
  o << "vigild " << VIGIL_VERSION << " data dump, " << timestamp(s.taken) << "\n";
  if (s.config) {
    const auto& g = s.config->global;
    o << "------< Global definitions >------\n"
      << " Configuration file = " << s.config->source_file << "\n"
      << " Router ID = " << g.router_id.value_or("(host name)") << "\n"
      << " Script security " << (g.enable_script_security ? "enabled" : "disabled") << "\n"
      << " Script user = " << (g.script_user.empty() ? "(default)" : g.script_user) << "\n";
  }
  o << "------< VRRP Topology >------\n";
  for (const auto& i : s.instances) {
    const config::VrrpInstance* c = s.config ? find_instance(*s.config, i.name) : nullptr;
    o << " VRRP Instance = " << i.name << "\n"
      << "   State = " << vrrp::state_name(i.state) << "\n";
    if (c != nullptr) {
      o << "   VRRP Version = " << c->version << "\n"
        << "   Interface = " << (c->interface.empty() ? "(none)" : c->interface) << "\n"
        << "   Virtual Router ID = " << static_cast<int>(c->virtual_router_id.value_or(0)) << "\n";
    }
    o << "   Priority = " << static_cast<int>(i.base_priority) << "\n"
      << "   Effective priority = " << static_cast<int>(i.effective_priority) << "\n"
      << "   Master router = " << (i.master ? i.master->to_string() : "(unknown)") << "\n"
      << "   Master advert interval = " << i.master_adver_int.count() << " usecs\n";
    if (c != nullptr) {
      o << "   Advert interval = "
        << std::chrono::duration_cast<std::chrono::microseconds>(c->advert_int).count()
        << " usecs\n"
        << "   Preempt = " << (c->nopreempt ? "disabled" : "enabled") << "\n"
        << "   Accept = " << (c->accept.value_or(true) ? "enabled" : "disabled") << "\n"
        << "   Virtual IP (" << c->virtual_ipaddress.size() << "):\n";
      for (const auto& a : c->virtual_ipaddress) {
        o << "     " << vip_text(a, *c, i.state == vrrp::State::kMaster) << "\n";
      }
    }
    o << "   Adverts sent = " << i.counters.adverts_sent << ", send errors = " << i.send_errors
      << "\n"
      << "   Packets received = " << i.counters.packets_received
      << ", dropped = " << i.counters.dropped_total() << "\n";
  }
  if (s.config) {
    o << "------< Configuration >------\n" << parser::config_json_text(*s.config) << "\n";
  }
  return o.str();
}

std::string render_check_data(const DumpSnapshot& s) {
  std::ostringstream o;
  o << "vigild " << VIGIL_VERSION << " checker data dump, " << timestamp(s.taken) << "\n";
  o << "------< Health checkers >------\n";
  if (!s.checkers_running || !s.config) {
    o << " (the health checkers are not running)\n";
    return o.str();
  }
  const auto& vss = s.config->lvs.virtual_servers;
  // Checker states by (virtual server, real server).
  std::map<std::pair<std::size_t, std::size_t>, std::vector<const checkers::CheckerStatus*>> by_rs;
  for (const auto& c : s.checkers) by_rs[{c.virtual_server, c.real_server}].push_back(&c);
  for (std::size_t v = 0; v < vss.size() && v < s.virtual_servers.size(); ++v) {
    const auto& vs = vss[v];
    const auto& live = s.virtual_servers[v];
    o << " Virtual server = " << checkers::virtual_server_name(vs) << "\n"
      << "   Quorum = " << (live.quorum_up ? "up" : "down") << " (" << vs.quorum << ")\n"
      << "   Sorry server active = " << (live.sorry_active ? "yes" : "no") << "\n";
    for (std::size_t r = 0; r < vs.real_servers.size() && r < live.real_servers.size(); ++r) {
      const auto& rs = vs.real_servers[r];
      o << "   Real server = " << checkers::real_server_name(rs, vs) << "\n"
        << "     Alive = " << (live.real_servers[r].alive ? "yes" : "no")
        << ", weight = " << live.real_servers[r].weight << "\n";
      auto it = by_rs.find({v, r});
      if (it == by_rs.end()) continue;
      for (const checkers::CheckerStatus* c : it->second) {
        const auto& cfg = rs.checkers.at(c->checker);
        o << "     " << checkers::type_name(cfg.type) << " = "
          << (!c->has_run ? "not run yet" : (c->up ? "up" : "down"));
        if (c->has_run && !c->last.ok && !c->last.reason.empty()) {
          o << " (" << c->last.reason << ")";
        }
        o << "\n";
      }
    }
  }
  return o.str();
}

std::string dump_directory() {
  const char* t = std::getenv("TMPDIR");
  return t != nullptr && *t != '\0' ? std::string(t) : std::string("/tmp");
}

std::error_code write_file_atomically(const std::string& dir, const std::string& name,
                                      const std::string& text) {
  std::string tmpl = dir + "/." + name + ".XXXXXX";
  const int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);  // mode 0600, O_EXCL
  if (fd < 0) return {errno, std::system_category()};
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int e = n < 0 ? errno : EIO;
      ::close(fd);
      ::unlink(tmpl.c_str());
      return {e, std::system_category()};
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) {
    const int e = errno;
    ::unlink(tmpl.c_str());
    return {e, std::system_category()};
  }
  const std::string path = dir + "/" + name;
  if (::rename(tmpl.c_str(), path.c_str()) != 0) {
    const int e = errno;
    ::unlink(tmpl.c_str());
    return {e, std::system_category()};
  }
  return {};
}

DumpSignals::DumpSignals(boost::asio::io_context& io, SnapshotSource source)
    : io_(io), source_(std::move(source)), signals_(io), directory_(dump_directory()) {
  for (const char* name : {"DATA", "STATS", "STATS_CLEAR", "JSON"}) {
    boost::system::error_code ec;
    signals_.add(*signal_number(name), ec);
    if (ec) core::logger("daemon")->warn("cannot handle the {} signal: {}", name, ec.message());
  }
  wait();
}

DumpSignals::~DumpSignals() {
  *alive_ = false;
  stopped_ = true;
  if (worker_.joinable()) worker_.join();
}

void DumpSignals::stop() {
  stopped_ = true;
  boost::system::error_code ec;
  signals_.cancel(ec);
}

void DumpSignals::wait() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signo) {
    if (ec || stopped_) return;
    unsigned kind = 0;
    if (signo == SIGUSR1) kind = kDumpData;
    if (signo == SIGUSR2) kind = kDumpStats;
    if (signo == *signal_number("STATS_CLEAR")) kind = kDumpStatsClear;
    if (signo == *signal_number("JSON")) kind = kDumpJson;
    request(kind);
    wait();
  });
}

void DumpSignals::request(unsigned kinds) {
  if (stopped_ || kinds == 0) return;
  pending_ |= kinds;
  if (!busy_) start_next();
}

void DumpSignals::start_next() {
  if (pending_ == 0 || stopped_) return;
  const unsigned kinds = pending_;
  pending_ = 0;
  busy_ = true;
  if (worker_.joinable()) worker_.join();  // the previous one has finished (it posted)
  auto log = core::logger("daemon");
  const auto t0 = std::chrono::steady_clock::now();
  DumpSnapshot snap = source_((kinds & kDumpData) != 0);
  std::vector<InstanceSnapshot> raw;
  if (kinds & kDumpStatsClear) raw = snap.instances;
  for (auto& i : snap.instances) {
    auto b = baseline_.find(i.name);
    if (b == baseline_.end()) continue;
    subtract(i.counters.adverts_sent, b->second.counters.adverts_sent);
    subtract(i.counters.packets_received, b->second.counters.packets_received);
    for (std::size_t r = 0; r < i.counters.dropped.size(); ++r) {
      subtract(i.counters.dropped[r], b->second.counters.dropped[r]);
    }
    subtract(i.machine.adverts_received, b->second.machine.adverts_received);
    subtract(i.machine.become_master, b->second.machine.become_master);
    subtract(i.machine.release_master, b->second.machine.release_master);
    subtract(i.machine.priority_zero_received, b->second.machine.priority_zero_received);
    subtract(i.machine.priority_zero_sent, b->second.machine.priority_zero_sent);
  }
  // STATS_CLEAR: later dumps count from now.
  for (auto& r : raw) baseline_[r.name] = std::move(r);
  log->debug(
      "dump snapshot taken on the loop in {} us",
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)
          .count());
  if (kinds & kDumpData) log->info("Printing VRRP and checker data on signal");
  if (kinds & (kDumpStats | kDumpStatsClear)) {
    log->info("Printing {}VRRP stats on signal", (kinds & kDumpStatsClear) ? "and clearing " : "");
  }
  if (kinds & kDumpJson) log->info("Printing VRRP as json on signal");

  std::weak_ptr<bool> alive = alive_;
  worker_ = std::thread([this, alive, kinds, snap = std::move(snap), dir = directory_] {
    auto write = [&](const std::string& name, const std::string& text) {
      if (auto ec = write_file_atomically(dir, name, text)) {
        core::logger("daemon")->error("cannot write {}/{}: {}", dir, name, ec.message());
      } else {
        ++written_;
      }
    };
    if (kinds & kDumpData) {
      write("keepalived.data", render_vrrp_data(snap));
      write("keepalived_check.data", render_check_data(snap));
    }
    if (kinds & (kDumpStats | kDumpStatsClear)) write("keepalived.stats", render_stats(snap));
    if (kinds & kDumpJson) write("keepalived.json", render_json(snap));
    boost::asio::post(io_, [this, alive] {
      auto a = alive.lock();
      if (a && *a) finished();
    });
  });
}

void DumpSignals::finished() {
  busy_ = false;
  start_next();
}

}  // namespace vigil::daemon
