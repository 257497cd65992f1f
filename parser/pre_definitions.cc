#include "parser/pre_definitions.h"

#include <cctype>
#include <cstdlib>

#include "parser/pre_text.h"

namespace vigil::parser {

bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_'; }

bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

Definitions::Definitions() {
  defs_["_PWD"].kind = DefinitionKind::kPwd;
  defs_["_INSTANCE"].kind = DefinitionKind::kInstance;
  Definition& random = defs_["_RANDOM"];
  random.kind = DefinitionKind::kRandom;
  random.takes_params = true;
  *defs_["_HASH"].value = "#";
  *defs_["_BANG"].value = "!";
}

Definition* Definitions::find(std::string_view name) {
  auto it = defs_.find(name);
  return it == defs_.end() ? nullptr : &it->second;
}

void Definitions::set(std::string_view name, std::string_view value) {
  auto it = defs_.find(name);
  if (it == defs_.end()) it = defs_.emplace(std::string(name), Definition{}).first;
  Definition& def = it->second;
  // A fresh string: an expansion in progress may still hold the old one. The multi-line flag
  // is left as it was, as keepalived does.
  def.value = std::make_shared<std::string>(value);
  def.kind = DefinitionKind::kText;
}

std::optional<DefinitionUse> Definitions::find_use(std::string_view s, std::size_t dollar) {
  std::size_t n = dollar + 1;
  const bool braces = n < s.size() && s[n] == '{';
  if (braces) ++n;
  if (n >= s.size() || !is_name_start(s[n])) return std::nullopt;
  std::size_t e = n + 1;
  while (e < s.size() && is_name_char(s[e])) ++e;
  const std::string_view name = s.substr(n, e - n);

  std::size_t param_start = std::string_view::npos;
  std::size_t param_end = std::string_view::npos;
  std::size_t end = e;
  if (braces) {
    std::size_t p = e;
    while (p < s.size() && (s[p] == ' ' || std::isdigit(static_cast<unsigned char>(s[p])))) {
      if (s[p] != ' ') {
        if (param_start == std::string_view::npos) param_start = p;
        param_end = p;
      }
      ++p;
    }
    // No blank between the last parameter and '}'.
    if (param_start != std::string_view::npos && param_end + 1 != p) return std::nullopt;
    if (p >= s.size() || s[p] != '}') return std::nullopt;
    end = p + 1;
  } else if (e < s.size() && s[e] != ' ' && s[e] != '\t' && s[e] != ',' && s[e] != ')') {
    return std::nullopt;
  }
  // A multi-line definition only counts when its use ends the line.
  const bool allow_multiline = braces ? e + 1 == s.size() : e == s.size();

  Definition* def = find(name);
  if (def == nullptr || (def->multiline && !allow_multiline)) return std::nullopt;
  DefinitionUse use{def, end, {}};
  if (param_start != std::string_view::npos) {
    if (!def->takes_params) return std::nullopt;
    use.params = s.substr(param_start, param_end - param_start + 1);
  }
  return use;
}

Definition* Definitions::check_definition(std::string_view line) {
  if (line.size() < 2 || line[0] != '$' || !is_name_start(line[1])) return nullptr;
  std::size_t p = 2;
  for (; p < line.size() && line[p] != '='; ++p) {
    if (!is_name_char(line[p])) return nullptr;
  }
  if (p >= line.size()) return nullptr;
  const std::string_view name = line.substr(1, p - 1);

  ++p;
  while (p < line.size() && is_blank(line[p])) ++p;
  std::string value(line.substr(p));
  bool multiline = false;
  if (!value.empty() && value.back() == '\\') {
    // keepalived drops the blanks before the backslash and turns the backslash into the line
    // separator; a lone backslash gives an empty first line.
    value.pop_back();
    while (!value.empty() && is_blank(value.back())) value.pop_back();
    if (!value.empty()) value.push_back('\n');
    multiline = true;
  }

  auto it = defs_.find(name);
  if (it == defs_.end()) it = defs_.emplace(std::string(name), Definition{}).first;
  Definition& def = it->second;
  def.value = std::make_shared<std::string>(std::move(value));
  def.multiline = multiline;
  // A pre-defined name may be overridden; like keepalived, ${_RANDOM 1 2} then still matches
  // (parameters and all) and is replaced by the new text.
  def.kind = DefinitionKind::kText;
  return &def;
}

std::string random_value(std::string_view params, std::mt19937& rng, bool& extra_text) {
  unsigned long min = 0;
  unsigned long max = 32767;
  extra_text = false;
  if (!params.empty()) {
    const std::string text(params);  // digits and blanks only
    char* endp = nullptr;
    min = std::strtoul(text.c_str(), &endp, 10);
    if (endp < text.c_str() + text.size()) {
      max = std::strtoul(endp, &endp, 10);
      if (endp != text.c_str() + text.size()) extra_text = true;
    }
  }
  // keepalived divides by zero when MIN is MAX + 1 and wraps when MIN > MAX; take the range
  // the user most likely meant instead.
  if (min > max) std::swap(min, max);
  const unsigned long span = max - min + 1;
  const unsigned long draw = static_cast<unsigned long>(rng() & 0x7fffffffUL);  // like random()
  const unsigned long value = span == 0 ? draw : draw % span + min;
  return std::to_string(value);
}

}  // namespace vigil::parser
