#include "ctl/status_text.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <string_view>

#include <fmt/format.h>

namespace vigil::ctl {
namespace {

using Json = nlohmann::json;

std::string str(Json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_null()) return "-";
  return j.dump();
}

// Appends `item` to a `sep`-separated list.
void add(std::string& list, std::string_view sep, const std::string& item) {
  if (!list.empty()) list += sep;
  list += item;
}

std::string tracked_text(Json& t) {
  std::string s = str(t["kind"]) + " " + str(t["name"]) + " " + str(t["state"]);
  if (t.value("fault", false)) return s + " FAULT";
  const int c = t.value("contribution", 0);
  if (c != 0) s += fmt::format(" {:+}", c);
  return s;
}

void header(std::string& out, Json& s) {
  Json& d = s["daemon"];
  Json& c = s["config"];
  fmt::format_to(std::back_inserter(out), "vigild {} on {} (pid {}), up {}\n", str(d["version"]),
                 str(d["router_id"]), str(d["pid"]),
                 short_duration(d.value("uptime_seconds", 0.0)));
  fmt::format_to(std::back_inserter(out), "config {} loaded {}", str(c["file"]), str(c["loaded"]));
  Json& r = c["last_reload"];
  if (r.is_object()) {
    fmt::format_to(std::back_inserter(out),
                   "; last reload {} at {} ({}): {} error(s), {} warning(s)", str(r["result"]),
                   str(r["time"]), str(r["trigger"]), str(r["errors"]), str(r["warnings"]));
    if (r["result"] == "refused") {
      out += "\n";
      for (auto& line : r["diagnostics"]) out += "  " + str(line) + "\n";
      return;
    }
  }
  out += "\n";
}

void vrrp(std::string& out, Json& v) {
  out += "\nVRRP\n";
  if (!v.value("running", false)) {
    out += "  not running (no vrrp_instance, or -C)\n";
    return;
  }
  std::size_t w = 8;
  for (auto& i : v["instances"]) w = std::max(w, str(i["name"]).size());
  fmt::format_to(std::back_inserter(out),
                 "{:<{}}  {:<6}  {:>7}  {:<16} {:<10} {:>4}  {:<8}  {:>7}  {}\n", "Instance", w,
                 "State", "Prio", "Master", "Interface", "VRID", "In state", "Changes", "VIPs");
  for (auto& i : v["instances"]) {
    std::string prio = str(i["effective_priority"]);
    if (i["effective_priority"] != i["base_priority"]) prio += "/" + str(i["base_priority"]);
    std::string vips;
    for (auto& a : i["vips"]) add(vips, " ", str(a));
    fmt::format_to(
        std::back_inserter(out), "{:<{}}  {:<6}  {:>7}  {:<16} {:<10} {:>4}  {:<8}  {:>7}  {}\n",
        str(i["name"]), w, str(i["state"]), prio, str(i["master"]),
        i["interface"].get<std::string>().empty() ? "-" : str(i["interface"]), str(i["vrid"]),
        short_duration(i.value("in_state_seconds", 0.0)), str(i["counters"]["transitions"]), vips);
    std::string tracked;
    for (auto& t : i["tracked"]) add(tracked, "; ", tracked_text(t));
    if (!tracked.empty()) out += "    tracking: " + tracked + "\n";
    Json& c = i["counters"];
    if (c.value("dropped_total", 0) - c["dropped"].value("own_advert", 0) > 0) {
      std::string dropped;
      for (const auto& [reason, n] : c["dropped"].items()) {
        if (reason == "own_advert" || n.get<std::uint64_t>() == 0) continue;
        add(dropped, ", ", reason + " " + n.dump());
      }
      out += "    dropped: " + dropped + "\n";
    }
  }
  for (auto& g : v["sync_groups"]) {
    std::string members;
    for (auto& m : g["members"]) add(members, ", ", str(m));
    fmt::format_to(std::back_inserter(out), "  sync group {}: {} ({})\n", str(g["name"]),
                   str(g["state"]), members);
  }
}

std::string check_text(Json& c) {
  std::string s = str(c["type"]);
  Json& last = c["last"];
  if (!c.value("scheduled", false) && last.is_null()) return s + " " + str(c["state"]);
  if (last.is_null()) return s + " not run yet";
  if (last["result"] == "success") {
    return s + fmt::format(" ok {:.2f} ms", last.value("latency_seconds", 0.0) * 1000);
  }
  s += " failed";
  const auto n = c.value("consecutive_failures", 0);
  if (n > 1) s += fmt::format(" {}x", n);
  return s + ": " + str(last["reason"]);
}

void checkers(std::string& out, Json& c) {
  out += "\nVirtual servers (health checks)\n";
  if (!c.value("running", false)) {
    out += "  not running (no virtual_server, or -P)\n";
    return;
  }
  for (auto& vs : c["virtual_servers"]) {
    std::size_t up = 0;
    std::size_t w = 0;
    for (auto& rs : vs["real_servers"]) {
      up += rs.value("alive", false) ? 1 : 0;
      w = std::max(w, str(rs["name"]).size());
    }
    fmt::format_to(std::back_inserter(out),
                   "{}  quorum {}, {} of {} real servers up (alive weight {}, quorum {}){}\n",
                   str(vs["name"]), vs.value("quorum_up", false) ? "up" : "DOWN", up,
                   vs["real_servers"].size(), str(vs["alive_weight"]), str(vs["quorum"]),
                   vs.value("sorry_server_active", false) ? ", sorry server active" : "");
    for (auto& rs : vs["real_servers"]) {
      std::string checks;
      for (auto& k : rs["checks"]) add(checks, "; ", check_text(k));
      fmt::format_to(std::back_inserter(out), "  -> {:<{}}  {:<4}  weight {:<5} {}\n",
                     str(rs["name"]), w, rs.value("alive", false) ? "UP" : "DOWN",
                     str(rs["weight"]), checks);
    }
  }
}

std::string service_line(Json& s) {
  if (s.value("fwmark", 0) != 0)
    return fmt::format("FWM  {} {}", str(s["fwmark"]), str(s["scheduler"]));
  const std::string address = str(s["address"]);
  const bool v6 = address.find(':') != std::string::npos;
  return fmt::format("{}  {}:{} {}", str(s["protocol"]), v6 ? "[" + address + "]" : address,
                     str(s["port"]), str(s["scheduler"]));
}

void ipvs(std::string& out, Json& p) {
  out += "\nIPVS\n";
  if (!p.value("running", false)) {
    out += "  no IPVS table is programmed (no virtual_server, or -P)\n";
    return;
  }
  if (!p.value("available", false)) {
    out +=
        "  IPVS is not available in this kernel (the ip_vs module is not loaded); vigild keeps "
        "trying and programs the table as soon as it appears\n";
    return;
  }
  Json& age = p["counters_age_seconds"];
  fmt::format_to(std::back_inserter(out), "IP Virtual Server table ({}, counters {})\n",
                 p.value("settled", false) ? "in sync" : "changes pending",
                 age.is_number() ? short_duration(age.get<double>()) + " old" : "not read yet");
  out += "Prot LocalAddress:Port Scheduler Flags\n";
  out += "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n";
  for (auto& s : p["services"]) {
    out += service_line(s);
    if (!s.value("configured", true)) out += "  (no longer configured: being removed)";
    out += "\n";
    for (auto& d : s["destinations"]) {
      const std::string address = str(d["address"]);
      const std::string where =
          (address.find(':') != std::string::npos ? "[" + address + "]" : address) + ":" +
          str(d["port"]);
      fmt::format_to(std::back_inserter(out), "  -> {:<28} {:<7} {:<6} {:<10} {:<10}", where,
                     str(d["forward"]), str(d["applied_weight"]),
                     d.contains("active_connections") ? str(d["active_connections"]) : "-",
                     d.contains("inactive_connections") ? str(d["inactive_connections"]) : "-");
      if (d["desired_weight"] != d["applied_weight"]) {
        out += d["desired_weight"].is_null() ? " (to be removed)"
                                             : " (to weight " + str(d["desired_weight"]) + ")";
      }
      out += "\n";
    }
  }
}

}  // namespace

std::string short_duration(double seconds) {
  const auto s = static_cast<long long>(std::max(0.0, std::floor(seconds)));
  const long long d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60, r = s % 60;
  if (d > 0) return fmt::format("{}d {}h", d, h);
  if (h > 0) return fmt::format("{}h {}m", h, m);
  if (m > 0) return fmt::format("{}m {}s", m, r);
  return fmt::format("{}s", r);
}

std::string render_status(Json status) {
  std::string out;
  header(out, status);
  vrrp(out, status["vrrp"]);
  checkers(out, status["checkers"]);
  ipvs(out, status["ipvs"]);
  return out;
}

}  // namespace vigil::ctl
