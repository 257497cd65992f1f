#include "parser/pre_sequence.h"

#include <cstdlib>
#include <string_view>

namespace vigil::parser {
namespace {

std::size_t skip_blanks(std::string_view s, std::size_t p) {
  while (p < s.size() && is_blank(s[p])) ++p;
  return p;
}

std::size_t skip_until(std::string_view s, std::size_t p, std::string_view stop) {
  while (p < s.size() && stop.find(s[p]) == std::string_view::npos) ++p;
  return p;
}

char at(std::string_view s, std::size_t p) { return p < s.size() ? s[p] : '\0'; }

// keepalived copies the parameters into a 64 byte buffer: "3 longs, each with , or ) after
// plus terminating nul".
constexpr std::size_t kSeqParamBuffer = 3 * 20 + 3 + 1;

}  // namespace

std::optional<Sequence> parse_seq(const PreText& line, const SubstituteParams& substitute,
                                  std::string& error) {
  const std::string_view buf = line.s;
  const std::string quoted = "'" + line.s + "'";
  std::size_t p = 4;  // "~SEQ"
  Sequence seq;
  if (at(buf, p) == 'x') {
    ++p;
    seq.hex = true;
  }
  p = skip_blanks(buf, p);
  if (at(buf, p) != '(') return std::nullopt;
  p = skip_blanks(buf, p + 1);
  const std::size_t var = p;
  p = skip_until(buf, p, " \t,)");
  seq.var.assign(buf.substr(var, p - var));
  p = skip_blanks(buf, p);
  if (p >= buf.size() || buf[p] == ')' || p == var) {
    error = "invalid ~SEQ definition " + quoted;
    return std::nullopt;
  }
  p = skip_blanks(buf, p + 1);
  const std::size_t end_seq = buf.find(')', p);
  if (end_seq == std::string_view::npos) {
    error = "invalid ~SEQ definition " + quoted + " (missing ')')";
    return std::nullopt;
  }
  if (end_seq + 1 - p + 1 > kSeqParamBuffer) {
    error = "~SEQ parameter strings too long " + quoted;
    return std::nullopt;
  }
  std::string params(buf.substr(p, end_seq + 1 - p));
  substitute(params);

  // strtol(..., 0): decimal, 0x hex or 0 octal; a missing number reads as 0.
  char* q = params.data();
  long start = 0;
  long step = 0;
  long end = 0;
  auto blanks = [&q] {
    while (*q == ' ' || *q == '\t') ++q;
  };
  const long one = std::strtol(q, &q, 0);
  blanks();
  if (*q == ')') {
    end = one;
    step = end < 1 ? -1 : 1;
    start = end < 0 ? -1 : 1;
  } else {
    if (*q != ',') {
      error = "invalid ~SEQ definition " + quoted;
      return std::nullopt;
    }
    const long two = std::strtol(q + 1, &q, 0);
    blanks();
    if (*q == ')') {
      start = one;
      end = two;
      step = start <= end ? 1 : -1;
    } else {
      if (*q != ',') {
        error = "invalid ~SEQ definition " + quoted;
        return std::nullopt;
      }
      const long three = std::strtol(q + 1, &q, 0);
      blanks();
      if (*q != ')') {
        error = "invalid ~SEQ definition " + quoted;
        return std::nullopt;
      }
      start = one;
      step = two;
      end = three;
      if (step == 0 || (start < end && step < 0) || (start > end && step > 0)) {
        error = "invalid ~SEQ values " + quoted;
        return std::nullopt;
      }
    }
  }
  if (seq.hex && (start < 0 || end < 0)) {
    error = "~SEQx is only valid for positive numbers " + quoted;
    return std::nullopt;
  }
  seq.next = start;
  seq.step = step;
  seq.last = end;
  seq.text.assign(line, skip_blanks(buf, end_seq + 1));
  return seq;
}

std::optional<Sequence> parse_lst(const PreText& line, std::string& error) {
  const std::string_view buf = line.s;
  Sequence seq;
  seq.is_list = true;
  std::size_t p = skip_blanks(buf, 4);  // "~LST"
  if (at(buf, p) != '(') return std::nullopt;
  p = skip_blanks(buf, p + 1);

  // The variable names: one name, or {a, b, ...}.
  char end_char = ',';
  if (at(buf, p) == '{') {
    end_char = '}';
    p = skip_blanks(buf, p + 1);
  }
  std::size_t num_vars = 0;  // counts the separators, as keepalived does
  while (true) {
    const std::size_t var = p;
    p = skip_until(buf, p, " \t,}");
    seq.params.emplace_back(buf.substr(var, p - var));
    p = skip_blanks(buf, p);
    if (at(buf, p) == end_char) break;
    if (at(buf, p) != ',') return std::nullopt;
    p = skip_blanks(buf, p + 1);
    ++num_vars;
  }
  if (at(buf, p) == '}') p = skip_blanks(buf, p + 1);
  if (at(buf, p) != ',') return std::nullopt;
  p = skip_blanks(buf, p + 1);

  // The value sets: single values, or {x, y, ...}; missing values are empty.
  while (true) {
    std::vector<std::string> set;
    end_char = ',';
    if (at(buf, p) == '{') {
      end_char = '}';
      p = skip_blanks(buf, p + 1);
    }
    std::size_t num_values = 0;
    while (true) {
      const std::size_t value = p;
      p = skip_until(buf, p, " \t,})");
      set.emplace_back(buf.substr(value, p - value));
      p = skip_blanks(buf, p);
      if (at(buf, p) == end_char || (at(buf, p) == ')' && end_char == ',')) break;
      if (at(buf, p) != ',') return std::nullopt;
      p = skip_blanks(buf, p + 1);
      if (++num_values > num_vars) {
        error = "~LST specification has too many values '" + line.s + "'";
        return std::nullopt;
      }
    }
    for (; num_values < num_vars; ++num_values) set.emplace_back();
    seq.values.push_back(std::move(set));
    if (at(buf, p) == '}' && end_char == '}') p = skip_blanks(buf, p + 1);
    if (at(buf, p) == ')') break;
    if (at(buf, p) != ',') return std::nullopt;
    p = skip_blanks(buf, p + 1);
  }
  seq.text.assign(line, skip_blanks(buf, p + 1));
  return seq;
}

}  // namespace vigil::parser
