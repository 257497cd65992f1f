#pragma once

#include <string>
#include <vector>

#include "parser/source_location.h"

namespace vigil::parser {

// One word of a configuration line after preprocessing (quotes removed, escapes applied,
// definitions substituted). `quoted` records that some part of it was quoted, so that a quoted
// "{" is an ordinary word and never opens a block.
struct Token {
  std::string text;
  SourceLocation location;
  bool quoted = false;
};

// A logical line after preprocessing: includes expanded, conditionals resolved, `$NAME`
// definitions substituted, `~SEQ`/`~LST` expanded. Never empty.
struct Line {
  std::vector<Token> tokens;
};

}  // namespace vigil::parser
