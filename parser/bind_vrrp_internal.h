#pragma once

// Pieces of the VRRP binder split across files (bind_vrrp.cc: top-level blocks,
// bind_vrrp_instance.cc: vrrp_instance, bind_vrrp_addresses.cc: address/route/rule lines,
// bind_vrrp_tracking.cc: track_* lists, finalize_vrrp.cc, vrrp_json.cc). Internal.

#include <optional>
#include <string>
#include <string_view>

#include "parser/bind_vrrp_util.h"
#include "parser/config/config.h"

namespace vigil::parser::detail {

// ---- address / route / rule lines ----

enum class AddressUse { kVirtual, kStatic };

// One line of virtual_ipaddress(_excluded) / static_ipaddress; nullopt when keepalived drops
// the address. Records the `dev` interface for host checks.
std::optional<config::VirtualAddress> parse_address_line(const Node& line, AddressUse use,
                                                         BindContext& ctx);
// One line of virtual_routes / static_routes.
std::optional<config::Route> parse_route_line(const Node& line, AddressUse use, BindContext& ctx);
// One line of virtual_rules / static_rules. A rule without a preference gets keepalived's
// next one (16384, 16383, ... per family, counted over the rules already in `config`).
std::optional<config::Rule> parse_rule_line(const Node& line, AddressUse use,
                                            const config::Config& config, BindContext& ctx);

// The scope names of /etc/iproute2/rt_scopes that every system has, or a number 0..255.
bool valid_scope(std::string_view s);

// ---- tracking lists (vrrp_instance and vrrp_sync_group) ----

// `owner` names the instance or group in messages ("VI_1").
void bind_track_interfaces(const Node& block, std::string_view owner,
                           std::vector<config::TrackedInterface>& out, BindContext& ctx);
// Names must refer to a vrrp_script / track_file defined earlier in the file, as keepalived
// resolves them while reading.
void bind_track_scripts(const Node& block, std::string_view owner, const config::Vrrp& vrrp,
                        std::vector<config::TrackedScript>& out, BindContext& ctx);
void bind_track_files(const Node& block, std::string_view owner, const config::Vrrp& vrrp,
                      std::vector<config::TrackedFile>& out, BindContext& ctx);

// notify_* keywords: `owner_prefix` is "(VI_1)" or "vrrp group G".
void bind_notify(const Node& node, std::string_view owner_prefix,
                 config::Boxed<config::ScriptSpec>& slot, BindContext& ctx);

// ---- vrrp_instance ----

struct InstanceTarget {
  config::Config& config;
  config::VrrpInstance& inst;
  bool family_set = false;  // the family has been fixed by an address seen so far
};

// Binds a `vrrp_instance NAME { }` block into a new entry of config.vrrp.instances.
void bind_vrrp_instance(const Node& node, BindContext& ctx, config::Config& config);

}  // namespace vigil::parser::detail
