#include "parser/pre_text.h"

#include <cctype>

namespace vigil::parser {

void PreText::assign_raw(std::string_view raw) {
  s.assign(raw);
  col.resize(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) col[i] = static_cast<std::uint32_t>(i + 1);
}

void PreText::assign(const PreText& other, std::size_t pos, std::size_t len) {
  if (pos > other.s.size()) pos = other.s.size();
  if (len > other.s.size() - pos) len = other.s.size() - pos;
  s.assign(other.s, pos, len);
  col.assign(other.col.begin() + static_cast<std::ptrdiff_t>(pos),
             other.col.begin() + static_cast<std::ptrdiff_t>(pos + len));
}

void PreText::assign_uniform(std::string_view text, std::uint32_t column) {
  s.assign(text);
  col.assign(text.size(), column);
}

void PreText::erase(std::size_t pos, std::size_t len) {
  s.erase(pos, len);
  col.erase(col.begin() + static_cast<std::ptrdiff_t>(pos),
            col.begin() + static_cast<std::ptrdiff_t>(pos + len));
}

void PreText::replace(std::size_t pos, std::size_t len, std::string_view with,
                      std::uint32_t column) {
  s.replace(pos, len, with);
  auto at = col.begin() + static_cast<std::ptrdiff_t>(pos);
  at = col.erase(at, at + static_cast<std::ptrdiff_t>(len));
  col.insert(at, with.size(), column);
}

void PreText::push_back(char c, std::uint32_t column) {
  s.push_back(c);
  col.push_back(column);
}

std::uint32_t PreText::column_at(std::size_t pos) const {
  if (pos < col.size()) return col[pos];
  return col.empty() ? 1 : col.back() + 1;
}

DecommentResult decomment(PreText& t) {
  DecommentResult result;
  std::size_t lead = 0;
  while (lead < t.s.size() && is_blank(t.s[lead])) ++lead;
  if (lead != 0) t.erase(0, lead);

  bool quote = false;
  bool cont = false;
  std::uint32_t cont_column = 0;
  std::size_t skip = std::string::npos;
  std::size_t p = 0;
  while (true) {
    // (A hand loop: std::string::find_first_of costs a memchr per character.)
    while (p < t.s.size() && t.s[p] != '!' && t.s[p] != '#' && t.s[p] != '"' && t.s[p] != '\\') {
      ++p;
    }
    if (p >= t.s.size()) break;
    const char c = t.s[p];
    if (c == '"') {
      if (skip == std::string::npos) {
        quote = !quote;
        if (quote) result.quote_column = t.col[p];
      }
      ++p;
      continue;
    }
    if (c == '\\') {
      if (p + 1 < t.s.size()) {
        // Quoted text is left alone; elsewhere `\#` and `\!` lose the backslash.
        if (!quote && (t.s[p + 1] == '#' || t.s[p + 1] == '!')) {
          t.erase(p, 1);
          ++p;
        } else {
          p += 2;
        }
        continue;
      }
      cont_column = t.col[p];
      t.truncate(p);
      cont = true;
      break;
    }
    if (!quote && skip == std::string::npos) skip = p;
    ++p;
  }
  result.unterminated_quote = quote;
  if (skip != std::string::npos && skip < t.s.size()) t.truncate(skip);
  std::size_t len = t.s.size();
  while (len > 0 && is_blank(t.s[len - 1])) --len;
  t.truncate(len);
  if (cont) t.push_back('\\', cont_column);
  return result;
}

namespace {

bool is_octal(char c) { return c >= '0' && c <= '7'; }
bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return 10 + c - 'a';
  return 10 + c - 'A';
}

// Decodes the escape whose backslash is at s[i - 1]; advances `i` past it.
char decode_escape(std::string_view s, std::size_t& i) {
  const char c = s[i];
  if (c == 'x' && i + 1 < s.size() && is_hex(s[i + 1])) {
    // Like keepalived, every following hex digit is consumed; the value wraps to 8 bits.
    unsigned v = 0;
    ++i;
    while (i < s.size() && is_hex(s[i])) v = (v << 4) | static_cast<unsigned>(hex_value(s[i++]));
    return static_cast<char>(v & 0xff);
  }
  if (c == 'c' && i + 1 < s.size()) {
    const char ctl = static_cast<char>(s[i + 1] & 0x1f);
    i += 2;
    return ctl;
  }
  if (is_octal(c)) {
    unsigned v = static_cast<unsigned>(s[i++] - '0');
    for (int n = 0; n < 2 && i < s.size() && is_octal(s[i]); ++n) {
      v = (v << 3) + static_cast<unsigned>(s[i++] - '0');
    }
    return static_cast<char>(v & 0xff);
  }
  ++i;
  switch (c) {
    case 'a':
      return '\a';
    case 'b':
      return '\b';
    case 'E':
      return '\x1b';
    case 'f':
      return '\f';
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    case 'v':
      return '\v';
    default:
      return c;  // \" \' \\ and any other character stand for themselves
  }
}

}  // namespace

bool split_words(const PreText& t, const LineOrigin& origin, std::vector<Token>& out,
                 char& open_quote, std::uint32_t& quote_column) {
  const std::string_view s = t.s;
  const bool line_has_nul = s.find('\0') != std::string_view::npos;
  std::size_t i = 0;
  // Each lone ' costs a rescan of the rest of the line; past a few, take them literally at
  // once so a hostile line stays linear.
  int rescans = 0;
  while (true) {
    while (i < s.size() && is_white(s[i])) ++i;
    if (i >= s.size()) break;
    Token tok;
    tok.location = SourceLocation{origin.file, origin.line, t.column_at(i)};
    // A NUL in a word comes from an escape or from the line (which the preprocessor never
    // leaves with one); the search is skipped for the common word that has neither.
    bool may_hold_nul = line_has_nul;
    char quote = 0;
    // Where the open quote started, to take a lone ' literally (see below).
    std::size_t quote_pos = 0;
    std::size_t text_at_quote = 0;
    bool quoted_at_quote = false;
    while (true) {
      if (i >= s.size()) {
        if (quote == '\'') {
          // keepalived's ordinary word splitting knows no single quotes, so an apostrophe
          // without a partner (`router_id bob's`) is an ordinary character.
          tok.text.resize(text_at_quote);
          tok.text.push_back('\'');
          tok.quoted = quoted_at_quote;
          i = quote_pos + 1;
          quote = 0;
          ++rescans;
          continue;
        }
        break;
      }
      const char c = s[i];
      if (c == '\\') {
        if (i + 1 >= s.size()) {
          tok.text.push_back('\\');
          ++i;
          continue;
        }
        ++i;
        tok.text.push_back(decode_escape(s, i));
        may_hold_nul = true;
        continue;
      }
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else {
          tok.text.push_back(c);
        }
        ++i;
        continue;
      }
      if (c == '\'' && rescans > 64) {
        tok.text.push_back(c);
        ++i;
        continue;
      }
      if (c == '"' || c == '\'') {
        quote = c;
        quote_pos = i;
        text_at_quote = tok.text.size();
        quoted_at_quote = tok.quoted;
        tok.quoted = true;
        ++i;
        continue;
      }
      if (is_white(c)) break;
      std::size_t run = i + 1;
      while (run < s.size() && !is_white(s[run]) && s[run] != '\\' && s[run] != '"' &&
             s[run] != '\'') {
        ++run;
      }
      tok.text.append(s, i, run - i);
      i = run;
    }
    if (quote != 0) {
      // An unmatched double quote: like keepalived, keep the words before it and report.
      open_quote = quote;
      quote_column = t.column_at(quote_pos);
      return false;
    }
    // keepalived copies words with strndup(), so an escaped NUL ends the word.
    if (may_hold_nul) {
      if (auto nul = tok.text.find('\0'); nul != std::string::npos) tok.text.resize(nul);
    }
    out.push_back(std::move(tok));
  }
  return true;
}

bool split_at_brace(PreText& t, PreText& residue) {
  const std::string& s = t.s;
  std::size_t p = 0;
  if (!s.empty() && s[0] != '{' && s[0] != '}') {
    while (true) {
      while (p < s.size() && s[p] != '{' && s[p] != '}' && s[p] != '"') ++p;
      if (p >= s.size()) {
        p = std::string::npos;
        break;
      }
      if (s[p] != '"') break;
      p = s.find('"', p + 1);  // skip what is inside "..."
      if (p == std::string::npos) break;
      ++p;
    }
  }
  bool has_residue = false;
  if (p != std::string::npos && p < s.size() && (s[p] == '{' || s[p] == '}')) {
    std::size_t skip = 0;
    if (p == 0) {
      skip = 1;
      while (skip < s.size() && is_blank(s[skip])) ++skip;
    }
    if (p + skip < s.size()) {
      residue.assign(t, p + skip);
      has_residue = true;
      t.truncate(p + skip);
    }
  }
  std::size_t len = t.s.size();
  while (len > 0 && is_blank(t.s[len - 1])) --len;
  t.truncate(len);
  return has_residue;
}

}  // namespace vigil::parser
