#include "daemon/config_check.h"

#include <fstream>
#include <iostream>

#include "parser/dump_json.h"

namespace vigil::daemon {

parser::ParseOptions parse_options_for(const Options& options) {
  parser::ParseOptions p;
  p.config_id = options.config_id;
  p.all_config = options.all_config;
  return p;
}

void print_diagnostics(const parser::ParseResult& result, std::ostream& out) {
  const auto& d = result.diagnostics;
  for (const auto& entry : d.entries()) out << entry.str() << '\n';
  if (d.suppressed() != 0) out << "(" << d.suppressed() << " further diagnostics not shown)\n";
  if (result.script_security_violation) {
    out << "SECURITY VIOLATION - scripts would run as root from a location other users can "
           "modify, or without enable_script_security; see the warnings above\n";
  }
  out << result.config.source_file << ": " << d.error_count()
      << (d.error_count() == 1 ? " error, " : " errors, ") << d.warning_count()
      << (d.warning_count() == 1 ? " warning" : " warnings") << '\n';
}

void log_diagnostics(const parser::ParseResult& result, spdlog::logger& log) {
  for (const auto& d : result.diagnostics.entries()) {
    if (d.severity == parser::Severity::kError) {
      log.error("{}", d.str());
    } else {
      log.warn("{}", d.str());
    }
  }
}

int run_config_test(const Options& options) {
  parser::ParseResult result =
      parser::parse_config_file(options.config_file, parse_options_for(options));
  std::ofstream log_file;
  std::ostream* out = &std::cerr;
  if (!options.config_test_log.empty()) {
    log_file.open(options.config_test_log, std::ios::out | std::ios::trunc);
    if (!log_file) {
      std::cerr << "vigild: cannot write " << options.config_test_log << '\n';
      return 1;
    }
    out = &log_file;
  }
  if (options.config_test || !result.diagnostics.entries().empty() ||
      result.script_security_violation) {
    print_diagnostics(result, *out);
  }
  if (options.dump_conf) std::cout << parser::config_json_text(result.config) << '\n';
  return static_cast<int>(result.exit_code());
}

}  // namespace vigil::daemon
