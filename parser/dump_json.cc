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

}  // namespace vigil::parser
