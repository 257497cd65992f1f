#pragma once

// The binders' entry points, one set per configuration area, so that parse.cc can assemble
// the top-level keyword table without knowing any block.

#include <span>

#include <nlohmann/json.hpp>

#include "parser/binder.h"
#include "parser/config/config.h"

namespace vigil::parser {

// Top-level keywords of each area (global_defs and the other top-level global keywords;
// static_*, vrrp_*; virtual_server*, SSL).
std::span<const Keyword<config::Config>> global_top_level_keywords();
std::span<const Keyword<config::Config>> vrrp_top_level_keywords();
std::span<const Keyword<config::Config>> lvs_top_level_keywords();

// After binding: defaults, inheritance, cross references, validation. Called in this order.
void finalize_global(config::Config& config, BindContext& ctx);
void finalize_vrrp(config::Config& config, BindContext& ctx);
void finalize_lvs(config::Config& config, BindContext& ctx);

// The effective configuration as JSON, keys in a stable order (the order of the model).
// Conventions for every area: durations are seconds as JSON numbers (fractions allowed, e.g.
// "advert_int": 0.01, "connect_timeout": 5) under the keepalived keyword's name with no unit
// suffix; addresses are strings; unset optional values are null; enums are keepalived's words.
nlohmann::ordered_json global_to_json(const config::Config& config);
nlohmann::ordered_json vrrp_to_json(const config::Config& config);
nlohmann::ordered_json lvs_to_json(const config::Config& config);

}  // namespace vigil::parser
