#pragma once

// The preprocessor's state machine: keepalived 2.2.7's lib/parser.c read_line() and the
// include stack around it, producing vigil's logical lines. Internal to the parser; the
// interface is parser/preprocessor.h.

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "parser/diagnostics.h"
#include "parser/pre_definitions.h"
#include "parser/pre_include.h"
#include "parser/pre_sequence.h"
#include "parser/pre_text.h"
#include "parser/preprocessor.h"
#include "parser/token.h"

namespace vigil::parser {

struct ParseOptions;

class PreprocessorEngine {
 public:
  PreprocessorEngine(const ParseOptions& options, Diagnostics& diag);

  // The main configuration file. Returns false (after reporting why) if it cannot be read.
  bool open_main_file(const std::string& path);
  // In-memory text named `name` (relative includes are resolved against its directory).
  void open_text(std::string_view text, std::string_view name);

  // Hands every logical line to `sink`, in order.
  void run(const LineSink& sink);

 private:
  // One file being read.
  struct OpenFile {
    std::string path;       // as opened
    std::string_view name;  // interned, for locations
    std::string dir;        // for relative includes and ${_PWD}; "" = the process directory
    std::string content;    // the part read so far and not yet consumed, from 0
    std::size_t pos = 0;
    std::uint32_t line_no = 0;
    dev_t dev = 0;
    ino_t ino = 0;
    FileReader reader;  // the rest of the file; at_end() for in-memory text
  };
  // One include directive (or the main file): the files its pattern matched, read in turn.
  struct IncludeFrame {
    std::vector<std::string> matches;
    std::size_t next = 0;
    unsigned checks = 0;
    unsigned saved_include_check = 0;
    SourceLocation at;  // the include directive
    std::optional<OpenFile> file;
  };
  // The rest of a multi-line definition still to be read.
  struct MultilineCursor {
    std::shared_ptr<std::string> text;
    std::size_t pos = 0;
    LineOrigin origin;
    std::uint32_t column = 0;
    // How many multi-line expansions produced the line that started this one: a definition
    // whose last line uses itself recurses without nesting (the first expansion is done when
    // the second starts), so the stack alone cannot see it.
    std::size_t generation = 1;
  };
  struct MultilineSaved {
    MultilineCursor cursor;
    std::size_t seq_depth = 0;
  };

  // read_line(): the next logical line into buf_/origin_; false at the end of input.
  bool read_line();
  bool next_physical_line();
  // Drops the consumed part of `file`'s buffer and reads the next chunk; false at its end.
  bool refill(OpenFile& file);
  void handle_sequence_line();
  bool process_line();
  void emit_line();
  void track_blocks(const std::vector<Token>& tokens);

  // Definitions (pre_expand.cc).
  // keepalived's replace_param(): substitutes definitions in `t`; false if nothing changed
  // or a bound was hit. A multi-line definition puts its first line in place and the rest is
  // read as the following lines.
  bool replace_params(PreText& t, std::size_t max_len);
  std::string definition_value(const Definition& def, std::string_view params,
                               const SourceLocation& at);
  void substitute_seq_params(std::string& params);
  void start_sequence();
  void next_sequence_value();

  // Includes (pre_files.cc).
  bool check_include();
  void open_glob(const std::string& pattern, unsigned checks, const SourceLocation& at);
  bool open_next_match(IncludeFrame& frame);
  void end_file();
  // keepalived's file_config_error(): an error when `checks` selects `kind`, otherwise a
  // notice that does not fail `-t`.
  void include_problem(unsigned kind, unsigned checks, const SourceLocation& at,
                       std::string message);
  std::string include_chain(std::string_view last) const;
  std::string current_dir() const;

  SourceLocation here(std::size_t pos = 0) const {
    return SourceLocation{origin_.file, origin_.line, buf_.column_at(pos)};
  }
  void fatal_limit(const SourceLocation& at, std::string message);

  const ParseOptions& options_;
  Diagnostics& diag_;
  std::string config_id_;
  std::mt19937 rng_;

  std::vector<IncludeFrame> includes_;
  unsigned include_check_ = 0;

  Definitions defs_;
  Definition* defining_ = nullptr;  // the multi-line definition being read
  std::vector<Sequence> seqs_;
  std::size_t seq_emitted_ = 0;
  std::optional<MultilineCursor> multiline_;
  std::vector<MultilineSaved> multiline_stack_;
  std::size_t multiline_seq_depth_ = 0;
  std::size_t multiline_lines_ = 0;
  std::size_t line_generation_ = 0;   // generation of the multi-line expansion buf_ came from
  bool substitution_failed_ = false;  // replace_params() hit a bound (already reported)

  PreText buf_;
  LineOrigin origin_;
  bool quote_reported_ = false;  // decomment() already reported this line's open quote
  std::optional<std::pair<PreText, LineOrigin>> residue_;
  PreText spare_;
  std::vector<Token> word_scratch_;

  const LineSink* sink_ = nullptr;
  std::size_t lines_out_ = 0;
  bool stopped_ = false;  // a limit was hit; no more output
  // Just enough block tracking to apply `include_check` in global_defs as it is read, as
  // keepalived does (its keyword handler runs before later includes are opened).
  int depth_ = 0;
  bool in_global_defs_ = false;
  bool last_was_global_defs_ = false;
};

}  // namespace vigil::parser
