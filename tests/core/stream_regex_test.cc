// PCRE2 over a stream: for many patterns, options and bodies, every way of cutting the body into
// pieces gives what pcre2_match() gives on the whole body (the oracle, called directly here).
#include "core/stream_regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace vigil::core {
namespace {

struct Case {
  Case(std::string p, std::vector<std::string> o, std::uint32_t f, std::string b,
       std::size_t min = 0, std::optional<std::size_t> max = std::nullopt)
      : pattern(std::move(p)),
        options(std::move(o)),
        flags(f),
        body(std::move(b)),
        min_offset(min),
        max_offset(max) {}
  std::string pattern;
  std::vector<std::string> options;
  std::uint32_t flags;  // the same options as PCRE2 flags, for the oracle
  std::string body;
  std::size_t min_offset;
  std::optional<std::size_t> max_offset;
};

// pcre2_match on the whole body: the match's start, or nullopt.
std::optional<std::size_t> oracle(const Case& c) {
  int error = 0;
  PCRE2_SIZE error_offset = 0;
  const std::uint32_t flags = c.flags | (c.max_offset ? PCRE2_USE_OFFSET_LIMIT : 0);
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(c.pattern.data()), c.pattern.size(),
                                   flags, &error, &error_offset, nullptr);
  EXPECT_NE(code, nullptr) << c.pattern;
  if (!code) return std::nullopt;
  pcre2_match_data* data = pcre2_match_data_create_from_pattern(code, nullptr);
  pcre2_match_context* context = pcre2_match_context_create(nullptr);
  if (c.max_offset) pcre2_set_offset_limit(context, *c.max_offset);
  std::optional<std::size_t> at;
  if (c.min_offset <= c.body.size()) {
    const int rc = pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(c.body.data()), c.body.size(),
                               c.min_offset, 0, data, context);
    if (rc >= 0) at = pcre2_get_ovector_pointer(data)[0];
  }
  pcre2_match_context_free(context);
  pcre2_match_data_free(data);
  pcre2_code_free(code);
  return at;
}

// Feeds `body` to `search` cut at `cuts` (increasing offsets), then finishes it.
void feed_in_pieces(StreamSearch& search, std::string_view body,
                    const std::vector<std::size_t>& cuts) {
  std::size_t from = 0;
  for (std::size_t cut : cuts) {
    search.feed(body.substr(from, cut - from));
    from = cut;
  }
  search.feed(body.substr(from));
  search.finish();
}

std::optional<std::size_t> streamed(const Case& c, const std::vector<std::size_t>& cuts,
                                    std::size_t window = StreamSearch::kDefaultWindow) {
  std::string error;
  auto regex = CompiledRegex::compile(c.pattern, {c.options, c.max_offset.has_value(), {}}, &error);
  EXPECT_TRUE(regex) << c.pattern << ": " << error;
  if (!regex) return std::nullopt;
  StreamSearch search(*regex, c.min_offset, c.max_offset, window);
  feed_in_pieces(search, c.body, cuts);
  EXPECT_NE(search.state(), StreamSearch::State::kError) << search.error();
  EXPECT_NE(search.state(), StreamSearch::State::kSearching);
  if (search.state() != StreamSearch::State::kMatched) return std::nullopt;
  return search.match_offset();
}

std::vector<Case> cases() {
  const std::string page =
      "<html>\n<head><title>status</title></head>\n<body>\nstatus: GREEN\nload: 42\n"
      "uptime: 1234 s\nnote: caf\xc3\xa9 \xe2\x82\xac 10\n</body>\n</html>\n";
  std::vector<Case> out = {
      {"status: GREEN", {}, 0, page},
      {"status: RED", {}, 0, page},
      {"(?<=status: )GREEN", {}, 0, page},
      {"(?<!status: )GREEN", {}, 0, page},
      {"(?<=load: )\\d{2}\\b", {}, 0, page},
      {"\\bGREEN\\b", {}, 0, page},
      {"\\Bstatus", {}, 0, page},
      {"load: \\d++\\n", {}, 0, page},
      {"(?>\\d+)2", {}, 0, page},
      {"(?<v>\\d)\\k<v>", {}, 0, page + "x 77 y"},
      {"(a|ab)(c|bcd)(d*)", {}, 0, "xxabcdyy"},
      {"^status", {}, 0, page},
      {"^status", {"multiline"}, PCRE2_MULTILINE, page},
      {"^<html>", {}, 0, page},
      {"\\A<html>", {}, 0, page},
      {"\\Ahead", {}, 0, page},
      {"</html>$", {}, 0, page},
      {"</html>$", {"dollar_endonly"}, PCRE2_DOLLAR_ENDONLY, page},
      {"</html>\\n\\z", {}, 0, page},
      {"</html>\\Z", {}, 0, page},
      {"GREEN$", {"multiline"}, PCRE2_MULTILINE, page},
      {"green.load", {"caseless"}, PCRE2_CASELESS, page},
      {"green.load", {"caseless", "dotall"}, PCRE2_CASELESS | PCRE2_DOTALL, page},
      {"g r e e n # comment", {"caseless", "extended"}, PCRE2_CASELESS | PCRE2_EXTENDED, page},
      {"<.+>", {}, 0, page},
      {"<.+>", {"ungreedy"}, PCRE2_UNGREEDY, page},
      {"status", {"firstline"}, PCRE2_FIRSTLINE, page},
      {"html", {"firstline"}, PCRE2_FIRSTLINE, page},
      {"head", {"firstline"}, PCRE2_FIRSTLINE, "<head>\nhead\n"},
      {"caf\xc3\xa9 .", {"utf"}, PCRE2_UTF, page},
      {"(?<=\xe2\x82\xac) \\d+", {"utf"}, PCRE2_UTF, page},
      {"\\w+\xc3\xa9", {"utf", "ucp"}, PCRE2_UTF | PCRE2_UCP, page},
      {"x*", {}, 0, page},
      {"$", {}, 0, page},
      {"GREEN", {}, 0, page, 40},
      {"GREEN", {}, 0, page, 70},
      {"GREEN", {}, 0, page, 0, 60},
      {"GREEN", {}, 0, page, 0, 62},
      {"GREEN|uptime", {}, 0, page, 63, 80},
      {"uptime", {}, 0, page, 0, 30},  // PCRE2's JIT alone would find it (partial matching)
      {"GREEN", {}, 0, std::string(5000, 'x') + "GREEN", 0, 4999},
      {"GREEN", {}, 0, std::string(5000, 'x') + "GREEN", 0, 5000},
      {"(?<=: )\\d", {}, 0, page, 73},
      {"</html>", {}, 0, page, 200},
      {"a.*b", {}, 0, std::string(3000, 'a') + "b"},
      {"a.*c", {}, 0, std::string(3000, 'a') + "b"},
      {"(ab)+c", {}, 0, "abababababd ababc"},
      {"GREEN(?=\\nload)", {}, 0, page},
      {"(?m)^load: \\d+$", {}, 0, page},
      {"\\d+(?= s$)", {"multiline"}, PCRE2_MULTILINE, page},
      {"(?s)<body>.*GREEN.*</body>", {}, 0, page},
      {"(?i)UPTIME: (?:\\d{3}|\\d{4}) S", {}, 0, page},
      {"[[:alpha:]]+(?<!html)>$", {"multiline"}, PCRE2_MULTILINE, page},
  };
  return out;
}

TEST(StreamRegex, EveryCuttingMatchesLikeTheWholeBody) {
  std::mt19937 random(42);
  for (const Case& c : cases()) {
    const auto expected = oracle(c);
    SCOPED_TRACE("pattern '" + c.pattern + "' min " + std::to_string(c.min_offset));
    EXPECT_EQ(streamed(c, {}), expected) << "whole";
    for (std::size_t size : {1u, 2u, 3u, 5u, 8u, 13u, 64u}) {
      std::vector<std::size_t> cuts;
      for (std::size_t at = size; at < c.body.size(); at += size) cuts.push_back(at);
      EXPECT_EQ(streamed(c, cuts), expected) << "pieces of " << size;
    }
    for (int round = 0; round < 20; ++round) {
      std::vector<std::size_t> cuts;
      std::size_t at = 0;
      while (true) {
        at += 1 + random() % 20;
        if (at >= c.body.size()) break;
        cuts.push_back(at);
      }
      EXPECT_EQ(streamed(c, cuts), expected) << "random round " << round;
    }
  }
}

// Memory stays bounded: a partial match longer than the window is given up (and said), and
// what starts after it is still found.
TEST(StreamRegex, PartialMatchesLongerThanTheWindowAreGivenUp) {
  Case c{"a[^b]*b", {}, 0, std::string(500, 'a') + "x ab"};
  std::vector<std::size_t> cuts;
  for (std::size_t at = 10; at < c.body.size(); at += 10) cuts.push_back(at);
  std::string error;
  auto regex = CompiledRegex::compile(c.pattern, {}, &error);
  ASSERT_TRUE(regex);
  StreamSearch bounded(*regex, 0, std::nullopt, 100);
  feed_in_pieces(bounded, c.body, cuts);
  EXPECT_TRUE(bounded.truncated());
  ASSERT_EQ(bounded.state(), StreamSearch::State::kMatched);
  EXPECT_GT(bounded.match_offset(), 400u);  // the whole body would match at 0
  EXPECT_EQ(oracle(c), 0u);
  EXPECT_EQ(streamed(c, cuts), 0u);  // the default window holds it
}

TEST(StreamRegex, CompileErrorsSayWhereAndWhy) {
  std::string error;
  EXPECT_FALSE(CompiledRegex::compile("a(b", {}, &error));
  EXPECT_EQ(error, "missing closing parenthesis at offset 3");
  EXPECT_FALSE(CompiledRegex::compile("x", {{"caseles"}, false, {}}, &error));
  EXPECT_EQ(error, "unknown option 'caseles'");
  EXPECT_TRUE(CompiledRegex::compile("(?<=ab)c", {}, &error));
  EXPECT_EQ(regex_option_names().size(), 24u);
}

TEST(StreamRegex, MatchErrorsAreReported) {
  std::string error;
  // Invalid UTF-8 in the body under the utf option.
  auto regex = CompiledRegex::compile("x", {{"utf"}, false, {}}, &error);
  ASSERT_TRUE(regex);
  StreamSearch search(*regex, 0, std::nullopt);
  search.feed("ab\xff\xfe cd");
  search.finish();
  EXPECT_EQ(search.state(), StreamSearch::State::kError);
  EXPECT_FALSE(search.error().empty());
}

TEST(StreamRegex, RegexStackIsAccepted) {
  std::string error;
  auto regex =
      CompiledRegex::compile("(a|b)*c", {{}, false, std::make_pair(32768u, 1048576u)}, &error);
  ASSERT_TRUE(regex) << error;
  StreamSearch search(*regex, 0, std::nullopt);
  search.feed(std::string(10000, 'a'));
  search.feed("c");
  search.finish();
  EXPECT_EQ(search.state(), StreamSearch::State::kMatched);
  EXPECT_EQ(search.match_offset(), 0u);
}

}  // namespace
}  // namespace vigil::core
