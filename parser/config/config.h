#pragma once

// The typed configuration model: what every subsystem reads. Filled by the binders in
// parser/, completed by the finalize passes (defaults, inheritance, cross references).

#include "parser/config/global.h"
#include "parser/config/lvs.h"
#include "parser/config/vrrp.h"

namespace vigil::config {

struct Config {
  std::string source_file;  // the main file as given
  GlobalDefs global;
  Vrrp vrrp;  // static_*, vrrp_script, track files, sync groups, instances
  Lvs lvs;    // SSL, virtual_server_group, virtual_server (with real servers and checkers)
};

}  // namespace vigil::config
