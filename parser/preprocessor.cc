// Placeholder until the preprocessor lands: whitespace-separated words, '#'/'!' comments.
#include "parser/preprocessor.h"

#include <fstream>
#include <sstream>

#include "parser/parse.h"

namespace vigil::parser {

std::vector<Line> preprocess_text(std::string_view text, std::string_view name,
                                  const ParseOptions&, Diagnostics&) {
  std::vector<Line> out;
  auto file = intern_file_name(name);
  std::uint32_t lineno = 0;
  std::istringstream in{std::string(text)};
  std::string raw;
  while (std::getline(in, raw)) {
    ++lineno;
    Line line;
    std::size_t i = 0;
    while (i < raw.size()) {
      while (i < raw.size() && isspace(static_cast<unsigned char>(raw[i]))) ++i;
      if (i >= raw.size() || raw[i] == '#' || raw[i] == '!') break;
      std::size_t start = i;
      while (i < raw.size() && !isspace(static_cast<unsigned char>(raw[i]))) ++i;
      line.tokens.push_back(Token{raw.substr(start, i - start),
                                  SourceLocation{file, lineno, static_cast<std::uint32_t>(start + 1)},
                                  false});
    }
    if (!line.tokens.empty()) out.push_back(std::move(line));
  }
  return out;
}

std::vector<Line> preprocess_file(const std::string& path, const ParseOptions& options,
                                  Diagnostics& diag) {
  std::ifstream f(path);
  if (!f) {
    diag.error(SourceLocation{intern_file_name(path), 0, 0}, "cannot open configuration file");
    return {};
  }
  std::stringstream ss;
  ss << f.rdbuf();
  return preprocess_text(ss.str(), path, options, diag);
}

}  // namespace vigil::parser
