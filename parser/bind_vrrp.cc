// Top-level VRRP-side blocks of keepalived 2.2.7 (vrrp_parser.c, track_file.c):
// static_ipaddress/routes/rules, track_group, vrrp_script, track_file, vrrp_sync_group,
// garp_group, linkbeat_interfaces, interface_up_down_delays, vrrp_instance. vrrp_track_process
// and bfd_instance are accepted but not implemented.
#include <charconv>

#include "parser/bind_vrrp_internal.h"
#include "parser/binders.h"

namespace vigil::parser {
namespace {

using config::Config;
using config::Duration;
using namespace detail;

// `keyword { ... }` with no name.
bool anonymous_block(const Node& n, BindContext& ctx) {
  if (n.argc() != 0) {
    ctx.diag.error(n.arg(0).location, "block " + q(n.keyword()) + " has extra parameters " +
                                          q(n.arg(0).text) + "; block skipped");
    return false;
  }
  return expect_block(n, ctx);
}

// `keyword NAME { ... }`.
bool named_block(const Node& n, BindContext& ctx) {
  if (n.argc() != 1) {
    ctx.diag.error(n.location(), q(n.keyword()) + " must have exactly one name; block skipped");
    return false;
  }
  return expect_block(n, ctx);
}

void static_ipaddress(const Node& n, BindContext& ctx, Config& c) {
  if (!anonymous_block(n, ctx)) return;
  for (const Node& line : n.children) {
    if (auto a = parse_address_line(line, AddressUse::kStatic, ctx)) {
      c.vrrp.static_addresses.push_back(std::move(*a));
    }
  }
}

void static_routes(const Node& n, BindContext& ctx, Config& c) {
  if (!anonymous_block(n, ctx)) return;
  for (const Node& line : n.children) {
    if (auto r = parse_route_line(line, AddressUse::kStatic, ctx)) {
      c.vrrp.static_routes.push_back(std::move(*r));
    }
  }
}

void static_rules(const Node& n, BindContext& ctx, Config& c) {
  if (!anonymous_block(n, ctx)) return;
  for (const Node& line : n.children) {
    if (auto r = parse_rule_line(line, AddressUse::kStatic, c, ctx)) {
      c.vrrp.static_rules.push_back(std::move(*r));
    }
  }
}

// ---- track_group ----

void track_group_group(const Node& n, BindContext& ctx, config::TrackGroup& g) {
  if (!g.members.empty()) {
    ctx.diag.error(n.location(), "group list already specified for track_group " + q(g.name) +
                                     "; ignoring this one");
    return;
  }
  for (auto& w : value_block_words(n, ctx)) g.members.push_back(w.text);
  if (n.has_block && g.members.empty()) {
    ctx.diag.warning(n.location(), "track_group " + q(g.name) + " has an empty group block");
  }
}

const Keyword<config::TrackGroup> kTrackGroupKeywords[] = {{"group", &track_group_group}};

void track_group(const Node& n, BindContext& ctx, Config& c) {
  if (!named_block(n, ctx)) return;
  for (const auto& g : c.vrrp.track_groups) {
    if (g.name == n.arg(0).text) {
      ctx.diag.error(n.arg(0).location, "track_group " + q(g.name) +
                                            " already defined; "
                                            "block skipped");
      return;
    }
  }
  config::TrackGroup g;
  g.name = n.arg(0).text;
  g.location = n.location();
  bind_block(n, std::span<const Keyword<config::TrackGroup>>(kTrackGroupKeywords), "track_group",
             ctx, g);
  if (g.members.empty()) {
    ctx.diag.warning(g.location, "track_group " + q(g.name) + " has no members; removing it");
    return;
  }
  c.vrrp.track_groups.push_back(std::move(g));
}

// ---- vrrp_script ----

void script_script(const Node& n, BindContext& ctx, config::VrrpScript& s) {
  if (!line_args(n, ctx, 1, SIZE_MAX)) return;
  // keepalived reads the whole line: `script /bin/check arg` and `script "/bin/check arg"`
  // are the same command.
  s.script.command = join_command(n, 0);
  s.script.location = n.arg(0).location;
}

// interval/timeout: whole seconds; 0 is accepted for compatibility and becomes 1.
template <auto M>
void script_seconds(const Node& n, BindContext& ctx, config::VrrpScript& s) {
  if (!line_args(n, ctx, 1, 1)) return;
  auto v = parse_uint(n, 0, 0, 4294, ctx);
  if (!v) return;
  if (*v == 0) {
    ctx.diag.warning(n.arg(0).location, "(" + s.name + ") vrrp_script " + std::string(n.keyword()) +
                                            " must be greater than 0; using 1");
    *v = 1;
  }
  s.*M = std::chrono::seconds(*v);
}

void script_weight(const Node& n, BindContext& ctx, config::VrrpScript& s) {
  if (!line_args(n, ctx, 1, 2)) return;
  if (auto v = parse_int(n, 0, -253, 253, ctx)) s.weight = static_cast<int>(*v);
  if (n.argc() == 2) {
    if (n.arg(1).text == "reverse") {
      s.weight_reverse = true;
    } else {
      report_bad_choice(n, 1, std::initializer_list<std::string_view>{"reverse"}, ctx);
    }
  }
}

// rise/fall: keepalived falls back to 1 on a bad value.
template <auto M>
void script_count(const Node& n, BindContext& ctx, config::VrrpScript& s) {
  if (!line_args(n, ctx, 1, 1)) return;
  auto v = parse_uint(n, 0, 1, INT32_MAX, ctx);
  s.*M = static_cast<std::uint32_t>(v.value_or(1));
}

void script_user(const Node& n, BindContext& ctx, config::VrrpScript& s) {
  if (!line_args(n, ctx, 1, 2)) return;
  s.script.user = n.arg(0).text;
  s.script.group = n.argc() == 2 ? n.arg(1).text : "";
}

void script_init_fail(const Node& n, BindContext& ctx, config::VrrpScript& s) {
  if (!line_args(n, ctx, 0, 0)) return;
  s.init_fail = true;
}

const Keyword<config::VrrpScript> kScriptKeywords[] = {
    {"script", &script_script},
    {"interval", &script_seconds<&config::VrrpScript::interval>},
    {"timeout", &script_seconds<&config::VrrpScript::timeout>},
    {"weight", &script_weight},
    {"rise", &script_count<&config::VrrpScript::rise>},
    {"fall", &script_count<&config::VrrpScript::fall>},
    {"user", &script_user},
    {"init_fail", &script_init_fail},
};

void vrrp_script(const Node& n, BindContext& ctx, Config& c) {
  if (!named_block(n, ctx)) return;
  config::VrrpScript s;
  s.name = n.arg(0).text;
  s.location = n.location();
  bind_block(n, std::span<const Keyword<config::VrrpScript>>(kScriptKeywords), "vrrp_script", ctx,
             s);
  if (s.script.command.empty()) {
    ctx.diag.warning(s.location, "no script set for vrrp_script " + q(s.name) + "; removing it");
    return;
  }
  // keepalived keeps both and track_script finds the first; a second definition is almost
  // certainly a mistake, so vigil reports it.
  for (const auto& other : c.vrrp.scripts) {
    if (other.name == s.name) {
      ctx.diag.error(n.arg(0).location, "vrrp_script " + q(s.name) + " already defined at " +
                                            other.location.str() + "; ignoring this one");
      return;
    }
  }
  c.vrrp.scripts.push_back(std::move(s));
}

// ---- track_file ----

void file_file(const Node& n, BindContext& ctx, config::TrackFile& f) {
  if (!line_args(n, ctx, 1, 1)) return;
  if (!f.file.empty()) {
    ctx.diag.error(n.arg(0).location, "file already set for track_file " + q(f.name) +
                                          "; ignoring " + q(n.arg(0).text));
    return;
  }
  f.file = n.arg(0).text;
}

void file_weight(const Node& n, BindContext& ctx, config::TrackFile& f) {
  if (!line_args(n, ctx, 1, 2)) return;
  if (auto v = parse_int(n, 0, -254, 254, ctx)) f.weight = static_cast<int>(*v);
  if (n.argc() == 2) {
    if (n.arg(1).text == "reverse") {
      f.weight_reverse = true;
    } else {
      report_bad_choice(n, 1, std::initializer_list<std::string_view>{"reverse"}, ctx);
    }
  }
}

void file_init(const Node& n, BindContext& ctx, config::TrackFile& f) {
  if (!line_args(n, ctx, 0, 2)) return;
  f.init_file = true;
  for (std::size_t i = 0; i < n.argc(); ++i) {
    if (n.arg(i).text == "overwrite") {
      f.init_overwrite = true;
    } else if (auto v = parse_int(n, i, INT32_MIN, INT32_MAX, ctx)) {
      f.init_value = *v;
    }
  }
}

const Keyword<config::TrackFile> kTrackFileKeywords[] = {
    {"file", &file_file},
    {"weight", &file_weight},
    {"init_file", &file_init},
};

void track_file(const Node& n, BindContext& ctx, Config& c) {
  if (!named_block(n, ctx)) return;
  if (n.keyword() == "vrrp_track_file") {
    notice(ctx, n.location(), "\"vrrp_track_file\" is deprecated; use \"track_file\"");
  }
  config::TrackFile f;
  f.name = n.arg(0).text;
  f.location = n.location();
  bind_block(n, std::span<const Keyword<config::TrackFile>>(kTrackFileKeywords), "track_file", ctx,
             f);
  if (f.file.empty()) {
    ctx.diag.warning(f.location, "no file set for track_file " + q(f.name) + "; ignoring it");
    return;
  }
  for (const auto& other : c.vrrp.track_files) {
    if (other.name == f.name) {
      ctx.diag.error(n.arg(0).location, "track_file " + q(f.name) + " already defined at " +
                                            other.location.str() + "; ignoring this one");
      return;
    }
  }
  c.vrrp.track_files.push_back(std::move(f));
}

// ---- vrrp_sync_group ----

struct GroupTarget {
  Config& config;
  config::SyncGroup& group;
  bool have_group_block = false;
};

void sg_group(const Node& n, BindContext& ctx, GroupTarget& t) {
  if (t.have_group_block) {
    ctx.diag.error(n.location(), "group list already specified for sync group " + q(t.group.name) +
                                     "; ignoring this one");
    return;
  }
  t.have_group_block = true;
  auto words = value_block_words(n, ctx);
  if (n.has_block && words.empty()) {
    ctx.diag.warning(n.location(), "sync group " + q(t.group.name) +
                                       " has an empty group "
                                       "block");
  }
  for (auto& w : words) {
    t.group.members.push_back(w.text);
    t.group.member_locations.push_back(w.location);
  }
}

void sg_track_interface(const Node& n, BindContext& ctx, GroupTarget& t) {
  bind_track_interfaces(n, t.group.name, t.group.track_interfaces, ctx);
}
void sg_track_script(const Node& n, BindContext& ctx, GroupTarget& t) {
  bind_track_scripts(n, t.group.name, t.config.vrrp, t.group.track_scripts, ctx);
}
void sg_track_file(const Node& n, BindContext& ctx, GroupTarget& t) {
  bind_track_files(n, t.group.name, t.config.vrrp, t.group.track_files, ctx);
}

template <auto M>
void sg_notify(const Node& n, BindContext& ctx, GroupTarget& t) {
  bind_notify(n, "vrrp group " + t.group.name + ":", t.group.*M, ctx);
}

template <auto M>
void sg_flag(const Node& n, BindContext& ctx, GroupTarget& t) {
  if (!line_args(n, ctx, 0, 1)) return;
  if (auto v = parse_flag(n, 0, ctx)) t.group.*M = *v;
}

void sg_tracking_weight(const Node& n, BindContext& ctx, GroupTarget& t) {
  if (!line_args(n, ctx, 0, 0)) return;
  if (n.keyword() == "global_tracking") {
    ctx.diag.warning(n.location(), "(" + t.group.name +
                                       ") global_tracking is deprecated; use "
                                       "track_interface/script/file on the "
                                       "sync group");
  }
  t.group.sync_group_tracking_weight = true;
}

const Keyword<GroupTarget> kSyncGroupKeywords[] = {
    {"group", &sg_group},
    {"track_interface", &sg_track_interface},
    {"track_script", &sg_track_script},
    {"track_file", &sg_track_file},
    {"track_process", nullptr, KeywordKind::kUnsupported, "process tracking"},
    {"track_bfd", nullptr, KeywordKind::kUnsupported, "BFD"},
    {"notify_backup", &sg_notify<&config::SyncGroup::notify_backup>},
    {"notify_master", &sg_notify<&config::SyncGroup::notify_master>},
    {"notify_fault", &sg_notify<&config::SyncGroup::notify_fault>},
    {"notify_stop", &sg_notify<&config::SyncGroup::notify_stop>},
    {"notify", &sg_notify<&config::SyncGroup::notify>},
    {"smtp_alert", &sg_flag<&config::SyncGroup::smtp_alert>},
    {"global_tracking", &sg_tracking_weight},
    {"sync_group_tracking_weight", &sg_tracking_weight},
    {"notify_priority_changes", &sg_flag<&config::SyncGroup::notify_priority_changes>},
};

void vrrp_sync_group(const Node& n, BindContext& ctx, Config& c) {
  if (!named_block(n, ctx)) return;
  for (const auto& g : c.vrrp.sync_groups) {
    if (g.name == n.arg(0).text) {
      ctx.diag.error(n.arg(0).location, "vrrp_sync_group " + q(g.name) +
                                            " already defined; "
                                            "block skipped");
      return;
    }
  }
  config::SyncGroup g;
  g.name = n.arg(0).text;
  g.location = n.location();
  GroupTarget t{c, g};
  // A member listed directly in the block (without `group { }`) is an unknown keyword to
  // keepalived ("Unknown keyword 'VI_2'", sample keepalived.conf.vrrp.lvs_syncd); vigil
  // reports it the same way, through the keyword table.
  bind_block(n, std::span<const Keyword<GroupTarget>>(kSyncGroupKeywords), "vrrp_sync_group", ctx,
             t);
  c.vrrp.sync_groups.push_back(std::move(g));
}

// ---- garp_group, linkbeat_interfaces, interface_up_down_delays ----

template <auto M>
void gg_interval(const Node& n, BindContext& ctx, config::GarpGroup& g) {
  if (!line_args(n, ctx, 1, 1)) return;
  auto v = parse_duration(n, 0, Duration(0), Duration(INT32_MAX), ctx);
  if (!v) return;
  g.*M = *v;
  if (*v >= std::chrono::seconds(1)) {
    notice(ctx, n.arg(0).location,
           "the garp_group " + std::string(n.keyword()) + " is very large - " + n.arg(0).text +
               " seconds");
  }
}

void gg_interface(const Node& n, BindContext& ctx, config::GarpGroup& g) {
  if (!line_args(n, ctx, 1, 1)) return;
  g.interfaces.push_back(n.arg(0).text);
  ctx.host.interfaces.push_back({n.arg(0).text, n.arg(0).location, "garp_group"});
}

void gg_interfaces(const Node& n, BindContext& ctx, config::GarpGroup& g) {
  auto words = value_block_words(n, ctx);
  if (n.has_block && words.empty()) {
    ctx.diag.warning(n.location(), "empty garp_group interfaces block");
  }
  g.aggregate = true;
  for (auto& w : words) {
    g.interfaces.push_back(w.text);
    ctx.host.interfaces.push_back({w.text, w.location, "garp_group"});
  }
}

const Keyword<config::GarpGroup> kGarpGroupKeywords[] = {
    {"garp_interval", &gg_interval<&config::GarpGroup::garp_interval>},
    {"gna_interval", &gg_interval<&config::GarpGroup::gna_interval>},
    {"interface", &gg_interface},
    {"interfaces", &gg_interfaces},
};

void garp_group(const Node& n, BindContext& ctx, Config& c) {
  if (!anonymous_block(n, ctx)) return;
  config::GarpGroup g;
  g.location = n.location();
  bind_block(n, std::span<const Keyword<config::GarpGroup>>(kGarpGroupKeywords), "garp_group", ctx,
             g);
  if (!g.garp_interval && !g.gna_interval) {
    ctx.diag.warning(g.location,
                     "garp_group has neither garp_interval nor gna_interval; "
                     "removing it");
    return;
  }
  for (const auto& ifname : g.interfaces) {
    for (const auto& other : c.vrrp.garp_groups) {
      for (const auto& o : other.interfaces) {
        if (o == ifname) {
          ctx.diag.error(g.location, "garp_group already specified for " + q(ifname) + " at " +
                                         other.location.str());
        }
      }
    }
  }
  c.vrrp.garp_groups.push_back(std::move(g));
}

void linkbeat_interfaces(const Node& n, BindContext& ctx, Config& c) {
  if (!anonymous_block(n, ctx)) return;
  for (const Node& line : n.children) {
    if (line.has_block || line.argc() > 1) {
      ctx.diag.error(line.location(),
                     "linkbeat_interfaces: expected 'INTERFACE [MII|ETHTOOL|"
                     "IOCTL]'");
      continue;
    }
    config::LinkbeatInterface l{line.words[0].text, "", line.location()};
    if (line.argc() == 1) {
      const std::string& type = line.arg(0).text;
      if (type != "MII" && type != "ETHTOOL" && type != "IOCTL") {
        report_bad_choice(line, 0,
                          std::initializer_list<std::string_view>{"MII", "ETHTOOL", "IOCTL"}, ctx);
      } else {
        l.type = type;
      }
    }
    ctx.host.interfaces.push_back({l.name, l.location, "linkbeat interface"});
    c.vrrp.linkbeat_interfaces.push_back(std::move(l));
  }
}

void interface_up_down_delays(const Node& n, BindContext& ctx, Config& c) {
  if (!anonymous_block(n, ctx)) return;
  for (const Node& line : n.children) {
    if (line.has_block) {
      ctx.diag.error(line.block_location, "unexpected '{' block in interface_up_down_delays");
      continue;
    }
    // keepalived only logs these problems (they do not count against the file).
    if (line.argc() == 0) {
      notice(ctx, line.location(),
             "no delays given for " + q(line.words[0].text) + "; ignoring it");
      continue;
    }
    if (line.argc() > 2) {
      notice(ctx, line.arg(2).location,
             "too many parameters for " + q(line.words[0].text) + " up/down delays");
    }
    config::InterfaceDelays d{line.words[0].text, {}, {}, line.location()};
    auto delay = [&](std::size_t i, Duration& out) {
      Diagnostics scratch;  // the parser's own message is replaced by a notice
      BindContext local{scratch, ctx.options, ctx.host};
      auto v = parse_duration(line, i, Duration(0), std::chrono::seconds(255), local);
      if (!v) {
        notice(ctx, line.arg(i).location,
               "invalid " + std::string(i == 0 ? "down" : "up") + " delay " + q(line.arg(i).text) +
                   " for " + q(line.words[0].text) + " (expected seconds 0..255)");
        return false;
      }
      out = *v;
      return true;
    };
    if (!delay(0, d.down_delay)) continue;
    // keepalived 2.2.7 uses an up delay of 0 when it is omitted.
    if (line.argc() >= 2 && !delay(1, d.up_delay)) continue;
    ctx.host.interfaces.push_back({d.name, d.location, "up/down delay"});
    c.vrrp.interface_up_down_delays.push_back(std::move(d));
  }
}

void vrrp_instance(const Node& n, BindContext& ctx, Config& c) { bind_vrrp_instance(n, ctx, c); }

const Keyword<Config> kTopLevel[] = {
    {"static_ipaddress", &static_ipaddress},
    {"static_routes", &static_routes},
    {"static_rules", &static_rules},
    {"track_group", &track_group},
    {"vrrp_script", &vrrp_script},
    {"track_file", &track_file},
    {"vrrp_track_file", &track_file},
    {"vrrp_sync_group", &vrrp_sync_group},
    {"garp_group", &garp_group},
    {"linkbeat_interfaces", &linkbeat_interfaces},
    {"interface_up_down_delays", &interface_up_down_delays},
    {"vrrp_instance", &vrrp_instance},
    {"vrrp_track_process", nullptr, KeywordKind::kUnsupported, "process tracking"},
    {"bfd_instance", nullptr, KeywordKind::kUnsupported, "BFD"},
};

}  // namespace

std::span<const Keyword<config::Config>> vrrp_top_level_keywords() { return kTopLevel; }

}  // namespace vigil::parser
