#include "parser/binder.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <vector>

namespace vigil::parser {
namespace {

// Optimal string alignment distance: insertions, deletions, substitutions and transpositions
// of adjacent characters each cost 1 ("wieght" is one typo away from "weight"). Case-blind.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  auto lower = [](char c) { return std::tolower(static_cast<unsigned char>(c)); };
  const std::size_t w = b.size() + 1;
  std::vector<std::size_t> d((a.size() + 1) * w);
  for (std::size_t i = 0; i <= a.size(); ++i) d[i * w] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      std::size_t v =
          std::min({d[(i - 1) * w + j] + 1, d[i * w + j - 1] + 1, d[(i - 1) * w + j - 1] + cost});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
          lower(a[i - 2]) == lower(b[j - 1])) {
        v = std::min(v, d[(i - 2) * w + j - 2] + 1);
      }
      d[i * w + j] = v;
    }
  }
  return d[a.size() * w + b.size()];
}

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string keyword_of(const Node& node) { return quoted(node.keyword()); }

}  // namespace

std::string_view suggest_uncached(std::string_view word,
                                  std::span<const std::string_view> candidates);

std::string_view suggest(std::string_view word, std::span<const std::string_view> candidates) {
  // The same unknown word against the same candidates (a ~SEQ repeating one bad line, found by
  // the fuzzer) is answered once. Compared by content: some candidate lists are temporaries.
  // The answer points into the candidates, which are string literals and static tables.
  thread_local std::string last_word;
  thread_local std::vector<std::string_view> last_candidates;
  thread_local std::string_view last_answer;
  if (word == last_word && std::equal(candidates.begin(), candidates.end(), last_candidates.begin(),
                                      last_candidates.end())) {
    return last_answer;
  }
  last_answer = suggest_uncached(word, candidates);
  last_word.assign(word);
  last_candidates.assign(candidates.begin(), candidates.end());
  return last_answer;
}

std::string_view suggest_uncached(std::string_view word,
                                  std::span<const std::string_view> candidates) {
  // Allow roughly one typo per four characters, at least one, at most three.
  std::size_t limit = std::clamp<std::size_t>(word.size() / 4, 1, 3);
  std::string_view best;
  std::size_t best_distance = limit + 1;
  // No keyword is longer than 40 characters; a longer word has nothing close, and the distance
  // is quadratic in the lengths (a file of long junk words must not take minutes).
  if (word.size() > 64) return best;
  for (auto c : candidates) {
    const std::size_t gap =
        word.size() > c.size() ? word.size() - c.size() : c.size() - word.size();
    if (gap > limit) continue;  // the distance is at least the difference in length
    std::size_t d = edit_distance(word, c);
    if (d < best_distance) {
      best = c;
      best_distance = d;
    }
  }
  return best;
}

void report_unknown_keyword(const Node& node, std::string_view block,
                            std::span<const std::string_view> known, BindContext& ctx) {
  std::string msg = "unknown keyword " + keyword_of(node);
  if (!block.empty()) msg += " in " + std::string(block);
  // Suggestions cost an edit distance per candidate; a file of thousands of unknown words
  // (found by the fuzzer) spends no time on messages past the diagnostics bound.
  if (auto s = ctx.diag.full() ? std::string_view{} : suggest(node.keyword(), known); !s.empty()) {
    msg += "; did you mean " + quoted(s) + "?";
  }
  if (node.has_block) msg += " (its block is skipped)";
  ctx.diag.warning(node.location(), std::move(msg));
}

void report_special_keyword(const Node& node, KeywordKind kind, std::string_view note,
                            BindContext& ctx) {
  switch (kind) {
    case KeywordKind::kNormal:
      return;
    case KeywordKind::kUnsupported:
      ctx.diag.unsupported(node.location(), keyword_of(node) + " is accepted but vigil does not " +
                                                "implement " + std::string(note) +
                                                "; it has no effect");
      return;
    case KeywordKind::kObsolete: {
      std::string msg = keyword_of(node) + " is obsolete and ignored";
      if (!note.empty()) msg += "; use " + std::string(note);
      ctx.diag.warning(node.location(), std::move(msg));
      return;
    }
  }
}

bool expect_args(const Node& node, BindContext& ctx, std::size_t min, std::size_t max) {
  std::size_t n = node.argc();
  if (n >= min && n <= max) return true;
  std::string msg = keyword_of(node);
  if (n < min) {
    if (min == max) {
      msg += " expects " + std::to_string(min) + (min == 1 ? " argument" : " arguments");
    } else {
      msg += " expects at least " + std::to_string(min) + (min == 1 ? " argument" : " arguments");
    }
    msg += ", got " + std::to_string(n);
    ctx.diag.error(node.location(), std::move(msg));
  } else {
    const Token& extra = node.words[max + 1];
    msg += " takes ";
    msg += max == 0 ? std::string("no arguments")
                    : "at most " + std::to_string(max) + (max == 1 ? " argument" : " arguments");
    msg += "; unexpected " + quoted(extra.text);
    ctx.diag.error(extra.location, std::move(msg));
  }
  return false;
}

bool expect_block(const Node& node, BindContext& ctx) {
  if (node.has_block) return true;
  ctx.diag.error(node.location(), keyword_of(node) + " expects a '{' block");
  return false;
}

bool expect_no_block(const Node& node, BindContext& ctx) {
  if (!node.has_block) return true;
  ctx.diag.error(node.block_location, keyword_of(node) + " does not take a '{' block");
  return false;
}

namespace {

bool have_arg(const Node& node, std::size_t arg, BindContext& ctx) {
  if (arg < node.argc()) return true;
  expect_args(node, ctx, arg + 1, SIZE_MAX);
  return false;
}

void report_range(const Node& node, std::size_t arg, const std::string& expected,
                  BindContext& ctx) {
  ctx.diag.error(node.arg(arg).location, keyword_of(node) + ": invalid value " +
                                             quoted(node.arg(arg).text) + " (expected " + expected +
                                             ")");
}

}  // namespace

std::optional<std::int64_t> parse_int(const Node& node, std::size_t arg, std::int64_t min,
                                      std::int64_t max, BindContext& ctx) {
  if (!have_arg(node, arg, ctx)) return std::nullopt;
  const std::string& t = node.arg(arg).text;
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc() || ptr != t.data() + t.size() || v < min || v > max) {
    report_range(node, arg, "an integer " + std::to_string(min) + ".." + std::to_string(max), ctx);
    return std::nullopt;
  }
  return v;
}

std::optional<std::uint64_t> parse_uint(const Node& node, std::size_t arg, std::uint64_t min,
                                        std::uint64_t max, BindContext& ctx) {
  if (!have_arg(node, arg, ctx)) return std::nullopt;
  const std::string& t = node.arg(arg).text;
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc() || ptr != t.data() + t.size() || v < min || v > max) {
    report_range(node, arg, "an integer " + std::to_string(min) + ".." + std::to_string(max), ctx);
    return std::nullopt;
  }
  return v;
}

namespace {

std::string seconds_text(std::chrono::microseconds us) {
  auto n = us.count();
  std::string s = std::to_string(n / 1'000'000);
  if (auto frac = n % 1'000'000; frac != 0) {
    std::string f = std::to_string(frac);
    f.insert(0, 6 - f.size(), '0');
    while (!f.empty() && f.back() == '0') f.pop_back();
    s += "." + f;
  }
  return s;
}

}  // namespace

std::optional<std::chrono::microseconds> parse_seconds(const Node& node, std::size_t arg,
                                                       std::chrono::microseconds min,
                                                       std::chrono::microseconds max,
                                                       BindContext& ctx) {
  if (!have_arg(node, arg, ctx)) return std::nullopt;
  const std::string& t = node.arg(arg).text;
  // Digits, optionally a point and up to six decimals: exact, no floating point rounding.
  std::int64_t whole = 0, frac = 0;
  int frac_digits = 0;
  bool ok = !t.empty();
  std::size_t i = 0;
  for (; ok && i < t.size() && t[i] != '.'; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(t[i])) || whole > 1'000'000'000)
      ok = false;
    else
      whole = whole * 10 + (t[i] - '0');
  }
  if (ok && i < t.size()) {  // at '.'
    ++i;
    if (i == t.size() && i == 1) ok = false;  // "." alone
    for (; ok && i < t.size(); ++i) {
      if (!std::isdigit(static_cast<unsigned char>(t[i])) || frac_digits == 6)
        ok = false;
      else {
        frac = frac * 10 + (t[i] - '0');
        ++frac_digits;
      }
    }
  }
  std::chrono::microseconds value{0};
  if (ok) {
    for (int d = frac_digits; d < 6; ++d) frac *= 10;
    value = std::chrono::microseconds(whole * 1'000'000 + frac);
    ok = value >= min && value <= max;
  }
  if (!ok) {
    report_range(node, arg, "seconds " + seconds_text(min) + ".." + seconds_text(max), ctx);
    return std::nullopt;
  }
  return value;
}

bool equal_words(std::string_view a, std::string_view b, bool ignore_case) {
  if (a.size() != b.size()) return false;
  if (!ignore_case) return a == b;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::optional<bool> parse_flag(const Node& node, std::size_t arg, BindContext& ctx) {
  if (arg >= node.argc()) return true;
  const std::string& t = node.arg(arg).text;
  for (std::string_view yes : {"on", "true", "yes"}) {
    if (equal_words(t, yes, true)) return true;
  }
  for (std::string_view no : {"off", "false", "no"}) {
    if (equal_words(t, no, true)) return false;
  }
  report_range(node, arg, "on/off, true/false or yes/no", ctx);
  return std::nullopt;
}

std::optional<core::IpAddress> parse_address(const Node& node, std::size_t arg, BindContext& ctx) {
  if (!have_arg(node, arg, ctx)) return std::nullopt;
  auto a = core::parse_ip_address(node.arg(arg).text);
  if (!a) report_range(node, arg, "an IPv4 or IPv6 address", ctx);
  return a;
}

std::optional<core::IpPrefix> parse_prefix(const Node& node, std::size_t arg, BindContext& ctx) {
  if (!have_arg(node, arg, ctx)) return std::nullopt;
  auto p = core::parse_ip_prefix(node.arg(arg).text);
  if (!p) report_range(node, arg, "an address with optional /prefix-length", ctx);
  return p;
}

void report_bad_choice(const Node& node, std::size_t arg, std::span<const std::string_view> allowed,
                       BindContext& ctx) {
  std::string list;
  for (auto a : allowed) {
    if (!list.empty()) list += ", ";
    list += a;
  }
  std::string msg = keyword_of(node) + ": invalid value " + quoted(node.arg(arg).text) +
                    " (expected one of " + list + ")";
  if (auto s = ctx.diag.full() ? std::string_view{} : suggest(node.arg(arg).text, allowed);
      !s.empty()) {
    msg += "; did you mean " + quoted(s) + "?";
  }
  ctx.diag.error(node.arg(arg).location, std::move(msg));
}

}  // namespace vigil::parser
