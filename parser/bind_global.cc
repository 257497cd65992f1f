// Placeholder until the global_defs binder lands.
#include "parser/binders.h"

namespace vigil::parser {
std::span<const Keyword<config::Config>> global_top_level_keywords() { return {}; }
void finalize_global(config::Config&, BindContext&) {}
nlohmann::ordered_json global_to_json(const config::Config&) { return nlohmann::ordered_json::object(); }
}  // namespace vigil::parser
