#pragma once

// Text of one line while the preprocessor works on it, and the line-level rules of keepalived
// 2.2.7's lib/parser.c that act on a single line: comment removal (decomment()), word splitting
// and brace splitting.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "parser/source_location.h"
#include "parser/token.h"

namespace vigil::parser {

// keepalived reads lines into a MAXBUF (1024) byte buffer; a substitution that would make a
// line longer is refused ("would exceed maximum line length").
inline constexpr std::size_t kMaxLineLength = 1024;

// The file and line a piece of text is attributed to. Text that comes from a definition or a
// ~SEQ/~LST block is attributed to the line that used the definition or held the block.
struct LineOrigin {
  std::string_view file;
  std::uint32_t line = 0;
};

// A line with the source column (1-based) of every character, so tokens keep exact columns
// through comment removal, substitution and brace splitting. Text inserted by a substitution
// takes the column of the `$` it replaced.
struct PreText {
  std::string s;
  std::vector<std::uint32_t> col;

  void clear() {
    s.clear();
    col.clear();
  }
  bool empty() const { return s.empty(); }
  std::size_t size() const { return s.size(); }
  // A physical line: column i+1 for character i.
  void assign_raw(std::string_view raw);
  // `len` characters of `other` from `pos`, keeping their columns.
  void assign(const PreText& other, std::size_t pos, std::size_t len = std::string::npos);
  // `text` with every character attributed to column `column`.
  void assign_uniform(std::string_view text, std::uint32_t column);
  void erase(std::size_t pos, std::size_t len);
  void truncate(std::size_t len) { erase(len, s.size() - len); }
  void replace(std::size_t pos, std::size_t len, std::string_view with, std::uint32_t column);
  void push_back(char c, std::uint32_t column);
  // Column of the character at `pos` (the last column + 1 past the end; 1 for an empty line).
  std::uint32_t column_at(std::size_t pos) const;
};

inline bool is_blank(char c) { return c == ' ' || c == '\t'; }
// keepalived's WHITE_SPACE_STR " \t\f\n\r\v".
inline bool is_white(char c) {
  return c == ' ' || c == '\t' || c == '\f' || c == '\n' || c == '\r' || c == '\v';
}

struct DecommentResult {
  // Set when a double quote is left open; `quote_column` is where it opened.
  bool unterminated_quote = false;
  std::uint32_t quote_column = 0;
};

// keepalived's decomment(): removes leading blanks, a comment starting at an unquoted '#' or '!'
// (only double quotes count here), the backslash of an unquoted `\#` / `\!`, and trailing blanks.
// A backslash that ends the line is kept (moved next to the last word) to mark a continued
// definition.
DecommentResult decomment(PreText& t);

// Splits a finished logical line into words, as keepalived's alloc_strvec_quoted_escaped()
// splits script command lines (the rules of keepalived.conf(5) "Quoted strings"): words are
// separated by unquoted white space; "..." and '...' group (the quotes are removed and the
// parts of a word join: ab"c d"e is `abc de`); backslash escapes \a \b \E \f \n \r \t \v,
// \nnn (octal), \xHH..., \cC and \C for any other C apply inside and outside quotes.
// keepalived splits the lines of ordinary keywords more simply (alloc_strvec_r: only "..."
// groups, no escapes, a quote ends a word); the two agree on every word that is either
// unquoted without backslashes or wholly enclosed in double quotes.
// A backslash at the very end of the line stays a literal backslash, and so does a single
// quote without a partner (keepalived's ordinary word splitting does not know single quotes).
// Returns false (and sets `open_quote`) when a double quote is not closed.
bool split_words(const PreText& t, const LineOrigin& origin, std::vector<Token>& out,
                 char& open_quote, std::uint32_t& quote_column);

// keepalived's read_line() ends a line at the first '{' or '}' outside double quotes: a line
// starting with a brace yields the brace alone, otherwise the text before it. The rest of the
// line (the "residue") is moved to `residue`, to be read as the next line; returns false when
// there is none. `t` keeps the part that is used, trailing blanks removed.
bool split_at_brace(PreText& t, PreText& residue);

}  // namespace vigil::parser
