#include "vrrp/instance_config.h"

#include <algorithm>
#include <chrono>

namespace vigil::vrrp {

core::IpAddress multicast_group(const config::VrrpInstance& instance,
                                const config::GlobalDefs& global) {
  if (instance.mcast_dst_ip) return *instance.mcast_dst_ip;
  return instance.family == core::Family::kIPv4 ? global.vrrp_mcast_group4
                                                : global.vrrp_mcast_group6;
}

InstanceConfig make_instance_config(const config::VrrpInstance& instance,
                                    const config::GlobalDefs& global,
                                    const core::IpAddress& primary_address) {
  InstanceConfig c;
  InstanceParams& p = c.params;
  p.name = instance.name;
  p.version = instance.version == 3 ? Version::kV3 : Version::kV2;
  p.vrid = instance.virtual_router_id.value_or(0);
  p.priority = instance.priority;
  p.advert_interval = std::chrono::duration_cast<Micros>(instance.advert_int);
  p.initial_master = instance.state == config::InstanceState::kMaster;
  p.nopreempt = instance.nopreempt;
  p.preempt_delay = std::chrono::duration_cast<Micros>(instance.preempt_delay);
  p.primary_address = primary_address;
  // keepalived: vrrp_strict implies lower_prio_no_advert; the instance keyword overrides the
  // global default.
  const bool strict = instance.strict_mode.value_or(global.vrrp_strict);
  p.lower_prio_no_advert =
      instance.lower_prio_no_advert.value_or(global.vrrp_lower_prio_no_advert || strict);
  p.higher_prio_send_advert =
      instance.higher_prio_send_advert.value_or(global.vrrp_higher_prio_send_advert);
  p.down_timer_adverts = instance.down_timer_adverts.value_or(global.vrrp_down_timer_adverts);

  ReceiveExpectations& r = c.receive;
  r.version = p.version;
  r.vrid = p.vrid;
  r.advert_interval = p.advert_interval;
  if (instance.authentication && p.version == Version::kV2) {
    const auto& auth = *instance.authentication;
    r.auth_type = auth.type == config::AuthType::kAh ? AuthType::kIpAh : AuthType::kSimpleText;
    // keepalived copies at most 8 bytes of auth_pass into a zeroed field.
    std::copy_n(auth.password.begin(), std::min(auth.password.size(), r.auth_data.size()),
                r.auth_data.begin());
  }
  r.vips.reserve(instance.virtual_ipaddress.size());
  for (const auto& vip : instance.virtual_ipaddress) r.vips.push_back(vip.address.address);
  for (const auto& peer : instance.unicast_peers) {
    r.unicast_peers.push_back({peer.address, peer.min_ttl, peer.max_ttl});
  }
  r.check_unicast_source = instance.check_unicast_src.value_or(global.vrrp_check_unicast_src);
  c.skip_check_adv_addr = instance.skip_check_adv_addr.value_or(global.vrrp_skip_check_adv_addr);
  return c;
}

}  // namespace vigil::vrrp
