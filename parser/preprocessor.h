#pragma once

// keepalived's line-level language: comments, quoting and escapes, `include` (and its
// includer/includem/includew/includeb/includea variants) with globs and csh braces relative
// to the including file, `@id` / `@^id` conditional lines, `$NAME=value` definitions (multi-line
// with a trailing `\`, `${NAME}`, recursion, the predefined ${_PWD} ${_INSTANCE} ${_RANDOM}
// ${_HASH} ${_BANG}), `~SEQ(var,start,step,end)`, `~SEQx`, `~LST(...)`.
// The output is the stream of logical lines that the block tree is built from.

#include <string>
#include <string_view>
#include <vector>

#include "parser/diagnostics.h"
#include "parser/token.h"

namespace vigil::parser {

struct ParseOptions;

std::vector<Line> preprocess_file(const std::string& path, const ParseOptions& options,
                                  Diagnostics& diag);
std::vector<Line> preprocess_text(std::string_view text, std::string_view name,
                                  const ParseOptions& options, Diagnostics& diag);

}  // namespace vigil::parser
