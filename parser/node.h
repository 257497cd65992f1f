#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "parser/token.h"

namespace vigil::parser {

// One statement of the block tree: a keyword, its arguments, and, when it was followed by
// `{ ... }` (on the same line or the next), the statements inside.
struct Node {
  std::vector<Token> words;  // words[0] is the keyword; never empty
  std::vector<Node> children;
  bool has_block = false;
  SourceLocation block_location;  // the opening brace, when has_block

  std::string_view keyword() const { return words.front().text; }
  const SourceLocation& location() const { return words.front().location; }
  std::size_t argc() const { return words.size() - 1; }
  const Token& arg(std::size_t i) const { return words[i + 1]; }
};

}  // namespace vigil::parser
