#pragma once

// What a vrrp_instance puts on the system while it is MASTER: virtual_ipaddress,
// virtual_ipaddress_excluded, virtual_routes and virtual_rules (keepalived's vrrp_ipaddress.c,
// vrrp_iproute.c, vrrp_iprule.c, applied by vrrp_handle_ipaddress/_iproutes/_iprules).
//
// - install() on becoming MASTER, remove() on leaving it. Both are idempotent: an address, route
//   or rule that is already there (EEXIST) or already gone (EADDRNOTAVAIL, ESRCH, ENOENT,
//   ENODEV) is not an error.
// - remove_stale() at start removes everything the configuration owns whether or not this
//   process added it (keepalived does the same with force when an instance starts as BACKUP),
//   so VIPs left by a crash do not stay on a backup.
// - While installed, a VIP that something else deletes (RTM_DELADDR from the monitor) is added
//   back at once and logged at warn: "(VI_1) VIP 10.0.0.1/32 on eth0 was removed by someone
//   else; restored". keepalived does not do this; losing a VIP silently is a frequent complaint.
//
// Messages follow keepalived: IPv4 VIPs default to /32 (the parser sets the length), IPv6 VIPs
// get IFA_F_NODAD unless `-nodad` was given and an IFA_CACHEINFO with preferred_lft 0 for a /128
// (the parser sets preferred_lft), routes and rules are tagged with protocol keepalived (18)
// unless `protocol` is given, so a delete only ever matches what keepalived or vigil added.
//
// The message builders are free functions so that tests can check them without a kernel.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "core/netlink.h"
#include "parser/config/vrrp_addresses.h"
#include "parser/config/vrrp_instance.h"
#include "vrrp/interfaces.h"

namespace vigil::vrrp {

// Protocol tag of the routes and rules keepalived adds (RTPROT_KEEPALIVED).
inline constexpr std::uint8_t kRtprotKeepalived = 18;

// Message builders. `ifindex` is the resolved `dev` (or the instance's interface). They return
// nullptr and set `error` to a short reason when the configuration cannot be expressed;
// `unsupported` collects options that were ignored (reported once at warn by AddressSet).
core::NlMsgPtr build_address_message(const config::VirtualAddress& a, int ifindex, bool add);
core::NlMsgPtr build_route_message(const config::Route& r, int oif,
                                   const std::vector<int>& nexthop_oifs, bool add,
                                   std::string& error, std::vector<std::string>& unsupported);
core::NlMsgPtr build_rule_message(const config::Rule& r, bool add, std::string& error,
                                  std::vector<std::string>& unsupported);

// Names as `ip` accepts them (numbers too); nullopt when unknown. Tables and protocols are also
// looked up in /etc/iproute2/rt_tables and rt_protos, as keepalived does.
std::optional<std::uint8_t> parse_scope(std::string_view s);
std::optional<std::uint32_t> parse_route_table(std::string_view s);
std::optional<std::uint8_t> parse_route_protocol(std::string_view s);
std::optional<std::uint8_t> parse_route_type(std::string_view s);

class AddressSet {
 public:
  enum class Kind { kAddress, kRoute, kRule };

  // One configured item and whether it is believed to be on the system.
  struct Item {
    Kind kind;
    std::string text;  // "10.0.0.1/32 dev eth0", "10.1.0.0/16 via 10.0.0.254 dev eth0", ...
    bool installed = false;
  };

  struct Stats {
    std::uint64_t add_failures = 0;
    std::uint64_t remove_failures = 0;
    std::uint64_t restored = 0;  // VIPs put back after someone else removed them
  };

  // `default_interface` is where addresses and routes without `dev` go: the instance's
  // interface, or its VMAC. `nl` and `interfaces` must outlive the set.
  AddressSet(core::NetlinkSocket& nl, InterfaceTable& interfaces, std::string instance_name,
             std::string default_interface, std::vector<config::VirtualAddress> addresses,
             std::vector<config::Route> routes, std::vector<config::Rule> rules);
  // virtual_ipaddress followed by virtual_ipaddress_excluded.
  static std::vector<config::VirtualAddress> addresses_of(const config::VrrpInstance& inst);
  // virtual_ipaddress + virtual_ipaddress_excluded + virtual_routes + virtual_rules of `inst`.
  static std::unique_ptr<AddressSet> for_instance(core::NetlinkSocket& nl,
                                                  InterfaceTable& interfaces,
                                                  const config::VrrpInstance& inst,
                                                  std::string default_interface);
  ~AddressSet();
  AddressSet(const AddressSet&) = delete;
  AddressSet& operator=(const AddressSet&) = delete;

  // Adds addresses, then routes, then rules (routes may need the addresses). Every item is
  // tried; the first error is returned, every failure is logged and counted.
  std::error_code install();
  // Removes rules, routes, then addresses. Same error policy.
  std::error_code remove();
  // Start-up: removes every configured item, whoever added it; absent items are not errors.
  void remove_stale();

  // SIGHUP reload of the instance: the configured items become these. Items in both lists (the
  // same netlink request, so every option counts) stay as they are on the system. While
  // installed, items no longer configured are removed now and new ones wait for add_new(), so
  // that the engine can let every instance drop what it loses before any adds what it gains (a
  // VIP that moves between two masters survives the reload).
  void reconfigure(std::vector<config::VirtualAddress> addresses, std::vector<config::Route> routes,
                   std::vector<config::Rule> rules);
  // The VIPs (for gratuitous ARP / unsolicited NA) with the interface each one is on.
  struct Vip {
    core::IpAddress address;
    std::string dev;
  };
  // Adds, while installed, what reconfigure() brought in; returns the VIPs among them (to be
  // announced). Not installed: nothing to do, they go on with the next install().
  std::vector<Vip> add_new();

  bool installed() const { return installed_; }
  std::vector<Item> items() const;

  std::vector<Vip> vips() const;

  const Stats& stats() const { return stats_; }

 private:
  struct AddressEntry;
  struct RouteEntry;
  struct RuleEntry;

  AddressEntry make_entry(config::VirtualAddress a);
  RouteEntry make_entry(config::Route r);
  RuleEntry make_entry(config::Rule r);
  std::string key_of(const config::VirtualAddress& a) const;
  std::string key_of(const config::Route& r) const;
  std::string key_of(const config::Rule& r) const;
  std::error_code add_address(AddressEntry& e, bool restoring);
  std::error_code remove_address(AddressEntry& e, bool force);
  std::error_code add_route(RouteEntry& e);
  std::error_code remove_route(RouteEntry& e, bool force);
  std::error_code add_rule(RuleEntry& e);
  std::error_code remove_rule(RuleEntry& e, bool force);
  void on_address_event(const Interface& itf, const core::AddressInfo& a, bool removed);
  const std::string& dev_of(const std::string& dev) const;
  int resolve(const std::string& dev) const;
  void warn_unsupported(const std::vector<std::string>& what, const std::string& item);

  core::NetlinkSocket& nl_;
  InterfaceTable& interfaces_;
  std::string name_;
  std::string default_interface_;
  std::vector<AddressEntry> addresses_;
  std::vector<RouteEntry> routes_;
  std::vector<RuleEntry> rules_;
  bool installed_ = false;
  InterfaceTable::Subscription address_sub_;
  std::vector<std::string> warned_;
  Stats stats_;
};

}  // namespace vigil::vrrp
