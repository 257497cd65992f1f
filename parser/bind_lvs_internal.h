#pragma once

// Shared between the LVS binder files (bind_lvs*.cc, bind_checkers*.cc); not a public API.

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "parser/binder.h"
#include "parser/config/lvs.h"

namespace vigil::parser::lvs {

// `lvs_method NAT|DR|TUN [type ipip|gue|gre] [port N] [nocsum|csum|remcsum]` (also lb_kind,
// sorry_server_lvs_method), with keepalived's consistency rules for tunnel options.
std::optional<config::ForwardingMethod> parse_forwarding(const Node& node, BindContext& ctx);

// A TCP/UDP port 1..65535 (keepalived's read_unsigned range for ports).
std::optional<std::uint16_t> parse_port(const Node& node, std::size_t arg, BindContext& ctx);

// The optional port after an address (`real_server ADDR [PORT]`): keepalived treats a missing
// port and any spelling of 0 alike.
std::optional<std::uint16_t> parse_optional_port(const Node& node, std::size_t arg,
                                                 BindContext& ctx);

// notify_up / notify_down / quorum_up / quorum_down: `<SCRIPT> [username [groupname]]`, where
// SCRIPT is one word (quote it to pass arguments), as keepalived's notify_script_init reads it.
std::optional<config::ScriptCommand> parse_notify_script(const Node& node, BindContext& ctx);

// Every word from `first` on, joined by single spaces.
std::string join_args(const Node& node, std::size_t first);

// A checker-style boolean: no argument means true; otherwise on/off, true/false, yes/no.
std::optional<bool> parse_bool_arg(const Node& node, BindContext& ctx);

// A duration in seconds, with fractions, as keepalived's read_timer: `min_us`..`max_us`.
std::optional<config::Duration> parse_timer(const Node& node, config::Duration min,
                                            config::Duration max, BindContext& ctx);

// keepalived's timers: connect_timeout 0.000001..4294.967295 s (microseconds in 32 bits),
// delay_loop at least 1 us, delay_before_retry and warmup 0 or more.
inline constexpr config::Duration kMaxTimer{std::chrono::seconds(1'000'000'000)};
inline constexpr config::Duration kMaxConnectTimeout{4'294'967'295};

// Keywords a real_server block accepts for its checkers (TCP_CHECK, HTTP_GET, ...).
std::span<const Keyword<config::RealServer>> checker_keywords();

// A diagnostic that keepalived only logs (it does not count against the file): shown as a
// warning that leaves `vigild -t`'s exit code alone.
void notice(BindContext& ctx, const SourceLocation& at, std::string message);

// Binds the children of a checker block: connection keywords (when the checker has a
// connection) go to `checker.connection`, common keywords to `checker`, the rest through
// `specific`.
void bind_checker_block(const Node& block, std::string_view block_name,
                        std::span<const Keyword<config::Checker>> specific, BindContext& ctx,
                        config::Checker& checker);

// `rise` (a vigil extension of checker blocks) in a real_server or virtual_server: a warning that
// says where it belongs; nothing is set (keepalived has no such keyword anywhere).
void report_misplaced_rise(const Node& node, BindContext& ctx);

// Connection keywords alone (SMTP_CHECK host blocks).
std::span<const Keyword<config::ConnectionOptions>> connection_keywords();
std::span<const Keyword<config::Checker>> common_checker_keywords();

// HTTP_GET / SSL_GET keywords (bind_checkers_http.cc).
std::span<const Keyword<config::Checker>> http_checker_keywords();
// Checks after an HTTP_GET/SSL_GET block: urls present, defaults. False to drop the checker.
bool finish_http_checker(const Node& node, config::Checker& checker, BindContext& ctx);

}  // namespace vigil::parser::lvs
