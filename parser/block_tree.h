#pragma once

#include <vector>

#include "parser/diagnostics.h"
#include "parser/node.h"
#include "parser/token.h"

namespace vigil::parser {

// Groups logical lines into statements and blocks. A `{` ends the statement before it and
// opens its block (a `{` alone, on the next line, belongs to the previous statement); a `}`
// closes the innermost block. Several braces may share a line: `track_script { chk }`.
// Unbalanced braces are errors with the location of the brace (or of the unclosed block).
std::vector<Node> build_tree(std::vector<Line> lines, Diagnostics& diag);

}  // namespace vigil::parser
