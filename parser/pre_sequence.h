#pragma once

// keepalived 2.2.7's sequence and list blocks (lib/parser.c add_seq(), add_lst()):
//   ~SEQ(var, start, step, end) rest-of-line      ~SEQ(var, start, end)      ~SEQ(var, end)
//   ~SEQx(...)  the same with the value in hex (no 0x prefix)
//   ~LST(var, v1, v2, ...) rest-of-line           ~LST({a, b}, {1, 2}, {3, 4}) rest-of-line
// The rest of the line is read once per value with $var (re)defined. Blocks nest: the rest
// of the line may itself start with ~SEQ or ~LST; the innermost block runs fastest.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "parser/pre_text.h"

namespace vigil::parser {

struct Sequence {
  bool is_list = false;
  // ~SEQ
  std::string var;
  long next = 0;
  long last = 0;
  long step = 1;
  bool hex = false;
  // ~LST: parameter names, and one set of values per iteration (padded with "" to the number
  // of names).
  std::vector<std::string> params;
  std::vector<std::vector<std::string>> values;
  std::size_t next_set = 0;

  PreText text;  // the rest of the line, read once per value
  LineOrigin origin;
  std::uint32_t column = 0;  // where the ~SEQ / ~LST was written
};

// Substitutes definitions in the parameters of a ~SEQ (keepalived allows `~SEQ(i, 1, $MAX)`).
using SubstituteParams = std::function<void(std::string&)>;

// Parses a line starting "~SEQ". On failure returns nullopt and sets `error` (empty when
// keepalived reports only its generic "Invalid ~SEQ specification").
std::optional<Sequence> parse_seq(const PreText& line, const SubstituteParams& substitute,
                                  std::string& error);
// Parses a line starting "~LST"; as parse_seq.
std::optional<Sequence> parse_lst(const PreText& line, std::string& error);

}  // namespace vigil::parser
