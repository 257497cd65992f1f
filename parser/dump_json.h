#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "parser/config/config.h"

namespace vigil::parser {

// The effective configuration (after defaults and inheritance) as JSON with a stable key order.
// `vigild -d` prints it; tests and tools read it.
nlohmann::ordered_json config_to_json(const config::Config& config);

// The text `vigild -d` prints: config_to_json indented by 2. keepalived accepts any bytes in
// strings (Latin-1 in notification_email, say); bytes that are not UTF-8 are replaced by U+FFFD
// rather than failing the dump.
std::string config_json_text(const config::Config& config);

// One checker as `vigild -d` shows it (after inheritance), as compact text: checkers with the
// same identity probe the same way. A reload keeps the state of such a checker.
std::string checker_identity(const config::Checker& checker);

// What a checker's probe does, without when it runs or how its verdicts are counted: the
// checker's identity less delay_loop, warmup, retry, delay_before_retry, alpha, rise and
// log_all_failures. Checkers with the same probe identity (and target) may share their probes.
std::string probe_identity(const config::Checker& checker);

}  // namespace vigil::parser
