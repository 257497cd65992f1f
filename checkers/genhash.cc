#include "checkers/genhash.h"

#include <getopt.h>

#include <charconv>
#include <optional>
#include <ostream>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "checkers/http_fetch.h"
#include "checkers/http_message.h"

namespace vigil::checkers {

namespace {

template <typename T>
bool parse_number(const char* text, T& out) {
  const char* end = text + std::char_traits<char>::length(text);
  auto [p, ec] = std::from_chars(text, end, out);
  return ec == std::errc() && p == end && p != text;
}

}  // namespace

std::string genhash_usage(const std::string& program) {
  return "Usage: " + program +
         " COMMAND [OPTIONS]\n"
         "Commands:\n"
         "   -s server-address -p port -u url\n"
         "   -S -s server-address -p port -u url\n"
         "   -h\n\n"
         "Options:\n"
         "Either long or short options are allowed.\n"
         "   --use-ssl         -S       Use SSL connection to remote server.\n"
         "   --use-sni         -I       Use SNI during SSL handshake (uses virtualhost setting; "
         "see -V).\n"
         "   --server          -s       Use the specified remote server address.\n"
         "   --port            -p       Use the specified remote server port.\n"
         "   --url             -u       Use the specified remote server url.\n"
         "   --use-virtualhost -V       Use the specified virtualhost in GET query.\n"
         "   --verbose         -v       Use verbose mode output.\n"
         "   --help            -h       Display this short inlined help screen.\n"
         "   --fwmark          -m       Use the specified FW mark.\n"
         "   --protocol        -P       Use the specified HTTP protocol - '1.0', 1.0c', '1.1'.\n"
         "                                1.0c means 1.0 with 'Connection: close'\n"
         "   --timeout         -t       Timeout in seconds (default 5)\n";
}

std::optional<GenhashOptions> parse_genhash_options(int argc, char** argv, std::string* error) {
  static const option kLong[] = {
      {"help", no_argument, nullptr, 'h'},
      {"verbose", no_argument, nullptr, 'v'},
      {"use-ssl", no_argument, nullptr, 'S'},
      {"use-sni", no_argument, nullptr, 'I'},
      {"server", required_argument, nullptr, 's'},
      {"use-virtualhost", required_argument, nullptr, 'V'},
      {"port", required_argument, nullptr, 'p'},
      {"url", required_argument, nullptr, 'u'},
      {"fwmark", required_argument, nullptr, 'm'},
      {"protocol", required_argument, nullptr, 'P'},
      {"timeout", required_argument, nullptr, 't'},
      {nullptr, 0, nullptr, 0},
  };
  GenhashOptions o;
  bool have_server = false, have_port = false, have_url = false;
  auto bad = [&](std::string why) -> std::optional<GenhashOptions> {
    if (error) *error = std::move(why);
    return std::nullopt;
  };
  optind = 0;  // re-entrant for tests; 0 also resets getopt's internal state
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "hvSIs:V:p:u:m:P:t:", kLong, nullptr)) != -1) {
    switch (c) {
      case 'h':
        o.help = true;
        return o;
      case 'v':
        o.verbose = true;
        break;
      case 'S':
        o.tls = true;
        break;
      case 'I':
        o.sni = true;
        break;
      case 's': {
        boost::system::error_code ec;
        o.endpoint.address = boost::asio::ip::make_address(optarg, ec);
        if (ec) return bad(std::string("server should be an IP, not ") + optarg);
        have_server = true;
        break;
      }
      case 'V':
        o.virtualhost = optarg;
        break;
      case 'p': {
        unsigned port = 0;
        if (!parse_number(optarg, port) || port == 0 || port > 65535)
          return bad(std::string("invalid port number '") + optarg + "'");
        o.endpoint.port = static_cast<std::uint16_t>(port);
        have_port = true;
        break;
      }
      case 'u':
        o.path = optarg;
        have_url = true;
        break;
      case 'm':
        if (!parse_number(optarg, o.endpoint.fwmark))
          return bad(std::string("invalid fwmark '") + optarg + "'");
        break;
      case 'P': {
        const std::string p = optarg;
        if (p == "1.0")
          o.protocol = config::HttpProtocol::k1_0;
        else if (p == "1.0c" || p == "1.0C")
          o.protocol = config::HttpProtocol::k1_0C;
        else if (p == "1.1")
          o.protocol = config::HttpProtocol::k1_1;
        else
          return bad("invalid HTTP protocol version '" + p + "'");
        break;
      }
      case 't': {
        unsigned seconds = 0;
        if (!parse_number(optarg, seconds) || seconds == 0)
          return bad(std::string("invalid timeout '") + optarg + "'");
        o.endpoint.connect_timeout = std::chrono::seconds(seconds);
        break;
      }
      default:
        return bad("unknown option or missing argument");
    }
  }
  if (optind < argc) return bad(std::string("unexpected argument '") + argv[optind] + "'");
  if (!have_server || !have_port || !have_url) return bad("-s, -p and -u are required");
  return o;
}

int run_genhash(const GenhashOptions& o, std::ostream& out, std::ostream& err) {
  HttpFetchRequest request;
  request.endpoint = o.endpoint;
  request.protocol = o.protocol;
  request.path = o.path;
  request.host =
      http_host(o.virtualhost ? &*o.virtualhost : nullptr, o.endpoint.address, o.endpoint.port);
  request.digest = true;
  request.keep_header = true;
  if (o.tls) {
    std::string why;
    request.tls = make_client_tls_context(nullptr, nullptr, &why);
    if (!request.tls) {
      err << "Cannot initialize SSL context: " << why << '\n';
      return 1;
    }
    if (o.sni && o.virtualhost) request.sni = *o.virtualhost;
  }
  if (o.verbose) {
    out << "-----------------------[    HTTP Request    ]-----------------------\n"
        << http_request(request.path, request.protocol, request.host);
  }

  boost::asio::io_context io;
  std::optional<HttpFetchResult> result;
  boost::asio::co_spawn(io, http_fetch(io, request),
                        [&](std::exception_ptr, HttpFetchResult r) { result = std::move(r); });
  io.run();
  if (!result || !result->transport_ok) {
    err << (result ? result->error : std::string("fetch did not complete")) << '\n';
    return 1;
  }
  if (o.verbose) {
    out << "-----------------------[ HTTP Header Ascii Buffer ]-----------------------\n"
        << result->header << "-----------------------[ HTML body: " << result->body_bytes
        << " bytes ]-----------------------\n";
    out << "-----------------------[ HTML hash final resulting ]-----------------------\n";
  }
  out << result->digest << '\n';
  return 0;
}

}  // namespace vigil::checkers
