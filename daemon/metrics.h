#pragma once

// The status snapshot in Prometheus' text exposition format (version 0.0.4): what /metrics and
// `vigilctl metrics` serve. Names follow Prometheus' conventions: a `vigil_` prefix, base units
// (`_seconds`), `_total` counters, states as 0/1 gauges with a `state` label, check latency as a
// histogram. The families are listed in docs/status.md.

#include <string>
#include <string_view>

#include "daemon/status_model.h"

namespace vigil::daemon {

inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string metrics_text(const StatusSnapshot& s);

// A label value escaped for the exposition format (backslash, double quote, newline).
std::string escape_label_value(std::string_view v);

}  // namespace vigil::daemon
