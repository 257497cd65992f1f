#pragma once

// SIGHUP reload of the VRRP engine, the pure part: which running vrrp_instance becomes which
// instance of the new configuration, and how two keyed lists (VIPs, routes, rules) differ.
//
// keepalived 2.2.7 matches instances by what they are on the wire, not by their name (observed
// on Debian's keepalived in a namespace lab, see docs/vrrp.md "Reload"):
//  - kept, state and all: a renamed instance (VI_1 -> VI_X on the same interface and VRID), a
//    changed version (2 -> 3), priority, advert_int, VIP list, authentication (none, PASS, AH),
//    unicast peer list, tracking, notify scripts;
//  - stopped and started again ("sent 0 priority", then "Entering BACKUP STATE (init)"): another
//    interface, VRID or family, use_vmac switched, unicast <-> multicast, another unicast_src_ip.
// vigil matches on the same identity, and also counts the VMAC's name and MAC and an explicit
// mcast_src_ip in it (the VMAC is the instance's interface; the source is its address on the
// wire).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/ip_address.h"
#include "parser/config/vrrp_instance.h"

namespace vigil::vrrp {

struct InstanceIdentity {
  std::string interface;  // empty: unicast without an interface
  std::uint8_t vrid = 0;
  core::Family family = core::Family::kIPv4;
  bool unicast = false;
  bool use_vmac = false;
  std::string vmac_name;  // as configured (empty: the default vrrp.VRID)
  std::string vmac_mac;
  std::optional<core::IpAddress> source;  // unicast_src_ip / mcast_src_ip when configured

  bool operator==(const InstanceIdentity&) const = default;
};

InstanceIdentity identity_of(const config::VrrpInstance& instance);

// What differs between the identities of `before` and `after`, for the log ("virtual_router_id
// 52 -> 62, use_vmac off -> on"); empty when they are the same.
std::string identity_change(const config::VrrpInstance& before, const config::VrrpInstance& after);

struct ReloadPlan {
  struct Kept {
    std::size_t from = 0;  // index in the running instances
    std::size_t to = 0;    // index in the new instances
    bool operator==(const Kept&) const = default;
  };
  std::vector<Kept> kept;            // same identity: the state is kept, changes go in place
  std::vector<std::size_t> removed;  // running instances the new configuration lacks: stopped
  std::vector<std::size_t> added;    // new instances: started as at start-up
};

// Every new instance takes the running instance of the same identity, the one of the same name
// first when several share it; each running instance is taken at most once. An instance whose
// identity changed under the same name is thus removed and added again (restarted).
ReloadPlan plan_reload(std::span<const config::VrrpInstance* const> running,
                       std::span<const config::VrrpInstance> next);

// Two lists compared by key: entries whose key is in both stay (old index -> new index), the
// others go or come. Each key is matched once, in order, so duplicates pair up one by one.
struct KeyedDiff {
  std::vector<std::pair<std::size_t, std::size_t>> kept;
  std::vector<std::size_t> removed;  // old indices
  std::vector<std::size_t> added;    // new indices
};
KeyedDiff diff_by_key(std::span<const std::string> before, std::span<const std::string> after);

}  // namespace vigil::vrrp
