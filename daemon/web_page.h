#pragma once

// The read-only live status page served at / (control socket and HTTP listener): one
// self-contained HTML document (no external resources) that polls /status.json and shows the
// VRRP instances, the virtual and real servers and the IPVS table, laid out for a phone as well
// as a desk. It edits nothing.

#include <string_view>

namespace vigil::daemon {

extern const std::string_view kStatusPage;

}  // namespace vigil::daemon
