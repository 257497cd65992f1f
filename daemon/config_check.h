#pragma once

#include <iosfwd>

#include <spdlog/logger.h>

#include "daemon/options.h"
#include "parser/parse.h"

namespace vigil::daemon {

parser::ParseOptions parse_options_for(const Options& options);

// Writes each diagnostic as "file:line:col: severity: message" and a closing summary line.
void print_diagnostics(const parser::ParseResult& result, std::ostream& out);

// Each diagnostic to the log: errors as errors, warnings as warnings.
void log_diagnostics(const parser::ParseResult& result, spdlog::logger& log);

// `vigild -t` and `vigild -d`: parse, report, optionally dump JSON; returns the exit code.
int run_config_test(const Options& options);

}  // namespace vigil::daemon
