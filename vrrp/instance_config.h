#pragma once

// From the parsed vrrp_instance (config::VrrpInstance, with global_defs' VRRP defaults) to what
// the run-time instance needs: state machine parameters and receive expectations. Pure, so the
// mapping of every keyword is unit-tested without sockets.

#include "core/ip_address.h"
#include "parser/config/global.h"
#include "parser/config/vrrp_instance.h"
#include "vrrp/instance.h"

namespace vigil::vrrp {

// `primary_address`: the address adverts are sent from: unicast_src_ip / mcast_src_ip when set,
// else the interface's primary IPv4 address or its IPv6 link-local address (looked up by the
// engine).
InstanceConfig make_instance_config(const config::VrrpInstance& instance,
                                    const config::GlobalDefs& global,
                                    const core::IpAddress& primary_address);

// The destination of our adverts: the instance's mcast_dst_ip, else the global
// vrrp_mcast_group4 / vrrp_mcast_group6.
core::IpAddress multicast_group(const config::VrrpInstance& instance,
                                const config::GlobalDefs& global);

}  // namespace vigil::vrrp
