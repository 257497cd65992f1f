// Checker blocks: keywords, per-type defaults and keepalived's inheritance
// virtual_server -> real_server -> checker, as the effective model and the JSON show them.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "parser/binders.h"
#include "parser/parse.h"

namespace vigil::parser {
namespace {

ParseResult parse(std::string_view text) {
  ParseOptions o;
  o.host_checks = false;
  return parse_config_text(text, "t.conf", o);
}

std::vector<std::string> diags(const ParseResult& r) {
  std::vector<std::string> out;
  for (const auto& d : r.diagnostics.entries()) out.push_back(d.str());
  return out;
}

using Strings = std::vector<std::string>;

// One real server 10.0.0.2:80 whose block starts at line 6; `vs_body` goes on line 5.
std::string rs(std::string_view rs_body, std::string_view vs_body = "  omega off\n") {
  return "virtual_server 10.0.0.1 80 {\n  protocol TCP\n  lb_algo rr\n  lb_kind DR\n" +
         std::string(vs_body) + "  real_server 10.0.0.2 80 {\n" + std::string(rs_body) + "  }\n}\n";
}

nlohmann::ordered_json checker(const ParseResult& r, std::size_t i = 0) {
  return lvs_to_json(r.config)["virtual_servers"][0]["real_servers"][0]["checkers"][i];
}

TEST(BindCheckers, TcpDefaults) {
  auto r = parse(rs("    TCP_CHECK {\n    }\n"));
  EXPECT_EQ(diags(r), Strings{});
  auto c = checker(r);
  EXPECT_EQ(c["type"], "TCP_CHECK");
  EXPECT_EQ(c["connect_ip"], "10.0.0.2");
  EXPECT_EQ(c["connect_port"], 80);
  EXPECT_EQ(c["connect_timeout"], 5);
  EXPECT_EQ(c["delay_loop"], 60);
  EXPECT_EQ(c["warmup"], 60);  // keepalived: the checker's delay_loop
  EXPECT_EQ(c["retry"], 1);
  EXPECT_EQ(c["delay_before_retry"], 1);
  EXPECT_EQ(c["alpha"], false);
  // keepalived's smtp_alert defaults without global settings: off for the virtual server,
  // on for the real server.
  auto v = lvs_to_json(r.config)["virtual_servers"][0];
  EXPECT_EQ(v["smtp_alert"], false);
  EXPECT_EQ(v["real_servers"][0]["smtp_alert"], true);
  auto g = parse("global_defs {\n  smtp_alert_checker off\n}\n" + rs(""));
  EXPECT_EQ(lvs_to_json(g.config)["virtual_servers"][0]["real_servers"][0]["smtp_alert"], false);
}

TEST(BindCheckers, InheritanceVirtualToRealToChecker) {
  std::string vs_body =
      "  connect_timeout 3\n  delay_loop 6\n  retry 2\n  delay_before_retry 2.5\n  alpha\n";
  auto r =
      parse(rs("    connect_timeout 7\n    warmup 0\n"
               "    TCP_CHECK {\n    }\n"
               "    TCP_CHECK {\n      connect_timeout 0.5\n      retry 0\n"
               "      delay_loop 10\n      alpha no\n    }\n",
               vs_body));
  EXPECT_EQ(diags(r), Strings{});
  auto a = checker(r, 0);
  EXPECT_EQ(a["connect_timeout"], 7);  // the real server's
  EXPECT_EQ(a["delay_loop"], 6);       // the virtual server's, through the real server
  EXPECT_EQ(a["retry"], 2);
  EXPECT_EQ(a["delay_before_retry"], 2.5);
  EXPECT_EQ(a["warmup"], 0);
  EXPECT_EQ(a["alpha"], true);
  auto b = checker(r, 1);
  EXPECT_EQ(b["connect_timeout"], 0.5);
  EXPECT_EQ(b["retry"], 0);
  EXPECT_EQ(b["delay_loop"], 10);
  EXPECT_EQ(b["warmup"], 0);  // the real server's warmup wins over the checker's delay_loop
  EXPECT_EQ(b["alpha"], false);
}

TEST(BindCheckers, ConnectionKeywords) {
  auto r =
      parse(rs("    TCP_CHECK {\n      connect_ip 10.0.0.20\n      connect_port 8080\n"
               "      bindto 10.0.0.1\n      bind_port 5000\n      bind_if eth0\n"
               "      fwmark 7\n    }\n"));
  EXPECT_EQ(diags(r), Strings{});
  auto c = checker(r);
  EXPECT_EQ(c["connect_ip"], "10.0.0.20");
  EXPECT_EQ(c["connect_port"], 8080);
  EXPECT_EQ(c["bindto"], "10.0.0.1");
  EXPECT_EQ(c["bind_port"], 5000);
  EXPECT_EQ(c["bind_if"], "eth0");
  EXPECT_EQ(c["fwmark"], 7);
}

TEST(BindCheckers, ConnectionErrors) {
  auto r =
      parse(rs("    TCP_CHECK {\n      connect_port 0\n      bind_port 70000\n"
               "      bind_if 12345678901234567\n      connect_timeout 0\n"
               "      bindto 2001:db8::1\n      nb_get_retry 3\n    }\n"));
  EXPECT_EQ(
      diags(r),
      (Strings{
          "t.conf:8:20: error: 'connect_port': invalid value '0' (expected an integer 1..65535)",
          "t.conf:9:17: error: 'bind_port': invalid value '70000' (expected an integer 1..65535)",
          "t.conf:10:15: error: 'bind_if': invalid interface name '12345678901234567' (expected "
          "1..15 characters)",
          "t.conf:11:23: error: 'connect_timeout': invalid value '0' (expected seconds "
          "0.000001..4294.967295)",
          "t.conf:13:7: warning: unknown keyword 'nb_get_retry' in TCP_CHECK",
      }));
}

TEST(BindCheckers, LinkLocalNeedsBindIf) {
  auto r = parse(rs("    TCP_CHECK {\n      connect_ip fe80::1\n    }\n"));
  EXPECT_EQ(diags(r), Strings{"t.conf:7:5: warning: TCP_CHECK: link-local connect_ip fe80::1 needs "
                              "'bind_if'; the checker is ignored"});
  EXPECT_TRUE(r.config.lvs.virtual_servers[0].real_servers[0].checkers.empty());
}

TEST(BindCheckers, HttpGet) {
  auto r =
      parse(rs("    HTTP_GET {\n"
               "      url {\n        path /health\n"
               "        digest 0123456789ABCDEF0123456789abcdef\n"
               "        status_code 200 301-302\n      }\n"
               "      url {\n        path /\n      }\n"
               "      http_protocol 1.1\n      virtualhost www.example.com\n"
               "      fast_recovery\n    }\n"));
  EXPECT_EQ(diags(r), Strings{});
  auto c = checker(r);
  EXPECT_EQ(c["delay_before_retry"], 3);  // HTTP_GET's own default
  EXPECT_EQ(c["http_protocol"], "1.1");
  EXPECT_EQ(c["fast_recovery"], true);
  EXPECT_EQ(c["urls"][0]["digest"], "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(c["urls"][0]["status_code"], (nlohmann::ordered_json{"200", "301-302"}));
  EXPECT_EQ(c["urls"][1]["status_code"], (nlohmann::ordered_json{"200-299"}));
  EXPECT_EQ(c["urls"][1]["virtualhost"], "www.example.com");  // from the checker
}

TEST(BindCheckers, HttpVirtualhostInheritance) {
  auto r =
      parse(rs("    virtualhost rs.example\n    SSL_GET {\n      url {\n        path /\n"
               "      }\n    }\n",
               "  virtualhost vs.example\n"));
  EXPECT_EQ(diags(r), Strings{});
  auto c = checker(r);
  EXPECT_EQ(c["type"], "SSL_GET");
  EXPECT_EQ(c["virtualhost"], "rs.example");
  EXPECT_EQ(c["urls"][0]["virtualhost"], "rs.example");
}

TEST(BindCheckers, HttpErrors) {
  auto r =
      parse(rs("    HTTP_GET {\n      url {\n        path /\n        digest 123\n"
               "        status_code 99 200-299 1000 300-200\n"
               "        regex_options caseless casles\n      }\n"
               "      url {\n        digest 0123456789abcdef0123456789abcdef\n      }\n"
               "      http_protocol 2.0\n      nb_get_retry 3\n    }\n"
               "    HTTP_GET {\n    }\n"));
  EXPECT_EQ(
      diags(r),
      (Strings{
          "t.conf:10:16: error: 'digest': invalid value '123' (expected 32 hex digits, an MD5 "
          "sum as genhash prints it)",
          "t.conf:11:21: error: 'status_code': invalid value '99' (expected a code or range "
          "LOW-HIGH within 100..599)",
          "t.conf:11:32: error: 'status_code': invalid value '1000' (expected a code or range "
          "LOW-HIGH within 100..599)",
          "t.conf:11:37: error: 'status_code': invalid value '300-200' (expected a code or "
          "range LOW-HIGH within 100..599)",
          "t.conf:12:32: error: 'regex_options': invalid value 'casles' (expected one of "
          "allow_empty_class, alt_bsux, auto_callout, caseless, dollar_endonly, dotall, "
          "dupnames, extended, firstline, match_unset_backref, multiline, never_ucp, never_utf, "
          "no_auto_capture, no_auto_possess, no_dotstar_anchor, no_start_optimize, ucp, "
          "ungreedy, utf, never_backslash_c, alt_circumflex, alt_verbnames, use_offset_limit)",
          "t.conf:8:7: warning: regex options given without 'regex'; they are ignored",
          "t.conf:14:7: warning: url has no 'path'; it is ignored",
          "t.conf:17:21: error: 'http_protocol': invalid value '2.0' (expected one of 1.0, 1.1, "
          "1.0C, 1.0c); did you mean '1.0'?",
          "t.conf:18:7: warning: 'nb_get_retry' is deprecated; use 'retry'",
          "t.conf:20:5: warning: HTTP_GET has no url with a path; the checker is ignored",
      }));
  EXPECT_EQ(checker(r)["retry"], 3);
  EXPECT_EQ(checker(r)["urls"][0]["status_code"], (nlohmann::ordered_json{"200-299"}));
  EXPECT_EQ(r.config.lvs.virtual_servers[0].real_servers[0].checkers.size(), 1u);
}

TEST(BindCheckers, MiscCheck) {
  auto r =
      parse(rs("    MISC_CHECK {\n      misc_path /usr/local/bin/check --quick\n"
               "      misc_dynamic\n      user nobody nogroup\n    }\n"
               "    MISC_CHECK {\n      misc_timeout 4\n    }\n"
               "    MISC_CHECK {\n      connect_port 80\n      misc_path /bin/true\n    }\n",
               "  delay_loop 7\n"));
  EXPECT_EQ(diags(r),
            (Strings{"t.conf:12:5: warning: MISC_CHECK has no 'misc_path'; the checker is ignored",
                     "t.conf:16:7: warning: unknown keyword 'connect_port' in MISC_CHECK"}));
  auto c = checker(r);
  EXPECT_EQ(c["misc_path"], "/usr/local/bin/check --quick");
  EXPECT_EQ(c["misc_timeout"], 7);  // the virtual server's delay_loop
  EXPECT_EQ(c["retry"], 0);         // MISC_CHECK's own default
  EXPECT_EQ(c["misc_dynamic"], true);
  EXPECT_EQ(c["user"], "nobody");
  EXPECT_EQ(c["group"], "nogroup");
  EXPECT_FALSE(c.contains("connect_timeout"));
}

TEST(BindCheckers, DnsCheck) {
  auto r =
      parse(rs("    DNS_CHECK {\n      type aaaa\n      name www.example.com\n    }\n"
               "    DNS_CHECK {\n      type SPF\n      name a..b\n    }\n"));
  EXPECT_EQ(diags(r),
            (Strings{"t.conf:12:12: error: 'type': invalid value 'SPF' (expected one of A, NS, "
                     "CNAME, SOA, MX, TXT, AAAA, RRSIG, DNSKEY)",
                     "t.conf:13:12: error: 'name': invalid DNS name 'a..b' (empty or over-long "
                     "label)"}));
  auto c = checker(r);
  EXPECT_EQ(c["type"], "AAAA");
  EXPECT_EQ(c["name"], "www.example.com");
  EXPECT_EQ(c["retry"], 3);                // DNS_DEFAULT_RETRY
  EXPECT_EQ(c["delay_before_retry"], 60);  // the delay_loop
  auto d = checker(r, 1);
  EXPECT_EQ(d["type"], "SOA");
  EXPECT_EQ(d["name"], ".");
}

TEST(BindCheckers, UdpCheck) {
  auto r =
      parse(rs("    UDP_CHECK {\n      payload Ab12f 3 456\n      require_reply 0X 1x\n"
               "      min_reply_length 10\n      max_reply_length 5\n    }\n"
               "    UDP_CHECK {\n      payload zz\n    }\n"));
  EXPECT_EQ(diags(r),
            (Strings{"t.conf:7:5: warning: UDP_CHECK: min_reply_length 10 > max_reply_length 5; "
                     "the check will always fail",
                     "t.conf:14:15: error: 'payload': invalid hex string 'zz'"}));
  auto c = checker(r);
  EXPECT_EQ(c["payload"], "ab120f034506");
  EXPECT_EQ(c["require_reply"], true);
  EXPECT_EQ(c["reply"], "0x1x");
}

TEST(BindCheckers, SmtpHostsBecomeCheckers) {
  auto r =
      parse(rs("    SMTP_CHECK {\n      helo_name lb.example\n      retry 4\n"
               "      host {\n        connect_ip 10.0.0.30\n        connect_port 25\n      }\n"
               "      host {\n        connect_ip 10.0.0.31\n      }\n    }\n"
               "    SMTP_CHECK {\n    }\n"));
  ASSERT_EQ(r.diagnostics.entries().size(), 2u);  // deprecation notices only
  EXPECT_EQ(r.exit_code(), ExitCode::kOk);        // keepalived only logs them
  auto a = checker(r, 0);
  EXPECT_EQ(a["connect_ip"], "10.0.0.30");
  EXPECT_EQ(a["connect_port"], 25);
  EXPECT_EQ(a["helo_name"], "lb.example");
  EXPECT_EQ(a["retry"], 4);
  auto b = checker(r, 1);
  EXPECT_EQ(b["connect_ip"], "10.0.0.31");
  EXPECT_EQ(b["connect_port"], 80);
  auto c = checker(r, 2);
  EXPECT_EQ(c["helo_name"], "smtpchecker.keepalived.org");
  EXPECT_EQ(c["connect_ip"], "10.0.0.2");
}

TEST(BindCheckers, FileCheck) {
  std::string track = "track_file f1 {\n  file /run/f1\n  weight 3 reverse\n}\n";
  auto r = parse(track + rs("    FILE_CHECK {\n      track_file f1\n      weight -5\n    }\n"
                            "    FILE_CHECK {\n      track_file f1\n    }\n"
                            "    FILE_CHECK {\n      weight 2147483648\n      retry 3\n    }\n"
                            "    FILE_CHECK {\n      track_file nope\n    }\n"));
  EXPECT_EQ(diags(r),
            (Strings{"t.conf:19:14: error: 'weight': invalid value '2147483648' (expected an "
                     "integer -2147483647..2147483647)",
                     "t.conf:20:7: warning: unknown keyword 'retry' in FILE_CHECK",
                     "t.conf:18:5: warning: FILE_CHECK has no 'track_file'; the checker is "
                     "ignored",
                     "t.conf:22:5: error: FILE_CHECK: no track_file 'nope' is defined"}));
  auto a = checker(r, 0);
  EXPECT_EQ(a["track_file"], "f1");
  EXPECT_EQ(a["weight"], -5);
  EXPECT_EQ(a["reverse"], false);
  EXPECT_FALSE(a.contains("delay_loop"));
  auto b = checker(r, 1);
  EXPECT_EQ(b["weight"], 3);  // the track_file's
  EXPECT_EQ(b["reverse"], true);
  EXPECT_EQ(r.config.lvs.virtual_servers[0].real_servers[0].checkers.size(), 2u);
}

TEST(BindCheckers, BfdCheckIsUnsupportedAndClean) {
  auto r = parse(rs("    BFD_CHECK {\n      name bfd1\n    }\n    PING_CHECK {\n    }\n"));
  ASSERT_EQ(r.diagnostics.entries().size(), 1u);
  EXPECT_EQ(r.exit_code(), ExitCode::kOk);
  EXPECT_EQ(checker(r)["type"], "PING_CHECK");
}

TEST(BindCheckers, FwmarkRealServerWithoutPortWarns) {
  auto r = parse(
      "virtual_server fwmark 3 {\n  lb_algo rr\n  lb_kind DR\n  real_server 10.0.0.2 {\n"
      "    TCP_CHECK {\n    }\n    TCP_CHECK {\n      connect_port 80\n    }\n"
      "    PING_CHECK {\n    }\n  }\n}\n");
  EXPECT_EQ(diags(r), Strings{"t.conf:5:5: warning: checker of real_server 10.0.0.2 has no port "
                              "to connect to; set 'connect_port'"});
}

TEST(BindCheckers, CommonValueErrors) {
  auto r =
      parse(rs("    TCP_CHECK {\n      retry -1\n      warmup x\n      delay_loop 0\n"
               "      alpha maybe\n      log_all_failures\n    }\n"));
  EXPECT_EQ(
      diags(r),
      (Strings{
          "t.conf:8:13: error: 'retry': invalid value '-1' (expected an integer 0..4294967295)",
          "t.conf:9:14: error: 'warmup': invalid value 'x' (expected seconds 0..1000000000)",
          "t.conf:10:18: error: 'delay_loop': invalid value '0' (expected seconds "
          "0.000001..1000000000)",
          "t.conf:11:13: error: 'alpha': invalid value 'maybe' (expected on/off, true/false or "
          "yes/no)"}));
  EXPECT_EQ(checker(r)["log_all_failures"], true);
}

// `rise` (vigil extension): on every checker type with timing, 1 by default, in the dump; a
// value below 1 or outside a checker block is reported where it is written.
TEST(BindCheckers, Rise) {
  auto r =
      parse(rs("    TCP_CHECK {\n      rise 3\n    }\n    HTTP_GET {\n      url {\n"
               "        path /\n      }\n    }\n"));
  EXPECT_EQ(diags(r), Strings{});
  EXPECT_EQ(checker(r, 0)["rise"], 3);
  EXPECT_EQ(checker(r, 1)["rise"], 1);
  EXPECT_EQ(r.config.lvs.virtual_servers[0].real_servers[0].checkers[0].rise, 3u);

  auto bad =
      parse(rs("    rise 2\n    MISC_CHECK {\n      misc_path /bin/true\n      rise 0\n"
               "    }\n    PING_CHECK {\n      rise\n    }\n    FILE_CHECK {\n"
               "      track_file f\n      rise 2\n    }\n",
               "  rise 4\n"));
  EXPECT_EQ(
      diags(bad),
      (Strings{
          "t.conf:5:3: warning: 'rise' is a checker keyword (vigil extension): write it inside "
          "the TCP_CHECK, HTTP_GET, ... block it applies to; ignored here",
          "t.conf:7:5: warning: 'rise' is a checker keyword (vigil extension): write it inside "
          "the TCP_CHECK, HTTP_GET, ... block it applies to; ignored here",
          "t.conf:10:12: error: 'rise': invalid value '0' (expected an integer 1..4294967295)",
          "t.conf:13:7: error: 'rise' expects 1 argument, got 0",
          "t.conf:17:7: warning: unknown keyword 'rise' in FILE_CHECK",
          "t.conf:15:5: error: FILE_CHECK: no track_file 'f' is defined"}));
  EXPECT_EQ(checker(bad, 0)["rise"], 1);
}

// regex is PCRE2 (keepalived's library): PCRE2-only syntax is accepted, a pattern that does not
// compile with the url's regex_options is an error at the pattern.
TEST(BindCheckers, RegexPatternsCompileAsPcre2) {
  auto r =
      parse(rs("    HTTP_GET {\n      url {\n        path /\n"
               "        regex \"(?<=status: )GREEN(?<n>[0-9]++)?\"\n      }\n"
               "      url {\n        path /a\n        regex \"a(b\"\n      }\n"
               "      url {\n        path /b\n        regex \"(?<=a+)b\"\n      }\n"
               "      url {\n        path /c\n        regex x\n"
               "        regex_options utf never_utf\n      }\n    }\n"));
  EXPECT_EQ(
      diags(r),
      (Strings{"t.conf:14:15: error: 'regex': invalid pattern 'a(b': missing closing parenthesis "
               "at offset 3 (PCRE2 syntax); the checker is disabled",
               "t.conf:18:15: error: 'regex': invalid pattern '(?<=a+)b': lookbehind assertion is "
               "not fixed length at offset 0 (PCRE2 syntax); the checker is disabled",
               "t.conf:22:15: error: 'regex': invalid pattern 'x': using UTF is disabled by "
               "the application at offset 0 (PCRE2 syntax); the checker is disabled"}));
  EXPECT_EQ(checker(r)["urls"][0]["regex"], "(?<=status: )GREEN(?<n>[0-9]++)?");
}

// verify_certificate, verify_ca_file, verify_ca_path, verify_host (vigil extensions) on
// SSL_GET; in the dump of every SSL_GET; reported on HTTP_GET and when verification is off.
TEST(BindCheckers, SslVerification) {
  auto r =
      parse(rs("    SSL_GET {\n      url {\n        path /\n      }\n"
               "      verify_certificate\n      verify_ca_file /etc/ca.pem\n"
               "      verify_ca_path /etc/ssl/certs\n      verify_host www.example.com\n"
               "    }\n    SSL_GET {\n      url {\n        path /\n      }\n    }\n"));
  EXPECT_EQ(diags(r), Strings{});
  auto c = checker(r, 0);
  EXPECT_EQ(c["verify_certificate"], true);
  EXPECT_EQ(c["verify_ca_file"], "/etc/ca.pem");
  EXPECT_EQ(c["verify_ca_path"], "/etc/ssl/certs");
  EXPECT_EQ(c["verify_host"], "www.example.com");
  auto d = checker(r, 1);
  EXPECT_EQ(d["verify_certificate"], false);  // keepalived's behaviour
  EXPECT_EQ(d["verify_ca_file"], nullptr);

  auto bad =
      parse(rs("    HTTP_GET {\n      url {\n        path /\n      }\n"
               "      verify_certificate\n    }\n    SSL_GET {\n      url {\n"
               "        path /\n      }\n      verify_host h\n"
               "      verify_certificate maybe\n      verify_ca_file\n    }\n"));
  EXPECT_EQ(
      diags(bad),
      (Strings{"t.conf:11:7: warning: 'verify_certificate' applies to SSL_GET only (vigil "
               "extension); ignored",
               "t.conf:18:26: error: 'verify_certificate': invalid value 'maybe' (expected "
               "on/off, true/false or yes/no)",
               "t.conf:19:7: error: 'verify_ca_file' expects 1 argument, got 0",
               "t.conf:13:5: warning: SSL_GET: verify_ca_file, verify_ca_path and verify_host "
               "have no effect without 'verify_certificate'"}));
  EXPECT_EQ(checker(bad, 0).contains("verify_certificate"), false);
}

}  // namespace
}  // namespace vigil::parser
