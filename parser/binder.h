#pragma once

// Binding turns block-tree nodes into the typed model. Each block kind has a table of
// keywords; `bind_block` dispatches children through it, and the helpers below parse values
// with diagnostics that name the keyword, the offending value and what was expected.

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/ip_address.h"
#include "parser/diagnostics.h"
#include "parser/node.h"

namespace vigil::parser {

struct ParseOptions;

// Things in the file that only the host can confirm (keepalived -t checks them): recorded while
// binding, checked afterwards by host_checks.cc when ParseOptions::host_checks is on.
struct InterfaceReference {
  std::string name;
  SourceLocation location;
  std::string what;  // "vrrp_instance VI_1", "track_interface of VI_1", "ip address 10.0.0.1"
  // keepalived -t fails on a missing interface only for VRRP uses (instance, track_interface,
  // addresses, routes, rules); a checker's bind_if or lvs_sync_daemon's interface it does not
  // check (measured), so for those set false: vigil then only notes a missing interface.
  bool keepalived_checks = true;
};
enum class ScriptKind {
  kTrack,   // vrrp_script: keepalived disables a tracker whose script is missing (an error)
  kNotify,  // notify_* of instances and sync groups, vrrp_notify_fifo_script: VRRP process
  kCheck,   // MISC_CHECK misc_path
  kGlobal,  // startup_script / shutdown_script
  // quorum_up/quorum_down of a virtual_server, notify_up/notify_down of a real_server,
  // lvs_notify_fifo_script: checked with the checker's scripts (keepalived checks them even when
  // a VRRP interface is missing, and only when there is a virtual_server).
  kCheckNotify,
  // notify_fifo_script: both processes check it, so it counts when there is a vrrp_instance or
  // a virtual_server (measured: /bin/true with neither leaves the exit code at 0, with either 6).
  kFifo,
};
struct ScriptReference {
  std::string command;  // the command line as written (first word is the program)
  std::string user;     // `user` / script_user override, empty for the default
  ScriptKind kind = ScriptKind::kNotify;
  SourceLocation location;
  std::string what;  // "vrrp_script chk_nginx", "notify_master of VI_1", ...
};
struct HostReferences {
  std::vector<InterfaceReference> interfaces;
  std::vector<ScriptReference> scripts;
};

struct BindContext {
  Diagnostics& diag;
  const ParseOptions& options;
  HostReferences& host;
};

template <class T>
using BindFn = void (*)(const Node& node, BindContext& ctx, T& target);

// What a keyword means in a block.
enum class KeywordKind {
  kNormal,
  // keepalived accepts it, vigil does not implement the feature (SNMP, DBus, BFD, process
  // tracking): one warning naming the feature, the value (and any block) skipped.
  kUnsupported,
  // keepalived accepts it and ignores it (obsolete): one warning, no effect.
  kObsolete,
};

template <class T>
struct Keyword {
  std::string_view name;
  BindFn<T> bind = nullptr;
  KeywordKind kind = KeywordKind::kNormal;
  std::string_view note = {};  // for kUnsupported: the feature; for kObsolete: what to use
};

// Reports a keyword that is not in a block's table: a warning with a "did you mean" suggestion
// drawn from `known`, since keepalived carries on past unknown keywords.
void report_unknown_keyword(const Node& node, std::string_view block,
                            std::span<const std::string_view> known, BindContext& ctx);
void report_special_keyword(const Node& node, KeywordKind kind, std::string_view note,
                            BindContext& ctx);
// Closest candidate within a small edit distance, or empty.
std::string_view suggest(std::string_view word, std::span<const std::string_view> candidates);

template <class T>
const Keyword<T>* find_keyword(std::span<const Keyword<T>> table, std::string_view name) {
  for (const auto& k : table) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

template <class T>
std::vector<std::string_view> keyword_names(std::span<const Keyword<T>> table) {
  std::vector<std::string_view> names;
  names.reserve(table.size());
  for (const auto& k : table) names.push_back(k.name);
  return names;
}

// Binds one node through `table`; false when the keyword is unknown there.
template <class T>
bool bind_keyword(const Node& node, std::span<const Keyword<T>> table, BindContext& ctx,
                  T& target) {
  const Keyword<T>* k = find_keyword(table, node.keyword());
  if (k == nullptr) return false;
  if (k->kind != KeywordKind::kNormal) report_special_keyword(node, k->kind, k->note, ctx);
  if (k->bind != nullptr) k->bind(node, ctx, target);
  return true;
}

// Dispatches every child of `block` through `table`. `block_name` names the block in
// diagnostics ("vrrp_instance", "real_server", ...).
template <class T>
void bind_block(const Node& block, std::span<const Keyword<T>> table, std::string_view block_name,
                BindContext& ctx, T& target) {
  for (const Node& child : block.children) {
    if (!bind_keyword(child, table, ctx, target)) {
      report_unknown_keyword(child, block_name, keyword_names(table), ctx);
    }
  }
}

// ---- argument checks -------------------------------------------------------------------

// Error unless the node has between `min` and `max` arguments.
bool expect_args(const Node& node, BindContext& ctx, std::size_t min, std::size_t max);
inline bool expect_args(const Node& node, BindContext& ctx, std::size_t n) {
  return expect_args(node, ctx, n, n);
}
// Error if the node carries a `{ }` block where none belongs, or lacks one where one does.
bool expect_block(const Node& node, BindContext& ctx);
bool expect_no_block(const Node& node, BindContext& ctx);

// ---- value parsers: on failure they report an error naming the keyword and return nullopt --

std::optional<std::int64_t> parse_int(const Node& node, std::size_t arg, std::int64_t min,
                                      std::int64_t max, BindContext& ctx);
std::optional<std::uint64_t> parse_uint(const Node& node, std::size_t arg, std::uint64_t min,
                                        std::uint64_t max, BindContext& ctx);
// A decimal number of seconds (keepalived accepts fractions: `advert_int 0.01`), converted to
// microseconds, within [min, max].
std::optional<std::chrono::microseconds> parse_seconds(const Node& node, std::size_t arg,
                                                       std::chrono::microseconds min,
                                                       std::chrono::microseconds max,
                                                       BindContext& ctx);
// keepalived's booleans: with no argument a flag is true; otherwise on/off, true/false,
// yes/no (case-insensitive).
std::optional<bool> parse_flag(const Node& node, std::size_t arg, BindContext& ctx);
std::optional<core::IpAddress> parse_address(const Node& node, std::size_t arg, BindContext& ctx);
std::optional<core::IpPrefix> parse_prefix(const Node& node, std::size_t arg, BindContext& ctx);
// Maps a word through `choices` (exact match unless `ignore_case`).
template <class E>
std::optional<E> parse_choice(const Node& node, std::size_t arg,
                              std::initializer_list<std::pair<std::string_view, E>> choices,
                              BindContext& ctx, bool ignore_case = false);

// Shared message for parse_choice: "keyword: invalid value 'x' (expected one of a, b, c)".
void report_bad_choice(const Node& node, std::size_t arg, std::span<const std::string_view> allowed,
                       BindContext& ctx);
bool equal_words(std::string_view a, std::string_view b, bool ignore_case);

template <class E>
std::optional<E> parse_choice(const Node& node, std::size_t arg,
                              std::initializer_list<std::pair<std::string_view, E>> choices,
                              BindContext& ctx, bool ignore_case) {
  if (arg >= node.argc()) {
    expect_args(node, ctx, arg + 1, SIZE_MAX);
    return std::nullopt;
  }
  const std::string& word = node.arg(arg).text;
  for (const auto& [name, value] : choices) {
    if (equal_words(word, name, ignore_case)) return value;
  }
  std::vector<std::string_view> names;
  for (const auto& c : choices) names.push_back(c.first);
  report_bad_choice(node, arg, names, ctx);
  return std::nullopt;
}

}  // namespace vigil::parser
