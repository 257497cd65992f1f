#pragma once

// SSL, virtual_server_group, virtual_server, real_server and checkers. Owned by the LVS
// binder (parser/bind_lvs.cc, parser/bind_checkers.cc).

#include "parser/source_location.h"

namespace vigil::config {

struct Lvs {};

}  // namespace vigil::config
