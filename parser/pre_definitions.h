#pragma once

// keepalived 2.2.7's `$NAME=value` definitions (lib/parser.c check_definition(),
// find_definition(), set_definition()) and the pre-defined ${_PWD} ${_INSTANCE}
// ${_RANDOM [MIN [MAX]]} ${_HASH} ${_BANG}.

#include <cstddef>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>

namespace vigil::parser {

enum class DefinitionKind {
  kText,      // user definitions, ${_HASH} ("#"), ${_BANG} ("!")
  kPwd,       // directory of the file being read (keepalived chdir()s into it; getcwd())
  kInstance,  // the config id (-i, default the short host name)
  kRandom,    // random integer in [MIN, MAX], default [0, 32767]
};

struct Definition {
  // Shared so that a multi-line expansion in progress keeps its text when the definition is
  // redefined by one of the lines it produces (keepalived's manual shows `$RS_NUM=1 \` inside a
  // multi-line definition).
  std::shared_ptr<std::string> value = std::make_shared<std::string>();
  // Lines of a multi-line value are separated by '\n'. A multi-line definition is only
  // expanded when its use ends the line.
  bool multiline = false;
  DefinitionKind kind = DefinitionKind::kText;
  // Only ${_RANDOM} takes parameters: ${_RANDOM 1 10}.
  bool takes_params = false;
};

// One use of a definition in a line: `$NAME` (followed by end of line, blank, ',' or ')') or
// `${NAME}`; ${NAME digits...} passes parameters.
struct DefinitionUse {
  Definition* def = nullptr;
  std::size_t end = 0;      // one past the last character of the use
  std::string_view params;  // from the first to the last parameter digit, or empty
};

class Definitions {
 public:
  // Installs the pre-defined names, as keepalived's set_std_definitions().
  Definitions();

  Definition* find(std::string_view name);
  // keepalived's set_definition(): (re)defines `name` as plain text (used for ~SEQ/~LST
  // variables). A pre-defined name becomes an ordinary one.
  void set(std::string_view name, std::string_view value);
  // Looks for a use at `s[dollar]` (which is '$').
  std::optional<DefinitionUse> find_use(std::string_view s, std::size_t dollar);

  // keepalived's check_definition(): if `line` is `$NAME=value`, (re)defines NAME and returns
  // it. A value ending in '\' starts a multi-line definition.
  Definition* check_definition(std::string_view line);

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, Definition, Hash, std::equal_to<>> defs_;
};

bool is_name_start(char c);
bool is_name_char(char c);

// ${_RANDOM MIN MAX}: parses the parameters as keepalived's get_random() does and draws a
// value. Sets `extra_text` when there is more than MIN and MAX.
std::string random_value(std::string_view params, std::mt19937& rng, bool& extra_text);

}  // namespace vigil::parser
