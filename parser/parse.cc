#include "parser/parse.h"

#include <vector>

#include "parser/binders.h"
#include "parser/block_tree.h"
#include "parser/host_checks.h"
#include "parser/preprocessor.h"

namespace vigil::parser {
namespace {

std::vector<Keyword<config::Config>> top_level_keywords() {
  std::vector<Keyword<config::Config>> all;
  for (auto part :
       {global_top_level_keywords(), vrrp_top_level_keywords(), lvs_top_level_keywords()}) {
    all.insert(all.end(), part.begin(), part.end());
  }
  return all;
}

ParseResult bind_all(std::vector<Line> lines, ParseResult result, const ParseOptions& options) {
  std::vector<Node> tree = build_tree(std::move(lines), result.diagnostics);
  HostReferences host;
  BindContext ctx{result.diagnostics, options, host};
  static const std::vector<Keyword<config::Config>> table = top_level_keywords();
  const std::span<const Keyword<config::Config>> view(table);
  for (const Node& node : tree) {
    if (!bind_keyword(node, view, ctx, result.config)) {
      report_unknown_keyword(node, "", keyword_names(view), ctx);
    }
  }
  finalize_global(result.config, ctx);
  finalize_vrrp(result.config, ctx);
  finalize_lvs(result.config, ctx);
  if (options.host_checks) {
    result.script_security_violation = check_host(result.config, host, result.diagnostics);
  }
  return result;
}

}  // namespace

ExitCode ParseResult::exit_code() const {
  // keepalived 2.2.7 keeps the most severe status and ranks the security violation above
  // every other error (measured: `priority 300` plus a /bin/true vrrp_script exits 6).
  if (script_security_violation) return ExitCode::kScriptSecurity;
  if (!diagnostics.clean()) return ExitCode::kConfigError;
  return ExitCode::kOk;
}

ParseResult parse_config_file(const std::string& path, const ParseOptions& options) {
  ParseResult result;
  result.config.source_file = path;
  auto lines = preprocess_file(path, options, result.diagnostics);
  return bind_all(std::move(lines), std::move(result), options);
}

ParseResult parse_config_text(std::string_view text, std::string_view name,
                              const ParseOptions& options) {
  ParseResult result;
  result.config.source_file = std::string(name);
  auto lines = preprocess_text(text, name, options, result.diagnostics);
  return bind_all(std::move(lines), std::move(result), options);
}

}  // namespace vigil::parser
