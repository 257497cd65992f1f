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

// Preprocessing, tree building and binding run as one pipeline: each logical line goes into
// the tree builder as it is read, and each top-level statement is bound as soon as it is
// complete and then dropped, so memory holds the model and one statement's tree, never the
// whole file's lines or tree. The stages report into collectors of their own, joined in stage
// order afterwards, so the diagnostics come out exactly as if each stage had run to the end
// before the next began.
template <class Preprocess>
ParseResult parse_streaming(ParseResult result, const ParseOptions& options,
                            Preprocess&& preprocess) {
  Diagnostics pre_diag;
  Diagnostics tree_diag;
  HostReferences host;
  BindContext ctx{result.diagnostics, options, host};
  static const std::vector<Keyword<config::Config>> table = top_level_keywords();
  const std::span<const Keyword<config::Config>> view(table);
  TreeBuilder builder(tree_diag, [&](Node&& node) {
    if (!bind_keyword(node, view, ctx, result.config)) {
      report_unknown_keyword(node, "", keyword_names(view), ctx);
    }
  });
  preprocess(pre_diag, [&builder](std::vector<Token>& words) { builder.line(words); });
  builder.finish();
  finalize_global(result.config, ctx);
  finalize_vrrp(result.config, ctx);
  finalize_lvs(result.config, ctx);
  if (options.host_checks) {
    result.script_security_violation = check_host(result.config, host, result.diagnostics);
  }
  pre_diag.absorb(std::move(tree_diag));
  pre_diag.absorb(std::move(result.diagnostics));
  result.diagnostics = std::move(pre_diag);
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
  return parse_streaming(std::move(result), options, [&](Diagnostics& diag, const LineSink& sink) {
    preprocess_file(path, options, diag, sink);
  });
}

ParseResult parse_config_text(std::string_view text, std::string_view name,
                              const ParseOptions& options) {
  ParseResult result;
  result.config.source_file = std::string(name);
  return parse_streaming(std::move(result), options, [&](Diagnostics& diag, const LineSink& sink) {
    preprocess_text(text, name, options, diag, sink);
  });
}

}  // namespace vigil::parser
