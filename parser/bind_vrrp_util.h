#pragma once

// Helpers shared by the global_defs and VRRP binders (bind_global.cc, bind_vrrp*.cc): keyword
// handlers generated from a member pointer, script specifications, value blocks. Internal to
// the parser.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "parser/binder.h"
#include "parser/config/boxed.h"
#include "parser/config/global.h"

namespace vigil::parser::detail {

using config::Duration;

inline std::string q(std::string_view s) { return "'" + std::string(s) + "'"; }

// Something keepalived only logs (it does not count against the file): shown, exit code
// unaffected.
void notice(BindContext& ctx, const SourceLocation& at, std::string message);

// Checks the common shape "keyword ARG{min,max}" without a block.
bool line_args(const Node& node, BindContext& ctx, std::size_t min, std::size_t max);

// `keyword COMMAND [user [group]]` from argument `first` on: notify scripts, FIFO scripts,
// startup/shutdown scripts. A command with parameters must be quoted, as in keepalived.
std::optional<config::ScriptSpec> parse_script_spec(const Node& node, std::size_t first,
                                                    BindContext& ctx);

// Every word of every line of a `{ }` value block (keepalived's read_value_block), with the
// location of each word. Reports a nested block as an error.
struct Word {
  std::string text;
  SourceLocation location;
};
std::vector<Word> value_block_words(const Node& node, BindContext& ctx);

// Joins a command given as several words back into one command line, quoting words that
// contain white space.
std::string join_command(const Node& node, std::size_t first);

std::optional<Duration> parse_duration(const Node& node, std::size_t arg, Duration min,
                                       Duration max, BindContext& ctx);

// ---- handlers generated from member pointers -------------------------------------------
// They all reject a `{ }` block and extra arguments.

// `keyword` or `keyword BOOL` (keepalived's check_true_false; no argument means true).
template <class T, auto M>
void flag_kw(const Node& node, BindContext& ctx, T& t) {
  if (!line_args(node, ctx, 0, 1)) return;
  if (auto v = parse_flag(node, 0, ctx)) t.*M = *v;
}

// `keyword` with no argument: sets the flag.
template <class T, auto M>
void set_kw(const Node& node, BindContext& ctx, T& t) {
  if (!line_args(node, ctx, 0, 0)) return;
  t.*M = true;
}

template <class T, auto M, std::uint64_t Min, std::uint64_t Max>
void uint_kw(const Node& node, BindContext& ctx, T& t) {
  if (!line_args(node, ctx, 1, 1)) return;
  if (auto v = parse_uint(node, 0, Min, Max, ctx)) {
    using V = std::remove_cvref_t<decltype(t.*M)>;
    if constexpr (requires(V o) { o.value(); }) {
      t.*M = static_cast<typename V::value_type>(*v);
    } else {
      t.*M = static_cast<V>(*v);
    }
  }
}

template <class T, auto M, std::int64_t Min, std::int64_t Max>
void int_kw(const Node& node, BindContext& ctx, T& t) {
  if (!line_args(node, ctx, 1, 1)) return;
  if (auto v = parse_int(node, 0, Min, Max, ctx)) {
    using V = std::remove_cvref_t<decltype(t.*M)>;
    if constexpr (requires(V o) { o.value(); }) {
      t.*M = static_cast<typename V::value_type>(*v);
    } else {
      t.*M = static_cast<V>(*v);
    }
  }
}

// Whole or fractional seconds within [MinUs, MaxUs] microseconds.
template <class T, auto M, std::int64_t MinUs, std::int64_t MaxUs>
void seconds_kw(const Node& node, BindContext& ctx, T& t) {
  if (!line_args(node, ctx, 1, 1)) return;
  if (auto v = parse_duration(node, 0, Duration(MinUs), Duration(MaxUs), ctx)) t.*M = *v;
}

// Whole seconds within [Min, Max] (keepalived reads these with read_unsigned).
template <class T, auto M, std::uint64_t Min, std::uint64_t Max>
void whole_seconds_kw(const Node& node, BindContext& ctx, T& t) {
  if (!line_args(node, ctx, 1, 1)) return;
  if (auto v = parse_uint(node, 0, Min, Max, ctx)) t.*M = std::chrono::seconds(*v);
}

// `keyword STRING`.
template <class T, auto M>
void string_kw(const Node& node, BindContext& ctx, T& t) {
  if (!line_args(node, ctx, 1, 1)) return;
  t.*M = node.arg(0).text;
}

// `keyword [STRING]`: the member becomes `Default` without argument.
template <class T, auto M, const char* Default>
void opt_string_kw(const Node& node, BindContext& ctx, T& t) {
  if (!line_args(node, ctx, 0, 1)) return;
  t.*M = node.argc() == 0 ? std::string(Default) : node.arg(0).text;
}

// ---- JSON (conventions in parser/binders.h) -----------------------------------------------

using Json = nlohmann::ordered_json;
// Seconds as a JSON number: an integer when whole, else a decimal (0.01).
Json seconds_json(Duration d);
Json seconds_json(const std::optional<Duration>& d);
Json script_json(const std::optional<config::ScriptSpec>& s);
Json script_json(const config::Boxed<config::ScriptSpec>& s);
template <class T>
Json opt_json(const std::optional<T>& v) {
  return v ? Json(*v) : Json(nullptr);
}
Json address_json(const std::optional<core::IpAddress>& a);

}  // namespace vigil::parser::detail
