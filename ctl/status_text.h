#pragma once

// `vigilctl status`: the daemon's status JSON (GET /status.json) as a compact text view: a
// header line, the VRRP instances, the virtual servers with their real servers' health, and the
// kernel's IPVS table in the shape of `ipvsadm -Ln`.

#include <string>

#include <nlohmann/json.hpp>

namespace vigil::ctl {

// Missing members show as "-"; a document of another shape throws nlohmann::json::exception.
std::string render_status(nlohmann::json status);

// "3d 4h", "2h 5m", "4m 10s", "12s"
std::string short_duration(double seconds);

}  // namespace vigil::ctl
