#pragma once

// Generic netlink messages of the kernel's "IPVS" family (linux/ip_vs.h, net/netfilter/ipvs/
// ip_vs_ctl.c), built and parsed with libnl. Pure: no sockets, so the tests compare them byte
// for byte. The shapes are those the kernel requires:
//  - a service is identified by IPVS_SVC_ATTR_AF plus FWMARK, or PROTOCOL + ADDR + PORT; adding
//    or editing one also needs SCHED_NAME, FLAGS (value and mask), TIMEOUT and NETMASK
//    (ip_vs_genl_parse_service(full_entry));
//  - a destination is identified by ADDR + PORT inside the command's SERVICE; adding or
//    editing one also needs FWD_METHOD, WEIGHT, U_THRESH and L_THRESH (ip_vs_genl_parse_dest).
//  - addresses travel as the 16 bytes of union nf_inet_addr (an IPv4 address in the first four),
//    as libipvs sends them; ports in network order; an IPv4 netmask in network order, an IPv6
//    one as a prefix length in host order.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "core/netlink.h"
#include "ipvs/kernel.h"
#include "ipvs/model.h"

struct nlmsghdr;

namespace vigil::ipvs {

inline constexpr const char* kFamilyName = "IPVS";  // IPVS_GENL_NAME
inline constexpr std::uint8_t kFamilyVersion = 1;   // IPVS_GENL_VERSION

// nullptr when libnl runs out of memory. Port and sequence number are left 0 (NL_AUTO_*): the
// socket fills them in when sending.
core::NlMsgPtr build_get_family(const std::string& name);  // CTRL_CMD_GETFAMILY
core::NlMsgPtr build_op(int family, const Op& op);
core::NlMsgPtr build_get_services(int family);                          // dump
core::NlMsgPtr build_get_dests(int family, const ServiceKey& service);  // dump
core::NlMsgPtr build_set_timeouts(int family, const Timeouts& t);
core::NlMsgPtr build_new_daemon(int family, const SyncDaemon& d);
core::NlMsgPtr build_del_daemon(int family, SyncDaemon::Role role);
core::NlMsgPtr build_flush(int family);

// Replies; nullopt for a message of another kind or a malformed one (too short, attributes
// missing or of the wrong size, an unknown address family).
std::optional<int> parse_family_id(nlmsghdr* h);
std::optional<std::pair<ServiceKey, ServiceState>> parse_service(nlmsghdr* h);
std::optional<std::pair<DestKey, DestState>> parse_dest(nlmsghdr* h);

}  // namespace vigil::ipvs
