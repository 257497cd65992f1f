// Golden tests for `vigild -d`: each tests/parser/data/dump/NAME.conf has NAME.json, the
// effective configuration after defaults and inheritance. Regenerate with
// VIGIL_UPDATE_GOLDEN=1 and review the diff: a golden file is a statement of behaviour.
#include "parser/dump_json.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "parser/parse.h"

namespace vigil::parser {
namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string dump_of(const fs::path& conf) {
  ParseOptions opts;
  opts.host_checks = false;
  opts.config_id = "lb1";
  ParseResult r = parse_config_file(conf.string(), opts);
  auto j = config_to_json(r.config);
  j["source_file"] = conf.filename().string();  // independent of the checkout's location
  std::string out;
  for (const auto& d : r.diagnostics.entries()) {
    Diagnostic shown = d;
    shown.location.file = intern_file_name(fs::path(d.location.file).filename().string());
    out += "// " + shown.str() + "\n";
  }
  return out + j.dump(2) + "\n";
}

TEST(DumpJson, GoldenFiles) {
  const fs::path dir = fs::path(VIGIL_TEST_DATA_DIR) / "dump";
  const bool update = std::getenv("VIGIL_UPDATE_GOLDEN") != nullptr;
  int checked = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".conf") continue;
    fs::path golden = entry.path();
    golden.replace_extension(".json");
    std::string actual = dump_of(entry.path());
    if (update) {
      std::ofstream(golden) << actual;
    } else {
      ASSERT_TRUE(fs::exists(golden)) << golden << " missing; run with VIGIL_UPDATE_GOLDEN=1";
      EXPECT_EQ(actual, read(golden)) << "golden mismatch for " << entry.path().filename();
    }
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

TEST(DumpJson, KeyOrderIsStable) {
  const fs::path dir = fs::path(VIGIL_TEST_DATA_DIR) / "dump";
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".conf") continue;
    EXPECT_EQ(dump_of(entry.path()), dump_of(entry.path()));
  }
}

}  // namespace
}  // namespace vigil::parser
