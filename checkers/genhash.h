#pragma once

// vigil-genhash: keepalived's genhash. Fetches one URL the way HTTP_GET / SSL_GET does (same
// request, same de-chunking, same MD5) and prints the body's digest, ready to paste into a
// url { digest ... }. Options as keepalived 2.2.7's genhash:
//   -s/--server ADDR -p/--port N -u/--url PATH (all three required), -S/--use-ssl,
//   -I/--use-sni (sends the -V name), -V/--use-virtualhost NAME, -P/--protocol 1.0|1.0c|1.1,
//   -m/--fwmark N, -t/--timeout SECONDS, -v/--verbose, -h/--help.
// Differences: the default timeout is 5 s (keepalived's genhash waits forever), a failure exits
// with status 1 and its reason on stderr.

#include <iosfwd>
#include <optional>
#include <string>

#include "checkers/check.h"
#include "parser/config/checkers.h"

namespace vigil::checkers {

struct GenhashOptions {
  Endpoint endpoint;
  std::string path;
  bool tls = false;
  bool sni = false;
  std::optional<std::string> virtualhost;
  config::HttpProtocol protocol = config::HttpProtocol::k1_0;
  bool verbose = false;
  bool help = false;
};

// nullopt with *error set on a bad command line.
std::optional<GenhashOptions> parse_genhash_options(int argc, char** argv, std::string* error);
std::string genhash_usage(const std::string& program);

// Fetches and prints; returns the process exit status.
int run_genhash(const GenhashOptions& options, std::ostream& out, std::ostream& err);

}  // namespace vigil::checkers
