#pragma once

// Helpers for the global/VRRP binder tests: parse text without host checks and look at
// diagnostics as "line:col: severity: message".

#include <string>
#include <string_view>
#include <vector>

#include "parser/binders.h"
#include "parser/block_tree.h"
#include "parser/parse.h"
#include "parser/preprocessor.h"

namespace vigil::parser::testing {

// A global_defs block with `body` inside.
inline std::string global_defs(std::string_view body) {
  return "global_defs {\n" + std::string(body) + "}\n";
}

inline ParseResult parse_text(std::string_view text) {
  ParseOptions opts;
  opts.host_checks = false;
  opts.config_id = "test";
  return parse_config_text(text, "t.conf", opts);
}

// The parse pipeline without host checks, keeping the host references the binders recorded.
struct BoundText {
  config::Config config;
  Diagnostics diagnostics;
  HostReferences host;
};
inline BoundText bind_text(std::string_view text) {
  BoundText b;
  ParseOptions opts;
  opts.host_checks = false;
  opts.config_id = "test";
  auto lines = preprocess_text(text, "t.conf", opts, b.diagnostics);
  auto tree = build_tree(std::move(lines), b.diagnostics);
  BindContext ctx{b.diagnostics, opts, b.host};
  std::vector<Keyword<config::Config>> all;
  for (auto part :
       {global_top_level_keywords(), vrrp_top_level_keywords(), lvs_top_level_keywords()}) {
    all.insert(all.end(), part.begin(), part.end());
  }
  for (const Node& node : tree) {
    bind_keyword(node, std::span<const Keyword<config::Config>>(all), ctx, b.config);
  }
  finalize_global(b.config, ctx);
  finalize_vrrp(b.config, ctx);
  finalize_lvs(b.config, ctx);
  return b;
}

inline std::string short_str(const Diagnostic& d) {
  std::string s = std::to_string(d.location.line) + ":" + std::to_string(d.location.column) + ": ";
  s += d.severity == Severity::kError ? "error: " : "warning: ";
  if (d.impact == Impact::kInformational) s = "note " + s;
  return s + d.message;
}

inline std::vector<std::string> diags(const ParseResult& r) {
  std::vector<std::string> out;
  for (const auto& d : r.diagnostics.entries()) out.push_back(short_str(d));
  return out;
}

inline std::vector<std::string> diags(std::string_view text) { return diags(parse_text(text)); }

// A minimal valid instance body around `extra` lines.
inline std::string instance(std::string_view extra, std::string_view name = "VI_1",
                            std::string_view vrid = "51") {
  return "vrrp_instance " + std::string(name) + " {\n  interface eth0\n  virtual_router_id " +
         std::string(vrid) + "\n  virtual_ipaddress {\n    10.0.0.1\n  }\n" + std::string(extra) +
         "}\n";
}

}  // namespace vigil::parser::testing
