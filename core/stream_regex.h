#pragma once

// PCRE2 patterns searched over a byte stream, as HTTP_GET / SSL_GET `regex` needs them: the body
// arrives in pieces and is never held whole. keepalived 2.2.7 compiles `regex` with PCRE2 and
// the `regex_options` named after PCRE2's compile options; this is the same library with the
// same options, so a pattern means here what it means there.
//
// StreamSearch gives the result pcre2_match() would give on the whole body (from
// regex_min_offset, a match starting at or before regex_max_offset), using PCRE2's multi-segment
// partial matching (pcre2partial(3)): each piece is matched with PCRE2_PARTIAL_HARD; after a
// partial match only the bytes from its start (less the pattern's lookbehind) are kept, after no
// match only the lookbehind. So memory stays bounded by the longest partial match, capped at
// `window` bytes: a single match longer than that is lost (the search goes on after it).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::core {

// The regex_options words keepalived accepts, each a PCRE2 compile option of the same name.
std::span<const std::string_view> regex_option_names();

// A compiled pattern (shared, immutable; JIT-compiled for complete and hard partial matching
// when PCRE2 has a JIT).
class CompiledRegex {
 public:
  struct Options {
    std::vector<std::string> names;  // regex_options words
    bool offset_limit = false;       // regex_max_offset is set (PCRE2_USE_OFFSET_LIMIT)
    // regex_stack START MAX: the JIT stack (pcre2_jit_stack_create); unset: PCRE2's default.
    std::optional<std::pair<std::size_t, std::size_t>> jit_stack;
  };
  // nullopt with `error` set ("missing closing parenthesis at offset 3", "unknown option
  // 'x'") when the pattern does not compile.
  static std::optional<CompiledRegex> compile(std::string_view pattern, const Options& options,
                                              std::string* error);

  // Characters (bytes without utf) a match may look back before its start.
  std::size_t max_lookbehind() const;
  bool utf() const;
  bool firstline() const;

  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  explicit CompiledRegex(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

class StreamSearch {
 public:
  enum class State { kSearching, kMatched, kNoMatch, kError };
  static constexpr std::size_t kDefaultWindow = 64 * 1024;

  // Matches may start at offsets min_offset..max_offset (nullopt: no limit) of the stream.
  StreamSearch(const CompiledRegex& regex, std::size_t min_offset,
               std::optional<std::size_t> max_offset, std::size_t window = kDefaultWindow);
  ~StreamSearch();
  StreamSearch(const StreamSearch&) = delete;
  StreamSearch& operator=(const StreamSearch&) = delete;

  // The next bytes of the stream. Nothing happens once the search has ended.
  void feed(std::string_view bytes);
  // The end of the stream: settles kSearching into kMatched or kNoMatch.
  void finish();

  State state() const { return state_; }
  // Stream offset of the match (kMatched).
  std::size_t match_offset() const { return match_offset_; }
  // PCRE2's message (kError), e.g. "match limit exceeded".
  const std::string& error() const { return error_; }
  // A partial match grew past `window` and was given up (a reason to tell the user).
  bool truncated() const { return truncated_; }

 private:
  void search(bool final);
  void keep_from(std::size_t index);  // drop buffer bytes before `index`
  std::size_t back_off(std::size_t index, std::size_t chars) const;

  const CompiledRegex regex_;
  std::size_t min_offset_;
  std::optional<std::size_t> max_offset_;
  std::size_t window_;
  std::size_t keep_behind_;  // characters kept before the next start (lookbehind, at least 1)
  struct Match;              // PCRE2 match data and context
  std::unique_ptr<Match> match_;
  std::string buffer_;
  std::size_t base_ = 0;                      // stream offset of buffer_[0]
  std::size_t scan_ = 0;                      // stream offset where the next match may start
  std::size_t seen_ = 0;                      // bytes of the stream so far
  std::optional<std::size_t> first_newline_;  // firstline: the stream's first LF
  State state_ = State::kSearching;
  std::size_t match_offset_ = 0;
  std::string error_;
  bool truncated_ = false;
};

}  // namespace vigil::core
