// Golden tests of the preprocessor: every tests/parser/data/preprocess/<feature>.conf is
// preprocessed with config id "main" and compared with <feature>.expected, which lists the
// logical lines (`file:line: col:word ...`, quoted words in "", control characters and blanks
// inside unquoted words as \xHH) and then the diagnostics. Paths under the data directory are
// shown as DATA/...
//
// Set VIGIL_UPDATE_GOLDEN=1 to rewrite the .expected files, then review the diff: each case
// was checked against keepalived 2.2.7 (`keepalived -t -f FILE -i main`).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "parser/parse.h"
#include "parser/preprocessor.h"

namespace vigil::parser {
namespace {

namespace fs = std::filesystem;

const std::string kDataDir = std::string(VIGIL_TEST_DATA_DIR) + "/preprocess";

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t p = 0; (p = s.find(from, p)) != std::string::npos; p += to.size()) {
    s.replace(p, from.size(), to);
  }
  return s;
}

std::string show_word(const Token& t) {
  std::string out;
  if (t.quoted) out += '"';
  for (unsigned char c : t.text) {
    if (c < 0x20 || c == 0x7f || (c == ' ' && !t.quoted) || c == '\\' || (c == '"' && t.quoted)) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02X", c);
      out += hex;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (t.quoted) out += '"';
  return out;
}

std::string render(const std::vector<Line>& lines, const Diagnostics& diag) {
  std::ostringstream out;
  for (const Line& line : lines) {
    const SourceLocation& at = line.tokens.front().location;
    out << at.file << ':' << at.line << ':';
    for (const Token& t : line.tokens) {
      out << ' ' << t.location.column << ':' << show_word(t);
      if (t.location.file != at.file || t.location.line != at.line) out << "(!)";
    }
    out << '\n';
  }
  out << "--- diagnostics\n";
  for (const Diagnostic& d : diag.entries()) {
    out << d.str();
    if (d.impact == Impact::kInformational) out << " [informational]";
    out << '\n';
  }
  return replace_all(out.str(), kDataDir, "DATA");
}

std::vector<std::string> golden_cases() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(kDataDir)) {
    if (entry.path().extension() == ".conf") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

class PreprocessGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(PreprocessGolden, MatchesExpected) {
  const std::string base = kDataDir + "/" + GetParam();
  ParseOptions options;
  options.config_id = "main";
  Diagnostics diag;
  const std::vector<Line> lines = preprocess_file(base + ".conf", options, diag);
  const std::string actual = render(lines, diag);

  if (std::getenv("VIGIL_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(base + ".expected") << actual;
    GTEST_SKIP() << "rewrote " << base << ".expected";
  }
  std::ifstream in(base + ".expected");
  ASSERT_TRUE(in) << "missing " << base << ".expected (run with VIGIL_UPDATE_GOLDEN=1)";
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(actual, expected.str());
}

INSTANTIATE_TEST_SUITE_P(Preprocess, PreprocessGolden, ::testing::ValuesIn(golden_cases()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace vigil::parser
