// track_interface / track_script / track_file lists of vrrp_instance and vrrp_sync_group
// (keepalived vrrp_track.c alloc_track_if/_script/_file) and notify script keywords.
#include <charconv>

#include "parser/bind_vrrp_internal.h"

namespace vigil::parser::detail {
namespace {

// Parses `NAME [weight N [reverse|noreverse]]`; false when the entry must be ignored.
struct WeightSpec {
  std::optional<int> weight;
  std::optional<bool> reverse;
};
bool parse_weight(const Node& line, std::string_view owner, std::string_view kind, int max,
                  WeightSpec& out, BindContext& ctx) {
  const std::string& name = line.words[0].text;
  for (std::size_t i = 1; i < line.words.size(); ++i) {
    const Token& w = line.words[i];
    if (w.text == "weight") {
      if (i + 1 >= line.words.size()) {
        ctx.diag.error(w.location, "(" + std::string(owner) + ") weight without value for " +
                                       std::string(kind) + " " + q(name) + "; ignoring it");
        return false;
      }
      const Token& v = line.words[++i];
      long long value = 0;
      auto [p, ec] = std::from_chars(v.text.data(), v.text.data() + v.text.size(), value);
      const bool ok =
          ec == std::errc() && p == v.text.data() + v.text.size() && value >= -max && value <= max;
      // track_interface accepts +/-254 and clamps it to +/-253 (keepalived prints a note that
      // counts against the file).
      const bool clamp = kind == "track_interface" && (value == 254 || value == -254) &&
                         ec == std::errc() && p == v.text.data() + v.text.size();
      if (clamp) {
        ctx.diag.warning(v.location, "(" + std::string(owner) + ") weight for " + q(name) +
                                         " cannot be +/-254; using +/-253");
        value = value > 0 ? 253 : -253;
      } else if (!ok) {
        ctx.diag.error(v.location, "(" + std::string(owner) + ") " + std::string(kind) + " " +
                                       q(name) + ": invalid weight " + q(v.text) +
                                       " (expected an integer -" + std::to_string(max) + ".." +
                                       std::to_string(max) + "); ignoring it");
        return false;
      }
      out.weight = static_cast<int>(value);
      if (i + 1 < line.words.size()) {
        const Token& r = line.words[i + 1];
        if (r.text == "reverse" || r.text == "noreverse" || r.text == "no_reverse") {
          out.reverse = r.text == "reverse";
          ++i;
        }
      }
    } else {
      ctx.diag.error(w.location, "(" + std::string(owner) + ") unknown " + std::string(kind) +
                                     " option " + q(w.text) + " for " + q(name) + "; ignoring it");
      return false;
    }
  }
  return true;
}

bool block_shape(const Node& block, BindContext& ctx) {
  if (block.argc() != 0) {
    ctx.diag.error(block.arg(0).location, q(block.keyword()) +
                                              " takes no arguments; "
                                              "unexpected " +
                                              q(block.arg(0).text));
  }
  return expect_block(block, ctx);
}

bool line_shape(const Node& line, BindContext& ctx) {
  if (!line.has_block) return true;
  ctx.diag.error(line.block_location, "unexpected '{' block after " + q(line.words[0].text));
  return false;
}

}  // namespace

void bind_track_interfaces(const Node& block, std::string_view owner,
                           std::vector<config::TrackedInterface>& out, BindContext& ctx) {
  if (!block_shape(block, ctx)) return;
  for (const Node& line : block.children) {
    if (!line_shape(line, ctx)) continue;
    WeightSpec w;
    if (!parse_weight(line, owner, "track_interface", 254, w, ctx)) continue;
    bool dup = false;
    for (const auto& t : out) dup = dup || t.name == line.words[0].text;
    if (dup) {
      ctx.diag.warning(line.location(), "(" + std::string(owner) +
                                            ") duplicate "
                                            "track_interface " +
                                            q(line.words[0].text) + "; ignoring it");
      continue;
    }
    ctx.host.interfaces.push_back(
        {line.words[0].text, line.location(), "track_interface of " + std::string(owner)});
    out.push_back(
        {line.words[0].text, w.weight.value_or(0), w.reverse.value_or(false), line.location()});
  }
}

void bind_track_scripts(const Node& block, std::string_view owner, const config::Vrrp& vrrp,
                        std::vector<config::TrackedScript>& out, BindContext& ctx) {
  if (!block_shape(block, ctx)) return;
  for (const Node& line : block.children) {
    if (!line_shape(line, ctx)) continue;
    const std::string& name = line.words[0].text;
    bool known = false;
    for (const auto& s : vrrp.scripts) known = known || s.name == name;
    if (!known) {
      // keepalived looks the script up while reading the instance, so a vrrp_script defined
      // later in the file is not found either.
      ctx.diag.warning(line.location(), "(" + std::string(owner) + ") track script " + q(name) +
                                            " not found (a vrrp_script must be defined before "
                                            "it is used); ignoring it");
      continue;
    }
    WeightSpec w;
    if (!parse_weight(line, owner, "track script", 253, w, ctx)) continue;
    bool dup = false;
    for (const auto& t : out) dup = dup || t.name == name;
    if (dup) {
      ctx.diag.warning(line.location(), "(" + std::string(owner) + ") duplicate track_script " +
                                            q(name) + "; ignoring it");
      continue;
    }
    out.push_back({name, w.weight, w.reverse, line.location()});
  }
}

void bind_track_files(const Node& block, std::string_view owner, const config::Vrrp& vrrp,
                      std::vector<config::TrackedFile>& out, BindContext& ctx) {
  if (!block_shape(block, ctx)) return;
  for (const Node& line : block.children) {
    if (!line_shape(line, ctx)) continue;
    const std::string& name = line.words[0].text;
    bool known = false;
    for (const auto& f : vrrp.track_files) known = known || f.name == name;
    if (!known) {
      ctx.diag.warning(line.location(), "(" + std::string(owner) + ") track file " + q(name) +
                                            " not found (a track_file must be defined before "
                                            "it is used); ignoring it");
      continue;
    }
    WeightSpec w;
    if (!parse_weight(line, owner, "track file", 254, w, ctx)) continue;
    bool dup = false;
    for (const auto& t : out) dup = dup || t.name == name;
    if (dup) {
      ctx.diag.warning(line.location(), "(" + std::string(owner) + ") duplicate track_file " +
                                            q(name) + "; ignoring it");
      continue;
    }
    out.push_back({name, w.weight, w.reverse, line.location()});
  }
}

void bind_notify(const Node& node, std::string_view owner_prefix,
                 config::Boxed<config::ScriptSpec>& slot, BindContext& ctx) {
  if (slot) {
    ctx.diag.error(node.location(), std::string(owner_prefix) + " " + q(node.keyword()) +
                                        " script already specified; ignoring this one");
    return;
  }
  slot = parse_script_spec(node, 0, ctx);
}

}  // namespace vigil::parser::detail
