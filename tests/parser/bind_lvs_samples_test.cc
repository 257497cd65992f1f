// Debian's keepalived samples (/usr/share/doc/keepalived/samples): their LVS parts must bind
// with the same classes of diagnostics `keepalived -t` 2.2.7 gives for them (measured: only
// keepalived.conf.fwmark draws a complaint, about its protocol line). Skipped when the
// samples are not installed.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <utility>
#include <vector>

#include "parser/parse.h"

namespace vigil::parser {
namespace {

namespace fs = std::filesystem;

const fs::path kSamples = "/usr/share/doc/keepalived/samples";

// Line ranges of the top-level SSL / virtual_server / virtual_server_group blocks.
std::vector<std::pair<std::uint32_t, std::uint32_t>> lvs_blocks(const fs::path& p) {
  std::ifstream in(p);
  std::string line;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> out;
  int depth = 0;
  std::uint32_t n = 0, start = 0;
  bool in_lvs = false;
  while (std::getline(in, line)) {
    ++n;
    if (auto c = line.find_first_of("#!"); c != std::string::npos) line.resize(c);
    std::istringstream words(line);
    std::string first;
    words >> first;
    if (depth == 0 &&
        (first == "virtual_server" || first == "virtual_server_group" || first == "SSL")) {
      in_lvs = true;
      start = n;
    }
    for (char ch : line) depth += ch == '{' ? 1 : ch == '}' ? -1 : 0;
    if (in_lvs && depth == 0 && line.find('}') != std::string::npos) {
      out.emplace_back(start, n);
      in_lvs = false;
    }
  }
  return out;
}

TEST(LvsSamples, SameDiagnosticClassesAsKeepalived) {
  if (!fs::exists(kSamples)) GTEST_SKIP() << kSamples << " not installed";
  // Config-impact LVS diagnostics keepalived 2.2.7 -t reports per sample (message prefix).
  const std::map<std::string, std::vector<std::string>> expected = {
      {"keepalived.conf.fwmark", {"virtual_server fwmark 1: 'protocol' is ignored"}},
  };
  int checked = 0;
  for (const auto& entry : fs::directory_iterator(kSamples)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with("keepalived.conf.")) continue;
    auto blocks = lvs_blocks(entry.path());
    if (blocks.empty()) continue;
    ParseOptions opts;
    opts.host_checks = false;
    ParseResult r = parse_config_file(entry.path().string(), opts);
    std::vector<std::string> got;
    for (const auto& d : r.diagnostics.entries()) {
      if (d.impact != Impact::kConfig) continue;
      bool inside = false;
      for (auto [a, b] : blocks) inside = inside || (d.location.line >= a && d.location.line <= b);
      if (inside) got.push_back(d.message);
    }
    auto it = expected.find(name);
    std::vector<std::string> want = it == expected.end() ? std::vector<std::string>{} : it->second;
    ASSERT_EQ(got.size(), want.size()) << name << ": " << ::testing::PrintToString(got);
    for (std::size_t i = 0; i < want.size(); ++i) {
      EXPECT_TRUE(got[i].starts_with(want[i])) << name << ": " << got[i];
    }
    ++checked;
  }
  EXPECT_GT(checked, 10);
}

}  // namespace
}  // namespace vigil::parser
