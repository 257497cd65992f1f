// Definition substitution and ~SEQ/~LST iteration for the preprocessor engine.
#include <unistd.h>

#include <climits>
#include <cstdio>

#include "parser/parse.h"
#include "parser/pre_engine.h"

namespace vigil::parser {

std::string PreprocessorEngine::current_dir() const {
  std::string dir;
  for (auto it = includes_.rbegin(); it != includes_.rend(); ++it) {
    if (it->file) {
      dir = it->file->dir;
      break;
    }
  }
  if (!dir.empty() && dir[0] == '/') return dir;
  char cwd[PATH_MAX];
  if (getcwd(cwd, sizeof cwd) == nullptr) return dir;
  std::string out(cwd);
  if (!dir.empty()) out += "/" + dir;
  return out;
}

std::string PreprocessorEngine::definition_value(const Definition& def, std::string_view params,
                                                 const SourceLocation& at) {
  switch (def.kind) {
    case DefinitionKind::kPwd:
      return current_dir();
    case DefinitionKind::kInstance:
      return config_id_;
    case DefinitionKind::kRandom: {
      bool extra = false;
      std::string value = random_value(params, rng_, extra);
      if (extra) {
        // keepalived only logs this.
        diag_.add(Diagnostic{
            Severity::kWarning, at,
            "too many parameters or extra text for ${_RANDOM " + std::string(params) + "}",
            Impact::kInformational});
      }
      return value;
    }
    case DefinitionKind::kText:
      break;
  }
  return *def.value;
}

bool PreprocessorEngine::replace_params(PreText& t, std::size_t max_len) {
  bool found = false;
  std::size_t cur = 0;
  // Substitutions that land on the same position one after another are nested definitions
  // ($A -> ${B} -> ...); keepalived loops forever on a cycle, vigil stops at
  // max_definition_depth. Substitutions further along the line either consume a '$' or grow
  // the line, which max_len caps.
  std::size_t last_pos = std::string::npos;
  std::size_t depth = 0;
  while ((cur = t.s.find('$', cur)) != std::string::npos && cur + 1 < t.s.size()) {
    const std::optional<DefinitionUse> use = defs_.find_use(t.s, cur);
    if (!use) {
      ++cur;
      continue;
    }
    const Definition& def = *use->def;
    const std::uint32_t column = t.column_at(cur);
    const SourceLocation at{origin_.file, origin_.line, column};
    const std::string name(std::string_view(t.s).substr(cur, use->end - cur));

    if (cur == last_pos) {
      if (++depth > options_.max_definition_depth) {
        diag_.error(at, "definition " + name + " nests more than " +
                            std::to_string(options_.max_definition_depth) +
                            " levels deep (recursive definition?)");
        substitution_failed_ = true;
        return false;
      }
    } else {
      last_pos = cur;
      depth = 1;
    }

    std::shared_ptr<std::string> shared = def.value;
    std::string generated;
    std::string_view value = *shared;
    if (def.kind != DefinitionKind::kText) {
      generated = definition_value(def, use->params, at);
      value = generated;
    }
    std::string_view first = value;
    std::size_t rest = std::string_view::npos;
    if (def.multiline) {
      rest = value.find('\n');
      if (rest != std::string_view::npos) {
        first = value.substr(0, rest);
        ++rest;
      }
    }
    const std::size_t use_len = use->end - cur;
    if (t.size() - use_len + first.size() >= max_len) {
      diag_.error(at, "substituting " + name + " would make the line longer than " +
                          std::to_string(max_len - 1) + " characters");
      substitution_failed_ = true;
      return false;
    }

    if (rest != std::string_view::npos) {
      // Checked before the running expansion is saved below: returning after the save would
      // leave multiline_ holding a moved-from cursor.
      if (line_generation_ + 1 > options_.max_definition_depth) {
        diag_.error(at, "multi-line definition " + name + " expands itself more than " +
                            std::to_string(options_.max_definition_depth) +
                            " times in a row (recursive definition?)");
        substitution_failed_ = true;
        return false;
      }
      // The remaining lines are read after this one. A multi-line expansion already running
      // resumes when this one is done.
      if (multiline_) {
        if (multiline_stack_.size() >= options_.max_definition_depth) {
          diag_.error(at, "multi-line definitions nest more than " +
                              std::to_string(options_.max_definition_depth) +
                              " levels deep (recursive definition?)");
          substitution_failed_ = true;
          return false;
        }
        multiline_stack_.push_back(MultilineSaved{std::move(*multiline_), multiline_seq_depth_});
      }
      multiline_seq_depth_ = seqs_.size();
      multiline_ = MultilineCursor{shared, rest, origin_, column, line_generation_ + 1};
    }
    found = true;
    const bool stop = [&] {
      const std::size_t nb = value.find_first_not_of(" \t");
      return nb != std::string_view::npos && value[nb] == '~';
    }();
    t.replace(cur, use_len, first, column);
    // A value starting with '~' ends this round, so that a definition can hold a ~SEQ block.
    if (stop) break;
  }
  return found;
}

void PreprocessorEngine::substitute_seq_params(std::string& params) {
  PreText text;
  text.assign_uniform(params, buf_.column_at(0));
  replace_params(text, 3 * 20 + 3 + 1);
  substitution_failed_ = false;  // the ~SEQ itself then fails to parse
  params = std::move(text.s);
}

void PreprocessorEngine::start_sequence() {
  std::string error;
  std::optional<Sequence> seq;
  const bool is_seq = buf_.s[1] == 'S';
  if (is_seq) {
    seq = parse_seq(
        buf_, [this](std::string& p) { substitute_seq_params(p); }, error);
  } else {
    seq = parse_lst(buf_, error);
  }
  if (!seq) {
    if (error.empty()) {
      error =
          std::string(is_seq ? "invalid ~SEQ specification '" : "invalid ~LST specification '") +
          buf_.s + "'";
    }
    diag_.error(here(), error);
    return;
  }
  if (seqs_.size() >= options_.max_definition_depth) {
    diag_.error(here(), "~SEQ/~LST blocks nest more than " +
                            std::to_string(options_.max_definition_depth) + " levels deep");
    return;
  }
  // A block that alone would pass the limit fails at once instead of after producing a
  // million lines; nested blocks multiply, which the running count in next_sequence_value()
  // catches.
  const __int128 count = seq->is_list
                             ? static_cast<__int128>(seq->values.size())
                             : (static_cast<__int128>(seq->last) - seq->next) / seq->step + 1;
  if (static_cast<__int128>(seq_emitted_) + count >
      static_cast<__int128>(options_.max_sequence_expansion)) {
    diag_.error(here(), "~SEQ/~LST blocks expand to more than " +
                            std::to_string(options_.max_sequence_expansion) + " lines");
    seqs_.clear();  // the blocks this one is nested in are part of the same expansion
    return;
  }
  seq->origin = origin_;
  seq->column = buf_.column_at(0);
  seqs_.push_back(std::move(*seq));
}

void PreprocessorEngine::next_sequence_value() {
  Sequence& seq = seqs_.back();
  if (++seq_emitted_ > options_.max_sequence_expansion) {
    diag_.error(SourceLocation{seq.origin.file, seq.origin.line, seq.column},
                "~SEQ/~LST blocks expand to more than " +
                    std::to_string(options_.max_sequence_expansion) + " lines");
    seqs_.clear();
    buf_.clear();
    return;
  }
  buf_ = seq.text;
  origin_ = seq.origin;
  if (!seq.is_list) {
    char value[32];
    if (seq.hex) {
      std::snprintf(value, sizeof value, "%lx", static_cast<unsigned long>(seq.next));
    } else {
      std::snprintf(value, sizeof value, "%ld", seq.next);
    }
    defs_.set(seq.var, value);
    long next = 0;
    const bool overflow = __builtin_add_overflow(seq.next, seq.step, &next);
    seq.next = next;
    if (overflow || (seq.step > 0 && seq.next > seq.last) ||
        (seq.step < 0 && seq.next < seq.last)) {
      seqs_.pop_back();
    }
    return;
  }
  const std::vector<std::string>& values = seq.values[seq.next_set];
  for (std::size_t i = 0; i < seq.params.size() && i < values.size(); ++i) {
    defs_.set(seq.params[i], values[i]);
  }
  if (++seq.next_set >= seq.values.size()) seqs_.pop_back();
}

}  // namespace vigil::parser
