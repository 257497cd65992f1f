#include "parser/dump_json.h"

#include "parser/binders.h"

namespace vigil::parser {

nlohmann::ordered_json config_to_json(const config::Config& config) {
  nlohmann::ordered_json j;
  j["source_file"] = config.source_file;
  j["global_defs"] = global_to_json(config);
  j["vrrp"] = vrrp_to_json(config);
  j["lvs"] = lvs_to_json(config);
  return j;
}

std::string config_json_text(const config::Config& config) {
  return config_to_json(config).dump(2, ' ', false,
                                     nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace vigil::parser
