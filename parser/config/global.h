#pragma once

// global_defs. Owned by the global/VRRP binder (parser/bind_global.cc).

#include "parser/source_location.h"

namespace vigil::config {

struct GlobalDefs {
  parser::SourceLocation location;
};

}  // namespace vigil::config
