#include "core/stream_regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <array>
#include <utility>

namespace vigil::core {
namespace {

struct OptionName {
  std::string_view name;
  std::uint32_t flag;
};

// keepalived's list (check_http.c), in its order; each is the PCRE2 option of the same name.
constexpr std::array<OptionName, 24> kOptions = {{
    {"allow_empty_class", PCRE2_ALLOW_EMPTY_CLASS},
    {"alt_bsux", PCRE2_ALT_BSUX},
    {"auto_callout", PCRE2_AUTO_CALLOUT},
    {"caseless", PCRE2_CASELESS},
    {"dollar_endonly", PCRE2_DOLLAR_ENDONLY},
    {"dotall", PCRE2_DOTALL},
    {"dupnames", PCRE2_DUPNAMES},
    {"extended", PCRE2_EXTENDED},
    {"firstline", PCRE2_FIRSTLINE},
    {"match_unset_backref", PCRE2_MATCH_UNSET_BACKREF},
    {"multiline", PCRE2_MULTILINE},
    {"never_ucp", PCRE2_NEVER_UCP},
    {"never_utf", PCRE2_NEVER_UTF},
    {"no_auto_capture", PCRE2_NO_AUTO_CAPTURE},
    {"no_auto_possess", PCRE2_NO_AUTO_POSSESS},
    {"no_dotstar_anchor", PCRE2_NO_DOTSTAR_ANCHOR},
    {"no_start_optimize", PCRE2_NO_START_OPTIMIZE},
    {"ucp", PCRE2_UCP},
    {"ungreedy", PCRE2_UNGREEDY},
    {"utf", PCRE2_UTF},
    {"never_backslash_c", PCRE2_NEVER_BACKSLASH_C},
    {"alt_circumflex", PCRE2_ALT_CIRCUMFLEX},
    {"alt_verbnames", PCRE2_ALT_VERBNAMES},
    {"use_offset_limit", PCRE2_USE_OFFSET_LIMIT},
}};

constexpr std::array<std::string_view, kOptions.size()> kOptionNames = [] {
  std::array<std::string_view, kOptions.size()> names{};
  for (std::size_t i = 0; i < kOptions.size(); ++i) names[i] = kOptions[i].name;
  return names;
}();

std::string pcre2_message(int code) {
  std::array<PCRE2_UCHAR, 256> text{};
  const int n = pcre2_get_error_message(code, text.data(), text.size());
  if (n < 0) return "PCRE2 error " + std::to_string(code);
  return std::string(reinterpret_cast<const char*>(text.data()), static_cast<std::size_t>(n));
}

bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xc0) == 0x80; }

// Where a UTF-8 character cut off by the end of `text` starts (text.size() if none is): the next
// search must start there, not inside it.
std::size_t complete_utf8_end(std::string_view text) {
  std::size_t lead = text.size();
  for (std::size_t back = 0; back < 4 && lead > 0; ++back) {
    --lead;
    if (!is_continuation(text[lead])) break;
  }
  if (lead == text.size()) return lead;
  const auto c = static_cast<unsigned char>(text[lead]);
  const std::size_t length = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
  return lead + length > text.size() ? lead : text.size();
}

}  // namespace

struct CompiledRegex::Impl {
  pcre2_code* code = nullptr;
  pcre2_jit_stack* jit_stack = nullptr;
  std::uint32_t options = 0;
  std::size_t lookbehind = 0;

  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() {
    if (jit_stack) pcre2_jit_stack_free(jit_stack);
    if (code) pcre2_code_free(code);
  }
};

std::span<const std::string_view> regex_option_names() { return kOptionNames; }

std::optional<CompiledRegex> CompiledRegex::compile(std::string_view pattern,
                                                    const Options& options, std::string* error) {
  auto impl = std::make_shared<Impl>();
  for (const std::string& name : options.names) {
    auto it = std::find_if(kOptions.begin(), kOptions.end(),
                           [&](const OptionName& o) { return o.name == name; });
    if (it == kOptions.end()) {
      if (error) *error = "unknown option '" + name + "'";
      return std::nullopt;
    }
    impl->options |= it->flag;
  }
  if (options.offset_limit) impl->options |= PCRE2_USE_OFFSET_LIMIT;
  int code = 0;
  PCRE2_SIZE offset = 0;
  impl->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                             impl->options, &code, &offset, nullptr);
  if (!impl->code) {
    if (error) *error = pcre2_message(code) + " at offset " + std::to_string(offset);
    return std::nullopt;
  }
  std::uint32_t lookbehind = 0;
  pcre2_pattern_info(impl->code, PCRE2_INFO_MAXLOOKBEHIND, &lookbehind);
  impl->lookbehind = lookbehind;
  // Without a JIT (or if it refuses the pattern) PCRE2 interprets; both give the same result.
  if (pcre2_jit_compile(impl->code, PCRE2_JIT_COMPLETE | PCRE2_JIT_PARTIAL_HARD) == 0 &&
      options.jit_stack && options.jit_stack->second > 0) {
    // keepalived's regex_stack: pcre2_jit_stack_create(start, max).
    impl->jit_stack =
        pcre2_jit_stack_create(options.jit_stack->first, options.jit_stack->second, nullptr);
  }
  return CompiledRegex(std::move(impl));
}

std::size_t CompiledRegex::max_lookbehind() const { return impl_->lookbehind; }
bool CompiledRegex::utf() const { return (impl_->options & PCRE2_UTF) != 0; }
bool CompiledRegex::firstline() const { return (impl_->options & PCRE2_FIRSTLINE) != 0; }

struct StreamSearch::Match {
  pcre2_match_data* data = nullptr;
  pcre2_match_context* context = nullptr;
  ~Match() {
    if (data) pcre2_match_data_free(data);
    if (context) pcre2_match_context_free(context);
  }
};

StreamSearch::StreamSearch(const CompiledRegex& regex, std::size_t min_offset,
                           std::optional<std::size_t> max_offset, std::size_t window)
    : regex_(regex),
      min_offset_(min_offset),
      max_offset_(max_offset),
      window_(std::max<std::size_t>(window, 16)),
      // PCRE2 counts \b, \B and \A as one character of lookbehind; one character is kept in any
      // case so that a multiline ^ or a \b at the next start sees what precedes it.
      keep_behind_(std::max<std::size_t>(regex.max_lookbehind(), 1)),
      match_(std::make_unique<Match>()),
      scan_(min_offset) {
  match_->data = pcre2_match_data_create_from_pattern(regex_.impl().code, nullptr);
  match_->context = pcre2_match_context_create(nullptr);
  if (!match_->data || !match_->context) {
    state_ = State::kError;
    error_ = "out of memory";
    return;
  }
  if (regex_.impl().jit_stack) {
    pcre2_jit_stack_assign(match_->context, nullptr, regex_.impl().jit_stack);
  }
}

StreamSearch::~StreamSearch() = default;

std::size_t StreamSearch::back_off(std::size_t index, std::size_t chars) const {
  for (std::size_t n = 0; n < chars && index > 0; ++n) {
    --index;
    if (regex_.utf()) {
      while (index > 0 && is_continuation(buffer_[index])) --index;
    }
  }
  return index;
}

void StreamSearch::keep_from(std::size_t index) {
  index = std::min(index, buffer_.size());
  buffer_.erase(0, index);
  base_ += index;
}

void StreamSearch::feed(std::string_view bytes) {
  if (state_ != State::kSearching) return;
  if (regex_.firstline() && !first_newline_) {
    if (auto lf = bytes.find('\n'); lf != std::string_view::npos) first_newline_ = seen_ + lf;
  }
  if (buffer_.empty()) {
    // Bytes before min_offset are needed only as lookbehind (in UTF-8, up to 4 bytes a
    // character).
    const std::size_t behind = keep_behind_ * (regex_.utf() ? 4 : 1);
    const std::size_t needed_from = min_offset_ > behind ? min_offset_ - behind : 0;
    std::size_t skip = needed_from > seen_ ? std::min(needed_from - seen_, bytes.size()) : 0;
    if (regex_.utf()) {
      while (skip < bytes.size() && skip > 0 && is_continuation(bytes[skip])) ++skip;
    }
    seen_ += skip;
    bytes.remove_prefix(skip);
    base_ = seen_;
  }
  buffer_.append(bytes);
  seen_ += bytes.size();
  search(false);
}

void StreamSearch::finish() {
  if (state_ != State::kSearching) return;
  search(true);
  if (state_ == State::kSearching) state_ = State::kNoMatch;
  buffer_.clear();
  buffer_.shrink_to_fit();
}

void StreamSearch::search(bool final) {
  if (state_ != State::kSearching) return;
  // With utf, a character cut off by the end of the piece waits for the rest (PCRE2 rejects a
  // subject that ends inside a character, even for a partial match).
  const std::size_t usable = regex_.utf() && !final ? complete_utf8_end(buffer_) : buffer_.size();
  const std::size_t end = base_ + usable;
  if ((max_offset_ && scan_ > *max_offset_) ||
      (regex_.firstline() && first_newline_ && scan_ > *first_newline_)) {
    state_ = State::kNoMatch;
    return;
  }
  if (scan_ > end || (scan_ == end && !final)) {
    if (final) state_ = State::kNoMatch;
    return;  // min_offset not reached yet, or nothing new to look at
  }
  std::uint32_t options = final ? 0 : PCRE2_PARTIAL_HARD;
  // Not the start of the stream: ^ (without multiline) cannot match here.
  if (base_ > 0) options |= PCRE2_NOTBOL;
  if (max_offset_) pcre2_set_offset_limit(match_->context, *max_offset_ - base_);
  const int rc = pcre2_match(regex_.impl().code, reinterpret_cast<PCRE2_SPTR>(buffer_.data()),
                             usable, scan_ - base_, options, match_->data, match_->context);
  const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match_->data);
  // PCRE2 10.42's JIT ignores the offset limit in partial matching: a (partial) match that
  // starts after max_offset means none can start at or before it (matches are leftmost).
  if ((rc >= 0 || rc == PCRE2_ERROR_PARTIAL) && max_offset_ && base_ + ovector[0] > *max_offset_) {
    state_ = State::kNoMatch;
    return;
  }
  if (rc >= 0) {
    state_ = State::kMatched;
    match_offset_ = base_ + ovector[0];
    buffer_.clear();
    return;
  }
  if (rc == PCRE2_ERROR_PARTIAL) {
    // pcre2partial(3), multi-segment matching: go on from the partial match's start, keeping
    // the lookbehind before it.
    scan_ = base_ + ovector[0];
    keep_from(back_off(ovector[0], keep_behind_));
    if (buffer_.size() > window_) {
      // The bounded window: this match would be longer than window_ bytes; give it up and
      // search on after what has been seen.
      truncated_ = true;
      scan_ = end;
      keep_from(back_off(scan_ - base_, keep_behind_));
    }
    return;
  }
  if (rc == PCRE2_ERROR_NOMATCH) {
    if (final) {
      state_ = State::kNoMatch;
      return;
    }
    // No match starts before the end and none is in progress: only the lookbehind is needed.
    scan_ = end;
    keep_from(back_off(scan_ - base_, keep_behind_));
    return;
  }
  state_ = State::kError;
  error_ = pcre2_message(rc);
}

}  // namespace vigil::core
