// Checker blocks of a real_server: the keywords every checker shares (check_api.c's
// install_checker_common_keywords) and TCP_CHECK, PING_CHECK, MISC_CHECK, SMTP_CHECK,
// DNS_CHECK, UDP_CHECK, FILE_CHECK as keepalived 2.2.7 reads them. HTTP_GET/SSL_GET are in
// bind_checkers_http.cc.
#include <climits>
#include <vector>

#include "parser/bind_lvs_internal.h"

namespace vigil::parser::lvs {
namespace {

using config::Checker;
using config::CheckerType;
using config::ConnectionOptions;
using config::Duration;

std::string squote(std::string_view s) { return "'" + std::string(s) + "'"; }

// ---- connection keywords ---------------------------------------------------------------------

using ConnKeyword = Keyword<ConnectionOptions>;

const ConnKeyword kConnectionKeywords[] = {
    {"connect_ip",
     [](const Node& n, BindContext& c, ConnectionOptions& co) {
       if (!expect_args(n, c, 1)) return;
       if (auto a = parse_address(n, 0, c)) co.connect_ip = *a;
     }},
    {"connect_port",
     [](const Node& n, BindContext& c, ConnectionOptions& co) {
       if (!expect_args(n, c, 1)) return;
       if (auto p = parse_port(n, 0, c)) co.connect_port = *p;
     }},
    {"bindto",
     [](const Node& n, BindContext& c, ConnectionOptions& co) {
       if (!expect_args(n, c, 1)) return;
       if (auto a = parse_address(n, 0, c)) co.bindto = *a;
     }},
    {"bind_port",
     [](const Node& n, BindContext& c, ConnectionOptions& co) {
       if (!expect_args(n, c, 1)) return;
       if (auto p = parse_port(n, 0, c)) co.bind_port = *p;
     }},
    {"bind_if",
     [](const Node& n, BindContext& c, ConnectionOptions& co) {
       if (!expect_args(n, c, 1)) return;
       const std::string& name = n.arg(0).text;
       if (name.empty() || name.size() > 15) {  // IFNAMSIZ - 1
         c.diag.error(n.arg(0).location, "'bind_if': invalid interface name " + squote(name) +
                                             " (expected 1..15 characters)");
         return;
       }
       co.bind_if = name;
       // keepalived -t does not check bind_if; vigil says so, without changing the exit code.
       c.host.interfaces.push_back(InterfaceReference{
           name, n.arg(0).location, "bind_if of a checker", /*keepalived_checks=*/false});
     }},
    {"connect_timeout",
     [](const Node& n, BindContext& c, ConnectionOptions& co) {
       if (auto d = parse_timer(n, Duration{1}, kMaxConnectTimeout, c)) co.connect_timeout = *d;
     }},
    {"fwmark",
     [](const Node& n, BindContext& c, ConnectionOptions& co) {
       if (!expect_args(n, c, 1)) return;
       if (auto v = parse_uint(n, 0, 0, UINT32_MAX, c)) co.fwmark = static_cast<std::uint32_t>(*v);
     }},
};

// ---- common keywords ---------------------------------------------------------------------------

using CheckerKeyword = Keyword<Checker>;

const CheckerKeyword kCommonKeywords[] = {
    {"retry",
     [](const Node& n, BindContext& c, Checker& ch) {
       if (!expect_args(n, c, 1)) return;
       if (auto v = parse_uint(n, 0, 0, UINT32_MAX, c)) ch.retry = static_cast<std::uint32_t>(*v);
     }},
    {"delay_before_retry",
     [](const Node& n, BindContext& c, Checker& ch) {
       if (auto d = parse_timer(n, Duration{0}, kMaxTimer, c)) ch.delay_before_retry = *d;
     }},
    {"warmup",
     [](const Node& n, BindContext& c, Checker& ch) {
       if (auto d = parse_timer(n, Duration{0}, kMaxTimer, c)) ch.warmup = *d;
     }},
    {"delay_loop",
     [](const Node& n, BindContext& c, Checker& ch) {
       if (auto d = parse_timer(n, Duration{1}, kMaxTimer, c)) ch.delay_loop = *d;
     }},
    {"alpha",
     [](const Node& n, BindContext& c, Checker& ch) {
       if (auto v = parse_bool_arg(n, c)) ch.alpha = *v;
     }},
    {"rise",
     [](const Node& n, BindContext& c, Checker& ch) {
       // vigil extension: consecutive successes before a down checker is up (default 1).
       if (!expect_args(n, c, 1)) return;
       if (auto v = parse_uint(n, 0, 1, UINT32_MAX, c)) ch.rise = static_cast<std::uint32_t>(*v);
     }},
    {"log_all_failures",
     [](const Node& n, BindContext& c, Checker& ch) {
       if (auto v = parse_bool_arg(n, c)) ch.log_all_failures = *v;
     }},
};

// ---- MISC_CHECK ------------------------------------------------------------------------------

config::MiscCheck& misc(Checker& ch) { return std::get<config::MiscCheck>(ch.details); }

const CheckerKeyword kMiscKeywords[] = {
    {"misc_path",
     [](const Node& n, BindContext& c, Checker& ch) {
       if (!expect_args(n, c, 1, SIZE_MAX)) return;
       misc(ch).path = join_args(n, 0);
     }},
    {"misc_timeout",
     [](const Node& n, BindContext& c, Checker& ch) {
       if (!expect_args(n, c, 1)) return;
       // Whole seconds, 0..UINT_MAX/TIMER_HZ; 0 means "the virtual server's delay_loop".
       if (auto v = parse_uint(n, 0, 0, UINT_MAX / 1'000'000, c)) {
         if (*v == 0)
           misc(ch).timeout.reset();
         else
           misc(ch).timeout = std::chrono::seconds(*v);
       }
     }},
    {"misc_dynamic",
     [](const Node& n, BindContext& c, Checker& ch) {
       if (auto v = parse_bool_arg(n, c)) misc(ch).dynamic = *v;
     }},
    {"user",
     [](const Node& n, BindContext& c, Checker& ch) {
       if (!expect_args(n, c, 1, 2)) return;
       misc(ch).user = n.arg(0).text;
       misc(ch).group = n.argc() > 1 ? n.arg(1).text : std::string();
     }},
};

// ---- SMTP_CHECK ------------------------------------------------------------------------------

void bind_smtp_host(const Node& node, BindContext& ctx, Checker& ch) {
  if (!expect_args(node, ctx, 0) || !expect_block(node, ctx)) return;
  // keepalived only logs this (it does not count against the file).
  notice(ctx, node.location(),
         "'host' blocks in SMTP_CHECK are deprecated; define one SMTP_CHECK per host");
  config::SmtpHost host;
  host.location = node.location();
  host.connection.location = node.location();
  auto conn = connection_keywords();
  auto common = common_checker_keywords();
  for (const Node& child : node.children) {
    if (bind_keyword(child, conn, ctx, host.connection)) continue;
    if (bind_keyword(child, common, ctx, ch)) continue;
    std::vector<std::string_view> names = keyword_names(conn);
    for (auto k : common) names.push_back(k.name);
    report_unknown_keyword(child, "SMTP_CHECK host", names, ctx);
  }
  std::get<config::SmtpCheck>(ch.details).hosts.push_back(std::move(host));
}

const CheckerKeyword kSmtpKeywords[] = {
    {"helo_name",
     [](const Node& n, BindContext& c, Checker& ch) {
       if (!expect_args(n, c, 1)) return;
       std::get<config::SmtpCheck>(ch.details).helo_name = n.arg(0).text;
     }},
    {"host", bind_smtp_host},
};

// ---- DNS_CHECK -------------------------------------------------------------------------------

bool valid_dns_name(std::string_view name) {
  if (name == ".") return true;
  if (name.empty() || name.size() > 253 + (name.back() == '.' ? 1 : 0)) return false;
  if (name.back() == '.') name.remove_suffix(1);
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t dot = name.find('.', start);
    std::size_t end = dot == std::string_view::npos ? name.size() : dot;
    if (end == start || end - start > 63) return false;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return true;
}

const CheckerKeyword kDnsKeywords[] = {
    {"type",
     [](const Node& n, BindContext& c, Checker& ch) {
       using T = config::DnsType;
       if (!expect_args(n, c, 1)) return;
       auto t = parse_choice<T>(n, 0,
                                {{"A", T::kA},
                                 {"NS", T::kNs},
                                 {"CNAME", T::kCname},
                                 {"SOA", T::kSoa},
                                 {"MX", T::kMx},
                                 {"TXT", T::kTxt},
                                 {"AAAA", T::kAaaa},
                                 {"RRSIG", T::kRrsig},
                                 {"DNSKEY", T::kDnskey}},
                                c, /*ignore_case=*/true);
       if (t) std::get<config::DnsCheck>(ch.details).type = *t;
     }},
    {"name",
     [](const Node& n, BindContext& c, Checker& ch) {
       if (!expect_args(n, c, 1)) return;
       if (!valid_dns_name(n.arg(0).text)) {
         c.diag.error(n.arg(0).location, "'name': invalid DNS name " + squote(n.arg(0).text) +
                                             " (empty or over-long label)");
         return;
       }
       std::get<config::DnsCheck>(ch.details).name = n.arg(0).text;
     }},
};

// ---- UDP_CHECK -------------------------------------------------------------------------------

// keepalived's read_hex_str: hex digits with optional blanks; a digit alone before a blank is
// one octet; with `wildcards`, x/X stands for a nibble that is not compared.
std::optional<config::HexData> parse_hex(std::string_view s, bool wildcards) {
  config::HexData out;
  bool any_mask = false;
  auto nibble = [&](char ch, std::uint8_t& value, std::uint8_t& mask) {
    mask = 0;
    if (ch >= '0' && ch <= '9')
      value = static_cast<std::uint8_t>(ch - '0');
    else if (ch >= 'a' && ch <= 'f')
      value = static_cast<std::uint8_t>(ch - 'a' + 10);
    else if (ch >= 'A' && ch <= 'F')
      value = static_cast<std::uint8_t>(ch - 'A' + 10);
    else if (wildcards && (ch == 'x' || ch == 'X'))
      value = 0, mask = 0x0f, any_mask = true;
    else
      return false;
    return true;
  };
  std::size_t i = 0;
  while (true) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    if (i == s.size()) break;
    std::uint8_t v = 0, m = 0;
    if (!nibble(s[i++], v, m)) return std::nullopt;
    if (i < s.size() && s[i] != ' ' && s[i] != '\t') {
      std::uint8_t v2 = 0, m2 = 0;
      if (!nibble(s[i++], v2, m2)) return std::nullopt;
      v = static_cast<std::uint8_t>((v << 4) | v2);
      m = static_cast<std::uint8_t>((m << 4) | m2);
    }
    out.bytes.push_back(v);
    out.mask.push_back(m);
  }
  if (out.bytes.empty() || out.bytes.size() > 65535) return std::nullopt;
  if (!any_mask) out.mask.clear();
  return out;
}

config::UdpCheck& udp(Checker& ch) { return std::get<config::UdpCheck>(ch.details); }

const CheckerKeyword kUdpKeywords[] = {
    {"payload",
     [](const Node& n, BindContext& c, Checker& ch) {
       if (!expect_args(n, c, 1, SIZE_MAX)) return;
       auto h = parse_hex(join_args(n, 0), false);
       if (!h) {
         c.diag.error(n.arg(0).location,
                      "'payload': invalid hex string " + squote(join_args(n, 0)));
         return;
       }
       udp(ch).payload = std::move(*h);
     }},
    {"require_reply",
     [](const Node& n, BindContext& c, Checker& ch) {
       udp(ch).require_reply = true;
       if (n.argc() == 0) return;
       auto h = parse_hex(join_args(n, 0), true);
       if (!h) {
         c.diag.error(n.arg(0).location, "'require_reply': invalid hex string " +
                                             squote(join_args(n, 0)) +
                                             " (hex digits, x for a nibble not compared)");
         return;
       }
       udp(ch).reply = std::move(*h);
     }},
    {"min_reply_length",
     [](const Node& n, BindContext& c, Checker& ch) {
       if (!expect_args(n, c, 1)) return;
       if (auto v = parse_uint(n, 0, 0, 65535, c)) {
         udp(ch).min_reply_length = static_cast<std::uint32_t>(*v);
       }
     }},
    {"max_reply_length",
     [](const Node& n, BindContext& c, Checker& ch) {
       if (!expect_args(n, c, 1)) return;
       if (auto v = parse_uint(n, 0, 0, 65535, c)) {
         udp(ch).max_reply_length = static_cast<std::uint32_t>(*v);
       }
     }},
};

// ---- FILE_CHECK ------------------------------------------------------------------------------

const CheckerKeyword kFileKeywords[] = {
    {"track_file",
     [](const Node& n, BindContext& c, Checker& ch) {
       if (!expect_args(n, c, 1)) return;
       std::get<config::FileCheck>(ch.details).track_file = n.arg(0).text;
     }},
    {"weight",
     [](const Node& n, BindContext& c, Checker& ch) {
       if (!expect_args(n, c, 1, 2)) return;
       auto w = parse_int(n, 0, -INT_MAX, INT_MAX, c);
       if (!w) return;
       bool reverse = false;
       if (n.argc() == 2) {
         auto r = parse_choice<bool>(n, 1, {{"reverse", true}, {"noreverse", false}}, c);
         if (!r) return;
         reverse = *r;
       }
       auto& f = std::get<config::FileCheck>(ch.details);
       f.weight = static_cast<std::int32_t>(*w);
       f.reverse = reverse;
     }},
};

// ---- per-type tables and the real_server entries ----------------------------------------------

std::string_view type_keyword(CheckerType t) {
  switch (t) {
    case CheckerType::kTcp:
      return "TCP_CHECK";
    case CheckerType::kHttp:
      return "HTTP_GET";
    case CheckerType::kSsl:
      return "SSL_GET";
    case CheckerType::kMisc:
      return "MISC_CHECK";
    case CheckerType::kSmtp:
      return "SMTP_CHECK";
    case CheckerType::kDns:
      return "DNS_CHECK";
    case CheckerType::kUdp:
      return "UDP_CHECK";
    case CheckerType::kPing:
      return "PING_CHECK";
    case CheckerType::kFile:
      return "FILE_CHECK";
  }
  return "";
}

bool finish_connection(const Node& node, Checker& ch, BindContext& ctx) {
  if (!ch.connection) return true;
  ConnectionOptions& co = *ch.connection;
  if (co.connect_ip && co.bindto && co.connect_ip->is_v4() != co.bindto->is_v4()) {
    ctx.diag.error(co.location, std::string(type_keyword(ch.type)) +
                                    ": 'bindto' and 'connect_ip' are of different address "
                                    "families; 'bindto' is ignored");
    co.bindto.reset();
  }
  // keepalived (check_conn_opts): an IPv6 link-local destination needs an interface; the
  // checker is dropped otherwise.
  if (co.connect_ip && co.connect_ip->is_v6() && co.connect_ip->to_v6().is_link_local() &&
      co.bind_if.empty()) {
    ctx.diag.warning(node.location(), std::string(type_keyword(ch.type)) +
                                          ": link-local connect_ip " + co.connect_ip->to_string() +
                                          " needs 'bind_if'; the checker is ignored");
    return false;
  }
  return true;
}

bool finish_checker(const Node& node, Checker& ch, BindContext& ctx) {
  if (!finish_connection(node, ch, ctx)) return false;
  switch (ch.type) {
    case CheckerType::kHttp:
    case CheckerType::kSsl:
      return finish_http_checker(node, ch, ctx);
    case CheckerType::kMisc: {
      auto& m = misc(ch);
      if (m.path.empty()) {
        ctx.diag.warning(node.location(), "MISC_CHECK has no 'misc_path'; the checker is ignored");
        return false;
      }
      ctx.host.scripts.push_back(
          ScriptReference{m.path, m.user, ScriptKind::kCheck, node.location(), "MISC_CHECK"});
      return true;
    }
    case CheckerType::kFile:
      if (std::get<config::FileCheck>(ch.details).track_file.empty()) {
        ctx.diag.warning(node.location(), "FILE_CHECK has no 'track_file'; the checker is ignored");
        return false;
      }
      return true;
    case CheckerType::kUdp:
      if (udp(ch).min_reply_length > udp(ch).max_reply_length) {
        ctx.diag.warning(node.location(),
                         "UDP_CHECK: min_reply_length " + std::to_string(udp(ch).min_reply_length) +
                             " > max_reply_length " + std::to_string(udp(ch).max_reply_length) +
                             "; the check will always fail");
      }
      return true;
    default:
      return true;
  }
}

template <CheckerType kType, class Details>
void bind_checker(const Node& node, BindContext& ctx, config::RealServer& rs) {
  if (!expect_args(node, ctx, 0)) return;
  Checker ch;
  ch.location = node.location();
  ch.type = kType;
  ch.details = Details{};
  const bool has_connection = kType != CheckerType::kMisc && kType != CheckerType::kFile;
  if (has_connection) {
    ch.connection.emplace();
    ch.connection->location = node.location();
  }
  static const std::vector<CheckerKeyword> specific = [] {
    std::vector<CheckerKeyword> t;
    auto add = [&](auto& table) { t.insert(t.end(), std::begin(table), std::end(table)); };
    if constexpr (kType == CheckerType::kHttp || kType == CheckerType::kSsl) {
      auto h = http_checker_keywords();
      t.insert(t.end(), h.begin(), h.end());
    }
    if constexpr (kType == CheckerType::kMisc) add(kMiscKeywords);
    if constexpr (kType == CheckerType::kSmtp) add(kSmtpKeywords);
    if constexpr (kType == CheckerType::kDns) add(kDnsKeywords);
    if constexpr (kType == CheckerType::kUdp) add(kUdpKeywords);
    if constexpr (kType == CheckerType::kFile) add(kFileKeywords);
    return t;
  }();
  if (kType == CheckerType::kFile) {
    // FILE_CHECK has none of the common checker keywords.
    if (node.has_block)
      bind_block(node, std::span<const CheckerKeyword>(specific), "FILE_CHECK", ctx, ch);
  } else if (node.has_block) {
    bind_checker_block(node, type_keyword(kType), specific, ctx, ch);
  }
  if (finish_checker(node, ch, ctx)) rs.checkers.push_back(std::move(ch));
}

using RsKeyword = Keyword<config::RealServer>;

const RsKeyword kCheckerEntries[] = {
    {"TCP_CHECK", bind_checker<CheckerType::kTcp, config::TcpCheck>},
    {"HTTP_GET", bind_checker<CheckerType::kHttp, config::HttpCheck>},
    {"SSL_GET", bind_checker<CheckerType::kSsl, config::HttpCheck>},
    {"MISC_CHECK", bind_checker<CheckerType::kMisc, config::MiscCheck>},
    {"SMTP_CHECK", bind_checker<CheckerType::kSmtp, config::SmtpCheck>},
    {"DNS_CHECK", bind_checker<CheckerType::kDns, config::DnsCheck>},
    {"UDP_CHECK", bind_checker<CheckerType::kUdp, config::UdpCheck>},
    {"PING_CHECK", bind_checker<CheckerType::kPing, config::PingCheck>},
    {"FILE_CHECK", bind_checker<CheckerType::kFile, config::FileCheck>},
    {"BFD_CHECK", nullptr, KeywordKind::kUnsupported, "BFD"},
};

}  // namespace

std::span<const Keyword<config::RealServer>> checker_keywords() { return kCheckerEntries; }

void report_misplaced_rise(const Node& node, BindContext& ctx) {
  ctx.diag.warning(node.location(),
                   "'rise' is a checker keyword (vigil extension): write it inside the "
                   "TCP_CHECK, HTTP_GET, ... block it applies to; ignored here");
}
std::span<const Keyword<ConnectionOptions>> connection_keywords() { return kConnectionKeywords; }
std::span<const Keyword<Checker>> common_checker_keywords() { return kCommonKeywords; }

void bind_checker_block(const Node& block, std::string_view block_name,
                        std::span<const Keyword<Checker>> specific, BindContext& ctx,
                        Checker& checker) {
  auto conn = connection_keywords();
  auto common = common_checker_keywords();
  for (const Node& child : block.children) {
    if (checker.connection && bind_keyword(child, conn, ctx, *checker.connection)) continue;
    if (bind_keyword(child, common, ctx, checker)) continue;
    if (bind_keyword(child, specific, ctx, checker)) continue;
    std::vector<std::string_view> names;
    if (checker.connection) names = keyword_names(conn);
    for (const auto& k : common) names.push_back(k.name);
    for (const auto& k : specific) names.push_back(k.name);
    report_unknown_keyword(child, block_name, names, ctx);
  }
}

}  // namespace vigil::parser::lvs
