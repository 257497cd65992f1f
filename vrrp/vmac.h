#pragma once

// use_vmac: a macvlan interface carrying the RFC 5798 7.3 virtual router MAC
// 00:00:5e:00:01:VRID (IPv4) / 00:00:5e:00:02:VRID (IPv6), as keepalived's vrrp_vmac.c creates it:
// mode private, on the instance's interface, named vmac_name or vrrp.VRID (global vmac_prefix),
// brought up; the VIPs then go on it and adverts are sent from it.
//
// Kernel parameters, as keepalived's vrrp_if_config.c sets them (IPv4 instances only):
//   on the VMAC: arp_ignore=1 (do not answer ARP for the base interface's addresses),
//                accept_local=1 (hear the other router's adverts from our own MAC), rp_filter=0
//                (receive while the VMAC has no address), promote_secondaries=1;
//   on the base interface: arp_ignore=1 and arp_filter=1 (the base must not answer ARP for the
//                VIPs with its own MAC); old values remembered and restored when the last VMAC
//                on that base goes;
//   net.ipv4.conf.all.rp_filter: rp_filter=0 on the VMAC only takes effect when `all` is 0, so
//                if it is not, keepalived raises default.rp_filter and every interface's
//                rp_filter to the old `all` value (so nothing changes for them) and sets `all`
//                to 0; restored when the last VMAC goes, only where the value is still ours.
// IPv4 VMACs get disable_ipv6=1 (no IPv6 link-local from the virtual MAC). IPv6 VMACs get
// addr_gen_mode none (no EUI-64 link-local from the shared virtual MAC, RFC 5798 7.4) and the base
// interface's link-local address, so adverts leave from a non-VIP address.
//
// An interface of that name found at start is reused if it is a macvlan on the right base with
// the right MAC (a previous vigild or keepalived left it), deleted and created again if it is
// another macvlan, and refused (error, nothing touched) if it is anything else.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "core/ip_address.h"
#include "core/netlink.h"
#include "vrrp/interfaces.h"

namespace vigil::vrrp {

// "vrrp.7" (keepalived's VMAC_PREFIX "vrrp." unless global vmac_prefix is set).
std::string default_vmac_name(std::uint8_t vrid, std::string_view prefix = "vrrp.");
// RFC 5798 7.3: 00-00-5E-00-01-{VRID} for IPv4, 00-00-5E-00-02-{VRID} for IPv6.
core::MacAddress virtual_router_mac(core::Family family, std::uint8_t vrid);
// "00:00:5e:00:01:07" or "00-00-5e-00-01-07" as written in vmac_mac / use_vmac_addr.
std::optional<core::MacAddress> parse_mac(std::string_view text);
// RTM_NEWLINK creating the macvlan `name` on `base_index` with `mac`, mode private.
core::NlMsgPtr build_macvlan_message(const std::string& name, int base_index,
                                     const core::MacAddress& mac);

// Remembers sysctl values vigil changed so that they can be put back; shared by all VMACs of
// the process so that the base interface and `all` are restored only when the last VMAC goes.
// Values are read and written through /proc/sys/net of the calling thread's namespace.
class SysctlRestorer {
 public:
  // path relative to /proc/sys, e.g. "net/ipv4/conf/eth0/arp_ignore".
  static std::optional<int> read(const std::string& path);
  static std::error_code write(const std::string& path, int value);

  // Sets `path` to `value`, remembering the old value the first time, and takes a reference.
  // With an `anchor`, the entry takes no reference of its own and is restored just before the
  // anchor is (used for the interfaces raised when all.rp_filter is cleared).
  std::error_code set(const std::string& path, int value, const std::string& anchor = {});
  // Drops one reference; at zero writes the remembered value back if the current value is still
  // the one vigil set (someone who changed it since wins).
  void release(const std::string& path);
  bool holds(const std::string& path) const { return saved_.count(path) != 0; }
  // Writes every remembered value back (shutdown).
  void restore_all();

 private:
  struct Saved {
    int original = 0;
    int ours = 0;
    int refs = 0;
    std::string anchor;
  };
  void restore(const std::string& path, const Saved& saved);
  std::map<std::string, Saved> saved_;
};

class Vmac {
 public:
  struct Options {
    std::string instance;  // for logs: "(VI_1) ..."
    std::string name;      // vmac_name or default_vmac_name()
    std::string base;      // the instance's interface
    std::uint8_t vrid = 0;
    core::Family family = core::Family::kIPv4;
    std::optional<core::MacAddress> mac;  // vmac_mac / use_vmac_addr; default RFC 5798 MAC
    // IPv4 instance with IPv6 excluded VIPs: keep IPv6 enabled on the VMAC.
    bool keep_ipv6 = false;
  };

  // `nl`, `interfaces` and `sysctls` must outlive the Vmac.
  Vmac(core::NetlinkSocket& nl, InterfaceTable& interfaces, SysctlRestorer& sysctls,
       Options options);
  // Calls destroy() if the VMAC is up.
  ~Vmac();
  Vmac(const Vmac&) = delete;
  Vmac& operator=(const Vmac&) = delete;

  // Creates (or adopts) the macvlan, sets its parameters and brings it up. Start-up.
  std::error_code create();
  // Puts the parameters back and deletes the macvlan. Idempotent.
  std::error_code destroy();

  bool created() const { return index_ != 0; }
  const std::string& name() const { return options_.name; }
  int index() const { return index_; }
  core::MacAddress mac() const { return mac_; }

 private:
  std::error_code create_link(int base_index);
  std::error_code delete_link(int index);
  std::error_code set_up(int index);
  std::error_code set_ipv4_parameters();
  void release_ipv4_parameters();
  std::error_code prepare_ipv6(int base_index);

  core::NetlinkSocket& nl_;
  InterfaceTable& interfaces_;
  SysctlRestorer& sysctls_;
  Options options_;
  core::MacAddress mac_{};
  int index_ = 0;
  std::vector<std::string> held_;  // sysctl paths this VMAC holds a reference on
};

}  // namespace vigil::vrrp
