#pragma once

#include <nlohmann/json.hpp>

#include "parser/config/config.h"

namespace vigil::parser {

// The effective configuration (after defaults and inheritance) as JSON with a stable key order.
// `vigild -d` prints it; tests and tools read it.
nlohmann::ordered_json config_to_json(const config::Config& config);

}  // namespace vigil::parser
