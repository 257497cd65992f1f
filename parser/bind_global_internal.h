#pragma once

// Pieces of the global_defs binder split across files (bind_global.cc,
// bind_global_system.cc, bind_global_smtp.cc). Internal to the parser.

#include <vector>

#include "parser/bind_vrrp_util.h"
#include "parser/config/config.h"
#include "parser/config/global.h"

namespace vigil::parser::detail {

// Process, socket, firewall, umask and reload keywords of global_defs.
const std::vector<Keyword<config::GlobalDefs>>& global_system_keywords();

// notify_fifo, vrrp_notify_fifo, lvs_notify_fifo (the FIFO is chosen by the keyword).
// vigil's SMTP client extensions (bind_global_smtp.cc) and their checks after binding (with
// host checks on, the password and CA files must be readable).
const std::vector<Keyword<config::GlobalDefs>>& global_smtp_keywords();
void finalize_smtp_client(config::Config& config, BindContext& ctx);

void notify_fifo(const Node& node, BindContext& ctx, config::GlobalDefs& g);
void notify_fifo_script(const Node& node, BindContext& ctx, config::GlobalDefs& g);
void vrrp_startup_delay(const Node& node, BindContext& ctx, config::GlobalDefs& g);

}  // namespace vigil::parser::detail
