#pragma once

// keepalived's line-level language: comments, quoting and escapes, `include` (and its
// includer/includem/includew/includeb/includea variants) with globs and csh braces relative
// to the including file, `@id` / `@^id` conditional lines, `$NAME=value` definitions (multi-line
// with a trailing `\`, `${NAME}`, recursion, the predefined ${_PWD} ${_INSTANCE} ${_RANDOM}
// ${_HASH} ${_BANG}), `~SEQ(var,start,step,end)`, `~SEQx`, `~LST(...)`.
// The output is the stream of logical lines that the block tree is built from.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "parser/diagnostics.h"
#include "parser/token.h"

namespace vigil::parser {

struct ParseOptions;

// Receives each logical line as it is produced; the words may be moved from.
using LineSink = std::function<void(std::vector<Token>& words)>;

// Streaming forms: every line goes to `sink` as soon as it is read.
void preprocess_file(const std::string& path, const ParseOptions& options, Diagnostics& diag,
                     const LineSink& sink);
void preprocess_text(std::string_view text, std::string_view name, const ParseOptions& options,
                     Diagnostics& diag, const LineSink& sink);

// All lines at once.
std::vector<Line> preprocess_file(const std::string& path, const ParseOptions& options,
                                  Diagnostics& diag);
std::vector<Line> preprocess_text(std::string_view text, std::string_view name,
                                  const ParseOptions& options, Diagnostics& diag);

}  // namespace vigil::parser
