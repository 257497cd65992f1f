#include "parser/bind_vrrp_util.h"

namespace vigil::parser::detail {

void notice(BindContext& ctx, const SourceLocation& at, std::string message) {
  ctx.diag.add(Diagnostic{Severity::kWarning, at, std::move(message), Impact::kInformational});
}

bool line_args(const Node& node, BindContext& ctx, std::size_t min, std::size_t max) {
  bool ok = expect_no_block(node, ctx);
  return expect_args(node, ctx, min, max) && ok;
}

std::optional<config::ScriptSpec> parse_script_spec(const Node& node, std::size_t first,
                                                    BindContext& ctx) {
  if (!line_args(node, ctx, first + 1, first + 3)) return std::nullopt;
  config::ScriptSpec s;
  s.command = node.arg(first).text;
  if (node.argc() > first + 1) s.user = node.arg(first + 1).text;
  if (node.argc() > first + 2) s.group = node.arg(first + 2).text;
  s.location = node.arg(first).location;
  if (s.command.empty()) {
    ctx.diag.error(node.arg(first).location, q(node.keyword()) + ": empty command");
    return std::nullopt;
  }
  return s;
}

std::vector<Word> value_block_words(const Node& node, BindContext& ctx) {
  std::vector<Word> words;
  if (node.argc() != 0) {
    ctx.diag.error(node.arg(0).location, q(node.keyword()) +
                                             " takes no arguments before its "
                                             "'{' block; unexpected " +
                                             q(node.arg(0).text));
  }
  if (!expect_block(node, ctx)) return words;
  for (const Node& child : node.children) {
    if (child.has_block) {
      ctx.diag.error(child.block_location,
                     "unexpected '{' block in " + q(node.keyword()) + " (it holds a list)");
    }
    for (const Token& t : child.words) words.push_back({t.text, t.location});
  }
  return words;
}

std::string join_command(const Node& node, std::size_t first) {
  if (node.argc() == first + 1) return node.arg(first).text;
  std::string out;
  for (std::size_t i = first; i < node.argc(); ++i) {
    const std::string& w = node.arg(i).text;
    if (!out.empty()) out += ' ';
    if (w.find_first_of(" \t") != std::string::npos || w.empty()) {
      out += '"' + w + '"';
    } else {
      out += w;
    }
  }
  return out;
}

std::optional<Duration> parse_duration(const Node& node, std::size_t arg, Duration min,
                                       Duration max, BindContext& ctx) {
  return parse_seconds(node, arg, min, max, ctx);
}

Json seconds_json(Duration d) {
  if (d.count() % 1'000'000 == 0) return Json(d.count() / 1'000'000);
  return Json(static_cast<double>(d.count()) / 1e6);
}

Json seconds_json(const std::optional<Duration>& d) { return d ? seconds_json(*d) : Json(nullptr); }

namespace {

Json script_spec_json(const config::ScriptSpec* s) {
  if (!s) return Json(nullptr);
  Json j;
  j["command"] = s->command;
  j["user"] = s->user.empty() ? Json(nullptr) : Json(s->user);
  j["group"] = s->group.empty() ? Json(nullptr) : Json(s->group);
  return j;
}

}  // namespace

Json script_json(const std::optional<config::ScriptSpec>& s) {
  return script_spec_json(s ? &*s : nullptr);
}

Json script_json(const config::Boxed<config::ScriptSpec>& s) { return script_spec_json(s.get()); }

Json address_json(const std::optional<core::IpAddress>& a) {
  return a ? Json(a->to_string()) : Json(nullptr);
}

}  // namespace vigil::parser::detail
