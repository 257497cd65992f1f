#pragma once

// The status snapshot as JSON: what `vigilctl status --json` prints, what the web page and
// `vigilctl status` render. The shape is documented in docs/status.md; keys are stable.

#include <nlohmann/json.hpp>

#include "daemon/status_model.h"

namespace vigil::daemon {

nlohmann::ordered_json status_json(const StatusSnapshot& s);

// A reload or configuration check result (also the `last_reload` member of the status).
nlohmann::ordered_json reload_json(const ReloadRecord& r);

}  // namespace vigil::daemon
