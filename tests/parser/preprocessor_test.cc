// Unit tests of the preprocessor: locations, bounds on pathological input, options.
#include "parser/preprocessor.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "parser/parse.h"

namespace vigil::parser {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::vector<Line> pp(std::string_view text, Diagnostics& diag, ParseOptions options = {}) {
  if (options.config_id.empty()) options.config_id = "main";
  return preprocess_text(text, "t.conf", options, diag);
}

std::vector<std::string> words(const Line& line) {
  std::vector<std::string> out;
  for (const Token& t : line.tokens) out.push_back(t.text);
  return out;
}

bool has_error(const Diagnostics& diag, std::string_view needle) {
  for (const Diagnostic& d : diag.entries()) {
    if (d.severity == Severity::kError && d.message.find(needle) != std::string::npos) return true;
  }
  return false;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// A scratch directory removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("vigil_pre_" + std::to_string(getpid()) + "_" + std::to_string(counter_++));
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string write(const std::string& name, const std::string& text) const {
    const fs::path p = path_ / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }
  const fs::path& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

TEST(Preprocessor, TokenLocations) {
  Diagnostics diag;
  auto lines = pp("\n  vrrp_instance  \"VI 1\"{\n", diag);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].tokens[0].location.str(), "t.conf:2:3");
  EXPECT_EQ(lines[0].tokens[1].location.str(), "t.conf:2:18");
  EXPECT_TRUE(lines[0].tokens[1].quoted);
  EXPECT_EQ(lines[0].tokens[1].text, "VI 1");
  EXPECT_EQ(lines[1].tokens[0].location.str(), "t.conf:2:24");
  EXPECT_EQ(lines[1].tokens[0].text, "{");
  EXPECT_TRUE(diag.clean());
}

TEST(Preprocessor, SubstitutedTextTakesTheColumnOfTheDollar) {
  Diagnostics diag;
  auto lines = pp("$V=a b\nkw x${V}y z\n", diag);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(words(lines[0]), (std::vector<std::string>{"kw", "xa", "by", "z"}));
  EXPECT_EQ(lines[0].tokens[1].location.column, 4u);
  EXPECT_EQ(lines[0].tokens[2].location.column, 5u);  // "b" came from ${V} at column 5
  EXPECT_EQ(lines[0].tokens[3].location.column, 11u);
}

TEST(Preprocessor, CarriageReturnsAndTabs) {
  Diagnostics diag;
  auto lines = pp("a\tb\r\n\r\nc\r\r\n", diag);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(words(lines[0]), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(lines[1].tokens[0].location.line, 3u);
}

TEST(Preprocessor, MissingMainFile) {
  Diagnostics diag;
  ParseOptions options;
  auto lines = preprocess_file("/nonexistent/keepalived.conf", options, diag);
  EXPECT_TRUE(lines.empty());
  ASSERT_EQ(diag.error_count(), 1u);
  EXPECT_EQ(diag.entries()[0].str(),
            "/nonexistent/keepalived.conf: error: cannot open configuration file: No such file "
            "or directory");
}

TEST(Preprocessor, DirectoryAsMainFile) {
  TempDir dir;
  Diagnostics diag;
  ParseOptions options;
  preprocess_file(dir.path().string(), options, diag);
  ASSERT_EQ(diag.error_count(), 1u);
  EXPECT_NE(diag.entries()[0].message.find("cannot open configuration file: Is a directory"),
            std::string::npos);
}

TEST(Preprocessor, ConfigIdDefaultsToShortHostName) {
  char host[256] = {};
  ASSERT_EQ(gethostname(host, sizeof host - 1), 0);
  std::string id(host);
  if (auto dot = id.find('.'); dot != std::string::npos) id.resize(dot);
  Diagnostics diag;
  ParseOptions options;  // no config id
  auto lines = preprocess_text("@" + id + " mine\n@^" + id + " other\np ${_INSTANCE}\n", "t.conf",
                               options, diag);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].tokens[0].text, "mine");
  EXPECT_EQ(lines[1].tokens[1].text, id);
}

TEST(Preprocessor, RandomStaysInRange) {
  Diagnostics diag;
  std::string text;
  for (int i = 0; i < 200; ++i) text += "r ${_RANDOM 10 12} ${_RANDOM}\n";
  auto lines = pp(text, diag);
  ASSERT_EQ(lines.size(), 200u);
  for (const Line& l : lines) {
    const int a = std::stoi(l.tokens[1].text);
    const int b = std::stoi(l.tokens[2].text);
    EXPECT_GE(a, 10);
    EXPECT_LE(a, 12);
    EXPECT_GE(b, 0);
    EXPECT_LE(b, 32767);
  }
}

TEST(Preprocessor, PwdOfInMemoryTextIsItsDirectory) {
  Diagnostics diag;
  ParseOptions options;
  auto lines = preprocess_text("p ${_PWD}\n", "/etc/keepalived/keepalived.conf", options, diag);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].tokens[1].text, "/etc/keepalived");
}

TEST(Preprocessor, SelfRecursiveDefinitionStops) {
  Diagnostics diag;
  const auto start = Clock::now();
  auto lines = pp("$A=${A}\nx $A\n$B=${C}\n$C=${B}\ny $B\n$G=x ${G}\nz $G\nlast\n", diag);
  EXPECT_LT(seconds_since(start), 1.0);
  EXPECT_TRUE(has_error(diag, "nests more than 64 levels"));
  EXPECT_TRUE(has_error(diag, "longer than 1023 characters"));
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back().tokens[0].text, "last");
}

TEST(Preprocessor, RecursiveMultilineDefinitionStops) {
  Diagnostics diag;
  ParseOptions options;
  options.max_lines = 10'000;
  const auto start = Clock::now();
  // $M's last line uses $M again: an endless stream of lines, stopped after 64 generations
  // (long before max_lines: the fuzzer found that 4 million lines take minutes).
  auto lines = pp("$M= \\\n a \\\n $M\n$M\n", diag, options);
  EXPECT_LT(seconds_since(start), 2.0);
  EXPECT_TRUE(has_error(diag, "expands itself more than 64 times in a row"));
  EXPECT_LE(lines.size(), 2u * 64);

  // The continuation line names the definition itself (found by the fuzzer: the error path
  // used to leave a moved-from cursor behind).
  Diagnostics diag3;
  pp("$VS=$VS\\\n$VS\n$VS\n", diag3, options);
  EXPECT_TRUE(diag3.has_errors());

  Diagnostics diag2;
  // $N's first line uses $N again while the rest is pending: the pending parts pile up.
  pp("$N= \\\n $N \\\n b\n$N\n", diag2, options);
  EXPECT_TRUE(has_error(diag2, "more than 64 levels deep"));
}

TEST(Preprocessor, HugeSequenceIsCapped) {
  Diagnostics diag;
  ParseOptions options;
  options.max_sequence_expansion = 5'000;
  const auto start = Clock::now();
  // A block too big by itself fails before producing anything.
  auto lines = pp("~SEQ(i, 1, 1000000000) x$i\nlast\n", diag, options);
  EXPECT_LT(seconds_since(start), 1.0);
  ASSERT_EQ(diag.error_count(), 1u);
  EXPECT_EQ(diag.entries()[0].str(),
            "t.conf:1:1: error: ~SEQ/~LST blocks expand to more than 5000 lines");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines.back().tokens[0].text, "last");

  // Nested blocks multiply; the whole nest stops at the limit, with one error.
  Diagnostics nested;
  lines = pp("~SEQ(a, 1, 100) ~SEQ(b, 1, 100) y\nlast\n", nested, options);
  ASSERT_EQ(nested.error_count(), 1u);
  EXPECT_TRUE(has_error(nested, "more than 5000 lines"));
  EXPECT_LE(lines.size(), 5'001u);
  EXPECT_EQ(lines.back().tokens[0].text, "last");
}

TEST(Preprocessor, SequenceAtTheEdgeOfLongDoesNotOverflow) {
  Diagnostics diag;
  auto lines = pp("~SEQ(i, 9223372036854775806, 9223372036854775807) x$i\n", diag);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1].tokens[0].text, "x9223372036854775807");
}

TEST(Preprocessor, MaxLinesStopsOutput) {
  Diagnostics diag;
  ParseOptions options;
  options.max_lines = 100;
  auto lines = pp("~SEQ(i, 1, 1000) x$i\n", diag, options);
  EXPECT_EQ(lines.size(), 100u);
  EXPECT_TRUE(has_error(diag, "more than 100 lines after expansion"));
}

TEST(Preprocessor, IncludeLoopIsAnError) {
  TempDir dir;
  dir.write("b.conf", "in_b\ninclude a.conf\n");
  const std::string a = dir.write("a.conf", "in_a\ninclude b.conf\nafter\n");
  Diagnostics diag;
  ParseOptions options;
  const auto start = Clock::now();
  auto lines = preprocess_file(a, options, diag);
  EXPECT_LT(seconds_since(start), 1.0);
  ASSERT_EQ(diag.error_count(), 1u);
  const Diagnostic& d = diag.entries()[0];
  EXPECT_EQ(d.location.file, (dir.path() / "b.conf").string());
  EXPECT_EQ(d.location.line, 2u);
  EXPECT_EQ(d.message, "include loop: " + a + " -> " + (dir.path() / "b.conf").string() + " -> " +
                           (dir.path() / "a.conf").string());
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[2].tokens[0].text, "after");
}

TEST(Preprocessor, IncludeDepthIsBounded) {
  TempDir dir;
  // Each file includes a new one: no loop, just depth.
  for (int i = 0; i < 50; ++i) {
    dir.write("f" + std::to_string(i) + ".conf",
              "l" + std::to_string(i) + "\ninclude f" + std::to_string(i + 1) + ".conf\n");
  }
  Diagnostics diag;
  ParseOptions options;
  options.max_include_depth = 8;
  auto lines = preprocess_file((dir.path() / "f0.conf").string(), options, diag);
  EXPECT_EQ(lines.size(), 9u);
  ASSERT_EQ(diag.error_count(), 1u);
  EXPECT_NE(diag.entries()[0].message.find("includes nest more than 8 levels deep: "),
            std::string::npos);
}

TEST(Preprocessor, AllConfigMakesMissingIncludesErrors) {
  Diagnostics lenient;
  pp("include /nonexistent/x.conf\n", lenient);
  EXPECT_EQ(lenient.error_count(), 0u);
  EXPECT_TRUE(lenient.clean());  // reported, but keepalived -t still exits 0

  Diagnostics strict;
  ParseOptions options;
  options.all_config = true;
  pp("include /nonexistent/x.conf\n", strict, options);
  EXPECT_EQ(strict.error_count(), 1u);
}

TEST(Preprocessor, IncludeIsRelativeToTheIncludingFile) {
  TempDir dir;
  dir.write("conf.d/one.conf", "one\ninclude ../two.conf\n");
  dir.write("two.conf", "two\n");
  const std::string main = dir.write("main.conf", "include conf.d/*.conf\nmain_last\n");
  Diagnostics diag;
  ParseOptions options;
  auto lines = preprocess_file(main, options, diag);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[1].tokens[0].text, "two");
  EXPECT_EQ(lines[1].tokens[0].location.file, (dir.path() / "conf.d/../two.conf").string());
  EXPECT_TRUE(diag.entries().empty());
}

// 1,000 virtual servers with 10 real servers each, about 100,000 lines.
std::string big_config() {
  std::string text = "global_defs {\n  router_id big\n}\n";
  for (int vs = 0; vs < 1000; ++vs) {
    text += "virtual_server 10.1." + std::to_string(vs / 250) + "." + std::to_string(vs % 250) +
            " 80 {\n  delay_loop 6\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n";
    for (int rs = 0; rs < 10; ++rs) {
      text += "  real_server 192.168." + std::to_string(rs) + "." + std::to_string(vs % 250) +
              " 8080 {\n    weight 1\n    TCP_CHECK {\n      connect_timeout 3 # seconds\n"
              "      connect_port 8080\n      retry 3\n    }\n  }\n";
    }
    text += "}\n";
  }
  return text;
}

TEST(Preprocessor, LargeConfigIsFast) {
  const std::string text = big_config();
  Diagnostics diag;
  const auto start = Clock::now();
  auto lines = pp(text, diag);
  const double elapsed = seconds_since(start);
  EXPECT_GT(lines.size(), 100'000u);
  EXPECT_TRUE(diag.entries().empty());
  // Tens of milliseconds in a release build; generous here for debug and sanitizer builds.
  EXPECT_LT(elapsed, 3.0);
  RecordProperty("preprocess_seconds", std::to_string(elapsed));
}

}  // namespace
}  // namespace vigil::parser
