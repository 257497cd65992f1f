// The broken-config corpus: each tests/parser/data/corpus/NAME.conf has NAME.expected with
//   # free comments
//   # stricter: why vigil's exit code differs from keepalived 2.2.7's (agreement test honours it)
//   exit N
//   NAME.conf:LINE:COL: error|warning: message      (every diagnostic, in emitted order)
// The exit code of every case is keepalived 2.2.7's `-t` class measured in a namespace with
// eth0..eth3, unless a `# stricter:` line says otherwise. Host checks are off here (they are
// covered by host_checks_test and tests/interop/keepalived_agreement.sh).
//
// VIGIL_UPDATE_CORPUS=1 rewrites the diagnostics (not the exit line or comments) of every
// .expected file from the current output: review the diff line by line against keepalived.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "parser/parse.h"

namespace vigil::parser {
namespace {

namespace fs = std::filesystem;

const fs::path kCorpus = fs::path(VIGIL_TEST_DATA_DIR) / "corpus";

struct Expected {
  std::vector<std::string> header;  // comment lines, kept verbatim on update
  int exit_code = -1;
  std::vector<std::string> diagnostics;
};

Expected read_expected(const fs::path& p) {
  Expected e;
  std::ifstream in(p);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line.starts_with("#")) {
      e.header.push_back(line);
    } else if (line.starts_with("exit ") && e.exit_code < 0) {
      e.exit_code = std::atoi(line.c_str() + 5);
    } else {
      e.diagnostics.push_back(line);
    }
  }
  return e;
}

void write_expected(const fs::path& p, const Expected& e, int exit_code,
                    const std::vector<std::string>& diagnostics) {
  std::ofstream out(p, std::ios::trunc);
  for (const auto& h : e.header) out << h << '\n';
  out << "exit " << (e.exit_code >= 0 ? e.exit_code : exit_code) << '\n';
  for (const auto& d : diagnostics) out << d << '\n';
}

struct Actual {
  int exit_code = 0;
  std::vector<std::string> diagnostics;
};

Actual run(const fs::path& conf) {
  ParseOptions opts;
  opts.host_checks = false;
  // keepalived's default id is the host name; the corpus only uses ids no host has.
  opts.config_id = "vigil-corpus-host";
  ParseResult r = parse_config_file(conf.string(), opts);
  Actual a;
  a.exit_code = static_cast<int>(r.exit_code());
  for (const auto& d : r.diagnostics.entries()) {
    Diagnostic shown = d;
    std::string file(d.location.file);
    std::error_code ec;
    fs::path rel = fs::relative(fs::path(file), kCorpus, ec);
    if (!ec && !rel.empty()) file = rel.generic_string();
    shown.location.file = intern_file_name(file);
    // Messages that point at another place ("already defined at FILE:LINE:COL") name the file
    // as given; show it relative to the corpus too.
    const std::string prefix = kCorpus.string() + "/";
    for (std::size_t at = shown.message.find(prefix); at != std::string::npos;
         at = shown.message.find(prefix, at)) {
      shown.message.erase(at, prefix.size());
    }
    a.diagnostics.push_back(shown.str());
  }
  return a;
}

std::vector<fs::path> corpus_files() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(kCorpus)) {
    if (entry.path().extension() == ".conf") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

class Corpus : public testing::TestWithParam<fs::path> {};

TEST_P(Corpus, MatchesExpectation) {
  const fs::path conf = GetParam();
  fs::path expected_path = conf;
  expected_path.replace_extension(".expected");
  const Actual actual = run(conf);
  if (std::getenv("VIGIL_UPDATE_CORPUS") != nullptr) {
    Expected e = fs::exists(expected_path) ? read_expected(expected_path) : Expected{};
    write_expected(expected_path, e, actual.exit_code, actual.diagnostics);
    return;
  }
  ASSERT_TRUE(fs::exists(expected_path)) << expected_path << " missing";
  const Expected expected = read_expected(expected_path);
  ASSERT_GE(expected.exit_code, 0) << expected_path << " has no `exit N` line";
  EXPECT_EQ(actual.exit_code, expected.exit_code) << conf.filename();
  std::ostringstream diff;
  for (const auto& d : actual.diagnostics) diff << "  got      " << d << '\n';
  for (const auto& d : expected.diagnostics) diff << "  expected " << d << '\n';
  EXPECT_EQ(actual.diagnostics, expected.diagnostics) << conf.filename() << '\n' << diff.str();
}

std::string case_name(const testing::TestParamInfo<fs::path>& info) {
  std::string name = info.param.stem().string();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Files, Corpus, testing::ValuesIn(corpus_files()), case_name);

TEST(CorpusInventory, HasEnoughCasesAndEveryCaseHasAnExpectation) {
  const auto files = corpus_files();
  EXPECT_GE(files.size(), 45u);
  for (const auto& f : files) {
    fs::path e = f;
    e.replace_extension(".expected");
    EXPECT_TRUE(fs::exists(e)) << e;
  }
}

}  // namespace
}  // namespace vigil::parser
