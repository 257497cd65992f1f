#pragma once

// Health checkers of a real server (TCP_CHECK, HTTP_GET, SSL_GET, MISC_CHECK, SMTP_CHECK,
// DNS_CHECK, UDP_CHECK, PING_CHECK, FILE_CHECK). Owned by the LVS binder
// (parser/bind_checkers.cc, parser/bind_checkers_http.cc).
//
// After finalize_lvs every inheritable setting of a checker holds its effective value, taken as
// keepalived 2.2.7 does (validate_check_config() in check_data.c): the checker's own keyword,
// else the real server's, else the virtual server's, else the checker type's default.

#include <bitset>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/ip_address.h"
#include "parser/config/boxed.h"
#include "parser/source_location.h"

namespace vigil::config {

using Duration = std::chrono::microseconds;

enum class CheckerType { kTcp, kHttp, kSsl, kMisc, kSmtp, kDns, kUdp, kPing, kFile };

// connect_ip, connect_port, bindto, bind_port, bind_if, fwmark, connect_timeout. Every checker
// type except MISC_CHECK and FILE_CHECK has them.
struct ConnectionOptions {
  parser::SourceLocation location;
  // Default: the real server's address and (effective) port.
  std::optional<core::IpAddress> connect_ip;
  std::optional<std::uint16_t> connect_port;
  std::optional<core::IpAddress> bindto;
  std::optional<std::uint16_t> bind_port;
  std::string bind_if;                      // empty: none
  std::uint32_t fwmark = 0;                 // SO_MARK on the checker's socket; 0: none
  std::optional<Duration> connect_timeout;  // inherited real_server -> virtual_server (5 s)
};

// The content match of a `url { }`.
struct HttpRegex {
  std::string pattern;  // never empty once bound
  bool no_match = false;
  std::vector<std::string> options;
  std::size_t min_offset = 0;
  std::optional<std::size_t> max_offset;
  std::optional<std::pair<std::size_t, std::size_t>> stack;  // start, max bytes
  parser::SourceLocation location;                           // of the pattern
};

// One `url { }` of HTTP_GET / SSL_GET.
struct HttpUrl {
  parser::SourceLocation location;
  std::string path;
  std::optional<std::string> digest;  // 32 lower-case hex characters (MD5)
  // HTTP status codes 100..599 (keepalived's HTTP_STATUS_CODE_MIN..MAX) accepted as success;
  // keepalived's default is 200-299.
  static constexpr unsigned kMinStatus = 100;
  static constexpr unsigned kMaxStatus = 599;
  std::bitset<kMaxStatus - kMinStatus + 1> status_codes;
  Boxed<std::string> virtualhost;  // inherited checker -> real -> virtual server
  // regex, regex_no_match, regex_options, regex_min_offset, regex_max_offset, regex_stack:
  // rare, so boxed. Unset unless `regex` was given (the others alone are ignored).
  Boxed<HttpRegex> regex;

  bool accepts(unsigned code) const {
    return code >= kMinStatus && code <= kMaxStatus && status_codes.test(code - kMinStatus);
  }
};

enum class HttpProtocol { k1_0, k1_0C, k1_1 };

// vigil extension (keepalived never verifies): SSL_GET checks the server's certificate chain
// and name. Unset (boxed, null) unless one of the verify_* keywords was given.
struct TlsVerify {
  bool enabled = false;  // verify_certificate
  std::string ca_file;   // verify_ca_file; empty: the SSL { } block's ca, else the system's
  std::string ca_path;   // verify_ca_path: a directory of hashed certificates
  std::string host;      // verify_host; empty: the url's virtualhost, else the address
};

struct HttpCheck {
  std::vector<HttpUrl> urls;
  HttpProtocol http_protocol = HttpProtocol::k1_0;
  Boxed<std::string> virtualhost;
  bool enable_sni = false;
  bool fast_recovery = false;
  Boxed<TlsVerify> verify;  // SSL_GET only
};

struct MiscCheck {
  std::string path;                 // the command line as written; first word is the program
  std::optional<Duration> timeout;  // misc_timeout; unset: the virtual server's delay_loop
  bool dynamic = false;
  std::string user;   // empty: the default script user
  std::string group;  // empty: the user's group
};

// An SMTP_CHECK `host { }` block (deprecated by keepalived): finalize turns each into a checker
// of its own, as keepalived does.
struct SmtpHost {
  parser::SourceLocation location;
  ConnectionOptions connection;
};

struct SmtpCheck {
  std::string helo_name = "smtpchecker.keepalived.org";
  std::vector<SmtpHost> hosts;  // empty after finalize
};

enum class DnsType { kA, kNs, kCname, kSoa, kMx, kTxt, kAaaa, kRrsig, kDnskey };

struct DnsCheck {
  DnsType type = DnsType::kSoa;
  std::string name = ".";
};

// A hex string as UDP_CHECK takes it; `mask` marks wildcard nibbles (x/X) of require_reply.
struct HexData {
  std::vector<std::uint8_t> bytes;
  std::vector<std::uint8_t> mask;  // empty: no wildcards
};

struct UdpCheck {
  std::optional<HexData> payload;  // unset: a random payload
  bool require_reply = false;
  std::optional<HexData> reply;
  std::uint32_t min_reply_length = 0;
  std::uint32_t max_reply_length = 255;
};

struct TcpCheck {};
struct PingCheck {};

struct FileCheck {
  std::string track_file;
  // Unset until finalize, which takes the track_file's own weight and reverse.
  std::optional<std::int32_t> weight;
  bool reverse = false;
};

using CheckerDetails = std::variant<TcpCheck, HttpCheck, MiscCheck, SmtpCheck, DnsCheck, UdpCheck,
                                    PingCheck, FileCheck>;

struct Checker {
  parser::SourceLocation location;
  CheckerType type = CheckerType::kTcp;
  // Unset for MISC_CHECK and FILE_CHECK.
  std::optional<ConnectionOptions> connection;
  // Effective after finalize (FILE_CHECK has none of these and leaves them unset).
  std::optional<Duration> delay_loop;
  std::optional<Duration> warmup;
  std::optional<std::uint32_t> retry;
  std::optional<Duration> delay_before_retry;
  std::optional<bool> alpha;
  // vigil extension (keepalived has no such keyword): consecutive successes a down checker needs
  // before it is up again. 1 is keepalived's behaviour.
  std::uint32_t rise = 1;
  bool log_all_failures = false;
  CheckerDetails details;
};

}  // namespace vigil::config
