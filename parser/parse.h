#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "parser/config/config.h"
#include "parser/diagnostics.h"

namespace vigil::parser {

struct ParseOptions {
  // `@id` conditional lines compare against this (keepalived's -i; default: short hostname).
  std::string config_id;
  // Check the host as keepalived -t does (interfaces named in the file exist, scripts exist
  // and are secure). Off for unit tests of pure parsing.
  bool host_checks = true;
  // keepalived's -e/--all-config: a missing include file is an error, not a warning.
  bool all_config = false;
  // Bounds that keep pathological input finite.
  std::size_t max_include_depth = 32;
  std::size_t max_definition_depth = 64;
  std::size_t max_lines = 4'000'000;  // after all expansion
  std::size_t max_sequence_expansion = 1'000'000;
};

// keepalived 2.2.7's `-t` exit codes as measured (its man page numbers them one lower).
enum class ExitCode : int {
  kOk = 0,
  kConfigError = 5,
  kScriptSecurity = 6,
};

struct ParseResult {
  config::Config config;
  Diagnostics diagnostics;
  // Scripts are configured, some would run as root from a location a non-root user can
  // modify (or cannot be checked), and enable_script_security is off: keepalived exits 6.
  bool script_security_violation = false;

  ExitCode exit_code() const;
};

// Parses a whole configuration: preprocessing, block tree, binding, defaults and inheritance,
// validation. Never throws for bad input; everything wrong is in `diagnostics`.
ParseResult parse_config_file(const std::string& path, const ParseOptions& options);
// Same, from memory; `name` is used as the file name in diagnostics and for relative includes.
ParseResult parse_config_text(std::string_view text, std::string_view name,
                              const ParseOptions& options);

}  // namespace vigil::parser
