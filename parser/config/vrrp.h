#pragma once

// static_ipaddress/routes/rules, vrrp_script, track files, vrrp_sync_group, vrrp_instance.
// Owned by the VRRP binder (parser/bind_vrrp.cc).

#include "parser/source_location.h"

namespace vigil::config {

struct Vrrp {};

}  // namespace vigil::config
