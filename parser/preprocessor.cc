// keepalived 2.2.7's line-level configuration language (lib/parser.c read_line() and what it
// calls), rebuilt around vigil's needs: exact token locations, diagnostics instead of log
// lines, and hard bounds on includes, definitions and sequence expansion.
//
// Order of work for each line, as in keepalived's read_line():
//   1. The source of the next line, in this priority: the rest of the previous line after a
//      brace; the next value of the innermost running ~SEQ/~LST block (unless a multi-line
//      definition started inside it is still being read); the next line of a multi-line
//      definition being expanded; the next physical line of the file on top of the include
//      stack (comments removed by decomment()).
//   2. While a multi-line definition is being defined, the line is added to it.
//   3. `@id` / `@^id` conditionals, `$NAME=value` definitions, `~SEQ` / `~LST` blocks, then
//      substitution of `$NAME` / `${NAME}` with the comment removal redone, repeated while the
//      result starts with '@' or still holds a '$'.
//   4. `include` directives.
//   5. The line ends at the first '{' or '}' outside double quotes; the rest is read next.
#include "parser/preprocessor.h"

#include <unistd.h>

#include <chrono>
#include <iterator>
#include <utility>

#include "parser/parse.h"
#include "parser/pre_engine.h"
#include "parser/pre_include.h"

namespace vigil::parser {
namespace {

// keepalived's default config id: the node name up to the first '.'.
std::string short_host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return {};
  std::string host(name);
  if (auto dot = host.find('.'); dot != std::string::npos) host.resize(dot);
  return host;
}

}  // namespace

PreprocessorEngine::PreprocessorEngine(const ParseOptions& options, Diagnostics& diag)
    : options_(options),
      diag_(diag),
      config_id_(options.config_id.empty() ? short_host_name() : options.config_id),
      rng_(static_cast<std::mt19937::result_type>(
          std::chrono::system_clock::now().time_since_epoch().count())),
      include_check_(options.all_config ? unsigned{kIncludeAll} : 0U) {}

void PreprocessorEngine::open_text(std::string_view text, std::string_view name) {
  IncludeFrame frame;
  frame.checks = kIncludeAll;
  frame.saved_include_check = include_check_;
  OpenFile file;
  file.path = std::string(name);
  file.name = intern_file_name(name);
  file.dir = directory_of(name);
  file.content = std::string(text);
  frame.at = SourceLocation{file.name, 0, 0};
  frame.file = std::move(file);
  includes_.push_back(std::move(frame));
}

bool PreprocessorEngine::open_main_file(const std::string& path) {
  FileReader reader;
  std::string first;
  std::string error;
  const SourceLocation at{intern_file_name(path), 0, 0};
  if (!reader.open(path, first, error)) {
    diag_.error(at, "cannot open configuration file: " + error);
    return false;
  }
  open_text({}, path);
  OpenFile& file = *includes_.back().file;
  file.content = std::move(first);
  file.dev = reader.dev();
  file.ino = reader.ino();
  file.reader = std::move(reader);
  return true;
}

void PreprocessorEngine::run(const LineSink& sink) {
  sink_ = &sink;
  while (!stopped_ && read_line()) emit_line();
  sink_ = nullptr;
}

void PreprocessorEngine::fatal_limit(const SourceLocation& at, std::string message) {
  diag_.error(at, std::move(message));
  stopped_ = true;
}

bool PreprocessorEngine::next_physical_line() {
  while (!includes_.empty()) {
    IncludeFrame& frame = includes_.back();
    if (!frame.file) {
      end_file();
      continue;
    }
    OpenFile& file = *frame.file;
    std::size_t nl = file.content.find('\n', file.pos);
    while (nl == std::string::npos && refill(file)) nl = file.content.find('\n', file.pos);
    if (file.pos >= file.content.size()) {
      end_file();
      continue;
    }
    const std::string_view content = file.content;
    std::string_view line;
    if (nl == std::string_view::npos) {
      line = content.substr(file.pos);
      file.pos = content.size();
    } else {
      line = content.substr(file.pos, nl - file.pos);
      file.pos = nl + 1;
    }
    ++file.line_no;
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
    // keepalived handles lines as C strings: a NUL byte ends the line.
    if (auto nul = line.find('\0'); nul != std::string_view::npos) line = line.substr(0, nul);
    buf_.assign_raw(line);
    origin_ = LineOrigin{file.name, file.line_no};
    quote_reported_ = false;
    return true;
  }
  return false;
}

bool PreprocessorEngine::refill(OpenFile& file) {
  if (file.reader.at_end()) return false;
  file.content.erase(0, file.pos);
  file.pos = 0;
  std::string error;
  if (file.reader.read_more(file.content, error)) return true;
  if (!error.empty()) {
    diag_.error(SourceLocation{file.name, file.line_no + 1, 0},
                "cannot read configuration file '" + file.path + "': " + error);
  }
  return false;
}

bool PreprocessorEngine::read_line() {
  bool defining = false;  // reading the lines of a multi-line definition
  while (true) {
    if (stopped_) return false;
    if (residue_) {
      buf_ = std::move(residue_->first);
      origin_ = residue_->second;
      residue_.reset();
    } else if (!seqs_.empty() && seqs_.size() > multiline_seq_depth_) {
      next_sequence_value();
    } else if (multiline_) {
      if (++multiline_lines_ > options_.max_lines) {
        fatal_limit(
            SourceLocation{multiline_->origin.file, multiline_->origin.line, multiline_->column},
            "multi-line definitions expand to more than " + std::to_string(options_.max_lines) +
                " lines (recursive definition?)");
        return false;
      }
      MultilineCursor& cursor = *multiline_;
      const std::string& text = *cursor.text;
      const std::size_t nl = text.find('\n', cursor.pos);
      origin_ = cursor.origin;
      line_generation_ = cursor.generation;
      if (nl == std::string::npos) {
        buf_.assign_uniform(std::string_view(text).substr(cursor.pos), cursor.column);
        if (!multiline_stack_.empty()) {
          multiline_ = std::move(multiline_stack_.back().cursor);
          multiline_seq_depth_ = multiline_stack_.back().seq_depth;
          multiline_stack_.pop_back();
        } else {
          multiline_.reset();
          multiline_seq_depth_ = 0;
        }
      } else {
        buf_.assign_uniform(std::string_view(text).substr(cursor.pos, nl - cursor.pos),
                            cursor.column);
        cursor.pos = nl + 1;
      }
    } else {
      bool got = false;
      line_generation_ = 0;
      while (next_physical_line()) {
        if (buf_.empty()) {
          // Only a truly empty line ends a multi-line definition.
          if (defining) {
            defining = false;
            if (defining_->value->empty()) defining_->multiline = false;
          }
          continue;
        }
        const DecommentResult dc = decomment(buf_);
        if (dc.unterminated_quote) {
          diag_.error(SourceLocation{origin_.file, origin_.line, dc.quote_column},
                      "unterminated quote: missing closing '\"'");
          quote_reported_ = true;
        }
        if (!buf_.empty()) {
          got = true;
          break;
        }
      }
      if (!got) return false;
    }

    if (defining) {
      // A continuation line of a multi-line definition: "text \" adds "text\n", the first
      // line without a trailing '\' is the last one. Lines that are only "\" add nothing.
      std::string& s = buf_.s;
      std::size_t len = s.size();
      if (len != 0 && s[len - 1] == '\\') {
        --len;
        while (len >= 1 && is_blank(s[len - 1])) --len;
        s.resize(len);
        s.push_back('\n');
        ++len;
      } else {
        defining = false;
        if (defining_->value->empty()) defining_->multiline = false;
      }
      if (len >= 2 || (len != 0 && !defining)) {
        if (defining_->value.use_count() > 1) {
          defining_->value = std::make_shared<std::string>(*defining_->value);
        }
        defining_->value->append(s, 0, len);
      }
      continue;
    }
    if (buf_.empty()) continue;

    defining = process_line();
    if (buf_.empty()) continue;
    if (check_include()) continue;
    break;
  }

  if (split_at_brace(buf_, spare_)) {
    residue_.emplace(std::move(spare_), origin_);
    spare_.clear();
  }
  return true;
}

bool PreprocessorEngine::process_line() {
  // keepalived repeats this while a substitution produced a line starting with '@' or one
  // that still holds a '$'; each round either shortens the work left or grows the line, which
  // is capped, but a hard bound keeps any oversight from hanging.
  for (std::size_t round = 0;; ++round) {
    std::string& s = buf_.s;
    if (round > kMaxLineLength * 4) {
      diag_.error(here(), "definitions do not settle on this line (recursive definition?)");
      buf_.clear();
      return false;
    }
    if (s[0] == '@') {
      // `@id rest`: keep `rest` only when id is the config id; `@^id` inverts the test.
      const bool invert = s.size() > 1 && s[1] == '^';
      const std::size_t ofs = invert ? 2 : 1;
      const std::size_t blank = s.find_first_of(" \t", ofs);
      if (blank == std::string::npos) {
        buf_.clear();
        return false;
      }
      const bool mismatch = std::string_view(s).substr(ofs, blank - ofs) != config_id_;
      if (mismatch != invert) {
        buf_.clear();
        return false;
      }
      std::size_t start = blank;
      while (start < s.size() && is_blank(s[start])) ++start;
      buf_.erase(0, start);
    }
    if (s[0] == '$') {
      if (Definition* def = defs_.check_definition(s)) {
        buf_.clear();
        if (def->multiline) {
          defining_ = def;
          return true;
        }
        return false;
      }
    }
    if (s.compare(0, 4, "~SEQ") == 0 || s.compare(0, 4, "~LST") == 0) {
      start_sequence();
      buf_.clear();
      return false;
    }
    // Any other line starting with '~' is left alone, definitions and all.
    if (s[0] == '~') return false;
    if (s.find('$') == std::string::npos) return false;
    if (!replace_params(buf_, kMaxLineLength)) {
      // A failed substitution leaves the line half done; what is left of it (split at its
      // braces, each part substituted again) could regrow without end, so it is dropped.
      if (substitution_failed_) buf_.clear();
      substitution_failed_ = false;
      return false;
    }
    const DecommentResult dc = decomment(buf_);
    if (dc.unterminated_quote && !quote_reported_) {
      diag_.error(SourceLocation{origin_.file, origin_.line, dc.quote_column},
                  "unterminated quote: missing closing '\"'");
      quote_reported_ = true;
    }
    if (buf_.empty()) return false;
    if (s[0] != '@' && s.find('$') == std::string::npos) return false;
  }
}

void PreprocessorEngine::emit_line() {
  std::vector<Token>& tokens = word_scratch_;
  tokens.clear();
  char open_quote = 0;
  std::uint32_t quote_column = 0;
  if (!split_words(buf_, origin_, tokens, open_quote, quote_column)) {
    // The line is dropped, as keepalived's quote-aware splitting drops it: the words before
    // the quote alone would only add misleading follow-up errors (a missing argument).
    if (!quote_reported_) {
      diag_.error(SourceLocation{origin_.file, origin_.line, quote_column},
                  std::string("unterminated quote: missing closing '") + open_quote + "'");
    }
    return;
  }
  if (tokens.empty()) return;
  if (lines_out_ >= options_.max_lines) {
    fatal_limit(tokens.front().location, "configuration has more than " +
                                             std::to_string(options_.max_lines) +
                                             " lines after expansion");
    return;
  }
  ++lines_out_;
  track_blocks(tokens);
  (*sink_)(tokens);
}

void PreprocessorEngine::track_blocks(const std::vector<Token>& tokens) {
  const Token& first = tokens.front();
  const bool lone = tokens.size() == 1 && !first.quoted;
  if (lone && first.text == "{") {
    ++depth_;
    if (depth_ == 1 && last_was_global_defs_) in_global_defs_ = true;
    last_was_global_defs_ = false;
    return;
  }
  if (lone && first.text == "}") {
    if (depth_ > 0) --depth_;
    if (depth_ == 0) in_global_defs_ = false;
    last_was_global_defs_ = false;
    return;
  }
  last_was_global_defs_ = depth_ == 0 && first.text == "global_defs";
  if (in_global_defs_ && depth_ == 1 && first.text == "include_check") {
    include_check_ = apply_include_check(tokens, include_check_);
  }
}

void preprocess_file(const std::string& path, const ParseOptions& options, Diagnostics& diag,
                     const LineSink& sink) {
  PreprocessorEngine engine(options, diag);
  if (engine.open_main_file(path)) engine.run(sink);
}

void preprocess_text(std::string_view text, std::string_view name, const ParseOptions& options,
                     Diagnostics& diag, const LineSink& sink) {
  PreprocessorEngine engine(options, diag);
  engine.open_text(text, name);
  engine.run(sink);
}

namespace {

// Words are gathered in a reused buffer and moved into a vector of exactly their number: a
// large configuration is mostly short lines, and spare capacity is what costs there.
LineSink collect_into(std::vector<Line>& out) {
  return [&out](std::vector<Token>& words) {
    Line line;
    line.tokens.reserve(words.size());
    std::move(words.begin(), words.end(), std::back_inserter(line.tokens));
    out.push_back(std::move(line));
  };
}

}  // namespace

std::vector<Line> preprocess_file(const std::string& path, const ParseOptions& options,
                                  Diagnostics& diag) {
  std::vector<Line> out;
  preprocess_file(path, options, diag, collect_into(out));
  return out;
}

std::vector<Line> preprocess_text(std::string_view text, std::string_view name,
                                  const ParseOptions& options, Diagnostics& diag) {
  std::vector<Line> out;
  preprocess_text(text, name, options, diag, collect_into(out));
  return out;
}

}  // namespace vigil::parser
