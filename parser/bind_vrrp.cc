// Placeholder until the VRRP binder lands.
#include "parser/binders.h"

namespace vigil::parser {
std::span<const Keyword<config::Config>> vrrp_top_level_keywords() { return {}; }
void finalize_vrrp(config::Config&, BindContext&) {}
nlohmann::ordered_json vrrp_to_json(const config::Config&) { return nlohmann::ordered_json::object(); }
}  // namespace vigil::parser
